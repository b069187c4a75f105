"""sknn_hp.tabular from Python: task inference, the CSV pipeline, the search, outputs, saving and predicting."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.dummy import DummyClassifier
from sklearn.pipeline import Pipeline

import sknn_hp
from sknn_hp import tabular
from sknn_hp.tabular import TabularError

from _tabular_frames import clf_frame, reg_frame

sio = pytest.importorskip("skops.io")

# The smallest search: 2 candidates x 2 folds, 3 epochs, small architectures.
TINY = {"n_iter": 2, "cv": 2, "max_iter": 3, "size": "small", "random_state": 0}


@pytest.fixture(scope="module")
def clf_result():
    return tabular.tune(tabular.split_target(clf_frame(), "label"), **TINY)


@pytest.fixture(scope="module")
def reg_result():
    return tabular.tune(tabular.split_target(reg_frame(), "price"), **TINY)


# --------------------------------------------------------------------------- reading and splitting


@pytest.mark.parametrize(
    "values, task",
    [
        (["a", "b", "a"], "classification"),
        ([True, False, True], "classification"),
        ([0, 1, 2, 1], "classification"),
        ([0.0, 1.0, np.nan, 1.0], "classification"),  # whole-number floats (NaN made them float)
        (list(range(21)), "regression"),  # more than MAX_CLASSES distinct integers
        ([0.5, 1.2, 3.3], "regression"),
        (pd.Categorical(["lo", "hi", "lo"]), "classification"),
    ],
)
def test_infer_task(values, task):
    assert tabular.infer_task(pd.Series(values)) == task


def test_split_target_drops_missing_targets_and_makes_integer_labels():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0], "y": [0.0, 1.0, np.nan, 1.0, 0.0]})
    data = tabular.split_target(df, "y")
    assert data.task == "classification" and data.task_inferred and data.kind == "classifier"
    assert data.n_dropped == 1 and len(data.X) == 4 and list(data.X.columns) == ["x"]
    assert data.y.dtype == np.int64 and sorted(set(data.y)) == [0, 1]


def test_split_target_given_task():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [0, 1, 2, 1]})
    data = tabular.split_target(df, "y", task="regression")
    assert data.task == "regression" and not data.task_inferred and data.y.dtype == float


@pytest.mark.parametrize(
    "frame, task, message",
    [
        (pd.DataFrame({"a": [1, 2]}), "auto", "target column 'y' not found"),
        (pd.DataFrame({"a": [1, 2], "y": [np.nan, np.nan]}), "auto", "has no values"),
        (pd.DataFrame({"y": [1, 2]}), "auto", "no feature columns"),
        (pd.DataFrame({"a": [1, 2], "y": ["p", "q"]}), "regression", "not numeric"),
        (pd.DataFrame({"a": [1, 2], "y": ["p", "p"]}), "auto", "single class"),
    ],
)
def test_split_target_errors(frame, task, message):
    with pytest.raises(TabularError, match=message):
        tabular.split_target(frame, "y", task=task)


def test_read_csv_errors(tmp_path):
    with pytest.raises(TabularError, match="no such file"):
        tabular.read_csv(tmp_path / "none.csv")
    with pytest.raises(TabularError, match="is a directory"):
        tabular.read_csv(tmp_path)
    (tmp_path / "header.csv").write_text("a,b\n")
    with pytest.raises(TabularError, match="has no data rows"):
        tabular.read_csv(tmp_path / "header.csv")


# --------------------------------------------------------------------------- the pipeline


def test_build_pipeline_is_the_one_raw_table_route():
    # The table goes into the estimator as it is: no ColumnTransformer, no second target scaler.
    X = reg_frame().drop(columns="price")
    pipe, prefix = tabular.build_pipeline(X, "regression", max_iter=7, kinds={"city": "category"})
    assert isinstance(pipe, Pipeline) and prefix == "model__"
    assert [name for name, _ in pipe.steps] == ["columns", "model"]
    assert isinstance(pipe[0], tabular.TableColumns) and pipe[0].kinds == {"city": "category"}
    model = pipe[-1]
    assert isinstance(model, sknn_hp.MLPRegressor) and model.max_iter == 7
    assert model.standardize_target and model.categorical_features == "from_dtype"
    assert model.numeric_scaling == "robust"
    pipe, prefix = tabular.build_pipeline(X, "classification")
    assert prefix == "model__" and isinstance(pipe[-1], sknn_hp.MLPClassifier)
    assert pipe[-1].activation == "selu"  # recommended()'s
    with pytest.raises(ValueError, match="task must be"):
        tabular.build_pipeline(X, "ranking")


def test_pipeline_output_reaches_the_estimator_dense():
    # A one-numeric + one 10-level column frame: a ColumnTransformer's one-hot output turned sparse
    # here, and the estimator refused it ("All the 12 fits failed").
    rng = np.random.RandomState(0)
    df = pd.DataFrame({"x": rng.normal(1000, 300, 200), "c": np.array([f"L{i}" for i in range(10)])[rng.randint(0, 10, 200)]})
    y = df["c"].isin(["L1", "L3", "L5", "L7"]).to_numpy()
    pipe, _ = tabular.build_pipeline(df, "classification", random_state=0)
    pipe.fit(df, y)
    assert pipe[-1]._tabular_encoder.cardinalities == [10]  # the column reached the estimator as categories
    assert pipe.score(df, y) > 0.95


# --------------------------------------------------------------------------- the search


def test_tune_classification(clf_result):
    assert clf_result.metric == "accuracy" and clf_result.data.task == "classification"
    assert len(clf_result.search.cv_results_["params"]) == 2
    model = clf_result.model
    assert getattr(model, tabular.TARGET_ATTRIBUTE) == "label"
    pred = model.predict(clf_frame().drop(columns="label"))
    assert set(pred) <= {"cat", "dog", "fish"}


def test_tune_regression(reg_result):
    assert reg_result.metric == "R^2"
    model = reg_result.model[-1]
    assert isinstance(model, sknn_hp.MLPRegressor) and model.standardize_target  # standardized once, in the model
    assert np.isfinite(reg_result.model.predict(reg_frame())).all()
    assert [d.kind for d in reg_result.columns.decisions_] == ["numeric"] * 3 + ["category"]


def test_tune_gives_every_fold_the_whole_tables_column_kinds():
    # 'rid' is an ID on the whole table; the pipeline every fold fits is told so.
    df = clf_frame(60).assign(rid=[f"r{i}" for i in range(60)])
    result = tabular.tune(tabular.split_target(df, "label"), **TINY)
    kinds = result.search.best_estimator_[0].kinds
    assert kinds["rid"] == "id" and kinds["color"] == "category" and kinds["flag"] == "boolean"
    assert "rid" not in result.model[0].get_feature_names_out()


def test_tune_unknown_scorer():
    with pytest.raises(TabularError, match="unknown scorer 'nope'"):
        tabular.tune(tabular.split_target(clf_frame(), "label"), scoring="nope", **TINY)


def test_run_search_reports_progress():
    data = tabular.split_target(clf_frame(60), "label")
    pipe, prefix = tabular.build_pipeline(data.X, data.task, max_iter=2, random_state=0)
    seen = []
    search = tabular.run_search(pipe, {prefix + "alpha": [1e-4, 1e-3]}, data.X, data.y, n_iter=2, cv=2,
                                random_state=0, progress=lambda *args: seen.append(args))
    assert [s[:2] for s in seen] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert all(0.0 <= s[2] <= 1.0 for s in seen)
    assert hasattr(search, "best_estimator_")


def test_leaderboard_table(clf_result):
    table = clf_result.leaderboard()
    assert list(table["rank"]) == [1, 2]
    assert list(table.columns[:3]) == ["rank", "mean_score", "std"]
    assert {"hidden_layer_sizes", "activation", "alpha"} <= set(table.columns)
    assert table["mean_score"].is_monotonic_decreasing


def _threads_scorer(estimator, X, y):
    return float(torch.get_num_threads())


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_threads_limit_the_fits_in_every_process(n_jobs):
    # The scorer runs where the fit ran (this process, or a worker): it reports torch's threads there.
    data = tabular.split_target(clf_frame(40), "label")
    before = torch.get_num_threads()
    search = tabular.run_search(DummyClassifier(), {"strategy": ["prior", "uniform"]}, data.X, data.y, n_iter=2,
                                cv=2, random_state=0, n_jobs=n_jobs, threads=2, scoring=_threads_scorer)
    assert set(search.cv_results_["mean_test_score"]) == {2.0}
    search = tabular.run_search(DummyClassifier(), {"strategy": ["prior", "uniform"]}, data.X, data.y, n_iter=2,
                                cv=2, random_state=0, n_jobs=n_jobs, threads=1, scoring=_threads_scorer)
    assert set(search.cv_results_["mean_test_score"]) == {1.0}
    assert torch.get_num_threads() == before  # restored


def test_limit_threads_rejects_zero():
    with pytest.raises(ValueError, match="threads must be >= 1"):
        with tabular.limit_threads(0):
            pass


# --------------------------------------------------------------------------- outputs, saving, loading


def test_save_outputs_and_skops_round_trip(clf_result, tmp_path):
    paths = tabular.save_outputs(clf_result.search, tmp_path / "out", metric="accuracy")
    assert paths["model"].endswith("model.skops")
    assert len(pd.read_csv(paths["cv_results"])) == 2
    if "leaderboard" in paths:  # matplotlib installed
        assert open(paths["leaderboard"], "rb").read(4) == b"\x89PNG"
        assert open(paths["learning_curves"], "rb").read(4) == b"\x89PNG"
    model, warnings_seen = tabular.load_model(paths["model"])
    assert warnings_seen == []
    df = clf_frame()
    np.testing.assert_array_equal(model.predict(df), clf_result.model.predict(df))
    assert getattr(model, tabular.TARGET_ATTRIBUTE) == "label"


def test_trusted_types_cover_the_files_tune_writes(clf_result, reg_result, tmp_path):
    for name, result in (("clf", clf_result), ("reg", reg_result)):
        path = tabular.save_model(result.model, tmp_path / f"{name}.skops")
        untrusted = set(sio.get_untrusted_types(file=path))
        assert untrusted <= set(tabular.SKOPS_TRUSTED_TYPES), untrusted - set(tabular.SKOPS_TRUSTED_TYPES)
        assert any(t.startswith("sknn_hp.") for t in untrusted)


def test_load_model_refuses_untrusted_types(tmp_path):
    path = tmp_path / "m.skops"
    sio.dump(Pipeline([("m", DummyClassifier())]).fit([[0], [1]], [0, 1]), path)
    model, _ = tabular.load_model(path)  # scikit-learn types only: trusted by skops
    assert model.predict([[0]]).shape == (1,)
    sio.dump({"fn": np.random.RandomState}, path)
    with pytest.raises(TabularError, match="not trusted"):
        tabular.load_model(path)


def test_joblib_format(reg_result, tmp_path):
    path = tabular.save_model(reg_result.model, tmp_path / "m.joblib")
    model, _ = tabular.load_model(path)
    np.testing.assert_allclose(model.predict(reg_frame()), reg_result.model.predict(reg_frame()))


# --------------------------------------------------------------------------- prediction


def test_model_input_target_column_is_named_and_left_out(clf_result):
    X, notes = tabular.model_input(clf_result.model, clf_frame())
    assert "label" not in X.columns
    assert notes == ["the data holds the target column 'label' (what the model predicts): it is not used"]


def test_model_input_unknown_and_missing_columns(clf_result):
    df = clf_frame().drop(columns="label").assign(extra=1.0)
    _, notes = tabular.model_input(clf_result.model, df)
    assert notes == ["column(s) the model does not know are not used: 'extra'"]
    with pytest.raises(TabularError, match="lacks feature column\\(s\\) the model was trained on: 'b'"):
        tabular.model_input(clf_result.model, df.drop(columns="b"))


def test_model_input_without_feature_names_names_the_target():
    model = DummyClassifier().fit(np.zeros((4, 2)), [0, 1, 0, 1])
    setattr(model, tabular.TARGET_ATTRIBUTE, "y")
    df = pd.DataFrame({"a": [1.0], "b": [2.0], "y": [0]})
    with pytest.raises(TabularError, match="expects 2 feature columns, the data has 3 .*target column 'y'"):
        tabular.model_input(model, df)
    X, notes = tabular.model_input(model, df.drop(columns="y"))
    assert X.shape == (1, 2) and notes == []


def test_predict_frame(clf_result, reg_result):
    out = tabular.predict_frame(clf_result.model, clf_frame(7), proba=True)
    assert list(out.columns) == ["prediction", "proba_cat", "proba_dog", "proba_fish"] and len(out) == 7
    np.testing.assert_allclose(out.iloc[:, 1:].sum(axis=1), 1.0, rtol=1e-6)
    with pytest.raises(TabularError, match="no predict_proba"):
        tabular.predict_frame(reg_result.model, reg_frame(), proba=True)


def test_search_stopping_turns_early_stopping_off_on_tiny_tables():
    # 20 rows, 2 folds: 10% of a 10-row fold is 1 row, fewer than the 2 classes a stratified hold-out needs
    params, note = tabular.search_stopping(20, 2, n_classes=2)
    assert params == {"early_stopping": False}
    assert note == ("small table: 10% of a 10-row training fold is 1 row(s), too few to stop on; every candidate "
                    "trains max_iter epochs")
    assert tabular.search_stopping(400, 3, n_classes=2) == ({"early_stopping": True, "validation_fraction": 0.1}, "")
    assert tabular.search_stopping(70, 2)[0] == {"early_stopping": False}  # 4 rows < 5, a regression
    assert tabular.search_stopping(200, 5, n_classes=17)[0] == {"early_stopping": False}  # 16 rows < 17 classes
