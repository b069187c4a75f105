"""sknn_hp.model_selection: batched searches equal scikit-learn's searches over the same estimator.

Every equivalence test runs scikit-learn's ``GridSearchCV``/``RandomizedSearchCV`` and ours side by
side on float64 data without dropout, and compares every ``split*_test_score`` (and train score)
within 1e-6; the batched path must have been taken (``batched_fits_``). Data are small and
``max_iter`` short, so each test takes a second or two.
"""

import json
import os
import signal
import subprocess
import sys
import warnings
from multiprocessing.pool import ThreadPool

import joblib
import joblib._parallel_backends
import numpy as np
import pytest
import torch
from scipy.stats import loguniform
from sklearn import model_selection as sk
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, FitFailedWarning
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_hp import MLPClassifier, MLPRegressor
from sknn_hp.model_selection import GridSearchCV, RandomizedSearchCV
from sknn_hp.model_selection._batched import TrainData, train_group

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def clf_data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5).astype(int)
    return X, y


@pytest.fixture(scope="module")
def reg_data():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(140, 5))
    y = X @ rng.normal(size=5) + np.sin(X[:, 0]) + 0.1 * rng.normal(size=140)
    return X, y


def _compare(ours, theirs, tol=1e-6):
    """The two searches' results agree: same keys, same params, per-split scores within tol."""
    assert sorted(ours.cv_results_) == sorted(theirs.cv_results_)
    assert ours.cv_results_["params"] == theirs.cv_results_["params"]
    score_keys = [k for k in theirs.cv_results_ if k.startswith("split") or k.startswith("mean_t")]
    assert score_keys
    for key in score_keys:
        np.testing.assert_allclose(ours.cv_results_[key], theirs.cv_results_[key], atol=tol, rtol=0, err_msg=key)
    for key in [k for k in theirs.cv_results_ if k.startswith("rank_")]:
        np.testing.assert_array_equal(ours.cv_results_[key], theirs.cv_results_[key])
    if hasattr(theirs, "best_params_"):
        assert ours.best_params_ == theirs.best_params_
        assert ours.best_index_ == theirs.best_index_
    if hasattr(theirs, "best_score_"):
        assert ours.best_score_ == pytest.approx(theirs.best_score_, abs=tol)


def _both(search_cls, sk_cls, estimator, grid, X, y, **kwargs):
    ours = search_cls(estimator, grid, **kwargs).fit(X, y)
    theirs = sk_cls(estimator, grid, **kwargs).fit(X, y)
    return ours, theirs


def test_classifier_grid_equals_sklearn(clf_data):
    X, y = clf_data
    est = MLPClassifier(max_iter=15, batch_size=32, random_state=0)
    grid = {
        "hidden_layer_sizes": [(8,), (16,)],
        "alpha": [1e-4, 1e-1],
        "learning_rate_init": [1e-3, 1e-2],
    }
    ours, theirs = _both(GridSearchCV, sk.GridSearchCV, est, grid, X, y, cv=StratifiedKFold(3))
    assert ours.batched_fits_ == 8 * 3
    _compare(ours, theirs)
    assert type(ours.best_estimator_) is MLPClassifier
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X))


def test_classifier_scores_use_log_loss_and_deep_padded_layers(clf_data):
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(8, 4), max_iter=12, batch_size=40, random_state=3)
    grid = {"hidden_layer_sizes": [(8, 4), (12, 6), (5, 9)], "activation": ["logistic", "tanh"]}
    ours, theirs = _both(GridSearchCV, sk.GridSearchCV, est, grid, X, y, cv=3, scoring="neg_log_loss")
    assert ours.batched_fits_ == 18
    _compare(ours, theirs)


def test_binary_and_multilabel_targets(clf_data):
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=10, batch_size=25, random_state=0)
    grid = {"alpha": [1e-4, 1e-2], "activation": ["relu", "softplus"], "hidden_layer_sizes": [(4,), (8,)]}
    ours, theirs = _both(GridSearchCV, sk.GridSearchCV, est, grid, X, (y > 0).astype(int), cv=3)
    assert ours.batched_fits_ == 24
    _compare(ours, theirs)
    Y = np.stack([y > 0, y > 1], axis=1).astype(int)
    ours, theirs = _both(GridSearchCV, sk.GridSearchCV, est, grid, X, Y, cv=KFold(3))
    assert ours.batched_fits_ == 24
    _compare(ours, theirs)


