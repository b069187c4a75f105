"""Babysitting records (diagnostics=True) and transfer learning (init_from, freeze_layers)."""

import numpy as np
import torch
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator

from sknn_hp import GradientWarning, MLPClassifier, MLPRegressor


@pytest.fixture(scope="module")
def halves(digits):
    X_train, _, y_train, _ = digits
    low, high = y_train < 5, y_train >= 5
    return (X_train[low], y_train[low]), (X_train[high], y_train[high])


def test_diagnostics_record_per_layer_statistics(small_clf_data):
    X, y = small_clf_data
    clf = MLPClassifier(hidden_layer_sizes=(16, 8), diagnostics=True, max_iter=4, random_state=0).fit(X, y)
    frame = pd.DataFrame(clf.history_)
    for layer in ("hidden_1", "hidden_2", "output"):
        for stat in ("grad_norm", "weight_norm", "update_ratio"):
            column = frame[f"{stat}.{layer}"]
            assert len(column) == 4 and np.isfinite(column).all() and (column > 0).all()
    weight_norms = frame["weight_norm.output"].to_numpy()
    assert weight_norms[-1] == pytest.approx(np.linalg.norm(clf.coefs_[-1]), rel=1e-5)
    assert ((frame["dead_units.hidden_1"] >= 0) & (frame["dead_units.hidden_1"] <= 1)).all()


def test_dead_relu_units_are_counted(small_clf_data):
    X, y = small_clf_data
    clf = MLPClassifier(hidden_layer_sizes=(8,), diagnostics=True, max_iter=1, random_state=0,
                        learning_rate_init=1e-12)
    clf.fit(X, y)
    # kill half of the units by hand: a large negative bias makes them output 0 everywhere
    with np.errstate(all="ignore"):
        clf.net_.module_.hidden[0].linear.bias.data[:4] = -1e6
    clf.set_params(warm_start=True).fit(X, y)
    assert clf.history_[-1]["dead_units.hidden_1"] >= 0.5


def test_vanishing_gradients_warn():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(200, 10)), rng.randint(0, 2, size=200)
    with pytest.warns(GradientWarning, match="vanishing"):
        MLPClassifier(hidden_layer_sizes=(16,) * 12, activation="logistic", weight_init="normal", init_scale=0.01,
                      diagnostics=True, max_iter=2, random_state=0).fit(X, y)


def test_transfer_copies_and_freezes_leading_layers(halves):
    (X_a, y_a), (X_b, y_b) = halves
    source = MLPClassifier(hidden_layer_sizes=(32, 16), max_iter=20, random_state=0).fit(X_a, y_a)
    target = MLPClassifier(hidden_layer_sizes=(32, 16), init_from=source, freeze_layers=1, max_iter=5,
                           random_state=0).fit(X_b, y_b)
    assert target.transferred_layers_ == 2
    np.testing.assert_array_equal(target.coefs_[0], source.coefs_[0])  # frozen
    assert not np.allclose(target.coefs_[1], source.coefs_[1])  # copied, then trained
    assert set(target.classes_) == {5, 6, 7, 8, 9}
    # the notes' second step: unfreeze and fine-tune at a lower rate
    target.set_params(freeze_layers=0, learning_rate_init=1e-4, warm_start=True).fit(X_b, y_b)
    assert not np.array_equal(target.coefs_[0], source.coefs_[0])


def test_transfer_stops_at_first_mismatch_and_survives_clone(halves):
    (X_a, y_a), (X_b, y_b) = halves
    source = MLPRegressor(hidden_layer_sizes=(32, 16), max_iter=3, random_state=0).fit(X_a, y_a.astype(float))
    template = MLPClassifier(hidden_layer_sizes=(32, 8), init_from=FrozenEstimator(source), max_iter=2)
    fitted = clone(template).fit(X_b, y_b)
    assert fitted.transferred_layers_ == 1
    np.testing.assert_allclose(fitted.coefs_[0], source.coefs_[0], atol=0.05)


def test_transfer_errors(halves):
    (X_a, y_a), _ = halves
    with pytest.raises(ValueError, match="init_from must be a fitted sknn_hp"):
        MLPClassifier(init_from=MLPClassifier()).fit(X_a, y_a)
    source = MLPClassifier(hidden_layer_sizes=(8,), max_iter=1).fit(X_a, y_a)
    with pytest.raises(ValueError, match="shares no leading hidden layer"):
        MLPClassifier(hidden_layer_sizes=(9,), init_from=source).fit(X_a, y_a)
    with pytest.raises(ValueError, match="freeze_layers=3 but the network has only 1"):
        MLPClassifier(hidden_layer_sizes=(8,), freeze_layers=3).fit(X_a, y_a)


def test_frozen_layers_run_in_inference_mode(halves):
    (X_a, y_a), (X_b, y_b) = halves
    source = MLPClassifier(hidden_layer_sizes=(16,), batch_norm=True, dropout=0.3, max_iter=3,
                           random_state=0).fit(X_a, y_a)
    target = MLPClassifier(hidden_layer_sizes=(16,), batch_norm=True, dropout=0.3, init_from=source,
                           freeze_layers=1, max_iter=3, random_state=0).fit(X_b, y_b)
    src_norm = source.net_.module_.hidden[0].norm_before
    tgt_norm = target.net_.module_.hidden[0].norm_before
    assert torch.equal(src_norm.running_mean, tgt_norm.running_mean)
    target.net_.module_.train()
    assert not target.net_.module_.hidden[0].training
