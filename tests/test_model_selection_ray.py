"""Batched searches on Ray: the groups are joblib tasks, so Ray's joblib backend runs them.

The same search as tests/test_model_selection_scale_out.py (Dask), under ``joblib.parallel_backend("ray")``
on a local Ray instance of two CPUs, started once for the module (``address="local"``: never a cluster
that another process started). Ray's backend runs every joblib task in the actors of a
``ray.util.multiprocessing.Pool``, one pool per ``Parallel``.

Where each task ran is recorded without callbacks: the test replaces, in this process only, the
functions the search hands to joblib (``_train`` for a batched group, ``_fit_and_score_task`` for an
ordinary fit) and scikit-learn's ``_fit_and_score`` that the latter calls, by closures that touch one
file per call, named after the process, the Ray actor (None outside one) and torch's thread count
there, then call the original. A closure travels by value, and so does a replaced function of
``_search`` that it wraps (no longer reachable by its name), with the globals it uses as they are when
it is pickled: in a Ray worker ``_fit_and_score_task`` calls the recording ``_fit_and_score``, which
calls scikit-learn's by reference. Had the backend been
ignored, the groups would run in threads of this process and the ordinary fits in loky's processes,
where Ray is not initialized: both are told apart from a Ray actor.
"""

import os

import joblib
import joblib.pool
import numpy as np
import pytest
from sklearn import model_selection as sk

from sknn_hp import MLPClassifier
from sknn_hp.model_selection import GridSearchCV
from sknn_hp.model_selection import _search

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def ray_backend():
    from ray.util.joblib import register_ray

    # Ray's backend re-parents joblib's PicklingPool onto Ray's Pool when it configures a Parallel
    # (a process-wide patch): undone below, so that joblib's "multiprocessing" backend works after.
    bases = joblib.pool.PicklingPool.__bases__
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        logging_level="ERROR",
        # one torch thread per worker process (Ray's default for actors too, unless the caller's
        # environment sets OMP_NUM_THREADS): torch reads it when the worker imports it
        runtime_env={"env_vars": {"OMP_NUM_THREADS": "1"}},
    )
    try:
        register_ray()
        yield
    finally:
        ray.shutdown()
        joblib.pool.PicklingPool.__bases__ = bases


def _recording(function, folder, kind):
    """``function``, touching a file in ``folder`` per call: ``kind-pid-actor-threads-unique``."""

    def recorded(*args, **kwargs):
        import os
        import uuid

        import ray
        import torch

        actor = ray.get_runtime_context().get_actor_id() if ray.is_initialized() else None
        (folder / f"{kind}-{os.getpid()}-{actor}-{torch.get_num_threads()}-{uuid.uuid4().hex}").touch()
        return function(*args, **kwargs)

    return recorded


def _records(folder, kind):
    """(pid, actor id or None, torch threads) of each recorded call of ``kind``."""
    out = []
    for path in folder.glob(f"{kind}-*"):
        _, pid, actor, threads, _ = path.name.split("-")
        out.append((int(pid), None if actor == "None" else actor, int(threads)))
    return out


def test_batched_groups_run_in_ray_workers(ray_backend, small_clf_data, tmp_path, monkeypatch):
    X, y = small_clf_data
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, batch_size=32, random_state=0)
    grid = {"alpha": [1e-4, 1e-1], "activation": ["relu", "tanh"], "solver": ["adam", "lbfgs"]}
    theirs = sk.GridSearchCV(est, grid, cv=3).fit(X, y)

    monkeypatch.setattr(_search, "_train", _recording(_search._train, tmp_path, "group"))
    monkeypatch.setattr(_search, "_fit_and_score", _recording(_search._fit_and_score, tmp_path, "score"))
    monkeypatch.setattr(_search, "_fit_and_score_task", _recording(_search._fit_and_score_task, tmp_path, "task"))
    with joblib.parallel_backend("ray"):
        ours = GridSearchCV(est, grid, cv=3, n_jobs=-1).fit(X, y)

    # the results of scikit-learn's search
    for key in [k for k in theirs.cv_results_ if k.startswith("split")]:
        np.testing.assert_allclose(ours.cv_results_[key], theirs.cv_results_[key], atol=1e-6, rtol=0)
    assert ours.best_params_ == theirs.best_params_
    # two batched groups (relu, tanh: 2 alphas x 3 folds each) and 12 ordinary lbfgs fits
    assert ours.batched_fits_ == 12

    driver = os.getpid()
    groups = _records(tmp_path, "group")
    assert len(groups) == 2
    for pid, actor, threads in groups:
        assert pid != driver and actor is not None and threads == 1
    scores = _records(tmp_path, "score")
    # the 12 lbfgs fits (fitted and scored) in Ray's actors; the 12 batched members scored here
    in_ray = [(pid, threads) for pid, actor, threads in scores if actor is not None]
    here = [pid for pid, actor, _ in scores if actor is None]
    assert len(in_ray) == 12 and here == [driver] * 12
    assert {pid for pid, _ in in_ray}.isdisjoint({driver}) and {t for _, t in in_ray} == {1}
    # the ordinary fits' joblib task ran in the actors too
    tasks = _records(tmp_path, "task")
    assert len(tasks) == 12 and all(pid != driver and actor is not None for pid, actor, _ in tasks)

