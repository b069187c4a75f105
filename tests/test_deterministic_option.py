"""``deterministic=True``: torch's deterministic algorithms during fit only, global flags restored."""

import os

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback
from sklearn.utils._param_validation import InvalidParameterError

from sknn_hp import MLPClassifier, MLPRegressor
from sknn_hp._runtime import deterministic_torch as _deterministic_torch


def _flags():
    return (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
        torch.backends.cudnn.deterministic,
        torch.backends.cudnn.benchmark,
    )


class SeesFlags(Callback):
    """Records whether deterministic algorithms were on while an epoch trained."""

    def on_epoch_end(self, net, **kwargs):
        self.seen = torch.are_deterministic_algorithms_enabled()


class Boom(Callback):
    def on_epoch_end(self, net, **kwargs):
        raise RuntimeError("boom inside a deterministic fit")


@pytest.mark.parametrize(
    "params",
    [
        {"dropout": 0.2, "batch_norm": True, "shuffle": True},  # autograd path, dropout draws
        {"solver": "sgd", "learning_rate": "invscaling"},  # closed-form path
        {"solver": "lbfgs"},
    ],
)
def test_deterministic_cpu_fit_equals_the_default_path(small_clf_data, params):
    X, y = small_clf_data
    base = {"hidden_layer_sizes": (8,), "max_iter": 4, "random_state": 0, **params}
    default = MLPClassifier(**base).fit(X, y)
    probe = SeesFlags()
    det = MLPClassifier(**base, deterministic=True, callbacks=[probe]).fit(X, y)
    assert probe.seen is True
    assert _flags() == (False, False, False, False)
    np.testing.assert_array_equal(det.predict_proba(X), default.predict_proba(X))
    for a, b in zip(det.coefs_, default.coefs_):
        np.testing.assert_array_equal(a, b)


def test_deterministic_partial_fit_regressor_equals_the_default_path(small_reg_data):
    X, y = small_reg_data
    default = MLPRegressor(hidden_layer_sizes=(8,), random_state=0)
    det = MLPRegressor(hidden_layer_sizes=(8,), random_state=0, deterministic=True)
    for _ in range(2):
        default.partial_fit(X, y)
        det.partial_fit(X, y)
    np.testing.assert_array_equal(det.predict(X), default.predict(X))
    assert not torch.are_deterministic_algorithms_enabled()


def test_the_callers_global_settings_come_back_even_when_fit_raises(small_clf_data):
    X, y = small_clf_data
    before = _flags()
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = True
    try:
        with pytest.raises(RuntimeError, match="boom inside a deterministic fit"):
            MLPClassifier(max_iter=2, deterministic=True, callbacks=[Boom()]).fit(X, y)
        assert _flags() == (True, True, False, True)
        MLPClassifier(hidden_layer_sizes=(4,), max_iter=1, deterministic=True).fit(X, y)
        assert _flags() == (True, True, False, True)
    finally:
        torch.use_deterministic_algorithms(before[0], warn_only=before[1])
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = before[2:]


def test_an_invalid_value_is_rejected_and_changes_nothing(small_clf_data):
    X, y = small_clf_data
    with pytest.raises(InvalidParameterError, match="The 'deterministic' parameter of MLPClassifier must be"):
        MLPClassifier(deterministic="yes").fit(X, y)
    assert _flags() == (False, False, False, False)


def test_cuda_sets_the_cublas_workspace_before_cuda_starts(monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: False)
    with _deterministic_torch(True, "cuda:0"):
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
        assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark
    assert _flags() == (False, False, False, False)


def test_cuda_already_started_without_the_workspace_setting_raises(monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    with pytest.raises(RuntimeError, match="CUBLAS_WORKSPACE_CONFIG=:4096:8 \\(or :16:8\\) set before CUDA"):
        with _deterministic_torch(True, "cuda"):
            pass
    assert "CUBLAS_WORKSPACE_CONFIG" not in os.environ
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":16:8")  # set by the user: accepted as it is
    with _deterministic_torch(True, "cuda"):
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":16:8"
    assert _flags() == (False, False, False, False)


def test_fit_on_started_cuda_without_the_workspace_setting_changes_nothing(small_clf_data, monkeypatch):
    X, y = small_clf_data
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    clf = MLPClassifier(device="cuda", deterministic=True)
    with pytest.raises(RuntimeError, match="export CUBLAS_WORKSPACE_CONFIG=:4096:8"):
        clf.fit(X, y)
    assert not hasattr(clf, "net_") and _flags() == (False, False, False, False)
