"""The training state and the epoch loop (sknn_hp/_trainer.py): commit on success, divergence, warm starts."""

import copy
import hashlib
import pickle
import warnings

import numpy as np
import pytest
from skorch.callbacks import Callback
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sknn_hp import DivergenceWarning, MLPClassifier, MLPRegressor
from sknn_hp._trainer import TrainingState


class RaiseAtEpoch(Callback):
    """Raise in the middle of epoch ``epoch`` of a fit (counted in this fit's net history)."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_batch_end(self, net, training=False, **kwargs):
        if training and len(net.history) == self.epoch:
            raise RuntimeError("boom from a callback")


def _state_values(state_dict):
    """An optimizer state_dict's values, comparable with == (pickled tensors differ by storage identity)."""
    digest = hashlib.sha256(repr(state_dict["param_groups"]).encode())
    for index in sorted(state_dict["state"]):
        for key, value in sorted(state_dict["state"][index].items()):
            digest.update(f"{index}.{key}".encode() + value.detach().cpu().numpy().tobytes())
    return digest.hexdigest()


def _fingerprint(est, X):
    """Everything a user can observe of a fitted estimator, deep-copied."""
    observed = {
        "proba": est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X),
        "coefs": [c.copy() for c in est.coefs_],
        "live": [p.detach().clone().numpy() for p in est.net_.module_.parameters()],
        "optimizer": _state_values(est.net_.optimizer_.state_dict()),
        "saved_optimizer": _state_values(est._optimizer_state),
    }
    for name in ("n_iter_", "t_", "loss_", "loss_curve_", "best_loss_", "_no_improvement_count", "_random_state"):
        observed[name] = pickle.dumps(getattr(est, name))
    observed["history_"] = pickle.dumps([{k: v for k, v in row.items() if k != "dur"} for row in est.history_])
    return observed


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], list):
            for x, y in zip(a[key], b[key]):
                np.testing.assert_array_equal(x, y, err_msg=key)
        elif isinstance(a[key], np.ndarray):
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
        else:
            assert a[key] == b[key], key


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


def test_cold_fit_failing_mid_fit_changes_nothing(data):
    X, y = data
    clf = MLPClassifier(hidden_layer_sizes=(8,), batch_size=20, max_iter=5, random_state=0)
    clf.set_params(callbacks=[RaiseAtEpoch(3)])
    with pytest.raises(RuntimeError, match="boom from a callback"):
        clf.fit(X, y)
    assert not hasattr(clf, "net_") and not hasattr(clf, "coefs_") and not hasattr(clf, "loss_curve_")
    assert set(vars(clf)) == set(vars(MLPClassifier()))  # only the constructor's parameters


@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
def test_refit_failing_mid_fit_leaves_the_previous_model_exactly(data, how):
    X, y = data
    clf = MLPClassifier(hidden_layer_sizes=(8,), batch_size=20, max_iter=4, random_state=0, dropout=0.1,
                        warm_start=(how == "warm_start")).fit(X, y)
    before = _fingerprint(clf, X)
    clf.set_params(callbacks=[RaiseAtEpoch(1 if how == "partial_fit" else 3)])
    with pytest.raises(RuntimeError, match="boom from a callback"):
        if how == "partial_fit":
            clf.partial_fit(X, y)
        else:
            clf.fit(X, y)
    _assert_same(_fingerprint(clf, X), before)
    # and the estimator goes on exactly as one that never failed
    clf.set_params(callbacks=None)
    twin = MLPClassifier(hidden_layer_sizes=(8,), batch_size=20, max_iter=4, random_state=0, dropout=0.1,
                         warm_start=(how == "warm_start")).fit(X, y)
    for est in (clf, twin):
        est.partial_fit(X, y) if how == "partial_fit" else est.fit(X, y)
    _assert_same(_fingerprint(clf, X), _fingerprint(twin, X))


def test_training_state_round_trips_and_copies(data):
    X, y = data
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X, y)
    state = TrainingState.of(clf)
    assert state.loss_curve == clf.loss_curve_ and state.loss_curve is not clf.loss_curve_
    assert state.history is not clf.history_ and state.t == clf.t_
    state.loss_curve.append(1.0)
    assert len(clf.loss_curve_) == 3
    lbfgs = MLPClassifier(solver="lbfgs", max_iter=5, random_state=0).fit(X, y)
    assert not TrainingState.of(lbfgs).stochastic


