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
- :class:`TableColumns` and :func:`build_pipeline`: what each column is (numbers, booleans,
  categories, dates; constant, empty and identifier columns dropped), decided once and reported
  (:meth:`TableColumns.report`), before :func:`sknn_hp.search.recommended`'s estimator, which takes
  the table as it is: its own imputation, category codes, robust scaling and target
  standardization are the library's one raw-table route;
- :func:`tune`: a random search over that pipeline (:func:`search_stopping` says when a table is too
  small to stop early on); :func:`run_search`: the one place a search is run (a
  ``RandomizedSearchCV`` with a progress callback and a thread limit for the parent *and* the
  worker processes, :func:`limit_threads`);
- :func:`leaderboard`, :func:`save_outputs` (the model, ``cv_results.csv`` and PNG figures);
- :func:`save_model`, :func:`load_model` (skops by default, with the trusted types spelled out in
  :data:`SKOPS_TRUSTED_TYPES`; joblib for ``.joblib`` / ``.pkl`` files) and :func:`predict_frame`,
  which checks the columns first (:func:`model_input`).

Errors in the data or the files raise :class:`TabularError` (a ``ValueError``) with a one-line
message; the command line prints it as ``sknn-hp: error: ...``.

One job a module: ``_csv`` (reading), ``_task`` (the target and the task), ``_columns`` (column
kinds), ``_pipeline`` (the model), ``_threads``, ``_search`` (the search and its leaderboard),
``_plots``, ``_persistence`` (model files and a search's outputs), ``_predict``.
"""

from ._columns import KINDS, ColumnDecision, TableColumns
from ._csv import read_csv
from ._errors import TabularError
from ._persistence import SKOPS_TRUSTED_TYPES, load_model, save_model, save_outputs
from ._pipeline import build_pipeline
from ._plots import save_leaderboard_plot, save_learning_curves
from ._predict import TARGET_ATTRIBUTE, model_input, predict_frame
from ._search import TuneResult, leaderboard, run_search, search_stopping, tune
from ._task import MAX_CLASSES, TabularData, infer_task, split_target
from ._threads import limit_threads

__all__ = [
    "KINDS",
    "MAX_CLASSES",
    "SKOPS_TRUSTED_TYPES",
    "TARGET_ATTRIBUTE",
    "ColumnDecision",
    "TableColumns",
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
    "read_csv",
    "run_search",
    "save_learning_curves",
    "save_leaderboard_plot",
    "save_model",
    "save_outputs",
    "search_stopping",
    "split_target",
    "tune",
]
