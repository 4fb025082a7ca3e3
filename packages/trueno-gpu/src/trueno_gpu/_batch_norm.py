"""batch_norm in training as one dispatch forward and one backward (rows
``batch_norm_training`` and ``batch_norm_backward``, decompositions in core's
``_decompositions_nn``).

One workgroup per channel walks that channel's N * S elements (S: the spatial size; the input
read with its strides, up to three spatial axes, no copy for views) through workgroup-memory
sums. Forward: the mean, then the biased variance around it (two passes, as the
decomposition), then ``(x - mean) * (rstd * w) + b`` written to a new contiguous array; the
per-channel mean, variance and ``rstd = 1 / sqrt(var + eps)`` go to one (3, C) array whose
rows are returned as views. Backward (PyTorch's closed form, as trueno-nn's batch_norm node):
``sum(g)`` and ``sum(g (x - mean))``, then ``gx = (g - sum(g) / n - (x - mean) rstd^2
sum(g (x - mean)) / n) rstd w``; ``gw = rstd sum(g (x - mean))`` and ``gb = sum(g)`` go to one
(2, C) array. The device-generic trueno-op path takes about 20 launches forward and 14
backward per layer.

float32 and float64 (float16/bfloat16 run the decomposition, which computes in float32).
On lavapipe a shader stops its loops after 65,535 iterations in all, so a channel of more
than about 5M elements (3 passes of N * S / 256) needs a hardware adapter.
"""

from __future__ import annotations

import math

from trueno.backend import StridedArray

from ._api import contiguous
from ._batch_norm_split import backward_split, chunks, forward_split
from ._codegen import LINEAR_ID, WG, header, i32w, new_array, scalar_bits, scalar_load
from ._dtypes import dtype_info
from ._elementwise import rt_of
from ._runtime import meta_struct
from ._wg_reduce import wg_reductions

__all__ = ["batch_norm_training", "batch_norm_backward", "make_kernels"]

def _loop(body: list[str], flat: bool) -> list[str]:
    """The element loop over one channel, e = n * S + s, around ``body`` (which reads n, s
    and the spatial indices s0, s1, s2; ``_at(base)`` is element e's offset in the array whose
    offset and (n, c, s0, s1, s2) strides sit at P[base..base + 5]). ``flat``: the spatial
    axes are one (S0 = S1 = 1): n and s advance by the workgroup size, divided only when s
    passes a row (integer division is dozens of instructions on a GPU), not 5 divisions per
    element."""
    if flat:
        return ["  {", "  var n = li / S;", "  var s = li % S;",
                f"  for (var e = li; e < L; e = e + {WG}u) {{",
                "    let s0 = 0u;", "    let s1 = 0u;", "    let s2 = s;"] + body + [
                f"    s = s + {WG}u;",
                "    if (s >= S) { let q = s / S; n = n + q; s = s - q * S; }", "  }", "  }"]
    return [f"  for (var e = li; e < L; e = e + {WG}u) {{",
            "    let n = e / S;", "    let s = e % S;", "    let s2 = s % P[4];",
            "    let s1 = (s / P[4]) % P[3];", "    let s0 = s / (P[3] * P[4]);"] + body + ["  }"]


def _at(base: int) -> str:
    return (f"(bitcast<i32>(P[{base}]) + i32(n) * bitcast<i32>(P[{base + 1}]) + i32(c) * "
            f"bitcast<i32>(P[{base + 2}]) + i32(s0) * bitcast<i32>(P[{base + 3}]) + i32(s1) * "
            f"bitcast<i32>(P[{base + 4}]) + i32(s2) * bitcast<i32>(P[{base + 5}]))")


def _prologue(F: str) -> list[str]:
    return [f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
            "  let c = wg.y * nwg.x + wg.x;", "  if (c >= P[1]) { return; }",
            "  let S = P[2] * P[3] * P[4];", "  let L = P[0] * S;", f"  let count = {F}(L);"]


