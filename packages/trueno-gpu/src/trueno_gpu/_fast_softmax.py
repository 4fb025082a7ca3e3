"""softmax / log_softmax over contiguous rows of at most 8192 elements (a multiple of 4):
one workgroup per row keeps its row in registers (up to 8 ``vec4`` per thread), so the row is
read once and written once (the generic ``_fused`` kernel reads it three times, element by
element).

Metadata: [rows, L, x_off].
"""

from __future__ import annotations

from ._codegen import LINEAR_ID, WG, header, i32w

__all__ = ["softmax_rows", "ENABLED"]

ENABLED = {"on": True}  # tests and benchmarks may switch the fast kernel off
_MAX_V4 = 8  # vec4s per thread


def _source(kind, dt, nv, sg):
    st = dt.storage
    sg_args = (", @builtin(subgroup_id) sgid: u32, @builtin(num_subgroups) nsg: u32, "
               "@builtin(subgroup_invocation_id) sid: u32") if sg else ""
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> Y: array<vec4<{st}>>;",
             f"@group(0) @binding(2) var<storage, read> X: array<vec4<{st}>>;",
             f"var<workgroup> red: array<f32, {WG}>;",
             f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}{sg_args}) {{",
             "  let row = wg.y * nwg.x + wg.x;",
             "  if (row >= P[0]) { return; }",
             "  let L4 = P[1] / 4u;",
             "  let base = P[2] / 4u + row * L4;",
             "  let ybase = row * L4;  // the result is a new array (offset 0)",
             "  var m = -tn_inf();"]
    for k in range(nv):
        lines += [f"  let j{k} = li + {k * WG}u;",
                  f"  var v{k} = vec4<f32>(-tn_inf());",
                  f"  if (j{k} < L4) {{ v{k} = vec4<f32>(X[base + j{k}]); }}",
                  f"  m = tn_max(m, tn_max(tn_max(v{k}.x, v{k}.y), tn_max(v{k}.z, v{k}.w)));"]
    lines += ["  red[li] = m;", "  workgroupBarrier();",
              f"  for (var s = {WG // 2}u; s > 0u; s = s >> 1u) {{",
              "    if (li < s) { red[li] = tn_max(red[li], red[li + s]); }",
              "    workgroupBarrier();", "  }",
              "  m = red[0];", "  workgroupBarrier();",
              "  var t = 0.0;"]
    for k in range(nv):
        lines += [f"  if (j{k} < L4) {{ let e = exp(v{k} - vec4<f32>(m)); "
                  f"t += (e.x + e.y) + (e.z + e.w); }}"]
    if sg:
        lines += ["  let p = subgroupAdd(t);",
                  "  if (sid == 0u) { red[sgid] = p; }",
                  "  workgroupBarrier();",
                  "  t = 0.0;",
                  "  for (var i = 0u; i < nsg; i = i + 1u) { t = t + red[i]; }"]
    else:
        lines += ["  red[li] = t;", "  workgroupBarrier();",
                  f"  for (var s = {WG // 2}u; s > 0u; s = s >> 1u) {{",
                  "    if (li < s) { red[li] = red[li] + red[li + s]; }",
                  "    workgroupBarrier();", "  }",
                  "  t = red[0];"]
    if kind == "softmax":
        lines.append("  let inv = 1.0 / t;")
        val = "exp(v{k} - vec4<f32>(m)) * inv"
    else:
        lines.append("  let ls = m + log(t);")
        val = "v{k} - vec4<f32>(ls)"
    for k in range(nv):
        lines.append(f"  if (j{k} < L4) {{ Y[ybase + j{k}] = vec4<{st}>({val.format(k=k)}); }}")
    lines.append("}")
    return header("\n".join(lines), st == "f16")


def softmax_rows(rt, kind, dt, x, out, rows, L):
    """Launch when the layout fits (contiguous rows, L % 4 == 0, L <= 8192, offset % 4 == 0,
    float32 / float16 storage); returns ``out``, or None to use the generic kernel."""
    if not ENABLED["on"] or kind not in ("softmax", "log_softmax"):
        return None
    if dt.storage not in ("f32", "f16") or dt.compute != "f32" or dt.wrap != "{}":
        return None
    if L % 4 or x.offset % 4 or L > WG * 4 * _MAX_V4 or L < 4:
        return None
    L4 = L // 4
    nv = 1
    while nv * WG < L4:
        nv *= 2
    sg = rt.has_subgroup
    key = ("softmax_v4", kind, dt.name, nv, sg)
    kernel = rt.kernel(key, lambda: _source(kind, dt, nv, sg), (True, False))
    rt.dispatch(kernel, [rows, L, i32w(x.offset)], [out.storage.buffer, x.storage.buffer],
                rows, 2 * rows * L * dt.itemsize)
    return out
