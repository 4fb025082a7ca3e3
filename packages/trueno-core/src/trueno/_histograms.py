"""Histograms of the NumPy surface: ``histogram`` and ``histogram_bin_edges``.

Both are op rows with reference kernels (NumPy's). A device without their kernels runs
the decompositions: the edges from ``trueno._decompositions_numpy.histogram_bin_edges`` (a
few reductions read back to the host, NumPy's rules) and the counts from ``searchsorted``
on the edges (``_histogram_decomposition`` below).
"""

from __future__ import annotations

import operator

import numpy as np

from . import _dtypes as D
from ._errors import ShapeError
from ._reduction import sum as _sum
from ._surface_ops import as_t, call
from ._tensor import Tensor

__all__ = ["histogram", "histogram_bin_edges"]


def _host(v):
    return v._host() if isinstance(v, Tensor) else v


def _bins_param(bins):
    if isinstance(bins, str):
        return bins
    b = np.asarray(_host(bins))
    if b.ndim == 0:
        n = operator.index(b.item()) if b.dtype.kind in "iu" else None
        if n is None:
            raise TypeError("histogram: bins must be an integer, a string, or an array")
        if n < 1:
            raise ValueError("histogram: bins must be positive, when an integer")
        return n
    if b.ndim != 1:
        raise ShapeError("histogram: bins must be 1d, when an array")
    if b.size > 1 and (np.diff(b) < 0).any():
        raise ValueError("histogram: bins must increase monotonically, when an array")
    return b


def histogram(a, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """Counts (or densities) of ``a`` in ``bins``, and the bin edges.

    Examples
    --------
    >>> import trueno as tn
    >>> counts, edges = tn.histogram(tn.asarray([0.0, 0.5, 1.0, 3.0]), bins=3)
    >>> counts.tolist()
    [2, 1, 1]
    """
    x = as_t(a)
    params = {"bins": _bins_param(bins), "range": range, "density": density}
    if weights is not None:
        w = as_t(weights, x)
        if w.shape != x.shape:
            raise ShapeError("histogram: weights should have the same shape as a")
        params["weights"] = w._data
    if range is not None and range[0] > range[1]:
        raise ValueError("histogram: max must be larger than min in range parameter")
    return call("histogram", (x,), params)


def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002
    """The bin edges ``histogram`` would use."""
    x = as_t(a)
    params = {"bins": _bins_param(bins), "range": range}
    if weights is not None:
        params["weights"] = as_t(weights, x)._data
    return call("histogram_bin_edges", (x,), params)


# --- decomposition: how a device without the kernel runs it (docs/design.md §2.1) ------------

def _histogram_counts(x, edges, w):
    """Counts (or sums of ``w``) of the flat ``x`` in the bins of ``edges``: bin ``i`` holds
    ``edges[i] <= v < edges[i+1]``, the last bin is closed; values outside (and nan) count
    nowhere. Weighted sums are accumulated in float64 (complex128, int64) and cast to the
    weights' dtype, as NumPy's ``bincount(...).astype(weights.dtype)``."""
    from ._creation import arange
    from ._elementwise import where
    from ._setops import _searchsorted_decomposition
    nb = edges.shape[0] - 1
    pos = _searchsorted_decomposition(edges, x, "right") - 1
    pos = where(x == edges[-1], nb - 1, pos).astype(D.int64, copy=False)
    hits = pos._expand_dims(-1) == arange(nb, device=x._device, cls=x.__class__)
    if w is None:
        return _sum(hits, axis=0, dtype=D.int64)
    acc = {"c": D.complex128, "f": D.float64}.get(w._dtype.kind, D.int64)
    return _sum(where(hits, w._expand_dims(-1), 0), axis=0, dtype=acc).astype(w._dtype)


def _histogram_decomposition(a, bins=10, range=None, density=None,  # noqa: A002
                             weights=None):
    """The edges as ``histogram_bin_edges`` makes them (NumPy's: explicit edges as given,
    a count or a rule from the data's range), then counts by searchsorted on the edges.
    ``weights`` arrives as a device array of ``a``'s device (the public function passes
    its data)."""
    from ._decompositions_numpy import histogram_bin_edges
    from ._dispatch import wrap
    w = None
    if weights is not None:
        w = weights if isinstance(weights, Tensor) else wrap(a.__class__, weights, a._device)
        w = w._reshape((-1,))
    edges = histogram_bin_edges(a, bins, range, w)
    counts = _histogram_counts(a._reshape((-1,)), edges, w)
    if density:  # NumPy: n / diff(edges).astype(float) / n.sum()
        widths = (edges[1:] - edges[:-1]).astype(D.float64)
        return counts / widths / _sum(counts), edges
    return counts, edges
