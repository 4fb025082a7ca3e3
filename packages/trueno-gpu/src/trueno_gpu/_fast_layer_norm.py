"""layer_norm over contiguous rows of at most 8192 elements (a multiple of 4): one workgroup
per row keeps its row in registers (up to 8 ``vec4`` per thread), so the row is read once and
written once (the generic ``_fused`` kernel reads it three times, element by element), with
``vec4`` loads of the weight and bias. The same two-pass statistics as the generic kernel:
mean, then the mean of squared deviations (from the registers), then
``(x - mean) * rsqrt(var + eps) * w + b``; workgroup sums through ``subgroupAdd`` where the
adapter has subgroups, else a tree in workgroup memory.

Metadata: [rows, L, x_off / 4, eps (f32 bits), w_off / 4, b_off / 4].
"""

from __future__ import annotations

import numpy as np

from ._codegen import LINEAR_ID, WG, header, i32w

__all__ = ["layer_norm_rows", "ENABLED"]

ENABLED = {"on": True}  # tests and benchmarks may switch the fast kernel off
_MAX_V4 = 8  # vec4s per thread


def _wsum(var: str, sg: bool) -> list[str]:
    """WGSL that replaces ``var`` (f32, per thread) by its sum over the workgroup."""
    if sg:
        return [f"  {{ let p = subgroupAdd({var});",
                "    if (sid == 0u) { red[sgid] = p; }",
                "    workgroupBarrier();",
                f"    {var} = 0.0;",
                f"    for (var i = 0u; i < nsg; i = i + 1u) {{ {var} = {var} + red[i]; }}",
                "    workgroupBarrier(); }"]
    return [f"  red[li] = {var};", "  workgroupBarrier();",
            f"  for (var s = {WG // 2}u; s > 0u; s = s >> 1u) {{",
            "    if (li < s) { red[li] = red[li] + red[li + s]; }",
            "    workgroupBarrier();", "  }",
            f"  {var} = red[0];", "  workgroupBarrier();"]


def _source(st: str, wst: str, nv: int, has_w: bool, has_b: bool, sg: bool) -> str:
    sg_args = (", @builtin(subgroup_id) sgid: u32, @builtin(num_subgroups) nsg: u32, "
               "@builtin(subgroup_invocation_id) sid: u32") if sg else ""
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> Y: array<vec4<{st}>>;",
             f"@group(0) @binding(2) var<storage, read> X: array<vec4<{st}>>;",
             f"@group(0) @binding(3) var<storage, read> W: array<vec4<{wst}>>;",
             f"@group(0) @binding(4) var<storage, read> Bb: array<vec4<{wst}>>;",
             f"var<workgroup> red: array<f32, {WG}>;",
             f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}{sg_args}) {{",
             "  let row = wg.y * nwg.x + wg.x;",
             "  if (row >= P[0]) { return; }",
             "  let L4 = P[1] / 4u;",
             "  let base = P[2] + row * L4;",
             "  let ybase = row * L4;",
             "  var s = 0.0;"]
    for k in range(nv):
        lines += [f"  let j{k} = li + {k * WG}u;",
                  f"  var v{k} = vec4<f32>(0.0);",
                  f"  if (j{k} < L4) {{ v{k} = vec4<f32>(X[base + j{k}]); }}",
                  f"  s += (v{k}.x + v{k}.y) + (v{k}.z + v{k}.w);"]
    lines += _wsum("s", sg)
    lines += ["  let mean = s / f32(P[1]);", "  var s2 = 0.0;"]
    for k in range(nv):
        lines += [f"  if (j{k} < L4) {{ v{k} = v{k} - vec4<f32>(mean); "
                  f"let q = v{k} * v{k}; s2 += (q.x + q.y) + (q.z + q.w); }}"]
    lines += _wsum("s2", sg)
    lines.append("  let rstd = inverseSqrt(s2 / f32(P[1]) + bitcast<f32>(P[3]));")
    for k in range(nv):
        val = f"v{k} * rstd"
        if has_w:
            val = f"{val} * vec4<f32>(W[P[4] + j{k}])"
        if has_b:
            val = f"{val} + vec4<f32>(Bb[P[5] + j{k}])"
        lines.append(f"  if (j{k} < L4) {{ Y[ybase + j{k}] = vec4<{st}>({val}); }}")
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
    nv = 1
    while nv * WG < L // 4:
        nv *= 2
    sg = rt.has_subgroup
    has_w, has_b = weight is not None, bias is not None
    key = ("layer_norm_v4", dt.name, nv, has_w, has_b, sg)
    kernel = rt.kernel(key, lambda: _source(dt.storage, dt.storage, nv, has_w, has_b, sg),
                       (True, False, False, False))
    meta = [rows, L, i32w(x.offset // 4), int(np.float32(eps).view(np.uint32)),
            weight.offset // 4 if has_w else 0, bias.offset // 4 if has_b else 0]
    wbuf = (weight if has_w else x).storage.buffer
    bbuf = (bias if has_b else x).storage.buffer
    rt.dispatch(kernel, meta, [out.storage.buffer, x.storage.buffer, wbuf, bbuf], rows,
                2 * rows * L * dt.itemsize)
    return out