def test_regressor_sgd_schedules_and_early_stopping(reg_data):
    X, y = reg_data
    est = MLPRegressor(hidden_layer_sizes=(8,), solver="sgd", max_iter=20, batch_size=20, random_state=0,
                       learning_rate_init=0.01, n_iter_no_change=3, tol=1e-3)
    grid = [
        {"learning_rate": ["constant", "invscaling", "adaptive"], "momentum": [0.0, 0.9],
         "nesterovs_momentum": [True, False]},
        {"learning_rate": ["cosine", "plateau", "step", "onecycle"], "lr_patience": [1],
         "early_stopping": [True, False]},
    ]
    ours, theirs = _both(GridSearchCV, sk.GridSearchCV, est, grid, X, y, cv=KFold(3, shuffle=True, random_state=0))
    assert ours.batched_fits_ == (12 + 8) * 3
    _compare(ours, theirs)


def test_classifier_sgd_invscaling_momentum_grid(clf_data):
    """Momentum and Nesterov at a rate that changes every epoch: the batched step's update is the standalone one's."""
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(8,), solver="sgd", learning_rate="invscaling", max_iter=12,
                        batch_size=32, random_state=0)
    grid = {"learning_rate_init": [0.05, 0.3], "momentum": [0.5, 0.9], "nesterovs_momentum": [True, False],
            "power_t": [0.25, 0.5]}
    ours, theirs = _both(GridSearchCV, sk.GridSearchCV, est, grid, X, y, cv=StratifiedKFold(3))
    assert ours.batched_fits_ == 16 * 3
    _compare(ours, theirs)


def test_adam_early_stopping_members_match_standalone_fits(reg_data, clf_data):
    """The batched trainer's states (n_iter_, loss_curve_, validation_scores_) equal standalone fits'."""
    for X, y, cls in [(*reg_data, MLPRegressor), (*clf_data, MLPClassifier)]:
        base = cls(hidden_layer_sizes=(6,), max_iter=60, batch_size=16, early_stopping=True, random_state=0,
                   n_iter_no_change=4, validation_fraction=0.2, learning_rate_init=0.02)
        params = [{"alpha": a, "monitor": m, "random_state": r, "hidden_layer_sizes": h}
                  for a, m, r, h in [(1e-4, "score", 0, (6,)), (1e-1, "loss", 1, (9,)), (1.0, "score", 2, (3,))]]
        ests = [clone(base).set_params(**p) for p in params]
        template = clone(base).set_params(max_iter=1).fit(X, y)
        target = template._encode_target(y)
        n_out = target.shape[1] if target.ndim == 2 else len(template.classes_)
        data = TrainData(X, target, max(n_out, 1), template._loss_name())
        results, _ = train_group(ests, [0, 0, 0], [data])
        for est, result in zip(ests, results):
            alone = clone(est).fit(X, y)
            state = result["state"]
            assert state.n_iter == alone.n_iter_
            np.testing.assert_allclose(state.loss_curve, alone.loss_curve_, rtol=1e-9)
            np.testing.assert_allclose(state.validation_scores, alone.validation_scores_, rtol=1e-9)
            for name, value in alone.net_.module_.state_dict().items():
                np.testing.assert_allclose(result["state_dict"][name].numpy(), value.numpy(), rtol=1e-7, atol=1e-10)
        assert len({r["state"].n_iter for r in results}) > 1  # members stopped at different epochs


