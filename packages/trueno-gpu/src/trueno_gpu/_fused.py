"""Fused row kernels: softmax, log_softmax and layer_norm in one dispatch each.

One workgroup per row (the softmax axis, or layer_norm's trailing axes collapsed); the row is
read with its stride (no copy for views), reduced twice through workgroup memory (max then
sum of exp, or mean then variance; sums go through ``subgroupAdd`` where the adapter has
subgroups; float64 rows use workgroup trees and the ``_f64math`` exp/log), then written to
a new contiguous array. gelu and silu are single elementwise expressions (see
``_elementwise``).
"""

from __future__ import annotations

import math

import numpy as np
from trueno.backend import StridedArray, contiguous_strides

from ._api import contiguous
from ._codegen import LINEAR_ID, WG, collapse, header, i32w, new_array
from ._dtypes import dtype_info
from ._elementwise import rt_of
from ._fast_layer_norm import layer_norm_rows
from ._fast_softmax import softmax_rows
from ._reduce import _SG_ARGS
from ._wg_reduce import wg_reductions

__all__ = ["softmax", "log_softmax", "layer_norm", "make_kernels"]

_WG_SUM_SUBGROUP = """var<private> g_sgid: u32;
var<private> g_nsg: u32;
var<private> g_sid: u32;
fn wg_sum_sg(v: f32) -> f32 {
  let p = subgroupAdd(v);
  if (g_sid == 0u) { red[g_sgid] = p; }
  workgroupBarrier();
  var t = 0.0;
  for (var i = 0u; i < g_nsg; i = i + 1u) { t = t + red[i]; }
  workgroupBarrier();
  return t;
}"""


def _source(kind, dt, nk, has_w, has_b, wdt, sg=False):
    """Metadata: [rows, L, x_off, x_stride, y_stride, eps, w_off, b_off, outer shape[nk],
    x outer strides[nk], y outer strides[nk]] (+ eps as two f64 words for float64).

    float32 math (f32 / f16 / bf16 storage) or float64 math (f64 storage, the _f64math
    exp/log, no subgroup sums)."""
    st = dt.storage
    d = dt.compute == "f64"
    F, S, z = ("f64", "64", "lf") if d else ("f32", "", "")
    exp, log = ("tn_exp64", "tn_log64") if d else ("exp", "log")
    load = dt.load("X[xb + i32(j) * xs]")
    wload = wdt.load("W[bitcast<i32>(P[6]) + i32(j)]") if has_w else f"1.0{z}"
    bload = wdt.load("Bb[bitcast<i32>(P[7]) + i32(j)]") if has_b else f"0.0{z}"
    e = 8 + 3 * nk
    eps = (f"bitcast<f64>(u64(P[{e}]) | (u64(P[{e + 1}]) << 32u))" if d
           else "bitcast<f32>(P[5])")
    lines = [
        "@group(0) @binding(0) var<storage, read> P: array<u32>;",
        f"@group(0) @binding(1) var<storage, read_write> Y: array<{st}>;",
        f"@group(0) @binding(2) var<storage, read> X: array<{st}>;",
        f"@group(0) @binding(3) var<storage, read> W: array<{wdt.storage}>;",
        f"@group(0) @binding(4) var<storage, read> Bb: array<{wdt.storage}>;",
        wg_reductions(F, "sum", "max", max_fn=f"tn_max{S}"),
        _WG_SUM_SUBGROUP if sg else "",
        f"@compute @workgroup_size({WG})",
        f"fn main({LINEAR_ID}{_SG_ARGS if sg else ''}) {{",
        "  g_sgid = sgid; g_nsg = nsg; g_sid = sid;" if sg else "",
        "  let row = wg.y * nwg.x + wg.x;",
        "  if (row >= P[0]) { return; }",
        "  let L = P[1];",
        "  var xb = bitcast<i32>(P[2]);", "  var yb = 0;",
        "  let xs = bitcast<i32>(P[3]);", "  let ys = bitcast<i32>(P[4]);",
        "  var q = row;",
        f"  for (var d: i32 = {nk - 1}; d >= 0; d = d - 1) {{",
        "    let n = P[8u + u32(d)];", "    let c = i32(q % n);", "    q = q / n;",
        f"    xb += c * bitcast<i32>(P[{8 + nk}u + u32(d)]);",
        f"    yb += c * bitcast<i32>(P[{8 + 2 * nk}u + u32(d)]);",
        "  }",
    ]
    loop = f"  for (var j = li; j < L; j = j + {WG}u) {{"
    if kind in ("softmax", "log_softmax"):
        lines += [f"  var m = -tn_inf{S}();", loop, f"    m = tn_max{S}(m, {load});", "  }",
                  "  m = wg_max(m, li);",
                  f"  var s = 0.0{z};", loop, f"    s += {exp}({load} - m);", "  }",
                  "  s = wg_sum(s, li);"]
        val = f"{exp}(v - m) / s" if kind == "softmax" else f"v - m - {log}(s)"
        lines += [loop, f"    let v = {load};",
                  f"    Y[yb + i32(j) * ys] = {dt.store(val)};", "  }"]
    else:
        rsqrt = f"1.0{z} / sqrt(wg_sum(s2, li) / {F}(L) + {eps})" if d else \
            f"inverseSqrt(wg_sum(s2, li) / f32(L) + {eps})"
        lines += [f"  var s = 0.0{z};", loop, f"    s += {load};", "  }",
                  f"  let mean = wg_sum(s, li) / {F}(L);",
                  f"  var s2 = 0.0{z};", loop, f"    let d = {load} - mean;", "    s2 += d * d;",
                  "  }",
                  f"  let rstd = {rsqrt};",
                  loop, f"    let v = ({load} - mean) * rstd * {wload} + {bload};",
                  f"    Y[yb + i32(j) * ys] = {dt.store('v')};", "  }"]
    lines.append("}")
    text = "\n".join(lines)
    if sg:
        text = text.replace("wg_sum(s, li)", "wg_sum_sg(s)").replace("wg_sum(s2, li)",
                                                                     "wg_sum_sg(s2)")
    return header(text, st == "f16" or wdt.storage == "f16")


