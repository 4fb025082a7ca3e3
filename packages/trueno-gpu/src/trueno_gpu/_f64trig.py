"""float64 sin/cos/tan, their inverses and atan2 for WGSL (fdlibm kernels), raw text for
``_f64math`` (which adds the ``lf`` suffixes and registers them).

sin/cos/tan reduce the argument with a 7-part Cody-Waite pi/2 (pieces of 23 bits, so
n * piece is exact for n < 2**30: |x| < 2**30 * pi/2, about 1.7e9), the remainder kept as a
double-double; larger arguments go through a Payne-Hanek reduction: exact products of
24-bit pieces of x with 24-bit chunks of 2/pi, each taken modulo 4, summed as a
double-double. Both are accurate over the whole float64 range (within an ulp in the tests).
"""

from __future__ import annotations

__all__ = ["TRIG"]

# bits of 2/pi in 24-bit chunks (fdlibm's ipio2 table), for the Payne-Hanek reduction
_IPIO2 = (
    0xA2F983, 0x6E4E44, 0x1529FC, 0x2757D1, 0xF534DD, 0xC0DB62, 0x95993C, 0x439041, 0xFE5163,
    0xABDEBB, 0xC561B7, 0x246E3A, 0x424DD2, 0xE00649, 0x2EEA09, 0xD1921C, 0xFE1DEB, 0x1CB129,
    0xA73EE8, 0x8235F5, 0x2EBB44, 0x84E99C, 0x7026B4, 0x5F7E41, 0x3991D6, 0x398353, 0x39F49C,
    0x845F8B, 0xBDF928, 0x3B1FF8, 0x97FFDE, 0x05980F, 0xEF2F11, 0x8B5A0A, 0x6D1F6D, 0x367ECF,
    0x27CB09, 0xB74F46, 0x3F669E, 0x5FEA2D, 0x7527BA, 0xC7EBE5, 0xF17B3D, 0x0739F7, 0x8A5292,
    0xEA6BFB, 0x5FB11F, 0x8D5D08, 0x560330, 0x46FC7B, 0x6BABF0, 0xCFBC20, 0x9AF436, 0x1DA9E3,
    0x91615E, 0xE61B08, 0x659985, 0x5F14A0, 0x68408D, 0xFFD880, 0x4D7327, 0x310606, 0x1556CA,
    0x73A8C9, 0x60E27B, 0xC08C6B,
)

_H: dict[str, str] = {}

# -- trigonometric (fdlibm kernels, Cody-Waite and Payne-Hanek reduction) ----------------------
_H["tn_ksin64"] = """fn tn_ksin64(x: f64, y: f64, iy: bool) -> f64 {
  let z = x * x;
  let w = z * z;
  let r = 8.33333333332248946124e-03 + z * (-1.98412698298579493134e-04
    + z * 2.75573137070700676789e-06) + z * w * (-2.50507602534068634195e-08
    + z * 1.58969099521155010221e-10);
  let v = z * x;
  if (!iy) { return x + v * (-1.66666666666666324348e-01 + z * r); }
  return x - ((z * (0.5 * y - v * r) - y) - v * -1.66666666666666324348e-01);
}"""
_H["tn_kcos64"] = """fn tn_kcos64(x: f64, y: f64) -> f64 {
  let z = x * x;
  var w = z * z;
  let r = z * (4.16666666666666019037e-02 + z * (-1.38888888888741095749e-03
    + z * 2.48015872894767294178e-05)) + w * w * (-2.75573143513906633035e-07
    + z * (2.08757232129817482790e-09 + z * -1.13596475577881948265e-11));
  let hz = 0.5 * z;
  w = tn_opq64(1.0 - hz);
  return w + tn_opq64(tn_opq64(tn_opq64(1.0 - w) - hz) + (z * r - x * y));
}"""
_H["tn_ktan64"] = """fn tn_ktan64(x0: f64, y0: f64, odd: bool) -> f64 {
  var x = x0;
  var y = y0;
  let big = abs(x) >= 0.6744;
  let neg = x < 0.0;
  if (big) {
    if (neg) { x = -x; y = -y; }
    x = tn_opq64(7.85398163397448278999e-01 - x) + tn_opq64(3.06161699786838301793e-17 - y);
    y = 0.0;
  }
  let z = x * x;
  var w = z * z;
  var r = 1.33333333333201242699e-01 + w * (2.18694882948595424599e-02
    + w * (3.59207910759131235356e-03 + w * (5.88041240820264096874e-04
    + w * (7.81794442939557092300e-05 + w * -1.85586374855275456654e-05))));
  var v = z * (5.39682539762260521377e-02 + w * (8.86323982359930005737e-03
    + w * (1.45620945432529025516e-03 + w * (2.46463134818469906812e-04
    + w * (7.14072491382608190305e-05 + w * 2.59073051863633712884e-05)))));
  var s = z * x;
  r = y + z * (s * (r + v) + y) + s * 3.33333333333334091986e-01;
  w = x + r;
  if (big) {
    s = select(1.0, -1.0, odd);
    v = s - 2.0 * (x + tn_opq64(r - tn_div64(tn_opq64(w * w), w + s)));
    return select(v, -v, neg);
  }
  if (!odd) { return w; }
  let w0 = tn_clrlo64(w);
  v = r - tn_opq64(w0 - x);
  let a = tn_div64(-1.0, w);
  let a0 = tn_clrlo64(a);
  return a0 + tn_opq64(a * tn_opq64(1.0 + a0 * w0 + tn_opq64(a0 * v)));
}"""
_H["tn_ipio2_64"] = ("const TN_IPIO2 = array<f64, 66>(" + ", ".join(f"{v}.0" for v in _IPIO2)
                     + ");\nfn tn_ipio2_64(i: i32) -> f64 {\n  var t = TN_IPIO2;\n"
                     "  return t[i];\n}")
