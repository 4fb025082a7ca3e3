"""median and quantile: the reduced axes are moved last (one contiguous copy), each row is
sorted on the GPU (NaN last), and the order statistics are read through zero-copy views and
combined elementwise. A row holding NaN gives NaN, as in NumPy.

Weighted quantiles (NumPy allows them for ``method="inverted_cdf"`` only), the method
"averaged_inverted_cdf" and ``nanquantile`` with a method other than those of ``_METHODS``
(whose positions depend on each row's count of non-NaN values) are NumPy's own: the array is
read to the host once, NumPy computes them with its checks and errors (weights' shape, sign,
all-zero or non-finite slices; ``nanquantile`` drops NaN with their weights), and the result
is uploaded.
"""

from __future__ import annotations

import math

import numpy as np
from trueno.backend import StridedArray

from ._api import contiguous
from ._dtypes import dtype_info
from ._elementwise import launch, rt_of
from ._errors import GpuDtypeError
from ._sort import sort

__all__ = ["median", "quantile", "make_kernels"]

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")
# NumPy's other methods: their positions come from NumPy's own quantile of 0..R-1 (the host
# knows them from the row length alone). The discrete ones pick an element (an integer input
# keeps its dtype, as NumPy's); the others interpolate as "linear" does. Not
# "averaged_inverted_cdf" (NumPy computes it on the host): NumPy lerps its whole-index
# positions from the previous element with weight 1, so an infinite neighbour gives NaN on a
# different side than a 0..R-1 probe can tell.
_DISCRETE = ("inverted_cdf", "closest_observation", "lower", "higher", "nearest")
_HOST_METHODS = ("inverted_cdf", "closest_observation", "interpolated_inverted_cdf", "hazen",
                 "weibull", "median_unbiased", "normal_unbiased")


def _rows(x: StridedArray, axis):
    """``x`` sorted along the reduced axes, laid out as (kept..., R); and the kept shape."""
    axes = tuple(range(x.ndim)) if axis is None or x.ndim == 0 else \
        tuple(sorted(a % x.ndim for a in ((axis,) if isinstance(axis, int) else axis)))
    kept = [d for d in range(x.ndim) if d not in axes]
    perm = kept + list(axes)
    v = x.view(x.offset, tuple(x.shape[d] for d in perm), tuple(x.strides[d] for d in perm))
    c = contiguous(v)
    kshape = tuple(x.shape[d] for d in kept)
    R = math.prod(x.shape[d] for d in axes)
    rows = c.view(0, kshape + (R,), tuple(s * R for s in _cstrides(kshape)) + (1,))
    return sort(rows, -1), kshape, R, axes


def _cstrides(shape):
    out, step = [], 1
    for n in reversed(shape):
        out.append(step)
        step *= n
    return tuple(reversed(out))


def _pick(s, k):
    """The k-th order statistic of every row of the sorted (kept..., R) array ``s``."""
    return s.view(s.offset + k, s.shape[:-1], s.strides[:-1])


def _out_dtype(rt, x):
    dt = dtype_info(x.dtype)
    if dt.kind == "f":
        return x.dtype
    return np.dtype(np.float64 if "shader-f64" in rt.features else np.float32)


def _position(method, q: float, R: int) -> tuple[int, int, float]:
    """(lower index, upper index, weight of the upper) of quantile ``q`` of a sorted row of
    ``R`` values under NumPy's ``method``."""
    v = q * (R - 1)
    lo = math.floor(v)
    hi = min(lo + 1, R - 1)
    frac = v - lo
    if method == "lower":
        hi, frac = lo, 0.0
    elif method == "higher":
        lo = hi = math.ceil(v)
        frac = 0.0
    elif method == "nearest":
        lo = hi = int(np.around(v))
        frac = 0.0
    elif method == "midpoint":
        frac = 0.5 if v != lo else 0.0
    elif method in _HOST_METHODS:
        r = float(np.quantile(np.arange(R, dtype=np.float64), q, method=method))
        lo = min(math.floor(r), R - 1)
        hi, frac = min(lo + 1, R - 1), r - lo
    if method in _DISCRETE:
        hi, frac = lo, 0.0
    return lo, hi, frac


