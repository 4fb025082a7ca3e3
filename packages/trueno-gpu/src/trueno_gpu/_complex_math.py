"""Complex transcendentals, powers and NumPy's lexicographic comparisons (``_complex`` template).

The formulas follow C99 Annex G and NumPy's own loops: exp/log/sqrt with their special values
(signed zeros on the branch cuts, infinities, NaNs), sinh/cosh/tanh from the real hyperbolics
(FreeBSD's ctanh), sin/cos/tan through ``sin(z) = -i sinh(iz)``, the inverse functions from
Kahan's "Branch cuts for complex elementary functions" (asin, acos, acosh through csqrt of
``1 - z`` / ``1 + z``), atanh from log1p, and expm1/log1p/exp2/log2/log10/pow as NumPy's
``nc_*`` loops compute them (pow: repeated squaring for integer exponents below 100; log1p
of a small z is computed accurately where NumPy's log(hypot(1 + x, y)) rounds z away).

complex128 gets only what lowers exactly in f64 (sqrt, sign, comparisons, maximum/minimum):
naga mis-lowers f64 exp/log/sin, so the transcendentals are complex64 only.
"""

from __future__ import annotations

import re

import numpy as np
from trueno.backend import StridedArray

from ._codegen import new_array
from ._complex import add_helpers, claunch
from ._dtypes import DType, dtype_info, real_dtype
from ._elementwise import rt_of

__all__ = ["UNARY", "BINARY", "unary", "binary", "make_kernels"]

PI, PI_2 = "3.141592653589793", "1.5707963267948966"

