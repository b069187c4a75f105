"""MLPClassifier behaviour: accuracy, targets, outputs and scikit-learn's training semantics."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.preprocessing import StandardScaler

from sknn_hp import MLPClassifier


def test_default_reaches_95_percent_on_digits(digits):
    X_train, X_test, y_train, y_test = digits
    clf = MLPClassifier(random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.95


def test_comparable_to_sklearn_with_the_same_code(digits):
    X_train, X_test, y_train, y_test = digits
    params = dict(hidden_layer_sizes=(64,), max_iter=60, random_state=0)
    ours = MLPClassifier(**params).fit(X_train, y_train).score(X_test, y_test)
    theirs = SkMLPClassifier(**params).fit(X_train, y_train).score(X_test, y_test)
    assert ours >= theirs - 0.02


def test_sklearn_attributes_have_sklearn_layout(digits):
    X_train, _, y_train, _ = digits
    clf = MLPClassifier(hidden_layer_sizes=(30, 20), max_iter=5, random_state=0).fit(X_train, y_train)
    assert [c.shape for c in clf.coefs_] == [(64, 30), (30, 20), (20, 10)]
    assert [b.shape for b in clf.intercepts_] == [(30,), (20,), (10,)]
    assert clf.n_layers_ == 4 and clf.n_outputs_ == 10 and clf.out_activation_ == "softmax"
    assert clf.n_iter_ == 5 and len(clf.loss_curve_) == 5 and clf.t_ == 5 * len(X_train)
    assert clf.loss_ == clf.loss_curve_[-1] and clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    np.testing.assert_array_equal(clf.classes_, np.arange(10))
    # coefs_ are the network's weights: a forward pass through them reproduces predict_proba
    h = X_train[:5]
    for W, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1]):
        h = np.maximum(h @ W + b, 0)
    z = h @ clf.coefs_[-1] + clf.intercepts_[-1]
    p = np.exp(z - z.max(1, keepdims=True))
    np.testing.assert_allclose(p / p.sum(1, keepdims=True), clf.predict_proba(X_train[:5]), rtol=1e-6)


def test_string_labels_and_probabilities(digits):
    X_train, X_test, y_train, _ = digits
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
    clf = MLPClassifier(max_iter=20, random_state=0).fit(X_train, names[y_train])
    pred = clf.predict(X_test)
    assert pred.dtype.kind == "U" and set(pred) <= set(names)
    proba = clf.predict_proba(X_test)
    assert proba.shape == (len(X_test), 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(1)], pred)
    np.testing.assert_allclose(clf.predict_log_proba(X_test), np.log(proba))


def test_binary_uses_one_logistic_output():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = MLPClassifier(max_iter=50, random_state=0).fit(X, np.where(y, "malignant", "benign"))
    assert clf.n_outputs_ == 1 and clf.out_activation_ == "logistic" and clf.coefs_[-1].shape[1] == 1
    assert clf.predict_proba(X).shape == (len(X), 2)
    assert clf.score(X, np.where(y, "malignant", "benign")) > 0.95


def test_multilabel_indicator_targets():
    X, Y = make_multilabel_classification(n_samples=300, n_classes=4, random_state=0)
    X = StandardScaler().fit_transform(X)
    clf = MLPClassifier(hidden_layer_sizes=(64,), max_iter=200, random_state=0).fit(X, Y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 4
    pred = clf.predict(X)
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1}
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape and (proba > 0).all() and (proba < 1).all()
    assert (pred == Y).mean() > 0.9


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_pandas_input_sets_feature_names(digits):
    X_train, _, y_train, _ = digits
    df = pd.DataFrame(X_train, columns=[f"px{i}" for i in range(64)])
    clf = MLPClassifier(max_iter=3, random_state=0).fit(df, pd.Series(y_train))
    np.testing.assert_array_equal(clf.feature_names_in_, df.columns)
    np.testing.assert_array_equal(clf.predict(df), clf.predict(df.to_numpy()))


def test_sparse_input_matches_dense(digits):
    X_train, X_test, y_train, _ = digits
    X_train = np.where(np.abs(X_train) < 0.5, 0.0, X_train)
    dense = MLPClassifier(max_iter=5, random_state=0).fit(X_train, y_train)
    sparse = MLPClassifier(max_iter=5, random_state=0).fit(sp.csr_matrix(X_train), y_train)
    np.testing.assert_allclose(
        dense.predict_proba(X_test), sparse.predict_proba(sp.csc_matrix(X_test)), rtol=1e-6, atol=1e-9
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_computes_in_input_dtype(digits, dtype):
    X_train, X_test, y_train, _ = digits
    clf = MLPClassifier(max_iter=3, random_state=0).fit(X_train.astype(dtype), y_train)
    assert clf.coefs_[0].dtype == dtype
    assert clf.predict_proba(X_test.astype(dtype)).dtype == dtype


def test_partial_fit_one_epoch_per_call_and_classes(digits):
    X_train, X_test, y_train, y_test = digits
    clf = MLPClassifier(random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X_train, y_train)
    for _ in range(10):
        for chunk in np.array_split(np.arange(len(X_train)), 3):
            clf.partial_fit(X_train[chunk], y_train[chunk], classes=np.arange(10))
        assert clf.n_iter_ == 1
    assert len(clf.loss_curve_) == 30 and clf.t_ == 10 * len(X_train)
    assert clf.score(X_test, y_test) > 0.85
    with pytest.raises(ValueError, match="classes not in"):
        clf.partial_fit(X_train[:10], y_train[:10] + 100)


def test_partial_fit_hidden_for_lbfgs_and_refused_with_early_stopping(digits):
    X_train, _, y_train, _ = digits
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X_train, y_train, classes=np.arange(10))


def test_early_stopping_restores_best_weights(digits):
    X_train, X_test, y_train, y_test = digits
    clf = MLPClassifier(early_stopping=True, n_iter_no_change=5, max_iter=200, random_state=0)
    clf.fit(X_train, y_train)
    assert clf.best_loss_ is None and len(clf.validation_scores_) == clf.n_iter_ < 200
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert {"valid_loss", "valid_score", "train_loss", "lr", "dur"} <= set(clf.history_[-1])
    # the restored weights score the best validation epoch: re-create the split
    from sklearn.model_selection import train_test_split

    rng = np.random.RandomState(0)
    rng.randint(np.iinfo(np.int32).max)  # the seed drawn for torch before the split
    _, X_val, _, y_val = train_test_split(X_train, y_train, random_state=rng, test_size=0.1, stratify=y_train)
    assert clf.score(X_val, y_val) == pytest.approx(clf.best_validation_score_)


def test_early_stopping_on_validation_loss(digits):
    X_train, _, y_train, _ = digits
    clf = MLPClassifier(early_stopping=True, monitor="loss", n_iter_no_change=3, random_state=0).fit(X_train, y_train)
    losses = [h["valid_loss"] for h in clf.history_]
    best = int(np.argmin(losses))
    assert clf.n_iter_ < 200 and clf.n_iter_ - 1 - best >= 3


def test_training_loss_stopping_rule_and_convergence_warning(digits):
    X_train, _, y_train, _ = digits
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPClassifier(max_iter=2, random_state=0).fit(X_train, y_train)
    # no epoch improves by tol=10: both libraries stop after the same number of epochs
    clf = MLPClassifier(tol=10.0, n_iter_no_change=2, random_state=0).fit(X_train, y_train)
    reference = SkMLPClassifier(tol=10.0, n_iter_no_change=2, random_state=0).fit(X_train, y_train)
    assert clf.n_iter_ == reference.n_iter_ == 4


def test_warm_start_continues_from_previous_weights(digits):
    X_train, _, y_train, _ = digits
    clf = MLPClassifier(max_iter=3, warm_start=True, random_state=0).fit(X_train, y_train)
    first = [c.copy() for c in clf.coefs_]
    loss_after_first = clf.loss_curve_[-1]
    clf.fit(X_train, y_train)
    assert len(clf.loss_curve_) == 6 and clf.n_iter_ == 3
    assert clf.loss_curve_[3] < loss_after_first * 1.05
    assert not np.allclose(first[0], clf.coefs_[0])
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X_train[y_train < 5], y_train[y_train < 5])


def test_lbfgs_solver_semantics(digits):
    X_train, X_test, y_train, y_test = digits
    clf = MLPClassifier(solver="lbfgs", max_iter=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    assert 0 < clf.n_iter_ <= 100 and clf.t_ == 0
    for name in ("loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_"):
        assert not hasattr(clf, name)
    assert clf.score(X_test, y_test) > 0.93
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        MLPClassifier(solver="lbfgs", max_iter=3, random_state=0).fit(X_train, y_train)


def test_class_weight_shifts_predictions_toward_weighted_class():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    params = dict(hidden_layer_sizes=(8,), max_iter=30, random_state=0)
    plain = MLPClassifier(**params).fit(X, y)
    heavy = MLPClassifier(class_weight={0: 20.0, 1: 1.0}, **params).fit(X, y)
    assert (heavy.predict(X) == 0).sum() > (plain.predict(X) == 0).sum()
    balanced = MLPClassifier(class_weight="balanced", **params).fit(X, y)
    assert balanced.score(X, y) > 0.9
    with pytest.raises(ValueError, match="not in class_weight|not in 'class_weight'|classes"):
        MLPClassifier(class_weight={0: 1.0, 7: 2.0}, max_iter=2).fit(X, y)


def test_label_smoothing_softens_probabilities(digits):
    X_train, X_test, y_train, _ = digits
    sharp = MLPClassifier(max_iter=60, random_state=0).fit(X_train, y_train)
    smooth = MLPClassifier(max_iter=60, label_smoothing=0.3, random_state=0).fit(X_train, y_train)
    assert smooth.predict_proba(X_test).max(1).mean() < sharp.predict_proba(X_test).max(1).mean() - 0.05


def test_sample_weight_zero_equals_dropping_samples(digits):
    X_train, X_test, y_train, _ = digits
    keep = np.arange(len(X_train)) % 3 != 0
    sw = keep.astype(float)
    params = dict(max_iter=5, batch_size="full", shuffle=False, random_state=0)
    weighted = MLPClassifier(**params).fit(X_train, y_train, sample_weight=sw)
    dropped = MLPClassifier(**params).fit(X_train[keep], y_train[keep])
    np.testing.assert_allclose(weighted.predict_proba(X_test), dropped.predict_proba(X_test), rtol=1e-6, atol=1e-9)


def test_verbose_prints_one_line_per_epoch(small_clf_data, capsys):
    X, y = small_clf_data
    MLPClassifier(max_iter=3, verbose=1, early_stopping=True, random_state=0).fit(X, y)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Iteration")]
    assert len(lines) == 3
    for field in ("loss = ", "valid_loss = ", "valid_score = ", "lr = ", "time = "):
        assert field in lines[0]
