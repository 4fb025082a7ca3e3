"""The counter-based random rows ``philox_uniform``, ``philox_bernoulli`` and ``philox_normal``
in one launch each:
Philox4x32-10 (Random123) with one thread per counter block, writing 4 elements.

The stream is core's (``trueno._decompositions_random``): block ``b`` is the counter
``(lo32(offset + b), hi32(offset + b), 0, 0)`` under the key ``(lo32(seed), hi32(seed))``,
word ``j`` makes element ``j``. Everything is u32 arithmetic (the 32 x 32 -> 64-bit products
from 16-bit halves) and exact conversions (``(w >> (32 - m)) * 2**-m``), so the bits depend on
the seed, offset and shape only, never on the adapter or driver. ``uniform_(low, high)``'s
``u * (high - low) + low`` passes the product through an integer OR with a metadata word that
is always 0, so no driver contracts it into an fma (as ``_lazy``'s chains do).

float32, float16 (shader-f16) and bfloat16 (float64 runs the row's decomposition).
"""

from __future__ import annotations

import numpy as np

from ._codegen import LINEAR_ID, WG, header, new_array, scalar_bits
from ._dtypes import dtype_info
from ._elementwise import rt_of
from ._runtime import meta_struct

__all__ = ["philox_uniform", "philox_bernoulli", "philox_normal", "make_kernels"]

# Philox4x32's round multipliers and Weyl key increments (Random123's philox.h); core's
# ``_decompositions_random`` holds the same constants (a plugin imports no private module).
_M0, _M1 = 0xD2511F53, 0xCD9E8D57
_W0, _W1 = 0x9E3779B9, 0xBB67AE85
_MANTISSA = {"float32": 24, "float16": 11, "bfloat16": 8}

# atanh(s) / s - 1 = s^2/3 + s^4/5 + ... : Horner in q = s^2 (7 terms)
_ATANH = "0.33333334 + q * (0.2 + q * (0.14285715 + q * (0.11111111 + q * (0.09090909 + " \
    "q * (0.07692308 + q * 0.06666667)))))"
_PHILOX = f"""fn tn_mulhilo(a: u32, b: u32) -> vec2<u32> {{
  let al = a & 0xFFFFu; let ah = a >> 16u;
  let bl = b & 0xFFFFu; let bh = b >> 16u;
  let ll = al * bl; let lh = al * bh; let hl = ah * bl;
  let mid = (ll >> 16u) + (lh & 0xFFFFu) + (hl & 0xFFFFu);
  return vec2<u32>(ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u), a * b);
}}
fn tn_philox(lo: u32, hi: u32, key0: u32, key1: u32) -> vec4<u32> {{
  var c = vec4<u32>(lo, hi, 0u, 0u);
  var k0 = key0;
  var k1 = key1;
  for (var r = 0u; r < 10u; r = r + 1u) {{
    let p0 = tn_mulhilo({_M0}u, c.x);
    let p1 = tn_mulhilo({_M1}u, c.z);
    c = vec4<u32>(p1.x ^ c.y ^ k0, p1.y, p0.x ^ c.w ^ k1, p0.y);
    k0 = k0 + {_W0}u;
    k1 = k1 + {_W1}u;
  }}
  return c;
}}
// log(u) for u in (0, 1]: WGSL's log is only required to an absolute 2**-21 near 1 (where
// log(u) is tiny and Box-Muller's radius sqrt(-2 log u) would lose every digit); on
// [0.5, 1] 2 atanh(s), s = (u - 1) / (u + 1) in [-1/3, 0], by its series (relative 2e-9)
fn tn_philox_log(u: f32) -> f32 {{
  if (u < 0.5) {{ return log(u); }}
  let s = (u - 1.0) / (u + 1.0);
  let q = s * s;
  let p = 1.0 + q * ({_ATANH});
  return 2.0 * s * p;
}}"""


