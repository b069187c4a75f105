"""The estimators inside the scikit-learn ecosystem: meta-estimators, search, persistence, randomness."""

import pickle

import joblib
import numpy as np
import pytest
import torch
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_hp import MLPClassifier, MLPRegressor


def test_clone_and_params_round_trip():
    clf = MLPClassifier(hidden_layer_sizes=(5, 3), activation=["relu", "tanh"], dropout=0.2, solver="nadam")
    params = clf.get_params()
    assert params["dropout"] == 0.2 and params["solver"] == "nadam" and params["activation"] == ["relu", "tanh"]
    twin = clone(clf)
    assert twin.get_params() == params and twin is not clf
    twin.set_params(dropout=0.5, learning_rate="cosine")
    assert twin.dropout == 0.5 and clf.dropout == 0.2


def test_grid_search_in_pipeline_with_two_processes(digits):
    X_train, X_test, y_train, y_test = digits
    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(32,), max_iter=30, random_state=0))
    search = GridSearchCV(
        pipe,
        {"mlpclassifier__dropout": [0.0, 0.2], "mlpclassifier__activation": ["relu", "selu"]},
        cv=3,
        n_jobs=2,
    ).fit(X_train, y_train)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_score_ > 0.85 and search.score(X_test, y_test) > 0.85


def test_randomized_search_over_log_uniform_rates(small_clf_data):
    X, y = small_clf_data
    search = RandomizedSearchCV(
        MLPClassifier(max_iter=5, random_state=0),
        {"learning_rate_init": loguniform(1e-4, 1e-1), "alpha": loguniform(1e-6, 1e-1), "solver": ["adam", "sgd"]},
        n_iter=4,
        cv=2,
        random_state=0,
    ).fit(X, y)
    rates = search.cv_results_["param_learning_rate_init"]
    assert len(set(rates)) == 4 and all(1e-4 <= r <= 1e-1 for r in rates)


def test_cross_val_score_regressor(small_reg_data):
    X, y = small_reg_data
    reg = MLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    scores = cross_val_score(reg, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8


@pytest.mark.parametrize("dump,load", [(pickle.dumps, pickle.loads), ("joblib", "joblib")])
def test_persistence_round_trip_gives_identical_predictions(digits, tmp_path, dump, load):
    X_train, X_test, y_train, _ = digits
    clf = MLPClassifier(hidden_layer_sizes=(16,), batch_norm=True, dropout=0.1, max_iter=5, random_state=0)
    clf.fit(X_train, y_train)
    if dump == "joblib":
        joblib.dump(clf, tmp_path / "model.joblib")
        restored = joblib.load(tmp_path / "model.joblib")
    else:
        restored = load(dump(clf))
    np.testing.assert_array_equal(restored.predict_proba(X_test), clf.predict_proba(X_test))
    # the restored estimator keeps training where it stopped
    restored.set_params(warm_start=True, max_iter=2).fit(X_train, y_train)
    assert len(restored.loss_curve_) == 7


def test_same_seed_same_model_and_global_rng_untouched(digits):
    X_train, X_test, y_train, _ = digits
    torch.manual_seed(123)
    np.random.seed(123)
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()
    params = dict(hidden_layer_sizes=(32,), dropout=0.3, early_stopping=True, max_iter=5)
    a = MLPClassifier(random_state=7, **params).fit(X_train, y_train)
    b = MLPClassifier(random_state=7, **params).fit(X_train, y_train)
    np.testing.assert_array_equal(a.predict_proba(X_test), b.predict_proba(X_test))
    assert a.loss_curve_ == b.loss_curve_
    assert torch.equal(torch.get_rng_state(), torch_state)
    after = np.random.get_state()
    assert after[0] == numpy_state[0] and np.array_equal(after[1], numpy_state[1]) and after[2] == numpy_state[2]


def test_random_state_none_draws_from_numpy_global_rng_like_sklearn(digits):
    """random_state=None honours np.random.seed, as scikit-learn's check_random_state(None) does."""
    X_train, _, y_train, _ = digits
    params = dict(hidden_layer_sizes=(32,), dropout=0.3, max_iter=3)
    torch_state = torch.get_rng_state()
    np.random.seed(5)
    c = MLPClassifier(random_state=None, **params).fit(X_train, y_train)
    d = MLPClassifier(random_state=None, **params).fit(X_train, y_train)  # the global RNG moved on
    assert not np.array_equal(c.coefs_[0], d.coefs_[0])
    np.random.seed(5)
    e = MLPClassifier(random_state=None, **params).fit(X_train, y_train)
    np.testing.assert_array_equal(c.coefs_[0], e.coefs_[0])
    assert torch.equal(torch.get_rng_state(), torch_state)  # torch's global generator is never used


def test_random_state_instance_is_consumed_like_sklearn(small_clf_data):
    X, y = small_clf_data
    rng = np.random.RandomState(0)
    a = MLPClassifier(max_iter=2, random_state=rng).fit(X, y)
    b = MLPClassifier(max_iter=2, random_state=rng).fit(X, y)
    assert not np.array_equal(a.coefs_[0], b.coefs_[0])
