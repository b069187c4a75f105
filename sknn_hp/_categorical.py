"""The estimators' input encoder: which columns are categorical, and their integer codes.

Fitted at the first ``fit`` (stored as the estimator's ``_tabular_encoder``)
when ``categorical_features`` or ``numeric_scaling`` is set. It turns the raw
input (a DataFrame with string, category or object columns, or an array)
into one float matrix the network reads:

    [ numeric columns (float, scaled when numeric_scaling='robust') | codes | missing indicators ]

with the numeric columns first, in their input order, then one integer code
per categorical column (stored as floats; exact below 2**24 levels), which the
network's input block (:class:`sknn_hp.module.TabularInput`) turns into
one-hot vectors or learned embeddings, then the missing indicators.

Missing numeric values (NaN, None, pandas.NA) are imputed when
``categorical_features`` is set (``impute_missing``), as
``sklearn.impute.SimpleImputer(strategy='median', add_indicator=True)``
does: a NaN becomes the column's median in fit (NaN ignored, weighted by
``sample_weight``; 0 for a column with no value), and each numeric column
with a missing value in fit (in a row of positive weight) gets a 0/1
indicator column, 1 where the value was missing, at fit and at predict time
(a column without missing values in fit gets none, and is imputed silently).
Imputation comes before the robust scaling, whose statistics ignore NaN; the
imputed median is the scaling's median, so an imputed value scales to 0.
Infinite values raise. Without ``categorical_features``, NaN raises too.

Codes of a column with ``k`` levels seen in ``fit``:

    0          a category never seen in fit (an all-zero one-hot vector, a
               zero embedding that training never moves)
    1          a missing value (None, NaN, pandas.NA)
    2 .. k+1   the levels seen in fit, in sorted order

so unseen and missing categories never raise at predict time.
"""

import numpy as np
import pandas as pd

from .preprocessing import robust_scale_factors, smooth_clip, weighted_quantile

UNSEEN, MISSING, FIRST_LEVEL = 0, 1, 2


def _columns(X):
    """(list of 1-d column arrays, n_rows, column names or None) of a DataFrame or 2-d array-like."""
    if isinstance(X, pd.DataFrame):
        return [X.iloc[:, j] for j in range(X.shape[1])], X.shape[0], list(X.columns)
    if hasattr(X, "__dataframe__") and not hasattr(X, "shape"):
        X = pd.api.interchange.from_dataframe(X)
        return _columns(X)
    array = X if isinstance(X, np.ndarray) else np.asarray(X, dtype=object)
    if array.ndim != 2:
        raise ValueError(
            f"Expected a 2D array, got {array.ndim}D input instead. Reshape your data with "
            "array.reshape(-1, 1) for a single feature or array.reshape(1, -1) for a single sample."
        )
    return [array[:, j] for j in range(array.shape[1])], array.shape[0], None


def _is_categorical_dtype(column):
    dtype = getattr(column, "dtype", None)
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    )


def categorical_mask(categorical_features, X, n_features, feature_names):
    """The boolean mask of categorical columns, with HistGradientBoosting's meaning of the argument."""
    if categorical_features is None:
        return np.zeros(n_features, dtype=bool)
    if isinstance(categorical_features, str):
        if categorical_features != "from_dtype":
            raise ValueError(
                f"categorical_features must be None, 'from_dtype', indices, a boolean mask or feature names; "
                f"got {categorical_features!r}."
            )
        if not isinstance(X, pd.DataFrame):
            return np.zeros(n_features, dtype=bool)
        return np.array([_is_categorical_dtype(X.iloc[:, j]) for j in range(n_features)], dtype=bool)
    spec = np.asarray(categorical_features)
    if spec.size == 0:
        return np.zeros(n_features, dtype=bool)
    if spec.ndim != 1:
        raise ValueError(f"categorical_features must be 1-dimensional, got shape {spec.shape}.")
    if spec.dtype.kind == "b":
        if spec.shape[0] != n_features:
            raise ValueError(
                f"categorical_features as a boolean mask must have shape (n_features,), got {spec.shape[0]} "
                f"entries for {n_features} features."
            )
        return spec.astype(bool)
    if spec.dtype.kind in "iu":
        if spec.min() < 0 or spec.max() >= n_features:
            raise ValueError(
                f"categorical_features set as integer indices must be in [0, n_features - 1] = [0, "
                f"{n_features - 1}]; got {spec.tolist()}."
            )
        mask = np.zeros(n_features, dtype=bool)
        mask[spec] = True
        return mask
    if spec.dtype.kind in "OUS" and all(isinstance(s, str) for s in spec):
        if feature_names is None:
            raise ValueError(
                "categorical_features names a feature but X has no feature names: pass a pandas DataFrame "
                "with string column names, or use indices or a boolean mask."
            )
        names = list(feature_names)
        missing = [str(s) for s in spec if s not in names]
        if missing:
            raise ValueError(f"categorical_features names {missing}, which are not among the feature names {names}.")
        mask = np.zeros(n_features, dtype=bool)
        mask[[names.index(s) for s in spec]] = True
        return mask
    raise ValueError(
        "categorical_features must be None, 'from_dtype', integer indices, a boolean mask or feature names; "
        f"got {categorical_features!r}."
    )


