"""
=========================
Learning-rate schedules
=========================

``learning_rate`` selects a schedule. The nine added schedules apply to every
stochastic solver; scikit-learn's 'invscaling' and 'adaptive' keep
scikit-learn's meaning and change the rate of ``solver='sgd'`` only (other
solvers run them as 'constant'), so this example trains those two with sgd
and the others with Adam. It trains the same small network on digits once
per schedule and reads the
learning rate of every epoch from ``est.history_`` (the ``"lr"`` key), then
prints the rates side by side and, when matplotlib is installed, saves them
to ``examples/output/schedules.png``.

The schedules are pure functions of training progress (see
:mod:`sknn_hp.schedules`), except 'adaptive' (scikit-learn's: divide by 5
when the training loss stalls for ``n_iter_no_change`` epochs) and 'plateau'
(performance scheduling: multiply by ``lr_decay_rate`` after ``lr_patience``
epochs without improvement), which react to the loss. For the others the
example checks that the recorded rates equal
``sknn_hp.schedules.learning_rate_at``.

Training uses full batches (``batch_size='full'``), so that each epoch is one
step and the rate of epoch e is the schedule at t = e - 1. With mini-batches
the rate is updated before every batch, t running fractionally through the
epoch, and ``history_`` records the rate of the epoch's last batch.

Set ``SKNN_HP_QUICK=1`` for fewer epochs.
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
from sklearn.preprocessing import StandardScaler

from sknn_hp import MLPClassifier
from sknn_hp.schedules import SCHEDULES, SGD_ONLY, learning_rate_at

QUICK = os.environ.get("SKNN_HP_QUICK", "") not in ("", "0")
EPOCHS = 12 if QUICK else 40

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)

# Knobs shared by every schedule. A patience of n_iter_no_change=inf lets
# every fit run all its epochs; 'adaptive' and 'plateau' override it below.
common = dict(
    hidden_layer_sizes=(32,),
    batch_size="full",
    learning_rate_init=0.01,
    max_iter=EPOCHS,
    n_iter_no_change=np.inf,
    lr_step_size=EPOCHS // 4,  # step, exponential, power, cosine_restarts, cyclic
    lr_decay_rate=0.5,  # step, exponential, piecewise, plateau
    lr_min=1e-4,  # cosine, cosine_restarts, onecycle, plateau floor
    lr_max=0.05,  # cyclic, onecycle peak
    lr_cycle_mult=2,  # cosine_restarts: each period twice as long
    random_state=0,
)
# The reactive schedules need a stall to react to: a coarse tol makes one.
reactive = {
    "adaptive": dict(n_iter_no_change=2, tol=0.05),
    "plateau": dict(lr_patience=2, tol=0.05),
}

rates, checks = {}, {}
for name in SCHEDULES:
    params = {**common, "learning_rate": name, **reactive.get(name, {})}
    if name in SGD_ONLY:  # scikit-learn's meaning: these two change sgd's rate only
        params["solver"] = "sgd"
    est = MLPClassifier(**params).fit(X, y)
    lr = [row["lr"] for row in est.history_]
    rates[name] = pd.Series(lr, index=range(1, len(lr) + 1))
    if name not in reactive:
        knobs = {k: params.get(k, est.get_params()[k]) for k in (
            "lr_decay_rate", "lr_step_size", "lr_power", "lr_milestones", "lr_min", "lr_max",
            "lr_cycle_mult", "lr_warmup_fraction", "power_t", "max_iter")}
        knobs["n"] = X.shape[0]
        expected = [learning_rate_at(name, epoch - 1, params["learning_rate_init"], knobs)
                    for epoch in rates[name].index]
        checks[name] = np.allclose(lr, expected, rtol=1e-6)

table = pd.DataFrame(rates)
table.index.name = "epoch"
pd.set_option("display.width", 200)
print(f"learning rate per epoch (learning_rate_init=0.01, {EPOCHS} epochs, full batch)\n")
print(table.to_string(float_format=lambda v: f"{v:.2e}", na_rep="stopped"))
print("\nhistory_ 'lr' equals sknn_hp.schedules.learning_rate_at(name, epoch - 1, ...):")
print("    " + ", ".join(f"{name}: {ok}" for name, ok in checks.items()))
assert all(checks.values())

# %%
# Optional figure: one panel per schedule.
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\nmatplotlib is not installed: no figure.")
else:
    fig, axes = plt.subplots(3, 4, figsize=(14, 8), sharex=True)
    for ax, name in zip(axes.ravel(), table.columns):
        ax.plot(table.index, table[name], marker=".")
        ax.set_title(name)
        ax.set_yscale("log")
    for ax in axes[-1]:
        ax.set_xlabel("epoch")
    for ax in axes[:, 0]:
        ax.set_ylabel("learning rate")
    fig.tight_layout()
    # The docs build (sphinx-gallery) runs the examples from this folder, without __file__.
    here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
    out = here / "output"
    out.mkdir(exist_ok=True)
    fig.savefig(out / "schedules.png", dpi=80)
    print(f"\nsaved {out / 'schedules.png'}")
