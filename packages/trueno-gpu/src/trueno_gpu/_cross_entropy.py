"""cross_entropy with class indices in two dispatches forward (one for few rows of few
classes) and one backward (rows ``cross_entropy_forward`` and ``cross_entropy_backward``,
decompositions in core's ``_decompositions_nn``); trueno-nn's device-generic node takes about
12 launches forward and 7 backward.

Forward: one workgroup per target (a row of the class axis, read with its strides: (C,),
(N, C) or (N, C, d...)) computes the logsumexp (max, then the sum of exp, through workgroup
memory) and writes the row's ``lse``, its loss ``-w (x_t - lse)`` and weight ``w`` (the
target class's weight, 1 without one, 0 where the target is ``ignore_index``); a second,
single workgroup sums the losses and weights into the 0-d loss (``"sum"``, or the sum over
the weights for ``"mean"``) and ``denom``. Few rows of few classes (a classifier's loss on a
small batch) take one workgroup for both: a thread per row, its classes in a loop. A target
out of range is flagged in the runtime's ``index_checks`` and raised at the next sync
(PyTorch CUDA's device-side assert), never read on the host. Backward: one thread per logit,
``(exp(x - lse) - onehot(t)) w g`` (over ``denom`` for ``"mean"``).

float32 and float64 logits; int32/int64/uint32/uint64 targets.
"""

from __future__ import annotations

import math

from ._api import contiguous
from ._codegen import LINEAR_ID, WG, header, i32w, new_array
from ._dtypes import dtype_info
from ._elementwise import rt_of
from ._wg_reduce import wg_reductions

__all__ = ["cross_entropy_forward", "cross_entropy_backward", "make_kernels"]

_REDUCTIONS = {"none": 0, "sum": 1, "mean": 2}


def _target(idt, at: str) -> str:
    """WGSL of target element ``at`` as an i32 (64-bit values clamped into the i32 range, so
    one out of range stays out of range)."""
    st = idt.storage
    if st == "i64":
        return f"i32(clamp(T[{at}], i64(-2147483648), i64(2147483647)))"
    if st == "u64":
        return f"i32(min(T[{at}], u64(2147483647)))"
    if st == "u32":
        return f"i32(min(T[{at}], 2147483647u))"
    return f"i32(T[{at}])"


def _weight(dt, has_w: bool, z: str) -> str:
    return dt.load("W[bitcast<i32>(P[10]) + t * bitcast<i32>(P[11])]") if has_w else f"1.0{z}"


def _names(dt):
    """The forward kernels' WGSL names for ``dt``: storage and compute types, the float
    literal suffix and the tn_ function suffix, exp, log, and the load of logit ``j``."""
    d = dt.compute == "f64"
    z, S = ("lf", "64") if d else ("", "")
    exp, log = ("tn_exp64", "tn_log64") if d else ("exp", "log")
    return dt.storage, dt.compute, z, S, exp, log, dt.load("X[xb + i32(j) * xc]")


def _pick(dt, idt, has_w: bool, z: str, x: str, pad: str) -> list[str]:
    """WGSL lines (indented by ``pad``) of the forward kernels' row ``(n, s)``: its target
    ``t``, an out-of-range one recorded in ``E`` (the index checks), and the target class's
    weight ``w`` and logit ``picked`` (0 for an ignored or bad target)."""
    lines = ["let t = " + _target(idt, "bitcast<i32>(P[7]) + n * bitcast<i32>(P[8]) + "
                                   "s * bitcast<i32>(P[9])") + ";",
             "let valid = t != bitcast<i32>(P[12]);",
             "let ok = valid && t >= 0 && t < i32(C);",
             "if (valid && !ok) {", "  let e = 2u * P[13];",
             "  if (t < 0) { atomicMax(&E[e + 1u], bitcast<u32>(-(t + 1)) + 1u); }",
             "  else { atomicMax(&E[e], bitcast<u32>(t) + 1u); }", "}",
             f"var w = 0.0{z};", f"var picked = 0.0{z};",
             f"if (ok) {{ w = {_weight(dt, has_w, z)}; let j = u32(t); picked = {x}; }}"]
    return [pad + ln for ln in lines]


