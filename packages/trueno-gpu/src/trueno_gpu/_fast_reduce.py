"""Fast sum / mean over contiguous trailing axes (rows of a row-major array, or a whole
contiguous array): ``vec4`` loads, two independent accumulators per thread, then
``subgroupAdd`` (or a workgroup tree) per workgroup. Long rows with few outputs split into G
chunks whose partial sums the generic second pass of ``_reduce`` adds up.

Metadata: [n_out, G, R / 4, chunk (vec4s per workgroup), x_off / 4, divisor].
"""

from __future__ import annotations

import math

from ._codegen import LINEAR_ID, WG, header, i32w

__all__ = ["row_sum", "ENABLED"]

ENABLED = {"on": True}  # tests and benchmarks may switch the fast kernel off


def _source(in_dt, out_dt, final, mean, sg):
    st = in_dt.storage
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> Y: array<"
             f"{out_dt.storage if final else 'f32'}>;",
             f"@group(0) @binding(2) var<storage, read> X: array<vec4<{st}>>;",
             f"var<workgroup> sv: array<f32, {WG}>;"]
    sg_args = (", @builtin(subgroup_id) sgid: u32, @builtin(num_subgroups) nsg: u32, "
               "@builtin(subgroup_invocation_id) sid: u32") if sg else ""
    body = [f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}{sg_args}) {{",
            "  let L = wg.y * nwg.x + wg.x;",
            "  if (L >= P[0] * P[1]) { return; }",
            "  let o = L / P[1];", "  let g = L % P[1];",
            "  let R4 = P[2];",
            "  let base = P[4] + o * R4;",
            "  let j0 = g * P[3];", "  let j1 = min(j0 + P[3], R4);",
            "  var a0 = vec4<f32>(0.0);", "  var a1 = vec4<f32>(0.0);",
            "  var j = j0 + li;",
            f"  for (; j + {WG}u < j1; j = j + {2 * WG}u) {{",
            "    a0 += vec4<f32>(X[base + j]);",
            f"    a1 += vec4<f32>(X[base + j + {WG}u]);",
            "  }",
            "  if (j < j1) { a0 += vec4<f32>(X[base + j]); }",
            "  let s4 = a0 + a1;",
            "  var acc = (s4.x + s4.y) + (s4.z + s4.w);"]
    if sg:
        body += ["  let part = subgroupAdd(acc);",
                 "  if (sid == 0u) { sv[sgid] = part; }",
                 "  workgroupBarrier();",
                 "  if (li != 0u) { return; }",
                 "  acc = sv[0];",
                 "  for (var i = 1u; i < nsg; i = i + 1u) { acc = acc + sv[i]; }"]
    else:
        body += ["  sv[li] = acc;", "  workgroupBarrier();",
                 f"  for (var s = {WG // 2}u; s > 0u; s = s >> 1u) {{",
                 "    if (li < s) { sv[li] = sv[li] + sv[li + s]; }",
                 "    workgroupBarrier();", "  }",
                 "  if (li != 0u) { return; }", "  acc = sv[0];"]
    if final:
        val = "acc / f32(P[5])" if mean else "acc"
        body.append(f"  Y[o] = {out_dt.store(val)};")
    else:
        body.append("  Y[L] = acc;")
    body.append("}")
    return header("\n".join(lines + body), st == "f16" or out_dt.storage == "f16")


def row_sum(rt, op, x, in_dt, out, out_dt, kc, ks, rc, rs, n_out, R):
    """Launch the fast first pass when it applies: returns (G, partials or None), or None
    when the layout or dtypes do not fit (the generic kernel runs instead)."""
    if op not in ("sum", "mean") or in_dt.storage not in ("f32", "f16"):
        return None
    if in_dt.compute != "f32" or out_dt.compute != "f32":
        return None
    if len(rc) != 1 or rs[0] != 1 or R % 4 or x.offset % 4 or R < 64:
        return None
    if n_out != 1 and not (len(kc) == 1 and ks[0] == R):
        return None
    R4 = R // 4
    G = 1
    if n_out < 256 and R4 > 2048:
        G = min(math.ceil(R4 / 2048), 512)
    chunk = math.ceil(R4 / G)
    final = G == 1
    sg = rt.has_subgroup
    key = ("rowsum", in_dt.name, out_dt.name, final, op == "mean", sg)
    kernel = rt.kernel(key, lambda: _source(in_dt, out_dt, final, op == "mean", sg),
                       (True, False))
    meta = [n_out, G, R4, chunk, i32w(x.offset // 4), R]
    cost = n_out * R * in_dt.itemsize
    if final:
        rt.dispatch(kernel, meta, [out.storage.buffer, x.storage.buffer], n_out, cost)
        return 1, None
    part = rt.alloc(n_out * G * 4)
    rt.dispatch(kernel, meta, [part.buffer, x.storage.buffer], n_out * G, cost)
    return G, part
