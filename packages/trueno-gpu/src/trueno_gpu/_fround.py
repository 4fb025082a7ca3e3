"""Rounding, float<->integer conversion and correctly rounded division of f32 / f64 in WGSL by
integer manipulation of the IEEE bit pattern, so that their results do not depend on how a
driver compiles them.

NOTE: WGSL's ``round``/``trunc``/``floor``/``ceil`` on f64 and its f64<->int conversions are
lowered by each driver its own way, and not always right: llvmpipe (Mesa 22.3, LLVM 15) on an
AVX2-only CPU gave ``round(1.5lf) == 1.0`` and ``trunc(123456789.49lf) == 123456789.49``, while
the same shaders were right on an AVX-512 CPU. WGSL's f32 division is only required to 2.5 ulp
and the NVIDIA driver's is not correctly rounded (``1e30 // 0.001`` came out wrong), and f64
division carries no promise either. The helpers here use only integer operations, bitcasts,
comparisons, and additions / multiplications whose results are exact, so every conforming
driver gives the same bits whatever it contracts, reassociates or lowers.

Each helper exists for f32 (``tn_rint``) and f64 (``tn_rint64``):

- ``tn_trunc``, ``tn_floor``, ``tn_ceil``, ``tn_rint`` (ties to even, as ``np.rint`` and WGSL's
  ``round``): integral values by clearing / carrying fraction bits.
- ``tn_toi32`` / ``tn_toi32_64`` (x finite, |x| < 2**31): x truncated to an i32; ``tn_toi64``
  / ``tn_toi64_64`` (|x| < 2**63) to an i64.
- ``tn_f64i32``: an i32 as an f64, exactly (2**52 + 2**31 + k from bits, minus a constant).
- ``tn_div``: a / b rounded to nearest even, by integer long division of the significands
  (specials, subnormal operands and results, overflow to inf included).
"""

from __future__ import annotations

__all__ = ["HELPERS"]

