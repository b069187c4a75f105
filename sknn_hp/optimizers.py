"""Solvers: one registry maps the public ``solver`` names to torch optimizers.

Each :class:`Solver` names a ``torch.optim`` class and the function that reads
its keyword arguments off the estimator, so a solver is one entry here. Update
rules (g = gradient, lr = learning rate):

- ``sgd``: scikit-learn's rule (:class:`SGD`): v = momentum v - lr g; w += v
  (Nesterov: w += momentum v - lr g, with the updated v).
- ``adam``: m = b1 m + (1 - b1) g; s = b2 s + (1 - b2) g^2;
  w -= lr m_hat / (sqrt(s_hat) + eps), with bias-corrected m_hat, s_hat.
- ``adamw``: Adam plus decoupled weight decay w -= lr weight_decay w (weights only).
- ``nadam``: Adam with a Nesterov look-ahead on m.
- ``adamax``: Adam with the infinity norm, s = max(b2 s, ``|g|``).
- ``rmsprop``: s = rho s + (1 - rho) g^2; w -= lr g / (sqrt(s) + eps).
- ``adagrad``: s += g^2; w -= lr g / (sqrt(s) + eps).
- ``adadelta``: RMSprop whose step is scaled by a running RMS of past updates
  (usually run with ``learning_rate_init=1.0``).
- ``lbfgs``: full-batch quasi-Newton with a strong-Wolfe line search, bounded by
  ``max_iter`` iterations and ``max_fun`` loss evaluations.

Where torch has them, the fused (single-kernel) implementations are used,
otherwise the ``foreach`` (multi-tensor) ones: both remove the Python loop
over parameters from every step. ``sgd`` is this module's :class:`SGD`, whose
rule is :func:`sgd_update` (multi-tensor ops), the one the batched search's
step calls too. :func:`direct_update` goes one step further for Adam, AdamW
and SGD and calls the update without ``Optimizer.step`` (see there).
"""

from dataclasses import dataclass
from typing import Callable

import torch

__all__ = ["OPTIMIZERS", "SGD", "Solver", "direct_update", "optimizer_kwargs", "sgd_update"]


def _betas(p):
    return {"betas": (p["beta_1"], p["beta_2"]), "eps": p["epsilon"]}


def _sgd(p):
    nesterov = bool(p["nesterovs_momentum"]) and p["momentum"] > 0
    return {"momentum": p["momentum"], "nesterov": nesterov}


def sgd_update(params, grads, velocities, lr, momentum, nesterov):
    """scikit-learn's SGD step on lists of tensors, in place, with multi-tensor ops.

    The rule of scikit-learn's ``SGDOptimizer._get_updates``: the velocity is
    a parameter change, ``v <- momentum v - lr g``, and the update is
    ``p <- p + v``, or with Nesterov's momentum ``p <- p + momentum v - lr g``
    (with the updated ``v``). A change of ``lr`` changes only the new
    gradient's term: the velocity keeps the steps already taken at their own
    rates (torch's ``SGD`` keeps ``v <- momentum v + g`` and steps
    ``p <- p - lr v``, which rescales the whole velocity by a new rate; the two
    agree only at a constant rate). At ``momentum=0`` the step is
    ``p <- p - lr g`` and the velocities are left untouched.

    Parameters
    ----------
    params, grads, velocities : list of torch.Tensor
        Matching lists; ``params`` and ``velocities`` are updated in place.
        ``velocities`` start at zero and may be None when ``momentum == 0``.
    lr, momentum : float
    nesterov : bool
    """
    if momentum == 0:
        torch._foreach_add_(params, grads, alpha=-lr)
        return
    torch._foreach_mul_(velocities, momentum)
    torch._foreach_add_(velocities, grads, alpha=-lr)
    if nesterov:
        torch._foreach_add_(params, velocities, alpha=momentum)
        torch._foreach_add_(params, grads, alpha=-lr)
    else:
        torch._foreach_add_(params, velocities)


