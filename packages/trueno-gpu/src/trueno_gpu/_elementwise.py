"""Elementwise kernels from one template: any number of strided, broadcast operands (or scalars
baked into the metadata), one strided output.

The host collapses the job first (drops length-1 axes, merges axes that every operand walks
contiguously), so contiguous work runs the ``nd = 0`` variant (``offset + i``) and views run a
loop over the remaining axes. Pipelines are cached per (op, dtypes, scalar slots, nd).
"""

from __future__ import annotations

import math
import struct

import numpy as np
from trueno.backend import StridedArray

from ._codegen import (
    LINEAR_ID,
    WG,
    ZERO,
    bcast_strides,
    collapse,
    header,
    i32w,
    new_array,
    scalar_bits,
    scalar_load,
)
from ._dtypes import dtype_info
from ._elementwise_exprs import BINARY, BOOL_OUT, UNARY
from ._fast_elementwise import ENABLED as VEC4
from ._fast_elementwise import vec4_ok, vec4_source
from ._lazy import ENABLED as LAZY
from ._lazy import FUSED, LazyStorage, extend
from ._pool import size_class
from ._record import planned_in_c
from ._runtime import get_runtime, meta_struct

__all__ = ["UNARY", "BINARY", "launch", "make_kernels", "planned_kernel", "rt_of", "run_op"]



def rt_of(a: StridedArray):
    return get_runtime(a.storage.device_index)


# the lazy chains' nodes compute the eager kernels' own float32 expressions (``_lazy``)
FUSED.update({name: (UNARY.get(name) or BINARY[name])["f"] for name in FUSED})


# -- the template ------------------------------------------------------------------------------
def _source(expr, out_dt, slots, nd, words=scalar_bits, load=scalar_load, hdr=header):
    """WGSL for ``Y = expr(x0, x1, ...)``; slots: per operand ('a', DType) or ('s', DType).
    ``words`` / ``load`` / ``hdr``: how a scalar is stored in and read from the metadata and
    the shader's header (``_complex`` passes its two-part versions)."""
    arrays = [dt for kind, dt in slots if kind == "a"]
    f16 = out_dt.storage == "f16" or any(dt.storage == "f16" for dt in arrays)
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> Y: array<{out_dt.storage}>;"]
    for k, dt in enumerate(arrays):
        lines.append(f"@group(0) @binding({k + 2}) var<storage, read> A{k}: array<{dt.storage}>;")
    na = len(arrays)
    ns = sum(len(words(0, dt)) for kind, dt in slots if kind == "s")  # scalar words
    body = [f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
            f"  let i = (wg.y * nwg.x + wg.x) * {WG}u + li;",
            "  if (i >= P[0]) { return; }",
            "  var oy = bitcast<i32>(P[1]);"]
    body += [f"  var o{k} = bitcast<i32>(P[{k + 2}]);" for k in range(na)]
    if nd == 0:
        body.append("  oy += i32(i);")
        body += [f"  o{k} += i32(i);" for k in range(na)]
    else:
        sh = 2 + na + ns
        body += ["  var r = i;",
                 f"  for (var d: i32 = {nd - 1}; d >= 0; d = d - 1) {{",
                 f"    let n = P[{sh}u + u32(d)];",
                 "    let c = i32(r % n);",
                 "    r = r / n;",
                 f"    oy += c * bitcast<i32>(P[{sh + nd}u + u32(d)]);"]
        body += [f"    o{k} += c * bitcast<i32>(P[{sh + (k + 2) * nd}u + u32(d)]);"
                 for k in range(na)]
        body.append("  }")
    a = s = 0
    for j, (kind, dt) in enumerate(slots):
        if kind == "a":
            body.append(f"  let x{j} = {dt.load(f'A{a}[o{a}]')};")
            a += 1
        else:
            body.append(f"  let x{j} = {load(dt, 2 + na + s)};")
            s += len(words(0, dt))
    body += [f"  Y[oy] = {out_dt.store(expr)};", "}"]
    return hdr("\n".join(lines + body), f16)