def _source(dt, kind: str, affine: bool) -> str:
    """Metadata: [n, blocks, offset lo, offset hi, key lo, key hi, 0, ...]: for an affine
    uniform the f32 bits of ``low``, ``high - low`` and of ``high`` and ``low`` rounded to the
    dtype; for bernoulli ``value``'s bits and the threshold (lo, hi words)."""
    m = _MANTISSA[dt.name]
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> O: array<{dt.storage}>;",
             _PHILOX, f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
             f"  let t = (wg.y * nwg.x + wg.x) * {WG}u + li;",
             "  if (t >= P[1]) { return; }",
             "  let lo = P[2] + t;",
             "  let w = tn_philox(lo, P[3] + select(0u, 1u, lo < t), P[4], P[5]);",
             "  let z = P[6];  // always 0: keeps the product's own rounding (see _lazy)"]
    if kind == "normal":  # Box-Muller on word pairs (0, 1) and (2, 3): 24-bit uniforms
        lines += ["  let a = (w >> vec4<u32>(8u)) + vec4<u32>(1u, 0u, 1u, 0u);",
                  f"  let u = vec4<f32>(a) * {2.0 ** -24!r};",
                  "  let r = sqrt(vec2<f32>(tn_philox_log(u.x), tn_philox_log(u.z)) * -2.0);",
                  f"  let th = vec2<f32>(u.y, u.w) * {float(np.float32(2 * np.pi))!r};",
                  "  let sc0 = tn_sincos32(th.x);",
                  "  let sc1 = tn_sincos32(th.y);",
                  "  let nz = vec4<f32>(r.x * sc0.y, r.x * sc0.x, r.y * sc1.y, r.y * sc1.x);",
                  "  let mean = bitcast<f32>(P[7]);",
                  "  let sdev = bitcast<f32>(P[8]);"]
    elif kind == "uniform":
        lines.append(f"  let u = vec4<f32>(w >> vec4<u32>({32 - m}u)) * {2.0 ** -m!r};")
        if affine:
            lines += ["  let low = bitcast<f32>(P[7]);",
                      "  let span = bitcast<f32>(P[8]);",
                      "  let high_d = bitcast<f32>(P[9]);",
                      "  let low_d = bitcast<f32>(P[10]);"]
    else:
        lines += ["  let value = bitcast<f32>(P[7]);",
                  "  let keep_all = P[9] != 0u;"]
    lines.append("  for (var k = 0u; k < 4u; k = k + 1u) {")
    lines.append("    let j = t * 4u + k;")
    lines.append("    if (j >= P[0]) { return; }")
    if kind == "normal":
        lines.append("    let v = bitcast<f32>(bitcast<u32>(nz[k] * sdev) | z) + mean;")
        lines.append(f"    O[j] = {dt.store('v')};")
    elif kind == "uniform" and affine:
        lines.append("    let v = bitcast<f32>(bitcast<u32>(u[k] * span) | z) + low;")
        lines.append(f"    let s = {dt.store('v')};")
        lines.append(f"    O[j] = select(s, {dt.store('low_d')}, s == {dt.store('high_d')});")
    elif kind == "uniform":
        lines.append(f"    O[j] = {dt.store('u[k]')};")
    else:
        lines.append(f"    O[j] = {dt.store('select(0.0, value, keep_all || w[k] < P[8])')};")
    lines += ["  }", "}"]
    return header("\n".join(lines), dt.storage == "f16")


def _launch(kind: str, x, seed: int, offset: int, words: list[int], affine: bool = False):
    rt = rt_of(x)
    dt = dtype_info(x.dtype)
    out = new_array(rt, tuple(x.shape), x.dtype)
    n = out.size
    nb = -(-n // 4)
    if nb == 0:
        return out
    seed &= (1 << 64) - 1
    offset &= (1 << 64) - 1
    meta = [n, nb, offset & 0xFFFFFFFF, offset >> 32, seed & 0xFFFFFFFF, seed >> 32, 0, *words]
    kernel = rt.kernel((f"philox_{kind}", dt.name, affine), lambda: _source(dt, kind, affine),
                       (True,))
    rt.record(kernel, meta_struct(len(meta)).pack(*meta), [out.storage.buffer],
              rt.grid(-(-nb // WG)), n * dt.itemsize)
    if dt.name == "float32":
        # a new contiguous float32 array, like a fusable op's eager result: the chain head
        # (``_lazy``), so dropout's ``mask * scale`` and ``x * that`` fuse into one launch
        rt._head = out.storage.buffer
    return out


def philox_uniform(x, *, seed, offset, low=0.0, high=1.0):
    """Uniform ``[low, high)`` values of ``x``'s shape and dtype (``x`` is not read)."""
    if (low, high) == (0.0, 1.0):
        return _launch("uniform", x, seed, offset, [0, 0, 0])
    lo, hi = np.float32(low), np.float32(high)
    in_dt = [np.asarray(v).astype(x.dtype).astype(np.float32) for v in (high, low)]
    words = [scalar_bits(v, _F32)[0] for v in (lo, hi - lo, *in_dt)]
    return _launch("uniform", x, seed, offset, words, affine=True)


def philox_normal(x, *, seed, offset, mean=0.0, std=1.0):
    """Box-Muller normals of ``x``'s shape and dtype (core's ``_decompositions_random``): in
    f32, ``tn_philox_log`` (WGSL's ``log`` below 0.5, a series near 1), ``sqrt`` and trueno's
    accurate ``sin``/``cos``, so the last bits may differ from other devices'; ``x`` is not
    read."""
    words = [scalar_bits(np.float32(mean), _F32)[0], scalar_bits(np.float32(std), _F32)[0]]
    return _launch("normal", x, seed, offset, words)


def philox_bernoulli(x, *, seed, offset, p=0.5, value=1.0):
    """``value`` where the element's word is below ``round(p * 2**32)`` (core's
    ``_decompositions_random.threshold``), else 0; ``x`` is not read."""
    t = min(max(round(float(p) * 4294967296.0), 0), 1 << 32)
    v = np.asarray(value).astype(x.dtype).astype(np.float32)  # exact in the dtype
    return _launch("bernoulli", x, seed, offset,
                   [scalar_bits(v, _F32)[0], t & 0xFFFFFFFF, t >> 32])


_F32 = dtype_info("float32")


def make_kernels(all_dtypes) -> dict:
    """float32, float16 and bfloat16 (narrowed to the adapter's features at registration)."""
    floats = [d for d in all_dtypes if d in _MANTISSA]
    return {name: dict.fromkeys(floats, fn) for name, fn in
            (("philox_uniform", philox_uniform), ("philox_bernoulli", philox_bernoulli),
             ("philox_normal", philox_normal))}
