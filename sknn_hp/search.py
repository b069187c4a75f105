"""Hyperparameter search spaces and a recommended starting configuration.

:func:`search_space` returns ``param_distributions`` for
:class:`~sklearn.model_selection.RandomizedSearchCV` or
:class:`~sklearn.model_selection.HalvingRandomSearchCV`, built on the
published tabular-MLP search spaces, and :func:`recommended` a configured
estimator for raw tables following the course notes' summary table (LeCun
init + SELU, Adam, mini-batches), with its input handling, schedule,
stopping and regularization chosen by measurement on real tables.

The notes' advice on tuning applies: search at random rather than on a grid
(random search tries more distinct values of the hyperparameters that
matter), on a logarithmic scale for rates and penalties, coarse to fine.
"""

from numbers import Integral

from scipy.stats import loguniform, uniform
from sklearn.base import is_classifier
from sklearn.utils import check_random_state

__all__ = [
    "ACTIVATION_INITIALIZERS",
    "HiddenLayerSizes",
    "RECOMMENDED",
    "RECOMMENDED_CLASSIFIER",
    "RECOMMENDED_REGRESSOR",
    "ZeroOr",
    "recommended",
    "search_space",
]

#: Activation / weight-initializer pairs that belong together (notes' table of
#: initializers: LeCun for SELU, He for the ReLU family, Glorot for tanh).
ACTIVATION_INITIALIZERS = (
    ("selu", "lecun_normal"),
    ("relu", "he_uniform"),
    ("elu", "he_normal"),
    ("tanh", "glorot_uniform"),
    ("gelu", "he_uniform"),
)

_SIZES = {
    "small": {"depth": (1, 2), "widths": (16, 32, 64, 128)},
    "medium": {"depth": (1, 4), "widths": (16, 32, 64, 128, 256, 512)},
    "large": {"depth": (1, 8), "widths": (16, 32, 64, 128, 256, 512, 1024)},
}


class HiddenLayerSizes:
    """Distribution of ``hidden_layer_sizes``: a depth times one width.

    ``rvs`` draws the depth uniformly from ``[min_depth, max_depth]`` and one
    width uniformly from ``widths`` (powers of two: uniform on a log scale),
    and returns ``(width,) * depth``.

    Parameters
    ----------
    min_depth, max_depth : int, default=1, 4
        Range of the number of hidden layers, both included.
    widths : sequence of int, default=(16, 32, 64, 128, 256, 512)
        Candidate layer widths.
    """

    def __init__(self, min_depth=1, max_depth=4, widths=(16, 32, 64, 128, 256, 512)):
        if not (isinstance(min_depth, Integral) and isinstance(max_depth, Integral) and 1 <= min_depth <= max_depth):
            raise ValueError(f"Need integers 1 <= min_depth <= max_depth, got {min_depth!r}, {max_depth!r}.")
        if not len(widths) or any(int(w) != w or w < 1 for w in widths):
            raise ValueError(f"widths must be positive integers, got {widths!r}.")
        self.min_depth = int(min_depth)
        self.max_depth = int(max_depth)
        self.widths = tuple(int(w) for w in widths)

    def rvs(self, random_state=None):
        """Draw one architecture.

        Parameters
        ----------
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        hidden_layer_sizes : tuple of int
        """
        rng = check_random_state(random_state)
        depth = int(rng.randint(self.min_depth, self.max_depth + 1))
        width = self.widths[int(rng.randint(len(self.widths)))]
        return (width,) * depth

    def __repr__(self):
        return f"HiddenLayerSizes(min_depth={self.min_depth}, max_depth={self.max_depth}, widths={self.widths})"


class ZeroOr:
    """Zero with probability ``p_zero``, otherwise a draw of ``dist``.

    The mixture ``{0} U dist`` of the published search spaces for dropout and
    weight decay ("0 or U[0, 0.5]").

    Parameters
    ----------
    dist : scipy.stats frozen distribution
        Drawn from when the value is not zero.
    p_zero : float, default=0.5
        Probability of exactly zero.
    """

    def __init__(self, dist, p_zero=0.5):
        if not 0 <= p_zero <= 1:
            raise ValueError(f"p_zero must be in [0, 1], got {p_zero!r}.")
        self.dist = dist
        self.p_zero = p_zero

    def rvs(self, random_state=None):
        """Draw one value.

        Parameters
        ----------
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        value : float
        """
        rng = check_random_state(random_state)
        if rng.uniform() < self.p_zero:
            return 0.0
        return float(self.dist.rvs(random_state=rng))

    def __repr__(self):
        inner = getattr(self.dist, "dist", None)
        name = f"{inner.name}{tuple(self.dist.args)}" if inner is not None else repr(self.dist)
        return f"ZeroOr({name}, p_zero={self.p_zero})"


