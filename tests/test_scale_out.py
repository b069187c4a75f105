"""Scale-out search: joblib's Dask backend, Optuna's OptunaSearchCV, threads in worker processes.

The cluster is a ``distributed.LocalCluster`` of two single-threaded worker processes, started once
for the module and closed by the fixture. Data are tiny and ``max_iter`` small, so the whole module
takes a few seconds beyond the cluster's start.
"""

import logging
import os
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from sknn_hp import MLPClassifier, MLPRegressor

distributed = pytest.importorskip("distributed")

N_WORKERS = 2
GRID = {"alpha": [1e-4, 1e-1], "activation": ["relu", "tanh"]}


def _estimator():
    return MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, batch_size=32, random_state=0)


def _threads_scorer(estimator, X, y):
    """A "score" that is the number of torch threads of the process that fitted ``estimator``."""
    import torch

    return float(torch.get_num_threads())


@pytest.fixture(scope="module")
def dask_client():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "Port 8787 is already in use" from other sessions
        cluster = distributed.LocalCluster(
            n_workers=N_WORKERS,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    client = distributed.Client(cluster)
    try:
        client.wait_for_workers(N_WORKERS, timeout=120)
        yield client
    finally:
        client.close()
        cluster.close()


def _grid_search(X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return GridSearchCV(_estimator(), GRID, cv=3, **kwargs).fit(X, y)


def test_dask_backend_matches_sequential_search(dask_client, small_clf_data):
    X, y = small_clf_data
    sequential = _grid_search(X, y, n_jobs=1)
    with joblib.parallel_backend("dask"):
        distributed_search = _grid_search(X, y, n_jobs=-1)

    # The fits ran on the workers, not in this process.
    assert set(distributed_search.cv_results_["params"][0]) == set(GRID)
    assert distributed_search.best_params_ == sequential.best_params_
    assert distributed_search.best_index_ == sequential.best_index_
    for key in ("mean_test_score", "std_test_score", "split0_test_score", "split2_test_score"):
        np.testing.assert_array_equal(distributed_search.cv_results_[key], sequential.cv_results_[key])
    np.testing.assert_array_equal(distributed_search.predict(X), sequential.predict(X))


def test_dask_backend_fits_on_the_workers_with_one_torch_thread(dask_client, small_clf_data):
    """Fits sent through joblib's Dask backend run in the worker processes with one torch thread.

    ``distributed``'s nanny starts every worker process with ``OMP_NUM_THREADS=1`` (its
    ``distributed.nanny.pre-spawn-environ`` setting), which torch reads when it is imported there,
    so n single-threaded workers use n cores, not n times the machine's.
    """
    X, y = small_clf_data

    def where_and_threads(estimator, X, y):
        import os

        import torch

        return float(os.getpid() * 1000 + torch.get_num_threads())

    with joblib.parallel_backend("dask"):
        search = _grid_search(X, y, n_jobs=-1, scoring=where_and_threads, refit=False)
    codes = np.concatenate([search.cv_results_[f"split{i}_test_score"] for i in range(3)]).astype(np.int64)
    pids, threads = codes // 1000, codes % 1000
    assert os.getpid() not in set(pids)
    assert set(pids) <= set(dask_client.run(os.getpid).values())
    assert set(threads) == {1}


def test_torch_threads_during_fit_on_every_worker(dask_client, small_clf_data):
    """A callback reads ``torch.get_num_threads()`` inside ``fit`` on each worker."""
    X, y = small_clf_data

    def fit_and_report(X, y):
        import os

        import torch
        from skorch.callbacks import Callback

        from sknn_hp import MLPClassifier

        seen = []

        class Probe(Callback):
            def on_epoch_begin(self, net, **kwargs):
                seen.append(torch.get_num_threads())

        MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, callbacks=[Probe()], random_state=0).fit(X, y)
        return {"threads": seen, "omp": os.environ.get("OMP_NUM_THREADS")}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reports = dask_client.run(fit_and_report, X, y)
    assert len(reports) == N_WORKERS
    for report in reports.values():
        assert report["omp"] == "1"
        assert report["threads"] == [1] * 3  # one per epoch, all single-threaded


def test_loky_workers_get_a_share_of_the_cores(small_clf_data):
    """joblib's default (loky) backend caps the threads of each worker at cpu_count // n_jobs.

    loky starts its workers with ``OMP_NUM_THREADS`` set to that share (joblib.cpu_count() honours
    CPU affinity and cgroup quotas), which torch reads at import: the treatment Dask's workers get too.
    """
    X, y = small_clf_data
    search = _grid_search(X, y, n_jobs=2, scoring=_threads_scorer, refit=False)
    threads = {search.cv_results_[f"split{i}_test_score"][j] for i in range(3) for j in range(4)}
    assert threads == {float(max(1, joblib.cpu_count() // 2))}


def test_optuna_search_cv(small_clf_data, small_reg_data):
    optuna = pytest.importorskip("optuna")
    optuna_integration = pytest.importorskip("optuna_integration")
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = {
        "alpha": FloatDistribution(1e-5, 1e-1, log=True),
        "learning_rate_init": FloatDistribution(1e-3, 1e-1, log=True),
        "activation": CategoricalDistribution(["relu", "tanh", "selu"]),
        "hidden_layer_sizes": IntDistribution(4, 16),
    }
    for (X, y), estimator in [
        (small_clf_data, MLPClassifier(max_iter=5, batch_size=32, random_state=0)),
        (small_reg_data, MLPRegressor(max_iter=5, batch_size=32, random_state=0)),
    ]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # optuna's ExperimentalWarning, ConvergenceWarning
            search = optuna_integration.OptunaSearchCV(
                estimator, space, n_trials=3, cv=2, random_state=0, timeout=None
            ).fit(X, y)
        assert len(search.trials_) == 3
        assert set(search.best_params_) == set(space)
        best = search.best_estimator_
        assert best.hidden_layer_sizes == search.best_params_["hidden_layer_sizes"]
        assert best.predict(X).shape == (len(X),)
        assert np.isfinite(search.best_score_)
        assert np.isfinite(search.score(X, y))


def test_main_process_threads_untouched():
    # The conftest sets one torch thread for the test process; nothing above changed it.
    assert torch.get_num_threads() == 1
