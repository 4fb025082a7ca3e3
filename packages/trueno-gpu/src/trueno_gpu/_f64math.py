"""float64 math for WGSL from exact arithmetic: fdlibm / musl algorithms written with + - * /,
sqrt, comparisons and bit manipulation only. Rounding to integers, f64<->int steps and the
divisions whose rounding matters go through ``_fround``'s bit-level helpers (tn_rint64,
tn_toi32_64, tn_f64i32, tn_div64), never WGSL's round/trunc/floor or conversions, which
drivers lower differently (lavapipe on AVX2 vs AVX-512 CPUs).

naga accepts ``exp(f64)``, ``log(f64)``, ``sin(f64)``... but the SPIR-V it emits computes
garbage on lavapipe and NVIDIA, and ``fma(f64)`` is not fused on lavapipe, so these helpers
never call a transcendental builtin nor rely on ``fma``: exact products (double-double) use
Veltkamp/Dekker splitting, whose products are exact, so a compiler that contracts a*b+c
into an fma changes nothing. Every helper is a WGSL function named ``tn_*64`` / ``tn_*_64``
that ``_codegen.helpers`` pulls into a shader when its text calls it.

Accuracy (vs NumPy / glibc, measured in tests/test_f64math.py): <= 1 ulp for exp, log, sin,
cos and most others, <= 2 ulp for pow, the hyperbolics and compositions. The trigonometric
helpers live in ``_f64trig``; float literals are written bare and get WGSL's ``lf`` here.
"""

from __future__ import annotations

import re

from ._f64trig import TRIG

__all__ = ["HELPERS"]

_FLOAT = re.compile(r"(?<![\w.])(\d+\.\d*(?:e[+-]?\d+)?|\d+e[+-]?\d+)(?![\w.])")


def _lf(text: str) -> str:
    """Suffix every float literal with ``lf`` (f64); integer and hex literals stay."""
    return _FLOAT.sub(r"\1lf", text)


_H: dict[str, str] = {}

# -- bits, double-double -----------------------------------------------------------------------
_H["tn_hi64"] = "fn tn_hi64(x: f64) -> u32 { return u32(bitcast<u64>(x) >> 32u); }"
_H["tn_clrlo64"] = """fn tn_clrlo64(x: f64) -> f64 {
  return bitcast<f64>(bitcast<u64>(x) & 0xffffffff00000000lu);
}"""
# 2**k for k in [-1022, 1023], exactly
_H["tn_p2_64"] = "fn tn_p2_64(k: i32) -> f64 { return bitcast<f64>(u64(k + 1023) << 52u); }"
# y * 2**k with a single rounding (y of magnitude about 1, k in [-1080, 1024])
_H["tn_scalbn64"] = """fn tn_scalbn64(y: f64, k: i32) -> f64 {
  if (k > 1023) { return tn_opq64(y * 2.0) * tn_p2_64(k - 1); }
  if (k < -1021) { return tn_opq64(y * tn_p2_64(k + 1000)) * tn_p2_64(-1000); }
  return y * tn_p2_64(k);
}"""
# x, hidden from the compiler's algebra: Mesa's NIR (and other drivers) may rewrite
# (a + b) - a into b for float ops not marked exact, which naga never marks; NVIDIA's
# compiler contracts a * b + c into an fma (naga never marks NoContraction) and regroups sums
# (lo - (hi - e) as (lo - hi) + e: measured on the H100, it spoiled log_dd64's low part, pow
# was 107 ulp off and tan 2 ulp). Each erases the rounding errors double-double arithmetic
# recovers, so every rounded product or sum whose rounding error a later step recovers, and
# every group whose order matters, passes through here. The OR adds a zero no compiler can
# prove: P (binding 0 of every shader) is bound with 128 words, a size fixed at bind time,
# not in the shader. Tests emulate both rewrites on lavapipe (TRUENO_GPU_EMULATE_FMA,
# TRUENO_GPU_EMULATE_REASSOC in _codegen).
_H["tn_opq64"] = """fn tn_opq64(x: f64) -> f64 {
  return bitcast<f64>(bitcast<u64>(x) | u64(arrayLength(&P) >> 8u));
}"""
# (s, e) with s + e = a + b exactly (Knuth), every step opaque: inputs that are products
# cannot be fused into the sum, and no step can be cancelled algebraically
_H["tn_two_sum64"] = """fn tn_two_sum64(a0: f64, b0: f64) -> vec2<f64> {
  let a = tn_opq64(a0);
  let b = tn_opq64(b0);
  let s = tn_opq64(a + b);
  let bb = tn_opq64(s - a);
  return vec2<f64>(s, tn_opq64(a - tn_opq64(s - bb)) + tn_opq64(b - bb));
}"""
_H["tn_split64"] = """fn tn_split64(a: f64) -> vec2<f64> {
  let c = tn_opq64(a * 134217728.0 + a);
  let h = c - tn_opq64(c - a);
  return vec2<f64>(h, a - h);
}"""
# (p, e) with p + e = a * b exactly (Dekker): p is rounded once and kept opaque (an fma may
# not recompute it exactly where it is used), and the error term is a sum of exact partial
# products, which is the same whether or not the compiler fuses them into fmas
_H["tn_two_prod64"] = """fn tn_two_prod64(a0: f64, b0: f64) -> vec2<f64> {
  let a = tn_opq64(a0);
  let b = tn_opq64(b0);
  let p = tn_opq64(a * b);
  let u = tn_split64(a);
  let v = tn_split64(b);
  return vec2<f64>(p, ((u.x * v.x - p) + u.x * v.y + u.y * v.x) + u.y * v.y);
}"""

