"""The skorch net the estimators build inside ``fit``.

Only two documented extension points change: there are no default callbacks
(the estimators install their own, see :mod:`sknn_hp.callbacks`), and
``get_loss`` hands the penalized weight matrices to the criterion during
training so that the L1/L2 penalty joins the loss.
"""

from skorch import NeuralNet
from skorch.utils import to_tensor

__all__ = ["SkorchMLP"]


class SkorchMLP(NeuralNet):
    """skorch ``NeuralNet`` with the loss penalty and no default callbacks."""

    def get_default_callbacks(self):
        return []

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device)
        weights = self.module_.penalized_weights() if training else None
        return self.criterion_(y_pred, y_true, weights)
