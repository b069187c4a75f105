"""The torch network behind both estimators.

    x -> [BatchNorm] -> [Dropout] -> block_1 -> ... -> block_L -> Linear -> output

Each hidden block is ``Linear -> [BatchNorm] -> activation -> [BatchNorm] ->
[Dropout]`` (batch norm before or after the activation), and with
``residual=True`` every block after the first adds its input back,
``h = block(x) + skip(x)``, where ``skip`` is the identity when the widths
match and a bias-free linear projection when they differ. The output layer is
linear: the estimators apply softmax, the logistic function or exp when they
predict, which keeps the losses numerically stable.
"""

import torch
from torch import nn

from .activations import ACTIVATIONS, make_activation
from .initializers import init_linear_

__all__ = ["AlphaDropout", "Dropout", "HiddenBlock", "MLPModule"]


class HiddenBlock(nn.Module):
    """One hidden layer.

    Parameters
    ----------
    fan_in, width : int
        Input and output widths.
    activation : torch.nn.Module
    batch_norm : {None, 'before', 'after'}
        Where a ``BatchNorm1d`` goes relative to the activation.
    dropout : torch.nn.Module or None
        ``Dropout`` or ``AlphaDropout``, after everything else.
    residual : bool
        Add the (projected) input to the output.
    factory : dict
        ``device`` and ``dtype`` for the parameters.
    """

    def __init__(self, fan_in, width, activation, batch_norm, dropout, residual, factory):
        super().__init__()
        self.linear = nn.Linear(fan_in, width, **factory)
        self.norm_before = nn.BatchNorm1d(width, **factory) if batch_norm == "before" else None
        self.activation = activation
        self.norm_after = nn.BatchNorm1d(width, **factory) if batch_norm == "after" else None
        self.dropout = dropout
        self.skip = None
        if residual:
            self.skip = nn.Identity() if fan_in == width else nn.Linear(fan_in, width, bias=False, **factory)

    def forward(self, x):
        h = self.linear(x)
        if self.norm_before is not None:
            h = self.norm_before(h)
        h = self.activation(h)
        if self.norm_after is not None:
            h = self.norm_after(h)
        if self.dropout is not None:
            h = self.dropout(h)
        if self.skip is not None:
            h = h + self.skip(x)
        return h


class Dropout(nn.Dropout):
    """Inverted dropout whose masks come from ``generator`` (the fit's own stream) when set.

    ``y = x * m / (1 - p)`` with ``m ~ Bernoulli(1 - p)`` in training, the
    identity in evaluation. With ``generator=None`` the masks come from
    torch's global generator, as ``torch.nn.Dropout``'s do.
    """

    generator = None

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        keep = 1.0 - self.p
        return x * torch.empty_like(x).bernoulli_(keep, generator=self.generator).div_(keep)


class AlphaDropout(nn.AlphaDropout):
    """Alpha dropout (for SELU networks) whose masks come from ``generator`` when set.

    Dropped units are set to SELU's negative saturation value
    ``a' = -lambda * alpha`` and the result is affinely corrected to keep the
    mean and variance: ``y = a (x m + a' (1 - m)) + b`` with
    ``a = ((1 - p) (1 + p a'^2))^(-1/2)`` and ``b = -a a' p`` (Klambauer et al.
    2017; torch's ``alpha_dropout``).
    """

    generator = None
    _SATURATION = -1.0507009873554805 * 1.6732632423543772

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        p, sat = self.p, self._SATURATION
        a = ((1.0 - p) * (1.0 + p * sat**2)) ** -0.5
        b = -a * sat * p
        mask = torch.empty_like(x).bernoulli_(1.0 - p, generator=self.generator)
        return (x * mask + sat * (1.0 - mask)) * a + b


def _dropout(p, activation):
    if not p:
        return None
    # SELU networks keep their self-normalization only with alpha dropout.
    return AlphaDropout(p) if activation == "selu" else Dropout(p)


