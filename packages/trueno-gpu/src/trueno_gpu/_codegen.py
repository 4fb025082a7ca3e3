"""WGSL building blocks shared by every kernel family: helper functions, strided addressing,
array allocation and the host-side layout algebra (broadcast strides, dimension collapsing).

Every shader has binding 0 = ``P: array<u32>``, its slice of the batch's metadata arena
(shapes, strides, offsets, scalar operands as bit patterns). Signed strides and offsets are
stored as two's-complement u32 words and read back with ``bitcast<i32>``.
"""

from __future__ import annotations

import math
import os
import re

import numpy as np
from trueno.backend import StridedArray, contiguous_strides

from ._dtypes import DType, dtype_info
from ._errors import GpuDtypeError
from ._f32trig import TRIG32
from ._f64math import HELPERS as F64_MATH
from ._fround import HELPERS as FROUND
from ._pool import size_class

__all__ = ["helpers", "header", "new_array", "bcast_strides", "collapse", "scalar_bits",
           "LINEAR_ID", "WG", "i32w", "check_dtype", "convert", "ZERO", "scalar_load",
           "index_dtype"]

WG = 256  # threads per workgroup of the 1-D kernels

# The linear invocation id over a 2-D grid of workgroups (see Runtime.dispatch).
LINEAR_ID = (
    "@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, "
    "@builtin(local_invocation_index) li: u32"
)

