"""Fit and predict speed: sknn_hp against sklearn's MLP, skorch's defaults and a plain PyTorch loop.

Every contender trains the same architecture (ReLU hidden layers, softmax
output), with Adam at the same learning rate, the same number of epochs and
the same batch size, on the same float32 data, in one process; the runs are
interleaved (contender order rotates every repeat) and the median is reported,
so a load change on the machine hits every contender alike. ``alpha=0`` for the
two MLP estimators, since neither skorch nor the plain loop adds a penalty.

The plain loop is what one writes by hand: ``randperm`` indices, slicing of
tensors kept in memory, ``torch.optim.Adam`` with its defaults, the epoch's
loss read once per epoch.

Usage::

    python benchmarks/bench_fit.py                   # the full grid (about 30 min on 2 cores)
    python benchmarks/bench_fit.py --quick           # one small case, a smoke test
    python benchmarks/bench_fit.py --n 20000 --features 50 --batch 32 128 --hidden 256,128

Prints one row per case: median seconds per contender and the ratios
``sklearn / sknn_hp``, ``skorch / sknn_hp``, ``plain / sknn_hp`` (above 1 means
sknn_hp is faster).
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


def make_data(n, d, n_classes=10, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    W = rng.normal(size=(d, n_classes)).astype(np.float32)
    y = (X @ W + rng.gumbel(size=(n, n_classes))).argmax(1)
    return X, y


def run_sknn_hp(X, y, hidden, batch, epochs, device="cpu"):
    from sknn_hp import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=hidden, batch_size=batch, max_iter=epochs, alpha=0.0,
                        tol=0.0, n_iter_no_change=np.inf, random_state=0, device=device)
    start = time.perf_counter()
    clf.fit(X, y)
    return time.perf_counter() - start


def run_sklearn(X, y, hidden, batch, epochs, device="cpu"):
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=hidden, batch_size=len(X) if batch == "full" else batch,
                        max_iter=epochs, alpha=0.0, tol=0.0, n_iter_no_change=np.inf, random_state=0)
    start = time.perf_counter()
    clf.fit(X, y)
    return time.perf_counter() - start


def _torch_mlp(d, hidden, n_classes):
    layers, fan_in = [], d
    for width in hidden:
        layers += [torch.nn.Linear(fan_in, width), torch.nn.ReLU()]
        fan_in = width
    layers.append(torch.nn.Linear(fan_in, n_classes))
    return torch.nn.Sequential(*layers)


def run_skorch(X, y, hidden, batch, epochs, device="cpu"):
    from skorch import NeuralNetClassifier

    torch.manual_seed(0)
    net = NeuralNetClassifier(
        _torch_mlp(X.shape[1], hidden, 10),
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        batch_size=batch if batch != "full" else len(X),
        max_epochs=epochs,
        train_split=None,
        verbose=0,
        device=device,
    )
    start = time.perf_counter()
    net.fit(X, y.astype(np.int64))
    return time.perf_counter() - start


def run_plain(X, y, hidden, batch, epochs, device="cpu"):
    torch.manual_seed(0)
    start = time.perf_counter()
    Xt = torch.from_numpy(X).to(device)
    yt = torch.from_numpy(y.astype(np.int64)).to(device)
    model = _torch_mlp(X.shape[1], hidden, 10).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n = len(Xt)
    bs = n if batch == "full" else batch
    for _ in range(epochs):
        perm = torch.randperm(n, device=device)
        total = 0.0
        for i in range(0, n, bs):
            idx = perm[i : i + bs]
            loss = torch.nn.functional.cross_entropy(model(Xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total = total + loss.detach() * len(idx)
        float(total)  # the epoch's loss, read once
    return time.perf_counter() - start


CONTENDERS = {"sknn_hp": run_sknn_hp, "sklearn": run_sklearn, "skorch": run_skorch, "plain": run_plain}


def bench_case(X, y, hidden, batch, epochs, repeats, contenders, device):
    times = {name: [] for name in contenders}
    names = list(contenders)
    for r in range(repeats):
        for name in names[r % len(names):] + names[: r % len(names)]:
            if name == "sklearn" and device != "cpu":
                continue
            times[name].append(CONTENDERS[name](X, y, hidden, batch, epochs, device))
    return {name: statistics.median(t) for name, t in times.items() if t}


def bench_predict(n=100_000, d=100, hidden=(256, 128), repeats=5):
    from sklearn.neural_network import MLPClassifier as SkMLP

    from sknn_hp import MLPClassifier

    X, y = make_data(20_000, d)
    Xp = make_data(n, d, seed=1)[0]
    ours = MLPClassifier(hidden_layer_sizes=hidden, max_iter=1, random_state=0).fit(X, y)
    theirs = SkMLP(hidden_layer_sizes=hidden, max_iter=1, random_state=0).fit(X, y)
    out = {}
    for name, est in (("sknn_hp", ours), ("sklearn", theirs)):
        est.predict_proba(Xp[:1000])
        ts = []
        for _ in range(repeats):
            start = time.perf_counter()
            est.predict_proba(Xp)
            ts.append(time.perf_counter() - start)
        out[name] = statistics.median(ts)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--n", type=int, nargs="*")
    parser.add_argument("--features", type=int)
    parser.add_argument("--batch", nargs="*")
    parser.add_argument("--hidden", nargs="*")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--contenders", nargs="*", default=list(CONTENDERS))
    parser.add_argument("--no-predict", action="store_true")
    args = parser.parse_args()

    if args.quick:
        grid = [(2000, 20, ["128"], ["64"], 2)]
    elif args.n:
        grid = [(n, args.features or 50, args.batch or ["32", "128", "512", "full"],
                 args.hidden or ["256,128", "64"], args.epochs or 5) for n in args.n]
    else:
        grid = [(20_000, 50, ["32", "128", "512", "full"], ["256,128", "64"], args.epochs or 5),
                (200_000, 100, ["32", "128", "512", "full"], ["256,128", "64"], args.epochs or 2)]

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}")
    header = f"{'n x d':>12} {'hidden':>9} {'batch':>6} {'ep':>3} " + " ".join(
        f"{c:>9}" for c in args.contenders) + "   sklearn/ours skorch/ours plain/ours"
    print(header)
    for n, d, batches, hiddens, epochs in grid:
        X, y = make_data(n, d)
        for hidden_s in hiddens:
            hidden = tuple(int(h) for h in hidden_s.split(","))
            for batch_s in batches:
                batch = "full" if batch_s == "full" else int(batch_s)
                t = bench_case(X, y, hidden, batch, epochs, args.repeats, args.contenders, args.device)
                def ratio(k, t=t):
                    return f"{t[k] / t['sknn_hp']:>11.2f}x" if k in t and "sknn_hp" in t else f"{'-':>12}"

                print(f"{n:>7}x{d:<4} {hidden_s:>9} {batch_s:>6} {epochs:>3} "
                      + " ".join(f"{t.get(c, float('nan')):>8.2f}s" for c in args.contenders)
                      + f" {ratio('sklearn')} {ratio('skorch')} {ratio('plain')}", flush=True)
    if not args.no_predict and not args.quick:
        p = bench_predict()
        print(f"predict_proba 100k x 100, (256, 128): sknn_hp {p['sknn_hp']:.3f}s, sklearn {p['sklearn']:.3f}s, "
              f"ratio {p['sklearn'] / p['sknn_hp']:.2f}x")


if __name__ == "__main__":
    main()
