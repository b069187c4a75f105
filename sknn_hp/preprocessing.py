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
"""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._param_validation import Interval

__all__ = ["RobustSmoothClipScaler", "robust_scale_factors", "smooth_clip"]


def robust_scale_factors(X):
    """Column medians and robust scale factors ``f`` of the module's formula.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Finite values.

    Returns
    -------
    median, factor : ndarray of shape (n_features,), float64
    """
    X = np.asarray(X, dtype=np.float64)
    if X.shape[0] == 0:
        return np.zeros(X.shape[1]), np.zeros(X.shape[1])
    median = np.median(X, axis=0)
    q25, q75 = np.quantile(X, [0.25, 0.75], axis=0)
    spread = q75 - q25
    flat = spread == 0
    spread[flat] = 0.5 * (X.max(axis=0) - X.min(axis=0))[flat]
    factor = np.zeros_like(spread)
    nonzero = spread > 0
    factor[nonzero] = 1.0 / spread[nonzero]
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
    :mod:`sknn_hp.preprocessing`). A standard scaler divides by the
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

    def fit(self, X, y=None):
        """Compute the medians and scale factors.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : RobustSmoothClipScaler
        """
        self._validate_params()
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=True)
        self.median_, self.scale_factor_ = robust_scale_factors(X)
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