_ROWS: dict = {}  # _rows' layout signature -> its plan (``_rows_plan``)


def _rows(kind, x: StridedArray, row_axes, weight=None, bias=None, eps=0.0):
    """One workgroup per row of ``row_axes``. The layout work (collapsing rows and kept axes,
    the metadata tail, the kernel key) is planned once per (kind, layouts, dtypes, device);
    a call allocates, packs its offsets and eps and dispatches."""
    sig = (kind, x.shape, x.strides, x.dtype, x.storage.device_index, row_axes,
           None if weight is None else (weight.shape, weight.strides, weight.dtype),
           None if bias is None else (bias.shape, bias.strides, bias.dtype))
    p = _ROWS.get(sig)
    if p is None:
        p = _rows_plan(kind, x, row_axes, weight, bias)
        if len(_ROWS) > 4096:
            _ROWS.clear()
        _ROWS[sig] = p
    rt, dt, mode, rows, L, rx, ry, tail, key, make, copy_w, copy_b = p
    if mode == "copy":  # row axes that no single stride walks: read a contiguous copy
        return _rows(kind, contiguous(x), row_axes, weight, bias, eps)
    out = new_array(rt, x.shape, x.dtype)
    if mode == "empty":
        return out
    if mode == "fast":  # contiguous rows: _fast_softmax / _fast_layer_norm, when they fit
        if kind == "layer_norm":
            done = layer_norm_rows(rt, dt, x, out, rows, L, weight, bias, eps)
        else:
            done = softmax_rows(rt, kind, dt, x, out, rows, L)
        if done is not None:
            return done
    if copy_w:
        weight = contiguous(weight)
    if copy_b:
        bias = contiguous(bias)
    meta = [rows, L, x.offset, rx, ry, int(np.float32(eps).view(np.uint32)),
            weight.offset if weight is not None else 0,
            bias.offset if bias is not None else 0, *tail]
    if dt.compute == "f64":
        meta += [int(w) for w in np.array([eps], np.float64).view(np.uint32)]
    kernel = rt.kernel(key, make, (True, False, False, False))
    wbuf = (weight if weight is not None else x).storage.buffer
    bbuf = (bias if bias is not None else x).storage.buffer
    rt.dispatch(kernel, meta, [out.storage.buffer, x.storage.buffer, wbuf, bbuf], rows)
    return out


def _rows_plan(kind, x: StridedArray, row_axes, weight, bias) -> tuple:
    """(runtime, DType, mode, rows, L, row strides of x and out, metadata tail, kernel key,
    source maker, copy weight, copy bias); mode: "empty", "copy" (rows need a contiguous
    copy of x), "fast" (contiguous rows: try ``softmax_rows``) or "rows"."""
    rt = rt_of(x)
    dt = dtype_info(x.dtype)
    none = (rt, dt, "empty", 0, 0, 0, 0, (), None, None, False, False)
    if math.prod(x.shape) == 0:
        return none
    ostrides = contiguous_strides(x.shape)
    rshape, (rx, ry) = collapse(tuple(x.shape[d] for d in row_axes),
                                [tuple(x.strides[d] for d in row_axes),
                                 tuple(ostrides[d] for d in row_axes)])
    if len(rshape) != 1:
        return (rt, dt, "copy") + none[3:]
    kept = [d for d in range(x.ndim) if d not in row_axes]
    kshape, (kx, ky) = collapse(tuple(x.shape[d] for d in kept),
                                [tuple(x.strides[d] for d in kept),
                                 tuple(ostrides[d] for d in kept)])
    rows, L = math.prod(x.shape[d] for d in kept), rshape[0]
    fast = rx[0] == 1 and ry[0] == 1 and (rows == 1 or (len(kshape) == 1 and kx[0] == L and
                                                       ky[0] == L))
    wdt = dtype_info(weight.dtype if weight is not None else
                     bias.dtype if bias is not None else x.dtype)
    tail = tuple(kshape) + tuple(i32w(s) for s in kx) + tuple(i32w(s) for s in ky)
    nk = len(kshape)
    sg = rt.has_subgroup and dt.compute != "f64"  # no f64 subgroup sums
    has_w, has_b = weight is not None, bias is not None
    key = ("rows", kind, dt.name, nk, has_w, has_b, wdt.name, sg)
    return (rt, dt, "fast" if fast else "rows", rows, L, i32w(rx[0]), i32w(ry[0]), tail, key,
            lambda: _source(kind, dt, nk, has_w, has_b, wdt, sg),
            has_w and not weight.is_contiguous(), has_b and not bias.is_contiguous())


