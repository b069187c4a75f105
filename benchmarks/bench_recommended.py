"""Accuracy of ``sknn_hp.recommended`` against scikit-learn's MLP and gradient boosting.

On the real datasets bundled with scikit-learn (no download): breast cancer,
digits, wine and iris (classification, accuracy) and diabetes (regression,
R^2), 5-fold cross-validation repeated 3 times (``RepeatedStratifiedKFold``
for the classifiers, ``RepeatedKFold`` for the regression, ``random_state=0``;
the same folds for every model). Each model is
``make_pipeline(StandardScaler(), model)``:

- ``sknn_hp.recommended(kind, random_state=0)``: the course notes' summary
  configuration as measured for tabular data (SELU + LeCun init, Adam,
  performance scheduling, mini-batches of 64, stopping on the training loss,
  label smoothing 0.1 for classifiers; see its docstring);
- scikit-learn's ``MLPClassifier(random_state=0)`` / ``MLPRegressor(random_state=0)``
  with their defaults;
- ``HistGradientBoostingClassifier(random_state=0)`` /
  ``HistGradientBoostingRegressor(random_state=0)`` with their defaults.

The target is used as is (no target scaling), as the three models receive it;
an extra row, "diabetes, y standardized", wraps each pipeline in
``TransformedTargetRegressor(..., transformer=StandardScaler())``: the
diabetes target (mean 152, std 77) is far from the unit scale the networks'
initialization and default learning rate assume.

Usage::

    python benchmarks/bench_recommended.py               # 5 datasets (6 rows) x 5 folds x 3 repeats
    python benchmarks/bench_recommended.py --repeats 1   # one 5-fold pass
    python benchmarks/bench_recommended.py --quick       # iris and diabetes, 3 folds, once

Prints a markdown table: mean +- standard deviation of the test metric over
all folds of all repeats per model, and the mean fit time per fold in seconds. Fit times
depend on the machine, its load and the thread settings printed above the
table (``OMP_NUM_THREADS=1`` makes every model single-threaded).
"""

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import torch  # noqa: E402
from sklearn.compose import TransformedTargetRegressor  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold, cross_validate  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import sknn_hp  # noqa: E402

# name -> (loader, kind, standardize the target)
DATASETS = {
    "breast_cancer": (load_breast_cancer, "classifier", False),
    "digits": (load_digits, "classifier", False),
    "wine": (load_wine, "classifier", False),
    "iris": (load_iris, "classifier", False),
    "diabetes": (load_diabetes, "regressor", False),
    "diabetes, y standardized": (load_diabetes, "regressor", True),
}
QUICK_DATASETS = ("iris", "diabetes")
MODELS = ("sknn_hp.recommended", "sklearn MLP", "HistGradientBoosting")


def make_models(kind):
    if kind == "classifier":
        return {
            "sknn_hp.recommended": sknn_hp.recommended("classifier", random_state=0),
            "sklearn MLP": MLPClassifier(random_state=0),
            "HistGradientBoosting": HistGradientBoostingClassifier(random_state=0),
        }
    return {
        "sknn_hp.recommended": sknn_hp.recommended("regressor", random_state=0),
        "sklearn MLP": MLPRegressor(random_state=0),
        "HistGradientBoosting": HistGradientBoostingRegressor(random_state=0),
    }


def run(names, n_splits, n_repeats):
    rows = []
    for name in names:
        loader, kind, scale_y = DATASETS[name]
        X, y = loader(return_X_y=True)
        if kind == "classifier":
            cv = RepeatedStratifiedKFold(n_splits=n_splits, n_repeats=n_repeats, random_state=0)
            metric, scoring = "accuracy", "accuracy"
        else:
            cv = RepeatedKFold(n_splits=n_splits, n_repeats=n_repeats, random_state=0)
            metric, scoring = "R2", "r2"
        row = {"dataset": name, "shape": f"{X.shape[0]} x {X.shape[1]}", "metric": metric}
        for label, model in make_models(kind).items():
            start = time.perf_counter()
            pipe = make_pipeline(StandardScaler(), model)
            if scale_y:
                pipe = TransformedTargetRegressor(pipe, transformer=StandardScaler())
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                res = cross_validate(pipe, X, y, cv=cv, scoring=scoring)
            scores = res["test_score"]
            row[label] = f"{scores.mean():.3f} ± {scores.std():.3f}"
            row[label + " fit s"] = f"{res['fit_time'].mean():.2f}"
            print(f"  {name:<14} {label:<22} {row[label]}  fit {row[label + ' fit s']} s/fold "
                  f"({time.perf_counter() - start:.1f} s)", file=sys.stderr, flush=True)
        rows.append(row)
    return rows


def markdown(rows):
    header = ["dataset", "n x d", "metric", *MODELS, *(f"fit s/fold: {m}" for m in MODELS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * 3 + ["---:"] * (2 * len(MODELS))) + "|"]
    for row in rows:
        cells = [row["dataset"], row["shape"], row["metric"], *(row[m] for m in MODELS),
                 *(row[m + " fit s"] for m in MODELS)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="iris and diabetes only, 3 folds, once")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions of the 5-fold split (default 3)")
    args = parser.parse_args()
    names = QUICK_DATASETS if args.quick else tuple(DATASETS)
    n_splits, n_repeats = (3, 1) if args.quick else (5, args.repeats)

    start = time.perf_counter()
    rows = run(names, n_splits, n_repeats)
    total = time.perf_counter() - start
    print(f"{n_splits}-fold cross-validation x {n_repeats} (random_state=0), StandardScaler + model; "
          "mean ± std of the test metric over folds, mean fit time per fold in seconds.")
    print(f"sknn_hp {sknn_hp.__version__}, scikit-learn {sklearn.__version__}, torch {torch.__version__}, "
          f"numpy {np.__version__}, Python {platform.python_version()}; {os.cpu_count()} CPUs, "
          f"torch threads {torch.get_num_threads()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; "
          f"total {total:.0f} s.\n")
    print(markdown(rows))


if __name__ == "__main__":
    main()