# -- exp family --------------------------------------------------------------------------------
# fdlibm's exp kernel: e**(hi - lo) * 2**k with |hi - lo| <= ln2 / 2
_H["tn_exp_core64"] = """fn tn_exp_core64(hi: f64, lo: f64, k: i32) -> f64 {
  let r = hi - lo;
  let t = r * r;
  let c = r - t * (1.66666666666666019037e-01 + t * (-2.77777777770155933842e-03
    + t * (6.61375632143793436117e-05 + t * (-1.65339022054652515390e-06
    + t * 4.13813679705723846039e-08))));
  let y = 1.0 - tn_opq64(tn_opq64(lo - (r * c) / (2.0 - c)) - hi);
  return tn_scalbn64(y, k);
}"""
_H["tn_exp64"] = """fn tn_exp64(x: f64) -> f64 {
  if (tn_isnan64(x)) { return x; }
  if (x > 709.782712893383973096) { return tn_inf64(); }
  if (x < -745.13321910194110842) { return 0.0; }
  if (abs(x) < 3.725290298461914e-09) { return 1.0 + x; }
  let kf = tn_rint64(x * 1.44269504088896338700e+00);
  let hi = x - kf * 6.93147180369123816490e-01;
  let lo = kf * 1.90821492927058770002e-10;
  return tn_exp_core64(hi, lo, tn_toi32_64(kf));
}"""
# e**(h + l) for a double-double exponent (pow, exp2)
_H["tn_exp_dd64"] = """fn tn_exp_dd64(h: f64, l: f64) -> f64 {
  if (h > 710.0) { return tn_inf64(); }
  if (h < -746.0) { return 0.0; }
  let kf = tn_rint64(h * 1.44269504088896338700e+00);
  let hi = h - kf * 6.93147180369123816490e-01;
  let lo = tn_opq64(kf * 1.90821492927058770002e-10) - l;
  return tn_exp_core64(hi, lo, tn_toi32_64(kf));
}"""
_H["tn_exp2_64"] = """fn tn_exp2_64(x: f64) -> f64 {
  if (tn_isnan64(x)) { return x; }
  if (x > 1024.0) { return tn_inf64(); }
  if (x < -1080.0) { return 0.0; }
  let k = tn_rint64(x);
  let f = x - k;
  let p = tn_two_prod64(f, 0.6931471805599453);
  let l = p.y + f * 2.3190468138462996e-17;
  return tn_scalbn64(tn_exp_dd64(p.x, l), tn_toi32_64(k));
}"""
# fdlibm's expm1
_H["tn_expm1_64"] = """fn tn_expm1_64(x0: f64) -> f64 {
  var x = x0;
  if (tn_isnan64(x)) { return x; }
  if (x > 709.782712893383973096) { return tn_inf64(); }
  if (x < -38.816242111356935) { return -1.0; }
  let ax = abs(x);
  var k = 0;
  var c = 0.0;
  if (ax > 0.34657359027997264) {
    var hi: f64;
    var lo: f64;
    if (ax < 1.0397207708399179) {
      if (x > 0.0) { hi = x - 6.93147180369123816490e-01; lo = 1.90821492927058770002e-10; k = 1; }
      else { hi = x + 6.93147180369123816490e-01; lo = -1.90821492927058770002e-10; k = -1; }
    } else {
      let kf = tn_trunc64(tn_opq64(1.44269504088896338700e+00 * x) + select(0.5, -0.5, x < 0.0));
      k = tn_toi32_64(kf);
      hi = x - kf * 6.93147180369123816490e-01;
      lo = kf * 1.90821492927058770002e-10;
    }
    x = tn_opq64(hi - lo);
    c = tn_opq64(hi - x) - lo;
  } else if (ax < 5.551115123125783e-17) {
    return x;
  }
  let hfx = 0.5 * x;
  let hxs = x * hfx;
  let r1 = 1.0 + hxs * (-3.33333333333331316428e-02 + hxs * (1.58730158725481460165e-03
    + hxs * (-7.93650757867487942473e-05 + hxs * (4.00821782732936239552e-06
    + hxs * -2.01099218183624371326e-07))));
  let t = 3.0 - r1 * hfx;
  var e = hxs * ((r1 - t) / (6.0 - x * t));
  if (k == 0) { return x - (x * e - hxs); }
  e = x * (e - c) - c;
  e = e - hxs;
  if (k == -1) { return 0.5 * (x - e) - 0.5; }
  if (k == 1) {
    if (x < -0.25) { return -2.0 * (e - tn_opq64(x + 0.5)); }
    return 1.0 + 2.0 * (x - e);
  }
  if (k <= -2 || k > 56) {
    return tn_scalbn64(1.0 - tn_opq64(e - x), k) - 1.0;
  }
  if (k < 20) {
    let t1 = 1.0 - tn_p2_64(-k);
    return (t1 - tn_opq64(e - x)) * tn_p2_64(k);
  }
  return (tn_opq64(x - tn_opq64(e + tn_p2_64(-k))) + 1.0) * tn_p2_64(k);
}"""

