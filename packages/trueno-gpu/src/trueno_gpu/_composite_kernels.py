"""Kernels of composite rows that pay on the GPU, built from the GPU's own templates (no
host trips). Every other composite row (cov, corrcoef, average, gradient, interp, isin,
count_nonzero, topk, around, isclose, the nan-reductions, median/quantile, ...) has no GPU
kernel: its decomposition in core runs on the GPU's primitive and fused kernels (issue 13).

Why each kernel here stays:

- ``addcmul``: ``x + value * t1 * t2`` in one pass (the decomposition makes two temporaries);
  optimizers call it per parameter.
- ``real`` / ``imag``: primitive rows (of a real array: a copy, zeros).
- ``vector_norm``: ``|x|^2`` fused into one pass before the sum, float16 accumulated in
  float32; ``clip_grad_norm_`` calls it per parameter.
- ``concat``: a primitive-like copy of each input into its slice of the result (the
  decomposition in core has no cheaper form).
- ``searchsorted``: one binary search per element, O(n log m); the decomposition compares
  every pair, O(n m) memory.
- ``convolve`` / ``correlate`` (float dtypes): one conv2d launch; the decomposition adds one
  shifted product per element of the shorter input (3 m launches). Integer inputs (NumPy
  keeps their dtype) run the decomposition.
- ``digitize``: two binary searches on the GPU, the direction of ``bins`` read on the GPU;
  the decomposition reads ``bins[0] <= bins[-1]`` on the host and searches in O(n m) memory.
- ``pad`` (``_pad``): one gather launch per padded axis with host-made index maps.
"""

from __future__ import annotations

import math

import numpy as np
from trueno.backend import StridedArray

from ._api import astype, contiguous
from ._codegen import LINEAR_ID, WG, collapse, header, i32w, index_dtype, new_array
from ._dtypes import dtype_info
from ._elementwise import launch, rt_of
from ._reduce import _as_f32, _ew, reduce

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


def _common(a, v) -> np.dtype:
    """The dtype NumPy's searchsorted / digitize compare ``a`` and ``v`` in: their promotion
    (2.5 is not cast to the integer 2, 300 not to a uint8), a Python float with an integer
    ``a`` float64 (NEP 50), another Python scalar ``a``'s dtype."""
    from trueno.backend import as_dtype, promote

    if isinstance(v, StridedArray):
        return np.dtype(promote(as_dtype(a.dtype), as_dtype(v.dtype)).numpy)
    if isinstance(v, float) and dtype_info(a.dtype).kind != "f":
        return np.dtype(np.float64)
    return np.dtype(a.dtype)


def searchsorted(a, v, side="left", sorter=None):
    """Insertion points of ``v`` in the sorted 1-D ``a`` (binary search per element; NaN
    sorts last as in NumPy). ``sorter`` is a host index array."""
    from ._indexing import _index_array

    rt = rt_of(a)
    common = _common(a, v)
    a = _cast(a, common)
    dt = dtype_info(common)
    if isinstance(v, StridedArray):
        v = _cast(v, common)
    else:
        from ._api import full

        v = full(rt, (), v, common)
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


def _float_of(rt, dtype):
    if dtype_info(dtype).kind == "f":
        return np.dtype(dtype)
    return np.dtype(np.float64 if "shader-f64" in rt.features else np.float32)


def _cast(x, dtype):
    return x if x.dtype == dtype else astype(x, dtype)


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


def digitize(x, bins, right=False):
    """``np.digitize`` for increasing or decreasing ``bins``: both searches run and the
    direction (bins[0] <= bins[-1], read on the GPU) picks one, so nothing waits for the host."""
    common = _common(bins, x)
    x, bins = _cast(x, common), _cast(bins, common)
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


def make_kernels(all_dtypes) -> dict:
    """The kernels that pay on the GPU (the table in this module's docstring); the other
    composite rows run through their decompositions in core."""
    from ._pad import pad

    numeric = [d for d in all_dtypes if dtype_info(d).kind != "b"]
    floats = [d for d in all_dtypes if dtype_info(d).kind == "f"]
    return {
        "addcmul": dict.fromkeys(numeric, addcmul),
        "real": dict.fromkeys(numeric, real),
        "imag": dict.fromkeys(numeric, imag),
        "vector_norm": {d: vector_norm for d in all_dtypes if dtype_info(d).tkey in "fd"},
        "concat": dict.fromkeys(all_dtypes, concat),
        "searchsorted": dict.fromkeys(numeric, searchsorted),
        "convolve": dict.fromkeys(floats, convolve),
        "correlate": dict.fromkeys(floats, correlate),
        "digitize": dict.fromkeys(numeric, digitize),
        "pad": dict.fromkeys(all_dtypes, pad),  # _pad
    }
