"""Training losses, the weight penalty, and the validation scores.

``LOSSES`` maps a loss name to a function ``loss(output, target, options)``
that returns one value per sample; :class:`MLPLoss` averages them (weighted by
``sample_weight`` and ``class_weight`` when given) and adds the elastic-net
penalty. ``OUTPUT_GRADIENTS`` holds each loss's derivative with respect to the
network output, for the closed-form training step. The values match
scikit-learn's MLP losses:

================  ==========================================================
name              per-sample loss (z = network output, y = target)
================  ==========================================================
log_loss          -sum_k y_k log softmax(z)_k   (multiclass; label smoothing)
binary_log_loss   -sum_k [y_k log s(z_k) + (1 - y_k) log(1 - s(z_k))]
squared_error     mean_k (y_k - z_k)^2 / 2
absolute_error    mean_k ``|y_k - z_k|``
huber             mean_k huber_delta-Huber(y_k - z_k)
poisson           sum_k [exp(z_k) - y_k z_k + y_k log y_k - y_k]  (half deviance,
                  prediction exp(z))
================  ==========================================================

The penalty on the weight matrices W (never biases, batch-norm or PReLU
parameters) follows scikit-learn, divided by the batch's total sample weight m::

    alpha * (l1_ratio * sum |W| + (1 - l1_ratio) / 2 * sum W^2) / m

so ``l1_ratio=0`` is scikit-learn's L2 term exactly and ``l1_ratio=1`` is L1.
"""

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["LOSSES", "OUTPUT_GRADIENTS", "MLPLoss", "validation_score"]


def _log_loss(z, y, o):
    return F.cross_entropy(z, y, reduction="none", label_smoothing=o["label_smoothing"])


def _binary_log_loss(z, y, o):
    eps = o["label_smoothing"]
    if eps:
        y = y * (1.0 - eps) + 0.5 * eps
    return F.binary_cross_entropy_with_logits(z, y, reduction="none").sum(dim=1)


def _squared_error(z, y, o):
    return 0.5 * (z - y).pow(2).mean(dim=1)


def _absolute_error(z, y, o):
    return (z - y).abs().mean(dim=1)


def _huber(z, y, o):
    return F.huber_loss(z, y, reduction="none", delta=o["huber_delta"]).mean(dim=1)


def _poisson(z, y, o):
    return (torch.exp(z) - y * z + torch.xlogy(y, y) - y).sum(dim=1)


#: Registry of losses: the name -> ``loss(output, target, options)``, one value per sample.
LOSSES = {
    "log_loss": _log_loss,
    "binary_log_loss": _binary_log_loss,
    "squared_error": _squared_error,
    "absolute_error": _absolute_error,
    "huber": _huber,
    "poisson": _poisson,
}


def _log_loss_gradient(z, y, o):  # softmax(z) - q, q the (smoothed) one-hot target
    eps = o["label_smoothing"]
    # scatter, not F.one_hot: no bounds check, which would synchronize with a GPU every batch
    q = torch.zeros_like(z).scatter_(1, y.unsqueeze(1), 1.0)
    if eps:
        q.mul_(1.0 - eps).add_(eps / z.shape[1])
    # softmax over the sample axis of z^T: torch's CPU kernel vectorizes poorly over a short class axis
    return torch.softmax(z.t(), dim=0).t().sub_(q)


def _binary_log_loss_gradient(z, y, o):  # s(z) - y (y smoothed towards 1/2)
    eps = o["label_smoothing"]
    if eps:
        y = y * (1.0 - eps) + 0.5 * eps
    return torch.sigmoid(z).sub_(y)


def _squared_error_gradient(z, y, o):  # (z - y) / k
    return (z - y).div_(z.shape[1])


def _absolute_error_gradient(z, y, o):  # sign(z - y) / k
    return torch.sign(z - y).div_(z.shape[1])


def _huber_gradient(z, y, o):  # clip(z - y, -delta, delta) / k
    delta = o["huber_delta"]
    return (z - y).clamp_(-delta, delta).div_(z.shape[1])


