"""find_learning_rate(): the learning-rate range test."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

from sknn_hp import MLPClassifier, MLPRegressor
from sknn_hp.lr_finder import LRFinderResult, find_learning_rate


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _check_result(result, min_lr, max_lr, n_steps):
    assert isinstance(result, LRFinderResult)
    assert len(result.learning_rates) == len(result.losses) == len(result.raw_losses) <= n_steps
    assert np.all(np.diff(result.learning_rates) > 0)
    assert np.isfinite(result.losses).all()
    assert min_lr <= result.suggestion <= max_lr
    assert min_lr <= result.lr_min <= max_lr
    assert result.suggestion <= result.lr_min  # steepest descent comes before the minimum
    if result.diverged:
        assert result.suggestion < result.learning_rates[-1]


def test_range_and_divergence(iris):
    X, y = iris
    est = MLPClassifier((32,), solver="sgd", batch_size=16, random_state=0)
    result = find_learning_rate(est, X, y, min_lr=1e-5, max_lr=100.0, n_steps=100)
    _check_result(result, 1e-5, 100.0, 100)
    np.testing.assert_allclose(result.learning_rates[0], 1e-5)
    # rates grow geometrically: a constant ratio between steps
    ratios = result.learning_rates[1:] / result.learning_rates[:-1]
    np.testing.assert_allclose(ratios, (100.0 / 1e-5) ** (1 / 99))
    # SGD at a rate of 100 diverges: the test stops early
    assert result.diverged and len(result.losses) < 100
    assert result.losses[-1] > 4.0 * result.losses.min()
    # the estimator itself is left unfitted
    assert not hasattr(est, "net_")


def test_smoothing_is_bias_corrected(iris):
    X, y = iris
    result = find_learning_rate(MLPClassifier((8,), random_state=0), X, y, n_steps=30, smooth=0.9)
    raw = result.raw_losses
    avg, expected = 0.0, []
    for i, v in enumerate(raw):
        avg = 0.9 * avg + 0.1 * v
        expected.append(avg / (1 - 0.9 ** (i + 1)))
    np.testing.assert_allclose(result.losses, expected)
    assert result.losses[0] == pytest.approx(raw[0])
    none = find_learning_rate(MLPClassifier((8,), random_state=0), X, y, n_steps=30, smooth=0.0)
    np.testing.assert_allclose(none.losses, none.raw_losses)


def test_global_rng_untouched_and_reproducible(iris):
    X, y = iris
    np_state = np.random.get_state()[1].copy()
    torch_state = torch.random.get_rng_state().clone()
    est = MLPClassifier((16,), dropout=0.2, random_state=None)
    a = find_learning_rate(est, X, y, n_steps=40, random_state=1)
    b = find_learning_rate(est, X, y, n_steps=40, random_state=1)
    find_learning_rate(est, X, y, n_steps=20)  # random_state=None: fresh entropy
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    np.testing.assert_allclose(a.losses, b.losses)


def test_regressor_and_options(iris):
    X, y = iris
    est = MLPRegressor(hidden_layer_sizes=(16,), solver="adamw", batch_size="auto", clip_norm=1.0,
                       alpha=1e-3, random_state=0)
    result = find_learning_rate(est, X[:, :3], X[:, 3], n_steps=50, max_lr=1.0)
    _check_result(result, 1e-7, 1.0, 50)


def test_bad_arguments(iris):
    X, y = iris
    est = MLPClassifier((4,))
    with pytest.raises(ValueError, match="min_lr"):
        find_learning_rate(est, X, y, min_lr=1.0, max_lr=0.1)
    with pytest.raises(ValueError, match="n_steps"):
        find_learning_rate(est, X, y, n_steps=1)
    with pytest.raises(ValueError, match="smooth"):
        find_learning_rate(est, X, y, smooth=1.0)
    with pytest.raises(ValueError, match="diverge_factor"):
        find_learning_rate(est, X, y, diverge_factor=1.0)
    with pytest.raises(ValueError, match="lbfgs"):
        find_learning_rate(MLPClassifier(solver="lbfgs"), X, y)


def test_suggestion_trains_digits(digits):
    X_train, X_test, y_train, y_test = digits
    est = MLPClassifier((64,), random_state=0)
    result = find_learning_rate(est, X_train, y_train)
    _check_result(result, 1e-7, 10, 200)
    clf = MLPClassifier((64,), learning_rate_init=result.suggestion, max_iter=20, random_state=0)
    assert clf.fit(X_train, y_train).score(X_test, y_test) > 0.9
