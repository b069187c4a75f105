"""The ``sknn-hp`` command line end to end: tune, predict, demo, errors (``main`` called in-process).

The steps themselves are tested from Python in tests/test_tabular.py; here, what a user types and sees.
"""

import os
import subprocess
import sys
from pathlib import Path

import argparse

import joblib
import numpy as np
import pandas as pd
import pytest

import sknn_hp
from sknn_hp import tabular
from sknn_hp.cli import _build_parser, infer_task, main

from _tabular_frames import clf_frame as _clf_frame, reg_frame as _reg_frame

REPO = Path(__file__).resolve().parents[1]
# The smallest search: 2 candidates x 2 folds, 3 epochs, small architectures.
TINY = ["--n-iter", "2", "--cv", "2", "--max-iter", "3", "--size", "small"]


def _one_error_line(capsys):
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("sknn-hp: error:"), err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture(scope="module")
def clf_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli_clf")
    data = tmp / "train.csv"
    _clf_frame().to_csv(data, index=False)
    out = tmp / "out"
    rc = main(["tune", str(data), "--target", "label", "--out", str(out), *TINY])
    return rc, data, out


@pytest.fixture(scope="module")
def reg_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli_reg")
    data = tmp / "train.csv"
    _reg_frame().to_csv(data, index=False)
    out = tmp / "out"
    rc = main(["tune", str(data), "--target", "price", "--out", str(out), *TINY])
    return rc, data, out


# --------------------------------------------------------------------------- task inference


@pytest.mark.parametrize(
    "values, task",
    [
        (["a", "b", "a"], "classification"),
        ([True, False, True], "classification"),
        ([0, 1, 2, 1], "classification"),
        ([0.0, 1.0, np.nan, 1.0], "classification"),  # whole-number floats (NaN made them float)
        (list(range(21)), "regression"),  # more than 20 distinct integers
        ([0.5, 1.2, 3.3], "regression"),
        (pd.Categorical(["lo", "hi", "lo"]), "classification"),
    ],
)
def test_infer_task(values, task):
    assert infer_task(pd.Series(values)) == task


# --------------------------------------------------------------------------- tune and predict


def test_tune_classification(clf_run, capsys):
    rc, data, out = clf_run
    assert rc == 0
    assert (out / "model.skops").is_file()  # skops by default
    results = pd.read_csv(out / "cv_results.csv")
    assert len(results) == 2 and "mean_test_score" in results
    if _has_matplotlib():
        assert (out / "learning_curves.png").stat().st_size > 0
        assert (out / "leaderboard.png").stat().st_size > 0
    model, _ = tabular.load_model(out / "model.skops")
    df = _clf_frame()
    pred = model.predict(df.drop(columns="label"))
    assert set(pred) <= {"cat", "dog", "fish"} and len(pred) == len(df)


def test_tune_prints_task_leaderboard_and_best(tmp_path, capsys):
    data = tmp_path / "train.csv"
    df = _clf_frame(60)
    df["label"] = (df["a"] > 0).astype(int)  # integer labels: classification
    df.to_csv(data, index=False)
    rc = main(["tune", str(data), "--target", "label", "--out", str(tmp_path / "o"), *TINY])
    out = capsys.readouterr().out
    assert rc == 0
    assert "task: classification (inferred" in out
    assert "] 1/4 fits" in out and "] 4/4 fits" in out and "best " in out  # the progress display
    assert "leaderboard" in out and "mean_score" in out
    assert "best CV accuracy" in out and "hidden_layer_sizes =" in out


def test_tune_regression(reg_run):
    rc, data, out = reg_run
    assert rc == 0
    model, _ = tabular.load_model(out / "model.skops")
    assert not hasattr(model, "predict_proba")
    final = model[-1]
    assert isinstance(getattr(final, "regressor", final), sknn_hp.MLPRegressor)
    pred = model.predict(pd.read_csv(data).drop(columns="price"))
    assert pred.shape == (80,) and np.all(np.isfinite(pred))


def test_predict_proba_to_file(clf_run, tmp_path, capsys):
    _, data, out = clf_run
    pred_path = tmp_path / "pred.csv"
    rc = main(["predict", str(out / "model.skops"), str(data), "--out", str(pred_path), "--proba"])
    assert rc == 0
    pred = pd.read_csv(pred_path)
    assert len(pred) == 90
    assert list(pred.columns) == ["prediction", "proba_cat", "proba_dog", "proba_fish"]
    np.testing.assert_allclose(pred[["proba_cat", "proba_dog", "proba_fish"]].sum(axis=1), 1.0, rtol=1e-6)


