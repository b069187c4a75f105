"""Secure persistence with skops: round trips, the types to trust, and pickle left as it was."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from skorch.exceptions import DeviceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sio = pytest.importorskip("skops.io")
from skops.io.exceptions import UntrustedTypesFoundException  # noqa: E402

import sknn_hp._base  # noqa: E402
from sknn_hp import MLPClassifier, MLPRegressor  # noqa: E402
from sknn_hp._net import SkorchMLP  # noqa: E402
from sknn_hp.persistence import SKOPS_TRUSTED_TYPES, dump_skops, load_skops  # noqa: E402

CLASSIFIER = "sknn_hp._classifier.MLPClassifier"
REGRESSOR = "sknn_hp._regressor.MLPRegressor"


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)
        yield


def _round_trip(obj, path):
    sio.dump(obj, path)
    untrusted = sio.get_untrusted_types(file=path)
    return sio.load(path, trusted=untrusted), untrusted


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"batch_norm": True, "dropout": 0.1, "residual": True, "hidden_layer_sizes": (6, 6)},
        {"early_stopping": True, "activation": ["prelu", "tanh"], "hidden_layer_sizes": (5, 4)},
        {"solver": "lbfgs", "input_batch_norm": True},
    ],
)
def test_skops_round_trip_classifier_predicts_identically(small_clf_data, tmp_path, params):
    X, y = small_clf_data
    clf = MLPClassifier(**{"hidden_layer_sizes": (8,), "max_iter": 3, "random_state": 0, **params}).fit(X, y)
    restored, untrusted = _round_trip(clf, tmp_path / "clf.skops")
    assert untrusted == [CLASSIFIER]
    assert isinstance(restored.net_, SkorchMLP)
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))
    for a, b in zip(restored.coefs_, clf.coefs_):
        np.testing.assert_array_equal(a, b)
    assert restored.get_params() == clf.get_params()


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_skops_round_trip_regressor_float32_multioutput(small_reg_data, tmp_path, solver):
    X, y = small_reg_data
    X, Y = X.astype(np.float32), np.c_[y, -y]
    reg = MLPRegressor(hidden_layer_sizes=(8,), max_iter=3, random_state=0, solver=solver).fit(X, Y)
    restored, untrusted = _round_trip(reg, tmp_path / "reg.skops")
    assert untrusted == [REGRESSOR]
    assert next(restored.net_.module_.parameters()).dtype == torch.float32
    np.testing.assert_array_equal(restored.predict(X), reg.predict(X))


def test_the_documented_trusted_types_are_exactly_what_a_pipeline_file_needs(small_clf_data, tmp_path):
    X, y = small_clf_data
    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0))
    pipe.fit(X, y)
    path = tmp_path / "pipe.skops"
    dump_skops(pipe, path)
    assert sio.get_untrusted_types(file=path) == [CLASSIFIER]
    assert set(sio.get_untrusted_types(file=path)) <= set(SKOPS_TRUSTED_TYPES)
    with pytest.raises(UntrustedTypesFoundException, match="MLPClassifier"):
        sio.load(path)
    np.testing.assert_array_equal(load_skops(path).predict_proba(X), pipe.predict_proba(X))


def test_skops_keeps_the_optimizer_state_like_pickle(small_clf_data, tmp_path):
    X, y = small_clf_data
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=1, random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    path = tmp_path / "clf.skops"
    dump_skops(clf, path)
    from_skops = load_skops(path).partial_fit(X, y)
    from_pickle = pickle.loads(pickle.dumps(clf)).partial_fit(X, y)
    np.testing.assert_array_equal(from_skops.predict_proba(X), from_pickle.predict_proba(X))
    assert from_skops.loss_curve_ == from_pickle.loss_curve_


def test_pickle_still_carries_the_live_net_and_tensors(small_clf_data):
    X, y = small_clf_data
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    assert isinstance(restored.net_, SkorchMLP)
    assert restored.net_.optimizer_.state  # Adam's moments travel with the pickle
    assert all(isinstance(v, torch.Tensor) for v in restored._optimizer_state["state"][0].values())
    assert "_sknn_hp_version" not in clf.__dict__  # saving does not change the estimator


def test_portable_state_holds_no_torch_object(small_clf_data):
    X, y = small_clf_data
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, early_stopping=True, random_state=0).fit(X, y)
    state = clf.__getstate__()

    def walk(obj):
        assert not isinstance(obj, (torch.Tensor, torch.nn.Module, SkorchMLP))
        if isinstance(obj, dict):
            for v in obj.values():
                walk(v)
        elif isinstance(obj, (list, tuple)):
            for v in obj:
                walk(v)

    walk(state)
    assert isinstance(clf.net_, SkorchMLP)  # the estimator itself is untouched


def test_trimmed_and_unfitted_estimators_round_trip(small_clf_data, tmp_path):
    X, y = small_clf_data
    unfitted, _ = _round_trip(MLPClassifier(alpha=0.5, hidden_layer_sizes=(3, 2)), tmp_path / "u.skops")
    assert unfitted.get_params() == MLPClassifier(alpha=0.5, hidden_layer_sizes=(3, 2)).get_params()
    assert not hasattr(unfitted, "net_")
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, random_state=0).fit(X, y).trim_for_prediction()
    restored, _ = _round_trip(clf, tmp_path / "t.skops")
    assert restored._optimizer_state is None and not restored.net_.optimizer_.state
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_transfer_source_is_saved_with_the_estimator(small_clf_data, tmp_path):
    X, y = small_clf_data
    source = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, random_state=0).fit(X, y)
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, random_state=1, init_from=source).fit(X, y)
    restored, untrusted = _round_trip(clf, tmp_path / "tl.skops")
    assert untrusted == [CLASSIFIER]
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(restored.init_from.predict_proba(X), source.predict_proba(X))


def test_skops_file_from_another_version_warns(small_clf_data, tmp_path, monkeypatch):
    X, y = small_clf_data
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=1).fit(X, y)
    monkeypatch.setattr(sknn_hp._base, "__version__", "0.0.0")
    dump_skops(clf, tmp_path / "old.skops")
    monkeypatch.undo()
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        with pytest.warns(UserWarning, match="saved with sknn_hp 0.0.0 and is loaded with sknn_hp"):
            load_skops(tmp_path / "old.skops")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_model_saved_on_cuda_loads_on_the_cpu(small_clf_data):
    X, y = small_clf_data
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=1, random_state=0).fit(X, y)
    state = clf.__getstate__()
    state["net_"] = {**state["net_"], "device": "cuda:0"}
    restored = MLPClassifier.__new__(MLPClassifier)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        with pytest.warns(DeviceWarning, match="saved on 'cuda:0' but CUDA is not available"):
            restored.__setstate__(state)
    assert str(restored.net_.device) == "cpu"
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
