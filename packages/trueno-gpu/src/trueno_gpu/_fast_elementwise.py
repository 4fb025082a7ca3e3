"""The contiguous fast path of the elementwise template: every operand and the output walk
memory contiguously (after ``collapse``), the element count is a multiple of 4 and every
offset is 4-element aligned. Each thread then loads one ``vec4`` per operand, applies the
scalar expression to the four lanes and stores one ``vec4``: no per-element index math, a
quarter of the threads and 16-byte (8-byte for f16) memory transactions.

``launch`` in ``_elementwise`` picks this variant; the key differs from the general one by
its ``"v4"`` tag, so both can be cached side by side.
"""

from __future__ import annotations

from ._codegen import LINEAR_ID, WG, header

__all__ = ["vec4_ok", "vec4_source"]


# Tests and benchmarks may switch the fast path off; "per": vec4s per thread (grid-stride).
ENABLED = {"on": True, "per": 2}  # per=2: 2.5 vs 2.3 TB/s for a 64M add on an H100


def vec4_ok(n: int, out, arrays, dtypes) -> bool:
    """True when the contiguous job of ``n`` elements can run four lanes per thread."""
    if n % 4 or out.offset % 4 or not ENABLED["on"]:
        return False
    if any(a.offset % 4 for a in arrays):
        return False
    return all(dt.storage in ("f32", "i32", "u32", "f16") for dt in dtypes)


def vec4_source(expr, out_dt, slots, per=1):
    """WGSL for ``Y = expr(x0, x1, ...)`` over vec4 lanes; metadata as the ``nd = 0`` variant
    of the general template: [n, y_off, a_off..., scalar words...] (offsets in elements)."""
    arrays = [dt for kind, dt in slots if kind == "a"]
    f16 = out_dt.storage == "f16" or any(dt.storage == "f16" for dt in arrays)
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> Y: array<vec4<{out_dt.storage}>>;"]
    for k, dt in enumerate(arrays):
        lines.append(f"@group(0) @binding({k + 2}) var<storage, read> "
                     f"A{k}: array<vec4<{dt.storage}>>;")
    na = len(arrays)
    body = [f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
            f"  let i0 = (wg.y * nwg.x + wg.x) * {WG}u + li;",
            f"  let T = nwg.x * nwg.y * {WG}u;",
            f"  for (var u = 0u; u < {per}u; u = u + 1u) {{",
            "  let i = i0 + u * T;",
            "  if (i >= P[0] / 4u) { return; }"]
    for k in range(na):
        body.append(f"  let v{k} = A{k}[P[{k + 2}] / 4u + i];")
    scal = []
    a = s = 0
    for j, (kind, dt) in enumerate(slots):
        if kind == "a":
            scal.append((j, dt, a))
            a += 1
        else:
            word = f"P[{2 + na + s}]"
            val = word if dt.compute == "u32" else f"bitcast<{dt.compute}>({word})"
            body.append(f"  let x{j} = {val};")
            s += 1
    body.append(f"  var r: vec4<{out_dt.storage}>;")
    for c in range(4):
        body.append("  {")
        for j, dt, k in scal:
            body.append(f"    let x{j} = {dt.load(f'v{k}[{c}]')};")
        body.append(f"    r[{c}] = {out_dt.store(expr)};")
        body.append("  }")
    body += ["  Y[P[1] / 4u + i] = r;", "  }", "}"]
    return header("\n".join(lines + body), f16)