def test_pipeline_with_step_parameters(clf_data):
    X, y = clf_data
    X = X * [1, 10, 100, 1, 1, 5] + 3
    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=10, batch_size=30, random_state=0))
    grid = {
        "standardscaler__with_mean": [True, False],
        "mlpclassifier__hidden_layer_sizes": [(8,), (12,)],
        "mlpclassifier__alpha": [1e-4, 1e-2],
    }
    ours, theirs = _both(GridSearchCV, sk.GridSearchCV, pipe, grid, X, y, cv=3, return_train_score=True)
    assert ours.batched_fits_ == 24
    _compare(ours, theirs)
    assert list(ours.best_estimator_.named_steps) == ["standardscaler", "mlpclassifier"]


def test_randomized_search_equals_sklearn(reg_data):
    X, y = reg_data
    est = MLPRegressor(hidden_layer_sizes=(8,), max_iter=10, batch_size=32, random_state=0)
    dist = {"alpha": loguniform(1e-5, 1e-1), "learning_rate_init": loguniform(1e-3, 3e-2),
            "hidden_layer_sizes": [(4,), (8,), (16,)], "beta_1": [0.8, 0.9]}
    ours = RandomizedSearchCV(est, dist, n_iter=8, cv=3, random_state=0).fit(X, y)
    theirs = sk.RandomizedSearchCV(est, dist, n_iter=8, cv=3, random_state=0).fit(X, y)
    assert ours.batched_fits_ == 24
    _compare(ours, theirs)


def test_multimetric_scoring_and_refit_variants(clf_data):
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=8, batch_size=32, random_state=0)
    grid = {"alpha": [1e-4, 1e-1], "hidden_layer_sizes": [(4,), (8,)]}
    scoring = {"acc": "accuracy", "nll": "neg_log_loss", "f1": "f1_macro"}
    for refit in ["nll", False, lambda results: int(np.argmin(results["rank_test_acc"]))]:
        ours, theirs = _both(GridSearchCV, sk.GridSearchCV, est, grid, X, y, cv=3, scoring=scoring, refit=refit,
                             return_train_score=True)
        assert ours.batched_fits_ == 12
        _compare(ours, theirs)
        assert hasattr(ours, "best_estimator_") == bool(refit)
    ours, theirs = _both(GridSearchCV, sk.GridSearchCV, est, grid, X, y, cv=3, scoring=["accuracy", "recall_macro"],
                         refit="accuracy")
    _compare(ours, theirs)


def test_fallback_and_mixed_groups(clf_data):
    """lbfgs and batch-norm candidates are fitted one by one; the rest (alpha dropout too) are batched."""
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=8, batch_size=32, random_state=0)
    grid = [
        {"alpha": [1e-4, 1e-2]},
        {"dropout": [0.2], "solver": ["adam", "lbfgs"]},
        {"batch_norm": [True], "alpha": [1e-3]},
        {"dropout": [0.2], "activation": ["selu"]},
    ]
    ours, theirs = _both(GridSearchCV, sk.GridSearchCV, est, grid, X, y, cv=3)
    assert ours.batched_fits_ == 12
    _compare(ours, theirs)
    off = GridSearchCV(est, grid, cv=3, batched=False).fit(X, y)
    assert off.batched_fits_ == 0
    _compare(off, theirs)


def test_memory_budget_splits_groups(clf_data):
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=8, batch_size=32, random_state=0)
    grid = {"alpha": [1e-4, 1e-3, 1e-2, 1e-1]}
    whole = GridSearchCV(est, grid, cv=3).fit(X, y)
    split = GridSearchCV(est, grid, cv=3, max_group_bytes=60_000).fit(X, y)
    assert split.batched_fits_ == whole.batched_fits_ == 12
    _compare(split, whole)


def test_error_score(clf_data):
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, batch_size=32, random_state=0)
    # validation_fraction too small for early stopping on 100 training rows: the fit raises
    grid = {"alpha": [1e-4, 1e-2], "early_stopping": [False, True], "validation_fraction": [0.01]}
    with pytest.warns(FitFailedWarning):
        ours = GridSearchCV(est, grid, cv=3, error_score=-1.0).fit(X, y)
    with pytest.warns(FitFailedWarning):
        theirs = sk.GridSearchCV(est, grid, cv=3, error_score=-1.0).fit(X, y)
    _compare(ours, theirs)
    assert (ours.cv_results_["mean_test_score"] == -1.0).sum() == 2
    with pytest.raises(ValueError, match="test_size"):
        GridSearchCV(est, grid, cv=3, error_score="raise").fit(X, y)


