"""batch_norm in training with each channel split over ``G`` workgroups, for large channels
(``N * S >= SPLIT_MIN`` elements, contiguous-plane layouts): ``_batch_norm``'s one workgroup
per channel gives a 132-SM GPU 16-32 workgroups that each walk 50K elements (the benchmark
CNN at batch 64), latency-bound; here about ``C * G`` workgroups of ``CHUNK`` elements each.

Forward, 3 launches: the chunks' sums; the chunks' sums of squared deviations from the mean
(each workgroup adds the G partial sums in chunk order); the normalisation (mean and
variance from the partials again; chunk 0 writes mean, var, rstd). Backward, 2 launches: the
chunks' sums of g and g (x - mean), then gx (chunk 0 writes gw, gb). Partial sums are added
in a fixed order (workgroup tree, then chunks in order): the bits depend on the shape only.
``TRUENO_GPU_BN_SPLIT_MIN`` sets the threshold (a large number turns the split off).
"""

from __future__ import annotations

import os

from ._codegen import LINEAR_ID, WG, header, new_array, scalar_load
from ._wg_reduce import wg_reductions

__all__ = ["SPLIT_MIN", "CHUNK", "chunks", "forward_split", "backward_split"]

SPLIT_MIN = int(os.environ.get("TRUENO_GPU_BN_SPLIT_MIN", "8192"))
CHUNK = 2048  # elements per workgroup (about 8 per invocation)
_MAX_GROUPS = 512


