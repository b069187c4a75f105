"""What each column of a raw table is, decided once in ``fit`` and applied the same way at predict time.

:class:`TableColumns` is the first step of the model :func:`~sknn_hp.tabular.build_pipeline` builds.
It does only what the estimator cannot decide from a column's dtype; everything else (imputation,
category codes, one-hot or embeddings, robust scaling, target standardization) is the estimator's
own raw-table route (``categorical_features='from_dtype'``, ``numeric_scaling``,
``standardize_target``):

======================  ================================================================  =========
column (in ``fit``)     what it becomes                                                   kind
======================  ================================================================  =========
numbers (any scale)     numbers, as they are (missing values: the estimator imputes the   numeric
                        median and adds a missing indicator)
booleans                0/1 numbers (``True``/``False``, also as text; missing allowed)   boolean
numbers written as      numbers; entries that are not numbers become missing values       numeric
text, with a few
non-numbers ('?')
dates as text           year, month, day of month and day of week, as numbers (the        date
(ISO, or another        parts that vary in ``fit``); an unparseable entry is missing
format pandas reads)
other text or           categories (text; a level unseen in ``fit`` is the estimator's    category
categories              "unseen" code, a missing value a level of its own)
one value only          dropped: it carries nothing                                       constant
no value at all         dropped                                                           empty
text with a distinct    dropped: an identifier, not a feature (at least                   id
value in (almost)       :data:`MIN_ID_ROWS` rows, distinct values in at least
every row               :data:`ID_FRACTION` of them)
integers numbering      dropped: row numbers (every value distinct, a contiguous range)   id
the rows
======================  ================================================================  =========

At predict time the same decisions apply whatever dtype pandas gives the new rows: a numeric column
that arrives as text is read as numbers (non-numbers missing), a categorical column that arrives as
numbers (``7``, or ``7.0`` after a missing value) is compared as the text ``'7'``.
"""

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

__all__ = ["ID_FRACTION", "KINDS", "MIN_ID_ROWS", "PARSE_FRACTION", "ColumnDecision", "TableColumns"]

# Distinct values of a text column tried as dates before all of them are (most text is not dates).
_DATE_PROBE = 500
#: The kinds of column (the module's table); the last three are dropped.
KINDS = ("numeric", "boolean", "category", "date", "constant", "empty", "id")
#: A text column counts as an identifier when at least this fraction of its values are distinct...
ID_FRACTION = 0.95
#: ... and it has at least this many values (below, a few rows of distinct levels are still levels).
MIN_ID_ROWS = 20
#: A text column is read as numbers, or else as dates, when at least this fraction of its values parse.
PARSE_FRACTION = 0.9

# The parts of a date column, as (suffix, accessor of pandas' .dt).
_DATE_PARTS = (("year", "year"), ("month", "month"), ("day", "day"), ("weekday", "day_of_week"))
_TRUE, _FALSE = frozenset({"true", "yes", "1", "t", "y"}), frozenset({"false", "no", "0", "f", "n"})


@dataclass
class ColumnDecision:
    """What :class:`TableColumns` made of one input column.

    Attributes
    ----------
    name : str
        The input column.
    kind : {'numeric', 'boolean', 'category', 'date', 'constant', 'empty', 'id'}
        See the module's table.
    outputs : list of str
        The columns it becomes (none when dropped).
    note : str
        Why, in words, for a decision worth reporting; empty for plain numbers and categories.
    n_missing : int
        Missing values in ``fit``.
    """

    name: str
    kind: str
    outputs: list
    note: str = ""
    n_missing: int = 0

    @property
    def dropped(self):
        """Whether the column is left out of the model."""
        return not self.outputs


def _is_text(column):
    return not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column))


def _as_numbers(values):
    """Numbers of a column (any dtype); entries that are not numbers (or booleans) are NaN."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    return pd.to_numeric(values.astype(object).where(values.notna(), None), errors="coerce").astype(float)


def _as_booleans(values):
    """1.0 / 0.0 for true / false values (also as text: true/false, yes/no, 1/0, t/f, y/n), NaN otherwise."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    text = values.astype(object).map(lambda v: str(v).strip().lower() if pd.notna(v) else None)
    out = np.full(len(text), np.nan)
    out[text.isin(_TRUE).to_numpy()] = 1.0
    out[text.isin(_FALSE).to_numpy()] = 0.0
    return pd.Series(out, index=values.index)


def _as_text(values):
    """Category values as text; whole numbers as integers (``7.0`` -> ``'7'``), missing as None."""

    def one(v):
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return None
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        if isinstance(v, (bool, np.bool_)):
            return str(bool(v))
        return str(v)

    return pd.Series([one(v) for v in values.astype(object)], index=values.index, dtype=object)


