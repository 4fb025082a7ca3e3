"""The elementwise ops' WGSL expressions, per op and dtype kind: ``UNARY`` over ``x0``,
``BINARY`` over ``x0`` and ``x1``, in the compute type (``_elementwise`` builds its kernels
from them; ``_lazy``'s fused chains reuse the float32 ones)."""

from __future__ import annotations

__all__ = ["UNARY", "BINARY", "BOOL_OUT"]


def _f(e, d=None):
    """A float op: f32 math, and an f64 expression where one lowers exactly."""
    return {"f": e} if d is None else {"f": e, "d": d}


def _same(e):
    return {k: e for k in "fdiIuU"}


def _pred(e):  # bool result, any kind; {z} is the operand's zero
    return {k: f"select(0u, 1u, {e})" for k in "fdiIuUb"}


# op -> {kind: WGSL expression over x0 (and x1) in the compute type}; results keep the input
# dtype unless the op is in BOOL_OUT.
UNARY = {
    "negative": {"f": "-x0", "d": "-x0", "i": "-x0", "I": "-x0", "u": "0u - x0",
                 "U": "0lu - x0"},
    "positive": _same("x0"),
    "abs": {"f": "abs(x0)", "d": "abs(x0)", "i": "abs(x0)", "I": "abs(x0)", "u": "x0",
            "U": "x0"},
    "exp": _f("exp(x0)", "tn_exp64(x0)"),
    "expm1": _f("tn_expm1(x0)", "tn_expm1_64(x0)"),
    "log": _f("tn_log(x0)", "tn_log64(x0)"),
    "log1p": _f("tn_log1p(x0)", "tn_log1p_64(x0)"),
    "log2": _f("tn_log2(x0)", "tn_log2_64(x0)"),
    "log10": _f("tn_log(x0) * 0.4342944819032518", "tn_log10_64(x0)"),
    "sqrt": _f("tn_sqrt(x0)", "select(sqrt(x0), tn_nan64(), x0 < 0.0lf)"),
    "square": _same("x0 * x0"),
    "sin": _f("tn_sin32(x0)", "tn_sin64(x0)"),
    "cos": _f("tn_cos32(x0)", "tn_cos64(x0)"),
    "tan": _f("tn_tan32(x0)", "tn_tan64(x0)"),
    "asin": _f("tn_asin(x0)", "tn_asin64(x0)"),
    "acos": _f("tn_acos(x0)", "tn_acos64(x0)"),
    "atan": _f("atan(x0)", "tn_atan64(x0)"),
    "sinh": _f("tn_sinh(x0)", "tn_sinh64(x0)"),
    "cosh": _f("tn_cosh(x0)", "tn_cosh64(x0)"),
    "tanh": _f("tn_tanh(x0)", "tn_tanh64(x0)"),
    "asinh": _f("tn_asinh(x0)", "tn_asinh64(x0)"),
    "acosh": _f("tn_acosh(x0)", "tn_acosh64(x0)"),
    "atanh": _f("tn_atanh(x0)", "tn_atanh64(x0)"),
    # bit manipulation, not WGSL's builtins (see _fround: lavapipe mis-lowers f64 round/trunc)
    "floor": {**_same("x0"), "f": "tn_floor(x0)", "d": "tn_floor64(x0)"},
    "ceil": {**_same("x0"), "f": "tn_ceil(x0)", "d": "tn_ceil64(x0)"},
    "trunc": {**_same("x0"), "f": "tn_trunc(x0)", "d": "tn_trunc64(x0)"},
    "round": {**_same("x0"), "f": "tn_rint(x0)", "d": "tn_rint64(x0)"},
    "sign": {"f": "tn_sign(x0)", "d": "select(sign(x0), x0, tn_isnan64(x0))", "i": "sign(x0)",
             "I": "select(select(0li, 1li, x0 > 0li), -1li, x0 < 0li)",
             "u": "select(0u, 1u, x0 > 0u)", "U": "select(0lu, 1lu, x0 > 0lu)"},
    "reciprocal": _f("1.0 / x0", "1.0lf / x0"),
    "sigmoid": _f("tn_sigmoid(x0)", "tn_sigmoid64(x0)"),
    "erf": _f("tn_erf(x0)", "tn_erf64(x0)"),
    "silu": _f("tn_silu(x0)", "tn_silu64(x0)"),
    # relu: 0 where x < 0 tested on the bits (negative, nonzero, not NaN), not "x < 0.0": a
    # driver may turn select(x, 0, x < 0) into max(x, 0), which gives 0 for NaN
    "relu": {"f": "select(x0, 0.0, bitcast<u32>(x0) > 0x80000000u && "
                  "bitcast<u32>(x0) <= 0xff800000u)",
             "d": "select(x0, 0.0lf, bitcast<u64>(x0) > 0x8000000000000000lu && "
                  "bitcast<u64>(x0) <= 0xfff0000000000000lu)",
             "i": "max(x0, 0)", "I": "max(x0, 0li)", "u": "x0", "U": "x0"},
    "signbit": {"f": "select(0u, 1u, (bitcast<u32>(x0) & 0x80000000u) != 0u)",
                "d": "select(0u, 1u, (bitcast<u64>(x0) >> 63u) != 0lu)",
                "i": "select(0u, 1u, x0 < 0)", "I": "select(0u, 1u, x0 < 0li)", "u": "0u",
                "U": "0u"},
    "conj": _same("x0"),
    "isnan": {"f": "select(0u, 1u, tn_isnan(x0))", "d": "select(0u, 1u, tn_isnan64(x0))",
              **{k: "0u" for k in "iIuUb"}},
    "isinf": {"f": "select(0u, 1u, tn_isinf(x0))", "d": "select(0u, 1u, tn_isinf64(x0))",
              **{k: "0u" for k in "iIuUb"}},
    "isfinite": {"f": "select(0u, 1u, tn_isfinite(x0))",
                 "d": "select(0u, 1u, tn_isfinite64(x0))", **{k: "1u" for k in "iIuUb"}},
    "logical_not": _pred("x0 == {z}"),
    "bitwise_invert": {"i": "~x0", "I": "~x0", "u": "~x0", "U": "~x0", "b": "x0 ^ 1u"},
}

