"""Gather and scatter kernels from one template: take, take_along_axis, gather (torch.gather),
scatter / scatter_add, and core's advanced indexing ops ``index`` / ``index_put``.

Over an index space S, every element has a target offset, a source offset and an index value
k (read from an int32/uint32 index array, negatives wrapped once): gather writes
``Y[y] = X[x + k * stride]``, scatter writes ``Y[y + k * stride] = V[v]`` (or adds or
multiplies with atomics: compare-exchange loops for floats and products; WGSL has no 64-bit
atomics, so an accumulating ``index_put`` of a 64-bit dtype sorts its targets on the host and
adds each target's run of values in one invocation). For ``index`` /
``index_put`` core hands us a host key; NumPy applies it to a host array of element
offsets and the GPU gathers or scatters at those offsets, so every NumPy indexing rule (and
error) holds.

Note: differs from NumPy: an out-of-range index on the GPU reads 0 and writes nothing (a
kernel cannot raise); duplicate indices in a non-accumulating ``index_put`` leave one of the
written values, not necessarily the last.
"""

from __future__ import annotations

import math

import numpy as np
from trueno.backend import StridedArray

from ._api import contiguous, copy_
from ._codegen import LINEAR_ID, WG, bcast_strides, collapse, header, i32w, new_array
from ._dtypes import WIDE, dtype_info, lit
from ._elementwise import rt_of
from ._errors import GpuDtypeError

__all__ = ["take", "take_along_axis", "gather", "scatter", "scatter_add", "index",
           "index_put", "make_kernels"]


def _combine(op, old, v):
    """WGSL combining ``old`` (the stored value) with ``v`` for scatter add/multiply."""
    return f"({old} {'+' if op == 'add' else '*'} {v})"


def _source(mode, dt, idt, nd, index_mode="raise"):
    """Metadata: [n, y_off, s_off, i_off, axis_len, axis_stride, shape[nd], y strides[nd],
    s strides[nd], i strides[nd]]."""
    st = dt.storage
    atomic = mode in ("add", "mul")
    ytype = (f"atomic<{'i32' if st == 'i32' else 'u32'}>") if atomic else st
    lines = [
        "@group(0) @binding(0) var<storage, read> P: array<u32>;",
        f"@group(0) @binding(1) var<storage, read_write> Y: array<{ytype}>;",
        f"@group(0) @binding(2) var<storage, read> S: array<{st}>;",
        f"@group(0) @binding(3) var<storage, read> I: array<{idt.storage}>;",
        f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
        f"  let i = (wg.y * nwg.x + wg.x) * {WG}u + li;",
        "  if (i >= P[0]) { return; }",
        "  var oy = bitcast<i32>(P[1]);", "  var os = bitcast<i32>(P[2]);",
        "  var oi = bitcast<i32>(P[3]);", "  var r = i;",
        f"  for (var d: i32 = {nd - 1}; d >= 0; d = d - 1) {{",
        "    let n = P[6u + u32(d)];", "    let c = i32(r % n);", "    r = r / n;",
        f"    oy += c * bitcast<i32>(P[{6 + nd}u + u32(d)]);",
        f"    os += c * bitcast<i32>(P[{6 + 2 * nd}u + u32(d)]);",
        f"    oi += c * bitcast<i32>(P[{6 + 3 * nd}u + u32(d)]);",
        "  }",
        "  let n_axis = bitcast<i32>(P[4]);",
        "  var k = i32(I[oi]);",
        {"raise": "  if (k < 0) { k += n_axis; }",
         "wrap": "  k = tn_srem_i32(tn_srem_i32(k, n_axis) + n_axis, n_axis);",
         "clip": "  k = clamp(k, 0, n_axis - 1);"}[index_mode],
        "  let ok = k >= 0 && k < n_axis;",
        "  let step = k * bitcast<i32>(P[5]);",
    ]
    if mode == "gather":
        zero = "f16(0.0)" if st == "f16" else lit(st, 0)
        lines.append(f"  Y[oy] = select({zero}, S[os + select(0, step, ok)], ok);")
    elif mode == "set":
        lines.append("  if (ok) { Y[oy + step] = S[os]; }")
    elif st == "f16":  # compare-exchange on the u32 word holding the half
        comp = "h.y = " + _combine(mode, "h.y", "v") + "; } else { h.x = " + \
            _combine(mode, "h.x", "v")
        lines += ["  if (!ok) { return; }", "  let v = f32(S[os]);", "  let at = oy + step;",
                  "  let hi = (at & 1) == 1;",
                  "  var old = atomicLoad(&Y[at >> 1u]);",
                  "  loop {",
                  "    var h = unpack2x16float(old);",
                  f"    if (hi) {{ {comp}; }}",
                  "    let r2 = atomicCompareExchangeWeak(&Y[at >> 1u], old, pack2x16float(h));",
                  "    if (r2.exchanged) { break; }",
                  "    old = r2.old_value;",
                  "  }"]
    elif dt.kind == "b":  # bool: add is a logical or, multiply a logical and
        fn = "atomicMax" if mode == "add" else "atomicMin"
        lines.append(f"  if (ok) {{ {fn}(&Y[oy + step], S[os]); }}")
    elif mode == "add" and dt.compute != "f32":
        lines.append("  if (ok) { atomicAdd(&Y[oy + step], S[os]); }")
    else:  # compare-exchange loop: float adds, every multiply
        new_val = (f"bitcast<u32>({_combine(mode, 'bitcast<f32>(old)', 'v')})"
                   if dt.compute == "f32" else _combine(mode, "old", "v"))
        lines += ["  if (!ok) { return; }", "  let v = S[os];", "  let at = oy + step;",
                  "  var old = atomicLoad(&Y[at]);",
                  "  loop {",
                  f"    let r2 = atomicCompareExchangeWeak(&Y[at], old, {new_val});",
                  "    if (r2.exchanged) { break; }",
                  "    old = r2.old_value;",
                  "  }"]
    lines.append("}")
    return header("\n".join(lines), st == "f16")


