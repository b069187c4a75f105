"""The closed-form training step: its derivatives, its gradients and its updates equal autograd's."""

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sknn_hp import MLPClassifier, MLPRegressor
from sknn_hp.activations import ACTIVATIONS, make_activation
from sknn_hp._backprop import ClosedFormStep, closed_form_step
from sknn_hp.losses import LOSSES, OUTPUT_GRADIENTS
from sknn_hp.optimizers import SGD, direct_update

OPTIONS = {"leaky_relu_slope": 0.1, "elu_alpha": 0.7, "factory": {"dtype": torch.float64}}
WITH_DERIVATIVE = sorted(name for name, act in ACTIVATIONS.items() if act.derivative is not None)


class ListensToGradients(Callback):
    """Any callback reading gradients sends training to the general autograd step."""

    def on_grad_computed(self, net, named_parameters, **kwargs):
        pass


def test_only_learned_activations_lack_a_derivative():
    assert set(ACTIVATIONS) - set(WITH_DERIVATIVE) == {"prelu"}


@pytest.mark.parametrize("name", WITH_DERIVATIVE)
def test_activation_derivative_equals_autograd(name):
    module = make_activation(name, 7, OPTIONS)
    z = torch.linspace(-3.1, 2.9, 7 * 5, dtype=torch.float64).reshape(5, 7).requires_grad_()
    a = module(z)
    g = torch.randn(5, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    (expected,) = torch.autograd.grad(a, z, g)
    got = ACTIVATIONS[name].derivative(g, z.detach(), a.detach(), module)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-14)


def _target(loss, n, k, rng):
    if loss == "log_loss":
        return torch.as_tensor(rng.randint(k, size=n))
    if loss == "binary_log_loss":
        return torch.as_tensor(rng.randint(2, size=(n, k)), dtype=torch.float64)
    if loss == "poisson":
        return torch.as_tensor(rng.poisson(2.0, size=(n, k)), dtype=torch.float64)
    return torch.as_tensor(rng.normal(size=(n, k)))


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_output_gradient_equals_autograd(loss, smoothing):
    assert set(OUTPUT_GRADIENTS) == set(LOSSES)
    rng = np.random.RandomState(0)
    options = {"label_smoothing": smoothing, "huber_delta": 0.8}
    z = torch.as_tensor(rng.normal(size=(6, 4))).requires_grad_()
    y = _target(loss, 6, 4, rng)
    (expected,) = torch.autograd.grad(LOSSES[loss](z, y, options).sum(), z)
    torch.testing.assert_close(OUTPUT_GRADIENTS[loss](z.detach(), y, options), expected, rtol=1e-12, atol=1e-14)


def _gradients(est, X, target, closed_form):
    """One step's parameter gradients from the closed-form step or from autograd, with the optimizer stubbed."""
    net = est.net_
    net.module_.train()
    for p in net.module_.parameters():
        p.grad = None
    Xt = torch.as_tensor(X)
    if closed_form:
        step = ClosedFormStep(net)
        step.update = lambda: None  # gradients only
        step(Xt, target)
    else:
        loss = net.get_loss(net.module_(Xt), target, training=True)
        loss.backward()
    return [p.grad.clone() for p in net.module_.parameters()]


@pytest.mark.parametrize(
    "params",
    [
        {"activation": "relu", "alpha": 1e-2},
        {"activation": "tanh", "alpha": 1e-1, "l1_ratio": 0.5},
        {"activation": ["gelu", "elu"], "hidden_layer_sizes": (6, 5)},
        {"activation": "logistic", "alpha": 0.0, "l1_ratio": 1.0},
    ],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_step_gradients_equal_autograd(params, weighted):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 4))
    y = rng.randint(3, size=30)
    est = MLPClassifier(**{"hidden_layer_sizes": (5,), **params}, max_iter=1, random_state=0).fit(X, y)
    yt = torch.as_tensor(est._encode_target(y))
    target = (yt, torch.as_tensor(rng.uniform(0.5, 2.0, size=30))) if weighted else yt
    for got, expected in zip(_gradients(est, X, target, True), _gradients(est, X, target, False)):
        torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-12)


def test_dropout_masks_enter_forward_and_backward(monkeypatch):
    rng = np.random.RandomState(0)
    X = torch.as_tensor(rng.normal(size=(20, 4)))
    labels = rng.randint(3, size=20)
    est = MLPClassifier(hidden_layer_sizes=(6,), dropout=0.5, input_dropout=0.2, max_iter=1, random_state=0)
    est.fit(X.numpy(), labels)
    y = torch.as_tensor(est._encode_target(labels))
    masks = []
    original = ClosedFormStep._mask

    def recording(self, like, rate):
        masks.append(original(self, like, rate))
        return masks[-1]

    monkeypatch.setattr(ClosedFormStep, "_mask", recording)
    got = _gradients(est, X.numpy(), y, True)
    input_mask, hidden_mask = masks
    assert set(hidden_mask.unique().tolist()) == {0.0, 2.0}  # inverted dropout: 0 or 1 / (1 - p)
    module = est.net_.module_
    for p in module.parameters():
        p.grad = None
    block = module.hidden[0]
    out = module.output(block.activation(block.linear(X * input_mask)) * hidden_mask)
    est.net_.get_loss(out, y, training=True).backward()
    for g, p in zip(got, module.parameters()):
        torch.testing.assert_close(g, p.grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "params",
    [
        {"batch_norm": True},
        {"residual": True, "hidden_layer_sizes": (8, 8)},
        {"activation": "prelu"},
        {"activation": "selu", "dropout": 0.1},  # alpha dropout
        {"input_batch_norm": True},
        {"clip_norm": 1.0},
        {"diagnostics": True},
        {"mixed_precision": True},
        {"callbacks": [ListensToGradients()]},
    ],
)
def test_networks_outside_the_closed_form_take_autograd(small_clf_data, params):
    X, y = small_clf_data
    est = MLPClassifier(max_iter=1, random_state=0, **params).fit(X, y)
    est.net_.module_.train()
    assert est.net_._choose_step({}) in ("direct", "general")