# Helper functions, pulled into a shader when its text calls them. Order does not matter in
# WGSL. NaN and infinity come from bitcasts inside functions (naga rejects them as constants).
_HELPERS = {
    "tn_nan": "fn tn_nan() -> f32 { return bitcast<f32>(0x7fc00000u); }",
    "tn_inf": "fn tn_inf() -> f32 { return bitcast<f32>(0x7f800000u); }",
    "tn_isnan": "fn tn_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }",
    "tn_isinf": "fn tn_isinf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }",
    "tn_isfinite": "fn tn_isfinite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) < 0x7f800000u; }",
    # NumPy's maximum/minimum propagate NaN; WGSL's max/min need not.
    "tn_max": """fn tn_max(a: f32, b: f32) -> f32 {
  if (tn_isnan(a) || tn_isnan(b)) { return tn_nan(); }
  return max(a, b);
}""",
    "tn_min": """fn tn_min(a: f32, b: f32) -> f32 {
  if (tn_isnan(a) || tn_isnan(b)) { return tn_nan(); }
  return min(a, b);
}""",
    "tn_log": "fn tn_log(x: f32) -> f32 { return select(log(x), tn_nan(), x < 0.0); }",
    "tn_log2": "fn tn_log2(x: f32) -> f32 { return select(log2(x), tn_nan(), x < 0.0); }",
    "tn_sqrt": "fn tn_sqrt(x: f32) -> f32 { return select(sqrt(x), tn_nan(), x < 0.0); }",
    # Kahan's tricks: exact for tiny x where exp(x) - 1 would cancel.
    "tn_expm1": """fn tn_expm1(x: f32) -> f32 {
  if (abs(x) < 1e-5) { return x + 0.5 * x * x; }
  let u = exp(x);
  if (u == 1.0) { return x; }
  let um1 = u - 1.0;
  if (um1 == -1.0 || tn_isinf(u)) { return um1; }
  return um1 * (x / log(u));
}""",
    "tn_log1p": """fn tn_log1p(x: f32) -> f32 {
  if (x < -1.0) { return tn_nan(); }
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (tn_isinf(u) || u == 0.0) { return log(u); }
  return log(u) * (x / (u - 1.0));
}""",
    "tn_tanh": """fn tn_tanh(x: f32) -> f32 {
  if (tn_isnan(x)) { return x; }
  let e = tn_expm1(-2.0 * abs(x));
  let t = -e / (2.0 + e);
  return select(t, -t, x < 0.0);
}""",
    "tn_sinh": """fn tn_sinh(x: f32) -> f32 {
  let a = abs(x);
  var s: f32;
  if (a < 1.0) { s = 0.5 * (tn_expm1(a) - tn_expm1(-a)); }
  else { let h = exp(a - 0.6931471805599453); s = h - 0.25 / h; }
  return select(s, -s, x < 0.0);
}""",
    "tn_cosh": """fn tn_cosh(x: f32) -> f32 {
  let h = exp(abs(x) - 0.6931471805599453);
  return h + 0.25 / h;
}""",
    "tn_asinh": """fn tn_asinh(x: f32) -> f32 {
  let a = abs(x);
  var r: f32;
  if (a > 1e18) { r = log(a) + 0.6931471805599453; }
  else { r = tn_log1p(a + a * a / (1.0 + sqrt(1.0 + a * a))); }
  return select(r, -r, x < 0.0);
}""",
    "tn_acosh": """fn tn_acosh(x: f32) -> f32 {
  if (x < 1.0) { return tn_nan(); }
  if (x > 1e18) { return log(x) + 0.6931471805599453; }
  let t = x - 1.0;
  return tn_log1p(t + sqrt(2.0 * t + t * t));
}""",
    "tn_atanh": """fn tn_atanh(x: f32) -> f32 {
  let a = abs(x);
  if (a > 1.0) { return tn_nan(); }
  let r = 0.5 * tn_log1p(2.0 * a / (1.0 - a));
  return select(r, -r, x < 0.0);
}""",
    # NOTE: lavapipe's asin/acos are off by 4e-4; atan2 of the exact pair is not.
    "tn_asin": """fn tn_asin(x: f32) -> f32 {
  if (abs(x) > 1.0) { return tn_nan(); }
  return atan2(x, sqrt((1.0 - x) * (1.0 + x)));
}""",
    "tn_acos": """fn tn_acos(x: f32) -> f32 {
  if (abs(x) > 1.0) { return tn_nan(); }
  return atan2(sqrt((1.0 - x) * (1.0 + x)), x);
}""",
    "tn_sign": "fn tn_sign(x: f32) -> f32 { return select(sign(x), x, tn_isnan(x)); }",
    "tn_sigmoid": """fn tn_sigmoid(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}""",
    # Taylor series near 0, Abramowitz & Stegun 7.1.26 elsewhere (|error| < 1.5e-7).
    "tn_erf": """fn tn_erf(x: f32) -> f32 {
  let a = abs(x);
  if (tn_isnan(x)) { return x; }
  if (a < 0.5) {
    let z = x * x;
    return 1.1283791670955126 * x * (1.0 + z * (-0.3333333333 + z * (0.1 + z * (-0.0238095238
      + z * (0.0046296296 - z * 0.0007575758)))));
  }
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
    + t * 1.061405429))));
  let r = 1.0 - p * exp(-a * a);
  return select(r, -r, x < 0.0);
}""",
    "tn_pow": """fn tn_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0 || a == 1.0) { return 1.0; }
  if (tn_isnan(a) || tn_isnan(b)) { return tn_nan(); }
  if (a == 0.0) { return select(tn_inf(), 0.0, b > 0.0); }
  if (a < 0.0) {
    if (tn_isinf(b)) { return pow(-a, b); }
    if (b != tn_floor(b)) { return tn_nan(); }
    let r = pow(-a, b);
    return select(r, -r, tn_floor(b * 0.5) != b * 0.5);
  }
  return pow(a, b);
}""",
    "tn_hypot": """fn tn_hypot(a: f32, b: f32) -> f32 {
  let x = abs(a);
  let y = abs(b);
  if (tn_isinf(x) || tn_isinf(y)) { return tn_inf(); }
  if (tn_isnan(x) || tn_isnan(y)) { return tn_nan(); }
  let m = max(x, y);
  if (m == 0.0) { return 0.0; }
  let q = min(x, y) / m;
  return m * sqrt(1.0 + q * q);
}""",
    "tn_logaddexp": """fn tn_logaddexp(a: f32, b: f32) -> f32 {
  if (a == b) { return a + 0.6931471805599453; }
  return tn_max(a, b) + tn_log1p(exp(-abs(a - b)));
}""",
    "tn_copysign": """fn tn_copysign(a: f32, b: f32) -> f32 {
  return bitcast<f32>((bitcast<u32>(a) & 0x7fffffffu) | (bitcast<u32>(b) & 0x80000000u));
}""",
    # Round to the nearest bfloat16, ties to even (what ml_dtypes' astype does).
    "tn_bf16": """fn tn_bf16(x: f32) -> f32 {
  if (tn_isnan(x)) { return x; }
  let u = bitcast<u32>(x);
  return bitcast<f32>((u + 0x7fffu + ((u >> 16u) & 1u)) & 0xffff0000u);
}""",
    "tn_gelu": "fn tn_gelu(x: f32) -> f32 { return 0.5 * x * (1.0 + tn_erf(x * 0.7071067811865476)); }",
    "tn_gelu_tanh": """fn tn_gelu_tanh(x: f32) -> f32 {
  return 0.5 * x * (1.0 + tn_tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}""",
    "tn_silu": "fn tn_silu(x: f32) -> f32 { return x * tn_sigmoid(x); }",
    # Python/NumPy floor division and modulo on integers; x // 0 == x % 0 == 0 as in NumPy.
    "tn_floordiv_i32": """fn tn_floordiv_i32(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  if (b == -1) { return 0 - a; }
  let q = a / b;
  let r = a - q * b;  // the remainder without '%' (seen off on an NVIDIA driver)
  return select(q, q - 1, (r != 0) && ((r < 0) != (b < 0)));
}""",
    # NOTE: signed '%' gave wrong remainders on the H100's Vulkan driver (driver 580, naga
    # from wgpu 0.31.1); a - (a / b) * b is exact everywhere.
    "tn_srem_i32": "fn tn_srem_i32(a: i32, b: i32) -> i32 { return a - (a / b) * b; }",
    "tn_mod_i32": """fn tn_mod_i32(a: i32, b: i32) -> i32 {
  if (b == 0 || b == -1) { return 0; }
  let r = tn_srem_i32(a, b);
  return select(r, r + b, (r != 0) && ((r < 0) != (b < 0)));
}""",
    "tn_floordiv_u32": "fn tn_floordiv_u32(a: u32, b: u32) -> u32 { return select(a / b, 0u, b == 0u); }",
    "tn_mod_u32": "fn tn_mod_u32(a: u32, b: u32) -> u32 { return select(a % b, 0u, b == 0u); }",
}
_HELPERS.update({
    "tn_nan64": "fn tn_nan64() -> f64 { return bitcast<f64>(0x7ff8000000000000lu); }",
    "tn_inf64": "fn tn_inf64() -> f64 { return bitcast<f64>(0x7ff0000000000000lu); }",
    "tn_isnan64": "fn tn_isnan64(x: f64) -> bool { return (bitcast<u64>(x) & 0x7ffffffffffffffflu) > 0x7ff0000000000000lu; }",
    "tn_isinf64": "fn tn_isinf64(x: f64) -> bool { return (bitcast<u64>(x) & 0x7ffffffffffffffflu) == 0x7ff0000000000000lu; }",
    "tn_isfinite64": "fn tn_isfinite64(x: f64) -> bool { return (bitcast<u64>(x) & 0x7ffffffffffffffflu) < 0x7ff0000000000000lu; }",
    "tn_max64": """fn tn_max64(a: f64, b: f64) -> f64 {
  if (tn_isnan64(a) || tn_isnan64(b)) { return tn_nan64(); }
  return max(a, b);
}""",
    "tn_min64": """fn tn_min64(a: f64, b: f64) -> f64 {
  if (tn_isnan64(a) || tn_isnan64(b)) { return tn_nan64(); }
  return min(a, b);
}""",
    "tn_copysign64": """fn tn_copysign64(a: f64, b: f64) -> f64 {
  return bitcast<f64>((bitcast<u64>(a) & 0x7ffffffffffffffflu) | (bitcast<u64>(b) & 0x8000000000000000lu));
}""",
    "tn_floordiv_i64": """fn tn_floordiv_i64(a: i64, b: i64) -> i64 {
  if (b == 0li) { return 0li; }
  if (b == -1li) { return 0li - a; }
  let q = a / b;
  let r = a - q * b;
  return select(q, q - 1li, (r != 0li) && ((r < 0li) != (b < 0li)));
}""",
    "tn_mod_i64": """fn tn_mod_i64(a: i64, b: i64) -> i64 {
  if (b == 0li || b == -1li) { return 0li; }
  let r = a - (a / b) * b;
  return select(r, r + b, (r != 0li) && ((r < 0li) != (b < 0li)));
}""",
    "tn_floordiv_u64": "fn tn_floordiv_u64(a: u64, b: u64) -> u64 { return select(a / max(b, 1lu), 0lu, b == 0lu); }",
    "tn_mod_u64": "fn tn_mod_u64(a: u64, b: u64) -> u64 { return select(a % max(b, 1lu), 0lu, b == 0lu); }",
})


