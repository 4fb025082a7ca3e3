"""Kernels of the complex dtypes (complex64 = ``vec2<f32>``, complex128 = ``vec2<f64>``).

A small elementwise template of its own (``claunch``): strided, broadcast operands of any
dtype, scalars that may be complex (two words per part), and the complex helper functions
(``tc_*``) a shader needs. Reductions (sum, mean) reuse the real kernels on the float view of
a complex array: ``shape + (2,)`` with doubled strides.
"""

from __future__ import annotations

import math
import re

import numpy as np
from trueno.backend import StridedArray

from ._codegen import (
    WG,
    ZERO,
    bcast_strides,
    check_dtype,
    collapse,
    convert,
    header,
    i32w,
    new_array,
    scalar_bits,
    scalar_load,
)
from ._dtypes import COMPLEX_DTYPES, DType, dtype_info, real_dtype
from ._elementwise import _source as _ew_source
from ._elementwise import rt_of

__all__ = ["claunch", "cast_expr", "make_kernels", "astype", "copy_", "full", "where", "real_view",
           "complex_view", "is_complex", "cbinary", "cunary", "cheader", "add_helpers"]


def is_complex(dtype) -> bool:
    """True for complex64 / complex128 (a NumPy dtype or a Python/NumPy complex scalar)."""
    return np.dtype(dtype).kind == "c"


# -- helper functions: one set per part type (f32: suffix c, f64: suffix z) --------------------
def _helpers_for(t: str, k: str) -> dict:
    """The ``tc_*_{k}`` WGSL helpers over ``vec2<t>``."""
    v = f"vec2<{t}>"
    z = "0.0" if t == "f32" else "0.0lf"
    one = "1.0" if t == "f32" else "1.0lf"
    isnan, isinf = ("tn_isnan", "tn_isinf") if t == "f32" else ("tn_isnan64", "tn_isinf64")
    inf, nan = ("tn_inf()", "tn_nan()") if t == "f32" else ("tn_inf64()", "tn_nan64()")
    return {
        f"tc_mul_{k}": f"fn tc_mul_{k}(a: {v}, b: {v}) -> {v} {{\n"
                       f"  return {v}(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);\n}}",
        # Smith's algorithm, as NumPy's complex division.
        f"tc_div_{k}": f"""fn tc_div_{k}(a: {v}, b: {v}) -> {v} {{
  let ar = abs(b.x);
  let ai = abs(b.y);
  if (ar >= ai) {{
    if (ar == {z} && ai == {z}) {{ return {v}(a.x / ar, a.y / ar); }}
    let rat = b.y / b.x;
    let scl = {one} / (b.x + b.y * rat);
    return {v}((a.x + a.y * rat) * scl, (a.y - a.x * rat) * scl);
  }}
  let rat = b.x / b.y;
  let scl = {one} / (b.y + b.x * rat);
  return {v}((a.x * rat + a.y) * scl, (a.y * rat - a.x) * scl);
}}""",
        # NumPy's complex reciprocal loop (no zero case: 1 / (0+0j) is nan+nanj there, where
        # 1 / z through tc_div gives inf+nanj).
        f"tc_recip_{k}": f"""fn tc_recip_{k}(b: {v}) -> {v} {{
  if (abs(b.y) <= abs(b.x)) {{
    let r = b.y / b.x;
    let d = b.x + b.y * r;
    return {v}({one} / d, -r / d);
  }}
  let r = b.x / b.y;
  let d = b.x * r + b.y;
  return {v}(r / d, -{one} / d);
}}""",
        f"tc_abs_{k}": f"""fn tc_abs_{k}(a: {v}) -> {t} {{
  let x = abs(a.x);
  let y = abs(a.y);
  if ({isinf}(x) || {isinf}(y)) {{ return {inf}; }}
  if ({isnan}(x) || {isnan}(y)) {{ return {nan}; }}
  let m = max(x, y);
  if (m == {z}) {{ return {z}; }}
  let q = min(x, y) / m;
  return m * sqrt({one} + q * q);
}}""",
        f"tc_isnan_{k}": f"fn tc_isnan_{k}(a: {v}) -> bool {{ return {isnan}(a.x) || "
                         f"{isnan}(a.y); }}",
        f"tc_isinf_{k}": f"fn tc_isinf_{k}(a: {v}) -> bool {{ return {isinf}(a.x) || "
                         f"{isinf}(a.y); }}",
    }