def _column_label(names, j):
    """How an error message names input column ``j``."""
    return f"column {j}" if names is None else f"column {names[j]!r} (position {j})"


def _python_scalar(value):
    return value.item() if isinstance(value, np.generic) else value


def _sorted_levels(values):
    levels = list(pd.unique(values))
    try:
        return sorted(levels)
    except TypeError:  # mixed types: sort by type name, then text
        return sorted(levels, key=lambda v: (type(v).__name__, str(v)))


class TabularEncoder:
    """Column roles and category codes, fitted once (see the module docstring).

    Parameters
    ----------
    categorical_mask : ndarray of bool of shape (n_features,)
    numeric_scaling : {None, 'robust'}
    impute_missing : bool, default=False
        Impute NaN in numeric columns with the median in fit and add missing
        indicators (the estimators set it when ``categorical_features`` is
        not None); False: NaN raises.

    Attributes
    ----------
    categorical_columns : list of int
        Input positions of the categorical columns, in order.
    numeric_columns : list of int
        Input positions of the numeric columns.
    categories : list of list
        The levels seen in fit of each categorical column (Python scalars), sorted.
    dtype : {'float32', 'float64'}
        Of the encoded matrix: float32 when every numeric column was float32 in
        fit (the network then computes in float32), else float64.
    median, scale_factor : ndarray or None
        The robust scaling of the numeric columns (``numeric_scaling='robust'``).
    fill_values : ndarray of shape (n_numeric,) or None
        What a missing value of each numeric column becomes
        (``impute_missing``): the column's (weighted) median in fit.
    indicator_columns : list of int
        Input positions of the numeric columns with a missing value in fit,
        each of which gets a missing indicator, in this order.
    """

    # defaults of encoders saved before imputation existed
    impute_missing = False
    fill_values = None
    indicator_columns = ()

    def __init__(self, categorical_mask, numeric_scaling=None, impute_missing=False):
        mask = np.asarray(categorical_mask, dtype=bool)
        self.n_features = int(mask.shape[0])
        self.categorical_columns = [int(j) for j in np.flatnonzero(mask)]
        self.numeric_columns = [int(j) for j in np.flatnonzero(~mask)]
        self.numeric_scaling = numeric_scaling
        self.impute_missing = bool(impute_missing)
        self.categories = []
        self.median = None
        self.scale_factor = None
        self.fill_values = None
        self.indicator_columns = []
        self.dtype = "float64"

    @property
    def n_numeric(self):
        return len(self.numeric_columns)

    @property
    def n_indicators(self):
        """Number of missing-indicator columns."""
        return len(self.indicator_columns)

    @property
    def n_encoded(self):
        """Width of the encoded matrix: numeric columns, codes, missing indicators."""
        return self.n_numeric + len(self.categorical_columns) + self.n_indicators

    @property
    def cardinalities(self):
        """Number of levels seen in fit, per categorical column."""
        return [len(levels) for levels in self.categories]

    def fit_transform(self, X, sample_weight=None):
        """Fit the codes, imputation and scaling on X, and encode it.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
        sample_weight : ndarray of shape (n_samples,), default=None
            Weights of the rows in the medians, quartiles and ranges (an
            integer weight counts a row that many times, a zero weight leaves
            it out); None for unit weights.

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_encoded)
        """
        columns, n_rows, names = _columns(X)
        self.categories = []
        for j in self.categorical_columns:
            values = pd.Series(np.asarray(columns[j], dtype=object))
            observed = values[~values.isna()]
            self.categories.append([_python_scalar(v) for v in _sorted_levels(observed)])
        # the network computes in float32 when every numeric column is float32, as for an array
        self.dtype = "float32" if self._all_float32(columns) else "float64"
        numeric = self._numeric(columns, n_rows, names)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if self.numeric_scaling == "robust":
            self.median, self.scale_factor = robust_scale_factors(numeric, sample_weight)
        if self.impute_missing:
            counted = np.ones(n_rows, dtype=bool) if sample_weight is None else sample_weight > 0
            missing = np.isnan(numeric[counted]).any(axis=0)
            self.indicator_columns = [self.numeric_columns[i] for i in np.flatnonzero(missing)]
            if self.median is not None:  # the same weighted medians: an imputed value scales to 0
                self.fill_values = self.median.copy()
            else:
                medians = [weighted_quantile(numeric[:, i], 0.5, sample_weight) for i in range(self.n_numeric)]
                self.fill_values = np.nan_to_num(np.asarray(medians, dtype=np.float64).reshape(-1), nan=0.0)
        return self._assemble(columns, numeric)

    def _all_float32(self, columns):
        dtypes = [getattr(columns[j], "dtype", None) for j in self.numeric_columns]
        return bool(dtypes) and all(d == np.float32 for d in dtypes)

    def transform(self, X):
        """Encode X with the fitted codes, imputation and scaling.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_encoded)
        """
        columns, n_rows, names = _columns(X)
        return self._assemble(columns, self._numeric(columns, n_rows, names))

    def _numeric(self, columns, n, names):
        """The numeric columns as a float64 matrix, NaN for missing values (which raise unless imputed)."""
        arrays = []
        for j in self.numeric_columns:
            column = pd.Series(columns[j]) if not isinstance(columns[j], pd.Series) else columns[j]
            try:
                if column.dtype.kind in "biuf":
                    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
                else:  # numbers, or strings of numbers, in an object column; None and pandas.NA missing
                    values = column.to_numpy(dtype=object)
                    values = np.asarray(np.where(pd.isna(values), np.nan, values), dtype=np.float64)
            except (ValueError, TypeError) as exc:
                raise type(exc)(
                    f"Column {j} is not numeric and is not declared categorical ({exc}). Declare it in "
                    "categorical_features (indices, names or 'from_dtype' for pandas category, object and "
                    "string columns)."
                ) from None
            arrays.append(values)
        numeric = np.column_stack(arrays) if arrays else np.zeros((n, 0))
        infinite = np.isinf(numeric).any(axis=0)
        if infinite.any():
            label = _column_label(names, self.numeric_columns[int(np.argmax(infinite))])
            raise ValueError(
                f"Input X contains infinity in the numeric {label}. Only missing values (NaN) are imputed: "
                "replace infinite values (for example by NaN, or clip them) before fitting or predicting."
            )
        if not self.impute_missing:
            missing = np.isnan(numeric).any(axis=0)
            if missing.any():
                label = _column_label(names, self.numeric_columns[int(np.argmax(missing))])
                raise ValueError(
                    f"Input X contains NaN in the numeric {label}. Set categorical_features (for example to "
                    "'from_dtype', or [] for no categorical column) to impute missing numeric values with the "
                    "median and add a missing indicator, or impute them before (sklearn.impute.SimpleImputer)."
                )
        return numeric

    def _codes(self, column, levels):
        values = pd.Series(np.asarray(column, dtype=object))
        missing = values.isna().to_numpy()
        if levels:
            positions = pd.Index(levels, dtype=object).get_indexer(values.to_numpy(dtype=object)).astype(np.int64)
        else:
            positions = np.full(len(values), -1, dtype=np.int64)
        codes = positions + FIRST_LEVEL
        codes[positions < 0] = UNSEEN
        codes[missing] = MISSING
        return codes

    def _assemble(self, columns, numeric):
        indicators = np.zeros((numeric.shape[0], 0), dtype=bool)
        if self.fill_values is not None:
            missing = np.isnan(numeric)
            slots = [self.numeric_columns.index(j) for j in self.indicator_columns]
            indicators = missing[:, slots]
            numeric = np.where(missing, self.fill_values, numeric)
        if self.median is not None:
            numeric = smooth_clip((numeric - self.median) * self.scale_factor)
        codes = [self._codes(columns[j], levels) for j, levels in zip(self.categorical_columns, self.categories)]
        dtype = np.dtype(getattr(self, "dtype", "float64"))
        out = np.empty((numeric.shape[0], self.n_encoded), dtype=dtype)
        out[:, : self.n_numeric] = numeric
        for i, c in enumerate(codes):
            out[:, self.n_numeric + i] = c
        out[:, self.n_numeric + len(codes) :] = indicators
        return out