def _int_pow(t: str, ut: str, suffix: str) -> str:
    """``a ** b`` by squaring for a WGSL integer type ``t`` (unsigned twin ``ut``); the literal
    ``suffix`` is "" / "u" for 32 bits and "li" / "lu" for 64 bits. Negative exponents follow
    NumPy's integer rule (1 and -1 stay finite, everything else gives 0)."""
    one, zero = f"1{suffix}", f"0{suffix}"
    uone, uzero = ("1lu", "0lu") if ut == "u64" else ("1u", "0u")
    neg = (f"  if (b < {zero}) {{ return select(select({zero}, {one}, a == {one}), "
           f"select({one}, -{one}, (b & {one}) != {zero}), a == -{one}); }}\n"
           if t in ("i32", "i64") else "")
    e = f"{ut}(b)" if t != ut else "b"
    return (f"fn tn_pow_{t}(a: {t}, b: {t}) -> {t} {{\n{neg}  var r = {one};\n  var x = a;\n"
            f"  var e = {e};\n  loop {{\n    if (e == {uzero}) {{ break; }}\n"
            f"    if ((e & {uone}) != {uzero}) {{ r = r * x; }}\n    x = x * x;\n"
            f"    e = e >> 1u;\n  }}\n  return r;\n}}")


_HELPERS.update({f"tn_pow_{t}": _int_pow(t, ut, sfx) for t, ut, sfx in (
    ("i32", "u32", ""), ("u32", "u32", "u"), ("i64", "u64", "li"), ("u64", "u64", "lu"))})
