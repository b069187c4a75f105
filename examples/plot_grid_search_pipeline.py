"""
==============================================
Quickstart: grid search over a scaled pipeline
==============================================

The hyperparameters of the course notes are flat constructor arguments, so
scikit-learn's model-selection tools tune them like any other parameter. This
example builds the network of the notes' "default configuration" (ELU
activations with He initialization, Nadam, performance scheduling, dropout,
batch normalization, L2 penalty, early stopping) inside a
``StandardScaler -> MLPClassifier`` pipeline, grid-searches the dropout rate
and the activation with 5-fold cross-validation on the digits data set, then
saves the best pipeline with joblib, loads it back and checks that the
reloaded model predicts exactly the same labels.

Set ``SKNN_HP_QUICK=1`` for a smaller network, 3 folds and a few epochs.
"""

import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

try:
    import sknn_hp  # noqa: F401
except ImportError:  # running from a source checkout that is not pip-installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import joblib
import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_hp import MLPClassifier

QUICK = os.environ.get("SKNN_HP_QUICK", "") not in ("", "0")

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

# %%
# The quickstart pipeline. ``batch_norm=True`` puts batch normalization before
# each activation; ``learning_rate="plateau"`` divides the rate by 10
# (``lr_decay_rate``) after ``lr_patience`` epochs without improvement of the
# validation loss; ``early_stopping=True`` holds out 10% of each training fold
# (stratified) and restores the weights of the best validation epoch.
model = make_pipeline(
    StandardScaler(),
    MLPClassifier(
        hidden_layer_sizes=(300, 100),
        activation="elu",
        weight_init="he_normal",
        solver="nadam",
        learning_rate="plateau",
        batch_size=64,
        dropout=0.2,
        batch_norm=True,
        alpha=1e-4,
        early_stopping=True,
        random_state=0,
    ),
)
param_grid = {
    "mlpclassifier__dropout": [0.0, 0.2, 0.5],
    "mlpclassifier__activation": ["relu", "selu"],
}
cv, n_jobs = 5, 2
if QUICK:
    model.set_params(mlpclassifier__hidden_layer_sizes=(64, 32), mlpclassifier__max_iter=8)
    cv, n_jobs = 3, None  # starting worker processes would cost more than it saves
else:
    # A patience of 5 epochs (10 by default) keeps the 31 fits short.
    model.set_params(mlpclassifier__n_iter_no_change=5, mlpclassifier__lr_patience=3)

search = GridSearchCV(model, param_grid, cv=cv, n_jobs=n_jobs)
start = time.perf_counter()
with warnings.catch_warnings():
    # With a few epochs per fit (quick mode) the solver never converges.
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)
elapsed = time.perf_counter() - start

n_fits = len(search.cv_results_["params"]) * cv + 1
print(f"{n_fits} fits in {elapsed:.1f} s ({cv}-fold CV)\n")
results = pd.DataFrame(search.cv_results_)[
    ["param_mlpclassifier__activation", "param_mlpclassifier__dropout", "mean_test_score", "std_test_score"]
]
results.columns = ["activation", "dropout", "mean CV accuracy", "std"]
print(results.sort_values("mean CV accuracy", ascending=False).to_string(index=False, float_format="%.4f"))
print(f"\nbest parameters: {search.best_params_}")
print(f"test accuracy of the refitted best pipeline: {search.score(X_test, y_test):.4f}")

best_mlp = search.best_estimator_[-1]
print(
    f"best model: {best_mlp.n_iter_} epochs, best validation accuracy "
    f"{best_mlp.best_validation_score_:.4f}, final learning rate {best_mlp.history_[-1]['lr']:.2e}"
)

# %%
# Early stopping watches the validation accuracy by default (``monitor="score"``).
# On a validation split of ~120 samples accuracy saturates within a few epochs
# and stops training early; the validation loss keeps improving for longer.
# The same pipeline, monitoring the loss:
by_loss = clone(search.best_estimator_).set_params(mlpclassifier__monitor="loss")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    by_loss.fit(X_train, y_train)
print(f"same pipeline with monitor='loss': {by_loss[-1].n_iter_} epochs, "
      f"test accuracy {by_loss.score(X_test, y_test):.4f}")

# %%
# Persistence: the fitted pipeline (scaler and network) is one joblib file.
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "digits_mlp.joblib"
    joblib.dump(search.best_estimator_, path)
    size_kb = path.stat().st_size / 1024
    reloaded = joblib.load(path)

before = search.best_estimator_.predict(X_test)
after = reloaded.predict(X_test)
same_proba = np.array_equal(search.best_estimator_.predict_proba(X_test), reloaded.predict_proba(X_test))
print(f"\nsaved {size_kb:.0f} KiB; reloaded predictions identical: {np.array_equal(before, after)}, "
      f"probabilities identical: {same_proba}")
assert np.array_equal(before, after)
