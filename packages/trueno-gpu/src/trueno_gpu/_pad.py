"""``pad`` on the GPU: every NumPy mode but callables.

"constant" fills an array and copies ``x`` into its interior ("empty", whose margins NumPy
leaves undefined, is "constant" with zeros: no stale data from a reused buffer shows);
"edge", "wrap", "reflect" and "symmetric" (even reflection) gather ``x`` along each padded
axis by NumPy's own index map; odd reflection (``2 * edge - reflected``, whose values compound
where a pad is wider than the axis) repeats NumPy's own steps on the GPU (``_pad_odd``);
"maximum", "minimum", "mean", "median" and "linear_ramp" pad
one axis at a time as NumPy does (the statistics and the ramps' edges see the axes padded
before), joining margins to the array: statistics are reduced on the GPU; integer means and
medians, and the ramps, are finished on the host from the (one-slice) edge values with
NumPy's own rounding.
"""

from __future__ import annotations

import numpy as np

from ._api import GpuDeviceAPI, contiguous
from ._codegen import new_array
from ._composite_kernels import concat
from ._dtypes import dtype_info
from ._elementwise import launch, rt_of
from ._elementwise_exprs import BINARY
from ._reduce import reduce

__all__ = ["pad"]


# Modes whose result is ``x`` gathered along each axis by an index map that NumPy's own pad
# computes on the host from the axis length alone (reflect/symmetric with reflect_type="even").
_GATHER_MODES = ("edge", "wrap", "reflect", "symmetric")


_STAT_MODES = ("maximum", "minimum", "mean", "median")


def pad(x, pad_width, mode="constant", **kw):
    """``np.pad``: "constant" fills an array and copies ``x`` into its interior; "edge",
    "wrap", "reflect" and "symmetric" gather ``x`` along each padded axis (odd reflection
    computes its margins as NumPy does); "maximum", "minimum", "mean", "median" and
    "linear_ramp" join margins to it axis by axis."""
    method = kw.get("reflect_type", "even")
    if mode in ("reflect", "symmetric"):  # (NumPy reflects evenly for any type but "odd")
        if method == "odd":
            return _pad_odd(x, pad_width, mode)
        return _pad_gather(x, pad_width, mode)
    if mode in _GATHER_MODES and method == "even":
        return _pad_gather(x, pad_width, mode)
    if mode in _STAT_MODES or mode == "linear_ramp":
        return _pad_margins(x, pad_width, mode, kw)
    if mode not in ("constant", "empty"):
        from ._errors import GpuDtypeError

        modes = ("constant", "empty") + _GATHER_MODES + _STAT_MODES + ("linear_ramp",)
        raise GpuDtypeError(f"gpu: pad(mode={mode!r}) has no GPU kernel; the GPU has "
                            f"mode={', '.join(map(repr, modes))}"
                            f"{' (without reflect_type)' if mode in _GATHER_MODES else ''}\n"
                            f"  hint: x.to_device('cpu')")
    rt = rt_of(x)
    pw = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
    value = kw.get("constant_values", 0)
    cv = np.broadcast_to(np.asarray(value), (x.ndim, 2))
    shape = tuple(int(n + a + b) for n, (a, b) in zip(x.shape, pw))
    from ._api import full

    out = full(rt, shape, cv.flat[0], x.dtype)
    if not np.all(cv == cv.flat[0]):  # per-axis before/after values: fill the margins
        for d in range(x.ndim):
            for side, width in enumerate(pw[d]):
                if width == 0:
                    continue
                sub = list(shape)
                sub[d] = int(width)
                start = 0 if side == 0 else shape[d] - int(width)
                part = out.view(start * out.strides[d], sub, out.strides)
                launch("copy", "x0", [(cv[d][side], x.dtype)], part, rt)
    if x.size:
        off = sum(int(a) * s for (a, _), s in zip(pw, out.strides))
        launch("copy", "x0", [x], out.view(off, x.shape, out.strides), rt)
    return out


