"""Decompositions of NumPy's composite functions into trueno ops, so that they run on every
device (a device without a kernel of its own uses them; see ``_dispatch.run``).

``float_power``, ``unwrap`` and ``real_if_close`` are rows of ``_numpy_elementwise``;
``histogram_bin_edges`` and ``trim_zeros`` rows of ``_surface_ops``. Each function takes the
op's tensor inputs, then the row's parameters. Output shapes that depend on the data
(``trim_zeros``, ``histogram_bin_edges``) are found from a few reductions read back to the host
in one transfer each: the only device syncs.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["float_power", "unwrap", "real_if_close", "trim_zeros", "histogram_bin_edges",
           "gather", "scatter", "scatter_add"]


def _tn():
    import trueno

    return trueno


def _host(t) -> np.ndarray:
    """A (small) tensor's values on the host: one device sync."""
    return np.asarray(t.to_device("cpu"))


def float_power(x1, x2):
    """``x1 ** x2`` in float64 (complex128 for complex inputs), as NumPy's float_power."""
    tn = _tn()
    kinds = [(x.dtype.kind if hasattr(x, "dtype") and hasattr(x.dtype, "kind")
              else ("c" if isinstance(x, complex) else "f")) for x in (x1, x2)]
    dt = tn.complex128 if "c" in kinds else tn.float64
    # NumPy's result dtype, from its loops on empty arrays (bfloat16 keeps bfloat16)
    rt = np.float_power(*(np.zeros(0, x.dtype.numpy) if isinstance(x, tn.Tensor) else x
                          for x in (x1, x2))).dtype
    x1, x2 = (x.astype(dt) if isinstance(x, tn.Tensor) else x for x in (x1, x2))
    return tn.pow(x1, x2).astype(rt, copy=False)


def unwrap(p, discont=None, axis=-1, *, period=2 * math.pi):
    """NumPy's ``unwrap``: jumps above ``max(discont, period / 2)`` between neighbours along
    ``axis`` become their ``period``-complements (same steps as NumPy's implementation)."""
    tn = _tn()
    dd = tn.diff(p, axis=axis)
    if discont is None:
        discont = period / 2
    dtype = np.result_type(dd.dtype.numpy, period)
    if np.issubdtype(dtype, np.integer):
        interval_high, rem = divmod(period, 2)
        ambiguous = rem == 0
    else:
        interval_high = period / 2
        ambiguous = True
    interval_low = -interval_high
    ddmod = tn.remainder(dd - interval_low, period) + interval_low
    if ambiguous:  # |dd| == period / 2 keeps dd's sign
        ddmod = tn.where((ddmod == interval_low) & (dd > 0), interval_high, ddmod)
    ph_correct = tn.where(tn.abs(dd) < discont, 0, ddmod - dd)
    up = p.astype(dtype, copy=True)
    later = [slice(None)] * p.ndim
    later[axis] = slice(1, None)
    later = tuple(later)
    up[later] = p[later] + tn.cumsum(ph_correct, axis=axis)
    return up


def real_if_close(a, tol=100):
    """``a.real`` when every imaginary part is within ``tol`` machine epsilons of 0 (``tol``
    above 1), else ``a``; a real ``a`` comes back as it is (one sync for complex input)."""
    tn = _tn()
    if a.dtype.kind != "c":
        return a
    if tol > 1:
        tol = np.finfo(a.dtype.numpy).eps * tol
    return tn.real(a) if bool(tn.all(tn.abs(tn.imag(a)) < tol)) else a


def trim_zeros(x, trim="fb", axis=None):
    """``x`` without its leading ('f') and/or trailing ('b') zeros along ``axis`` (every axis
    when None): per axis, the first and last index where any element is non-zero, read back
    in one sync, then a slice (copied, as the reference kernel returns a new array)."""
    tn = _tn()
    trim = trim.lower()
    if trim not in {"fb", "bf", "f", "b"}:
        raise ValueError(f"unexpected character(s) in `trim`: {trim!r}")
    nd = x.ndim
    axes = range(nd) if axis is None else sorted(
        {a % nd for a in ((axis,) if np.isscalar(axis) else axis)})
    if not axes:
        return x
    nz = x != 0
    rows = []
    for ax in range(nd):
        other = tuple(d for d in range(nd) if d != ax)
        m = tn.any(nz, axis=other) if other else nz
        first = tn.argmax(m)
        last = x.shape[ax] - 1 - tn.argmax(tn.flip(m, axis=0))
        rows += [first, last, tn.any(m).astype(first.dtype)]
    bounds = _host(tn.stack(rows)).reshape(nd, 3) if nd else np.zeros((0, 3), int)
    found = nd == 0 or bool(bounds[:, 2].all())
    sl = []
    for ax in range(nd):
        if ax not in axes:
            sl.append(slice(None))
        elif not found:
            sl.append(slice(0, 0))
        else:
            sl.append(slice(int(bounds[ax, 0]) if "f" in trim else None,
                            int(bounds[ax, 1]) + 1 if "b" in trim else None))
    return x[tuple(sl)].copy()


