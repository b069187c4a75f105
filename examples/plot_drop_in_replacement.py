"""
=============================================
sknn_hp as a drop-in replacement for sklearn
=============================================

``sknn_hp.MLPClassifier`` takes the same parameters, with the same defaults,
as :class:`sklearn.neural_network.MLPClassifier`, and exposes the same fitted
attributes (``coefs_``, ``intercepts_``, ``loss_curve_``, ``n_iter_``, ...).
Switching is a change of import.

This example runs one function twice, once with each class, on the
standardized digits data set, and prints the test accuracy, the fit time and
a few fitted attributes of both. The numbers are close but not identical:
the two libraries draw different initial weights (sknn_hp uses He/Glorot
initialization with zero biases) and shuffle with different random streams.

Set ``SKNN_HP_QUICK=1`` to train for fewer epochs.
"""

import os
import sys
import time
import warnings
from pathlib import Path

try:
    import sknn_hp
except ImportError:  # running from a source checkout that is not pip-installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import sknn_hp

import sklearn.neural_network
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

QUICK = os.environ.get("SKNN_HP_QUICK", "") not in ("", "0")
MAX_ITER = 30 if QUICK else 200

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)


def run(MLPClassifier):
    """The same code for both libraries: only the class differs."""
    clf = MLPClassifier(hidden_layer_sizes=(100,), max_iter=MAX_ITER, random_state=0)
    start = time.perf_counter()
    with warnings.catch_warnings():
        # In quick mode the solver stops before converging: that is expected.
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    fit_time = time.perf_counter() - start
    return clf, fit_time


# The first torch optimizer a process creates imports torch._dynamo, a one-time
# cost of 1-3 s. A throwaway fit keeps it out of the timings below.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    sknn_hp.MLPClassifier(max_iter=1).fit(X_train[:50], y_train[:50])

rows = []
for name, cls in [
    ("sklearn.neural_network", sklearn.neural_network.MLPClassifier),
    ("sknn_hp", sknn_hp.MLPClassifier),
]:
    clf, fit_time = run(cls)
    rows.append(
        {
            "library": name,
            "test accuracy": clf.score(X_test, y_test),
            "fit time (s)": fit_time,
            "n_iter_": clf.n_iter_,
            "final loss_": clf.loss_,
            "coefs_ shapes": [c.shape for c in clf.coefs_],
            "out_activation_": clf.out_activation_,
        }
    )

print(f"digits: {X_train.shape[0]} training and {X_test.shape[0]} test samples, max_iter={MAX_ITER}\n")
for row in rows:
    print(row["library"])
    for key, value in row.items():
        if key == "library":
            continue
        if isinstance(value, float):
            value = f"{value:.4f}"
        print(f"    {key:<16} {value}")

# The parameter lists match: every sklearn parameter exists in sknn_hp with
# the same default value.
sk_params = sklearn.neural_network.MLPClassifier().get_params()
hp_params = sknn_hp.MLPClassifier().get_params()
same = all(hp_params[k] == v for k, v in sk_params.items())
print(f"\nsklearn's {len(sk_params)} parameters, same defaults in sknn_hp: {same}")
print(f"sknn_hp adds {len(hp_params) - len(sk_params)} more: {sorted(set(hp_params) - set(sk_params))}")
