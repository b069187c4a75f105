"""Plots of training: learning curves and the learning-rate range test.

matplotlib is an optional dependency (``pip install matplotlib``, or the
package's ``plot`` extra: ``pip install "sknn_hp[plot]"``); it is imported
only when a plot is drawn.
"""

__all__ = ["gradient_norms", "learning_curves", "lr_finder"]


def _pyplot():
    """``matplotlib.pyplot``, or an ImportError saying how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Plotting needs matplotlib, an optional dependency of sknn_hp: "
            "pip install matplotlib (or pip install 'sknn_hp[plot]')."
        ) from exc
    return plt


def _history(est):
    history = getattr(est, "history_", None)
    if history is None:
        if isinstance(est, (list, tuple)):
            return list(est)
        if hasattr(est, "to_dict"):  # a DataFrame of the history
            return est.to_dict("records")
        raise ValueError("learning_curves needs a fitted estimator (with a history_ attribute) or its history_.")
    return list(history)


def learning_curves(est, ax=None, show_lr=True):
    """Plot training and validation loss per epoch, with score and learning rate.

    The losses go on ``ax`` (left axis). The validation score (accuracy or
    R^2, with ``early_stopping=True``) goes on a twin axis on the right; the
    learning rate, when ``show_lr`` and it is recorded, goes on a second
    right-hand axis (offset outwards, log scale, since rates and scores live
    on different scales; it shares the first twin axis's role when there is no
    score). Curves are those of ``est.history_``: ``train_loss``,
    ``valid_loss``, ``valid_score`` and ``lr``.

    Parameters
    ----------
    est : fitted MLPClassifier or MLPRegressor, or its ``history_``
        The estimator, or a list of per-epoch dicts / a DataFrame with the
        same keys.
    ax : matplotlib Axes or None, default=None
        Axes for the losses; None creates a new figure.
    show_lr : bool, default=True
        Also plot the learning rate.

    Returns
    -------
    ax : matplotlib Axes
        The loss axes. The twin axes (score, learning rate) are in
        ``ax.figure.axes`` after it; a single legend on ``ax`` names every
        curve.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sknn_hp import MLPClassifier
    >>> from sknn_hp.plot import learning_curves
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier((8,), early_stopping=True, max_iter=20, random_state=0).fit(X, y)
    >>> ax = learning_curves(clf)
    >>> sorted(line.get_label() for a in ax.figure.axes for line in a.get_lines())
    ['learning rate', 'train loss', 'validation loss', 'validation score']
    """
    plt = _pyplot()
    history = _history(est)
    if not history:
        raise ValueError("The history is empty: fit the estimator first.")
    if ax is None:
        _, ax = plt.subplots()
    epochs = [row.get("epoch", i + 1) for i, row in enumerate(history)]
    marker = "o" if len(history) == 1 else None

    def column(key):
        values = [row.get(key) for row in history]
        return values if any(v is not None for v in values) else None

    handles = []
    losses = (("train_loss", "train loss", "tab:blue"), ("valid_loss", "validation loss", "tab:orange"))
    for key, label, color in losses:
        values = column(key)
        if values is not None:
            handles += ax.plot(epochs, values, color=color, marker=marker, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")

    right = None
    score = column("valid_score")
    if score is not None:
        right = ax.twinx()
        handles += right.plot(epochs, score, color="tab:green", marker=marker, label="validation score")
        right.set_ylabel("validation score")
    lr = column("lr") if show_lr else None
    if lr is not None:
        lr_ax = ax.twinx()
        if right is not None:
            lr_ax.spines["right"].set_position(("axes", 1.15))
        handles += lr_ax.plot(epochs, lr, color="tab:gray", linestyle="--", marker=marker, label="learning rate")
        if all(v is not None and v > 0 for v in lr):
            lr_ax.set_yscale("log")
        lr_ax.set_ylabel("learning rate")
    ax.legend(handles=handles, loc="best")
    ax.set_title("Learning curves")
    return ax


def lr_finder(result, ax=None):
    """Plot a learning-rate range test: smoothed loss against rate (log x axis).

    Parameters
    ----------
    result : LRFinderResult
        The output of :func:`sknn_hp.lr_finder.find_learning_rate`.
    ax : matplotlib Axes or None, default=None
        Where to draw; None creates a new figure.

    Returns
    -------
    ax : matplotlib Axes
        With the loss curve and a dashed line at the suggested rate.
    """
    return result.plot(ax=ax)


def gradient_norms(est, stat="grad_norm", ax=None):
    """Plot a per-layer statistic recorded with ``diagnostics=True``, one line per layer.

    With ``stat='grad_norm'`` (log scale) this is the vanishing-gradient
    picture of the course notes: in a deep tanh network started from
    U(-0.5, 0.5) the first layers' curves sit orders of magnitude below the
    output layer's; with ReLU + He, batch norm or residual connections they
    stay together.

    Parameters
    ----------
    est : fitted MLPClassifier or MLPRegressor, or its ``history_``
        Fitted with ``diagnostics=True``.
    stat : {'grad_norm', 'weight_norm', 'update_ratio', 'dead_units'}, default='grad_norm'
        Which statistic to draw.
    ax : matplotlib Axes or None, default=None
        Where to draw; None creates a new figure.

    Returns
    -------
    ax : matplotlib Axes
    """
    history = _history(est)
    keys = [k for k in history[0] if k.startswith(stat + ".")] if history else []
    if not keys:
        raise ValueError(f"No '{stat}.*' records in history_: fit the estimator with diagnostics=True.")
    if ax is None:
        _, ax = _pyplot().subplots()
    epochs = [h["epoch"] for h in history]
    for key in keys:
        ax.plot(epochs, [h.get(key, float("nan")) for h in history], label=key.split(".", 1)[1])
    if stat != "dead_units":
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(stat.replace("_", " "))
    ax.legend(fontsize="small", ncol=2)
    return ax
