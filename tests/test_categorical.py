"""categorical_features: column selection, one-hot and embeddings, unseen and missing levels, integration."""

import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn_hp import MLPClassifier, MLPRegressor
from sknn_hp._categorical import MISSING, UNSEEN
from sknn_hp._backprop import closed_form_step
from sknn_hp.persistence import SKOPS_TRUSTED_TYPES, load_skops

sio = pytest.importorskip("skops.io")


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)
        yield


def _binned_cancer():
    """Breast cancer with its 4 strongest columns replaced by categories of shuffled names.

    'radius' and 'texture' become 6-level object columns (one-hot), 'area' and
    'concavity' 24-level category columns (embeddings); the level names are a
    random permutation of the bins, so their codes carry no order.
    """
    data = load_breast_cancer(as_frame=True)
    X, y = data.data.copy(), data.target
    rng = np.random.RandomState(0)
    for column, n_levels, as_category in [
        ("worst radius", 6, False),
        ("mean texture", 6, False),
        ("worst area", 24, True),
        ("worst concave points", 24, True),
    ]:
        bins = pd.qcut(X[column], n_levels, labels=False, duplicates="drop")
        names = np.array([f"level_{i}" for i in rng.permutation(n_levels)], dtype=object)
        values = pd.Series(names[bins], index=X.index)
        X[column] = values.astype("category") if as_category else values
    # the network must learn from the categories: keep only a few weak numeric columns
    keep = ["worst radius", "mean texture", "worst area", "worst concave points", "mean smoothness", "mean symmetry"]
    return X[keep], y


@pytest.fixture(scope="module")
def cancer():
    X, y = _binned_cancer()
    return train_test_split(X, y, stratify=y, random_state=0)


def _mixed_frame(n=60, seed=0):
    rng = np.random.RandomState(seed)
    return pd.DataFrame(
        {
            "num": rng.normal(size=n),
            "obj": rng.choice(["a", "b", "c"], n).astype(object),
            "cat": pd.Categorical(rng.choice([f"l{i}" for i in range(12)], n)),
            "str": pd.array(rng.choice(["u", "v"], n), dtype="string"),
            "int": rng.randint(0, 4, n),
        }
    )


def test_from_dtype_picks_category_object_and_string_columns():
    X = _mixed_frame()
    y = (X["num"] > 0).astype(int)
    clf = MLPClassifier((4,), categorical_features="from_dtype", max_iter=2, random_state=0).fit(X, y)
    enc = clf._tabular_encoder
    assert enc.categorical_columns == [1, 2, 3] and enc.numeric_columns == [0, 4]
    assert enc.categories[0] == ["a", "b", "c"] and enc.cardinalities == [3, 12, 2]
    assert list(clf.feature_names_in_) == list(X.columns) and clf.n_features_in_ == 5


@pytest.mark.parametrize(
    "spec",
    [[1, 2, 3], np.array([False, True, True, True, False]), ["obj", "cat", "str"]],
    ids=["indices", "mask", "names"],
)
def test_indices_mask_and_names_select_the_same_columns(spec):
    X = _mixed_frame()
    y = (X["num"] > 0).astype(int)
    ref = MLPClassifier((4,), categorical_features="from_dtype", max_iter=3, random_state=0).fit(X, y)
    clf = MLPClassifier((4,), categorical_features=spec, max_iter=3, random_state=0).fit(X, y)
    assert clf._tabular_encoder.categorical_columns == [1, 2, 3]
    np.testing.assert_array_equal(clf.predict_proba(X), ref.predict_proba(X))


