"""MLPRegressor: scikit-learn's multi-layer perceptron regressor on a PyTorch core."""

from numbers import Real

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d

from . import _docs
from ._base import BaseMLP
from ._classifier import _check_stochastic
from ._param_validation import Interval, StrOptions

__all__ = ["MLPRegressor"]


class MLPRegressor(RegressorMixin, BaseMLP):
    __doc__ = (
        """Multi-layer perceptron regressor, trained with PyTorch through skorch.

    A drop-in superset of :class:`sklearn.neural_network.MLPRegressor`: the
    same parameters, defaults, attributes and methods, plus the
    hyperparameters of the course notes as flat arguments. Supports several
    outputs. Computation runs in the input's float dtype.

    Parameters
    ----------
    loss : {'squared_error', 'absolute_error', 'huber', 'poisson'}, default='squared_error'
        The training loss (see :mod:`sknn_hp.losses`). 'squared_error' is
        half the mean squared error and 'poisson' half the Poisson deviance
        with an exp output, as in scikit-learn.

"""
        + _docs.ARCHITECTURE
        + "\n"
        + _docs.OPTIMIZATION
        + "\n"
        + _docs.EXTENSIONS
        + """
    huber_delta : float, default=1.0
        Threshold between the quadratic and linear parts of 'huber'.

    standardize_target : bool, default=False
        Train on ``(y - mean(y)) / std(y)`` (per output, statistics of the
        first ``fit``, weighted by its ``sample_weight``; a constant output
        keeps scale 1) and map predictions
        back: targets far from unit scale (prices, counts in the
        thousands) then train as well as standardized ones, as with a
        ``TransformedTargetRegressor(transformer=StandardScaler())``. The
        losses recorded (``loss_curve_``, ``loss_``) are on the standardized
        scale. Not with ``loss='poisson'``.

"""
        + _docs.TABULAR
        + _docs.RUNTIME
        + """
    Attributes
    ----------
"""
        + _docs.ATTRIBUTES
        + """
    See Also
    --------
    MLPClassifier : The classifier.
    sklearn.neural_network.MLPRegressor : The estimator this one extends.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sknn_hp import MLPRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    >>> reg = MLPRegressor(hidden_layer_sizes=(64,), learning_rate_init=0.01,
    ...                    max_iter=500, random_state=0).fit(X, y / y.std())
    >>> reg.score(X, y / y.std()) > 0.9
    True
    """
    )

    _parameter_constraints: dict = {
        **BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "absolute_error", "huber", "poisson"})],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
        "standardize_target": ["boolean"],
    }

    def __init__(
        self,
        loss='squared_error',
        hidden_layer_sizes=(100,),
        activation='relu',
        *,
        solver='adam',
        alpha=0.0001,
        batch_size='auto',
        learning_rate='constant',
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        l1_ratio=0.0,
        weight_init='auto',
        init_scale=None,
        leaky_relu_slope=0.01,
        elu_alpha=1.0,
        dropout=0.0,
        input_dropout=0.0,
        batch_norm=False,
        input_batch_norm=False,
        residual=False,
        rho=0.9,
        weight_decay=0.01,
        lr_decay_rate=0.1,
        lr_step_size=10,
        lr_milestones=None,
        lr_patience=10,
        lr_min=0.0,
        lr_max=None,
        lr_power=1.0,
        lr_cycle_mult=1,
        lr_warmup_fraction=0.3,
        monitor='score',
        restore_best_weights=True,
        clip_norm=None,
        clip_value=None,
        huber_delta=1.0,
        standardize_target=False,
        categorical_features=None,
        max_onehot_categories=8,
        categorical_embedding_dim=8,
        numeric_embedding=None,
        numeric_embedding_frequencies=16,
        numeric_embedding_sigma=0.1,
        numeric_embedding_width=16,
        numeric_scaling=None,
        device='auto',
        dtype=None,
        mixed_precision=False,
        compile=False,
        deterministic=False,
        diagnostics=False,
        init_from=None,
        freeze_layers=0,
        callbacks=None,
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.l1_ratio = l1_ratio
        self.weight_init = weight_init
        self.init_scale = init_scale
        self.leaky_relu_slope = leaky_relu_slope
        self.elu_alpha = elu_alpha
        self.dropout = dropout
        self.input_dropout = input_dropout
        self.batch_norm = batch_norm
        self.input_batch_norm = input_batch_norm
        self.residual = residual
        self.rho = rho
        self.weight_decay = weight_decay
        self.lr_decay_rate = lr_decay_rate
        self.lr_step_size = lr_step_size
        self.lr_milestones = lr_milestones
        self.lr_patience = lr_patience
        self.lr_min = lr_min
        self.lr_max = lr_max
        self.lr_power = lr_power
        self.lr_cycle_mult = lr_cycle_mult
        self.lr_warmup_fraction = lr_warmup_fraction
        self.monitor = monitor
        self.restore_best_weights = restore_best_weights
        self.clip_norm = clip_norm
        self.clip_value = clip_value
        self.huber_delta = huber_delta
        self.standardize_target = standardize_target
        self.device = device
        self.dtype = dtype
        self.mixed_precision = mixed_precision
        self.compile = compile
        self.deterministic = deterministic
        self.diagnostics = diagnostics
        self.init_from = init_from
        self.freeze_layers = freeze_layers
        self.callbacks = callbacks
        self.categorical_features = categorical_features
        self.max_onehot_categories = max_onehot_categories
        self.categorical_embedding_dim = categorical_embedding_dim
        self.numeric_embedding = numeric_embedding
        self.numeric_embedding_frequencies = numeric_embedding_frequencies
        self.numeric_embedding_sigma = numeric_embedding_sigma
        self.numeric_embedding_width = numeric_embedding_width
        self.numeric_scaling = numeric_scaling

    def _loss_name(self):
        return self.loss

    def _out_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    def _validate_input(self, X, y, incremental, reset, sample_weight=None):
        X, y = self._validate_tabular(
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=True,
            dtype=(np.float64, np.float32),
            reset=reset,
            sample_weight=sample_weight,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError("Some value(s) of y are negative which is not allowed for Poisson regression.")
        if reset:
            self._target_shift = self._target_scale = None
            if self.standardize_target:
                if self.loss == "poisson":
                    raise ValueError("standardize_target=True does not apply to loss='poisson' (an exp output).")
                Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
                # weighted by sample_weight: integer weights give the statistics of repeated rows
                w = None if sample_weight is None else _check_sample_weight(sample_weight, Y, dtype=np.float64)
                mean = np.average(Y, axis=0, weights=w)
                scale = np.sqrt(np.average((Y - mean) ** 2, axis=0, weights=w))
                self._target_shift, self._target_scale = mean, np.where(scale > 0, scale, 1.0)
        return X, y

    def _encode_target(self, y):
        Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        if getattr(self, "_target_shift", None) is not None:
            Y = (Y - self._target_shift) / self._target_scale
        return Y

    def fit(self, X, y, sample_weight=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights (non-negative).

        Returns
        -------
        self : MLPRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    @available_if(_check_stochastic)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : MLPRegressor
            The updated estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X):
        """Predict using the multi-layer perceptron.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        check_is_fitted(self)
        out = self._raw_output(X)
        if self.out_activation_ == "exp":
            out = np.exp(out)
        if getattr(self, "_target_shift", None) is not None:
            out = (out * self._target_scale + self._target_shift).astype(out.dtype, copy=False)
        return out.ravel() if out.shape[1] == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
