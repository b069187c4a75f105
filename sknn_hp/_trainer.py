"""The epoch loop and the state it carries: what ``fit`` and ``partial_fit`` run.

A :class:`TrainingState` holds everything the loop keeps from one epoch, and
one call, to the next: scikit-learn's recorded attributes (``n_iter_``, ``t_``,
``loss_curve_``, ``best_loss_``, ``validation_scores_``,
``best_validation_score_``), the stopping counter, the best weights, the
performance-scheduling state, the schedule's position, the optimizer state,
the history and the divergence reference. The estimator hands the
:class:`Trainer` a *copy* of its state and of its network; the trainer
advances them; the estimator adopts both only when training returns
(:meth:`TrainingState.commit`). A fit that raises leaves the estimator as it was.

The trainer asks the skorch net for one epoch at a time
(``NeuralNet.fit_loop(epochs=1)``) and applies scikit-learn's rules between
epochs: the stopping rule (``tol``, ``n_iter_no_change``), early stopping with
best-weight restoration, ``'adaptive'`` and ``'plateau'`` performance
scheduling, and the divergence check. skorch owns everything inside an epoch.
"""

import copy
import warnings
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning

from ._runtime import Snapshots
from .exceptions import DivergenceWarning

__all__ = ["DIVERGENCE_FACTOR", "Trainer", "TrainingState"]

#: A training loss above ``DIVERGENCE_FACTOR * (|reference| + 1)``, the reference being the loss
#: of the untrained network on the first batch, counts as diverged, like a non-finite one.
DIVERGENCE_FACTOR = 1e3

# skorch's bookkeeping, left out of ``history_``.
_NOT_IN_HISTORY = ("batches", "epoch", "train_batch_count", "valid_batch_count")

# TrainingState field -> the estimator attribute that holds it between calls.
_ATTRIBUTES = {
    "n_iter": "n_iter_",
    "t": "t_",
    "history": "history_",
    "loss_curve": "loss_curve_",
    "best_loss": "best_loss_",
    "validation_scores": "validation_scores_",
    "best_validation_score": "best_validation_score_",
    "no_improvement_count": "_no_improvement_count",
    "best_weights": "_best_state",
    "best_valid_loss": "_best_valid_loss",
    "plateau_best": "_plateau_best",
    "plateau_wait": "_plateau_wait",
    "lr_factor": "_lr_factor",
    "schedule_start": "_schedule_start",
    "optimizer_state": "_optimizer_state",
    "reference_loss": "_reference_loss",
}
# Attributes scikit-learn's lbfgs fits do not have.
_STOCHASTIC_ONLY = ("loss_curve", "best_loss", "validation_scores", "best_validation_score")


