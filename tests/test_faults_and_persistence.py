"""Faults leave the estimator as it was; persistence warns across versions and can be trimmed."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback
from sklearn.utils.validation import check_is_fitted

from sknn_hp import MLPClassifier


class Boom(Callback):
    def __init__(self, at_epoch=2):
        self.at_epoch = at_epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.at_epoch:
            raise RuntimeError("boom from a user callback")


def test_raising_callback_propagates_and_leaves_no_half_fitted_estimator(small_clf_data):
    X, y = small_clf_data
    clf = MLPClassifier(max_iter=5, callbacks=[Boom()])
    with pytest.raises(RuntimeError, match="boom from a user callback"):
        clf.fit(X, y)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        check_is_fitted(clf)
    assert not hasattr(clf, "n_outputs_") and not hasattr(clf, "history_")


def test_failed_refit_keeps_the_previous_model(small_clf_data):
    X, y = small_clf_data
    clf = MLPClassifier(max_iter=3, random_state=0).fit(X, y)
    before = clf.predict_proba(X)
    clf.set_params(callbacks=[Boom(1)])
    with pytest.raises(RuntimeError):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert len(clf.loss_curve_) == 3


def test_out_of_memory_suggests_a_smaller_batch(small_clf_data, monkeypatch):
    X, y = small_clf_data
    from sknn_hp._net import SkorchMLP

    def oom(self, batch, **fit_params):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(SkorchMLP, "train_step", oom)  # every training step, whichever path it takes
    clf = MLPClassifier(batch_size=64, max_iter=2)
    with pytest.raises(MemoryError, match="try a smaller batch_size \\(now 64\\)"):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")


def test_trim_for_prediction_shrinks_the_file_and_keeps_predictions(small_clf_data):
    X, y = small_clf_data
    clf = MLPClassifier(hidden_layer_sizes=(128, 128), max_iter=2, random_state=0).fit(X, y)
    full = len(pickle.dumps(clf))
    expected = clf.predict_proba(X)
    trimmed = pickle.loads(pickle.dumps(clf.trim_for_prediction()))
    assert len(pickle.dumps(trimmed)) < 0.7 * full
    np.testing.assert_array_equal(trimmed.predict_proba(X), expected)
    trimmed.set_params(warm_start=True, max_iter=1).fit(X, y)  # still trainable
    assert len(trimmed.loss_curve_) == 3


def test_loading_a_file_from_another_version_warns(small_clf_data):
    X, y = small_clf_data
    clf = MLPClassifier(max_iter=1).fit(X, y)
    payload = pickle.dumps(clf)
    import sknn_hp

    forged = payload.replace(sknn_hp.__version__.encode(), b"0.0.0")
    with pytest.warns(UserWarning, match="saved with sknn_hp 0.0.0 and is loaded with sknn_hp"):
        pickle.loads(forged)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        pickle.loads(payload)


def test_fitted_model_does_not_carry_its_training_data(digits):
    X_train, _, y_train, _ = digits
    small = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, random_state=0).fit(X_train, y_train)
    stopped = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, early_stopping=True, diagnostics=True,
                            random_state=0).fit(X_train, y_train)
    assert len(pickle.dumps(stopped)) < 1.5 * len(pickle.dumps(small))
    assert len(pickle.dumps(stopped)) < X_train.nbytes / 2


def test_snapshots_are_kept_on_the_cpu(small_clf_data):
    X, y = small_clf_data
    clf = MLPClassifier(early_stopping=True, max_iter=3, random_state=0).fit(X, y)
    tensors = list(clf._best_state.values())
    for state in clf._optimizer_state["state"].values():
        tensors += [v for v in state.values() if isinstance(v, torch.Tensor)]
    assert tensors and all(t.device.type == "cpu" for t in tensors)
