"""Parameter and attribute documentation shared by both estimators."""

ARCHITECTURE = """\
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of units of the ith hidden layer.

    activation : str or list of str, default='relu'
        Hidden-layer activation, or one per hidden layer:

        - 'identity': f(x) = x
        - 'logistic' (alias 'sigmoid'): f(x) = 1 / (1 + exp(-x))
        - 'tanh': f(x) = tanh(x)
        - 'relu': f(x) = max(0, x)
        - 'leaky_relu': f(x) = max(a x, x), a = ``leaky_relu_slope``
        - 'prelu': leaky ReLU with one learned slope per unit
        - 'elu': f(x) = x if x > 0 else a (exp(x) - 1), a = ``elu_alpha``
        - 'selu': scaled ELU, self-normalizing (use ``weight_init='lecun_normal'``)
        - 'gelu': f(x) = x Phi(x);  'silu': f(x) = x sigmoid(x);
          'softplus': f(x) = log(1 + exp(x))
"""

OPTIMIZATION = """\
    solver : {'adam', 'sgd', 'adamw', 'nadam', 'adamax', 'rmsprop', 'adagrad', \
'adadelta', 'lbfgs'}, default='adam'
        The optimizer (see :mod:`sknn_hp.optimizers` for the update rules).
        'lbfgs' is full-batch and bounded by ``max_iter`` and ``max_fun``.

    alpha : float, default=0.0001
        Strength of the weight penalty ``alpha * (l1_ratio * |W|_1 +
        (1 - l1_ratio) / 2 * |W|_2^2) / m``, m the batch's total sample weight.
        Biases, batch-norm and PReLU parameters are not penalized.

    batch_size : int, 'auto', 'scaled' or 'full', default='auto'
        Mini-batch size. 'auto' is ``min(200, n_samples)``, 'scaled' grows
        with the training set, ``min(n, clip(n // 64, 200, 1024))`` (200 up
        to 12,800 rows, 1024 from 65,536), 'full' is batch gradient
        descent, 1 is online SGD. Ignored by 'lbfgs'.

    learning_rate : str, default='constant'
        Learning-rate schedule (formulas in :mod:`sknn_hp.schedules`):
        'constant', 'invscaling', 'adaptive' (scikit-learn's), 'step',
        'exponential', 'power', 'piecewise', 'plateau' (performance
        scheduling), 'cosine', 'cosine_restarts', 'cyclic', 'onecycle'. Applies
        to every solver except 'lbfgs'.

    learning_rate_init : float, default=0.001
        The initial learning rate, lr0.

    power_t : float, default=0.5
        Exponent of 'invscaling': lr = lr0 / (samples_seen + 1) ** power_t.

    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or iterations ('lbfgs').

    shuffle : bool, default=True
        Shuffle the samples at every epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, shuffling, dropout and the validation
        split, through generators each fit owns (fits in parallel threads
        equal sequential ones). As in scikit-learn, None draws from numpy's
        global RNG (``np.random.seed`` makes it reproducible); an int or a
        RandomState never touches it, and torch's global RNG is never used.

    tol : float, default=1e-4
        Minimum improvement of the monitored quantity (training loss, or the
        validation score/loss with early stopping) within ``n_iter_no_change``
        epochs; below it training stops (or 'adaptive' divides the rate by 5).

    verbose : bool or int, default=False
        1 (or True): one line per epoch (scikit-learn's ``Iteration N, loss =
        ...`` followed by validation loss and score, learning rate and epoch
        time); 2: also a progress bar over each epoch's batches.

    warm_start : bool, default=False
        Reuse the previous solution as initialization of the next ``fit``.

    momentum : float, default=0.9
        Momentum of 'sgd'.

    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with 'sgd' and ``momentum > 0``.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for
        classifiers) and stop when the monitored validation quantity does not
        improve by ``tol`` for ``n_iter_no_change`` epochs.

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.

    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates (Adam family).

    epsilon : float, default=1e-8
        Numerical-stability constant of the adaptive solvers.

    n_iter_no_change : int, default=10
        Patience, in epochs, of the stopping rule.

    max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'.
"""