def chunks(c: int, per_channel: int) -> int:
    """How many workgroups each of ``c`` channels of ``per_channel`` elements is split over
    (1: no split)."""
    if per_channel < SPLIT_MIN or c == 0:
        return 1
    return max(1, min(per_channel // CHUNK, _MAX_GROUPS // c))


def _prologue(F: str, gw: int) -> list[str]:
    """Workgroup w = chunk k of channel c; NG chunks of ``chunk`` elements; q0: where the
    second set of partials starts in Q."""
    return [f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
            "  let w = wg.y * nwg.x + wg.x;", f"  let NG = P[{gw}];", "  let c = w / NG;",
            "  let k = w % NG;", "  if (c >= P[1]) { return; }",
            "  let S = P[2] * P[3] * P[4];", "  let L = P[0] * S;", f"  let count = {F}(L);",
            "  let chunk = (L + NG - 1u) / NG;", "  let e0 = k * chunk;",
            "  let e1 = min(L, e0 + chunk);", "  let q0 = P[1] * NG;"]


def _loop(body: list[str]) -> list[str]:
    """Elements e0 + li, e0 + li + WG, ... < e1 of channel c (contiguous-plane layouts: one
    spatial axis of S), n and s advanced without a division per element."""
    return ["  {", "  var n = (e0 + li) / S;", "  var s = (e0 + li) % S;",
            f"  for (var e = e0 + li; e < e1; e = e + {WG}u) {{",
            "    let s0 = 0u;", "    let s1 = 0u;", "    let s2 = s;"] + body + [
            f"    s = s + {WG}u;",
            "    if (s >= S) { let q = s / S; n = n + q; s = s - q * S; }", "  }", "  }"]


def _partials(F: str, z: str, base: str, name: str) -> list[str]:
    """``name`` = the sum of the NG partials Q[base + c NG + j], j in chunk order."""
    return [f"  var {name} = 0.0{z};",
            f"  for (var j = 0u; j < NG; j = j + 1u) {{ {name} = {name} + "
            f"Q[{base} + c * NG + j]; }}"]


def _forward_source(dt, phase: int, has_w: bool, has_b: bool, gw: int) -> str:
    """Metadata: ``_batch_norm``'s forward words, then G at ``gw``. ``phase`` 0: sums, 1:
    squared deviations, 2: normalise."""
    from ._batch_norm import _at

    st, F = dt.storage, dt.compute
    z = "lf" if F == "f64" else ""
    x = dt.load(f"X[{_at(5)}]")
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> Q: array<{F}>;",
             f"@group(0) @binding(2) var<storage, read> X: array<{st}>;"]
    if phase == 2:
        lines += [f"@group(0) @binding(3) var<storage, read_write> Y: array<{st}>;",
                  f"@group(0) @binding(4) var<storage, read_write> T: array<{st}>;"]
        k = 5
        for name, on in (("W", has_w), ("Bb", has_b)):
            if on:
                lines.append(f"@group(0) @binding({k}) var<storage, read> {name}: "
                             f"array<{st}>;")
                k += 1
    else:
        lines.append(wg_reductions(F, "sum"))
    lines += _prologue(F, gw)
    if phase == 0:
        lines += [f"  var acc = 0.0{z};"] + _loop([f"    acc = acc + {x};"])
        lines += ["  let r = wg_sum(acc, li);", "  if (li == 0u) { Q[c * NG + k] = r; }", "}"]
        return header("\n".join(lines), st == "f16")
    lines += _partials(F, z, "0u", "tot") + ["  let mean = tot / count;"]
    if phase == 1:
        lines += [f"  var acc = 0.0{z};"]
        lines += _loop([f"    let d = {x} - mean;", "    acc = acc + d * d;"])
        lines += ["  let r = wg_sum(acc, li);", "  if (li == 0u) { Q[q0 + c * NG + k] = r; }",
                  "}"]
        return header("\n".join(lines), st == "f16")
    w = dt.load("W[bitcast<i32>(P[11]) + i32(c) * bitcast<i32>(P[12])]") if has_w \
        else f"1.0{z}"
    b = dt.load("Bb[bitcast<i32>(P[13]) + i32(c) * bitcast<i32>(P[14])]") if has_b \
        else f"0.0{z}"
    lines += _partials(F, z, "q0", "sq")
    lines += ["  let v = sq / count;", f"  let rstd = 1.0{z} / sqrt(v + {scalar_load(dt, 15)});",
              "  if (k == 0u && li == 0u) {",
              f"    T[c] = {dt.store('mean')};", f"    T[P[1] + c] = {dt.store('v')};",
              f"    T[2u * P[1] + c] = {dt.store('rstd')};", "  }",
              f"  let scale = rstd * {w};", f"  let shift = {b};"]
    lines += _loop([f"    let y = ({x} - mean) * scale + shift;",
                    f"    Y[(n * P[1] + c) * S + s] = {dt.store('y')};"]) + ["}"]
    return header("\n".join(lines), st == "f16")


def _backward_source(dt, phase: int, has_w: bool, gw: int) -> str:
    """Metadata: ``_batch_norm``'s backward words, then G at ``gw``. ``phase`` 0: the chunks'
    sums of g and g (x - mean); 1: gx (chunk 0 writes gw and gb)."""
    from ._batch_norm import _at

    st, F = dt.storage, dt.compute
    z = "lf" if F == "f64" else ""
    x, g = dt.load(f"X[{_at(5)}]"), dt.load(f"G[{_at(11)}]")
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> Q: array<{F}>;",
             f"@group(0) @binding(2) var<storage, read> X: array<{st}>;",
             f"@group(0) @binding(3) var<storage, read> G: array<{st}>;",
             f"@group(0) @binding(4) var<storage, read> M: array<{st}>;",
             f"@group(0) @binding(5) var<storage, read> R: array<{st}>;"]
    if phase == 1:
        lines += [f"@group(0) @binding(6) var<storage, read_write> GX: array<{st}>;",
                  f"@group(0) @binding(7) var<storage, read_write> T: array<{st}>;"]
        if has_w:
            lines.append(f"@group(0) @binding(8) var<storage, read> W: array<{st}>;")
    else:
        lines.append(wg_reductions(F, "sum2"))
    lines += _prologue(F, gw)
    lines += [f"  let mean = {dt.load('M[bitcast<i32>(P[17]) + i32(c) * bitcast<i32>(P[18])]')};",
              f"  let rstd = {dt.load('R[bitcast<i32>(P[19]) + i32(c) * bitcast<i32>(P[20])]')};"]
    if phase == 0:
        lines += [f"  var sg = 0.0{z};", f"  var sd = 0.0{z};"]
        lines += _loop([f"    let gv = {g};", "    sg = sg + gv;",
                        f"    sd = sd + gv * ({x} - mean);"])
        lines += ["  let r = wg_sum2(sg, sd, li);",
                  "  if (li == 0u) { Q[c * NG + k] = r.x; Q[q0 + c * NG + k] = r.y; }", "}"]
        return header("\n".join(lines), st == "f16")
    w = dt.load("W[bitcast<i32>(P[21]) + i32(c) * bitcast<i32>(P[22])]") if has_w \
        else f"1.0{z}"
    lines += _partials(F, z, "0u", "gsum") + _partials(F, z, "q0", "dotp")
    lines += ["  if (k == 0u && li == 0u) {",
              f"    T[c] = {dt.store('dotp * rstd')};", f"    T[P[1] + c] = {dt.store('gsum')};",
              "  }", "  let gmean = gsum / count;", "  let proj = dotp * (rstd * rstd / count);",
              f"  let scale = rstd * {w};"]
    lines += _loop([f"    let v = ({g} - gmean - ({x} - mean) * proj) * scale;",
                    f"    GX[(n * P[1] + c) * S + s] = {dt.store('v')};"]) + ["}"]
    return header("\n".join(lines), st == "f16")


