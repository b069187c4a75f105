"""The batched trainer: many MLP fits of one layout as one stacked network.

A *member* is one standalone fit (an estimator with its parameters, and the
training data of one cross-validation split). Members that share what one
stacked network needs (depth, activations, solver, loss, batch size, dtype,
input width...) form a *group*; the group trains every member at once with
``torch.bmm`` over stacked weight tensors of shape ``(members, out, in)``:

- every hidden layer is padded to the widest member's width with units whose
  weights and gradients are held at exactly zero, so each member computes what
  it computes alone;
- each member draws its initial weights, its early-stopping split and its
  batch order exactly as its standalone ``fit`` does (one
  :class:`sknn_hp._runtime.FitRandomness` per member, from its own
  ``random_state``), and its dropout masks from its own dropout stream, in
  its standalone step's order and shapes; its mini-batches are padded to the
  step's widest batch with rows of weight zero;
- each member's rows weigh what they weigh in its standalone fit: the
  search's ``sample_weight`` fit parameter (its split's share) times the
  member's own ``class_weight``, in its loss, its gradient, its penalty's
  denominator (the batch's sum of weights) and its validation loss and score;
- the step is the closed-form backpropagation of :mod:`sknn_hp._backprop`
  (the same output gradients and activation derivatives), each member's
  gradient clipped by its own ``clip_norm`` and ``clip_value`` as the
  standalone fit's callbacks clip it, and the update is
  torch's fused Adam or AdamW kernel, its multi-tensor NAdam,
  :func:`sknn_hp.optimizers.sgd_update` (scikit-learn's SGD rule), or torch's
  functional Adamax, RMSprop, Adagrad or Adadelta with the options of the
  member's standalone optimizer (``foreach``/``fused`` and the defaults it
  leaves), each the standalone fit's, called once per run of members that
  share their learning rate, betas, epsilon, rho, weight decay or momentum
  (and step count where the rule reads it); penalties are per-member numbers;
- between epochs every member follows its own standalone rules through its
  own :class:`sknn_hp._trainer.Trainer` (the stopping rule, early stopping on
  its own validation split with best weights restored, ``'adaptive'`` and
  ``'plateau'`` scheduling) and its own
  :class:`sknn_hp._callbacks.LearningRateSchedule`;
- a member that diverges (the standalone divergence check) is handed back
  unfinished, and the search fits it the ordinary way;
- finished members stop costing arithmetic: at the end of every epoch in which
  members finish, the stacked tensors are compacted to the active ones.

With float64 data each member's fitted weights equal its standalone fit's to
rounding, dropout or not.
"""

import time
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from torch.optim.adadelta import adadelta
from torch.optim.adagrad import adagrad
from torch.optim.adamax import adamax
from torch.optim.rmsprop import rmsprop

from .._base import _SCHEDULE_KNOBS
from .._runtime import FitRandomness, resolve_device
from .._trainer import Trainer, TrainingState
from ..activations import ACTIVATIONS, make_activation
from .._callbacks import LearningRateSchedule
from ..losses import LOSSES, OUTPUT_GRADIENTS
from ..module import AlphaDropout
from ..optimizers import OPTIMIZERS, optimizer_kwargs, sgd_update
from ..schedules import effective_schedule

__all__ = [
    "BATCHED_SOLVERS", "PARAMETERS", "group_key", "member_bytes", "member_loss", "train_group", "unbatchable_reason",
]

#: The solvers the batched step implements; the others are fitted one by one.
BATCHED_SOLVERS = ("adam", "adamw", "nadam", "sgd", "adamax", "rmsprop", "adagrad", "adadelta")
_ADAM_LIKE = ("adam", "adamw", "nadam")
# solvers whose update is torch's functional API (torch.optim.<name>.<name>), with the options of the
# standalone optimizer's parameter group: per solver, the state tensors it keeps per parameter
_FUNCTIONAL = {
    "adamax": ("exp_avg", "exp_inf"),
    "rmsprop": ("square_avg", "grad_avg", "momentum_buffer"),
    "adagrad": ("sum",),
    "adadelta": ("square_avg", "acc_delta"),
}
# torch's NAdam default (the estimators do not set it)
_NADAM_MOMENTUM_DECAY = 4e-3

# activations whose value at 0 is not 0: a padded unit outputs f(0), so the
# gradient of the next layer's padded column must be masked
_NONZERO_AT_ZERO = ("logistic", "sigmoid", "softplus")

# schedules whose rate is constant within an epoch (computed once an epoch)
_PER_EPOCH_SCHEDULES = ("constant", "adaptive", "plateau", "invscaling")


def _reads_step(solver, options):
    """Whether the update of a :data:`_FUNCTIONAL` solver reads the step count (Adamax's bias
    correction, Adagrad's ``lr_decay``): members with different counts then update apart."""
    return solver == "adamax" or (solver == "adagrad" and options["lr_decay"] != 0)


class Handling:
    """How the batched step handles one estimator parameter (an entry of :data:`PARAMETERS`).

    Parameters
    ----------
    kind : {'group', 'member', 'inert', 'fallback'}
        'group': part of :func:`group_key`, so the members of a group share it;
        'member': read per member, each member training with its own value;
        'inert': changes nothing in a search's fits (the reason is given);
        'fallback': the batched step implements only the values ``blocked``
        is false for (the defaults); the others make the pair fit alone.
    blocked : callable or None, default=None
        ``blocked(est) -> bool``: True when ``est``'s value of the parameter
        is one the batched step does not implement (the pair is then fitted
        the ordinary way). A 'group' or 'member' parameter may have one too.
    reason : str, default=''
        Why an 'inert' parameter changes nothing.
    """

    KINDS = ("group", "member", "inert", "fallback")

    def __init__(self, kind, blocked=None, reason=""):
        if kind not in self.KINDS:
            raise ValueError(f"kind must be one of {self.KINDS}, got {kind!r}.")
        if kind == "fallback" and blocked is None:
            raise ValueError("A 'fallback' parameter needs its 'blocked' rule.")
        if kind == "inert" and not reason:
            raise ValueError("An 'inert' parameter needs its reason.")
        self.kind, self.blocked, self.reason = kind, blocked, reason

    def __repr__(self):
        return f"Handling({self.kind!r})"


def _is_set(name):
    """Blocked when the parameter is truthy (a flag, an option, a list), as its default is not."""
    return lambda est: bool(getattr(est, name))


def _not_none(name):
    return lambda est: getattr(est, name) is not None


def _no_closed_form_derivative(est):
    hidden = est._hidden_sizes()
    activations, _, _ = est._layer_options(len(hidden))
    return any(ACTIVATIONS.get(a) is None or ACTIVATIONS[a].derivative is None for a in activations)