def _stat(x, axis, keepdims, q, method, out_dtype=None):
    rt = rt_of(x)
    if method not in _METHODS + _HOST_METHODS:
        raise GpuDtypeError(f"gpu: quantile(method={method!r}) has no GPU kernel; GPU methods: "
                            f"{', '.join(_METHODS + _HOST_METHODS)}\n"
                            f"  hint: x.to_device('cpu')")
    s, kshape, R, axes = _rows(x, axis)
    pick = method in _DISCRETE
    if out_dtype is None or dtype_info(out_dtype) is None \
            or (np.dtype(out_dtype) == np.float64 and "shader-f64" not in rt.features):
        out_dtype = x.dtype if pick and dtype_info(x.dtype).kind in "iu" else _out_dtype(rt, x)
    odt = dtype_info(out_dtype)
    ft = np.float64 if odt.compute == "f64" else np.float32
    isnan = "tn_isnan64" if odt.compute == "f64" else "tn_isnan"
    nan = "tn_nan64()" if odt.compute == "f64" else "tn_nan()"
    sdt = dtype_info(s.dtype)
    conv = "" if sdt.compute == odt.compute else odt.compute
    qs = np.atleast_1d(np.asarray(q, dtype=np.float64))
    out_shape = np.shape(q) + (tuple(1 if d in axes else n for d, n in enumerate(x.shape))
                               if keepdims else kshape)
    from ._codegen import new_array

    out = new_array(rt, out_shape, out_dtype)
    if out.size == 0:
        return out
    if R == 0:  # NumPy: NaN (with a RuntimeWarning)
        return launch("copy", "x0", [(np.nan, out_dtype)], out, rt)
    last = _pick(s, R - 1)
    per = math.prod(kshape)
    for j, qq in enumerate(qs):
        lo, hi, frac = _position(method, float(qq), R)
        part = out.view(j * per, kshape, _cstrides(kshape))
        if pick:  # the element itself, as NumPy takes it (no lerp: inf stays inf)
            expr = f"select({conv}(x0), {nan}, {isnan}({conv}(x1)))" if sdt.kind == "f" \
                else f"{conv}(x0)"
            ops = [_pick(s, lo), last] if sdt.kind == "f" else [_pick(s, lo)]
            launch(("quantile-pick", sdt.name, odt.name), expr, ops, part, rt)
            continue
        # NumPy's lerp: a + (b - a) * t, mirrored for t >= 0.5 to stay exact at the ends.
        expr = (f"select(select({conv}(x0) + ({conv}(x1) - {conv}(x0)) * x2, "
                f"{conv}(x1) - ({conv}(x1) - {conv}(x0)) * (1.0 - x2), x2 >= 0.5), "
                f"{nan}, {isnan}({conv}(x3)))")
        if sdt.kind != "f":
            expr = (f"select({conv}(x0) + ({conv}(x1) - {conv}(x0)) * x2, "
                    f"{conv}(x1) - ({conv}(x1) - {conv}(x0)) * (1.0 - x2), x2 >= 0.5)")
        ops = [_pick(s, lo), _pick(s, hi), (frac, ft), last]
        launch(("quantile", sdt.name, odt.name), expr, ops, part, rt)
    return out


def median(x, axis=None, keepdims=False):
    return _stat(x, axis, keepdims, 0.5, "linear")


def _on_host(x, q, axis, method, keepdims, weights, percent, skip_nan):
    """NumPy's quantile of ``x`` (read to the host), uploaded to ``x``'s device."""
    from ._api import GpuDeviceAPI

    api = GpuDeviceAPI()
    fn = (np.nanpercentile if skip_nan else np.percentile) if percent else \
        (np.nanquantile if skip_nan else np.quantile)
    w = None if weights is None else np.asarray(weights)
    r = np.asarray(fn(api.to_numpy(x), q, axis=axis, method=method, keepdims=keepdims,
                      weights=w))
    return api.from_numpy(r, rt_of(x).index)


def quantile(x, q, axis=None, method="linear", keepdims=False, weights=None, percent=False):
    if weights is not None or method == "averaged_inverted_cdf":
        return _on_host(x, q, axis, method, keepdims, weights, percent, False)
    # NumPy's result dtype, from NumPy on a one-element probe: a float32 input with a list
    # of q (float64) gives float64, with a Python float float32; discrete methods keep ints
    try:
        with np.errstate(all="ignore"):
            probe = np.asarray((np.percentile if percent else np.quantile)(
                np.zeros(1, x.dtype), q, method=method)).dtype
    except (TypeError, ValueError):  # a dtype NumPy cannot compute with: _stat's default
        probe = None
    q = np.asarray(q, dtype=np.float64)
    return _stat(x, axis, keepdims, q / 100.0 if percent else q, method, probe)