EXTENSIONS = """\
    l1_ratio : float, default=0.0
        Share of L1 in the penalty: 0 is scikit-learn's L2, 1 is pure L1,
        in between the elastic net.

    weight_init : str, default='auto'
        Weight initializer (see :mod:`sknn_hp.initializers`): 'auto' picks He
        uniform for the ReLU family, LeCun normal for SELU and Glorot uniform
        for tanh, logistic and identity (and the output layer);
        'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal',
        'lecun_uniform', 'lecun_normal', 'orthogonal', 'uniform', 'normal'.
        Biases start at zero.

    init_scale : float or None, default=None
        Half-width of 'uniform' (U(-s, s)), standard deviation of 'normal'
        (default 0.05 for both), or a gain for the other initializers
        (default 1).

    leaky_relu_slope : float, default=0.01
        Negative slope of 'leaky_relu'.

    elu_alpha : float, default=1.0
        Alpha of 'elu'.

    dropout : float or list of float, default=0.0
        Dropout rate after each hidden layer, or one per hidden layer. SELU
        layers use alpha dropout, which keeps self-normalization.

    input_dropout : float, default=0.0
        Dropout rate on the inputs.

    batch_norm : bool, 'before' or 'after', default=False
        Batch normalization in every hidden layer, before (True) or after the
        activation.

    input_batch_norm : bool, default=False
        Batch-normalize the inputs (an alternative to scaling them).

    residual : bool, default=False
        Skip connections around the hidden layers after the first,
        ``h = block(x) + skip(x)``, with a linear projection where widths differ.

    rho : float, default=0.9
        Decay of the squared-gradient average of 'rmsprop' and 'adadelta'.

    weight_decay : float, default=0.01
        Decoupled weight decay of 'adamw' (weights only).

    lr_decay_rate : float, default=0.1
        Decay factor of 'step', 'exponential', 'piecewise' and 'plateau'.

    lr_step_size : float, default=10
        Epochs per decay step ('step', 'exponential', 'power'), first period of
        'cosine_restarts', half-period of 'cyclic'.

    lr_milestones : array-like of float or None, default=None
        Epochs at which 'piecewise' multiplies the rate by ``lr_decay_rate``;
        None means half and three quarters of ``max_iter``.

    lr_patience : int, default=10
        Epochs without improvement before 'plateau' lowers the rate.

    lr_min : float, default=0.0
        Floor of 'plateau', end of 'cosine', 'cosine_restarts' and 'onecycle'.

    lr_max : float or None, default=None
        Peak of 'cyclic' and 'onecycle'; None means ``10 * learning_rate_init``.

    lr_power : float, default=1.0
        Exponent c of 'power': lr = lr0 / (1 + t / lr_step_size) ** c.

    lr_cycle_mult : float, default=1
        Period growth of 'cosine_restarts'.

    lr_warmup_fraction : float, default=0.3
        Share of ``max_iter`` over which 'onecycle' rises to ``lr_max``.

    monitor : {'score', 'loss'}, default='score'
        What early stopping watches on the validation set.

    restore_best_weights : bool, default=True
        With early stopping, end with the weights of the best validation epoch.

    clip_norm : float or None, default=None
        Clip the global gradient L2 norm to this value.

    clip_value : float or None, default=None
        Clip every gradient entry to [-clip_value, clip_value].
"""

