"""The one search call of the tabular tools, :func:`tune`, and the leaderboard of a fitted search."""

import time
import warnings
from dataclasses import dataclass, field

from ._columns import TableColumns
from ._errors import TabularError
from ._pipeline import build_pipeline
from ._predict import TARGET_ATTRIBUTE
from ._task import TabularData
from ._threads import limit_threads

__all__ = ["TuneResult", "leaderboard", "run_search", "search_stopping", "tune"]

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
# search short, when that 10% is at least this many rows (and, for classes, one row per class)...
_MIN_VALIDATION_ROWS = 5
_SEARCH_STOPPING = {"early_stopping": True, "validation_fraction": 0.1}


def search_stopping(n_rows, cv, n_classes=None):
    """Early stopping for the candidates of a search over ``n_rows`` rows, and why, in words.

    Each candidate holds 10% of its training fold out and stops when that loss no longer falls;
    when the smallest training fold's 10% would be fewer than 5 rows (or than the number of
    classes, which a stratified hold-out needs), it trains every epoch on the whole fold instead.

    Parameters
    ----------
    n_rows : int
        Rows of the table.
    cv : int or splitter
        The search's folds.
    n_classes : int or None, default=None
        Classes of a classification.

    Returns
    -------
    params : dict
        ``early_stopping`` and ``validation_fraction`` for the estimator.
    note : str
        Empty when early stopping is on; else one line saying why it is off.
    """
    import math

    folds = cv if isinstance(cv, int) else cv.get_n_splits()
    n_train = n_rows - math.ceil(n_rows / folds)
    n_valid = math.ceil(_SEARCH_STOPPING["validation_fraction"] * n_train)
    if n_valid >= max(_MIN_VALIDATION_ROWS, n_classes or 0):
        return dict(_SEARCH_STOPPING), ""
    note = (f"small table: 10% of a {n_train}-row training fold is {n_valid} row(s), too few to stop on; "
            "every candidate trains max_iter epochs")
    return {"early_stopping": False}, note


def _param_name(key):
    """'mlpclassifier__alpha' or 'model__regressor__alpha' -> 'alpha'."""
    return key.rsplit("__", 1)[-1]


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


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

    from ..model_selection import RandomizedSearchCV  # scikit-learn's, with candidates x folds batched

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
    columns : TableColumns or None
        The column decisions on the whole table (every fold and the refit made the same ones).
    """

    search: object
    data: TabularData
    metric: str
    settings: dict = field(default_factory=dict)
    columns: object = None

    @property
    def model(self):
        """The best pipeline, refit on all the data."""
        return self.search.best_estimator_

    def leaderboard(self, top=5):
        """:func:`leaderboard` of the search."""
        return leaderboard(self.search, top=top)


def tune(data, *, n_iter=20, cv=5, max_iter=200, size="medium", random_state=0, n_jobs=1, threads=None,
         scoring=None, progress=None, columns=None):
    """Random search over :func:`build_pipeline`'s pipeline for a table.

    The column kinds are decided once on the whole table (:class:`TableColumns`, ``columns``) and
    given to the pipeline, so that every fold and the final refit treat each column the same way.
    Each candidate starts from :func:`~sknn_hp.search.recommended` (the table goes into the
    estimator as it is: its own imputation, category codes, robust scaling and, for regressions,
    target standardization), with early stopping on 10% of its training fold, and samples
    :func:`~sknn_hp.search.search_space` (``size``).

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
    columns : TableColumns or None, default=None
        Fitted on ``data.X`` (e.g. to print :meth:`TableColumns.report` first); None fits one.

    Returns
    -------
    result : TuneResult

    Raises
    ------
    TabularError
        When ``scoring`` is not a scikit-learn scorer name.
    """
    from ..search import search_space

    if scoring is not None:
        from sklearn.metrics import get_scorer_names

        if scoring not in get_scorer_names():
            raise TabularError(f"unknown scorer {scoring!r} (see sklearn.metrics.get_scorer_names())")
    if columns is None:
        columns = TableColumns().fit(data.X)
    kinds = {d.name: d.kind for d in columns.decisions_}
    n_classes = len(set(data.y.tolist())) if data.task == "classification" else None
    stopping, _ = search_stopping(len(data.y), cv, n_classes)
    pipe, prefix = build_pipeline(data.X, data.task, kinds=kinds, max_iter=max_iter, random_state=random_state,
                                  **stopping)
    space = search_space(data.kind, size=size, random_state=random_state, prefix=prefix)
    search = run_search(pipe, space, data.X, data.y, n_iter=n_iter, cv=cv, random_state=random_state,
                        n_jobs=n_jobs, scoring=scoring, threads=threads, progress=progress)
    setattr(search.best_estimator_, TARGET_ATTRIBUTE, str(data.target))
    metric = scoring or ("accuracy" if data.task == "classification" else "R^2")
    settings = {"n_iter": n_iter, "cv": cv, "max_iter": max_iter, "size": size}
    return TuneResult(search, data, metric, settings, columns)


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
