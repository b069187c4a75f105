"""
===================================
Optimizers and schedules compared
===================================

``solver`` picks one of nine optimizers, each with its usual hyperparameters
as constructor arguments (``momentum``, ``nesterovs_momentum``, ``beta_1``,
``beta_2``, ``epsilon``, ``rho``, ``weight_decay``). This example trains the
same network (two hidden layers of 64 ReLU units, mini-batches of 32) on the
standardized digits data set with each solver, for the same number of epochs
and with the learning rate customary for it (1e-3 for the Adam family and
RMSprop, 1e-2 for SGD with momentum and Adagrad, 1.0 for Adadelta; L-BFGS
runs full-batch), and prints a table of the final training loss, the test
accuracy, the epochs run and the fit time.

A second table keeps SGD with Nesterov momentum and changes only
``learning_rate``, the schedule: constant, step decay, exponential decay,
cosine annealing, 1cycle and performance scheduling (``'plateau'``). The loss
curves of both comparisons (read from ``loss_curve_``) are saved to
``examples/output/optimizers.png`` when matplotlib is installed.

Every fit stops after a fixed number of epochs (``n_iter_no_change`` is
infinite), so the tables compare optimizers under the same budget, not at
convergence. Set ``SKNN_HP_QUICK=1`` for fewer epochs.
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
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sknn_hp import MLPClassifier

QUICK = os.environ.get("SKNN_HP_QUICK", "") not in ("", "0")
EPOCHS = 8 if QUICK else 40

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

common = dict(hidden_layer_sizes=(64, 64), batch_size=32, max_iter=EPOCHS, n_iter_no_change=np.inf, random_state=0)


def run(**params):
    est = MLPClassifier(**{**common, **params})
    start = time.perf_counter()
    est.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    row = {
        "final train loss": est.loss_,
        "test accuracy": est.score(X_test, y_test),
        "epochs": est.n_iter_,
        "fit (s)": seconds,
    }
    # L-BFGS has no loss_curve_ (as in scikit-learn): its run is one optimizer step.
    return row, list(getattr(est, "loss_curve_", [est.loss_]))


# %%
# Nine solvers, one fit each.
solvers = {
    "sgd (momentum 0.9)": dict(solver="sgd", learning_rate_init=1e-2, momentum=0.9, nesterovs_momentum=False),
    "sgd (Nesterov 0.9)": dict(solver="sgd", learning_rate_init=1e-2, momentum=0.9, nesterovs_momentum=True),
    "adam": dict(solver="adam", learning_rate_init=1e-3),
    "adamw (decay 1e-2)": dict(solver="adamw", learning_rate_init=1e-3, weight_decay=1e-2),
    "nadam": dict(solver="nadam", learning_rate_init=1e-3),
    "adamax": dict(solver="adamax", learning_rate_init=2e-3),
    "rmsprop": dict(solver="rmsprop", learning_rate_init=1e-3),
    "adagrad": dict(solver="adagrad", learning_rate_init=1e-2),
    "adadelta": dict(solver="adadelta", learning_rate_init=1.0),
    "lbfgs (full batch)": dict(solver="lbfgs", max_iter=EPOCHS * 5),
}
rows, curves = {}, {}
for name, params in solvers.items():
    rows[name], curves[name] = run(**params)

pd.set_option("display.width", 200)
table = pd.DataFrame(rows).T
print(f"solvers on digits, ({common['hidden_layer_sizes']}) ReLU network, {EPOCHS} epochs "
      f"(L-BFGS: {EPOCHS * 5} iterations)\n")
print(table.to_string(formatters={
    "final train loss": "{:.4f}".format, "test accuracy": "{:.3f}".format,
    "epochs": "{:.0f}".format, "fit (s)": "{:.2f}".format,
}))

# %%
# Six schedules for SGD with Nesterov momentum.
schedules = {
    "constant": dict(),
    "step": dict(lr_step_size=max(EPOCHS // 4, 1), lr_decay_rate=0.5),
    "exponential": dict(lr_step_size=max(EPOCHS // 4, 1), lr_decay_rate=0.5),
    "cosine": dict(lr_min=1e-4),
    "onecycle": dict(lr_max=0.1, lr_min=1e-4),
    "plateau": dict(lr_patience=1, lr_decay_rate=0.5, tol=1e-3),
}
sched_rows, sched_curves = {}, {}
for name, knobs in schedules.items():
    sched_rows[name], sched_curves[name] = run(
        solver="sgd", learning_rate_init=2e-2, momentum=0.9, nesterovs_momentum=True, learning_rate=name, **knobs
    )
sched_table = pd.DataFrame(sched_rows).T
print(f"\nschedules for SGD + Nesterov momentum (learning_rate_init=0.02), {EPOCHS} epochs\n")
print(sched_table.to_string(formatters={
    "final train loss": "{:.4f}".format, "test accuracy": "{:.3f}".format,
    "epochs": "{:.0f}".format, "fit (s)": "{:.2f}".format,
}))
assert table["test accuracy"].max() > 0.8, "some solver should learn digits within the budget"

# %%
# Optional figure: training-loss curves.
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\nmatplotlib is not installed: no figure.")
else:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.5))
    for name, curve in curves.items():
        if not name.startswith("lbfgs"):  # L-BFGS records one loss for its whole run
            ax1.plot(range(1, len(curve) + 1), curve, label=name)
    for name, curve in sched_curves.items():
        ax2.plot(range(1, len(curve) + 1), curve, label=name)
    for ax, title in ((ax1, "solvers"), (ax2, "schedules (SGD + Nesterov)")):
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss")
        ax.set_title(title)
        ax.legend(fontsize=8)
    fig.tight_layout()
    # The docs build (sphinx-gallery) runs the examples from this folder, without __file__.
    here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
    out = here / "output"
    out.mkdir(exist_ok=True)
    fig.savefig(out / "optimizers.png", dpi=80)
    print(f"\nsaved {out / 'optimizers.png'}")
