"""
=====================================
Regression losses and several outputs
=====================================

``MLPRegressor`` trains with one of four losses (``loss=``):

- ``'squared_error'``: half the mean squared error, scikit-learn's loss;
- ``'absolute_error'``: mean absolute error, robust to outliers;
- ``'huber'``: quadratic below ``huber_delta``, linear above;
- ``'poisson'``: half the Poisson deviance with an exponential output
  (predictions are ``exp(z)`` and always positive; ``y`` must be >= 0).

The example fits each on the diabetes data set (disease progression one year
after baseline, a positive number between 25 and 346) and prints the test R^2
next to ordinary least squares. The target is divided by its standard
deviation before fitting, which keeps it positive (for 'poisson') and of unit
scale (so that the default ``huber_delta=1`` and learning rate suit it); R^2
does not depend on that scale.

A second part predicts two targets at once, body-mass index and disease
progression, from the other nine variables: ``y`` of shape (n_samples, 2)
gives a network with two linear outputs.

Set ``SKNN_HP_QUICK=1`` to train for fewer epochs.
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
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sknn_hp import MLPRegressor

QUICK = os.environ.get("SKNN_HP_QUICK", "") not in ("", "0")
MAX_ITER = 20 if QUICK else 100

# The fits below stop at max_iter on purpose.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

data = load_diabetes()
X, y = data.data, data.target
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=42)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
y_scale = y_train.std()

print(f"diabetes: {X_train.shape[0]} training and {X_test.shape[0]} test samples, "
      f"y in [{y.min():.0f}, {y.max():.0f}], {MAX_ITER} epochs per fit\n")
print(f"{'model':<36}{'test R2':>8}{'epochs':>8}{'fit (s)':>9}")
ols = LinearRegression().fit(X_train, y_train)
print(f"{'LinearRegression (reference)':<36}{ols.score(X_test, y_test):>8.3f}")

for loss in ["squared_error", "absolute_error", "huber", "poisson"]:
    reg = MLPRegressor(
        loss=loss,
        hidden_layer_sizes=(16,),
        learning_rate_init=0.01,
        max_iter=MAX_ITER,
        random_state=0,
    )
    start = time.perf_counter()
    reg.fit(X_train, y_train / y_scale)
    elapsed = time.perf_counter() - start
    r2 = r2_score(y_test, reg.predict(X_test) * y_scale)
    label = f"MLPRegressor(loss={loss!r})"
    print(f"{label:<36}{r2:>8.3f}{reg.n_iter_:>8}{elapsed:>9.2f}")
    if loss == "poisson":
        print(f"    out_activation_={reg.out_activation_!r}, "
              f"smallest prediction {reg.predict(X_test).min() * y_scale:.1f} (> 0)")

# %%
# Multi-output regression: predict bmi (column 2) and the disease progression
# from the other nine variables. Both targets are standardized.
bmi = list(data.feature_names).index("bmi")
others = [i for i in range(X.shape[1]) if i != bmi]
Y = np.column_stack([X[:, bmi], y])
Xm_train, Xm_test, Ym_train, Ym_test = train_test_split(X[:, others], Y, random_state=42)
x_scaler, y_scaler = StandardScaler().fit(Xm_train), StandardScaler().fit(Ym_train)
Xm_train, Xm_test = x_scaler.transform(Xm_train), x_scaler.transform(Xm_test)
Ym_train_s = y_scaler.transform(Ym_train)

reg = MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01, alpha=1.0, max_iter=MAX_ITER,
                   random_state=0).fit(Xm_train, Ym_train_s)
Ym_pred = y_scaler.inverse_transform(reg.predict(Xm_test))
ols = LinearRegression().fit(Xm_train, Ym_train)

print(f"\nmulti-output: y of shape {Ym_train.shape}, n_outputs_={reg.n_outputs_}, "
      f"predict -> {reg.predict(Xm_test).shape}")
print(f"{'':<28}{'R2 bmi':>8}{'R2 progression':>16}{'R2 mean':>9}")
for name, pred in [("MLPRegressor", Ym_pred), ("LinearRegression", ols.predict(Xm_test))]:
    per_output = r2_score(Ym_test, pred, multioutput="raw_values")
    print(f"{name:<28}{per_output[0]:>8.3f}{per_output[1]:>16.3f}{per_output.mean():>9.3f}")