def _rows_source(dt, idt, has_w: bool) -> str:
    """Metadata: [R, C, S, x_off, x strides (n, c, s), t_off, t strides (n, s), w_off,
    w_stride, ignore_index, check slot]; Y[r] = lse, Y[R + r] = loss, Y[2R + r] = weight."""
    st, F, z, S, exp, log, x = _names(dt)
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> Y: array<{st}>;",
             "@group(0) @binding(2) var<storage, read_write> E: array<atomic<u32>>;",
             f"@group(0) @binding(3) var<storage, read> X: array<{st}>;",
             f"@group(0) @binding(4) var<storage, read> T: array<{idt.storage}>;"]
    if has_w:
        lines.append(f"@group(0) @binding(5) var<storage, read> W: array<{st}>;")
    lines += [wg_reductions(F, "max", "sum2", max_fn=f"tn_max{S}"),
              f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
              "  let r = wg.y * nwg.x + wg.x;", "  if (r >= P[0]) { return; }",
              "  let R = P[0];", "  let C = P[1];",
              "  let n = i32(r / P[2]);", "  let s = i32(r % P[2]);",
              "  let xb = bitcast<i32>(P[3]) + n * bitcast<i32>(P[4]) + s * bitcast<i32>(P[6]);",
              "  let xc = bitcast<i32>(P[5]);",
              f"  var m = -tn_inf{S}();",
              f"  for (var j = li; j < C; j = j + {WG}u) {{ m = tn_max{S}(m, {x}); }}",
              "  m = wg_max(m, li);",
              f"  var se = 0.0{z};",
              f"  for (var j = li; j < C; j = j + {WG}u) {{ se = se + {exp}({x} - m); }}",
              f"  let lse = m + {log}(wg_sum2(se, 0.0{z}, li).x);",
              "  if (li != 0u) { return; }",
              *_pick(dt, idt, has_w, z, x, "  "),
              f"  Y[r] = {dt.store('lse')};",
              f"  Y[R + r] = {dt.store('-(picked - lse) * w')};",
              f"  Y[2u * R + r] = {dt.store('w')};", "}"]
    return header("\n".join(lines), st == "f16")


def _one_pass_source(dt, idt, has_w: bool) -> str:
    """One workgroup for the whole loss (few rows of few classes): thread ``li`` takes rows
    ``li, li + WG, ...``, each row's logsumexp in a loop over its classes, writes the rows'
    ``lse``, loss and weight as the rows kernel does and sums the losses and weights in the
    sum kernel's order. Metadata: the rows kernel's, then the reduction."""
    st, F, z, S, exp, log, x = _names(dt)
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> Y: array<{st}>;",
             f"@group(0) @binding(2) var<storage, read_write> O: array<{st}>;",
             "@group(0) @binding(3) var<storage, read_write> E: array<atomic<u32>>;",
             f"@group(0) @binding(4) var<storage, read> X: array<{st}>;",
             f"@group(0) @binding(5) var<storage, read> T: array<{idt.storage}>;"]
    if has_w:
        lines.append(f"@group(0) @binding(6) var<storage, read> W: array<{st}>;")
    lines += [wg_reductions(F, "sum2"),
              f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
              "  let R = P[0];", "  let C = P[1];", "  let xc = bitcast<i32>(P[5]);",
              f"  var a = 0.0{z};", f"  var b = 0.0{z};",
              f"  for (var r = li; r < R; r = r + {WG}u) {{",
              "    let n = i32(r / P[2]);", "    let s = i32(r % P[2]);",
              "    let xb = bitcast<i32>(P[3]) + n * bitcast<i32>(P[4]) + s * bitcast<i32>(P[6]);",
              f"    var m = -tn_inf{S}();",
              f"    for (var j = 0u; j < C; j = j + 1u) {{ m = tn_max{S}(m, {x}); }}",
              f"    var se = 0.0{z};",
              f"    for (var j = 0u; j < C; j = j + 1u) {{ se = se + {exp}({x} - m); }}",
              f"    let lse = m + {log}(se);",
              *_pick(dt, idt, has_w, z, x, "    "),
              "    let loss = -(picked - lse) * w;",
              f"    Y[r] = {dt.store('lse')};", f"    Y[R + r] = {dt.store('loss')};",
              f"    Y[2u * R + r] = {dt.store('w')};",
              f"    a = a + {dt.load('Y[R + r]')};", f"    b = b + {dt.load('Y[2u * R + r]')};",
              "  }",
              "  let tt = wg_sum2(a, b, li);",
              "  if (li == 0u) {",
              f"    O[0] = {dt.store('select(tt.x, tt.x / tt.y, P[14] == 2u)')};",
              f"    O[1] = {dt.store('tt.y')};", "  }", "}"]
    return header("\n".join(lines), st == "f16")


