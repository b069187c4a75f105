"""Bad arguments and bad data raise errors that name the problem; divergence never leaves NaN."""

import warnings

import numpy as np
import pytest

from sknn_hp import DivergenceWarning, MLPClassifier, MLPRegressor

X = np.random.RandomState(0).normal(size=(40, 3))
Y = np.arange(40) % 2


@pytest.mark.parametrize(
    "params,name",
    [
        ({"solver": "adamm"}, "solver"),
        ({"activation": "swish"}, "activation"),
        ({"weight_init": "xavier"}, "weight_init"),
        ({"learning_rate": "linear"}, "learning_rate"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": "half"}, "batch_size"),
        ({"dropout": 1.0}, "dropout"),
        ({"dropout": -0.1}, "dropout"),
        ({"alpha": -1}, "alpha"),
        ({"l1_ratio": 2}, "l1_ratio"),
        ({"batch_norm": "middle"}, "batch_norm"),
        ({"monitor": "accuracy"}, "monitor"),
        ({"clip_norm": 0}, "clip_norm"),
        ({"lr_decay_rate": 1.5}, "lr_decay_rate"),
        ({"max_iter": 0}, "max_iter"),
        ({"learning_rate_init": 0}, "learning_rate_init"),
        ({"label_smoothing": 1.0}, "label_smoothing"),
        ({"class_weight": "auto"}, "class_weight"),
    ],
)
def test_invalid_argument_names_parameter_and_valid_values(params, name):
    with pytest.raises(ValueError, match=rf"The '{name}' parameter of MLPClassifier must be"):
        MLPClassifier(**params).fit(X, Y)


def test_invalid_regressor_loss():
    with pytest.raises(ValueError, match="The 'loss' parameter of MLPRegressor must be a str among"):
        MLPRegressor(loss="mse").fit(X, Y.astype(float))


@pytest.mark.parametrize(
    "params,match",
    [
        ({"hidden_layer_sizes": (4, 0)}, "hidden_layer_sizes must be > 0"),
        ({"dropout": [0.1, 0.2]}, "dropout has 2 entries"),
        ({"dropout": [1.5]}, "'dropout' parameter entries"),
        ({"lr_milestones": [-1]}, "lr_milestones"),
    ],
)
def test_invalid_combinations(params, match):
    with pytest.raises(ValueError, match=match):
        MLPClassifier(**params).fit(X, Y)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_inputs(bad):
    Xb = X.copy()
    Xb[0, 0] = bad
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        MLPClassifier().fit(Xb, Y)


def test_wrong_n_features_at_predict():
    clf = MLPClassifier(max_iter=2).fit(X, Y)
    with pytest.raises(ValueError, match="X has 2 features, but MLPClassifier is expecting 3 features"):
        clf.predict(X[:, :2])


def test_one_class_fits_as_sklearn_and_mismatched_lengths_raise():
    clf = MLPClassifier(max_iter=5).fit(X, np.full(40, 7))  # scikit-learn's MLPClassifier fits one class too
    assert clf.classes_.tolist() == [7]
    assert clf.predict(X).tolist() == [7] * 40
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        MLPClassifier().fit(X, Y[:-1])


def test_negative_and_zero_sample_weights():
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        MLPClassifier().fit(X, Y, sample_weight=-np.ones(40))
    with pytest.raises(ValueError, match="at least one non-zero"):
        MLPClassifier().fit(X, Y, sample_weight=np.zeros(40))


def test_unfitted_predict_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MLPClassifier().predict(X)


def test_divergence_warns_and_keeps_finite_weights():
    rng = np.random.RandomState(0)
    Xd = rng.normal(size=(200, 5)) * 1e6
    yd = Xd @ rng.normal(size=5)
    reg = MLPRegressor(solver="sgd", learning_rate_init=10.0, max_iter=50, random_state=0)
    with pytest.warns(DivergenceWarning, match="learning_rate_init"):
        reg.fit(Xd, yd)
    assert reg.n_iter_ < 50
    assert all(np.isfinite(c).all() for c in reg.coefs_)
    assert np.isfinite(reg.predict(Xd)).all()


def test_keyboard_interrupt_keeps_a_usable_model():
    """Ctrl-C inside an epoch: the last whole epoch is kept, with skorch's warning."""
    from skorch.callbacks import Callback

    class Interrupt(Callback):
        def on_batch_end(self, net, training=False, **kwargs):
            if training and len(net.history) == 3:
                raise KeyboardInterrupt

    clf = MLPClassifier(max_iter=100, batch_size=10, callbacks=[Interrupt()], random_state=0)
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        clf.fit(X, Y)
    assert clf.n_iter_ == 2 and len(clf.loss_curve_) == 2
    # the weights are those at the end of epoch 2: the same as a 2-epoch fit's
    two = MLPClassifier(max_iter=2, batch_size=10, random_state=0).fit(X, Y)
    np.testing.assert_array_equal(clf.coefs_[0], two.coefs_[0])


def test_a_callback_stopping_after_an_epoch_keeps_that_epoch():
    """skorch's way to stop (KeyboardInterrupt in on_epoch_end): a clean stop, the epoch recorded, no warning."""
    from skorch.callbacks import Callback

    class StopAtTwo(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                raise KeyboardInterrupt

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = MLPClassifier(max_iter=100, callbacks=[StopAtTwo()], random_state=0).fit(X, Y)
    assert clf.n_iter_ == 2 and len(clf.loss_curve_) == 2 and len(clf.history_) == 2


def test_early_stopping_does_not_raise_keyboard_interrupt(monkeypatch):
    """Stopping is the estimator's decision, not a KeyboardInterrupt swallowed inside skorch."""
    raised = []
    import skorch.net

    original = skorch.net.NeuralNet.fit_loop

    def watching(self, *args, **kwargs):
        try:
            return original(self, *args, **kwargs)
        except KeyboardInterrupt:  # pragma: no cover - would be the bug
            raised.append(True)
            raise

    monkeypatch.setattr(skorch.net.NeuralNet, "fit_loop", watching)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        clf = MLPClassifier(early_stopping=True, n_iter_no_change=2, tol=1.0, random_state=0).fit(X, Y)
    assert clf.n_iter_ < 10 and not raised


@pytest.mark.parametrize(
    "X_bad,match",
    [
        (np.empty((0, 3)), "0 sample"),
        (np.array([[1 + 2j, 0, 0]] * 40), "Complex data not supported"),
        (np.array([["a", "b", "c"]] * 40, dtype=object), "could not convert|Unable to convert"),
    ],
    ids=["empty", "complex", "strings"],
)
def test_unusable_X(X_bad, match):
    with pytest.raises(ValueError, match=match):
        MLPClassifier().fit(X_bad, Y[: len(X_bad)])


def test_one_sample_and_one_feature():
    reg = MLPRegressor(max_iter=2).fit(X[:1], [1.0])  # one sample: fits, as scikit-learn's does
    assert reg.predict(X[:3]).shape == (3,)
    clf = MLPClassifier(max_iter=2).fit(X[:, :1], Y)  # one feature
    assert clf.predict(X[:, :1]).shape == (40,)
    assert MLPClassifier(max_iter=2).fit(X[:1], Y[:1]).predict(X[:2]).tolist() == [Y[0]] * 2


def test_contradictions_are_refused():
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'"):
        MLPClassifier(solver="lbfgs").partial_fit(X, Y, classes=[0, 1])
    with pytest.raises(ValueError, match="class_weight='balanced' is not supported for partial_fit"):
        MLPClassifier(class_weight="balanced").partial_fit(X, Y, classes=[0, 1])
    with pytest.raises(ValueError, match="should be greater or equal to the number of classes = 2"):
        MLPClassifier(early_stopping=True, validation_fraction=0.01).fit(X[:20], Y[:20])
    with pytest.raises(ValueError, match="validation set is too small"):
        MLPRegressor(early_stopping=True, validation_fraction=0.01).fit(X[:20], Y[:20])
