"""
=================================================
Model summary, learning-rate finder, grad check
=================================================

Three tools for looking at a network before and while training it:

- ``est.summary()`` (or ``sknn_hp.summary(est)``): a Keras-style table of the
  fitted network's layers, output widths and parameter counts (a linear layer
  from n_in to n_out units has ``n_in * n_out + n_out`` parameters, a batch
  norm ``2 * n``), with the trainable and non-trainable totals.
- ``sknn_hp.find_learning_rate``: the learning-rate range test. It trains a
  copy of the network on mini-batches while the rate grows exponentially
  from 1e-7 to 10 and records the smoothed loss; the suggested
  ``learning_rate_init`` is the rate where the loss falls fastest. The
  example then trains the network for the same number of epochs with the
  suggested rate and with the default 1e-3 and compares the test accuracies.
- ``sknn_hp.check_gradients``: the notes' gradient check. Every parameter's
  back-propagated derivative is compared with the centred difference
  ``(J(theta + eps) - J(theta - eps)) / (2 eps)`` through
  ``||d_approx - d|| / (||d_approx|| + ||d||)``: below 1e-7 back-propagation
  is correct ('good'), up to 1e-3 it deserves a look ('inspect'), above it is
  very likely a bug ('bug'). The check runs in float64 with dropout off;
  tanh is smooth, so a small tanh network on a few samples should be 'good'.
  A ReLU network can land in 'inspect' when a pre-activation sits within eps
  of ReLU's kink.

The figure ``examples/output/lr_finder.png`` (when matplotlib is installed)
shows the range test with the suggestion (``sknn_hp.plot.lr_finder``).

Set ``SKNN_HP_QUICK=1`` for fewer epochs and steps.
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
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sknn_hp import MLPClassifier, check_gradients, find_learning_rate

QUICK = os.environ.get("SKNN_HP_QUICK", "") not in ("", "0")
EPOCHS = 8 if QUICK else 20
N_STEPS = 100 if QUICK else 200

warnings.filterwarnings("ignore", category=ConvergenceWarning)  # fixed epoch budget on purpose

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# 1. The layer table of a fitted network.
est = MLPClassifier(hidden_layer_sizes=(64, 32), batch_norm=True, max_iter=EPOCHS, n_iter_no_change=np.inf,
                    random_state=0)
default = clone(est).fit(X_train, y_train)
print(default.summary())
print("(64 * 64 + 64 = 4,160 for hidden_1.linear; 2 * 64 = 128 for its batch norm)")

# %%
# 2. The learning-rate range test, then training at the suggested rate.
start = time.perf_counter()
result = find_learning_rate(est, X_train, y_train, n_steps=N_STEPS, random_state=0)
print(f"\nlearning-rate range test ({len(result.learning_rates)} steps, {time.perf_counter() - start:.1f} s, "
      f"{'stopped on divergence' if result.diverged else 'no divergence'})")
print(f"  suggestion (steepest descent): {result.suggestion:.3g}")
print(f"  rate at the loss minimum:      {result.lr_min:.3g}   (lr_min / 10 = {result.lr_min / 10:.3g})")

tuned = clone(est).set_params(learning_rate_init=result.suggestion).fit(X_train, y_train)
print(f"\n{EPOCHS} epochs of Adam, test accuracy:")
print(f"  default learning_rate_init=0.001  {default.score(X_test, y_test):.4f}  "
      f"(final training loss {default.loss_:.4f})")
print(f"  suggested learning_rate_init={result.suggestion:.3g}  {tuned.score(X_test, y_test):.4f}  "
      f"(final training loss {tuned.loss_:.4f})")

# %%
# 3. Gradient check of a small tanh network on 20 samples.
small = MLPClassifier(hidden_layer_sizes=(10, 5), activation="tanh", alpha=1e-3, max_iter=5, random_state=0)
small.fit(X_train, y_train)
check = check_gradients(small, X_train[:20], y_train[:20])
print()
print(check)
print(f"relative difference {check.relative_difference:.2e}: verdict '{check.verdict}' "
      "(notes' thresholds: < 1e-7 good, < 1e-3 inspect, otherwise bug)")
worst = check.worst
print(f"largest coordinate difference: {worst['name']}[{worst['index']}], backprop {worst['gradient']:.6e}, "
      f"finite difference {worst['approx_gradient']:.6e}")

# %%
# Optional figure: the range test.
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\nmatplotlib is not installed: no figure.")
else:
    from sknn_hp.plot import lr_finder

    fig, ax = plt.subplots(figsize=(6, 4))
    lr_finder(result, ax=ax)
    ax.axvline(1e-3, color="tab:gray", linestyle=":", label="default 0.001")
    ax.legend()
    fig.tight_layout()
    # The docs build (sphinx-gallery) runs the examples from this folder, without __file__.
    here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
    out = here / "output"
    out.mkdir(exist_ok=True)
    fig.savefig(out / "lr_finder.png", dpi=80)
    print(f"\nsaved {out / 'lr_finder.png'}")
