"""GPU kernels of NumPy's less common elementwise functions (``fmod``, ``gcd``, ``frexp``,
``spacing``, ``nan_to_num``, ``i0``, ...), all from the elementwise template of
``_elementwise``.

Each kernel takes the reference kernel's arguments. NumPy decides the result dtypes (its type
resolution runs on empty arrays of the operands' dtypes, so NEP 50 scalar rules hold), array
operands are cast to the dtype NumPy computes in, and one launch per result writes it (two for
``divmod``, ``modf`` and ``frexp``). float64 math is exact arithmetic, bit manipulation and
the ``_f64math`` helpers; the approximate ones (``cbrt``, ``sinc``, ``i0``, ``logaddexp2``)
have kernels for float inputs only (NumPy gives an integer input a float64 or exactly-rounded
float result). ``nextafter`` (a primitive) steps the bit pattern of float32 and float64.

Rows whose decomposition is one primitive launch of the same cost, or a predicate nobody
runs in a loop, have no kernel here: ``rint`` (round), ``fix`` (trunc), ``degrees`` /
``radians`` / ``rad2deg`` / ``deg2rad`` (one multiply by NumPy's constant), ``isposinf`` /
``isneginf`` / ``isreal`` / ``iscomplex`` (issue 13). The kernels kept compute what no short
chain of primitives gets bit-exact (``spacing``, ``frexp``, ``fmod``, ``gcd``, ...) or fuse
a chain into one pass (``nan_to_num``, ``fmax``, ``heaviside``, ``logaddexp2``, ...).
"""

from __future__ import annotations

import numpy as np
from trueno.backend import StridedArray

from . import _codegen
from ._api import astype
from ._codegen import check_dtype, new_array
from ._dtypes import BFLOAT16, dtype_info
from ._elementwise import BINARY, launch, rt_of
from ._errors import GpuDtypeError

__all__ = ["make_kernels", "OPS"]

_PI = "3.141592653589793"

# --- WGSL helpers: f32 versions, f64 twins from the same text ---------------------------------
_I0A = ("-4.4153416464793395e-18, 3.3307945188222384e-17, -2.4312798465479549e-16, "
        "1.7153912855551331e-15, -1.1685332877993451e-14, 7.6761854986049361e-14, "
        "-4.856446783111929e-13, 2.9550526631296399e-12, -1.7268262914415559e-11, "
        "9.675809035373237e-11, -5.1897956016352627e-10, 2.6598237246823866e-09, "
        "-1.300025009986248e-08, 6.0469950225419186e-08, -2.6707938539406119e-07, "
        "1.1173875391201037e-06, -4.4167383584587505e-06, 1.6448448070728896e-05, "
        "-5.754195010082104e-05, 0.00018850288509584165, -0.00057637557453858236, "
        "0.0016394756169413357, -0.0043243099950505759, 0.010546460394594998, "
        "-0.023737414805899471, 0.049305284239670712, -0.094901097048047639, "
        "0.17162090152220877, -0.3046826723431984, 0.67679527440947607")
_I0B = ("-7.2331804878747538e-18, -4.8305044859441819e-18, 4.4656214202967598e-17, "
        "3.4612228676974612e-17, -2.8276239805165836e-16, -3.425485619677219e-16, "
        "1.7725601330565263e-15, 3.8116806693526224e-15, -9.5548466988283073e-15, "
        "-4.1505693472872222e-14, 1.54008621752141e-14, 3.8527783827421426e-13, "
        "7.180124451383666e-13, -1.7941785315068062e-12, -1.3215811840447713e-11, "
        "-3.1499165279632416e-11, 1.1889147107846439e-11, 4.9406023882249701e-10, "
        "3.3962320257083865e-09, 2.266668990498178e-08, 2.0489185894690638e-07, "
        "2.8913705208347567e-06, 6.8897583469168245e-05, 0.0033691164782556943, "
        "0.80449041101410879")


