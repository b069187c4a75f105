"""Command-line interface: ``sknn-hp`` (also ``python -m sknn_hp``).

Three subcommands::

    sknn-hp demo [--quick] [--out DIR]
        On scikit-learn's bundled digits: scikit-learn's default MLPClassifier and
        HistGradientBoostingClassifier, then a short search from sknn_hp.search.recommended(),
        all three scored side by side on the same held-out images (sknn_hp.demo). Writes
        DIR/model.skops, DIR/cv_results.csv, DIR/learning_curves.png and DIR/leaderboard.png.

    sknn-hp tune DATA.csv --target COL [--task auto|classification|regression]
                 [--n-iter N] [--cv K] [--max-iter M] [--size S] [--out DIR] [--quick]
        Random search over an MLP on a CSV file (sknn_hp.tabular): each column's kind is decided
        and reported (numbers, booleans, categories, dates; constant, empty and ID columns
        dropped), and the table goes into sknn_hp.search.recommended()'s estimator, which imputes,
        encodes and scales it itself; same outputs as ``demo``.

    sknn-hp predict MODEL DATA.csv [--out PRED.csv] [--proba]
        Predictions (and class probabilities) of a saved model (skops, or joblib for
        .joblib/.pkl files), as CSV.

This module parses and prints; the work is done by :mod:`sknn_hp.tabular` and
:mod:`sknn_hp.demo`, which run the same steps from Python. Task inference (``--task auto``) is
:func:`sknn_hp.tabular.infer_task`.

``--threads T`` limits every process of the command to T threads: torch and the BLAS pools here,
and the worker processes of ``--n-jobs`` (:func:`sknn_hp.tabular.limit_threads`). ``demo`` and
``tune`` default to 1: small networks gain little from a second thread, and a two-thread process
beside another busy process collapses (a ``--quick`` tune on a 400-row table: 14 s with one
thread, 164 s with two).

User errors (a missing or unreadable file, a CSV pandas cannot parse, a missing target or feature
column, a file that is not a model, data the model cannot use) are reported as one line on
stderr, ``sknn-hp: error: ...``, with exit code 2; ``--debug`` prints the traceback first.
"""

import argparse
import sys
import time
import traceback

from .tabular import MAX_CLASSES, TabularError, infer_task  # noqa: F401 (infer_task: importable from here too)
from .tabular._errors import _first_line

# infer_task and MAX_CLASSES live in sknn_hp.tabular and are documented there; listing them here
# too would make Sphinx's viewcode link tabular's source to this module's (missing) entries.
__all__ = ["main"]

PROG = "sknn-hp"


class CLIError(TabularError):
    """A user error of the command line: reported as one line on stderr, exit code 2."""


# --------------------------------------------------------------------------- printing helpers


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


def _fmt(value):
    return f"{value:.3g}" if isinstance(value, float) else str(value)


class _Progress:
    """The progress display of a search: a bar redrawn in place on a terminal, one line per fit otherwise."""

    def __init__(self, stream=None, width=24):
        self.stream = stream or sys.stdout
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.width = width
        self.best = None

    def __call__(self, done, total, score, elapsed):
        self.best = score if self.best is None else max(self.best, score)
        filled = int(self.width * done / total)
        line = (
            f"  [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} fits  "
            f"last {score:.4f}  best {self.best:.4f}  {elapsed:5.1f} s"
        )
        if self.tty:
            end = "\n" if done == total else ""
            print("\r" + line, end=end, file=self.stream, flush=True)
        else:
            print(line, file=self.stream, flush=True)


def _print_leaderboard(search, metric):
    from .tabular import leaderboard

    table = leaderboard(search)
    for column in ("mean_score", "std"):
        table[column] = table[column].map(lambda v: f"{v:.4f}")
    print(f"leaderboard (CV {metric}):")
    print(table.to_string(index=False))


def _print_best(search, metric):
    best = search.best_index_
    std = search.cv_results_["std_test_score"][best]
    print(f"best CV {metric}: {search.best_score_:.4f} (+/- {std:.4f})")
    print("best params:")
    for key in sorted(search.best_params_, key=lambda k: k.rsplit("__", 1)[-1]):
        print(f"  {key.rsplit('__', 1)[-1]} = {_fmt(search.best_params_[key])}")


