"""What MLPClassifier and MLPRegressor share: the estimator contract.

Parameter validation, input and target handling, building the network and
the skorch net, committing a fit, prediction and persistence. The epoch loop
and its state live in :mod:`sknn_hp._trainer`; the device, the fit's random
generators and determinism flags in :mod:`sknn_hp._runtime`.
"""

import copy
import copyreg
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from skorch.callbacks import GradientNormClipping, LoadInitState, LRScheduler, ProgressBar
from sklearn.base import BaseEstimator, is_classifier
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_array, check_is_fitted, check_X_y, validate_data

from ._categorical import TabularEncoder, categorical_mask
from ._net import FixedSplit, SkorchMLP
from ._param_validation import HasMethods, Interval, Options, StrOptions
from ._runtime import FitRandomness, deterministic_torch, global_rng_untouched, resolve_device, to_cpu
from ._trainer import Trainer, TrainingState
from ._version import __version__
from .activations import ACTIVATIONS
from ._callbacks import EpochMonitor, GradientValueClipping, LayerDiagnostics, LearningRateSchedule
from ._data import BatchIterator, TabularDataset, as_tensor
from .exceptions import GradientWarning
from .initializers import INITIALIZERS
from .losses import MLPLoss
from .module import MLPModule
from .optimizers import OPTIMIZERS, optimizer_kwargs
from .persistence import portable_state, rebuild_net, restore_tensors
from .schedules import SCHEDULES, effective_schedule

# Prediction and validation run in large batches: no gradients are kept, so
# memory per batch is only the activations of one layer.
_EVAL_BATCH_SIZE = 8192

# Parameter groups exempt from AdamW's decoupled weight decay.
_NO_DECAY = [
    ("*bias", {"weight_decay": 0.0}),
    ("*norm*", {"weight_decay": 0.0}),
    ("*activation*", {"weight_decay": 0.0}),
]

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


class _ParamView:
    """``est.get_params(deep=False)[name]`` as ``view[name]``, read on demand."""

    def __init__(self, est):
        self.est = est

    def __getitem__(self, name):
        return getattr(self.est, name)


def _callback(entry):
    """The callback object of a ``callbacks`` entry (an object, or a ``(name, object)`` pair as skorch takes)."""
    return entry[1] if isinstance(entry, tuple) and len(entry) == 2 else entry


#: The most elements a sparse input is densified to for the tabular encoder (``categorical_features``,
#: ``numeric_scaling``): 2**26 (512 MiB in float64). A one-hot block from a ``ColumnTransformer``
#: fits; a large TF-IDF matrix does not, and is better read without the encoder.
DENSE_LIMIT = 2**26


def _densify(X):
    """A sparse input as the dense array the tabular encoder reads, or an error naming what to set."""
    n, d = X.shape
    if n * d > DENSE_LIMIT:
        raise ValueError(
            f"categorical_features and numeric_scaling read dense input: this sparse matrix of shape {X.shape} "
            f"would take {n * d * 8 / 2**30:.1f} GiB as a dense float64 array (the limit is "
            f"{DENSE_LIMIT * 8 / 2**30:.1f} GiB). Set both to None for large sparse input (e.g. TF-IDF), which "
            "the network then reads batch by batch."
        )
    return X.toarray()


