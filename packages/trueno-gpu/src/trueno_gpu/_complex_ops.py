"""Complex matmul, prod, cumsum/cumprod and var/std.

matmul is one real matmul over the interleaved storage: with ``A`` read as a real
``(m, 2k)`` matrix (re, im of each element side by side, so ``A`` must be contiguous along k)
and ``B`` expanded to the real ``(2k, 2n)`` block matrix ``[[br, bi], [-bi, br]]`` per
element, the real ``(m, 2n)`` product is the interleaved complex ``(m, n)`` result. That is
4mkn real multiply-adds, like four real matmuls, in one dispatch of the tiled kernel.
prod reduces with a workgroup per output, or per chunk of a long reduction (a second pass
multiplies the chunks' products), with complex products in workgroup memory;
cumsum/cumprod are ``_scan``'s kernels with vec2 accumulators; var/std add the variances of
the real and imaginary parts (NumPy's definition: the mean of ``|x - mean|**2``).
"""

from __future__ import annotations

import math

import numpy as np
from trueno.backend import StridedArray, contiguous_strides

from ._codegen import LINEAR_ID, WG, i32w, new_array
from ._complex import astype, cheader, claunch, contiguous, full, real_view
from ._dtypes import dtype_info, real_dtype
from ._elementwise import rt_of

__all__ = ["matmul", "prod", "cumsum", "cumprod", "var", "std", "make_kernels"]


def matmul(x: StridedArray, y: StridedArray) -> StridedArray:
    """``x @ y`` for complex ``(..., m, k) @ (..., k, n)`` with broadcast batch axes."""
    from ._matmul import matmul as real_matmul

    rt = rt_of(x)
    dt = dtype_info(x.dtype)
    rd = real_dtype(dt).host
    m, k = x.shape[-2:]
    n = y.shape[-1]
    if k > 1 and x.strides[-1] != 1:
        x = contiguous(x)
    # B's real block matrix, as complex (..., k, 2, n): [j, 0, l] = b[j, l], [j, 1, l] = i b.
    yb = y.shape[:-2]
    blk = new_array(rt, yb + (k, 2, n), x.dtype)
    s = blk.strides
    for p, expr in ((0, "x0"), (1, "vec2(-x0.y, x0.x)")):
        part = StridedArray(blk.storage, p * n, yb + (k, n), s[:-3] + (s[-3], 1), x.dtype)
        claunch("mm_block", expr, [y], part, rt)
    xf = StridedArray(x.storage, 2 * x.offset, x.shape[:-1] + (2 * k,),
                      tuple(2 * v for v in x.strides[:-1]) + (1,), rd)
    bf = StridedArray(blk.storage, 0, yb + (2 * k, 2 * n),
                      contiguous_strides(yb + (2 * k, 2 * n)), rd)
    out = real_matmul(xf, bf)
    shape = out.shape[:-1] + (n,)
    return StridedArray(out.storage, 0, shape, contiguous_strides(shape), x.dtype)


# -- prod: a workgroup per (output element, chunk) ---------------------------------------------
def _prod_source(dt, nk, nr):
    """Metadata: [n_out, R, x_off, G chunks per output, chunk, kept shape[nk], kept strides[nk],
    reduced shape[nr], reduced strides[nr]]; Y[o * G + g] = the product of chunk g."""
    v, k = dt.compute, dt.tkey
    one = f"{v}(1.0lf, 0.0lf)" if k == "z" else f"{v}(1.0, 0.0)"

    def addr(var, idx, n, at):
        return [f"  {{ var q = {idx};", f"    for (var d: i32 = {n - 1}; d >= 0; d = d - 1) {{",
                f"      let e = P[{at}u + u32(d)];", "      let c = i32(q % e);",
                "      q = q / e;", f"      {var} += c * bitcast<i32>(P[{at + n}u + u32(d)]);",
                "    }", "  }"]

    src = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
           f"@group(0) @binding(1) var<storage, read_write> Y: array<{dt.storage}>;",
           f"@group(0) @binding(2) var<storage, read> X: array<{dt.storage}>;",
           f"var<workgroup> sv: array<{v}, {WG}>;",
           f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
           "  let g = wg.y * nwg.x + wg.x;", "  let o = g / P[3];",
           "  if (o >= P[0]) { return; }", "  let r0 = (g % P[3]) * P[4];",
           "  let r1 = min(P[1], r0 + P[4]);", "  var base = bitcast<i32>(P[2]);"]
    src += addr("base", "o", nk, 5) if nk else []
    src += [f"  var acc = {one};", f"  for (var r = r0 + li; r < r1; r = r + {WG}u) {{",
            "    var off = base;"]
    src += ["  " + line for line in addr("off", "r", nr, 5 + 2 * nk)]
    src += [f"    acc = tc_mul_{k}(acc, {dt.load('X[off]')});", "  }",
            "  sv[li] = acc;", "  workgroupBarrier();",
            f"  for (var s = {WG // 2}u; s > 0u; s = s >> 1u) {{",
            f"    if (li < s) {{ sv[li] = tc_mul_{k}(sv[li], sv[li + s]); }}",
            "    workgroupBarrier();", "  }",
            f"  if (li == 0u) {{ Y[g] = {dt.store('sv[0]')}; }}", "}"]
    return cheader("\n".join(src))


