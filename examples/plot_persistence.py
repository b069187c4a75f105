"""
=====================================================
Saving a model: pickle, joblib and secure skops files
=====================================================

A fitted Pipeline (scaler + ``MLPClassifier``) is saved three ways and loaded
back, and each copy must predict exactly as the original:

1. **joblib** (pickle underneath): the complete state, skorch net and optimizer
   included. Loading a pickle runs code from the file: load only files you
   trust.
2. **skops** (``skops.io``): no pickle. The estimator hands skops its weights
   and optimizer state as numpy arrays and rebuilds the network on load. Only
   the types listed in ``trusted`` are built; ``get_untrusted_types`` shows
   what the file asks for (here the sknn_hp class alone).
3. **skops, trimmed**: ``trim_for_prediction()`` drops the optimizer state
   first, for a smaller file.

Both formats keep the optimizer state, so ``partial_fit`` continues the same
way after either. The files go to a temporary directory. Set
``SKNN_HP_QUICK=1`` for fewer epochs.
"""

import copy
import os
import sys
import tempfile
import warnings
from pathlib import Path

try:
    import sknn_hp  # noqa: F401
except ImportError:  # running from a source checkout that is not pip-installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import joblib
import numpy as np
import skops.io as sio
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_hp import MLPClassifier

QUICK = os.environ.get("SKNN_HP_QUICK", "") not in ("", "0")
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
model = make_pipeline(
    StandardScaler(),
    MLPClassifier(hidden_layer_sizes=(64,), max_iter=5 if QUICK else 40, random_state=0),
).fit(X_train, y_train)
expected = model.predict_proba(X_test)
print(f"test accuracy {model.score(X_test, y_test):.3f}")

with tempfile.TemporaryDirectory() as folder:
    folder = Path(folder)

    joblib.dump(model, folder / "model.joblib")
    from_joblib = joblib.load(folder / "model.joblib")

    sio.dump(model, folder / "model.skops")
    untrusted = sio.get_untrusted_types(file=folder / "model.skops")
    print("types the skops file asks to trust:", untrusted)
    assert untrusted == ["sknn_hp._classifier.MLPClassifier"]
    from_skops = sio.load(folder / "model.skops", trusted=untrusted)

    trimmed = copy.deepcopy(model)
    trimmed[-1].trim_for_prediction()
    sio.dump(trimmed, folder / "trimmed.skops")
    from_trimmed = sio.load(folder / "trimmed.skops", trusted=untrusted)

    for name in ("model.joblib", "model.skops", "trimmed.skops"):
        print(f"{name:>14}: {(folder / name).stat().st_size / 1024:7.1f} KiB")

for name, loaded in [("joblib", from_joblib), ("skops", from_skops), ("trimmed skops", from_trimmed)]:
    np.testing.assert_array_equal(loaded.predict_proba(X_test), expected)
    print(f"{name:>14}: identical predictions")

# The optimizer state travelled with both untrimmed copies: one more epoch on
# each gives the same model.
Z_train = model[0].transform(X_train)
after_joblib = from_joblib[-1].partial_fit(Z_train, y_train).predict_proba(model[0].transform(X_test))
after_skops = from_skops[-1].partial_fit(Z_train, y_train).predict_proba(model[0].transform(X_test))
np.testing.assert_array_equal(after_joblib, after_skops)
print("partial_fit after joblib and after skops: identical")
