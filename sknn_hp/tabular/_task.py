"""The target column: which task it is, and the split of a table into features and target."""

from dataclasses import dataclass

from ._errors import TabularError, _names

__all__ = ["MAX_CLASSES", "TabularData", "infer_task", "split_target"]

#: Integer-valued targets with at most this many distinct values are classes.
MAX_CLASSES = 20


def infer_task(y):
    """'classification' or 'regression' for a target column.

    Classification when the target is non-numeric (strings, categories), boolean, or
    integer-valued (an integer dtype, or floats that are all whole numbers) with at most
    :data:`MAX_CLASSES` (20) distinct values; regression otherwise. Missing values are ignored.

    Parameters
    ----------
    y : pandas.Series
        The target column.

    Returns
    -------
    task : {'classification', 'regression'}
    """
    import numpy as np
    from pandas.api import types

    y = y.dropna()
    if types.is_bool_dtype(y) or not types.is_numeric_dtype(y):
        return "classification"
    values = y.to_numpy()
    if types.is_integer_dtype(y):
        integral = True
    else:
        with np.errstate(invalid="ignore"):
            integral = bool(np.all(np.isfinite(values)) and np.all(np.mod(values, 1) == 0))
    if integral and y.nunique() <= MAX_CLASSES:
        return "classification"
    return "regression"


@dataclass
class TabularData:
    """Features and target split from a table (returned by :func:`split_target`).

    Attributes
    ----------
    X : pandas.DataFrame
        The feature columns.
    y : numpy.ndarray
        The target: floats for regression, labels for classification.
    task : {'classification', 'regression'}
    target : str
        The target column's name.
    task_inferred : bool
        Whether ``task`` was inferred (:func:`infer_task`) rather than given.
    n_dropped : int
        Rows dropped because their target was missing.
    """

    X: object
    y: object
    task: str
    target: str
    task_inferred: bool = True
    n_dropped: int = 0

    @property
    def kind(self):
        """'classifier' or 'regressor', the estimator the task needs."""
        return "classifier" if self.task == "classification" else "regressor"


def split_target(df, target, task="auto"):
    """Split a table into features and target, checking both.

    Rows whose target is missing are dropped. Whole-number float labels (a column that held NaNs)
    become integers.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    target : str
        The target column.
    task : {'auto', 'classification', 'regression'}, default='auto'
        'auto' infers the task with :func:`infer_task`.

    Returns
    -------
    data : TabularData

    Raises
    ------
    TabularError
        When the target column is missing or empty, is the only column, is not numeric for a
        regression, or holds a single class for a classification.
    """
    import numpy as np
    from pandas.api import types

    if task not in ("auto", "classification", "regression"):
        raise ValueError(f"task must be 'auto', 'classification' or 'regression', got {task!r}.")
    if target not in df.columns:
        raise TabularError(f"target column {target!r} not found; columns: {_names(df.columns)}")
    missing = df[target].isna()
    if missing.all():
        raise TabularError(f"target column {target!r} has no values")
    df = df.loc[~missing]
    y = df[target]
    X = df.drop(columns=[target])
    if X.shape[1] == 0:
        raise TabularError(f"there are no feature columns besides the target {target!r}")
    inferred = task == "auto"
    if inferred:
        task = infer_task(y)
    if task == "regression":
        if types.is_bool_dtype(y) or not types.is_numeric_dtype(y):
            raise TabularError(f"target column {target!r} is not numeric: it cannot be a regression target")
        y = y.to_numpy(dtype=float)
    else:
        if types.is_float_dtype(y) and bool(np.all(np.mod(y.to_numpy(), 1) == 0)):
            y = y.astype(np.int64)  # whole-number floats (e.g. after NaNs were dropped): integer labels
        y = y.to_numpy()
        if len(np.unique(y)) < 2:
            raise TabularError(f"target column {target!r} has a single class: nothing to classify")
    return TabularData(X, y, task, target, task_inferred=inferred, n_dropped=int(missing.sum()))
