"""sknn_hp.model_selection as a drop-in: what a caller sees besides the scores behaves as scikit-learn's search.

Each test runs scikit-learn's search class over the same sknn_hp estimator and ours, and compares: the
loss of each candidate, every parameter's handling by the batched step, the progress lines of
``verbose``, metadata routing and warning filters in the joblib workers, and the fitted attributes a
scorer reads. Data are tiny and ``max_iter`` short.
"""

import os
import re
import subprocess
import sys
import warnings
from collections import Counter

import numpy as np
import pytest
import sklearn
from sklearn import model_selection as sk
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import get_scorer
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_hp import MLPClassifier, MLPRegressor
from sknn_hp.model_selection import GridSearchCV
from sknn_hp.model_selection._batched import PARAMETERS, Handling, TrainData, group_key, unbatchable_reason
from test_model_selection import _compare

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def clf_data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(90, 5))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.5).astype(int)
    return X, y


@pytest.fixture(scope="module")
def reg_data():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(90, 4))
    y = np.abs(X @ rng.normal(size=4) + 0.1 * rng.normal(size=90))  # non-negative: 'poisson' too
    return X, y


def _both(estimator, grid, X, y, **kwargs):
    ours = GridSearchCV(estimator, grid, **kwargs).fit(X, y)
    theirs = sk.GridSearchCV(estimator, grid, **kwargs).fit(X, y)
    return ours, theirs


# ------------------------------------------------------------------ each candidate's loss and parameters
def test_each_candidate_trains_with_its_own_loss(reg_data):
    X, y = reg_data
    est = MLPRegressor(hidden_layer_sizes=(6,), max_iter=8, batch_size=20, random_state=0)
    grid = [{"loss": ["squared_error", "huber", "absolute_error", "poisson"]},
            {"loss": ["huber"], "huber_delta": [0.3]}]
    ours, theirs = _both(est, grid, X, y, cv=KFold(3))
    assert ours.batched_fits_ == 15
    _compare(ours, theirs)
    scores = ours.cv_results_["split0_test_score"]
    assert len(set(np.round(scores, 8))) == len(scores)  # one loss for all would give equal scores


def test_group_and_member_parameters_equal_sklearn(clf_data, reg_data):
    """Parameters the table calls 'group' or 'member' change the fit as they change a standalone fit."""
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(6,), max_iter=12, batch_size=16, random_state=0, n_iter_no_change=2,
                        learning_rate_init=0.02)
    grid = [{"label_smoothing": [0.0, 0.2]}, {"tol": [1e-1]}, {"n_iter_no_change": [1]},
            {"weight_init": ["lecun_normal"]}, {"init_scale": [0.5]}, {"verbose": [1]}, {"warm_start": [True]},
            {"early_stopping": [True], "validation_fraction": [0.2, 0.3], "monitor": ["score", "loss"],
             "restore_best_weights": [True, False]},
            {"solver": ["sgd"], "learning_rate": ["invscaling"], "power_t": [0.25, 0.5]}]
    ours, theirs = _both(est, grid, X, y, cv=3, scoring="neg_log_loss")
    assert ours.batched_fits_ == 3 * 18
    _compare(ours, theirs)
    X, y = reg_data
    est = MLPRegressor(hidden_layer_sizes=(6,), max_iter=8, batch_size=20, random_state=0)
    ours, theirs = _both(est, {"loss": ["huber"], "huber_delta": [0.2, 1.0]}, X, y, cv=3)
    _compare(ours, theirs)