# f32 sources; the f64 twins (suffix z) are derived by ``_to_f64`` for the functions in F64.
_F32 = {
    "tc_signbit_c": "fn tc_signbit_c(x: f32) -> bool { return (bitcast<u32>(x) >> 31u) == 1u; }",
    # atan2 with C's special values (WGSL leaves zeros and infinities undefined).
    "tc_atan2_c": f"""fn tc_atan2_c(y: f32, x: f32) -> f32 {{
  if (tn_isnan(x) || tn_isnan(y)) {{ return tn_nan(); }}
  if (y == 0.0) {{
    if (x > 0.0 || (x == 0.0 && !tc_signbit_c(x))) {{ return y; }}
    return tn_copysign({PI}, y);
  }}
  if (tn_isinf(x)) {{
    if (tn_isinf(y)) {{ return tn_copysign(select(2.356194490192345, 0.7853981633974483,
                                                  x > 0.0), y); }}
    return select(tn_copysign({PI}, y), tn_copysign(0.0, y), x > 0.0);
  }}
  if (tn_isinf(y) || x == 0.0) {{ return tn_copysign({PI_2}, y); }}
  let ax = abs(x);
  let ay = abs(y);
  let swap = ay > ax;
  var a = tc_atan01_c(select(ay / ax, ax / ay, swap));
  if (swap) {{ a = {PI_2} - a; }}
  if (x < 0.0) {{ a = {PI} - a; }}
  return tn_copysign(a, y);
}}""",
    # atan on [0, 1] (Cephes atanf: reduction by tan(pi/8), odd polynomial; WGSL's atan2 was
    # off by 2e-5 relative on lavapipe).
    "tc_atan01_c": """fn tc_atan01_c(t: f32) -> f32 {
  var x = t;
  var y = 0.0;
  if (x > 0.4142135623730950) { y = 0.7853981633974483; x = (x - 1.0) / (x + 1.0); }
  let z = x * x;
  return y + (((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z
              - 3.33329491539e-1) * z * x + x;
}""",
    "tc_exp_c": """fn tc_exp_c(z: vec2<f32>) -> vec2<f32> {
  let x = z.x;
  let y = z.y;
  if (y == 0.0) { return vec2(exp(x), y); }
  if (tn_isinf(x)) {
    if (x > 0.0) {
      if (!tn_isfinite(y)) { return vec2(x, tn_nan()); }
      let cs = tn_sincos32(y);
      return vec2(x * cs.y, x * cs.x);
    }
    if (!tn_isfinite(y)) { return vec2(0.0, tn_copysign(0.0, y)); }
    let cs = tn_sincos32(y);
    return vec2(tn_copysign(0.0, cs.y), tn_copysign(0.0, cs.x));
  }
  if (!tn_isfinite(x) || !tn_isfinite(y)) { return vec2(tn_nan(), tn_nan()); }
  let cs = tn_sincos32(y);
  if (x > 80.0) {
    let h = exp(0.5 * x);
    return vec2(h * cs.y * h, h * cs.x * h);
  }
  let r = exp(x);
  return vec2(r * cs.y, r * cs.x);
}""",
    # log|z| through log1p near the unit circle, scaled elsewhere (no overflow).
    "tc_log_c": """fn tc_log_c(z: vec2<f32>) -> vec2<f32> {
  let ax = abs(z.x);
  let ay = abs(z.y);
  let th = tc_atan2_c(z.y, z.x);
  if (tn_isinf(ax) || tn_isinf(ay)) { return vec2(tn_inf(), th); }
  if (tn_isnan(ax) || tn_isnan(ay)) { return vec2(tn_nan(), tn_nan()); }
  let m = max(ax, ay);
  let n = min(ax, ay);
  if (m == 0.0) { return vec2(-tn_inf(), th); }
  if (m >= 0.5 && m <= 2.0) { return vec2(0.5 * tc_l1p_c((m - 1.0) * (m + 1.0) + n * n), th); }
  let q = n / m;
  return vec2(log(m) + 0.5 * tn_log1p(q * q), th);
}""",
    # FreeBSD's csqrt (what NumPy's npy_csqrt is).
    "tc_sqrt_c": """fn tc_sqrt_c(z: vec2<f32>) -> vec2<f32> {
  var a = z.x;
  var b = z.y;
  if (a == 0.0 && b == 0.0) { return vec2(0.0, b); }
  if (tn_isinf(b)) { return vec2(tn_inf(), b); }
  if (tn_isnan(a)) { return vec2(a, tn_nan()); }
  if (tn_isinf(a)) {
    let d = select(0.0, tn_nan(), tn_isnan(b));  // b - b (folded to 0 by some drivers)
    if (a < 0.0) { return vec2(d, tn_copysign(a, b)); }
    return vec2(a, tn_copysign(d, b));
  }
  var scale = 1.0;
  if (abs(a) >= 1.0e37 || abs(b) >= 1.0e37) { a = a * 0.25; b = b * 0.25; scale = 2.0; }
  let h = tc_abs_c(vec2(a, b));
  if (a >= 0.0) {
    let t = sqrt((a + h) * 0.5);
    return vec2(t, b / (2.0 * t)) * scale;
  }
  let t = sqrt((h - a) * 0.5);
  return vec2(abs(b) / (2.0 * t), tn_copysign(t, b)) * scale;
}""",
    # NumPy 2: z / |z|, with its rule for infinite parts.
    "tc_sign_c": """fn tc_sign_c(z: vec2<f32>) -> vec2<f32> {
  let a = tc_abs_c(z);
  if (tn_isnan(a)) { return vec2(tn_nan(), tn_nan()); }
  if (tn_isinf(a)) {
    if (tn_isinf(z.x)) {
      if (tn_isinf(z.y)) { return vec2(tn_nan(), tn_nan()); }
      return vec2(sign(z.x), 0.0);
    }
    return vec2(0.0, sign(z.y));
  }
  if (a == 0.0) { return vec2(0.0, 0.0); }
  return vec2(z.x / a, z.y / a);
}""",
    # NumPy's lexicographic order (CLT / CLE ...: a NaN part makes the comparison false).
    "tc_lt_c": """fn tc_lt_c(a: vec2<f32>, b: vec2<f32>) -> bool {
  return (a.x < b.x && !tn_isnan(a.y) && !tn_isnan(b.y)) || (a.x == b.x && a.y < b.y);
}""",
    "tc_le_c": """fn tc_le_c(a: vec2<f32>, b: vec2<f32>) -> bool {
  return (a.x < b.x && !tn_isnan(a.y) && !tn_isnan(b.y)) || (a.x == b.x && a.y <= b.y);
}""",
}
F64 = ("tc_signbit_c", "tc_sqrt_c", "tc_sign_c", "tc_lt_c", "tc_le_c")