# -- log family (musl) -------------------------------------------------------------------------
# x = 2**k * (1 + f) with 1 + f in [sqrt(2)/2, sqrt(2)); returns (f, k) for finite x > 0
_H["tn_logred64"] = """fn tn_logred64(x0: f64) -> vec2<f64> {
  var x = x0;
  var k = 0;
  if (x < 2.2250738585072014e-308) { x = x * 18014398509481984.0; k = -54; }
  let u = bitcast<u64>(x);
  var hx = u32(u >> 32u) + (0x3ff00000u - 0x3fe6a09eu);
  k += i32(hx >> 20u) - 1023;
  hx = (hx & 0x000fffffu) + 0x3fe6a09eu;
  let m = bitcast<f64>((u64(hx) << 32u) | (u & 0xfffffffflu));
  return vec2<f64>(m - 1.0, tn_f64i32(k));
}"""
# log(1 + f) - f + f*f/2 (musl's s*(hfsq + R))
_H["tn_logpoly64"] = """fn tn_logpoly64(f: f64) -> f64 {
  let hfsq = 0.5 * f * f;
  let s = f / (2.0 + f);
  let z = s * s;
  let w = z * z;
  let t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01
    + w * 1.531383769920937332e-01));
  let t2 = z * (6.666666666666735130e-01 + w * (2.857142874366239149e-01
    + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
  return s * (hfsq + t2 + t1);
}"""
_H["tn_logspecial64"] = """fn tn_logspecial64(x: f64) -> f64 {
  if (x == 0.0) { return -tn_inf64(); }
  if (x < 0.0 || tn_isnan64(x)) { return tn_nan64(); }
  return x;
}"""
_H["tn_log64"] = """fn tn_log64(x: f64) -> f64 {
  if (!(x > 0.0) || x > 1.7976931348623157e308) { return tn_logspecial64(x); }
  let r = tn_logred64(x);
  let f = r.x;
  let dk = r.y;
  let hfsq = 0.5 * f * f;
  return tn_logpoly64(f) + dk * 1.90821492927058770002e-10 - hfsq + f
    + dk * 6.93147180369123816490e-01;
}"""
_H["tn_log2_64"] = """fn tn_log2_64(x: f64) -> f64 {
  if (!(x > 0.0) || x > 1.7976931348623157e308) { return tn_logspecial64(x); }
  let r = tn_logred64(x);
  let f = r.x;
  let hfsq = 0.5 * f * f;
  let hi = tn_clrlo64(f - hfsq);
  let lo = f - hi - hfsq + tn_logpoly64(f);
  var vhi = tn_opq64(hi * 1.44269504072144627571e+00);
  var vlo = (lo + hi) * 1.67517131648865118353e-10 + lo * 1.44269504072144627571e+00;
  let w = tn_opq64(r.y + vhi);
  vlo += tn_opq64(r.y - w) + vhi;
  vhi = w;
  return vlo + vhi;
}"""
_H["tn_log10_64"] = """fn tn_log10_64(x: f64) -> f64 {
  if (!(x > 0.0) || x > 1.7976931348623157e308) { return tn_logspecial64(x); }
  let r = tn_logred64(x);
  let f = r.x;
  let dk = r.y;
  let hfsq = 0.5 * f * f;
  let hi = tn_clrlo64(f - hfsq);
  let lo = f - hi - hfsq + tn_logpoly64(f);
  var vhi = tn_opq64(hi * 4.34294481878168880939e-01);
  let y = tn_opq64(dk * 3.01029995663611771306e-01);
  var vlo = dk * 3.69423907715893078616e-13 + (lo + hi) * 2.50829467116452752298e-11
    + lo * 4.34294481878168880939e-01;
  let w = tn_opq64(y + vhi);
  vlo += tn_opq64(y - w) + vhi;
  vhi = w;
  return vlo + vhi;
}"""
_H["tn_log1p_64"] = """fn tn_log1p_64(x: f64) -> f64 {
  if (tn_isnan64(x) || x < -1.0) { return tn_nan64(); }
  if (x == -1.0) { return -tn_inf64(); }
  if (x > 1.7976931348623157e308) { return x; }
  let hx = tn_hi64(x);
  var k = 1;
  var c = 0.0;
  var f = 0.0;
  if (hx < 0x3fda827au || (hx >> 31u) != 0u) {
    if ((hx << 1u) < (0x3ca00000u << 1u)) { return x; }
    if (hx <= 0xbfd2bec4u) { k = 0; f = x; }
  }
  if (k != 0) {
    let u = tn_opq64(1.0 + x);
    let bits = bitcast<u64>(u);
    var hu = u32(bits >> 32u) + (0x3ff00000u - 0x3fe6a09eu);
    k = i32(hu >> 20u) - 1023;
    if (k < 54) {
      c = select(x - tn_opq64(u - 1.0), 1.0 - tn_opq64(u - x), k >= 2);
      c = c / u;
    }
    hu = (hu & 0x000fffffu) + 0x3fe6a09eu;
    f = bitcast<f64>((u64(hu) << 32u) | (bits & 0xfffffffflu)) - 1.0;
  }
  let hfsq = 0.5 * f * f;
  let dk = tn_f64i32(k);
  return tn_logpoly64(f) + (dk * 1.90821492927058770002e-10 + c) - hfsq + f
    + dk * 6.93147180369123816490e-01;
}"""
# log(x) as a double-double for finite x > 0 (pow): log(m) = 2 atanh(s), s = (m - 1)/(m + 1)
_H["tn_log_dd64"] = """fn tn_log_dd64(x0: f64) -> vec2<f64> {
  var x = x0;
  var k = 0;
  if (x < 2.2250738585072014e-308) { x = x * 18014398509481984.0; k = -54; }
  let u = bitcast<u64>(x);
  k += i32(u >> 52u) - 1023;
  var m = bitcast<f64>((u & 0x000ffffffffffffflu) | 0x3ff0000000000000lu);
  if (m > 1.4142135623730951) { m = m * 0.5; k += 1; }
  let f = m - 1.0;
  let a = tn_two_sum64(m, 1.0);
  let sh = f / a.x;
  let p = tn_two_prod64(sh, a.x);
  let sl = (tn_opq64(tn_opq64(f - p.x) - p.y) - sh * a.y) / a.x;
  let q = tn_two_prod64(sh, sh);
  let s2l = q.y + 2.0 * sh * sl;
  let r3 = tn_two_prod64(q.x, sh);
  let s3l = r3.y + q.x * sl + s2l * sh;
  let r4 = tn_two_prod64(r3.x, 0.6666666666666666);
  let t3l = r4.y + r3.x * 3.700743415417188e-17 + s3l * 0.6666666666666666;
  let z = q.x;
  // NOTE: the reciprocals are literals: a driver that divided at run time (WGSL's division
  // need not be correctly rounded) would spoil the tail that y * log(x) amplifies
  let tail = 2.0 * r3.x * z * (0.2 + z * (0.14285714285714285 + z * (0.1111111111111111
    + z * (0.09090909090909091 + z * (0.07692307692307693 + z * (0.06666666666666667
    + z * (0.058823529411764705 + z * (0.05263157894736842 + z * (0.047619047619047616
    + z * (0.043478260869565216 + z * 0.04))))))))));
  let dk = tn_f64i32(k);
  let e1 = tn_two_sum64(dk * 6.93147180369123816490e-01, 2.0 * sh);
  let e2 = tn_two_sum64(e1.x, r4.x);
  let lo = e1.y + e2.y + dk * 1.90821492927058770002e-10 + 2.0 * sl + t3l + tail;
  let hi = tn_opq64(e2.x + lo);
  return vec2<f64>(hi, lo - tn_opq64(hi - e2.x));
}"""
_H["tn_pow64"] = """fn tn_pow64(x: f64, y: f64) -> f64 {
  if (y == 0.0 || x == 1.0) { return 1.0; }
  if (tn_isnan64(x) || tn_isnan64(y)) { return tn_nan64(); }
  let ax = abs(x);
  let ay = abs(y);
  let yint = ay >= 9007199254740992.0 || ay == tn_floor64(ay);
  let yodd = ay < 9007199254740992.0 && ay == tn_floor64(ay) && tn_floor64(ay * 0.5) != ay * 0.5;
  if (ax == 1.0 && yint) { return select(1.0, -1.0, x < 0.0 && yodd); }
  if (ay > 1.8446744073709552e19) {  // |y log x| > 2000: overflow or underflow
    return select(0.0, tn_inf64(), (ax > 1.0) == (y > 0.0));
  }
  if (tn_isinf64(y)) {
    return select(0.0, tn_inf64(), (ax > 1.0) == (y > 0.0));
  }
  if (x == 0.0) {
    let r = select(0.0, tn_inf64(), y < 0.0);
    return select(r, tn_copysign64(r, x), yodd);
  }
  if (tn_isinf64(x)) {
    let r = select(0.0, tn_inf64(), y > 0.0);
    return select(r, -r, x < 0.0 && yodd);
  }
  if (x < 0.0 && !yint) { return tn_nan64(); }
  let l = tn_log_dd64(ax);
  let p = tn_two_prod64(y, l.x);
  let zl = p.y + y * l.y;
  let zh = tn_opq64(p.x + zl);
  let r = tn_exp_dd64(zh, zl - tn_opq64(zh - p.x));
  return select(r, -r, x < 0.0 && yodd);
}"""
_H["tn_cbrt64"] = """fn tn_cbrt64(x: f64) -> f64 {
  if (x == 0.0 || !tn_isfinite64(x)) { return x; }
  var hx = tn_hi64(x) & 0x7fffffffu;
  var sgn = bitcast<u64>(x) & 0x8000000000000000lu;
  if (hx < 0x00100000u) {
    hx = (tn_hi64(x * 18014398509481984.0) & 0x7fffffffu) / 3u + 696219795u;
  } else {
    hx = hx / 3u + 715094163u;
  }
  var t = bitcast<f64>(sgn | (u64(hx) << 32u));
  var r = (t * t) * tn_div64(t, x);
  t = t * ((1.87595182427177009643 + r * (-1.88497979543377169875 + r * 1.621429720105354466140))
    + ((r * r) * r) * (-0.758397934778766047437 + r * 0.145996192886612446982));
  t = bitcast<f64>((bitcast<u64>(t) + 0x80000000lu) & 0xffffffffc0000000lu);
  let s = t * t;
  r = tn_div64(x, s);
  let w = t + t;
  r = tn_div64(r - t, w + r);
  return t + tn_opq64(t * r);
}"""