_T: dict[str, str] = {}
# the unbiased exponent of x's bit pattern u (-BIAS for zero / subnormal, BIAS + 1 for inf / NaN)
_T["tn_uexp{S}"] = """fn tn_uexp{S}(u: {U}) -> i32 {
  return i32(u32(u >> {MB}u) & {EMASK}u) - {BIAS};
}"""
_T["tn_trunc{S}"] = """fn tn_trunc{S}(x: {F}) -> {F} {
  let u = bitcast<{U}>(x);
  let e = tn_uexp{S}(u);
  if (e >= {MB}) { return x; }
  if (e < 0) { return bitcast<{F}>(u & {SIGN}); }
  return bitcast<{F}>(u & ~((({U}(1)) << u32({MB} - e)) - {U}(1)));
}"""
# t - 1 and t + 1 are exact: t is an integer of magnitude below 2**MB
_T["tn_floor{S}"] = """fn tn_floor{S}(x: {F}) -> {F} {
  let t = tn_trunc{S}(x);
  return select(t, t - {F}(1.0), x < t);
}"""
_T["tn_ceil{S}"] = """fn tn_ceil{S}(x: {F}) -> {F} {
  let t = tn_trunc{S}(x);
  return select(t, t + {F}(1.0), x > t);
}"""
# the nearest integer, ties to even; a carry out of the fraction bits steps the exponent
_T["tn_rint{S}"] = """fn tn_rint{S}(x: {F}) -> {F} {
  let u = bitcast<{U}>(x);
  let e = tn_uexp{S}(u);
  if (e >= {MB}) { return x; }
  let s = u & {SIGN};
  if (e < -1) { return bitcast<{F}>(s); }
  if (e == -1) { return bitcast<{F}>(select(s | {ONE}, s, (u & ~{SIGN}) == {HALF})); }
  let sh = u32({MB} - e);
  let m = ({U}(1) << sh) - {U}(1);
  let f = u & m;
  let h = {U}(1) << (sh - 1u);
  var r = u & ~m;
  if (f > h || (f == h && ((u >> sh) & {U}(1)) == {U}(1))) { r = r + ({U}(1) << sh); }
  return bitcast<{F}>(r);
}"""
# x truncated towards zero, for finite |x| < 2**31 (callers guarantee it)
_T["tn_toi32{X}"] = """fn tn_toi32{X}(x: {F}) -> i32 {
  let u = bitcast<{U}>(x);
  let e = tn_uexp{S}(u);
  if (e < 0) { return 0; }
  let m = (u & {FRAC}) | ({U}(1) << {MB}u);
  var a: u32;
  if (e >= {MB}) { a = u32(m) << u32(e - {MB}); } else { a = u32(m >> u32({MB} - e)); }
  return select(bitcast<i32>(a), -bitcast<i32>(a), (u & {SIGN}) != {U}(0));
}"""
# x truncated towards zero, for finite |x| < 2**63 (callers guarantee it)
_T["tn_toi64{X}"] = """fn tn_toi64{X}(x: {F}) -> i64 {
  let u = bitcast<{U}>(x);
  let e = tn_uexp{S}(u);
  if (e < 0) { return 0li; }
  let m = u64((u & {FRAC}) | ({U}(1) << {MB}u));
  var a: u64;
  if (e >= {MB}) { a = m << u32(e - {MB}); } else { a = m >> u32({MB} - e); }
  return select(bitcast<i64>(a), -bitcast<i64>(a), (u & {SIGN}) != {U}(0));
}"""
# a finite nonzero |x| (bit pattern a) as m * 2**(e - MB) with the integer m in
# [2**MB, 2**(MB+1)): tn_sigm gives m, tn_sige gives e (subnormals normalised)
_T["tn_sigm{S}"] = """fn tn_sigm{S}(a: {U}) -> {U} {
  if ((a >> {MB}u) != {U}(0)) { return (a & {FRAC}) | ({U}(1) << {MB}u); }
  return a << (tn_nlz{S}(a) - (u32({W}) - 1u - {MB}u));
}"""
_T["tn_sige{S}"] = """fn tn_sige{S}(a: {U}) -> i32 {
  let b = i32(u32(a >> {MB}u));
  if (b != 0) { return b - {BIAS}; }
  return 1 - {BIAS} - i32(tn_nlz{S}(a) - (u32({W}) - 1u - {MB}u));
}"""
# NOTE: a / b correctly rounded (ties to even), by long division of the significands: the
# division instruction of WGSL need not be (2.5 ulp for f32; NVIDIA's is not), and
# floor_divide / remainder must be exact to agree with NumPy.
_T["tn_div{S}"] = """fn tn_div{S}(a: {F}, b: {F}) -> {F} {
  let ua = bitcast<{U}>(a);
  let ub = bitcast<{U}>(b);
  let sgn = (ua ^ ub) & {SIGN};
  let xa = ua & ~{SIGN};
  let xb = ub & ~{SIGN};
  if (xa > {INF} || xb > {INF} || (xa == {U}(0) && xb == {U}(0)) || (xa == {INF} && xb == {INF})) {
    return tn_nan{S}();
  }
  if (xa == {INF} || xb == {U}(0)) { return bitcast<{F}>(sgn | {INF}); }
  if (xa == {U}(0) || xb == {INF}) { return bitcast<{F}>(sgn); }
  let mb = tn_sigm{S}(xb);
  var r = tn_sigm{S}(xa);
  var e = tn_sige{S}(xa) - tn_sige{S}(xb);
  if (r < mb) { r = r << 1u; e = e - 1; }
  // r / mb in [1, 2): MB + 2 quotient bits (the leading one, MB fraction bits, a guard bit)
  var q = {U}(0);
  for (var i = 0; i < {MB} + 2; i = i + 1) {
    q = q << 1u;
    if (r >= mb) { r = r - mb; q = q | {U}(1); }
    r = r << 1u;
  }
  // |a / b| = q * 2**(e - MB - 1); the biased exponent of the result is e + BIAS
  let be = e + {BIAS};
  if (be >= 2 * {BIAS} + 1) { return bitcast<{F}>(sgn | {INF}); }
  var sh = 1u;
  var base = {U}(0);
  if (be >= 1) { base = {U}(be - 1) << {MB}u; }
  else if (1 - be > {MB} + 2) { return bitcast<{F}>(sgn); }
  else { sh = u32(2 - be); }
  var m = q >> sh;
  let rest = q & (({U}(1) << sh) - {U}(1));
  let half = {U}(1) << (sh - 1u);
  if (rest > half || (rest == half && (r != {U}(0) || (m & {U}(1)) == {U}(1)))) { m = m + {U}(1); }
  return bitcast<{F}>(sgn | (base + m));
}"""