_PLANS: dict = {}  # launch signature -> launch plan (and planned kernels' plans, below)
_F32 = struct.Struct("<f")
_U32 = struct.Struct("<I")


def launch(op_key, expr, operands, out: StridedArray, rt=None):
    """Run ``out[...] = expr(operands)`` elementwise; operands are StridedArrays broadcastable
    to ``out.shape`` or ``(value, dtype)`` scalars. Returns ``out``.

    The layout work (broadcast strides, collapsing, the pipeline, the metadata packer, the
    grid) depends only on shapes, strides, dtypes, offset alignment and the device, so it is
    planned once per signature and reused (a training loop calls the same few signatures
    over and over); a call then packs its offsets and scalars and records."""
    rt = rt or rt_of(out)
    sig = [op_key, expr, rt.index, out.shape, out.strides, out.dtype, out.offset & 3]
    for o in operands:
        if o.__class__ is StridedArray:
            sig += (o.shape, o.strides, o.dtype, o.offset & 3)
        else:
            sig += (None, o[1])
    sig = tuple(sig)
    plan = _PLANS.get(sig)
    if plan is None:
        plan = _launch_plan(op_key, expr, operands, out, rt)
        if len(_PLANS) > 4096:
            _PLANS.clear()
        _PLANS[sig] = plan
    kern, pack, n, tail, grid, cost, convs = plan
    if grid is None:
        return out
    bufs = [out.storage.buffer]
    meta = [n, out.offset]
    scalars = []
    for o, conv in zip(operands, convs):
        if conv is None:
            bufs.append(o.storage.buffer)
            meta.append(o.offset)
        else:
            scalars += _words(o[0], *conv)
    rt.record(kern, pack(*meta, *scalars, *tail), bufs, grid, cost)
    return out


def _launch_plan(op_key, expr, operands, out: StridedArray, rt) -> tuple:
    """(pipeline, metadata packer, n, metadata tail, grid, cost, per operand None for an
    array or the (is f32, DType) of a scalar) for ``launch``; grid None for an empty job."""
    key, make, writable, tail, groups, cost, f32s, n = _plan(op_key, expr, operands, out, rt)
    if not groups:
        return (None, None, 0, (), None, 0, ())
    convs = tuple(None if o.__class__ is StridedArray else (f32, dtype_info(o[1]))
                  for o, f32 in zip(operands, f32s))
    words = 2 + len(tail) + sum(1 if c is None else len(scalar_bits(0, c[1])) for c in convs)
    return (rt.kernel(key, make, writable), meta_struct(words).pack, n, tail, rt.grid(groups),
            cost, convs)


