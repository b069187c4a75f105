"""Command-line interface: ``sknn-hp`` (also ``python -m sknn_hp``).

Three subcommands::

    sknn-hp demo [--quick] [--out DIR]
        Random search over an MLP on scikit-learn's bundled digits data; prints
        a leaderboard and held-out accuracy/F1, writes DIR/model.joblib,
        DIR/cv_results.csv and DIR/learning_curves.png (with matplotlib).

    sknn-hp tune DATA.csv --target COL [--task auto|classification|regression]
                 [--n-iter N] [--cv K] [--max-iter M] [--out DIR]
                 [--random-state S] [--quick]
        Random search over an MLP on a CSV file: numeric columns are imputed
        (median) and standardized, the other columns imputed (most frequent)
        and one-hot encoded; same outputs as ``demo``.

    sknn-hp predict MODEL DATA.csv [--out PRED.csv] [--proba]
        Predictions (and class probabilities) of a saved model, as CSV.

Task inference (``--task auto``): the target is a classification target when
it is non-numeric (strings, categories), boolean, or integer-valued (integer
dtype, or floats that are all whole numbers) with at most 20 distinct values;
otherwise a regression target. Pass ``--task`` to override.

User errors (a missing or unreadable file, a CSV pandas cannot parse, a
missing target column, a file that is not a model, data the model cannot
use) are reported as one line on stderr, ``sknn-hp: error: ...``, with exit
code 2.
"""

import argparse
import importlib.util
import os
import sys
import time
import warnings

__all__ = ["MAX_CLASSES", "infer_task", "main"]

PROG = "sknn-hp"

#: Integer-valued targets with at most this many distinct values are classes.
MAX_CLASSES = 20

# Hyperparameters shown in the leaderboard, in this order, when searched.
_LEADERBOARD_PARAMS = (
    "hidden_layer_sizes",
    "activation",
    "solver",
    "learning_rate",
    "learning_rate_init",
    "alpha",
    "dropout",
    "batch_size",
    "batch_norm",
    "residual",
    "label_smoothing",
)


class CLIError(Exception):
    """A user error: reported as one line on stderr, exit code 2."""


# --------------------------------------------------------------------------- helpers

# Searches train many candidates: each stops on 10% of its training fold held out (what the
# commands print), which keeps a search short; recommended() alone trains on all the data.
_SEARCH_STOPPING = {"early_stopping": True, "validation_fraction": 0.1}


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


def _read_csv(path):
    """Read a CSV file with pandas, turning every failure into a CLIError."""
    import pandas as pd

    if not os.path.exists(path):
        raise CLIError(f"no such file: {path}")
    if os.path.isdir(path):
        raise CLIError(f"{path} is a directory, not a CSV file")
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise CLIError(f"cannot parse {path} as CSV: {_first_line(exc)}") from exc
    except OSError as exc:
        raise CLIError(f"cannot read {path}: {exc.strerror or _first_line(exc)}") from exc
    if df.shape[0] == 0:
        raise CLIError(f"{path} has no data rows")
    return df


def _load_model(path):
    import joblib

    if not os.path.exists(path):
        raise CLIError(f"no such file: {path}")
    if os.path.isdir(path):
        raise CLIError(f"{path} is a directory, not a model file")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = joblib.load(path)
    except Exception as exc:  # joblib/pickle raise many types on a foreign file
        raise CLIError(
            f"cannot load a model from {path} (not a joblib file?): {type(exc).__name__}: {_first_line(exc)}"
        ) from exc
    # e.g. saved with another sknn_hp / scikit-learn version: one line per distinct warning
    for message in dict.fromkeys(_first_line(w.message) for w in caught):
        print(f"{PROG}: warning: {message}", file=sys.stderr)
    if not hasattr(model, "predict"):
        raise CLIError(f"{path} holds a {type(model).__name__}, not a model with a predict method")
    return model


def _positive_int(minimum):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


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


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _param_name(key):
    """'mlpclassifier__alpha' or 'model__regressor__alpha' -> 'alpha'."""
    return key.rsplit("__", 1)[-1]


# --------------------------------------------------------------------------- task inference


