"""The raw-table recipe: standardize_target, and recommended() on a DataFrame with categorical columns."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split

from sknn_hp import MLPRegressor, recommended


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)
        yield


def test_standardize_target_equals_fitting_the_standardized_target():
    X, y = load_diabetes(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    common = {"hidden_layer_sizes": (16,), "max_iter": 60, "random_state": 0}
    scaled = MLPRegressor(standardize_target=True, **common).fit(X, y)
    z = (y - y.mean()) / y.std()
    by_hand = MLPRegressor(**common).fit(X, z)
    np.testing.assert_allclose(scaled.predict(X), by_hand.predict(X) * y.std() + y.mean(), rtol=1e-6)
    np.testing.assert_allclose(scaled.loss_curve_, by_hand.loss_curve_, rtol=1e-6)
    raw = MLPRegressor(**common).fit(X, y)
    assert scaled.score(X, y) > 0.45 > 0 > raw.score(X, y)


def test_standardize_target_multioutput_constant_column_and_poisson():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 3))
    Y = np.c_[1000 + 100 * X[:, 0], np.full(50, 7.0)]
    reg = MLPRegressor(hidden_layer_sizes=(8,), standardize_target=True, max_iter=5, random_state=0).fit(X, Y)
    assert reg._target_scale.tolist()[1] == 1.0 and reg.predict(X).shape == (50, 2)
    with pytest.raises(ValueError, match="standardize_target=True does not apply to loss='poisson'"):
        MLPRegressor(loss="poisson", standardize_target=True, max_iter=1).fit(X, np.abs(Y[:, 0]))


def test_standardize_target_statistics_are_weighted_like_repeated_rows():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    y = 100 + 10 * X[:, 0] + rng.normal(size=40)
    w = rng.randint(0, 4, size=40)
    common = {"hidden_layer_sizes": (4,), "standardize_target": True, "max_iter": 1, "random_state": 0}
    weighted = MLPRegressor(**common).fit(X, y, sample_weight=w)
    repeated = MLPRegressor(**common).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(weighted._target_shift, repeated._target_shift, rtol=1e-12)
    np.testing.assert_allclose(weighted._target_scale, repeated._target_scale, rtol=1e-12)
    unweighted = MLPRegressor(**common).fit(X, y)
    assert abs(weighted._target_shift[0] - unweighted._target_shift[0]) > 1e-3  # the weights are not ignored


def _raw_table(n=1500, seed=0):
    rng = np.random.RandomState(seed)
    city = rng.choice([f"city_{i}" for i in range(40)], n)
    effect = dict(zip([f"city_{i}" for i in range(40)], rng.normal(size=40)))
    plan = rng.choice(["basic", "plus", "pro"], n)
    income = rng.lognormal(10, 1, n)  # dollars: far from unit scale
    score = np.log(income) - 10 + np.vectorize(effect.get)(city) + (plan == "pro") + 0.3 * rng.normal(size=n)
    X = pd.DataFrame({"income": income, "city": city, "plan": pd.Categorical(plan), "age": rng.randint(18, 90, n)})
    return X, score


def test_recommended_classifier_fits_a_raw_dataframe():
    X, score = _raw_table()
    y = np.where(score > 0.3, "churn", "stay")
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    clf = recommended("classifier", random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) > 0.85
    proba = clf.predict_proba(X_test.assign(city="city_unseen"))
    assert np.isfinite(proba).all()
    assert clf._tabular_encoder.categorical_columns == [1, 2]
    # float64 and int64 columns, computed in float32 (recommended()'s dtype), predictions in float64
    assert clf._tabular_encoder.dtype == "float64"
    assert next(clf.net_.module_.parameters()).dtype == torch.float32
    assert proba.dtype == np.float64


def test_recommended_regressor_fits_a_raw_dataframe():
    X, score = _raw_table()
    y = 50_000 + 10_000 * score  # dollars
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    reg = recommended("regressor", random_state=0).fit(X_train, y_train)
    assert reg.score(X_test, y_test) > 0.85