# At most this many classes and rows take the one-pass kernel (one launch, not two): a thread
# loops over a row's classes (the rows kernel reduces them over a workgroup), at most
# _ONE_PASS_ROWS / WG rows each
_ONE_PASS_CLASSES = 32
_ONE_PASS_ROWS = 2048


def _sum_source(dt) -> str:
    """Metadata: [R, reduction (0 none, 1 sum, 2 mean)]; O[0] = loss, O[1] = sum of the
    weights, from the rows' Y[R..2R) and Y[2R..3R)."""
    st, F = dt.storage, dt.compute
    z = "lf" if F == "f64" else ""
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> O: array<{st}>;",
             f"@group(0) @binding(2) var<storage, read> Y: array<{st}>;",
             wg_reductions(F, "sum2"),
             f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
             "  let R = P[0];", f"  var a = 0.0{z};", f"  var b = 0.0{z};",
             f"  for (var r = li; r < R; r = r + {WG}u) {{",
             f"    a = a + {dt.load('Y[R + r]')};", f"    b = b + {dt.load('Y[2u * R + r]')};",
             "  }",
             "  let t = wg_sum2(a, b, li);",
             "  if (li == 0u) {",
             f"    O[0] = {dt.store('select(t.x, t.x / t.y, P[1] == 2u)')};",
             f"    O[1] = {dt.store('t.y')};", "  }", "}"]
    return header("\n".join(lines), st == "f16")


def _backward_source(dt, idt, has_w: bool) -> str:
    """Metadata: [total, C, S, x_off, x strides (n, c, s), t_off, t strides (n, s), w_off,
    w_stride, ignore_index, lse_off, lse strides (n, s), g_off, g strides (n, s), denom_off,
    mean (1/0)]; GX[(n C + j) S + s] = (exp(x - lse) - onehot) w g (/ denom)."""
    st, F = dt.storage, dt.compute
    d = F == "f64"
    z = "lf" if d else ""
    exp = "tn_exp64" if d else "exp"
    x = dt.load("X[bitcast<i32>(P[3]) + n * bitcast<i32>(P[4]) + i32(j) * bitcast<i32>(P[5]) "
                "+ s * bitcast<i32>(P[6])]")
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> GX: array<{st}>;",
             f"@group(0) @binding(2) var<storage, read> X: array<{st}>;",
             f"@group(0) @binding(3) var<storage, read> T: array<{idt.storage}>;",
             f"@group(0) @binding(4) var<storage, read> L: array<{st}>;",
             f"@group(0) @binding(5) var<storage, read> G: array<{st}>;",
             f"@group(0) @binding(6) var<storage, read> D: array<{st}>;"]
    if has_w:
        lines.append(f"@group(0) @binding(7) var<storage, read> W: array<{st}>;")
    lines += [f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
              f"  let i = (wg.y * nwg.x + wg.x) * {WG}u + li;", "  if (i >= P[0]) { return; }",
              "  let C = P[1];", "  let s = i32(i % P[2]);", "  let j = (i / P[2]) % C;",
              "  let n = i32(i / (P[2] * C));",
              "  let t = " + _target(idt, "bitcast<i32>(P[7]) + n * bitcast<i32>(P[8]) + "
                                          "s * bitcast<i32>(P[9])") + ";",
              "  let ok = t != bitcast<i32>(P[12]) && t >= 0 && t < i32(C);",
              f"  var w = 0.0{z};", f"  if (ok) {{ w = {_weight(dt, has_w, z)}; }}",
              "  let lse = " + dt.load("L[bitcast<i32>(P[13]) + n * bitcast<i32>(P[14]) + "
                                       "s * bitcast<i32>(P[15])]") + ";",
              "  var g = " + dt.load("G[bitcast<i32>(P[16]) + n * bitcast<i32>(P[17]) + "
                                     "s * bitcast<i32>(P[18])]") + ";",
              f"  if (P[20] == 1u) {{ g = g / {dt.load('D[P[19]]')}; }}",
              f"  let onehot = select(0.0{z}, 1.0{z}, ok && u32(t) == j);",
              f"  GX[i] = {dt.store(f'({exp}({x} - lse) - onehot) * (w * g)')};", "}"]
    return header("\n".join(lines), st == "f16")