def test_integer_column_declared_categorical_on_a_numpy_array():
    rng = np.random.RandomState(0)
    codes = rng.randint(0, 5, 300)
    X = np.c_[rng.normal(size=300), codes]
    y = np.isin(codes, [1, 3]).astype(int)  # not monotone in the code: a numeric input cannot separate it
    cat = MLPClassifier((16,), categorical_features=[1], max_iter=100, random_state=0).fit(X, y)
    plain = MLPClassifier((16,), max_iter=100, random_state=0).fit(X, y)
    assert cat.score(X, y) > 0.98
    assert plain.score(X, y) < 0.9
    assert cat._tabular_encoder.categories == [[0, 1, 2, 3, 4]]
    # from_dtype on an array: no categorical columns
    clf = MLPClassifier((4,), categorical_features="from_dtype", max_iter=2, random_state=0).fit(X, y)
    assert clf._tabular_encoder.categorical_columns == []


@pytest.mark.parametrize(
    "spec, message",
    [
        ([5], r"\[0, n_features - 1\] = \[0, 4\]"),
        ([-1], r"\[0, n_features - 1\]"),
        ([True, False], "boolean mask must have shape"),
        (["nope"], r"names \['nope'\], which are not among the feature names"),
        ("from_dtypes", "'categorical_features' parameter"),
    ],
)
def test_bad_specifications_raise(spec, message):
    X = _mixed_frame()
    with pytest.raises(ValueError, match=message):
        MLPClassifier(categorical_features=spec, max_iter=1).fit(X, X["int"])


def test_names_need_feature_names():
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match="X has no feature names"):
        MLPRegressor(categorical_features=["a"], max_iter=1).fit(X, np.zeros(10))


def test_string_column_not_declared_raises_a_helpful_error():
    X = _mixed_frame()
    with pytest.raises(ValueError, match="Column 1 is not numeric and is not declared categorical"):
        MLPClassifier(categorical_features=[2], max_iter=1).fit(X, X["int"])
    with pytest.raises(ValueError, match="could not convert string to float"):  # None: scikit-learn's own error
        MLPClassifier(max_iter=1).fit(X, X["int"])


