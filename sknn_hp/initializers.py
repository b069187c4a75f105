"""Weight initializers.

Every fan-based initializer is a variance scaling ``Var(W) = scale / fan``
(course notes: "make the variance of the outputs of each layer equal to the
variance of its inputs"). A normal draw uses ``std = sqrt(scale / fan)``; a
uniform draw ``U(-r, r)`` uses ``r = sqrt(3 scale / fan)``, which has the same
variance:

===============  ======  =========  =========================================
name             scale   fan        draw
===============  ======  =========  =========================================
glorot_uniform   1       fan_avg    U(-sqrt(6 / (fan_in + fan_out)), ...)
glorot_normal    1       fan_avg    N(0, 2 / (fan_in + fan_out))
he_uniform       2       fan_in     U(-sqrt(6 / fan_in), ...)
he_normal        2       fan_in     N(0, 2 / fan_in)
lecun_uniform    1       fan_in     U(-sqrt(3 / fan_in), ...)
lecun_normal     1       fan_in     N(0, 1 / fan_in)
===============  ======  =========  =========================================

``orthogonal`` draws a (semi-)orthogonal matrix, ``uniform`` draws
``U(-init_scale, init_scale)`` and ``normal`` draws ``N(0, init_scale**2)``.
For the fan-based ones and ``orthogonal``, ``init_scale`` is a gain that
multiplies the weights. Biases always start at zero.
"""

import math
from dataclasses import dataclass

import torch

__all__ = ["INITIALIZERS", "Initializer", "init_linear_"]


@dataclass(frozen=True)
class Initializer:
    """One registry entry: how to draw a weight matrix.

    Parameters
    ----------
    draw : {'uniform', 'normal', 'orthogonal'}
        The distribution.
    scale : float or None
        Variance numerator for fan-based draws; None for the fixed-width ones.
    fan : {'in', 'avg', None}
        Which fan divides ``scale``.
    default_scale : float
        ``init_scale`` when left at None: a gain of 1, or the 0.05 half-width /
        standard deviation of ``uniform`` / ``normal`` (Keras' defaults).
    """

    draw: str
    scale: float = None
    fan: str = None
    default_scale: float = 1.0


#: Registry of weight initializers: the public name (the ``weight_init`` argument) -> :class:`Initializer`.
INITIALIZERS = {
    "glorot_uniform": Initializer("uniform", 1.0, "avg"),
    "glorot_normal": Initializer("normal", 1.0, "avg"),
    "he_uniform": Initializer("uniform", 2.0, "in"),
    "he_normal": Initializer("normal", 2.0, "in"),
    "lecun_uniform": Initializer("uniform", 1.0, "in"),
    "lecun_normal": Initializer("normal", 1.0, "in"),
    "orthogonal": Initializer("orthogonal"),
    "uniform": Initializer("uniform", default_scale=0.05),
    "normal": Initializer("normal", default_scale=0.05),
}


def init_linear_(linear, name, init_scale=None, generator=None):
    """Initialize a ``torch.nn.Linear`` in place: weights by ``name``, bias to zero.

    Parameters
    ----------
    linear : torch.nn.Linear
        The layer. Its weight has torch's ``(fan_out, fan_in)`` layout.
    name : str
        A key of :data:`INITIALIZERS`.
    init_scale : float or None
        Gain (fan-based, orthogonal) or width (uniform, normal); None for the
        initializer's default.
    generator : torch.Generator or None
        Where the draws come from; torch's global generator when None.
    """
    spec = INITIALIZERS[name]
    gain = spec.default_scale if init_scale is None else float(init_scale)
    weight = linear.weight
    fan_out, fan_in = weight.shape
    with torch.no_grad():
        if spec.draw == "orthogonal":
            torch.nn.init.orthogonal_(weight, gain=gain, generator=generator)
        else:
            if spec.fan is None:
                std = gain if spec.draw == "normal" else gain / math.sqrt(3.0)
            else:
                fan = fan_in if spec.fan == "in" else (fan_in + fan_out) / 2.0
                std = gain * math.sqrt(spec.scale / fan)
            if spec.draw == "normal":
                weight.normal_(0.0, std, generator=generator)
            else:
                bound = math.sqrt(3.0) * std
                weight.uniform_(-bound, bound, generator=generator)
        if linear.bias is not None:
            linear.bias.zero_()