_GROUP, _MEMBER = Handling("group"), Handling("member")

#: Every parameter of the estimators (the keys of their ``_parameter_constraints``) and how the batched
#: step handles it. :func:`unbatchable_reason` is driven by it: a parameter missing here (a subclass's
#: own, say) makes the pair fit the ordinary way, so that no parameter is ever silently ignored.
PARAMETERS = {
    # the layout: the depth and the activations are in the group key, the widths are per member (padded)
    "hidden_layer_sizes": _MEMBER,
    "activation": Handling("group", blocked=_no_closed_form_derivative),  # PReLU: no closed-form step
    "leaky_relu_slope": _GROUP,
    "elu_alpha": _GROUP,
    "dropout": _MEMBER,  # per layer, each member's own masks
    "input_dropout": _MEMBER,
    "weight_init": _MEMBER,  # each member draws its own initial weights
    "init_scale": _MEMBER,
    # the loss: a regressor's loss parameter (a classifier's follows from its target), its knobs
    "loss": _GROUP,
    "huber_delta": _GROUP,
    "label_smoothing": _GROUP,
    # the optimizer
    "solver": Handling("group", blocked=lambda est: est.solver not in BATCHED_SOLVERS),
    "nesterovs_momentum": _GROUP,
    "learning_rate_init": _MEMBER,
    "alpha": _MEMBER,
    "l1_ratio": _MEMBER,
    "momentum": _MEMBER,
    "beta_1": _MEMBER,
    "beta_2": _MEMBER,
    "epsilon": _MEMBER,
    "weight_decay": _MEMBER,
    "rho": _MEMBER,  # 'rmsprop' and 'adadelta'; the other solvers do not read it
    "max_fun": Handling("inert", reason="read by 'lbfgs' only, which is fitted alone"),
    # batches and epochs
    "batch_size": _GROUP,
    "shuffle": _GROUP,
    "max_iter": _MEMBER,
    "random_state": _MEMBER,  # each member's own FitRandomness and validation split
    "tol": _MEMBER,  # each member's own Trainer and stopping rule
    "n_iter_no_change": _MEMBER,
    "early_stopping": _GROUP,
    "validation_fraction": _MEMBER,
    "monitor": _MEMBER,
    "restore_best_weights": _MEMBER,
    # the schedule: each member's own LearningRateSchedule ('plateau': its own Trainer)
    "learning_rate": _MEMBER,
    "power_t": _MEMBER,
    "lr_decay_rate": _MEMBER,
    "lr_step_size": _MEMBER,
    "lr_milestones": _MEMBER,
    "lr_patience": _MEMBER,
    "lr_min": _MEMBER,
    "lr_max": _MEMBER,
    "lr_power": _MEMBER,
    "lr_cycle_mult": _MEMBER,
    "lr_warmup_fraction": _MEMBER,
    # the runtime
    "device": _GROUP,
    "dtype": _GROUP,
    # 1: each member's Trainer prints its epoch lines; 2 adds skorch's progress bar, which the batched
    # step does not draw
    "verbose": Handling("member", blocked=lambda est: bool(est.verbose) and int(est.verbose) >= 2),
    "warm_start": Handling("inert", reason="a search fits unfitted clones, where warm_start starts afresh"),
    # torch's deterministic algorithms are switched on around a standalone fit only
    "deterministic": Handling("fallback", blocked=lambda est: bool(est.deterministic is True
                                                                   or est.deterministic is np.True_)),
    "mixed_precision": Handling("fallback", blocked=_is_set("mixed_precision")),
    "compile": Handling("fallback", blocked=_is_set("compile")),
    "diagnostics": Handling("fallback", blocked=_is_set("diagnostics")),
    "callbacks": Handling("fallback", blocked=_is_set("callbacks")),
    # layers and steps the batched network does not have
    "batch_norm": Handling("fallback", blocked=lambda est: est.batch_norm not in (False, None)),
    "input_batch_norm": Handling("fallback", blocked=_is_set("input_batch_norm")),
    "residual": Handling("fallback", blocked=_is_set("residual")),
    "clip_norm": _MEMBER,  # each member's own gradient norm, clipped to its own value
    "clip_value": _MEMBER,
    "init_from": Handling("fallback", blocked=_not_none("init_from")),
    "freeze_layers": Handling("fallback", blocked=lambda est: est.freeze_layers != 0),
    "class_weight": _MEMBER,  # each member's row weights, from its split's labels (and sample_weight)
    # the input block (categorical codes, periodic embeddings) and the input/target scaling
    "categorical_features": Handling("fallback", blocked=_not_none("categorical_features")),
    "numeric_embedding": Handling("fallback", blocked=_not_none("numeric_embedding")),
    "numeric_scaling": Handling("fallback", blocked=_not_none("numeric_scaling")),
    "standardize_target": Handling("fallback", blocked=_is_set("standardize_target")),
    "max_onehot_categories": Handling("inert", reason="read with categorical_features only, which is fitted alone"),
    "categorical_embedding_dim": Handling(
        "inert", reason="read with categorical_features only, which is fitted alone"),
    "numeric_embedding_frequencies": Handling("inert", reason="read with numeric_embedding only, fitted alone"),
    "numeric_embedding_sigma": Handling("inert", reason="read with numeric_embedding only, fitted alone"),
    "numeric_embedding_width": Handling("inert", reason="read with numeric_embedding only, fitted alone"),
}


def unbatchable_reason(est):
    """Why ``est`` (an sknn_hp MLP with its parameters set) cannot be trained in a batched group, or None.

    The reason names the parameter: one that :data:`PARAMETERS` does not list, or one whose value
    the batched step does not implement (its ``blocked`` rule), or ``'invalid parameters'``.
    """
    names = est.get_params(deep=False)
    for name in names:
        if name not in PARAMETERS:
            return name
    try:
        for name in names:
            blocked = PARAMETERS[name].blocked
            if blocked is not None and blocked(est):
                return name if name != "solver" else f"solver={est.solver!r}"
    except Exception:
        return "invalid parameters"
    return None


def member_loss(est, data):
    """The loss ``est``'s standalone fit on ``data`` trains with (its ``_loss_name()``).

    A regressor's is its own ``loss`` parameter; a classifier's follows from
    the target (the split's, recorded in ``data.loss``).
    """
    return est.loss if "loss" in est.get_params(deep=False) else data.loss


def _activations(est):
    hidden = est._hidden_sizes()
    activations, _, _ = est._layer_options(len(hidden))
    return hidden, tuple(activations)