def _ptp(mm) -> float:
    lo, hi = mm
    return float(int(hi) - int(lo)) if mm.dtype.kind in "iub" else float(hi) - float(lo)


def _bin_width(name, x, mm):
    """NumPy's bin-width estimators (``numpy.lib._histograms_impl``) from trueno reductions."""
    tn = _tn()
    n = x.size
    ptp = _ptp(mm)
    if name == "sqrt":
        return ptp / np.sqrt(n)
    if name == "sturges":
        return ptp / (np.log2(n) + 1.0)
    if name == "rice":
        return ptp / (2.0 * n ** (1.0 / 3))
    if name == "scott":
        return (24.0 * np.pi ** 0.5 / n) ** (1.0 / 3.0) * float(tn.std(x))
    if name == "fd":
        q = _host(tn.percentile(x, [75, 25]))
        return 2.0 * float(np.subtract(q[0], q[1])) * n ** (-1.0 / 3.0)
    if name == "auto":
        fd, sturges = _bin_width("fd", x, mm), _bin_width("sturges", x, mm)
        return min(fd, sturges) if fd else sturges
    if name == "doane":
        if n > 2:
            sg1 = np.sqrt(6.0 * (n - 2) / ((n + 1.0) * (n + 3)))
            sigma = float(tn.std(x))
            if sigma > 0.0:
                g1 = float(tn.mean(((x - tn.mean(x)) / sigma) ** 3))
                return ptp / (1.0 + np.log2(n) + np.log2(1.0 + np.absolute(g1) / sg1))
        return 0.0
    from ._errors import DeviceError

    raise DeviceError(f"histogram_bin_edges: the {name!r} estimator has no decomposition for "
                      f"device '{x.device}'\n  hint: x.to('cpu') would work")


def _outer_edges(x, range):  # noqa: A002 - NumPy's name
    """NumPy's ``_get_outer_edges``: the range, or the data's min and max (one sync)."""
    tn = _tn()
    if range is not None:
        first, last = range
        if first > last:
            raise ValueError("max must be larger than min in range parameter.")
        if not (np.isfinite(first) and np.isfinite(last)):
            raise ValueError(f"supplied range of [{first}, {last}] is not finite")
    elif x.size == 0:
        first, last = 0, 1
    else:
        first, last = _host(tn.stack([tn.min(x), tn.max(x)]))
        if not (np.isfinite(first) and np.isfinite(last)):
            raise ValueError(f"autodetected range of [{first}, {last}] is not finite")
    if first == last:
        first, last = first - 0.5, last + 0.5
    return first, last


def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002
    """The bin edges of ``histogram``: the data's extremes (and, for a string ``bins``, its
    spread) come from trueno reductions; the few edges are made on the host and moved to
    ``a``'s device, as ``trueno.linspace`` makes them."""
    from ._surface_ops import as_t

    tn = _tn()
    x = a.reshape(-1)
    if isinstance(bins, str):
        if weights is not None:
            raise TypeError("Automated estimation of the number of bins is not supported for "
                            "weighted data")
        first, last = _outer_edges(x, range)
        if range is not None:
            keep = (x >= first) & (x <= last)
            if not bool(tn.all(keep)):
                x = x[keep]
        n = 1
        if x.size:
            mm = _host(tn.stack([tn.min(x), tn.max(x)]))
            width = _bin_width(bins, x, mm)
            if width:
                if x.dtype.kind in "iu" and width < 1:
                    width = 1
                n = int(np.ceil(_ptp(np.array([first, last])) / width))
    elif np.ndim(bins) == 0:
        n = int(bins)
        first, last = _outer_edges(x, range)
    else:
        return as_t(np.asarray(bins), a)
    bin_type = np.result_type(first, last, x.dtype.numpy)
    if np.issubdtype(bin_type, np.integer):
        bin_type = np.result_type(bin_type, float)
    edges = np.linspace(first, last, n + 1, endpoint=True, dtype=bin_type)
    if np.any(edges[:-1] >= edges[1:]):
        raise ValueError(f"Too many bins for data range. Cannot create {n} finite-sized bins.")
    return as_t(edges, a)


def gather(x, index, axis):
    """PyTorch's ``gather`` from advanced indexing (the ``index`` primitive)."""
    from ._gather_scatter import _gather_decomposition
    return _gather_decomposition(x, axis, index)


def scatter(x, index, src, axis, reduce=None):
    """PyTorch's ``scatter`` from a copy and advanced assignment (``index_put``)."""
    from ._gather_scatter import _scatter_decomposition
    return _scatter_decomposition(x, axis, index, src, reduce)


def scatter_add(x, index, src, axis):
    """PyTorch's ``scatter_add``: accumulating advanced assignment."""
    from ._gather_scatter import _scatter_decomposition
    return _scatter_decomposition(x, axis, index, src, "add")