# a value each 'group' parameter changes the group key with, and a value each 'fallback' parameter falls
# back with: a parameter the table adds must be given one here
_OTHER_GROUP_VALUE = {
    "activation": "tanh", "leaky_relu_slope": 0.2, "elu_alpha": 0.5, "loss": "huber", "huber_delta": 2.0,
    "label_smoothing": 0.1, "solver": "sgd", "nesterovs_momentum": False, "batch_size": 7, "shuffle": False,
    "early_stopping": True, "dtype": "float32", "device": "meta",
}
_FALLBACK_VALUE = {
    "deterministic": True, "mixed_precision": True, "compile": True, "diagnostics": True, "callbacks": [object()],
    "batch_norm": True, "input_batch_norm": True, "residual": True,
    "init_from": MLPClassifier(), "freeze_layers": 1, "categorical_features": [0],
    "numeric_embedding": "periodic", "numeric_scaling": "robust", "standardize_target": True,
}


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_every_parameter_is_classified(cls, monkeypatch):
    """Every key of the estimator's ``_parameter_constraints`` is in the batched step's table; its 'group'
    parameters change the group key, its 'fallback' ones make the pair fit alone, and a parameter the table
    does not know falls back."""
    monkeypatch.setattr("sknn_hp.model_selection._batched.resolve_device", lambda device: device)  # 'meta'
    missing = sorted(set(cls._parameter_constraints) - set(PARAMETERS))
    assert not missing, f"parameters the batched step does not classify: {missing}"
    assert set(cls._parameter_constraints) == set(cls().get_params())
    base = cls(hidden_layer_sizes=(4,))
    assert unbatchable_reason(base) is None
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(20, 3)), np.arange(20) % 2
    template = cls(max_iter=1, hidden_layer_sizes=(4,)).fit(X, y)
    target = template._encode_target(y)
    data = TrainData(X, target, target.shape[1], template._loss_name())
    for name in cls._parameter_constraints:
        handling = PARAMETERS[name]
        assert isinstance(handling, Handling) and handling.kind in Handling.KINDS
        est = cls(hidden_layer_sizes=(4,)).set_params(**{name: _FALLBACK_VALUE.get(name, getattr(base, name))})
        if handling.kind == "fallback":
            assert unbatchable_reason(est) == name
        elif handling.kind == "group":
            other = cls(hidden_layer_sizes=(4,)).set_params(**{name: _OTHER_GROUP_VALUE[name]})
            assert group_key(other, data) != group_key(base, data), name

    class WithKnob(cls):
        def __init__(self, knob=0, **kwargs):
            super().__init__(**kwargs)
            self.knob = knob

    assert unbatchable_reason(WithKnob()) == "knob"
    assert unbatchable_reason(cls(verbose=2)) == "verbose"
    assert unbatchable_reason(cls(solver="lbfgs")) == "solver='lbfgs'"


# ----------------------------------------------------------------------------------------- verbose
def _progress_lines(text):
    """The lines with times and the dots that right-align them dropped, counted."""
    lines = [re.sub(r"\.{2,}", " ", re.sub(r"total time=.*$", "total time=", line)) for line in text.splitlines()]
    return Counter(re.sub(r"\s+", " ", line) for line in lines if line.strip())


@pytest.mark.parametrize("verbose", [2, 3, 10])
def test_verbose_progress_lines_equal_sklearn(clf_data, capsys, verbose):
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=4, batch_size=30, random_state=0)
    grid = {"alpha": [0.1, 1.0], "solver": ["adam", "lbfgs"]}  # lbfgs: ordinary fits
    capsys.readouterr()
    ours = GridSearchCV(est, grid, cv=2, verbose=verbose, return_train_score=True).fit(X, y)
    printed_ours = capsys.readouterr().out
    sk.GridSearchCV(est, grid, cv=2, verbose=verbose, return_train_score=True).fit(X, y)
    printed_theirs = capsys.readouterr().out
    assert ours.batched_fits_ == 4
    assert "alpha=0.1, solver=adam;" in printed_ours
    assert _progress_lines(printed_ours) == _progress_lines(printed_theirs)


# ------------------------------------------------------------- configuration and warnings in the workers
def test_metadata_routing_reaches_parallel_workers(clf_data):
    X, y = clf_data
    weights = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            MLPClassifier(hidden_layer_sizes=(4,), max_iter=4, batch_size=30, random_state=0)
            .set_fit_request(sample_weight=True),
        )
        grid = {"mlpclassifier__alpha": [1e-4, 1e-1]}
        scoring = get_scorer("neg_log_loss").set_score_request(sample_weight=False)
        ours = GridSearchCV(pipe, grid, cv=2, n_jobs=2, scoring=scoring).fit(X, y, sample_weight=weights)
        theirs = sk.GridSearchCV(pipe, grid, cv=2, scoring=scoring).fit(X, y, sample_weight=weights)
        unweighted = sk.GridSearchCV(pipe, grid, cv=2, scoring=scoring).fit(X, y)
    assert ours.batched_fits_ == 4  # the weights routed to the MLP alone train in the batched groups
    _compare(ours, theirs)
    assert not np.allclose(ours.cv_results_["split0_test_score"], unweighted.cv_results_["split0_test_score"])


