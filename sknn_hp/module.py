"""The torch network behind both estimators.

    x -> [input block] -> [BatchNorm] -> [Dropout] -> block_1 -> ... -> block_L -> Linear -> output

Each hidden block is ``Linear -> [BatchNorm] -> activation -> [BatchNorm] ->
[Dropout]`` (batch norm before or after the activation), and with
``residual=True`` every block after the first adds its input back,
``h = block(x) + skip(x)``, where ``skip`` is the identity when the widths
match and a bias-free linear projection when they differ. The output layer is
linear: the estimators apply softmax, the logistic function or exp when they
predict, which keeps the losses numerically stable.

The optional input block (:class:`TabularInput`) reads the encoded input of
an estimator with categorical columns or numerical embeddings: numeric columns
pass through (or through a :class:`PeriodicEmbedding`), categorical codes
become one-hot vectors or learned embeddings, missing indicators pass through,
and the concatenation feeds the first hidden layer.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from .activations import ACTIVATIONS, make_activation
from .initializers import init_linear_

__all__ = ["AlphaDropout", "Dropout", "HiddenBlock", "MLPModule", "PeriodicEmbedding", "TabularInput"]


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


class PeriodicEmbedding(nn.Module):
    """PLR numerical embeddings (Gorishniy et al. 2022, "On embeddings for numerical features in tabular DL").

    Each numeric feature ``x_j`` (a scalar) becomes a vector of width ``d``::

        v_j = 2 pi c_j x_j                                  (k trainable frequencies c_j)
        e_j = ReLU([cos(v_j), sin(v_j)] W_j + b_j)          (W_j of shape (2k, d))

    and the output concatenates ``e_1, ..., e_F`` (width ``F * d``). The
    frequencies start at ``c_ji ~ N(0, sigma^2)``; ``W_j`` and ``b_j`` at
    ``U(-1/sqrt(2k), 1/sqrt(2k))``, as a ``torch.nn.Linear`` of fan-in ``2k``.

    Parameters
    ----------
    n_features : int
        ``F``.
    n_frequencies : int
        ``k``.
    sigma : float
        Standard deviation of the initial frequencies.
    width : int
        ``d``.
    factory : dict
        ``device`` and ``dtype`` of the parameters.
    """

    def __init__(self, n_features, n_frequencies, sigma, width, factory):
        super().__init__()
        self.sigma = float(sigma)
        self.frequencies = nn.Parameter(torch.zeros(n_features, n_frequencies, **factory))
        self.weight = nn.Parameter(torch.zeros(n_features, 2 * n_frequencies, width, **factory))
        self.bias = nn.Parameter(torch.zeros(n_features, width, **factory))

    @property
    def out_features(self):
        return self.weight.shape[0] * self.weight.shape[2]

    def reset_parameters(self, generator=None):
        """Draw the initial parameters (from ``generator``, torch's global one when None)."""
        with torch.no_grad():
            self.frequencies.normal_(0.0, self.sigma, generator=generator)
            bound = 1.0 / math.sqrt(self.weight.shape[1])
            self.weight.uniform_(-bound, bound, generator=generator)
            self.bias.uniform_(-bound, bound, generator=generator)
        return self

    def forward(self, x):
        v = (2 * math.pi) * x.unsqueeze(-1) * self.frequencies  # (n, F, k)
        periodic = torch.cat([torch.cos(v), torch.sin(v)], dim=-1)  # (n, F, 2k)
        h = torch.einsum("nfk,fkd->nfd", periodic, self.weight) + self.bias
        return torch.relu(h).flatten(1)


class TabularInput(nn.Module):
    """The input block: numeric columns, then one-hot or embedded categorical codes, then missing indicators.

    The input holds ``n_numeric`` numeric columns followed by one integer
    code per categorical column (stored as floats; see
    :mod:`sknn_hp._categorical`: 0 for a category unseen in fit, 1 for a
    missing value, 2.. for the ``k`` levels seen in fit), then
    ``n_indicators`` 0/1 missing indicators of numeric columns. The output
    concatenates:

    - the numeric columns as they are, or their :class:`PeriodicEmbedding`;
    - for each categorical column with ``embedding_dims[j] == 0``, its
      one-hot vector of width ``k + 1`` (missing and the ``k`` levels; an
      unseen category is all zeros);
    - for the others, a learned embedding ``E_j[code]`` of width
      ``embedding_dims[j]``, ``E_j`` of shape ``(k + 2, d)`` drawn from
      ``U(-1/sqrt(d), 1/sqrt(d))`` except row 0 (unseen), which is zero and
      stays zero (no training row has that code);
    - the missing indicators as they are.

    Parameters
    ----------
    n_numeric : int
    cardinalities : list of int
        ``k`` of each categorical column.
    embedding_dims : list of int
        0 (one-hot) or the embedding width of each categorical column.
    numeric_embedding : {None, 'periodic'}
    n_frequencies, sigma, width : int, float, int
        The :class:`PeriodicEmbedding` knobs.
    n_indicators : int, default=0
        Number of missing-indicator columns at the end of the input.
    factory : dict
        ``device`` and ``dtype`` of the parameters.
    """

    n_indicators = 0  # blocks saved before missing indicators existed

    def __init__(self, n_numeric, cardinalities, embedding_dims, numeric_embedding=None, n_frequencies=16,
                 sigma=0.1, width=16, n_indicators=0, factory=None):
        super().__init__()
        factory = factory or {}
        self.n_numeric = int(n_numeric)
        self.n_indicators = int(n_indicators)
        self.cardinalities = [int(k) for k in cardinalities]
        self.embedding_dims = [int(d) for d in embedding_dims]
        self.periodic = None
        if numeric_embedding == "periodic" and self.n_numeric:
            self.periodic = PeriodicEmbedding(self.n_numeric, n_frequencies, sigma, width, factory)
        self.embeddings = nn.ModuleDict(
            {
                str(j): nn.Embedding(k + 2, d, **factory)
                for j, (k, d) in enumerate(zip(self.cardinalities, self.embedding_dims))
                if d > 0
            }
        )
        width_out = self.periodic.out_features if self.periodic is not None else self.n_numeric
        width_out += sum(k + 1 if d == 0 else d for k, d in zip(self.cardinalities, self.embedding_dims))
        self.out_features = width_out + self.n_indicators

    def reset_parameters(self, generator=None):
        """Draw the initial parameters (from ``generator``): periodic embedding, then each embedding table."""
        if self.periodic is not None:
            self.periodic.reset_parameters(generator)
        with torch.no_grad():
            for table in self.embeddings.values():
                bound = 1.0 / math.sqrt(table.embedding_dim)
                table.weight.uniform_(-bound, bound, generator=generator)
                table.weight[0].zero_()
        return self

    def forward(self, x):
        numeric = x[:, : self.n_numeric]
        parts = [self.periodic(numeric) if self.periodic is not None else numeric]
        n_codes = len(self.cardinalities)
        codes = x[:, self.n_numeric : self.n_numeric + n_codes].long()
        for j, (k, d) in enumerate(zip(self.cardinalities, self.embedding_dims)):
            if d == 0:
                parts.append(F.one_hot(codes[:, j], k + 2)[:, 1:].to(x.dtype))
            else:
                parts.append(self.embeddings[str(j)](codes[:, j]))
        if self.n_indicators:
            parts.append(x[:, self.n_numeric + n_codes :])
        return torch.cat(parts, dim=1)


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
    input_spec : dict or None
        The keyword arguments of a :class:`TabularInput` block before
        everything else (``factory`` excepted); None for none. The input
        batch norm and dropout then act on the block's output.
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
        input_spec=None,
    ):
        super().__init__()
        factory = {"dtype": dtype, "device": device}
        self.input_block = TabularInput(**input_spec, factory=factory) if input_spec else None
        if self.input_block is not None:
            n_features = self.input_block.out_features
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
        input_block = getattr(self, "input_block", None)  # absent from networks pickled before it existed
        if input_block is not None:
            x = input_block(x)
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
        generator when None), layer by layer from the input, the input
        block's parameters first.
        """
        if self.input_block is not None:
            self.input_block.reset_parameters(generator)
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
        if getattr(self, "input_block", None) is not None:
            self.input_block.requires_grad_(n_layers == 0)
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
