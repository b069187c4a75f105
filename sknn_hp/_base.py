"""What MLPClassifier and MLPRegressor share: validation, the training loop, prediction.

The estimator owns the epoch loop, exactly as scikit-learn's MLP does: it asks
the skorch net for one epoch at a time (``NeuralNet.fit_loop(epochs=1)``), then
applies scikit-learn's stopping rule (``tol``, ``n_iter_no_change``), early
stopping with best-weight restoration, performance scheduling and divergence
checks. skorch owns everything inside an epoch: batches, the training step,
the optimizer, callbacks and history. Stopping therefore never relies on
raising ``KeyboardInterrupt`` inside skorch.
"""

import copyreg
import os
import warnings
from collections import deque
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from skorch.callbacks import GradientNormClipping, ProgressBar
from sklearn.base import BaseEstimator, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._net import SkorchMLP
from ._version import __version__
from ._param_validation import HasMethods, Interval, Options, StrOptions
from .activations import ACTIVATIONS
from .callbacks import EpochMonitor, GradientValueClipping, LayerDiagnostics, LearningRateSchedule
from .data import BatchIterator, TabularDataset, as_tensor
from .exceptions import DivergenceWarning, GradientWarning
from .initializers import INITIALIZERS
from .losses import MLPLoss
from .module import MLPModule
from .optimizers import OPTIMIZERS, optimizer_kwargs
from .persistence import map_leaves, portable_state, rebuild_net, restore_tensors
from .schedules import SCHEDULES

# Prediction and validation run in large batches: no gradients are kept, so
# memory per batch is only the activations of one layer.
_EVAL_BATCH_SIZE = 8192

# Parameter groups exempt from AdamW's decoupled weight decay.
_NO_DECAY = [
    ("*bias", {"weight_decay": 0.0}),
    ("*norm*", {"weight_decay": 0.0}),
    ("*activation*", {"weight_decay": 0.0}),
]

# skorch's bookkeeping, left out of ``history_``.
_NOT_IN_HISTORY = ("batches", "epoch", "train_batch_count")

_SCHEDULE_KNOBS = (
    "lr_decay_rate",
    "lr_step_size",
    "lr_power",
    "lr_milestones",
    "lr_min",
    "lr_max",
    "lr_cycle_mult",
    "lr_warmup_fraction",
    "power_t",
    "max_iter",
)


def _make_rng(random_state):
    """A numpy RandomState; ``None`` draws fresh entropy without touching numpy's global RNG."""
    if random_state is None:
        return np.random.RandomState(np.random.default_rng().integers(2**32 - 1))
    return check_random_state(random_state)


def _resolve_device(device):
    """Turn the ``device`` argument into a torch device string, or raise a ValueError."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"The 'device' parameter must be 'auto', 'cpu', 'cuda' or 'cuda:N'. Got {device!r} instead."
        ) from None
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this machine; "
            "use device='auto' or 'cpu'."
        )
    return str(parsed)


@contextmanager
def _seeded_torch_rng(seed, device):
    """Run a block under torch's RNG seeded with ``seed``, restoring the global state after.

    Dropout draws from torch's global generator; forking it keeps ``fit``
    reproducible without changing the caller's RNG state.
    """
    devices = list(range(torch.cuda.device_count())) if device.startswith("cuda") else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


# The cuBLAS workspace settings torch accepts under deterministic algorithms.
_CUBLAS_DETERMINISTIC = (":4096:8", ":16:8")


@contextmanager
def _deterministic_torch(enabled, device):
    """Run a block with torch's deterministic algorithms (``deterministic=True``), restoring the flags after.

    Sets ``torch.use_deterministic_algorithms(True)``, ``cudnn.deterministic``
    and turns ``cudnn.benchmark`` off; the previous global values come back
    when the block ends, raise or not. On CUDA, cuBLAS also needs
    ``CUBLAS_WORKSPACE_CONFIG=:4096:8`` (or ``:16:8``) before CUDA starts: it
    is set here when CUDA has not been used yet in the process, and a
    RuntimeError says how to set it otherwise.
    """
    if not enabled:
        yield
        return
    cuda = str(device).startswith("cuda") or (device == "auto" and torch.cuda.is_available())
    if cuda and os.environ.get("CUBLAS_WORKSPACE_CONFIG") not in _CUBLAS_DETERMINISTIC:
        if torch.cuda.is_initialized():
            raise RuntimeError(
                "deterministic=True on a CUDA device needs the environment variable "
                "CUBLAS_WORKSPACE_CONFIG=:4096:8 (or :16:8) set before CUDA is first used in the process, "
                "and CUDA is already in use: restart with `export CUBLAS_WORKSPACE_CONFIG=:4096:8`, or set "
                "os.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:8' before any CUDA work."
            )
        os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
    cudnn = torch.backends.cudnn
    previous = (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
        cudnn.deterministic,
        cudnn.benchmark,
    )
    torch.use_deterministic_algorithms(True)
    cudnn.deterministic, cudnn.benchmark = True, False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous[0], warn_only=previous[1])
        cudnn.deterministic, cudnn.benchmark = previous[2], previous[3]


def _snapshot(module):
    """A CPU copy of the module's state (loads back onto any device; unpickles without CUDA)."""
    return {k: v.detach().to("cpu", copy=True) for k, v in module.state_dict().items()}


