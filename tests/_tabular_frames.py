"""The small mixed-type tables the tabular-module and CLI tests share."""

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification, make_regression


def clf_frame(n=90):
    X, y = make_classification(n_samples=n, n_features=4, n_informative=3, n_redundant=0, n_classes=3, random_state=0)
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    rng = np.random.RandomState(0)
    df["color"] = rng.choice(["red", "green", "blue"], size=n)
    df["flag"] = rng.rand(n) > 0.5  # a bool column: a 0/1 numeric feature
    df.loc[3, "a"] = np.nan
    df.loc[5, "color"] = None
    df["label"] = np.array(["cat", "dog", "fish"])[y]
    return df


def reg_frame(n=80):
    X, y = make_regression(n_samples=n, n_features=3, noise=1.0, random_state=0)
    df = pd.DataFrame(X, columns=["u", "v", "w"])
    df["city"] = np.random.RandomState(1).choice(["x", "y"], size=n)
    df["price"] = y
    return df