def _print_paths(paths):
    for name in ("model", "cv_results", "learning_curves", "leaderboard"):
        if name in paths:
            print(f"wrote {paths[name]}")
    for reason in paths.get("skipped", []):
        print(f"{PROG}: warning: {reason}", file=sys.stderr)


def _run_search_printing(fit, n_iter, cv, n_jobs):
    """Print the search's size, run ``fit(progress)``, print its time; return its result."""
    print(f"searching {n_iter} candidates x {cv} folds = {n_iter * cv} fits", flush=True)
    if n_jobs != 1:
        print(f"  ({n_jobs} parallel jobs: no per-fit progress)", flush=True)
    start = time.perf_counter()
    result = fit(_Progress() if n_jobs == 1 else None)
    print(f"search done in {time.perf_counter() - start:.1f} s", flush=True)
    return result


def _settings(args, defaults, quick):
    """The search settings from the arguments: given values, else --quick's, else the defaults."""
    chosen = quick if args.quick else defaults
    return {key: getattr(args, key, None) or chosen[key] for key in defaults}


# --------------------------------------------------------------------------- commands


def _cmd_demo(args):
    from . import demo
    from .tabular import save_outputs

    start = time.perf_counter()
    settings = _settings(args, demo.DEMO_DEFAULTS, {"n_iter": 3, "cv": 2, "max_iter": 30})
    X_train, X_test, y_train, y_test = demo.digits_split(random_state=args.random_state)
    print(
        f"digits: {len(y_train)} training and {len(y_test)} held-out 8x8 images, 10 classes "
        f"(split seed {args.random_state})"
    )
    rows = {}
    for name, model in demo.baselines(args.random_state).items():
        print(f"fitting {name} ...", end=" ", flush=True)
        rows[name] = demo.held_out_scores(model, X_test, y_test, fit_data=(X_train, y_train))
        print(f"{rows[name]['fit_seconds']:.1f} s", flush=True)
    print(
        f"sknn_hp: StandardScaler + recommended() (SELU, LeCun init, Adam, plateau schedule), searching "
        f"hidden_layer_sizes, learning_rate_init, alpha and label_smoothing around it, "
        f"max_iter={settings['max_iter']}"
    )
    search = _run_search_printing(
        lambda progress: demo.search(
            X_train, y_train, n_iter=settings["n_iter"], cv=settings["cv"], max_iter=settings["max_iter"],
            random_state=args.random_state, n_jobs=args.n_jobs, progress=progress,
        ),
        settings["n_iter"], settings["cv"], args.n_jobs,
    )
    refit = search.refit_time_
    ours = demo.held_out_scores(search.best_estimator_, X_test, y_test)
    ours["fit_seconds"] = refit
    rows["sknn_hp (search from recommended())"] = ours
    print()
    _print_leaderboard(search, "accuracy")
    print()
    _print_best(search, "accuracy")
    print()
    print(f"held-out test, the same {len(y_test)} images for all three:")
    width = max(len(name) for name in rows)
    print(f"  {'model':<{width}}  accuracy  macro F1  fit time")
    for name, row in rows.items():
        print(f"  {name:<{width}}  {row['accuracy']:8.4f}  {row['macro_f1']:8.4f}  {row['fit_seconds']:6.1f} s")
    paths = save_outputs(search, args.out, model_name=f"model.{args.model_format}", metric="accuracy")
    print()
    _print_paths(paths)
    print(f"demo done in {time.perf_counter() - start:.0f} s")
    return 0


