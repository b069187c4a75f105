"""The model for a raw table: :class:`TableColumns`, then :func:`~sknn_hp.search.recommended`'s estimator.

This is the library's one raw-table route: the estimator itself imputes, encodes categories (one-hot
or embeddings), scales numbers robustly and standardizes regression targets
(``categorical_features='from_dtype'``, ``numeric_scaling='robust'``, ``standardize_target=True``);
:class:`TableColumns` only decides what the estimator cannot read from a dtype (identifiers, dates,
booleans and numbers written as text, constant columns).
"""

from ._columns import TableColumns

__all__ = ["build_pipeline"]


def build_pipeline(X, task, *, kinds=None, **params):
    """``Pipeline([('columns', TableColumns(kinds)), ('model', recommended(...))])`` for a raw table.

    Parameters
    ----------
    X : pandas.DataFrame
        The feature columns (not used: the pipeline decides in ``fit``; kept so that callers can
        build it before fitting, as for any table).
    task : {'classification', 'regression'}
    kinds : dict or None, default=None
        Column kinds given to :class:`TableColumns` (``{column: kind}``); None infers them in
        ``fit``.
    **params
        Estimator parameters passed to :func:`~sknn_hp.search.recommended` (e.g. ``max_iter``,
        ``random_state``).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Unfitted.
    prefix : str
        The prefix of the estimator's parameters in the pipeline, ``'model__'``, for
        :func:`~sknn_hp.search.search_space`.

    Raises
    ------
    ValueError
        When ``task`` is neither.
    """
    from sklearn.pipeline import Pipeline

    from ..search import recommended

    if task not in ("classification", "regression"):
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}.")
    kind = "classifier" if task == "classification" else "regressor"
    return Pipeline([("columns", TableColumns(kinds)), ("model", recommended(kind, **params))]), "model__"