def _poisson_gradient(z, y, o):  # exp(z) - y
    return torch.exp(z).sub_(y)


#: The gradient of each per-sample loss with respect to the network output z,
#: ``gradient(z, y, options) -> dl_i/dz`` of shape (n, n_outputs), for the
#: closed-form training step (:mod:`sknn_hp._backprop`).
OUTPUT_GRADIENTS = {
    "log_loss": _log_loss_gradient,
    "binary_log_loss": _binary_log_loss_gradient,
    "squared_error": _squared_error_gradient,
    "absolute_error": _absolute_error_gradient,
    "huber": _huber_gradient,
    "poisson": _poisson_gradient,
}


class MLPLoss(nn.Module):
    """Weighted mean of a per-sample loss plus the elastic-net penalty.

    Parameters
    ----------
    loss : str
        A key of :data:`LOSSES`.
    alpha : float
        Penalty strength.
    l1_ratio : float
        Share of L1 in the penalty, in [0, 1].
    label_smoothing : float
        For the classification losses.
    huber_delta : float
        For ``'huber'``.
    """

    def __init__(self, loss, alpha=0.0, l1_ratio=0.0, label_smoothing=0.0, huber_delta=1.0):
        super().__init__()
        self.loss = loss
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.options = {"label_smoothing": label_smoothing, "huber_delta": huber_delta}

    def forward(self, output, target, weights=None):
        """Mean loss of a batch; with ``weights`` (penalized tensors), add the penalty.

        Parameters
        ----------
        output : torch.Tensor of shape (n, n_outputs)
        target : torch.Tensor or tuple (y, sample_weight)
        weights : list of torch.Tensor or None
            The matrices to penalize; None during evaluation.
        """
        if isinstance(target, (tuple, list)):
            y, sw = target
        else:
            y, sw = target, None
        per_sample = LOSSES[self.loss](output, y, self.options)
        if sw is None:
            total = per_sample.shape[0]
            loss = per_sample.mean()
        else:
            total = sw.sum()
            loss = (per_sample * sw).sum() / total
        if weights and self.alpha:
            l1 = self.l1_ratio
            penalty = 0.0
            for w in weights:
                if l1 < 1:
                    penalty = penalty + 0.5 * (1.0 - l1) * w.pow(2).sum()
                if l1 > 0:
                    penalty = penalty + l1 * w.abs().sum()
            loss = loss + self.alpha * penalty / total
        return loss


def validation_score(loss, output, target):
    """The score scikit-learn reports in ``validation_scores_``, from raw outputs.

    Accuracy (exact match for multilabel) for classification losses, R^2
    (uniform average over outputs) for regression. Sample weights weight both.
    NaN when an output is not finite (a diverged network), as scikit-learn.

    Parameters
    ----------
    loss : str
        The training loss; it tells the task and the output link.
    output : torch.Tensor of shape (n, n_outputs)
    target : torch.Tensor or tuple (y, sample_weight)

    Returns
    -------
    score : float
    """
    y, sw = target if isinstance(target, (tuple, list)) else (target, None)
    if not torch.isfinite(output).all():  # scikit-learn scores non-finite predictions as NaN
        return float("nan")
    if loss == "log_loss":
        correct = (output.argmax(dim=1) == y).to(output.dtype)
    elif loss == "binary_log_loss":
        correct = ((output > 0) == (y > 0.5)).all(dim=1).to(output.dtype)
    else:
        pred = torch.exp(output) if loss == "poisson" else output
        w = torch.ones_like(y[:, 0]) if sw is None else sw
        w = w[:, None]
        mean = (w * y).sum(dim=0) / w.sum()
        ss_res = (w * (y - pred) ** 2).sum(dim=0)
        ss_tot = (w * (y - mean) ** 2).sum(dim=0)
        r2 = torch.where(ss_tot > 0, 1.0 - ss_res / torch.where(ss_tot > 0, ss_tot, 1.0),
                         torch.where(ss_res > 0, 0.0, 1.0))
        return float(r2.mean())
    if sw is None:
        return float(correct.mean())
    return float((correct * sw).sum() / sw.sum())
