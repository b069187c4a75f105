"""
====================================
Vanishing gradients in deep networks
====================================

The course notes train networks of 1, 10 and 20 hidden layers with tanh
units and weights drawn from U(-0.5, 0.5), and watch the deep ones stop
learning. This example repeats the study on standardized digits, in three
setups of the same depths (32 units per layer):

- ``tanh`` with ``weight_init='uniform', init_scale=0.5``: the notes' network;
- ``relu`` with ``weight_init='he_uniform'``: the notes' first cure;
- ``relu`` + He + ``residual=True`` + ``batch_norm=True``: skip connections and
  batch normalization, the cures for really deep networks;

plus the notes' tanh network at a width of 8 units (see below why).

Every network is fitted for the same number of epochs with
``diagnostics=True``, which records per epoch and per linear layer the mean
gradient norm ``||dJ/dW||`` of the epoch's mini-batches in ``est.history_``
(keys ``grad_norm.hidden_1`` ... ``grad_norm.output``). The table gives the
test accuracy and, at epoch 1, the first hidden layer's and the output
layer's gradient norms and their ratio; the estimator itself emits a
``GradientWarning`` when that ratio leaves [1e-3, 1e3].

How to read it. U(-0.5, 0.5) has variance 1/12, so a tanh layer of fan-in n
multiplies the variance of the back-propagated signal by about ``n / 12 *
E[tanh'(z)^2]``. With 8 units that factor is below one: the gradients shrink
layer after layer, and so do the activations on the way forward (mean ``|h|`` of
about 0.003 after 20 layers), hence *every* layer's gradient of the 20-layer
network is two orders of magnitude below the 1-layer network's while the
first/output ratio stays near 1 -- the vanishing of the notes, which a ratio
alone does not reveal. With 32 units the factor is above one: the signal does
not fade (at initialization the last of 20 layers has mean ``|h|`` of about 0.5,
with one unit in eight in tanh's flat region above 0.9), the first layers get
*larger* gradients than the output layer, and the deep network still learns
badly: it is chaotic rather than vanishing. ReLU with He initialization keeps
the scale of the signal, and residual connections with batch norm keep a
20-layer network as accurate as a shallow one.

When matplotlib is installed, the figure ``examples/output/vanishing_gradients.png``
shows the per-layer gradient norm over the epochs of every configuration
(``sknn_hp.plot.gradient_norms``; dark = first hidden layer, yellow = output
layer) and the test accuracy against depth for each setup.

Set ``SKNN_HP_QUICK=1`` for fewer epochs.
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

from sknn_hp import GradientWarning, MLPClassifier

QUICK = os.environ.get("SKNN_HP_QUICK", "") not in ("", "0")
EPOCHS = 5 if QUICK else 30
DEPTHS = (1, 10, 20)
WIDTH = 32

warnings.filterwarnings("ignore", category=ConvergenceWarning)  # fixed epoch budget on purpose

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# setup name -> (width, estimator parameters)
SETUPS = {
    "tanh, U(-0.5, 0.5)": (WIDTH, dict(activation="tanh", weight_init="uniform", init_scale=0.5)),
    "relu, He": (WIDTH, dict(activation="relu", weight_init="he_uniform")),
    "relu, He, residual + BN": (WIDTH, dict(activation="relu", weight_init="he_uniform", residual=True,
                                            batch_norm=True)),
    "tanh, U(-0.5, 0.5), 8 units": (8, dict(activation="tanh", weight_init="uniform", init_scale=0.5)),
}

start = time.perf_counter()
fitted, rows = {}, []
for setup, (width, params) in SETUPS.items():
    for depth in DEPTHS:
        est = MLPClassifier(hidden_layer_sizes=(width,) * depth, max_iter=EPOCHS, n_iter_no_change=np.inf,
                            diagnostics=True, random_state=0, **params)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", GradientWarning)
            est.fit(X_train, y_train)
        first = est.history_[0]
        g_first, g_out = first["grad_norm.hidden_1"], first["grad_norm.output"]
        rows.append({
            "setup": setup,
            "depth": depth,
            "test accuracy": est.score(X_test, y_test),
            "|g| hidden_1": g_first,
            "|g| output": g_out,
            "hidden_1 / output": g_first / g_out,
            "GradientWarning": "yes" if any(issubclass(w.category, GradientWarning) for w in caught) else "",
        })
        fitted[setup, depth] = est

table = pd.DataFrame(rows)
pd.set_option("display.width", 200)
print(f"digits, standardized; {EPOCHS} epochs of Adam (lr 1e-3), batch 200; gradient norms of epoch 1\n")
print(table.to_string(index=False, formatters={
    "test accuracy": "{:.3f}".format,
    "|g| hidden_1": "{:.2e}".format,
    "|g| output": "{:.2e}".format,
    "hidden_1 / output": "{:.2e}".format,
}))

# The per-layer profile of the deepest networks at epoch 1, input to output.
deepest = max(DEPTHS)
layers = [f"hidden_{i}" for i in sorted({1, deepest // 4, deepest // 2, 3 * deepest // 4, deepest} - {0})]
layers.append("output")
profile = pd.DataFrame({setup: [fitted[setup, deepest].history_[0][f"grad_norm.{name}"] for name in layers]
                        for setup in SETUPS}, index=layers)
print(f"\ngradient norm per layer at epoch 1, {deepest} hidden layers\n")
print(profile.to_string(float_format=lambda v: f"{v:.2e}"))
print(f"\n{len(fitted)} fits in {time.perf_counter() - start:.1f} s")

# %%
# Optional figure: one panel of per-layer gradient norms per configuration,
# and accuracy against depth.
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\nmatplotlib is not installed: no figure.")
else:
    from sknn_hp.plot import gradient_norms

    mosaic = [[f"{s}|{d}" for d in DEPTHS] for s in SETUPS] + [["accuracy"] * len(DEPTHS)]
    fig, axes = plt.subplot_mosaic(mosaic, figsize=(4.2 * len(DEPTHS), 3.0 * len(mosaic)))
    cmap = plt.get_cmap("viridis")
    for (setup, depth), est in fitted.items():
        ax = gradient_norms(est, ax=axes[f"{setup}|{depth}"])
        lines = ax.get_lines()
        for i, line in enumerate(lines):  # dark = first hidden layer, yellow = output layer
            line.set_color(cmap(i / max(len(lines) - 1, 1)))
        if depth != DEPTHS[0]:
            ax.get_legend().remove()
        else:
            ax.legend(fontsize="small")
        ax.set_title(f"{setup}, {depth} hidden", fontsize="medium")
    ax = axes["accuracy"]
    for setup in SETUPS:
        sub = table[table["setup"] == setup]
        ax.plot(sub["depth"], sub["test accuracy"], marker="o", label=setup)
    ax.set_xticks(DEPTHS)
    ax.set_xlabel("hidden layers")
    ax.set_ylabel(f"test accuracy after {EPOCHS} epochs")
    ax.legend()
    fig.tight_layout()
    # The docs build (sphinx-gallery) runs the examples from this folder, without __file__.
    here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
    out = here / "output"
    out.mkdir(exist_ok=True)
    fig.savefig(out / "vanishing_gradients.png", dpi=70)
    print(f"\nsaved {out / 'vanishing_gradients.png'}")
