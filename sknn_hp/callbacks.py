"""The skorch callbacks the estimators install, ahead of any of the user's.

Each one is small and sits on one skorch hook:

- :class:`LearningRateSchedule` (``on_batch_begin``) sets the rate of the
  schedule in :mod:`sknn_hp.schedules` before every training step;
- :class:`GradientValueClipping` (``on_grad_computed``) clamps each gradient
  entry (``clip_norm`` uses skorch's own ``GradientNormClipping``);
- :class:`EpochMonitor` (``on_epoch_end``) writes the epoch's training loss,
  validation loss and score, learning rate and duration into the history,
  before the user's callbacks read it.
"""

import time

import torch
from skorch.callbacks import Callback

from .losses import validation_score
from .schedules import learning_rate_at

__all__ = ["EpochMonitor", "GradientValueClipping", "LearningRateSchedule"]


class LearningRateSchedule(Callback):
    """Set every parameter group's learning rate before each training batch.

    Parameters
    ----------
    name : str
        A key of :data:`sknn_hp.schedules.SCHEDULES`.
    lr0 : float
        ``learning_rate_init``.
    knobs : dict
        The schedule's knobs (see :func:`sknn_hp.schedules.learning_rate_at`).
    n_batches : int
        Training batches per epoch, to place each batch inside its epoch.

    Attributes
    ----------
    epochs_done : int
        Epochs finished before the current one; the estimator advances it.
    factor : float
        Multiplier lowered by performance scheduling (``'plateau'``, ``'adaptive'``).
    """

    def __init__(self, name, lr0, knobs, n_batches):
        self.name = name
        self.lr0 = lr0
        self.knobs = knobs
        self.n_batches = n_batches
        self.epochs_done = 0
        self.factor = 1.0
        self.batch_in_epoch = 0

    def current_lr(self):
        t = self.epochs_done + self.batch_in_epoch / max(self.n_batches, 1)
        return learning_rate_at(self.name, t, self.lr0, self.knobs) * self.factor

    def on_epoch_begin(self, net, **kwargs):
        self.batch_in_epoch = 0

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if not training:
            return
        lr = self.current_lr()
        for group in net.optimizer_.param_groups:
            group["lr"] = lr
        self.batch_in_epoch += 1


class GradientValueClipping(Callback):
    """Clamp every gradient entry to ``[-clip_value, clip_value]``.

    Parameters
    ----------
    clip_value : float
    """

    def __init__(self, clip_value):
        self.clip_value = clip_value

    def on_grad_computed(self, net, named_parameters, **kwargs):
        torch.nn.utils.clip_grad_value_([p for _, p in named_parameters], self.clip_value)


class EpochMonitor(Callback):
    """Record the epoch summary in ``net.history``.

    Keys written: ``train_loss`` (mean over samples, penalty included, as
    scikit-learn's ``loss_curve_``), ``lr``, ``dur`` and, with a validation
    set, ``valid_loss`` (no penalty) and ``valid_score`` (accuracy or R^2).

    Parameters
    ----------
    loss : str
        The training loss name, which also selects the score.
    valid_dataset : TabularDataset or None
        Held-out data scored once per epoch, in a single batched forward pass.
    """

    def __init__(self, loss, valid_dataset=None):
        self.loss = loss
        self.valid_dataset = valid_dataset

    def on_epoch_begin(self, net, **kwargs):
        self._start = time.perf_counter()

    def on_epoch_end(self, net, **kwargs):
        history = net.history  # train_loss: recorded by SkorchMLP.run_single_epoch
        history.record("lr", float(net.optimizer_.param_groups[0]["lr"]))
        ds = self.valid_dataset
        if ds is not None:
            output = net.forward(ds, training=False, device=ds.device)
            target = ds.targets()
            with torch.no_grad():
                history.record("valid_loss", float(net.criterion_(output, target)))
            history.record("valid_score", validation_score(self.loss, output, target))
        history.record("dur", time.perf_counter() - self._start)