def test_a_callers_error_filter_reaches_parallel_workers(clf_data):
    """``warnings.simplefilter('error', ConvergenceWarning)`` turns every non-converged fit into a failure,
    in the workers as in the caller, as in scikit-learn's search."""
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, batch_size=30, random_state=0)
    grid = {"alpha": [1e-4, 1e-1]}
    for cls in (GridSearchCV, sk.GridSearchCV):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            with pytest.raises(ValueError, match="fits failed(.|\n)*ConvergenceWarning"):
                cls(est, grid, cv=2, n_jobs=2, refit=False).fit(X, y)


_IGNORING_SEARCH = """
import warnings
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import get_scorer
from sknn_hp import MLPClassifier
from sknn_hp.model_selection import GridSearchCV

warnings.filterwarnings("ignore", category=ConvergenceWarning)
rng = np.random.RandomState(0)
X = rng.normal(size=(60, 4))
y = (X[:, 0] > 0).astype(int)
est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, batch_size=20, random_state=0)
grid = {"alpha": [1e-4, 1e-1], "solver": ["adam", "lbfgs"]}
search = GridSearchCV(est, grid, cv=2, n_jobs=2, refit=False).fit(X, y)
print("batched", search.batched_fits_)
"""


def test_a_callers_ignore_filter_reaches_worker_processes():
    """The reported case: the loky workers of a search with n_jobs=2 print no ConvergenceWarning the caller
    ignores (they write to the stderr of a fresh process, read whole once it has ended)."""
    import sknn_hp

    root = os.path.dirname(os.path.dirname(os.path.abspath(sknn_hp.__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, "-c", _IGNORING_SEARCH], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-5000:]
    assert "batched 4" in proc.stdout
    assert "ConvergenceWarning" not in proc.stderr, proc.stderr[-5000:]


# ------------------------------------------------------------------------ fitted attributes for scorers
def test_scorers_read_each_members_fitted_attributes(clf_data):
    X, y = clf_data
    est = MLPClassifier(hidden_layer_sizes=(5,), max_iter=15, batch_size=20, random_state=0, n_iter_no_change=2,
                        learning_rate_init=0.02)
    grid = [{"alpha": [1e-4, 1.0]}, {"early_stopping": [True], "validation_fraction": [0.25], "alpha": [1e-4, 1.0]}]
    seen = {"ours": [], "theirs": []}

    def scorer(who):
        def attributes(e, X_, y_):
            seen[who].append(sorted(k for k in vars(e) if k.endswith("_") and not k.startswith("_")))
            return e.n_iter_

        return {
            "loss": lambda e, X_, y_: e.loss_,
            "n_iter": attributes,
            "t": lambda e, X_, y_: e.t_,
            "curve": lambda e, X_, y_: float(np.sum(e.loss_curve_)),
            "coef": lambda e, X_, y_: float(np.sum(e.coefs_[0])),
            "validation": lambda e, X_, y_: (
                e.best_validation_score_ if e.early_stopping else e.best_loss_
            ),
        }

    ours = GridSearchCV(est, grid, cv=2, scoring=scorer("ours"), refit=False).fit(X, y)
    theirs = sk.GridSearchCV(est, grid, cv=2, scoring=scorer("theirs"), refit=False).fit(X, y)
    assert ours.batched_fits_ == 8
    _compare(ours, theirs)
    assert len(set(ours.cv_results_["split0_test_loss"])) == 4
    assert len(set(ours.cv_results_["split0_test_n_iter"])) > 1
    assert seen["ours"] == seen["theirs"]
