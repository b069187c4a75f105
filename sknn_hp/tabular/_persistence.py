"""Saving and loading models (skops or joblib), and a search's outputs under a directory."""

import os
import warnings

from ._errors import TabularError, _first_line
from ._plots import save_leaderboard_plot, save_learning_curves

__all__ = ["SKOPS_TRUSTED_TYPES", "load_model", "save_model", "save_outputs"]

#: The types a model written by :func:`save_outputs` holds that skops may not trust by default
#: (``skops.io.get_untrusted_types(file=...)`` lists ``numpy.dtype`` and the sknn_hp estimators; the
#: scikit-learn steps are named too, in case a skops version stops trusting them): :func:`load_model`
#: trusts these and nothing else (tests/test_tabular.py checks the list against real files).
SKOPS_TRUSTED_TYPES = [
    "numpy.dtype",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.compose._target.TransformedTargetRegressor",
    "sklearn.impute._base.SimpleImputer",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.preprocessing._encoders.OneHotEncoder",
    "sknn_hp._categorical.TabularEncoder",
    "sknn_hp._classifier.MLPClassifier",
    "sknn_hp._regressor.MLPRegressor",
    "sknn_hp.tabular._columns.ColumnDecision",
    "sknn_hp.tabular._columns.TableColumns",
]


def save_model(model, path):
    """Save a model: skops's secure format, or joblib (pickle) when ``path`` ends in ``.joblib`` or ``.pkl``.

    Parameters
    ----------
    model : estimator
    path : str or path

    Returns
    -------
    path : str
    """
    path = os.fspath(path)
    if _is_pickle(path):
        import joblib

        joblib.dump(model, path)
    else:
        from ..persistence import dump_skops

        dump_skops(model, path)
    return path


def _is_pickle(path):
    return os.fspath(path).lower().endswith((".joblib", ".pkl", ".pickle"))


def load_model(path, trusted=None):
    """Load a model saved by :func:`save_model` (or by skops or joblib).

    A ``.joblib`` / ``.pkl`` / ``.pickle`` file is unpickled with joblib (which runs code from the
    file: load only files you trust); any other file is read as a skops file, trusting skops's
    defaults, :data:`SKOPS_TRUSTED_TYPES` and ``trusted`` and nothing else.

    Parameters
    ----------
    path : str or path
    trusted : list of str or None, default=None
        More types to trust in a skops file.

    Returns
    -------
    model : estimator
        With a ``predict`` method.
    warnings : list of str
        The distinct warnings loading raised (e.g. a file saved by another scikit-learn version).

    Raises
    ------
    TabularError
        When the file is missing, not a model file, holds an untrusted type, or holds an object
        without ``predict``.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise TabularError(f"no such file: {path}")
    if os.path.isdir(path):
        raise TabularError(f"{path} is a directory, not a model file")
    fmt = "joblib" if _is_pickle(path) else "skops"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if fmt == "joblib":
                import joblib

                model = joblib.load(path)
            else:
                import skops.io as sio

                model = sio.load(path, trusted=[*SKOPS_TRUSTED_TYPES, *(trusted or [])])
    except ImportError:
        raise
    except Exception as exc:  # joblib/pickle/skops raise many types on a foreign file
        if type(exc).__name__ == "UntrustedTypesFoundException":
            raise TabularError(f"{path} holds types that are not trusted: {_first_line(exc)}") from exc
        raise TabularError(
            f"cannot load a model from {path} (not a {fmt} file?): {type(exc).__name__}: {_first_line(exc)}"
        ) from exc
    if not hasattr(model, "predict"):
        raise TabularError(f"{path} holds a {type(model).__name__}, not a model with a predict method")
    return model, list(dict.fromkeys(_first_line(w.message) for w in caught))


def save_outputs(search, out, *, model_name="model.skops", metric="score", references=None):
    """Write a search's model, ``cv_results.csv`` and figures under a directory.

    Parameters
    ----------
    search : fitted search
    out : str or path
        The directory (created).
    model_name : str, default='model.skops'
        The model's file name; ``.joblib`` saves with joblib (:func:`save_model`).
    metric : str, default='score'
        The leaderboard figure's axis label.
    references : dict or None, default=None
        Passed to :func:`save_leaderboard_plot`.

    Returns
    -------
    paths : dict
        ``{'model': ..., 'cv_results': ..., 'learning_curves': ..., 'leaderboard': ...}``; a figure
        that could not be drawn (no matplotlib, no history) is absent, and its reason is in
        ``paths['skipped']`` (a list of strings).

    Raises
    ------
    TabularError
        When the directory cannot be created.
    """
    import pandas as pd

    out = os.fspath(out)
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as exc:
        raise TabularError(f"cannot create the output directory {out}: {exc.strerror or _first_line(exc)}") from exc
    paths = {"skipped": []}
    paths["model"] = save_model(search.best_estimator_, os.path.join(out, model_name))
    paths["cv_results"] = os.path.join(out, "cv_results.csv")
    pd.DataFrame(search.cv_results_).to_csv(paths["cv_results"], index=False)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        paths["skipped"].append("matplotlib is not installed: no figures (pip install matplotlib)")
        return paths
    figures = (
        ("learning_curves", lambda p: save_learning_curves(search.best_estimator_, p)),
        ("leaderboard", lambda p: save_leaderboard_plot(search, p, metric=metric, references=references)),
    )
    for name, draw in figures:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                paths[name] = draw(os.path.join(out, f"{name}.png"))
        except Exception as exc:  # a figure must not fail a finished search
            paths["skipped"].append(f"could not draw {name}.png: {_first_line(exc)}")
    return paths