_F32 = {"{S}": "", "{X}": "", "{F}": "f32",
        "{U}": "u32", "{W}": "32", "{MB}": "23", "{BIAS}": "127",
        "{EMASK}": "0xff", "{SIGN}": "0x80000000u", "{FRAC}": "0x7fffffu",
        "{INF}": "0x7f800000u", "{ONE}": "0x3f800000u", "{HALF}": "0x3f000000u"}
_F64 = {"{S}": "64", "{X}": "_64", "{F}": "f64",
        "{U}": "u64", "{W}": "64", "{MB}": "52", "{BIAS}": "1023",
        "{EMASK}": "0x7ff", "{SIGN}": "0x8000000000000000lu", "{FRAC}": "0xffffffffffffflu",
        "{INF}": "0x7ff0000000000000lu", "{ONE}": "0x3ff0000000000000lu",
        "{HALF}": "0x3fe0000000000000lu"}


def _instantiate(text: str, sub: dict) -> str:
    for k, v in sub.items():
        text = text.replace(k, v)
    return text


HELPERS: dict[str, str] = {_instantiate(k, s): _instantiate(v, s) for k, v in _T.items()
                           for s in (_F32, _F64)}
# NOTE: Vulkan's bit-count instructions take 32-bit operands (a u64 countLeadingZeros aborts
# lavapipe's shader compiler), so the 64-bit count goes in halves
HELPERS["tn_nlz"] = "fn tn_nlz(a: u32) -> u32 { return countLeadingZeros(a); }"
HELPERS["tn_nlz64"] = """fn tn_nlz64(a: u64) -> u32 {
  let hi = u32(a >> 32u);
  return select(32u + countLeadingZeros(u32(a & 0xfffffffflu)), countLeadingZeros(hi), hi != 0u);
}"""
# an i32 as an f64, exactly: the bits of 2**52 + 2**31 + k, minus 2**52 + 2**31 (exact)
HELPERS["tn_f64i32"] = """fn tn_f64i32(k: i32) -> f64 {
  return bitcast<f64>(0x4330000000000000lu | u64(bitcast<u32>(k) ^ 0x80000000u))
    - 4503601774854144.0lf;
}"""
# an f32 rounded to the nearest float16 value, ties to even, kept as an f32: what NumPy's
# float16 arithmetic does to every intermediate result (it computes in f32 and rounds).
# Subnormal halves are multiples of 2**-24 (exact scalings); 65520 and above round to inf.
HELPERS["tn_f16r"] = """fn tn_f16r(x: f32) -> f32 {
  let u = bitcast<u32>(x);
  let a = u & 0x7fffffffu;
  if (a > 0x7f800000u) { return x; }
  if (a >= 0x477ff000u) { return bitcast<f32>((u & 0x80000000u) | 0x7f800000u); }
  if (a < 0x38800000u) { return tn_rint(x * 16777216.0) * 5.9604644775390625e-8; }
  return bitcast<f32>((u + 0xfffu + ((u >> 13u) & 1u)) & 0xffffe000u);
}"""
