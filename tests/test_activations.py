"""Each activation computes its formula, and backpropagation matches finite differences."""

import numpy as np
import pytest
import torch

from sknn_hp.activations import ACTIVATIONS, make_activation

OPTIONS = {"leaky_relu_slope": 0.1, "elu_alpha": 0.7, "factory": {"dtype": torch.float64}}
x = np.linspace(-3, 3, 13)

FORMULAS = {
    "identity": lambda x: x,
    "logistic": lambda x: 1 / (1 + np.exp(-x)),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(0, x),
    "leaky_relu": lambda x: np.maximum(0.1 * x, x),
    "prelu": lambda x: np.maximum(0.25 * x, x),
    "elu": lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1)),
    "selu": lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1)),
    "gelu": lambda x: x * 0.5 * (1 + np.vectorize(__import__("math").erf)(x / np.sqrt(2))),
    "silu": lambda x: x / (1 + np.exp(-x)),
    "softplus": lambda x: np.log1p(np.exp(x)),
}


def test_every_activation_has_a_formula_test():
    assert set(FORMULAS) == set(ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_formula(name):
    module = make_activation(name, 13, OPTIONS)
    out = module(torch.tensor(x[None, :], dtype=torch.float64)).detach().numpy()[0]
    np.testing.assert_allclose(out, FORMULAS[name](x), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradient_matches_finite_differences(name):
    module = make_activation(name, 4, OPTIONS)
    # avoid the kink at exactly 0 of the piecewise-linear ones
    inputs = torch.tensor([[-1.3, -0.2, 0.3, 2.1]], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(module, (inputs,), eps=1e-6, atol=1e-7)
