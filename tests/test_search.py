"""search_space() with scikit-learn's searches, and recommended()."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingRandomSearchCV, ParameterSampler, RandomizedSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn_hp import MLPClassifier, MLPRegressor
from sknn_hp.search import ACTIVATION_INITIALIZERS, HiddenLayerSizes, ZeroOr, recommended, search_space

PAIRS = dict(ACTIVATION_INITIALIZERS)

# Sampled batch sizes exceed the small folds of iris: the clipping warning is expected.
clipped_batches = pytest.mark.filterwarnings("ignore:Got `batch_size`:UserWarning")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _matched(params, prefix=""):
    return PAIRS[params[prefix + "activation"]] == params[prefix + "weight_init"]


def test_space_structure():
    space = search_space()
    assert isinstance(space, list) and len(space) == len(ACTIVATION_INITIALIZERS)
    for d in space:
        assert len(d["activation"]) == len(d["weight_init"]) == 1
        assert _matched({k: v[0] for k, v in d.items() if k in ("activation", "weight_init")})
        assert d["batch_size"] == [32, 64, 128, 256]
        assert d["solver"] == ["adam", "adamw", "nadam"]
        assert d["learning_rate"] == ["constant", "plateau", "cosine"]
        assert "max_iter" not in d


def test_sampled_values_are_in_range():
    samples = list(ParameterSampler(search_space(), n_iter=300, random_state=0))
    assert all(_matched(p) for p in samples)
    lr = np.array([p["learning_rate_init"] for p in samples])
    alpha = np.array([p["alpha"] for p in samples])
    assert lr.min() >= 1e-5 and lr.max() <= 1e-2
    assert alpha.min() >= 1e-6 and alpha.max() <= 1e-1
    # log-uniform: about half of the draws below the geometric midpoint
    assert 0.35 < np.mean(lr < np.sqrt(1e-5 * 1e-2)) < 0.65
    dropout = np.array([p["dropout"] for p in samples])
    assert 0.3 < np.mean(dropout == 0) < 0.7 and dropout.max() <= 0.5 and dropout.min() >= 0
    sizes = [p["hidden_layer_sizes"] for p in samples]
    assert {len(s) for s in sizes} == {1, 2, 3, 4}
    assert {s[0] for s in sizes} == {16, 32, 64, 128, 256, 512}
    assert all(len(set(s)) == 1 for s in sizes)
    assert {p["activation"] for p in samples} == set(PAIRS)
    # every sampled configuration is a valid estimator
    for p in samples[:20]:
        MLPClassifier(**p)._validate_params()


def test_sizes_estimator_kind_and_random_state():
    small = list(ParameterSampler(search_space(size="small"), n_iter=100, random_state=0))
    assert max(len(p["hidden_layer_sizes"]) for p in small) <= 2
    assert max(p["hidden_layer_sizes"][0] for p in small) <= 128
    large = search_space("classifier", size="large")[0]
    assert {"batch_norm", "residual", "label_smoothing"} <= set(large)
    assert "label_smoothing" not in search_space("regressor", size="large")[0]
    assert "label_smoothing" not in search_space(MLPRegressor(), size="large")[0]
    for p in ParameterSampler(search_space("regressor", size="large"), n_iter=10, random_state=0):
        MLPRegressor(**p)._validate_params()
    fixed = search_space(random_state=7)
    assert all(d["random_state"] == [7] for d in fixed)
    with pytest.raises(ValueError, match="size"):
        search_space(size="huge")
    with pytest.raises(ValueError, match="estimator"):
        search_space("ranker")


def test_distributions():
    dist = HiddenLayerSizes(2, 3, widths=(8, 16))
    draws = {dist.rvs(random_state=i) for i in range(50)}
    assert draws == {(8, 8), (16, 16), (8, 8, 8), (16, 16, 16)}
    assert dist.rvs(random_state=3) == dist.rvs(random_state=3)
    assert "HiddenLayerSizes" in repr(dist)
    with pytest.raises(ValueError):
        HiddenLayerSizes(3, 2)
    from scipy.stats import uniform

    z = ZeroOr(uniform(0.2, 0.1), p_zero=0.25)
    values = np.array([z.rvs(random_state=np.random.RandomState(i)) for i in range(400)])
    assert 0.15 < np.mean(values == 0) < 0.35
    assert np.all((values == 0) | ((values >= 0.2) & (values <= 0.3)))
    assert "ZeroOr" in repr(z)


@clipped_batches
def test_randomized_search(iris):
    X, y = iris
    search = RandomizedSearchCV(
        MLPClassifier(max_iter=5, random_state=0), search_space(size="small"), n_iter=3, cv=2, random_state=0
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 3
    assert all(_matched(p) for p in search.cv_results_["params"])
    assert search.best_estimator_.predict(X).shape == y.shape


@clipped_batches
def test_halving_search_on_epochs(iris):
    X, y = iris
    search = HalvingRandomSearchCV(
        MLPClassifier(random_state=0),
        search_space(size="small"),
        resource="max_iter",
        max_resources=27,
        min_resources=3,
        factor=3,
        cv=2,
        random_state=0,
    ).fit(X, y)
    iters = set(search.cv_results_["param_max_iter"])
    assert iters <= {3, 9, 27} and 3 in iters
    assert all(_matched(p) for p in search.cv_results_["params"])
    assert search.best_estimator_.max_iter in {3, 9, 27}


@clipped_batches
def test_prefix_in_a_pipeline(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=3, random_state=0))
    space = search_space(size="small", prefix="mlpclassifier__")
    assert all(all(k.startswith("mlpclassifier__") for k in d) for d in space)
    search = RandomizedSearchCV(pipe, space, n_iter=2, cv=2, random_state=1).fit(X, y)
    for p in search.cv_results_["params"]:
        assert _matched(p, "mlpclassifier__")
    best = search.best_estimator_[-1]
    assert PAIRS[best.activation] == best.weight_init


def test_recommended_configuration():
    clf = recommended()
    assert type(clf) is MLPClassifier
    config = (clf.activation, clf.weight_init, clf.solver, clf.learning_rate)
    assert config == ("selu", "lecun_normal", "adam", "cosine")
    assert clf.early_stopping and clf.monitor == "loss" and clf.label_smoothing == 0.1
    tabular = (clf.categorical_features, clf.numeric_scaling, clf.numeric_embedding)
    assert tabular == ("from_dtype", "robust", "periodic")
    reg = recommended("regressor", dropout=0.3, hidden_layer_sizes=(32,), random_state=3)
    assert type(reg) is MLPRegressor
    assert (reg.dropout, reg.hidden_layer_sizes, reg.random_state) == (0.3, (32,), 3)
    assert reg.activation == "selu" and reg.standardize_target
    with pytest.raises(ValueError, match="kind"):
        recommended("ranker")
    with pytest.raises(ValueError):
        recommended(not_a_parameter=1)


@pytest.mark.parametrize("loader", [load_breast_cancer, load_iris, load_wine])
def test_recommended_scores_on_bundled_data(loader):
    """Iris (150 samples) and wine (178) are where a held-out early-stopping split cost ~0.1 accuracy."""
    X, y = loader(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    ours = recommended(random_state=0).fit(X_train, y_train).score(X_test, y_test)
    theirs = SkMLPClassifier(random_state=0).fit(X_train, y_train).score(X_test, y_test)
    assert ours >= theirs - 1 / len(y_test) - 1e-9  # at most one more test error (wine: 1 of 45)


def test_recommended_scores_on_digits(digits):
    X_train, X_test, y_train, y_test = (a.astype(np.float32) if a.dtype.kind == "f" else a for a in digits)
    ours = recommended(random_state=0).fit(X_train, y_train).score(X_test, y_test)
    theirs = SkMLPClassifier(random_state=0).fit(X_train, y_train).score(X_test, y_test)
    assert ours >= theirs - 0.02
