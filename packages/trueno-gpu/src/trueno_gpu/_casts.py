"""float -> integer casts that give what the host's NumPy gives, NaN, infinities and
out-of-range values included.

NOTE: C leaves such casts undefined and NumPy follows the host (x86 gives INT_MIN for NaN and
overflow, ARM saturates, ml_dtypes' bfloat16 gives 0), and WGSL / SPIR-V conversions of such
values are driver-dependent too. So the host's NumPy is asked once per (source, target) dtype
pair, on one value of each class, and the answers are baked into the cast's WGSL:

- NaN, +inf, -inf;
- "big" / "small": truncated values at or beyond the intermediate integer range [L, U) in
  which C casts on every common ABI (int32 for 8- to 32-bit signed targets and for uint8 /
  uint16, [-2**31, 2**32) for uint32, int64 / [-2**63, 2**64) for 64-bit targets);
- values inside [L, U) the target cannot hold: wrapped to the target's width (x86) when the
  host wraps, else the host's constant (ml_dtypes).

The in-range conversion truncates by bit manipulation (``_fround``).
"""

from __future__ import annotations

import warnings

import numpy as np

from ._dtypes import BFLOAT16, DType

__all__ = ["float_to_int"]

_HELPERS: dict[str, str] = {}


def _np(dt: DType) -> np.dtype:
    return BFLOAT16 if dt.name == "bfloat16" else np.dtype(dt.name)


def _finfo(dt: np.dtype):
    if dt == BFLOAT16:
        import ml_dtypes

        return ml_dtypes.finfo(dt)
    return np.finfo(dt)


def _host(src: np.dtype, dst: np.dtype, v: float) -> int:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # NOTE: a long array: NumPy's SIMD and scalar loops disagree on some unsigned casts
        # (NaN -> uint32 is 2**31 in a long array and 0 alone on x86)
        return int(np.full(64, v, src).astype(dst)[0])


def _lit(dst: DType, v: int) -> str:
    if dst.compute in ("i64", "u64"):
        return f"bitcast<{dst.compute}>({v & 0xFFFFFFFFFFFFFFFF:#x}lu)"
    return f"bitcast<{dst.compute}>({v & 0xFFFFFFFF:#x}u)"


def _float(v: float, f64: bool) -> str:
    return f"{float(v)!r}" + ("lf" if f64 else "")


def float_to_int(src: DType, dst: DType, x: str) -> str:
    """WGSL casting ``x`` (``src``'s float compute type) to ``dst``'s integer compute type as
    the host's NumPy casts ``src`` to ``dst``; registers the helper it calls."""
    name = f"tn_cast_{src.name}_{dst.name}"
    if name not in _HELPERS:
        _HELPERS[name] = _build(name, src, dst)
        from ._codegen import _HELPERS as ALL

        ALL[name] = _HELPERS[name]
    return f"{name}({x})"


def _build(name: str, src: DType, dst: DType) -> str:
    s, d = _np(src), np.dtype(dst.name)
    f64 = src.compute == "f64"
    sfx, x64 = ("64", "_64") if f64 else ("", "")
    w = d.itemsize * 8
    signed = d.kind == "i"
    lo = -(2 ** 63) if w == 64 else -(2 ** 31)
    hi = 2 ** 64 if (w == 64 and not signed) else 2 ** 63 if w == 64 else \
        2 ** 32 if w == 32 and not signed else 2 ** 31
    info = np.iinfo(d)
    big = float(_finfo(s).max)
    fl = lambda v: _float(v, f64)  # noqa: E731
    body = [f"fn {name}(x: {src.compute}) -> {dst.compute} {{",
            f"  if (tn_isnan{sfx}(x)) {{ return {_lit(dst, _host(s, d, np.nan))}; }}",
            f"  if (tn_isinf{sfx}(x)) {{ return select({_lit(dst, _host(s, d, -np.inf))}, "
            f"{_lit(dst, _host(s, d, np.inf))}, x > {fl(0)}); }}",
            f"  let t = tn_trunc{sfx}(x);"]
    if big >= hi:
        body.append(f"  if (t >= {fl(hi)}) {{ return {_lit(dst, _host(s, d, big))}; }}")
    if -big < lo:
        body.append(f"  if (t < {fl(lo)}) {{ return {_lit(dst, _host(s, d, -big))}; }}")
    # values in [lo, hi) that the target cannot hold: wrapped, or the host's constant
    probes = []
    if info.max < hi - 1:
        probes.append((1.25 * 2.0 ** (w - 1) if signed else 1.25 * 2.0 ** w, ">", info.max))
    if info.min > lo:
        probes.append((-1.25 * 2.0 ** (w - 1) if signed else -2.0, "<", info.min))
    for v, op, edge in probes:
        if v > big or v < -big:
            continue
        got = _host(s, d, v)
        wrapped = ((int(v) - info.min) % 2 ** w) + info.min
        if got != wrapped:
            body.append(f"  if (t {op} {fl(edge)}) {{ return {_lit(dst, got)}; }}")
    conv = f"tn_toi64{x64}(t)" if w == 64 else f"tn_toi32{x64}(t)"
    if not signed:
        conv = f"bitcast<{dst.compute}>({conv})"
    body += [f"  return {conv};", "}"]
    return "\n".join(body)
