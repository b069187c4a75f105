"""Solvers: one registry maps the public ``solver`` names to torch optimizers.

Each :class:`Solver` names a ``torch.optim`` class and the function that reads
its keyword arguments off the estimator, so a solver is one entry here. Update
rules (g = gradient, lr = learning rate):

- ``sgd``: v = momentum v + g; w -= lr v (Nesterov: w -= lr (g + momentum v)).
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
over parameters from every step. :func:`fused_update` goes one step further
for Adam and AdamW and calls the fused kernel directly (see there).
"""

from dataclasses import dataclass
from typing import Callable

import torch

__all__ = ["OPTIMIZERS", "Solver", "fused_update", "optimizer_kwargs"]


def _betas(p):
    return {"betas": (p["beta_1"], p["beta_2"]), "eps": p["epsilon"]}


def _sgd(p):
    nesterov = bool(p["nesterovs_momentum"]) and p["momentum"] > 0
    return {"momentum": p["momentum"], "nesterov": nesterov}


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
        The multi-tensor implementation to request.
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
    "sgd": Solver(torch.optim.SGD, _sgd, "fused"),
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


def fused_update(optimizer):
    """A direct call of ``optimizer``'s fused kernel, or None where there is none.

    ``torch.optim.Optimizer.step`` re-gathers its state lists, regroups the
    tensors by device and dtype and enters profiling hooks on every call: tens
    of microseconds, as much as the arithmetic of a small network's step. For
    Adam and AdamW built with ``fused=True``, the returned ``update()`` holds
    the same lists, gathered once, and on each call advances the step counts
    and runs the fused kernel on the optimizer's own state, exactly what
    ``step()`` does (the learning rate and betas are read from the parameter
    groups on every call, so schedules apply).

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