def _chbevl(name: str, coefs: str, t: str = "f32") -> str:
    """Clenshaw's recurrence for a Chebyshev series (NumPy's ``_chbevl``), unrolled, in WGSL
    type ``t`` (f32 or f64)."""
    sfx = "lf" if t == "f64" else ""
    c = [v + sfx for v in coefs.split(", ")]
    body = [f"fn {name}(x: {t}) -> {t} {{", f"  var b0 = {c[0]};", f"  var b1 = 0.0{sfx};",
            f"  var b2 = 0.0{sfx};"]
    for v in c[1:]:
        body.append(f"  b2 = b1; b1 = b0; b0 = x * b1 - b2 + {v};")
    return "\n".join(body + ["  return 0.5 * (b0 - b2);", "}"])


# Bit-level helpers, written once for f32 ({F}=f32, {U}=u32, ...) and instantiated for f64.
_BITS = {
    # 2**k as a float, exactly (subnormal for small k, 0 below, inf above); no arithmetic.
    "tn_pow2{S}": """fn tn_pow2{S}(k: i32) -> {F} {
  if (k > {EMAX}) { return tn_inf{S}(); }
  if (k >= {EMIN}) { return bitcast<{F}>({U}(k + {BIAS}) << {MB}u); }
  if (k >= {EMIN} - {MB}) { return bitcast<{F}>({U}(1) << u32(k - {EMIN} + {MB})); }
  return {F}(0.0);
}""",
    # frexp's exponent and mantissa from the bit pattern (subnormals normalised by hand: the
    # frexp builtin gets them and infinities wrong on lavapipe).
    "tn_frexp_e{S}": """fn tn_frexp_e{S}(x: {F}) -> i32 {
  let a = bitcast<{U}>(x) & {ABS};
  if (a == {U}(0) || a >= {INF}) { return 0; }
  let b = i32(a >> {MB}u);
  if (b == 0) { return i32({W}u - 1u - tn_clz{S}(a)) - {BIAS} - {MB} + 2; }
  return b - {BIAS} + 1;
}""",
    "tn_frexp_m{S}": """fn tn_frexp_m{S}(x: {F}) -> {F} {
  let u = bitcast<{U}>(x);
  let a = u & {ABS};
  if (a == {U}(0) || a >= {INF}) { return x; }
  var m = a;
  if ((a >> {MB}u) == {U}(0)) { m = a << (tn_clz{S}(a) - ({W}u - 1u - {MB}u)); }
  let low = m & (({U}(1) << {MB}u) - {U}(1));
  return bitcast<{F}>((u & ~{ABS}) | ({U}({BIAS} - 1) << {MB}u) | low);
}""",
    # x * 2**e with one rounding (the ldexp builtin is indeterminate for large e).
    "tn_ldexp{S}": """fn tn_ldexp{S}(x: {F}, e: i32) -> {F} {
  if (x == {F}(0.0) || !tn_isfinite{S}(x)) { return x; }
  let k = tn_frexp_e{S}(x) + clamp(e, -4 * {BIAS}, 4 * {BIAS});
  let m = tn_frexp_m{S}(x);
  if (k > {EMAX} + 1) { return tn_copysign{S}(tn_inf{S}(), x); }
  if (k >= {EMIN} + 1) { return (m * {F}(2.0)) * tn_pow2{S}(k - 1); }
  return (m * tn_pow2{S}(-{MB} - 1)) * tn_pow2{S}(k + {MB} + 1);
}""",
    # C's fmod, exactly: subtract y * 2**k while it fits (Sterbenz: each step is exact).
    "tn_fmod{S}": """fn tn_fmod{S}(a: {F}, b: {F}) -> {F} {
  if (b == {F}(0.0) || !tn_isfinite{S}(a) || tn_isnan{S}(b)) { return tn_nan{S}(); }
  let y = abs(b);
  var r = abs(a);
  if (tn_isinf{S}(b) || r < y) { return a; }
  let ey = tn_frexp_e{S}(y);
  for (var it = 0; it < 4 * {BIAS} && r >= y; it = it + 1) {
    let k = tn_frexp_e{S}(r) - ey;
    var t = tn_ldexp{S}(y, k);
    if (t > r) { t = tn_ldexp{S}(y, k - 1); }
    r = r - t;
  }
  return tn_copysign{S}(r, a);
}""",
    # NumPy's npy_divmod (floor_divide and remainder of floats, as one pair), on exact fmod
    "tn_divmod_r{S}": """fn tn_divmod_r{S}(a: {F}, b: {F}) -> {F} {
  var m = tn_fmod{S}(a, b);
  // NOTE: naga's '!=' is an ordered compare (NaN != 0 is false), so NaN goes first
  if (b == {F}(0.0) || tn_isnan{S}(m)) { return m; }
  if (m != {F}(0.0)) {
    if ((b < {F}(0.0)) != (m < {F}(0.0))) { m = m + b; }
  } else { m = tn_copysign{S}({F}(0.0), b); }
  return m;
}""",
    "tn_divmod_q{S}": """fn tn_divmod_q{S}(a: {F}, b: {F}) -> {F} {
  let m = tn_fmod{S}(a, b);
  if (b == {F}(0.0)) { return tn_div{S}(a, b); }
  var d = tn_div{S}(a - m, b);
  if (m != {F}(0.0) && ((b < {F}(0.0)) != (m < {F}(0.0)))) { d = d - {F}(1.0); }
  if (d == {F}(0.0)) { return tn_copysign{S}({F}(0.0), tn_div{S}(a, b)); }
  var q = tn_floor{S}(d);
  if (d - q > {F}(0.5)) { q = q + {F}(1.0); }
  return q;
}""",
    "tn_modf_frac{S}": """fn tn_modf_frac{S}(x: {F}) -> {F} {
  return tn_copysign{S}(select(x - tn_trunc{S}(x), {F}(0.0), tn_isinf{S}(x)), x);
}""",
    "tn_heaviside{S}": """fn tn_heaviside{S}(x: {F}, h: {F}) -> {F} {
  if (tn_isnan{S}(x)) { return x; }
  if (x == {F}(0.0)) { return h; }
  return select({F}(0.0), {F}(1.0), x > {F}(0.0));
}""",
    "tn_nan_to_num{S}": """fn tn_nan_to_num{S}(x: {F}, n: {F}, p: {F}, m: {F}) -> {F} {
  if (tn_isnan{S}(x)) { return n; }
  if (tn_isinf{S}(x)) { return select(m, p, x > {F}(0.0)); }
  return x;
}""",
    "tn_angle{S}": """fn tn_angle{S}(x: {F}) -> {F} {
  if (tn_isnan{S}(x)) { return x; }
  return select({F}(0.0), {F}(PI), (bitcast<{U}>(x) & ~{ABS}) != {U}(0));
}""".replace("PI", _PI),
    # the neighbour of x towards y, by stepping the bit pattern (the smallest subnormal from 0)
    "tn_nextafter{S}": """fn tn_nextafter{S}(x: {F}, y: {F}) -> {F} {
  if (tn_isnan{S}(x) || tn_isnan{S}(y)) { return tn_nan{S}(); }
  if (x == y) { return y; }
  if (x == {F}(0.0)) { return tn_copysign{S}(bitcast<{F}>({U}(1)), y); }
  let u = bitcast<{U}>(x);
  return bitcast<{F}>(select(u - {U}(1), u + {U}(1), (y > x) == (x > {F}(0.0))));
}""",
    # NumPy's fmax/fmin: a NaN loses to a number.
    "tn_fmax{S}": """fn tn_fmax{S}(a: {F}, b: {F}) -> {F} {
  return select(b, a, a >= b || tn_isnan{S}(b));
}""",
    "tn_fmin{S}": """fn tn_fmin{S}(a: {F}, b: {F}) -> {F} {
  return select(b, a, a <= b || tn_isnan{S}(b));
}""",
    # the distance to the next float of format (MB mantissa bits, exponent >= EMIN, largest
    # finite value BIG) away from zero, with x's sign (+ at zero): NumPy's float32/float64 rule
    "tn_spacing{S}": """fn tn_spacing{S}(x: {F}, mb: i32, emin: i32, big: {F}, neg0: bool) -> {F} {
  if (!tn_isfinite{S}(x)) { return tn_nan{S}(); }
  let a = abs(x);
  if (a == big) { return tn_copysign{S}(tn_inf{S}(), x); }
  let e = max(i32((bitcast<{U}>(a) >> {MB}u)) - {BIAS}, emin);
  let s = tn_pow2{S}(e - mb);
  let negative_zero = x == {F}(0.0) && (bitcast<{U}>(x) & ~{ABS}) != {U}(0);
  return select(s, -s, x < {F}(0.0) || (neg0 && negative_zero));
}""",
}
_F32 = {"{S}": "", "{F}": "f32", "{U}": "u32", "{W}": "32", "{MB}": "23", "{BIAS}": "127",
        "{EMIN}": "-126", "{EMAX}": "127", "{ABS}": "0x7fffffffu", "{INF}": "0x7f800000u"}
