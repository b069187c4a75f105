"""
===========================
Regularization compared
===========================

A network far larger than its training set overfits: the training accuracy
reaches 100% while the test accuracy stays behind. This example trains a
(256, 256) ReLU network on only 300 standardized digits (the other 1497 are
the test set) and compares the regularizers of the course notes, one at a
time, each a constructor argument:

- none (``alpha=0``);
- L2 penalty (``alpha``, scikit-learn's term ``alpha / (2 m) * sum W^2``);
- L1 penalty (``alpha`` with ``l1_ratio=1``), which drives weights to zero
  (the table counts weights below 1e-3 in absolute value);
- dropout (``dropout=0.3``, inverted dropout after every hidden layer);
- batch normalization (``batch_norm=True``);
- early stopping (``early_stopping=True``: 20% of the training set is held
  out, training stops after ``n_iter_no_change`` epochs without improvement
  of the validation score and the best weights are restored).

It prints the training and test accuracies, their gap, the weights' L2 norm,
the share of near-zero weights and the epochs run. Expect the penalties and
dropout to shrink the gap and the weights, L1 to zero out most weights, and
early stopping to stop long before the budget. Set ``SKNN_HP_QUICK=1`` for
fewer epochs.
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
EPOCHS = 25 if QUICK else 100

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=300, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

common = dict(hidden_layer_sizes=(256, 256), batch_size=32, learning_rate_init=1e-3, alpha=0.0,
              max_iter=EPOCHS, n_iter_no_change=np.inf, random_state=0)
settings = {
    "none": dict(),
    "L2 (alpha=1)": dict(alpha=1.0),
    "L1 (alpha=0.1, l1_ratio=1)": dict(alpha=0.1, l1_ratio=1.0),
    "dropout 0.3": dict(dropout=0.3),
    "batch norm": dict(batch_norm=True),
    "early stopping": dict(early_stopping=True, n_iter_no_change=5, validation_fraction=0.2),
}

rows, curves = {}, {}
for name, params in settings.items():
    est = MLPClassifier(**{**common, **params})
    start = time.perf_counter()
    est.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    weights = np.concatenate([W.ravel() for W in est.coefs_])
    train_acc, test_acc = est.score(X_train, y_train), est.score(X_test, y_test)
    rows[name] = {
        "train acc": train_acc,
        "test acc": test_acc,
        "gap": train_acc - test_acc,
        "||W||": float(np.sqrt(np.sum(weights**2))),
        "|w| < 1e-3": float(np.mean(np.abs(weights) < 1e-3)),
        "epochs": est.n_iter_,
        "fit (s)": seconds,
    }
    curves[name] = [row.get("valid_score") for row in est.history_]

pd.set_option("display.width", 200)
table = pd.DataFrame(rows).T
print(f"({common['hidden_layer_sizes']}) ReLU network, {len(X_train)} training digits, "
      f"{len(X_test)} test digits, at most {EPOCHS} epochs\n")
print(table.to_string(formatters={
    "train acc": "{:.3f}".format, "test acc": "{:.3f}".format, "gap": "{:+.3f}".format,
    "||W||": "{:.1f}".format, "|w| < 1e-3": "{:.1%}".format, "epochs": "{:.0f}".format,
    "fit (s)": "{:.2f}".format,
}))
assert table.loc["L2 (alpha=1)", "||W||"] < table.loc["none", "||W||"]
assert table.loc["L1 (alpha=0.1, l1_ratio=1)", "|w| < 1e-3"] > table.loc["none", "|w| < 1e-3"]

# %%
# Optional figure: train and test accuracy per regularizer.
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\nmatplotlib is not installed: no figure.")
else:
    fig, ax = plt.subplots(figsize=(9, 4))
    pos = np.arange(len(table))
    ax.bar(pos - 0.2, table["train acc"], width=0.4, label="train")
    ax.bar(pos + 0.2, table["test acc"], width=0.4, label="test")
    ax.set_xticks(pos, table.index, rotation=20, ha="right", fontsize=8)
    ax.set_ylim(0.5, 1.01)
    ax.set_ylabel("accuracy")
    ax.legend()
    fig.tight_layout()
    # The docs build (sphinx-gallery) runs the examples from this folder, without __file__.
    here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
    out = here / "output"
    out.mkdir(exist_ok=True)
    fig.savefig(out / "regularization.png", dpi=80)
    print(f"\nsaved {out / 'regularization.png'}")