def _pad_gather(x, pad_width, mode):
    from ._indexing import take

    pw = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
    out = x
    for d in range(x.ndim):
        if pw[d].any():  # NumPy's pad of the positions 0..n-1 is the index map (and its errors)
            idx = np.pad(np.arange(x.shape[d]), [tuple(int(v) for v in pw[d])], mode=mode)
            out = take(out, idx, d, mode="clip")
    return out if out is not x else contiguous(x)


def _pad_odd(x, pad_width, mode):
    """NumPy's odd ``reflect``/``symmetric`` pad, axis by axis (later axes see the earlier
    ones padded) and, where a pad is wider than the axis, in NumPy's rounds: each round
    reflects at most the valid part (a multiple of the axis' period) about its current edges,
    ``2 * edge - value`` in the array's dtype (integers wrap, floats round, as NumPy's), and
    joins the two chunks to it; the next round's edges are the new chunks' ends."""
    from ._indexing import take

    pw = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
    eo = 1 if mode == "symmetric" else 0  # NumPy's edge_offset: the edge is reflected too
    cur = x
    for d in range(x.ndim):
        left, right = (int(v) for v in pw[d])
        if not (left or right):
            continue
        n = x.shape[d]
        # NumPy's own pad of the positions: its errors (negative widths, an empty axis) and,
        # for a singleton axis, its (legacy) edge padding
        idx = np.pad(np.arange(n), [(left, right)], mode=mode, reflect_type="odd")
        if n == 1:
            cur = take(cur, idx, d, mode="clip")
            continue
        while left or right:
            m = cur.shape[d]
            # the valid length NumPy reflects: whole periods of the original axis
            span = m // n * n if eo else (m - 1) // (n - 1) * (n - 1)
            parts = []
            if left:
                k = min(span, left)
                parts.append(_odd_chunk(cur, d, 1 - eo, k, 0))
                left -= k
            parts.append(cur)
            if right:
                k = min(span, right)
                parts.append(_odd_chunk(cur, d, m - 1 + eo - k, k, m - 1))
                right -= k
            cur = concat(*parts, axis=d)
    return cur if cur is not x else contiguous(x)


def _odd_chunk(v, d, lo, k, edge_at):
    """``2 * v[edge_at] - v[lo:lo + k][::-1]`` along axis ``d`` (a new array): the edge
    doubled in its own launch (stored in the dtype: NumPy's ``2 * edge`` overflows or wraps
    there, and no fused multiply-add can skip it), then the reflected values subtracted. For
    bool, NumPy's nonzero ``2 * edge - value`` is ``edge | value``."""
    rt = rt_of(v)
    s = v.strides[d]
    shape = list(v.shape)
    shape[d] = k
    strides = list(v.strides)
    strides[d] = -s
    chunk = v.view(v.offset + (lo + k - 1) * s, tuple(shape), tuple(strides))
    edge = _slice(v, d, edge_at, edge_at + 1)
    out = new_array(rt, tuple(shape), v.dtype)
    key = dtype_info(v.dtype).tkey
    if key == "b":
        return launch("bitwise_or", BINARY["bitwise_or"]["b"], [edge, chunk], out, rt)
    two = new_array(rt, edge.shape, v.dtype)
    launch("add", BINARY["add"][key], [edge, edge], two, rt)
    return launch("subtract", BINARY["subtract"][key], [two, chunk], out, rt)


def _slice(a, d, start, stop):
    """``a[..., start:stop, ...]`` along axis ``d`` (a view)."""
    shape = list(a.shape)
    shape[d] = stop - start
    return a.view(a.offset + start * a.strides[d], tuple(shape), a.strides)


def _widen(a, d, width):
    """A (..., 1, ...) array repeated ``width`` times along ``d`` (a zero-stride view)."""
    shape = list(a.shape)
    shape[d] = width
    strides = list(a.strides)
    strides[d] = 0
    return a.view(a.offset, tuple(shape), tuple(strides))