_P0 = r"[^()]"
_P2 = rf"\((?:{_P0}|\((?:{_P0}|\({_P0}\))*\))*\)"  # a parenthesised group, nested twice
_ATOM = rf"(?:[A-Za-z_]\w*(?:{_P2})?(?:\.[xy])?|\d+\.\d*(?:e[+-]?\d+)?lf|{_P2})"
_PROD = rf"{_ATOM}(?:\s*\*\s*{_ATOM})*"
_START = r"([(=,]\s*|\breturn\s+)"
_END = r"(?!\s*[*/\w.(])"
_FUSE = [(re.compile(rf"{_START}({_PROD})\s*\*\s*({_ATOM})\s*([+-])\s*({_ATOM}){_END}"),
          lambda m: f"{m[1]}tn_fmaemu64({m[2]}, {m[3]}, {'-' if m[4] == '-' else ''}({m[5]}))"),
         (re.compile(rf"{_START}({_ATOM})\s*([+-])\s*({_PROD})\s*\*\s*({_ATOM}){_END}"),
          lambda m: f"{m[1]}tn_fmaemu64({'-' if m[3] == '-' else ''}({m[4]}), {m[5]}, {m[2]})")]


def contract(src: str) -> str:
    """``src`` with every ``a * b + c``, ``a * b - c``, ``c + a * b`` and ``c - a * b`` that a
    contracting compiler could fuse written as ``fma(...)``: a test-only emulation of NVIDIA's
    contraction on drivers that never contract (lavapipe). Conservative: operands are names,
    literals, calls and groups, and only whole subexpressions are rewritten."""
    for _ in range(20):
        new = src
        for pat, sub in _FUSE:
            new = pat.sub(sub, new)
        if new == src:
            return src
        src = new
    return src


_FLIP = {"+": "-", "-": "+"}
_RIGHT = re.compile(rf"{_START}({_ATOM})\s*([+-])\s*\(\s*({_ATOM})\s*([+-])\s*({_ATOM})\s*\)"
                    rf"{_END}")
_LEFT = re.compile(rf"{_START}\(\s*({_ATOM})\s*([+-])\s*({_ATOM})\s*\)\s*([+-])\s*({_ATOM})"
                   rf"{_END}")


def reassociate(src: str, way: str) -> str:
    """``src`` with sums regrouped as a reassociating compiler may (naga never marks float ops
    exact): ``way="right"`` turns a + (b - c) into (a + b) - c, ``way="left"`` turns
    (a + b) - c into a + (b - c), for every such whole subexpression (one pass). A test-only
    emulation: NVIDIA's compiler was seen to spoil double-double steps that way."""
    if way == "right":
        return _RIGHT.sub(lambda m: f"{m[1]}({m[2]} {m[3]} {m[4]}) "
                                    f"{m[5] if m[3] == '+' else _FLIP[m[5]]} {m[6]}", src)
    return _LEFT.sub(lambda m: f"{m[1]}{m[2]} {m[3]} ({m[4]} "
                               f"{m[5] if m[3] == '+' else _FLIP[m[5]]} {m[6]})", src)