# -- hyperbolic (musl) -------------------------------------------------------------------------
_H["tn_expo2_64"] = """fn tn_expo2_64(x: f64, sgn: f64) -> f64 {
  let scale = tn_p2_64(1021);
  // NOTE: opaque, or the compiler folds scale * scale (inf) first
  return tn_opq64(tn_exp64(x - 1416.0996898839683) * (sgn * scale)) * scale;
}"""
_H["tn_sinh64"] = """fn tn_sinh64(x: f64) -> f64 {
  if (tn_isnan64(x)) { return x; }
  let h = select(0.5, -0.5, x < 0.0);
  let a = abs(x);
  if (a < 709.782712893384) {
    let t = tn_expm1_64(a);
    if (a < 1.0) {
      if (a < 7.450580596923828e-09) { return x; }
      return h * (2.0 * t - t * t / (t + 1.0));
    }
    return h * (t + t / (t + 1.0));
  }
  if (a > 710.4758600739439) { return tn_copysign64(tn_inf64(), x); }
  return tn_expo2_64(a, 2.0 * h);
}"""
_H["tn_cosh64"] = """fn tn_cosh64(x: f64) -> f64 {
  let a = abs(x);
  if (tn_isnan64(x)) { return x; }
  if (a < 0.6931471805599453) {
    if (a < 1.4901161193847656e-08) { return 1.0; }
    let t = tn_expm1_64(a);
    return 1.0 + t * t / (2.0 * (1.0 + t));
  }
  if (a < 709.782712893384) {
    let t = tn_exp64(a);
    return 0.5 * (t + 1.0 / t);
  }
  if (a > 710.4758600739439) { return tn_inf64(); }
  return tn_expo2_64(a, 1.0);
}"""
_H["tn_tanh64"] = """fn tn_tanh64(x: f64) -> f64 {
  if (tn_isnan64(x)) { return x; }
  let a = abs(x);
  var t: f64;
  if (a > 0.5493061443340548) {
    if (a > 20.0) { t = 1.0; }
    else { t = tn_expm1_64(2.0 * a); t = 1.0 - 2.0 / (t + 2.0); }
  } else if (a > 0.25541281188299536) {
    t = tn_expm1_64(2.0 * a);
    t = t / (t + 2.0);
  } else if (a >= 2.2250738585072014e-308) {
    t = tn_expm1_64(-2.0 * a);
    t = -t / (t + 2.0);
  } else {
    t = a;
  }
  return select(t, -t, x < 0.0);
}"""
_H["tn_asinh64"] = """fn tn_asinh64(x: f64) -> f64 {
  if (!tn_isfinite64(x)) { return x; }
  let a = abs(x);
  var r: f64;
  if (a >= 67108864.0) { r = tn_log64(a) + 0.693147180559945309417232121458176568; }
  else if (a >= 2.0) { r = tn_log64(2.0 * a + 1.0 / (sqrt(a * a + 1.0) + a)); }
  else if (a >= 1.4901161193847656e-08) {
    r = tn_log1p_64(a + a * a / (sqrt(a * a + 1.0) + 1.0));
  } else { r = a; }
  return select(r, -r, x < 0.0);
}"""
_H["tn_acosh64"] = """fn tn_acosh64(x: f64) -> f64 {
  if (tn_isnan64(x) || x < 1.0) { return tn_nan64(); }
  if (x < 2.0) { let t = x - 1.0; return tn_log1p_64(t + sqrt(t * t + 2.0 * t)); }
  if (x < 67108864.0) { return tn_log64(2.0 * x - 1.0 / (x + sqrt(x * x - 1.0))); }
  return tn_log64(x) + 0.693147180559945309417232121458176568;
}"""
_H["tn_atanh64"] = """fn tn_atanh64(x: f64) -> f64 {
  let a = abs(x);
  if (tn_isnan64(x) || a > 1.0) { return tn_nan64(); }
  var y = a;
  if (a < 0.5) {
    if (a >= 2.3283064365386963e-10) { y = 0.5 * tn_log1p_64(2.0 * a + 2.0 * a * a / (1.0 - a)); }
  } else {
    y = 0.5 * tn_log1p_64(2.0 * (a / (1.0 - a)));
  }
  return select(y, -y, x < 0.0);
}"""

