"""Secure persistence with skops: fitted estimators without pickle.

``skops.io`` saves an object by walking the state its ``__getstate__``
returns and writing only types it knows how to rebuild without pickle (numpy
arrays, containers, scikit-learn objects); it refuses torch tensors. The
estimators therefore keep two forms of their state:

- **pickle, joblib, copy** go through ``__reduce_ex__`` and get the complete
  state: the live skorch net in ``net_`` (torch module, criterion and
  optimizer, serialized by skorch with ``torch.save``) and the optimizer-state
  and best-weights snapshots as CPU tensors. Nothing changes for them.
- **skops** calls ``__getstate__``, which returns the *portable* form built by
  :func:`portable_state`: ``net_`` becomes a dict holding the network's
  ``state_dict`` as numpy arrays, the saved device and batch size, and the two
  snapshots become nested dicts of numpy arrays. On load, ``__setstate__``
  converts the arrays back to tensors and rebuilds the skorch net from the
  estimator's own parameters (:func:`rebuild_net`), so predictions are
  identical and ``partial_fit`` continues with the saved optimizer state.

So plain ``skops.io.dump(est, path)`` works, for an estimator and for a
Pipeline or search object that contains one. :func:`dump_skops` and
:func:`load_skops` are thin conveniences: ``load_skops`` trusts the types of
:data:`SKOPS_TRUSTED_TYPES` (the sknn_hp estimators) and nothing else unless
you add them.
"""

import warnings

import numpy as np
import torch

__all__ = ["SKOPS_TRUSTED_TYPES", "dump_skops", "load_skops", "portable_state", "rebuild_net", "restore_tensors"]

#: The types a fitted estimator's skops file holds beyond skops's default
#: trusted types (numpy, scipy, scikit-learn, builtins), as returned by
#: ``skops.io.get_untrusted_types(file=...)`` (tests/test_persistence.py checks
#: this list against the real files). User-supplied objects (``callbacks``, a
#: ``class_weight`` mapping of exotic types) add their own types.
SKOPS_TRUSTED_TYPES = [
    "sknn_hp._classifier.MLPClassifier",
    "sknn_hp._regressor.MLPRegressor",
    # the fitted input encoder of an estimator with categorical_features or numeric_scaling
    "sknn_hp._categorical.TabularEncoder",
]

# The key of the portable ``net_`` that tells it apart from a live skorch net.
_FORMAT = "sknn_hp.portable_net/1"


