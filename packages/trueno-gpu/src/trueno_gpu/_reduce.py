"""Reductions along any axes, from one template, plus scans (cumsum, cumprod).

The input is split into kept axes (one output element each) and reduced axes, both collapsed
on the host. A workgroup of 256 threads reduces one output element (or one chunk of it: large
reductions to few outputs use G chunks and a second pass over the (n_out, G) partials), with a
tree in workgroup memory (sums use ``subgroupAdd`` first where the adapter has subgroups).
Short reductions (R <= 16), and reductions over a strided axis that keep the contiguous one
(column sums), use one thread per output element (and chunk of rows), so neighbouring
threads read neighbouring addresses.
sum/mean/max/min of float32, float16 and bfloat16 rows and columns take the vec4 kernels of
``_fast_reduce`` instead (most reductions a program runs).
var/std/logsumexp are compositions of these kernels and elementwise ones (no host trip).

Note: differs from NumPy: sums of integers and argmax/argmin indices are 32-bit (WGSL has no
64-bit integers): a requested int64/uint64/float64 result dtype is narrowed to its 32-bit
sibling.
"""

from __future__ import annotations

import math

import numpy as np
from trueno.backend import StridedArray

from ._codegen import (
    LINEAR_ID,
    WG,
    collapse,
    convert,
    header,
    i32w,
    index_dtype,
    new_array,
)
from ._dtypes import WIDE, acc_dtype, dtype_info, lit
from ._elementwise import launch, rt_of
from ._fast_reduce import ENABLED as FAST
from ._fast_reduce import fast_passes, one_launch, run_passes

__all__ = ["reduce", "make_kernels", "narrow_dtype"]

_NARROW = {"int64": "int32", "uint64": "uint32", "float64": "float32", "intp": "int32"}
_LIMITS = {"f32": (-math.inf, math.inf), "f64": (-math.inf, math.inf),
           "i32": (-2 ** 31, 2 ** 31 - 1), "i64": (-2 ** 63, 2 ** 63 - 1),
           "u32": (0, 2 ** 32 - 1), "u64": (0, 2 ** 64 - 1)}


def _ident(op, acc):
    """The identity of ``op`` as a typed WGSL literal."""
    if op == "sum":
        return lit(acc, 0)
    if op == "prod":
        return lit(acc, 1)
    lo, hi = _LIMITS[acc]
    return lit(acc, lo if op == "max" else hi)


def _comb(op, acc):
    if op in ("sum", "prod"):
        return "({a} + {b})" if op == "sum" else "({a} * {b})"
    fn = {"f32": "tn_", "f64": "tn_"}.get(acc, "") + op + ("64" if acc == "f64" else "")
    return fn + "({a}, {b})"


def narrow_dtype(dtype, rt=None) -> np.dtype:
    """``dtype``, or its 32-bit sibling when the GPU (``rt``'s adapter) cannot hold it."""
    dtype = np.dtype(dtype)
    dt = dtype_info(dtype)
    if rt is not None and dt is not None and (dt.feature is None or dt.feature in rt.features):
        return dtype
    return np.dtype(_NARROW.get(dtype.name, dtype.name))


def _better(kind: str, arg: str, acc: str) -> str:
    """WGSL for "is (a, ia) preferred over (b, ib)" in argmax/argmin; NaN wins, ties go to
    the lower index (NumPy's rule)."""
    cmp = ">" if arg == "argmax" else "<"
    isnan = {"f32": "tn_isnan", "f64": "tn_isnan64"}.get(kind)
    nan = (f"  let na = {isnan}(a);\n  let nb = {isnan}(b);\n"
           "  if (na || nb) { return na && (!nb || ia < ib); }\n" if isnan else "")
    return (f"fn better(a: {acc}, ia: u32, b: {acc}, ib: u32) -> bool {{\n{nan}"
            f"  return (a {cmp} b) || (a == b && ia < ib);\n}}")


def _addr(var, idx, nd, shape_at, stride_at):
    """WGSL that adds the strided offset of linear index ``idx`` over ``nd`` axes to ``var``."""
    if nd == 1:
        return [f"  {var} += i32({idx}) * bitcast<i32>(P[{stride_at}]);"]
    return [f"  var q_{var} = {idx};",
            f"  for (var d: i32 = {nd - 1}; d >= 0; d = d - 1) {{",
            f"    let n = P[{shape_at}u + u32(d)];",
            f"    {var} += i32(q_{var} % n) * bitcast<i32>(P[{stride_at}u + u32(d)]);",
            f"    q_{var} = q_{var} / n;",
            "  }"]


