"""The notes' vanishing-gradient study: residual connections and batch norm let 20-layer networks train."""

import pickle
import warnings

import numpy as np

from sknn_hp import MLPClassifier


def test_twenty_layers_train_with_residual_and_batch_norm(digits):
    X_train, X_test, y_train, y_test = digits
    params = dict(hidden_layer_sizes=(32,) * 20, max_iter=30, random_state=0)
    plain = MLPClassifier(activation="tanh", weight_init="uniform", init_scale=0.5, **params).fit(X_train, y_train)
    fixed = MLPClassifier(activation="relu", residual=True, batch_norm=True, **params).fit(X_train, y_train)
    assert fixed.score(X_test, y_test) > 0.85
    assert fixed.score(X_test, y_test) > plain.score(X_test, y_test) + 0.15


def test_model_marked_as_cuda_unpickles_on_cpu(small_clf_data):
    """skorch maps CUDA state to the CPU when CUDA is missing; predictions then run on the CPU."""
    X, y = small_clf_data
    clf = MLPClassifier(max_iter=2, random_state=0).fit(X, y)
    expected = clf.predict_proba(X)
    clf.net_.device = "cuda"  # as if trained on a GPU
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        restored = pickle.loads(pickle.dumps(clf))
    import torch

    if not torch.cuda.is_available():
        assert str(restored.net_.device) == "cpu"
        np.testing.assert_array_equal(restored.predict_proba(X), expected)