def _kind(estimator):
    if isinstance(estimator, str):
        if estimator not in ("classifier", "regressor"):
            raise ValueError(f"estimator must be 'classifier', 'regressor' or an estimator, got {estimator!r}.")
        return estimator
    return "classifier" if is_classifier(estimator) else "regressor"


def search_space(estimator="classifier", size="medium", random_state=None, prefix=""):
    """Random-search space for an MLP on tabular data.

    Ranges follow the published tabular-MLP benchmarks (Gorishniy et al.
    2021, "Revisiting Deep Learning Models for Tabular Data", NeurIPS;
    Grinsztajn et al. 2022, "Why do tree-based models still outperform deep
    learning on tabular data?", NeurIPS Datasets and Benchmarks), restricted
    to the estimators' arguments ('medium'):

    ===================  ==================================================
    learning_rate_init   log-uniform [1e-5, 1e-2]
    alpha                log-uniform [1e-6, 1e-1] (L2 penalty)
    hidden_layer_sizes   depth 1-4, one width from {16, 32, ..., 512}
    dropout              0 (probability 1/2) or U[0, 0.5]
    batch_size           {32, 64, 128, 256}
    solver               {'adam', 'adamw', 'nadam'}
    learning_rate        {'constant', 'plateau', 'cosine'}
    activation +         one of (selu, lecun_normal), (relu, he_uniform),
    weight_init          (elu, he_normal), (tanh, glorot_uniform),
                         (gelu, he_uniform)
    ===================  ==================================================

    'small' uses depth 1-2 and widths 16-128; 'large' depth 1-8, widths up to
    1024, and adds ``batch_norm`` {False, True} and ``residual``
    {False, True} (and ``label_smoothing`` {0, 0.1} for classifiers).

    An activation and its initializer must be drawn together, but
    ``RandomizedSearchCV`` samples every key of a dict independently. The
    space is therefore a **list of dicts, one per pair**: the search first
    picks a dict uniformly, then samples its keys, so every candidate has a
    matched pair. Leave ``max_iter`` out of the space when
    ``HalvingRandomSearchCV`` uses it as the resource (it does here), and set
    ``early_stopping`` on the estimator itself.

    Parameters
    ----------
    estimator : {'classifier', 'regressor'} or estimator, default='classifier'
        What is tuned (only 'large' differs between them).
    size : {'small', 'medium', 'large'}, default='medium'
        Breadth of the architecture ranges.
    random_state : int or None, default=None
        If an int, every candidate gets ``random_state=random_state``, so the
        candidates differ only by their hyperparameters (the search's own
        ``random_state`` seeds the sampling).
    prefix : str, default=''
        Prepended to every key, e.g. ``'mlpclassifier__'`` for the step of a
        Pipeline built by ``make_pipeline``.

    Returns
    -------
    param_distributions : list of dict
        One dict per activation/initializer pair, for the
        ``param_distributions`` argument.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import RandomizedSearchCV
    >>> from sknn_hp import MLPClassifier
    >>> from sknn_hp.search import search_space
    >>> X, y = load_digits(return_X_y=True)
    >>> search = RandomizedSearchCV(MLPClassifier(max_iter=2), search_space(size="small"),
    ...                             n_iter=2, cv=2, random_state=0).fit(X / 16, y)
    >>> sorted(search.best_params_)[:3]
    ['activation', 'alpha', 'batch_size']
    """
    kind = _kind(estimator)
    if size not in _SIZES:
        raise ValueError(f"size must be one of {sorted(_SIZES)}, got {size!r}.")
    if not isinstance(prefix, str):
        raise ValueError(f"prefix must be a string, got {prefix!r}.")
    if random_state is not None and not isinstance(random_state, Integral):
        raise ValueError(f"random_state must be an int or None, got {random_state!r}.")
    spec = _SIZES[size]
    common = {
        "learning_rate_init": loguniform(1e-5, 1e-2),
        "alpha": loguniform(1e-6, 1e-1),
        "hidden_layer_sizes": HiddenLayerSizes(*spec["depth"], widths=spec["widths"]),
        "dropout": ZeroOr(uniform(0.0, 0.5)),
        "batch_size": [32, 64, 128, 256],
        "solver": ["adam", "adamw", "nadam"],
        "learning_rate": ["constant", "plateau", "cosine"],
    }
    if size == "large":
        common["batch_norm"] = [False, True]
        common["residual"] = [False, True]
        if kind == "classifier":
            common["label_smoothing"] = [0.0, 0.1]
    if random_state is not None:
        common["random_state"] = [int(random_state)]
    space = []
    for activation, init in ACTIVATION_INITIALIZERS:
        params = {**common, "activation": [activation], "weight_init": [init]}
        space.append({prefix + key: value for key, value in params.items()})
    return space