def map_leaves(obj, kind, fn):
    """``obj`` with ``fn`` applied to every instance of ``kind`` in its nested dicts, lists and tuples."""
    if isinstance(obj, kind):
        return fn(obj)
    if isinstance(obj, dict):
        return {k: map_leaves(v, kind, fn) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(map_leaves(v, kind, fn) for v in obj)
    return obj


def _tensors_to_arrays(obj):
    """``obj`` with every torch tensor replaced by a numpy copy."""
    return map_leaves(obj, torch.Tensor, lambda t: t.detach().to("cpu", copy=True).numpy())


def _arrays_to_tensors(obj):
    """The inverse of :func:`_tensors_to_arrays`: numpy arrays become CPU tensors."""
    return map_leaves(obj, np.ndarray, lambda a: torch.from_numpy(np.array(a, copy=True)))


def portable_state(state):
    """Replace the torch objects of an estimator's state by numpy arrays.

    Parameters
    ----------
    state : dict
        The complete state of a fitted or unfitted estimator (its
        ``__dict__`` plus version tags).

    Returns
    -------
    portable : dict
        A new dict: ``net_`` (when fitted) becomes ``{'format', 'module_state',
        'device', 'batch_size'}`` with the network's ``state_dict`` as numpy
        arrays; ``_optimizer_state`` and ``_best_state`` hold numpy arrays in
        place of tensors. Every other entry is shared with ``state``.
    """
    portable = dict(state)
    net = portable.get("net_")
    if net is not None and not _is_portable_net(net):
        portable["net_"] = {
            "format": _FORMAT,
            "module_state": _tensors_to_arrays(dict(net.module_.state_dict())),
            "device": str(net.device),
            "batch_size": int(net.batch_size),
        }
    for name in ("_optimizer_state", "_best_state"):
        if portable.get(name) is not None:
            portable[name] = _tensors_to_arrays(portable[name])
    return portable


def _is_portable_net(net):
    return isinstance(net, dict) and net.get("format") == _FORMAT


def restore_tensors(state):
    """Undo :func:`portable_state` on the snapshots (in place); a live state is left as it is.

    Parameters
    ----------
    state : dict
        An estimator state, portable or complete.

    Returns
    -------
    state : dict
        The same dict, ``_optimizer_state`` and ``_best_state`` holding tensors.
    """
    for name in ("_optimizer_state", "_best_state"):
        if state.get(name) is not None:
            state[name] = _arrays_to_tensors(state[name])
    return state


def rebuild_net(est, net_state):
    """Build the fitted skorch net of ``est`` from a portable ``net_`` entry.

    The torch network is rebuilt from the estimator's parameters
    (``hidden_layer_sizes``, ``activation``, ``batch_norm``, ...), loaded with
    the saved weights and buffers, frozen as ``freeze_layers`` says, and
    wrapped in the same skorch net ``fit`` builds; the saved optimizer state,
    if any, is loaded into its optimizer.

    Parameters
    ----------
    est : MLPClassifier or MLPRegressor
        The estimator whose other attributes are already restored.
    net_state : dict
        The ``net_`` entry written by :func:`portable_state`.

    Returns
    -------
    net : sknn_hp._net.SkorchMLP
        The initialized net, on the saved device, or on the CPU (with a
        ``skorch.exceptions.DeviceWarning``) when that device is a CUDA device
        and CUDA is not available.
    """
    from skorch.exceptions import DeviceWarning

    from .optimizers import OPTIMIZERS

    weights = {k: torch.from_numpy(np.array(v, copy=True)) for k, v in net_state["module_state"].items()}
    device = net_state["device"]
    if torch.device(device).type == "cuda" and not torch.cuda.is_available():
        warnings.warn(
            f"This {type(est).__name__} was saved on {device!r} but CUDA is not available; it is loaded "
            "on the CPU.",
            DeviceWarning,
        )
        device = "cpu"
    dtype = weights["output.weight"].dtype
    module = est._new_module(est._input_width(), int(est.n_outputs_), dtype, device)  # reads _tabular_encoder
    module.load_state_dict(weights)
    module.freeze(est.freeze_layers)
    batch_size = int(net_state["batch_size"])
    # n_train only sizes the schedule callback, which every later fit builds anew.
    net, _ = est._build_net(module, batch_size, batch_size, None, device)
    if OPTIMIZERS[est.solver].stochastic and getattr(est, "_optimizer_state", None) is not None:
        net.optimizer_.load_state_dict(est._optimizer_state)
    return net


def dump_skops(est, file, **kwargs):
    """Save an estimator (or a Pipeline or search holding one) in skops's secure format.

    Equivalent to ``skops.io.dump(est, file, **kwargs)``: the estimators'
    ``__getstate__`` already gives skops numpy arrays in place of torch
    objects. Call ``est.trim_for_prediction()`` first to leave out the
    optimizer state.

    Parameters
    ----------
    est : object
        A fitted or unfitted MLPClassifier or MLPRegressor, or any object
        skops can save that contains them.
    file : str, path or binary file object
        Where to write; ``.skops`` is the conventional extension.
    **kwargs
        Passed to ``skops.io.dump`` (``compression``, ``compresslevel``).

    Raises
    ------
    ImportError
        When skops is not installed (``pip install skops``).
    """
    sio = _skops_io()
    sio.dump(est, file, **kwargs)


def load_skops(file, trusted=None):
    """Load a file written by :func:`dump_skops` or ``skops.io.dump``, trusting sknn_hp's types.

    Parameters
    ----------
    file : str, path or binary file object
        A skops file.
    trusted : list of str or type, default=None
        Types to trust beyond skops's defaults and :data:`SKOPS_TRUSTED_TYPES`
        (for example the classes of your own ``callbacks``). Inspect a file
        you did not write with ``skops.io.get_untrusted_types(file=...)``
        before adding anything here.

    Returns
    -------
    est : object
        The loaded estimator (or Pipeline, search, ...), ready to predict. A
        file saved by another sknn_hp version warns (``UserWarning``) as an
        unpickled one does.

    Raises
    ------
    skops.io.exceptions.UntrustedTypesFoundException
        When the file holds a type that is neither trusted by default nor
        listed.
    ImportError
        When skops is not installed (``pip install skops``).
    """
    sio = _skops_io()
    return sio.load(file, trusted=[*SKOPS_TRUSTED_TYPES, *(trusted or [])])


def _skops_io():
    try:
        import skops.io as sio
    except ImportError as exc:  # pragma: no cover - skops is in the test requirements
        raise ImportError("Saving and loading in the skops format needs skops: pip install skops") from exc
    return sio