def _cmd_tune(args):
    from .tabular import TableColumns, read_csv, save_outputs, search_stopping, split_target, tune

    df = read_csv(args.data)
    try:
        data = split_target(df, args.target, task=args.task)
    except TabularError as exc:
        raise CLIError(f"{args.data}: {exc}") from exc
    if data.n_dropped:
        print(f"dropping {data.n_dropped} rows with a missing target")
    how = "inferred" if data.task_inferred else "given"
    print(f"task: {data.task} ({how}; target {args.target!r}, {len(set(data.y.tolist()))} distinct values)")
    settings = _settings(
        args,
        {"n_iter": 20, "cv": 5, "max_iter": 200, "size": "medium"},
        {"n_iter": 4, "cv": 3, "max_iter": 30, "size": "small"},
    )
    columns = TableColumns().fit(data.X)
    counts = {}
    for decision in columns.decisions_:
        kind = "dropped" if decision.dropped else decision.kind
        counts[kind] = counts.get(kind, 0) + 1
    kinds = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    print(f"data: {data.X.shape[0]} rows, {data.X.shape[1]} feature columns ({kinds})")
    for line in columns.report():
        print(f"  {line}")
    n_classes = len(set(data.y.tolist())) if data.task == "classification" else None
    _, stopping_note = search_stopping(len(data.y), settings["cv"], n_classes)
    stopping = stopping_note or "early stopping on 10% of each training fold"
    print(f"search space '{settings['size']}', max_iter={settings['max_iter']}, {stopping}")
    result = _run_search_printing(
        lambda progress: tune(
            data, **settings, random_state=args.random_state, n_jobs=args.n_jobs, scoring=args.scoring,
            progress=progress, columns=columns,
        ),
        settings["n_iter"], settings["cv"], args.n_jobs,
    )
    print()
    _print_leaderboard(result.search, result.metric)
    print()
    _print_best(result.search, result.metric)
    paths = save_outputs(result.search, args.out, model_name=f"model.{args.model_format}", metric=result.metric)
    _print_paths(paths)
    return 0


def _cmd_predict(args):
    from .tabular import load_model, model_input, predict_frame, read_csv

    model, warnings_seen = load_model(args.model)
    for message in warnings_seen:  # e.g. saved with another sknn_hp / scikit-learn version
        print(f"{PROG}: warning: {message}", file=sys.stderr)
    if args.proba and not hasattr(model, "predict_proba"):
        raise CLIError(f"the model in {args.model} has no predict_proba (a regressor?): drop --proba")
    df = read_csv(args.data)
    try:
        _, notes = model_input(model, df)
        out = predict_frame(model, df, proba=args.proba)
    except TabularError as exc:
        raise CLIError(f"{args.data}: {exc}") from exc
    for note in notes:
        print(f"{PROG}: note: {args.data}: {note}", file=sys.stderr)
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


def _add_common_options(parser):
    # default=SUPPRESS: after the command, --debug must not reset the one given before it.
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="on an error, print the traceback before the one-line message")


def _add_search_options(parser, *, n_iter, cv, max_iter, out, quick, size=True, threads=None):
    parser.add_argument("--n-iter", type=_positive_int(1), default=None, metavar="N",
                        help=f"number of sampled candidates (default {n_iter}; {quick['n_iter']} with --quick)")
    parser.add_argument("--cv", type=_positive_int(2), default=None, metavar="K",
                        help=f"cross-validation folds (default {cv}; {quick['cv']} with --quick)")
    parser.add_argument("--max-iter", type=_positive_int(1), default=None, metavar="M",
                        help=f"maximum epochs per fit (default {max_iter}; {quick['max_iter']} with --quick)")
    if size:
        parser.add_argument("--size", choices=("small", "medium", "large"), default=None,
                            help="breadth of the search space (sknn_hp.search.search_space; default medium, "
                            "small with --quick)")
    parser.add_argument("--random-state", type=int, default=0, metavar="S", help="seed (default 0)")
    parser.add_argument("--n-jobs", type=int, default=1, metavar="J",
                        help="parallel fits of the search (default 1; -1: all cores)")
    parser.add_argument("--threads", type=_positive_int(1), default=threads, metavar="T",
                        help="threads per process, in this one and in the --n-jobs workers (torch, BLAS; "
                        f"default {threads or 'the libraries choice'}; 1 is fastest for small networks and "
                        "data, and avoids oversubscription on a busy machine)")
    parser.add_argument("--quick", action="store_true", help="a short search: fewer candidates, folds and epochs")
    parser.add_argument("--out", default=out, metavar="DIR", help=f"output directory (default {out})")
    parser.add_argument("--model-format", choices=("skops", "joblib"), default="skops",
                        help="model file format (default skops: no pickle; predict reads both)")
    _add_common_options(parser)


