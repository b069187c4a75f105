"""Closed-form backpropagation: the training step of a plain MLP without autograd.

A tabular network's training step is small: at batch 32, a (64,) network does
a few microseconds of arithmetic per operator, while eager PyTorch spends most
of the step recording the autograd graph, replaying it, and looping over
parameter groups in the optimizer. scikit-learn's MLP avoids that by writing
backpropagation out in numpy. This module does the same with torch operators,
for the networks whose derivatives are known in closed form (l = 1..L hidden
layers, W_{L+1}, b_{L+1} the output layer)::

    forward   a_0 = x * m_0,  z_l = a_{l-1} W_l^T + b_l,  a_l = f_l(z_l) * m_l
    output    z = a_L W_{L+1}^T + b_{L+1}
              delta = dl_i/dz * s_i / sum(s)        (losses.OUTPUT_GRADIENTS)
    backward  dW_l = delta_l^T a_{l-1},  db_l = sum_i delta_l
              delta_{l-1} = f'_{l-1}(z_{l-1}) * m_{l-1} * (delta_l W_l)
    penalty   dW_l += alpha ((1 - r) W_l + r sign(W_l)) / sum(s)

with m_l the inverted-dropout masks (Bernoulli(1 - p) / (1 - p), or 1), s the
sample weights (1 without them) and r = ``l1_ratio``. The activations'
derivatives are the same ``aten.*_backward`` kernels autograd calls (see
:mod:`sknn_hp.activations`); the loss value recorded for the epoch comes from
the same criterion as the general step, evaluated without a graph; and the
update calls the fused Adam/AdamW kernel or the SGD rule directly on the
optimizer's own state (:func:`sknn_hp.optimizers.direct_update`) or, for
other solvers, the optimizer's ``step()``. The result is the general step's, to rounding.

Networks with an input block (categorical columns, numerical embeddings),
batch norm, residual connections, PReLU, alpha dropout or frozen
layers, and runs with a callback that reads gradients (clipping,
diagnostics), mixed precision or ``compile``, take the general autograd step:
:func:`closed_form_step` returns None for them.
"""

import torch
from torch import nn

from .activations import ACTIVATIONS
from .losses import OUTPUT_GRADIENTS
from .module import Dropout
from .optimizers import direct_update

__all__ = ["ClosedFormStep", "closed_form_step"]


def _dropout_rate(dropout):
    """The rate of a plain ``nn.Dropout`` (0 for none); None for any other module."""
    if dropout is None:
        return 0.0
    return dropout.p if type(dropout) in (Dropout, nn.Dropout) else None


def closed_form_step(net):
    """The closed-form training step for ``net``, or None when autograd must train it.

    Parameters
    ----------
    net : sknn_hp._net.SkorchMLP
        An initialized net whose module is in training mode.

    Returns
    -------
    step : ClosedFormStep or None
    """
    module, criterion = net.module_, net.criterion_
    if net.autocast_dtype is not None or net.compile_module or not module.training:
        return None
    if getattr(criterion, "loss", None) not in OUTPUT_GRADIENTS:
        return None
    if module.input_norm is not None or getattr(module, "n_frozen", 0):
        return None
    if getattr(module, "input_block", None) is not None:  # one-hot, embeddings, periodic features: autograd
        return None
    if not all(p.requires_grad for p in module.parameters()):
        return None
    if _dropout_rate(module.input_dropout) is None:
        return None
    for block, name in zip(module.hidden, module.activation_names):
        if block.norm_before is not None or block.norm_after is not None or block.skip is not None:
            return None
        if ACTIVATIONS[name].derivative is None or _dropout_rate(block.dropout) is None:
            return None
    return ClosedFormStep(net)


