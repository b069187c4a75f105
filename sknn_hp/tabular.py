"""Tabular data in, tuned model out: the steps behind ``sknn-hp tune`` and ``predict``, from Python.

The command line (:mod:`sknn_hp.cli`) only parses arguments and prints; every step it runs is here,
usable without argv:

>>> import pandas as pd
>>> from sknn_hp import tabular
>>> df = pd.DataFrame({"x": range(40), "colour": ["red", "blue"] * 20, "label": ["a", "b"] * 20})
>>> data = tabular.split_target(df, "label")
>>> data.task
'classification'
>>> result = tabular.tune(data, n_iter=2, cv=2, max_iter=2, size="small", random_state=0)
>>> sorted(result.leaderboard().columns)[:3]
['activation', 'alpha', 'batch_size']
>>> tabular.predict_frame(result.search.best_estimator_, df.drop(columns="label").head(2)).shape
(2, 1)

The steps:

- :func:`read_csv` and :func:`split_target`: a CSV file to features ``X`` (a DataFrame) and a target
  ``y``, the task inferred by :func:`infer_task` unless given;
- :func:`preprocessor` and :func:`build_pipeline`: numeric columns imputed (median) and
  standardized, the others imputed (most frequent) and one-hot encoded, before
  :func:`sknn_hp.search.recommended`'s estimator (regression targets standardized inside the model);
- :func:`run_search`: the one place a search is run (a ``RandomizedSearchCV`` with a progress
  callback and a thread limit for the parent *and* the worker processes, :func:`limit_threads`);
- :func:`leaderboard`, :func:`save_outputs` (the model, ``cv_results.csv`` and PNG figures);
- :func:`save_model`, :func:`load_model` (skops by default, with the trusted types spelled out in
  :data:`SKOPS_TRUSTED_TYPES`; joblib for ``.joblib`` / ``.pkl`` files) and :func:`predict_frame`,
  which checks the columns first (:func:`model_input`).

Errors in the data or the files raise :class:`TabularError` (a ``ValueError``) with a one-line
message; the command line prints it as ``sknn-hp: error: ...``.
"""

import contextlib
import os
import time
import warnings
from dataclasses import dataclass, field

__all__ = [
    "MAX_CLASSES",
    "SKOPS_TRUSTED_TYPES",
    "TARGET_ATTRIBUTE",
    "TabularData",
    "TabularError",
    "TuneResult",
    "build_pipeline",
    "infer_task",
    "leaderboard",
    "limit_threads",
    "load_model",
    "model_input",
    "predict_frame",
    "preprocessor",
    "read_csv",
    "run_search",
    "save_learning_curves",
    "save_leaderboard_plot",
    "save_model",
    "save_outputs",
    "split_target",
    "tune",
]

#: Integer-valued targets with at most this many distinct values are classes.
MAX_CLASSES = 20

#: The attribute of a saved model that names the target column it predicts (set by :func:`tune`):
#: :func:`model_input` uses it to tell a target column left in the data from an unknown column.
TARGET_ATTRIBUTE = "sknn_hp_target_"

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
]

# Hyperparameters shown in the leaderboard, in this order, when searched.
_LEADERBOARD_PARAMS = (
    "hidden_layer_sizes",
    "activation",
    "solver",
    "learning_rate",
    "learning_rate_init",
    "alpha",
    "dropout",
    "label_smoothing",
    "batch_size",
    "batch_norm",
    "residual",
)

# Searches train many candidates: each stops on 10% of its training fold held out, which keeps a
# search short; recommended() alone trains on all the data.
_SEARCH_STOPPING = {"early_stopping": True, "validation_fraction": 0.1}


class TabularError(ValueError):
    """A problem with the user's data or files, described in one line."""


def _first_line(exc):
    """The first non-empty line of an exception's message (sklearn's can be long)."""
    for line in str(exc).splitlines():
        if line.strip():
            return line.strip()
    return type(exc).__name__


