"""Gradient checking: compare back-propagation with centred finite differences.

The course notes' procedure: flatten every parameter ``W[1], b[1], ...,
W[L], b[L]`` into one vector theta with cost ``J(theta)``, approximate each
partial derivative by the centred difference

    d_approx[i] = (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)

and compare it with the back-propagated gradient ``d`` through

    x = ||d_approx - d||_2 / (||d_approx||_2 + ||d||_2).

``x < 1e-7`` is good (back-propagation very likely correct), ``x`` around
``1e-5`` asks for inspection (look for particularly large per-coordinate
differences), ``x >= 1e-3`` very likely means a bug. Gradient checking is a
debugging tool, far slower than training (two forward passes per checked
coordinate), and does not work with dropout, whose cost is random: the check
turns dropout off.
"""

import copy
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

__all__ = ["GradientCheckResult", "check_gradients"]

#: Verdict thresholds on the relative difference (course notes).
GOOD_THRESHOLD = 1e-7
BUG_THRESHOLD = 1e-3


def _verdict(x):
    if x < GOOD_THRESHOLD:
        return "good"
    if x < BUG_THRESHOLD:
        return "inspect"
    return "bug"


def _relative_difference(approx, exact):
    num = np.linalg.norm(approx - exact)
    den = np.linalg.norm(approx) + np.linalg.norm(exact)
    return float(num / den) if den > 0 else 0.0


def _is_fitted(est):
    return hasattr(est, "net_")


def _training_tensors(est, X, y, sample_weight, dtype, device):
    """Inputs and the target the training loss of fitted ``est`` expects, as tensors.

    Returns ``(X, target)``, target being a tensor or ``(y, sample_weight)``,
    built as ``fit`` builds them (label binarizer, class weights).
    """
    if getattr(est, "_tabular_encoder", None) is not None:  # categorical columns, numeric scaling
        X = est._validate_tabular(X, reset=False)
    else:
        X = check_array(X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32))
    if getattr(est, "_tabular_encoder", None) is None and X.shape[1] != est.n_features_in_:
        raise ValueError(f"X has {X.shape[1]} features, but the estimator was fitted on {est.n_features_in_}.")
    if sp.issparse(X):
        X = X.toarray()
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
    target, sample_weight = est._training_target(y, sample_weight)
    Xt = torch.as_tensor(np.ascontiguousarray(X), dtype=dtype, device=device)
    target_dtype = torch.int64 if target.ndim == 1 else dtype
    yt = torch.as_tensor(np.ascontiguousarray(target), dtype=target_dtype, device=device)
    if sample_weight is None:
        return Xt, yt
    sw = torch.as_tensor(np.asarray(sample_weight, dtype=np.float64), dtype=dtype, device=device)
    return Xt, (yt, sw)


def _fit_one_epoch(est, X, y, sample_weight=None):
    """A clone of ``est`` fitted for one epoch (one iteration for 'lbfgs'), on all of X."""
    est = clone(est).set_params(max_iter=1, early_stopping=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, sample_weight=sample_weight)


@dataclass
class GradientCheckResult:
    """Outcome of :func:`check_gradients`.

    Attributes
    ----------
    relative_difference : float
        ``||d_approx - d||_2 / (||d_approx||_2 + ||d||_2)`` over the checked
        coordinates.
    verdict : {'good', 'inspect', 'bug'}
        ``'good'`` below 1e-7, ``'bug'`` from 1e-3, ``'inspect'`` between.
    per_parameter : dict of str to float
        The same relative difference restricted to each parameter tensor
        (name as in ``module.named_parameters()``); only tensors with at least
        one checked coordinate are listed.
    n_checked : int
        Number of coordinates compared.
    loss : float
        The penalized training loss J(theta) at the checked point.
    eps : float
        The finite-difference step.
    gradient, approx_gradient : ndarray
        Back-propagated and finite-difference values of the checked
        coordinates.
    names : list of str
        Parameter name of each checked coordinate.
    indices : ndarray of int
        Flat index of each checked coordinate inside its parameter tensor.
    """

    relative_difference: float
    verdict: str
    per_parameter: dict
    n_checked: int
    loss: float
    eps: float
    gradient: np.ndarray = field(repr=False)
    approx_gradient: np.ndarray = field(repr=False)
    names: list = field(repr=False)
    indices: np.ndarray = field(repr=False)

    @property
    def worst(self):
        """The coordinate with the largest absolute difference.

        Returns
        -------
        worst : dict
            ``name``, ``index``, ``gradient``, ``approx_gradient`` and
            ``abs_difference``.
        """
        diff = np.abs(self.approx_gradient - self.gradient)
        i = int(np.argmax(diff))
        return {
            "name": self.names[i],
            "index": int(self.indices[i]),
            "gradient": float(self.gradient[i]),
            "approx_gradient": float(self.approx_gradient[i]),
            "abs_difference": float(diff[i]),
        }

    def to_frame(self):
        """One row per checked coordinate.

        Returns
        -------
        frame : pandas.DataFrame
            Columns ``parameter``, ``index``, ``gradient``,
            ``approx_gradient`` and ``abs_difference``.
        """
        import pandas as pd

        return pd.DataFrame(
            {
                "parameter": self.names,
                "index": self.indices,
                "gradient": self.gradient,
                "approx_gradient": self.approx_gradient,
                "abs_difference": np.abs(self.approx_gradient - self.gradient),
            }
        )

    def __str__(self):
        lines = [
            f"Gradient check: relative difference {self.relative_difference:.3e} -> {self.verdict} "
            f"({self.n_checked} coordinates, eps={self.eps:g}, loss={self.loss:.6g})"
        ]
        for name, value in self.per_parameter.items():
            lines.append(f"  {name:<28} {value:.3e}  {_verdict(value)}")
        return "\n".join(lines)


