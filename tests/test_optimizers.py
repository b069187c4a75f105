"""sknn_hp.optimizers: solver 'sgd' is scikit-learn's momentum and Nesterov update, at every rate."""

import numpy as np
import pytest
import torch
from sklearn.neural_network._stochastic_optimizers import SGDOptimizer

from sknn_hp.optimizers import OPTIMIZERS, SGD, direct_update, optimizer_kwargs

SHAPES = [(5, 3), (5,), (2, 5), (2,)]
# a rate that changes between steps: invscaling's lr0 / (t + 1) ** 0.5, then an 'adaptive' division by 5
RATES = [0.1, 0.1, 0.1 / 121**0.5, 0.1 / 121**0.5, 0.1 / 241**0.5, 0.1 / 241**0.5 / 5, 0.1 / 361**0.5 / 5, 0.3]


def _sequences(seed=0):
    rng = np.random.RandomState(seed)
    params = [rng.normal(size=s) for s in SHAPES]
    grads = [[rng.normal(size=s) for s in SHAPES] for _ in RATES]
    return params, grads


def _sklearn_run(params, grads, momentum, nesterov):
    """scikit-learn's own SGDOptimizer on the same gradients, its rate set before each step."""
    params = [p.copy() for p in params]
    opt = SGDOptimizer(params, learning_rate_init=RATES[0], momentum=momentum, nesterov=nesterov)
    for lr, step_grads in zip(RATES, grads):
        opt.learning_rate = lr
        opt.update_params(params, step_grads)
    return params, opt.velocities


@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9])
@pytest.mark.parametrize("nesterov", [True, False])
@pytest.mark.parametrize("direct", [False, True])
def test_sgd_steps_equal_sklearns_with_a_changing_rate(momentum, nesterov, direct):
    start, grads = _sequences()
    expected, velocities = _sklearn_run(start, grads, momentum, nesterov)
    params = [torch.nn.Parameter(torch.tensor(p)) for p in start]
    opt = SGD(params, lr=RATES[0], **OPTIMIZERS["sgd"].kwargs({"momentum": momentum,
                                                              "nesterovs_momentum": nesterov}))
    update = None
    for lr, step_grads in zip(RATES, grads):
        for p, g in zip(params, step_grads):
            if p.grad is None:
                p.grad = torch.tensor(g)
            else:
                p.grad.copy_(torch.as_tensor(g))
        opt.param_groups[0]["lr"] = lr
        if update is None:
            opt.step()
            update = direct_update(opt) if direct else None
        else:
            update()
    for p, e in zip(params, expected):
        np.testing.assert_allclose(p.detach().numpy(), e, rtol=0, atol=1e-12)
    if momentum:  # the velocity is scikit-learn's: a parameter change
        for p, v in zip(params, velocities):
            np.testing.assert_allclose(opt.state[p]["velocity"].numpy(), v, rtol=0, atol=1e-12)


def test_torchs_momentum_form_differs_when_the_rate_changes():
    """The yardstick above tells the two forms apart: torch's SGD rescales the velocity by a new rate."""
    start, grads = _sequences()
    expected, _ = _sklearn_run(start, grads, 0.9, True)
    params = [torch.nn.Parameter(torch.tensor(p)) for p in start]
    opt = torch.optim.SGD(params, lr=RATES[0], momentum=0.9, nesterov=True)
    for lr, step_grads in zip(RATES, grads):
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g)
        opt.param_groups[0]["lr"] = lr
        opt.step()
    assert max(np.abs(p.detach().numpy() - e).max() for p, e in zip(params, expected)) > 1e-3


def test_sgd_is_the_registry_solver_without_a_torch_fast_path_flag():
    assert OPTIMIZERS["sgd"].optimizer is SGD
    params = {"momentum": 0.0, "nesterovs_momentum": True}
    assert optimizer_kwargs("sgd", params, "cpu") == {"momentum": 0.0, "nesterov": False}  # sklearn: mu > 0 only
    with pytest.raises(ValueError, match="lr and momentum must be >= 0"):
        SGD([torch.nn.Parameter(torch.zeros(1))], momentum=-0.1)


def test_a_torch_sgd_state_loads_as_the_velocity_of_its_last_step():
    """An estimator saved with torch's SGD state continues: its buffer b moved the weights by -lr b."""
    p = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    old = torch.optim.SGD([p], lr=0.05, momentum=0.9)
    p.grad = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    before = p.detach().clone()
    old.step()
    moved = p.detach() - before
    q = torch.nn.Parameter(p.detach().clone())
    new = SGD([q], lr=0.05, momentum=0.9, nesterov=False)
    new.load_state_dict(old.state_dict())
    torch.testing.assert_close(new.state[q]["velocity"], moved, rtol=0, atol=1e-15)
    q.grad = torch.zeros(3, dtype=torch.float64)
    new.step()
    torch.testing.assert_close(q.detach() - p.detach(), 0.9 * moved, rtol=0, atol=1e-15)
