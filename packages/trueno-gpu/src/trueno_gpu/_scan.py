"""Scans along one axis: cumsum and cumprod.

Short lines (or many of them): one workgroup per line walks it in tiles of 256 elements, each
tile scanned in workgroup memory (Hillis-Steele) and offset by the carry of the tiles before.
Long lines: reduce-then-scan over chunks of ``_CHUNK`` elements (pass 1 reduces each chunk,
pass 2 scans the chunk totals, recursively, pass 3 rescans each chunk from its offset), so no
invocation loops more than a few hundred times (lavapipe stops loops after 65,535 iterations)
and a long line spreads over many workgroups.
"""

from __future__ import annotations

import math

import numpy as np
from trueno.backend import StridedArray

from ._codegen import LINEAR_ID, WG, collapse, convert, header, i32w, new_array
from ._dtypes import acc_dtype, dtype_info, lit
from ._elementwise import rt_of
from ._reduce import narrow_dtype

__all__ = ["cumsum", "cumprod"]

_TILES = 16  # tiles of WG elements per chunk
_CHUNK = _TILES * WG


def _acc_of(out_dt):
    """The DType the scan accumulates in (and that chunk totals are stored in)."""
    if out_dt.kind == "c":
        return out_dt
    return acc_dtype(out_dt.compute if out_dt.kind != "b" else "u32")


