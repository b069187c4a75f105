"""MLPRegressor behaviour: fit quality, outputs, losses."""

import numpy as np
import pytest
from sklearn.datasets import make_friedman1, make_regression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor as SkMLPRegressor

from sknn_hp import MLPRegressor


@pytest.fixture(scope="module")
def friedman():
    """Friedman #1 (a smooth non-linear target, positive), target scaled to unit variance."""
    X, y = make_friedman1(n_samples=600, noise=0.5, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    return X_train, X_test, y_train / y_train.std(), y_test / y_train.std()


def test_comparable_to_sklearn_on_friedman(friedman):
    X_train, X_test, y_train, y_test = friedman
    params = dict(hidden_layer_sizes=(64,), learning_rate_init=0.01, max_iter=200, random_state=0)
    ours = MLPRegressor(**params).fit(X_train, y_train).score(X_test, y_test)
    theirs = SkMLPRegressor(**params).fit(X_train, y_train).score(X_test, y_test)
    assert ours > 0.85 and ours >= theirs - 0.03


def test_one_output_is_raveled_and_multi_output_kept():
    X, Y = make_regression(n_samples=200, n_features=6, n_targets=3, noise=0.1, random_state=0)
    Y = Y / Y.std(0)
    reg = MLPRegressor(hidden_layer_sizes=(64,), learning_rate_init=0.01, max_iter=300, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (200, 3) and reg.n_outputs_ == 3 and reg.out_activation_ == "identity"
    assert reg.score(X, Y) > 0.95
    single = MLPRegressor(max_iter=3, random_state=0).fit(X, Y[:, 0])
    assert single.predict(X).shape == (200,)


@pytest.mark.parametrize("loss", ["squared_error", "absolute_error", "huber", "poisson"])
def test_every_loss_learns(friedman, loss):
    X_train, X_test, y_train, y_test = friedman
    reg = MLPRegressor(loss=loss, hidden_layer_sizes=(64,), learning_rate_init=0.01, max_iter=200, random_state=0)
    reg.fit(X_train, y_train)
    pred = reg.predict(X_test)
    assert np.isfinite(pred).all() and reg.score(X_test, y_test) > 0.7
    if loss == "poisson":
        assert reg.out_activation_ == "exp" and (pred > 0).all()


def test_poisson_refuses_negative_targets():
    X = np.random.RandomState(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="negative"):
        MLPRegressor(loss="poisson").fit(X, -np.ones(20))


def test_absolute_error_is_robust_to_outliers():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 1))
    y = 2 * X[:, 0]
    y_dirty = y.copy()
    y_dirty[:15] += 50.0
    params = dict(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=300, random_state=0)
    l1 = MLPRegressor(loss="absolute_error", **params).fit(X, y_dirty)
    l2 = MLPRegressor(loss="squared_error", **params).fit(X, y_dirty)
    err = lambda m: np.abs(m.predict(X[15:]) - y[15:]).mean()  # noqa: E731
    assert err(l1) < err(l2)
