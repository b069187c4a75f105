"""Input scaling for tabular networks: robust scaling with smooth clipping.

RealMLP (Holzmüller et al. 2024, "Better by default: strong pre-tuned MLPs
and boosted trees on tabular data") scales each numeric column by a robust
estimate of its spread and then squashes outliers smoothly instead of
clipping them::

    z = (x - median) * f
    f = 1 / (q75 - q25)                 if q75 > q25
        1 / (0.5 * (max - min))          elif max > min
        0                                otherwise (a constant column)
    out = z / sqrt(1 + (z / c)^2)       c = ``clip`` (3 by default)

``out`` is about ``z`` for ``|z| << c`` and tends to ``+-c`` for large ``|z|``:
heavy tails and outliers no longer dominate the first layer, and the scale
follows the bulk of the data rather than its extremes (as a standard
scaler's does). :class:`RobustSmoothClipScaler` is the transformer; the
estimators apply the same transform to their numeric columns with
``numeric_scaling='robust'``.

The median and the quartiles are quantiles of the averaged inverted
empirical distribution function (numpy's ``method='averaged_inverted_cdf'``,
Hyndman and Fan's definition 2; :func:`weighted_quantile`): the median is the
usual one, and with sample weights the empirical distribution puts weight
``w_i`` on ``x_i``, so integer weights give the statistics of the rows
repeated that many times and a zero weight those of the data without the row.
RealMLP's meaning is kept (the interquartile range of the bulk of the
column): quantile definitions differ only in how they pick between two
neighbouring values, which numpy's default interpolates and this one takes
one of, or their midpoint.
"""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._param_validation import Interval

__all__ = ["RobustSmoothClipScaler", "robust_scale_factors", "smooth_clip", "weighted_quantile"]


