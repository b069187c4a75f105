"""``sknn-hp tune`` then ``predict`` on ordinary CSV files, as users bring them.

The ten shapes of the front-door report (tests/_csv_shapes.py), six of which failed with "All the 12
fits failed" when the CLI one-hot encoded in a ColumnTransformer whose output turned sparse; then a
property-based test drawing CSV schemas (column kinds, levels, missing fractions, sizes).
Searches are the smallest that run every step (1-2 candidates x 2 folds, a few epochs).
"""

import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sknn_hp.cli import main
from sknn_hp.tabular import infer_task

from _csv_shapes import SHAPES, new_rows

SMALL = ["--quick", "--n-iter", "2", "--cv", "2", "--max-iter", "5"]

# What tune says about each shape's non-trivial columns.
SAID = {
    "constant_and_id": ["column 'rid': 400 distinct values in 400 rows: treated as an ID and dropped",
                        "column 'const': one value ('same') in every row: dropped"],
    "date_strings": ["column 'when': dates, expanded to year/month/day/weekday (numbers)"],
    "strings_only": ["column 'c': 60 levels: categorical", "column 'b': 12 levels: categorical"],
    "missing_everywhere": ["missing values in 'x' (", "column 'c': 25 levels: categorical"],
    "booleans_with_missing": ["missing values in 'flag' ("],
}


def _tune_and_predict(tmp_path, df, new, extra=()):
    data, rows, out, pred = (tmp_path / n for n in ("data.csv", "new.csv", "out", "pred.csv"))
    df.to_csv(data, index=False)
    new.to_csv(rows, index=False)
    rc = main(["tune", str(data), "--target", "target", "--out", str(out), "--threads", "1", *extra])
    assert rc == 0
    classification = infer_task(df["target"]) == "classification"
    args = ["predict", str(out / "model.skops"), str(rows), "--out", str(pred)]
    assert main(args + (["--proba"] if classification else [])) == 0
    predictions = pd.read_csv(pred)
    assert len(predictions) == len(new)
    if classification:
        proba = predictions.filter(like="proba_").to_numpy()
        assert proba.shape[1] == df["target"].nunique()
        assert ((proba >= 0) & (proba <= 1)).all()
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
        labels = {str(v) for v in df["target"].unique()}
        assert {str(v) for v in predictions["prediction"]} <= labels
    else:
        assert np.isfinite(predictions["prediction"]).all()
    return predictions


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_ten_csv_shapes_tune_then_predict(shape, tmp_path, capsys):
    rng = np.random.RandomState(0)
    df = SHAPES[shape](400, rng)
    _tune_and_predict(tmp_path, df, new_rows(df, rng), SMALL)
    out = capsys.readouterr().out
    for line in SAID.get(shape, []):
        assert line in out, out


def test_predict_names_a_missing_column(tmp_path, capsys):
    rng = np.random.RandomState(0)
    df = SHAPES["one_numeric_one_string"](100, rng)
    _tune_and_predict(tmp_path, df, new_rows(df, rng), SMALL)
    capsys.readouterr()
    new_rows(df, rng).drop(columns="c").to_csv(tmp_path / "lacking.csv", index=False)
    assert main(["predict", str(tmp_path / "out" / "model.skops"), str(tmp_path / "lacking.csv")]) == 2
    assert "the data lacks feature column(s) the model was trained on: 'c'" in capsys.readouterr().err


# --------------------------------------------------------------------------- property-based

_COLUMN_KINDS = ("numeric", "integer_codes", "boolean", "string", "date", "constant", "id")


@st.composite
def _tables(draw):
    n = draw(st.integers(20, 2000))
    seed = draw(st.integers(0, 2**16))
    kinds = draw(st.lists(st.sampled_from(_COLUMN_KINDS), min_size=1, max_size=5))
    levels = draw(st.lists(st.integers(1, 100), min_size=len(kinds), max_size=len(kinds)))
    missing = draw(st.lists(st.sampled_from([0.0, 0.05, 0.3]), min_size=len(kinds), max_size=len(kinds)))
    task = draw(st.sampled_from(["binary", "multiclass", "regression"]))
    rng = np.random.RandomState(seed)
    columns, score = {}, rng.normal(0, 1, n)
    for j, (kind, k, frac) in enumerate(zip(kinds, levels, missing)):
        if kind == "numeric":
            values = rng.normal(0, 1, n) * 10 ** rng.uniform(-3, 6)
            score += values / (values.std() + 1e-12)
        elif kind == "integer_codes":
            values = rng.randint(0, k, n)
            score += values
        elif kind == "boolean":
            values = rng.rand(n) > 0.5
            score += values
        elif kind == "string":
            codes = rng.randint(0, k, n)
            values = np.array([f"s{i}" for i in range(k)], dtype=object)[codes]
            score += codes % 2
        elif kind == "date":
            values = (pd.Timestamp("2015-06-01") + pd.to_timedelta(rng.randint(0, 2000, n), unit="D")).strftime(
                "%Y-%m-%d").to_numpy(dtype=object)
        elif kind == "constant":
            values = np.array(["same"] * n, dtype=object)
        else:  # id
            values = np.array([f"id{i}" for i in rng.permutation(n)], dtype=object)
        values = pd.Series(values)
        if frac and kind not in ("constant", "id"):
            values = values.astype(object)
            values[rng.rand(n) < frac] = None
        columns[f"{kind}_{j}"] = values
    if task == "regression":
        target = score + rng.normal(0, 0.1, n)
    else:
        edges = np.quantile(score, [0.5] if task == "binary" else [1 / 3, 2 / 3])
        target = np.array(["a", "b", "c"], dtype=object)[np.searchsorted(edges, score)]
    df = pd.DataFrame(columns).assign(target=target)
    return df, kinds, rng


# CI draws the same few tables each run (derandomize); SKNN_HP_TABLE_EXAMPLES=200 explores further.
_EXAMPLES = int(os.environ.get("SKNN_HP_TABLE_EXAMPLES", "6"))


@settings(max_examples=_EXAMPLES, deadline=None, derandomize=_EXAMPLES <= 6,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(table=_tables())
def test_any_drawn_table_tunes_and_predicts(table, tmp_path_factory, capsys):
    df, kinds, rng = table
    tmp = tmp_path_factory.mktemp("drawn")
    new = new_rows(df, rng, n=12)
    _tune_and_predict(tmp, df, new, ["--n-iter", "1", "--cv", "2", "--max-iter", "2", "--size", "small"])
    said = capsys.readouterr().out
    for j, kind in enumerate(kinds):
        name = f"{kind}_{j}"
        if kind == "id":
            assert f"column {name!r}: {len(df)} distinct values in {len(df)} rows: treated as an ID" in said
        elif kind == "constant":
            assert f"column {name!r}: one value ('same') in every row: dropped" in said
        elif kind == "date":
            assert f"column {name!r}: dates, expanded to" in said