class SGD(torch.optim.Optimizer):
    """Stochastic gradient descent with scikit-learn's momentum and Nesterov updates.

    Each step applies :func:`sgd_update` to the parameters that have a
    gradient, with the group's ``lr``, ``momentum`` and ``nesterov`` read at
    that step (schedules set ``lr`` before each step). The state of a
    parameter is its ``velocity``, in units of a parameter change (what
    scikit-learn's ``SGDOptimizer.velocities`` holds), zero before the first
    step.

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups, as for any ``torch.optim.Optimizer``.
    lr : float, default=0.1
    momentum : float, default=0.9
    nesterov : bool, default=True
        Nesterov's momentum; no effect at ``momentum=0``.
    """

    def __init__(self, params, lr=0.1, momentum=0.9, nesterov=True):
        if lr < 0 or momentum < 0:
            raise ValueError(f"lr and momentum must be >= 0; got lr={lr}, momentum={momentum}")
        super().__init__(params, {"lr": lr, "momentum": momentum, "nesterov": bool(nesterov)})

    def _lists(self, group):
        """The group's parameters with a gradient, their gradients and velocities (created at zero)."""
        params = [p for p in group["params"] if p.grad is not None]
        velocities = []
        for p in params:
            state = self.state[p]
            if "velocity" not in state:
                state["velocity"] = torch.zeros_like(p)
            velocities.append(state["velocity"])
        return [p.detach() for p in params], [p.grad for p in params], velocities

    @torch.no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient.

        Parameters
        ----------
        closure : callable, default=None
            Re-evaluates the model and returns the loss.

        Returns
        -------
        loss : torch.Tensor or None
            The closure's loss.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params, grads, velocities = self._lists(group)
            if params:
                sgd_update(params, grads, velocities, group["lr"], group["momentum"], group["nesterov"])
        return loss

    def load_state_dict(self, state_dict):
        """Load a state; a torch ``SGD`` state's ``momentum_buffer`` b becomes the velocity ``-lr b``.

        An estimator saved before this class existed holds torch's buffer,
        whose last step moved the parameters by ``-lr b`` (without Nesterov):
        that is the velocity in scikit-learn's units, with its group's ``lr``.
        """
        lrs = {index: group["lr"] for group in state_dict["param_groups"] for index in group["params"]}
        states = {}
        for index, state in state_dict["state"].items():
            if state.get("momentum_buffer") is not None:
                state = {"velocity": state["momentum_buffer"] * -lrs[index]}
            states[index] = state
        super().load_state_dict({**state_dict, "state": states})


def _lbfgs(p):
    return {
        "max_iter": p["max_iter"],
        "max_eval": p["max_fun"],
        "tolerance_grad": p["tol"],
        "tolerance_change": 1e-12,
        "history_size": 10,
        "line_search_fn": "strong_wolfe",
    }


@dataclass(frozen=True)
class Solver:
    """One registry entry.

    Parameters
    ----------
    optimizer : type
        The ``torch.optim.Optimizer`` subclass.
    kwargs : callable
        ``kwargs(params) -> dict`` of keyword arguments, from the estimator's
        parameters.
    fast_path : {'fused', 'foreach', None}
        The multi-tensor implementation to request (None: none to request;
        :class:`SGD` always uses multi-tensor ops).
    stochastic : bool
        False for full-batch solvers (no mini-batches, schedules or
        ``partial_fit``).
    """

    optimizer: type
    kwargs: Callable
    fast_path: str = "foreach"
    stochastic: bool = True


#: Registry of solvers: the public name (the ``solver`` argument) -> :class:`Solver`.
OPTIMIZERS = {
    "sgd": Solver(SGD, _sgd, None),
    "adam": Solver(torch.optim.Adam, _betas, "fused"),
    "adamw": Solver(
        torch.optim.AdamW, lambda p: {**_betas(p), "weight_decay": p["weight_decay"]}, "fused"
    ),
    "nadam": Solver(torch.optim.NAdam, _betas),
    "adamax": Solver(torch.optim.Adamax, _betas),
    "rmsprop": Solver(torch.optim.RMSprop, lambda p: {"alpha": p["rho"], "eps": p["epsilon"]}),
    "adagrad": Solver(torch.optim.Adagrad, lambda p: {"eps": p["epsilon"]}, "fused"),
    "adadelta": Solver(torch.optim.Adadelta, lambda p: {"rho": p["rho"], "eps": p["epsilon"]}),
    "lbfgs": Solver(torch.optim.LBFGS, _lbfgs, None, stochastic=False),
}