def check_gradients(est, X, y, n_checks=None, eps=1e-6, random_state=0, sample_weight=None):
    """Check the network's back-propagated gradients against finite differences.

    The cost is the estimator's penalized training loss on ``(X, y)``: the
    mean loss (weighted by ``sample_weight`` and ``class_weight``) plus
    ``alpha * (l1_ratio * sum |W| + (1 - l1_ratio) / 2 * sum W^2) / m``. The
    network is deep-copied, converted to float64 and put in evaluation mode
    for the whole check, so that J is deterministic: dropout is off (as the
    notes require) and batch norm normalizes with its *running statistics*
    rather than batch statistics, i.e. the check covers the inference-time
    batch-norm function. The estimator itself is left unchanged.

    Every parameter coordinate (or ``n_checks`` of them, drawn at random)
    gets the centred difference

        d_approx = (J(theta + eps) - J(theta - eps)) / (2 eps)

    and the result compares it with autograd's gradient d through
    ``x = ||d_approx - d||_2 / (||d_approx||_2 + ||d||_2)``.

    Kinked functions (ReLU family and SELU at 0, ``absolute_error``, the L1
    penalty at 0) only give a correct difference when no pre-activation,
    residual or weight lies within ``eps`` of the kink; otherwise expect
    'inspect'. Frozen parameters (``requires_grad=False``) are not checked.

    Parameters
    ----------
    est : MLPClassifier or MLPRegressor
        A fitted estimator. An unfitted one is cloned and fitted for one epoch
        on ``(X, y)`` first (``est`` itself stays unfitted).
    X : array-like of shape (n_samples, n_features)
        Inputs; keep them small (tens of samples): the check costs two
        forward passes per coordinate.
    y : array-like
        Targets, as passed to ``fit``.
    n_checks : int or None, default=None
        Number of randomly chosen coordinates to check; None checks all.
    eps : float, default=1e-6
        Finite-difference step. In float64, 1e-6 to 1e-7 balance truncation
        (O(eps^2)) and rounding (O(1e-16 / eps)) errors.
    random_state : int, RandomState instance or None, default=0
        Chooses the coordinates when ``n_checks`` is set.
    sample_weight : array-like of shape (n_samples,) or None, default=None
        Sample weights of the loss.

    Returns
    -------
    result : GradientCheckResult
        ``relative_difference``, ``verdict`` ('good' < 1e-7 <= 'inspect' <
        1e-3 <= 'bug') and ``per_parameter`` differences.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sknn_hp import MLPClassifier
    >>> from sknn_hp.gradcheck import check_gradients
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier((5,), activation="tanh", random_state=0)
    >>> check_gradients(clf, X[::10], y[::10]).verdict
    'good'
    """
    if not _is_fitted(est):
        est = _fit_one_epoch(est, X, y, sample_weight)
    if n_checks is not None and (int(n_checks) != n_checks or n_checks < 1):
        raise ValueError(f"n_checks must be a positive integer or None, got {n_checks!r}.")
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps!r}.")

    module = copy.deepcopy(est.net_.module_).to(torch.float64).eval()
    criterion = copy.deepcopy(est.net_.criterion_)
    device = next(module.parameters()).device
    Xt, target = _training_tensors(est, X, y, sample_weight, torch.float64, device)

    def cost():
        return criterion(module(Xt), target, module.penalized_weights())

    params = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
    if not params:
        raise ValueError("The network has no trainable parameter to check.")

    module.zero_grad(set_to_none=True)
    loss = cost()
    loss.backward()
    grads = {
        name: (p.grad if p.grad is not None else torch.zeros_like(p)).detach().reshape(-1).cpu().numpy().copy()
        for name, p in params
    }

    sizes = np.array([p.numel() for _, p in params])
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    total = int(offsets[-1])
    if n_checks is None or n_checks >= total:
        flat = np.arange(total)
    else:
        rng = check_random_state(random_state)
        flat = np.sort(rng.choice(total, size=int(n_checks), replace=False))
    which = np.searchsorted(offsets, flat, side="right") - 1

    names, indices, exact, approx = [], [], [], []
    with torch.no_grad():
        for t, i in zip(which, flat):
            name, p = params[t]
            j = int(i - offsets[t])
            data = p.data.view(-1) if p.data.is_contiguous() else None
            if data is None:  # pragma: no cover - parameters are contiguous in practice
                raise ValueError(f"Parameter {name} is not contiguous.")
            original = data[j].item()
            data[j] = original + eps
            plus = cost().item()
            data[j] = original - eps
            minus = cost().item()
            data[j] = original
            names.append(name)
            indices.append(j)
            exact.append(grads[name][j])
            approx.append((plus - minus) / (2.0 * eps))

    exact, approx, indices = np.asarray(exact), np.asarray(approx), np.asarray(indices, dtype=np.int64)
    per_parameter = {}
    names_arr = np.asarray(names, dtype=object)
    for name, _ in params:
        mask = names_arr == name
        if mask.any():
            per_parameter[name] = _relative_difference(approx[mask], exact[mask])
    x = _relative_difference(approx, exact)
    return GradientCheckResult(
        relative_difference=x,
        verdict=_verdict(x),
        per_parameter=per_parameter,
        n_checked=len(exact),
        loss=float(loss.item()),
        eps=float(eps),
        gradient=exact,
        approx_gradient=approx,
        names=names,
        indices=indices,
    )
