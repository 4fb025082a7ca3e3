"""float32 sin/cos/tan, sin and cos together, and sinc for WGSL, within about an ulp of the
correctly rounded result over the whole float32 range (WGSL's builtins need not be: the
H100's Vulkan driver is off by ~1e-5 relative for small arguments).

|x| >= pi/4 is reduced by Payne-Hanek in integer arithmetic: the 24-bit significand times a
128-bit window of 2/pi (u32 words, exact), rounded to n pi/2 + f with 62 fraction bits (the
hardest float32, 16367173 * 2**72, leaves |f| ~ 2**-30), then f * pi/2 as a float-float
from exact products of 12-bit pieces. The kernels are minimax polynomials on [-pi/4, pi/4]
evaluated in f32 with the low part of the argument as a correction.
"""

from __future__ import annotations

__all__ = ["TRIG32"]

# The first 224 bits of 2/pi (fdlibm's ipio2 table regrouped into u32 words).
_TWO_OPI = ("0xa2f9836eu, 0x4e441529u, 0xfc2757d1u, 0xf534ddc0u, 0xdb629599u, 0x3c439041u, "
            "0xfe5163abu")
# Minimax coefficients on |y| <= pi/4 (relative errors 5e-12, 1e-13, 1.3e-9 before rounding):
# sin y = y + y^3 S(y^2), cos y = 1 - y^2/2 + y^4 C(y^2), tan y = y + y^3 T(y^2).
_S = ("-0.1666666716337204", "0.008333329111337662", "-0.0001983933470910415",
      "2.7183114070794545e-06")
_C = ("0.0416666679084301", "-0.0013888883404433727", "2.4799459424684756e-05",
      "-2.720575196235586e-07")
_T = ("0.33333349227905273", "0.13332663476467133", "0.05405992269515991",
      "0.021282155066728592", "0.010835886001586914", "8.94533222890459e-05",
      "0.004376310855150223")


def _horner(v: str, cs) -> str:
    """``cs[0] + v * (cs[1] + v * (...))`` as WGSL."""
    out = cs[-1]
    for c in reversed(cs[:-1]):
        out = f"{c} + {v} * ({out})"
    return out


