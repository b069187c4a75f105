"""Peak memory of ``fit`` on 1M x 100 float32 (400 MB of data).

Target: the fit adds at most 0.3 x the data size + 300 MB over the process's
resident memory before ``fit`` (the data, torch and scikit-learn already
loaded), i.e. the data is never copied per epoch and at most ~once in all.

Usage::

    python benchmarks/bench_memory.py [--n 1000000] [--features 100] [--epochs 2] [--early-stopping]
"""

import argparse
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings("ignore")


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--early-stopping", action="store_true")
    args = parser.parse_args()

    from sknn_hp import MLPClassifier

    # Warm torch up on a tiny problem so one-time allocations are not charged to the big fit.
    MLPClassifier(max_iter=1).fit(np.random.rand(50, args.features).astype(np.float32), np.arange(50) % 2)

    rng = np.random.default_rng(0)
    X = np.empty((args.n, args.features), dtype=np.float32)
    for start in range(0, args.n, 100_000):  # chunked: no float64 temporary of the whole matrix
        rows = min(100_000, args.n - start)
        X[start : start + rows] = rng.standard_normal((rows, args.features), dtype=np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 1)
    data_mb = X.nbytes / 2**20
    before = rss_mb()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    MLPClassifier(hidden_layer_sizes=(256, 128), batch_size=args.batch, max_iter=args.epochs,
                  early_stopping=args.early_stopping, random_state=0).fit(X, y)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    added = max(peak, peak_before) - before
    budget = 0.3 * data_mb + 300
    print(f"data {data_mb:.0f} MB; RSS before fit {before:.0f} MB; peak during fit {peak:.0f} MB; "
          f"added {added:.0f} MB; budget 0.3 x data + 300 = {budget:.0f} MB -> "
          f"{'within' if added <= budget else 'OVER'}; fit {elapsed:.1f} s for {args.epochs} epochs")


if __name__ == "__main__":
    main()
