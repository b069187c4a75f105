"""The skorch net the estimators build inside ``fit``.

It changes skorch's documented extension points only:

- no default callbacks (the estimators install their own, see
  :mod:`sknn_hp._callbacks`);
- ``get_loss`` hands the penalized weight matrices to the criterion during
  training, so the L1/L2 penalty joins the loss;
- ``train_step`` takes, when no callback listens to ``on_grad_computed`` and
  the optimizer needs no closure, the closed-form step of
  :mod:`sknn_hp._backprop` for the networks it covers, and otherwise a direct
  autograd path (zero grad, forward, backward, step), optionally under bf16
  autocast and through ``torch.compile``; the choice is made once an epoch;
- ``run_single_epoch`` sums the batch losses on the device and reads the
  total once per epoch, instead of synchronizing with ``.item()`` after every
  batch (which stalls a GPU). The epoch's mean loss is recorded as
  ``<prefix>_loss``; the validation pass also records ``valid_score`` (the
  estimator's score: accuracy or R^2), both from the whole validation set at
  once. Callbacks' ``on_batch_begin``/``on_batch_end`` are notified only
  when some callback implements those hooks; the per-batch records (the batch
  sizes, ``<prefix>_batch_size``) are always kept, written as the batches run
  when callbacks are notified and at the end of the pass otherwise (skorch's
  ``Checkpoint`` formats its file names with the epoch's last batch record);
- ``get_iterator`` hands the training iterator the fit's own shuffle
  generator;
- ``predict_proba`` and ``predict`` give what the estimator's output layer
  means (probabilities and class codes, or regression values) rather than raw
  network outputs, so that skorch's scoring callbacks (``EpochScoring``) work
  on the encoded targets the batches carry.
"""

from contextlib import nullcontext

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.utils import to_tensor

from ._backprop import closed_form_step
from ._data import TabularDataset
from .losses import validation_score

__all__ = ["FixedSplit", "SkorchMLP"]


class FixedSplit:
    """skorch's ``train_split``: the training data as given, and a fixed validation set (or None)."""

    def __init__(self, valid_dataset):
        self.valid_dataset = valid_dataset

    def __call__(self, dataset, y=None, **fit_params):
        return dataset, self.valid_dataset