def test_float32_scores_close_to_float64(clf_data):
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=10, batch_size=32, random_state=0)
    grid = {"alpha": [1e-4, 1e-1], "hidden_layer_sizes": [(4,), (8,)]}
    ours = GridSearchCV(est, grid, cv=3).fit(X.astype(np.float32), y)
    theirs = sk.GridSearchCV(est, grid, cv=3).fit(X.astype(np.float32), y)
    assert ours.batched_fits_ == 12
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"], atol=0.03)
    assert next(ours.best_estimator_.net_.module_.parameters()).dtype == torch.float32


def test_parallel_groups_with_n_jobs(clf_data):
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, batch_size=32, random_state=0)
    grid = {"alpha": [1e-4, 1e-1], "activation": ["relu", "tanh"]}
    ours = GridSearchCV(est, grid, cv=3, n_jobs=2).fit(X, y)
    theirs = sk.GridSearchCV(est, grid, cv=3).fit(X, y)
    assert ours.batched_fits_ == 12
    _compare(ours, theirs)


class _PoolBackend(joblib._parallel_backends.ThreadingBackend):
    """A thread pool made by ``configure`` and gone after ``terminate``, as Ray's backend holds its
    pool of actors (joblib's threading backend would make a new pool lazily)."""

    def configure(self, n_jobs=1, parallel=None, **kwargs):
        n_jobs = super().configure(n_jobs, parallel, **kwargs)
        self._pool = ThreadPool(n_jobs)
        return n_jobs

    def _get_pool(self):
        return self._pool


def test_a_pool_holding_backend_runs_groups_and_fits(clf_data):
    """Under a caller's backend the groups' Parallel and the fits' share the backend's one instance:
    the groups' must not leave the fits' without a pool (what broke under Ray's backend)."""
    joblib.register_parallel_backend("sknn-hp-test-pool", _PoolBackend)
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, batch_size=32, random_state=0)
    grid = {"alpha": [1e-4, 1e-1], "solver": ["adam", "lbfgs"]}
    with joblib.parallel_backend("sknn-hp-test-pool"):
        ours = GridSearchCV(est, grid, cv=3, n_jobs=2).fit(X, y)
    theirs = sk.GridSearchCV(est, grid, cv=3).fit(X, y)
    assert ours.batched_fits_ == 6
    _compare(ours, theirs)



