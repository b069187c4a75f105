"""Search speed: sknn_hp.model_selection's batched searches against scikit-learn's searches.

One process, contenders interleaved (their order rotates every repeat, the
median is reported), so a change of load on the machine hits all alike:

- ``sklearn MLP``: scikit-learn's ``GridSearchCV(n_jobs=2)`` over scikit-learn's ``MLPClassifier``;
- ``sklearn search, sknn_hp MLP``: the same search over sknn_hp's ``MLPClassifier``;
- ``batched``: ``sknn_hp.model_selection.GridSearchCV`` (``n_jobs=None``: one process,
  torch's intra-op threads).

The grid is the issue's: digits, ``StratifiedKFold(5)``, a Pipeline
``StandardScaler -> MLPClassifier(max_iter=40, learning_rate_init=3e-3, random_state=0)``, 24
candidates (``hidden_layer_sizes`` (32,), (64,), (128, 64) x ``activation`` relu, tanh x ``alpha``
1e-5, 1e-4, 1e-3, 1e-2), with the data in float64 and cast to float32. ``--random`` adds a
``RandomizedSearchCV`` of 40 draws from ``sknn_hp.search_space('small')`` (scikit-learn's with
``n_jobs=2`` against ours with ``n_jobs=2``); ``--scaling`` times the batched search alone for 8
to 256 candidates.

Usage::

    python benchmarks/bench_search.py                    # the grid, float64 and float32, 1 repeat
    python benchmarks/bench_search.py --repeats 3 --random --scaling
    python benchmarks/bench_search.py --quick            # a smoke test (a few seconds)
    python benchmarks/bench_search.py --n-jobs-2 --one-thread   # add the batched search on 2 threads
                                                               # of 1 torch thread, and on 1 torch thread
    python benchmarks/bench_search.py --no-grid --random --scaling --torch-threads 1
    python benchmarks/bench_search.py --no-grid --ceiling        # the matrix products' share and floor

Prints seconds, best parameters and best scores per contender, and the ratios
against scikit-learn's search over scikit-learn's MLP (above 1: faster than it).
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings("ignore")


def grid_case(quick=False):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    grid = {
        "hidden_layer_sizes": [(32,), (64,), (128, 64)],
        "activation": ["relu", "tanh"],
        "alpha": [1e-5, 1e-4, 1e-3, 1e-2],
    }
    max_iter = 40
    if quick:
        X, y = X[:400], y[:400]
        grid = {"hidden_layer_sizes": [(16,), (32,)], "alpha": [1e-4, 1e-2]}
        max_iter = 5
    return X, y, grid, max_iter


def pipeline(kind, max_iter):
    from sklearn.neural_network import MLPClassifier as SkMLP
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from sknn_hp import MLPClassifier

    cls = SkMLP if kind == "sklearn" else MLPClassifier
    return Pipeline([("scale", StandardScaler()),
                     ("mlp", cls(max_iter=max_iter, learning_rate_init=3e-3, random_state=0))])


def prefixed(grid):
    return {f"mlp__{k}": v for k, v in grid.items()}


def run_grid(contender, X, y, grid, max_iter):
    from sklearn.model_selection import GridSearchCV as SkGrid, StratifiedKFold

    from sknn_hp.model_selection import GridSearchCV

    cv = StratifiedKFold(5)
    if contender == "sklearn MLP":
        search = SkGrid(pipeline("sklearn", max_iter), prefixed(grid), cv=cv, n_jobs=2)
    elif contender == "sklearn search, sknn_hp MLP":
        search = SkGrid(pipeline("sknn_hp", max_iter), prefixed(grid), cv=cv, n_jobs=2)
    elif contender == "batched":
        search = GridSearchCV(pipeline("sknn_hp", max_iter), prefixed(grid), cv=cv)
    elif contender == "batched, n_jobs=2":
        search = GridSearchCV(pipeline("sknn_hp", max_iter), prefixed(grid), cv=cv, n_jobs=2)
    elif contender == "batched, 1 torch thread":
        search = GridSearchCV(pipeline("sknn_hp", max_iter), prefixed(grid), cv=cv)
    return timed_fit(search, X, y, threads=1 if "1 torch thread" in contender else None)


def timed_fit(search, X, y, threads=None):
    import torch

    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        start = time.perf_counter()
        search.fit(X, y)
        return time.perf_counter() - start, search
    finally:
        torch.set_num_threads(before)


def compare(title, contenders, run, repeats):
    times = {c: [] for c in contenders}
    searches = {}
    for r in range(repeats):
        order = contenders[r % len(contenders):] + contenders[: r % len(contenders)]
        for c in order:
            seconds, search = run(c)
            times[c].append(seconds)
            searches[c] = search
    reference = statistics.median(times[contenders[0]])
    print(f"\n## {title}")
    print(f"| contender | seconds (median of {repeats}) | speed-up | best CV score | best params | batched fits |")
    print("|---|---|---|---|---|---|")
    for c in contenders:
        t = statistics.median(times[c])
        s = searches[c]
        params = {k.split("__")[-1]: v for k, v in s.best_params_.items()}
        print(f"| {c} | {t:.2f} | {reference / t:.2f}x | {s.best_score_:.4f} | {params} | "
              f"{getattr(s, 'batched_fits_', '-')} |")
    sys.stdout.flush()
    return times, searches


def run_random(contender, X, y, n_iter):
    from sklearn.model_selection import RandomizedSearchCV as SkRandom, StratifiedKFold

    from sknn_hp import search_space
    from sknn_hp.model_selection import RandomizedSearchCV

    space = search_space("classifier", size="small", random_state=0, prefix="mlp__")
    est = pipeline("sknn_hp", 40)
    cv = StratifiedKFold(5)
    if contender == "sklearn search, sknn_hp MLP":
        search = SkRandom(est, space, n_iter=n_iter, cv=cv, n_jobs=2, random_state=0)
    else:  # n_jobs=2: the groups on 2 threads, the fits it cannot batch on 2 processes
        search = RandomizedSearchCV(est, space, n_iter=n_iter, cv=cv, random_state=0, n_jobs=2)
    start = time.perf_counter()
    search.fit(X, y)
    return time.perf_counter() - start, search


def scaling(X, y, max_iter, sizes):
    from sklearn.model_selection import StratifiedKFold

    from sknn_hp.model_selection import GridSearchCV

    print("\n## Batched search time against the number of candidates (x 5 folds)")
    print("| candidates | fits | seconds | ms per fit |")
    print("|---|---|---|---|")
    for n in sizes:
        widths = [(32,), (64,)]
        alphas = np.logspace(-6, -1, n // len(widths)).tolist()
        grid = {"mlp__hidden_layer_sizes": widths, "mlp__alpha": alphas}
        search = GridSearchCV(pipeline("sknn_hp", max_iter), grid, cv=StratifiedKFold(5), refit=False)
        start = time.perf_counter()
        search.fit(X, y)
        seconds = time.perf_counter() - start
        fits = 5 * len(widths) * len(alphas)
        print(f"| {len(widths) * len(alphas)} | {fits} | {seconds:.2f} | {1000 * seconds / fits:.1f} |")
        sys.stdout.flush()


def ceiling(X, y, grid, max_iter, dtype):
    """How close the batched grid search is to the machine: its matrix products against their own peak.

    Runs the batched search once while timing every ``torch.bmm``/``torch.baddbmm``
    it calls (shapes, seconds, floating-point operations), then times each of
    those shapes alone in a loop (warm caches, nothing else running): the sum
    of the loop times is the floor of any implementation that does the same
    products with torch, so ``floor / seconds`` of the whole search is the
    largest speed-up left to find without removing arithmetic.
    """
    import collections

    import torch
    from sklearn.model_selection import StratifiedKFold

    from sknn_hp.model_selection import GridSearchCV

    calls = collections.defaultdict(lambda: [0, 0.0, 0.0])  # (op, shapes) -> [calls, seconds, flop]
    originals = torch.bmm, torch.baddbmm

    def timed(name, op):
        def call(*args, **kwargs):
            A, B = args[-2], args[-1]
            start = time.perf_counter()
            out = op(*args, **kwargs)
            entry = calls[(name, tuple(A.shape), tuple(B.shape), A.is_contiguous(), B.is_contiguous())]
            entry[0] += 1
            entry[1] += time.perf_counter() - start
            entry[2] += 2.0 * A.shape[0] * A.shape[1] * A.shape[2] * B.shape[2]
            return out
        return call

    Xd = X.astype(dtype)
    search = GridSearchCV(pipeline("sknn_hp", max_iter), prefixed(grid), cv=StratifiedKFold(5))
    search.fit(Xd, y)  # warm-up (imports, first kernels)
    torch.bmm, torch.baddbmm = timed("bmm", originals[0]), timed("baddbmm", originals[1])
    try:
        start = time.perf_counter()
        search.fit(Xd, y)
        total = time.perf_counter() - start
    finally:
        torch.bmm, torch.baddbmm = originals
    in_search = sum(v[1] for v in calls.values())
    flop = sum(v[2] for v in calls.values())
    floor = 0.0
    tdtype = getattr(torch, dtype)
    for (name, a_shape, b_shape, a_contig, b_contig), (n_calls, _, _) in calls.items():
        A = torch.randn(a_shape, dtype=tdtype) if a_contig else torch.randn(
            a_shape[0], a_shape[2], a_shape[1], dtype=tdtype).transpose(1, 2)
        B = torch.randn(b_shape, dtype=tdtype) if b_contig else torch.randn(
            b_shape[0], b_shape[2], b_shape[1], dtype=tdtype).transpose(1, 2)
        bias = torch.randn(a_shape[0], 1, b_shape[2], dtype=tdtype)
        if name == "bmm":
            def op(A=A, B=B):
                return torch.bmm(A, B)
        else:
            def op(A=A, B=B, bias=bias):
                return torch.baddbmm(bias, A, B)
        reps = max(20, min(n_calls, 400))
        for _ in range(5):
            op()
        start = time.perf_counter()
        for _ in range(reps):
            op()
        floor += (time.perf_counter() - start) / reps * n_calls
    print(f"\n## Ceiling, batched grid search, {dtype}, {torch.get_num_threads()} torch threads")
    print("| whole search | its bmm/baddbmm | GFLOP | GFLOP/s in the search | the same products alone | "
          "GFLOP/s alone | speed-up left without removing arithmetic |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {total:.2f} s | {in_search:.2f} s | {flop / 1e9:.0f} | {flop / in_search / 1e9:.0f} | {floor:.2f} s | "
          f"{flop / floor / 1e9:.0f} | {total / floor:.2f}x |")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--random", action="store_true", help="add the RandomizedSearchCV comparison")
    parser.add_argument("--scaling", action="store_true", help="add the 8..256 candidates scaling")
    parser.add_argument("--n-jobs-2", action="store_true", help="add the batched search with n_jobs=2")
    parser.add_argument("--one-thread", action="store_true", help="add the batched search with 1 torch thread")
    parser.add_argument("--dtypes", nargs="+", default=["float64", "float32"])
    parser.add_argument("--torch-threads", type=int, default=None,
                        help="torch.set_num_threads for this process (the worker processes of n_jobs=2 use 1)")
    parser.add_argument("--ceiling", action="store_true",
                        help="time the batched grid's matrix products against the same products alone")
    parser.add_argument("--no-grid", action="store_true", help="skip the grid comparison")
    parser.add_argument("--contenders", nargs="+", default=None,
                        help="grid contenders to run, by name (default: the three of the docstring and the options)")
    args = parser.parse_args()

    import torch

    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    X, y, grid, max_iter = grid_case(args.quick)
    contenders = ["sklearn MLP", "sklearn search, sknn_hp MLP", "batched"]
    if args.n_jobs_2:
        contenders.append("batched, n_jobs=2")
    if args.one_thread:
        contenders.append("batched, 1 torch thread")
    if args.contenders:
        contenders = args.contenders
    for dtype in [] if args.no_grid else args.dtypes:
        Xd = X.astype(dtype)
        compare(f"Grid search, digits, {dtype}", contenders,
                lambda c, Xd=Xd: run_grid(c, Xd, y, grid, max_iter), args.repeats)
    if args.random:
        n_iter = 4 if args.quick else 40
        compare(f"RandomizedSearchCV, {n_iter} draws of search_space('small'), float32",
                ["sklearn search, sknn_hp MLP", "batched"],
                lambda c: run_random(c, X.astype(np.float32), y, n_iter), args.repeats)
    if args.ceiling:
        for dtype in args.dtypes:
            ceiling(X, y, grid, max_iter, dtype)
    if args.scaling:
        scaling(X.astype(np.float32), y, max_iter, [8, 16] if args.quick else [8, 32, 64, 128, 256])


if __name__ == "__main__":
    main()