def weighted_quantile(x, q, sample_weight=None):
    """Quantiles of the averaged inverted empirical CDF, with sample weights; NaN ignored.

    With the values that are not NaN and have a positive weight sorted,
    ``x_(1) <= ... <= x_(m)``, their weights ``w_(i)``, the cumulative weights
    ``S_k = w_(1) + ... + w_(k)`` and ``t = q * S_m``, the ``q``-quantile is
    ``x_(k)`` for the smallest ``k`` with ``S_k >= t``, or
    ``(x_(k) + x_(k+1)) / 2`` when ``S_k == t`` exactly and ``k < m``
    (Hyndman and Fan's definition 2). Without weights (or with unit weights)
    this is numpy's ``np.quantile(x, q, method='averaged_inverted_cdf')`` and
    the median is ``np.median``'s; integer weights give exactly the quantiles
    of the values repeated that many times, and values of zero weight do not
    count at all.

    Parameters
    ----------
    x : array-like of shape (n_samples,)
        The values; NaN are ignored.
    q : float or array-like of float in [0, 1]
        The probability levels.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights; None for unit weights.

    Returns
    -------
    quantiles : float or ndarray of shape (len(q),)
        NaN where no value is left (all NaN, or all weights 0).
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    levels = np.asarray(q, dtype=np.float64)
    keep = ~np.isnan(x)
    if sample_weight is None:
        w = np.ones(x.shape[0])
    else:
        w = np.asarray(sample_weight, dtype=np.float64).ravel()
        if w.shape != x.shape:
            raise ValueError(f"sample_weight has shape {w.shape}, expected {x.shape}.")
        keep &= w > 0
    x, w = x[keep], w[keep]
    if x.shape[0] == 0:
        return np.full(levels.shape, np.nan)[()]
    order = np.argsort(x, kind="stable")
    x, cdf = x[order], np.cumsum(w[order])
    target = levels * cdf[-1]
    last = x.shape[0] - 1
    k = np.minimum(np.searchsorted(cdf, target, side="left"), last)  # the smallest k with S_k >= t
    on_a_step = (cdf[k] == target) & (k < last)
    return np.where(on_a_step, (x[k] + x[np.minimum(k + 1, last)]) / 2, x[k])[()]


def robust_scale_factors(X, sample_weight=None):
    """Column medians and robust scale factors ``f`` of the module's formula.

    The median and quartiles are :func:`weighted_quantile`'s; the range in
    ``f``'s fallback is that of the values of positive weight. NaN values are
    ignored column by column; a column with no value left gets median 0 and
    factor 0.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Finite values or NaN.
    sample_weight : ndarray of shape (n_samples,), default=None
        Non-negative weights; None for unit weights.

    Returns
    -------
    median, factor : ndarray of shape (n_features,), float64
    """
    X = np.asarray(X, dtype=np.float64)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
    median, factor = np.zeros(X.shape[1]), np.zeros(X.shape[1])
    for j in range(X.shape[1]):
        column = X[:, j]
        q25, q50, q75 = weighted_quantile(column, [0.25, 0.5, 0.75], sample_weight)
        if np.isnan(q50):
            continue
        spread = q75 - q25
        if spread == 0:
            counted = ~np.isnan(column) if sample_weight is None else ~np.isnan(column) & (sample_weight > 0)
            spread = 0.5 * (column[counted].max() - column[counted].min())
        median[j] = q50
        factor[j] = 1.0 / spread if spread > 0 else 0.0
    return median, factor


def smooth_clip(z, clip=3.0):
    """``z / sqrt(1 + (z / clip)^2)``: the identity near 0, tending to ``+-clip``.

    Parameters
    ----------
    z : ndarray
    clip : float, default=3.0

    Returns
    -------
    out : ndarray
        Same shape and float dtype as ``z``.
    """
    return z / np.sqrt(1.0 + (z / clip) ** 2)


class RobustSmoothClipScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Robust scaling followed by smooth clipping (RealMLP's numeric preprocessing).

    ``out = z / sqrt(1 + (z / clip)^2)`` with ``z = (x - median) * f`` and
    ``f = 1 / (q75 - q25)``, or ``1 / (0.5 (max - min))`` when the
    interquartile range is 0, or 0 for a constant column (see
    :mod:`sknn_hp.preprocessing`). The median and quartiles are those of
    the averaged inverted empirical CDF (:func:`weighted_quantile`;
    numpy's ``method='averaged_inverted_cdf'``), weighted by
    ``sample_weight`` when given. A standard scaler divides by the
    standard deviation, which one outlier can inflate; here the bulk of the
    column gets unit spread and outliers are squashed to at most ``clip``.

    Parameters
    ----------
    clip : float, default=3.0
        Asymptotic bound ``c`` of the output.

    Attributes
    ----------
    median_ : ndarray of shape (n_features,)
        Column medians.
    scale_factor_ : ndarray of shape (n_features,)
        The factors ``f``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when X has string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn_hp.preprocessing import RobustSmoothClipScaler
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [1000.0]])
    >>> RobustSmoothClipScaler().fit_transform(X).ravel().round(3)
    array([-0.949, -0.493,  0.   ,  0.493,  3.   ])
    """

    _parameter_constraints: dict = {"clip": [Interval(Real, 0, None, closed="neither")]}

    def __init__(self, clip=3.0):
        self.clip = clip

    def fit(self, X, y=None, sample_weight=None):
        """Compute the medians and scale factors.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the rows in the medians, quartiles and
            range: an integer weight counts the row that many times, a zero
            weight leaves it out.

        Returns
        -------
        self : RobustSmoothClipScaler
        """
        self._validate_params()
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=True)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        self.median_, self.scale_factor_ = robust_scale_factors(X, sample_weight)
        return self

    def transform(self, X):
        """Scale and clip.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features)
            In the input's float dtype.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        z = (X - self.median_.astype(X.dtype)) * self.scale_factor_.astype(X.dtype)
        return smooth_clip(z, self.clip).astype(X.dtype, copy=False)
