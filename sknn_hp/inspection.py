"""Look inside a fitted network: a Keras-style layer table.

:func:`summary` lists the layers of a fitted estimator's torch network in the
order the data flows through them, with each layer's output width and
parameter count::

    >>> from sklearn.datasets import load_iris
    >>> from sknn_hp import MLPClassifier
    >>> from sknn_hp.inspection import summary
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(X, y)
    >>> summary(clf).total_params  # (4 * 8 + 8) + (8 * 3 + 3)
    67

Parameter counts follow the layer formulas: a linear layer from ``n_in`` to
``n_out`` units has ``n_in * n_out + n_out`` parameters (a residual projection
has no bias: ``n_in * n_out``), a batch-norm layer ``2 * n`` (scale gamma and
shift beta; its running mean and variance are buffers, not parameters), a
PReLU layer one slope per unit, and activations, dropout and identity skips
none.
"""

from dataclasses import dataclass

from sklearn.utils.validation import check_is_fitted
from torch import nn

__all__ = ["LayerInfo", "ModelSummary", "summary"]


@dataclass(frozen=True)
class LayerInfo:
    """One row of a :class:`ModelSummary`.

    Parameters
    ----------
    layer : str
        Layer name, e.g. ``'hidden_1.linear'`` or ``'hidden_1.activation (relu)'``.
    output_width : int
        Number of units the layer outputs.
    params : int
        Number of parameters (scalars) of the layer.
    trainable : bool
        Whether every parameter of the layer has ``requires_grad`` (True for
        layers without parameters).
    trainable_params : int
        Number of the layer's parameters that have ``requires_grad``.
    """

    layer: str
    output_width: int
    params: int
    trainable: bool
    trainable_params: int


class ModelSummary:
    """Layer table of a network, returned by :func:`summary`.

    Parameters
    ----------
    layers : list of LayerInfo
        The rows, input to output.
    title : str, default=''
        First line of the text table.
    notes : list of str, default=()
        Lines printed under the totals.

    Attributes
    ----------
    layers : list of LayerInfo
    total_params : int
        Parameters of the whole network.
    trainable_params : int
        Parameters with ``requires_grad``.
    non_trainable_params : int
        ``total_params - trainable_params`` (frozen parameters).
    """

    def __init__(self, layers, title="", notes=()):
        self.layers = list(layers)
        self.title = title
        self.notes = list(notes)
        self.total_params = sum(row.params for row in self.layers)
        self.trainable_params = sum(row.trainable_params for row in self.layers)
        self.non_trainable_params = self.total_params - self.trainable_params

    def to_frame(self):
        """The table as a DataFrame.

        Returns
        -------
        frame : pandas.DataFrame
            Columns ``layer``, ``output_width``, ``params`` and ``trainable``;
            one row per layer.
        """
        import pandas as pd

        return pd.DataFrame(
            {
                "layer": [r.layer for r in self.layers],
                "output_width": [r.output_width for r in self.layers],
                "params": [r.params for r in self.layers],
                "trainable": [r.trainable for r in self.layers],
            }
        )

    def __str__(self):
        header = ("Layer", "Output width", "Params", "Trainable")
        rows = [(r.layer, str(r.output_width), f"{r.params:,}", "yes" if r.trainable else "no") for r in self.layers]
        widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(header)]

        def line(cells):
            first = cells[0].ljust(widths[0])
            rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:])]
            return "  ".join([first, *rest]).rstrip()

        rule_len = sum(widths) + 2 * (len(widths) - 1)
        out = [self.title] if self.title else []
        out += ["=" * rule_len, line(header), "-" * rule_len]
        out += [line(row) for row in rows]
        out += [
            "=" * rule_len,
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
        ]
        out += self.notes
        return "\n".join(out)

    def __repr__(self):
        return str(self)

    def _repr_html_(self):  # notebooks
        return "<pre>" + str(self).replace("&", "&amp;").replace("<", "&lt;") + "</pre>"


def _row(name, width, module):
    params = list(module.parameters()) if module is not None else []
    n = sum(p.numel() for p in params)
    n_trainable = sum(p.numel() for p in params if p.requires_grad)
    return LayerInfo(name, int(width), int(n), all(p.requires_grad for p in params), int(n_trainable))


def _dropout_label(module):
    kind = "alpha, " if isinstance(module, nn.AlphaDropout) else ""
    return f"({kind}p={module.p:g})"