# a * b + c with (nearly) one rounding, from the protected exact product and sum: lavapipe's
# fma(f64) builtin is not a fused operation (it spoils even exact Dekker error terms)
_FMAEMU = """fn tn_fmaemu64(a: f64, b: f64, c: f64) -> f64 {
  let r = a * b + c;
  if (!(abs(r) <= 1.7976931348623157e308lf)) { return r; }  // inf, NaN: as the fused op
  let p = tn_two_prod64(a, b);
  let s = tn_two_sum64(p.x, c);
  let f = s.x + (s.y + p.y);
  return select(r, f, abs(f) <= 1.7976931348623157e308lf);
}"""


# TRUENO_GPU_EMULATE_FMA=1 (tests only): the f64 helpers as a contracting compiler sees them
_EMULATE_FMA = os.environ.get("TRUENO_GPU_EMULATE_FMA", "") == "1"
# TRUENO_GPU_EMULATE_REASSOC=left|right (tests only): ... as a reassociating compiler sees them
_REASSOC = os.environ.get("TRUENO_GPU_EMULATE_REASSOC", "")


def _emulated(t: str) -> str:
    t = contract(t) if _EMULATE_FMA else t
    return reassociate(t, _REASSOC) if _REASSOC else t


_HELPERS.update({n: _emulated(t) for n, t in FROUND.items()})
_HELPERS.update({n: _emulated(t) for n, t in F64_MATH.items()})
_HELPERS["tn_fmaemu64"] = _FMAEMU
for _n in ("tn_two_prod64", "tn_two_sum64", "tn_split64", "tn_opq64"):  # its own parts
    _HELPERS[_n] = F64_MATH[_n]
_HELPERS.update(TRIG32)  # accurate f32 sin, cos, tan, sinc (see _f32trig)
_CALL = re.compile(r"\b(tn_\w+)\(")


def helpers(body: str) -> str:
    """The helper functions that ``body`` calls, directly or through other helpers."""
    need: list[str] = []
    todo = list(_CALL.findall(body))
    while todo:
        name = todo.pop()
        if name in _HELPERS and name not in need:
            need.append(name)
            todo.extend(_CALL.findall(_HELPERS[name]))
    return "\n".join(_HELPERS[n] for n in sorted(need))


def header(body: str, f16: bool) -> str:
    """``enable f16;`` where needed, then the helpers ``body`` uses, then ``body``."""
    return ("enable f16;\n" if f16 else "") + helpers(body) + "\n" + body


ZERO = {"f": "0.0", "d": "0.0lf", "i": "0", "I": "0li", "u": "0u", "U": "0lu", "b": "0u"}


def convert(src, dst, x: str = "x0") -> str:
    """WGSL turning a value of ``src``'s compute type into ``dst``'s compute type."""
    if dst.kind == "b":
        # NOTE: naga's float `!=` is an ordered compare (NaN != 0 is false); `!(==)` is IEEE's
        return f"select(0u, 1u, !({x} == {ZERO[src.tkey]}))"
    if src.compute == dst.compute:
        return x
    if src.kind == "f" and dst.kind in "iu":
        # NOTE: NaN, inf and out-of-range values cast as the host's NumPy casts them (see
        # _casts); WGSL's conversions of such values are driver-dependent
        from ._casts import float_to_int

        return float_to_int(src, dst, x)
    if dst.compute == "u64" and src.compute == "i32":
        return f"u64(i64({x}))"  # sign-extend, as NumPy does
    return f"{dst.compute}({x})"


# -- host-side layout algebra ------------------------------------------------------------------
def i32w(v: int) -> int:
    """A signed int as the u32 word the shader bitcasts back."""
    return int(v) & 0xFFFFFFFF


def scalar_bits(value, dt: DType) -> list[int]:
    """A Python/NumPy scalar as the u32 words (two for 64-bit types, low first) of ``dt``'s
    compute type."""
    if dt.compute == "f32":
        return [int(np.asarray(value, dtype=np.float32).view(np.uint32))]
    if dt.compute == "f64":
        return [int(w) for w in np.asarray([value], dtype=np.float64).view(np.uint32)]
    if dt.kind == "b":
        return [int(bool(value))]
    v = int(value)
    if dt.compute in ("i64", "u64"):
        v &= 0xFFFFFFFFFFFFFFFF
        return [v & 0xFFFFFFFF, v >> 32]
    return [v & 0xFFFFFFFF]


