"""summary(): the layer table of a fitted network."""

import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError

from sknn_hp import MLPClassifier, MLPRegressor
from sknn_hp.inspection import ModelSummary, summary


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def _n_params(est):
    return sum(p.numel() for p in est.net_.module_.parameters())


def test_plain_network_rows_and_counts(iris):
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(16, 8), max_iter=2, random_state=0).fit(X, y)
    s = summary(clf)
    assert isinstance(s, ModelSummary)
    frame = s.to_frame()
    assert list(frame.columns) == ["layer", "output_width", "params", "trainable"]
    assert frame["layer"].tolist() == [
        "input",
        "hidden_1.linear",
        "hidden_1.activation (relu)",
        "hidden_2.linear",
        "hidden_2.activation (relu)",
        "output",
    ]
    assert frame["output_width"].tolist() == [4, 16, 16, 8, 8, 3]
    # n_in * n_out + n_out per linear layer
    assert frame["params"].tolist() == [0, 4 * 16 + 16, 0, 16 * 8 + 8, 0, 8 * 3 + 3]
    assert s.total_params == _n_params(clf) == frame["params"].sum()
    assert s.trainable_params == s.total_params and s.non_trainable_params == 0
    assert frame["trainable"].all()


def test_every_option_is_listed_and_counted(iris):
    X, y = iris
    clf = MLPClassifier(
        hidden_layer_sizes=(16, 8, 8),
        activation=["selu", "prelu", "tanh"],
        dropout=0.2,
        input_dropout=0.1,
        input_batch_norm=True,
        batch_norm="after",
        residual=True,
        max_iter=2,
        random_state=0,
    ).fit(X, y)
    s = summary(clf)
    frame = s.to_frame()
    layers = frame["layer"].tolist()
    for name in (
        "input_batch_norm",
        "input_dropout (p=0.1)",
        "hidden_1.activation (selu)",
        "hidden_1.dropout (alpha, p=0.2)",
        "hidden_2.activation (prelu)",
        "hidden_2.dropout (p=0.2)",
        "hidden_2.skip (projection)",
        "hidden_3.skip (identity)",
    ):
        assert name in layers
    # batch norm after the activation
    i = layers.index("hidden_1.activation (selu)")
    assert layers[i + 1] == "hidden_1.batch_norm"
    params = dict(zip(layers, frame["params"]))
    assert params["input_batch_norm"] == 2 * 4
    assert params["hidden_2.activation (prelu)"] == 8  # one slope per unit
    assert params["hidden_2.skip (projection)"] == 16 * 8  # no bias
    assert params["hidden_3.skip (identity)"] == 0
    assert s.total_params == _n_params(clf)
    widths = frame[frame["layer"].str.endswith(".linear")]["output_width"].tolist()
    assert widths == [16, 8, 8]
    text = str(s)
    assert "Total params: " + f"{s.total_params:,}" in text
    assert "Batch-norm running statistics" in text
    assert repr(s) == text


def test_batch_norm_before_the_activation(iris):
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(5,), batch_norm=True, max_iter=2, random_state=0).fit(X, y)
    layers = summary(clf).to_frame()["layer"].tolist()
    assert layers.index("hidden_1.batch_norm") < layers.index("hidden_1.activation (relu)")


def test_frozen_layer_is_not_trainable(iris):
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(10, 6), max_iter=2, random_state=0).fit(X, y)
    for p in clf.net_.module_.hidden[0].linear.parameters():
        p.requires_grad_(False)
    s = summary(clf)
    frame = s.to_frame().set_index("layer")
    assert not frame.loc["hidden_1.linear", "trainable"]
    assert frame.loc["hidden_2.linear", "trainable"]
    assert s.total_params == _n_params(clf)
    assert s.trainable_params == s.total_params - (4 * 10 + 10)
    assert s.non_trainable_params == 4 * 10 + 10
    assert "Non-trainable params: 50" in str(s)


def test_regressor_and_module(iris):
    X, y = iris
    reg = MLPRegressor(hidden_layer_sizes=(7,), max_iter=2, random_state=0).fit(X, X[:, :2])
    s = summary(reg)
    frame = s.to_frame()
    assert frame["output_width"].iloc[-1] == 2
    assert s.total_params == _n_params(reg)
    assert summary(reg.net_.module_).total_params == s.total_params
    assert str(s).startswith("MLPRegressor")


def test_unfitted_raises():
    with pytest.raises(NotFittedError):
        summary(MLPClassifier())


def test_freeze_layers_shows_in_the_table(iris):
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(10, 6), freeze_layers=1, max_iter=2, random_state=0).fit(X, y)
    frame = summary(clf).to_frame().set_index("layer")
    assert not frame.loc["hidden_1.linear", "trainable"]
    assert frame.loc["hidden_2.linear", "trainable"] and frame.loc["output", "trainable"]
    assert summary(clf).non_trainable_params == 4 * 10 + 10
