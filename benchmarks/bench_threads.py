"""Fit time against torch's thread count, on a quiet machine and beside a busy process.

The measurement behind the thread choice of the one-spine issue: a 20k x 50 fit of (256, 128)
for 5 epochs at batch 32 / 128 / 512, by sknn_hp with 1 and 2 torch threads (each fit in a fresh
process, so the thread count is the process's) and by scikit-learn's MLP (its BLAS threads as
they come), first on a quiet machine, then with one process spinning on a core
(``python -c "while True: pass"``, ended when the run ends). Prints one table; nothing is asserted.

    python benchmarks/bench_threads.py            # both conditions, 3 repeats (best of)
    python benchmarks/bench_threads.py --quick    # 5k rows, 1 repeat
"""

import argparse
import json
import subprocess
import sys
import time

FIT = r"""
import json, sys, time, warnings
import numpy as np
spec = json.loads(sys.argv[1])
rng = np.random.RandomState(0)
X = rng.normal(size=(spec["n"], 50)).astype(np.float32)
y = (X[:, :5].sum(1) > 0).astype(int)
warnings.simplefilter("ignore")
if spec["who"] == "sklearn":
    from sklearn.neural_network import MLPClassifier
    est = MLPClassifier((256, 128), batch_size=spec["batch"], max_iter=5, random_state=0)
else:
    import torch
    torch.set_num_threads(spec["threads"])
    from sknn_hp import MLPClassifier
    est = MLPClassifier((256, 128), batch_size=spec["batch"], max_iter=5, random_state=0)
    est.fit(X[:256], y[:256])  # warm-up: first-call costs are not the thread count's
start = time.perf_counter()
est.fit(X, y)
print(json.dumps(time.perf_counter() - start))
"""


def fit_seconds(who, batch, n, threads=None, repeats=3):
    spec = json.dumps({"who": who, "batch": batch, "n": n, "threads": threads})
    times = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", FIT, spec], capture_output=True, text=True, check=True)
        times.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return min(times)


def run(condition, n, repeats):
    rows = []
    for batch in (32, 128, 512):
        row = {"condition": condition, "batch": batch}
        row["sklearn"] = fit_seconds("sklearn", batch, n, repeats=repeats)
        for threads in (1, 2):
            row[f"sknn_hp {threads}t"] = fit_seconds("sknn_hp", batch, n, threads, repeats)
        rows.append(row)
        print(f"  {condition:>6} batch {batch:>3}: sklearn {row['sklearn']:.2f} s, sknn_hp 1 thread "
              f"{row['sknn_hp 1t']:.2f} s, 2 threads {row['sknn_hp 2t']:.2f} s", flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    n = 5_000 if args.quick else 20_000
    repeats = args.repeats or (1 if args.quick else 3)
    print(f"{n} x 50, (256, 128), 5 epochs, best of {repeats}")
    rows = run("quiet", n, repeats)
    load = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(1.0)
        rows += run("loaded", n, repeats)
    finally:
        load.kill()
        load.wait()
    print()
    print("condition  batch  sklearn  sknn_hp 1 thread  sknn_hp 2 threads  (seconds; speed-up over sklearn)")
    for r in rows:
        one, two = r["sknn_hp 1t"], r["sknn_hp 2t"]
        print(f"{r['condition']:>9}  {r['batch']:>5}  {r['sklearn']:7.2f}  {one:7.2f} ({r['sklearn'] / one:4.2f}x)"
              f"    {two:7.2f} ({r['sklearn'] / two:4.2f}x)")


if __name__ == "__main__":
    main()