_H: dict[str, str] = {}
# x, hidden from the compiler's algebra (see tn_opq64: OR with a zero read from P's bound
# size): lavapipe reassociates y + (a + b) into (y + a) + b, so every sum whose rounding
# matters passes through here.
_H["tn_opq32"] = """fn tn_opq32(x: f32) -> f32 {
  return bitcast<f32>(bitcast<u32>(x) | (arrayLength(&P) >> 8u));
}"""
# the top 12 significant bits of x (x - tn_hi12(x) holds the other 12: products are exact)
_H["tn_hi12"] = "fn tn_hi12(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) & 0xfffff000u); }"
_H["tn_p2_32"] = "fn tn_p2_32(k: i32) -> f32 { return bitcast<f32>(u32(k + 127) << 23u); }"
# (a * b) as a float-float from exact partial products (Dekker, no fma assumed); b = b1 + b2
# with b1 = tn_hi12(b) given as constants by the callers
_H["tn_mul22_32"] = """fn tn_mul22_32(a: f32, b1: f32, b2: f32, bl: f32) -> vec2<f32> {
  let a1 = tn_hi12(a);
  let a2 = a - a1;
  let p = tn_opq32(a * (b1 + b2));
  let t = tn_opq32(tn_opq32(a1 * b1 - p) + a1 * b2 + a2 * b1 + a2 * b2 + a * bl);
  let h = tn_opq32(p + t);
  return vec2<f32>(h, t - tn_opq32(h - p));
}"""
_H["tn_umul64"] = """fn tn_umul64(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let t = a0 * b0;
  let u = a1 * b0 + (t >> 16u);
  let v = a0 * b1 + (u & 0xffffu);
  return vec2<u32>((v << 16u) | (t & 0xffffu), a1 * b1 + (u >> 16u) + (v >> 16u));
}"""
# a (finite, >= pi/4) = n pi/2 + (y + yl): returns (y, yl, n mod 4)
_H["tn_rempio2_32"] = f"""const TN_2OPI = array<u32, 7>({_TWO_OPI});
fn tn_rempio2_32(a: f32) -> vec3<f32> {{
  let ia = bitcast<u32>(a);
  let e = i32(ia >> 23u) - 127;
  let m = (ia & 0x7fffffu) | 0x800000u;
  let k = select(0, (e - 25) / 32, e >= 25);
  var t = TN_2OPI;
  var p: array<u32, 5>;
  var c = 0u;
  for (var j = 0; j < 4; j = j + 1) {{
    let q = tn_umul64(m, t[k + 3 - j]);
    let s = q.x + c;
    p[j] = s;
    c = q.y + select(0u, 1u, s < c);
  }}
  p[4] = c;
  // a * 2/pi = P * 2**-F; the 64 bits above bit F - 62 hold n mod 4 and the fraction
  let b = 32 * (k + 4) + 23 - e - 62;
  let wi = b >> 5u;
  let sh = u32(b & 31);
  var lo = p[wi];
  var hi = p[wi + 1];
  if (sh != 0u) {{
    lo = (lo >> sh) | (hi << (32u - sh));
    hi = (hi >> sh) | (p[wi + 2] << (32u - sh));
  }}
  let h = hi + 0x20000000u;
  let n = h >> 30u;
  let u = h & 0x3fffffffu;
  let neg = u < 0x20000000u;
  var mh = select(u - 0x20000000u, 0x20000000u - u - select(0u, 1u, lo != 0u), neg);
  var ml = select(lo, 0u - lo, neg);
  var z = 0;
  if (mh == 0u) {{ mh = ml; ml = 0u; z = 32; }}
  if (mh == 0u) {{ return vec3<f32>(0.0, 0.0, f32(n)); }}
  let lz = countLeadingZeros(mh);
  if (lz != 0u) {{ mh = (mh << lz) | (ml >> (32u - lz)); ml = ml << lz; }}
  z = z + i32(lz);
  let fh = f32(mh >> 8u) * tn_p2_32(-22 - z);
  let fl = f32(((mh & 0xffu) << 16u) | (ml >> 16u)) * tn_p2_32(-46 - z);
  let r = tn_mul22_32(fh, 1.5703125, 0.0004838705062866211, -4.371138828673793e-08);
  let yl = tn_opq32(r.y + fl * 1.5707963705062866);
  let y = tn_opq32(r.x + yl);
  let v = vec2<f32>(y, yl - tn_opq32(y - r.x));
  return vec3<f32>(select(v, -v, neg), f32(n));
}}"""
# x = n pi/2 + (y + yl), |y| <= pi/4 (x itself when |x| < pi/4): (y, yl, n mod 4)
_H["tn_trigred32"] = """fn tn_trigred32(x: f32) -> vec3<f32> {
  let a = abs(x);
  if (a < 0.785398) { return vec3<f32>(x, 0.0, 0.0); }
  let r = tn_rempio2_32(a);
  if (x < 0.0) { return vec3<f32>(-r.x, -r.y, f32((4u - u32(r.z)) & 3u)); }
  return r;
}"""
_H["tn_ksin32"] = f"""fn tn_ksin32(y: f32, yl: f32) -> f32 {{
  let z = y * y;
  return y + tn_opq32(y * z * ({_horner("z", _S)}) + yl * (1.0 - 0.5 * z));
}}"""
# 1 - y^2/2 with y^2 and the subtraction's rounding error kept (Dekker / Kahan)
_H["tn_kcos32"] = f"""fn tn_kcos32(y: f32, yl: f32) -> f32 {{
  let y1 = tn_hi12(y);
  let y2 = y - y1;
  let z = tn_opq32(y * y);
  let zl = tn_opq32(y1 * y1 - z) + 2.0 * y1 * y2 + y2 * y2;
  let hz = 0.5 * z;
  let w = tn_opq32(1.0 - hz);
  let q = z * z * ({_horner("z", _C)});
  return w + tn_opq32(tn_opq32(1.0 - w) - hz - 0.5 * zl + q - y * yl);
}}"""
# tan(y + yl), or -1/tan(y + yl) when odd, with a Newton step on the quotient (Vulkan's
# division need not be correctly rounded) whose residual is exact
_H["tn_ktan32"] = f"""fn tn_ktan32(y: f32, yl: f32, odd: bool) -> f32 {{
  let z = y * y;
  let c = tn_opq32(y * z * ({_horner("z", _T)}) + yl * (1.0 + z));
  let t = tn_opq32(y + c);
  if (!odd) {{ return t; }}
  let tl = c - tn_opq32(t - y);
  let q = -1.0 / t;
  let q1 = tn_hi12(q);
  let q2 = q - q1;
  let t1 = tn_hi12(t);
  let t2 = t - t1;
  let p = tn_opq32(q * t);
  let d = tn_opq32(1.0 + p) + tn_opq32(q1 * t1 - p) + q1 * t2 + q2 * t1 + q2 * t2;
  return q + tn_opq32(q * (d + q * tl));
}}"""
_H["tn_sin32"] = """fn tn_sin32(x: f32) -> f32 {
  if (!tn_isfinite(x)) { return tn_nan(); }
  if (abs(x) < 0.000244140625) { return x; }
  let r = tn_trigred32(x);
  let n = u32(r.z);
  let v = select(tn_ksin32(r.x, r.y), tn_kcos32(r.x, r.y), (n & 1u) == 1u);
  return select(v, -v, n >= 2u);
}"""
_H["tn_cos32"] = """fn tn_cos32(x: f32) -> f32 {
  if (!tn_isfinite(x)) { return tn_nan(); }
  if (abs(x) < 0.000244140625) { return 1.0; }
  let r = tn_trigred32(x);
  let n = u32(r.z);
  let v = select(tn_kcos32(r.x, r.y), tn_ksin32(r.x, r.y), (n & 1u) == 1u);
  return select(v, -v, n == 1u || n == 2u);
}"""
_H["tn_tan32"] = """fn tn_tan32(x: f32) -> f32 {
  if (!tn_isfinite(x)) { return tn_nan(); }
  if (abs(x) < 0.000244140625) { return x; }
  let r = tn_trigred32(x);
  return tn_ktan32(r.x, r.y, (u32(r.z) & 1u) == 1u);
}"""
# (sin x, cos x) from one reduction
_H["tn_sincos32"] = """fn tn_sincos32(x: f32) -> vec2<f32> {
  if (!tn_isfinite(x)) { return vec2<f32>(tn_nan(), tn_nan()); }
  if (abs(x) < 0.000244140625) { return vec2<f32>(x, 1.0); }
  let r = tn_trigred32(x);
  let n = u32(r.z);
  let s = tn_ksin32(r.x, r.y);
  let c = tn_kcos32(r.x, r.y);
  let v = select(vec2<f32>(s, c), vec2<f32>(c, -s), (n & 1u) == 1u);
  return select(v, -v, n >= 2u);
}"""
# sin(pi x) / (pi x) for the exact x: x = n/2 + r exactly, pi r and pi x as float-floats;
# sin(y)/y = 1 + y^2 S(y^2) for |x| <= 1/4, a corrected quotient elsewhere
_H["tn_sinc32"] = f"""fn tn_sinc32(x: f32) -> f32 {{
  let a = abs(x);
  if (!tn_isfinite(x)) {{ return tn_nan(); }}
  if (a < 0.0001220703125) {{ return 1.0; }}
  if (a >= 8388608.0) {{ return 0.0; }}
  let n = tn_rint(2.0 * a);
  let y = tn_mul22_32(a - 0.5 * n, 3.140625, 0.0009677410125732422, -8.742277657347586e-08);
  if (n == 0.0) {{
    let z = y.x * y.x;
    return 1.0 + tn_opq32(z * ({_horner("z", _S)}) - 0.3333333 * y.x * y.y);
  }}
  let k = u32(n) & 3u;
  var s = select(tn_ksin32(y.x, y.y), tn_kcos32(y.x, y.y), (k & 1u) == 1u);
  s = select(s, -s, k >= 2u);
  let d = tn_mul22_32(a, 3.140625, 0.0009677410125732422, -8.742277657347586e-08);
  let q = s / d.x;
  let q1 = tn_hi12(q);
  let d1 = tn_hi12(d.x);
  let p = tn_opq32(q * d.x);
  let e = tn_opq32(q1 * d1 - p) + q1 * (d.x - d1) + (q - q1) * d1 + (q - q1) * (d.x - d1);
  return q + tn_opq32((tn_opq32(s - p) - e - q * d.y) / d.x);
}}"""

TRIG32 = _H