_HELPERS = {**_helpers_for("f32", "c"), **_helpers_for("f64", "z")}
_CALL = re.compile(r"\b(tc_\w+)\(")


def add_helpers(helpers: dict) -> None:
    """Make more ``tc_*`` WGSL helpers (name -> source) available to ``cheader``."""
    _HELPERS.update(helpers)


def cheader(body: str, f16: bool = False) -> str:
    """The complex helpers ``body`` calls (directly or through other helpers), then
    ``header`` (the tn_ helpers and ``body``)."""
    need: list[str] = []
    todo = list(_CALL.findall(body))
    while todo:
        name = todo.pop()
        if name in _HELPERS and name not in need:
            need.append(name)
            todo.extend(_CALL.findall(_HELPERS[name]))
    return header("\n".join([_HELPERS[n] for n in sorted(need)] + [body]), f16)


# -- the template ------------------------------------------------------------------------------
def _scalar_words(value, dt: DType) -> list[int]:
    if dt.kind == "c":
        rd = real_dtype(dt)
        v = complex(value)
        return scalar_bits(v.real, rd) + scalar_bits(v.imag, rd)
    return scalar_bits(value, dt)


def _scalar_expr(dt: DType, at: int) -> str:
    if dt.kind == "c":
        rd = real_dtype(dt)
        w = len(scalar_bits(0, rd))
        return f"{dt.compute}({scalar_load(rd, at)}, {scalar_load(rd, at + w)})"
    return scalar_load(dt, at)


def _source(expr, out_dt, slots, nd):
    """The elementwise template's WGSL with complex scalars (two words per part)."""
    return _ew_source(expr, out_dt, slots, nd, words=_scalar_words, load=_scalar_expr,
                      hdr=cheader)