def _mlp_rows(module, n_features):
    rows = [_row("input", n_features, None)]
    block = getattr(module, "input_block", None)
    if block is not None:
        n_features = block.out_features
        rows.append(_row("input_block (one-hot, embeddings, periodic)", n_features, block))
    if module.input_norm is not None:
        rows.append(_row("input_batch_norm", n_features, module.input_norm))
    if module.input_dropout is not None:
        rows.append(_row(f"input_dropout {_dropout_label(module.input_dropout)}", n_features, module.input_dropout))
    names = getattr(module, "activation_names", [None] * len(module.hidden))
    for i, (block, act) in enumerate(zip(module.hidden, names), start=1):
        width = block.linear.out_features
        prefix = f"hidden_{i}"
        rows.append(_row(f"{prefix}.linear", width, block.linear))
        if block.norm_before is not None:
            rows.append(_row(f"{prefix}.batch_norm", width, block.norm_before))
        label = act or type(block.activation).__name__.lower()
        rows.append(_row(f"{prefix}.activation ({label})", width, block.activation))
        if block.norm_after is not None:
            rows.append(_row(f"{prefix}.batch_norm", width, block.norm_after))
        if block.dropout is not None:
            rows.append(_row(f"{prefix}.dropout {_dropout_label(block.dropout)}", width, block.dropout))
        if block.skip is not None:
            kind = "projection" if isinstance(block.skip, nn.Linear) else "identity"
            rows.append(_row(f"{prefix}.skip ({kind})", width, block.skip))
    rows.append(_row("output", module.output.out_features, module.output))
    return rows


def summary(est):
    """Keras-style summary of a fitted estimator's network.

    One row per layer, in the order the data flows: ``input``,
    ``input_batch_norm``, ``input_dropout (p=...)``, then for each hidden
    layer ``i`` ``hidden_i.linear``, ``hidden_i.batch_norm`` (before or after
    the activation, where it sits), ``hidden_i.activation (name)``,
    ``hidden_i.dropout (p=...)`` (``(alpha, p=...)`` for SELU's alpha
    dropout), ``hidden_i.skip (identity|projection)``, and finally
    ``output``. Layers that are switched off are not listed.

    Parameter counts: a linear layer ``n_in -> n_out`` has
    ``n_in * n_out + n_out`` parameters, a residual projection
    ``n_in * n_out``, batch norm ``2 * n`` (gamma, beta), PReLU one slope per
    unit. Batch-norm running statistics are buffers, counted separately in a
    footer note, not in ``total_params``.

    Parameters
    ----------
    est : MLPClassifier, MLPRegressor or MLPModule
        A fitted estimator (or its torch module, ``est.net_.module_``).

    Returns
    -------
    summary : ModelSummary
        Printable table; ``.to_frame()`` gives a DataFrame,
        ``.total_params`` and ``.trainable_params`` the totals. A layer is
        ``trainable`` when all its parameters have ``requires_grad``; freezing
        one (``p.requires_grad_(False)``) lowers ``trainable_params``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sknn_hp import MLPClassifier
    >>> from sknn_hp.inspection import summary
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier((16, 8), batch_norm=True, max_iter=5, random_state=0).fit(X, y)
    >>> summary(clf).to_frame()["params"].tolist()
    [0, 80, 32, 0, 136, 16, 0, 27]
    """
    from .module import MLPModule

    if isinstance(est, MLPModule):
        module, title = est, "MLPModule"
        n_features = est.hidden[0].linear.in_features if len(est.hidden) else est.output.in_features
        if getattr(est, "input_block", None) is not None:
            block = est.input_block
            n_features = block.n_numeric + len(block.cardinalities) + block.n_indicators
        out_note = None
    else:
        check_is_fitted(est, "net_")
        module = est.net_.module_
        if not isinstance(module, MLPModule):
            raise TypeError(f"summary() expects an MLPModule network, got {type(module).__name__}.")
        n_features = est.n_features_in_
        title = type(est).__name__
        out_note = getattr(est, "out_activation_", None)
    first = next(module.parameters(), None)
    if first is not None:
        title += f" (dtype {str(first.dtype).replace('torch.', '')}, device {first.device})"
    n_buffers = sum(b.numel() for name, b in module.named_buffers() if not name.endswith("num_batches_tracked"))
    notes = []
    if n_buffers:
        notes.append(f"Batch-norm running statistics (buffers, not trained): {n_buffers:,}")
    if out_note:
        notes.append(f"Output activation (applied at prediction): {out_note}")
    return ModelSummary(_mlp_rows(module, n_features), title=title, notes=notes)
