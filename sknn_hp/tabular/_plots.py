"""The figures of a search: learning curves of the best model and the leaderboard chart."""

import os

from ._search import leaderboard

__all__ = ["save_leaderboard_plot", "save_learning_curves"]


def _final_estimator(model):
    """The fitted MLP inside a Pipeline / TransformedTargetRegressor / search."""
    for _ in range(10):
        if hasattr(model, "history_"):
            return model
        if hasattr(model, "best_estimator_"):
            model = model.best_estimator_
        elif hasattr(model, "steps"):
            model = model.steps[-1][1]
        elif hasattr(model, "regressor_"):
            model = model.regressor_
        else:
            return None
    return None


def save_learning_curves(model, path):
    """Draw the per-epoch curves of the MLP inside ``model`` (:func:`sknn_hp.plot.learning_curves`).

    Parameters
    ----------
    model : fitted MLP, or a Pipeline / TransformedTargetRegressor / search holding one
    path : str or path
        The PNG file.

    Returns
    -------
    path : str
        ``path``.

    Raises
    ------
    ImportError
        Without matplotlib.
    ValueError
        When ``model`` holds no fitted MLP with a history.
    """
    from matplotlib.figure import Figure

    from ..plot import learning_curves

    est = _final_estimator(model)
    if est is None or not getattr(est, "history_", None):
        raise ValueError("the model has no per-epoch history")
    fig = Figure(figsize=(8, 4.8))
    ax = fig.subplots()
    learning_curves(est, ax=ax)
    ax.set_title(f"Learning curves of the best model ({type(est).__name__})")
    fig.tight_layout()
    fig.savefig(os.fspath(path), dpi=100)
    return os.fspath(path)


def save_leaderboard_plot(search, path, top=12, metric="score", references=None):
    """A horizontal bar chart of the search's candidates: mean CV score and its spread.

    Parameters
    ----------
    search : fitted search
    path : str or path
        The PNG file.
    top : int, default=12
        Candidates shown, best at the top.
    metric : str, default='score'
        The axis label.
    references : dict or None, default=None
        ``{label: score}`` drawn as vertical lines (for example other models' scores).

    Returns
    -------
    path : str
        ``path``.

    Raises
    ------
    ImportError
        Without matplotlib.
    """
    from matplotlib.figure import Figure

    table = leaderboard(search, top=top)
    short = {"hidden_layer_sizes": "layers", "learning_rate_init": "lr", "learning_rate": "schedule",
             "label_smoothing": "smoothing"}
    shown = [c for c in table.columns if c not in ("rank", "mean_score", "std")]
    labels = [
        f"#{row['rank']}  " + ", ".join(f"{short.get(c, c)}={row[c]}" for c in shown if row[c] != "")
        for _, row in table.iterrows()
    ]
    fig = Figure(figsize=(11, 0.42 * len(table) + 1.6))
    ax = fig.subplots()
    positions = list(range(len(table)))[::-1]
    ax.barh(positions, table["mean_score"], xerr=table["std"], color="tab:blue", alpha=0.8, capsize=3)
    ax.set_yticks(positions)
    ax.set_yticklabels(labels, fontsize=8)
    for pos, score, std in zip(positions, table["mean_score"], table["std"]):
        ax.text(score + std, pos, f" {score:.4f}", va="center", fontsize=8)
    low = min(table["mean_score"] - table["std"])
    for i, (name, value) in enumerate((references or {}).items()):
        ax.axvline(value, color=f"C{i + 1}", linestyle="--", label=f"{name}: {value:.4f}")
        low = min(low, value)
    high = max(table["mean_score"] + table["std"])
    span = max(high - low, 1e-3)
    ax.set_xlim(low - 0.1 * span, high + 0.15 * span)
    ax.set_xlabel(f"mean cross-validated {metric} (bar: +/- one standard deviation)")
    ax.set_title("Search leaderboard")
    if references:
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(os.fspath(path), dpi=100)
    return os.fspath(path)
