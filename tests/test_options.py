"""Every hyperparameter option fits, predicts finite values, and changes what it should."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from skorch.callbacks import Callback
from torch import nn

from sknn_hp import MLPClassifier, MLPRegressor
from sknn_hp.activations import ACTIVATIONS
from sknn_hp.initializers import INITIALIZERS
from sknn_hp.optimizers import OPTIMIZERS
from sknn_hp.schedules import SCHEDULES

OPTIONS = (
    [{"activation": a} for a in ACTIVATIONS]
    + [{"activation": ["relu", "tanh"], "hidden_layer_sizes": (8, 8)}]
    + [{"weight_init": w} for w in ["auto", *INITIALIZERS]]
    + [{"weight_init": "uniform", "init_scale": 0.5}]
    + [{"solver": s} for s in OPTIMIZERS]
    + [{"learning_rate": lr} for lr in SCHEDULES]
    + [{"learning_rate": "piecewise", "lr_milestones": [1, 2]}, {"learning_rate": "cyclic", "lr_max": 0.01}]
    + [{"batch_size": b} for b in (1, 16, "auto", "full")]
    + [
        {"dropout": 0.3},
        {"dropout": [0.1, 0.5], "hidden_layer_sizes": (8, 8)},
        {"dropout": 0.2, "activation": "selu"},
        {"input_dropout": 0.2},
        {"batch_norm": True},
        {"batch_norm": "after"},
        {"input_batch_norm": True},
        {"residual": True, "hidden_layer_sizes": (16, 16, 8)},
        {"alpha": 0.1, "l1_ratio": 0.5},
        {"alpha": 0.1, "l1_ratio": 1.0},
        {"early_stopping": True},
        {"early_stopping": True, "monitor": "loss", "restore_best_weights": False},
        {"clip_norm": 0.5},
        {"clip_value": 0.01},
        {"shuffle": False},
        {"solver": "sgd", "nesterovs_momentum": False},
        {"solver": "sgd", "momentum": 0.0},
        {"device": "cpu"},
    ]
)


def _id(options):
    return ",".join(f"{k}={v}" for k, v in options.items())


@pytest.mark.parametrize("options", OPTIONS, ids=_id)
def test_classifier_option_fits_and_predicts(small_clf_data, options):
    X, y = small_clf_data
    hidden = options.pop("hidden_layer_sizes", (8,))
    clf = MLPClassifier(hidden_layer_sizes=hidden, max_iter=3, random_state=0, **options)
    clf.fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3) and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-6)
    assert set(clf.predict(X)) <= {0, 1, 2}
    assert all(np.isfinite(c).all() for c in clf.coefs_)


@pytest.mark.parametrize(
    "options",
    [{"loss": loss} for loss in ("squared_error", "absolute_error", "huber", "poisson")]
    + [{"solver": s} for s in OPTIMIZERS]
    + [{"batch_norm": True, "residual": True, "hidden_layer_sizes": (8, 8)}, {"learning_rate": "onecycle"}],
    ids=_id,
)
def test_regressor_option_fits_and_predicts(small_reg_data, options):
    X, y = small_reg_data
    if options.get("loss") == "poisson":
        y = np.abs(y)
    hidden = options.pop("hidden_layer_sizes", (8,))
    reg = MLPRegressor(hidden_layer_sizes=hidden, max_iter=3, random_state=0, **options)
    pred = reg.fit(X, y).predict(X)
    assert pred.shape == (len(X),) and np.isfinite(pred).all()


def _module(est):
    return est.net_.module_


def test_architecture_options_build_the_layers_they_name(small_clf_data):
    X, y = small_clf_data
    clf = MLPClassifier(
        hidden_layer_sizes=(16, 16, 8),
        activation=["relu", "prelu", "selu"],
        dropout=[0.0, 0.2, 0.3],
        input_dropout=0.1,
        batch_norm="after",
        input_batch_norm=True,
        residual=True,
        max_iter=2,
        random_state=0,
    ).fit(X, y)
    m = _module(clf)
    assert isinstance(m.input_norm, nn.BatchNorm1d) and isinstance(m.input_dropout, nn.Dropout)
    b0, b1, b2 = m.hidden
    assert isinstance(b0.activation, nn.ReLU) and b0.dropout is None and b0.skip is None
    assert isinstance(b1.activation, nn.PReLU) and b1.activation.weight.shape == (16,)
    assert isinstance(b1.dropout, nn.Dropout) and b1.dropout.p == 0.2 and isinstance(b1.skip, nn.Identity)
    assert isinstance(b2.dropout, nn.AlphaDropout) and isinstance(b2.skip, nn.Linear)  # 16 -> 8 projection
    assert all(b.norm_after is not None and b.norm_before is None for b in m.hidden)
    with pytest.raises(ValueError, match="activation has 2 entries but hidden_layer_sizes has 3"):
        MLPClassifier(hidden_layer_sizes=(4, 4, 4), activation=["relu", "tanh"]).fit(X, y)
    with pytest.raises(ValueError, match="'activation' parameter entries"):
        MLPClassifier(hidden_layer_sizes=(4,), activation=["swish"]).fit(X, y)


def test_leaky_relu_slope_and_elu_alpha_reach_the_modules(small_clf_data):
    X, y = small_clf_data
    leaky = MLPClassifier(activation="leaky_relu", leaky_relu_slope=0.2, max_iter=1).fit(X, y)
    assert _module(leaky).hidden[0].activation.negative_slope == 0.2
    elu = MLPClassifier(activation="elu", elu_alpha=0.5, max_iter=1).fit(X, y)
    assert _module(elu).hidden[0].activation.alpha == 0.5


def test_uniform_init_scale_bounds_and_zero_biases(small_clf_data):
    X, y = small_clf_data
    clf = MLPClassifier(hidden_layer_sizes=(64,), weight_init="uniform", init_scale=0.5, max_iter=1,
                        learning_rate_init=1e-12)
    clf.fit(X, y)
    w = clf.coefs_[0]
    assert np.abs(w).max() <= 0.5 and np.abs(w).max() > 0.45
    assert np.allclose(clf.intercepts_[0], 0.0, atol=1e-9)


def test_l1_penalty_gives_sparser_weights_than_l2(small_clf_data):
    X, y = small_clf_data
    params = dict(hidden_layer_sizes=(32,), alpha=3.0, max_iter=200, learning_rate_init=0.01, random_state=0)
    l1 = MLPClassifier(l1_ratio=1.0, **params).fit(X, y)
    l2 = MLPClassifier(l1_ratio=0.0, **params).fit(X, y)
    small = lambda est: (np.abs(est.coefs_[0]) < 1e-2).mean()  # noqa: E731
    assert small(l1) > small(l2) + 0.2


def test_clip_value_bounds_every_update(small_clf_data):
    X, y = small_clf_data
    # plain SGD without momentum: each update is lr * clipped gradient
    clf = MLPClassifier(solver="sgd", momentum=0.0, learning_rate_init=1.0, clip_value=1e-3,
                        batch_size="full", max_iter=1, random_state=0)
    before = MLPClassifier(solver="sgd", momentum=0.0, learning_rate_init=1e-300, batch_size="full",
                           max_iter=1, random_state=0).fit(X, y)
    clf.fit(X, y)
    assert np.abs(clf.coefs_[0] - before.coefs_[0]).max() <= 1e-3 + 1e-12


def test_clip_norm_bounds_the_global_gradient_norm(small_clf_data):
    X, y = small_clf_data
    kwargs = dict(solver="sgd", momentum=0.0, learning_rate_init=1.0, batch_size="full", max_iter=1, random_state=0)
    start = MLPClassifier(**{**kwargs, "learning_rate_init": 1e-300}).fit(X, y)
    clf = MLPClassifier(clip_norm=1e-2, **kwargs).fit(X, y)
    delta = [a - b for a, b in zip(clf.coefs_ + clf.intercepts_, start.coefs_ + start.intercepts_)]
    assert np.sqrt(sum((d**2).sum() for d in delta)) <= 1e-2 * (1 + 1e-6)


def test_batch_size_sets_steps_per_epoch(small_clf_data):
    X, y = small_clf_data
    for batch_size, steps in [(1, 120), (16, 8), ("auto", 1), ("full", 1)]:
        clf = MLPClassifier(batch_size=batch_size, max_iter=1).fit(X, y)
        assert clf.net_.history[-1, "train_batch_count"] == steps
    with pytest.warns(UserWarning, match="clipped"):
        MLPClassifier(batch_size=1000, max_iter=1).fit(X, y)


def test_schedule_sets_the_recorded_learning_rate(small_clf_data):
    X, y = small_clf_data
    clf = MLPClassifier(learning_rate="step", learning_rate_init=0.1, lr_decay_rate=0.5, lr_step_size=2,
                        batch_size="full", max_iter=6, random_state=0).fit(X, y)
    lrs = [h["lr"] for h in clf.history_]
    np.testing.assert_allclose(lrs, [0.1, 0.1, 0.05, 0.05, 0.025, 0.025])


def test_plateau_lowers_the_rate_when_the_loss_stalls(small_clf_data):
    X, y = small_clf_data
    clf = MLPClassifier(learning_rate="plateau", tol=100.0, lr_patience=1, lr_decay_rate=0.5,
                        n_iter_no_change=1000, max_iter=6, batch_size="full", random_state=0).fit(X, y)
    lrs = [h["lr"] for h in clf.history_]
    assert lrs[0] == 1e-3 and lrs[-1] < lrs[0] and all(b <= a for a, b in zip(lrs, lrs[1:]))


def test_adaptive_divides_by_five_instead_of_stopping(small_clf_data):
    X, y = small_clf_data
    clf = MLPClassifier(solver="sgd", learning_rate="adaptive", tol=100.0, n_iter_no_change=1, max_iter=8,
                        batch_size="full", random_state=0).fit(X, y)
    lrs = np.array([h["lr"] for h in clf.history_])
    assert clf.n_iter_ == 8
    np.testing.assert_allclose(sorted(set(lrs), reverse=True)[:2], [1e-3, 2e-4])


def test_adamw_decays_weights_but_not_biases(small_clf_data):
    X, y = small_clf_data
    clf = MLPClassifier(solver="adamw", weight_decay=0.5, max_iter=1)
    clf.fit(X, y)
    groups = clf.net_.optimizer_.param_groups
    decayed = {id(p) for g in groups if g["weight_decay"] > 0 for p in g["params"]}
    module = _module(clf)
    assert id(module.hidden[0].linear.weight) in decayed and id(module.hidden[0].linear.bias) not in decayed


def test_sparse_batches_are_densified_one_at_a_time(small_clf_data, monkeypatch):
    X, y = small_clf_data
    seen = []
    original = sp.csr_matrix.toarray

    def spy(self, *args, **kwargs):
        seen.append(self.shape[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sp.csr_matrix, "toarray", spy)
    MLPClassifier(batch_size=16, max_iter=1).fit(sp.csr_matrix(X), y)
    assert seen and max(seen) <= 17


def test_user_callbacks_run_after_ours(small_clf_data):
    from skorch.callbacks import Callback

    class Recorder(Callback):
        def on_epoch_end(self, net, **kwargs):
            self.seen = dict(net.history[-1])

    rec = Recorder()
    clf = MLPClassifier(early_stopping=True, max_iter=2, callbacks=[rec]).fit(*small_clf_data)
    assert {"train_loss", "valid_loss", "valid_score", "lr"} <= set(rec.seen)
    assert list(dict(clf.net_.callbacks_))[-1] == "Recorder"


def test_invalid_device_is_named():
    X, y = np.zeros((4, 2)), [0, 1, 0, 1]
    with pytest.raises(ValueError, match="'device'"):
        MLPClassifier(device="tpu").fit(X, y)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            MLPClassifier(device="cuda").fit(X, y)


def test_batch_norm_refuses_batches_of_one(small_clf_data):
    X, y = small_clf_data
    with pytest.raises(ValueError, match="batch_norm needs mini-batches of at least 2 samples; got batch_size=1"):
        MLPClassifier(batch_norm=True, batch_size=1).fit(X, y)
    # a trailing batch of one sample is folded into the previous batch
    sizes = []

    class BatchSizes(Callback):
        def on_batch_end(self, net, batch=None, training=False, **kwargs):
            sizes.append(len(batch[0]))

    clf = MLPClassifier(batch_norm=True, batch_size=17, max_iter=1, callbacks=[BatchSizes()]).fit(X[:35], y[:35])
    assert sizes == [17, 18]
    assert [b["train_batch_size"] for b in clf.net_.history[-1, "batches"]] == [17, 18]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mixed_precision_trains_float32_weights_under_bf16_autocast(small_clf_data, dtype):
    """bf16 autocast needs float32 weights: float64 input trains in float32 too (it used to do nothing)."""
    X, y = small_clf_data
    params = dict(hidden_layer_sizes=(16,), max_iter=50, learning_rate_init=0.01, random_state=0)
    clf = MLPClassifier(mixed_precision=True, **params).fit(X.astype(dtype), y)
    assert clf.coefs_[0].dtype == np.float32
    proba = clf.predict_proba(X.astype(dtype))
    assert proba.dtype == dtype and np.isfinite(proba).all()  # predictions in the input's dtype
    assert clf.score(X.astype(dtype), y) > 0.7
    plain = MLPClassifier(**params).fit(X.astype(np.float32), y)
    # the same initial weights and batches; only bf16 rounding differs, so the option did something
    assert not np.allclose(clf.coefs_[0], plain.coefs_[0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(clf.coefs_[0], plain.coefs_[0], atol=0.1)


def test_training_loss_is_read_once_per_epoch(small_clf_data, monkeypatch):
    """No host synchronisation per batch: ``Tensor.item`` is not called while an epoch runs."""
    X, y = small_clf_data
    calls = []
    original = torch.Tensor.item

    def counting(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(torch.Tensor, "item", counting)
    clf = MLPClassifier(batch_size=8, max_iter=3, random_state=0).fit(X, y)
    assert clf.net_.history[-1, "train_batch_count"] == 15
    assert len(calls) == 0
    mean_of_batches = clf.loss_curve_[-1]
    assert np.isfinite(mean_of_batches)


def test_plateau_lowers_the_rate_before_training_stops(digits):
    X_train, _, y_train, _ = digits
    clf = MLPClassifier(hidden_layer_sizes=(32,), learning_rate="plateau", learning_rate_init=0.01, lr_patience=3,
                        max_iter=300, random_state=0).fit(X_train, y_train)
    assert len({h["lr"] for h in clf.history_}) > 1


def test_warm_start_restarts_time_based_schedules(small_clf_data):
    X, y = small_clf_data
    clf = MLPClassifier(max_iter=5, warm_start=True, learning_rate="cosine", learning_rate_init=0.01,
                        batch_size="full", random_state=0).fit(X, y)
    clf.fit(X, y)
    lrs = [h["lr"] for h in clf.history_]
    assert lrs[5] == pytest.approx(lrs[0]) and lrs[5] > lrs[4]


def test_dtype_float32_trains_float64_data_as_its_float32_cast(small_clf_data, small_reg_data):
    X, y = small_clf_data
    X = X.astype(np.float64)
    common = {"hidden_layer_sizes": (8,), "max_iter": 15, "random_state": 0}
    cast = MLPClassifier(dtype="float32", **common).fit(X, y)
    by_hand = MLPClassifier(**common).fit(X.astype(np.float32), y)
    assert next(cast.net_.module_.parameters()).dtype == torch.float32
    for a, b in zip(cast.coefs_ + cast.intercepts_, by_hand.coefs_ + by_hand.intercepts_):
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a, b)
    assert cast.predict_proba(X).dtype == np.float64  # predictions in the input's dtype
    np.testing.assert_allclose(cast.predict_proba(X), by_hand.predict_proba(X.astype(np.float32)), atol=1e-6)
    # None follows the input (scikit-learn's rule); 'float64' trains float32 data in float64
    assert MLPClassifier(**common).fit(X, y).coefs_[0].dtype == np.float64
    Xr, yr = small_reg_data
    wide = MLPRegressor(dtype="float64", **common).fit(Xr.astype(np.float32), yr)
    assert next(wide.net_.module_.parameters()).dtype == torch.float64
    with pytest.raises(ValueError, match="The 'dtype' parameter of MLPClassifier must be a str among"):
        MLPClassifier(dtype="float16").fit(X, y)