@dataclass
class TrainingState:
    """What the epoch loop carries between epochs and between calls of ``fit``/``partial_fit``.

    Attributes
    ----------
    stochastic : bool
        False for lbfgs, which has no ``loss_curve_`` and no stopping state.
    n_iter, t : int
        scikit-learn's ``n_iter_`` (epochs of the last call) and ``t_``
        (samples seen, accumulated).
    history : list of dict
        One record per epoch (``history_``).
    loss_curve, validation_scores : list or None
    best_loss, best_validation_score : float or None
    no_improvement_count : int
        Epochs since the monitored quantity last improved by ``tol``.
    best_weights : dict or None
        CPU snapshot of the best epoch's module state (early stopping).
    best_valid_loss : float
        Best validation loss (``monitor='loss'``).
    plateau_best, plateau_wait : float, int
        ``'plateau'`` scheduling: best monitored loss and epochs waited.
    lr_factor : float
        Multiplier applied to the schedule (lowered by ``'adaptive'``/``'plateau'``).
    schedule_start : int
        ``len(loss_curve)`` when the current schedule started (a warm-started
        fit starts a new one, as it starts a new optimizer).
    optimizer_state : dict or None
        The optimizer's ``state_dict`` on the CPU, for ``partial_fit``.
    reference_loss : float or None
        Loss of the untrained network on its first training batch; the
        divergence check's yardstick.
    """

    stochastic: bool = True
    n_iter: int = 0
    t: int = 0
    history: list = field(default_factory=list)
    loss_curve: list = None
    best_loss: float = None
    validation_scores: list = None
    best_validation_score: float = None
    no_improvement_count: int = 0
    best_weights: dict = None
    best_valid_loss: float = np.inf
    plateau_best: float = np.inf
    plateau_wait: int = 0
    lr_factor: float = 1.0
    schedule_start: int = 0
    optimizer_state: dict = None
    reference_loss: float = None

    @classmethod
    def fresh(cls, stochastic, early_stopping):
        """The state of an untrained estimator."""
        state = cls(stochastic=stochastic)
        if stochastic:
            state.loss_curve = []
            if early_stopping:
                state.validation_scores, state.best_validation_score = [], -np.inf
            else:
                state.best_loss = np.inf
        return state

    @classmethod
    def of(cls, estimator):
        """A deep copy of a fitted estimator's state: training it never touches the estimator."""
        stochastic = hasattr(estimator, "loss_curve_")
        defaults = cls()  # for attributes an estimator saved by an older version lacks
        values = {name: getattr(estimator, attr, getattr(defaults, name)) for name, attr in _ATTRIBUTES.items()}
        return cls(stochastic=stochastic, **copy.deepcopy(values))

    def last_loss(self):
        """A stochastic fit's ``loss_``: the last epoch's training loss (NaN before any epoch)."""
        return self.loss_curve[-1] if self.loss_curve else np.nan

    def restart_schedule(self):
        """A warm-started fit: a new optimizer, schedule and performance-scheduling state."""
        self.lr_factor, self.plateau_best, self.plateau_wait = 1.0, np.inf, 0
        self.schedule_start = len(self.loss_curve)
        self.optimizer_state = None

    def commit(self, estimator):
        """Write the state into the estimator's attributes (the end of a successful call)."""
        for name, attr in _ATTRIBUTES.items():
            if not self.stochastic and name in _STOCHASTIC_ONLY:
                estimator.__dict__.pop(attr, None)
            else:
                setattr(estimator, attr, getattr(self, name))