TABULAR = """\
    categorical_features : array-like of int or bool or str, 'from_dtype' or None, default=None
        Which input columns are categorical, with HistGradientBoosting's
        meaning: None (none), 'from_dtype' (the pandas ``category``,
        ``object`` and ``string`` columns of a DataFrame; none for an array),
        integer indices, a boolean mask of shape (n_features,), or feature
        names (DataFrame input). A categorical column with ``k`` levels seen
        in ``fit`` enters the network as a one-hot vector of width ``k + 1``
        (a slot for missing values) when ``k <= max_onehot_categories``,
        else as a learned embedding of width ``categorical_embedding_dim``.
        Missing values (None, NaN, pandas.NA) are a category of their own;
        a category unseen in ``fit`` maps to an all-zero one-hot vector or
        a zero embedding, never to an error (with ``partial_fit`` the
        levels are those of the first call; later new levels share that
        code, whose embedding then trains). Missing values of numeric
        columns (NaN, None, pandas.NA) are imputed as
        ``SimpleImputer(strategy='median', add_indicator=True)`` does: each
        becomes its column's median in the first ``fit`` (NaN ignored,
        weighted by ``sample_weight``), before ``numeric_scaling`` and
        ``numeric_embedding``, and every numeric column with a missing value
        in that fit gets a 0/1 missing-indicator input (at predict time too;
        a column without missing values in fit is imputed without one).
        Infinite values raise. ``categorical_features=[]`` gives the
        imputation with no categorical column; None keeps scikit-learn's
        MLP behaviour (NaN raises). Categorical columns need dense input.
        ``coefs_[0]`` then has one row per input of the first hidden layer
        (numeric columns, then the one-hot and embedding widths, then the
        missing indicators), not one per column.

    max_onehot_categories : int, default=8
        Largest number of levels of a one-hot encoded categorical column;
        columns with more get an embedding.

    categorical_embedding_dim : int, default=8
        Width ``d`` of the embedding ``E[code]`` of a categorical column with
        many levels (``E`` of shape (k + 2, d), trained with the network,
        started at ``U(-1/sqrt(d), 1/sqrt(d))``).

    numeric_embedding : {None, 'periodic'}, default=None
        None: numeric columns enter the first hidden layer as they are.
        'periodic': PLR embeddings (Gorishniy et al. 2022): each numeric
        column ``x_j`` becomes ``ReLU([cos(2 pi c_j x_j), sin(2 pi c_j x_j)]
        W_j + b_j)``, with ``k`` trainable frequencies ``c_j`` (started at
        ``N(0, sigma^2)``) and a per-column linear map ``W_j`` of shape
        ``(2k, d)``; the first hidden layer reads ``n_numeric * d`` inputs.
        Scale the inputs (``numeric_scaling='robust'`` or a scaler) so that
        ``sigma`` means the same for every column.

    numeric_embedding_frequencies : int, default=16
        ``k``, the number of frequencies per numeric column.

    numeric_embedding_sigma : float, default=0.1
        ``sigma``, the standard deviation of the initial frequencies: larger
        values start with faster oscillations in ``x``.

    numeric_embedding_width : int, default=16
        ``d``, the embedding width per numeric column.

    numeric_scaling : {None, 'robust'}, default=None
        'robust': scale the numeric columns inside the estimator as
        :class:`sknn_hp.preprocessing.RobustSmoothClipScaler` does (RealMLP's
        ``z = (x - median) / (q75 - q25)``, then ``z / sqrt(1 + (z / 3)^2)``),
        with statistics from the first ``fit``: quantiles of the averaged
        inverted empirical CDF (the median is the usual one), weighted by
        ``sample_weight`` (an integer weight counts a row that many times,
        a zero weight leaves it out; ``class_weight`` does not enter them),
        NaN ignored. Needs dense input.

"""