def _axes(x, axis):
    if axis is None:
        return tuple(range(x.ndim))
    return tuple(sorted({a % max(x.ndim, 1) for a in ((axis,) if isinstance(axis, int)
                                                      else axis)}))


def prod(x: StridedArray, axis=None, keepdims: bool = False, dtype=None) -> StridedArray:
    """The product of complex ``x`` over ``axis`` (None: all axes)."""
    from ._reduce import _plan

    rt = rt_of(x)
    dt = dtype_info(x.dtype)
    if x.ndim == 0:
        x = x.view(x.offset, (1,), (1,))
        axis, keepdims = 0, False
    axes = _axes(x, axis)
    kshape, kc, ks, rc, rs = _plan(x, axes)
    shape = tuple(1 if d in axes else n for d, n in enumerate(x.shape)) if keepdims \
        else kshape
    n_out, R = math.prod(kshape), math.prod(x.shape[d] for d in axes)
    if R == 0 or n_out == 0:
        out = full(rt, shape, 1, x.dtype)
    else:
        # Long reductions split into G chunks (a thread loops at most ~128 times: lavapipe
        # stops loops after 65,535 iterations, and few outputs would idle a real GPU).
        G = min(-(-R // 2048), 512) if R > 4096 and (n_out < 64 or R > 1 << 20) else 1
        chunk = -(-R // G)
        part = new_array(rt, shape if G == 1 else (n_out, G), x.dtype)
        nk = 0 if kc == (1,) and n_out == 1 else len(kc)
        meta = [n_out, R, i32w(x.offset), G, chunk]
        meta += (list(kc) + [i32w(v) for v in ks] if nk else []) + list(rc)
        meta += [i32w(v) for v in rs]
        kernel = rt.kernel(("cprod", dt.name, nk, len(rc)),
                           lambda: _prod_source(dt, nk, len(rc)), (True, False))
        rt.dispatch(kernel, meta, [part.storage.buffer, x.storage.buffer], n_out * G)
        out = part if G == 1 else prod(part, 1).view(0, shape, contiguous_strides(shape))
    return out if dtype is None or np.dtype(dtype) == x.dtype else astype(out, dtype)


# -- scans and moments -------------------------------------------------------------------------
def _scan(op):
    def kernel(x: StridedArray, axis, dtype=None) -> StridedArray:
        from . import _scan as scan

        out = getattr(scan, op)(x, axis)
        return out if dtype is None or np.dtype(dtype) == x.dtype else astype(out, dtype)

    kernel.__name__ = op
    return kernel


cumsum = _scan("cumsum")
cumprod = _scan("cumprod")


def var(x: StridedArray, axis, keepdims: bool, correction=0.0, _sqrt: bool = False):
    """NumPy's var of complex ``x`` (a real result): var(re) + var(im)."""
    from ._reduce import reduce
    from ._reduce import var as real_var

    rt = rt_of(x)
    rd = real_dtype(dtype_info(x.dtype)).host
    if x.ndim == 0:
        x = x.view(x.offset, (1,), (1,))
        axis, keepdims = 0, False
    xf = real_view(x)
    parts = real_var(xf, _axes(x, axis), keepdims, correction)
    v = reduce("sum", parts, (parts.ndim - 1,), False, rd)
    if not _sqrt:
        return v
    return claunch("csqrt_real", "sqrt(x0)", [v], new_array(rt, v.shape, rd), rt)


def std(x: StridedArray, axis, keepdims: bool, correction=0.0):
    """NumPy's std of complex ``x``: the square root of ``var``."""
    return var(x, axis, keepdims, correction, _sqrt=True)


def make_kernels() -> dict:
    """op name -> {complex dtype name: kernel}."""
    names = ("complex64", "complex128")
    table = {op: dict.fromkeys(names, fn) for op, fn in (
        ("matmul", matmul), ("prod", prod), ("cumsum", cumsum), ("cumprod", cumprod),
        ("var", var), ("std", std))}
    assert all(dtype_info(d).kind == "c" for d in names)
    return table
