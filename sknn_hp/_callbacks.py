"""The skorch callbacks the estimators install, ahead of any of the user's.

Each one is small and sits on one skorch hook:

- :class:`LearningRateSchedule` (``on_batch_begin``) sets the rate of the
  schedule in :mod:`sknn_hp.schedules` before every training step;
- :class:`GradientValueClipping` (``on_grad_computed``) clamps each gradient
  entry (``clip_norm`` uses skorch's own ``GradientNormClipping``);
- :class:`EpochMonitor` (``on_epoch_end``) adds the learning rate, the
  duration and skorch's ``*_loss_best`` flags to the epoch's history row,
  before the user's callbacks read it;
- :class:`LayerDiagnostics` (``on_grad_computed``, ``on_epoch_end``) records
  per-layer gradient norms, weight norms, update ratios and dead units when
  ``diagnostics=True``.
"""

import time

import torch
from skorch.callbacks import Callback

from .schedules import learning_rate_at

__all__ = ["EpochMonitor", "GradientValueClipping", "LayerDiagnostics", "LearningRateSchedule"]


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
    """Complete the epoch's row of ``net.history`` before the user's callbacks read it.

    The net records ``train_loss`` (mean over samples, penalty included, as
    scikit-learn's ``loss_curve_``) and, with a validation set, ``valid_loss``
    (no penalty) and ``valid_score`` (accuracy or R^2). This callback adds
    ``lr`` (the rate of the epoch's last step), ``dur`` (seconds) and skorch's
    ``train_loss_best`` / ``valid_loss_best`` flags (what skorch's default
    callbacks record, and what ``Checkpoint`` monitors).
    """

    def on_train_begin(self, net, **kwargs):
        self._best = {}

    def on_epoch_begin(self, net, **kwargs):
        self._start = time.perf_counter()

    def on_epoch_end(self, net, **kwargs):
        row = list.__getitem__(net.history, -1)  # the epoch's dict (History's own indexing is slow)
        row["lr"] = float(net.optimizer_.param_groups[0]["lr"])
        for key in ("train_loss", "valid_loss"):
            if key in row:
                best = row[key] < self._best.get(key, float("inf"))
                if best:
                    self._best[key] = row[key]
                row[key + "_best"] = bool(best)
        row["dur"] = time.perf_counter() - self._start


class LayerDiagnostics(Callback):
    """Babysit the network: per-epoch, per-layer gradient and weight statistics.

    For each linear layer (``hidden_1 ... hidden_L``, ``output``) it records in
    the history, once per epoch:

    - ``grad_norm.<layer>``: mean over the epoch's batches of ||dJ/dW||_2;
    - ``weight_norm.<layer>``: ||W||_2 at the end of the epoch;
    - ``update_ratio.<layer>``: ||W_end - W_start|| / ||W_start|| over the epoch
      (a healthy rate is around 1e-3 per step, the notes' rule of thumb);
    - ``dead_units.<layer>`` (hidden layers): share of units whose activation
      is 0 for every sample of a probe batch of up to 1024 training rows (dead
      ReLUs).

    It listens to ``on_grad_computed``, so training takes skorch's general
    (slower) step while it is installed. Norms stay on the device until the
    epoch ends.
    """

    def __init__(self, probe_size=1024):
        self.probe_size = probe_size

    def _layers(self, net):
        module = net.module_
        names = [f"hidden_{i + 1}" for i in range(len(module.hidden))] + ["output"]
        return list(zip(names, module.main_linears()))

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        self._start = {name: layer.weight.detach().clone() for name, layer in self._layers(net)}
        self._grad_sum = {name: 0.0 for name in self._start}
        self._batches = 0
        self._probe = dataset_train

    def on_grad_computed(self, net, named_parameters, training=False, **kwargs):
        if not training:
            return
        for name, layer in self._layers(net):
            if layer.weight.grad is not None:
                self._grad_sum[name] = self._grad_sum[name] + torch.linalg.vector_norm(layer.weight.grad)
        self._batches += 1

    def on_epoch_end(self, net, **kwargs):
        history = net.history
        for name, layer in self._layers(net):
            w = layer.weight.detach()
            start = self._start[name]
            history.record(f"grad_norm.{name}", float(self._grad_sum[name]) / max(self._batches, 1))
            history.record(f"weight_norm.{name}", float(torch.linalg.vector_norm(w)))
            ratio = torch.linalg.vector_norm(w - start) / torch.linalg.vector_norm(start).clamp_min(1e-30)
            history.record(f"update_ratio.{name}", float(ratio))
        if self._probe is not None and len(self._probe):
            for name, share in self._dead_units(net).items():
                history.record(f"dead_units.{name}", share)

    def on_train_end(self, net, **kwargs):
        self._probe = self._start = self._grad_sum = None

    def _dead_units(self, net):
        module = net.module_
        X, _ = self._probe.batch(slice(0, self.probe_size))
        outputs, hooks = {}, []
        for i, block in enumerate(module.hidden):
            def hook(mod, inp, out, key=f"hidden_{i + 1}"):
                outputs[key] = out
            hooks.append(block.activation.register_forward_hook(hook))
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad():
                module(X)
        finally:
            module.train(was_training)
            for h in hooks:
                h.remove()
        return {k: float((v == 0).all(dim=0).to(torch.float32).mean()) for k, v in outputs.items()}