def _long_rows(kind, x, axis):
    """Few, long rows: a workgroup per row would idle the GPU, so compose two-pass
    reductions and elementwise kernels instead (4 dispatches, all of them wide)."""
    from ._reduce import _as_f32, _ew, reduce

    xf = _as_f32(x)
    ft = xf.dtype
    exp, log = ("tn_exp64", "tn_log64") if ft == np.float64 else ("exp", "log")
    m = reduce("max", xf, (axis,), True, ft)
    e = _ew(f"{exp}(x0 - x1)", [xf, m], ft, "softmax_exp")
    s = reduce("sum", e, (axis,), True, ft)
    if kind == "softmax":
        return _ew("x0 / x1", [e, s], x.dtype, "softmax_div")
    return _ew(f"x0 - x1 - {log}(x2)", [xf, m, s], x.dtype, "log_softmax_out")


def _is_long(x, axis):
    rows = x.size // max(1, x.shape[axis])
    return rows < 64 and x.shape[axis] >= 16384


def softmax(x, axis):
    if x.ndim and _is_long(x, axis % x.ndim):
        return _long_rows("softmax", x, axis % x.ndim)
    if x.ndim == 0:
        x = x.view(x.offset, (1,), (1,))
        return _rows("softmax", x, (0,)).view(0, (), ())
    return _rows("softmax", x, (axis % x.ndim,))


def log_softmax(x, axis):
    if x.ndim and _is_long(x, axis % x.ndim):
        return _long_rows("log_softmax", x, axis % x.ndim)
    if x.ndim == 0:
        x = x.view(x.offset, (1,), (1,))
        return _rows("log_softmax", x, (0,)).view(0, (), ())
    return _rows("log_softmax", x, (axis % x.ndim,))


def _long_layer_norm(x, axes, weight, bias, eps):
    """Few, long rows: mean and variance through the chunked two-pass reductions, then one
    elementwise kernel. A workgroup per row would idle the GPU, and on lavapipe its three loops
    over the row pass the 65,535 loop iterations per invocation after which the driver silently
    stops looping (rows of ~5.6M elements)."""
    from ._reduce import _as_f32, _ew, reduce

    xf = _as_f32(x)
    ft = xf.dtype
    m = reduce("mean", xf, axes, True, ft)
    v = reduce("mean", _ew("(x0 - x1) * (x0 - x1)", [xf, m], ft, "sqdev"), axes, True, ft)
    ops = [xf, m, v, (eps, ft)]
    expr = "(x0 - x1) / sqrt(x2 + x3)"
    if weight is not None:
        ops.append(weight)
        expr = f"({expr}) * x{len(ops) - 1}"
    if bias is not None:
        ops.append(bias)
        expr = f"{expr} + x{len(ops) - 1}"
    return _ew(expr, ops, x.dtype, ("layer_norm_long", weight is not None, bias is not None))


def layer_norm(x, normalized_ndim, weight=None, bias=None, eps=1e-5):
    axes = tuple(range(x.ndim - normalized_ndim, x.ndim))
    L = math.prod(x.shape[d] for d in axes)
    if axes and x.size and x.size // L < 64 and L >= 16384:
        return _long_layer_norm(x, axes, weight, bias, eps)
    if not axes:
        x = x.view(x.offset, x.shape + (1,), x.strides + (1,))
        out = _rows("layer_norm", x, (x.ndim - 1,), weight, bias, eps)
        return out.view(0, out.shape[:-1], out.strides[:-1])
    return _rows("layer_norm", x, axes, weight, bias, eps)


def make_kernels(all_dtypes) -> dict:
    floats = [d for d in all_dtypes if dtype_info(d).tkey in "fd"]
    return {"softmax": dict.fromkeys(floats, softmax),
            "log_softmax": dict.fromkeys(floats, log_softmax),
            "layer_norm": dict.fromkeys(floats, layer_norm)}