def _plan(op_key, expr, operands, out: StridedArray, rt):
    """(kernel key, source maker, writable flags, metadata tail, workgroups, cost, per-operand
    "scalar is f32" flags, n) for ``launch``."""
    shape = out.shape
    n = math.prod(shape)
    if n == 0:
        return (None, None, None, (), 0, 0, (), 0)
    out_dt = dtype_info(out.dtype)
    arrays = [o for o in operands if isinstance(o, StridedArray)]
    strides = [out.strides] + [bcast_strides(a, shape) for a in arrays]
    cshape, cstr = collapse(shape, strides)
    nd = 0 if len(cshape) == 1 and all(s[0] == 1 for s in cstr) else len(cshape)
    slots, scalars = [], []
    for o in operands:
        if isinstance(o, StridedArray):
            slots.append(("a", dtype_info(o.dtype)))
        else:
            value, dtype = o
            dt = dtype_info(dtype)
            slots.append(("s", dt))
            scalars.extend(scalar_bits(value, dt))
    tail = tuple(cshape) + tuple(i32w(s) for st in cstr for s in st) if nd else ()
    f32s = tuple(not isinstance(o, StridedArray) and dtype_info(o[1]).compute == "f32"
                 for o in operands)
    writable = (True,) + (False,) * len(arrays)
    cost = n * (out_dt.itemsize + sum(dt.itemsize for k, dt in slots if k == "a"))
    if nd == 0 and vec4_ok(n, out, arrays, [out_dt] + [dt for _, dt in slots]):
        per = VEC4["per"]
        key = ("ew4", op_key, out_dt.name, tuple((k, dt.name) for k, dt in slots), per)
        return (key, lambda: vec4_source(expr, out_dt, slots, per), writable, tail,
                -(-(n // 4) // (WG * per)), cost, f32s, n)
    key = ("ew", op_key, out_dt.name, tuple((k, dt.name) for k, dt in slots), nd)
    return (key, lambda: _source(expr, out_dt, slots, nd), writable, tail, -(-n // WG), cost,
            f32s, n)


def _operand(x, dtype):
    """A kernel argument as a launch operand: arrays stay, scalars become (value, dtype)."""
    if isinstance(x, StridedArray):
        return x
    return (x, dtype)


def run_op(name, table, kind_key, *xs, out_dtype=None):
    """Allocate the broadcast result and launch op ``name`` of ``table`` on ``xs``."""
    rt, expr, operands, out = _setup(name, table, kind_key, xs, out_dtype)
    return launch(name, expr, operands, out, rt)


def _setup(name, table, kind_key, xs, out_dtype=None):
    """(runtime, expression, launch operands, new result) of op ``name`` on ``xs``."""
    arrays = [x for x in xs if isinstance(x, StridedArray)]
    a0 = arrays[0]
    rt = rt_of(a0)
    dt = dtype_info(a0.dtype)
    shape = a0.shape
    if len(arrays) > 1 and any(x.shape != shape for x in arrays):
        shape = np.broadcast_shapes(*(x.shape for x in arrays))
    if out_dtype is None:
        out_dtype = np.dtype(bool) if name in BOOL_OUT else a0.dtype
    kind = kind_key or dt.tkey
    expr = table[name][kind].replace("{z}", ZERO[dt.tkey])
    out = new_array(rt, shape, out_dtype)
    return rt, expr, [_operand(x, a0.dtype) for x in xs], out


# -- planned kernels: the registered unary and binary ops ---------------------------------------
# A launch plan per (op, operand layouts) holds everything a call needs but the operands'
# buffers, offsets and scalar values: the runtime, the compiled pipeline and its layout, the
# result's shape, strides, dtype, byte size and pool size class, the metadata packer and its
# constant tail, the workgroup grid and the cost. A hit then costs a dict lookup, an
# allocation from the pool and one ``Runtime.record``; dtypes are never re-checked (the
# dispatcher resolved this kernel for them). Plans live in ``_PLANS`` under keys that start
# with the op's tag, so clearing ``_PLANS`` (tests switching the vec4 path) drops them too.
_new = object.__new__
_SA = StridedArray
_LAZY = LazyStorage
_F32DT = np.dtype(np.float32)
_F32INFO = dtype_info(_F32DT)
_SCALARS = (float, int, np.float32, np.float64, np.int64, np.int32)  # (``_words`` converts)


def _signature(tag, xs) -> tuple:
    """The plan key of a call: per array operand (shape, strides, dtype, offset mod 4,
    device index), None per scalar (its dtype is the array's)."""
    sig = [tag]
    for x in xs:
        if x.__class__ is _SA:
            sig += (x.shape, x.strides, x.dtype, x.offset & 3, x.storage.device_index)
        else:
            sig.append(None)
    return tuple(sig)


def _first(tag, name, table, xs):
    """A call without a plan: run it through ``launch`` and plan the next ones."""
    rt, expr, operands, out = _setup(name, table, None, xs)
    key, make, writable, tail, groups, cost, _, n = _plan(name, expr, operands, out, rt)
    # (a subclass of StridedArray is not planned: the plan keys tell arrays by their class)
    if groups and all(x.__class__ is _SA or not isinstance(x, _SA) for x in xs):
        arrays = [x for x in xs if x.__class__ is _SA]
        sdt = dtype_info(arrays[0].dtype)  # the dtype of a scalar operand (``_setup``)
        words = 2 + len(arrays) + len(tail)  # n, out offset, array offsets, the tail
        if len(arrays) < len(xs):
            words += len(scalar_bits(0, sdt))
        # a lazy chain node (``_lazy``) when fusion is on: a fused op of its own table, float32
        # operands and result, every operand contiguous and of the result's size (no tail)
        fusable = name in FUSED and table is (UNARY if len(xs) == 1 else BINARY) and \
            out.dtype == _F32DT and not tail and all(x.dtype == _F32DT for x in arrays)
        if len(_PLANS) > 4096:
            _PLANS.clear()
        _PLANS[_signature(tag, xs)] = (
            rt, rt.kernel(key, make, writable), out.shape, out.strides, out.dtype,
            size_class(out.storage.nbytes), out.storage.nbytes, meta_struct(words).pack, n,
            tail, rt.grid(groups), cost, sdt.compute == "f32", sdt, fusable)
    return launch(name, expr, operands, out, rt)


def _words(v, f32: bool, dt) -> tuple | list:
    """The metadata words of scalar operand ``v`` (``launch``'s conversion)."""
    if f32:
        try:
            return _U32.unpack(_F32.pack(v))
        except (OverflowError, TypeError, struct.error):
            pass
    return scalar_bits(v, dt)


def planned_kernel(name: str, table: dict, arity: int):
    """The registered kernel of elementwise op ``name`` of ``table`` (``UNARY``: arity 1,
    ``BINARY``: 2): calls with a plan for their operands' layout skip the planning.

    A planned call packs its metadata and hands the rest to ``Runtime.record_new`` (the
    result's buffer and the dispatch under one lock). A float32 op of ``_lazy.FUSED`` on
    contiguous operands becomes a lazy chain node instead when an operand is a pending node
    or the runtime's chain head (``Runtime._head``: the buffer of the last such op's eager
    result): independent ops stay one dispatch each, and a chain starts at its second op.
    A scalar operand's metadata words are kept with the scalar object and the plan's scalar
    dtype they were made for, and reused while the same object comes again (a loop's
    constant; scalars are immutable, and identity, unlike ==, tells -0.0 from 0.0)."""
    tag = ("planned", name)
    get = _PLANS.get
    last = [(None, None, ())]  # (scalar object, its dtype, its words); replaced, never mutated
    fusable = name in FUSED and table is (UNARY if arity == 1 else BINARY)

    def unary(x):
        s = x.storage
        if s.__class__ is _LAZY and fusable and s.chain is not None and x.shape is s.shape \
                and x.strides is s.strides and x.dtype is _F32DT and not x.offset and \
                LAZY["on"]:  # a whole pending node: the next node, without the plan lookup
            c = s.chain
            return extend(c.rt, name, x, None, None, x.shape, x.strides, _F32DT, c.cls,
                          c.nbytes, c.n)
        p = get((tag, x.shape, x.strides, x.dtype, x.offset & 3, s.device_index))
        if p is None:
            return _first(tag, name, table, (x,))
        rt, kern, shape, strides, dtype, cls, nbytes, pack, n, tail, grid, cost, _, _, lazy = p
        if lazy and LAZY["on"]:
            if s.__class__ is _LAZY and s.chain is not None or s.buffer is rt._head:
                return extend(rt, name, x, None, None, shape, strides, dtype, cls, nbytes, n)
        else:
            lazy = False
        out = _new(_SA)
        out.storage = st = rt.record_new(cls, nbytes, kern, pack(n, 0, x.offset, *tail),
                                         (s.buffer,), grid, cost)
        if lazy:
            rt._head = st.buffer
        out.offset, out.shape, out.strides, out.dtype = 0, shape, strides, dtype
        return out

    def binary(x, y):
        if x.__class__ is _SA:
            s = x.storage
            if s.__class__ is _LAZY and fusable and s.chain is not None and \
                    x.shape is s.shape and x.strides is s.strides and x.dtype is _F32DT and \
                    not x.offset and LAZY["on"]:
                # a whole pending node (contiguous float32): the next node, without the plan
                # lookup, when y is a float32 array of its layout or a scalar
                c = s.chain
                if y.__class__ is _SA:
                    if y.dtype is _F32DT and y.shape == x.shape and y.strides == x.strides \
                            and y.storage.device_index == s.device_index:
                        return extend(c.rt, name, x, y, None, x.shape, x.strides, _F32DT,
                                      c.cls, c.nbytes, c.n)
                elif y.__class__ in _SCALARS:
                    w = last[0]
                    if w[0] is not y or w[1] is not _F32INFO:
                        w = last[0] = (y, _F32INFO, _words(y, True, _F32INFO))
                    return extend(c.rt, name, x, None, w[2][0], x.shape, x.strides, _F32DT,
                                  c.cls, c.nbytes, c.n)
            if y.__class__ is _SA:
                t = y.storage
                p = get((tag, x.shape, x.strides, x.dtype, x.offset & 3, s.device_index,
                         y.shape, y.strides, y.dtype, y.offset & 3, t.device_index))
                if p is not None:
                    rt, kern, shape, strides, dtype, cls, nbytes, pack, n, tail, grid, cost, _, _, \
                        lazy = p
                    if lazy and LAZY["on"]:
                        if s.__class__ is _LAZY and s.chain is not None or \
                                t.__class__ is _LAZY and t.chain is not None or \
                                s.buffer is rt._head or t.buffer is rt._head:
                            return extend(rt, name, x, y, None, shape, strides, dtype, cls,
                                          nbytes, n)
                    else:
                        lazy = False
                    out = _new(_SA)
                    out.storage = st = rt.record_new(cls, nbytes, kern,
                                                     pack(n, 0, x.offset, y.offset, *tail),
                                                     (s.buffer, t.buffer), grid, cost)
                    if lazy:
                        rt._head = st.buffer
                    out.offset, out.shape, out.strides, out.dtype = 0, shape, strides, dtype
                    return out
            else:
                p = get((tag, x.shape, x.strides, x.dtype, x.offset & 3, s.device_index, None))
                if p is not None:
                    rt, kern, shape, strides, dtype, cls, nbytes, pack, n, tail, grid, cost, f32, \
                        sdt, lazy = p
                    w = last[0]
                    if w[0] is not y or w[1] is not sdt:
                        w = last[0] = (y, sdt, _words(y, f32, sdt))
                    if lazy and LAZY["on"]:
                        if s.__class__ is _LAZY and s.chain is not None or s.buffer is rt._head:
                            return extend(rt, name, x, None, w[2][0], shape, strides, dtype,
                                          cls, nbytes, n)
                    else:
                        lazy = False
                    out = _new(_SA)
                    out.storage = st = rt.record_new(cls, nbytes, kern,
                                                     pack(n, 0, x.offset, *w[2], *tail),
                                                     (s.buffer,), grid, cost)
                    if lazy:
                        rt._head = st.buffer
                    out.offset, out.shape, out.strides, out.dtype = 0, shape, strides, dtype
                    return out
        elif y.__class__ is _SA:
            t = y.storage
            if t.__class__ is _LAZY and fusable and t.chain is not None and \
                    y.shape is t.shape and y.strides is t.strides and y.dtype is _F32DT and \
                    not y.offset and x.__class__ in _SCALARS and LAZY["on"]:
                c = t.chain  # (as above: scalar first)
                w = last[0]
                if w[0] is not x or w[1] is not _F32INFO:
                    w = last[0] = (x, _F32INFO, _words(x, True, _F32INFO))
                return extend(c.rt, name, None, y, w[2][0], y.shape, y.strides, _F32DT, c.cls,
                              c.nbytes, c.n)
            p = get((tag, None, y.shape, y.strides, y.dtype, y.offset & 3, t.device_index))
            if p is not None:
                rt, kern, shape, strides, dtype, cls, nbytes, pack, n, tail, grid, cost, f32, \
                    sdt, lazy = p
                w = last[0]
                if w[0] is not x or w[1] is not sdt:
                    w = last[0] = (x, sdt, _words(x, f32, sdt))
                if lazy and LAZY["on"]:
                    if t.__class__ is _LAZY and t.chain is not None or t.buffer is rt._head:
                        return extend(rt, name, None, y, w[2][0], shape, strides, dtype, cls,
                                      nbytes, n)
                else:
                    lazy = False
                out = _new(_SA)
                out.storage = st = rt.record_new(cls, nbytes, kern,
                                                 pack(n, 0, y.offset, *w[2], *tail),
                                                 (t.buffer,), grid, cost)
                if lazy:
                    rt._head = st.buffer
                out.offset, out.shape, out.strides, out.dtype = 0, shape, strides, dtype
                return out
        return _first(tag, name, table, (x, y))

    return planned_in_c(unary if arity == 1 else binary, tag, arity, _PLANS, LAZY, _words,
                        _SCALARS)


def _gelu(x, approximate="none"):
    """GELU, exact (erf) or with PyTorch's tanh approximation."""
    return _GELU["tanh" if approximate == "tanh" else "none"](x)


_GELU = {mode: planned_kernel(fn, {fn: {"f": f"{fn}(x0)", "d": f"{fn}64(x0)"}}, 1)
         for mode, fn in (("none", "tn_gelu"), ("tanh", "tn_gelu_tanh"))}


def _kinds(dtypes, exprs):
    """The dtype names whose kind has an expression (bool only where "b" is listed)."""
    return [d for d in dtypes if dtype_info(d).tkey in exprs]


def make_kernels(all_dtypes) -> dict:
    """op name -> {dtype name: callable} for every elementwise op."""
    table: dict = {}
    for name, exprs in UNARY.items():
        k = planned_kernel(name, UNARY, 1)
        table[name] = {d: k for d in _kinds(all_dtypes, exprs)}
    table["gelu"] = {d: _gelu for d in _kinds(all_dtypes, "fd")}
    for name, exprs in BINARY.items():
        k = planned_kernel(name, BINARY, 2)
        table[name] = {d: k for d in _kinds(all_dtypes, exprs)}
    for d in _kinds(all_dtypes, "iI"):
        table["pow"][d] = _int_pow
    return table


def _int_pow(x, y):
    """Signed-integer ``pow``: a negative exponent raises, as NumPy's (an array exponent's
    minimum is read back: one wait for the GPU, only for signed integer powers)."""
    if isinstance(y, StridedArray):
        from ._api import GpuDeviceAPI
        from ._reduce import reduce

        if math.prod(y.shape):
            low = reduce("min", y, tuple(range(y.ndim)), False, y.dtype)
            negative = GpuDeviceAPI().to_numpy(low) < 0
        else:
            negative = False
    else:
        negative = y < 0
    if negative:
        from ._errors import GpuValueError

        raise GpuValueError(
            f"pow: Integers to negative integer powers are not allowed ({x.dtype} ** a "
            f"negative {np.dtype(getattr(y, 'dtype', type(y)))} exponent), as NumPy\n"
            f"  hint: x.astype(float) ** y for the real powers")
    return run_op("pow", BINARY, None, x, y)
