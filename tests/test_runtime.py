"""Runtime concerns (sknn_hp/_runtime.py): each fit's own generators, thread safety, determinism flags."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from joblib import parallel_backend
from sklearn.model_selection import GridSearchCV

from sknn_hp import MLPClassifier, MLPRegressor
from sknn_hp._runtime import FitRandomness, deterministic_torch

PARAMS = [
    dict(hidden_layer_sizes=(32,), dropout=0.3, random_state=seed, batch_size=32, max_iter=4, early_stopping=es)
    for seed in range(3)
    for es in (False, True)
]


def test_streams_are_independent_and_reproducible():
    a, b = FitRandomness(7), FitRandomness(7)
    assert torch.equal(torch.rand(5, generator=a.init), torch.rand(5, generator=b.init))
    # drawing dropout masks does not shift the shuffling order
    torch.rand(1000, generator=a.dropout)
    assert torch.equal(torch.randperm(50, generator=a.shuffle), torch.randperm(50, generator=b.shuffle))
    assert not torch.equal(torch.rand(5, generator=FitRandomness(8).init), torch.rand(5, generator=b.init))


@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_same_seed_same_initial_weights_whatever_the_dtype(Estimator, small_clf_data):
    """Initial weights are drawn in float64 and cast: a float32 fit starts where the float64 one does."""
    X, y = small_clf_data
    nets = {}
    for dtype in (np.float32, np.float64):
        est = Estimator(hidden_layer_sizes=(16, 8), activation="tanh", random_state=0)
        randomness = FitRandomness.draw(np.random.RandomState(0))
        torch_dtype = torch.float32 if dtype == np.float32 else torch.float64
        nets[dtype] = est._initial_module(6, 3, torch_dtype, "cpu", randomness.init)
    for p32, p64 in zip(nets[np.float32].parameters(), nets[np.float64].parameters()):
        assert torch.equal(p32, p64.to(torch.float32))


def test_fits_in_a_thread_pool_equal_sequential_fits_bitwise(digits):
    X_train, X_test, y_train, _ = digits
    sequential = [MLPClassifier(**p).fit(X_train, y_train).predict_proba(X_test) for p in PARAMS]
    with ThreadPoolExecutor(max_workers=3) as pool:
        threaded = list(pool.map(lambda p: MLPClassifier(**p).fit(X_train, y_train).predict_proba(X_test), PARAMS))
    for a, b in zip(sequential, threaded):
        np.testing.assert_array_equal(a, b)
    # the fits differ from one another (dropout and seeds matter), so equality above is not trivial
    assert not np.array_equal(sequential[0], sequential[2])


def test_grid_search_on_joblib_threads_equals_the_sequential_search(small_clf_data):
    X, y = small_clf_data
    grid = {"dropout": [0.0, 0.3], "alpha": [1e-4, 1e-2]}
    est = MLPClassifier(hidden_layer_sizes=(16,), max_iter=5, batch_size=16, random_state=0)
    sequential = GridSearchCV(est, grid, cv=3).fit(X, y)
    with parallel_backend("threading", n_jobs=3):
        threaded = GridSearchCV(est, grid, cv=3, n_jobs=3).fit(X, y)
    for key in [k for k in sequential.cv_results_ if k.startswith("split") or k == "mean_test_score"]:
        np.testing.assert_array_equal(sequential.cv_results_[key], threaded.cv_results_[key])


def test_deterministic_flags_are_reference_counted_across_threads():
    """The first deterministic fit to finish must not switch the flags off under one still running."""
    before = torch.are_deterministic_algorithms_enabled()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with deterministic_torch(True, "cpu"):
            first_in.set()
            second_in.wait(timeout=30)
        first_out.set()

    def second():
        first_in.wait(timeout=30)
        with deterministic_torch(True, "cpu"):
            second_in.set()
            first_out.wait(timeout=30)
            seen["after the first left"] = torch.are_deterministic_algorithms_enabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"after the first left": True}
    assert torch.are_deterministic_algorithms_enabled() == before


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_layers_draw_torchs_masks_from_the_fits_generator(p):
    """Dropout and AlphaDropout compute torch's functional forms, with the masks from ``generator``."""
    import torch.nn.functional as F

    from sknn_hp.module import AlphaDropout, Dropout, MLPModule

    x = torch.randn(500, 20, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    for layer, reference in ((Dropout(p), F.dropout), (AlphaDropout(p), F.alpha_dropout)):
        module = MLPModule(20, [20], 2, ["relu"], [0.0]).double()
        module.hidden[0].dropout = layer
        module.set_generator(torch.Generator().manual_seed(7))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(7)  # the global generator, seeded alike, draws the same masks
            expected = reference(x, p, training=True)
        torch.testing.assert_close(layer(x), expected)
        layer.eval()
        assert torch.equal(layer(x), x)


def test_effective_schedule_keeps_sklearns_meaning():
    from sknn_hp.schedules import SGD_ONLY, effective_schedule

    assert set(SGD_ONLY) == {"invscaling", "adaptive"}
    for name in SGD_ONLY:
        assert effective_schedule(name, "sgd") == name and effective_schedule(name, "adam") == "constant"
    assert effective_schedule("cosine", "adam") == "cosine"