_F32.update({
    # NumPy's formula for finite z (imaginary part exactly b for b = 0); infinities and NaNs
    # give C99's cexp(z) - 1, the Array API's special cases (NumPy's give NaN + NaN j).
    "tc_expm1_c": """fn tc_expm1_c(z: vec2<f32>) -> vec2<f32> {
  if (!tn_isfinite(z.x) || !tn_isfinite(z.y)) {
    let w = tc_exp_c(z);
    return vec2(w.x - 1.0, w.y);
  }
  let a = tn_sin32(0.5 * z.y);
  let cs = tn_sincos32(z.y);
  let e = select(tn_expm1(z.x), z.x, z.x == 0.0);  // keeps -0
  return vec2(e * cs.y - 2.0 * a * a, select(exp(z.x) * cs.x, z.y, z.y == 0.0));
}""",
    # complex128 exp and expm1 from the software float64 exp/expm1/sin/cos (naga mis-lowers
    # WGSL's own f64 transcendentals), with tc_exp_c's and tc_expm1_c's special values.
    "tc_exp_z": """fn tc_exp_z(z: vec2<f64>) -> vec2<f64> {
  let x = z.x;
  let y = z.y;
  if (y == 0.0lf) { return vec2(tn_exp64(x), y); }
  if (tn_isinf64(x)) {
    if (x > 0.0lf) {
      if (!tn_isfinite64(y)) { return vec2(x, tn_nan64()); }
      return vec2(x * tn_cos64(y), x * tn_sin64(y));
    }
    if (!tn_isfinite64(y)) { return vec2(0.0lf, tn_copysign64(0.0lf, y)); }
    return vec2(tn_copysign64(0.0lf, tn_cos64(y)), tn_copysign64(0.0lf, tn_sin64(y)));
  }
  if (!tn_isfinite64(x) || !tn_isfinite64(y)) { return vec2(tn_nan64(), tn_nan64()); }
  let c = tn_cos64(y);
  let s = tn_sin64(y);
  if (x > 709.0lf) {
    let h = tn_exp64(0.5lf * x);
    return vec2(h * c * h, h * s * h);
  }
  let r = tn_exp64(x);
  return vec2(r * c, r * s);
}""",
    "tc_expm1_z": """fn tc_expm1_z(z: vec2<f64>) -> vec2<f64> {
  if (!tn_isfinite64(z.x) || !tn_isfinite64(z.y)) {
    let w = tc_exp_z(z);
    return vec2(w.x - 1.0lf, w.y);
  }
  let a = tn_sin64(0.5lf * z.y);
  let e = select(tn_expm1_64(z.x), z.x, z.x == 0.0lf);  // keeps -0
  return vec2(e * tn_cos64(z.y) - 2.0lf * a * a,
              select(tn_exp64(z.x) * tn_sin64(z.y), z.y, z.y == 0.0lf));
}""",
    # log1p of a real, with a series where lavapipe's log(1 + x) is off by ~1e-7 absolute.
    "tc_l1p_c": """fn tc_l1p_c(x: f32) -> f32 {
  if (abs(x) < 1e-4) { return x * (1.0 - x * (0.5 - x * 0.3333333333333333)); }
  return tn_log1p(x);
}""",
    # NumPy computes log(hypot(1 + x, y)); near 0 that loses z, so small z take
    # log1p(2x + x^2 + y^2) / 2 (Im is atan2(y, 1 + x) either way).
    "tc_log1p_c": """fn tc_log1p_c(z: vec2<f32>) -> vec2<f32> {
  let u = z.x + 1.0;
  if (max(abs(z.x), abs(z.y)) < 0.5) {
    return vec2(0.5 * tc_l1p_c(z.x * (2.0 + z.x) + z.y * z.y), tc_atan2_c(z.y, u));
  }
  return vec2(log(tn_hypot(u, z.y)), tc_atan2_c(z.y, u));
}""",
    # sinh keeping -0 (tn_sinh(-0) is +0), and a zero with the sign of x * y.
    "tc_rsinh_c": "fn tc_rsinh_c(x: f32) -> f32 { return select(tn_sinh(x), x, x == 0.0); }",
    "tc_zsign_c": """fn tc_zsign_c(x: f32, y: f32) -> f32 {
  return bitcast<f32>((bitcast<u32>(x) ^ bitcast<u32>(y)) & 0x80000000u);
}""",
    "tc_sinh_c": """fn tc_sinh_c(z: vec2<f32>) -> vec2<f32> {
  let x = z.x;
  let y = z.y;
  if (y == 0.0) { return vec2(tc_rsinh_c(x), y); }
  if (!tn_isfinite(y)) {
    if (tn_isinf(x)) { return vec2(tn_inf(), tn_nan()); }
    if (x == 0.0) { return vec2(x, tn_nan()); }
    return vec2(tn_nan(), tn_nan());
  }
  let cs = tn_sincos32(y);
  return vec2(tc_rsinh_c(x) * cs.y, tn_cosh(x) * cs.x);
}""",
    "tc_cosh_c": """fn tc_cosh_c(z: vec2<f32>) -> vec2<f32> {
  let x = z.x;
  let y = z.y;
  if (y == 0.0) { return vec2(tn_cosh(x), select(tc_zsign_c(x, y), y, tn_isnan(x))); }
  if (!tn_isfinite(y)) {
    if (tn_isinf(x)) { return vec2(tn_inf(), tn_nan()); }
    if (x == 0.0) { return vec2(tn_nan(), 0.0); }
    return vec2(tn_nan(), tn_nan());
  }
  let cs = tn_sincos32(y);
  return vec2(tn_cosh(x) * cs.y, tc_rsinh_c(x) * cs.x);
}""",
    "tc_tanh_c": """fn tc_tanh_c(z: vec2<f32>) -> vec2<f32> {
  let x = z.x;
  let y = z.y;
  if (tn_isnan(x)) {
    if (y == 0.0) { return z; }
    return vec2(tn_nan(), tn_nan());
  }
  if (tn_isinf(x)) {
    var s = y;
    if (tn_isfinite(y)) { let cs = tn_sincos32(y); s = cs.x * cs.y; }
    return vec2(tn_copysign(1.0, x), tn_copysign(0.0, s));
  }
  if (!tn_isfinite(y)) { return vec2(select(tn_nan(), x, x == 0.0), tn_nan()); }
  if (abs(x) >= 9.0) {
    let e = exp(-abs(x));
    let cs = tn_sincos32(y);
    return vec2(tn_copysign(1.0, x), 4.0 * cs.x * cs.y * e * e);
  }
  let t = tn_tan32(y);
  let beta = 1.0 + t * t;
  let s = tc_rsinh_c(x);
  let rho = sqrt(1.0 + s * s);
  let den = 1.0 + beta * s * s;
  return vec2(beta * rho * s / den, t / den);
}""",
    "tc_rasinh_c": "fn tc_rasinh_c(x: f32) -> f32 { return select(tn_asinh(x), x, x == 0.0); }",
    # Kahan: asin z = atan2(x, Re(s1 s2)) + i asinh(Im(conj(s1) s2)), s1 = sqrt(1 - z),
    # s2 = sqrt(1 + z) (1 - z built as (1 - x, -y) so that signed zeros pick the branch).
    "tc_kasin_c": """fn tc_kasin_c(z: vec2<f32>) -> vec2<f32> {
  let s1 = tc_sqrt_c(vec2(1.0 - z.x, -z.y));
  let s2 = tc_sqrt_c(vec2(1.0 + z.x, z.y));
  return vec2(tc_atan2_c(z.x, s1.x * s2.x - s1.y * s2.y),
              tc_rasinh_c(s1.x * s2.y - s1.y * s2.x));
}""",
    # asinh's special values (C99 G.6.2.2); asin z = -i asinh(iz) shares them.
    "tc_asinh_inf_c": """fn tc_asinh_inf_c(z: vec2<f32>) -> vec2<f32> {
  let x = z.x;
  let y = z.y;
  if (tn_isnan(x)) {
    if (y == 0.0) { return z; }
    if (tn_isinf(y)) { return vec2(tn_copysign(tn_inf(), x), tn_nan()); }
    return vec2(tn_nan(), tn_nan());
  }
  if (tn_isnan(y)) {
    if (tn_isinf(x)) { return vec2(x, tn_nan()); }
    return vec2(tn_nan(), tn_nan());
  }
  return vec2(tn_copysign(tn_inf(), x), tn_copysign(tc_atan2_c(abs(y), abs(x)), y));
}""",
    "tc_asinh_c": """fn tc_asinh_c(z: vec2<f32>) -> vec2<f32> {
  if (!tn_isfinite(z.x) || !tn_isfinite(z.y)) { return tc_asinh_inf_c(z); }
  let w = tc_kasin_c(vec2(-z.y, z.x));
  return vec2(w.y, -w.x);
}""",
    "tc_asin_c": """fn tc_asin_c(z: vec2<f32>) -> vec2<f32> {
  if (tn_isfinite(z.x) && tn_isfinite(z.y)) { return tc_kasin_c(z); }
  let w = tc_asinh_inf_c(vec2(-z.y, z.x));
  return vec2(w.y, -w.x);
}""",
    "tc_acos_c": f"""fn tc_acos_c(z: vec2<f32>) -> vec2<f32> {{
  let x = z.x;
  let y = z.y;
  if (tn_isnan(x) || tn_isnan(y)) {{
    if (tn_isinf(x)) {{ return vec2(tn_nan(), -tn_inf()); }}
    if (tn_isinf(y)) {{ return vec2(tn_nan(), -y); }}
    if (x == 0.0) {{ return vec2({PI_2}, tn_nan()); }}
    return vec2(tn_nan(), tn_nan());
  }}
  if (tn_isinf(x) || tn_isinf(y)) {{
    return vec2(tc_atan2_c(abs(y), x), tn_copysign(tn_inf(), -y));
  }}
  let s1 = tc_sqrt_c(vec2(1.0 - x, -y));
  let s2 = tc_sqrt_c(vec2(1.0 + x, y));
  return vec2(2.0 * tc_atan2_c(s1.x, s2.x), tc_rasinh_c(s2.x * s1.y - s2.y * s1.x));
}}""",
    "tc_acosh_c": f"""fn tc_acosh_c(z: vec2<f32>) -> vec2<f32> {{
  let x = z.x;
  let y = z.y;
  if (tn_isnan(x) || tn_isnan(y)) {{
    if (tn_isinf(x) || tn_isinf(y)) {{ return vec2(tn_inf(), tn_nan()); }}
    if (x == 0.0) {{ return vec2(tn_nan(), {PI_2}); }}
    return vec2(tn_nan(), tn_nan());
  }}
  if (tn_isinf(x) || tn_isinf(y)) {{
    return vec2(tn_inf(), tn_copysign(tc_atan2_c(abs(y), x), y));
  }}
  let t1 = tc_sqrt_c(vec2(x - 1.0, y));
  let t2 = tc_sqrt_c(vec2(x + 1.0, y));
  return vec2(tc_rasinh_c(t1.x * t2.x + t1.y * t2.y), 2.0 * tc_atan2_c(t1.y, t2.x));
}}""",
    # Re = log1p(4x / ((1 - x)^2 + y^2)) / 4, Im = atan2(2y, (1 - x)(1 + x) - y^2) / 2.
    "tc_atanh_c": f"""fn tc_atanh_c(z: vec2<f32>) -> vec2<f32> {{
  let x = z.x;
  let y = z.y;
  if (tn_isnan(x) || tn_isnan(y)) {{
    if (tn_isinf(y)) {{ return vec2(tn_copysign(0.0, x), tn_copysign({PI_2}, y)); }}
    if (tn_isinf(x) || x == 0.0) {{ return vec2(tn_copysign(0.0, x), tn_nan()); }}
    return vec2(tn_nan(), tn_nan());
  }}
  let m = max(abs(x), abs(y));
  if (m > 1.0e17) {{
    if (tn_isinf(m)) {{ return vec2(tn_copysign(0.0, x), tn_copysign({PI_2}, y)); }}
    let xs = x / m;
    let ys = y / m;
    return vec2(xs / (xs * xs + ys * ys) / m, tn_copysign({PI_2}, y));
  }}
  let re = 0.25 * tc_l1p_c(4.0 * x / ((1.0 - x) * (1.0 - x) + y * y));
  return vec2(re, 0.5 * tc_atan2_c(2.0 * y, (1.0 - x) * (1.0 + x) - y * y));
}}""",
    "tc_atan_c": """fn tc_atan_c(z: vec2<f32>) -> vec2<f32> {
  let w = tc_atanh_c(vec2(-z.y, z.x));
  return vec2(w.y, -w.x);
}""",
    # NumPy's npy_cpow: 1 for a zero exponent, 0 / NaN at zero, a itself for 1, a * a and
    # a * a * a for 2 and 3, repeated squaring for other integer exponents with |n| < 100,
    # exp(b log a) (C's complex multiply) otherwise.
    "tc_pow_c": """fn tc_pow_c(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  if (b.x == 0.0 && b.y == 0.0) { return vec2(1.0, 0.0); }
  if (a.x == 0.0 && a.y == 0.0) {
    if (b.x > 0.0) { return vec2(0.0, 0.0); }
    return vec2(tn_nan(), tn_nan());
  }
  if (b.y == 0.0 && b.x == 1.0) { return a; }
  if (b.y == 0.0 && b.x == 2.0) { return tc_mul_c(a, a); }
  if (b.y == 0.0 && b.x == 3.0) { return tc_mul_c(tc_mul_c(a, a), a); }
  if (b.y == 0.0 && b.x == trunc(b.x) && abs(b.x) < 100.0) {
    var n = u32(abs(b.x));
    var p = a;
    var r = vec2(1.0, 0.0);
    loop {
      if ((n & 1u) == 1u) { r = tc_mul_c(r, p); }
      n = n >> 1u;
      if (n == 0u) { break; }
      p = tc_mul_c(p, p);
    }
    if (b.x < 0.0) { r = tc_div_c(vec2(1.0, 0.0), r); }
    return r;
  }
  return tc_exp_c(tc_cmul_c(b, tc_log_c(a)));
}""",
    # C's complex multiply (__mulsc3): a NaN product of infinite factors is recomputed.
    "tc_cmul_c": """fn tc_cmul_c(p: vec2<f32>, q: vec2<f32>) -> vec2<f32> {
  var a = p.x;
  var b = p.y;
  var c = q.x;
  var d = q.y;
  let r = vec2(a * c - b * d, a * d + b * c);
  if (!(tn_isnan(r.x) && tn_isnan(r.y))) { return r; }
  var again = false;
  if (tn_isinf(a) || tn_isinf(b)) {
    a = tn_copysign(select(0.0, 1.0, tn_isinf(a)), a);
    b = tn_copysign(select(0.0, 1.0, tn_isinf(b)), b);
    if (tn_isnan(c)) { c = tn_copysign(0.0, c); }
    if (tn_isnan(d)) { d = tn_copysign(0.0, d); }
    again = true;
  }
  if (tn_isinf(c) || tn_isinf(d)) {
    c = tn_copysign(select(0.0, 1.0, tn_isinf(c)), c);
    d = tn_copysign(select(0.0, 1.0, tn_isinf(d)), d);
    if (tn_isnan(a)) { a = tn_copysign(0.0, a); }
    if (tn_isnan(b)) { b = tn_copysign(0.0, b); }
    again = true;
  }
  if (!again && (tn_isinf(p.x * q.x) || tn_isinf(p.y * q.y) || tn_isinf(p.x * q.y)
                 || tn_isinf(p.y * q.x))) {
    if (tn_isnan(a)) { a = tn_copysign(0.0, a); }
    if (tn_isnan(b)) { b = tn_copysign(0.0, b); }
    if (tn_isnan(c)) { c = tn_copysign(0.0, c); }
    if (tn_isnan(d)) { d = tn_copysign(0.0, d); }
    again = true;
  }
  if (!again) { return r; }
  return vec2(tn_inf() * (a * c - b * d), tn_inf() * (a * d + b * c));
}""",
})

