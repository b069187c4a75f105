"""The estimators inside scikit-learn's ensembles."""

import numpy as np
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import BaggingClassifier, BaggingRegressor, StackingClassifier, VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_hp import MLPClassifier, MLPRegressor


def _clf_data():
    X, y = make_classification(n_samples=300, n_features=8, n_informative=5, n_classes=3, random_state=0)
    return train_test_split(X, y, stratify=y, random_state=0)


def _mlp(seed, **kw):
    return MLPClassifier((16,), max_iter=60, learning_rate_init=0.01, random_state=seed, **kw)


def test_soft_voting():
    X_train, X_test, y_train, y_test = _clf_data()
    vote = VotingClassifier(
        [("relu", _mlp(0)), ("selu", _mlp(1, activation="selu")), ("lr", LogisticRegression())], voting="soft"
    ).fit(X_train, y_train)
    proba = vote.predict_proba(X_test)
    assert proba.shape == (len(X_test), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert vote.score(X_test, y_test) > 0.7
    assert all(isinstance(e, (MLPClassifier, LogisticRegression)) for e in vote.estimators_)


def test_bagging_classifier():
    X_train, X_test, y_train, y_test = _clf_data()
    bag = BaggingClassifier(_mlp(0), n_estimators=4, max_samples=0.8, random_state=0).fit(X_train, y_train)
    assert len(bag.estimators_) == 4
    seeds = {e.random_state for e in bag.estimators_}
    assert len(seeds) == 4  # each member gets its own seed
    assert bag.predict_proba(X_test).shape == (len(X_test), 3)
    assert bag.score(X_test, y_test) > 0.7


def test_stacking_classifier():
    X_train, X_test, y_train, y_test = _clf_data()
    stack = StackingClassifier(
        [("mlp", _mlp(0)), ("mlp_tanh", _mlp(1, activation="tanh"))],
        final_estimator=LogisticRegression(),
        cv=3,
    ).fit(X_train, y_train)
    assert stack.transform(X_test).shape == (len(X_test), 2 * 3)
    assert stack.predict(X_test).shape == y_test.shape
    assert stack.score(X_test, y_test) > 0.7


def test_mlp_as_stacking_final_estimator():
    X_train, X_test, y_train, y_test = _clf_data()
    stack = StackingClassifier([("lr", LogisticRegression())], final_estimator=_mlp(0), cv=3).fit(X_train, y_train)
    assert stack.score(X_test, y_test) > 0.6


def test_bagging_regressor():
    X, y = make_regression(n_samples=300, n_features=6, noise=5.0, random_state=0)
    y = (y - y.mean()) / y.std()
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    base = make_pipeline(
        StandardScaler(), MLPRegressor(hidden_layer_sizes=(32,), max_iter=100, learning_rate_init=0.01, random_state=0)
    )
    bag = BaggingRegressor(base, n_estimators=4, random_state=0).fit(X_train, y_train)
    assert bag.predict(X_test).shape == y_test.shape
    assert bag.score(X_test, y_test) > 0.9