def _launch(mode, shape, y: StridedArray, y_strides, s: StridedArray, s_strides,
            idx: StridedArray, i_strides, axis_len, axis_stride, index_mode="raise"):
    rt = rt_of(y)
    n = math.prod(shape)
    if n == 0:
        return
    dt = dtype_info(y.dtype)
    if mode in ("add", "mul") and dt.storage in WIDE:
        raise GpuDtypeError(f"gpu: accumulating scatter on {y.dtype}: WGSL has no 64-bit "
                            f"atomics\n  hint: .astype('float32') / ('int32') first, or "
                            f"compute on the CPU")
    idt = dtype_info(idx.dtype)
    cshape, (ys, ss, is_) = collapse(tuple(shape), [tuple(y_strides), tuple(s_strides),
                                                    tuple(i_strides)])
    meta = [n, i32w(y.offset), i32w(s.offset), i32w(idx.offset), i32w(axis_len),
            i32w(axis_stride)] + list(cshape) + [i32w(v) for v in ys + ss + is_]
    key = ("index", mode, dt.name, idt.name, len(cshape), index_mode)
    kernel = rt.kernel(key, lambda: _source(mode, dt, idt, len(cshape), index_mode),
                       (True, False, False))
    rt.dispatch(kernel, meta, [y.storage.buffer, s.storage.buffer, idx.storage.buffer],
                -(-n // WG))


def _index_array(rt, indices):
    """An int32/uint32 device index array (host arrays are uploaded as int32)."""
    if isinstance(indices, StridedArray):
        if dtype_info(indices.dtype) is None or indices.dtype.kind not in "iu":
            raise TypeError(f"gpu: indices must be int32 or uint32 on the GPU, "
                            f"not {indices.dtype}")
        return indices
    host = np.asarray(indices)
    if host.size and (host.max() >= 2**31 or host.min() < -(2**31)):
        raise IndexError("gpu: index values must fit in int32")
    from ._api import GpuDeviceAPI

    return GpuDeviceAPI().from_numpy(host.astype(np.int32), rt.index)


def _wrap_after_add(x):
    """Narrow ints and bfloat16 need their store rounding after atomic adds in 32 bits."""
    if dtype_info(x.dtype).wrap != "{}":
        copy_(x, contiguous(x))


def take(x: StridedArray, indices, axis=None, mode="raise"):
    """``np.take(x, indices, axis, mode=)``; "raise" cannot raise on the GPU: an index out of
    range reads 0."""
    rt = rt_of(x)
    idx = _index_array(rt, indices)
    if axis is None:
        x = x if x.is_contiguous() else contiguous(x)
        x = x.view(x.offset, (x.size,), (1,))
        axis = 0
    axis %= max(x.ndim, 1)
    shape = x.shape[:axis] + idx.shape + x.shape[axis + 1:]
    out = new_array(rt, shape, x.dtype)
    ni = idx.ndim
    xs = x.strides[:axis] + (0,) * ni + x.strides[axis + 1:]
    is_ = (0,) * axis + idx.strides + (0,) * (x.ndim - axis - 1)
    _launch("gather", shape, out, out.strides, x, xs, idx, is_, x.shape[axis], x.strides[axis],
            mode)
    return out


def take_along_axis(x: StridedArray, indices, axis: int):
    """``np.take_along_axis``: indices broadcast against ``x`` on every other axis."""
    rt = rt_of(x)
    idx = _index_array(rt, indices)
    axis %= x.ndim
    shape = tuple(idx.shape[d] if d == axis else max(x.shape[d], idx.shape[d])
                  for d in range(x.ndim))
    out = new_array(rt, shape, x.dtype)
    xs = tuple(0 if d == axis else s for d, s in enumerate(bcast_strides(x, shape)))
    _launch("gather", shape, out, out.strides, x, xs, idx, bcast_strides(idx, shape),
            x.shape[axis], x.strides[axis])
    return out


def gather(x: StridedArray, axis: int, index):
    """``torch.gather(x, axis, index)``: ``out[i][j] = x[index[i][j]][j]`` for axis 0."""
    rt = rt_of(x)
    idx = _index_array(rt, index)
    axis %= x.ndim
    out = new_array(rt, idx.shape, x.dtype)
    xs = tuple(0 if d == axis else s for d, s in enumerate(x.strides))
    _launch("gather", idx.shape, out, out.strides, x, xs, idx, idx.strides, x.shape[axis],
            x.strides[axis])
    return out


def scatter(x: StridedArray, axis: int, index, src, reduce=None):
    """``torch.scatter``: a copy of ``x`` with ``src`` written (``reduce`` None), added
    ("add"/"sum") or multiplied ("multiply"/"prod") at ``index`` along ``axis``."""
    mode = {None: "set", "add": "add", "sum": "add", "multiply": "mul", "prod": "mul"}[reduce]
    rt = rt_of(x)
    idx = _index_array(rt, index)
    axis %= x.ndim
    if not isinstance(src, StridedArray):
        from ._api import full

        src = full(rt, (), src, x.dtype)
    out = contiguous(x)
    ys = tuple(0 if d == axis else s for d, s in enumerate(out.strides))
    _launch(mode, idx.shape, out, ys, src, bcast_strides(src, idx.shape), idx, idx.strides,
            x.shape[axis], out.strides[axis])
    if mode != "set":
        _wrap_after_add(out)
    return out


def scatter_add(x: StridedArray, axis: int, index, src: StridedArray):
    """``torch.scatter_add``: a copy of ``x`` with ``src`` added at ``index`` along ``axis``."""
    rt = rt_of(x)
    idx = _index_array(rt, index)
    axis %= x.ndim
    out = contiguous(x)
    ys = tuple(0 if d == axis else s for d, s in enumerate(out.strides))
    src_strides = bcast_strides(src, idx.shape)  # src may be larger than index (torch)
    _launch("add", idx.shape, out, ys, src, src_strides, idx, idx.strides, x.shape[axis],
            out.strides[axis])
    _wrap_after_add(out)
    return out


# -- core's advanced indexing ------------------------------------------------------------------
def _offsets(x: StridedArray, key):
    """Element offsets of ``x[key]`` computed by NumPy on a host grid of ``x``'s offsets."""
    offs = np.full((), x.offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(x.shape, x.strides)):
        ax = np.arange(n, dtype=np.int64) * s
        offs = offs + ax.reshape((n,) + (1,) * (x.ndim - d - 1))
    offs = np.broadcast_to(offs, x.shape)
    return np.ascontiguousarray(offs[key])


def _flat(x: StridedArray):
    """The whole storage of ``x`` as a 1-D view at offset 0."""
    return StridedArray(x.storage, 0, (1 << 30,), (1,), x.dtype)


def index(x: StridedArray, key):
    rt = rt_of(x)
    offs = _offsets(x, key)
    idx = _index_array(rt, offs)
    out = new_array(rt, offs.shape, x.dtype)
    zeros = (0,) * offs.ndim
    _launch("gather", offs.shape, out, out.strides, _flat(x), zeros, idx, idx.strides,
            1 << 30, 1)
    return out


def index_put(x: StridedArray, key, value, accumulate=False):
    rt = rt_of(x)
    offs = _offsets(x, key)
    idx = _index_array(rt, offs)
    if not isinstance(value, StridedArray):
        from ._api import full

        value = full(rt, (), value, x.dtype)
    elif value.storage.buffer is x.storage.buffer:
        value = contiguous(value)
    if value.ndim > offs.ndim or np.broadcast_shapes(value.shape, offs.shape) != offs.shape:
        raise ValueError(f"shape mismatch: value array of shape {value.shape} could not be "
                         f"broadcast to indexing result of shape {offs.shape}")
    vs = bcast_strides(value, offs.shape)
    if accumulate and dtype_info(x.dtype).storage in WIDE:
        _accumulate_sorted(x, offs, value.view(value.offset, offs.shape, vs))
        x.storage.version += 1
        return x
    zeros = (0,) * offs.ndim
    mode = "add" if accumulate else "set"
    _launch(mode, offs.shape, _flat(x), zeros, value, vs, idx, idx.strides, 1 << 30, 1)
    if accumulate:
        _wrap_after_add(x)
    x.storage.version += 1
    return x


def _segment_source(dt) -> str:
    """One invocation per distinct target: the old value plus that target's values in their
    order (NumPy's ``add.at`` order, so float64 sums round as NumPy's do). Metadata:
    [n targets]; U: target offsets, B: n + 1 segment bounds into S."""
    st = dt.storage
    body = "\n".join([
        "@group(0) @binding(0) var<storage, read> P: array<u32>;",
        f"@group(0) @binding(1) var<storage, read_write> Y: array<{st}>;",
        f"@group(0) @binding(2) var<storage, read> S: array<{st}>;",
        "@group(0) @binding(3) var<storage, read> U: array<i32>;",
        "@group(0) @binding(4) var<storage, read> B: array<i32>;",
        f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
        f"  let j = (wg.y * nwg.x + wg.x) * {WG}u + li;",
        "  if (j >= P[0]) { return; }",
        "  let at = U[j];",
        "  var acc = Y[at];",
        "  for (var k = B[j]; k < B[j + 1u]; k = k + 1) { acc = acc + S[k]; }",
        "  Y[at] = acc;",
        "}"])
    return header(body, False)


def _accumulate_sorted(x: StridedArray, offs: np.ndarray, value: StridedArray) -> None:
    """``index_put(accumulate=True)`` for 64-bit dtypes (WGSL has no 64-bit atomics): the host
    sorts the target offsets (stably), the GPU gathers the values in that order and one
    invocation per distinct target adds its run of values."""
    from ._api import GpuDeviceAPI

    rt = rt_of(x)
    flat = offs.reshape(-1)
    if flat.size == 0:
        return
    order = np.argsort(flat, kind="stable")
    targets = flat[order]
    starts = np.flatnonzero(np.r_[True, targets[1:] != targets[:-1]])
    bounds = np.r_[starts, targets.size]
    vals = contiguous(value)
    vals = take(vals.view(vals.offset, (flat.size,), (1,)), order, 0, mode="clip")
    api = GpuDeviceAPI()
    u = api.from_numpy(targets[starts].astype(np.int32), rt.index)
    b = api.from_numpy(bounds.astype(np.int32), rt.index)
    dt = dtype_info(x.dtype)
    kernel = rt.kernel(("index_segments", dt.name), lambda: _segment_source(dt),
                       (True, False, False, False))
    rt.dispatch(kernel, [starts.size], [x.storage.buffer, vals.storage.buffer,
                                        u.storage.buffer, b.storage.buffer],
                -(-starts.size // WG))


def make_kernels(all_dtypes) -> dict:
    return {
        "take": dict.fromkeys(all_dtypes, take),
        "take_along_axis": dict.fromkeys(all_dtypes, take_along_axis),
        "scatter": dict.fromkeys(all_dtypes, scatter),
        "gather": dict.fromkeys(all_dtypes, gather),
        "scatter_add": {d: scatter_add for d in all_dtypes if dtype_info(d).storage not in WIDE},
        "index": dict.fromkeys(all_dtypes, index),
        "index_put": dict.fromkeys(all_dtypes, index_put),
    }

