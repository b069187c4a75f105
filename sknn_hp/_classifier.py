"""MLPClassifier: scikit-learn's multi-layer perceptron classifier on a PyTorch core."""

from numbers import Real

import numpy as np
from scipy.special import expit, softmax
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import check_is_fitted, column_or_1d

from . import _docs
from ._base import BaseMLP
from ._param_validation import Interval, StrOptions
from .optimizers import OPTIMIZERS

__all__ = ["MLPClassifier"]


def _check_stochastic(est):
    if not OPTIMIZERS[est.solver].stochastic:
        raise AttributeError(
            "partial_fit is only available for stochastic optimizers. %s is not stochastic." % est.solver
        )
    return True


class MLPClassifier(ClassifierMixin, BaseMLP):
    __doc__ = (
        """Multi-layer perceptron classifier, trained with PyTorch through skorch.

    A drop-in superset of :class:`sklearn.neural_network.MLPClassifier`: the
    same parameters, defaults, attributes and methods, plus the
    hyperparameters of the course notes as flat arguments. Binary problems use
    one logistic output, multiclass a softmax, multilabel indicator targets
    one logistic output per label. Computation runs in the input's float dtype.

    Parameters
    ----------
"""
        + _docs.ARCHITECTURE
        + "\n"
        + _docs.OPTIMIZATION
        + "\n"
        + _docs.EXTENSIONS
        + """
    label_smoothing : float, default=0.0
        Label smoothing eps: targets become (1 - eps) y + eps / K.

    class_weight : dict, list of dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into the sample weights;
        'balanced' uses n_samples / (n_classes * bincount(y)).

"""
        + _docs.TABULAR
        + _docs.RUNTIME
        + """
    Attributes
    ----------
    classes_ : ndarray or list of ndarray of shape (n_classes,)
        Class labels.

"""
        + _docs.ATTRIBUTES
        + """
    See Also
    --------
    MLPRegressor : The regressor.
    sklearn.neural_network.MLPClassifier : The estimator this one extends.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknn_hp import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    >>> clf = make_pipeline(StandardScaler(), MLPClassifier(
    ...     hidden_layer_sizes=(32,), activation="selu", dropout=0.1, max_iter=300,
    ...     random_state=0)).fit(X_train, y_train)
    >>> clf.score(X_test, y_test) > 0.9
    True
    """
    )

    _parameter_constraints: dict = {
        **BaseMLP._parameter_constraints,
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "class_weight": [dict, list, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
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
        label_smoothing=0.0,
        class_weight=None,
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
        self.label_smoothing = label_smoothing
        self.class_weight = class_weight
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
        return "log_loss" if self._label_binarizer.y_type_ == "multiclass" else "binary_log_loss"

    def _out_activation(self):
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _validate_input(self, X, y, incremental, reset, sample_weight=None):
        X, y = self._validate_tabular(
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            reset=reset,
            sample_weight=sample_weight,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if (not hasattr(self, "classes_")) or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            # one class fits (and predicts that class), as scikit-learn's MLPClassifier does
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and not incremental:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as in the previous "
                        f"call to fit. Previously got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes_}. "
                    f"'y' has {classes}."
                )
        return X, y

    def _training_weights(self, y, sample_weight, incremental=False):
        if self.class_weight is not None:
            if incremental and self.class_weight == "balanced":
                raise ValueError(
                    "class_weight='balanced' is not supported for partial_fit: the class frequencies "
                    "of a single batch are not those of the data. Pass a dict of weights instead."
                )
            class_sw = compute_sample_weight(self.class_weight, y)
            sample_weight = class_sw if sample_weight is None else sample_weight * class_sw
        return super()._training_weights(y, sample_weight, incremental)

    def _encode_target(self, y):
        binarizer = self._label_binarizer
        if binarizer.y_type_ in ("multiclass", "binary") and y.ndim == 1:
            # what LabelBinarizer.transform gives, without its target-type inspection (slow for small fits)
            classes = binarizer.classes_
            codes = np.searchsorted(classes, y)
            codes[codes == len(classes)] = 0
            if not np.array_equal(classes[codes], y):
                return self._encode_target_slow(y)  # unseen labels: the binarizer's own handling
            if binarizer.y_type_ == "multiclass":
                return codes.astype(np.int64)
            return (codes == len(classes) - 1).astype(np.float64)[:, None] if len(classes) > 1 else (
                np.zeros((len(y), 1)))
        return self._encode_target_slow(y)

    def _encode_target_slow(self, y):
        Y = self._label_binarizer.transform(y)
        if self._label_binarizer.y_type_ == "multiclass":
            return np.argmax(Y, axis=1).astype(np.int64)
        return Y.astype(np.float64)

    def fit(self, X, y, sample_weight=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels, or a label indicator matrix (multilabel).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights (non-negative).

        Returns
        -------
        self : MLPClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    @available_if(_check_stochastic)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        classes : array of shape (n_classes,), default=None
            All classes across calls; required on the first call.

        Returns
        -------
        self : MLPClassifier
            The updated estimator.
        """
        self._validate_params()
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def _probabilities(self, X):
        out = self._raw_output(X)
        if self.out_activation_ == "softmax":
            return softmax(out, axis=1)
        eps = np.finfo(out.dtype).eps
        return np.clip(expit(out), eps, 1 - eps)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted classes (an indicator matrix for multilabel).
        """
        check_is_fitted(self)
        proba = self._probabilities(X)
        if self.n_outputs_ == 1:
            proba = proba.ravel()
        return self._label_binarizer.inverse_transform(proba)

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            Probability of each class, in the order of ``classes_``; for
            multilabel, the probability of each label.
        """
        check_is_fitted(self)
        proba = self._probabilities(X)
        if self.n_outputs_ == 1:
            p = proba.ravel()
            return np.vstack([1 - p, p]).T
        return proba

    def predict_log_proba(self, X):
        """Log of the probability estimates, ``log(predict_proba(X))``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            Log-probability of each class, in the order of ``classes_``.
        """
        y_prob = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(y_prob, out=y_prob)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
