"""Learning-rate schedules as pure functions of training progress.

``SCHEDULES`` maps each public ``learning_rate`` name to a function
``lr(t, lr0, k)`` where ``t`` is the number of epochs done (fractional within an
epoch: the rate is set before every mini-batch), ``lr0`` is
``learning_rate_init`` and ``k`` holds the schedule knobs (the estimator's
``lr_*`` arguments, ``power_t``, ``max_iter`` and the training-set size ``n``):

===============  ============================================================
name             rate at progress t (epochs)
===============  ============================================================
constant         lr0
invscaling       lr0 / (samples_seen + 1) ** power_t  (scikit-learn's; per epoch; sgd only)
adaptive         lr0, divided by 5 whenever training stalls (scikit-learn's; sgd only)
step             lr0 * lr_decay_rate ** floor(t / lr_step_size)   (step decay)
exponential      lr0 * lr_decay_rate ** (t / lr_step_size)        (exponential decay)
power            lr0 / (1 + t / lr_step_size) ** lr_power          (1/t and power scheduling)
piecewise        lr0 * lr_decay_rate ** (number of lr_milestones <= t)  (piecewise constant)
plateau          lr0, times lr_decay_rate after lr_patience epochs without
                 improvement of the monitored loss (performance scheduling)
cosine           lr_min + (lr0 - lr_min) (1 + cos(pi t / max_iter)) / 2
cosine_restarts  cosine from lr0 to lr_min over periods of lr_step_size epochs,
                 each lr_cycle_mult times longer than the last (SGDR warm restarts)
cyclic           triangle between lr0 and lr_max, half-period lr_step_size epochs
onecycle         lr0 up to lr_max over the first lr_warmup_fraction of max_iter,
                 then cosine down to lr_min (1cycle)
===============  ============================================================

``adaptive`` and ``plateau`` react to the loss: the function gives the base
rate and the estimator multiplies it by a factor it lowers on stagnation.
scikit-learn's three (``constant``, ``invscaling``, ``adaptive``) keep
scikit-learn's meaning: ``invscaling`` and ``adaptive`` apply to
``solver='sgd'`` only, other solvers run them as ``constant``
(:func:`effective_schedule`). The other schedules work with every
stochastic solver; ``lbfgs`` runs its own line search and ignores them all.
"""

import math

__all__ = ["SCHEDULES", "SGD_ONLY", "effective_schedule", "learning_rate_at"]

#: scikit-learn's schedules that only ``solver='sgd'`` follows (other solvers keep a constant rate).
SGD_ONLY = ("invscaling", "adaptive")


def effective_schedule(learning_rate, solver):
    """The schedule a fit follows: scikit-learn's ``invscaling``/``adaptive`` are ``constant`` unless ``solver='sgd'``.

    Parameters
    ----------
    learning_rate : str
        The ``learning_rate`` argument.
    solver : str
        The ``solver`` argument.

    Returns
    -------
    name : str
        A key of :data:`SCHEDULES`.
    """
    return "constant" if learning_rate in SGD_ONLY and solver != "sgd" else learning_rate


def _constant(t, lr0, k):
    return lr0


def _invscaling(t, lr0, k):
    # samples_seen: the estimator's t_ at the start of the epoch, set by the trainer (it counts
    # across warm starts and partial_fit, as scikit-learn's); floor(t) * n within one fit otherwise
    seen = k.get("samples_seen")
    return lr0 / ((math.floor(t) * k["n"] if seen is None else seen) + 1) ** k["power_t"]


def _step(t, lr0, k):
    return lr0 * k["lr_decay_rate"] ** math.floor(t / k["lr_step_size"])


def _exponential(t, lr0, k):
    return lr0 * k["lr_decay_rate"] ** (t / k["lr_step_size"])


def _power(t, lr0, k):
    return lr0 / (1.0 + t / k["lr_step_size"]) ** k["lr_power"]


def _piecewise(t, lr0, k):
    milestones = k["lr_milestones"]
    if milestones is None:
        milestones = (k["max_iter"] // 2, (3 * k["max_iter"]) // 4)
    return lr0 * k["lr_decay_rate"] ** sum(1 for m in milestones if t >= m)


def _cosine_between(high, low, fraction):
    return low + (high - low) * (1.0 + math.cos(math.pi * min(max(fraction, 0.0), 1.0))) / 2.0


def _cosine(t, lr0, k):
    return _cosine_between(lr0, k["lr_min"], t / k["max_iter"])


def _cosine_restarts(t, lr0, k):
    period, mult = float(k["lr_step_size"]), k["lr_cycle_mult"]
    while t >= period:
        t -= period
        period *= mult
    return _cosine_between(lr0, k["lr_min"], t / period)


def _lr_max(lr0, k):
    return 10.0 * lr0 if k["lr_max"] is None else k["lr_max"]


def _cyclic(t, lr0, k):
    half = float(k["lr_step_size"])
    x = abs(t / half - 2.0 * math.floor(1.0 + t / (2.0 * half)) + 1.0)
    return lr0 + (_lr_max(lr0, k) - lr0) * max(0.0, 1.0 - x)


def _onecycle(t, lr0, k):
    warm = k["lr_warmup_fraction"] * k["max_iter"]
    peak = _lr_max(lr0, k)
    if t < warm:
        return lr0 + (peak - lr0) * t / warm
    return _cosine_between(peak, k["lr_min"], (t - warm) / max(k["max_iter"] - warm, 1e-12))


#: Registry of schedules: the public name (the ``learning_rate`` argument) -> ``f(t, lr0, knobs)``.
SCHEDULES = {
    "constant": _constant,
    "invscaling": _invscaling,
    "adaptive": _constant,
    "step": _step,
    "exponential": _exponential,
    "power": _power,
    "piecewise": _piecewise,
    "plateau": _constant,
    "cosine": _cosine,
    "cosine_restarts": _cosine_restarts,
    "cyclic": _cyclic,
    "onecycle": _onecycle,
}


def learning_rate_at(name, t, lr0, knobs):
    """The base learning rate of schedule ``name`` after ``t`` epochs.

    Parameters
    ----------
    name : str
        A key of :data:`SCHEDULES`.
    t : float
        Epochs done; fractional inside an epoch.
    lr0 : float
        ``learning_rate_init``.
    knobs : dict
        ``lr_decay_rate, lr_step_size, lr_power, lr_milestones, lr_min, lr_max,
        lr_cycle_mult, lr_warmup_fraction, power_t, max_iter`` and ``n`` (the
        number of training samples).

    Returns
    -------
    lr : float
    """
    return SCHEDULES[name](t, lr0, knobs)
