"""RobustSmoothClipScaler and numeric_scaling='robust': RealMLP's formula, the estimator contract, equivalence."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn_hp import MLPClassifier, MLPRegressor
from sknn_hp.preprocessing import RobustSmoothClipScaler, robust_scale_factors, smooth_clip


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)
        yield


@parametrize_with_checks([RobustSmoothClipScaler()])
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


def test_formula():
    rng = np.random.RandomState(0)
    X = np.c_[rng.standard_cauchy(200), rng.exponential(size=200), np.r_[np.zeros(190), np.ones(10)], np.full(200, 4.0)]
    out = RobustSmoothClipScaler(clip=2.0).fit(X).transform(X)
    for j in range(2):  # generic columns: interquartile range
        q25, q50, q75 = np.quantile(X[:, j], [0.25, 0.5, 0.75])
        z = (X[:, j] - q50) / (q75 - q25)
        np.testing.assert_allclose(out[:, j], z / np.sqrt(1 + (z / 2.0) ** 2), rtol=1e-12)
    # interquartile range 0: half the range; a constant column: 0
    z = (X[:, 2] - 0.0) / (0.5 * 1.0)
    np.testing.assert_allclose(out[:, 2], z / np.sqrt(1 + (z / 2.0) ** 2))
    np.testing.assert_array_equal(out[:, 3], 0.0)
    assert np.abs(out).max() < 2.0 and np.abs(out[:, 0]).max() > 1.9  # Cauchy tails squashed toward the bound


def test_smooth_clip_limits():
    z = np.array([0.0, 1e-4, 1e6, -1e6])
    np.testing.assert_allclose(smooth_clip(z, 3.0), [0.0, 1e-4, 3.0, -3.0], rtol=1e-6)
    median, factor = robust_scale_factors(np.arange(9.0)[:, None])
    assert median.tolist() == [4.0] and factor.tolist() == [0.25]


def test_estimator_option_equals_the_transformer_in_front():
    rng = np.random.RandomState(0)
    X = np.c_[rng.lognormal(size=300) * 1000, rng.standard_cauchy(300)]
    y = np.log(X[:, 0]) + np.clip(X[:, 1], -2, 2)
    y = y - y.mean()
    common = {"hidden_layer_sizes": (16,), "max_iter": 100, "learning_rate_init": 0.01, "random_state": 0}
    inside = MLPRegressor(numeric_scaling="robust", **common).fit(X, y)
    Xs = RobustSmoothClipScaler().fit_transform(X)
    outside = MLPRegressor(**common).fit(Xs, y)
    np.testing.assert_allclose(inside.predict(X), outside.predict(Xs), rtol=1e-6, atol=1e-8)
    unscaled = MLPRegressor(**common).fit(X, y)
    assert inside.score(X, y) > 0.9 > unscaled.score(X, y)


def test_scaling_works_with_categories_and_new_extremes():
    X = pd.DataFrame({"amount": [1.0, 2.0, 3.0, 4.0, 1e9] * 20, "kind": list("abcde") * 20})
    y = np.r_[[0, 0, 1, 1, 1] * 20]
    clf = MLPClassifier((8,), categorical_features=["kind"], numeric_scaling="robust", max_iter=5, random_state=0)
    clf.fit(X, y)
    encoded = clf._tabular_encoder.transform(pd.DataFrame({"amount": [-1e12, 3.0], "kind": ["a", "z"]}))
    np.testing.assert_allclose(encoded[:, 0], [-3.0, 0.0], atol=1e-6)
    assert encoded[:, 1].tolist() == [2.0, 0.0]
