"""How the time per epoch grows with the number of samples and with the width.

sknn_hp's seconds per epoch are the median of the per-epoch durations it
records in ``history_`` (so validation, setup and data conversion are not
counted); scikit-learn's MLP, for context, is timed as
``(fit with 3 epochs - fit with 1 epoch) / 2``. Float32 data, ReLU, Adam,
``alpha=0``, batch 256 unless told otherwise.

Usage::

    python benchmarks/bench_scaling.py                  # n from 10k to 1M, width from 32 to 1024
    python benchmarks/bench_scaling.py --quick          # a smoke test
    python benchmarks/bench_scaling.py --no-sklearn --batch 32

Prints two tables (Markdown): against n at width (256, 128), and against the
width w of a (w, w) network at n = 100k. A linear algorithm shows time/n
constant down the first table.
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings("ignore")

from bench_fit import make_data  # noqa: E402


def ours_epoch(X, y, hidden, batch, epochs=3):
    from sknn_hp import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=hidden, batch_size=batch, max_iter=epochs, alpha=0.0, tol=0.0,
                        n_iter_no_change=np.inf, random_state=0).fit(X, y)
    return statistics.median(row["dur"] for row in clf.history_)


def sklearn_epoch(X, y, hidden, batch):
    from sklearn.neural_network import MLPClassifier

    def fit(epochs):
        start = time.perf_counter()
        MLPClassifier(hidden_layer_sizes=hidden, batch_size=batch, max_iter=epochs, alpha=0.0, tol=0.0,
                      n_iter_no_change=np.inf, random_state=0).fit(X, y)
        return time.perf_counter() - start

    return max(fit(3) - fit(1), 0.0) / 2


def row(label, n, X, y, hidden, batch, with_sklearn):
    ours = ours_epoch(X, y, hidden, batch)
    cells = [label, f"{ours:.3f} s", f"{ours / n * 1e6:.2f} µs"]
    if with_sklearn:
        theirs = sklearn_epoch(X, y, hidden, batch)
        cells += [f"{theirs:.3f} s", f"{theirs / ours:.2f}x"]
    print("| " + " | ".join(cells) + " |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--no-sklearn", action="store_true")
    args = parser.parse_args()
    sizes = [10_000, 30_000] if args.quick else [10_000, 30_000, 100_000, 300_000, 1_000_000]
    widths = [32, 128] if args.quick else [32, 64, 128, 256, 512, 1024]
    n_width = 10_000 if args.quick else 100_000
    with_sklearn = not args.no_sklearn
    extra = " sklearn | sklearn/ours |" if with_sklearn else ""
    rule = "---|---|" if with_sklearn else ""

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; batch {args.batch}, "
          f"{args.features} features, float32\n")
    print(f"Against n, network (256, 128):\n\n| n | sknn_hp s/epoch | per sample |{extra}\n|---|---|---|{rule}")
    X_all, y_all = make_data(max(sizes), args.features)
    for n in sizes:
        row(f"{n:,}", n, X_all[:n], y_all[:n], (256, 128), args.batch, with_sklearn)
    print(f"\nAgainst width, network (w, w), n = {n_width:,}:\n\n| w | sknn_hp s/epoch | per sample |{extra}"
          f"\n|---|---|---|{rule}")
    X, y = X_all[:n_width], y_all[:n_width]
    for w in widths:
        row(str(w), n_width, X, y, (w, w), args.batch, with_sklearn)


if __name__ == "__main__":
    main()
