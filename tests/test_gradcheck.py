"""check_gradients(): back-propagation against centred finite differences, for every option."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted
from torch import nn

from sknn_hp import MLPClassifier, MLPRegressor
from sknn_hp.activations import ACTIVATIONS
from sknn_hp.gradcheck import GradientCheckResult, check_gradients

# Functions with a kink (ReLU family and SELU at 0, |.|): a centred difference
# straddling the kink would be wrong, so these only need to be close (the
# notes' "inspect" band), the smooth ones must be 'good' (< 1e-7).
KINKED_ACTIVATIONS = {"relu", "leaky_relu", "prelu", "selu"}
KINK_TOL = 1e-4


@pytest.fixture(scope="module")
def clf_data():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return X[::6], y[::6]  # 25 samples, 3 classes


@pytest.fixture(scope="module")
def reg_data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 4))
    y = X @ rng.normal(size=(4, 2)) + 0.1 * rng.normal(size=(20, 2))
    return X, y


def _assert_ok(result, kinked=False):
    assert isinstance(result, GradientCheckResult)
    assert np.isfinite(result.relative_difference)
    if kinked:
        assert result.relative_difference < KINK_TOL, str(result)
        assert result.verdict in ("good", "inspect")
    else:
        assert result.verdict == "good", str(result)
        assert result.relative_difference < 1e-7


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation(clf_data, activation):
    X, y = clf_data
    clf = MLPClassifier((6, 5), activation=activation, max_iter=1, random_state=0).fit(X, y)
    result = check_gradients(clf, X, y)
    _assert_ok(result, kinked=activation in KINKED_ACTIVATIONS)
    n_params = sum(p.numel() for p in clf.net_.module_.parameters())
    assert result.n_checked == n_params
    if activation == "prelu":
        assert "hidden.0.activation.weight" in result.per_parameter


@pytest.mark.parametrize("task", ["multiclass", "binary", "multilabel"])
def test_classifier_losses(clf_data, task):
    X, y = clf_data
    if task == "binary":
        y = (y == 1).astype(int)
    elif task == "multilabel":
        y = np.column_stack([y == 1, y >= 1, X[:, 0] > 0]).astype(int)
    clf = MLPClassifier((6,), activation="tanh", max_iter=1, random_state=0).fit(X, y)
    assert clf._loss_name() == ("log_loss" if task == "multiclass" else "binary_log_loss")
    _assert_ok(check_gradients(clf, X, y))


@pytest.mark.parametrize("loss", ["squared_error", "absolute_error", "huber", "poisson"])
def test_regressor_losses(reg_data, loss):
    X, y = reg_data
    if loss == "poisson":
        y = np.random.RandomState(1).poisson(np.exp(0.3 * X[:, :2]))
    reg = MLPRegressor(hidden_layer_sizes=(6,), activation="tanh", loss=loss, max_iter=1, random_state=0).fit(X, y)
    _assert_ok(check_gradients(reg, X, y), kinked=loss == "absolute_error")


LAYER_OPTIONS = [
    {"batch_norm": True},
    {"batch_norm": "after"},
    {"input_batch_norm": True},
    {"residual": True, "hidden_layer_sizes": (6, 4, 4)},
    {"dropout": 0.3, "input_dropout": 0.2},
    {"dropout": 0.3, "activation": "selu"},
    {"alpha": 0.5, "l1_ratio": 0.0},
    {"alpha": 0.5, "l1_ratio": 0.5},
    {"alpha": 0.5, "l1_ratio": 1.0},
    {"batch_norm": True, "input_batch_norm": True, "residual": True, "dropout": 0.2,
     "hidden_layer_sizes": (6, 5, 5), "alpha": 0.1},
    {"label_smoothing": 0.1},
    {"class_weight": "balanced"},
]


@pytest.mark.parametrize("options", LAYER_OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_layer_options(clf_data, options):
    X, y = clf_data
    options = {"hidden_layer_sizes": (6, 5), "activation": "tanh", **options}
    clf = MLPClassifier(max_iter=2, random_state=0, **options).fit(X, y)
    kinked = options.get("l1_ratio", 0) > 0 or options["activation"] in KINKED_ACTIVATIONS
    _assert_ok(check_gradients(clf, X, y), kinked=kinked)


def test_penalty_is_part_of_the_cost(clf_data):
    X, y = clf_data
    plain = MLPClassifier((5,), activation="tanh", alpha=0.0, max_iter=1, random_state=0).fit(X, y)
    penalized = MLPClassifier((5,), activation="tanh", alpha=1.0, max_iter=1, random_state=0).fit(X, y)
    penalized.net_.module_.load_state_dict(plain.net_.module_.state_dict())
    a, b = check_gradients(plain, X, y), check_gradients(penalized, X, y)
    w = sum(float((p.detach().double() ** 2).sum()) for p in plain.net_.module_.penalized_weights())
    assert b.loss == pytest.approx(a.loss + 0.5 * w / len(X), rel=1e-9)


def test_sample_weight_and_float32(clf_data):
    X, y = clf_data
    X32 = X.astype(np.float32)
    clf = MLPClassifier((5,), activation="tanh", max_iter=1, random_state=0).fit(X32, y)
    assert next(clf.net_.module_.parameters()).dtype == torch.float32
    sw = np.linspace(0.5, 2.0, len(X))
    result = check_gradients(clf, X32, y, sample_weight=sw)
    _assert_ok(result)
    # the estimator's own module is untouched
    assert next(clf.net_.module_.parameters()).dtype == torch.float32


def test_random_subset_of_coordinates(clf_data):
    X, y = clf_data
    clf = MLPClassifier((8,), activation="tanh", max_iter=1, random_state=0).fit(X, y)
    result = check_gradients(clf, X, y, n_checks=10, random_state=3)
    assert result.n_checked == 10 == len(result.gradient) == len(result.approx_gradient)
    names = {"hidden.0.linear.weight", "hidden.0.linear.bias", "output.weight", "output.bias"}
    assert set(result.per_parameter) <= names
    _assert_ok(result)
    again = check_gradients(clf, X, y, n_checks=10, random_state=3)
    np.testing.assert_array_equal(result.indices, again.indices)
    frame = result.to_frame()
    assert list(frame.columns) == ["parameter", "index", "gradient", "approx_gradient", "abs_difference"]
    assert set(result.worst) == {"name", "index", "gradient", "approx_gradient", "abs_difference"}
    assert "good" in str(result)


def test_unfitted_estimator_is_fitted_on_a_clone(clf_data):
    X, y = clf_data
    clf = MLPClassifier((5,), activation="tanh", random_state=0, early_stopping=True)
    _assert_ok(check_gradients(clf, X, y))
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


def test_frozen_parameters_are_skipped(clf_data):
    X, y = clf_data
    clf = MLPClassifier((5,), activation="tanh", max_iter=1, random_state=0).fit(X, y)
    clf.net_.module_.output.bias.requires_grad_(False)
    result = check_gradients(clf, X, y)
    assert "output.bias" not in result.per_parameter
    _assert_ok(result)


class _BuggyTanh(torch.autograd.Function):
    """tanh whose backward pass is 10% too large: a back-propagation bug."""

    @staticmethod
    def forward(ctx, x):
        out = torch.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return 1.1 * grad * (1 - out**2)


class BuggyTanh(nn.Module):
    def forward(self, x):
        return _BuggyTanh.apply(x)


def test_wrong_gradient_is_flagged_as_a_bug(clf_data):
    X, y = clf_data
    clf = MLPClassifier((6,), activation="tanh", max_iter=1, random_state=0).fit(X, y)
    _assert_ok(check_gradients(clf, X, y))
    clf.net_.module_.hidden[0].activation = BuggyTanh()
    result = check_gradients(clf, X, y)
    assert result.verdict == "bug", str(result)
    assert result.relative_difference >= 1e-3
    # the parameters behind the faulty backward pass are the ones flagged
    assert result.per_parameter["hidden.0.linear.weight"] >= 1e-3
    assert result.per_parameter["output.weight"] < 1e-7


def test_scaled_parameter_gradient_is_a_bug(clf_data, monkeypatch):
    """A hook that corrupts one parameter's gradient during backprop is caught."""
    X, y = clf_data
    clf = MLPClassifier((6,), activation="tanh", max_iter=1, random_state=0).fit(X, y)
    original = nn.Module.zero_grad

    def zero_grad_and_hook(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if hasattr(self, "output"):
            self.output.bias.register_hook(lambda g: 3.0 * g)

    monkeypatch.setattr(nn.Module, "zero_grad", zero_grad_and_hook)
    result = check_gradients(clf, X, y)
    assert result.verdict == "bug"
    assert result.per_parameter["output.bias"] > 0.1
    assert result.per_parameter["hidden.0.linear.weight"] < 1e-7


def test_bad_arguments(clf_data):
    X, y = clf_data
    clf = MLPClassifier((3,), max_iter=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="n_checks"):
        check_gradients(clf, X, y, n_checks=0)
    with pytest.raises(ValueError, match="eps"):
        check_gradients(clf, X, y, eps=0)
    with pytest.raises(ValueError, match="features"):
        check_gradients(clf, X[:, :2], y)


def test_freeze_layers_are_not_checked(clf_data):
    X, y = clf_data
    clf = MLPClassifier((6, 5), activation="tanh", freeze_layers=1, max_iter=1, random_state=0).fit(X, y)
    result = check_gradients(clf, X, y)
    assert not any(name.startswith("hidden.0.") for name in result.per_parameter)
    _assert_ok(result)