def _partial_buffer(rt, c: int, groups: int, dt):
    return new_array(rt, (2 * c * groups,), "float64" if dt.compute == "f64" else "float32")


def forward_split(rt, dt, data: bytes, gw: int, groups: int, c: int, xa, weight, bias, out,
                  stats, cost: int) -> None:
    """Record the 3 launches of the split forward; ``data``: the packed metadata with G at
    word ``gw``."""
    has_w, has_b = weight is not None, bias is not None
    q = _partial_buffer(rt, c, groups, dt)
    for phase in range(3):
        writable = (True, False) + ((True, True) + (False,) * (has_w + has_b) if phase == 2
                                    else ())
        kernel = rt.kernel(("batch_norm_split_fwd", dt.name, phase, has_w, has_b, gw),
                           lambda p=phase: _forward_source(dt, p, has_w, has_b, gw), writable)
        buffers = [q.storage.buffer, xa.storage.buffer]
        if phase == 2:
            buffers += [out.storage.buffer, stats.storage.buffer]
            buffers += [t.storage.buffer for t in (weight, bias) if t is not None]
        rt.record(kernel, data, buffers, rt.grid(c * groups), cost)


def backward_split(rt, dt, data: bytes, gw: int, groups: int, c: int, xa, ga, mean, rstd,
                   weight, gx, sums, cost: int) -> None:
    """Record the 2 launches of the split backward (``data`` with G at word ``gw``)."""
    has_w = weight is not None
    q = _partial_buffer(rt, c, groups, dt)
    for phase in range(2):
        writable = (True, False, False, False, False) + (
            (True, True) + (False,) * has_w if phase == 1 else ())
        kernel = rt.kernel(("batch_norm_split_bwd", dt.name, phase, has_w, gw),
                           lambda p=phase: _backward_source(dt, p, has_w, gw), writable)
        buffers = [q.storage.buffer, xa.storage.buffer, ga.storage.buffer,
                   mean.storage.buffer, rstd.storage.buffer]
        if phase == 1:
            buffers += [gx.storage.buffer, sums.storage.buffer]
            if has_w:
                buffers.append(weight.storage.buffer)
        rt.record(kernel, data, buffers, rt.grid(c * groups), cost)