# floor_divide / remainder of floats: NumPy's npy_divmod on an exact fmod (tn_divmod_* of
# _elementwise_numpy), so infinite divisors, signed zeros and inexact quotients agree with NumPy
BINARY = {
    "add": _same("x0 + x1"),
    "subtract": _same("x0 - x1"),
    "multiply": _same("x0 * x1"),
    # f32: correctly rounded by integer long division (tn_div), as NumPy's: WGSL's f32 "/" is
    # only required to 2.5 ulp and NVIDIA's is not correctly rounded (around's x * 10 / 10
    # came out 1 ulp off on the H100)
    "divide": _f("tn_div(x0, x1)", "x0 / x1"),
    "floor_divide": {"f": "tn_divmod_q(x0, x1)", "d": "tn_divmod_q64(x0, x1)",
                     "i": "tn_floordiv_i32(x0, x1)", "I": "tn_floordiv_i64(x0, x1)",
                     "u": "tn_floordiv_u32(x0, x1)", "U": "tn_floordiv_u64(x0, x1)"},
    "remainder": {"f": "tn_divmod_r(x0, x1)", "d": "tn_divmod_r64(x0, x1)",
                  "i": "tn_mod_i32(x0, x1)", "I": "tn_mod_i64(x0, x1)",
                  "u": "tn_mod_u32(x0, x1)", "U": "tn_mod_u64(x0, x1)"},
    "pow": {"f": "tn_pow(x0, x1)", "d": "tn_pow64(x0, x1)", "i": "tn_pow_i32(x0, x1)",
            "I": "tn_pow_i64(x0, x1)", "u": "tn_pow_u32(x0, x1)", "U": "tn_pow_u64(x0, x1)"},
    "maximum": {"f": "tn_max(x0, x1)", "d": "tn_max64(x0, x1)",
                **{k: "max(x0, x1)" for k in "iIuUb"}},
    "minimum": {"f": "tn_min(x0, x1)", "d": "tn_min64(x0, x1)",
                **{k: "min(x0, x1)" for k in "iIuUb"}},
    "atan2": _f("atan2(x0, x1)", "tn_atan2_64(x0, x1)"),
    "hypot": _f("tn_hypot(x0, x1)", "tn_hypot64(x0, x1)"),
    "logaddexp": _f("tn_logaddexp(x0, x1)", "tn_logaddexp64(x0, x1)"),
    "copysign": _f("tn_copysign(x0, x1)", "tn_copysign64(x0, x1)"),
    "equal": _pred("x0 == x1"),
    # NOTE: naga's float `!=` is ordered (NaN != x is false); `!(a == b)` is IEEE's `!=`
    "not_equal": _pred("!(x0 == x1)"),
    "less": _pred("x0 < x1"),
    "less_equal": _pred("x0 <= x1"),
    "greater": _pred("x0 > x1"),
    "greater_equal": _pred("x0 >= x1"),
    "logical_and": _pred("!(x0 == {z}) && !(x1 == {z})"),
    "logical_or": _pred("!(x0 == {z}) || !(x1 == {z})"),
    "logical_xor": _pred("(x0 == {z}) != (x1 == {z})"),
    "bitwise_and": {k: "x0 & x1" for k in "iIuUb"},
    "bitwise_or": {k: "x0 | x1" for k in "iIuUb"},
    "bitwise_xor": {k: "x0 ^ x1" for k in "iIuUb"},
    "bitwise_left_shift": {"i": "select(x0 << u32(x1), 0, u32(x1) >= 32u)",
                           "I": "select(x0 << u32(x1), 0li, u64(x1) >= 64lu)",
                           "u": "select(x0 << x1, 0u, x1 >= 32u)",
                           "U": "select(x0 << u32(x1), 0lu, x1 >= 64lu)"},
    "bitwise_right_shift": {"i": "x0 >> min(u32(x1), 31u)",
                            "I": "x0 >> u32(min(u64(x1), 63lu))",
                            "u": "select(x0 >> x1, 0u, x1 >= 32u)",
                            "U": "select(x0 >> u32(min(x1, 63lu)), 0lu, x1 >= 64lu)"},
}
BOOL_OUT = {"signbit", "isnan", "isinf", "isfinite", "logical_not", "equal", "not_equal", "less",
            "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
            "logical_xor"}