class MLPModule(nn.Module):
    """A multi-layer perceptron with the options of the course notes.

    Parameters
    ----------
    n_features : int
    hidden_layer_sizes : list of int
    n_outputs : int
    activations : list of str
        One activation name per hidden layer.
    dropouts : list of float
        One dropout rate per hidden layer.
    input_dropout : float
    batch_norm : {None, 'before', 'after'}
    input_batch_norm : bool
    residual : bool
    activation_options : dict
        ``leaky_relu_slope`` and ``elu_alpha``.
    dtype : torch.dtype
    device : str
    """

    def __init__(
        self,
        n_features,
        hidden_layer_sizes,
        n_outputs,
        activations,
        dropouts,
        input_dropout=0.0,
        batch_norm=None,
        input_batch_norm=False,
        residual=False,
        activation_options=None,
        dtype=torch.float32,
        device="cpu",
    ):
        super().__init__()
        factory = {"dtype": dtype, "device": device}
        options = {**(activation_options or {}), "factory": factory}
        self.activation_names = list(activations)
        self.input_norm = nn.BatchNorm1d(n_features, **factory) if input_batch_norm else None
        self.input_dropout = Dropout(input_dropout) if input_dropout else None
        blocks, fan_in = [], n_features
        for i, (width, act, p) in enumerate(zip(hidden_layer_sizes, activations, dropouts)):
            blocks.append(
                HiddenBlock(
                    fan_in,
                    width,
                    make_activation(act, width, options),
                    batch_norm,
                    _dropout(p, act),
                    residual and i > 0,
                    factory,
                )
            )
            fan_in = width
        self.hidden = nn.ModuleList(blocks)
        self.output = nn.Linear(fan_in, n_outputs, **factory)

    def forward(self, x):
        if self.input_norm is not None:
            x = self.input_norm(x)
        if self.input_dropout is not None:
            x = self.input_dropout(x)
        for block in self.hidden:
            x = block(x)
        return self.output(x)

    def init_weights(self, weight_init="auto", init_scale=None, generator=None):
        """Initialize every linear layer; biases to zero.

        With ``'auto'`` each hidden layer gets the initializer its activation
        asks for (see :mod:`sknn_hp.activations`) and the linear output layer
        gets Glorot uniform. Draws come from ``generator`` (torch's global
        generator when None), layer by layer from the input.
        """
        for block, act in zip(self.hidden, self.activation_names):
            name = ACTIVATIONS[act].init if weight_init == "auto" else weight_init
            init_linear_(block.linear, name, init_scale, generator)
            if isinstance(block.skip, nn.Linear):
                init_linear_(block.skip, name, init_scale, generator)
        name = "glorot_uniform" if weight_init == "auto" else weight_init
        init_linear_(self.output, name, init_scale, generator)
        return self

    def set_generator(self, generator):
        """Draw every dropout mask from ``generator`` (None: torch's global generator)."""
        for layer in self.modules():
            if isinstance(layer, (Dropout, AlphaDropout)):
                layer.generator = generator
        return self

    def load_leading_blocks(self, source):
        """Copy the leading hidden blocks of ``source`` whose parameter shapes match.

        Copying stops at the first block that differs (width, fan-in, batch
        norm, skip projection or PReLU). The output layer is never copied: the
        new task gets a fresh one. Returns the number of blocks copied.
        """
        copied = 0
        for mine, theirs in zip(self.hidden, source.hidden):
            mine_state, their_state = mine.state_dict(), theirs.state_dict()
            same = mine_state.keys() == their_state.keys() and all(
                mine_state[k].shape == their_state[k].shape for k in mine_state
            )
            if not same:
                break
            mine.load_state_dict({k: v.to(mine_state[k].dtype) for k, v in their_state.items()})
            copied += 1
        if copied and self.input_norm is not None and source.input_norm is not None:
            if self.input_norm.weight.shape == source.input_norm.weight.shape:
                self.input_norm.load_state_dict(source.input_norm.state_dict())
        return copied

    def freeze(self, n_layers):
        """Freeze the input batch norm and the first ``n_layers`` hidden blocks; unfreeze the rest.

        Frozen blocks get no gradient and always run in inference mode (batch
        norm uses its running statistics and stops updating them, dropout is
        off), as Keras does for frozen layers.
        """
        self.n_frozen = n_layers
        if self.input_norm is not None:
            self.input_norm.requires_grad_(n_layers == 0)
        for i, block in enumerate(self.hidden):
            block.requires_grad_(i >= n_layers)
        return self.train(self.training)

    def train(self, mode=True):
        super().train(mode)
        n_frozen = getattr(self, "n_frozen", 0)
        if mode and n_frozen:
            if self.input_norm is not None:
                self.input_norm.eval()
            for block in self.hidden[:n_frozen]:
                block.eval()
        return self

    def main_linears(self):
        """The linear layers that scikit-learn's ``coefs_`` lists, input to output."""
        return [block.linear for block in self.hidden] + [self.output]

    def penalized_weights(self):
        """Weight matrices under the L1/L2 penalty: every linear layer's weight."""
        weights = [layer.weight for layer in self.main_linears()]
        weights += [b.skip.weight for b in self.hidden if isinstance(b.skip, nn.Linear)]
        return weights
