"""Bitwise reproducibility across fits and processes; predict from several threads; no thread oversubscription."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch
from skorch.callbacks import Callback
from sklearn.model_selection import GridSearchCV

from sknn_hp import MLPClassifier

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys, numpy as np
sys.path.insert(0, {root!r})
from sknn_hp import MLPClassifier
rng = np.random.RandomState(0)
X = rng.normal(size=(80, 5)); y = (X[:, 0] > 0).astype(int)
clf = MLPClassifier(hidden_layer_sizes=(16,), dropout=0.2, batch_size=16, max_iter=3, random_state=3).fit(X, y)
sys.stdout.write(clf.predict_proba(X).tobytes().hex())
"""


def test_same_seed_is_bitwise_identical_across_processes():
    runs = [
        subprocess.run([sys.executable, "-c", SCRIPT.format(root=str(ROOT))], capture_output=True, text=True,
                       check=True, timeout=300).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1] and len(runs[0]) > 0
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 5))
    y = (X[:, 0] > 0).astype(int)
    here = MLPClassifier(hidden_layer_sizes=(16,), dropout=0.2, batch_size=16, max_iter=3, random_state=3).fit(X, y)
    assert here.predict_proba(X).tobytes().hex() == runs[0]


def test_predict_from_several_threads_matches_single_thread(digits):
    X_train, X_test, y_train, _ = digits
    clf = MLPClassifier(hidden_layer_sizes=(32,), batch_norm=True, dropout=0.2, max_iter=3, random_state=0)
    clf.fit(X_train, y_train)
    expected = clf.predict_proba(X_test)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: clf.predict_proba(X_test), range(16)))
    for result in results:
        np.testing.assert_array_equal(result, expected)


class RecordThreads(Callback):
    """Append the process id and torch's intra-op thread count to a file, once per fit."""

    def __init__(self, path):
        self.path = path

    def on_train_begin(self, net, **kwargs):
        with open(self.path, "a") as f:
            f.write(f"{os.getpid()} {torch.get_num_threads()}\n")


def test_grid_search_workers_do_not_oversubscribe_threads(small_clf_data, tmp_path):
    X, y = small_clf_data
    log = tmp_path / "threads.txt"
    n_jobs = 2
    GridSearchCV(MLPClassifier(max_iter=2, callbacks=[RecordThreads(str(log))]), {"alpha": [1e-4, 1e-3]},
                 cv=2, n_jobs=n_jobs).fit(X, y)
    records = [line.split() for line in log.read_text().splitlines()]
    workers = {pid: int(threads) for pid, threads in records if int(pid) != os.getpid()}
    assert workers, "the search ran in worker processes"
    cores = os.cpu_count()
    for threads in workers.values():
        assert threads * n_jobs <= max(cores, n_jobs)
