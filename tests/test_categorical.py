"""categorical_features: column selection, one-hot and embeddings, unseen and missing levels, missing numeric
values, sample-weighted statistics, integration."""

import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.datasets import load_breast_cancer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

import sknn_hp._base
from sknn_hp import MLPClassifier, MLPRegressor
from sknn_hp._categorical import MISSING, UNSEEN
from sknn_hp._backprop import closed_form_step
from sknn_hp.persistence import SKOPS_TRUSTED_TYPES, load_skops
from sknn_hp.search import recommended

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


def test_sparse_input_is_densified_up_to_a_limit(monkeypatch):
    # A ColumnTransformer's one-hot output turns sparse when the block is wide: the encoder reads it
    # as the dense array, with the same fit.
    X = np.random.RandomState(0).normal(size=(20, 3))
    X[:, 0] = np.arange(20) % 4
    params = {"categorical_features": [0], "numeric_scaling": "robust", "max_iter": 5, "random_state": 0}
    dense = MLPClassifier(**params).fit(X, X[:, 1] > 0)
    sparse = MLPClassifier(**params).fit(sp.csr_matrix(X), X[:, 1] > 0)
    assert sparse._tabular_encoder.cardinalities == [4]
    np.testing.assert_array_equal(sparse.predict_proba(sp.csc_matrix(X)), dense.predict_proba(X))
    monkeypatch.setattr(sknn_hp._base, "DENSE_LIMIT", 59)
    with pytest.raises(ValueError, match=r"sparse matrix of shape \(20, 3\) would take .* Set both to None"):
        MLPClassifier(**params).fit(sp.csr_matrix(X), X[:, 1] > 0)


def test_numeric_nan_is_accepted():
    X = np.random.RandomState(0).normal(size=(20, 3))
    X[0, 1] = np.nan
    clf = MLPClassifier(categorical_features=[0], max_iter=1).fit(X, X[:, 2] > 0)
    assert clf._tabular_encoder.indicator_columns == [1] and np.isfinite(clf.predict_proba(X)).all()


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


# ------------------------------------------------------------------ missing numeric values
def _frame_with_missing_numbers(n=40, seed=0):
    """'a' misses 3 values (NaN, None in an object column would be the same), 'b' none, 'kind' is categorical."""
    rng = np.random.RandomState(seed)
    X = pd.DataFrame(
        {
            "a": rng.lognormal(size=n),
            "b": rng.normal(size=n),
            "kind": rng.choice(["p", "q", "r"], n).astype(object),
            "c": pd.array(rng.randint(0, 9, n), dtype="Int64"),  # nullable integers: pandas.NA
        }
    )
    X.loc[[1, 5, 6], "a"] = np.nan
    X.loc[[2, 3], "c"] = pd.NA
    return X