_SG_ARGS = ", @builtin(subgroup_id) sgid: u32, @builtin(num_subgroups) nsg: u32, " \
    "@builtin(subgroup_invocation_id) sid: u32"


def _source(op, in_dt, acc, out_dt, nk, nr, serial, final, arg_input, sg=False):
    """WGSL of one reduction pass.

    Metadata: [n_out, G, R, chunk, x_off, divisor (mean's count), kept shape[nk], kept strides[nk],
    reduced shape[nr], reduced strides[nr]].
    """
    arg = op in ("argmax", "argmin")
    ks, kx = 6, 6 + nk
    rs, rx = 6 + 2 * nk, 6 + 2 * nk + nr
    f16 = in_dt.storage == "f16" or out_dt.storage == "f16"
    if op == "mean":
        div = f"acc / {acc}(P[5])"
    b = ["@group(0) @binding(0) var<storage, read> P: array<u32>;"]
    if arg:
        b += [f"@group(0) @binding(1) var<storage, read_write> YV: array<{acc}>;",
              "@group(0) @binding(2) var<storage, read_write> YI: array<u32>;",
              f"@group(0) @binding(3) var<storage, read> X: array<{in_dt.storage}>;"]
        if arg_input:
            b.append("@group(0) @binding(4) var<storage, read> XI: array<u32>;")
        b.append(_better(acc, op, acc))
        ident = _ident("max" if op == "argmax" else "min", acc)
    else:
        b += [f"@group(0) @binding(1) var<storage, read_write> Y: array<"
              f"{out_dt.storage if final else acc}>;",
              f"@group(0) @binding(2) var<storage, read> X: array<{in_dt.storage}>;"]
        cop = "sum" if op == "mean" else op
        ident = _ident(cop, acc)
        comb = _comb(cop, acc)
    acc_dt = dtype_info("bool") if out_dt.kind == "b" and not arg else acc_dtype(acc)
    load = convert(in_dt, acc_dt, in_dt.load("X[off]"))

    def step(val, idx):
        if arg:
            return [f"    if (better({val}, {idx}, acc, ai)) {{ acc = {val}; ai = {idx}; }}"]
        return [f"    acc = {comb.format(a='acc', b=val)};"]

    if not serial:
        b.append(f"var<workgroup> sv: array<{acc}, {WG}>;")
        if arg:
            b.append(f"var<workgroup> si: array<u32, {WG}>;")
    body = [f"@compute @workgroup_size({WG})",
            f"fn main({LINEAR_ID}{_SG_ARGS if sg else ''}) {{"]
    if serial:
        # one thread per (output, chunk), outputs fastest: neighbouring threads read
        # neighbouring addresses when the kept axis is the contiguous one
        body += [f"  let tid = (wg.y * nwg.x + wg.x) * {WG}u + li;",
                 "  if (tid >= P[0] * P[1]) { return; }",
                 "  let o = tid % P[0];", "  let g = tid / P[0];", "  let L = o * P[1] + g;",
                 "  let r0 = g * P[3];", "  let r1 = min(r0 + P[3], P[2]);",
                 "  let step = 1u;", "  let first = 0u;"]
    else:
        body += ["  let L = wg.y * nwg.x + wg.x;",
                 "  if (L >= P[0] * P[1]) { return; }",
                 "  let o = L / P[1];", "  let g = L % P[1];",
                 "  let r0 = g * P[3];", "  let r1 = min(r0 + P[3], P[2]);",
                 f"  let step = {WG}u;", "  let first = li;"]
    body += ["  var base = bitcast<i32>(P[4]);"] + _addr("base", "o", nk, ks, kx)
    body += [f"  var acc: {acc} = {ident};", "  var ai: u32 = 0xffffffffu;",
             "  for (var r = r0 + first; r < r1; r = r + step) {", "    var off = base;"]
    body += ["  " + line for line in _addr("off", "r", nr, rs, rx)]
    body.append(f"    let v = {load};")
    body += step("v", "XI[off]" if arg_input else "r")
    body.append("  }")
    if sg:  # sum within each subgroup, then thread 0 adds the per-subgroup sums
        body += ["  let part = subgroupAdd(acc);",
                 "  if (sid == 0u) { sv[sgid] = part; }",
                 "  workgroupBarrier();",
                 "  if (li != 0u) { return; }",
                 "  acc = sv[0];",
                 "  for (var i = 1u; i < nsg; i = i + 1u) { acc = acc + sv[i]; }"]
    elif not serial:
        body += ["  sv[li] = acc;"] + (["  si[li] = ai;"] if arg else [])
        body += ["  workgroupBarrier();",
                 f"  for (var s = {WG // 2}u; s > 0u; s = s >> 1u) {{", "    if (li < s) {"]
        if arg:
            body += ["      if (better(sv[li + s], si[li + s], sv[li], si[li])) {",
                     "        sv[li] = sv[li + s];", "        si[li] = si[li + s];", "      }"]
        else:
            body.append(f"      sv[li] = {comb.format(a='sv[li]', b='sv[li + s]')};")
        body += ["    }", "    workgroupBarrier();", "  }",
                 "  if (li != 0u) { return; }", "  acc = sv[0];"] + \
                (["  ai = si[0];"] if arg else [])
    if arg:
        body += ["  YV[L] = acc;", "  YI[L] = ai;"]
    elif final:
        val = div if op == "mean" else "acc"
        body.append(f"  Y[o] = {out_dt.store(convert(acc_dt, out_dt, val))};")
    else:
        body.append("  Y[L] = acc;")
    body.append("}")
    return header("\n".join(b + body), f16)


