"""
=======================================
Coarse-to-fine hyperparameter search
=======================================

The course notes' tuning workflow: sample hyperparameters **at random rather
than on a grid** (random search tries more distinct values of the few
hyperparameters that matter), draw rates and penalties **on a logarithmic
scale**, and go **coarse to fine**: once a region does well, zoom into it and
sample more densely there.

``sknn_hp.search_space`` gives the coarse space (log-uniform
``learning_rate_init`` in [1e-5, 1e-2] and ``alpha`` in [1e-6, 1e-1],
architecture, dropout, batch size, solver, schedule, and matched
activation/initializer pairs); with ``prefix='mlpclassifier__'`` its keys
address the estimator step of a ``make_pipeline(StandardScaler(), ...)``.
The example runs three searches on digits, each scored by 3-fold
cross-validation on the training set (2-fold with ``SKNN_HP_QUICK=1``):

1. coarse: ``RandomizedSearchCV`` over the whole space (sknn_hp's, from
   :mod:`sknn_hp.model_selection`: scikit-learn's search, with the
   candidates x folds that share a network layout trained as one batched
   network; the results are scikit-learn's);
2. fine: the best coarse candidate's other hyperparameters are kept and
   ``learning_rate_init`` and ``alpha`` are drawn log-uniformly within a
   factor of 3 of the coarse optimum;
3. successive halving: ``HalvingRandomSearchCV`` over the coarse space with
   the number of epochs (``mlpclassifier__max_iter``) as the resource: many
   candidates get a few epochs, the best third gets three times as many, and
   so on (the space leaves ``max_iter`` out for that reason).

It prints each stage's best parameters, cross-validated score and the test
accuracy of its refitted best pipeline. With this small a budget the stages'
differences are within cross-validation noise; the point is the workflow.
When matplotlib is installed, ``examples/output/coarse_to_fine_search.png``
plots every coarse and fine candidate's CV accuracy against its learning rate
and penalty.

Set ``SKNN_HP_QUICK=1`` for fewer candidates and epochs.
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

from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingRandomSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_hp import MLPClassifier, search_space
from sknn_hp.model_selection import RandomizedSearchCV

QUICK = os.environ.get("SKNN_HP_QUICK", "") not in ("", "0")
MAX_ITER = 6 if QUICK else 18  # epochs of a full fit (and the halving search's max resource)
N_COARSE, N_FINE, N_HALVING = (3, 2, 3) if QUICK else (6, 5, 9)
CV = 2 if QUICK else 3

warnings.filterwarnings("ignore", category=ConvergenceWarning)  # short epoch budgets on purpose

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)

P = "mlpclassifier__"
pipe = make_pipeline(
    StandardScaler(),
    MLPClassifier(max_iter=MAX_ITER, early_stopping=True, n_iter_no_change=5, random_state=0),
)
# The 'small' space (1-2 hidden layers of 16-128 units) keeps the example fast;
# random_state=0 gives every candidate the same seed, so they differ only by
# their hyperparameters.
coarse_space = search_space("classifier", size="small", random_state=0, prefix=P)


def show(stage, search, seconds):
    params = {k.removeprefix(P): v for k, v in search.best_params_.items() if k != P + "random_state"}
    n_fits = len(search.cv_results_["params"])
    print(f"\n== {stage} ({n_fits} candidate fits x {CV} folds, {seconds:.1f} s)")
    for key in sorted(params):
        value = params[key]
        print(f"  {key:<20} {value:.3g}" if isinstance(value, float) else f"  {key:<20} {value}")
    std = search.cv_results_["std_test_score"][search.best_index_]
    print(f"  best CV accuracy     {search.best_score_:.4f} +- {std:.4f} (std over folds)")
    print(f"  test accuracy        {search.score(X_test, y_test):.4f} "
          f"(refit on the whole training set: {search.best_estimator_[-1].n_iter_} epochs)")


# %%
# 1. Coarse random search over the whole space.
start = time.perf_counter()
coarse = RandomizedSearchCV(pipe, coarse_space, n_iter=N_COARSE, cv=CV, random_state=0).fit(X_train, y_train)
show("coarse RandomizedSearchCV", coarse, time.perf_counter() - start)

# %%
# 2. Fine search: keep the coarse winner's other choices and zoom into a
# factor-of-3 window around its learning rate and penalty, still log-uniform.
best = coarse.best_params_
lr, alpha = best[P + "learning_rate_init"], best[P + "alpha"]
kept = {k: v for k, v in best.items() if k not in (P + "learning_rate_init", P + "alpha")}
fine_pipe = clone(pipe).set_params(**kept)
fine_space = {
    P + "learning_rate_init": loguniform(lr / 3, lr * 3),
    P + "alpha": loguniform(alpha / 3, alpha * 3),
}
print(f"\nfine window: learning_rate_init in [{lr / 3:.3g}, {lr * 3:.3g}], alpha in [{alpha / 3:.3g}, {alpha * 3:.3g}]")
start = time.perf_counter()
fine = RandomizedSearchCV(fine_pipe, fine_space, n_iter=N_FINE, cv=CV, random_state=1).fit(X_train, y_train)
show("fine RandomizedSearchCV", fine, time.perf_counter() - start)

# %%
# 3. Successive halving with the number of epochs as the resource: round 0
# gives each of N_HALVING candidates MAX_ITER / N_HALVING epochs, each later
# round keeps the best third and triples the epochs, the last round trains
# with MAX_ITER.
halving_pipe = make_pipeline(
    StandardScaler(),
    MLPClassifier(early_stopping=True, n_iter_no_change=5, random_state=0),
)
start = time.perf_counter()
halving = HalvingRandomSearchCV(
    halving_pipe,
    coarse_space,
    resource=P + "max_iter",
    min_resources=MAX_ITER // N_HALVING,
    max_resources=MAX_ITER,
    factor=3,
    n_candidates=N_HALVING,
    cv=CV,
    random_state=0,
).fit(X_train, y_train)
show("HalvingRandomSearchCV on max_iter", halving, time.perf_counter() - start)
print("  rounds (epochs, candidates): "
      + ", ".join(f"({r}, {c})" for r, c in zip(halving.n_resources_, halving.n_candidates_)))

# %%
# Optional figure: every candidate's CV accuracy against its learning rate and
# penalty (log axes), coarse and fine stages.
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\nmatplotlib is not installed: no figure.")
else:
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for stage, search, marker in (("coarse", coarse, "o"), ("fine", fine, "x")):
        res = search.cv_results_
        for ax, key in zip(axes, ("learning_rate_init", "alpha")):
            ax.scatter(res[f"param_{P}{key}"].astype(float), res["mean_test_score"], marker=marker, label=stage)
    for ax, key in zip(axes, ("learning_rate_init", "alpha")):
        ax.set_xscale("log")
        ax.set_xlabel(key)
    axes[0].set_ylabel(f"{CV}-fold CV accuracy")
    axes[0].legend()
    fig.tight_layout()
    # The docs build (sphinx-gallery) runs the examples from this folder, without __file__.
    here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
    out = here / "output"
    out.mkdir(exist_ok=True)
    fig.savefig(out / "coarse_to_fine_search.png", dpi=80)
    print(f"\nsaved {out / 'coarse_to_fine_search.png'}")