# -- erf (fdlibm), hypot, log-add-exp, activations ---------------------------------------------
_H["tn_erf64"] = """fn tn_erf64(x: f64) -> f64 {
  if (tn_isnan64(x)) { return x; }
  let a = abs(x);
  if (a < 0.84375) {
    if (a < 3.725290298461914e-09) { return x + 1.28379167095512586316e-01 * x; }
    let z = x * x;
    let r = 1.28379167095512558561e-01 + z * (-3.25042107247001499370e-01
      + z * (-2.84817495755985104766e-02 + z * (-5.77027029648944159157e-03
      + z * -2.37630166566501626084e-05)));
    let s = 1.0 + z * (3.97917223959155352819e-01 + z * (6.50222499887672944485e-02
      + z * (5.08130628187576562776e-03 + z * (1.32494738004321644526e-04
      + z * -3.96022827877536812320e-06))));
    return x + x * (r / s);
  }
  var y: f64;
  if (a < 1.25) {
    let s = a - 1.0;
    let p = -2.36211856075265944077e-03 + s * (4.14856118683748331666e-01
      + s * (-3.72207876035701323847e-01 + s * (3.18346619901161753674e-01
      + s * (-1.10894694282396677476e-01 + s * (3.54783043256182359371e-02
      + s * -2.16637559486879084300e-03)))));
    let q = 1.0 + s * (1.06420880400844228286e-01 + s * (5.40397917702171048937e-01
      + s * (7.18286544141962662868e-02 + s * (1.26171219808761642112e-01
      + s * (1.36370839120290507362e-02 + s * 1.19844998467991074170e-02)))));
    y = 8.45062911510467529297e-01 + p / q;
  } else if (a >= 6.0) {
    y = 1.0;
  } else {
    let s = 1.0 / (a * a);
    var r: f64;
    var q: f64;
    if (a < 2.857142857142857) {
      r = -9.86494403484714822705e-03 + s * (-6.93858572707181764372e-01
        + s * (-1.05586262253232909814e+01 + s * (-6.23753324503260060396e+01
        + s * (-1.62396669462573470355e+02 + s * (-1.84605092906711035994e+02
        + s * (-8.12874355063065934246e+01 + s * -9.81432934416914548592e+00))))));
      q = 1.0 + s * (1.96512716674392571292e+01 + s * (1.37657754143519042600e+02
        + s * (4.34565877475229228821e+02 + s * (6.45387271733267880336e+02
        + s * (4.29008140027567833386e+02 + s * (1.08635005541779435134e+02
        + s * (6.57024977031928170135e+00 + s * -6.04244152148580987438e-02)))))));
    } else {
      r = -9.86494292470009928597e-03 + s * (-7.99283237680523006574e-01
        + s * (-1.77579549177547519889e+01 + s * (-1.60636384855821916062e+02
        + s * (-6.37566443368389627722e+02 + s * (-1.02509513161107724954e+03
        + s * -4.83519191608651397019e+02)))));
      q = 1.0 + s * (3.03380607434824582924e+01 + s * (3.25792512996573918826e+02
        + s * (1.53672958608443695994e+03 + s * (3.19985821950859553908e+03
        + s * (2.55305040643316442583e+03 + s * (4.74528541206955367215e+02
        + s * -2.24409524465858183362e+01))))));
    }
    let z = tn_clrlo64(a);
    let e = tn_exp64(-z * z - 0.5625) * tn_exp64((z - a) * (z + a) + r / q);
    y = 1.0 - e / a;
  }
  return select(y, -y, x < 0.0);
}"""
# sqrt(x*x + y*y) with exact squares (double-double) and scaling away from overflow (musl)
_H["tn_hypot64"] = """fn tn_hypot64(a: f64, b: f64) -> f64 {
  var x = abs(a);
  var y = abs(b);
  if (tn_isinf64(x) || tn_isinf64(y)) { return tn_inf64(); }
  if (tn_isnan64(x) || tn_isnan64(y)) { return tn_nan64(); }
  if (x < y) { let t = x; x = y; y = t; }
  let ex = i32(bitcast<u64>(x) >> 52u);
  let ey = i32(bitcast<u64>(y) >> 52u);
  if (y == 0.0 || ex - ey > 64) { return x + y; }
  var z = 1.0;
  if (ex > 1023 + 510) { z = tn_p2_64(700); x = x * tn_p2_64(-700); y = y * tn_p2_64(-700); }
  else if (ey < 1023 - 450) { z = tn_p2_64(-700); x = x * tn_p2_64(700); y = y * tn_p2_64(700); }
  let sx = tn_two_prod64(x, x);
  let sy = tn_two_prod64(y, y);
  return z * sqrt(sy.y + sx.y + sy.x + sx.x);
}"""
# NumPy's npy_logaddexp / npy_logaddexp2
_H["tn_logaddexp64"] = """fn tn_logaddexp64(a: f64, b: f64) -> f64 {
  if (a == b) { return a + 0.693147180559945309417232121458176568; }
  let d = a - b;
  if (d > 0.0) { return a + tn_log1p_64(tn_exp64(-d)); }
  if (d <= 0.0) { return b + tn_log1p_64(tn_exp64(d)); }
  return d;
}"""
_H["tn_logaddexp2_64"] = """fn tn_logaddexp2_64(a: f64, b: f64) -> f64 {
  if (a == b) { return a + 1.0; }
  let d = a - b;
  if (d > 0.0) { return a + 1.442695040888963407359924681001892137 * tn_log1p_64(tn_exp2_64(-d)); }
  if (d <= 0.0) { return b + 1.442695040888963407359924681001892137 * tn_log1p_64(tn_exp2_64(d)); }
  return d;
}"""
_H["tn_sigmoid64"] = """fn tn_sigmoid64(x: f64) -> f64 {
  if (x >= 0.0) { return 1.0 / (1.0 + tn_exp64(-x)); }
  let e = tn_exp64(x);
  return e / (1.0 + e);
}"""
_H["tn_silu64"] = "fn tn_silu64(x: f64) -> f64 { return x * tn_sigmoid64(x); }"
_H["tn_gelu64"] = """fn tn_gelu64(x: f64) -> f64 {
  return 0.5 * x * (1.0 + tn_erf64(x * 0.7071067811865476));
}"""
_H["tn_gelu_tanh64"] = """fn tn_gelu_tanh64(x: f64) -> f64 {
  return 0.5 * x * (1.0 + tn_tanh64(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}"""
_H.update(TRIG)
HELPERS: dict[str, str] = {name: _lf(text) for name, text in _H.items()}