# Payne-Hanek: a (>= 2**30) times 2/pi modulo 4 from exact products of 24-bit pieces of a
# with 24-bit chunks of 2/pi; returns (y, y_lo, n mod 4) with a = n pi/2 + y
_H["tn_rempio2_big64"] = """fn tn_rempio2_big64(a: f64) -> vec3<f64> {
  let e = i32(bitcast<u64>(a) >> 52u) - 1023;
  let i0 = max(0, (e - 54) / 24 - 1);
  let sa = a * tn_p2_64(-24 * i0);
  let x0 = bitcast<f64>(bitcast<u64>(sa) & 0xffffffffe0000000lu);
  let r0 = sa - x0;
  let x1 = bitcast<f64>(bitcast<u64>(r0) & 0xffffffffe0000000lu);
  let x2 = r0 - x1;
  var sh = 0.0;
  var sl = 0.0;
  for (var k = 0; k < 10; k = k + 1) {
    let c = tn_ipio2_64(i0 + k) * tn_p2_64(-24 * (k + 1));
    for (var j = 0; j < 3; j = j + 1) {
      let p = select(select(x2, x1, j == 1), x0, j == 0) * c;
      let pm = p - 4.0 * tn_floor64(p * 0.25);
      let t = tn_two_sum64(sh, pm);
      sh = t.x;
      sl += t.y;
    }
  }
  let q = tn_rint64(sh);
  let f = tn_two_sum64(sh - q, sl);
  let p = tn_two_prod64(f.x, 1.5707963267948966);
  let yl = p.y + f.x * 6.123233995736766e-17 + f.y * 1.5707963267948966;
  let y = tn_opq64(p.x + yl);
  return vec3<f64>(y, yl - tn_opq64(y - p.x), tn_f64i32(tn_toi32_64(q) & 3));
}"""
# x = n pi/2 + (y0 + y1): Cody-Waite with pi/2 in 23-bit pieces (n * piece exact for
# n < 2**30), each difference kept as a double-double; Payne-Hanek above
_H["tn_rempio2_64"] = """fn tn_rempio2_64(x: f64) -> vec3<f64> {
  let a = abs(x);
  if (a >= 1686629713.0651135) {
    let r = tn_rempio2_big64(a);
    if (x < 0.0) { return vec3<f64>(-r.x, -r.y, tn_f64i32((4 - tn_toi32_64(r.z)) & 3)); }
    return r;
  }
  let n = tn_rint64(x * 0.6366197723675814);
  var hi = x - n * 1.570796251296997;
  var lo = 0.0;
  var t = tn_two_sum64(hi, -n * 7.549789415861596e-08);
  hi = t.x; lo += t.y;
  t = tn_two_sum64(hi, -n * 5.390302529957765e-15);
  hi = t.x; lo += t.y;
  t = tn_two_sum64(hi, -n * 3.2820031633724233e-22);
  hi = t.x; lo += t.y;
  t = tn_two_sum64(hi, -n * 3.795010649787914e-29);
  hi = t.x; lo += t.y;
  t = tn_two_sum64(hi, -n * 1.2293330898111133e-36);
  hi = t.x; lo += t.y;
  lo -= n * 2.73370075490633e-44;
  let y0 = tn_opq64(hi + lo);
  return vec3<f64>(y0, lo - tn_opq64(y0 - hi), tn_f64i32(tn_toi32_64(n) & 3));
}"""
_H["tn_sin64"] = """fn tn_sin64(x: f64) -> f64 {
  if (!tn_isfinite64(x)) { return tn_nan64(); }
  if (abs(x) < 0.7853981633974483) {
    if (abs(x) < 7.450580596923828e-09) { return x; }
    return tn_ksin64(x, 0.0, false);
  }
  let r = tn_rempio2_64(x);
  let n = tn_toi32_64(r.z);
  if (n == 0) { return tn_ksin64(r.x, r.y, true); }
  if (n == 1) { return tn_kcos64(r.x, r.y); }
  if (n == 2) { return -tn_ksin64(r.x, r.y, true); }
  return -tn_kcos64(r.x, r.y);
}"""
_H["tn_cos64"] = """fn tn_cos64(x: f64) -> f64 {
  if (!tn_isfinite64(x)) { return tn_nan64(); }
  if (abs(x) < 0.7853981633974483) {
    if (abs(x) < 1.4901161193847656e-08) { return 1.0; }
    return tn_kcos64(x, 0.0);
  }
  let r = tn_rempio2_64(x);
  let n = tn_toi32_64(r.z);
  if (n == 0) { return tn_kcos64(r.x, r.y); }
  if (n == 1) { return -tn_ksin64(r.x, r.y, true); }
  if (n == 2) { return -tn_kcos64(r.x, r.y); }
  return tn_ksin64(r.x, r.y, true);
}"""
_H["tn_tan64"] = """fn tn_tan64(x: f64) -> f64 {
  if (!tn_isfinite64(x)) { return tn_nan64(); }
  if (abs(x) < 0.7853981633974483) {
    if (abs(x) < 7.450580596923828e-09) { return x; }
    return tn_ktan64(x, 0.0, false);
  }
  let r = tn_rempio2_64(x);
  return tn_ktan64(r.x, r.y, (tn_toi32_64(r.z) & 1) == 1);
}"""
# sin(pi x) / (pi x) as NumPy computes it (the product rounded first)
_H["tn_sinc64"] = """fn tn_sinc64(x: f64) -> f64 {
  if (x == 0.0) { return 1.0; }
  let y = 3.141592653589793 * x;
  return tn_sin64(y) / y;
}"""