_F64 = {"{S}": "64", "{F}": "f64", "{U}": "u64", "{W}": "64", "{MB}": "52", "{BIAS}": "1023",
        "{EMIN}": "-1022", "{EMAX}": "1023", "{ABS}": "0x7ffffffffffffffflu",
        "{INF}": "0x7ff0000000000000lu"}


def _instantiate(text: str, sub: dict) -> str:
    for k, v in sub.items():
        text = text.replace(k, v)
    return text


_MORE = {
    "tn_clz": "fn tn_clz(a: u32) -> u32 { return countLeadingZeros(a); }",
    # NOTE: Vulkan's bit-count instructions take 32-bit operands (a u64 countLeadingZeros
    # aborts lavapipe's shader compiler), so 64-bit words go in halves
    "tn_popcount64": """fn tn_popcount64(a: u64) -> u32 {
  return countOneBits(u32(a & 0xfffffffflu)) + countOneBits(u32(a >> 32u));
}""",
    "tn_clz64": """fn tn_clz64(a: u64) -> u32 {
  let hi = u32(a >> 32u);
  return select(32u + countLeadingZeros(u32(a & 0xfffffffflu)), countLeadingZeros(hi), hi != 0u);
}""",
}
_MORE |= {_instantiate(k, sub): _instantiate(v, sub) for k, v in _BITS.items()
         for sub in (_F32, _F64)}