def test_frozen_layers_take_autograd(small_clf_data):
    X, y = small_clf_data
    source = MLPClassifier(hidden_layer_sizes=(8, 8), max_iter=2, random_state=0).fit(X, y)
    est = MLPClassifier(hidden_layer_sizes=(8, 8), init_from=source, freeze_layers=1, max_iter=1).fit(X, y)
    est.net_.module_.train()
    assert closed_form_step(est.net_) is None


@pytest.mark.parametrize("params", [{}, {"dropout": 0.2, "activation": "silu"}, {"solver": "sgd", "alpha": 1e-3}])
def test_plain_networks_take_the_closed_form(small_clf_data, params):
    X, y = small_clf_data
    est = MLPClassifier(max_iter=1, random_state=0, **params).fit(X, y)
    est.net_.module_.train()
    assert isinstance(est.net_._choose_step({}), ClosedFormStep)


@pytest.mark.parametrize(
    "Estimator, params",
    [
        (MLPClassifier, {"solver": "adam", "alpha": 1e-3, "batch_size": 16}),
        (MLPClassifier, {"solver": "adamw", "weight_decay": 1e-2, "learning_rate": "cosine", "batch_size": 32}),
        (MLPClassifier, {"solver": "sgd", "activation": "tanh", "momentum": 0.9, "batch_size": 16}),
        (MLPClassifier, {"solver": "rmsprop", "label_smoothing": 0.1, "class_weight": "balanced"}),
        (MLPRegressor, {"loss": "huber", "activation": "elu", "batch_size": 20}),
        (MLPRegressor, {"loss": "absolute_error", "solver": "nadam", "l1_ratio": 0.5, "alpha": 1e-2}),
    ],
)
def test_fit_equals_the_autograd_fit(small_clf_data, small_reg_data, Estimator, params):
    """Same seed, same data: the closed-form fit and the autograd fit end at the same weights."""
    X, y = small_clf_data if Estimator is MLPClassifier else small_reg_data
    fast = Estimator(max_iter=4, random_state=0, **params).fit(X, y)
    general = Estimator(max_iter=4, random_state=0, callbacks=[ListensToGradients()], **params).fit(X, y)
    np.testing.assert_allclose(fast.loss_curve_, general.loss_curve_, rtol=1e-10)
    for a, b in zip(fast.coefs_ + fast.intercepts_, general.coefs_ + general.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "sgd"])
def test_direct_update_equals_optimizer_step(optimizer):
    gen = torch.Generator().manual_seed(0)

    def setup():
        params = [torch.nn.Parameter(torch.randn(4, 3, generator=gen)) for _ in range(2)]
        groups = [{"params": params[:1]}, {"params": params[1:], "weight_decay": 0.0}]
        if optimizer == "sgd":
            return params, SGD(groups, lr=1e-2, momentum=0.9, nesterov=True)
        cls = torch.optim.AdamW if optimizer == "adamw" else torch.optim.Adam
        return params, cls(groups, lr=1e-2, weight_decay=1e-2, fused=True)

    grads = [[torch.randn(4, 3, generator=gen) for _ in range(2)] for _ in range(4)]
    gen.manual_seed(1)
    ref_params, ref = setup()
    gen.manual_seed(1)
    params, opt = setup()
    assert direct_update(opt) is None  # no state before the first step
    for p in params:
        p.grad = torch.zeros_like(p)
    update = None
    for k, step_grads in enumerate(grads):
        for p, q, g in zip(ref_params, params, step_grads):
            p.grad = g.clone()
            q.grad.copy_(g)
        for o in (ref, opt):  # rates are read at every call
            o.param_groups[0]["lr"] = 1e-2 / (k + 1)
        ref.step()
        if update is None:
            opt.step()
            update = direct_update(opt)
            assert update is not None
        else:
            update()
    for p, q in zip(ref_params, params):
        torch.testing.assert_close(p, q, rtol=0, atol=0)
    for key in ("velocity",) if optimizer == "sgd" else ("exp_avg", "exp_avg_sq", "step"):
        for p, q in zip(ref_params, params):
            torch.testing.assert_close(ref.state[p][key], opt.state[q][key], rtol=0, atol=0)


def test_direct_update_declines_what_it_does_not_cover():
    p = torch.nn.Parameter(torch.zeros(3))
    p.grad = torch.zeros(3)
    for opt in (torch.optim.SGD([p], lr=0.1), torch.optim.Adam([p], amsgrad=True, fused=True),
                torch.optim.Adam([p], foreach=True)):
        opt.step()
        assert direct_update(opt) is None