# -- inverse trigonometric (fdlibm) ------------------------------------------------------------
_H["tn_atan64"] = """fn tn_atan64(x0: f64) -> f64 {
  var x = x0;
  let ix = tn_hi64(x) & 0x7fffffffu;
  if (tn_isnan64(x)) { return x; }
  if (ix >= 0x44100000u) { return tn_copysign64(1.57079632679489661923, x0); }
  var id = -1;
  if (ix < 0x3fdc0000u) {
    if (ix < 0x3e400000u) { return x; }
  } else {
    x = abs(x);
    if (ix < 0x3ff30000u) {
      if (ix < 0x3fe60000u) { id = 0; x = (2.0 * x - 1.0) / (2.0 + x); }
      else { id = 1; x = (x - 1.0) / (x + 1.0); }
    } else {
      if (ix < 0x40038000u) { id = 2; x = (x - 1.5) / (1.0 + 1.5 * x); }
      else { id = 3; x = -1.0 / x; }
    }
  }
  let z = x * x;
  let w = z * z;
  let s1 = z * (3.33333333333329318027e-01 + w * (1.42857142725034663711e-01
    + w * (9.09088713343650656196e-02 + w * (6.66107313738753120669e-02
    + w * (4.97687799461593236017e-02 + w * 1.62858201153657823623e-02)))));
  let s2 = w * (-1.99999999998764832476e-01 + w * (-1.11111104054623557880e-01
    + w * (-7.69187620504482999495e-02 + w * (-5.83357013379057348645e-02
    + w * -3.65315727442169155270e-02))));
  if (id < 0) { return x - x * (s1 + s2); }
  var hi = 4.63647609000806093515e-01;
  var lo = 2.26987774529616870924e-17;
  if (id == 1) { hi = 7.85398163397448278999e-01; lo = 3.06161699786838301793e-17; }
  if (id == 2) { hi = 9.82793723247329054082e-01; lo = 1.39033110312309984516e-17; }
  if (id == 3) { hi = 1.57079632679489655800e+00; lo = 6.12323399573676603587e-17; }
  let r = hi - tn_opq64(tn_opq64(x * (s1 + s2) - lo) - x);
  return select(r, -r, x0 < 0.0);
}"""
_H["tn_atan2_64"] = """fn tn_atan2_64(y: f64, x: f64) -> f64 {
  if (tn_isnan64(x) || tn_isnan64(y)) { return tn_nan64(); }
  if (x == 1.0) { return tn_atan64(y); }
  let pi = 3.1415926535897931160;
  let pi_lo = 1.2246467991473531772e-16;
  let m = ((tn_hi64(y) >> 31u) & 1u) | ((tn_hi64(x) >> 30u) & 2u);
  if (y == 0.0) {
    if (m < 2u) { return y; }
    return select(pi, -pi, m == 3u);
  }
  if (x == 0.0) { return select(1.57079632679489661923, -1.57079632679489661923, (m & 1u) != 0u); }
  if (tn_isinf64(x)) {
    if (tn_isinf64(y)) {
      let q = select(0.785398163397448309616, 2.35619449019234492885, m >= 2u);
      return select(q, -q, (m & 1u) != 0u);
    }
    let q = select(0.0, pi, m >= 2u);
    return select(q, -q, (m & 1u) != 0u);
  }
  if (tn_isinf64(y)) {
    return select(1.57079632679489661923, -1.57079632679489661923, (m & 1u) != 0u);
  }
  let ix = tn_hi64(x) & 0x7fffffffu;
  let iy = tn_hi64(y) & 0x7fffffffu;
  var z: f64;
  var mm = m;
  if (ix + (64u << 20u) < iy) { z = 1.57079632679489661923 + 0.5 * pi_lo; mm = m & 1u; }
  else if ((m & 2u) != 0u && iy + (64u << 20u) < ix) { z = 0.0; }
  else { z = tn_atan64(abs(y / x)); }
  if (mm == 0u) { return z; }
  if (mm == 1u) { return -z; }
  if (mm == 2u) { return pi - tn_opq64(z - pi_lo); }
  return tn_opq64(z - pi_lo) - pi;
}"""
_H["tn_asinr64"] = """fn tn_asinr64(z: f64) -> f64 {
  let p = z * (1.66666666666666657415e-01 + z * (-3.25565818622400915405e-01
    + z * (2.01212532134862925881e-01 + z * (-4.00555345006794114027e-02
    + z * (7.91534994289814532176e-04 + z * 3.47933107596021167570e-05)))));
  let q = 1.0 + z * (-2.40339491173441421878e+00 + z * (2.02094576023350569471e+00
    + z * (-6.88283971605453293030e-01 + z * 7.70381505559019352791e-02)));
  return p / q;
}"""
_H["tn_asin64"] = """fn tn_asin64(x: f64) -> f64 {
  let a = abs(x);
  if (tn_isnan64(x) || a > 1.0) { return tn_nan64(); }
  if (a == 1.0) { return tn_copysign64(1.57079632679489661923, x); }
  if (a < 0.5) {
    if (a < 1.4901161193847656e-08) { return x; }
    return x + x * tn_asinr64(x * x);
  }
  let z = (1.0 - a) * 0.5;
  let s = sqrt(z);
  let r = tn_asinr64(z);
  var y: f64;
  if (a >= 0.975) {
    y = 1.57079632679489655800e+00 - tn_opq64(2.0 * (s + s * r) - 6.12323399573676603587e-17);
  } else {
    let f = tn_clrlo64(s);
    let c = (z - f * f) / (s + f);
    y = 0.5 * 1.57079632679489655800e+00 - tn_opq64(tn_opq64(2.0 * s * r
      - tn_opq64(6.12323399573676603587e-17 - 2.0 * c))
      - tn_opq64(0.5 * 1.57079632679489655800e+00 - 2.0 * f));
  }
  return select(y, -y, x < 0.0);
}"""
_H["tn_acos64"] = """fn tn_acos64(x: f64) -> f64 {
  let a = abs(x);
  if (tn_isnan64(x) || a > 1.0) { return tn_nan64(); }
  if (a == 1.0) { return select(0.0, 3.14159265358979311600, x < 0.0); }
  if (a < 0.5) {
    if (a <= 6.123233995736766e-17) { return 1.57079632679489661923; }
    return 1.57079632679489655800e+00 - tn_opq64(x - tn_opq64(6.12323399573676603587e-17
      - x * tn_asinr64(x * x)));
  }
  if (x < 0.0) {
    let z = (1.0 + x) * 0.5;
    let s = sqrt(z);
    let w = tn_asinr64(z) * s - 6.12323399573676603587e-17;
    return 2.0 * (1.57079632679489655800e+00 - tn_opq64(s + w));
  }
  let z = (1.0 - x) * 0.5;
  let s = sqrt(z);
  let df = tn_clrlo64(s);
  let c = (z - df * df) / (s + df);
  return 2.0 * (df + (tn_asinr64(z) * s + c));
}"""

TRIG = _H
