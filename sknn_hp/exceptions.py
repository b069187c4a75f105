"""Warnings the estimators emit."""

__all__ = ["DivergenceWarning"]


class DivergenceWarning(UserWarning):
    """The training loss became NaN or infinite.

    Training stopped and the weights of the last finite epoch were restored.
    Lower ``learning_rate_init``, standardize the inputs (``StandardScaler`` or
    ``input_batch_norm=True``), or clip gradients (``clip_norm``).
    """