_FORKED_SEARCH = """
import faulthandler, json, multiprocessing, sys, warnings
import joblib, numpy as np, torch
from sknn_hp import MLPClassifier
from sknn_hp.model_selection import GridSearchCV

faulthandler.dump_traceback_later(100)  # where it is stuck, in stderr, if it hangs
warnings.simplefilter("ignore")
multiprocessing.set_start_method("fork", force=True)
# an OpenMP thread pool in this process before the workers fork, whatever the machine's core count
torch.set_num_threads(2)
a = torch.randn(512, 512, dtype=torch.float64)
torch.bmm(a.expand(4, 512, 512), a.expand(4, 512, 512))
data = np.load(sys.argv[1])
est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, batch_size=32, random_state=0)
grid = json.loads(sys.argv[2])
with joblib.parallel_backend("multiprocessing"):
    search = GridSearchCV(est, grid, cv=3, n_jobs=2).fit(data["X"], data["y"])
scores = {k: v.tolist() for k, v in search.cv_results_.items() if k.startswith("split")}
print(json.dumps({"batched_fits": search.batched_fits_, "scores": scores}))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_workers_of_the_multiprocessing_backend(clf_data, tmp_path):
    """joblib's "multiprocessing" backend forks its workers from a process that has run torch (here,
    and in the search's planning); a forked worker's first OpenMP region waited forever for the
    parent's OpenMP threads. The search runs in a subprocess of its own session, killed with its
    workers if it still hangs after 120 s."""
    X, y = clf_data
    grid = {"alpha": [1e-4, 1e-1], "activation": ["relu", "tanh"], "solver": ["adam", "lbfgs"]}
    np.savez(tmp_path / "data.npz", X=X, y=y)
    import sknn_hp

    root = os.path.dirname(os.path.dirname(os.path.abspath(sknn_hp.__file__)))  # this sknn_hp in the subprocess
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    proc = subprocess.Popen(
        [sys.executable, "-c", _FORKED_SEARCH, str(tmp_path / "data.npz"), json.dumps(grid)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the search and its forked workers
        out, err = proc.communicate()
        pytest.fail(f"the search under the multiprocessing backend hung:\n{err[-5000:]}")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # workers left behind, if any
        except ProcessLookupError:
            pass
    assert proc.returncode == 0, err[-5000:]
    ours = json.loads(out.strip().splitlines()[-1])
    theirs = sk.GridSearchCV(
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, batch_size=32, random_state=0), grid, cv=3
    ).fit(X, y)
    assert ours["batched_fits"] == 12
    for key in [k for k in theirs.cv_results_ if k.startswith("split")]:
        np.testing.assert_allclose(ours["scores"][key], theirs.cv_results_[key], atol=1e-6, rtol=0)

def test_convergence_warning_and_params_api(clf_data):
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, batch_size=32, random_state=0)
    search = GridSearchCV(est, {"alpha": [1e-4, 1e-2]}, cv=2)
    assert set(sk.GridSearchCV(est, {}).get_params()) < set(search.get_params())
    with pytest.warns(ConvergenceWarning):
        search.fit(X, y)
    clone(search)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FitFailedWarning)
        assert search.score(X, y) > 0


@pytest.mark.parametrize("solver", ["adamw", "nadam"])
def test_adamw_and_nadam_grids(clf_data, solver):
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(8,), solver=solver, max_iter=10, batch_size=32, random_state=0,
                        learning_rate_init=0.01)
    grid = {"weight_decay": [0.0, 1.0], "learning_rate": ["constant", "cosine"], "alpha": [0.0, 1e-2],
            "beta_1": [0.9, 0.8]}
    ours, theirs = _both(GridSearchCV, sk.GridSearchCV, est, grid, X, y, cv=3, scoring="neg_log_loss")
    assert ours.batched_fits_ == 48
    _compare(ours, theirs)


@pytest.mark.parametrize(
    "solver, grid",
    [
        ("adamax", {"learning_rate_init": [1e-2, 1e-1], "alpha": [0.0, 1e-1], "beta_2": [0.999, 0.9]}),
        ("rmsprop", {"learning_rate_init": [1e-2, 1e-1], "alpha": [0.0, 1e-1], "rho": [0.9, 0.5]}),
        ("adagrad", {"learning_rate_init": [1e-2, 1e-1], "alpha": [0.0, 1e-1], "epsilon": [1e-8, 1e-2]}),
        ("adadelta", {"learning_rate_init": [0.5, 1.0], "alpha": [0.0, 1e-1], "rho": [0.9, 0.5]}),
    ],
)
def test_torch_functional_solver_grids(clf_data, solver, grid):
    """adamax, rmsprop, adagrad and adadelta train batched with torch's functional updates, each member with
    its standalone optimizer's options (its betas, rho, epsilon; adagrad's fused kernel); the narrower
    members' padded units stay at zero under each rule."""
    X, y = clf_data
    est = MLPClassifier(solver=solver, max_iter=10, batch_size=32, random_state=0)
    grid = {**grid, "hidden_layer_sizes": [(8,), (5,)]}
    ours, theirs = _both(GridSearchCV, sk.GridSearchCV, est, grid, X, y, cv=3, scoring="neg_log_loss")
    assert ours.batched_fits_ == 16 * 3
    _compare(ours, theirs)