_MORE.update({
    # float16 as NumPy's npy_half_spacing: always positive; a negative power of two gets the
    # (smaller) spacing of the binade below it.
    "tn_spacing_f16": """fn tn_spacing_f16(x: f32) -> f32 {
  if (!tn_isfinite(x)) { return tn_nan(); }
  if (x == 65504.0) { return tn_inf(); }
  let a = abs(x);
  var e = max(i32(bitcast<u32>(a) >> 23u) - 127, -14);
  if (x < 0.0 || (x == 0.0 && (bitcast<u32>(x) >> 31u) != 0u)) {
    if ((bitcast<u32>(a) & 0x7fffffu) == 0u) { e = max(e - 1, -14); }
  }
  return tn_pow2(e - 10);
}""",
    # exact powers of two at integers (the exp2 builtin need not be)
    "tn_exp2": """fn tn_exp2(x: f32) -> f32 {
  if (x == tn_floor(x) && abs(x) < 1000.0) { return tn_pow2(tn_toi32(x)); }
  return select(exp2(x), x, tn_isnan(x));
}""",
    # exp2/log2 guess, then one Newton step that never forms y**3 (no overflow near max)
    "tn_cbrt": """fn tn_cbrt(x: f32) -> f32 {
  if (x == 0.0 || !tn_isfinite(x)) { return x; }
  let a = abs(x);
  var y = exp2(log2(a) / 3.0);
  y = y + (a / (y * y) - y) / 3.0;
  return select(y, -y, x < 0.0);
}""",
    "tn_logaddexp2": """fn tn_logaddexp2(a: f32, b: f32) -> f32 {
  if (a == b) { return a + 1.0; }
  let d = a - b;
  if (tn_isnan(d)) { return d; }
  return tn_max(a, b) + tn_log1p(exp2(-abs(d))) * 1.4426950408889634;
}""",
    "tn_i0_a": _chbevl("tn_i0_a", _I0A),
    "tn_i0_b": _chbevl("tn_i0_b", _I0B),
    "tn_i0_a64": _chbevl("tn_i0_a64", _I0A, "f64"),
    "tn_i0_b64": _chbevl("tn_i0_b64", _I0B, "f64"),
    "tn_i0_64": """fn tn_i0_64(x: f64) -> f64 {
  let a = abs(x);
  if (a <= 8.0lf) { return tn_exp64(a) * tn_i0_a64(a / 2.0lf - 2.0lf); }
  return tn_exp64(a) * tn_i0_b64(32.0lf / a - 2.0lf) / sqrt(a);
}""",
    # Cephes' i0 (NumPy's np.i0): Chebyshev series on [0, 8] and (8, inf)
    "tn_i0": """fn tn_i0(x: f32) -> f32 {
  let a = abs(x);
  if (a <= 8.0) { return exp(a) * tn_i0_a(a / 2.0 - 2.0); }
  return exp(a) * tn_i0_b(32.0 / a - 2.0) / sqrt(a);
}""",
    "tn_gcd_u32": """fn tn_gcd_u32(a: u32, b: u32) -> u32 {
  var x = a;
  var y = b;
  loop { if (y == 0u) { break; } let t = x % y; x = y; y = t; }
  return x;
}""",
    "tn_gcd_u64": """fn tn_gcd_u64(a: u64, b: u64) -> u64 {
  var x = a;
  var y = b;
  loop { if (y == 0lu) { break; } let t = x % y; x = y; y = t; }
  return x;
}""",
    # NumPy's lcm: |a / gcd * b|, wrapping as C's int arithmetic does
    "tn_lcm_u32": """fn tn_lcm_u32(a: u32, b: u32) -> u32 {
  let g = tn_gcd_u32(a, b);
  return select((a / max(g, 1u)) * b, 0u, g == 0u);
}""",
    "tn_lcm_u64": """fn tn_lcm_u64(a: u64, b: u64) -> u64 {
  let g = tn_gcd_u64(a, b);
  return select((a / max(g, 1lu)) * b, 0lu, g == 0lu);
}""",
    # C's '%' on integers (sign of the dividend); x % 0 == 0 as in NumPy
    "tn_fmod_i32": """fn tn_fmod_i32(a: i32, b: i32) -> i32 {
  return select(a - (a / b) * b, 0, b == 0 || b == -1);
}""",
    "tn_fmod_i64": """fn tn_fmod_i64(a: i64, b: i64) -> i64 {
  return select(a - (a / b) * b, 0li, b == 0li || b == -1li);
}""",
})
_codegen._HELPERS.update(_MORE)