def optimizer_kwargs(solver, params, device):
    """Keyword arguments for the torch optimizer of ``solver``.

    Parameters
    ----------
    solver : str
        A key of :data:`OPTIMIZERS`.
    params : dict
        The estimator's ``get_params()``.
    device : str
        Where the parameters live; fused kernels exist on CPU and CUDA.

    Returns
    -------
    kwargs : dict
    """
    spec = OPTIMIZERS[solver]
    kwargs = dict(spec.kwargs(params))
    if spec.fast_path == "fused" and str(device).split(":")[0] in ("cpu", "cuda"):
        kwargs["fused"] = True
    elif spec.fast_path is not None:
        kwargs["foreach"] = True
    return kwargs


def direct_update(optimizer):
    """A direct call of ``optimizer``'s update, or None where there is none.

    ``torch.optim.Optimizer.step`` re-gathers its state lists, regroups the
    tensors by device and dtype and enters profiling hooks on every call: tens
    of microseconds, as much as the arithmetic of a small network's step. The
    returned ``update()`` holds the same lists, gathered once, and on each call
    does exactly what ``step()`` does on the optimizer's own state: for Adam
    and AdamW built with ``fused=True``, it advances the step counts and runs
    the fused kernel; for :class:`SGD`, it runs :func:`sgd_update`. The
    learning rate (and betas, momentum, Nesterov flag) are read from the
    parameter groups on every call, so schedules apply.

    Parameters
    ----------
    optimizer : torch.optim.Optimizer
        Its state must exist (it has taken one ``step()``) and every parameter
        must hold a ``.grad`` tensor that stays the same object across steps.

    Returns
    -------
    update : callable or None
        None for other optimizers, for options the direct call does not cover
        (amsgrad, maximize, capturable, differentiable, a tensor learning
        rate, mixed devices or dtypes) and before the state exists.
    """
    if isinstance(optimizer, SGD):
        return _direct_sgd(optimizer)
    kernels = {False: getattr(torch, "_fused_adam_", None), True: getattr(torch, "_fused_adamw_", None)}
    if not isinstance(optimizer, torch.optim.Adam):
        return None
    groups = []
    for group in optimizer.param_groups:
        kernel = kernels[bool(group.get("decoupled_weight_decay", False))]
        options = ("amsgrad", "maximize", "capturable", "differentiable")
        if kernel is None or not group.get("fused") or any(group[k] for k in options):
            return None
        if isinstance(group["lr"], torch.Tensor):
            return None
        params = group["params"]
        states = [optimizer.state.get(p) for p in params]
        if any(not state or p.grad is None for p, state in zip(params, states)):
            return None
        if len({(p.device, p.dtype) for p in params}) > 1:
            return None
        lists = (
            [p.detach() for p in params],
            [p.grad for p in params],
            [state["exp_avg"] for state in states],
            [state["exp_avg_sq"] for state in states],
        )
        groups.append((group, kernel, lists, [state["step"] for state in states]))

    def update():
        for group, kernel, lists, steps in groups:
            beta1, beta2 = group["betas"]
            torch._foreach_add_(steps, 1)
            kernel(*lists, [], steps, amsgrad=False, lr=group["lr"], beta1=beta1, beta2=beta2,
                   weight_decay=group["weight_decay"], eps=group["eps"], maximize=False)

    return update


def _direct_sgd(optimizer):
    """:func:`direct_update` for :class:`SGD`: :func:`sgd_update` on lists gathered once."""
    groups = []
    for group in optimizer.param_groups:
        params = group["params"]
        states = [optimizer.state.get(p) for p in params]
        if any(not state or p.grad is None for p, state in zip(params, states)):
            return None
        groups.append((group, [p.detach() for p in params], [p.grad for p in params],
                       [state["velocity"] for state in states]))

    def update():
        for group, params, grads, velocities in groups:
            sgd_update(params, grads, velocities, group["lr"], group["momentum"], group["nesterov"])

    return update