def _plan(x: StridedArray, axes):
    """(kept shape, kept strides, reduced shape, reduced strides), each collapsed."""
    kept = [d for d in range(x.ndim) if d not in axes]
    kshape = tuple(x.shape[d] for d in kept)
    kshape_c, (kstr,) = collapse(kshape, [tuple(x.strides[d] for d in kept)])
    rshape_c, (rstr,) = collapse(tuple(x.shape[d] for d in axes),
                                 [tuple(x.strides[d] for d in axes)])
    return kshape, kshape_c, kstr, rshape_c, rstr


def _pass(rt, op, x_buf, x_off, in_dt, acc, out, out_dt, kc, ks, rc, rs, n_out, R, divisor,
          final, xi_buf=None):
    """Launch one pass; returns (G, partial values, partial indices) for a second pass."""
    arg = op in ("argmax", "argmin")
    serial = R <= 16
    G = 1
    if not serial and n_out >= 32 and ks and ks[-1] == 1 and rs[-1] != 1:
        # column reductions (e.g. axis 0 of a row-major matrix): a workgroup per output
        # would read with a stride; threads per (output, chunk of rows) read coalesced.
        serial = True
        G = max(1, min(math.ceil(65536 / n_out), math.ceil(R / 16), 512))
    elif not serial and n_out < 64 and R > 4096:
        G = min(math.ceil(R / 2048), 512)
    chunk = math.ceil(R / G)
    final_here = final and G == 1 and not arg
    meta = [n_out, G, R, chunk, i32w(x_off), int(divisor)]
    meta += list(kc) + [i32w(s) for s in ks] + list(rc) + [i32w(s) for s in rs]
    sg = rt.has_subgroup and not serial and op in ("sum", "mean") and acc not in WIDE
    key = ("reduce", op, in_dt.name, acc, out_dt.name, len(kc), len(rc), serial, final_here,
           xi_buf is not None, sg)
    src = lambda: _source(op, in_dt, acc, out_dt, len(kc), len(rc), serial,  # noqa: E731
                          final_here, xi_buf is not None, sg)
    groups = -(-(n_out * G) // WG) if serial else n_out * G
    width = 8 if acc in WIDE else 4
    if arg:
        pv = rt.alloc(n_out * G * width)
        pi = rt.alloc(n_out * G * 4)
        bufs = [pv.buffer, pi.buffer, x_buf] + ([xi_buf] if xi_buf is not None else [])
        kernel = rt.kernel(key, src, (True, True, False) + ((False,) if xi_buf else ()))
        rt.dispatch(kernel, meta, bufs, groups)
        return G, pv, pi
    if final_here:
        rt.dispatch(rt.kernel(key, src, (True, False)), meta, [out.storage.buffer, x_buf],
                    groups)
        return 1, None, None
    part = rt.alloc(n_out * G * width)
    rt.dispatch(rt.kernel(key, src, (True, False)), meta, [part.buffer, x_buf], groups)
    return G, part, None


# (shape, strides, axes, keepdims) -> the layout plan of ``_new_plan`` (a pure function of
# the key, so threads may share and race on this cache)
_PLANS: dict = {}


def _new_plan(x: StridedArray, axes, keepdims):
    axes = tuple(sorted(a % x.ndim for a in axes))
    kshape, kc, ks, rc, rs = _plan(x, axes)
    out_shape = tuple(1 if d in axes else n for d, n in enumerate(x.shape)) if keepdims \
        else kshape
    return (axes, kc, ks, rc, rs, out_shape, math.prod(kshape),
            math.prod(x.shape[d] for d in axes))


# (op, layout, offset % 4, dtypes, axes, keepdims, runtime, subgroups, fast kernels on) ->
# (result shape, result dtype, fast passes, ``one_launch``) of a call the fast kernels took:
# a repeated reduction costs a lookup, the result's allocation and its dispatches (one
# ``record`` of the resolved pipeline and metadata for a one-pass plan at the same offset)
_CALLS: dict = {}


def reduce(op, x: StridedArray, axes, keepdims, out_dtype, fill=0):
    """``op`` in sum/prod/max/min/mean/argmax/argmin over ``axes``; a new contiguous array."""
    rt = rt_of(x)
    ckey = (op, x.shape, x.strides, x.offset & 3, x.dtype, tuple(axes), keepdims, out_dtype,
            rt, rt.has_subgroup, FAST["on"]) if x.offset >= 0 else None
    hit = _CALLS.get(ckey)
    if hit is not None:
        out = new_array(rt, hit[0], hit[1])
        one = hit[3]
        if one is not None and one[5] == x.offset:
            kernel, data, grid, cost, scratch, _ = one
            rt.record(kernel, data, [out.storage.buffer, x.storage.buffer] if scratch is None
                      else [out.storage.buffer, x.storage.buffer, scratch], grid, cost)
        else:
            run_passes(rt, hit[2], x, out)
        return out
    in_dt = dtype_info(x.dtype)
    if x.ndim == 0:
        x = x.view(x.offset, (1,), (1,))
        axes, keepdims = (0,), False
    key = (x.shape, x.strides, tuple(axes), keepdims)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _new_plan(x, axes, keepdims)
        if len(_PLANS) > 4096:
            _PLANS.clear()
        _PLANS[key] = plan
    axes, kc, ks, rc, rs, out_shape, n_out, R = plan
    out_dtype = narrow_dtype(out_dtype, rt)
    out_dt = dtype_info(out_dtype)
    out = new_array(rt, out_shape, out_dtype)
    if n_out == 0:
        return out
    arg = op in ("argmax", "argmin")
    if R == 0:
        return launch("copy", "x0", [(fill, out_dtype)], out, rt)
    if out_dt.kind == "b":
        acc_dt = dtype_info("bool")
    elif arg:
        acc_dt = in_dt
    elif op == "mean":
        acc_dt = dtype_info("float64" if out_dt.compute == "f64" else "float32")
    else:
        acc_dt = out_dt
    acc = acc_dt.compute
    divisor = R if op == "mean" else 1.0
    passes = fast_passes(rt, op, x, in_dt, out_dt, kc, ks, rc, rs, n_out, R) \
        if acc == "f32" else None
    if passes is not None:  # float rows or columns (see _fast_reduce)
        run_passes(rt, passes, x, out)
        if ckey is not None:
            if len(_CALLS) > 4096:
                _CALLS.clear()
            _CALLS[ckey] = (out_shape, out_dtype, passes, one_launch(rt, passes, x))
        return out
    G, part, pidx = _pass(rt, op, x.storage.buffer, x.offset, in_dt, acc, out, out_dt,
                          kc, ks, rc, rs, n_out, R, divisor, True)
    if G > 1:  # second pass over the (n_out, G) partials (and their indices)
        acc_src = acc_dtype(acc)
        G, part, pidx = _pass(rt, op, part.buffer, 0, acc_src, acc, out, out_dt, (n_out,),
                              (G,), (G,), (1,), n_out, G, divisor, True,
                              pidx.buffer if arg else None)
    if arg:
        view = StridedArray(pidx, 0, out_shape, out.strides, np.dtype(np.int32))
        return launch(("astype", out_dt.name), convert(dtype_info("int32"), out_dt), [view],
                      out, rt)
    return out


# -- composites --------------------------------------------------------------------------------
def _ew(expr, operands, dtype, key):
    arrays = [o for o in operands if isinstance(o, StridedArray)]
    rt = rt_of(arrays[0])
    out = new_array(rt, np.broadcast_shapes(*(a.shape for a in arrays)), dtype)
    return launch(key, expr, operands, out, rt)


def _as_f32(x):
    """``x`` in its accumulation float: float64 stays, everything else becomes float32."""
    if x.dtype == np.float32 or x.dtype == np.float64:
        return x
    return _ew(convert(dtype_info(x.dtype), dtype_info("float32")), [x], np.float32,
               ("astype", "float32"))


def var(x, axis, keepdims, correction=0.0, _sqrt=False):
    axis = tuple(axis) if x.ndim else ()
    xf = _as_f32(x)
    ft = xf.dtype
    m = reduce("mean", xf, axis, True, ft)
    n = math.prod(x.shape[a] for a in axis) if x.ndim else 1
    sq = _ew("(x0 - x1) * (x0 - x1)", [xf, m], ft, "sqdev")
    s = reduce("sum", sq, axis, keepdims, ft)
    scale = 1.0 / (n - correction) if n - correction > 0 else np.nan
    expr = "sqrt(x0 * x1)" if _sqrt else "x0 * x1"
    return _ew(expr, [s, (scale, ft)], x.dtype, ("scale", _sqrt))


def std(x, axis, keepdims, correction=0.0):
    return var(x, axis, keepdims, correction, _sqrt=True)


def logsumexp(x, axis, keepdims):
    axis = tuple(axis) if x.ndim else ()
    xf = _as_f32(x)
    ft = xf.dtype
    if ft == np.float64:  # exact-arithmetic exp/log (see _f64math)
        exp, log, zero, fin = "tn_exp64", "tn_log64", "0.0lf", "tn_isfinite64"
    else:
        exp, log, zero, fin = "exp", "log", "0.0", "tn_isfinite"
    m = reduce("max", xf, axis, True, ft)
    e = _ew(f"{exp}(x0 - select({zero}, x1, {fin}(x1)))", [xf, m], ft, "lse_exp")
    s = reduce("sum", e, axis, True, ft)
    out = _ew(f"{log}(x0) + select({zero}, x1, {fin}(x1))", [s, m], x.dtype, "lse_log")
    if not keepdims:
        shape = tuple(n for d, n in enumerate(out.shape) if d not in axis)
        out = out.view(0, shape, tuple(s for d, s in enumerate(out.strides) if d not in axis))
    return out


def _sum_like(op):
    fill = {"sum": 0, "prod": 1}.get(op, np.nan)

    def kernel(x, axis, keepdims, dtype=None):
        if dtype is None:
            kind = dtype_info(x.dtype).kind
            dtype = x.dtype if op != "mean" or kind == "f" else np.float32
            if op != "mean" and kind in "bi":
                dtype = np.int64  # NumPy's rule; narrowed to int32 without shader-int64
            elif op != "mean" and kind == "u":
                dtype = np.uint64
        return reduce(op, x, axis, keepdims, dtype, fill)

    kernel.__name__ = op
    return kernel


def _minmax(op):
    def kernel(x, axis, keepdims):
        return reduce(op, x, axis, keepdims, x.dtype)

    kernel.__name__ = op
    return kernel


def _anyall(op):
    def kernel(x, axis, keepdims):
        return reduce("max" if op == "any" else "min", x, axis, keepdims, np.bool_,
                      fill=int(op == "all"))

    kernel.__name__ = op
    return kernel


def _argred(op):
    def kernel(x, axis, keepdims):
        axes = tuple(range(x.ndim)) if axis is None else (axis,)
        out = reduce(op, x, axes, keepdims and axis is not None, index_dtype(rt_of(x)))
        if keepdims and axis is None:
            out = out.view(0, (1,) * x.ndim, (1,) * x.ndim)
        return out

    kernel.__name__ = op
    return kernel


def make_kernels(all_dtypes) -> dict:
    from ._scan import cumprod, cumsum

    floats = [d for d in all_dtypes if dtype_info(d).kind == "f"]
    real = [d for d in all_dtypes if dtype_info(d).kind != "b"]
    table = {
        "sum": dict.fromkeys(all_dtypes, _sum_like("sum")),
        "prod": dict.fromkeys(all_dtypes, _sum_like("prod")),
        "mean": dict.fromkeys(real, _sum_like("mean")),
        "max": dict.fromkeys(all_dtypes, _minmax("max")),
        "min": dict.fromkeys(all_dtypes, _minmax("min")),
        "any": dict.fromkeys(all_dtypes, _anyall("any")),
        "all": dict.fromkeys(all_dtypes, _anyall("all")),
        "argmax": dict.fromkeys(all_dtypes, _argred("argmax")),
        "argmin": dict.fromkeys(all_dtypes, _argred("argmin")),
        "var": dict.fromkeys(floats, var),
        "std": dict.fromkeys(floats, std),
        "logsumexp": dict.fromkeys(floats, logsumexp),
        "cumsum": dict.fromkeys(all_dtypes, cumsum),
        "cumprod": dict.fromkeys(all_dtypes, cumprod),
    }
    return table