def group_key(est, data):
    """What must be equal for two members to share one stacked network.

    Parameters
    ----------
    est : BaseMLP
        The member's estimator (parameters set).
    data : TrainData
        The member's training data.
    """
    hidden, activations = _activations(est)
    return (
        data.X.shape[1],
        str(est._compute_dtype(data.X.dtype)),  # the network's dtype (the input's, or the dtype parameter)
        data.n_outputs,
        member_loss(est, data),  # each candidate's own
        resolve_device(est.device),
        len(hidden),
        activations,
        est.solver,
        est.batch_size,
        bool(est.shuffle),
        bool(est.early_stopping),
        bool(est.nesterovs_momentum),
        float(getattr(est, "label_smoothing", 0.0)),
        float(getattr(est, "huber_delta", 1.0)),
        float(est.leaky_relu_slope),
        float(est.elu_alpha),
    )


class TrainData:
    """The training data of members: a split's (transformed) inputs and encoded targets.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        float32 or float64, as the estimator's ``fit`` validates it.
    target : ndarray
        The encoded target (class indices, or a float matrix).
    n_outputs : int
    loss : str
        The training loss a classifier's target gives (a key of
        :data:`sknn_hp.losses.LOSSES`); a regressor member trains with its
        own ``loss`` (:func:`member_loss`).
    y : ndarray or None, default=None
        The target as the estimator's ``fit`` validates it (before encoding):
        a classifier member's ``class_weight`` is computed from it.
    sample_weight : ndarray of shape (n_samples,) or None, default=None
        The split's sample weights as the estimator's ``fit`` checks them
        (the search's ``sample_weight`` fit parameter, split as scikit-learn
        splits it).
    """

    def __init__(self, X, target, n_outputs, loss, y=None, sample_weight=None):
        self.X = X
        self.target = target
        self.n_outputs = n_outputs
        self.loss = loss
        self.y = y
        self.sample_weight = sample_weight


def member_bytes(est, data):
    """An upper estimate of the memory one member takes in a group, in bytes.

    Counted: the parameters and their gradient, optimizer moments and update
    temporaries (6 copies), the best weights kept on the CPU, and the
    activations of one training step and of one validation chunk (inputs,
    pre-activations, activations and back-propagated gradients).
    """
    hidden = est._hidden_sizes()
    widths = [data.X.shape[1], *hidden, data.n_outputs]
    n_params = sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))
    n = len(data.X)
    with warnings.catch_warnings():  # the estimator's own rule ('auto', 'full', 'scaled', clipped ints)
        warnings.simplefilter("ignore")
        batch = est._batch_size(n) + 1
    rows = batch + (int(np.ceil(n * est.validation_fraction)) if est.early_stopping else 0)
    item = data.X.dtype.itemsize
    return item * (7 * n_params + 4 * rows * sum(widths))


def _member_weights(group, member):
    """A CPU copy of one member's slice of the stacked weights, as a standalone module's state dict."""
    return {k: v.detach().to("cpu", copy=True) for k, v in group.member_state(member).items()}


class _Member:
    """One fit inside a group: its estimator, rows, generators, schedule and trainer."""

    def __init__(self, index, est, data_index, data, dtype, device):
        self.index = index
        self.est = est
        est._validate_params()
        self.hidden, self.activations = _activations(est)
        random_state = check_random_state(est.random_state)
        self.random_state = random_state  # the standalone fit's generator, committed after its draws
        self.randomness = FitRandomness.draw(random_state, device)
        self.module = est._initial_module(data.X.shape[1], data.n_outputs, dtype, device, self.randomness.init)
        self.early_stopping = bool(est.early_stopping)
        if self.early_stopping:
            train, valid = est._split(data.target, random_state)
        else:
            train, valid = np.arange(len(data.X)), None
        self.data_index = data_index
        self.train_rows, self.valid_rows = np.asarray(train), None if valid is None else np.asarray(valid)
        # the standalone fit's row weights (sample_weight times class_weight; None when all are 1), which
        # weigh its loss, its gradient, its penalty's denominator and its validation loss and score
        weights = est._training_weights(data.y, data.sample_weight)
        if weights is None:
            self.train_weights = self.valid_weights = None
        else:
            weights = np.asarray(weights, dtype=np.float64)
            self.train_weights = weights[self.train_rows]
            self.valid_weights = None if valid is None else weights[self.valid_rows]
        self.n_train = len(self.train_rows)
        self.batch_size = est._batch_size(self.n_train)
        starts = list(range(0, self.n_train, self.batch_size))
        if self.batch_size > 1 and len(starts) > 1 and self.n_train - starts[-1] == 1:
            starts.pop()  # BatchIterator's merge_singleton
        self.bounds = [(s, starts[i + 1] if i + 1 < len(starts) else self.n_train) for i, s in enumerate(starts)]
        self.shuffle = bool(est.shuffle) and len(self.bounds) > 1
        params = est.get_params(deep=False)
        knobs = {k: params[k] for k in _SCHEDULE_KNOBS}
        knobs["n"] = self.n_train
        self.schedule_name = effective_schedule(est.learning_rate, est.solver)
        self.schedule = LearningRateSchedule(self.schedule_name, est.learning_rate_init, knobs, len(self.bounds))
        self.state = TrainingState.fresh(True, self.early_stopping)
        self.trainer = None  # set by the group (it needs the group's view of the weights)
        self.done = False
        self.failed = None

    def learning_rate(self, epoch, batch):
        schedule = self.schedule
        schedule.epochs_done = epoch
        schedule.batch_in_epoch = batch
        return schedule.current_lr()


