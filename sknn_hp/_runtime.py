"""Runtime concerns of a fit: the device, the fit's own random generators, determinism flags.

Nothing here touches process-wide state without a lock: every random draw of a
fit comes from the :class:`FitRandomness` generators it owns, so fits running
in parallel threads give the same results as one after the other, and torch's
global determinism flags are switched under a lock and reference count.
"""

import os
import threading
from contextlib import contextmanager

import numpy as np
import torch

from .persistence import map_leaves

__all__ = [
    "FitRandomness", "Snapshots", "deterministic_torch", "one_thread_if_forked",
    "resolve_device", "to_cpu",
]

# Set in a child process created by os.fork (joblib's "multiprocessing" backend on Linux, a
# multiprocessing Pool with the "fork" start method...), never in a process started afresh (loky,
# spawn, Dask's and Ray's workers).
_FORKED = False


def _mark_forked():
    global _FORKED
    _FORKED = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_mark_forked)


def one_thread_if_forked():
    """In a forked child: torch's intra-op threads set to 1, before any torch op of the task; True there.

    A process forked after its parent ran a multi-threaded torch op inherits libgomp's OpenMP
    thread pool as data but not its threads: the child's first parallel region (a matmul, MKL's
    batched gemm...) waits at the team barrier for threads that do not exist, forever. With one
    thread libgomp starts no team and torch runs normally. The count is left at 1 (raising it again
    would re-arm the deadlock for the child's next torch op).
    """
    if not _FORKED:
        return False
    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)
    return True


def resolve_device(device):
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


class FitRandomness:
    """The random streams of one fit, each its own ``torch.Generator``, all from one seed.

    ``seed`` is the integer a fit draws from its ``random_state`` (a numpy
    ``RandomState``, as scikit-learn's MLP keeps). Three independent streams
    follow from it, so that one kind of draw never shifts another:

    - ``init`` (CPU): the initial weights, drawn in float64 whatever the
      compute dtype and device, so the same seed gives the same network;
    - ``shuffle`` (CPU): one permutation of the training rows per epoch;
    - ``dropout`` (on the training device): the dropout masks.

    Parameters
    ----------
    seed : int
    device : str
        The training device, which owns the dropout stream.
    """

    def __init__(self, seed, device="cpu"):
        self.seed = int(seed)
        self.init = torch.Generator().manual_seed(self.seed)
        self.shuffle = torch.Generator().manual_seed(self.seed + 1)
        self.dropout = torch.Generator(device=torch.device(device)).manual_seed(self.seed + 2)

    @classmethod
    def draw(cls, random_state, device="cpu"):
        """Draw the fit's seed from a numpy ``RandomState`` (scikit-learn's ``_random_state``)."""
        return cls(random_state.randint(np.iinfo(np.int32).max), device)


@contextmanager
def global_rng_untouched():
    """Run a block that may draw from torch's global CPU generator, leaving it as it was.

    Only module construction needs it (``nn.Linear`` draws default weights that
    the fit's own initialization then overwrites); the results never depend on
    those draws, so concurrent fits stay independent.
    """
    with torch.random.fork_rng(devices=[]):
        yield


# The cuBLAS workspace settings torch accepts under deterministic algorithms.
_CUBLAS_DETERMINISTIC = (":4096:8", ":16:8")
_DETERMINISM_LOCK = threading.Lock()
_determinism = {"users": 0, "previous": None}


@contextmanager
def deterministic_torch(enabled, device):
    """Run a block with torch's deterministic algorithms (``deterministic=True``), restoring the flags after.

    Sets ``torch.use_deterministic_algorithms(True)``, ``cudnn.deterministic``
    and turns ``cudnn.benchmark`` off. The flags are process-wide: they are
    switched under a lock, and the previous values come back when the last
    deterministic fit running in the process ends, raise or not. On CUDA,
    cuBLAS also needs ``CUBLAS_WORKSPACE_CONFIG=:4096:8`` (or ``:16:8``) before
    CUDA starts: it is set here when CUDA has not been used yet in the
    process, and a RuntimeError says how to set it otherwise.
    """
    if not enabled:
        yield
        return
    cuda = str(device).startswith("cuda") or (device == "auto" and torch.cuda.is_available())
    with _DETERMINISM_LOCK:
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
        if _determinism["users"] == 0:
            _determinism["previous"] = (
                torch.are_deterministic_algorithms_enabled(),
                torch.is_deterministic_algorithms_warn_only_enabled(),
                cudnn.deterministic,
                cudnn.benchmark,
            )
            torch.use_deterministic_algorithms(True)
            cudnn.deterministic, cudnn.benchmark = True, False
        _determinism["users"] += 1
    try:
        yield
    finally:
        with _DETERMINISM_LOCK:
            _determinism["users"] -= 1
            if _determinism["users"] == 0:
                previous = _determinism["previous"]
                torch.use_deterministic_algorithms(previous[0], warn_only=previous[1])
                cudnn.deterministic, cudnn.benchmark = previous[2], previous[3]


class Snapshots:
    """CPU copies of one module's state (load back onto any device; unpickle without CUDA).

    ``Snapshots(module)()`` is a copy of ``module.state_dict()``. The live
    tensors are gathered once, so repeated snapshots (every epoch) do not walk
    the module: parameters and buffers are updated in place by training and
    by ``load_state_dict``, so the references stay valid.
    """

    def __init__(self, module):
        self.tensors = list(module.state_dict(keep_vars=True).items())

    def __call__(self):
        return {k: v.detach().to("cpu", copy=True) for k, v in self.tensors}


def to_cpu(state):
    """An optimizer ``state_dict`` with every tensor copied to the CPU."""
    return map_leaves(state, torch.Tensor, lambda t: t.detach().to("cpu", copy=True))