def scalar_load(dt: DType, at: int) -> str:
    """WGSL reading the scalar that ``scalar_bits`` stored at word ``at`` of P."""
    if dt.compute in ("f64", "i64", "u64"):
        word = f"(u64(P[{at}]) | (u64(P[{at + 1}]) << 32u))"
        return word if dt.compute == "u64" else f"bitcast<{dt.compute}>({word})"
    return f"P[{at}]" if dt.compute == "u32" else f"bitcast<{dt.compute}>(P[{at}])"


def bcast_strides(a: StridedArray, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Strides of ``a`` broadcast to ``shape`` (0 along broadcast axes)."""
    lead = len(shape) - a.ndim
    out = [0] * lead
    for n, m, s in zip(a.shape, shape[lead:], a.strides):
        out.append(0 if n == 1 and m != 1 else s)
    return tuple(out)


def collapse(shape, strides_list):
    """Drop length-1 axes and merge axes that every operand walks contiguously.

    Returns ``(shape, [strides, ...])``; a contiguous job ends as one axis of stride 1.
    """
    keep = [d for d, n in enumerate(shape) if n != 1]
    shape = [shape[d] for d in keep]
    strides_list = [[s[d] for d in keep] for s in strides_list]
    d = len(shape) - 1
    while d > 0:
        if all(s[d - 1] == s[d] * shape[d] for s in strides_list):
            shape[d - 1] *= shape[d]
            del shape[d]
            for s in strides_list:
                del s[d - 1]
        d -= 1
    if not shape:
        shape = [1]
        strides_list = [[1] for _ in strides_list]
    return tuple(shape), [tuple(s) for s in strides_list]


def check_dtype(rt, dtype, op: str) -> DType:
    """The GPU layout of ``dtype`` on ``rt``, or a GpuDtypeError that says what works.

    For dtypes the registration cannot vouch for: what the device API is asked to hold
    (``from_numpy``, ``empty``, ``full``) and a target dtype given as a parameter
    (``astype``). A kernel's own dtype is declared at registration (``_kernels``).
    """
    dt = dtype_info(dtype)
    if dt is None or (dt.feature is not None and dt.feature not in rt.features):
        from ._api import supported_dtypes

        name = np.dtype(dtype).name
        have = sorted(supported_dtypes(rt))
        why = (f"this adapter lacks the {dt.feature} feature" if dt is not None
               else "WGSL has no such type")
        cast = "float32" if np.dtype(dtype).kind in "fc" else "int32"
        if op == "from_numpy":
            hint = (f"convert before the move: x.astype('{cast}').to_device('gpu'), or keep "
                    f"x on the CPU")
        else:
            hint = (f"x.astype('{cast}') on the GPU, or compute on the CPU: "
                    f"x.to_device('cpu') (x.to('cpu') in the PyTorch face)")
        raise GpuDtypeError(
            f"gpu: {op}: dtype {name} is not supported on {rt.name} ({why})\n"
            f"  supported dtypes: {', '.join(have)}\n"
            f"  hint: {hint}")
    return dt


def index_dtype(rt) -> np.dtype:
    """The dtype of index results (argmax, argsort, ...): int64 where the adapter has 64-bit
    integers, else int32 (Note: differs from NumPy there)."""
    return np.dtype(np.int64 if "shader-int64" in rt.features else np.int32)


_LAYOUTS: dict = {}  # (shape tuple, dtype) -> (shape, strides, np.dtype, nbytes, size class)
_new = object.__new__


def new_array(rt, shape, dtype) -> StridedArray:
    """A new contiguous array of ``shape`` on ``rt`` (uninitialised). The layout of a tuple
    shape is computed once per (shape, dtype) and its buffer comes from the pool's free list
    of its size class (``Runtime.alloc_class``)."""
    p = _LAYOUTS.get((shape, dtype)) if shape.__class__ is tuple else None
    if p is None:
        p = _layout(shape, dtype)
    shape, strides, npdt, nbytes, cls = p
    a = _new(StridedArray)
    a.storage, a.offset, a.shape = rt.alloc_class(cls, nbytes), 0, shape
    a.strides, a.dtype = strides, npdt
    return a


def _layout(shape, dtype) -> tuple:
    """``new_array``'s cached layout of (shape, dtype)."""
    key = (shape, dtype) if shape.__class__ is tuple else None
    shape = tuple(int(n) for n in shape)
    nbytes = math.prod(shape) * dtype_info(dtype).itemsize
    p = (shape, contiguous_strides(shape), np.dtype(dtype), nbytes, size_class(nbytes))
    if key is not None:
        if len(_LAYOUTS) > 4096:
            _LAYOUTS.clear()
        _LAYOUTS[key] = p
    return p