def _pairs(value, ndim, as_index):
    """NumPy's ``_as_pairs``: ((before, after),) * ndim from a scalar, a pair or per axis, as
    NumPy scalars (they take part in the ramps' ``linspace`` dtype as NumPy's do)."""
    if value is None:
        return ((None, None),) * ndim
    x = np.array(value)
    if as_index:
        x = np.round(x).astype(np.intp, copy=False)
    if x.size and as_index and x.min() < 0:
        raise ValueError("index can't contain negative values")
    if x.ndim < 3 and x.size == 1:
        return ((x.ravel()[0], x.ravel()[0]),) * ndim
    if x.ndim < 3 and x.size == 2 and x.shape != (2, 1):
        return ((x.ravel()[0], x.ravel()[1]),) * ndim
    return np.broadcast_to(x, (ndim, 2)).tolist()


def _stat(cur, d, mode, start, length):
    """NumPy's statistic of ``length`` values of ``cur`` along ``d`` from ``start`` (keepdims),
    rounded into ``cur``'s integer dtype as NumPy's ``_round_if_needed``."""
    chunk = _slice(cur, d, start, start + length)
    if mode in ("maximum", "minimum"):
        return reduce("max" if mode == "maximum" else "min", chunk, (d,), True, cur.dtype)
    if mode == "median":
        s = _median(chunk, d)
    else:
        kind = np.dtype(cur.dtype).kind
        s = reduce("mean", chunk, (d,), True,
                   cur.dtype if kind == "f" else np.dtype(np.float64))
    if np.dtype(cur.dtype).kind not in "iub" and s.dtype == cur.dtype:
        return s
    api = GpuDeviceAPI()
    host = api.to_numpy(s)
    if np.dtype(cur.dtype).kind in "iu":
        host = np.round(host)
    return api.from_numpy(host.astype(cur.dtype), rt_of(cur).index)


def _median(chunk, d):
    """NumPy's median of ``chunk`` along ``d`` (keepdims): the mean of the middle one or two
    values sorted along ``d`` (NaN sorts last), NaN where the slice holds one."""
    from ._dtypes import dtype_info
    from ._reduce import _ew
    from ._sort import sort

    s = sort(chunk, d)
    n = s.shape[d]
    pair = concat(_slice(s, d, (n - 1) // 2, (n - 1) // 2 + 1), _slice(s, d, n // 2, n // 2 + 1),
                  axis=d)
    if np.dtype(chunk.dtype).kind != "f":
        return reduce("mean", pair, (d,), True, np.dtype(np.float64))
    m = reduce("mean", pair, (d,), True, chunk.dtype)
    dt = dtype_info(m.dtype)
    nan, isnan = ("tn_nan64()", "tn_isnan64") if dt.compute == "f64" else ("tn_nan()", "tn_isnan")
    return _ew(f"select(x0, {nan}, {isnan}(x1))", [m, _slice(s, d, n - 1, n)], m.dtype,
               ("median_nan", dt.name))


def _pad_margins(x, pad_width, mode, kw):
    pw = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
    lengths = _pairs(kw.get("stat_length"), x.ndim, True)
    ends = _pairs(kw.get("end_values", 0), x.ndim, False)
    api = GpuDeviceAPI()
    cur = x
    for d in range(x.ndim):
        before, after = (int(v) for v in pw[d])
        if not (before or after):
            continue
        n = cur.shape[d]
        if mode == "linear_ramp":
            parts = []
            for width, edge_at, end, flip in ((before, 0, ends[d][0], False),
                                              (after, n - 1, ends[d][1], True)):
                edge = api.to_numpy(_slice(cur, d, edge_at, edge_at + 1))
                ramp = np.linspace(end, edge.squeeze(d), num=width, endpoint=False,
                                   dtype=edge.dtype, axis=d)
                ramp = np.flip(ramp, d) if flip else ramp
                parts.append(api.from_numpy(np.ascontiguousarray(ramp), rt_of(cur).index))
            cur = concat(parts[0], cur, parts[1], axis=d)
            continue
        left_n, right_n = (n if v is None or n < v else int(v) for v in lengths[d])
        if (left_n == 0 or right_n == 0) and mode in ("maximum", "minimum"):
            raise ValueError("stat_length of 0 yields no value for padding")
        left = _stat(cur, d, mode, 0, left_n)
        right = left if left_n == right_n == n else _stat(cur, d, mode, n - right_n, right_n)
        cur = concat(_widen(left, d, before), cur, _widen(right, d, after), axis=d)
    return cur if cur is not x else contiguous(x)
