"""Learning-rate schedules follow the formulas of the course notes."""

import math

import pytest

from sknn_hp.schedules import SCHEDULES, learning_rate_at

K = dict(lr_decay_rate=0.5, lr_step_size=10, lr_power=1.0, lr_milestones=None, lr_min=0.0, lr_max=None,
         lr_cycle_mult=2, lr_warmup_fraction=0.3, power_t=0.5, max_iter=100, n=50)


def lr(name, t, **over):
    return learning_rate_at(name, t, 0.1, {**K, **over})


def test_step_decay_halves_every_T_epochs():
    # mu_t = mu_0 / 2 ** floor(t / T)
    assert [lr("step", t) for t in (0, 9.9, 10, 25)] == pytest.approx([0.1, 0.1, 0.05, 0.025])


def test_exponential_decay():
    # alpha(t) = alpha_0 * 0.1 ** (t / s)
    assert lr("exponential", 20, lr_decay_rate=0.1) == pytest.approx(0.1 * 0.1**2)
    assert lr("exponential", 5) == pytest.approx(0.1 * math.exp(-math.log(2) * 0.5))


def test_power_scheduling():
    # alpha_t = alpha_0 / (1 + t / s) ** c: alpha_0 / 2 after s epochs, alpha_0 / 3 after 2 s
    assert [lr("power", t) for t in (0, 10, 20)] == pytest.approx([0.1, 0.05, 0.1 / 3])
    assert lr("power", 10, lr_power=2.0) == pytest.approx(0.025)


def test_invscaling_is_sklearns_per_epoch_formula():
    # lr0 / (samples_seen + 1) ** power_t, samples counted at the epoch's start
    assert lr("invscaling", 0.5) == 0.1
    assert lr("invscaling", 2.3) == pytest.approx(0.1 / math.sqrt(2 * 50 + 1))


def test_piecewise_constant():
    assert [lr("piecewise", t) for t in (0, 49, 50, 75)] == pytest.approx([0.1, 0.1, 0.05, 0.025])
    assert lr("piecewise", 7, lr_milestones=[5, 6]) == pytest.approx(0.025)


def test_cosine_and_restarts():
    assert [lr("cosine", t) for t in (0, 50, 100)] == pytest.approx([0.1, 0.05, 0.0])
    # first period 10 epochs, then 20: restarts at t = 10 and t = 30
    assert [lr("cosine_restarts", t) for t in (0, 5, 10, 20, 30)] == pytest.approx([0.1, 0.05, 0.1, 0.05, 0.1])


def test_cyclic_triangle_between_lr0_and_lr_max():
    assert [lr("cyclic", t) for t in (0, 5, 10, 15, 20)] == pytest.approx([0.1, 0.55, 1.0, 0.55, 0.1])


def test_onecycle_warms_up_then_anneals():
    assert lr("onecycle", 0) == pytest.approx(0.1)
    assert lr("onecycle", 30) == pytest.approx(1.0)
    assert lr("onecycle", 65) == pytest.approx(0.5)
    assert lr("onecycle", 100) == pytest.approx(0.0)


@pytest.mark.parametrize("name", ["constant", "adaptive", "plateau"])
def test_constant_base_rate(name):
    assert lr(name, 37.5) == 0.1


def test_every_schedule_is_tested():
    tested = {"step", "exponential", "power", "invscaling", "piecewise", "cosine", "cosine_restarts",
              "cyclic", "onecycle", "constant", "adaptive", "plateau"}
    assert tested == set(SCHEDULES)