def _build_parser():
    from . import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Tune, train and apply sknn_hp neural networks (scikit-learn MLPs on PyTorch).",
        epilog="Errors are reported on one line, 'sknn-hp: error: ...', with exit code 2 (--debug: with "
        "the traceback).",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--debug", action="store_true", help="on an error, print the traceback first")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo",
        help="scikit-learn's MLP and gradient boosting against a short search, on digits",
        description="On scikit-learn's bundled digits: scikit-learn's default MLPClassifier (scaled) and "
        "HistGradientBoostingClassifier, then a short search around sknn_hp.search.recommended(), all "
        "three scored on the same held-out images. Writes OUT/model.skops, OUT/cv_results.csv, "
        "OUT/learning_curves.png and OUT/leaderboard.png.",
    )
    _add_search_options(demo, n_iter=8, cv=3, max_iter=60, out="sknn_hp_demo",
                        quick={"n_iter": 3, "cv": 2, "max_iter": 30}, size=False, threads=1)
    demo.set_defaults(func=_cmd_demo)

    tune = commands.add_parser(
        "tune",
        help="random search on a CSV file",
        description="Random search over an MLP on a CSV file (sknn_hp.tabular). Each column's kind is "
        "decided and reported: numbers, booleans and dates (year/month/day/weekday) become numbers, text "
        "becomes categories; constant, empty and ID-like columns are dropped. The estimator takes the table "
        "from there: median imputation with missing indicators, category codes (one-hot or embeddings; "
        "unseen and missing levels allowed), robust scaling. "
        "Task inference (--task auto): classification when the target is non-numeric, boolean, or "
        f"integer-valued with at most {MAX_CLASSES} distinct values; regression otherwise (regression "
        "targets are standardized inside the model). Writes OUT/model.skops, OUT/cv_results.csv, "
        "OUT/learning_curves.png and OUT/leaderboard.png.",
    )
    tune.add_argument("data", metavar="DATA.csv", help="training data, with a header row")
    tune.add_argument("--target", required=True, metavar="COL", help="name of the target column")
    tune.add_argument("--task", choices=("auto", "classification", "regression"), default="auto",
                      help="the learning task (default auto: inferred from the target)")
    tune.add_argument("--scoring", default=None, metavar="NAME",
                      help="a scikit-learn scorer name (default: accuracy for classification, R^2 for regression)")
    # One thread per process by default: with a second process busy on one of two cores, the
    # two-thread default took a --quick search on a 400-row table from 14 s to 164 s.
    _add_search_options(tune, n_iter=20, cv=5, max_iter=200, out="sknn_hp_tune",
                        quick={"n_iter": 4, "cv": 3, "max_iter": 30}, threads=1)
    tune.set_defaults(func=_cmd_tune)

    predict = commands.add_parser(
        "predict",
        help="predictions of a saved model on a CSV file",
        description="Predict with a model saved by 'tune' or 'demo': a skops file (the default they write; "
        "only the types of sknn_hp.tabular.SKOPS_TRUSTED_TYPES are trusted), or a joblib file "
        "(.joblib/.pkl: unpickling runs code, load only files you trust). The columns the model was "
        "trained on are taken from DATA.csv by name; a target column or an unknown column left in it is "
        "reported and not used; a missing feature column is an error. Writes a 'prediction' column, and "
        "'proba_<class>' columns with --proba.",
    )
    predict.add_argument("model", metavar="MODEL", help="a saved model (model.skops or model.joblib)")
    predict.add_argument("data", metavar="DATA.csv", help="the samples to predict, with a header row")
    predict.add_argument("--out", default=None, metavar="PRED.csv", help="output CSV file (default: stdout)")
    predict.add_argument("--proba", action="store_true", help="also write class probabilities")
    _add_common_options(predict)
    predict.set_defaults(func=_cmd_predict)
    return parser


def _error(message, debug):
    if debug:
        traceback.print_exc()
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def main(argv=None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    import pandas as pd

    from .tabular import limit_threads

    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (already printed)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    debug = getattr(args, "debug", False)
    try:
        with limit_threads(getattr(args, "threads", None), getattr(args, "n_jobs", 1)):
            return args.func(args)
    except TabularError as exc:
        return _error(exc, debug)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        return _error(f"cannot parse the CSV data: {_first_line(exc)}", debug)
    except OSError as exc:
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        return _error(f"cannot access{where}: {exc.strerror or _first_line(exc)}", debug)
    except ValueError as exc:  # from the data or the model (e.g. every fit of the search failed)
        return _error(_first_line(exc), debug)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