def _as_dates(values):
    """Timestamps of a text column (NaT where unparseable): ISO 8601 first, else pandas' mixed formats."""
    text = values.astype(object).where(values.notna(), None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Could not infer format" and the like: unparseable is NaT
        dates = pd.to_datetime(text, errors="coerce", format="ISO8601")
        if dates.notna().sum() < PARSE_FRACTION * text.notna().sum():
            dates = pd.to_datetime(text, errors="coerce", format="mixed")
    return dates


def _is_boolean_text(observed):
    text = {str(v).strip().lower() for v in observed}
    return bool(text) and text <= (_TRUE | _FALSE) and len(text) <= 2 and not text <= {"0", "1"}


def _infer(values):
    """``(kind, note)`` of one column in ``fit`` (the module's table)."""
    observed = values.dropna()
    n = len(observed)
    if n == 0:
        return "empty", "no value in any row: dropped"
    distinct = observed.astype(object).map(str).nunique() if _is_text(values) else observed.nunique()
    if distinct == 1 and len(observed) == len(values):
        return "constant", f"one value ({observed.iloc[0]!r}) in every row: dropped"
    if pd.api.types.is_bool_dtype(values):
        return "boolean", ""
    if _is_text(values) and _is_boolean_text(observed.unique()):
        return "boolean", "true/false values: used as 0/1"
    if pd.api.types.is_integer_dtype(values) and distinct == n >= MIN_ID_ROWS:
        low, high = int(observed.min()), int(observed.max())
        if high - low + 1 == n:
            return "id", f"{n} distinct integers {low}..{high} in {n} rows: row numbers, dropped"
    if not _is_text(values):
        return "numeric", ""
    # numbers and dates are recognized on the distinct values, each counted as often as it occurs
    levels = observed.astype(object).value_counts(sort=False)
    uniques, counts = pd.Series(levels.index, dtype=object), levels.to_numpy()
    numbers = _as_numbers(uniques)
    if counts[numbers.notna().to_numpy()].sum() >= PARSE_FRACTION * n:
        bad = sorted({str(v) for v in uniques[numbers.isna()]})
        if not bad:
            return "numeric", "numbers written as text"
        shown = ", ".join(repr(b) for b in bad[:3]) + (", ..." if len(bad) > 3 else "")
        return "numeric", f"numbers written as text; {len(bad)} other value(s) ({shown}) read as missing"
    # pandas' mixed formats parse value by value: a probe of the first distinct values first
    probe = uniques[:_DATE_PROBE]
    if len(uniques) <= _DATE_PROBE or _as_dates(probe).notna().sum() >= PARSE_FRACTION * len(probe):
        if counts[_as_dates(uniques).notna().to_numpy()].sum() >= PARSE_FRACTION * n:
            return "date", "dates"
    if n >= MIN_ID_ROWS and distinct >= ID_FRACTION * n:
        return "id", f"{distinct} distinct values in {n} rows: treated as an ID and dropped"
    return "category", (f"{distinct} levels: categorical" if distinct > 8 else "")


def _decide(name, values, kind=None):
    """The :class:`ColumnDecision` for one column in ``fit``: ``kind`` when given, else inferred."""
    n_missing = int(values.isna().sum())
    if kind is None:
        kind, note = _infer(values)
    else:
        note = f"{kind} (given)"
    if kind in ("constant", "empty", "id"):
        return ColumnDecision(name, kind, [], note, n_missing)
    if kind != "date":
        return ColumnDecision(name, kind, [name], note, n_missing)
    dates = _as_dates(values.dropna())
    parts = [suffix for suffix, attr in _DATE_PARTS if getattr(dates.dt, attr).nunique() > 1]
    if not parts:
        return ColumnDecision(name, "date", [], f"{note}, all on the same day: dropped", n_missing)
    return ColumnDecision(name, "date", [f"{name}_{p}" for p in parts],
                          f"{note}, expanded to {'/'.join(parts)} (numbers)", n_missing)


class TableColumns(TransformerMixin, BaseEstimator):
    """Decide what each column of a raw table is (``fit``), and apply it (``transform``).

    The output is a DataFrame for the estimators' raw-table route
    (``categorical_features='from_dtype'``): float columns for numbers, booleans and date parts,
    ``object`` (text) columns for categories; constant, empty and identifier columns are left out.
    The decisions, the rules behind them and their notes are in the module's table.

    Parameters
    ----------
    kinds : dict or None, default=None
        ``{column: kind}`` for columns whose kind is given rather than inferred (a kind of
        :data:`KINDS`), e.g. ``{"zip": "category"}`` for integer codes that are not quantities, or
        ``{"rid": "id"}`` to drop a column. :func:`~sknn_hp.tabular.tune` passes the kinds it
        decided on the whole table, so that every cross-validation fold makes the same decisions.

    Attributes
    ----------
    decisions_ : list of ColumnDecision
        One per input column, in input order.
    feature_names_in_ : ndarray of str
        The input columns.
    n_features_in_ : int

    Examples
    --------
    >>> import pandas as pd
    >>> from sknn_hp.tabular import TableColumns
    >>> df = pd.DataFrame({"id": [f"r{i}" for i in range(30)], "when": ["2024-01-05", "2024-03-09"] * 15,
    ...                    "colour": ["red", "blue", None] * 10, "x": [i % 7 for i in range(30)]})
    >>> columns = TableColumns().fit(df)
    >>> [(d.name, d.kind) for d in columns.decisions_]
    [('id', 'id'), ('when', 'date'), ('colour', 'category'), ('x', 'numeric')]
    >>> list(columns.transform(df).columns)
    ['when_month', 'when_day', 'when_weekday', 'colour', 'x']
    """

    def __init__(self, kinds=None):
        self.kinds = kinds

    def fit(self, X, y=None):
        """Decide each column's kind.

        Parameters
        ----------
        X : pandas.DataFrame
            The feature columns (an array is read as a DataFrame with columns ``x0``, ``x1``, ...).
        y : ignored

        Returns
        -------
        self : TableColumns
        """
        X = self._frame(X)
        if X.shape[1] == 0:
            raise ValueError("X has no columns")
        kinds = dict(self.kinds or {})
        unknown = {k: v for k, v in kinds.items() if v not in KINDS}
        if unknown:
            raise ValueError(f"kinds must map columns to one of {list(KINDS)}; got {unknown}")
        absent = [k for k in kinds if k not in X.columns]
        if absent:
            raise ValueError(f"kinds names column(s) {absent} that X does not have")
        self.feature_names_in_ = np.asarray(list(X.columns), dtype=object)
        self.n_features_in_ = X.shape[1]
        self.decisions_ = [_decide(c, X[c], kinds.get(c)) for c in X.columns]
        return self

    @staticmethod
    def _frame(X):
        if isinstance(X, pd.DataFrame):
            return X.rename(columns=str)
        X = np.asarray(X, dtype=object)
        if X.ndim != 2:
            raise ValueError(f"Expected a 2D table, got {X.ndim}D input instead.")
        return pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])

    @property
    def kept(self):
        """The decisions of the columns that reach the model."""
        check_is_fitted(self, "decisions_")
        return [d for d in self.decisions_ if not d.dropped]

    def transform(self, X):
        """Apply the decisions of ``fit`` to a table with the same columns.

        Parameters
        ----------
        X : pandas.DataFrame
            Needs every input column of ``fit`` (by name; others are ignored).

        Returns
        -------
        Xt : pandas.DataFrame
            Float columns and ``object`` category columns, in :meth:`get_feature_names_out` order;
            when every column was dropped, one constant column ``'bias'`` (the model then predicts
            the training distribution).
        """
        check_is_fitted(self, "decisions_")
        X = self._frame(X)
        absent = [d.name for d in self.decisions_ if d.name not in X.columns and not d.dropped]
        if absent:
            raise ValueError(f"X lacks the column(s) {absent} seen in fit")
        out = {}
        for d in self.kept:
            values = X[d.name]
            if d.kind == "numeric":
                out[d.name] = _as_numbers(values)
            elif d.kind == "boolean":
                out[d.name] = _as_booleans(values)
            elif d.kind == "date":
                dates = _as_dates(values)
                for column in d.outputs:
                    attr = dict(_DATE_PARTS)[column[len(d.name) + 1:]]
                    out[column] = getattr(dates.dt, attr).astype(float)
            else:
                out[d.name] = _as_text(values)
        if not out:
            return pd.DataFrame({"bias": np.zeros(len(X))}, index=X.index)
        return pd.DataFrame(out, index=X.index)

    def get_feature_names_out(self, input_features=None):
        """The output columns.

        Parameters
        ----------
        input_features : ignored

        Returns
        -------
        names : ndarray of str
        """
        names = [c for d in self.kept for c in d.outputs]
        return np.asarray(names or ["bias"], dtype=object)

    def report(self):
        """One line per decision worth reporting, then one line on missing values.

        Returns
        -------
        lines : list of str
            For example ``"column 'rid': 400 distinct values in 400 rows: treated as an ID and dropped"``.
        """
        check_is_fitted(self, "decisions_")
        lines = [f"column {d.name!r}: {d.note}" for d in self.decisions_ if d.note]
        missing = [d for d in self.decisions_ if d.n_missing and not d.dropped]
        if missing:
            shown = ", ".join(f"{d.name!r} ({d.n_missing})" for d in missing[:8])
            more = f", ... ({len(missing)} columns)" if len(missing) > 8 else ""
            lines.append(f"missing values in {shown}{more}: numbers get the training median and a missing "
                         "indicator, categories a level of their own")
        if not self.kept:
            lines.append("no usable feature column: the model predicts the training distribution")
        return lines

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        return tags
