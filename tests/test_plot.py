"""Plots: learning curves and the learning-rate range test (matplotlib, Agg backend)."""

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sknn_hp import MLPClassifier, MLPRegressor  # noqa: E402
from sknn_hp.lr_finder import find_learning_rate  # noqa: E402
from sknn_hp.plot import learning_curves, lr_finder  # noqa: E402


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _labels(ax):
    return sorted(line.get_label() for a in ax.figure.axes for line in a.get_lines())


def test_learning_curves_with_validation(iris):
    X, y = iris
    clf = MLPClassifier((8,), early_stopping=True, learning_rate="plateau", max_iter=15, random_state=0).fit(X, y)
    ax = learning_curves(clf)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(ax.get_lines()) == 2  # train and validation loss on the main axes
    assert _labels(ax) == ["learning rate", "train loss", "validation loss", "validation score"]
    assert len(ax.figure.axes) == 3
    assert len(ax.get_lines()[0].get_xdata()) == clf.n_iter_
    assert ax.get_legend() is not None
    assert ax.figure.axes[2].get_yscale() == "log"


def test_learning_curves_without_validation_on_given_axes(iris):
    X, y = iris
    reg = MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(X[:, :3], X[:, 3])
    fig, ax = plt.subplots()
    out = learning_curves(reg, ax=ax, show_lr=False)
    assert out is ax
    assert _labels(ax) == ["train loss"]
    assert len(fig.axes) == 1
    # a history given directly, as records or a DataFrame
    import pandas as pd

    assert _labels(learning_curves(reg.history_)) == ["learning rate", "train loss"]
    assert _labels(learning_curves(pd.DataFrame(reg.history_))) == ["learning rate", "train loss"]


def test_learning_curves_needs_a_history():
    with pytest.raises(ValueError, match="history"):
        learning_curves(MLPClassifier())


def test_lr_finder_plot(iris):
    X, y = iris
    result = find_learning_rate(MLPClassifier((8,), random_state=0), X, y, n_steps=30)
    ax = lr_finder(result)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert ax.get_xscale() == "log"
    assert len(ax.get_lines()) == 2  # loss curve and the suggestion line
    assert len(ax.get_lines()[0].get_xdata()) == len(result.learning_rates)
    fig, own = plt.subplots()
    assert result.plot(ax=own) is own


def test_gradient_norms_draws_one_line_per_layer():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np

    from sknn_hp import MLPClassifier
    from sknn_hp.plot import gradient_norms

    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(60, 4)), np.arange(60) % 2
    est = MLPClassifier(hidden_layer_sizes=(8, 8, 8), diagnostics=True, max_iter=3).fit(X, y)
    ax = gradient_norms(est)
    assert len(ax.get_lines()) == 4 and ax.get_yscale() == "log"
    assert len(gradient_norms(est, stat="dead_units").get_lines()) == 3
    with pytest.raises(ValueError, match="diagnostics=True"):
        gradient_norms(MLPClassifier(max_iter=1).fit(X, y))
