"""Warnings the estimators emit."""

__all__ = ["DivergenceWarning", "GradientWarning"]


class DivergenceWarning(UserWarning):
    """The training loss became NaN or infinite.

    Training stopped and the weights of the last finite epoch were restored.
    Lower ``learning_rate_init``, standardize the inputs (``StandardScaler`` or
    ``input_batch_norm=True``), or clip gradients (``clip_norm``).
    """


class GradientWarning(UserWarning):
    """Gradients vanish or explode across the network (raised with ``diagnostics=True``).

    Emitted when the first hidden layer's mean gradient norm is below 1e-3 or
    above 1e3 times the output layer's, in the first or last epoch of a fit.
    """