def test_numeric_nan_is_imputed_with_the_training_median_and_flagged():
    X = _frame_with_missing_numbers()
    y = (X["b"] > 0).astype(int)
    clf = MLPClassifier((8,), categorical_features="from_dtype", max_iter=2, random_state=0).fit(X, y)
    enc = clf._tabular_encoder
    # numeric columns a, b, c; one code (kind); indicators for a and c, the columns with NaN in fit
    assert enc.numeric_columns == [0, 1, 3] and enc.indicator_columns == [0, 3] and enc.n_encoded == 3 + 1 + 2
    a, c = X["a"].to_numpy(), X["c"].to_numpy(dtype=float, na_value=np.nan)
    np.testing.assert_array_equal(enc.fill_values, [np.nanmedian(a), np.median(X["b"]), np.nanmedian(c)])
    imputer = SimpleImputer(strategy="median", add_indicator=True).fit(X[["a", "b", "c"]].astype(float))
    np.testing.assert_array_equal(enc.fill_values, imputer.statistics_)  # scikit-learn's medians, exactly

    Xt = enc.transform(X)
    expected = imputer.transform(X[["a", "b", "c"]].astype(float))  # a, b, c imputed, then a's and c's indicators
    np.testing.assert_array_equal(Xt[:, :3], expected[:, :3])
    np.testing.assert_array_equal(Xt[:, 4:], expected[:, 3:])
    assert Xt[1, 0] == np.nanmedian(a) and Xt[[1, 5, 6], 4].tolist() == [1, 1, 1] and Xt[:, 4].sum() == 3
    assert Xt[2, 2] == np.nanmedian(c) and Xt[[2, 3], 5].tolist() == [1, 1] and Xt[:, 5].sum() == 2
    # the network reads them: the one-hot block (3 levels: width 4) plus one input per indicator
    assert clf.net_.module_.input_block.out_features == 3 + 4 + 2 == clf.coefs_[0].shape[0]

    # at predict: NaN anywhere is imputed; a column clean in fit (b) gets no indicator, as SimpleImputer's
    X_new = X.iloc[:4].copy()
    X_new["b"] = np.nan
    X_new["a"] = [np.nan, 1.0, np.nan, 2.0]
    Xt_new = enc.transform(X_new)
    assert Xt_new.shape == (4, 6)
    np.testing.assert_array_equal(Xt_new[:, 1], np.median(X["b"]))
    np.testing.assert_array_equal(Xt_new[:, 0], [np.nanmedian(a), 1.0, np.nanmedian(a), 2.0])
    assert Xt_new[:, 4].tolist() == [1, 0, 1, 0]
    assert np.isfinite(clf.predict_proba(X_new)).all()


def test_imputation_comes_before_robust_scaling_and_periodic_embeddings():
    X = _frame_with_missing_numbers()
    X["a"] = X["a"].astype(object)
    X.loc[7, "a"] = None  # None in an object column of numbers is missing too
    y = (X["b"] > 0).astype(int)
    clf = MLPClassifier(  # 'a' is an object column now: name the categorical one
        (8,), categorical_features=["kind"], numeric_scaling="robust", numeric_embedding="periodic",
        max_iter=2, random_state=0,
    ).fit(X, y)
    enc = clf._tabular_encoder
    # the scaling's statistics ignore the missing values, and the imputed median scales to exactly 0
    a = X["a"].to_numpy(dtype=float)
    assert enc.median[0] == np.nanmedian(a) and enc.fill_values[0] == enc.median[0]
    q25, q75 = np.nanquantile(a, [0.25, 0.75], method="averaged_inverted_cdf")
    np.testing.assert_allclose(enc.scale_factor[0], 1 / (q75 - q25), rtol=1e-12)
    Xt = enc.transform(X)
    assert np.isfinite(Xt).all() and (Xt[[1, 5, 6, 7], 0] == 0).all() and Xt[[1, 5, 6, 7], 4].tolist() == [1] * 4
    block = clf.net_.module_.input_block
    assert block.n_indicators == 2 and block.out_features == 3 * 16 + 4 + 2 == clf.coefs_[0].shape[0]
    with torch.no_grad():
        out = block(torch.as_tensor(Xt)).numpy()
    np.testing.assert_array_equal(out[:, -2:], Xt[:, -2:])  # the indicators pass through the input block
    assert np.isfinite(out).all() and np.isfinite(clf.predict_proba(X)).all()


def test_the_missing_indicator_carries_the_signal():
    rng = np.random.RandomState(0)
    n = 1200
    X = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n), "g": rng.choice(["u", "v"], n)})
    y = rng.rand(n) < 0.4
    X.loc[y, "x"] = np.nan  # the target is "x is missing"
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    params = {"hidden_layer_sizes": (16,), "max_iter": 60, "random_state": 0, "categorical_features": ["g"]}
    seeing = MLPClassifier(**params).fit(X_train, y_train)
    assert seeing._tabular_encoder.indicator_columns == [0]
    # the same model on the same imputed values without the indicator cannot tell a missing x from its median
    imputer = SimpleImputer(strategy="median").set_output(transform="pandas")
    imputed_train = X_train.assign(x=imputer.fit_transform(X_train[["x"]])["x"])
    imputed_test = X_test.assign(x=imputer.transform(X_test[["x"]])["x"])
    blind = MLPClassifier(**params).fit(imputed_train, y_train)
    assert blind._tabular_encoder.indicator_columns == []
    assert seeing.score(X_test, y_test) > 0.99
    assert blind.score(imputed_test, y_test) < 0.8


