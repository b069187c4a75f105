"""numeric_embedding='periodic' (PLR): the formula, its gradients, its knobs, and that it helps where it should."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from sknn_hp import MLPClassifier, MLPRegressor, check_gradients
from sknn_hp.module import PeriodicEmbedding, TabularInput


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)
        yield


def test_periodic_embedding_matches_the_formula():
    gen = torch.Generator().manual_seed(0)
    emb = PeriodicEmbedding(3, 4, 0.5, 5, {"dtype": torch.float64}).reset_parameters(gen)
    x = torch.randn(7, 3, generator=gen, dtype=torch.float64)
    out = emb(x).detach().numpy()
    c, W, b = (p.detach().numpy() for p in (emb.frequencies, emb.weight, emb.bias))
    X = x.numpy()
    expected = []
    for j in range(3):
        v = 2 * math.pi * X[:, j : j + 1] * c[j]  # (n, k)
        expected.append(np.maximum(np.c_[np.cos(v), np.sin(v)] @ W[j] + b[j], 0.0))
    np.testing.assert_allclose(out, np.concatenate(expected, axis=1), rtol=1e-12, atol=1e-12)
    assert out.shape == (7, 3 * 5) and emb.out_features == 15


def test_initial_frequencies_follow_sigma():
    gen = torch.Generator().manual_seed(0)
    for sigma in (0.01, 1.0, 10.0):
        emb = PeriodicEmbedding(50, 40, sigma, 2, {"dtype": torch.float64}).reset_parameters(gen)
        assert emb.frequencies.detach().std().item() == pytest.approx(sigma, rel=0.05)
        assert emb.weight.detach().abs().max().item() <= 1 / math.sqrt(80)


def test_estimator_knobs_reach_the_network():
    X = np.random.RandomState(0).normal(size=(40, 3))
    reg = MLPRegressor(
        hidden_layer_sizes=(6,), numeric_embedding="periodic", numeric_embedding_frequencies=5,
        numeric_embedding_width=7, numeric_embedding_sigma=2.0, max_iter=1, random_state=0,
    ).fit(X, X[:, 0])
    emb = reg.net_.module_.input_block.periodic
    assert tuple(emb.frequencies.shape) == (3, 5) and tuple(emb.weight.shape) == (3, 10, 7)
    assert emb.sigma == 2.0
    assert reg.coefs_[0].shape == (3 * 7, 6)
    assert reg._tabular_encoder is None  # arrays in, no encoder needed


@pytest.mark.parametrize("kind", ["regressor", "classifier"])
def test_gradients_are_correct(kind):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 3))
    common = {"hidden_layer_sizes": (5,), "activation": "tanh", "numeric_embedding": "periodic",
              "numeric_embedding_frequencies": 3, "numeric_embedding_width": 4, "numeric_embedding_sigma": 0.3,
              "max_iter": 2, "random_state": 0}
    if kind == "regressor":
        est, y = MLPRegressor(**common), X @ [1.0, -2.0, 0.5]
    else:
        est, y = MLPClassifier(**common), (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    est.fit(X, y)
    result = check_gradients(est, X, y)
    # the PLR's ReLU has a kink: 'good', or 'inspect' close to it when a unit sits within eps of 0
    assert result.relative_difference < 1e-4, str(result)
    assert {"input_block.periodic.frequencies", "input_block.periodic.weight"} <= set(result.per_parameter)
    assert result.per_parameter["input_block.periodic.frequencies"] < 1e-4


def test_gradients_through_one_hot_and_embeddings():
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"x": rng.normal(size=30), "few": rng.choice(list("ab"), 30),
                      "many": rng.choice([f"m{i}" for i in range(12)], 30)})
    y = X["x"] + (X["few"] == "a")
    reg = MLPRegressor(hidden_layer_sizes=(4,), activation="tanh", categorical_features="from_dtype",
                       numeric_embedding="periodic", max_iter=2, random_state=0).fit(X, y)
    result = check_gradients(reg, X, y)
    assert result.relative_difference < 1e-4, str(result)
    assert result.per_parameter["input_block.embeddings.1.weight"] < 1e-6


def test_periodic_embedding_fits_an_oscillating_target():
    rng = np.random.RandomState(0)
    X = rng.uniform(-3, 3, size=(600, 1))
    y = np.sin(3 * X[:, 0])
    common = {"hidden_layer_sizes": (32,), "max_iter": 150, "random_state": 0, "learning_rate_init": 3e-3}
    plain = MLPRegressor(**common).fit(X, y)
    plr = MLPRegressor(numeric_embedding="periodic", numeric_embedding_sigma=0.3, **common).fit(X, y)
    X_test = np.linspace(-3, 3, 200)[:, None]
    y_test = np.sin(3 * X_test[:, 0])
    assert plr.score(X_test, y_test) > 0.98
    assert plr.score(X_test, y_test) > plain.score(X_test, y_test) + 0.05


def test_tabular_input_with_no_block_options_is_the_identity_on_numbers():
    block = TabularInput(3, [], [], factory={"dtype": torch.float64})
    x = torch.randn(4, 3, dtype=torch.float64)
    assert torch.equal(block(x), x) and block.out_features == 3