def test_sparse_input_and_numeric_nan_raise():
    X = np.random.RandomState(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match="need dense input"):
        MLPClassifier(categorical_features=[0], max_iter=1).fit(sp.csr_matrix(X), X[:, 1] > 0)
    X[0, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity in a numeric column"):
        MLPClassifier(categorical_features=[0], max_iter=1).fit(X, X[:, 2] > 0)


def test_accuracy_on_real_data_with_one_hot_and_embeddings(cancer):
    X_train, X_test, y_train, y_test = cancer
    clf = MLPClassifier(
        (64,), categorical_features="from_dtype", numeric_scaling="robust", max_iter=100, random_state=0
    ).fit(X_train, y_train)
    block = clf.net_.module_.input_block
    # 6-level columns one-hot (width 7 each), 24-level columns embedded (width 8 each), 2 numeric columns
    assert block.embedding_dims == [0, 0, 8, 8]
    assert clf.coefs_[0].shape == (2 + 7 + 7 + 8 + 8, 64)
    assert clf.score(X_test, y_test) > 0.93


def test_threshold_and_embedding_width_are_honoured(cancer):
    X_train, _, y_train, _ = cancer
    params = {"categorical_features": "from_dtype", "max_iter": 2, "random_state": 0}
    all_onehot = MLPClassifier((8,), max_onehot_categories=24, **params).fit(X_train, y_train)
    assert all_onehot.net_.module_.input_block.embedding_dims == [0, 0, 0, 0]
    assert all_onehot.coefs_[0].shape[0] == 2 + 7 + 7 + 25 + 25
    all_embedded = MLPClassifier((8,), max_onehot_categories=0, categorical_embedding_dim=3, **params).fit(
        X_train, y_train
    )
    assert all_embedded.net_.module_.input_block.embedding_dims == [3, 3, 3, 3]
    assert all_embedded.coefs_[0].shape[0] == 2 + 4 * 3


def test_unseen_and_missing_categories_predict_without_error(cancer):
    X_train, X_test, y_train, _ = cancer
    X_train = X_train.copy()
    X_train.iloc[:10, 0] = None  # missing values seen in fit: a level of their own
    clf = MLPClassifier((16,), categorical_features="from_dtype", max_iter=20, random_state=0).fit(X_train, y_train)
    X_new = X_test.copy()
    X_new["worst radius"] = X_new["worst radius"].astype(object)
    X_new.iloc[:5, 0] = "never seen"
    X_new.iloc[5:10, 0] = np.nan
    X_new["worst area"] = X_new["worst area"].cat.add_categories(["new"])
    X_new.iloc[10:15, 2] = "new"
    X_new.iloc[15:20, 2] = None
    proba = clf.predict_proba(X_new)
    assert np.isfinite(proba).all() and proba.shape == (len(X_new), 2)

    codes = clf._tabular_encoder.transform(X_new)[:, clf._tabular_encoder.n_numeric :]
    assert (codes[:5, 0] == UNSEEN).all() and (codes[5:10, 0] == MISSING).all()
    assert (codes[10:15, 2] == UNSEEN).all() and (codes[15:20, 2] == MISSING).all()
    # an unseen level is an all-zero one-hot vector and a zero embedding, which training never moved
    block = clf.net_.module_.input_block
    x = torch.as_tensor(clf._tabular_encoder.transform(X_new[:15]), dtype=torch.float64)
    with torch.no_grad():
        out = block(x).numpy()
    assert (out[:5, 2 : 2 + 7] == 0).all() and (out[5:10, 2 : 2 + 7].sum(axis=1) == 1).all()
    assert out[5:10, 2].tolist() == [1.0] * 5  # the missing slot comes first
    table = block.embeddings["2"].weight.detach()
    assert torch.count_nonzero(table[UNSEEN]) == 0 and torch.count_nonzero(table[2:]) > 0
    np.testing.assert_array_equal(out[10:15, 2 + 7 + 7 : 2 + 7 + 7 + 8], 0.0)


def test_embeddings_take_the_autograd_step(cancer):
    X_train, _, y_train, _ = cancer
    clf = MLPClassifier((8,), categorical_features="from_dtype", max_iter=1, random_state=0).fit(X_train, y_train)
    clf.net_.module_.train()
    assert closed_form_step(clf.net_) is None
    plain = MLPClassifier((8,), max_iter=1, random_state=0).fit(X_train.iloc[:, 4:], y_train)
    plain.net_.module_.train()
    assert closed_form_step(plain.net_) is not None


def test_same_seed_same_model_and_global_rng_untouched(cancer):
    X_train, X_test, y_train, _ = cancer
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    params = {"categorical_features": "from_dtype", "max_onehot_categories": 4, "max_iter": 5, "random_state": 3}
    a = MLPClassifier((8,), numeric_embedding="periodic", **params).fit(X_train, y_train)
    assert torch.equal(torch.random.get_rng_state(), state)
    b = MLPClassifier((8,), numeric_embedding="periodic", **params).fit(X_train, y_train)
    np.testing.assert_array_equal(a.predict_proba(X_test), b.predict_proba(X_test))


def test_feature_names_checked_at_predict(cancer):
    X_train, X_test, y_train, _ = cancer
    clf = MLPClassifier((8,), categorical_features="from_dtype", max_iter=2, random_state=0).fit(X_train, y_train)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(X_test[X_test.columns[::-1]])
    with pytest.raises(ValueError, match="X has 3 features, but MLPClassifier is expecting 6"):
        clf.predict(X_test.to_numpy()[:, :3])


def test_pipeline_and_grid_search_on_a_dataframe(cancer):
    X_train, X_test, y_train, y_test = cancer
    pipe = make_pipeline(MLPClassifier((16,), categorical_features="from_dtype", max_iter=30, random_state=0))
    search = GridSearchCV(
        pipe, {"mlpclassifier__max_onehot_categories": [4, 30], "mlpclassifier__categorical_embedding_dim": [4]}, cv=2
    ).fit(X_train, y_train)
    assert search.best_estimator_.score(X_test, y_test) > 0.85
    assert list(search.best_estimator_[-1].feature_names_in_) == list(X_train.columns)


def test_warm_start_keeps_the_encoder(cancer):
    X_train, _, y_train, _ = cancer
    clf = MLPClassifier((8,), categorical_features="from_dtype", max_iter=2, warm_start=True, random_state=0)
    clf.fit(X_train, y_train)
    encoder = clf._tabular_encoder
    clf.fit(X_train.iloc[:50], y_train.iloc[:50])  # fewer levels in this batch: the fitted codes stay
    assert clf._tabular_encoder is encoder
    clf.set_params(warm_start=False, categorical_features=None)
    clf.fit(X_train.iloc[:, 4:], y_train)
    assert clf._tabular_encoder is None and clf.net_.module_.input_block is None


def test_regressor_with_categories():
    rng = np.random.RandomState(0)
    n = 400
    level = rng.randint(0, 20, n)
    effect = rng.normal(size=20)
    X = pd.DataFrame({"x": rng.normal(size=n), "g": pd.Categorical([f"g{i}" for i in level])})
    y = X["x"] + 2 * effect[level]
    reg = MLPRegressor(hidden_layer_sizes=(32,), categorical_features=["g"], max_iter=200, random_state=0).fit(X, y)
    assert reg.net_.module_.input_block.embedding_dims == [8]
    assert reg.score(X, y) > 0.95


def test_joblib_and_skops_round_trips(cancer, tmp_path):
    X_train, X_test, y_train, _ = cancer
    clf = MLPClassifier(
        (8,), categorical_features="from_dtype", numeric_scaling="robust", numeric_embedding="periodic",
        max_iter=3, random_state=0,
    ).fit(X_train, y_train)
    expected = clf.predict_proba(X_test)
    joblib.dump(clf, tmp_path / "clf.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "clf.joblib").predict_proba(X_test), expected)

    path = tmp_path / "clf.skops"
    sio.dump(make_pipeline(clf), path)
    untrusted = sio.get_untrusted_types(file=path)
    assert set(untrusted) == {"sknn_hp._classifier.MLPClassifier", "sknn_hp._categorical.TabularEncoder"}
    assert set(untrusted) <= set(SKOPS_TRUSTED_TYPES)
    restored = load_skops(path)
    np.testing.assert_array_equal(restored.predict_proba(X_test), expected)
    assert restored[-1]._tabular_encoder.categories == clf._tabular_encoder.categories


def test_float32_columns_give_a_float32_network(cancer):
    X_train, X_test, y_train, _ = cancer
    X32 = X_train.astype({"mean smoothness": np.float32, "mean symmetry": np.float32})
    clf = MLPClassifier((8,), categorical_features="from_dtype", max_iter=2, random_state=0).fit(X32, y_train)
    assert next(clf.net_.module_.parameters()).dtype == torch.float32
    assert clf.predict_proba(X_test).dtype == np.float32  # as for a float32 array
    mixed = MLPClassifier((8,), categorical_features="from_dtype", max_iter=2, random_state=0).fit(X_train, y_train)
    assert next(mixed.net_.module_.parameters()).dtype == torch.float64


def test_scaled_batch_size_grows_with_n():
    est = MLPClassifier(batch_size="scaled")
    assert [est._batch_size(n) for n in (150, 5000, 36_000, 200_000)] == [150, 200, 562, 1024]


def _expected_failures(est):
    if est.numeric_scaling is not None:
        # the medians and quartiles of the robust scaling are unweighted, as RobustScaler's
        return {"check_sample_weight_equivalence_on_dense_data": "robust scaling statistics ignore sample_weight"}
    return {}


@parametrize_with_checks(
    [
        MLPClassifier(categorical_features="from_dtype", numeric_scaling="robust"),
        MLPRegressor(categorical_features="from_dtype", numeric_embedding="periodic"),
    ],
    expected_failed_checks=_expected_failures,
)
def test_the_encoder_path_keeps_the_estimator_contract(estimator, check):
    check(estimator)