def test_infinity_raises_naming_the_column():
    X = _frame_with_missing_numbers()
    y = (X["b"] > 0).astype(int)
    X_inf = X.copy()
    X_inf.loc[4, "b"] = -np.inf
    with pytest.raises(ValueError, match=r"infinity in the numeric column 'b' \(position 1\)"):
        MLPClassifier(categorical_features="from_dtype", max_iter=1).fit(X_inf, y)
    clf = MLPClassifier(categorical_features="from_dtype", max_iter=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"infinity in the numeric column 'b'"):
        clf.predict(X_inf)
    A = X[["a", "b"]].to_numpy(copy=True)
    A[0, 1] = np.inf
    with pytest.raises(ValueError, match="infinity in the numeric column 1"):
        MLPRegressor(categorical_features=[], max_iter=1).fit(A, np.zeros(len(A)))


def test_the_plain_path_raises_on_nan_as_scikit_learn_does():
    X = _frame_with_missing_numbers()[["a", "b"]]
    y = (X["b"] > 0).astype(int)
    with pytest.raises(ValueError) as ours:
        MLPClassifier(max_iter=1).fit(X, y)
    with pytest.raises(ValueError) as theirs:
        SklearnMLPClassifier(max_iter=1).fit(X, y)
    assert str(ours.value) == str(theirs.value) and "Input X contains NaN" in str(ours.value)
    assert not MLPClassifier().__sklearn_tags__().input_tags.allow_nan
    assert MLPClassifier(categorical_features=[]).__sklearn_tags__().input_tags.allow_nan
    # numeric_scaling alone does not impute: the error names the column and the option that does
    with pytest.raises(ValueError, match=r"NaN in the numeric column 'a' \(position 0\)\. Set categorical_features"):
        MLPClassifier(numeric_scaling="robust", max_iter=1).fit(X, y)
    assert not MLPClassifier(numeric_scaling="robust").__sklearn_tags__().input_tags.allow_nan


def test_recommended_fits_and_predicts_a_dataframe_with_missing_values():
    X = _frame_with_missing_numbers(n=300)
    X.loc[10:14, "kind"] = None
    y = np.where(X["b"] + (X["kind"] == "p") > 0.3, "yes", "no")
    clf = recommended("classifier", random_state=0, max_iter=5).fit(X, y)
    assert clf._tabular_encoder.indicator_columns == [0, 3]
    X_new = X.iloc[:20].copy()
    X_new.loc[:4, "b"] = np.nan
    proba = clf.predict_proba(X_new)
    assert np.isfinite(proba).all() and set(clf.predict(X_new)) <= {"yes", "no"}
    reg = recommended("regressor", random_state=0, max_iter=5).fit(X, X["b"].to_numpy())
    assert np.isfinite(reg.predict(X_new)).all()


@pytest.mark.parametrize("params", [{"categorical_features": []}, {"categorical_features": "from_dtype",
                                    "numeric_scaling": "robust", "numeric_embedding": "periodic"}],
                         ids=["no-input-block", "input-block"])
