"""scikit-learn's own tests for its MLPs, run against sknn_hp's estimators.

The yardstick of "same semantics": ``sklearn/neural_network/tests/test_mlp.py``
(installed with scikit-learn) is executed with ``MLPClassifier`` and
``MLPRegressor`` bound to sknn_hp's classes, and every public-API test in it is
collected here. Left out are the tests that reach into scikit-learn's private
implementation (they set or read private attributes of its numpy solver):

- ``test_fit``: sets ``_coef_grads``, ``_intercept_velocity``... by hand;
- ``test_gradient``: calls the private ``_loss_grad_lbfgs``;
- ``test_learning_rate_warmstart`` and ``test_adaptive_learning_rate``: read
  the private ``_optimizer.learning_rate``. Both are rewritten below on the
  public record of the rate (``history_[i]['lr']``).
"""

import pathlib
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network.tests import test_mlp as _sklearn_tests

from sknn_hp import MLPClassifier

PRIVATE = {"test_fit", "test_gradient", "test_learning_rate_warmstart", "test_adaptive_learning_rate"}

_source = pathlib.Path(_sklearn_tests.__file__).read_text()
_import = "from sklearn.neural_network import MLPClassifier, MLPRegressor"
assert _import in _source, "scikit-learn's test module changed its import of the estimators"
_namespace = {"__name__": __name__}
exec(compile(_source.replace(_import, "from sknn_hp import MLPClassifier, MLPRegressor"),
             _sklearn_tests.__file__, "exec"), _namespace)

SKLEARN_TESTS = sorted(name for name in _namespace if name.startswith("test_"))
for _name in SKLEARN_TESTS:
    if _name not in PRIVATE:
        globals()[f"{_name}"] = _namespace[_name]


@pytest.fixture
def global_random_seed():
    """scikit-learn's fixture (from its conftest), at its default value."""
    return 42


def test_the_suite_is_sklearns_and_runs_against_sknn_hp():
    assert _namespace["MLPClassifier"] is MLPClassifier
    assert len(SKLEARN_TESTS) >= 40 and PRIVATE <= set(SKLEARN_TESTS)


def test_invscaling_warm_start_follows_sklearn():
    """test_learning_rate_warmstart on the public record: a warm-started fit starts a new optimizer at
    learning_rate_init, then invscaling continues from the samples seen over every fit (t_)."""
    X = [[3, 2], [1, 6], [5, 6], [-2, -4]]
    y = [1, 1, 1, 0]
    mlp = MLPClassifier(solver="sgd", hidden_layer_sizes=4, learning_rate="invscaling", max_iter=2,
                        power_t=0.25, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
        mlp.fit(X, y)
    lrs = [row["lr"] for row in mlp.history_]
    lr0 = mlp.learning_rate_init
    np.testing.assert_allclose(lrs, [lr0, lr0 / 5**0.25, lr0, lr0 / 13**0.25])
    constant = MLPClassifier(solver="sgd", hidden_layer_sizes=4, max_iter=2, random_state=0).fit(X, y)
    assert [row["lr"] for row in constant.history_] == [lr0, lr0]


def test_adaptive_learning_rate_divides_by_five_until_tiny():
    X = [[3, 2], [1, 6]]
    y = [1, 0]
    clf = MLPClassifier(tol=0.5, max_iter=3000, solver="sgd", learning_rate="adaptive", random_state=0)
    clf.fit(X, y)
    assert clf.max_iter > clf.n_iter_
    lrs = [row["lr"] for row in clf.history_]
    assert lrs[-1] < 1e-6
    steps = [b / a for a, b in zip(lrs, lrs[1:]) if b != a]
    np.testing.assert_allclose(steps, 0.2)


@pytest.mark.parametrize("nesterovs_momentum", [True, False])
def test_sgd_momentum_under_invscaling_trains_sklearns_weights(small_clf_data, nesterovs_momentum):
    """From the same weights, epochs of sgd with momentum and a changing (invscaling) rate give
    scikit-learn's weights: its velocity is a parameter change, which a new rate does not rescale."""
    X, y = small_clf_data
    params = dict(hidden_layer_sizes=(7,), solver="sgd", learning_rate="invscaling", learning_rate_init=0.1,
                  power_t=0.5, momentum=0.9, nesterovs_momentum=nesterovs_momentum, alpha=1e-3, batch_size=30,
                  shuffle=False, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPClassifier(**params).fit(X, y)
        theirs = SkMLPClassifier(**params).fit(X, y)
        theirs.coefs_ = [w.copy() for w in ours.coefs_]  # scikit-learn's network starts from our weights
        theirs.intercepts_ = [b.copy() for b in ours.intercepts_]
        for est in (ours, theirs):  # a warm start: a new optimizer, the rate continuing from t_
            est.set_params(warm_start=True, max_iter=5).fit(X, y)
    assert ours.t_ == theirs.t_ == 6 * len(X)
    np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:], rtol=1e-10)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)
