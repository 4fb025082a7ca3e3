"""layer_norm over contiguous rows of at most 8192 elements (a multiple of 4): ``T`` threads
per row (a power of two; ``WG / T`` rows per workgroup) keep the row in registers, up to
``_TARGET_V4`` ``vec4`` per thread, so the row is read once and written once (the generic
``_fused`` kernel reads it three times, element by element), with ``vec4`` loads and stores
and ``vec4`` loads of the weight and bias. The same two-pass statistics as the generic
kernel: mean, then the mean of squared deviations (from the registers), then
``(x - mean) * rsqrt(var + eps) * w + b``.

A row of 1024 (the common case) takes 32 threads of 8 ``vec4`` each, eight rows a workgroup:
every thread has eight loads in flight (one before: a workgroup per row and one ``vec4`` per
thread), and the row's sums need no subgroup operation: each thread's partial goes to
workgroup memory and every thread of the row adds its row's ``T`` partials in index order
(two barriers per workgroup in all; four past 32 threads per row, whose first 32 threads
add the row's partials in groups first). The sums' order depends on the shape only (the same bits
on every adapter and subgroup size).

Metadata: [rows, L, x_off / 4, eps (f32 bits), w_off / 4, b_off / 4].
"""

from __future__ import annotations

import numpy as np

from ._codegen import LINEAR_ID, WG, header, i32w

__all__ = ["layer_norm_rows", "ENABLED", "plan"]

ENABLED = {"on": True}  # tests and benchmarks may switch the fast kernel off
_MAX_V4 = 8  # vec4s per thread at most (registers)
_TARGET_V4 = 8  # vec4s per thread a row aims for (tools/bench/stress_reduce.py sweeps it)
_MIN_T = 32  # threads per row at least (rows of 128 and more)


