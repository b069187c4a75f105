"""Hidden-layer activations.

``ACTIVATIONS`` maps each public name accepted by the ``activation`` argument to
an :class:`Activation`: a factory for the torch module and the weight
initializer that ``weight_init='auto'`` picks for it (He for the ReLU family,
LeCun for SELU, Glorot for the saturating and linear functions, as in the
course notes' table of initializers).
"""

from dataclasses import dataclass
from typing import Callable

from torch import nn

__all__ = ["ACTIVATIONS", "Activation", "make_activation"]


@dataclass(frozen=True)
class Activation:
    """One registry entry.

    Parameters
    ----------
    make : callable
        ``make(width, options) -> torch.nn.Module``; ``options`` holds the
        estimator's activation knobs (``leaky_relu_slope``, ``elu_alpha``).
    init : str
        The initializer ``weight_init='auto'`` uses before this activation.
    formula : str
        The function, for the documentation.
    """

    make: Callable
    init: str
    formula: str


#: Registry of activations: the public name (the ``activation`` argument) -> :class:`Activation`.
ACTIVATIONS = {
    "identity": Activation(lambda w, o: nn.Identity(), "glorot_uniform", "f(x) = x"),
    "logistic": Activation(lambda w, o: nn.Sigmoid(), "glorot_uniform", "f(x) = 1 / (1 + exp(-x))"),
    "sigmoid": Activation(lambda w, o: nn.Sigmoid(), "glorot_uniform", "alias of 'logistic'"),
    "tanh": Activation(lambda w, o: nn.Tanh(), "glorot_uniform", "f(x) = tanh(x)"),
    "relu": Activation(lambda w, o: nn.ReLU(), "he_uniform", "f(x) = max(0, x)"),
    "leaky_relu": Activation(
        lambda w, o: nn.LeakyReLU(o["leaky_relu_slope"]),
        "he_uniform",
        "f(x) = max(a x, x), a = leaky_relu_slope",
    ),
    "prelu": Activation(
        lambda w, o: nn.PReLU(num_parameters=w, init=0.25, **o["factory"]),
        "he_uniform",
        "f(x) = max(a x, x), one learned a per unit (starts at 0.25)",
    ),
    "elu": Activation(
        lambda w, o: nn.ELU(alpha=o["elu_alpha"]),
        "he_uniform",
        "f(x) = x if x > 0 else alpha (exp(x) - 1), alpha = elu_alpha",
    ),
    "selu": Activation(
        lambda w, o: nn.SELU(),
        "lecun_normal",
        "f(x) = lambda (x if x > 0 else alpha (exp(x) - 1)), alpha~1.6733, lambda~1.0507",
    ),
    "gelu": Activation(lambda w, o: nn.GELU(), "he_uniform", "f(x) = x Phi(x)"),
    "silu": Activation(lambda w, o: nn.SiLU(), "he_uniform", "f(x) = x / (1 + exp(-x)) (swish)"),
    "softplus": Activation(lambda w, o: nn.Softplus(), "he_uniform", "f(x) = log(1 + exp(x))"),
}


def make_activation(name, width, options):
    """Build the torch module for activation ``name`` on a layer of ``width`` units."""
    return ACTIVATIONS[name].make(width, options)