def _names(items, limit=8):
    items = [str(i) for i in items]
    shown = ", ".join(repr(i) for i in items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def _param_name(key):
    """'mlpclassifier__alpha' or 'model__regressor__alpha' -> 'alpha'."""
    return key.rsplit("__", 1)[-1]


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


# --------------------------------------------------------------------------- reading data


def read_csv(path):
    """Read a CSV file with a header row.

    Parameters
    ----------
    path : str or path
        The file.

    Returns
    -------
    df : pandas.DataFrame
        At least one row.

    Raises
    ------
    TabularError
        When the file is missing, a directory, unreadable, not parseable as CSV, or has no rows.
    """
    import pandas as pd

    path = os.fspath(path)
    if not os.path.exists(path):
        raise TabularError(f"no such file: {path}")
    if os.path.isdir(path):
        raise TabularError(f"{path} is a directory, not a CSV file")
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise TabularError(f"cannot parse {path} as CSV: {_first_line(exc)}") from exc
    except OSError as exc:
        raise TabularError(f"cannot read {path}: {exc.strerror or _first_line(exc)}") from exc
    if df.shape[0] == 0:
        raise TabularError(f"{path} has no data rows")
    return df


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


# --------------------------------------------------------------------------- the model


def preprocessor(X):
    """The column preprocessing of a feature table.

    Numeric columns (booleans count as 0/1): median imputation, then standardization. Every other
    column (strings, categories): most-frequent imputation, then one-hot encoding (categories unseen
    in training are ignored). Only scikit-learn's own transformers, so that a saved model loads
    from skops trusting the short list :data:`SKOPS_TRUSTED_TYPES`.

    Parameters
    ----------
    X : pandas.DataFrame
        The feature columns.

    Returns
    -------
    transformer : sklearn.compose.ColumnTransformer
        Unfitted.
    numeric, categorical : list of str
        The columns of each kind.
    """
    from pandas.api import types
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [c for c in X.columns if types.is_numeric_dtype(X[c])]  # booleans too, as 0/1
    categorical = [c for c in X.columns if c not in numeric]
    transformers = []
    if numeric:
        transformers.append(("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric))
    if categorical:
        transformers.append(
            (
                "categorical",
                make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")),
                categorical,
            )
        )
    return ColumnTransformer(transformers), numeric, categorical


def build_pipeline(X, task, **params):
    """``Pipeline([('preprocess', preprocessor(X)), ('model', ...)])`` around :func:`~sknn_hp.search.recommended`.

    Regressors are wrapped in a ``TransformedTargetRegressor`` that standardizes the target
    (networks fit standardized targets far better; predictions come back in the original units).

    Parameters
    ----------
    X : pandas.DataFrame
        The feature columns (only their names and dtypes are used).
    task : {'classification', 'regression'}
    **params
        Estimator parameters passed to ``recommended`` (e.g. ``max_iter``, ``random_state``).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Unfitted.
    prefix : str
        The prefix of the estimator's parameters in the pipeline (``'model__'`` or
        ``'model__regressor__'``), for :func:`~sknn_hp.search.search_space`.
    """
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from .search import recommended

    if task not in ("classification", "regression"):
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}.")
    pre, _, _ = preprocessor(X)
    if task == "regression":
        est = recommended("regressor", **params)
        model, prefix = TransformedTargetRegressor(regressor=est, transformer=StandardScaler()), "model__regressor__"
    else:
        model, prefix = recommended("classifier", **params), "model__"
    return Pipeline([("preprocess", pre), ("model", model)]), prefix


# --------------------------------------------------------------------------- the search


@contextlib.contextmanager
def limit_threads(threads, n_jobs=1):
    """Limit the threads of this process and of the search's worker processes.

    In this process: torch's intra-op threads (``torch.set_num_threads``) and the BLAS/OpenMP
    pools (threadpoolctl). For ``n_jobs != 1`` under joblib's default (loky) backend, the worker
    processes are started with ``inner_max_num_threads=threads``, which sets ``OMP_NUM_THREADS``
    and the BLAS variables there, so torch in each worker uses ``threads`` threads too. Another
    joblib backend (dask, ray) is left as configured. Everything is restored on exit.

    Parameters
    ----------
    threads : int or None
        Threads per process; None changes nothing.
    n_jobs : int, default=1
        The search's ``n_jobs``.
    """
    if threads is None:
        yield
        return
    if int(threads) < 1:
        raise ValueError(f"threads must be >= 1, got {threads!r}.")
    import torch
    from joblib import parallel_config
    from joblib.parallel import LokyBackend, get_active_backend
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(threadpool_limits(int(threads)))
            if n_jobs != 1 and isinstance(get_active_backend()[0], LokyBackend):
                stack.enter_context(parallel_config(backend="loky", inner_max_num_threads=int(threads)))
            yield
    finally:
        torch.set_num_threads(before)


class _ProgressScorer:
    """Wraps a scorer; calls ``progress(done, total, score, elapsed)`` after every fit."""

    def __init__(self, scorer, total, progress):
        self.scorer = scorer
        self.total = total
        self.progress = progress
        self.done = 0
        self.start = time.perf_counter()

    def __call__(self, estimator, X, y, **kwargs):
        score = self.scorer(estimator, X, y, **kwargs)
        self.done += 1
        self.progress(self.done, self.total, score, time.perf_counter() - self.start)
        return score


def run_search(pipe, space, X, y, *, n_iter, cv, random_state=None, n_jobs=1, scoring=None, threads=None,
               progress=None):
    """Fit a random search over ``space`` (the one place the library's tools run a search).

    Parameters
    ----------
    pipe : estimator
        The estimator or pipeline searched.
    space : dict or list of dict
        ``param_distributions``.
    X, y : array-like
        Training data.
    n_iter, cv : int
        Candidates sampled and cross-validation folds (or a CV splitter).
    random_state : int or None, default=None
        Seeds the sampling.
    n_jobs : int, default=1
        Parallel fits (joblib).
    scoring : str, callable or None, default=None
        A scikit-learn scorer; None for the estimator's ``score``.
    threads : int or None, default=None
        Threads per process, for this one and the workers (:func:`limit_threads`).
    progress : callable or None, default=None
        Called as ``progress(done, total, score, elapsed_seconds)`` after each fit; only with
        ``n_jobs=1`` (the fits of a parallel search finish in other processes).

    Returns
    -------
    search : sknn_hp.model_selection.RandomizedSearchCV
        Fitted (refit on all of ``X``). The library's fastest search: scikit-learn's
        ``RandomizedSearchCV`` whose candidates x folds train as batched networks where they can.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import check_scoring

    from .model_selection import RandomizedSearchCV  # scikit-learn's, with candidates x folds batched

    if progress is not None and n_jobs == 1:
        n_splits = cv if isinstance(cv, int) else cv.get_n_splits(X, y)
        scoring = _ProgressScorer(check_scoring(pipe, scoring=scoring), n_iter * n_splits, progress)
    search = RandomizedSearchCV(pipe, space, n_iter=n_iter, cv=cv, scoring=scoring, random_state=random_state,
                                n_jobs=n_jobs)
    with limit_threads(threads, n_jobs), warnings.catch_warnings():
        # Short searches stop at max_iter on purpose: one warning per fit is noise.
        warnings.simplefilter("ignore", ConvergenceWarning)
        # The space's batch sizes exceed small training folds; clipping them is expected.
        warnings.filterwarnings("ignore", message="Got `batch_size`", category=UserWarning)
        search.fit(X, y)
    return search


@dataclass
class TuneResult:
    """What :func:`tune` returns.

    Attributes
    ----------
    search : sklearn.model_selection.RandomizedSearchCV
        The fitted search; ``search.best_estimator_`` is the model, with the target's name in its
        :data:`TARGET_ATTRIBUTE` attribute.
    data : TabularData
        The data it was fitted on.
    metric : str
        What the scores are ('accuracy', 'R^2' or the scorer's name).
    settings : dict
        ``n_iter``, ``cv``, ``max_iter`` and ``size`` as used.
    """

    search: object
    data: TabularData
    metric: str
    settings: dict = field(default_factory=dict)

    @property
    def model(self):
        """The best pipeline, refit on all the data."""
        return self.search.best_estimator_

    def leaderboard(self, top=5):
        """:func:`leaderboard` of the search."""
        return leaderboard(self.search, top=top)


def tune(data, *, n_iter=20, cv=5, max_iter=200, size="medium", random_state=0, n_jobs=1, threads=None,
         scoring=None, progress=None):
    """Random search over :func:`build_pipeline`'s pipeline for a table.

    Each candidate starts from :func:`~sknn_hp.search.recommended`, with early stopping on 10% of
    its training fold, and samples :func:`~sknn_hp.search.search_space` (``size``).

    Parameters
    ----------
    data : TabularData
        From :func:`split_target`.
    n_iter, cv, max_iter : int, default=20, 5, 200
        Candidates, folds, and maximum epochs per fit.
    size : {'small', 'medium', 'large'}, default='medium'
        The search space's breadth.
    random_state : int or None, default=0
        Seeds the sampling and every candidate.
    n_jobs, threads, progress
        As for :func:`run_search`.
    scoring : str or None, default=None
        A scikit-learn scorer name; None for accuracy or R^2.

    Returns
    -------
    result : TuneResult

    Raises
    ------
    TabularError
        When ``scoring`` is not a scikit-learn scorer name.
    """
    from .search import search_space

    if scoring is not None:
        from sklearn.metrics import get_scorer_names

        if scoring not in get_scorer_names():
            raise TabularError(f"unknown scorer {scoring!r} (see sklearn.metrics.get_scorer_names())")
    pipe, prefix = build_pipeline(data.X, data.task, max_iter=max_iter, random_state=random_state,
                                  **_SEARCH_STOPPING)
    space = search_space(data.kind, size=size, random_state=random_state, prefix=prefix)
    search = run_search(pipe, space, data.X, data.y, n_iter=n_iter, cv=cv, random_state=random_state,
                        n_jobs=n_jobs, scoring=scoring, threads=threads, progress=progress)
    setattr(search.best_estimator_, TARGET_ATTRIBUTE, str(data.target))
    metric = scoring or ("accuracy" if data.task == "classification" else "R^2")
    settings = {"n_iter": n_iter, "cv": cv, "max_iter": max_iter, "size": size}
    return TuneResult(search, data, metric, settings)


def leaderboard(search, top=5):
    """The best candidates of a fitted search, with the hyperparameters that were searched.

    Parameters
    ----------
    search : fitted search (``cv_results_``)
    top : int or None, default=5
        Rows kept; None for all.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``rank``, ``mean_score``, ``std``, then every searched hyperparameter among
        ``hidden_layer_sizes``, ``activation``, ``solver``, ``learning_rate``,
        ``learning_rate_init``, ``alpha``, ``dropout``, ``label_smoothing``, ``batch_size``,
        ``batch_norm``, ``residual`` (short names, formatted as text), best first.
    """
    import numpy as np
    import pandas as pd

    res = search.cv_results_
    order = np.argsort(res["rank_test_score"], kind="stable")
    if top is not None:
        order = order[:top]
    table = {
        "rank": [int(res["rank_test_score"][i]) for i in order],
        "mean_score": [float(res["mean_test_score"][i]) for i in order],
        "std": [float(res["std_test_score"][i]) for i in order],
    }
    by_name = {_param_name(k[len("param_"):]): k for k in res if k.startswith("param_")}
    for name in _LEADERBOARD_PARAMS:
        if name in by_name:
            column = res[by_name[name]]
            masked = np.ma.getmaskarray(column)
            table[name] = ["" if masked[i] else _fmt(column[i]) for i in order]
    return pd.DataFrame(table)


# --------------------------------------------------------------------------- outputs


def _final_estimator(model):
    """The fitted MLP inside a Pipeline / TransformedTargetRegressor / search."""
    for _ in range(10):
        if hasattr(model, "history_"):
            return model
        if hasattr(model, "best_estimator_"):
            model = model.best_estimator_
        elif hasattr(model, "steps"):
            model = model.steps[-1][1]
        elif hasattr(model, "regressor_"):
            model = model.regressor_
        else:
            return None
    return None


def save_learning_curves(model, path):
    """Draw the per-epoch curves of the MLP inside ``model`` (:func:`sknn_hp.plot.learning_curves`).

    Parameters
    ----------
    model : fitted MLP, or a Pipeline / TransformedTargetRegressor / search holding one
    path : str or path
        The PNG file.

    Returns
    -------
    path : str
        ``path``.

    Raises
    ------
    ImportError
        Without matplotlib.
    ValueError
        When ``model`` holds no fitted MLP with a history.
    """
    from matplotlib.figure import Figure

    from .plot import learning_curves

    est = _final_estimator(model)
    if est is None or not getattr(est, "history_", None):
        raise ValueError("the model has no per-epoch history")
    fig = Figure(figsize=(8, 4.8))
    ax = fig.subplots()
    learning_curves(est, ax=ax)
    ax.set_title(f"Learning curves of the best model ({type(est).__name__})")
    fig.tight_layout()
    fig.savefig(os.fspath(path), dpi=100)
    return os.fspath(path)


def save_leaderboard_plot(search, path, top=12, metric="score", references=None):
    """A horizontal bar chart of the search's candidates: mean CV score and its spread.

    Parameters
    ----------
    search : fitted search
    path : str or path
        The PNG file.
    top : int, default=12
        Candidates shown, best at the top.
    metric : str, default='score'
        The axis label.
    references : dict or None, default=None
        ``{label: score}`` drawn as vertical lines (for example other models' scores).

    Returns
    -------
    path : str
        ``path``.

    Raises
    ------
    ImportError
        Without matplotlib.
    """
    from matplotlib.figure import Figure

    table = leaderboard(search, top=top)
    short = {"hidden_layer_sizes": "layers", "learning_rate_init": "lr", "learning_rate": "schedule",
             "label_smoothing": "smoothing"}
    shown = [c for c in table.columns if c not in ("rank", "mean_score", "std")]
    labels = [
        f"#{row['rank']}  " + ", ".join(f"{short.get(c, c)}={row[c]}" for c in shown if row[c] != "")
        for _, row in table.iterrows()
    ]
    fig = Figure(figsize=(11, 0.42 * len(table) + 1.6))
    ax = fig.subplots()
    positions = list(range(len(table)))[::-1]
    ax.barh(positions, table["mean_score"], xerr=table["std"], color="tab:blue", alpha=0.8, capsize=3)
    ax.set_yticks(positions)
    ax.set_yticklabels(labels, fontsize=8)
    for pos, score, std in zip(positions, table["mean_score"], table["std"]):
        ax.text(score + std, pos, f" {score:.4f}", va="center", fontsize=8)
    low = min(table["mean_score"] - table["std"])
    for i, (name, value) in enumerate((references or {}).items()):
        ax.axvline(value, color=f"C{i + 1}", linestyle="--", label=f"{name}: {value:.4f}")
        low = min(low, value)
    high = max(table["mean_score"] + table["std"])
    span = max(high - low, 1e-3)
    ax.set_xlim(low - 0.1 * span, high + 0.15 * span)
    ax.set_xlabel(f"mean cross-validated {metric} (bar: +/- one standard deviation)")
    ax.set_title("Search leaderboard")
    if references:
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(os.fspath(path), dpi=100)
    return os.fspath(path)


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
        from .persistence import dump_skops

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


# --------------------------------------------------------------------------- prediction


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
