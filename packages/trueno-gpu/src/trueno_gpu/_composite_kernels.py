"""Kernels of core's surface ops built from the GPU's own templates (no host trips):
addcmul, real, imag, nextafter, isclose, around, count_nonzero, vector_norm, concat, topk,
searchsorted, digitize, isin, pad, average, interp, convolve, correlate, cov, corrcoef,
gradient.
"""

from __future__ import annotations

import math

import numpy as np
from trueno.backend import StridedArray

from ._api import astype, contiguous
from ._codegen import LINEAR_ID, WG, collapse, header, i32w, index_dtype, new_array
from ._dtypes import dtype_info
from ._elementwise import launch, rt_of
from ._indexing import take_along_axis
from ._reduce import _as_f32, _ew, reduce
from ._sort import argsort

__all__ = ["make_kernels"]


def _operand(x, dtype):
    return x if isinstance(x, StridedArray) else (x, dtype)


def addcmul(x, t1, t2, value=1.0):
    """``x + value * t1 * t2`` in one pass."""
    dt = dtype_info(x.dtype)
    ops = [_operand(a, x.dtype) for a in (x, t1, t2)] + [(value, x.dtype)]
    return _ew("x0 + x3 * x1 * x2", ops, x.dtype, ("addcmul", dt.name))


def real(x):
    return contiguous(x)


def imag(x):
    rt = rt_of(x)
    out = new_array(rt, x.shape, x.dtype)
    return launch("copy", "x0", [(0, x.dtype)], out, rt)


def nextafter(x, y):
    """The next float32 after ``x`` towards ``y``, by stepping the bit pattern."""
    expr = ("select(select(bitcast<f32>(select(bitcast<u32>(x0) - 1u, bitcast<u32>(x0) + 1u, "
            "(x1 > x0) == (x0 > 0.0))), select(bitcast<f32>(1u), bitcast<f32>(0x80000001u), "
            "x1 < 0.0), x0 == 0.0), x1, x0 == x1)")
    expr = f"select({expr}, tn_nan(), tn_isnan(x0) || tn_isnan(x1))"
    return _ew(expr, [_operand(x, np.float32), _operand(y, np.float32)], np.float32,
               "nextafter")


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """NumPy's ``isclose``: ``|a - b| <= atol + rtol * |b|``, infinities equal only to
    themselves, NaN equal to NaN when ``equal_nan``."""
    ref = a if isinstance(a, StridedArray) else b
    dt = dtype_info(ref.dtype)
    conv = "" if dt.kind == "f" else "f32"
    x0, x1 = f"{conv}(x0)", f"{conv}(x1)"
    sfx = "64" if dt.compute == "f64" else ""
    ft = np.float64 if sfx else np.float32
    close = (f"({x0} == {x1}) || (tn_isfinite{sfx}({x0}) && tn_isfinite{sfx}({x1}) && "
             f"abs({x0} - {x1}) <= x3 + x2 * abs({x1}))")
    if equal_nan:
        close += f" || (tn_isnan{sfx}({x0}) && tn_isnan{sfx}({x1}))"
    ops = [_operand(a, ref.dtype), _operand(b, ref.dtype), (rtol, ft), (atol, ft)]
    return _ew(f"select(0u, 1u, {close})", ops, np.bool_, ("isclose", equal_nan, dt.name))


