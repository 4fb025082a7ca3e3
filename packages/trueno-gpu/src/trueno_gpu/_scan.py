"""Scans along one axis: cumsum and cumprod.

One workgroup per line; the line is walked in tiles of 256 elements, each tile scanned in
workgroup memory (Hillis-Steele) and offset by the carry of the tiles before it.
"""

from __future__ import annotations

import math

import numpy as np
from trueno._strided import StridedArray

from ._codegen import LINEAR_ID, WG, check_dtype, collapse, convert, header, i32w, new_array
from ._dtypes import acc_dtype, dtype_info, lit
from ._elementwise import rt_of
from ._reduce import narrow_dtype

__all__ = ["cumsum", "cumprod"]


def _source(op, in_dt, out_dt, nk):
    """Metadata: [lines, L, x_off, x_axis_stride, y_axis_stride, shape[nk], x strides[nk],
    y strides[nk]]. Complex scans (input and output of one complex dtype) run in vec2."""
    acc = out_dt.compute if out_dt.kind != "b" else "u32"
    f16 = "f16" in (in_dt.storage, out_dt.storage)
    if out_dt.kind == "c":
        from ._complex import cheader

        acc_dt, hdr = out_dt, cheader
        one, zero = ("1.0lf", "0.0lf") if out_dt.tkey == "z" else ("1.0", "0.0")
        ident = f"{acc}({zero if op == 'cumsum' else one}, {zero})"
        cmb = ("({} + {})" if op == "cumsum" else f"tc_mul_{out_dt.tkey}({{}}, {{}})").format
        load = in_dt.load("X[xb + i32(j) * bitcast<i32>(P[3])]")
    else:
        acc_dt, hdr = acc_dtype(acc), header
        ident = lit(acc, 0 if op == "cumsum" else 1)
        cmb = ("({} + {})" if op == "cumsum" else "({} * {})").format
        load = convert(in_dt, acc_dt, in_dt.load("X[xb + i32(j) * bitcast<i32>(P[3])]"))
    src = [
        "@group(0) @binding(0) var<storage, read> P: array<u32>;",
        f"@group(0) @binding(1) var<storage, read_write> Y: array<{out_dt.storage}>;",
        f"@group(0) @binding(2) var<storage, read> X: array<{in_dt.storage}>;",
        f"var<workgroup> sv: array<{acc}, {WG}>;",
        f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
        "  let line = wg.y * nwg.x + wg.x;",
        "  if (line >= P[0]) { return; }",
        "  var xb = bitcast<i32>(P[2]);",
        "  var yb = 0;",
        "  var q = line;",
        f"  for (var d: i32 = {nk - 1}; d >= 0; d = d - 1) {{",
        "    let n = P[5u + u32(d)];",
        "    let c = i32(q % n);",
        "    q = q / n;",
        f"    xb += c * bitcast<i32>(P[{5 + nk}u + u32(d)]);",
        f"    yb += c * bitcast<i32>(P[{5 + 2 * nk}u + u32(d)]);",
        "  }",
        "  let L = P[1];",
        f"  var carry: {acc} = {ident};",
        f"  for (var t = 0u; t < L; t = t + {WG}u) {{",
        "    let j = t + li;",
        f"    var v: {acc} = {ident};",
        "    if (j < L) {",
        f"      v = {load};",
        "    }",
        "    sv[li] = v;",
        "    workgroupBarrier();",
        f"    for (var s = 1u; s < {WG}u; s = s << 1u) {{",
        "      var w = sv[li];",
        f"      if (li >= s) {{ w = {cmb('sv[li - s]', 'w')}; }}",
        "      workgroupBarrier();",
        "      sv[li] = w;",
        "      workgroupBarrier();",
        "    }",
        f"    let r = {cmb('carry', 'sv[li]')};",
        "    if (j < L) {",
        f"      Y[yb + i32(j) * bitcast<i32>(P[4])] = "
        f"{out_dt.store(convert(acc_dt, out_dt, 'r') if out_dt.kind != 'c' else 'r')};",
        "    }",
        f"    carry = {cmb('carry', f'sv[{WG - 1}u]')};",
        "    workgroupBarrier();",
        "  }",
        "}",
    ]
    return hdr("\n".join(src), f16)


def _scan(op, x: StridedArray, axis: int, dtype):
    rt = rt_of(x)
    in_dt = check_dtype(rt, x.dtype, op)
    if dtype is None:
        kind = dtype_info(x.dtype).kind
        dtype = np.int64 if kind in "bi" else np.uint64 if kind == "u" else x.dtype
    dtype = narrow_dtype(dtype, rt)
    out_dt = dtype_info(dtype)
    if x.ndim == 0:
        x = x.view(x.offset, (1,), (1,))
        axis = 0
    axis %= x.ndim
    out = new_array(rt, x.shape, dtype)
    if out.size == 0:
        return out
    others = [d for d in range(x.ndim) if d != axis]
    oshape, (xs, ys) = collapse(tuple(x.shape[d] for d in others),
                                [tuple(x.strides[d] for d in others),
                                 tuple(out.strides[d] for d in others)])
    lines = math.prod(oshape)
    meta = [lines, x.shape[axis], i32w(x.offset), i32w(x.strides[axis]), out.strides[axis]]
    meta += list(oshape) + [i32w(s) for s in xs] + [i32w(s) for s in ys]
    key = ("scan", op, in_dt.name, out_dt.name, len(oshape))
    kernel = rt.kernel(key, lambda: _source(op, in_dt, out_dt, len(oshape)), (True, False))
    rt.dispatch(kernel, meta, [out.storage.buffer, x.storage.buffer], lines)
    return out


def cumsum(x, axis, dtype=None):
    return _scan("cumsum", x, axis, dtype)


def cumprod(x, axis, dtype=None):
    return _scan("cumprod", x, axis, dtype)