def _forward_source(dt, has_w: bool, has_b: bool, flat: bool) -> str:
    """Metadata: [N, C, S0, S1, S2, x_off, x strides (n, c, s0, s1, s2), w_off, w_stride,
    b_off, b_stride, eps (one word; f64: two)]."""
    st = dt.storage
    F = dt.compute
    z = "lf" if F == "f64" else ""
    x = dt.load(f"X[{_at(5)}]")
    w = f"{dt.load('W[bitcast<i32>(P[11]) + i32(c) * bitcast<i32>(P[12])]')}" if has_w \
        else f"1.0{z}"
    b = f"{dt.load('Bb[bitcast<i32>(P[13]) + i32(c) * bitcast<i32>(P[14])]')}" if has_b \
        else f"0.0{z}"
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> Y: array<{st}>;",
             f"@group(0) @binding(2) var<storage, read_write> T: array<{st}>;",
             f"@group(0) @binding(3) var<storage, read> X: array<{st}>;"]
    k = 4
    for name, on in (("W", has_w), ("Bb", has_b)):
        if on:
            lines.append(f"@group(0) @binding({k}) var<storage, read> {name}: array<{st}>;")
            k += 1
    lines += [wg_reductions(F, "sum")] + _prologue(F)
    lines += [f"  var acc = 0.0{z};"] + _loop([f"    acc = acc + {x};"], flat)
    lines += ["  let mean = wg_sum(acc, li) / count;", f"  acc = 0.0{z};"]
    lines += _loop([f"    let d = {x} - mean;", "    acc = acc + d * d;"], flat)
    lines += ["  let v = wg_sum(acc, li) / count;",
              f"  let rstd = 1.0{z} / sqrt(v + {scalar_load(dt, 15)});",
              "  if (li == 0u) {",
              f"    T[c] = {dt.store('mean')};", f"    T[P[1] + c] = {dt.store('v')};",
              f"    T[2u * P[1] + c] = {dt.store('rstd')};", "  }",
              f"  let scale = rstd * {w};", f"  let shift = {b};"]
    lines += _loop([f"    let y = ({x} - mean) * scale + shift;",
                    f"    Y[(n * P[1] + c) * S + s] = {dt.store('y')};"], flat) + ["}"]
    return header("\n".join(lines), st == "f16")


def _backward_source(dt, has_w: bool, flat: bool) -> str:
    """Metadata: [N, C, S0, S1, S2, x_off, x strides (5), g_off, g strides (5), mean_off,
    mean_stride, rstd_off, rstd_stride, w_off, w_stride]."""
    st = dt.storage
    F = dt.compute
    z = "lf" if F == "f64" else ""
    x, g = dt.load(f"X[{_at(5)}]"), dt.load(f"G[{_at(11)}]")
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> GX: array<{st}>;",
             f"@group(0) @binding(2) var<storage, read_write> T: array<{st}>;",
             f"@group(0) @binding(3) var<storage, read> X: array<{st}>;",
             f"@group(0) @binding(4) var<storage, read> G: array<{st}>;",
             f"@group(0) @binding(5) var<storage, read> M: array<{st}>;",
             f"@group(0) @binding(6) var<storage, read> R: array<{st}>;"]
    if has_w:
        lines.append(f"@group(0) @binding(7) var<storage, read> W: array<{st}>;")
    w = dt.load("W[bitcast<i32>(P[21]) + i32(c) * bitcast<i32>(P[22])]") if has_w \
        else f"1.0{z}"
    lines += [wg_reductions(F, "sum")] + _prologue(F)
    lines += [f"  let mean = {dt.load('M[bitcast<i32>(P[17]) + i32(c) * bitcast<i32>(P[18])]')};",
              f"  let rstd = {dt.load('R[bitcast<i32>(P[19]) + i32(c) * bitcast<i32>(P[20])]')};",
              f"  var sg = 0.0{z};", f"  var sd = 0.0{z};"]
    lines += _loop([f"    let gv = {g};", "    sg = sg + gv;",
                    f"    sd = sd + gv * ({x} - mean);"], flat)
    lines += ["  let gsum = wg_sum(sg, li);", "  let dotp = wg_sum(sd, li);",
              "  if (li == 0u) {",
              f"    T[c] = {dt.store('dotp * rstd')};", f"    T[P[1] + c] = {dt.store('gsum')};",
              "  }",
              "  let gmean = gsum / count;", "  let proj = dotp * (rstd * rstd / count);",
              f"  let scale = rstd * {w};"]
    lines += _loop([f"    let v = ({g} - gmean - ({x} - mean) * proj) * scale;",
                    f"    GX[(n * P[1] + c) * S + s] = {dt.store('v')};"], flat) + ["}"]
    return header("\n".join(lines), st == "f16")