def around(x, decimals=0):
    """NumPy's ``around``: scale by 10**decimals, round half to even, scale back."""
    dt = dtype_info(x.dtype)
    if dt.kind == "f":
        # NOTE: bit-exact rounding and a correctly rounded division (see _fround), as NumPy's
        s = "64" if dt.compute == "f64" else ""
        if decimals == 0:
            return _ew(f"tn_rint{s}(x0)", [x], x.dtype, ("round", s))
        ft = np.float64 if s else np.float32
        # NumPy computes float16 / bfloat16 in float32 and rounds each step to the dtype (the
        # scale 10**decimals too: float16(1e5) is inf): so do we, by bit manipulation.
        r = {"float16": "tn_f16r", "bfloat16": "tn_bf16"}.get(dt.name, "")
        scale = float(np.asarray(10.0 ** abs(decimals), x.dtype)) if r else 10.0 ** abs(decimals)
        if decimals > 0:
            return _ew(f"{r}(tn_div{s}(tn_rint{s}({r}(x0 * x1)), x1))", [x, (scale, ft)],
                       x.dtype, ("around+", s, r))
        return _ew(f"{r}(tn_rint{s}({r}(tn_div{s}(x0, x1))) * x1)", [x, (scale, ft)],
                   x.dtype, ("around-", s, r))
    if decimals >= 0:
        return contiguous(x)
    p = 10 ** -decimals
    ct = dt.compute
    if p >= 2 ** (63 if ct in ("i64", "u64") else 31):
        return imag(x)  # every value rounds to 0
    expr = (f"select(q * x1, (q + {ct}(1)) * x1, 2 * r > x1 || (2 * r == x1 && (q & {ct}(1)) "
            f"!= {ct}(0)))")
    expr = expr.replace("2 * r", f"{ct}(2) * r")
    fn = f"tn_mod_{ct}"
    body = f"around_int({fn}(x0, x1), x0, x1)"
    helper = (f"fn around_int(r: {ct}, x: {ct}, x1: {ct}) -> {ct} {{\n"
              f"  let q = (x - r) / x1;\n  return {expr};\n}}\n")
    return _ew_with(helper, body, [x, (p, x.dtype)], x.dtype, ("around_int", ct))


def _ew_with(helper, expr, operands, dtype, key):
    """An elementwise launch whose expression calls a one-off WGSL helper function."""
    from . import _codegen

    name = f"tn_user_{abs(hash(helper)) % 10**8}"
    _codegen._HELPERS.setdefault(name, helper.replace("around_int", name))
    return _ew(expr.replace("around_int", name), operands, dtype, key)


def count_nonzero(x, axis=None, keepdims=False):
    """Number of non-zero values (int64, or int32 without shader-int64)."""
    b = x if x.dtype == np.bool_ else astype(x, np.bool_)
    axes = tuple(range(x.ndim)) if axis is None else tuple(axis)
    out = reduce("sum", b, axes, keepdims, index_dtype(rt_of(x)), fill=0)
    if axis is None and keepdims:
        out = out.view(0, (1,) * x.ndim, (1,) * x.ndim)
    return out


def vector_norm(x, axis, keepdims, ord=2.0):  # noqa: A002 - the Array API's name
    """float32 math, or float64 math (the _f64math pow) for float64 input."""
    axis = tuple(axis) if x.ndim else ()
    xf = _as_f32(x)
    ft = xf.dtype
    d = ft == np.float64
    z, pw = ("lf", "tn_pow64") if d else ("", "pow")
    if ord == 2:
        s = reduce("sum", _ew("x0 * x0", [xf], ft, "square"), axis, keepdims, ft)
        return _ew("sqrt(x0)", [s], x.dtype, "vn_sqrt")
    a = _ew("abs(x0)", [xf], ft, "abs")
    if ord == math.inf:
        r = reduce("max", a, axis, keepdims, ft)
    elif ord == -math.inf:
        r = reduce("min", a, axis, keepdims, ft)
    elif ord == 0:
        r = reduce("sum", _ew(f"select(1.0{z}, 0.0{z}, x0 == 0.0{z})", [a], ft, "nz"), axis,
                   keepdims, ft)
    elif ord == 1:
        r = reduce("sum", a, axis, keepdims, ft)
    else:
        p = _ew(f"{pw}(x0, x1)", [a, (ord, ft)], ft, "powabs")
        s = reduce("sum", p, axis, keepdims, ft)
        r = _ew(f"{pw}(x0, x1)", [s, (1.0 / ord, ft)], ft, "powabs")
    return r if x.dtype == ft else astype(r, x.dtype)