def _ncs(x):
    """``x`` (C,) or (N, C, d...) as [N, C, S] and [offset, strides n, c, s] (the trailing
    axes through a contiguous copy unless they merge)."""
    if x.ndim == 1:
        return x, [1, x.shape[0], 1], [i32w(x.offset), 0, i32w(x.strides[0]), 0]
    n, c, sp = x.shape[0], x.shape[1], x.shape[2:]
    s = math.prod(sp)
    if len(sp) > 1 and not _merges(sp, x.strides[2:]):
        x = contiguous(x)
    ss = x.strides[-1] if sp else 0
    return x, [n, c, s], [i32w(x.offset), i32w(x.strides[0]), i32w(x.strides[1]), i32w(ss)]


def _ns(t):
    """A target-shaped array () or (N, d...) as [offset, strides n, s] (same merging)."""
    if t.ndim == 0:
        return t, [i32w(t.offset), 0, 0]
    sp = t.shape[1:]
    if len(sp) > 1 and not _merges(sp, t.strides[1:]):
        t = contiguous(t)
    return t, [i32w(t.offset), i32w(t.strides[0]), i32w(t.strides[-1]) if sp else 0]


def _merges(shape, strides) -> bool:
    """Whether axes ``shape`` with ``strides`` walk one arithmetic sequence (stride of the
    last axis)."""
    for k in range(len(shape) - 1):
        if shape[k + 1] != 1 and strides[k] != strides[k + 1] * shape[k + 1]:
            return False
    return True