def _nc3(a: StridedArray) -> tuple[StridedArray, list[int], list[int]]:
    """``a`` (N, C, *spatial) as (sizes [N, C, S0, S1, S2], [offset, strides n, c, s0, s1,
    s2]): up to three spatial axes read with their strides (merged into one where one stride
    walks them), more through a contiguous copy seen as one axis."""
    sp = a.shape[2:]
    if len(sp) > 3:
        if not a.is_contiguous():
            a = contiguous(a)
        s = math.prod(sp)
        a = a.view(a.offset, a.shape[:2] + (s,), (a.shape[1] * s, s, 1))
        sp = (s,)
    st = a.strides[2:]
    if len(sp) > 1 and all(sp[k + 1] == 1 or st[k] == st[k + 1] * sp[k + 1]
                           for k in range(len(sp) - 1)):
        sp, st = (math.prod(sp),), (st[-1],)  # one stride walks them all (NCHW planes)
    pad = 3 - len(sp)
    sizes = list(a.shape[:2]) + [1] * pad + list(sp)
    strides = [i32w(v) for v in a.strides[:2]] + [0] * pad + [i32w(v) for v in st]
    return a, sizes, [i32w(a.offset)] + strides


# (direction, layouts of every operand, eps) -> (packed metadata, flat): the per-step calls of a
# training loop skip _nc3 and the packing (only where x and g are read in place, no copy)
_PLANS: dict = {}


def _layout(a: StridedArray | None):
    return None if a is None else (a.offset, a.strides)


def _remember(key, plan, in_place: bool) -> None:
    if in_place:
        if len(_PLANS) > 1024:
            _PLANS.clear()
        _PLANS[key] = plan


def _vec(a: StridedArray | None) -> list[int]:
    return [0, 0] if a is None else [i32w(a.offset), i32w(a.strides[0])]


