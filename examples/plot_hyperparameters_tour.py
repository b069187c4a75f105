"""
=============================
A tour of the hyperparameters
=============================

Every technique of the course notes is one constructor argument of
``MLPClassifier``. This example changes one argument at a time from a small
baseline network (two hidden layers of 64 ReLU units, Adam, constant rate)
trained on the standardized digits data set, and prints a table of the test
accuracy reached by each setting: activations, weight initializers, solvers,
learning-rate schedules, dropout, batch normalization, residual connections,
L1/L2/elastic-net penalties, gradient clipping and label smoothing.

``class_weight`` is shown on the imbalanced breast-cancer data set, where it
changes the recall of the minority (malignant) class. Finally the per-epoch
record ``history_`` of one fit is displayed as a pandas DataFrame.

Every fit runs a fixed, small number of epochs, so the table compares
settings under a tight budget rather than at convergence. Set
``SKNN_HP_QUICK=1`` for even fewer epochs.
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

import pandas as pd
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sknn_hp import MLPClassifier

QUICK = os.environ.get("SKNN_HP_QUICK", "") not in ("", "0")
EPOCHS = 3 if QUICK else 20

# Every fit below stops at max_iter on purpose.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

BASELINE = dict(hidden_layer_sizes=(64, 64), max_iter=EPOCHS, random_state=0)

# %%
# One entry per setting: (concept, label, parameters changed from the baseline).
SETTINGS = [
    ("baseline", "relu, adam, he_uniform (auto)", {}),
    # Activations; weight_init='auto' picks the matching initializer.
    ("activation", "tanh (glorot_uniform)", dict(activation="tanh")),
    ("activation", "logistic", dict(activation="logistic")),
    ("activation", "leaky_relu slope 0.1", dict(activation="leaky_relu", leaky_relu_slope=0.1)),
    ("activation", "prelu", dict(activation="prelu")),
    ("activation", "elu", dict(activation="elu")),
    ("activation", "selu (lecun_normal)", dict(activation="selu")),
    ("activation", "gelu", dict(activation="gelu")),
    ("activation", "silu", dict(activation="silu")),
    ("activation", "one per layer: relu, tanh", dict(activation=["relu", "tanh"])),
    # Initializers
    ("weight_init", "glorot_uniform", dict(weight_init="glorot_uniform")),
    ("weight_init", "he_normal", dict(weight_init="he_normal")),
    ("weight_init", "lecun_normal", dict(weight_init="lecun_normal")),
    ("weight_init", "orthogonal", dict(weight_init="orthogonal")),
    ("weight_init", "normal, std 0.01", dict(weight_init="normal", init_scale=0.01)),
    # Solvers
    ("solver", "sgd, no momentum, lr 0.05", dict(solver="sgd", momentum=0.0, learning_rate_init=0.05)),
    ("solver", "sgd, nesterov 0.9, lr 0.05", dict(solver="sgd", learning_rate_init=0.05)),
    ("solver", "adamw, weight_decay 0.01", dict(solver="adamw")),
    ("solver", "nadam", dict(solver="nadam")),
    ("solver", "adamax, lr 0.002", dict(solver="adamax", learning_rate_init=0.002)),
    ("solver", "rmsprop", dict(solver="rmsprop")),
    ("solver", "adagrad, lr 0.05", dict(solver="adagrad", learning_rate_init=0.05)),
    ("solver", "adadelta, lr 1.0", dict(solver="adadelta", learning_rate_init=1.0)),
    ("solver", "lbfgs (full batch)", dict(solver="lbfgs")),
    # Schedules, from lr0 = 0.01
    ("learning_rate", "constant, lr 0.01", dict(learning_rate_init=0.01)),
    ("learning_rate", "step: /10 every 10 epochs",
     dict(learning_rate="step", learning_rate_init=0.01, lr_step_size=10)),
    ("learning_rate", "exponential", dict(learning_rate="exponential", learning_rate_init=0.01)),
    ("learning_rate", "power (1/t)", dict(learning_rate="power", learning_rate_init=0.01, lr_step_size=5)),
    ("learning_rate", "cosine", dict(learning_rate="cosine", learning_rate_init=0.01)),
    ("learning_rate", "onecycle, peak 0.05",
     dict(learning_rate="onecycle", learning_rate_init=0.005, lr_max=0.05)),
    ("learning_rate", "plateau, patience 2",
     dict(learning_rate="plateau", learning_rate_init=0.01, lr_patience=2)),
    # Regularization
    ("dropout", "dropout 0.2", dict(dropout=0.2)),
    ("dropout", "per layer [0.3, 0.1]", dict(dropout=[0.3, 0.1])),
    ("dropout", "input_dropout 0.1", dict(input_dropout=0.1)),
    ("dropout", "selu + alpha dropout 0.1", dict(activation="selu", dropout=0.1)),
    ("alpha", "L2, alpha 0.01", dict(alpha=0.01)),
    ("alpha", "L1, alpha 0.01, l1_ratio 1", dict(alpha=0.01, l1_ratio=1.0)),
    ("alpha", "elastic net, l1_ratio 0.5", dict(alpha=0.01, l1_ratio=0.5)),
    ("label_smoothing", "label_smoothing 0.1", dict(label_smoothing=0.1)),
    # Normalization and architecture
    ("batch_norm", "before activation", dict(batch_norm=True)),
    ("batch_norm", "after activation", dict(batch_norm="after")),
    ("batch_norm", "input_batch_norm (raw X)", dict(input_batch_norm=True)),
    ("residual", "4 x 64 with skip connections", dict(hidden_layer_sizes=(64,) * 4, residual=True)),
    ("residual", "4 x 64 without", dict(hidden_layer_sizes=(64,) * 4)),
    # Gradient clipping
    ("clipping", "clip_norm 1.0", dict(clip_norm=1.0)),
    ("clipping", "clip_value 0.05", dict(clip_value=0.05)),
]

rows = []
start_all = time.perf_counter()
for concept, label, params in SETTINGS:
    clf = MLPClassifier(**{**BASELINE, **params})
    # input_batch_norm replaces the StandardScaler: it sees the raw pixels.
    Xtr, Xte = (scaler.inverse_transform(X_train), scaler.inverse_transform(X_test)) \
        if params.get("input_batch_norm") else (X_train, X_test)
    start = time.perf_counter()
    clf.fit(Xtr, y_train)
    rows.append(
        {
            "concept": concept,
            "setting": label,
            "test accuracy": clf.score(Xte, y_test),
            "final loss": clf.loss_,
            "epochs": clf.n_iter_,
            "fit (s)": time.perf_counter() - start,
        }
    )

table = pd.DataFrame(rows)
print(f"digits, {EPOCHS} epochs per fit, {len(rows)} fits in {time.perf_counter() - start_all:.1f} s\n")
print(table.to_string(index=False, float_format="%.4f"))

# %%
# Class weights on an imbalanced problem: 212 malignant (class 0) against
# 357 benign (class 1) tumours. Up-weighting class 0 trades benign recall for
# malignant recall; 'balanced' weights each class by n / (2 * count).
Xb, yb = load_breast_cancer(return_X_y=True)
Xb_train, Xb_test, yb_train, yb_test = train_test_split(Xb, yb, stratify=yb, random_state=0)
bc_scaler = StandardScaler().fit(Xb_train)
Xb_train, Xb_test = bc_scaler.transform(Xb_train), bc_scaler.transform(Xb_test)

print("\nbreast cancer: recall per class with class_weight")
for class_weight in [None, "balanced", {0: 5.0, 1: 1.0}]:
    clf = MLPClassifier(hidden_layer_sizes=(32,), max_iter=EPOCHS, class_weight=class_weight, random_state=0)
    pred = clf.fit(Xb_train, yb_train).predict(Xb_test)
    recalls = recall_score(yb_test, pred, average=None)
    print(f"    class_weight={str(class_weight):<18} recall malignant {recalls[0]:.3f}  "
          f"benign {recalls[1]:.3f}  accuracy {(pred == yb_test).mean():.3f}")

# %%
# ``history_`` holds one record per epoch. With early stopping it includes the
# loss and accuracy on the held-out validation split; ``lr`` is the rate of the
# epoch's last mini-batch (here halved every few epochs by the 'step' schedule).
step_size = 1 if QUICK else 5
clf = MLPClassifier(
    hidden_layer_sizes=(64, 64),
    early_stopping=True,
    learning_rate="step",
    learning_rate_init=0.01,
    lr_step_size=step_size,
    lr_decay_rate=0.5,
    max_iter=EPOCHS,
    random_state=0,
).fit(X_train, y_train)
history = pd.DataFrame(clf.history_).set_index("epoch")
print(f"\nhistory_ of an early-stopped fit, rate halved every {step_size} epoch(s):")
print(history.to_string(float_format="%.4g"))
print(f"best validation accuracy {clf.best_validation_score_:.4f}; "
      f"test accuracy (best weights restored) {clf.score(X_test, y_test):.4f}")