def test_finite_explosion_is_reported_and_the_model_stays_usable():
    """The issue's case: sgd at lr 1e4 on unscaled digits ended at loss 3.9e51 with a ConvergenceWarning only."""
    X, y = load_digits(return_X_y=True)
    clf = MLPClassifier(solver="sgd", learning_rate_init=1e4, momentum=0.0, max_iter=5, random_state=0)
    with pytest.warns(DivergenceWarning, match="Training diverged") as record:
        clf.fit(X, y)
    assert not any(issubclass(w.category, ConvergenceWarning) for w in record)
    assert np.isfinite(clf.predict_proba(X)).all()
    assert clf.n_iter_ < 5  # stopped, not run to the end
    assert all(np.isfinite(c).all() and np.abs(c).max() < 1e3 for c in clf.coefs_)  # sane weights restored


def test_nan_validation_score_is_recorded_and_stops():
    """scikit-learn records NaN in validation_scores_ for a diverged epoch; we also stop and restore."""
    X, y = load_digits(return_X_y=True)
    reg = MLPRegressor(hidden_layer_sizes=(100,), activation="identity", solver="sgd", learning_rate_init=1.0,
                       max_iter=20, early_stopping=True, random_state=0)
    with pytest.warns(DivergenceWarning):
        reg.fit(X[:300], y[:300].astype(float))
    assert np.isnan(reg.validation_scores_[-1]) and len(reg.validation_scores_) == reg.n_iter_ < 20
    assert np.isfinite(reg.predict(X)).all()


def test_healthy_training_is_not_called_divergent(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.05, max_iter=30, random_state=0).fit(X, y)
        # a regression target far from zero starts with a huge loss that then falls: not divergence
        MLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.1, max_iter=30, random_state=0).fit(
            X, 1e4 + 100 * X[:, 0])


def test_warm_start_with_another_architecture_raises_a_clear_error(data):
    X, y = data
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, warm_start=True, random_state=0).fit(X, y)
    before = copy.deepcopy(clf.coefs_)
    clf.set_params(hidden_layer_sizes=(16,))
    with pytest.raises(ValueError, match="warm_start=True cannot continue the fitted network"):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.coefs_[0], before[0])
    with pytest.raises(ValueError, match="partial_fit cannot continue the fitted network"):
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, random_state=0).fit(X, y).set_params(
            hidden_layer_sizes=(8, 8)).partial_fit(X, y)


def test_warm_start_applies_new_options_without_weights(data):
    """Dropout and parameter-free activations are options of the new fit, not of the old network."""
    X, y = data
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, warm_start=True, random_state=0).fit(X, y)
    clf.set_params(dropout=0.5, activation="tanh").fit(X, y)
    block = clf.net_.module_.hidden[0]
    assert block.dropout.p == 0.5 and clf.net_.module_.activation_names == ["tanh"]


@pytest.mark.parametrize("learning_rate", ["invscaling", "adaptive"])
def test_sklearn_schedules_apply_to_sgd_only(data, learning_rate):
    """As scikit-learn: 'invscaling' and 'adaptive' leave adam's rate constant (grids over both match sklearn)."""
    X, y = data
    params = dict(hidden_layer_sizes=(8,), max_iter=15, random_state=0, tol=0.5, n_iter_no_change=2)
    adam = MLPClassifier(learning_rate=learning_rate, **params).fit(X, y)
    constant = MLPClassifier(learning_rate="constant", **params).fit(X, y)
    np.testing.assert_array_equal(adam.coefs_[0], constant.coefs_[0])
    sgd = MLPClassifier(solver="sgd", learning_rate=learning_rate, **params).fit(X, y)
    assert len({row["lr"] for row in sgd.history_}) > 1  # sgd does follow them


def test_lr_scheduler_callback_with_another_schedule_raises(data):
    from skorch.callbacks import LRScheduler
    from torch.optim.lr_scheduler import StepLR

    X, y = data
    with pytest.raises(ValueError, match="LRScheduler, which sets the learning rate itself"):
        MLPClassifier(learning_rate="cosine", callbacks=[LRScheduler(StepLR, step_size=2)]).fit(X, y)


def test_plateau_does_not_postpone_stopping_forever(data):
    """Each rate cut restarts the stopping patience only while the rate can still fall meaningfully."""
    X, y = data
    clf = MLPClassifier(hidden_layer_sizes=(8,), learning_rate="plateau", lr_patience=2, lr_decay_rate=0.1,
                        n_iter_no_change=5, tol=10.0, max_iter=500, random_state=0).fit(X, y)
    lrs = [row["lr"] for row in clf.history_]
    assert clf.n_iter_ < 500  # stopped by the rule (every epoch is "stalled" with tol=10)
    assert min(lrs) <= 1e-6 + 1e-12  # after the rate reached adaptive's floor
    cuts = sum(1 for a, b in zip(lrs, lrs[1:]) if b < a)
    assert cuts >= 3  # 1e-3 -> 1e-4 -> 1e-5 -> 1e-6, each with a fresh patience