#: The configuration :func:`recommended` builds (before overrides), for both kinds.
RECOMMENDED = {
    "hidden_layer_sizes": (128, 128),
    "activation": "selu",
    "weight_init": "lecun_normal",
    "solver": "adam",
    "learning_rate_init": 1e-3,
    "learning_rate": "cosine",
    "batch_size": "scaled",
    "dropout": 0.0,
    "alpha": 1e-4,
    "early_stopping": True,
    "validation_fraction": 0.1,
    "monitor": "loss",
    "n_iter_no_change": 16,
    "max_iter": 100,
    "categorical_features": "from_dtype",
    "numeric_scaling": "robust",
    "numeric_embedding": "periodic",
    "dtype": "float32",
}

#: What classifiers add to :data:`RECOMMENDED`.
RECOMMENDED_CLASSIFIER = {"label_smoothing": 0.1}

#: What regressors add to :data:`RECOMMENDED`.
RECOMMENDED_REGRESSOR = {"standardize_target": True}


def recommended(kind="classifier", **overrides):
    """An estimator for raw tables, configured as the course notes recommend and tuned by measurement.

    ``recommended("classifier", random_state=0).fit(df, y)`` is the whole
    recipe: ``df`` may hold numbers on any scale (missing values included:
    imputed with the training median, plus a missing indicator) and string,
    ``object`` or ``category`` columns (missing and unseen categories
    included).

    ==========================  =============================================
    notes' table                here
    ==========================  =============================================
    LeCun initialization        ``weight_init='lecun_normal'``
    SELU                        ``activation='selu'``, (128, 128)
    Adam                        ``solver='adam'``, ``learning_rate_init=1e-3``,
                                cosine decay over ``max_iter=100`` epochs
    mini-batch                  ``batch_size='scaled'``: 200 up to 12,800
                                training rows, growing to 1024 (n // 64)
    early stopping              on the loss of 10% held out
                                (``monitor='loss'``, ``n_iter_no_change=16``),
                                best weights restored
    regularization              ``alpha=1e-4``; label smoothing 0.1 for
                                classifiers (RealMLP's); no dropout
    input normalization         ``numeric_scaling='robust'`` (RealMLP's robust
                                scaling and smooth clipping); regressors
                                ``standardize_target=True``
    ==========================  =============================================

    plus ``categorical_features='from_dtype'`` (one-hot up to 8 levels,
    embeddings of width 8 above) and ``numeric_embedding='periodic'`` (PLR).
    Chosen on real tables with ``benchmarks/bench_recommended.py`` (the table
    and the measurements behind each value are in docs/user_guide.md, "A
    recommended starting point"): periodic embeddings raised the three
    tables with categorical columns they were tried on, and lowered digits
    (64 pixel columns: 0.976 without, 0.971 with, and 7x slower); patience
    16 beat 10; dropout 0.15 lowered the scores; 128 units per layer
    scored like 256 (better on 4 of 8 tables, and better than
    HistGradientBoosting on 7 instead of 6) and fit 1.3-2.2x faster;
    held-out early stopping replaced 200 epochs on the training loss, which
    overfit churn-type tables. Over 3-fold cross-validation repeated twice it beat
    HistGradientBoosting on 7 of the 8 tables and had the best mean rank of
    the four models tried (with scikit-learn's MLP and RealMLP), and with the
    scaled batch it fits a 54k-row table in 14 s on one CPU thread
    (diamonds, float32: R^2 of the log price 0.9910 against
    HistGradientBoosting's 0.9921 on the same split, RealMLP 0.9927 in
    273 s). The network computes in float32 when the DataFrame's numeric
    columns are float32. ``dtype='float32'``: the network computes in float32
    whatever the frame's numeric dtypes (as RealMLP does), twice as fast on
    a CPU as float64 (as loaded, with float64 and int64 columns: mlc_churn 2.8 s against
    5.8 s, diamonds 12.8 s against 24.8 s, the same scores to 3 digits).

    Parameters
    ----------
    kind : {'classifier', 'regressor'}, default='classifier'
        Which estimator to build.
    **overrides
        Any estimator parameter, applied with ``set_params`` (e.g.
        ``random_state=0`` or ``dropout=0.3``).

    Returns
    -------
    estimator : MLPClassifier or MLPRegressor
        Unfitted.

    Examples
    --------
    >>> from sknn_hp.search import recommended
    >>> clf = recommended("classifier", random_state=0, hidden_layer_sizes=(128,))
    >>> clf.activation, clf.hidden_layer_sizes, clf.categorical_features
    ('selu', (128,), 'from_dtype')
    """
    from . import MLPClassifier, MLPRegressor

    if kind == "classifier":
        est = MLPClassifier().set_params(**RECOMMENDED, **RECOMMENDED_CLASSIFIER)
    elif kind == "regressor":
        est = MLPRegressor().set_params(**RECOMMENDED, **RECOMMENDED_REGRESSOR)
    else:
        raise ValueError(f"kind must be 'classifier' or 'regressor', got {kind!r}.")
    return est.set_params(**overrides)
