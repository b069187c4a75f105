"""Batched searches on a Dask cluster: the groups are joblib tasks, so joblib's Dask backend runs them.

A ``distributed.LocalCluster`` of two single-threaded worker processes, as tests/test_scale_out.py.
"""

import logging
import warnings

import joblib
import numpy as np
import pytest
from sklearn import model_selection as sk

from sknn_hp import MLPClassifier
from sknn_hp.model_selection import GridSearchCV

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def dask_client():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
        )
    client = distributed.Client(cluster)
    try:
        client.wait_for_workers(2, timeout=120)
        yield client
    finally:
        client.close()
        cluster.close()


def test_batched_groups_run_on_the_dask_workers(dask_client, small_clf_data):
    X, y = small_clf_data
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, batch_size=32, random_state=0)
    grid = {"alpha": [1e-4, 1e-1], "activation": ["relu", "tanh"], "solver": ["adam", "lbfgs"]}
    with distributed.get_task_stream(dask_client) as stream:
        with joblib.parallel_backend("dask"):
            ours = GridSearchCV(est, grid, cv=3, n_jobs=-1).fit(X, y)
    theirs = sk.GridSearchCV(est, grid, cv=3).fit(X, y)
    # two batched groups (relu, tanh) and 12 ordinary lbfgs fits, all sent to the cluster
    assert ours.batched_fits_ == 12
    assert len(stream.data) >= 12 + 2
    for key in [k for k in theirs.cv_results_ if k.startswith("split")]:
        np.testing.assert_allclose(ours.cv_results_[key], theirs.cv_results_[key], atol=1e-6, rtol=0)
    assert ours.best_params_ == theirs.best_params_
