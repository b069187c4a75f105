"""One small fit, sknn_hp against scikit-learn's MLP: the fixed per-fit and per-epoch costs.

A hyperparameter search is hundreds of small fits, so what a small fit costs
beyond its arithmetic (validation, building the network and the net, the
per-epoch bookkeeping) is what tuning pays. This prints the median time of
``MLPClassifier(hidden, max_iter=epochs, random_state=0).fit`` on standardized
iris and digits, for both libraries (interleaved, one torch thread, the
default ``tol``: ``n_iter_`` says how many epochs each ran).

    python benchmarks/bench_small_fit.py [--repeats 9]
"""

import argparse
import time
import warnings

import numpy as np
import torch
from sklearn.datasets import load_digits, load_iris
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.preprocessing import StandardScaler

from sknn_hp import MLPClassifier

CASES = [((16,), 50), ((100,), 200)]


def median_time(make, X, y, repeats):
    times, est = [], None
    for _ in range(repeats):
        est = make()
        start = time.perf_counter()
        est.fit(X, y)
        times.append(time.perf_counter() - start)
    return float(np.median(times)), est.n_iter_


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    print(f"{'data':7s} {'hidden':8s} {'max_iter':>8s} {'sklearn ms':>11s} {'n_iter':>6s} "
          f"{'sknn_hp ms':>11s} {'n_iter':>6s} {'sknn_hp/sklearn':>16s}")
    for name, loader in (("iris", load_iris), ("digits", load_digits)):
        X, y = loader(return_X_y=True)
        X = StandardScaler().fit_transform(X)
        for hidden, epochs in CASES:
            MLPClassifier(hidden, max_iter=2, random_state=0).fit(X, y)  # warm-up: torch's first-call costs
            ours, sk = [], []
            for _ in range(3):  # interleaved rounds
                sk.append(median_time(lambda h=hidden, e=epochs: SklearnMLP(h, max_iter=e, random_state=0), X, y,
                                      args.repeats))
                ours.append(median_time(lambda h=hidden, e=epochs: MLPClassifier(h, max_iter=e, random_state=0), X,
                                        y, args.repeats))
            t_sk, n_sk = min(sk)
            t_ours, n_ours = min(ours)
            print(f"{name:7s} {str(hidden):8s} {epochs:8d} {t_sk * 1e3:11.1f} {n_sk:6d} {t_ours * 1e3:11.1f} "
                  f"{n_ours:6d} {t_ours / t_sk:16.2f}")


if __name__ == "__main__":
    main()