def _nanstat(x, axis, keepdims, q, method):
    """Like ``_stat``, ignoring NaN: each row's order statistics come from its own count of
    non-NaN values (they sort first), gathered with per-row index arrays."""
    from ._indexing import take_along_axis
    from ._nan import _count
    from ._reduce import _ew

    dt = dtype_info(x.dtype)
    if dt.kind != "f":
        return _stat(x, axis, keepdims, q, method)
    if method not in _METHODS:
        return _stat(x, axis, keepdims, q, method)  # raises the method error
    rt = rt_of(x)
    s, kshape, R, axes = _rows(x, axis)
    ft = np.float64 if dt.compute == "f64" else np.float32
    f = "f64" if ft == np.float64 else "f32"
    nan = "tn_nan64()" if f == "f64" else "tn_nan()"
    sfx = "64" if f == "f64" else ""
    qs = np.atleast_1d(np.asarray(q, dtype=np.float64))
    out_shape = np.shape(q) + (tuple(1 if d in axes else n for d, n in enumerate(x.shape))
                               if keepdims else kshape)
    from ._codegen import new_array

    out = new_array(rt, out_shape, x.dtype)
    if out.size == 0:
        return out
    if R == 0:
        return launch("copy", "x0", [(np.nan, x.dtype)], out, rt)
    c = _count(s, (s.ndim - 1,), True, ft)  # (kept..., 1)
    per = math.prod(kshape)
    top = "max(x0 - 1.0, 0.0)"
    for j, qq in enumerate(qs):
        v = "(x1 * (x0 - 1.0))"
        # NOTE: bit-level floor / ceil / rint and float->int (see _fround), not the builtins
        fl, ce, ri = (f"tn_{n}{sfx}" for n in ("floor", "ceil", "rint"))
        ti = "tn_toi32_64" if sfx else "tn_toi32"
        lo = {"higher": f"{ce}({v})", "nearest": f"{ri}({v})"}.get(method, f"{fl}({v})")
        hi = lo if method in ("lower", "higher", "nearest") else f"{fl}({v}) + 1.0"
        frac = {"linear": f"{v} - {fl}({v})",
                "midpoint": f"select(0.5, 0.0, {v} == {fl}({v}))"}.get(method, "0.0")
        qop = (float(qq), ft)
        ilo = _ew(f"{ti}(clamp({lo}, 0.0, {top}))", [c, qop], np.int32, ("nq_lo", method, f))
        ihi = _ew(f"{ti}(clamp({hi}, 0.0, {top}))", [c, qop], np.int32, ("nq_hi", method, f))
        fr = _ew(f"{f}({frac})", [c, qop], ft, ("nq_frac", method, f))
        a = take_along_axis(s, ilo, -1)
        b = take_along_axis(s, ihi, -1)
        part = out.view(j * per, kshape, _cstrides(kshape))
        expr = (f"select(select(x0 + (x1 - x0) * x2, x1 - (x1 - x0) * (1.0 - x2), x2 >= 0.5), "
                f"{nan}, x3 == 0.0)")
        flat = [t.view(t.offset, kshape, t.strides[:-1]) for t in (a, b, fr, c)]
        launch(("nanquantile", dt.name), expr, flat, part, rt)
    return out


def nanmedian(x, axis=None, keepdims=False):
    return _nanstat(x, axis, keepdims, 0.5, "linear")


def nanquantile(x, q, axis=None, method="linear", keepdims=False, weights=None,
                percent=False):
    if weights is not None or method == "averaged_inverted_cdf" or \
            method not in _METHODS and dtype_info(x.dtype).kind == "f":
        return _on_host(x, q, axis, method, keepdims, weights, percent, True)
    q = np.asarray(q, dtype=np.float64)
    return _nanstat(x, axis, keepdims, q / 100.0 if percent else q, method)


def make_kernels(all_dtypes) -> dict:
    real = [d for d in all_dtypes if dtype_info(d).kind != "b"]
    return {"median": dict.fromkeys(real, median), "quantile": dict.fromkeys(real, quantile),
            "nanmedian": dict.fromkeys(real, nanmedian),
            "nanquantile": dict.fromkeys(real, nanquantile)}