def _source(op, in_dt, out_dt, nk, mode):
    """Metadata: [lines, L, x_off, x_axis_stride, y_axis_stride, chunks per line, shape[nk],
    x strides[nk], y strides[nk]]. ``mode``: "line" (one workgroup scans a whole line),
    "total" (pass 1: Y[line * chunks + chunk] = the chunk's total) or "chunk" (pass 3: scan
    one chunk from the offset O[line * chunks + chunk - 1]). Complex scans run in vec2."""
    acc_dt = _acc_of(out_dt)
    acc = acc_dt.compute
    f16 = "f16" in (in_dt.storage, out_dt.storage)
    if out_dt.kind == "c":
        from ._complex import cheader

        hdr = cheader
        one, zero = ("1.0lf", "0.0lf") if out_dt.tkey == "z" else ("1.0", "0.0")
        ident = f"{acc}({zero if op == 'cumsum' else one}, {zero})"
        cmb = ("({} + {})" if op == "cumsum" else f"tc_mul_{out_dt.tkey}({{}}, {{}})").format
        load = in_dt.load("X[xb + i32(j) * bitcast<i32>(P[3])]")
    else:
        hdr = header
        ident = lit(acc, 0 if op == "cumsum" else 1)
        cmb = ("({} + {})" if op == "cumsum" else "({} * {})").format
        load = convert(in_dt, acc_dt, in_dt.load("X[xb + i32(j) * bitcast<i32>(P[3])]"))
    y_dt = acc_dt if mode == "total" else out_dt
    src = [
        "@group(0) @binding(0) var<storage, read> P: array<u32>;",
        f"@group(0) @binding(1) var<storage, read_write> Y: array<{y_dt.storage}>;",
        f"@group(0) @binding(2) var<storage, read> X: array<{in_dt.storage}>;",
    ]
    if mode == "chunk":
        src.append(f"@group(0) @binding(3) var<storage, read> O: array<{acc_dt.storage}>;")
    src += [
        f"var<workgroup> sv: array<{acc}, {WG}>;",
        f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
        "  let g = wg.y * nwg.x + wg.x;",
        "  let nch = P[5];",
        "  let line = g / nch;",
        "  let chunk = g % nch;",
        "  if (line >= P[0]) { return; }",
        "  var xb = bitcast<i32>(P[2]);",
        "  var yb = 0;",
        "  var q = line;",
        f"  for (var d: i32 = {nk - 1}; d >= 0; d = d - 1) {{",
        "    let n = P[6u + u32(d)];",
        "    let c = i32(q % n);",
        "    q = q / n;",
        f"    xb += c * bitcast<i32>(P[{6 + nk}u + u32(d)]);",
        f"    yb += c * bitcast<i32>(P[{6 + 2 * nk}u + u32(d)]);",
        "  }",
    ]
    if mode == "line":
        src += ["  let t0 = 0u;", "  let L = P[1];", f"  var carry: {acc} = {ident};"]
    else:
        src += [f"  let t0 = chunk * {_CHUNK}u;", f"  let L = min(P[1], t0 + {_CHUNK}u);"]
    if mode == "total":
        # Each thread folds its column of the chunk, then a tree folds the columns in order.
        src += [
            f"  var v: {acc} = {ident};",
            f"  for (var j = t0 + li; j < L; j = j + {WG}u) {{",
            f"    v = {cmb('v', load)};",
            "  }",
            "  sv[li] = v;",
            "  workgroupBarrier();",
            f"  for (var s = 1u; s < {WG}u; s = s << 1u) {{",
            "    if ((li & (2u * s - 1u)) == 0u) {",
            f"      sv[li] = {cmb('sv[li]', 'sv[li + s]')};",
            "    }",
            "    workgroupBarrier();",
            "  }",
            "  if (li == 0u) { Y[g] = sv[0]; }",
            "}",
        ]
        return hdr("\n".join(src), f16)
    if mode == "chunk":
        src += [f"  var carry: {acc} = {ident};",
                "  if (chunk > 0u) { carry = O[g - 1u]; }"]
    src += [
        f"  for (var t = t0; t < L; t = t + {WG}u) {{",
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


def _lines(rt, op, in_dt, out_dt, x: StridedArray, axis: int, out: StridedArray) -> None:
    """Record the scan of ``x`` along ``axis`` into ``out`` (same shape)."""
    others = [d for d in range(x.ndim) if d != axis]
    oshape, (xs, ys) = collapse(tuple(x.shape[d] for d in others),
                                [tuple(x.strides[d] for d in others),
                                 tuple(out.strides[d] for d in others)])
    lines, n = math.prod(oshape), x.shape[axis]
    # One workgroup per line loops ~9 n / WG times: split long lines, and lines that would
    # leave most of the GPU idle.
    chunked = n > 64 * _CHUNK or (n > 4 * _CHUNK and lines < 128)
    nch = -(-n // _CHUNK) if chunked else 1
    meta = [lines, n, i32w(x.offset), i32w(x.strides[axis]), out.strides[axis], nch]
    meta += list(oshape) + [i32w(s) for s in xs] + [i32w(s) for s in ys]

    def launch(mode, bufs):
        key = ("scan", op, in_dt.name, out_dt.name, len(oshape), mode)
        kernel = rt.kernel(key, lambda: _source(op, in_dt, out_dt, len(oshape), mode),
                           (True,) + (False,) * (len(bufs) - 1))
        rt.dispatch(kernel, meta, bufs, lines * nch)

    if not chunked:
        launch("line", [out.storage.buffer, x.storage.buffer])
        return
    acc_dt = _acc_of(out_dt)
    totals = new_array(rt, (lines, nch), acc_dt.name)
    launch("total", [totals.storage.buffer, x.storage.buffer])
    offsets = new_array(rt, (lines, nch), acc_dt.name)
    _lines(rt, op, acc_dt, acc_dt, totals, 1, offsets)
    launch("chunk", [out.storage.buffer, x.storage.buffer, offsets.storage.buffer])


def _scan(op, x: StridedArray, axis: int, dtype):
    rt = rt_of(x)
    in_dt = dtype_info(x.dtype)
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
    if out.size:
        _lines(rt, op, in_dt, out_dt, x, axis, out)
    return out


def cumsum(x: StridedArray, axis: int, dtype=None) -> StridedArray:
    """Cumulative sum along ``axis`` (NumPy's default result dtypes)."""
    return _scan("cumsum", x, axis, dtype)


def cumprod(x: StridedArray, axis: int, dtype=None) -> StridedArray:
    """Cumulative product along ``axis`` (NumPy's default result dtypes)."""
    return _scan("cumprod", x, axis, dtype)