class BaseMLP(BaseEstimator):
    """Base class of the estimators; not for direct use.

    Subclasses define ``__init__``, ``_validate_input``, ``_loss_name``,
    ``_out_activation``, ``_encode_target`` (and may extend ``_training_weights``)
    and the prediction methods.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS)), list, tuple],
        "solver": [StrOptions(set(OPTIMIZERS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto", "full", "scaled"}), Interval(Integral, 1, None, closed="left")],
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
        "dtype": [StrOptions({"float32", "float64"}), None],
        "mixed_precision": ["boolean"],
        "diagnostics": ["boolean"],
        "init_from": [HasMethods(["predict"]), None],
        "freeze_layers": [Interval(Integral, 0, None, closed="left")],
        "compile": ["boolean"],
        "deterministic": ["boolean"],
        "callbacks": [list, None],
        "categorical_features": ["array-like", StrOptions({"from_dtype"}), None],
        "max_onehot_categories": [Interval(Integral, 0, None, closed="left")],
        "categorical_embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "numeric_embedding": [StrOptions({"periodic"}), None],
        "numeric_embedding_frequencies": [Interval(Integral, 1, None, closed="left")],
        "numeric_embedding_sigma": [Interval(Real, 0, None, closed="neither")],
        "numeric_embedding_width": [Interval(Integral, 1, None, closed="left")],
        "numeric_scaling": [StrOptions({"robust"}), None],
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
        if self.batch_size == "scaled":  # grows with n: fewer, larger steps on large tables
            return min(n_samples, int(np.clip(n_samples // 64, 200, 1024)))
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
        """Fit, or leave the estimator exactly as it was if anything raises.

        Training runs on a copy of the network and of the training state
        (:mod:`sknn_hp._trainer`); the estimator adopts them only at the end,
        so restoring the attribute dictionary undoes everything else.
        """
        before = dict(self.__dict__)
        try:
            with deterministic_torch(self.deterministic is True or self.deterministic is np.True_, self.device):
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
        device = resolve_device(self.device)
        solver = OPTIMIZERS[self.solver]
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        schedule_name = self._check_schedule_callbacks()

        first_pass = (
            not hasattr(self, "net_")
            or (not self.warm_start and not incremental)
            or solver.stochastic != hasattr(self, "loss_curve_")
        )
        X, y = self._validate_input(X, y, incremental, reset=first_pass, sample_weight=sample_weight)
        target, sample_weight = self._training_target(y, self._check_weights(sample_weight, X), incremental)
        n_outputs = target.shape[1] if target.ndim == 2 else len(self.classes_)

        if first_pass:
            random_state = check_random_state(self.random_state)  # None: numpy's global RNG, as scikit-learn
            dtype = self._compute_dtype(X.dtype)
        else:
            random_state = self._random_state
            if random_state is not np.random.mtrand._rand:  # draws on a copy, adopted on success
                random_state = copy.deepcopy(random_state)
            dtype = next(self.net_.module_.parameters()).dtype
            if n_outputs != self.n_outputs_:
                raise ValueError(
                    f"y has {n_outputs} outputs but the fitted network has {self.n_outputs_}; "
                    "set warm_start=False to fit a new network."
                )
        randomness = FitRandomness.draw(random_state, device)

        if first_pass:
            module = self._initial_module(X.shape[1], n_outputs, dtype, device, randomness.init)
            state = TrainingState.fresh(solver.stochastic, self.early_stopping)
            transferred = self._transfer_into(module) if self.init_from is not None else 0
        else:
            module = self._continued_module(X.shape[1], n_outputs, dtype, device)
            state = TrainingState.of(self)
            transferred = getattr(self, "transferred_layers_", 0)
            if not incremental and solver.stochastic:  # a warm-started fit starts a new optimizer and schedule
                state.restart_schedule()

        if self.freeze_layers > len(hidden):
            raise ValueError(
                f"freeze_layers={self.freeze_layers} but the network has only {len(hidden)} hidden layers."
            )
        module.freeze(self.freeze_layers)
        module.set_generator(randomness.dropout)
        data = self._dataset(X, target, sample_weight, dtype=dtype, device=device)
        if solver.stochastic and self.early_stopping:
            train_rows, valid_rows = self._split(target, random_state)
            train_ds, valid_ds = data.subset(train_rows), data.subset(valid_rows)
        else:
            train_ds, valid_ds = data, None
        n_train = len(train_ds)
        batch_size = self._batch_size(n_train) if solver.stochastic else n_train
        if (batch_norm or self.input_batch_norm) and batch_size < 2:
            options = (("batch_norm", batch_norm), ("input_batch_norm", self.input_batch_norm))
            norms = [name for name, on in options if on]
            norms = " and ".join(norms) + (" need" if len(norms) > 1 else " needs")
            if n_train < 2:  # scikit-learn's wording for too few samples (check_fit2d_1sample)
                raise ValueError(
                    f"{norms} at least 2 training samples (batch statistics of one sample are undefined); "
                    f"got n_samples={n_train}."
                )
            raise ValueError(f"{norms} mini-batches of at least 2 samples; got batch_size={batch_size}.")
        net, schedule = self._build_net(module, n_train, batch_size, valid_ds, device, state.lr_factor)
        net.shuffle_generator = randomness.shuffle
        if incremental and state.optimizer_state is not None:
            net.optimizer_.load_state_dict(copy.deepcopy(state.optimizer_state))
        if not first_pass:  # skorch's LoadInitState loads once per network: a continued fit continues
            for _, cb in net.callbacks_:
                if isinstance(cb, LoadInitState):
                    cb.did_load_ = True

        trainer = Trainer(self, net, schedule, train_ds, state, valid_ds is not None, schedule_name)
        net.notify("on_train_begin", X=train_ds, y=None)
        try:
            if solver.stochastic:
                trainer.run_stochastic(incremental)
                loss = state.last_loss()
                state.optimizer_state = to_cpu(net.optimizer_.state_dict())
            else:
                loss = trainer.run_lbfgs()
                state.optimizer_state = None
        finally:
            net.notify("on_train_end", X=train_ds, y=None)
            module.set_generator(None)
            net.shuffle_generator = None
            net.train_split = None  # the fitted model must not carry (and pickle) its validation data
        if self.diagnostics and solver.stochastic:
            self._warn_unstable_gradients(state.history[-state.n_iter:] if state.n_iter else [])

        # Success: adopt the trained network and state.
        return self._commit_fit(net, state, loss, n_outputs, random_state, transferred)

    def _commit_fit(self, net, state, loss, n_outputs, random_state, transferred=0):
        """Adopt a finished fit: its network, its training state and every fitted attribute they give.

        The one place where a fit's results become the estimator's attributes:
        ``fit`` and ``partial_fit`` end here, and so does each member of the
        batched search (:mod:`sknn_hp.model_selection`), whose estimator a
        scorer then reads as it reads a standalone fit's. The attributes that
        depend on the data only (``classes_``, ``n_features_in_``...) are set
        by input validation.

        Parameters
        ----------
        net : sknn_hp._net.SkorchMLP
            The initialized net around the trained module.
        state : sknn_hp._trainer.TrainingState
            The training state (``n_iter_``, ``t_``, ``loss_curve_``...).
        loss : float
            The final training loss (``loss_``).
        n_outputs : int
        random_state : numpy.random.RandomState
            The fit's generator, after its draws (a warm start continues it).
        transferred : int, default=0
            Hidden layers copied from ``init_from``.

        Returns
        -------
        self : estimator
        """
        self._random_state = random_state
        self.net_ = net
        self.loss_ = loss
        self.n_outputs_ = n_outputs
        self.out_activation_ = self._out_activation()
        self.transferred_layers_ = transferred
        state.commit(self)
        self._sync_attributes(self._hidden_sizes())  # coefs_, intercepts_, n_layers_
        return self

    def _check_schedule_callbacks(self):
        """The schedule the fit follows; a ValueError when a skorch ``LRScheduler`` would fight it."""
        name = effective_schedule(self.learning_rate, self.solver)
        schedulers = [cb for cb in (self.callbacks or []) if isinstance(_callback(cb), LRScheduler)]
        if schedulers and name != "constant":
            raise ValueError(
                f"callbacks holds a skorch LRScheduler, which sets the learning rate itself, and "
                f"learning_rate={self.learning_rate!r} sets it too: use learning_rate='constant' with an "
                "LRScheduler, or drop the LRScheduler and use a built-in schedule."
            )
        return name

    def _compute_dtype(self, input_dtype):
        """The network's torch dtype for an input of numpy dtype ``input_dtype`` (see ``dtype``)."""
        if self.dtype is not None:
            return getattr(torch, self.dtype)
        return torch.float32 if input_dtype == np.float32 or self.mixed_precision else torch.float64

    def _new_module(self, n_features, n_outputs, dtype, device):
        """The (untrained) torch network the parameters describe; ``fit`` and skops loading build it."""
        hidden = self._hidden_sizes()
        activations, dropouts, batch_norm = self._layer_options(len(hidden))
        with global_rng_untouched():  # nn.Linear draws default weights that are overwritten
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
                input_spec=self._input_spec(n_features),
            )

    def _initial_module(self, n_features, n_outputs, dtype, device, generator):
        """A freshly initialized network: drawn in float64 on the CPU from ``generator``, then moved.

        The same seed gives the same initial weights (to the target dtype's
        rounding) whatever the input's float dtype and the device.
        """
        module = self._new_module(n_features, n_outputs, torch.float64, "cpu")
        module.init_weights(self.weight_init, self.init_scale, generator=generator)
        return module.to(device=device, dtype=dtype)

    def _continued_module(self, n_features, n_outputs, dtype, device):
        """For ``warm_start`` and ``partial_fit``: the current parameters' network holding the fitted weights.

        Options without weights (dropout rates, activations without
        parameters) take their new values; a change of the weights' shapes
        (``hidden_layer_sizes``, batch norm, residual projections, PReLU) raises.
        """
        module = self._new_module(n_features, n_outputs, dtype, device)
        fitted = self.net_.module_.state_dict()
        try:
            module.load_state_dict(fitted)
        except RuntimeError:
            def shapes(state):
                return {k: tuple(v.shape) for k, v in state.items()}

            raise ValueError(
                f"{'partial_fit' if not self.warm_start else 'warm_start=True'} cannot continue the fitted "
                f"network: the parameters now describe another architecture (fitted layers "
                f"{shapes(fitted)}, requested {shapes(module.state_dict())}). Restore hidden_layer_sizes and the "
                "layer options, or set warm_start=False to fit a new network."
            ) from None
        return module

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
        matrix, and :meth:`_training_weights`.
        ``check_gradients`` and ``find_learning_rate`` rebuild the training loss with it.
        """
        return self._encode_target(y), self._training_weights(y, sample_weight, incremental)

    def _training_weights(self, y, sample_weight, incremental=False):
        """The effective sample weights of a validated ``y``: after class weights, None when every weight is 1.

        Needs no fitted state: the batched search computes each member's weights with it.
        """
        if sample_weight is not None and np.all(sample_weight == 1):
            sample_weight = None
        return sample_weight

    def _split(self, target, random_state):
        """Train and validation row indices (the data itself is never copied)."""
        # Stratify single-label classification (binary and multiclass), not multilabel.
        single_label = target.ndim == 1 or target.shape[1] == 1
        stratify = None
        if is_classifier(self) and single_label:  # binary: the indicator column as booleans, as scikit-learn's
            stratify = target if target.ndim == 1 else target.astype(bool)
        # scikit-learn's train_test_split reports what it cannot stratify (a class with one member,
        # fewer validation rows than classes) in its own words
        train, valid = train_test_split(
            np.arange(len(target)),
            random_state=random_state,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        if len(valid) < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' or the size of your dataset "
                f"(validation_fraction={self.validation_fraction} of {len(target)} samples gives {len(valid)})."
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

    def _build_net(self, module, n_train, batch_size, valid_ds, device, lr_factor=1.0):
        spec = OPTIMIZERS[self.solver]
        params = _ParamView(self)  # get_params(deep=False) inspects the signature: slow for a per-fit step
        callbacks, schedule = [], None
        if spec.stochastic:
            knobs = {k: params[k] for k in _SCHEDULE_KNOBS}
            knobs["n"] = n_train
            n_batches = len(BatchIterator(range(n_train), batch_size, merge_singleton=True))
            schedule_name = effective_schedule(self.learning_rate, self.solver)
            schedule = LearningRateSchedule(schedule_name, self.learning_rate_init, knobs, n_batches)
            schedule.factor = lr_factor
            if schedule_name != "constant":  # a constant rate needs no per-batch callback
                callbacks.append(("lr_schedule", schedule))
        callbacks.append(("epoch_monitor", EpochMonitor()))
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
            train_split=FixedSplit(valid_ds),
            callbacks=callbacks,
            device=device,
            verbose=int(self.verbose),  # skorch's callbacks (PrintLog, EarlyStopping, Checkpoint) print when verbose
            **optimizer_params,
        )
        net.autocast_dtype = torch.bfloat16 if self.mixed_precision else None
        net.compile_module = self.compile
        net.loss_name = self._loss_name()
        net.out_activation = self._out_activation()
        return net.initialize(), schedule

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

    def _sync_attributes(self, hidden):
        linears = self.net_.module_.main_linears()
        self.coefs_ = [layer.weight.detach().cpu().numpy().T.copy() for layer in linears]
        self.intercepts_ = [layer.bias.detach().cpu().numpy().copy() for layer in linears]
        self.n_layers_ = len(hidden) + 2

    # ---------------------------------------------------------- tabular input
    # Categorical columns and numeric scaling (sknn_hp/_categorical.py), and the
    # network's input block they and numeric_embedding call for (sknn_hp/module.py).
    def _validate_tabular(self, X, y="no_validation", reset=True, sample_weight=None, **check_params):
        """``validate_data`` for the estimators: X (and y) as the network reads them.

        Without ``categorical_features`` and ``numeric_scaling`` (and with no
        fitted encoder when ``reset=False``) this is ``validate_data(self, X,
        y, reset=reset, **check_params)``. Otherwise the feature names and
        count are checked as ``validate_data`` does, then X goes through the
        tabular encoder, fitted here when ``reset`` (``_tabular_encoder``,
        its medians, quartiles and imputed values weighted by
        ``sample_weight``): a float matrix of the numeric columns (imputed
        when ``categorical_features`` is set), the categories' codes and the
        missing indicators.
        """
        encode = self._uses_encoder() if reset else getattr(self, "_tabular_encoder", None) is not None
        if not encode:
            if reset:
                self._tabular_encoder = None
            return validate_data(self, X, y, reset=reset, **check_params)
        if sp.issparse(X):
            X = _densify(X)
        if not hasattr(X, "iloc"):  # shape checks and their messages, as validate_data gives them (values kept)
            check_array(X, dtype=None, ensure_all_finite=False, estimator=self, input_name="X")
        validate_data(self, X, y, skip_check_array=True, reset=reset)  # feature names and their number, y given
        if reset:
            mask = categorical_mask(
                self.categorical_features, X, self.n_features_in_, getattr(self, "feature_names_in_", None)
            )
            if sample_weight is not None:
                sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
            self._tabular_encoder = TabularEncoder(
                mask, self.numeric_scaling, impute_missing=self.categorical_features is not None
            )
            Xt = self._tabular_encoder.fit_transform(X, sample_weight)
        else:
            Xt = self._tabular_encoder.transform(X)
        if isinstance(y, str) and y == "no_validation":
            return Xt
        check_params = {k: v for k, v in check_params.items() if k in ("multi_output", "y_numeric")}
        return check_X_y(Xt, y, dtype=None, estimator=self, **check_params)

    def _uses_encoder(self):
        return self.categorical_features is not None or self.numeric_scaling is not None

    def _input_width(self):
        """Number of columns the fitted network reads: the encoded width, or ``n_features_in_``."""
        encoder = getattr(self, "_tabular_encoder", None)
        return encoder.n_encoded if encoder is not None else int(self.n_features_in_)

    def _input_spec(self, n_features):
        """The network's input block (``MLPModule(input_spec=...)``), or None when it needs none."""
        encoder = getattr(self, "_tabular_encoder", None)
        cardinalities = encoder.cardinalities if encoder is not None else []
        if not cardinalities and self.numeric_embedding is None:
            return None
        return {
            "n_numeric": encoder.n_numeric if encoder is not None else n_features,
            "cardinalities": cardinalities,
            "n_indicators": encoder.n_indicators if encoder is not None else 0,
            "embedding_dims": [
                0 if k <= self.max_onehot_categories else self.categorical_embedding_dim for k in cardinalities
            ],
            "numeric_embedding": self.numeric_embedding,
            "n_frequencies": self.numeric_embedding_frequencies,
            "sigma": self.numeric_embedding_sigma,
            "width": self.numeric_embedding_width,
        }

    # ---------------------------------------------------------------- predict
    def _raw_output(self, X):
        """Network outputs (before the output activation) as a numpy array."""
        check_is_fitted(self)
        X = self._validate_tabular(X, reset=False, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32))
        module = self.net_.module_
        dtype = next(module.parameters()).dtype
        ds = self._dataset(X, dtype=dtype, device=str(self.net_.device))
        # in the input's float dtype, as scikit-learn's (a mixed-precision network computes in float32)
        return self.net_.forward(ds, training=False).numpy().astype(X.dtype, copy=False)

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
        tags.input_tags.sparse = True  # the tabular encoder densifies sparse input up to DENSE_LIMIT
        if self.categorical_features is not None:
            tags.input_tags.categorical = tags.input_tags.string = True
            tags.input_tags.allow_nan = True  # NaN in numeric columns: imputed, with missing indicators
        return tags