def infer_task(y):
    """'classification' or 'regression' for a target column (a pandas Series).

    Classification when the target is non-numeric (strings, categories),
    boolean, or integer-valued (an integer dtype, or floats that are all whole
    numbers) with at most :data:`MAX_CLASSES` (20) distinct values; regression
    otherwise. Missing values are ignored.
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


# --------------------------------------------------------------------------- search machinery


class _ProgressScorer:
    """Wraps a scorer; prints one line per finished fit (sequential searches)."""

    def __init__(self, scorer, total):
        self.scorer = scorer
        self.total = total
        self.done = 0
        self.start = time.perf_counter()

    def __call__(self, estimator, X, y, **kwargs):
        score = self.scorer(estimator, X, y, **kwargs)
        self.done += 1
        elapsed = time.perf_counter() - self.start
        print(f"  fit {self.done}/{self.total}: score {score:.4f}  ({elapsed:.1f} s)", flush=True)
        return score


def _run_search(pipe, space, X, y, *, n_iter, cv, random_state, n_jobs, scoring=None):
    """Fit a RandomizedSearchCV with a progress display; return it."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import check_scoring
    from sklearn.model_selection import RandomizedSearchCV

    total = n_iter * cv
    print(f"searching {n_iter} candidates x {cv} folds = {total} fits", flush=True)
    if n_jobs == 1:
        scorer, verbose = _ProgressScorer(check_scoring(pipe, scoring=scoring), total), 0
    else:  # the counter would live in the worker processes: use sklearn's display
        scorer, verbose = scoring, 2
    search = RandomizedSearchCV(
        pipe,
        space,
        n_iter=n_iter,
        cv=cv,
        scoring=scorer,
        random_state=random_state,
        n_jobs=n_jobs,
        verbose=verbose,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        # Short searches stop at max_iter on purpose: one warning per fit is noise.
        warnings.simplefilter("ignore", ConvergenceWarning)
        # The space's batch sizes exceed small training folds; clipping them is expected.
        warnings.filterwarnings("ignore", message="Got `batch_size`", category=UserWarning)
        search.fit(X, y)
    print(f"search done in {time.perf_counter() - start:.1f} s", flush=True)
    return search


def _leaderboard(search, top=5):
    """The top rows of cv_results_ as a printable table."""
    import numpy as np
    import pandas as pd

    res = search.cv_results_
    order = np.argsort(res["rank_test_score"], kind="stable")[:top]
    table = {
        "rank": [int(res["rank_test_score"][i]) for i in order],
        "mean_score": [f"{res['mean_test_score'][i]:.4f}" for i in order],
        "std": [f"{res['std_test_score'][i]:.4f}" for i in order],
    }
    by_name = {_param_name(k[len("param_") :]): k for k in res if k.startswith("param_")}
    for name in _LEADERBOARD_PARAMS:
        if name in by_name:
            column = res[by_name[name]]
            masked = np.ma.getmaskarray(column)
            table[name] = ["" if masked[i] else _fmt(column[i]) for i in order]
    return pd.DataFrame(table).to_string(index=False)


def _print_best(search, metric):
    best = search.best_index_
    std = search.cv_results_["std_test_score"][best]
    print(f"best CV {metric}: {search.best_score_:.4f} (+/- {std:.4f})")
    print("best params:")
    for key in sorted(search.best_params_, key=_param_name):
        print(f"  {_param_name(key)} = {_fmt(search.best_params_[key])}")


def _draw_learning_curves(history, ax):
    """Fallback plot when sknn_hp.plot.learning_curves is not available."""
    epochs = [row.get("epoch", i + 1) for i, row in enumerate(history)]
    for key, label in (("train_loss", "train loss"), ("valid_loss", "validation loss")):
        values = [row.get(key) for row in history]
        if any(v is not None for v in values):
            ax.plot(epochs, values, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title("Learning curves")
    ax.legend(loc="best")
    return ax


def _save_learning_curves(model, path):
    """Plot the best model's learning curves to path; None when not drawn."""
    if importlib.util.find_spec("matplotlib") is None:
        print("matplotlib is not installed: no learning curves (pip install matplotlib)")
        return None
    est = _final_estimator(model)
    if est is None or not getattr(est, "history_", None):
        print("the model has no per-epoch history: no learning curves")
        return None
    try:
        from matplotlib.figure import Figure

        try:
            from .plot import learning_curves
        except ImportError:
            learning_curves = None
        fig = Figure(figsize=(8, 4.8))
        ax = fig.subplots()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if learning_curves is not None:
                learning_curves(est, ax=ax)
            else:
                _draw_learning_curves(est.history_, ax)
            fig.tight_layout()
            fig.savefig(path, dpi=100)
    except Exception as exc:  # a plot must not fail a finished search
        print(f"{PROG}: warning: could not draw the learning curves: {_first_line(exc)}", file=sys.stderr)
        return None
    return path


def _save_outputs(search, out):
    """model.joblib, cv_results.csv and learning_curves.png under out."""
    import joblib
    import pandas as pd

    try:
        os.makedirs(out, exist_ok=True)
    except OSError as exc:
        raise CLIError(f"cannot create the output directory {out}: {exc.strerror or _first_line(exc)}") from exc
    model_path = os.path.join(out, "model.joblib")
    results_path = os.path.join(out, "cv_results.csv")
    joblib.dump(search.best_estimator_, model_path)
    pd.DataFrame(search.cv_results_).to_csv(results_path, index=False)
    print(f"wrote {model_path}")
    print(f"wrote {results_path}")
    plot_path = _save_learning_curves(search.best_estimator_, os.path.join(out, "learning_curves.png"))
    if plot_path is not None:
        print(f"wrote {plot_path}")


def _search_settings(args, defaults):
    """(n_iter, cv, max_iter, size) from the arguments, --quick and the defaults."""
    quick = args.quick
    n_iter = args.n_iter or (4 if quick else defaults["n_iter"])
    cv = args.cv or (3 if quick else defaults["cv"])
    max_iter = args.max_iter or (30 if quick else defaults["max_iter"])
    size = args.size or ("small" if quick else "medium")
    if getattr(args, "tiny", False):  # hidden: for the test suite
        n_iter, cv, max_iter, size = 2, 2, 3, "small"
    return n_iter, cv, max_iter, size


# --------------------------------------------------------------------------- commands


def _cmd_demo(args):
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .search import recommended, search_space

    n_iter, cv, max_iter, size = _search_settings(args, {"n_iter": 12, "cv": 3, "max_iter": 150})
    X, y = load_digits(return_X_y=True)
    if args.tiny:
        keep = np.random.RandomState(0).permutation(len(y))[:300]
        X, y = X[keep], y[keep]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=args.random_state
    )
    print(
        f"digits: {len(y_train)} training and {len(y_test)} test images, {X.shape[1]} pixels, "
        f"{len(np.unique(y))} classes"
    )
    print(f"search space '{size}', max_iter={max_iter}, early stopping on 10% of each training fold")
    clf = recommended("classifier", max_iter=max_iter, random_state=args.random_state, **_SEARCH_STOPPING)
    pipe = make_pipeline(StandardScaler(), clf)
    space = search_space("classifier", size=size, random_state=args.random_state, prefix="mlpclassifier__")
    search = _run_search(
        pipe, space, X_train, y_train, n_iter=n_iter, cv=cv, random_state=args.random_state, n_jobs=args.n_jobs
    )
    print()
    print("leaderboard (CV accuracy):")
    print(_leaderboard(search))
    print()
    _print_best(search, "accuracy")
    pred = search.best_estimator_.predict(X_test)
    print(
        f"held-out test: accuracy {accuracy_score(y_test, pred):.4f}, "
        f"macro F1 {f1_score(y_test, pred, average='macro'):.4f} ({len(y_test)} images)"
    )
    _save_outputs(search, args.out)
    return 0


def _preprocessor(X):
    """ColumnTransformer: numeric -> median impute + scale; others -> mode impute + one-hot."""
    import numpy as np
    from pandas.api import types
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    numeric = [c for c in X.columns if types.is_numeric_dtype(X[c]) and not types.is_bool_dtype(X[c])]
    categorical = [c for c in X.columns if c not in numeric]
    transformers = []
    if numeric:
        transformers.append(("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric))
    if categorical:
        # SimpleImputer rejects bool columns: hand it objects.
        as_object = FunctionTransformer(np.asarray, kw_args={"dtype": object}, feature_names_out="one-to-one")
        transformers.append(
            (
                "categorical",
                make_pipeline(
                    as_object, SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
                ),
                categorical,
            )
        )
    return ColumnTransformer(transformers), numeric, categorical


def _cmd_tune(args):
    import numpy as np
    from pandas.api import types
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from .search import recommended, search_space

    if args.scoring is not None:
        from sklearn.metrics import get_scorer_names

        if args.scoring not in get_scorer_names():
            raise CLIError(f"unknown scorer {args.scoring!r} (see sklearn.metrics.get_scorer_names())")
    df = _read_csv(args.data)
    if args.target not in df.columns:
        raise CLIError(f"target column {args.target!r} not found in {args.data}; columns: {_names(df.columns)}")
    missing = df[args.target].isna()
    if missing.all():
        raise CLIError(f"target column {args.target!r} has no values")
    if missing.any():
        print(f"dropping {int(missing.sum())} rows with a missing target")
        df = df.loc[~missing]
    y = df[args.target]
    X = df.drop(columns=[args.target])
    if X.shape[1] == 0:
        raise CLIError(f"{args.data} has no feature columns besides the target {args.target!r}")

    task = args.task if args.task != "auto" else infer_task(y)
    how = "inferred" if args.task == "auto" else "given"
    print(f"task: {task} ({how}; target {args.target!r}, {y.nunique()} distinct values)")
    if task == "regression":
        if types.is_bool_dtype(y) or not types.is_numeric_dtype(y):
            raise CLIError(f"target column {args.target!r} is not numeric: it cannot be a regression target")
        y = y.to_numpy(dtype=float)
    else:
        if types.is_float_dtype(y) and bool(np.all(np.mod(y.to_numpy(), 1) == 0)):
            y = y.astype(np.int64)  # whole-number floats (e.g. after NaNs were dropped): integer labels
        y = y.to_numpy()
        if len(np.unique(y)) < 2:
            raise CLIError(f"target column {args.target!r} has a single class: nothing to classify")

    n_iter, cv, max_iter, size = _search_settings(args, {"n_iter": 20, "cv": 5, "max_iter": 200})
    pre, numeric, categorical = _preprocessor(X)
    print(f"data: {X.shape[0]} rows, {len(numeric)} numeric and {len(categorical)} categorical feature columns")
    print(f"search space '{size}', max_iter={max_iter}, early stopping on 10% of each training fold")
    kind = "classifier" if task == "classification" else "regressor"
    est = recommended(kind, max_iter=max_iter, random_state=args.random_state, **_SEARCH_STOPPING)
    if kind == "regressor":
        # Neural networks fit standardized targets far better; predictions come back in the original units.
        model, prefix = TransformedTargetRegressor(regressor=est, transformer=StandardScaler()), "model__regressor__"
    else:
        model, prefix = est, "model__"
    pipe = Pipeline([("preprocess", pre), ("model", model)])
    space = search_space(kind, size=size, random_state=args.random_state, prefix=prefix)
    search = _run_search(
        pipe,
        space,
        X,
        y,
        n_iter=n_iter,
        cv=cv,
        random_state=args.random_state,
        n_jobs=args.n_jobs,
        scoring=args.scoring,
    )
    metric = args.scoring or ("accuracy" if kind == "classifier" else "R^2")
    print()
    print(f"leaderboard (CV {metric}):")
    print(_leaderboard(search))
    print()
    _print_best(search, metric)
    _save_outputs(search, args.out)
    return 0


def _model_input(model, df, path):
    """The columns of df the model was trained on, in its order."""
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        names = [str(n) for n in names]
        absent = [n for n in names if n not in df.columns]
        if absent:
            unknown = [c for c in df.columns if c not in names]
            message = f"{path} lacks column(s) the model was trained on: {_names(absent)}"
            if unknown:
                message += f"; column(s) the model does not know: {_names(unknown)}"
            raise CLIError(message)
        return df[names]
    n_features = getattr(model, "n_features_in_", None)
    if n_features is not None and df.shape[1] != n_features:
        raise CLIError(f"the model expects {n_features} feature columns, {path} has {df.shape[1]}")
    return df.to_numpy()


def _cmd_predict(args):
    import numpy as np
    import pandas as pd

    model = _load_model(args.model)
    if args.proba and not hasattr(model, "predict_proba"):
        raise CLIError(f"the model in {args.model} has no predict_proba (a regressor?): drop --proba")
    df = _read_csv(args.data)
    X = _model_input(model, df, args.data)
    try:
        pred = np.asarray(model.predict(X))
        proba = model.predict_proba(X) if args.proba else None
    except (ValueError, TypeError) as exc:
        raise CLIError(f"the model cannot predict on {args.data}: {_first_line(exc)}") from exc
    if pred.ndim == 1:
        out = pd.DataFrame({"prediction": pred})
    else:
        out = pd.DataFrame(pred, columns=[f"prediction_{j}" for j in range(pred.shape[1])])
    if proba is not None:
        proba = np.asarray(proba)
        classes = getattr(model, "classes_", None)
        if classes is None or len(np.shape(classes)) != 1 or len(classes) != proba.shape[1]:
            classes = range(proba.shape[1])
        for j, label in enumerate(classes):
            out[f"proba_{label}"] = proba[:, j]
    if args.out:
        try:
            out.to_csv(args.out, index=False)
        except OSError as exc:
            raise CLIError(f"cannot write {args.out}: {exc.strerror or _first_line(exc)}") from exc
        print(f"wrote {len(out)} predictions to {args.out}")
    else:
        print(out.to_csv(index=False), end="")
    return 0


# --------------------------------------------------------------------------- parser and entry point


def _add_search_options(parser, *, n_iter, cv, max_iter, out):
    parser.add_argument(
        "--n-iter",
        type=_positive_int(1),
        default=None,
        metavar="N",
        help=f"number of sampled candidates (default {n_iter}; 4 with --quick)",
    )
    parser.add_argument(
        "--cv",
        type=_positive_int(2),
        default=None,
        metavar="K",
        help=f"cross-validation folds (default {cv}; 3 with --quick)",
    )
    parser.add_argument(
        "--max-iter",
        type=_positive_int(1),
        default=None,
        metavar="M",
        help=f"maximum epochs per fit (default {max_iter}; 30 with --quick)",
    )
    parser.add_argument(
        "--size",
        choices=("small", "medium", "large"),
        default=None,
        help="breadth of the search space (sknn_hp.search.search_space; default medium, small with --quick)",
    )
    parser.add_argument("--random-state", type=int, default=0, metavar="S", help="seed (default 0)")
    parser.add_argument(
        "--n-jobs", type=int, default=1, metavar="J", help="parallel fits of the search (default 1; -1: all cores)"
    )
    parser.add_argument(
        "--threads",
        type=_positive_int(1),
        default=None,
        metavar="T",
        help="torch threads per fit (default: torch's choice; 1 is fastest for small networks and data)",
    )
    parser.add_argument("--quick", action="store_true", help="a short search: fewer candidates, folds and epochs")
    parser.add_argument("--out", default=out, metavar="DIR", help=f"output directory (default {out})")
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)


def _build_parser():
    from . import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Tune, train and apply sknn_hp neural networks (scikit-learn MLPs on PyTorch).",
        epilog="Errors are reported on one line, 'sknn-hp: error: ...', with exit code 2.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo",
        help="random search on scikit-learn's bundled digits data",
        description="Random search over an MLPClassifier (StandardScaler pipeline) on scikit-learn's bundled "
        "digits data: leaderboard, held-out accuracy and F1, and OUT/model.joblib, OUT/cv_results.csv, "
        "OUT/learning_curves.png.",
    )
    _add_search_options(demo, n_iter=12, cv=3, max_iter=150, out="sknn_hp_demo")
    demo.set_defaults(func=_cmd_demo)

    tune = commands.add_parser(
        "tune",
        help="random search on a CSV file",
        description="Random search over an MLP on a CSV file. Numeric columns: median imputation and "
        "standardization; other columns: most-frequent imputation and one-hot encoding. Task inference "
        f"(--task auto): classification when the target is non-numeric, boolean, or integer-valued with at "
        f"most {MAX_CLASSES} distinct values; regression otherwise (regression targets are standardized "
        "inside the model). Writes OUT/model.joblib, OUT/cv_results.csv and OUT/learning_curves.png.",
    )
    tune.add_argument("data", metavar="DATA.csv", help="training data, with a header row")
    tune.add_argument("--target", required=True, metavar="COL", help="name of the target column")
    tune.add_argument(
        "--task",
        choices=("auto", "classification", "regression"),
        default="auto",
        help="the learning task (default auto: inferred from the target)",
    )
    tune.add_argument(
        "--scoring",
        default=None,
        metavar="NAME",
        help="a scikit-learn scorer name (default: accuracy for classification, R^2 for regression)",
    )
    _add_search_options(tune, n_iter=20, cv=5, max_iter=200, out="sknn_hp_tune")
    tune.set_defaults(func=_cmd_tune)

    predict = commands.add_parser(
        "predict",
        help="predictions of a saved model on a CSV file",
        description="Predict with a model saved by 'tune' or 'demo' (or any joblib-saved scikit-learn "
        "model). The columns the model was trained on are taken from DATA.csv (others, such as the "
        "target, are ignored). Writes a 'prediction' column, and 'proba_<class>' columns with --proba.",
    )
    predict.add_argument("model", metavar="MODEL", help="a model saved with joblib (model.joblib)")
    predict.add_argument("data", metavar="DATA.csv", help="the samples to predict, with a header row")
    predict.add_argument("--out", default=None, metavar="PRED.csv", help="output CSV file (default: stdout)")
    predict.add_argument("--proba", action="store_true", help="also write class probabilities")
    predict.set_defaults(func=_cmd_predict)
    return parser


def _error(message):
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def main(argv=None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    import pandas as pd

    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (already printed)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if getattr(args, "threads", None):
        import torch

        torch.set_num_threads(args.threads)
    try:
        return args.func(args)
    except CLIError as exc:
        return _error(exc)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        return _error(f"cannot parse the CSV data: {_first_line(exc)}")
    except OSError as exc:
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        return _error(f"cannot access{where}: {exc.strerror or _first_line(exc)}")
    except ValueError as exc:  # from the data or the model (e.g. every fit of the search failed)
        return _error(_first_line(exc))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
