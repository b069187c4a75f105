"""Property-based tests: random valid hyperparameters x random small data always fit and predict sanely.

``HYPOTHESIS_PROFILE=large`` (the ``fuzz`` tox environment) runs ten times more examples.
"""

import os
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sknn_hp import MLPClassifier, MLPRegressor
from sknn_hp.activations import ACTIVATIONS
from sknn_hp.initializers import INITIALIZERS
from sknn_hp.optimizers import OPTIMIZERS
from sknn_hp.schedules import SCHEDULES

settings.register_profile("ci", max_examples=120, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("large", max_examples=1200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

TASKS = ["binary", "multiclass", "multilabel", "regression", "multioutput"]


@st.composite
def hyperparameters(draw, task):
    depth = draw(st.integers(0, 3))
    hidden = tuple(draw(st.lists(st.integers(1, 8), min_size=depth, max_size=depth)))
    per_layer = depth > 0 and draw(st.booleans())
    activation = (
        [draw(st.sampled_from(sorted(ACTIVATIONS))) for _ in hidden] if per_layer
        else draw(st.sampled_from(sorted(ACTIVATIONS)))
    )
    params = {
        "hidden_layer_sizes": hidden,
        "activation": activation,
        "weight_init": draw(st.sampled_from(["auto", *sorted(INITIALIZERS)])),
        "solver": draw(st.sampled_from(sorted(OPTIMIZERS))),
        "learning_rate": draw(st.sampled_from(sorted(SCHEDULES))),
        "learning_rate_init": draw(st.floats(1e-4, 1e-1)),
        "batch_size": draw(st.sampled_from([2, 7, 16, "auto", "full"])),
        "alpha": draw(st.sampled_from([0.0, 1e-4, 0.1])),
        "l1_ratio": draw(st.sampled_from([0.0, 0.5, 1.0])),
        "dropout": draw(st.sampled_from([0.0, 0.3])),
        "input_dropout": draw(st.sampled_from([0.0, 0.1])),
        "batch_norm": draw(st.sampled_from([False, True, "after"])),
        "input_batch_norm": draw(st.booleans()),
        "residual": draw(st.booleans()),
        "early_stopping": draw(st.booleans()),
        "monitor": draw(st.sampled_from(["score", "loss"])),
        "clip_norm": draw(st.sampled_from([None, 1.0])),
        "shuffle": draw(st.booleans()),
        "max_iter": 2,
        "random_state": draw(st.integers(0, 2**16)),
    }
    if task in ("binary", "multiclass", "multilabel"):
        params["label_smoothing"] = draw(st.sampled_from([0.0, 0.1]))
        if task != "multilabel":
            params["class_weight"] = draw(st.sampled_from([None, "balanced"]))
    else:
        params["loss"] = draw(st.sampled_from(["squared_error", "absolute_error", "huber", "poisson"]))
    return params


@st.composite
def datasets(draw, task):
    n = draw(st.integers(30, 60))
    d = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    if task == "binary":
        y = np.array(["no", "yes"])[np.arange(n) % 2]
    elif task == "multiclass":
        y = np.arange(n) % 3
    elif task == "multilabel":
        y = (rng.rand(n, 3) > 0.5).astype(int)
        y[0], y[1] = 0, 1  # every label takes both values
    elif task == "regression":
        y = np.abs(X.sum(1)) + rng.rand(n)
    else:
        y = np.abs(X[:, :1] + rng.rand(n, 2))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    X = X.astype(dtype)
    container = draw(st.sampled_from(["numpy", "sparse", "pandas"]))
    if container == "sparse":
        X = sp.csr_matrix(np.where(np.abs(X) < 0.5, 0, X))
    elif container == "pandas":
        X = pd.DataFrame(X, columns=[f"f{i}" for i in range(d)])
    return X, y, dtype


@pytest.mark.parametrize("task", TASKS)
@given(data=st.data())
def test_random_configurations_fit_and_predict(task, data):
    params = data.draw(hyperparameters(task))
    X, y, dtype = data.draw(datasets(task))
    Estimator = MLPClassifier if task in ("binary", "multiclass", "multilabel") else MLPRegressor
    est = Estimator(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    n = X.shape[0]
    pred = est.predict(X)
    if task == "multioutput":
        assert pred.shape == (n, 2)
    elif task == "multilabel":
        assert pred.shape == (n, 3)
    else:
        assert pred.shape == (n,)
    if Estimator is MLPRegressor:
        assert pred.dtype == dtype and np.isfinite(pred).all()
        return
    assert set(np.unique(pred)) <= set(np.unique(y))
    proba = est.predict_proba(X)
    assert proba.dtype == dtype and np.isfinite(proba).all() and (proba >= 0).all() and (proba <= 1).all()
    if task != "multilabel":
        assert proba.shape == (n, len(est.classes_))
        np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-4)