def test_dropout_members_draw_their_standalone_masks(clf_data):
    """Each member draws its dropout masks from its own stream as its standalone fit: scores agree exactly."""
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(8, 6), max_iter=8, batch_size=30, random_state=0)
    grid = [{"dropout": [0.0, 0.2, [0.1, 0.3]], "input_dropout": [0.0, 0.1], "hidden_layer_sizes": [(8, 6), (5, 9)]},
            # after SELU the dropout is alpha dropout: multiplier A m and offset A a' (1 - m) + B per member
            {"dropout": [0.2, [0.0, 0.3]], "input_dropout": [0.0, 0.1], "activation": ["selu"],
             "hidden_layer_sizes": [(8, 6), (5, 9)]}]
    ours, theirs = _both(GridSearchCV, sk.GridSearchCV, est, grid, X, y, cv=3, scoring="neg_log_loss")
    assert ours.batched_fits_ == 60
    _compare(ours, theirs)
    # the alpha-dropout members really dropped units: without dropout their scores differ
    plain = sk.GridSearchCV(est, {"activation": ["selu"], "hidden_layer_sizes": [(8, 6)]}, cv=3,
                            scoring="neg_log_loss").fit(X, y)
    selu = [i for i, p in enumerate(ours.cv_results_["params"]) if p.get("activation") == "selu"
            and p["hidden_layer_sizes"] == (8, 6) and p["input_dropout"] == 0.0 and p["dropout"] == 0.2]
    assert abs(ours.cv_results_["split0_test_score"][selu[0]] - plain.cv_results_["split0_test_score"][0]) > 1e-4


def test_dataframe_and_string_labels(clf_data):
    pd = pytest.importorskip("pandas")
    X, y = clf_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    labels = pd.Series(np.array(["low", "mid", "high"])[y])
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=6, batch_size=32, random_state=0)
    grid = {"alpha": [1e-4, 1e-1]}
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*feature names")
        ours, theirs = _both(GridSearchCV, sk.GridSearchCV, est, grid, frame, labels, cv=3, scoring="f1_macro")
    assert ours.batched_fits_ == 6
    _compare(ours, theirs)
    assert list(ours.feature_names_in_) == list(frame.columns)
    assert set(ours.predict(frame)) <= {"low", "mid", "high"}


def test_raw_table_options_fall_back_to_standalone_fits():
    """The input block and target scaling of raw-table estimators are not batched: they fit one by one."""
    from sknn_hp import MLPRegressor
    from sknn_hp.model_selection._batched import unbatchable_reason

    assert unbatchable_reason(MLPClassifier(numeric_embedding="periodic")) == "numeric_embedding"
    assert unbatchable_reason(MLPClassifier(categorical_features="from_dtype")) == "categorical_features"
    assert unbatchable_reason(MLPClassifier(numeric_scaling="robust")) == "numeric_scaling"
    assert unbatchable_reason(MLPRegressor(standardize_target=True)) == "standardize_target"
    assert unbatchable_reason(MLPClassifier(batch_size="scaled")) is None


def test_dtype_parameter_members_train_in_that_dtype(clf_data):
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=6, batch_size=32, random_state=0, dtype="float32")
    grid = {"alpha": [1e-4, 1e-1], "activation": ["relu", "tanh"]}
    ours, theirs = _both(GridSearchCV, sk.GridSearchCV, est, grid, X.astype(np.float64), y, cv=3)
    assert ours.batched_fits_ == 12
    assert ours.best_estimator_.coefs_[0].dtype == np.float32
    _compare(ours, theirs)


# ------------------------------------------------------- row weights and gradient clipping in the batched step
def _weights(n, seed=0):
    return np.random.RandomState(seed).uniform(0.1, 3.0, n)


