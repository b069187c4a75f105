"""Hidden-layer activations.

``ACTIVATIONS`` maps each public name accepted by the ``activation`` argument to
an :class:`Activation`: a factory for the torch module, the weight
initializer that ``weight_init='auto'`` picks for it (He for the ReLU family,
LeCun for SELU, Glorot for the saturating and linear functions, as in the
course notes' table of initializers), and its derivative for the closed-form
training step of :mod:`sknn_hp._backprop`. The derivatives call the same
kernels autograd uses (``aten.*_backward``), so both steps agree to rounding.
"""

from dataclasses import dataclass
from typing import Callable, Optional

import torch
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
    derivative : callable or None
        ``derivative(grad, z, a, module) -> grad * f'(z)``, the backward pass
        through the activation given its input ``z``, its output ``a`` and its
        module (for knobs such as the slope); None when the activation has
        learned parameters (PReLU), which sends training to autograd.
    """

    make: Callable
    init: str
    formula: str
    derivative: Optional[Callable] = None


_aten = torch.ops.aten
_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _identity_derivative(g, z, a, m):
    return g


def _sigmoid_derivative(g, z, a, m):  # a (1 - a)
    return _aten.sigmoid_backward(g, a)


def _tanh_derivative(g, z, a, m):  # 1 - a^2
    return _aten.tanh_backward(g, a)


def _relu_derivative(g, z, a, m):  # 1 where a > 0
    return _aten.threshold_backward(g, a, 0)


def _leaky_relu_derivative(g, z, a, m):  # 1 where z > 0, else the slope
    return _aten.leaky_relu_backward(g, z, m.negative_slope, False)


def _elu_derivative(g, z, a, m):  # 1 where z > 0, else alpha exp(z)
    return _aten.elu_backward(g, m.alpha, 1.0, 1.0, False, z)


def _selu_derivative(g, z, a, m):  # lambda where z > 0, else lambda alpha exp(z)
    return _aten.elu_backward(g, _SELU_ALPHA, _SELU_SCALE, 1.0, False, z)


def _gelu_derivative(g, z, a, m):  # Phi(z) + z phi(z)
    return _aten.gelu_backward(g, z, approximate=m.approximate)


def _silu_derivative(g, z, a, m):  # s(z) (1 + z (1 - s(z)))
    return _aten.silu_backward(g, z)


def _softplus_derivative(g, z, a, m):  # s(z)
    return _aten.softplus_backward(g, z, m.beta, m.threshold)


#: Registry of activations: the public name (the ``activation`` argument) -> :class:`Activation`.
ACTIVATIONS = {
    "identity": Activation(lambda w, o: nn.Identity(), "glorot_uniform", "f(x) = x", _identity_derivative),
    "logistic": Activation(
        lambda w, o: nn.Sigmoid(), "glorot_uniform", "f(x) = 1 / (1 + exp(-x))", _sigmoid_derivative
    ),
    "sigmoid": Activation(lambda w, o: nn.Sigmoid(), "glorot_uniform", "alias of 'logistic'", _sigmoid_derivative),
    "tanh": Activation(lambda w, o: nn.Tanh(), "glorot_uniform", "f(x) = tanh(x)", _tanh_derivative),
    "relu": Activation(lambda w, o: nn.ReLU(), "he_uniform", "f(x) = max(0, x)", _relu_derivative),
    "leaky_relu": Activation(
        lambda w, o: nn.LeakyReLU(o["leaky_relu_slope"]),
        "he_uniform",
        "f(x) = max(a x, x), a = leaky_relu_slope",
        _leaky_relu_derivative,
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
        _elu_derivative,
    ),
    "selu": Activation(
        lambda w, o: nn.SELU(),
        "lecun_normal",
        "f(x) = lambda (x if x > 0 else alpha (exp(x) - 1)), alpha~1.6733, lambda~1.0507",
        _selu_derivative,
    ),
    "gelu": Activation(lambda w, o: nn.GELU(), "he_uniform", "f(x) = x Phi(x)", _gelu_derivative),
    "silu": Activation(lambda w, o: nn.SiLU(), "he_uniform", "f(x) = x / (1 + exp(-x)) (swish)", _silu_derivative),
    "softplus": Activation(
        lambda w, o: nn.Softplus(), "he_uniform", "f(x) = log(1 + exp(x))", _softplus_derivative
    ),
}


def make_activation(name, width, options):
    """Build the torch module for activation ``name`` on a layer of ``width`` units."""
    return ACTIVATIONS[name].make(width, options)
