"""Initializers draw with the variances of the course notes; biases start at zero."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from sknn_hp.initializers import INITIALIZERS, init_linear_

FAN_IN, FAN_OUT = 400, 300

EXPECTED_STD = {
    "glorot_uniform": math.sqrt(2 / (FAN_IN + FAN_OUT)),
    "glorot_normal": math.sqrt(2 / (FAN_IN + FAN_OUT)),
    "he_uniform": math.sqrt(2 / FAN_IN),
    "he_normal": math.sqrt(2 / FAN_IN),
    "lecun_uniform": math.sqrt(1 / FAN_IN),
    "lecun_normal": math.sqrt(1 / FAN_IN),
    "orthogonal": math.sqrt(1 / FAN_IN),  # rows of an orthogonal (300 x 400) matrix have unit norm
    "uniform": 0.05 / math.sqrt(3),
    "normal": 0.05,
}


def _layer(name, scale=None):
    torch.manual_seed(0)
    layer = nn.Linear(FAN_IN, FAN_OUT, dtype=torch.float64)
    init_linear_(layer, name, scale)
    return layer


def test_every_initializer_is_covered():
    assert set(EXPECTED_STD) == set(INITIALIZERS)


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_initializer_standard_deviation(name):
    layer = _layer(name)
    w = layer.weight.detach().numpy()
    assert w.std() == pytest.approx(EXPECTED_STD[name], rel=0.03)
    assert abs(w.mean()) < 0.1 * EXPECTED_STD[name]
    assert np.all(layer.bias.detach().numpy() == 0)


@pytest.mark.parametrize("name", ["glorot_uniform", "he_uniform", "lecun_uniform"])
def test_uniform_bounds(name):
    w = _layer(name).weight.detach().numpy()
    bound = math.sqrt(3) * EXPECTED_STD[name]
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound


def test_orthogonal_rows_are_orthonormal_and_gain_scales():
    w = _layer("orthogonal", 2.0).weight.detach().numpy()
    np.testing.assert_allclose(w @ w.T, 4.0 * np.eye(FAN_OUT), atol=1e-10)


def test_init_scale_sets_uniform_width_and_normal_std():
    assert np.abs(_layer("uniform", 0.5).weight.detach().numpy()).max() == pytest.approx(0.5, rel=0.01)
    assert _layer("normal", 0.2).weight.detach().numpy().std() == pytest.approx(0.2, rel=0.03)
    he = _layer("he_normal", 3.0).weight.detach().numpy()
    assert he.std() == pytest.approx(3 * EXPECTED_STD["he_normal"], rel=0.03)