def test_sample_weight_fit_parameter_trains_batched(clf_data, reg_data):
    """Each split's share of ``sample_weight`` weighs its members' loss, gradient, penalty and early-stopping
    validation loss and score, as each standalone fit's; pipelines route it to the MLP."""
    X, y = clf_data
    w = _weights(len(y))
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=12, batch_size=32, random_state=0,
                        learning_rate_init=0.02, n_iter_no_change=2)
    grid = [{"alpha": [1e-4, 0.5], "hidden_layer_sizes": [(8,), (5,)]},
            {"early_stopping": [True], "monitor": ["loss", "score"], "max_iter": [30], "learning_rate_init": [0.05]}]
    kwargs = dict(cv=StratifiedKFold(3), scoring="neg_log_loss")
    ours = GridSearchCV(est, grid, **kwargs).fit(X, y, sample_weight=w)
    theirs = sk.GridSearchCV(est, grid, **kwargs).fit(X, y, sample_weight=w)
    assert ours.batched_fits_ == 6 * 3
    _compare(ours, theirs)

    pipe = make_pipeline(StandardScaler(), clone(est))
    grid = {"mlpclassifier__alpha": [1e-4, 0.5]}
    ours = GridSearchCV(pipe, grid, **kwargs).fit(X, y, mlpclassifier__sample_weight=w)
    theirs = sk.GridSearchCV(pipe, grid, **kwargs).fit(X, y, mlpclassifier__sample_weight=w)
    assert ours.batched_fits_ == 2 * 3
    _compare(ours, theirs)
    # weights for a leading step: the pairs are fitted one by one
    ours = GridSearchCV(pipe, grid, **kwargs).fit(X, y, standardscaler__sample_weight=w)
    theirs = sk.GridSearchCV(pipe, grid, **kwargs).fit(X, y, standardscaler__sample_weight=w)
    assert ours.batched_fits_ == 0
    _compare(ours, theirs)

    X, y = reg_data
    est = MLPRegressor(hidden_layer_sizes=(8,), max_iter=10, batch_size=20, random_state=0, early_stopping=True,
                       n_iter_no_change=2)
    grid = {"alpha": [1e-4, 1.0], "learning_rate_init": [1e-3, 1e-2]}
    ours = GridSearchCV(est, grid, cv=KFold(3)).fit(X, y, sample_weight=_weights(len(y), 1))
    theirs = sk.GridSearchCV(est, grid, cv=KFold(3)).fit(X, y, sample_weight=_weights(len(y), 1))
    assert ours.batched_fits_ == 4 * 3
    _compare(ours, theirs)


def test_class_weight_members_train_batched(clf_data):
    """Each member's ``class_weight`` (a dict, or 'balanced' from its split's labels), times the split's
    ``sample_weight`` when given, as its standalone fit."""
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=12, batch_size=32, random_state=0,
                        learning_rate_init=0.02, early_stopping=True, n_iter_no_change=2, validation_fraction=0.2)
    grid = {"class_weight": [None, "balanced", {0: 1.0, 1: 5.0, 2: 0.5}], "alpha": [1e-4, 0.5]}
    kwargs = dict(cv=StratifiedKFold(3), scoring="neg_log_loss")
    ours, theirs = _both(GridSearchCV, sk.GridSearchCV, est, grid, X, y, **kwargs)
    assert ours.batched_fits_ == 6 * 3
    _compare(ours, theirs)
    w = _weights(len(y))
    ours = GridSearchCV(est, grid, **kwargs).fit(X, y, sample_weight=w)
    theirs = sk.GridSearchCV(est, grid, **kwargs).fit(X, y, sample_weight=w)
    assert ours.batched_fits_ == 6 * 3
    _compare(ours, theirs)


def test_gradient_clipping_members_train_batched(clf_data):
    """Each member's ``clip_norm`` (its own gradient norm over all its weights and biases) and
    ``clip_value``, padded members among them, as its standalone fit's callbacks clip them."""
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(8,), max_iter=10, batch_size=32, random_state=0,
                        learning_rate_init=0.1)
    grid = [{"clip_norm": [None, 0.05, 0.5], "alpha": [1e-4, 0.1], "hidden_layer_sizes": [(8,), (5, 3)]},
            {"clip_value": [0.01, 0.05], "clip_norm": [None, 0.1], "hidden_layer_sizes": [(8,), (5,)]}]
    ours, theirs = _both(GridSearchCV, sk.GridSearchCV, est, grid, X, y, cv=StratifiedKFold(3),
                         scoring="neg_log_loss")
    assert ours.batched_fits_ == 20 * 3
    _compare(ours, theirs)
