"""
======================================================
Batched grid search: candidates x folds as one network
======================================================

``sknn_hp.model_selection.GridSearchCV`` is scikit-learn's ``GridSearchCV``
with one change: the (candidate, fold) fits of an sknn_hp network train
together, stacked into batched networks (``torch.bmm`` over the members,
narrower layers padded with units held at zero). Each member draws its
initial weights and batch order, and follows its stopping rule, exactly as its
standalone fit would, so on float64 data the per-fold scores equal
scikit-learn's search over the same pipeline.

This example runs both searches over a ``StandardScaler -> MLPClassifier``
pipeline on the digits data (widths x activations x penalties, 5 folds),
checks that every ``split*_test_score`` agrees, prints both timings and the
best candidate, and saves a figure of the time against the number of
candidates to ``examples/output/batched_search.png``. The timings depend on
the machine and its load; run ``benchmarks/bench_search.py`` for the
interleaved benchmark.

Set ``SKNN_HP_QUICK=1`` for a small grid and a few epochs.
"""

import os
import sys
import time
import warnings
from pathlib import Path

try:
    import sknn_hp  # noqa: F401
except ImportError:  # running from a source checkout that is not pip-installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from sklearn import model_selection as sk
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_hp import MLPClassifier
from sknn_hp.model_selection import GridSearchCV

QUICK = os.environ.get("SKNN_HP_QUICK", "") not in ("", "0")
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
max_iter = 5 if QUICK else 30
if QUICK:
    X, y = X[:500], y[:500]
pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=max_iter, learning_rate_init=3e-3, random_state=0))
grid = {
    "mlpclassifier__hidden_layer_sizes": [(32,), (64,)] if QUICK else [(32,), (64,), (128, 64)],
    "mlpclassifier__activation": ["relu", "tanh"],
    "mlpclassifier__alpha": [1e-4, 1e-2] if QUICK else [1e-5, 1e-4, 1e-3, 1e-2],
}
cv = StratifiedKFold(5)


def timed(search):
    start = time.perf_counter()
    search.fit(X, y)
    return time.perf_counter() - start, search


# %%
# The same search, scikit-learn's way (each fit alone, two worker processes)
# and batched (``n_jobs=2``: the batched groups train on two threads of one
# torch thread each, in this process).
t_sklearn, theirs = timed(sk.GridSearchCV(pipe, grid, cv=cv, n_jobs=2))
t_batched, ours = timed(GridSearchCV(pipe, grid, cv=cv, n_jobs=2))
print(f"scikit-learn's GridSearchCV(n_jobs=2): {t_sklearn:6.2f} s")
print(f"sknn_hp's batched GridSearchCV:       {t_batched:6.2f} s  ({t_sklearn / t_batched:.1f}x), "
      f"{ours.batched_fits_} of {len(ours.cv_results_['params']) * 5} fits batched")

# %%
# Every per-fold score agrees (float64 data, no dropout), and so does the winner.
splits = [k for k in theirs.cv_results_ if k.startswith("split") and k.endswith("_test_score")]
gap = max(np.abs(ours.cv_results_[k] - theirs.cv_results_[k]).max() for k in splits)
print(f"largest per-fold score difference: {gap:.2e}")
assert gap <= 1e-6
assert ours.best_params_ == theirs.best_params_
print("best:", ours.best_params_, f"CV accuracy {ours.best_score_:.4f}")

# %%
# Time against the number of candidates: the batched search grows with the
# arithmetic, not with a fixed cost per fit.
sizes = [2, 4, 8] if QUICK else [4, 8, 16, 32]
seconds = []
for n in sizes:
    g = {"mlpclassifier__hidden_layer_sizes": [(32,), (64,)],
         "mlpclassifier__alpha": np.logspace(-6, -1, n // 2).tolist()}
    seconds.append(timed(GridSearchCV(pipe, g, cv=cv, refit=False, n_jobs=2))[0])
    print(f"{n:3d} candidates x 5 folds: {seconds[-1]:.2f} s")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no figure.")
else:
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(sizes, seconds, "o-", label="batched GridSearchCV")
    ax.set_xlabel("candidates (x 5 folds)")
    ax.set_ylabel("seconds")
    n_candidates = len(theirs.cv_results_["params"])
    ax.set_title(f"digits, {max_iter} epochs (scikit-learn's search: {t_sklearn:.1f} s for {n_candidates})")
    ax.legend()
    fig.tight_layout()
    # The docs build (sphinx-gallery) runs the examples from this folder, without __file__.
    here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
    out = here / "output"
    out.mkdir(exist_ok=True)
    fig.savefig(out / "batched_search.png", dpi=80)
    print(f"saved {out / 'batched_search.png'}")
