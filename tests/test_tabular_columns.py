"""sknn_hp.tabular.TableColumns: what each column of a raw table becomes, in fit and at predict time."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from sknn_hp.tabular import KINDS, TableColumns


def _kinds(df, **params):
    return {d.name: d.kind for d in TableColumns(**params).fit(df).decisions_}


def test_each_column_kind_and_its_note():
    n = 40
    rng = np.random.RandomState(0)
    df = pd.DataFrame({
        "x": rng.normal(size=n),
        "code": rng.randint(1, 6, n),
        "rownum": np.arange(100, 100 + n),
        "flag": rng.rand(n) > 0.5,
        "yes_no": np.where(rng.rand(n) > 0.5, "yes", "no"),
        "num_text": np.where(np.arange(n) == 3, "?", rng.randint(0, 50, n).astype(str)).astype(object),
        "when": (pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.randint(0, 400, n), unit="D")).strftime("%Y-%m-%d"),
        "colour": rng.choice(["red", "green", "blue"], n),
        "city": [f"c{i}" for i in rng.randint(0, 12, n)],
        "rid": [f"id-{i}" for i in range(n)],
        "const": "same",
        "empty": np.nan,
    })
    columns = TableColumns().fit(df)
    assert {d.name: d.kind for d in columns.decisions_} == {
        "x": "numeric", "code": "numeric", "rownum": "id", "flag": "boolean", "yes_no": "boolean",
        "num_text": "numeric", "when": "date", "colour": "category", "city": "category", "rid": "id",
        "const": "constant", "empty": "empty",
    }
    report = "\n".join(columns.report())
    assert "column 'rid': 40 distinct values in 40 rows: treated as an ID and dropped" in report
    assert "column 'rownum': 40 distinct integers 100..139 in 40 rows: row numbers, dropped" in report
    assert "column 'const': one value ('same') in every row: dropped" in report
    assert "column 'empty': no value in any row: dropped" in report
    assert "column 'when': dates, expanded to year/month/day/weekday (numbers)" in report
    assert "column 'num_text': numbers written as text; 1 other value(s) ('?') read as missing" in report
    assert "column 'yes_no': true/false values: used as 0/1" in report
    assert "column 'city': 12 levels: categorical" in report
    assert "column 'x'" not in report and "column 'colour'" not in report  # plain columns: nothing to say

    out = columns.transform(df)
    assert list(out.columns) == ["x", "code", "flag", "yes_no", "num_text", "when_year", "when_month", "when_day",
                                 "when_weekday", "colour", "city"]
    assert list(out.columns) == list(columns.get_feature_names_out())
    assert out["colour"].dtype == object and out["city"].dtype == object
    assert all(out[c].dtype == float for c in out.columns if c not in ("colour", "city"))
    assert np.isnan(out.loc[3, "num_text"])
    assert set(out["yes_no"]) == {0.0, 1.0} and set(out["flag"]) == {0.0, 1.0}
    when = pd.to_datetime(df["when"])
    np.testing.assert_array_equal(out["when_month"], when.dt.month)
    np.testing.assert_array_equal(out["when_weekday"], when.dt.day_of_week)


def test_predict_time_dtypes_follow_the_fit_decisions():
    train = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "level": ["a", "7", "b", "7"], "flag": [True, False, True, True]})
    columns = TableColumns().fit(train)
    # pandas reads new rows with other dtypes: numbers as text, category codes as numbers (7.0 after a NaN),
    # booleans as text with a missing value
    new = pd.DataFrame({"x": ["5", "oops"], "level": [7.0, np.nan], "flag": ["False", None], "extra": [1, 2]})
    out = columns.transform(new)
    np.testing.assert_array_equal(out["x"], [5.0, np.nan])
    assert out["level"].tolist() == ["7", None]  # '7' is a level seen in fit, as text
    np.testing.assert_array_equal(out["flag"], [0.0, np.nan])
    with pytest.raises(ValueError, match=r"X lacks the column\(s\) \['level'\] seen in fit"):
        columns.transform(new.drop(columns="level"))


def test_given_kinds_override_inference_and_are_checked():
    df = pd.DataFrame({"zip": [75001, 75002, 75001, 13001] * 5, "x": np.arange(20.0) % 7})
    assert _kinds(df) == {"zip": "numeric", "x": "numeric"}
    columns = TableColumns(kinds={"zip": "category"}).fit(df)
    assert [d.kind for d in columns.decisions_] == ["category", "numeric"]
    assert columns.transform(df)["zip"].tolist()[:2] == ["75001", "75002"]
    assert "column 'zip': category (given)" in columns.report()
    with pytest.raises(ValueError, match=r"kinds must map columns to one of \['numeric', .*'nope'"):
        TableColumns(kinds={"zip": "nope"}).fit(df)
    with pytest.raises(ValueError, match=r"kinds names column\(s\) \['zap'\]"):
        TableColumns(kinds={"zap": "id"}).fit(df)
    assert clone(TableColumns(kinds={"zip": "id"})).kinds == {"zip": "id"}


def test_small_tables_keep_distinct_levels_and_a_table_with_nothing_usable_still_fits():
    few = pd.DataFrame({"name": [f"n{i}" for i in range(10)], "x": np.arange(10.0)})
    assert _kinds(few)["name"] == "category"  # below MIN_ID_ROWS, distinct levels are levels
    nothing = pd.DataFrame({"const": [1] * 30, "rid": [f"r{i}" for i in range(30)]})
    columns = TableColumns().fit(nothing)
    assert columns.transform(nothing).columns.tolist() == ["bias"]
    assert columns.report()[-1] == "no usable feature column: the model predicts the training distribution"


def test_a_constant_with_missing_values_is_kept():
    # "present or missing" is information: the estimator's missing indicator carries it
    df = pd.DataFrame({"c": [5.0, np.nan] * 15, "s": ["a", None] * 15})
    assert _kinds(df) == {"c": "numeric", "s": "category"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_rows=st.integers(1, 300),
    kind=st.sampled_from(["float", "int", "bool", "text", "date", "mixed"]),
    levels=st.integers(1, 100),
    missing=st.sampled_from([0.0, 0.1, 0.5, 1.0]),
    seed=st.integers(0, 2**16),
)
def test_any_column_transforms_to_what_the_estimator_reads(n_rows, kind, levels, missing, seed):
    rng = np.random.RandomState(seed)
    pool = {
        "float": rng.normal(0, 10 ** rng.uniform(-4, 6), levels),
        "int": rng.randint(-50, 50, levels),
        "bool": np.array([True, False])[: max(1, min(levels, 2))],
        "text": np.array([f"v{i}" for i in range(levels)], dtype=object),
        "date": (pd.Timestamp("2000-01-01") + pd.to_timedelta(rng.randint(0, 5000, levels), unit="D")).strftime(
            "%Y-%m-%d").to_numpy(dtype=object),
        "mixed": np.array([f"v{i}" if i % 2 else str(i) for i in range(levels)], dtype=object),
    }[kind]
    values = pd.Series(pool[rng.randint(0, len(pool), n_rows)])
    if missing:
        values = values.astype(object)
        values[rng.rand(n_rows) < missing] = None
    df = pd.DataFrame({"c": values})
    columns = TableColumns().fit(df)
    (decision,) = columns.decisions_
    assert decision.kind in KINDS
    out = columns.transform(df)
    assert len(out) == n_rows and list(out.columns) == list(columns.get_feature_names_out())
    for name in out.columns:
        column = out[name]
        if column.dtype == object:
            assert all(v is None or isinstance(v, str) for v in column)
        else:
            assert column.dtype == float and not np.isinf(column).any()
    # a row never seen, and a row of missing values, transform too
    new = pd.DataFrame({"c": pd.Series(["never-seen", None], dtype=object)})
    assert len(columns.transform(new)) == 2