def test_predict_to_stdout_regression(reg_run, tmp_path, capsys):
    _, _, out = reg_run
    new = tmp_path / "new.csv"
    _reg_frame(7).drop(columns="price")[["city", "w", "v", "u"]].to_csv(new, index=False)  # any column order
    capsys.readouterr()
    assert main(["predict", str(out / "model.skops"), str(new)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "prediction" and len(lines) == 8
    assert all(np.isfinite(float(v)) for v in lines[1:])


def test_predict_proba_on_regressor_is_an_error(reg_run, capsys):
    _, data, out = reg_run
    capsys.readouterr()
    assert main(["predict", str(out / "model.skops"), str(data), "--proba"]) == 2
    assert "predict_proba" in _one_error_line(capsys)


def test_predict_unknown_columns_is_an_error(reg_run, tmp_path, capsys):
    _, _, out = reg_run
    other = tmp_path / "other.csv"
    pd.DataFrame({"p": [1.0, 2.0], "q": [3.0, 4.0]}).to_csv(other, index=False)
    capsys.readouterr()
    assert main(["predict", str(out / "model.skops"), str(other)]) == 2
    line = _one_error_line(capsys)
    assert "lacks feature column(s) the model was trained on: 'u'" in line and "'p'" in line


def test_predict_with_the_target_column_says_so(clf_run, tmp_path, capsys):
    _, data, out = clf_run  # train.csv still holds 'label'
    capsys.readouterr()
    assert main(["predict", str(out / "model.skops"), str(data)]) == 0
    captured = capsys.readouterr()
    assert "sknn-hp: note:" in captured.err and "holds the target column 'label'" in captured.err
    assert "not used" in captured.err
    assert len(captured.out.strip().splitlines()) == 91  # header + 90 predictions


def test_predict_lacking_a_feature_column_is_an_error(clf_run, tmp_path, capsys):
    _, _, out = clf_run
    data = tmp_path / "new.csv"
    _clf_frame(10).drop(columns=["label", "color"]).to_csv(data, index=False)
    capsys.readouterr()
    assert main(["predict", str(out / "model.skops"), str(data)]) == 2
    line = _one_error_line(capsys)
    assert "lacks feature column(s) the model was trained on: 'color'" in line


def test_tune_joblib_format_and_predict(tmp_path, capsys):
    data = tmp_path / "train.csv"
    _reg_frame(40).to_csv(data, index=False)
    out = tmp_path / "o"
    assert main(["tune", str(data), "--target", "price", "--out", str(out), "--model-format", "joblib", *TINY]) == 0
    assert hasattr(joblib.load(out / "model.joblib"), "predict")
    capsys.readouterr()
    assert main(["predict", str(out / "model.joblib"), str(data)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "prediction"


def test_demo_and_tune_default_to_one_thread():
    parser = _build_parser()
    assert parser.parse_args(["tune", "d.csv", "--target", "y"]).threads == 1
    assert parser.parse_args(["tune", "d.csv", "--target", "y", "--threads", "2"]).threads == 2
    assert parser.parse_args(["demo"]).threads == 1


def test_threads_and_parallel_jobs(tmp_path, capsys):
    data = tmp_path / "train.csv"
    _clf_frame(60).to_csv(data, index=False)
    args = ["tune", str(data), "--target", "label", "--out", str(tmp_path / "o"), *TINY, "--n-jobs", "2"]
    assert main([*args, "--threads", "1"]) == 0
    assert "2 parallel jobs" in capsys.readouterr().out


def _has_matplotlib():
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


# --------------------------------------------------------------------------- demo


def test_demo_small(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--n-iter", "2", "--cv", "2", "--max-iter", "2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "leaderboard" in text and "] 4/4 fits" in text
    table = text[text.index("held-out test, the same 450 images for all three:"):]
    for name in ("sklearn MLPClassifier (default)", "HistGradientBoostingClassifier", "sknn_hp (search from"):
        assert name in table
    assert f"wrote {out / 'model.skops'}" in text and f"wrote {out / 'cv_results.csv'}" in text
    assert len(pd.read_csv(out / "cv_results.csv")) == 2
    if _has_matplotlib():
        assert f"wrote {out / 'leaderboard.png'}" in text and (out / "learning_curves.png").stat().st_size > 0
    model, _ = tabular.load_model(out / "model.skops")
    assert model.predict(np.zeros((2, 64))).shape == (2,)


# --------------------------------------------------------------------------- errors


def test_missing_data_file(tmp_path, capsys):
    assert main(["tune", str(tmp_path / "nope.csv"), "--target", "y"]) == 2
    assert "no such file" in _one_error_line(capsys)


def test_missing_target_column(tmp_path, capsys):
    data = tmp_path / "d.csv"
    pd.DataFrame({"a": [1, 2, 3], "b": [4, 5, 6]}).to_csv(data, index=False)
    assert main(["tune", str(data), "--target", "y", *TINY, "--out", str(tmp_path / "o")]) == 2
    line = _one_error_line(capsys)
    assert "'y'" in line and "not found" in line
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "content",
    [b"a,b\n1,2\n3,4,5,6\n", bytes(range(256)) * 8, b""],
    ids=["ragged", "binary", "empty"],
)
def test_garbage_csv(tmp_path, capsys, content):
    data = tmp_path / "garbage.csv"
    data.write_bytes(content)
    assert main(["tune", str(data), "--target", "y"]) == 2
    assert "cannot parse" in _one_error_line(capsys)


def test_bad_model_file(tmp_path, capsys):
    model = tmp_path / "model.joblib"
    model.write_text("this is not a model\n")
    data = tmp_path / "d.csv"
    pd.DataFrame({"a": [1.0]}).to_csv(data, index=False)
    assert main(["predict", str(model), str(data)]) == 2
    assert "cannot load a model" in _one_error_line(capsys)


def test_model_file_without_predict(tmp_path, capsys):
    model = tmp_path / "model.joblib"
    joblib.dump({"not": "a model"}, model)
    data = tmp_path / "d.csv"
    pd.DataFrame({"a": [1.0]}).to_csv(data, index=False)
    assert main(["predict", str(model), str(data)]) == 2
    assert "not a model" in _one_error_line(capsys)


def test_missing_model_file(tmp_path, capsys):
    assert main(["predict", str(tmp_path / "none.joblib"), str(tmp_path / "d.csv")]) == 2
    assert "no such file" in _one_error_line(capsys)


def test_regression_on_string_target_is_an_error(tmp_path, capsys):
    data = tmp_path / "d.csv"
    pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "y": ["p", "q", "p", "q"]}).to_csv(data, index=False)
    assert main(["tune", str(data), "--target", "y", "--task", "regression"]) == 2
    assert "not numeric" in _one_error_line(capsys)


def test_usage_errors_return_2(capsys):
    assert main([]) == 2
    assert main(["tune", "x.csv"]) == 2  # --target is required
    assert main(["tune", "x.csv", "--target", "y", "--cv", "1"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "sknn-hp" in err


def test_bad_skops_file(tmp_path, capsys):
    model = tmp_path / "model.skops"
    model.write_bytes(b"not a zip file")
    data = tmp_path / "d.csv"
    pd.DataFrame({"a": [1.0]}).to_csv(data, index=False)
    assert main(["predict", str(model), str(data)]) == 2
    assert "cannot load a model" in _one_error_line(capsys)


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback(tmp_path, capsys, where):
    args = ["tune", str(tmp_path / "nope.csv"), "--target", "y"]
    argv = ["--debug", *args] if where == "before" else [*args, "--debug"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "TabularError" in err
    assert err.strip().splitlines()[-1] == f"sknn-hp: error: no such file: {tmp_path / 'nope.csv'}"


def test_parser_has_no_hidden_options():
    # Every option of every command is in its --help: no test-only flags in the production parser.
    parser = _build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in [("sknn-hp", parser), *commands.choices.items()]:
        hidden = [a.option_strings for a in sub._actions if a.help == argparse.SUPPRESS]
        assert hidden == [], (name, hidden)


# --------------------------------------------------------------------------- version


def test_version_in_process(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"sknn-hp {sknn_hp.__version__}"


def test_python_m_version():
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-m", "sknn_hp", "--version"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"sknn-hp {sknn_hp.__version__}"