# --- the op table -----------------------------------------------------------------------------
def _fd(f: str, d: str | None = None) -> dict:
    """f32 math (kind f) and, where it lowers exactly, the f64 twin (kind d)."""
    return {"f": f} if d is None else {"f": f, "d": d}


def _fd_bits(fn: str, args: str = "x0") -> dict:
    return {"f": f"{fn}({args})", "d": f"{fn}64({args})"}


_INTS = "iIuUb"
_SPACING = {"float32": "tn_spacing(x0, 23, -126, 3.4028234663852886e38, false)",
            "bfloat16": "tn_spacing(x0, 7, -126, 3.3895313892515355e38, true)",
            "float16": "tn_spacing_f16(x0)",
            "float64": "tn_spacing64(x0, 52, -1022, 1.7976931348623157e308lf, false)"}


class _Spec:
    """How one op runs: an expression table per result ({kind: WGSL over x0, x1, ...} or a
    function of the result dtype), and which dtype picks the kind ("out": the first result's,
    to which the array operands are cast; "in": the first operand's, no cast)."""

    __slots__ = ("outs", "kind_from")

    def __init__(self, *outs, kind_from="out"):
        self.outs = outs
        self.kind_from = kind_from


OPS: dict[str, _Spec] = {
    "exp2": _Spec(_fd("tn_exp2(x0)", "tn_exp2_64(x0)")),
    "cbrt": _Spec(_fd("tn_cbrt(x0)", "tn_cbrt64(x0)")),
    "sinc": _Spec(_fd("tn_sinc32(x0)", "tn_sinc64(x0)")),
    "i0": _Spec(_fd("tn_i0(x0)", "tn_i0_64(x0)")),
    "angle": _Spec(_fd_bits("tn_angle")),
    "spacing": _Spec({"f": lambda dt: _SPACING[dt.name], "d": lambda dt: _SPACING[dt.name]}),
    "nan_to_num": _Spec({**_fd_bits("tn_nan_to_num", "x0, x1, x2, x3"),
                         **dict.fromkeys(_INTS, "x0")}),
    "bitwise_count": _Spec({"i": "u32(countOneBits(abs(x0)))",
                            "I": "tn_popcount64(u64(abs(x0)))", "U": "tn_popcount64(x0)",
                            **dict.fromkeys("ub", "u32(countOneBits(x0))")}, kind_from="in"),
    "frexp": _Spec(_fd_bits("tn_frexp_m"), _fd_bits("tn_frexp_e")),
    "modf": _Spec(_fd_bits("tn_modf_frac"), _fd_bits("tn_trunc")),
    "fmod": _Spec({**_fd_bits("tn_fmod", "x0, x1"), "i": "tn_fmod_i32(x0, x1)",
                   "I": "tn_fmod_i64(x0, x1)", "u": "tn_mod_u32(x0, x1)",
                   "U": "tn_mod_u64(x0, x1)"}),
    "fmax": _Spec({**_fd_bits("tn_fmax", "x0, x1"), **dict.fromkeys(_INTS, "max(x0, x1)")}),
    "fmin": _Spec({**_fd_bits("tn_fmin", "x0, x1"), **dict.fromkeys(_INTS, "min(x0, x1)")}),
    "heaviside": _Spec(_fd_bits("tn_heaviside", "x0, x1")),
    "logaddexp2": _Spec(_fd("tn_logaddexp2(x0, x1)", "tn_logaddexp2_64(x0, x1)")),
    "nextafter": _Spec(_fd_bits("tn_nextafter", "x0, x1")),
    "ldexp": _Spec(_fd_bits("tn_ldexp", "x0, x1")),
    "gcd": _Spec({"i": "bitcast<i32>(tn_gcd_u32(u32(abs(x0)), u32(abs(x1))))",
                  "I": "bitcast<i64>(tn_gcd_u64(u64(abs(x0)), u64(abs(x1))))",
                  "u": "tn_gcd_u32(x0, x1)", "U": "tn_gcd_u64(x0, x1)"}),
    "lcm": _Spec({"i": "bitcast<i32>(tn_lcm_u32(u32(abs(x0)), u32(abs(x1))))",
                  "I": "bitcast<i64>(tn_lcm_u64(u64(abs(x0)), u64(abs(x1))))",
                  "u": "tn_lcm_u32(x0, x1)", "U": "tn_lcm_u64(x0, x1)"}),
    "divmod": _Spec({**BINARY["floor_divide"], **_fd_bits("tn_divmod_q", "x0, x1")},
                    {**BINARY["remainder"], **_fd_bits("tn_divmod_r", "x0, x1")}),
}