def concat(*xs, axis=0):
    """Arrays of one dtype joined along ``axis``: each copied into its slice of the result."""
    x0 = xs[0]
    rt = rt_of(x0)
    axis %= x0.ndim
    shape = list(x0.shape)
    shape[axis] = sum(x.shape[axis] for x in xs)
    out = new_array(rt, shape, x0.dtype)
    start = 0
    for x in xs:
        n = x.shape[axis]
        if n and x.size:
            sub = list(out.shape)
            sub[axis] = n
            part = out.view(start * out.strides[axis], sub, out.strides)
            launch("copy", "x0", [x], part, rt)
        start += n
    return out


def topk(x, k, axis=-1, largest=True, sorted=True):  # noqa: A002 - torch's name
    """The ``k`` largest (or smallest) values along ``axis`` and their int32 indices,
    largest first (ties: lower index first), from the stable bitonic argsort."""
    axis %= x.ndim
    idx = argsort(x, axis, descending=largest)
    shape = list(idx.shape)
    shape[axis] = k
    first = contiguous(idx.view(0, shape, idx.strides))
    return take_along_axis(x, first, axis), first


def _search_source(dt, idt, side, has_sorter, nd):
    """Metadata: [n, a_len, a_off, a_stride, v_off, s_off, shape[nd], v strides[nd]]."""
    isnan = {"f32": "tn_isnan", "f64": "tn_isnan64"}.get(dt.compute)
    lt = (f"(!{isnan}(a) && {isnan}(b)) || (a < b)" if isnan else "a < b")
    # left: first i with !(A[i] < v); right: first i with v < A[i]
    cond = "lt(A_at(mid), v)" if side == "left" else "!lt(v, A_at(mid))"
    addr = "i32(S[bitcast<i32>(P[5]) + i32(k)])" if has_sorter else "i32(k)"
    src = f"""@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> Y: array<{idt.storage}>;
@group(0) @binding(2) var<storage, read> A: array<{dt.storage}>;
@group(0) @binding(3) var<storage, read> V: array<{dt.storage}>;
@group(0) @binding(4) var<storage, read> S: array<i32>;
fn lt(a: {dt.compute}, b: {dt.compute}) -> bool {{ return {lt}; }}
fn A_at(k: u32) -> {dt.compute} {{
  return {dt.load(f"A[bitcast<i32>(P[2]) + {addr} * bitcast<i32>(P[3])]")};
}}
@compute @workgroup_size({WG})
fn main({LINEAR_ID}) {{
  let i = (wg.y * nwg.x + wg.x) * {WG}u + li;
  if (i >= P[0]) {{ return; }}
  var ov = bitcast<i32>(P[4]);
  var r = i;
  for (var d: i32 = {nd - 1}; d >= 0; d = d - 1) {{
    let n = P[6u + u32(d)];
    ov += i32(r % n) * bitcast<i32>(P[{6 + nd}u + u32(d)]);
    r = r / n;
  }}
  let v = {dt.load("V[ov]")};
  var lo = 0u;
  var hi = P[1];
  loop {{
    if (lo >= hi) {{ break; }}
    let mid = (lo + hi) / 2u;
    if ({cond}) {{ lo = mid + 1u; }} else {{ hi = mid; }}
  }}
  Y[i] = {idt.compute}(lo);
}}"""
    return header(src, dt.storage == "f16")


