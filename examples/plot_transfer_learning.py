"""
=================
Transfer learning
=================

The course notes' recipe for a task with little data: reuse the lower layers
of a network trained on a similar task, replace its output layer, train the
new output layer with the reused layers **frozen**, then **unfreeze** them and
fine-tune the whole network with a **lower learning rate** (so as not to
wreck the reused weights).

Here the source task is digits 0-4 and the target task digits 5-9, of which
only a small labelled subset (50 or 100 images) is available for training;
the rest of 5-9 is the test set. With ``sknn_hp``:

1. ``pretrained = MLPClassifier((128, 64)).fit(X_0_4, y_0_4)``;
2. ``MLPClassifier((128, 64), init_from=pretrained, freeze_layers=2,
   learning_rate_init=1e-2)`` copies both hidden layers (its
   ``transferred_layers_`` says how many), freezes them and trains a new
   5-unit output layer;
3. ``set_params(freeze_layers=0, learning_rate_init=1e-3, warm_start=True)
   .fit(...)`` fine-tunes every layer from there, at a tenth of the rate.

The baselines train the same architecture from scratch on the same subset:
once with the same number of epochs as steps 2 and 3 together, once until
the training loss stops improving. Accuracies are averaged over several random
subsets. Expect the frozen network alone to be below the baselines (a linear
read-out of features learnt on other digits), and the fine-tuned one to match
or slightly beat them. Digits is an easy task, where a network trained from
scratch on 100 images already does well, so the gain is modest (about one
point of accuracy here).

When matplotlib is installed, the mean accuracies are drawn to
``examples/output/transfer_learning.png``.

Set ``SKNN_HP_QUICK=1`` for fewer subsets.
"""

import os
import sys
import warnings
from pathlib import Path

try:
    import sknn_hp  # noqa: F401
except ImportError:  # running from a source checkout that is not pip-installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sknn_hp import MLPClassifier

QUICK = os.environ.get("SKNN_HP_QUICK", "") not in ("", "0")
SIZES = (100,) if QUICK else (50, 100)  # labelled images of digits 5-9
N_SUBSETS = 2 if QUICK else 5
HEAD_EPOCHS, FINE_EPOCHS = 50, 30
HIDDEN = (128, 64)

warnings.filterwarnings("ignore", category=ConvergenceWarning)  # fixed epoch budgets on purpose

X, y = load_digits(return_X_y=True)
source = y < 5
# The reused layers expect the source task's input scaling: fit the scaler there.
scaler = StandardScaler().fit(X[source])
X_a, y_a = scaler.transform(X[source]), y[source]
X_b, y_b = scaler.transform(X[~source]), y[~source]

# %%
# 1. Pretrain on digits 0-4.
Xa_train, Xa_test, ya_train, ya_test = train_test_split(X_a, y_a, test_size=0.25, stratify=y_a, random_state=0)
pretrained = MLPClassifier(HIDDEN, max_iter=50, random_state=0).fit(Xa_train, ya_train)
print(f"pretrained on digits 0-4 ({len(ya_train)} images): test accuracy {pretrained.score(Xa_test, ya_test):.3f}")

# %%
# 2-3. Transfer to digits 5-9, against training from scratch.
rows = []
for n in SIZES:
    for subset in range(N_SUBSETS):
        X_small, X_test, y_small, y_test = train_test_split(X_b, y_b, train_size=n, stratify=y_b,
                                                            random_state=subset)
        transfer = MLPClassifier(HIDDEN, init_from=pretrained, freeze_layers=len(HIDDEN), learning_rate_init=1e-2,
                                 max_iter=HEAD_EPOCHS, n_iter_no_change=np.inf, random_state=0)
        transfer.fit(X_small, y_small)
        if n == SIZES[0] and subset == 0:
            print(f"\ntransferred_layers_ = {transfer.transferred_layers_}; the network with frozen hidden layers:")
            print(transfer.summary())
        frozen = transfer.score(X_test, y_test)
        transfer.set_params(freeze_layers=0, learning_rate_init=1e-3, warm_start=True, max_iter=FINE_EPOCHS)
        transfer.fit(X_small, y_small)
        fine_tuned = transfer.score(X_test, y_test)

        same_budget = MLPClassifier(HIDDEN, max_iter=HEAD_EPOCHS + FINE_EPOCHS, n_iter_no_change=np.inf,
                                    random_state=0).fit(X_small, y_small)
        converged = MLPClassifier(HIDDEN, max_iter=500, random_state=0).fit(X_small, y_small)
        rows.append({
            "labelled 5-9 images": n,
            "transfer, frozen": frozen,
            "transfer, fine-tuned": fine_tuned,
            f"scratch, {HEAD_EPOCHS + FINE_EPOCHS} epochs": same_budget.score(X_test, y_test),
            "scratch, to convergence": converged.score(X_test, y_test),
        })

results = pd.DataFrame(rows).groupby("labelled 5-9 images")
means, stds = results.mean(), results.std()
table = means.map("{:.3f}".format) + " +- " + stds.map("{:.3f}".format)
pd.set_option("display.width", 200)
print(f"\ntest accuracy on the rest of digits 5-9, mean +- std over {N_SUBSETS} random subsets")
print(f"(transfer: {HEAD_EPOCHS} epochs frozen at lr 1e-2, then {FINE_EPOCHS} epochs unfrozen at lr 1e-3)\n")
print(table.reset_index().to_string(index=False))

# %%
# Optional figure: mean accuracy per method and subset size.
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\nmatplotlib is not installed: no figure.")
else:
    fig, ax = plt.subplots(figsize=(7, 4))
    means.T.plot.bar(ax=ax, yerr=stds.T, rot=0, capsize=3)
    ax.set_xticklabels([label.replace(", ", ",\n") for label in means.columns])
    ax.set_ylim(0.5, 1.0)
    ax.set_ylabel("test accuracy on digits 5-9")
    ax.legend(title="labelled 5-9 images")
    fig.tight_layout()
    # The docs build (sphinx-gallery) runs the examples from this folder, without __file__.
    here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
    out = here / "output"
    out.mkdir(exist_ok=True)
    fig.savefig(out / "transfer_learning.png", dpi=80)
    print(f"\nsaved {out / 'transfer_learning.png'}")