class SkorchMLP(NeuralNet):
    """skorch ``NeuralNet`` with the loss penalty, no default callbacks and a lean step.

    Attributes set by the estimator after construction: ``autocast_dtype``
    (None or ``torch.bfloat16``), ``compile_module`` (bool), ``loss_name``
    (the training loss, which selects the validation score) and
    ``out_activation`` (``'softmax'``, ``'logistic'``, ``'identity'`` or
    ``'exp'``). During a fit, ``shuffle_generator`` is the fit's shuffle stream.
    """

    autocast_dtype = None
    compile_module = False
    loss_name = None
    out_activation = "identity"
    shuffle_generator = None

    def get_iterator(self, dataset, training=False):
        if not isinstance(dataset, TabularDataset):
            return super().get_iterator(dataset, training=training)
        # skorch's get_iterator gathers the iterator's parameters anew at every epoch; they are fixed
        cache = self.__dict__.setdefault("_iterator_kwargs", {})
        if training not in cache:
            kwargs = self.get_params_for("iterator_train" if training else "iterator_valid")
            kwargs.setdefault("batch_size", self.batch_size)
            cache[training] = (self.iterator_train if training else self.iterator_valid, kwargs)
        iterator, kwargs = cache[training]
        kwargs = dict(kwargs)
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = len(dataset)
        iterator = iterator(dataset, **kwargs)
        if training and hasattr(iterator, "generator"):
            iterator.generator = self.shuffle_generator
        return iterator

    # -------------------------------------------------- what skorch's scorers see
    @property
    def classes_(self):
        """The class codes of the encoded targets (classification), for scikit-learn's scorers."""
        if self.out_activation == "softmax":
            return np.arange(self.module_.output.out_features)
        if self.out_activation == "logistic" and self.module_.output.out_features == 1:
            return np.arange(2)
        raise AttributeError("classes_ exists for single-label classification only")

    def __sklearn_tags__(self):
        from sklearn.utils import Tags, TargetTags, ClassifierTags, RegressorTags

        classifier = self.out_activation in ("softmax", "logistic")
        return Tags(
            estimator_type="classifier" if classifier else "regressor",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags() if classifier else None,
            regressor_tags=None if classifier else RegressorTags(),
        )

    def _outputs(self, X):
        return torch.cat([out.detach() for out in self.forward_iter(X, training=False)])

    def predict_proba(self, X):
        """Probabilities (classification: softmax, or ``[1 - p, p]`` for one logistic output) or predictions."""
        out = self._outputs(X)
        if self.out_activation == "softmax":
            return torch.softmax(out, dim=1).cpu().numpy()
        if self.out_activation == "logistic":
            p = torch.sigmoid(out).cpu().numpy()
            return np.hstack([1 - p, p]) if p.shape[1] == 1 else p
        return (torch.exp(out) if self.out_activation == "exp" else out).cpu().numpy()

    def predict(self, X):
        """Class codes as the batches' targets hold them (indices, or 0/1 indicators), or regression values."""
        out = self._outputs(X)
        if self.out_activation == "softmax":
            return out.argmax(dim=1).cpu().numpy()
        if self.out_activation == "logistic":
            return (out > 0).to(torch.int64).cpu().numpy()
        return (torch.exp(out) if self.out_activation == "exp" else out).cpu().numpy()

    def get_default_callbacks(self):
        return []

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device)
        weights = self.module_.penalized_weights() if training else None
        return self.criterion_(y_pred, y_true, weights)

    def _overrides(self, hook):
        """Whether any callback implements ``hook`` (skorch's ``Callback`` leaves them empty)."""
        callbacks = self.callbacks_
        cache = self.__dict__.setdefault("_overrides_cache", {})
        key = (hook, id(callbacks), len(callbacks))  # the callbacks are fixed once the net is initialized
        if key not in cache:
            default = getattr(Callback, hook)
            cache[key] = any(getattr(type(cb), hook) is not default for _, cb in callbacks)
        return cache[key]

    def _choose_step(self, fit_params):
        """How this epoch's batches are trained: ``'general'``, ``'direct'`` or a closed-form step.

        The closed-form step is kept from one epoch to the next while the
        parameters that train stay the same (a ``Freezer`` may change them
        between epochs); everything else it depends on is fixed for the net.
        """
        if fit_params or isinstance(self.optimizer_, torch.optim.LBFGS) or self._overrides("on_grad_computed"):
            return "general"
        params = self.__dict__.get("_parameters_of")
        if params is None or params[0] is not self.module_:
            params = (self.module_, list(self.module_.parameters()))
            self.__dict__["_parameters_of"] = params
        key = (id(self.module_), id(self.optimizer_), tuple(p.requires_grad for p in params[1]))
        cached = self.__dict__.get("_closed_form")
        if cached is None or cached[0] != key:
            cached = (key, closed_form_step(self) or "direct")
            self.__dict__["_closed_form"] = cached
        return cached[1]

    def _training_forward(self):
        """The module's forward for training, compiled once on first use when asked."""
        if not self.compile_module:
            return self.module_
        compiled = self.__dict__.get("_compiled_module")
        if compiled is None:
            compiled = torch.compile(self.module_)
            self.__dict__["_compiled_module"] = compiled
        return compiled

    def _autocast(self):
        if self.autocast_dtype is None:
            return nullcontext()
        return torch.autocast(torch.device(self.device).type, dtype=self.autocast_dtype)

    def train_step(self, batch, **fit_params):
        step = self.__dict__.get("_step") or self._choose_step(fit_params)
        if step == "general":
            return super().train_step(batch, **fit_params)
        Xi, yi = batch
        if not isinstance(step, str):
            loss, y_pred = step(Xi, yi)
            return {"loss": loss, "y_pred": y_pred}
        if not self.module_.training:
            self._set_training(True)
        optimizer = self.optimizer_
        optimizer.zero_grad(set_to_none=True)
        with self._autocast():
            y_pred = self._training_forward()(Xi)
        loss = self.get_loss(y_pred.to(Xi.dtype), yi, X=Xi, training=True)
        loss.backward()
        optimizer.step()
        return {"loss": loss, "y_pred": y_pred}

    def evaluation_step(self, batch, training=False):
        with self._autocast():
            out = super().evaluation_step(batch, training=training)
        return out.to(batch[0].dtype) if isinstance(batch[0], torch.Tensor) else out

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if iterator is None:
            return
        if training:  # the step and the per-batch hooks are decided once an epoch
            if not (self.module_.training and self.criterion_.training):
                self._set_training(True)
            self.__dict__["_step"] = self._choose_step(fit_params)
        notify = self._overrides("on_batch_begin") or self._overrides("on_batch_end")
        total, n_samples, n_batches, outputs, sizes = 0.0, 0, 0, [], []
        try:
            for batch in iterator:
                if notify:
                    self.notify("on_batch_begin", batch=batch, training=training)
                step = step_fn(batch, **fit_params)
                size = len(batch[0])
                if training:
                    total = total + step["loss"].detach() * size
                    if not n_batches:  # the loss before the epoch's first update (divergence reference)
                        self.__dict__["first_batch_loss"] = step["loss"].detach()
                else:
                    outputs.append(step["y_pred"].detach())
                n_samples += size
                if notify:  # skorch's per-batch records, for the callbacks that read them
                    self.history.record_batch(prefix + "_batch_size", size)
                    self.notify("on_batch_end", batch=batch, training=training, **step)
                else:
                    sizes.append(size)
                n_batches += 1
        finally:
            self.__dict__.pop("_step", None)
        if sizes:  # the same per-batch records, written at once (no callback reads them during the pass)
            self.history[-1]["batches"].extend({prefix + "_batch_size": size} for size in sizes)
        self.history.record(prefix + "_batch_count", n_batches)
        if training:
            self.history.record(prefix + "_loss", float(total) / max(n_samples, 1))
            return
        # validation: loss (no penalty) and score over the whole set at once, sample weights included
        output, target = torch.cat(outputs), iterator.dataset.targets()
        with torch.no_grad():
            loss = float(self.criterion_(output, target)) if torch.isfinite(output).all() else np.nan
        self.history.record(prefix + "_loss", loss)
        self.history.record(prefix + "_score", validation_score(self.loss_name, output, target))

    def __getstate__(self):
        state = super().__getstate__()
        for transient in ("_compiled_module", "first_batch_loss", "shuffle_generator", "_closed_form",
                          "_overrides_cache", "_iterator_kwargs", "_parameters_of"):
            state.pop(transient, None)
        return state