def test_models_with_missing_indicators_round_trip(params, tmp_path):
    X = _frame_with_missing_numbers(n=80)
    if not params["categorical_features"]:
        X = X[["a", "b", "c"]]  # all numeric: the network reads the imputed columns and indicators directly
    y = (X["b"] > 0).astype(int)
    clf = MLPClassifier((8,), max_iter=3, random_state=0, **params).fit(X, y)
    assert (clf.net_.module_.input_block is None) == (not params["categorical_features"])
    assert clf._tabular_encoder.n_indicators == 2
    X_new = X.copy()
    X_new.loc[:9, "b"] = np.nan
    expected = clf.predict_proba(X_new)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).predict_proba(X_new), expected)
    joblib.dump(clf, tmp_path / "clf.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "clf.joblib").predict_proba(X_new), expected)
    sio.dump(clf, tmp_path / "clf.skops")
    restored = load_skops(tmp_path / "clf.skops")
    assert restored._tabular_encoder.indicator_columns == clf._tabular_encoder.indicator_columns
    np.testing.assert_array_equal(restored.predict_proba(X_new), expected)


def test_warm_start_and_partial_fit_keep_the_imputation():
    X = _frame_with_missing_numbers(n=120)
    y = (X["b"] > 0).astype(int)
    clf = MLPClassifier((8,), categorical_features="from_dtype", max_iter=2, warm_start=True, random_state=0)
    clf.fit(X, y)
    encoder, fill = clf._tabular_encoder, clf._tabular_encoder.fill_values.copy()
    later = X.iloc[:60].copy()
    later.loc[:20, "b"] = np.nan  # NaN in a column clean in the first fit: imputed, no new indicator
    clf.fit(later, y.iloc[:60])
    assert clf._tabular_encoder is encoder and encoder.indicator_columns == [0, 3]
    np.testing.assert_array_equal(encoder.fill_values, fill)

    inc = MLPClassifier((8,), categorical_features="from_dtype", random_state=0)
    inc.partial_fit(X.iloc[:60], y.iloc[:60], classes=[0, 1])
    before = inc.coefs_[0].copy()
    inc.partial_fit(later, y.iloc[:60])
    assert inc._tabular_encoder.n_encoded == 6 and not np.array_equal(inc.coefs_[0], before)
    assert np.isfinite(inc.predict_proba(later)).all()


# ------------------------------------------------------------------ sample-weighted statistics
def test_encoder_statistics_weight_rows_as_repetitions():
    rng = np.random.RandomState(0)
    n = 31
    X = pd.DataFrame({"a": rng.lognormal(size=n), "b": rng.randint(0, 5, n).astype(float),
                      "g": rng.choice(["u", "v"], n)})
    X.loc[[3, 8], "a"] = np.nan
    X.loc[11, "b"] = np.nan  # only in a row of weight 0 below: no indicator for b
    y = (rng.rand(n) > 0.5).astype(int)
    w = rng.randint(0, 4, n)
    w[[3, 8]], w[11] = 2, 0

    def fitted(X, y, sample_weight=None, **params):
        est = MLPClassifier((4,), categorical_features=["g"], max_iter=1, random_state=0, **params)
        return est.fit(X, y, sample_weight=sample_weight)._tabular_encoder

    for params in ({"numeric_scaling": "robust"}, {}):
        weighted = fitted(X, y, w, **params)
        repeated = fitted(X.loc[X.index.repeat(w)], np.repeat(y, w), **params)
        assert weighted.indicator_columns == repeated.indicator_columns == [0]
        np.testing.assert_array_equal(weighted.fill_values, repeated.fill_values)
        if params:
            np.testing.assert_array_equal(weighted.median, repeated.median)
            np.testing.assert_array_equal(weighted.scale_factor, repeated.scale_factor)
        # the weights do change the statistics: ignoring them would give the unweighted ones
        unweighted = fitted(X, y, **params)
        assert unweighted.indicator_columns == [0, 1]
        assert not np.array_equal(weighted.fill_values, unweighted.fill_values)
        if params:
            assert not np.array_equal(weighted.scale_factor, unweighted.scale_factor)
    # unit weights are no weights
    ones = fitted(X, y, np.ones(n), numeric_scaling="robust")
    none = fitted(X, y, numeric_scaling="robust")
    np.testing.assert_array_equal(ones.scale_factor, none.scale_factor)
    np.testing.assert_array_equal(ones.fill_values, none.fill_values)


@parametrize_with_checks(
    [
        MLPClassifier(categorical_features="from_dtype", numeric_scaling="robust"),
        MLPRegressor(categorical_features="from_dtype", numeric_embedding="periodic"),
    ]
)
def test_the_encoder_path_keeps_the_estimator_contract(estimator, check):
    check(estimator)