def batch_norm_training(x, weight=None, bias=None, *, eps=1e-5):
    """``(out, mean, var, rstd)`` of ``x`` (N, C, ...) normalised per channel by its batch
    statistics (the biased variance), times ``weight`` plus ``bias`` ((C,) or None)."""
    rt = rt_of(x)
    dt = dtype_info(x.dtype)
    c = x.shape[1]
    out = new_array(rt, tuple(x.shape), x.dtype)
    stats = new_array(rt, (3, c), x.dtype)
    o = stats.offset  # the (C,) rows of stats (unrolled: a generator is a frame per call)
    views = (stats.view(o, (c,), (1,)), stats.view(o + c, (c,), (1,)),
             stats.view(o + 2 * c, (c,), (1,)))
    if c == 0:
        return (out, *views)
    key = ("fwd", x.dtype, x.shape, x.strides, x.offset, _layout(weight), _layout(bias), eps)
    plan = _PLANS.get(key)
    xa = x
    if plan is None:
        xa, sizes, xm = _nc3(x)
        flat = sizes[2] == sizes[3] == 1
        groups = chunks(c, x.size // c) if flat else 1
        meta = sizes + xm + _vec(weight) + _vec(bias) + scalar_bits(eps, dt) + [groups]
        plan = (meta_struct(len(meta)).pack(*meta), flat, groups, len(meta) - 1)
        _remember(key, plan, xa is x)
    data, flat, groups, gw = plan
    if groups > 1:  # large channels: each over several workgroups (_batch_norm_split)
        forward_split(rt, dt, data, gw, groups, c, xa, weight, bias, out, stats,
                      x.size * dt.itemsize)
        return (out, *views)
    has_w, has_b = weight is not None, bias is not None
    kernel = rt.kernel(("batch_norm_training", dt.name, has_w, has_b, flat),
                       lambda: _forward_source(dt, has_w, has_b, flat),
                       (True, True, False) + (False,) * (has_w + has_b))
    buffers = [out.storage.buffer, stats.storage.buffer, xa.storage.buffer]
    buffers += [t.storage.buffer for t in (weight, bias) if t is not None]
    rt.record(kernel, data, buffers, rt.grid(c), 3 * x.size * dt.itemsize)
    return (out, *views)


def batch_norm_backward(x, g, mean, rstd, weight=None):
    """``(gx, gw, gb)`` of batch_norm in training for the output gradient ``g``, from the
    forward's per-channel ``mean`` and ``rstd`` ((C,)): ``gw = rstd sum(g (x - mean))`` and
    ``gb = sum(g)`` over every axis but 1."""
    rt = rt_of(x)
    dt = dtype_info(x.dtype)
    c = x.shape[1]
    gx = new_array(rt, tuple(x.shape), x.dtype)
    sums = new_array(rt, (2, c), x.dtype)
    gw, gb = sums.view(sums.offset, (c,), (1,)), sums.view(sums.offset + c, (c,), (1,))
    if c == 0:
        return gx, gw, gb
    key = ("bwd", x.dtype, x.shape, x.strides, x.offset, g.strides, g.offset, _layout(mean),
           _layout(rstd), _layout(weight))
    plan = _PLANS.get(key)
    if plan is not None:  # x and g read in place, metadata packed before
        return _backward_dispatch(rt, dt, plan, x, g, mean, rstd, weight, gx, sums, gw, gb)
    xa, sizes, xm = _nc3(x)
    ga, gsizes, gm = _nc3(g)
    if gsizes != sizes:  # x's spatial axes merge and g's do not: g as x's are laid out
        ga = contiguous(g)
        ga = ga.view(ga.offset, tuple(x.shape[:2]) + (math.prod(x.shape[2:]),),
                     (ga.strides[0], ga.strides[1], 1))
        ga, gsizes, gm = _nc3(ga)
    if gsizes != sizes:  # g's merge and x's do not
        xa = contiguous(x)
        xa, sizes, xm = _nc3(xa.view(xa.offset, tuple(g.shape[:2]) + (gsizes[4],),
                                     (xa.strides[0], xa.strides[1], 1)))
    flat = sizes[2] == sizes[3] == 1
    groups = chunks(c, x.size // c) if flat else 1
    meta = sizes + xm + gm + _vec(mean) + _vec(rstd) + _vec(weight) + [groups]
    plan = (meta_struct(len(meta)).pack(*meta), flat, groups, len(meta) - 1)
    _remember(key, plan, xa is x and ga is g)
    return _backward_dispatch(rt, dt, plan, xa, ga, mean, rstd, weight, gx, sums, gw, gb)


def _backward_dispatch(rt, dt, plan, xa, ga, mean, rstd, weight, gx, sums, gw, gb):
    data, flat, groups, word = plan
    if groups > 1:  # large channels: each over several workgroups (_batch_norm_split)
        backward_split(rt, dt, data, word, groups, sums.shape[1], xa, ga, mean, rstd, weight,
                       gx, sums, xa.size * dt.itemsize)
        return gx, gw, gb
    has_w = weight is not None
    kernel = rt.kernel(("batch_norm_backward", dt.name, has_w, flat),
                       lambda: _backward_source(dt, has_w, flat),
                       (True, True, False, False, False, False) + (False,) * has_w)
    buffers = [gx.storage.buffer, sums.storage.buffer, xa.storage.buffer, ga.storage.buffer,
               mean.storage.buffer, rstd.storage.buffer]
    if has_w:
        buffers.append(weight.storage.buffer)
    rt.record(kernel, data, buffers, rt.grid(sums.shape[1]), 3 * xa.size * dt.itemsize)
    return gx, gw, gb


def make_kernels(all_dtypes) -> dict:
    """float32, and float64 where the adapter has shader-f64 (narrowed at registration)."""
    floats = [d for d in all_dtypes if d in ("float32", "float64")]
    return {"batch_norm_training": dict.fromkeys(floats, batch_norm_training),
            "batch_norm_backward": dict.fromkeys(floats, batch_norm_backward)}
