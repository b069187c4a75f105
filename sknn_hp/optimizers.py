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
over parameters from every step.
"""

from dataclasses import dataclass
from typing import Callable

import torch

__all__ = ["OPTIMIZERS", "Solver", "optimizer_kwargs"]


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