def searchsorted(a, v, side="left", sorter=None):
    """Insertion points of ``v`` in the sorted 1-D ``a`` (binary search per element; NaN
    sorts last as in NumPy). ``sorter`` is a host index array."""
    from ._indexing import _index_array

    rt = rt_of(a)
    dt = dtype_info(a.dtype)
    if isinstance(v, StridedArray) and v.dtype != a.dtype:
        v = astype(v, a.dtype)
    elif not isinstance(v, StridedArray):
        from ._api import full

        v = full(rt, (), v, a.dtype)
    idt = dtype_info(index_dtype(rt))
    out = new_array(rt, v.shape, index_dtype(rt))
    if out.size == 0:
        return out
    srt = _index_array(rt, np.asarray(sorter, dtype=np.int64)) if sorter is not None else None
    vshape, (vs,) = collapse(v.shape, [v.strides])
    meta = [out.size, a.shape[0], i32w(a.offset), i32w(a.strides[0]), i32w(v.offset),
            i32w(srt.offset if srt is not None else 0)] + list(vshape) + [i32w(x) for x in vs]
    key = ("searchsorted", dt.name, idt.name, side, srt is not None, len(vshape))
    kernel = rt.kernel(key, lambda: _search_source(dt, idt, side, srt is not None,
                                                   len(vshape)),
                       (True, False, False, False))
    rt.dispatch(kernel, meta, [out.storage.buffer, a.storage.buffer, v.storage.buffer,
                               (srt if srt is not None else a).storage.buffer],
                -(-out.size // WG))
    return out


def isin(element, test_elements, invert=False, assume_unique=False, kind=None):
    """``np.isin``: sort the test values on the GPU, binary-search every element, compare the
    value found (NaN is never found: NaN != NaN, as in NumPy)."""
    from ._indexing import take

    t = test_elements
    if t.dtype != element.dtype:
        t = astype(t, element.dtype)
    t = t if t.is_contiguous() else contiguous(t)
    flat = t.view(t.offset, (t.size,), (1,))
    rt = rt_of(element)
    if t.size == 0:
        from ._api import full

        return full(rt, element.shape, bool(invert), np.bool_)
    s = sort_values(flat)
    idx = searchsorted(s, element, "left")
    found = take(s, idx, 0, mode="clip")
    test = "!(x0 == x1)" if invert else "x0 == x1"  # NaN: see _codegen.convert
    return _ew(f"select(0u, 1u, {test})", [found, element], np.bool_, ("isin", invert))


def sort_values(x):
    from ._sort import sort

    return sort(x, -1)


def _float_of(rt, dtype):
    if dtype_info(dtype).kind == "f":
        return np.dtype(dtype)
    return np.dtype(np.float64 if "shader-f64" in rt.features else np.float32)


def average(x, axis=None, keepdims=False, weights=None):
    """``np.average(..., returned=True)``: the (weighted) mean and the sum of the weights."""
    from ._api import full

    rt = rt_of(x)
    axes = tuple(range(x.ndim)) if axis is None else \
        tuple(a % x.ndim for a in ((axis,) if np.isscalar(axis) else axis))
    ft = _float_of(rt, x.dtype)
    if weights is None:
        avg = reduce("mean", x, axes, keepdims, ft)
        n = math.prod(x.shape[a] for a in axes)
        return avg, full(rt, avg.shape, n, ft)
    w = weights
    if w.shape != x.shape:  # 1-D weights along the one axis
        ax = axes[0]
        shape = tuple(n if d == ax else 1 for d, n in enumerate(x.shape))
        strides = tuple(w.strides[0] if d == ax else 0 for d in range(x.ndim))
        w = w.view(w.offset, shape, strides)
    ft = np.result_type(ft, _float_of(rt, w.dtype))
    xw = _ew("x0 * x1", [_cast(x, ft), _cast(w, ft)], ft, "wmul")
    num = reduce("sum", xw, axes, keepdims, ft)
    wb = w if w.shape == x.shape else \
        w.view(w.offset, x.shape, tuple(s if n != 1 else 0 for n, s in zip(w.shape, w.strides)))
    den = reduce("sum", _cast(wb, ft), axes, keepdims, ft)
    return _ew("x0 / x1", [num, den], ft, "wdiv"), den


def _cast(x, dtype):
    return x if x.dtype == dtype else astype(x, dtype)


def interp(x, xp, fp, left=None, right=None, period=None):
    """``np.interp`` for increasing ``xp`` (period=None): binary search, gathers, lerp."""
    from ._indexing import take

    if period is not None:
        from ._errors import GpuDtypeError

        raise GpuDtypeError("gpu: interp(period=...) has no GPU kernel\n"
                            "  hint: x.to_device('cpu')")
    rt = rt_of(x)
    ft = np.result_type(_float_of(rt, x.dtype), _float_of(rt, fp.dtype))
    x, xp, fp = _cast(x, ft), _cast(xp, ft), _cast(fp, ft)
    n = xp.shape[0]
    j = searchsorted(xp, x, "right")
    i = _ew("x0 - x1", [j, (1, j.dtype)], j.dtype, "dec")
    xi, xj = take(xp, i, 0, mode="clip"), take(xp, j, 0, mode="clip")
    fi, fj = take(fp, i, 0, mode="clip"), take(fp, j, 0, mode="clip")
    first = xp.view(xp.offset, x.shape, (0,) * x.ndim)
    last = xp.view(xp.offset + (n - 1) * xp.strides[0], x.shape, (0,) * x.ndim)
    lv = fp.view(fp.offset, x.shape, (0,) * x.ndim) if left is None else (left, ft)
    rv = fp.view(fp.offset + (n - 1) * fp.strides[0], x.shape, (0,) * x.ndim) \
        if right is None else (right, ft)
    lerp = "select(x3 + (x0 - x1) * (x4 - x3) / (x2 - x1), x3, x2 == x1)"
    isnan = "tn_isnan64" if dtype_info(ft).compute == "f64" else "tn_isnan"
    expr = f"select(select(select({lerp}, x8, x0 > x6), x7, x0 < x5), x0, {isnan}(x0))"
    ops = [x, xi, xj, fi, fj, first, last, lv, rv]
    return _ew(expr, ops, ft, ("interp", left is None, right is None))


def _corr1d(a, v, mode, flip):
    """Sliding dot products of 1-D ``a`` and ``v`` as a (1, 1, 1, n) conv2d."""
    from ._conv import conv2d

    rt = rt_of(a)
    ft = np.result_type(_float_of(rt, a.dtype), _float_of(rt, v.dtype))
    a, v = _cast(a, ft), _cast(v, ft)
    n, m = a.shape[0], v.shape[0]
    if flip:  # convolution: the kernel reversed (a negative-stride view, copied)
        v = contiguous(v.view(v.offset + (m - 1) * v.strides[0], (m,), (-v.strides[0],)))
    pad = {"valid": 0, "same": m // 2, "full": m - 1}[mode]
    x4 = a.view(a.offset, (1, 1, 1, n), (0, 0, 0, a.strides[0]))
    w4 = v.view(v.offset, (1, 1, 1, m), (0, 0, 0, v.strides[0]))
    out = conv2d(x4, w4, None, (1, 1), (0, pad))
    if mode == "same":
        length = max(n, m)
        return out.view(out.offset, (length,), (1,))
    return out.view(out.offset, (out.shape[-1],), (1,))


def convolve(a, v, mode="full"):
    """``np.convolve`` (real inputs); the longer array slides over the shorter one."""
    if v.shape[0] > a.shape[0]:
        a, v = v, a
    return _corr1d(a, v, mode, True)


def correlate(a, v, mode="valid"):
    """``np.correlate`` (real inputs)."""
    if v.shape[0] > a.shape[0]:  # NumPy swaps and reverses the result
        out = _corr1d(v, a, mode, False)
        n = out.shape[0]
        return contiguous(out.view(out.offset + (n - 1), (n,), (-1,)))
    return _corr1d(a, v, mode, False)


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None,
        dtype=None):
    """``np.cov``: centre the rows (on the weighted mean with ``fweights``/``aweights``, which
    are host arrays), one matmul, NumPy's normalisation."""
    from ._matmul import matmul

    rt = rt_of(m)
    ft = np.dtype(dtype) if dtype is not None else \
        np.dtype(np.float64 if "shader-f64" in rt.features else np.float32)

    def rows(a):
        if a.ndim == 1:
            a = a.view(a.offset, (1, a.shape[0]), (0, a.strides[0]))
        elif not rowvar:
            a = a.view(a.offset, a.shape[::-1], a.strides[::-1])
        return _cast(contiguous(a) if a.dtype != ft else a, ft)

    x = rows(m)
    if y is not None:
        x = concat(x, rows(y), axis=0)
    n_obs = x.shape[1]
    dd = ddof if ddof is not None else (0 if bias else 1)
    if fweights is None and aweights is None:
        xc = _ew("x0 - x1", [x, reduce("mean", x, (1,), True, ft)], ft, "center")
        right = xc
        fact = n_obs - dd
    else:
        w, fact = _cov_weights(n_obs, bias, ddof, dd, fweights, aweights)
        from ._api import GpuDeviceAPI

        wt = GpuDeviceAPI().from_numpy(w.astype(ft).reshape(1, n_obs), rt.index)
        total = reduce("sum", _ew("x0 * x1", [x, wt], ft, "wmul"), (1,), True, ft)
        avg = _ew("x0 / x1", [total, (float(w.sum()), ft)], ft, "wavg")
        xc = _ew("x0 - x1", [x, avg], ft, "center")
        right = _ew("x0 * x1", [xc, wt], ft, "wmul")
    c = matmul(xc, right.view(right.offset, right.shape[::-1], right.strides[::-1]))
    scale = 1.0 / fact if fact > 0 else math.inf
    out = _ew("x0 * x1", [c, (scale, ft)], ft, "scale")
    if out.shape == (1, 1):
        return out.view(out.offset, (), ())
    return out


def _cov_weights(n_obs, bias, ddof, dd, fweights, aweights):
    """The combined weights and NumPy's normalisation factor. NumPy's ``cov`` of zeros of
    the same length checks the weights first, so invalid ones raise NumPy's errors."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.cov(np.zeros((1, n_obs)), bias=bias, ddof=ddof, fweights=fweights,
               aweights=aweights)
    w = np.ones(n_obs)
    if fweights is not None:
        w = w * np.asarray(fweights, dtype=float)
    if aweights is not None:
        w = w * np.asarray(aweights, dtype=float)
    w_sum = float(w.sum())
    if dd == 0:
        return w, w_sum
    if aweights is None:
        return w, w_sum - dd
    return w, w_sum - dd * float((w * np.asarray(aweights, dtype=float)).sum()) / w_sum


def corrcoef(x, y=None, rowvar=True, dtype=None):
    """``np.corrcoef``: the covariance normalised by the standard deviations, clipped."""
    c = cov(x, y, rowvar, dtype=dtype)
    if c.ndim == 0:
        return _ew("x0 / x0", [c], c.dtype, "selfdiv")
    n = c.shape[0]
    col = c.view(c.offset, (n, 1), (n + 1, 0))
    row = c.view(c.offset, (1, n), (0, n + 1))
    # NaN (a constant row) stays NaN, as NumPy's clip: WGSL's clamp of NaN need not be NaN
    mx, mn = ("tn_max64", "tn_min64") if c.dtype == np.float64 else ("tn_max", "tn_min")
    return _ew(f"{mn}({mx}(x0 / sqrt(x1 * x2), -1.0), 1.0)", [c, col, row], c.dtype, "corr")


def digitize(x, bins, right=False):
    """``np.digitize`` for increasing or decreasing ``bins``: both searches run and the
    direction (bins[0] <= bins[-1], read on the GPU) picks one, so nothing waits for the host."""
    if bins.dtype != x.dtype:
        bins = astype(bins, x.dtype)
    n = bins.shape[0]
    side = "left" if right else "right"
    inc = searchsorted(bins, x, side)
    if n <= 1:
        return inc
    rev = bins.view(bins.offset + (n - 1) * bins.strides[0], (n,), (-bins.strides[0],))
    dec = searchsorted(rev, x, side)
    first = bins.view(bins.offset, x.shape, (0,) * x.ndim)
    last = bins.view(bins.offset + (n - 1) * bins.strides[0], x.shape, (0,) * x.ndim)
    return _ew("select(x4 - x1, x0, x2 <= x3)", [inc, dec, first, last, (n, inc.dtype)],
               inc.dtype, "digitize")


def gradient(f, spacing=(), axis=None, edge_order=1):
    """``np.gradient`` with uniform (scalar) spacings: central differences inside, one-sided
    differences of ``edge_order`` 1 or 2 at the edges; one array per axis."""
    rt = rt_of(f)
    axes = tuple(range(f.ndim)) if axis is None else \
        tuple(a % f.ndim for a in ((axis,) if np.isscalar(axis) else axis))
    hs = list(spacing) if len(spacing) else [1.0]
    if len(hs) == 1:
        hs = hs * len(axes)
    if any(not np.isscalar(h) and np.ndim(h) != 0 for h in hs):
        from ._errors import GpuDtypeError

        raise GpuDtypeError("gpu: gradient with coordinate arrays has no GPU kernel\n"
                            "  hint: x.to_device('cpu')")
    ft = _float_of(rt, f.dtype)
    x = _cast(f, ft)
    outs = []
    for ax, h in zip(axes, hs):
        h = float(h)
        n = x.shape[ax]
        out = new_array(rt, x.shape, ft)
        st = x.strides[ax]
        ost = out.strides[ax]

        def sl(a, start, length, stride_a, ax=ax):
            shape = list(a.shape)
            shape[ax] = length
            return a.view(a.offset + start * stride_a, shape, a.strides)

        if n >= 3:
            launch(("grad_mid", ft.name), "(x0 - x1) * x2",
                   [sl(x, 2, n - 2, st), sl(x, 0, n - 2, st), (0.5 / h, ft)],
                   sl(out, 1, n - 2, ost), rt)
        if edge_order == 1 or n < 3:
            launch(("grad_edge", ft.name), "(x0 - x1) * x2",
                   [sl(x, 1, 1, st), sl(x, 0, 1, st), (1.0 / h, ft)], sl(out, 0, 1, ost), rt)
            launch(("grad_edge", ft.name), "(x0 - x1) * x2",
                   [sl(x, n - 1, 1, st), sl(x, n - 2, 1, st), (1.0 / h, ft)],
                   sl(out, n - 1, 1, ost), rt)
        else:
            launch(("grad_first2", ft.name), "(-3.0 * x0 + 4.0 * x1 - x2) * x3",
                   [sl(x, 0, 1, st), sl(x, 1, 1, st), sl(x, 2, 1, st), (0.5 / h, ft)],
                   sl(out, 0, 1, ost), rt)
            launch(("grad_last2", ft.name), "(3.0 * x0 - 4.0 * x1 + x2) * x3",
                   [sl(x, n - 1, 1, st), sl(x, n - 2, 1, st), sl(x, n - 3, 1, st),
                    (0.5 / h, ft)], sl(out, n - 1, 1, ost), rt)
        outs.append(out)
    return tuple(outs)


def make_kernels(all_dtypes) -> dict:
    from ._pad import pad

    numeric = [d for d in all_dtypes if dtype_info(d).kind != "b"]
    real_ = numeric
    return {
        "addcmul": dict.fromkeys(numeric, addcmul),
        "real": dict.fromkeys(numeric, real),
        "imag": dict.fromkeys(numeric, imag),
        "nextafter": {"float32": nextafter},
        "isclose": dict.fromkeys(numeric, isclose),
        "around": dict.fromkeys(real_, around),
        "count_nonzero": dict.fromkeys(all_dtypes, count_nonzero),
        "vector_norm": {d: vector_norm for d in all_dtypes if dtype_info(d).tkey in "fd"},
        "concat": dict.fromkeys(all_dtypes, concat),
        "topk": dict.fromkeys(real_, topk),
        "searchsorted": dict.fromkeys(real_, searchsorted),
        "isin": dict.fromkeys(real_, isin),
        "average": dict.fromkeys(real_, average),
        "interp": dict.fromkeys(real_, interp),
        "convolve": dict.fromkeys(real_, convolve),
        "correlate": dict.fromkeys(real_, correlate),
        "cov": dict.fromkeys(real_, cov),
        "digitize": dict.fromkeys(real_, digitize),
        "gradient": dict.fromkeys(real_, gradient),
        "corrcoef": dict.fromkeys(real_, corrcoef),
        "pad": dict.fromkeys(all_dtypes, pad),  # _pad
    }
