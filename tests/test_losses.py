"""Losses and the penalty equal scikit-learn's; the validation score equals sklearn's metrics."""

import numpy as np
import pytest
import torch
from scipy.special import expit, softmax
from sklearn.metrics import accuracy_score, r2_score
from sklearn.neural_network._base import LOSS_FUNCTIONS

from sknn_hp.losses import LOSSES, MLPLoss, validation_score

rng = np.random.RandomState(0)
Z = rng.normal(size=(50, 3))
SW = rng.uniform(0.5, 2.0, size=50)
T = torch.tensor


@pytest.mark.parametrize("weighted", [False, True])
def test_log_loss_matches_sklearn(weighted):
    y = rng.randint(0, 3, size=50)
    sw = SW if weighted else None
    target = T(y) if not weighted else (T(y), T(sw))
    ours = float(MLPLoss("log_loss")(T(Z), target))
    theirs = LOSS_FUNCTIONS["log_loss"](np.eye(3)[y], softmax(Z, axis=1), sw)
    assert ours == pytest.approx(theirs, rel=1e-10)


def test_binary_log_loss_matches_sklearn_for_multilabel():
    Y = rng.randint(0, 2, size=(50, 3)).astype(float)
    ours = float(MLPLoss("binary_log_loss")(T(Z), T(Y)))
    assert ours == pytest.approx(LOSS_FUNCTIONS["binary_log_loss"](Y, expit(Z)), rel=1e-10)


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regression_losses_match_sklearn(loss):
    Y = np.abs(rng.normal(size=(50, 3)))
    pred = np.exp(Z) if loss == "poisson" else Z
    ours = float(MLPLoss(loss)(T(Z), (T(Y), T(SW))))
    assert ours == pytest.approx(LOSS_FUNCTIONS[loss](Y, pred, SW), rel=1e-10)


def test_absolute_and_huber():
    Y = rng.normal(size=(50, 3))
    assert float(MLPLoss("absolute_error")(T(Z), T(Y))) == pytest.approx(np.abs(Z - Y).mean())
    r = np.abs(Z - Y)
    huber = np.where(r <= 0.5, 0.5 * r**2, 0.5 * (r - 0.25)).mean()
    assert float(MLPLoss("huber", huber_delta=0.5)(T(Z), T(Y))) == pytest.approx(huber)


def test_label_smoothing_targets():
    y = rng.randint(0, 3, size=50)
    smoothed = 0.9 * np.eye(3)[y] + 0.1 / 3
    ours = float(MLPLoss("log_loss", label_smoothing=0.1)(T(Z), T(y)))
    assert ours == pytest.approx(LOSS_FUNCTIONS["log_loss"](smoothed, softmax(Z, axis=1)), rel=1e-10)


@pytest.mark.parametrize("l1_ratio", [0.0, 0.3, 1.0])
def test_elastic_net_penalty(l1_ratio):
    W = [T(rng.normal(size=(4, 3))), T(rng.normal(size=(2, 4)))]
    y = T(rng.normal(size=(50, 3)))
    base = float(MLPLoss("squared_error")(T(Z), y))
    total = float(MLPLoss("squared_error", alpha=0.7, l1_ratio=l1_ratio)(T(Z), y, W))
    l2 = sum((w.numpy() ** 2).sum() for w in W)
    l1 = sum(np.abs(w.numpy()).sum() for w in W)
    expected = 0.7 * (l1_ratio * l1 + 0.5 * (1 - l1_ratio) * l2) / 50
    assert total - base == pytest.approx(expected, rel=1e-10)
    if l1_ratio == 0.0:  # scikit-learn's L2 term: 0.5 * alpha * ||W||^2 / n
        assert total - base == pytest.approx(0.5 * 0.7 * l2 / 50, rel=1e-10)


def test_validation_scores_match_sklearn_metrics():
    y = rng.randint(0, 3, size=50)
    assert validation_score("log_loss", T(Z), (T(y), T(SW))) == pytest.approx(
        accuracy_score(y, Z.argmax(1), sample_weight=SW)
    )
    Y = rng.normal(size=(50, 3))
    assert validation_score("squared_error", T(Z), T(Y)) == pytest.approx(r2_score(Y, Z))
    assert validation_score("poisson", T(Z), (T(Y), T(SW))) == pytest.approx(r2_score(Y, np.exp(Z), sample_weight=SW))


def test_every_loss_is_tested():
    assert set(LOSSES) == {"log_loss", "binary_log_loss", "squared_error", "absolute_error", "huber", "poisson"}