_LITERAL = re.compile(r"(?<![\w.])(\d+\.\d*(?:e[-+]?\d+)?)(?![\w.])")


def _to_f64(src: str) -> str:
    """The f64 twin of an f32 helper source (types, tn_ helpers, literals, suffix z)."""
    src = src.replace("bitcast<u32>(x) >> 31u) == 1u", "bitcast<u64>(x) >> 63u) == 1lu")
    src = re.sub(r"\btn_(isnan|isinf|isfinite|copysign|inf|nan)\(", r"tn_\g<1>64(", src)
    src = re.sub(r"\b(tc_\w+)_c\(", r"\g<1>_z(", src)
    return _LITERAL.sub(r"\g<1>lf", src.replace("f32", "f64"))


add_helpers(_F32)
add_helpers({n[:-2] + "_z": _to_f64(_F32[n]) for n in F64})

# op -> (expression over x0 (x1) with {k} = c / z, result kind, tkeys with a kernel)
_C = ("c",)
_CZ = ("c", "z")
UNARY = {
    "exp": ("tc_exp_{k}(x0)", "same", _CZ),
    "expm1": ("tc_expm1_{k}(x0)", "same", _CZ),
    "exp2": ("tc_exp_{k}(x0 * 0.6931471805599453)", "same", _C),
    "log": ("tc_log_{k}(x0)", "same", _C),
    "log1p": ("tc_log1p_{k}(x0)", "same", _C),
    "log2": ("tc_log_{k}(x0) * 1.4426950408889634", "same", _C),
    "log10": ("tc_log_{k}(x0) * 0.4342944819032518", "same", _C),
    "sqrt": ("tc_sqrt_{k}(x0)", "same", _CZ),
    "sin": ("tc_csin_{k}(x0)", "same", _C),
    "cos": ("tc_cosh_{k}(vec2(-x0.y, x0.x))", "same", _C),
    "tan": ("tc_sin(tc_tanh_{k}(vec2(-x0.y, x0.x)))", "same", _C),
    "sinh": ("tc_sinh_{k}(x0)", "same", _C),
    "cosh": ("tc_cosh_{k}(x0)", "same", _C),
    "tanh": ("tc_tanh_{k}(x0)", "same", _C),
    "asin": ("tc_asin_{k}(x0)", "same", _C),
    "acos": ("tc_acos_{k}(x0)", "same", _C),
    "atan": ("tc_atan_{k}(x0)", "same", _C),
    "asinh": ("tc_asinh_{k}(x0)", "same", _C),
    "acosh": ("tc_acosh_{k}(x0)", "same", _C),
    "atanh": ("tc_atanh_{k}(x0)", "same", _C),
    "sign": ("tc_sign_{k}(x0)", "same", _CZ),
}
# maximum/minimum return the first operand when it has a NaN part, fmax/fmin when the second
# has one (NumPy's loops); comparisons are NumPy's CLT/CLE/CGT/CGE.
BINARY = {
    "pow": ("tc_pow_{k}(x0, x1)", "same", _C),
    "less": ("select(0u, 1u, tc_lt_{k}(x0, x1))", "bool", _CZ),
    "less_equal": ("select(0u, 1u, tc_le_{k}(x0, x1))", "bool", _CZ),
    "greater": ("select(0u, 1u, tc_lt_{k}(x1, x0))", "bool", _CZ),
    "greater_equal": ("select(0u, 1u, tc_le_{k}(x1, x0))", "bool", _CZ),
    "maximum": ("select(x1, x0, tc_isnan_{k}(x0) || tc_le_{k}(x1, x0))", "same", _CZ),
    "minimum": ("select(x1, x0, tc_isnan_{k}(x0) || tc_le_{k}(x0, x1))", "same", _CZ),
    "fmax": ("select(x1, x0, tc_isnan_{k}(x1) || tc_le_{k}(x1, x0))", "same", _CZ),
    "fmin": ("select(x1, x0, tc_isnan_{k}(x1) || tc_le_{k}(x0, x1))", "same", _CZ),
}
# -i * w: sin(z) = -i sinh(iz), tan(z) = -i tanh(iz); NumPy's sin(non-finite + i inf) is
# NaN + i inf whatever the signs.
add_helpers({"tc_sin": "fn tc_sin(w: vec2<f32>) -> vec2<f32> { return vec2(w.y, -w.x); }",
             "tc_csin_c": """fn tc_csin_c(z: vec2<f32>) -> vec2<f32> {
  if (!tn_isfinite(z.x) && tn_isinf(z.y)) { return vec2(tn_nan(), tn_inf()); }
  return tc_sin(tc_sinh_c(vec2(-z.y, z.x)));
}"""})