class Trainer:
    """Advance a network and its :class:`TrainingState` by the estimator's rules.

    Parameters
    ----------
    estimator : BaseMLP
        Read for its hyperparameters only; the trainer never writes to it.
    net : sknn_hp._net.SkorchMLP
        Initialized, around the copy of the module being trained.
    schedule : sknn_hp._callbacks.LearningRateSchedule or None
    train_ds : TabularDataset
    state : TrainingState
    validating : bool
        Whether the net holds a validation set (early stopping).
    schedule_name : str
        The schedule the fit follows (see :func:`sknn_hp.schedules.effective_schedule`).
    snapshot : callable or None, default=None
        Returns a CPU copy of the trained weights (best weights, divergence
        fallbacks); ``Snapshots(net.module_)`` when None. The batched search
        passes one that reads a member's slice of the stacked weights.
    """

    def __init__(self, estimator, net, schedule, train_ds, state, validating, schedule_name, snapshot=None):
        self.est = estimator
        self.net = net
        self.schedule = schedule
        self.train_ds = train_ds
        self.state = state
        self.validating = validating
        self.schedule_name = schedule_name
        self.snapshot = snapshot if snapshot is not None else Snapshots(net.module_)

    # ------------------------------------------------------------ stochastic
    def run_stochastic(self, incremental):
        """Train up to ``max_iter`` epochs (one for ``partial_fit``), stopping by the estimator's rules."""
        est, net, state, schedule = self.est, self.net, self.state, self.schedule
        n_train = len(self.train_ds)
        max_epochs = 1 if incremental else est.max_iter
        # Weights to fall back on if the loss diverges: the start of training and
        # the ends of the last two sane epochs (the last one may already be broken).
        fallbacks = deque([self.snapshot()] * 2, maxlen=2)
        initial = fallbacks[0]
        state.n_iter = 0
        for epoch_of_call in range(max_epochs):
            if schedule is not None:
                schedule.epochs_done = len(state.loss_curve) - state.schedule_start
                # invscaling: a new optimizer (warm-started fit) starts at learning_rate_init, as scikit-learn's
                fresh = epoch_of_call == 0 and not incremental
                schedule.knobs["samples_seen"] = 0 if fresh else state.t
            stop_requested = False
            try:
                net.fit_loop(self.train_ds, epochs=1)
            except KeyboardInterrupt:
                if "dur" not in net.history[-1]:  # interrupted inside the epoch: keep the last whole epoch
                    net.module_.load_state_dict(fallbacks[1])
                    warnings.warn("Training interrupted by user.")
                    break
                stop_requested = True  # a callback (skorch's EarlyStopping) ended training after a whole epoch
            row = net.history[-1]
            if state.reference_loss is None and "first_batch_loss" in net.__dict__:
                state.reference_loss = float(net.__dict__["first_batch_loss"])
            diverged = self._diverged(row)
            self._record(row, n_train)
            if diverged:
                if self.validating:  # a diverged epoch scores NaN, as scikit-learn records non-finite predictions
                    state.validation_scores.append(float("nan"))
                self._restore_sane(fallbacks[1], fallbacks[0], initial)
                self._warn_divergence(row)
                break
            self._update_no_improvement_count(row)
            self._update_plateau(row)
            if stop_requested:
                if est.verbose:
                    print("Training stopped by a callback.")
                break
            if self._stalled():
                break
            if incremental:
                break
            if state.n_iter == est.max_iter:
                warnings.warn(
                    "Stochastic Optimizer: Maximum iterations (%d) reached and the optimization "
                    "hasn't converged yet." % est.max_iter,
                    ConvergenceWarning,
                )
            fallbacks.append(self.snapshot())
        if schedule is not None:
            state.lr_factor = schedule.factor
        if self.validating and est.restore_best_weights and state.best_weights is not None:
            net.module_.load_state_dict(state.best_weights)

    def _stalled(self):
        """The stopping rule after an epoch: True to stop.

        When the monitored quantity has not improved for more than
        ``n_iter_no_change`` epochs, ``'adaptive'`` divides the rate by 5 and
        goes on (while the rate is above 1e-6); otherwise training stops.
        """
        est, state, schedule = self.est, self.state, self.schedule
        if state.no_improvement_count <= est.n_iter_no_change:
            return False
        what = "Validation " + est.monitor if self.validating else "Training loss"
        msg = "%s did not improve more than tol=%f for %d consecutive epochs." % (
            what,
            est.tol,
            est.n_iter_no_change,
        )
        if self.schedule_name == "adaptive" and schedule.current_lr() > 1e-6:
            schedule.factor /= 5.0
            state.no_improvement_count = 0
            if est.verbose:
                print(msg + " Setting learning rate to %f" % schedule.current_lr())
            return False
        if est.verbose:
            print(msg + " Stopping.")
        return True

    def _diverged(self, row):
        """Non-finite training loss or validation score, or a loss far above the untrained network's."""
        loss = row["train_loss"]
        if not np.isfinite(loss):
            return True
        if self.validating and not (np.isfinite(row["valid_loss"]) and np.isfinite(row["valid_score"])):
            return True
        ref = self.state.reference_loss
        return ref is not None and np.isfinite(ref) and loss > DIVERGENCE_FACTOR * (abs(ref) + 1.0)

    def _record(self, row, n_train):
        """Append the epoch to the state's records (scikit-learn's semantics: NaN scores are recorded)."""
        state = self.state
        state.n_iter += 1
        state.t += n_train
        state.loss_curve.append(float(row["train_loss"]))
        state.history.append(
            {"epoch": len(state.loss_curve), **{k: v for k, v in row.items() if k not in _NOT_IN_HISTORY}}
        )
        if self.est.verbose:
            print(self._epoch_line(row))

    def _epoch_line(self, row):
        """One progress line: scikit-learn's ``Iteration N, loss = ...`` and our extra fields."""
        line = "Iteration %d, loss = %.8f" % (len(self.state.loss_curve), self.state.loss_curve[-1])
        if "valid_loss" in row:
            line += ", valid_loss = %.6f, valid_score = %.6f" % (row["valid_loss"], row["valid_score"])
        return line + ", lr = %.3g, time = %.2fs" % (row["lr"], row["dur"])

    def _restore_sane(self, *candidates):
        """Load the first candidate state whose outputs on the training data are all finite."""
        net = self.net
        for state in candidates:
            net.module_.load_state_dict(state)
            if torch.isfinite(net.forward(self.train_ds, training=False)).all():
                return
        raise ValueError(
            "Solver produced non-finite parameter weights. The input data may contain large values and "
            "need to be preprocessed. Even the initial weights give non-finite outputs: standardize the "
            "inputs (StandardScaler)."
        )

    def _warn_divergence(self, row):
        loss = row["train_loss"]
        if not np.isfinite(loss):
            what = f"the training loss became {loss}"
        elif self.validating and not np.isfinite(row["valid_score"]):
            what = "the validation score became NaN (non-finite predictions)"
        else:
            what = (
                f"the training loss reached {loss:.3g}, over {DIVERGENCE_FACTOR:g} times the untrained "
                f"network's ({self.state.reference_loss:.3g})"
            )
        warnings.warn(
            f"Training diverged: {what} at epoch {len(self.state.loss_curve)}. Training stopped and the last "
            "weights giving finite outputs were restored. Lower learning_rate_init, standardize the inputs "
            "(StandardScaler or input_batch_norm=True), or clip gradients (clip_norm).",
            DivergenceWarning,
        )

    def _update_no_improvement_count(self, row):
        est, state, tol = self.est, self.state, self.est.tol
        if self.validating:
            score = row["valid_score"]
            state.validation_scores.append(score)
            if est.monitor == "score":
                stalled, better = score < state.best_validation_score + tol, score > state.best_validation_score
            else:
                loss = row["valid_loss"]
                stalled, better = loss > state.best_valid_loss - tol, loss < state.best_valid_loss
                if better:
                    state.best_valid_loss = loss
            state.no_improvement_count = state.no_improvement_count + 1 if stalled else 0
            if better:
                state.best_validation_score = score
                state.best_weights = self.snapshot()
        else:
            loss = state.loss_curve[-1]
            state.no_improvement_count = state.no_improvement_count + 1 if loss > state.best_loss - tol else 0
            state.best_loss = min(state.best_loss, loss)

    def _update_plateau(self, row):
        """Performance scheduling: lower the rate when the monitored loss stalls."""
        if self.schedule_name != "plateau":
            return
        est, state, schedule = self.est, self.state, self.schedule
        value = row["valid_loss"] if self.validating else row["train_loss"]
        # the stopping rule's test: an epoch counts as stalled unless it beats the best by tol
        stalled = value > state.plateau_best - est.tol
        state.plateau_best = min(state.plateau_best, value)
        if not stalled:
            state.plateau_wait = 0
            return
        state.plateau_wait += 1
        if state.plateau_wait > est.lr_patience:
            floor = est.lr_min / est.learning_rate_init
            lowered = max(schedule.factor * est.lr_decay_rate, floor)
            state.plateau_wait = 0
            # A new rate gets a fresh stopping patience, as 'adaptive' does, while it is still a real
            # change: once the rate sits at lr_min or below 1e-6 (adaptive's floor), the stopping rule
            # counts on, or training would never stop (the rate can shrink forever when lr_min=0).
            if lowered < schedule.factor and lowered * est.learning_rate_init > 1e-6:
                state.no_improvement_count = 0
            schedule.factor = lowered
            if est.verbose:
                print("Plateau: learning rate set to %g" % schedule.current_lr())

    # ----------------------------------------------------------------- lbfgs
    def run_lbfgs(self):
        """One call of torch's L-BFGS over the whole training set; records ``n_iter_`` and ``loss_``."""
        est, net, state = self.est, self.net, self.state
        last_good = self.snapshot()
        net.fit_loop(self.train_ds, epochs=1)
        optimizer = net.optimizer_
        opt_state = optimizer.state[optimizer.param_groups[0]["params"][0]]
        if not all(torch.isfinite(p).all() for p in net.module_.parameters()):
            net.module_.load_state_dict(last_good)
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may contain large "
                "values and need to be preprocessed (StandardScaler)."
            )
        state.n_iter = int(opt_state.get("n_iter", 0))
        with torch.no_grad():
            net.module_.eval()
            X, target = self.train_ds.batch(slice(None))
            loss = float(net.criterion_(net.module_(X), target, net.module_.penalized_weights()))
        # the callbacks' records of the one skorch epoch (EpochScoring...), with the final loss
        row = {k: v for k, v in net.history[-1].items() if k not in _NOT_IN_HISTORY}
        state.history.append({"epoch": 1, **row, "train_loss": loss})
        if state.n_iter >= est.max_iter or opt_state.get("func_evals", 0) >= est.max_fun:
            warnings.warn(
                f"lbfgs failed to converge after {state.n_iter} iteration(s) "
                f"(max_iter={est.max_iter}, max_fun={est.max_fun}). "
                "Increase the number of iterations to improve the convergence.",
                ConvergenceWarning,
            )
        return loss