def _pow2_at_least(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


def plan(L: int) -> tuple[int, int]:
    """(T threads per row, vec4s per thread) for rows of ``L`` elements (L % 4 == 0)."""
    L4 = L // 4
    T = max(min(_MIN_T, _pow2_at_least(L4)), _pow2_at_least(-(-L4 // _TARGET_V4)))
    T = min(T, WG)
    return T, -(-L4 // T)


def _row_sum(var: str, arr: str, T: int) -> list[str]:
    """WGSL replacing ``var`` (f32, per thread) by the sum over its row's ``T`` threads in a
    fixed order (the workgroup arrays ``arr`` and, past 32 threads, ``arr``b hold one value
    per thread): the row's first 32 threads add T / 32 consecutive partials each, then every
    thread adds those 32 (at most 32 reads of workgroup memory per thread)."""
    lines = [f"  {arr}[li] = {var};", "  workgroupBarrier();"]
    if T < 4:
        terms = " + ".join(f"{arr}[rb + {i}u]" for i in range(T))
        return lines + [f"  {var} = {terms};"]
    src, n = arr, T
    if T > 32:
        S = T // 32
        lines += ["  if (lane < 32u) {",
                  f"    let p = rb + lane * {S}u;",
                  f"    {arr}b[rb + lane] = " + " + ".join(f"{arr}[p + {i}u]" for i in range(S))
                  + ";", "  }", "  workgroupBarrier();"]
        src, n = f"{arr}b", 32
    return lines + ["  { var q = vec4<f32>(0.0);",
                    f"    for (var i = 0u; i < {n}u; i = i + 4u) {{",
                    f"      q += vec4<f32>({src}[rb + i], {src}[rb + i + 1u], {src}[rb + i + 2u], "
                    f"{src}[rb + i + 3u]);",
                    "    }",
                    f"    {var} = (q.x + q.y) + (q.z + q.w); }}"]


def _source(st: str, wst: str, T: int, nv: int, has_w: bool, has_b: bool) -> str:
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> Y: array<vec4<{st}>>;",
             f"@group(0) @binding(2) var<storage, read> X: array<vec4<{st}>>;",
             f"@group(0) @binding(3) var<storage, read> W: array<vec4<{wst}>>;",
             f"@group(0) @binding(4) var<storage, read> Bb: array<vec4<{wst}>>;",
             f"var<workgroup> red: array<f32, {WG}>;",
             f"var<workgroup> red2: array<f32, {WG}>;",
             *([f"var<workgroup> redb: array<f32, {WG}>;",
                f"var<workgroup> red2b: array<f32, {WG}>;"] if T > 32 else []),
             f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
             # no early return: every thread reaches the barriers
             f"  let row = (wg.y * nwg.x + wg.x) * {WG // T}u + li / {T}u;",
             f"  let lane = li % {T}u;",
             "  let rb = li - lane;",
             "  let ok = row < P[0];",
             "  let L4 = P[1] / 4u;",
             "  let base = P[2] + row * L4;",
             "  let ybase = row * L4;",
             "  var s = 0.0;"]
    for k in range(nv):
        lines += [f"  let j{k} = lane + {k * T}u;",
                  f"  let in{k} = ok && j{k} < L4;",
                  f"  var v{k} = vec4<f32>(0.0);",
                  f"  if (in{k}) {{ v{k} = vec4<f32>(X[base + j{k}]); }}"]
    for k in range(nv):
        lines.append(f"  s += (v{k}.x + v{k}.y) + (v{k}.z + v{k}.w);")
    lines += _row_sum("s", "red", T)
    lines += ["  let mean = s / f32(P[1]);", "  var s2 = 0.0;"]
    for k in range(nv):
        lines += [f"  if (in{k}) {{ v{k} = v{k} - vec4<f32>(mean); "
                  f"let q = v{k} * v{k}; s2 += (q.x + q.y) + (q.z + q.w); }}"]
    lines += _row_sum("s2", "red2", T)
    lines.append("  let rstd = inverseSqrt(s2 / f32(P[1]) + bitcast<f32>(P[3]));")
    for k in range(nv):
        val = f"v{k} * rstd"
        if has_w:
            val = f"{val} * vec4<f32>(W[P[4] + j{k}])"
        if has_b:
            val = f"{val} + vec4<f32>(Bb[P[5] + j{k}])"
        lines.append(f"  if (in{k}) {{ Y[ybase + j{k}] = vec4<{st}>({val}); }}")
    lines.append("}")
    return header("\n".join(lines), st == "f16" or wst == "f16")


def layer_norm_rows(rt, dt, x, out, rows, L, weight, bias, eps):
    """Launch when the layout fits (contiguous rows, L % 4 == 0, 4 <= L <= 8192, offsets
    % 4 == 0, float32 / float16 storage, weight and bias contiguous with x's dtype); returns
    ``out``, or None to use the generic kernel."""
    if not ENABLED["on"] or dt.storage not in ("f32", "f16") or dt.compute != "f32" \
            or dt.wrap != "{}":
        return None
    if L % 4 or x.offset % 4 or L > WG * 4 * _MAX_V4 or L < 4:
        return None
    for p in (weight, bias):
        if p is not None and (p.dtype != x.dtype or p.offset % 4 or not p.is_contiguous()
                              or p.size != L):
            return None
    T, nv = plan(L)
    has_w, has_b = weight is not None, bias is not None
    key = ("layer_norm_v4", dt.name, T, nv, has_w, has_b)
    kernel = rt.kernel(key, lambda: _source(dt.storage, dt.storage, T, nv, has_w, has_b),
                       (True, False, False, False))
    meta = [rows, L, i32w(x.offset // 4), int(np.float32(eps).view(np.uint32)),
            weight.offset // 4 if has_w else 0, bias.offset // 4 if has_b else 0]
    wbuf = (weight if has_w else x).storage.buffer
    bbuf = (bias if has_b else x).storage.buffer
    rt.dispatch(kernel, meta, [out.storage.buffer, x.storage.buffer, wbuf, bbuf],
                -(-rows // (WG // T)), 2 * rows * L * dt.itemsize)
    return out
