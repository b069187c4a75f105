"""Tabular data held as tensors, and the iterator that slices mini-batches.

skorch's default ``DataLoader`` fetches and collates one sample at a time,
which dominates the cost of a small network on tabular data. Here the data is
converted and moved to the device once per ``fit``; a mini-batch is one index
(or slice) of the stored tensors. Sparse inputs stay sparse: each batch is
densified on its own, never the whole matrix.
"""

import math
import warnings

import numpy as np
import scipy.sparse as sp
import torch
from torch.utils.data import Dataset

__all__ = ["TabularDataset", "BatchIterator", "as_tensor"]


def as_tensor(array, dtype=None, device="cpu"):
    """A torch view of a numpy array where possible (no copy on CPU).

    Read-only arrays (memory maps) are shared too: torch never writes to them.
    """
    array = np.asarray(array)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        tensor = torch.from_numpy(array)
    return tensor.to(device=device, dtype=dtype)


class TabularDataset(Dataset):
    """Inputs, targets and sample weights, ready to be sliced into batches.

    Parameters
    ----------
    X : torch.Tensor or scipy.sparse.csr_matrix of shape (n_samples, n_features)
    y : torch.Tensor or None
    sample_weight : torch.Tensor or None
    dtype : torch.dtype
        The compute dtype; sparse batches are converted to it.
    device : str
    rows : torch.Tensor of int64 or None
        The subset of rows this dataset covers (a train or validation split),
        so that splitting never copies the data; None for all rows.
    """

    def __init__(self, X, y=None, sample_weight=None, dtype=torch.float32, device="cpu", rows=None):
        self._sparse = sp.issparse(X)
        self.X = X.tocsr() if self._sparse else X
        self.y = y
        self.sample_weight = sample_weight
        self.dtype = dtype
        self.device = device
        self.rows = rows

    def __len__(self):
        return self.X.shape[0] if self.rows is None else len(self.rows)

    def subset(self, rows):
        """The dataset restricted to ``rows`` (positions in this dataset), sharing its storage."""
        rows = torch.as_tensor(rows, dtype=torch.int64, device=self.device)
        if self.rows is not None:
            rows = self.rows[rows]
        return TabularDataset(self.X, self.y, self.sample_weight, self.dtype, self.device, rows)

    def targets(self):
        """The whole target: ``y`` or ``(y, sample_weight)``, restricted to the rows."""
        return self.batch(slice(None))[1]

    def batch(self, index):
        """The batch ``(X, target)`` at ``index`` (a slice or an index tensor).

        The target is ``y``, or ``(y, sample_weight)`` when weights are set,
        and a zero-size placeholder when there is no ``y``.
        """
        if self.rows is not None:
            index = self.rows[index]
        # index_select: the cheapest gather of rows (a batch's cost is mostly dispatch)
        take = (lambda t: t[index]) if isinstance(index, slice) else (lambda t: t.index_select(0, index))
        if self._sparse:
            rows = index if isinstance(index, slice) else index.cpu().numpy()
            Xb = as_tensor(self.X[rows].toarray(), self.dtype, self.device)
        else:
            Xb = take(self.X)
        if self.y is None:
            return Xb, torch.empty(0)
        yb = take(self.y)
        if self.sample_weight is None:
            return Xb, yb
        return Xb, (yb, take(self.sample_weight))

    def __getitem__(self, i):
        Xi, target = self.batch(slice(i, i + 1))
        return Xi[0], target


class BatchIterator:
    """Mini-batches of a :class:`TabularDataset`: skorch's ``iterator_train``/``iterator_valid``.

    Parameters
    ----------
    dataset : TabularDataset
    batch_size : int
    shuffle : bool
        Draw a new permutation each pass, from ``generator``;
        a pass of a single batch keeps the stored order (the batch holds every
        row either way), so full-batch training never gathers a copy.
    merge_singleton : bool
        Fold a trailing batch of one sample into the batch before it, so that
        batch norm never sees a batch of one in training.
    generator : torch.Generator or None
        A CPU generator for the permutations (the fit's own shuffle stream);
        torch's global generator when None.
    """

    def __init__(self, dataset, batch_size=128, shuffle=False, merge_singleton=False, generator=None):
        self.dataset = dataset
        self.batch_size = max(int(batch_size), 1)
        self.shuffle = shuffle
        self.merge_singleton = merge_singleton
        self.generator = generator

    def _bounds(self):
        n, bs = len(self.dataset), self.batch_size
        starts = list(range(0, n, bs))
        if self.merge_singleton and bs > 1 and len(starts) > 1 and n - starts[-1] == 1:
            starts.pop()
        return [(s, starts[i + 1] if i + 1 < len(starts) else n) for i, s in enumerate(starts)]

    def __len__(self):
        return len(self._bounds()) if self.merge_singleton else math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self):
        ds = self.dataset
        bounds = self._bounds()
        if self.shuffle and len(bounds) > 1:  # one batch holds every row in any order: no gather, no copy
            # drawn on the CPU (the same order on every device), moved once an epoch
            order = torch.randperm(len(ds), generator=self.generator)
            if not ds._sparse:
                order = order.to(ds.device)
            for start, stop in bounds:
                yield ds.batch(order[start:stop])
        else:
            for start, stop in bounds:
                yield ds.batch(slice(start, stop))
