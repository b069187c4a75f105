"""RobustSmoothClipScaler and numeric_scaling='robust': RealMLP's formula, weighted quantiles, the estimator
contract, equivalence."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn_hp import MLPClassifier, MLPRegressor
from sknn_hp.preprocessing import RobustSmoothClipScaler, robust_scale_factors, smooth_clip, weighted_quantile


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
    for j in range(2):  # generic columns: interquartile range of the averaged inverted CDF
        q25, q50, q75 = np.quantile(X[:, j], [0.25, 0.5, 0.75], method="averaged_inverted_cdf")
        assert q50 == np.median(X[:, j])
        z = (X[:, j] - q50) / (q75 - q25)
        np.testing.assert_allclose(out[:, j], z / np.sqrt(1 + (z / 2.0) ** 2), rtol=1e-12)
    # interquartile range 0: half the range; a constant column: 0
    z = (X[:, 2] - 0.0) / (0.5 * 1.0)
    np.testing.assert_allclose(out[:, 2], z / np.sqrt(1 + (z / 2.0) ** 2))
    np.testing.assert_array_equal(out[:, 3], 0.0)
    assert np.abs(out).max() < 2.0 and np.abs(out[:, 0]).max() > 1.9  # Cauchy tails squashed toward the bound


LEVELS = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 8, 100, 101])
def test_weighted_quantile_without_weights_is_numpys_averaged_inverted_cdf(n):
    rng = np.random.RandomState(n)
    for x in (rng.normal(size=n), rng.randint(0, 3, n).astype(float)):  # ties included
        np.testing.assert_allclose(
            weighted_quantile(x, LEVELS), np.quantile(x, LEVELS, method="averaged_inverted_cdf"), rtol=1e-15
        )
        assert weighted_quantile(x, 0.5) == np.median(x)
        np.testing.assert_array_equal(weighted_quantile(x, LEVELS, np.ones(n)), weighted_quantile(x, LEVELS))
    assert weighted_quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5 and weighted_quantile([1.0, 2.0, 3.0], 0.25) == 1.0


def test_weighted_quantile_counts_integer_weights_as_repetitions():
    rng = np.random.RandomState(0)
    for _ in range(50):
        n = rng.randint(1, 20)
        x = rng.randint(0, 6, n).astype(float) if rng.rand() < 0.5 else rng.normal(size=n)
        w = rng.randint(0, 4, n)
        w[rng.randint(n)] += 1
        x_nan = np.r_[x, np.nan, 7.0]  # NaN ignored, a value of weight 0 dropped
        w_nan = np.r_[w, 3, 0]
        expected = weighted_quantile(np.repeat(x, w), LEVELS)
        np.testing.assert_array_equal(weighted_quantile(x_nan, LEVELS, w_nan), expected)
    # the weights move the quantiles, in the direction of the heavy values
    assert weighted_quantile([1.0, 2.0, 3.0], 0.5, [1, 1, 5]) == 3.0
    assert weighted_quantile([1.0, 2.0, 3.0], 0.5, [1, 1, 2]) == 2.5  # S_2 = t = 2: the average with the next
    assert np.isnan(weighted_quantile([np.nan, 1.0], 0.5, [1, 0]))


def test_scaler_sample_weight_is_repetition():
    rng = np.random.RandomState(0)
    X = np.c_[rng.lognormal(size=40), rng.randint(0, 3, 40), np.r_[np.zeros(36), rng.normal(size=4)]]
    w = rng.randint(0, 4, 40)
    weighted = RobustSmoothClipScaler().fit(X, sample_weight=w)
    repeated = RobustSmoothClipScaler().fit(np.repeat(X, w, axis=0))
    np.testing.assert_array_equal(weighted.median_, repeated.median_)
    np.testing.assert_array_equal(weighted.scale_factor_, repeated.scale_factor_)
    plain = RobustSmoothClipScaler().fit(X)
    assert not np.array_equal(weighted.scale_factor_, plain.scale_factor_)
    ones = RobustSmoothClipScaler().fit(X, sample_weight=np.ones(40))
    np.testing.assert_array_equal(ones.scale_factor_, plain.scale_factor_)
    # the fallback range counts only rows of positive weight: column 2 is constant once its outliers weigh 0
    w0 = np.r_[np.ones(36), np.zeros(4)]
    assert RobustSmoothClipScaler().fit(X, sample_weight=w0).scale_factor_[2] == 0.0
    assert plain.scale_factor_[2] > 0


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