def _expr(table, name, dt: DType) -> str:
    return table[name][0].format(k=dt.tkey)


def _out(dt: DType, result: str):
    return {"same": dt.host, "real": real_dtype(dt).host, "bool": np.dtype(bool)}[result]


def unary(name: str, x: StridedArray) -> StridedArray:
    """Complex unary op ``name`` of ``UNARY``."""
    rt = rt_of(x)
    dt = dtype_info(x.dtype)
    out = new_array(rt, x.shape, _out(dt, UNARY[name][1]))
    return claunch(("cm", name), _expr(UNARY, name, dt), [x], out, rt)


def binary(name: str, a, b) -> StridedArray:
    """Complex binary op ``name`` of ``BINARY``; one of ``a``/``b`` may be a scalar."""
    arrays = [v for v in (a, b) if isinstance(v, StridedArray)]
    rt = rt_of(arrays[0])
    dtype = arrays[0].dtype
    dt = dtype_info(dtype)
    out = new_array(rt, np.broadcast_shapes(*(v.shape for v in arrays)),
                    _out(dt, BINARY[name][1]))
    ops = [v if isinstance(v, StridedArray) else (v, dtype) for v in (a, b)]
    return claunch(("cm", name), _expr(BINARY, name, dt), ops, out, rt)


def make_kernels() -> dict:
    """op name -> {complex dtype name: kernel}."""
    table: dict = {}
    names = {"c": "complex64", "z": "complex128"}
    for name, (_, _, keys) in UNARY.items():
        table[name] = {names[k]: (lambda x, _n=name: unary(_n, x)) for k in keys}
    for name, (_, _, keys) in BINARY.items():
        table[name] = {names[k]: (lambda a, b, _n=name: binary(_n, a, b)) for k in keys}
    assert all(dtype_info(d).kind == "c" for t in table.values() for d in t)
    return table