def cross_entropy_forward(x, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """``(loss, lse, denom)`` of cross_entropy with class indices (see the module)."""
    rt = rt_of(x)
    dt, idt = dtype_info(x.dtype), dtype_info(target.dtype)
    xa, sizes, xm = _ncs(x)
    ta, tm = _ns(target)
    n, c, s = sizes
    r = n * s
    rows = new_array(rt, (max(3 * r, 1),), x.dtype)  # one element at least: a binding
    tshape = tuple(target.shape)
    lse = rows.view(rows.offset, tshape, _contig(tshape))
    out = new_array(rt, (2,), x.dtype)
    denom = out.view(out.offset + 1, (), ())
    loss = rows.view(rows.offset + r, tshape, _contig(tshape)) if reduction == "none" else \
        out.view(out.offset, (), ())
    if r == 0:
        rt.dispatch(_sum_kernel(rt, dt), [0, _REDUCTIONS[reduction]],
                    [out.storage.buffer, rows.storage.buffer], 1)
        return loss, lse, denom
    has_w = weight is not None
    wm = [i32w(weight.offset), i32w(weight.strides[0])] if has_w else [0, 0]
    message = (f"cross_entropy: target {{}} is out of bounds for {c} classes "
               f"(ignore_index={ignore_index})")
    if c <= _ONE_PASS_CLASSES and r <= _ONE_PASS_ROWS:
        key = ("cross_entropy_one_pass", dt.name, idt.name, has_w)
        kernel = rt.kernel(key, lambda: _one_pass_source(dt, idt, has_w),
                           (True, True, True, False, False) + (False,) * has_w)
        buffers = [rows.storage.buffer, out.storage.buffer, rt.index_checks.flags,
                   xa.storage.buffer, ta.storage.buffer]
        if has_w:
            buffers.append(weight.storage.buffer)
        with rt.lock:  # the slot and the dispatch: no sync reads the flags in between
            meta = [r, c, s] + xm + tm + wm + [i32w(ignore_index),
                                               rt.index_checks.slot(message),
                                               _REDUCTIONS[reduction]]
            rt.dispatch(kernel, meta, buffers, 1)
        return loss, lse, denom
    key = ("cross_entropy_rows", dt.name, idt.name, has_w)
    kernel = rt.kernel(key, lambda: _rows_source(dt, idt, has_w),
                       (True, True, False, False) + (False,) * has_w)
    buffers = [rows.storage.buffer, rt.index_checks.flags, xa.storage.buffer, ta.storage.buffer]
    if has_w:
        buffers.append(weight.storage.buffer)
    with rt.lock:  # the slot and the dispatch: no sync reads the flags in between
        meta = [r, c, s] + xm + tm + wm + [i32w(ignore_index), rt.index_checks.slot(message)]
        rt.dispatch(kernel, meta, buffers, r)
    rt.dispatch(_sum_kernel(rt, dt), [r, _REDUCTIONS[reduction]],
                [out.storage.buffer, rows.storage.buffer], 1)
    return loss, lse, denom


def _sum_kernel(rt, dt):
    return rt.kernel(("cross_entropy_sum", dt.name), lambda: _sum_source(dt), (True, False))


def _contig(shape) -> tuple[int, ...]:
    out, step = [], 1
    for n in reversed(shape):
        out.append(step)
        step *= max(n, 1)
    return tuple(reversed(out))


def cross_entropy_backward(x, target, weight, lse, g, denom, *, ignore_index=-100,
                           reduction="mean"):
    """The gradient of ``cross_entropy_forward``'s loss for its gradient ``g`` (0-d, or the
    target's shape for ``reduction="none"``), in one dispatch."""
    rt = rt_of(x)
    dt, idt = dtype_info(x.dtype), dtype_info(target.dtype)
    gx = new_array(rt, tuple(x.shape), x.dtype)
    if gx.size == 0:
        return gx
    xa, sizes, xm = _ncs(x)
    ta, tm = _ns(target)
    la, lm = _ns(lse)
    if g.ndim and g.shape != tuple(target.shape):  # a broadcast g: read it per target
        g = contiguous(g.view(g.offset, tuple(target.shape), _bstrides(g, target.shape)))
    ga, gm = _ns(g)
    has_w = weight is not None
    wm = [i32w(weight.offset), i32w(weight.strides[0])] if has_w else [0, 0]
    meta = [gx.size, sizes[1], sizes[2]] + xm + tm + wm + [i32w(ignore_index)] + lm + gm + \
        [i32w(denom.offset), int(reduction == "mean")]
    key = ("cross_entropy_backward", dt.name, idt.name, has_w)
    kernel = rt.kernel(key, lambda: _backward_source(dt, idt, has_w),
                       (True,) + (False,) * (5 + has_w))
    buffers = [gx.storage.buffer, xa.storage.buffer, ta.storage.buffer, la.storage.buffer,
               ga.storage.buffer, denom.storage.buffer]
    if has_w:
        buffers.append(weight.storage.buffer)
    rt.dispatch(kernel, meta, buffers, -(-gx.size // WG))
    return gx


def _bstrides(a, shape) -> tuple[int, ...]:
    lead = len(shape) - a.ndim
    return (0,) * lead + tuple(0 if n == 1 and m != 1 else st
                               for n, m, st in zip(a.shape, shape[lead:], a.strides))


def make_kernels(all_dtypes) -> dict:
    """float32, and float64 where the adapter has shader-f64 (narrowed at registration)."""
    floats = [d for d in all_dtypes if d in ("float32", "float64")]
    return {"cross_entropy_forward": dict.fromkeys(floats, cross_entropy_forward),
            "cross_entropy_backward": dict.fromkeys(floats, cross_entropy_backward)}