def claunch(key, expr, operands, out: StridedArray, rt=None) -> StridedArray:
    """``out[...] = expr(x0, x1, ...)`` elementwise; operands are StridedArrays broadcastable
    to ``out.shape`` or ``(value, dtype)`` scalars (complex scalars allowed). Returns ``out``."""
    rt = rt or rt_of(out)
    n = math.prod(out.shape)
    if n == 0:
        return out
    out_dt = dtype_info(out.dtype)
    arrays = [o for o in operands if isinstance(o, StridedArray)]
    cshape, cstr = collapse(out.shape, [out.strides] + [bcast_strides(a, out.shape)
                                                        for a in arrays])
    nd = 0 if len(cshape) == 1 and all(s[0] == 1 for s in cstr) else len(cshape)
    slots, words = [], []
    for o in operands:
        if isinstance(o, StridedArray):
            slots.append(("a", dtype_info(o.dtype)))
        else:
            dt = dtype_info(o[1])
            slots.append(("s", dt))
            words += _scalar_words(o[0], dt)
    meta = [n, i32w(out.offset)] + [i32w(a.offset) for a in arrays] + words
    if nd:
        meta += list(cshape) + [i32w(s) for st in cstr for s in st]
    kkey = ("cx", key, expr, out_dt.name, tuple((k, dt.name) for k, dt in slots), nd)
    kernel = rt.kernel(kkey, lambda: _source(expr, out_dt, slots, nd),
                       (True,) + (False,) * len(arrays))
    cost = n * (out_dt.itemsize + sum(dt.itemsize for k, dt in slots if k == "a"))
    rt.dispatch(kernel, meta, [out.storage.buffer] + [a.storage.buffer for a in arrays],
                -(-n // WG), cost)
    return out


# -- conversions and data movement -------------------------------------------------------------
def cast_expr(src: DType, dst: DType, x: str = "x0") -> str:
    """WGSL turning ``x`` of ``src``'s compute type into ``dst``'s (either may be complex)."""
    if src.kind == "c" and dst.kind == "c":
        return x if src.compute == dst.compute else f"{dst.compute}({x})"
    if dst.kind == "c":
        rd = real_dtype(dst)
        return f"{dst.compute}({convert(src, rd, x)}, {ZERO[rd.tkey]})"
    if dst.kind == "b":  # nonzero when either part is
        return f"select(0u, 1u, !all({x} == {src.compute}({ZERO[real_dtype(src).tkey]})))"
    return convert(real_dtype(src), dst, f"{x}.x")


def _operand(x, dtype):
    return x if isinstance(x, StridedArray) else (x, dtype)


def astype(x: StridedArray, dtype) -> StridedArray:
    """``x`` converted to ``dtype`` (complex on either side; complex -> real keeps the real
    part, as NumPy's cast does)."""
    rt = rt_of(x)
    src = dtype_info(x.dtype)
    dst = check_dtype(rt, dtype, "astype")
    out = new_array(rt, x.shape, np.dtype(dtype))
    return claunch("astype", cast_expr(src, dst), [x], out, rt)


def copy_(dst: StridedArray, src) -> StridedArray:
    """Write ``src`` (array or scalar, broadcastable) into the view ``dst`` in place."""
    rt = rt_of(dst)
    if isinstance(src, StridedArray) and src.storage.buffer is dst.storage.buffer:
        src = contiguous(src)  # overlapping views: read everything before writing
    ddt = dtype_info(dst.dtype)
    if isinstance(src, StridedArray):
        expr = cast_expr(dtype_info(src.dtype), ddt)
        claunch("copy", expr, [src], dst, rt)
    else:
        claunch("copy", "x0", [(src, dst.dtype)], dst, rt)
    dst.storage.version += 1
    return dst


def contiguous(x: StridedArray) -> StridedArray:
    """A C-contiguous copy of ``x``."""
    rt = rt_of(x)
    return claunch("copy", "x0", [x], new_array(rt, x.shape, x.dtype), rt)


def full(rt, shape, value, dtype) -> StridedArray:
    """A new array of ``shape`` filled with ``value``."""
    return claunch("copy", "x0", [(value, dtype)], new_array(rt, shape, dtype), rt)


def where(cond, x, y) -> StridedArray:
    """``x`` where ``cond`` else ``y`` for complex ``x``/``y``."""
    arrays = [a for a in (cond, x, y) if isinstance(a, StridedArray)]
    rt = rt_of(arrays[0])
    vals = [a for a in (x, y) if isinstance(a, StridedArray)]
    dtype = vals[0].dtype if vals else np.asarray(x).dtype
    cond_dtype = cond.dtype if isinstance(cond, StridedArray) else np.dtype(bool)
    cdt = dtype_info(cond_dtype)
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    ops = [_operand(cond, cond_dtype), _operand(x, dtype), _operand(y, dtype)]
    zero = ZERO[cdt.tkey] if cdt.kind != "c" else f"{cdt.compute}()"
    cmp = "x0 != " + zero if cdt.kind != "c" else f"any(x0 != {zero})"
    return claunch("where", f"select(x2, x1, {cmp})", ops, new_array(rt, shape, dtype), rt)


# -- float views -------------------------------------------------------------------------------
def real_view(x: StridedArray) -> StridedArray:
    """The float view of complex ``x``: ``shape + (2,)`` (re, im), strides doubled."""
    rd = real_dtype(dtype_info(x.dtype))
    return StridedArray(x.storage, 2 * x.offset, x.shape + (2,),
                        tuple(2 * s for s in x.strides) + (1,), rd.host)


def complex_view(f: StridedArray, dtype) -> StridedArray:
    """The complex view of a float array whose last axis (length 2, stride 1) holds (re, im)
    and whose offset and other strides are even."""
    return StridedArray(f.storage, f.offset // 2, f.shape[:-1],
                        tuple(s // 2 for s in f.strides[:-1]), dtype)


def _reduction(op):
    def kernel(x, axis, keepdims, dtype=None):
        from ._reduce import reduce

        rd = real_dtype(dtype_info(x.dtype))
        axes = tuple(range(x.ndim)) if axis is None else \
            tuple(a % x.ndim for a in ((axis,) if isinstance(axis, int) else axis))
        out = complex_view(reduce(op, real_view(x), axes, keepdims, rd.host), x.dtype)
        return out if dtype is None or np.dtype(dtype) == x.dtype else astype(out, dtype)

    kernel.__name__ = op
    return kernel


# -- elementwise ops ---------------------------------------------------------------------------
# op -> (expression with {k} = c / z, result: "same", "real" or "bool")
UNARY = {
    "negative": ("-x0", "same"),
    "positive": ("x0", "same"),
    "conj": ("vec2(x0.x, -x0.y)", "same"),
    "square": ("tc_mul_{k}(x0, x0)", "same"),
    "reciprocal": ("tc_recip_{k}(x0)", "same"),
    "real": ("x0.x", "real"),
    "imag": ("x0.y", "real"),
    "abs": ("tc_abs_{k}(x0)", "real"),
    "isnan": ("select(0u, 1u, tc_isnan_{k}(x0))", "bool"),
    "isinf": ("select(0u, 1u, tc_isinf_{k}(x0))", "bool"),
    "isfinite": ("select(0u, 1u, !(tc_isnan_{k}(x0) || tc_isinf_{k}(x0)))", "bool"),
}
BINARY = {
    "add": ("x0 + x1", "same"),
    "subtract": ("x0 - x1", "same"),
    "multiply": ("tc_mul_{k}(x0, x1)", "same"),
    "divide": ("tc_div_{k}(x0, x1)", "same"),
    "equal": ("select(0u, 1u, all(x0 == x1))", "bool"),
    "not_equal": ("select(0u, 1u, !all(x0 == x1))", "bool"),  # NaN: see _codegen.convert
}


def _out_dtype(dt: DType, result: str):
    return {"same": dt.host, "real": real_dtype(dt).host, "bool": np.dtype(bool)}[result]


def _expr(table, name, dt: DType) -> str:
    expr, _ = table[name]
    expr = expr.format(k=dt.tkey)
    if dt.compute == "vec2<f64>":  # typed literals for f64
        expr = expr.replace("vec2(1.0, 0.0)", "vec2(1.0lf, 0.0lf)")
    return expr


def cunary(name: str, x: StridedArray) -> StridedArray:
    """Complex unary op ``name`` of ``UNARY``."""
    rt = rt_of(x)
    dt = dtype_info(x.dtype)
    out = new_array(rt, x.shape, _out_dtype(dt, UNARY[name][1]))
    return claunch(name, _expr(UNARY, name, dt), [x], out, rt)


def cbinary(name: str, a, b) -> StridedArray:
    """Complex binary op ``name`` of ``BINARY``; one of ``a``/``b`` may be a scalar."""
    arrays = [x for x in (a, b) if isinstance(x, StridedArray)]
    rt = rt_of(arrays[0])
    dtype = arrays[0].dtype
    dt = dtype_info(dtype)
    shape = np.broadcast_shapes(*(x.shape for x in arrays))
    out = new_array(rt, shape, _out_dtype(dt, BINARY[name][1]))
    return claunch(name, _expr(BINARY, name, dt), [_operand(a, dtype), _operand(b, dtype)],
                   out, rt)


def make_kernels(dtypes=None) -> dict:
    """op name -> {complex dtype name: kernel} (``dtypes``, the real ones, are not used)."""
    table: dict = {}
    for name in UNARY:
        table[name] = dict.fromkeys(COMPLEX_DTYPES, lambda x, _n=name: cunary(_n, x))
    for name in BINARY:
        table[name] = dict.fromkeys(COMPLEX_DTYPES, lambda a, b, _n=name: cbinary(_n, a, b))
    table["astype"] = dict.fromkeys(COMPLEX_DTYPES, astype)
    table["copy_"] = dict.fromkeys(COMPLEX_DTYPES, copy_)
    table["contiguous"] = dict.fromkeys(COMPLEX_DTYPES, contiguous)
    table["where"] = dict.fromkeys(COMPLEX_DTYPES, where)
    # concat is generic in the element type; gathers and scatters go through the float view
    # (_complex_index), math, matmul, prod, scans and moments have modules of their own.
    from . import _complex_index, _complex_math, _complex_ops
    from ._composite_kernels import concat

    table["concat"] = dict.fromkeys(COMPLEX_DTYPES, concat)
    table["sum"] = dict.fromkeys(COMPLEX_DTYPES, _reduction("sum"))
    table["mean"] = dict.fromkeys(COMPLEX_DTYPES, _reduction("mean"))
    for module in (_complex_math, _complex_ops, _complex_index):
        table.update(module.make_kernels())
    return table