# ldexp's exponent operand stays an integer: WGSL wants i32 (clamped; huge exponents only
# decide between 0 and inf)
_EXPONENT = {"i": "x1", "b": "i32(x1)", "u": "i32(min(x1, 100000u))",
             "I": "i32(clamp(x1, -100000li, 100000li))"}


# --- running one op ---------------------------------------------------------------------------
def _result_dtypes(name: str, xs, params) -> list[np.dtype]:
    """NumPy's result dtypes for these operands (its type resolution on empty arrays)."""
    probe = [np.empty(0, x.dtype) if hasattr(x, "dtype") else x for x in xs]
    with np.errstate(all="ignore"):
        out = getattr(np, name)(*probe, **params)
    return [np.asarray(o).dtype for o in (out if isinstance(out, tuple) else (out,))]


def _unsupported(name: str, dtype) -> GpuDtypeError:
    return GpuDtypeError(
        f"gpu: {name}: no kernel computes a {np.dtype(dtype).name} result (float64 has only "
        f"kernels that lower exactly on the GPU)\n  hint: x.astype('float32') on the GPU, or "
        f"compute on the CPU: x.to_device('cpu')")


def _extra_operands(name, outs, params) -> list:
    """nan_to_num's three replacement values, cast to the result dtype as NumPy casts them."""
    dt = outs[0]
    if name != "nan_to_num" or dt.kind not in "fV":
        return []
    kw = {k: params.get(k) for k in ("nan", "posinf", "neginf")}
    kw["nan"] = 0.0 if kw["nan"] is None else kw["nan"]
    vals = np.nan_to_num(np.array([np.nan, np.inf, -np.inf], dt), **kw)
    return [(float(v), dt) for v in vals.astype(np.float64)]


