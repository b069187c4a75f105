"""Predictions of a saved model on a table, after checking its columns."""

from ._errors import TabularError, _first_line, _names

__all__ = ["TARGET_ATTRIBUTE", "model_input", "predict_frame"]

#: :func:`model_input` uses it to tell a target column left in the data from an unknown column.
TARGET_ATTRIBUTE = "sknn_hp_target_"


def model_input(model, df):
    """The columns of ``df`` that ``model`` was trained on, in its order, after checking them.

    Parameters
    ----------
    model : fitted estimator
        With ``feature_names_in_`` (trained on a DataFrame) or ``n_features_in_``.
    df : pandas.DataFrame
        The samples.

    Returns
    -------
    X : pandas.DataFrame or numpy.ndarray
        What to pass to ``model.predict``.
    notes : list of str
        Columns left out, each with why (the target the model predicts, or a column it does not
        know).

    Raises
    ------
    TabularError
        When a feature column is missing, or (for a model without feature names) the number of
        columns differs from the model's, in which case the target column left in the data is named
        when it is there.
    """
    target = getattr(model, TARGET_ATTRIBUTE, None)
    names = getattr(model, "feature_names_in_", None)
    has_target = target is not None and target in df.columns
    if names is not None:
        names = [str(n) for n in names]
        absent = [n for n in names if n not in df.columns]
        unknown = [c for c in df.columns if c not in names and c != target]
        if absent:
            message = f"the data lacks feature column(s) the model was trained on: {_names(absent)}"
            if unknown:
                message += f"; column(s) the model does not know: {_names(unknown)}"
            raise TabularError(message)
        notes = []
        if has_target:
            notes.append(f"the data holds the target column {target!r} (what the model predicts): it is not used")
        if unknown:
            notes.append(f"column(s) the model does not know are not used: {_names(unknown)}")
        return df[names], notes
    n_features = getattr(model, "n_features_in_", None)
    if n_features is not None and df.shape[1] != n_features:
        message = f"the model expects {n_features} feature columns, the data has {df.shape[1]}"
        if has_target:
            message += f" (including the target column {target!r}: remove it)"
        raise TabularError(message)
    if has_target:
        raise TabularError(f"the data holds the target column {target!r}: remove it")
    return df.to_numpy(), []


def predict_frame(model, df, proba=False):
    """Predictions (and class probabilities) of ``model`` on a table, as a DataFrame.

    Parameters
    ----------
    model : fitted estimator
    df : pandas.DataFrame
        The samples; checked by :func:`model_input` (its notes are dropped: call it yourself to
        show them).
    proba : bool, default=False
        Add ``proba_<class>`` columns.

    Returns
    -------
    predictions : pandas.DataFrame
        A ``prediction`` column (``prediction_<j>`` for several outputs), then the probabilities.

    Raises
    ------
    TabularError
        When ``proba`` is asked of a model without ``predict_proba``, the columns do not fit, or
        the model rejects the data.
    """
    import numpy as np
    import pandas as pd

    if proba and not hasattr(model, "predict_proba"):
        raise TabularError("the model has no predict_proba (a regressor?)")
    X, _ = model_input(model, df)
    try:
        pred = np.asarray(model.predict(X))
        probabilities = model.predict_proba(X) if proba else None
    except (ValueError, TypeError) as exc:
        raise TabularError(f"the model cannot predict on the data: {_first_line(exc)}") from exc
    if pred.ndim == 1:
        out = pd.DataFrame({"prediction": pred})
    else:
        out = pd.DataFrame(pred, columns=[f"prediction_{j}" for j in range(pred.shape[1])])
    if probabilities is not None:
        probabilities = np.asarray(probabilities)
        classes = getattr(model, "classes_", None)
        if classes is None or len(np.shape(classes)) != 1 or len(classes) != probabilities.shape[1]:
            classes = range(probabilities.shape[1])
        for j, label in enumerate(classes):
            out[f"proba_{label}"] = probabilities[:, j]
    return out