class ClosedFormStep:
    """One training step by closed-form backpropagation (see the module docstring).

    Built once per epoch by :func:`closed_form_step`; the parameter views and
    gradient buffers it gathers stay valid while the optimizer updates the
    parameters in place.

    Parameters
    ----------
    net : sknn_hp._net.SkorchMLP
    """

    def __init__(self, net):
        module = net.module_
        self.net = net
        self.criterion = net.criterion_
        self.output_gradient = OUTPUT_GRADIENTS[self.criterion.loss]
        self.input_dropout = _dropout_rate(module.input_dropout)
        # the masks come from the stream the module's dropout layers use (the fit's own)
        self.generator = getattr(module.input_dropout, "generator", None) or next(
            (block.dropout.generator for block in module.hidden if block.dropout is not None), None
        )
        self.layers = [
            _Layer(block.linear, block.activation, ACTIVATIONS[name].derivative, _dropout_rate(block.dropout))
            for block, name in zip(module.hidden, module.activation_names)
        ]
        self.layers.append(_Layer(module.output))
        self.weights = [layer.W for layer in self.layers]
        self.weight_grads = [layer.dW for layer in self.layers]
        self.update = direct_update(net.optimizer_)

    def _mask(self, like, rate):
        return torch.empty_like(like).bernoulli_(1.0 - rate, generator=self.generator).div_(1.0 - rate)

    def __call__(self, X, target):
        """Forward, backward and update on one batch.

        Parameters
        ----------
        X : torch.Tensor of shape (n, n_features)
        target : torch.Tensor or tuple (y, sample_weight)

        Returns
        -------
        loss : torch.Tensor
            The batch loss (penalty included), a 0-d tensor left on the device.
        output : torch.Tensor of shape (n, n_outputs)
        """
        y, sw = target if isinstance(target, (tuple, list)) else (target, None)
        a = X * self._mask(X, self.input_dropout) if self.input_dropout else X
        hidden, output_layer = self.layers[:-1], self.layers[-1]
        inputs, saved = [a], []
        for layer in hidden:
            z = torch.addmm(layer.b, a, layer.Wt)
            a = layer.activate(z)
            mask = self._mask(a, layer.rate) if layer.rate else None
            saved.append((z, a, mask))
            a = a * mask if mask is not None else a
            inputs.append(a)
        output = torch.addmm(output_layer.b, a, output_layer.Wt)

        criterion = self.criterion
        penalized = self.weights if criterion.alpha else None
        loss = criterion.forward(output, target, penalized)
        total = output.shape[0] if sw is None else sw.sum()
        delta = self.output_gradient(output, y, criterion.options)
        delta = delta.div_(total) if sw is None else delta.mul_((sw / total).unsqueeze(1))

        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            torch.mm(delta.t(), inputs[i], out=layer.dW)
            torch.sum(delta, 0, out=layer.db)
            if i:
                z, a, mask = saved[i - 1]
                delta = delta.mm(layer.W)
                if mask is not None:
                    delta.mul_(mask)
                below = hidden[i - 1]
                delta = below.derivative(delta, z, a, below.activation)
        if penalized:
            self._add_penalty_gradient(total)

        if self.update is None:
            self.net.optimizer_.step()
            self.update = direct_update(self.net.optimizer_)
        else:
            self.update()
        return loss, output

    def _add_penalty_gradient(self, total):
        """dW += alpha ((1 - r) W + r sign(W)) / total, for every weight matrix at once."""
        alpha, r = self.criterion.alpha, self.criterion.l1_ratio
        scale = alpha / total
        if r < 1:
            torch._foreach_add_(self.weight_grads, torch._foreach_mul(self.weights, scale * (1.0 - r)))
        if r > 0:
            torch._foreach_add_(self.weight_grads, torch._foreach_mul(torch._foreach_sign(self.weights), scale * r))


class _Layer:
    """A linear layer's tensors as the closed-form step uses them, with what follows it."""

    __slots__ = ("W", "Wt", "b", "dW", "db", "activation", "activate", "derivative", "rate")

    def __init__(self, linear, activation=None, derivative=None, rate=0.0):
        for p in (linear.weight, linear.bias):
            if p.grad is None:
                p.grad = torch.zeros_like(p)
        self.W, self.b = linear.weight.detach(), linear.bias.detach()
        self.Wt = self.W.t()
        self.dW, self.db = linear.weight.grad, linear.bias.grad
        self.activation, self.derivative, self.rate = activation, derivative, rate
        self.activate = activation.forward if activation is not None else None  # no hooks: it is hot