def run(name: str, *xs, **params):
    """Op ``name`` on device arrays / scalars ``xs``: NumPy's result dtypes, GPU math."""
    spec = OPS[name]
    arrays = [x for x in xs if isinstance(x, StridedArray)]
    rt = rt_of(arrays[0])
    outs = _result_dtypes(name, xs, {k: v for k, v in params.items() if k != "copy"})
    compute = outs[0] if spec.kind_from == "out" else arrays[0].dtype
    cdt = dtype_info(compute)
    for o in outs:  # result dtypes also follow from params: the registration cannot vouch
        if o != arrays[0].dtype:
            check_dtype(rt, o, name)
    if cdt.tkey not in spec.outs[0]:
        raise _unsupported(name, compute)
    ops = []
    for j, x in enumerate(xs):
        if name == "ldexp" and j == 1:  # the exponent keeps its integer type
            if not isinstance(x, StridedArray):
                x = (int(np.clip(x, -100000, 100000)), np.dtype(np.int32))
        elif spec.kind_from == "out":
            if isinstance(x, StridedArray):
                x = x if x.dtype == compute else astype(x, compute)
            else:
                x = (x, compute)
        ops.append(x)
    ops += _extra_operands(name, outs, params)
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    results = []
    for table, dtype in zip(spec.outs, outs):
        expr = table[cdt.tkey]
        expr = expr(dtype_info(dtype)) if callable(expr) else expr
        if name == "ldexp":
            e = ops[1]
            ekind = dtype_info(e.dtype if isinstance(e, StridedArray) else e[1]).tkey
            if ekind not in _EXPONENT:
                raise _unsupported(name, np.uint64)
            expr = expr.replace("x1", _EXPONENT[ekind])
        out = new_array(rt, shape, dtype)
        results.append(launch(("more", name, expr), expr, ops, out, rt))
    return tuple(results) if len(results) > 1 else results[0]


def _registers(name: str, dtype: str) -> bool:
    """Whether ``name`` gets a kernel for inputs of ``dtype``: NumPy accepts them, the GPU
    holds every result, and an expression exists for the kind it computes in."""
    x = np.empty(0, BFLOAT16 if dtype == "bfloat16" else np.dtype(dtype))
    probe = [x, x] if name in _BINARY else [x]
    if name == "ldexp":
        probe = [x, np.empty(0, np.int32)]
    try:
        outs = _result_dtypes(name, probe, {})
    except (TypeError, ValueError):
        return False
    if any(dtype_info(o) is None for o in outs):
        return False
    if name in _APPROX and x.dtype.kind not in "fV":
        return False
    if name in _BIT_STEP and dtype not in ("float32", "float64"):
        return False  # f32 bit steps are not float16 / bfloat16 steps
    compute = outs[0] if OPS[name].kind_from == "out" else x.dtype
    return dtype_info(compute).tkey in OPS[name].outs[0]


# f32 math within an ulp or two of NumPy's: kernels for float inputs only, whose tests (and
# users) expect float rounding; an integer input's float result would be held to exactness
_APPROX = {"cbrt", "logaddexp2", "sinc", "i0"}
_BIT_STEP = {"nextafter"}
_BINARY = {"fmod", "gcd", "lcm", "ldexp", "heaviside", "logaddexp2", "fmax", "fmin", "divmod",
           "nextafter"}


def _kernel(name: str):
    def kernel(*xs, **params):
        return run(name, *xs, **params)
    kernel.__name__ = kernel.__qualname__ = name
    return kernel


def make_kernels(dtypes) -> dict:
    """op name -> {dtype name: kernel}."""
    table: dict = {}
    for name in OPS:
        table[name] = {d: _kernel(name) for d in dtypes if _registers(name, d)}
    return table