RUNTIME = """\
    device : str, default='auto'
        'auto' (CUDA when available, else CPU), 'cpu', 'cuda' or 'cuda:N'.

    dtype : {None, 'float32', 'float64'}, default=None
        The network's floating-point type. None follows the input as
        scikit-learn's MLP does: float32 input (or, with
        ``categorical_features``, a DataFrame whose numeric columns are all
        float32) trains in float32, anything else in float64. 'float32'
        trains float64 data in float32, about twice as fast on a CPU and in
        half the memory, as RealMLP always does. Predictions come back in the
        input's float dtype either way.

    mixed_precision : bool, default=False
        Run forward passes under bfloat16 autocast (matrix products in bf16,
        parameters, optimizer and loss in float32, whatever the input's dtype:
        autocast lowers float32 only; predictions come back in the input's
        dtype). Fastest on GPUs with bf16 tensor cores; on CPUs without bf16
        units it can be slower.

    compile : bool, default=False
        Compile the network's training forward pass with ``torch.compile``
        (first epoch pays the compilation).

    deterministic : bool, default=False
        Train with torch's deterministic algorithms (bitwise-reproducible GPU
        runs): during ``fit`` and ``partial_fit`` only, set
        ``torch.use_deterministic_algorithms(True)``,
        ``torch.backends.cudnn.deterministic = True`` and
        ``torch.backends.cudnn.benchmark = False``, and restore the previous
        global values afterwards. On CUDA, cuBLAS also needs the environment
        variable ``CUBLAS_WORKSPACE_CONFIG=:4096:8`` (or ``:16:8``) before
        CUDA starts: it is set when CUDA has not been used yet in the
        process, else ``fit`` raises a RuntimeError saying how to set it.
        CPU runs are reproducible with ``random_state`` alone; this option
        does not change their results. See docs/persistence.md.

    diagnostics : bool, default=False
        Babysit the network: record per epoch and per layer the gradient norm,
        weight norm, update/weight ratio and share of dead units in
        ``history_`` (keys ``grad_norm.hidden_1`` ... ``grad_norm.output``,
        ``weight_norm.*``, ``update_ratio.*``, ``dead_units.*``) and warn
        (``GradientWarning``) when gradients vanish or explode. Training is
        slower while it is on.

    init_from : fitted MLPClassifier, MLPRegressor or None, default=None
        Transfer learning: start from this estimator's leading hidden layers
        (every leading layer whose shape and options match; the output layer
        is always new). Wrap it in ``sklearn.frozen.FrozenEstimator`` to keep
        it fitted through ``clone`` (grid search).

    freeze_layers : int, default=0
        Freeze the first ``freeze_layers`` hidden layers (and an input batch
        norm). The notes' recipe: fit with the reused layers frozen, then
        ``set_params(freeze_layers=0, learning_rate_init=lower,
        warm_start=True).fit(...)`` to fine-tune them.

    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks (instances, or ``(name, instance)`` pairs),
        run after the estimator's own, with skorch's semantics: they see
        the validation set (``early_stopping=True``) as ``dataset_valid``,
        the history keys ``train_loss``, ``valid_loss``, ``valid_score``,
        ``lr``, ``dur``, ``*_loss_best``, and the net's ``predict`` /
        ``predict_proba`` on the encoded targets; a ``KeyboardInterrupt``
        raised after an epoch (skorch's ``EarlyStopping``) ends training
        cleanly. A skorch ``LRScheduler`` needs ``learning_rate='constant'``.
        Which of skorch's callbacks work and how (``EpochScoring``,
        ``EarlyStopping``, ``LRScheduler``, ``Checkpoint``/``LoadInitState``,
        ``Freezer``, ``TensorBoard``, ``MlflowLogger``...): docs/callbacks.md.
"""

ATTRIBUTES = """\
    loss_ : float
        The loss at the end of training (penalty included).

    best_loss_ : float or None
        Minimum training loss; None with early stopping. Not set by 'lbfgs'.

    loss_curve_ : list of float
        Training loss per epoch, across warm starts and ``partial_fit`` calls.
        Not set by 'lbfgs'.

    validation_scores_ : list of float or None
        Validation score per epoch with early stopping, else None.

    best_validation_score_ : float or None
        Best validation score with early stopping, else None.

    t_ : int
        Training samples seen.

    coefs_ : list of ndarray of shape (fan_in, fan_out)
        Weight matrices of the hidden and output layers, as in scikit-learn.

    intercepts_ : list of ndarray of shape (fan_out,)
        Biases of the hidden and output layers.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Feature names, when X has string column names.

    n_iter_ : int
        Epochs (or 'lbfgs' iterations) run by the last call.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of outputs.

    out_activation_ : str
        Output activation: 'softmax', 'logistic', 'identity' or 'exp'.

    history_ : list of dict
        One record per epoch: ``epoch``, ``train_loss``, ``lr``, ``dur`` and,
        with a validation set, ``valid_loss`` and ``valid_score``. Use
        ``pandas.DataFrame(est.history_)``.

    transferred_layers_ : int
        Hidden layers copied from ``init_from`` (0 without it).

    net_ : skorch.NeuralNet
        The fitted skorch net (``net_.module_`` is the torch module).
"""