class _Group:
    """The stacked tensors of the active members, and one training step over them."""

    def __init__(self, members, datas, dtype, device):
        self.members = members  # all members; self.active: positions of the stacked ones
        self.dtype, self.device = dtype, device
        first = members[0]
        self.loss = member_loss(first.est, datas[first.data_index])  # the group key's: every member's
        est0 = first.est
        self.options = {
            "label_smoothing": float(getattr(est0, "label_smoothing", 0.0)),
            "huber_delta": float(getattr(est0, "huber_delta", 1.0)),
        }
        self.solver = est0.solver
        self.nesterov = bool(est0.nesterovs_momentum)
        depth = len(first.hidden)
        n_features, n_outputs = datas[first.data_index].X.shape[1], datas[first.data_index].n_outputs
        self.widths = [n_features] + [max(m.hidden[i] for m in members) for i in range(depth)] + [n_outputs]
        act_options = {"leaky_relu_slope": est0.leaky_relu_slope, "elu_alpha": est0.elu_alpha,
                       "factory": {"dtype": dtype, "device": device}}
        self.act_modules = [
            make_activation(name, w, act_options) for name, w in zip(first.activations, self.widths[1:])
        ]
        self.act_forward = [m.forward for m in self.act_modules]
        self.derivatives = [ACTIVATIONS[name].derivative for name in first.activations]

        # the data of every member's split, concatenated once
        offsets, Xs, ys = {}, [], []
        total = 0
        for i, data in enumerate(datas):
            if not any(m.data_index == i for m in members):
                continue
            offsets[i] = total
            total += len(data.X)
            Xs.append(torch.as_tensor(data.X).to(device=device, dtype=dtype))
            target = torch.as_tensor(data.target)
            ys.append(target.to(device=device, dtype=torch.int64 if target.ndim == 1 else dtype))
        self.X = torch.cat(Xs)
        self.y = torch.cat(ys)
        for m in members:
            m.train_global = m.train_rows + offsets[m.data_index]
            m.valid_global = None if m.valid_rows is None else m.valid_rows + offsets[m.data_index]

        M = len(members)
        # every member's weight matrices in one row of a flat buffer, its biases in one row of another
        # (AdamW decays the weights only); W[l], b[l] are views of them
        self.shapes = []
        for layer in range(depth + 1):
            self.shapes.append((self.widths[layer + 1], self.widths[layer]))
        self.n_params = sum(o * i + o for o, i in self.shapes)
        n_weights = sum(o * i for o, i in self.shapes)
        self.flat = [torch.zeros(M, n_weights, dtype=dtype, device=device),
                     torch.zeros(M, self.n_params - n_weights, dtype=dtype, device=device)]
        self.grad_flat = [torch.zeros_like(t) for t in self.flat]
        self._make_views()
        for layer in range(depth + 1):
            for j, m in enumerate(members):
                linear = m.module.hidden[layer].linear if layer < depth else m.module.output
                o, i = linear.weight.shape
                self.W[layer][j, :o, :i] = linear.weight.detach()
                self.b[layer][j, :o] = linear.bias.detach()
        for m in members:
            m.module = None  # the stacked tensors hold the weights now
        # padded columns of the layer after an activation with f(0) != 0 get their gradient masked
        self.col_masks = [None] * (depth + 1)
        for layer, name in enumerate(first.activations):
            if name in _NONZERO_AT_ZERO and any(m.hidden[layer] < self.widths[layer + 1] for m in members):
                mask = torch.zeros(M, 1, self.widths[layer + 1], dtype=dtype, device=device)
                for j, m in enumerate(members):
                    mask[j, :, : m.hidden[layer]] = 1
                self.col_masks[layer + 1] = mask

        def per_member(values):
            return torch.tensor(values, dtype=dtype, device=device)

        ests = [m.est for m in members]
        self.hyper = {
            "alpha": per_member([e.alpha for e in ests]),
            "l1_ratio": per_member([e.l1_ratio for e in ests]),
            "beta_1": per_member([e.beta_1 for e in ests]),
            "beta_2": per_member([e.beta_2 for e in ests]),
            "epsilon": per_member([e.epsilon for e in ests]),
            "momentum": per_member([e.momentum for e in ests]),
            "weight_decay": per_member([e.weight_decay for e in ests]),
        }
        # gradient clipping (the standalone fit's clip_norm, then clip_value callbacks): per member, inf for none
        self.clip = [name for name in ("clip_norm", "clip_value") if any(getattr(e, name) is not None for e in ests)]
        for name in self.clip:
            self.hyper[name] = per_member([np.inf if getattr(e, name) is None else getattr(e, name) for e in ests])
        self.any_l1 = bool((self.hyper["l1_ratio"] > 0).any())
        self.any_l2 = bool((self.hyper["l1_ratio"] < 1).any())
        self.any_alpha = bool((self.hyper["alpha"] > 0).any())
        # dropout rates per layer (the input first), one per stacked member
        self.dropout_rates = [[float(m.est.input_dropout) for m in members]]
        for layer in range(depth):
            self.dropout_rates.append([m.est._layer_options(len(m.hidden))[1][layer] for m in members])
        self.any_dropout = any(any(r) for r in self.dropout_rates)
        self.hyper_py = {k: v.tolist() for k, v in self.hyper.items()}
        self.step_counts = [0] * M  # optimizer steps taken by each member
        # NAdam's running product of momentum coefficients, a float32 scalar as torch keeps it
        self.mu_products = [torch.tensor(1.0, dtype=torch.float32) for _ in range(M)]
        if self.solver in _ADAM_LIKE:
            self.moments = [torch.zeros_like(t) for t in self.flat]
            self.squares = [torch.zeros_like(t) for t in self.flat]
        elif self.solver in _FUNCTIONAL:
            self._init_functional(ests)
        else:
            self.buffers = [torch.zeros_like(t) for t in self.flat]  # SGD's velocities (scikit-learn's units)
        self.active = list(range(M))  # member index of each stacked position

    def _init_functional(self, ests):
        """Each member's standalone optimizer options and the stacked state of a :data:`_FUNCTIONAL` solver.

        The options are those of the parameter group of the torch optimizer each member's standalone
        fit builds (:func:`sknn_hp.optimizers.optimizer_kwargs` on the same class: its betas, ``rho``,
        epsilon, and the defaults it leaves: ``foreach``/``fused``, ``maximize``, ``weight_decay``,
        ``lr_decay``, ``initial_accumulator_value``, ``momentum``, ``centered``...), without the
        learning rate, which the member's schedule sets. The state is one tensor per flat buffer per
        state name, initialised as the optimizer initialises it (Adagrad's sums at
        ``initial_accumulator_value``); RMSprop's ``grad_avg`` and ``momentum_buffer`` exist only where
        a member is ``centered`` or has ``momentum``.
        """
        spec = OPTIMIZERS[self.solver]
        probe = [torch.zeros(1, dtype=self.dtype, device=self.device)]
        options = []
        for est in ests:
            kwargs = optimizer_kwargs(self.solver, est.get_params(deep=False), self.device)
            group = spec.optimizer(probe, **kwargs).param_groups[0]
            options.append({k: v for k, v in group.items() if k not in ("params", "lr")})
        # per member: its options as a hashable run key, and whether its rule reads the step count
        self.torch_options = [(tuple(sorted(o.items())), _reads_step(self.solver, o)) for o in options]
        needed = {
            "grad_avg": any(o.get("centered") for o in options),
            "momentum_buffer": any(o.get("momentum", 0) > 0 for o in options),
        }
        self.states = {name: [torch.zeros_like(t) for t in self.flat]
                       for name in _FUNCTIONAL[self.solver] if needed.get(name, True)}
        if "sum" in self.states:
            start = torch.tensor([o["initial_accumulator_value"] for o in options], dtype=self.dtype,
                                 device=self.device).unsqueeze(1)
            for t in self.states["sum"]:
                t.copy_(start.expand_as(t))

    def _views(self, flat):
        """(weights, biases): per layer, views of a pair of flat buffers as (M, out, in) and (M, out)."""
        Ws, bs, w_offset, b_offset = [], [], 0, 0
        M = flat[0].shape[0]
        for o, i in self.shapes:
            Ws.append(flat[0][:, w_offset:w_offset + o * i].view(M, o, i))
            w_offset += o * i
            bs.append(flat[1][:, b_offset:b_offset + o])
            b_offset += o
        return Ws, bs

    def _make_views(self):
        self.W, self.b = self._views(self.flat)
        self.dW, self.db = self._views(self.grad_flat)

    # ----------------------------------------------------------- bookkeeping
    def member_state(self, member):
        """One member's weights, as ``MLPModule.state_dict`` names them (views of the stacked tensors)."""
        pos = self.active.index(member.index)
        widths = [self.widths[0], *member.hidden, self.widths[-1]]
        state = {}
        depth = len(member.hidden)
        for layer in range(depth + 1):
            name = f"hidden.{layer}.linear" if layer < depth else "output"
            o, i = widths[layer + 1], widths[layer]
            state[name + ".weight"] = self.W[layer][pos, :o, :i]
            state[name + ".bias"] = self.b[layer][pos, :o]
        return state

    def compact(self, keep):
        """Keep only the stacked positions ``keep`` (a list of positions)."""
        index = torch.tensor(keep, dtype=torch.int64, device=self.device)

        def take(pair):
            return [t.index_select(0, index) for t in pair]

        self.flat, self.grad_flat = take(self.flat), take(self.grad_flat)
        self._make_views()
        self.col_masks = [None if m is None else m.index_select(0, index) for m in self.col_masks]
        self.hyper = {k: v.index_select(0, index) for k, v in self.hyper.items()}
        self.hyper_py = {k: [v[p] for p in keep] for k, v in self.hyper_py.items()}
        self.dropout_rates = [[rates[p] for p in keep] for rates in self.dropout_rates]
        self.step_counts = [self.step_counts[p] for p in keep]
        self.mu_products = [self.mu_products[p] for p in keep]
        if self.solver in _ADAM_LIKE:
            self.moments, self.squares = take(self.moments), take(self.squares)
        elif self.solver in _FUNCTIONAL:
            self.states = {name: take(pair) for name, pair in self.states.items()}
            self.torch_options = [self.torch_options[p] for p in keep]
        else:
            self.buffers = take(self.buffers)
        self.active = [self.active[p] for p in keep]

    # ----------------------------------------------------------------- step
    def forward(self, a, masks=None, offsets=None):
        """Hidden pre-activations and activations, and the output, for stacked inputs ``a`` (M, n, F).

        ``masks``: None, or per layer (input first) None or the (M, n, width) multipliers of the
        dropout there (inverted dropout's ``m / (1 - p)``, alpha dropout's ``A m``); alpha-dropout
        layers also have an offset in ``offsets`` (``A a' (1 - m) + B``; None elsewhere).
        """
        if masks is not None and masks[0] is not None:
            a = a * masks[0]
        inputs, saved = [a], []
        depth = len(self.W) - 1
        for layer in range(depth):
            z = torch.baddbmm(self.b[layer].unsqueeze(1), a, self.W[layer].transpose(1, 2))
            a = self.act_forward[layer](z)
            saved.append((z, a))
            if masks is not None and masks[layer + 1] is not None:
                offset = offsets[layer + 1]
                a = a * masks[layer + 1] if offset is None else torch.addcmul(offset, a, masks[layer + 1])
            inputs.append(a)
        out = torch.baddbmm(self.b[depth].unsqueeze(1), a, self.W[depth].transpose(1, 2))
        return out, inputs, saved

    def per_sample_loss(self, out, y):
        M, n, K = out.shape
        flat_y = y.reshape(M * n) if y.ndim == 2 else y.reshape(M * n, K)
        return LOSSES[self.loss](out.reshape(M * n, K), flat_y, self.options).view(M, n)

    def penalty(self):
        """Per member: ``l1_ratio sum |W| + (1 - l1_ratio) / 2 sum W^2`` over the weight matrices.

        One reduction over the flat buffer that holds every weight matrix of a
        member in one row (padded weights are zero and add nothing).
        """
        r, weights = self.hyper["l1_ratio"], self.flat[0]
        total = 0.0
        if self.any_l2:
            total = total + 0.5 * (1.0 - r) * torch.linalg.vector_norm(weights, dim=1).square()
        if self.any_l1:
            total = total + r * torch.linalg.vector_norm(weights, ord=1, dim=1)
        return total

    def dropout_masks(self, X, counts):
        """Each member's dropout multipliers (and alpha-dropout offsets), drawn as its standalone step draws them.

        From the member's own dropout stream, in its step's order (the input,
        then each hidden layer), each of the shape of its own batch and layer;
        padded rows and units get multiplier 1 and offset 0. After a SELU
        layer the dropout is alpha dropout (:class:`sknn_hp.module.AlphaDropout`):
        ``y = A (x m + a' (1 - m)) + B`` is ``x (A m) + (A a' (1 - m) + B)``,
        whose backward multiplies by ``A m``; elsewhere inverted dropout,
        ``y = x m / (1 - p)``. Returns ``(multipliers, offsets)``, per layer.
        """
        M, n = X.shape[:2]
        rates = self.dropout_rates  # per layer (input first): each stacked member's rate
        masks = [None] * len(rates)
        offsets = [None] * len(rates)
        widths = [self.widths[0]] + self.widths[1:-1]
        alpha = [False] + [name == "selu" for name in self.members[0].activations]
        for layer, layer_rates in enumerate(rates):
            if any(layer_rates[p] for p in range(M)):
                masks[layer] = torch.ones(M, n, widths[layer], dtype=X.dtype, device=X.device)
                if alpha[layer]:
                    offsets[layer] = torch.zeros(M, n, widths[layer], dtype=X.dtype, device=X.device)
        counts = counts.tolist()
        for p in range(M):
            member = self.members[self.active[p]]
            rows = int(counts[p])
            if not rows:
                continue
            generator = member.randomness.dropout
            member_widths = [self.widths[0], *member.hidden]
            for layer, layer_rates in enumerate(rates):
                rate = layer_rates[p]
                if not rate:
                    continue
                w = member_widths[layer]
                mask = torch.empty(rows, w, dtype=X.dtype, device=X.device).bernoulli_(1.0 - rate, generator=generator)
                if alpha[layer]:
                    sat = AlphaDropout._SATURATION
                    scale = ((1.0 - rate) * (1.0 + rate * sat**2)) ** -0.5
                    shift = -scale * sat * rate
                    masks[layer][p, :rows, :w] = mask * scale
                    offsets[layer][p, :rows, :w] = (1.0 - mask).mul_(sat * scale).add_(shift)
                else:
                    masks[layer][p, :rows, :w] = mask.div_(1.0 - rate)
        return masks, offsets

    def step(self, rows, weights, counts, lr, active_mask, totals=None):
        """Forward, backward and update on one stacked batch; returns the per-member batch losses.

        rows : (M, n) int64 global row indices; weights : (M, n) the rows' sample weights (1 without
        them), 0 for padding; counts : (M,) rows per member (0: the member has no batch at this step);
        lr : list of M learning rates; active_mask : None, or a bool array of the members that step;
        totals : None (unweighted members: ``counts``), or (M,) each member's sum of weights in the
        batch (1 for a member without a batch), the denominator of its loss and penalty.
        """
        M, n = rows.shape
        X = self.X.index_select(0, rows.reshape(-1)).view(M, n, -1)
        y = self.y.index_select(0, rows.reshape(-1))
        y = y.view(M, n) if y.ndim == 1 else y.view(M, n, -1)
        masks, offsets = self.dropout_masks(X, counts) if self.any_dropout else (None, None)
        out, inputs, saved = self.forward(X, masks, offsets)
        total = counts.clamp_min(1.0) if totals is None else totals
        K = out.shape[2]
        if self.loss == "log_loss" and not self.options["label_smoothing"]:
            # one log-softmax gives the loss and the gradient softmax(z) - onehot(y)
            logp = torch.log_softmax(out, dim=2)
            per_sample = logp.gather(2, y.unsqueeze(2)).squeeze(2).neg_()
            delta = logp.exp_().scatter_add_(2, y.unsqueeze(2), torch.full_like(out[:, :, :1], -1.0))
        else:
            per_sample = self.per_sample_loss(out, y)
            delta = OUTPUT_GRADIENTS[self.loss](
                out.reshape(M * n, K), y.reshape(M * n) if y.ndim == 2 else y.reshape(M * n, K), self.options
            ).view(M, n, K)
        loss = (per_sample * weights).sum(1) / total
        if self.any_alpha:
            loss = loss + self.hyper["alpha"] * self.penalty() / total
        delta.mul_((weights / total.unsqueeze(1)).unsqueeze(2))
        depth = len(self.W) - 1
        dW = self.dW
        for layer in range(depth, -1, -1):
            dW[layer].copy_(torch.bmm(delta.transpose(1, 2), inputs[layer]))  # bmm into a strided view is slow
            if self.col_masks[layer] is not None:
                dW[layer].mul_(self.col_masks[layer])
            torch.sum(delta, 1, out=self.db[layer])
            if layer:
                z, a = saved[layer - 1]
                delta = torch.bmm(delta, self.W[layer])
                if masks is not None and masks[layer] is not None:
                    delta.mul_(masks[layer])
                delta = self.derivatives[layer - 1](delta, z, a, self.act_modules[layer - 1])
        if self.any_alpha:  # on the flat buffers: every weight matrix of a member at once
            scale = (self.hyper["alpha"] / total).view(M, 1)
            r = self.hyper["l1_ratio"].view(M, 1)
            weights, grads = self.flat[0], self.grad_flat[0]
            if self.any_l2:
                grads.addcmul_(weights, scale * (1.0 - r))
            if self.any_l1:
                grads.addcmul_(torch.sign(weights), scale * r)
        if self.clip:
            self._clip_gradients()
        self.update(lr, active_mask)
        return loss

    def _clip_gradients(self):
        """Each member's ``clip_norm`` then ``clip_value``, as the standalone fit's callbacks clip its gradients.

        ``clip_norm``: :func:`torch.nn.utils.clip_grad_norm_` over all of a member's weights and
        biases (its padded units' gradients are zero and add nothing to the norm), the gradient
        scaled by ``min(clip_norm / (norm + 1e-6), 1)``; ``clip_value``:
        :func:`torch.nn.utils.clip_grad_value_`. A member without one has inf, which changes nothing.
        """
        grads = self.grad_flat
        if "clip_norm" in self.clip:
            norms = torch.stack([torch.linalg.vector_norm(g, dim=1) for g in grads], 1)
            norm = torch.linalg.vector_norm(norms, dim=1)
            coef = (self.hyper["clip_norm"] / (norm + 1e-6)).clamp_(max=1.0).unsqueeze(1)
            for g in grads:
                g.mul_(coef)
        if "clip_value" in self.clip:
            limit = self.hyper["clip_value"].unsqueeze(1)
            for g in grads:
                torch.clamp(g, min=-limit, max=limit, out=g)

    def update(self, lr, active):
        """The standalone fit's update (fused Adam/AdamW, NAdam, :func:`sgd_update`, torch's functional
        Adamax, RMSprop, Adagrad, Adadelta), once per run of members.

        Members whose learning rate, betas, epsilon, weight decay and step count (Adam, AdamW,
        NAdam), learning rate and momentum (SGD) or learning rate, optimizer options and, where the
        rule reads it, step count (:meth:`_functional`) are equal, and that sit next to each other in the flat
        buffers, are updated by one kernel call on their rows; members without
        a batch at this step (``active[j]`` False) are left out.
        """
        h, counts = self.hyper_py, self.step_counts
        runs, key_prev, start = [], None, None
        for j in range(len(self.active) + 1):
            if j == len(self.active) or (active is not None and not active[j]):
                key = None
            elif self.solver in _ADAM_LIKE:
                key = (lr[j], h["beta_1"][j], h["beta_2"][j], h["epsilon"][j], h["weight_decay"][j], counts[j])
            elif self.solver in _FUNCTIONAL:
                options, reads_step = self.torch_options[j]
                key = (lr[j], options, counts[j] if reads_step else None)
            else:
                key = (lr[j], h["momentum"][j])
            if key != key_prev:
                if key_prev is not None:
                    runs.append((key_prev, start, j))
                key_prev, start = key, j
        for key, a, b in runs:
            for j in range(a, b):
                counts[j] += 1

            def rows(pair, a=a, b=b):
                return [t[a:b] for t in pair]

            if self.solver in _ADAM_LIKE:
                rate, beta1, beta2, eps, decay, count = key
                step = torch.tensor(float(count + 1), dtype=torch.float32, device=self.device)
                options = dict(lr=rate, beta1=beta1, beta2=beta2, eps=eps, amsgrad=False, maximize=False)
                params, grads, moments, squares = rows(self.flat), rows(self.grad_flat), rows(self.moments), rows(
                    self.squares)
                if self.solver == "nadam":
                    self._nadam(params, grads, moments, squares, rate, beta1, beta2, eps, count + 1, a, b)
                elif self.solver == "adam":
                    torch._fused_adam_(params, grads, moments, squares, [], [step, step], weight_decay=0.0,
                                       **options)
                else:  # AdamW: decoupled decay of the weight matrices, none of the biases
                    for t in range(2):
                        torch._fused_adamw_([params[t]], [grads[t]], [moments[t]], [squares[t]], [], [step],
                                            weight_decay=decay if t == 0 else 0.0, **options)
            elif self.solver in _FUNCTIONAL:
                self._functional(key[0], dict(key[1]), counts[a] - 1, a, b)
            else:
                rate, momentum = key
                sgd_update(rows(self.flat), rows(self.grad_flat), rows(self.buffers), rate, momentum, self.nesterov)

    def _functional(self, lr, options, count, a, b):
        """torch's functional update of the solver (what the standalone optimizer's ``step`` calls) on rows a:b.

        ``options``: the run's parameter-group options (:meth:`_init_functional`); ``count``: the
        steps its members took before this one (the functional API advances its step tensors).
        """
        params, grads = [t[a:b] for t in self.flat], [t[a:b] for t in self.grad_flat]
        state = {name: [t[a:b] for t in pair] for name, pair in self.states.items()}
        # Adagrad's fused kernel keeps float32 steps; the others the default scalar dtype (integers either way)
        steps = [torch.tensor(float(count), dtype=torch.float32) for _ in params]
        common = dict(maximize=options["maximize"], differentiable=options["differentiable"],
                      weight_decay=options["weight_decay"], eps=options["eps"], lr=lr)
        if self.solver == "adamax":
            beta1, beta2 = options["betas"]
            adamax(params, grads, state["exp_avg"], state["exp_inf"], steps, foreach=options["foreach"],
                   capturable=options["capturable"], beta1=beta1, beta2=beta2, **common)
        elif self.solver == "rmsprop":
            momentum, centered = options["momentum"], options["centered"]
            rmsprop(params, grads, state["square_avg"], state["grad_avg"] if centered else [],
                    state["momentum_buffer"] if momentum > 0 else [], steps, foreach=options["foreach"],
                    capturable=options["capturable"], alpha=options["alpha"], momentum=momentum,
                    centered=centered, **common)
        elif self.solver == "adagrad":
            adagrad(params, grads, state["sum"], steps, fused=options["fused"], foreach=options["foreach"],
                    lr_decay=options["lr_decay"], **common)
        else:  # adadelta
            adadelta(params, grads, state["square_avg"], state["acc_delta"], steps, foreach=options["foreach"],
                     capturable=options["capturable"], rho=options["rho"], **common)

    def _nadam(self, params, grads, moments, squares, lr, beta1, beta2, eps, step, a, b):
        """torch's multi-tensor NAdam step (``foreach=True``, what the standalone fit runs) on rows a:b."""
        torch._foreach_lerp_(moments, grads, 1 - beta1)
        torch._foreach_mul_(squares, beta2)
        torch._foreach_addcmul_(squares, grads, grads, 1 - beta2)
        denom = torch._foreach_sqrt(squares)
        bias_correction_sqrt = (1 - beta2**step) ** 0.5
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * _NADAM_MOMENTUM_DECAY)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * _NADAM_MOMENTUM_DECAY)))
        mu_product = self.mu_products[a] * mu  # the members of a run share their step count and beta1
        for j in range(a, b):
            self.mu_products[j] = mu_product
        torch._foreach_div_(denom, bias_correction_sqrt)
        torch._foreach_add_(denom, eps)
        product = mu_product.item()
        torch._foreach_addcdiv_(params, grads, denom, (lr * (1.0 - mu) / (1.0 - product)) * -1)
        torch._foreach_addcdiv_(params, moments, denom, (lr * mu_next / (1.0 - product * mu_next)) * -1)

    def evaluate(self, positions, max_rows):
        """Validation loss (no penalty) and score of the members at ``positions``, on their validation rows."""
        members = [self.members[self.active[p]] for p in positions]
        sizes = [len(m.valid_global) for m in members]
        n = max(sizes)
        M = len(members)
        rows = np.zeros((M, n), dtype=np.int64)
        weights = np.zeros((M, n))
        for j, m in enumerate(members):
            rows[j, : sizes[j]] = m.valid_global
            weights[j, : sizes[j]] = 1.0 if m.valid_weights is None else m.valid_weights
        rows = torch.as_tensor(rows, device=self.device)
        weights = torch.as_tensor(weights, dtype=self.dtype, device=self.device)
        pos = torch.tensor(positions, dtype=torch.int64, device=self.device)
        saved_W, saved_b = self.W, self.b
        flat = self.flat
        losses, scores = [], []
        chunk = max(1, int(max_rows // max(n, 1)))
        try:
            for start in range(0, M, chunk):
                part = pos[start:start + chunk]
                self.W, self.b = self._views([t.index_select(0, part) for t in flat])
                r, w = rows[start:start + chunk], weights[start:start + chunk]
                Mc = r.shape[0]
                X = self.X.index_select(0, r.reshape(-1)).view(Mc, n, -1)
                y = self.y.index_select(0, r.reshape(-1))
                y = y.view(Mc, n) if y.ndim == 1 else y.view(Mc, n, -1)
                with torch.no_grad():
                    out, _, _ = self.forward(X)
                    loss, score = self._loss_and_score(out, y, w)
                losses.append(loss)
                scores.append(score)
        finally:
            self.W, self.b = saved_W, saved_b
        return torch.cat(losses).tolist(), torch.cat(scores).tolist()

    def _loss_and_score(self, out, y, w):
        """Per member: mean loss and :func:`sknn_hp.losses.validation_score` (NaN for non-finite outputs)."""
        count = w.sum(1)
        finite = (torch.isfinite(out) | (w == 0).unsqueeze(2)).flatten(1).all(1)
        loss = (self.per_sample_loss(out, y) * w).sum(1) / count
        if self.loss == "log_loss":
            score = ((out.argmax(dim=2) == y).to(out.dtype) * w).sum(1) / count
        elif self.loss == "binary_log_loss":
            score = (((out > 0) == (y > 0.5)).all(dim=2).to(out.dtype) * w).sum(1) / count
        else:
            pred = torch.exp(out) if self.loss == "poisson" else out
            wk = w.unsqueeze(2)
            mean = (wk * y).sum(1, keepdim=True) / wk.sum(1, keepdim=True)
            ss_res = (wk * (y - pred) ** 2).sum(1)
            ss_tot = (wk * (y - mean) ** 2).sum(1)
            r2 = torch.where(ss_tot > 0, 1.0 - ss_res / torch.where(ss_tot > 0, ss_tot, 1.0),
                             torch.where(ss_res > 0, 0.0, 1.0))
            score = r2.mean(1)
        nan = torch.full_like(loss, float("nan"))
        return torch.where(finite, loss, nan), torch.where(finite, score, nan)


def _epoch_batches(members, epoch_rows, epoch_weights):
    """The epoch's stacked batches: per step, (rows, weights, counts, totals) arrays over the members.

    ``epoch_weights[j]``: member j's row weights in its epoch order, or None (all 1); ``totals``
    is None when no member has weights, else each member's sum of weights in the batch (1 without a batch).
    """
    n_steps = max(len(m.bounds) for m in members)
    M = len(members)
    weighted = any(w is not None for w in epoch_weights)
    widths = [max((stop - start for m in members if s < len(m.bounds) for start, stop in [m.bounds[s]]),
                  default=0) for s in range(n_steps)]
    steps = []
    for s in range(n_steps):
        rows = np.zeros((M, widths[s]), dtype=np.int64)
        weights = np.zeros((M, widths[s]))
        counts = np.zeros(M)
        for j, m in enumerate(members):
            if s < len(m.bounds):
                start, stop = m.bounds[s]
                rows[j, : stop - start] = epoch_rows[j][start:stop]
                weights[j, : stop - start] = 1.0 if epoch_weights[j] is None else epoch_weights[j][start:stop]
                counts[j] = stop - start
        totals = np.where(counts > 0, weights.sum(1), 1.0) if weighted else None
        steps.append((rows, weights, counts, totals))
    return steps


def train_group(estimators, data_indices, datas, max_eval_rows=2_000_000):
    """Train the members of one group together.

    Parameters
    ----------
    estimators : list of BaseMLP
        One estimator per member, its parameters set (they are read, never fitted).
    data_indices : list of int
        Each member's index into ``datas``.
    datas : list of TrainData
    max_eval_rows : int
        Members x validation rows evaluated at once.

    Returns
    -------
    results : list of dict or None
        Per member: ``{"state_dict": ..., "state": TrainingState, "n_train":
        int, "batch_size": int, "random_state": RandomState}`` (the module's
        weights as ``MLPModule.state_dict`` names them, on the CPU, the
        training state, the training rows and batch size of its net, and its
        generator after the fit's draws: what ``BaseMLP._commit_fit`` commits
        into an estimator), or None when the member must be fitted the
        ordinary way (it diverged).
    seconds : float
        Wall time of the group.
    """
    start = time.perf_counter()
    est0 = estimators[0]
    device = resolve_device(est0.device)
    dtype = est0._compute_dtype(datas[data_indices[0]].X.dtype)
    slots = []
    for est, d in zip(estimators, data_indices):
        try:  # a member whose setup raises (invalid parameters, a split too small) is fitted alone
            slots.append(_Member(len([s for s in slots if s is not None]), est, d, datas[d], dtype, device))
        except Exception:
            slots.append(None)
    members = [m for m in slots if m is not None]
    if not members:
        return [None] * len(slots), time.perf_counter() - start
    group = _Group(members, datas, dtype, device)
    for m in members:
        m.trainer = Trainer(m.est, None, m.schedule, None, m.state, m.early_stopping, m.schedule_name,
                            snapshot=lambda group=group, m=m: _member_weights(group, m))

    epoch = 0
    while True:
        live = [members[i] for i in group.active]
        if not live:
            break
        epoch_start = time.perf_counter()
        epoch_rows, epoch_weights = [], []
        for m in live:
            m.schedule.knobs["samples_seen"] = 0 if epoch == 0 else m.state.t
            if m.shuffle:
                order = torch.randperm(m.n_train, generator=m.randomness.shuffle).numpy()
                epoch_rows.append(m.train_global[order])
                epoch_weights.append(None if m.train_weights is None else m.train_weights[order])
            else:
                epoch_rows.append(m.train_global)
                epoch_weights.append(m.train_weights)
        batches = _epoch_batches(live, epoch_rows, epoch_weights)
        per_epoch_lr = all(m.schedule_name in _PER_EPOCH_SCHEDULES for m in live)
        lr = [m.learning_rate(epoch, 0) for m in live]
        loss_sum = None
        first_loss = None
        for s, (rows, weights, counts, totals) in enumerate(batches):
            if s and not per_epoch_lr:
                lr = [m.learning_rate(epoch, s) if s < len(m.bounds) else 0.0 for m in live]
            counts_t = torch.as_tensor(counts, dtype=dtype, device=device)
            active_mask = None if counts.all() else counts > 0
            loss = group.step(
                torch.as_tensor(rows, device=device),
                torch.as_tensor(weights, dtype=dtype, device=device),
                counts_t,
                lr,
                active_mask,
                None if totals is None else torch.as_tensor(totals, dtype=dtype, device=device),
            )
            weighted = loss * counts_t
            loss_sum = weighted if loss_sum is None else loss_sum + weighted
            if s == 0:
                first_loss = loss
        train_loss = (loss_sum.cpu() / torch.tensor([m.n_train for m in live], dtype=torch.float64)).tolist()
        first_loss = first_loss.tolist()
        if live[0].early_stopping:
            valid_loss, valid_score = group.evaluate(list(range(len(live))), max_eval_rows)
        duration = (time.perf_counter() - epoch_start) / len(live)

        finished = []
        for p, m in enumerate(live):
            row = {"train_loss": train_loss[p]}
            if m.early_stopping:
                row["valid_loss"], row["valid_score"] = valid_loss[p], valid_score[p]
            row["lr"] = float(m.schedule.current_lr() if not per_epoch_lr else lr[p])
            row["dur"] = duration
            state, trainer = m.state, m.trainer
            if state.reference_loss is None:
                state.reference_loss = float(first_loss[p])
            if trainer._diverged(row):
                m.failed = "diverged"
                finished.append(p)
                continue
            trainer._record(row, m.n_train)
            trainer._update_no_improvement_count(row)
            trainer._update_plateau(row)
            if trainer._stalled():
                finished.append(p)
                continue
            if state.n_iter == m.est.max_iter:
                warnings.warn(
                    "Stochastic Optimizer: Maximum iterations (%d) reached and the optimization "
                    "hasn't converged yet." % m.est.max_iter,
                    ConvergenceWarning,
                )
                finished.append(p)
        for p in finished:
            m = live[p]
            m.done = True
            if m.failed is None:
                m.result = _finish(group, m)
        if finished:
            keep = [p for p in range(len(live)) if p not in set(finished)]
            group.compact(keep)
        epoch += 1
    results = [None if m is None or m.failed else m.result for m in slots]
    return results, time.perf_counter() - start


def _finish(group, member):
    state = member.state
    state.lr_factor = member.schedule.factor
    if member.early_stopping and member.est.restore_best_weights and state.best_weights is not None:
        weights = state.best_weights
    else:
        weights = _member_weights(group, member)
    state.optimizer_state = None
    return {
        "state_dict": weights,
        "state": state,
        "n_train": member.n_train,
        "batch_size": member.batch_size,
        "random_state": member.random_state,
    }

