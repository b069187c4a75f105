"""The ten ordinary CSV shapes of the front-door report (400 rows each), and rows to predict on.

Each shape is a function ``(n_rows, rng) -> DataFrame`` with a ``target`` column; ``new_rows``
makes rows with levels never seen in training and missing values, as users send them to
``sknn-hp predict``.
"""

import numpy as np
import pandas as pd


def _levels(rng, n, k, prefix="L"):
    return np.array([f"{prefix}{i}" for i in range(k)])[rng.randint(0, k, size=n)]


def _with_missing(values, rng, fraction):
    values = pd.Series(values).astype(object)
    values[rng.rand(len(values)) < fraction] = None
    return values


def one_numeric_one_string(n, rng):
    x = rng.normal(1000, 300, n)
    c = _levels(rng, n, 10)
    return pd.DataFrame({"x": x, "c": c, "target": (x > 1000) ^ np.isin(c, ["L1", "L3", "L5"])})


def strings_only(n, rng):
    a, b, c = _levels(rng, n, 3, "a"), _levels(rng, n, 12, "b"), _levels(rng, n, 60, "c")
    return pd.DataFrame({"a": a, "b": b, "c": c, "target": np.where(np.isin(a, ["a0"]) | np.isin(b, ["b1", "b2"]),
                                                                   "yes", "no")})


def missing_everywhere(n, rng):
    x = rng.lognormal(3, 1, n)
    c = _levels(rng, n, 25)
    y = 0.01 * x + (c == "L0") * 3 + rng.normal(0, 0.5, n)
    return pd.DataFrame({"x": _with_missing(x, rng, 0.15).astype(float), "c": _with_missing(c, rng, 0.1),
                         "z": rng.uniform(-1e-3, 1e-3, n), "target": y})


def constant_and_id(n, rng):
    x = rng.normal(size=n)
    return pd.DataFrame({"rid": [f"row-{i:05d}" for i in rng.permutation(n)], "const": "same", "x": x,
                         "target": (x + rng.normal(0, 0.3, n) > 0).astype(int)})


def date_strings(n, rng):
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.randint(0, 900, n), unit="D")
    x = rng.normal(size=n)
    return pd.DataFrame({"when": days.strftime("%Y-%m-%d"), "x": x,
                         "target": x + (days.month.to_numpy() > 6) + rng.normal(0, 0.1, n)})


def codes_and_levels(n, rng):
    code = rng.randint(1, 6, n)
    c = _levels(rng, n, 15)
    return pd.DataFrame({"code": code, "c": _with_missing(c, rng, 0.2),
                         "target": np.where((code > 2) ^ np.isin(c, ["L2", "L4"]), "p", "q")})


def numbers_on_odd_scales(n, rng):
    big, tiny = rng.normal(1e6, 2e5, n), rng.normal(0, 1e-4, n)
    return pd.DataFrame({"big": big, "tiny": tiny, "target": big / 1e6 + tiny * 1e4 + rng.normal(0, 0.1, n)})


def booleans(n, rng):
    flag = rng.rand(n) > 0.5
    x = rng.normal(size=n)
    return pd.DataFrame({"flag": flag, "x": x, "target": np.where(flag ^ (x > 0), "on", "off")})


def booleans_with_missing(n, rng):
    flag = _with_missing(rng.rand(n) > 0.5, rng, 0.1)
    x = rng.normal(size=n)
    return pd.DataFrame({"flag": flag, "x": x, "target": x + rng.normal(0, 0.1, n)})


def multiclass_mixed(n, rng):
    x = rng.normal(size=(n, 2))
    c = _levels(rng, n, 5)
    return pd.DataFrame({"x0": x[:, 0], "x1": x[:, 1], "c": c,
                         "target": np.array(["red", "green", "blue"])[(x[:, 0] > 0).astype(int) + (c == "L1")]})


SHAPES = {f.__name__: f for f in (one_numeric_one_string, strings_only, missing_everywhere, constant_and_id,
                                  date_strings, codes_and_levels, numbers_on_odd_scales, booleans,
                                  booleans_with_missing, multiclass_mixed)}


def new_rows(df, rng, n=15):
    """Rows drawn from ``df`` (without its target) with unseen levels and missing values put in."""
    rows = df.drop(columns="target").sample(n, random_state=rng, replace=True).reset_index(drop=True)
    for column in rows.columns:
        is_text = rows[column].dtype == object
        rows[column] = rows[column].astype(object)
        if is_text:
            rows.loc[0, column] = "never-seen-level"
        rows.loc[1, column] = None
    return rows