def _to_cpu(state):
    """An optimizer ``state_dict`` with every tensor copied to the CPU."""
    return map_leaves(state, torch.Tensor, lambda t: t.detach().to("cpu", copy=True))


class BaseMLP(BaseEstimator):
    """Base class of the estimators; not for direct use.

    Subclasses define ``__init__``, ``_validate_input``, ``_loss_name``,
    ``_out_activation``, ``_encode_target`` (and may extend ``_training_target``)
    and the prediction methods.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS)), list, tuple],
        "solver": [StrOptions(set(OPTIMIZERS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto", "full"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "weight_init": [StrOptions(set(INITIALIZERS) | {"auto"})],
        "init_scale": [Interval(Real, 0, None, closed="neither"), None],
        "leaky_relu_slope": [Interval(Real, 0, None, closed="left")],
        "elu_alpha": [Interval(Real, 0, None, closed="neither")],
        "dropout": [Interval(Real, 0, 1, closed="left"), list, tuple],
        "input_dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean", StrOptions({"before", "after"})],
        "input_batch_norm": ["boolean"],
        "residual": ["boolean"],
        "rho": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "lr_decay_rate": [Interval(Real, 0, 1, closed="right")],
        "lr_step_size": [Interval(Real, 0, None, closed="neither")],
        "lr_milestones": ["array-like", None],
        "lr_patience": [Interval(Integral, 0, None, closed="left")],
        "lr_min": [Interval(Real, 0, None, closed="left")],
        "lr_max": [Interval(Real, 0, None, closed="neither"), None],
        "lr_power": [Interval(Real, 0, None, closed="left")],
        "lr_cycle_mult": [Interval(Real, 1, None, closed="left")],
        "lr_warmup_fraction": [Interval(Real, 0, 1, closed="left")],
        "monitor": [StrOptions({"score", "loss"})],
        "restore_best_weights": ["boolean"],
        "clip_norm": [Interval(Real, 0, None, closed="neither"), None],
        "clip_value": [Interval(Real, 0, None, closed="neither"), None],
        "device": [str],
        "mixed_precision": ["boolean"],
        "diagnostics": ["boolean"],
        "init_from": [HasMethods(["predict"]), None],
        "freeze_layers": [Interval(Integral, 0, None, closed="left")],
        "compile": ["boolean"],
        "deterministic": ["boolean"],
        "callbacks": [list, None],
    }

    # ------------------------------------------------------------------ checks
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if any(not isinstance(s, Integral) or s <= 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return [int(s) for s in sizes]

    @staticmethod
    def _per_layer(name, value, n_hidden):
        if isinstance(value, (list, tuple)):
            if len(value) != n_hidden:
                raise ValueError(
                    f"{name} has {len(value)} entries but hidden_layer_sizes has {n_hidden} "
                    f"hidden layers: pass one value, or one per hidden layer."
                )
            return list(value)
        return [value] * n_hidden

    def _layer_options(self, n_hidden):
        activations = self._per_layer("activation", self.activation, n_hidden)
        for act in activations:
            if act not in ACTIVATIONS:
                raise ValueError(
                    f"The 'activation' parameter entries must be among {sorted(ACTIVATIONS)}. Got {act!r}."
                )
        dropouts = self._per_layer("dropout", self.dropout, n_hidden)
        for p in dropouts:
            if not isinstance(p, Real) or not 0 <= p < 1:
                raise ValueError(f"The 'dropout' parameter entries must be floats in [0, 1). Got {p!r}.")
        batch_norm = {True: "before", False: None}.get(self.batch_norm, self.batch_norm)
        if self.lr_milestones is not None:
            if any(not isinstance(m, Real) or m < 0 for m in self.lr_milestones):
                raise ValueError(
                    f"The 'lr_milestones' parameter must list epochs >= 0. Got {self.lr_milestones!r}."
                )
        return activations, [float(p) for p in dropouts], batch_norm

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size == "full":
            return n_samples
        if self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is going to be clipped"
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _check_weights(self, sample_weight, X):
        if sample_weight is None:
            return None
        return _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)

    # -------------------------------------------------------------------- fit
    def _fit(self, X, y, sample_weight=None, incremental=False):
        """Fit, or leave the estimator exactly as it was if anything raises."""
        before = dict(self.__dict__)
        try:
            with _deterministic_torch(self.deterministic is True or self.deterministic is np.True_, self.device):
                return self._fit_unsafe(X, y, sample_weight, incremental)
        except torch.OutOfMemoryError as exc:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise MemoryError(
                f"The device ran out of memory while fitting {type(self).__name__}: try a smaller "
                f"batch_size (now {self.batch_size!r}) or a narrower network, or device='cpu'. ({exc})"
            ) from exc
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _fit_unsafe(self, X, y, sample_weight, incremental):
        self._validate_params()
        hidden = self._hidden_sizes()
        _, _, batch_norm = self._layer_options(len(hidden))  # validates the per-layer options
        device = _resolve_device(self.device)
        solver = OPTIMIZERS[self.solver]
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")

        first_pass = (
            not hasattr(self, "net_")
            or (not self.warm_start and not incremental)
            or solver.stochastic != hasattr(self, "loss_curve_")
        )
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        target, sample_weight = self._training_target(y, self._check_weights(sample_weight, X), incremental)
        n_outputs = target.shape[1] if target.ndim == 2 else len(self.classes_)

        if first_pass:
            self._random_state = _make_rng(self.random_state)
            dtype = torch.float64 if X.dtype == np.float64 else torch.float32
        else:
            dtype = next(self.net_.module_.parameters()).dtype
            if n_outputs != self.n_outputs_:
                raise ValueError(
                    f"y has {n_outputs} outputs but the fitted network has {self.n_outputs_}; "
                    "set warm_start=False to fit a new network."
                )
        seed = int(self._random_state.randint(np.iinfo(np.int32).max))

        with _seeded_torch_rng(seed, device):
            if first_pass:
                module = self._new_module(X.shape[1], n_outputs, dtype, device).init_weights(
                    self.weight_init, self.init_scale
                )
                self._initialize_state(n_outputs, len(hidden), solver.stochastic)
                self.transferred_layers_ = self._transfer_into(module) if self.init_from is not None else 0
            else:
                module = self.net_.module_.to(device)
                if not incremental and solver.stochastic:  # a warm-started fit starts a new optimizer and schedule
                    self._lr_factor, self._plateau_best, self._plateau_wait = 1.0, np.inf, 0
                    self._schedule_start = len(self.loss_curve_)

            if self.freeze_layers > len(hidden):
                raise ValueError(
                    f"freeze_layers={self.freeze_layers} but the network has only {len(hidden)} hidden layers."
                )
            module.freeze(self.freeze_layers)
            data = self._dataset(X, target, sample_weight, dtype=dtype, device=device)
            if solver.stochastic and self.early_stopping:
                train_rows, valid_rows = self._split(target)
                train_ds, valid_ds = data.subset(train_rows), data.subset(valid_rows)
            else:
                train_ds, valid_ds = data, None
            n_train = len(train_ds)
            batch_size = self._batch_size(n_train) if solver.stochastic else n_train
            if (batch_norm or self.input_batch_norm) and batch_size < 2:
                raise ValueError(
                    "batch_norm and input_batch_norm need mini-batches of at least 2 samples; got "
                    f"batch_size={batch_size} ({n_train} training samples)."
                )
            net, schedule = self._build_net(module, n_train, batch_size, valid_ds, device)
            if incremental and not first_pass and hasattr(self, "_optimizer_state"):
                net.optimizer_.load_state_dict(self._optimizer_state)

            net.notify("on_train_begin", X=train_ds, y=None)
            try:
                if solver.stochastic:
                    self._fit_stochastic(net, schedule, train_ds, incremental, valid_ds is not None)
                else:
                    self._fit_lbfgs(net, train_ds)
            finally:
                net.notify("on_train_end", X=train_ds, y=None)

        self.net_ = net
        self._optimizer_state = _to_cpu(net.optimizer_.state_dict()) if solver.stochastic else None
        self._sync_attributes(hidden)
        return self

    def _new_module(self, n_features, n_outputs, dtype, device):
        """The (untrained) torch network the parameters describe; ``fit`` and skops loading build it."""
        hidden = self._hidden_sizes()
        activations, dropouts, batch_norm = self._layer_options(len(hidden))
        return MLPModule(
            n_features,
            hidden,
            n_outputs,
            activations,
            dropouts,
            input_dropout=self.input_dropout,
            batch_norm=batch_norm,
            input_batch_norm=self.input_batch_norm,
            residual=self.residual,
            activation_options={"leaky_relu_slope": self.leaky_relu_slope, "elu_alpha": self.elu_alpha},
            dtype=dtype,
            device=device,
        )

    def _transfer_into(self, module):
        """Start ``module`` from the leading hidden layers of the fitted ``init_from``."""
        source = getattr(self.init_from, "estimator", self.init_from)  # unwrap FrozenEstimator
        net = getattr(source, "net_", None)
        if not isinstance(source, BaseMLP) or net is None:
            raise ValueError(
                "init_from must be a fitted sknn_hp MLPClassifier or MLPRegressor (optionally wrapped in "
                f"sklearn.frozen.FrozenEstimator); got {type(source).__name__}."
            )
        copied = module.load_leading_blocks(net.module_)
        if copied == 0:
            raise ValueError(
                "init_from shares no leading hidden layer with this network: the first hidden layer must "
                "have the same input width, width and layer options."
            )
        return copied

    def _training_target(self, y, sample_weight, incremental=False):
        """The loss target and effective sample weights for a validated ``y``, as ``fit`` builds them.

        Returns ``(target, sample_weight)``: class indices (multiclass) or a float
        matrix, and the weights after class weights, None when every weight is 1.
        ``check_gradients`` and ``find_learning_rate`` rebuild the training loss with it.
        """
        target = self._encode_target(y)
        if sample_weight is not None and np.all(sample_weight == 1):
            sample_weight = None
        return target, sample_weight

    def _initialize_state(self, n_outputs, n_hidden, stochastic):
        self.n_outputs_ = n_outputs
        self.n_layers_ = n_hidden + 2
        self.out_activation_ = self._out_activation()
        self.n_iter_ = 0
        self.t_ = 0
        self.history_ = []
        self._optimizer_state = None
        if stochastic:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            self._best_state = None
            self._best_valid_loss = np.inf
            self._plateau_best = np.inf
            self._plateau_wait = 0
            self._lr_factor = 1.0
            self._schedule_start = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None
        else:
            for name in ("loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_"):
                self.__dict__.pop(name, None)

    def _split(self, target):
        """Train and validation row indices (the data itself is never copied)."""
        # Stratify single-label classification (binary and multiclass), not multilabel.
        single_label = target.ndim == 1 or target.shape[1] == 1
        stratify = target if is_classifier(self) and single_label else None
        n_classes = len(np.unique(target)) if stratify is not None else 1
        if int(np.ceil(self.validation_fraction * len(target))) < max(2, n_classes):
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' or the size of your dataset "
                f"(it needs at least max(2, n_classes={n_classes}) samples)."
            )
        train, valid = train_test_split(
            np.arange(len(target)),
            random_state=self._random_state,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        if len(valid) < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' or the size of your dataset."
            )
        return train, valid

    def _dataset(self, X, target=None, sample_weight=None, dtype=torch.float32, device="cpu"):
        if not sp.issparse(X):
            X = as_tensor(X, dtype, device)
        if target is not None:
            target_dtype = torch.int64 if target.ndim == 1 else dtype
            target = as_tensor(target, target_dtype, device)
        if sample_weight is not None:
            sample_weight = as_tensor(sample_weight, dtype, device)
        return TabularDataset(X, target, sample_weight, dtype=dtype, device=device)

    def _build_net(self, module, n_train, batch_size, valid_ds, device):
        spec = OPTIMIZERS[self.solver]
        params = self.get_params(deep=False)
        callbacks, schedule = [], None
        if spec.stochastic:
            knobs = {k: params[k] for k in _SCHEDULE_KNOBS}
            knobs["n"] = n_train
            n_batches = len(BatchIterator(range(n_train), batch_size, merge_singleton=True))
            schedule = LearningRateSchedule(self.learning_rate, self.learning_rate_init, knobs, n_batches)
            schedule.factor = self._lr_factor
            if self.learning_rate != "constant":  # a constant rate needs no per-batch callback
                callbacks.append(("lr_schedule", schedule))
        callbacks.append(("epoch_monitor", EpochMonitor(self._loss_name(), valid_ds)))
        if self.clip_norm is not None:
            callbacks.append(("clip_norm", GradientNormClipping(self.clip_norm)))
        if self.clip_value is not None:
            callbacks.append(("clip_value", GradientValueClipping(self.clip_value)))
        if self.diagnostics:
            callbacks.append(("layer_diagnostics", LayerDiagnostics()))
        if self.verbose and self.verbose >= 2:
            callbacks.append(("progress_bar", ProgressBar()))
        callbacks += list(self.callbacks or [])

        optimizer_params = {
            f"optimizer__{k}": v for k, v in optimizer_kwargs(self.solver, params, device).items()
        }
        if self.solver == "adamw":
            optimizer_params["optimizer__param_groups"] = _NO_DECAY
        criterion = MLPLoss(
            self._loss_name(),
            alpha=self.alpha,
            l1_ratio=self.l1_ratio,
            label_smoothing=getattr(self, "label_smoothing", 0.0),
            huber_delta=getattr(self, "huber_delta", 1.0),
        )
        net = SkorchMLP(
            module=module,
            criterion=criterion,
            optimizer=spec.optimizer,
            lr=self.learning_rate_init if spec.stochastic else 1.0,
            max_epochs=1,
            batch_size=batch_size,
            iterator_train=BatchIterator,
            iterator_train__shuffle=bool(self.shuffle and spec.stochastic),
            iterator_train__merge_singleton=True,
            iterator_valid=BatchIterator,
            iterator_valid__batch_size=max(batch_size, _EVAL_BATCH_SIZE),
            train_split=None,
            callbacks=callbacks,
            device=device,
            verbose=0,
            **optimizer_params,
        )
        net.autocast_dtype = torch.bfloat16 if self.mixed_precision else None
        net.compile_module = self.compile
        return net.initialize(), schedule

    def _fit_stochastic(self, net, schedule, train_ds, incremental, validating):
        n_train = len(train_ds)
        max_epochs = 1 if incremental else self.max_iter
        # Weights to fall back on if the loss diverges: the start of training and
        # the ends of the last two finite epochs (the last one may already be broken).
        fallbacks = deque([_snapshot(net.module_)] * 2, maxlen=2)
        initial = fallbacks[0]
        self.n_iter_ = 0
        try:
            for _ in range(max_epochs):
                schedule.epochs_done = len(self.loss_curve_) - self._schedule_start
                net.fit_loop(train_ds, epochs=1)
                row = net.history[-1]
                if not np.isfinite(row["train_loss"]) or (validating and not np.isfinite(row["valid_loss"])):
                    self._restore_finite(net, train_ds, [fallbacks[1], fallbacks[0], initial])
                    warnings.warn(
                        f"The training loss became {row['train_loss']} at epoch {len(self.loss_curve_) + 1}: "
                        "training stopped and the last weights giving finite outputs were restored. "
                        "Lower learning_rate_init, standardize the inputs (StandardScaler or "
                        "input_batch_norm=True), or clip gradients (clip_norm).",
                        DivergenceWarning,
                    )
                    break
                self.n_iter_ += 1
                self.t_ += n_train
                self.loss_ = row["train_loss"]
                self.loss_curve_.append(self.loss_)
                self.history_.append(
                    {"epoch": len(self.loss_curve_), **{k: v for k, v in row.items() if k not in _NOT_IN_HISTORY}}
                )
                if self.verbose:
                    print(self._epoch_line(row))
                self._update_no_improvement_count(row, net)
                self._update_plateau(row, schedule, validating)
                if self._no_improvement_count > self.n_iter_no_change:
                    what = "Validation " + self.monitor if validating else "Training loss"
                    msg = "%s did not improve more than tol=%f for %d consecutive epochs." % (
                        what,
                        self.tol,
                        self.n_iter_no_change,
                    )
                    if self.learning_rate == "adaptive" and schedule.current_lr() > 1e-6:
                        schedule.factor /= 5.0
                        self._no_improvement_count = 0
                        if self.verbose:
                            print(msg + " Setting learning rate to %f" % schedule.current_lr())
                    else:
                        if self.verbose:
                            print(msg + " Stopping.")
                        break
                if incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn(
                        "Stochastic Optimizer: Maximum iterations (%d) reached and the optimization "
                        "hasn't converged yet." % self.max_iter,
                        ConvergenceWarning,
                    )
                fallbacks.append(_snapshot(net.module_))
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.")
        self._lr_factor = schedule.factor
        if self.diagnostics:
            self._warn_unstable_gradients(self.history_[-self.n_iter_:] if self.n_iter_ else [])
        if validating and self.restore_best_weights and self._best_state is not None:
            net.module_.load_state_dict(self._best_state)

    def _warn_unstable_gradients(self, records):
        """GradientWarning when the first layer's gradient vanishes or explodes against the output's."""
        for record in (records[:1] + records[-1:]) if records else []:
            first, last = record.get("grad_norm.hidden_1"), record.get("grad_norm.output")
            if first is None or last is None:
                return
            ratio = first / max(last, 1e-30)
            if ratio < 1e-3 or first < 1e-8:
                kind, advice = "vanishing", "use ReLU-family activations with He init, batch_norm or residual"
            elif ratio > 1e3 or not np.isfinite(first):
                kind, advice = "exploding", "lower learning_rate_init, clip gradients (clip_norm) or use batch_norm"
            else:
                continue
            warnings.warn(
                f"Gradients are {kind} at epoch {record['epoch']}: the first hidden layer's gradient norm is "
                f"{first:.3g} against {last:.3g} at the output layer (ratio {ratio:.2g}). Consider: {advice}.",
                GradientWarning,
            )
            return

    def _epoch_line(self, row):
        """One progress line: scikit-learn's ``Iteration N, loss = ...`` and our extra fields."""
        line = "Iteration %d, loss = %.8f" % (len(self.loss_curve_), self.loss_)
        if "valid_loss" in row:
            line += ", valid_loss = %.6f, valid_score = %.6f" % (row["valid_loss"], row["valid_score"])
        return line + ", lr = %.3g, time = %.2fs" % (row["lr"], row["dur"])

    @staticmethod
    def _restore_finite(net, dataset, candidates):
        """Load the first candidate state whose outputs on ``dataset`` are all finite."""
        for state in candidates:
            net.module_.load_state_dict(state)
            if torch.isfinite(net.forward(dataset, training=False)).all():
                return
        raise ValueError(
            "Solver produced non-finite parameter weights and even the initial weights give "
            "non-finite outputs. The input data may contain large values and need to be "
            "preprocessed (StandardScaler)."
        )

    def _update_no_improvement_count(self, row, net):
        tol = self.tol
        if self.validation_scores_ is not None and "valid_score" in row:
            score = row["valid_score"]
            self.validation_scores_.append(score)
            if self.monitor == "score":
                improved, better = score < self.best_validation_score_ + tol, score > self.best_validation_score_
                self._no_improvement_count = self._no_improvement_count + 1 if improved else 0
            else:
                loss = row["valid_loss"]
                stalled = loss > self._best_valid_loss - tol
                self._no_improvement_count = self._no_improvement_count + 1 if stalled else 0
                better = loss < self._best_valid_loss
                if better:
                    self._best_valid_loss = loss
            if better:
                self.best_validation_score_ = score
                self._best_state = _snapshot(net.module_)
        else:
            if self.loss_curve_[-1] > self.best_loss_ - tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_curve_[-1] < self.best_loss_:
                self.best_loss_ = self.loss_curve_[-1]

    def _update_plateau(self, row, schedule, validating):
        """Performance scheduling: lower the rate when the monitored loss stalls."""
        if self.learning_rate != "plateau":
            return
        value = row["valid_loss"] if validating else row["train_loss"]
        # the stopping rule's test: an epoch counts as stalled unless it beats the best by tol
        stalled = value > self._plateau_best - self.tol
        self._plateau_best = min(self._plateau_best, value)
        if not stalled:
            self._plateau_wait = 0
            return
        self._plateau_wait += 1
        if self._plateau_wait > self.lr_patience:
            floor = self.lr_min / self.learning_rate_init
            schedule.factor = max(schedule.factor * self.lr_decay_rate, floor)
            self._plateau_wait = 0
            self._no_improvement_count = 0  # a new rate gets a fresh patience, as 'adaptive' does
            if self.verbose:
                print("Plateau: learning rate set to %g" % schedule.current_lr())

    def _fit_lbfgs(self, net, train_ds):
        last_good = _snapshot(net.module_)
        net.fit_loop(train_ds, epochs=1)
        optimizer = net.optimizer_
        state = optimizer.state[optimizer.param_groups[0]["params"][0]]
        if not all(torch.isfinite(p).all() for p in net.module_.parameters()):
            net.module_.load_state_dict(last_good)
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may contain large "
                "values and need to be preprocessed (StandardScaler)."
            )
        self.n_iter_ = int(state.get("n_iter", 0))
        with torch.no_grad():
            net.module_.eval()
            X, target = train_ds.batch(slice(None))
            self.loss_ = float(net.criterion_(net.module_(X), target, net.module_.penalized_weights()))
        self.history_.append({"epoch": 1, "train_loss": self.loss_, **{"dur": net.history[-1]["dur"]}})
        if self.n_iter_ >= self.max_iter or state.get("func_evals", 0) >= self.max_fun:
            warnings.warn(
                f"lbfgs failed to converge after {self.n_iter_} iteration(s) "
                f"(max_iter={self.max_iter}, max_fun={self.max_fun}). "
                "Increase the number of iterations to improve the convergence.",
                ConvergenceWarning,
            )

    def _sync_attributes(self, hidden):
        linears = self.net_.module_.main_linears()
        self.coefs_ = [layer.weight.detach().cpu().numpy().T.copy() for layer in linears]
        self.intercepts_ = [layer.bias.detach().cpu().numpy().copy() for layer in linears]
        self.n_layers_ = len(hidden) + 2

    # ---------------------------------------------------------------- predict
    def _raw_output(self, X):
        """Network outputs (before the output activation) as a numpy array."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32), reset=False)
        module = self.net_.module_
        dtype = next(module.parameters()).dtype
        ds = self._dataset(X, dtype=dtype, device=str(self.net_.device))
        return self.net_.forward(ds, training=False).numpy()

    def summary(self):
        """A Keras-style table of the fitted network: layers, output widths, parameters.

        Returns
        -------
        summary : sknn_hp.inspection.ModelSummary
            Printable; ``.to_frame()`` gives a DataFrame, ``.total_params`` and
            ``.trainable_params`` the totals.
        """
        from .inspection import summary

        return summary(self)

    def trim_for_prediction(self):
        """Drop the optimizer state and training snapshots to make the fitted model smaller.

        Predictions are unchanged. A later ``warm_start`` fit or ``partial_fit``
        starts a fresh optimizer (Adam's moment estimates are gone).

        Returns
        -------
        self : estimator
        """
        check_is_fitted(self)
        self.net_.optimizer_.state.clear()
        self._optimizer_state = None
        self._best_state = None
        return self

    def _complete_state(self):
        state = dict(super().__getstate__())  # object.__getstate__ returns the live __dict__ itself
        state["_sknn_hp_version"] = __version__
        return state

    def __reduce_ex__(self, protocol):
        # pickle, joblib and copy: the complete state, the live skorch net and torch tensors included
        # (warm starts keep the optimizer). The same tuple object.__reduce_ex__ builds for protocol >= 2.
        return copyreg.__newobj__, (type(self),), self._complete_state(), None, None

    def __getstate__(self):
        # The portable state, numpy arrays in place of torch objects: what skops.io saves
        # (pickle goes through __reduce_ex__ above). See sknn_hp/persistence.py.
        return portable_state(self._complete_state())

    def __setstate__(self, state):
        saved = state.pop("_sknn_hp_version", None)
        if saved != __version__:
            warnings.warn(
                f"This {type(self).__name__} was saved with sknn_hp {saved or 'unknown'} and is loaded with "
                f"sknn_hp {__version__}: results may differ; refit it with this version to be safe.",
                UserWarning,
            )
        super().__setstate__(restore_tensors(state))
        net = self.__dict__.get("net_")
        if isinstance(net, dict):  # the portable form (a skops file)
            self.net_ = rebuild_net(self, net)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
