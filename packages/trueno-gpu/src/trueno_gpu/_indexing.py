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

``gather`` and ``take_along_axis`` as core calls them (``checked_*``), and ``index`` given
a key that holds the device index array (``_device_key``: core's autograd decompositions of
both), check the index on the device: an index out of range reads 0 and is flagged, and the
next sync raises ``GpuIndexError`` (``_index_checks``), as PyTorch CUDA does; core then never
reads the index back.

Note: differs from NumPy: elsewhere an out-of-range index on the GPU reads 0 and writes
nothing (core checks ``take``'s index on the host first); duplicate indices in a
non-accumulating ``index_put`` leave one of the written values, not necessarily the last.
"""

from __future__ import annotations

import math

import numpy as np
from trueno.backend import StridedArray

from ._api import contiguous, copy_
from ._codegen import LINEAR_ID, WG, bcast_strides, collapse, header, i32w, new_array
from ._dtypes import WIDE, dtype_info, lit
from ._elementwise import rt_of
from ._errors import GpuDtypeError, GpuIndexError

__all__ = ["take", "take_along_axis", "gather", "scatter", "scatter_add", "index",
           "index_put", "make_kernels"]


def _combine(op, old, v):
    """WGSL combining ``old`` (the stored value) with ``v`` for scatter add/multiply."""
    return f"({old} {'+' if op == 'add' else '*'} {v})"


def _source(mode, dt, idt, nd, index_mode="raise", check=None):
    """Metadata: [n, y_off, s_off, i_off, axis_len, axis_stride, shape[nd], y strides[nd],
    s strides[nd], i strides[nd]] and, for a checked gather (``check``: "numpy", negative
    indices wrap once, or "torch", they are out of range), the slot of its check in the
    runtime's flag buffer E (``_index_checks``)."""
    st = dt.storage
    atomic = mode in ("add", "mul")
    ytype = (f"atomic<{'i32' if st == 'i32' else 'u32'}>") if atomic else st
    lines = [
        "@group(0) @binding(0) var<storage, read> P: array<u32>;",
        f"@group(0) @binding(1) var<storage, read_write> Y: array<{ytype}>;",
        f"@group(0) @binding(2) var<storage, read> S: array<{st}>;",
        f"@group(0) @binding(3) var<storage, read> I: array<{idt.storage}>;",
    ]
    if check:
        lines.append("@group(0) @binding(4) var<storage, read_write> E: array<atomic<u32>>;")
    lines += [
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
        # a 64-bit index out of the i32 range stays out of range (clamped, not wrapped)
        "  var k = i32(clamp(I[oi], i64(-2147483648), i64(2147483647)));"
        if idt.storage == "i64" and index_mode == "raise" else "  var k = i32(I[oi]);",
        "  let k0 = k;",
        {"raise": "" if check == "torch" else "  if (k < 0) { k += n_axis; }",
         "wrap": "  k = tn_srem_i32(tn_srem_i32(k, n_axis) + n_axis, n_axis);",
         "clip": "  k = clamp(k, 0, n_axis - 1);"}[index_mode],
        "  let ok = k >= 0 && k < n_axis;",
        "  let step = k * bitcast<i32>(P[5]);",
    ]
    if check:  # slot words: largest too-large index + 1, largest -index of a negative one
        lines += [f"  if (!ok) {{ let e = 2u * P[{6 + 4 * nd}u];",
                  "    if (k0 < 0) { atomicMax(&E[e + 1u], bitcast<u32>(-(k0 + 1)) + 1u); }",
                  "    else { atomicMax(&E[e], bitcast<u32>(k0) + 1u); } }"]
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
            idx: StridedArray, i_strides, axis_len, axis_stride, index_mode="raise",
            check=None):
    """Record one gather/scatter. ``check``: for a gather, None or (message with ``{}`` for
    the index, negative indices allowed): the kernel flags an index out of range in the
    runtime's ``index_checks``, which the next sync raises."""
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
    buffers = [y.storage.buffer, s.storage.buffer, idx.storage.buffer]
    kind = None if check is None else "numpy" if check[1] else "torch"
    key = ("index", mode, dt.name, idt.name, len(cshape), index_mode, kind)
    kernel = rt.kernel(key, lambda: _source(mode, dt, idt, len(cshape), index_mode, kind),
                       (True, False, False, True) if kind else (True, False, False))
    if kind is None:
        rt.dispatch(kernel, meta, buffers, -(-n // WG))
        return
    with rt.lock:  # the slot and the dispatch: no sync reads the flags in between
        meta.append(rt.index_checks.slot(check[0]))
        rt.dispatch(kernel, meta, buffers + [rt.index_checks.flags], -(-n // WG))


def _index_array(rt, indices):
    """The device index array: a device array as it comes (core passes integer indices
    only: ``_gather_scatter._index_tensor``), host offsets uploaded as int32."""
    if isinstance(indices, StridedArray):
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


def _check(name: str, axis: int, n: int, negative_ok: bool = True):
    """The ``check`` of ``_launch`` for op ``name`` along ``axis`` of size ``n``."""
    where = "axis" if name.startswith("take") else "dimension"
    message = f"{name}: index {{}} is out of bounds for {where} {axis} with size {n}\n  rule: "
    if negative_ok:
        message += (f"-{n} <= index < {n}\n  hint: check the indices (the CPU raises at the "
                    f"call)")
    else:
        message += (f"0 <= index < {n} (PyTorch's {name} takes no negative index)\n  hint: "
                    f"index % {n} wraps negative indices")
    return (message, negative_ok)


def take_along_axis(x: StridedArray, indices, axis: int, checked: bool = False):
    """``np.take_along_axis``: indices broadcast against ``x`` on every other axis.
    ``checked``: an index out of range is flagged on the device and raised at the next sync
    (``_index_checks``; the kernel core calls), else it reads 0."""
    rt = rt_of(x)
    idx = _index_array(rt, indices)
    axis %= x.ndim
    shape = tuple(idx.shape[d] if d == axis else max(x.shape[d], idx.shape[d])
                  for d in range(x.ndim))
    out = new_array(rt, shape, x.dtype)
    xs = tuple(0 if d == axis else s for d, s in enumerate(bcast_strides(x, shape)))
    _launch("gather", shape, out, out.strides, x, xs, idx, bcast_strides(idx, shape),
            x.shape[axis], x.strides[axis],
            check=_check("take_along_axis", axis, x.shape[axis]) if checked else None)
    return out


def gather(x: StridedArray, axis: int, index, checked: bool = False, negative_ok: bool = True):
    """``torch.gather(x, axis, index)``: ``out[i][j] = x[index[i][j]][j]`` for axis 0.
    ``checked`` as in ``take_along_axis``; ``negative_ok`` False: a negative index is out of
    range (PyTorch's rule), else it wraps once (NumPy's)."""
    rt = rt_of(x)
    idx = _index_array(rt, index)
    axis %= x.ndim
    out = new_array(rt, idx.shape, x.dtype)
    xs = tuple(0 if d == axis else s for d, s in enumerate(x.strides))
    _launch("gather", idx.shape, out, out.strides, x, xs, idx, idx.strides, x.shape[axis],
            x.strides[axis],
            check=_check("gather", axis, x.shape[axis], negative_ok) if checked else None)
    return out


def checked_take_along_axis(x: StridedArray, indices, axis: int):
    """The registered ``take_along_axis`` kernel: bounds checked on the device."""
    return take_along_axis(x, indices, axis, checked=True)


def checked_gather(x: StridedArray, axis: int, index, negative_ok: bool = True):
    """The registered ``gather`` kernel: bounds checked on the device (``negative_ok``
    False for the PyTorch face)."""
    return gather(x, axis, index, checked=True, negative_ok=negative_ok)


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
    # (np.array, not ascontiguousarray, which makes a 0-d result, a full integer key's,
    # 1-d: x[i, j, k] of 0-d device indices had shape (1,))
    return np.array(offs[key], dtype=np.int64, order="C")


def _flat(x: StridedArray):
    """The whole storage of ``x`` as a 1-D view at offset 0."""
    return StridedArray(x.storage, 0, (1 << 30,), (1,), x.dtype)


def _device_key(x: StridedArray, key):
    """The gather that ``x[key]`` is, for a key of one integer array per axis of ``x`` of
    which exactly one is a device array and every host one a constant or an ``arange``
    along one axis of the broadcast result (the keys core's autograd decompositions of
    ``gather`` / ``take_along_axis`` build, so that the index is never read on the host):
    (axis, device index, result shape, source offset, source strides per result axis).
    None for any other key."""
    if key.__class__ is not tuple or len(key) != x.ndim:
        return None
    dev = [d for d, k in enumerate(key) if isinstance(k, StridedArray)]
    if len(dev) != 1 or key[dev[0]].dtype.kind not in "iu":
        return None
    ax = dev[0]
    host = []
    for d, k in enumerate(key):
        if d != ax:
            k = np.asarray(k)
            if k.dtype.kind not in "iu":
                return None
            host.append((d, k))
    try:
        shape = np.broadcast_shapes(key[ax].shape, *(k.shape for _, k in host))
    except ValueError:
        return None
    strides = [0] * len(shape)
    base = x.offset
    for d, k in host:
        n = x.shape[d]
        if k.size == 1:
            c = int(k.reshape(()))
            if not -n <= c < n:
                return None
            base += (c % n) * x.strides[d]
            continue
        ks = (1,) * (len(shape) - k.ndim) + k.shape
        axes = [j for j, m in enumerate(ks) if m != 1]
        if len(axes) != 1 or ks[axes[0]] > n or \
                not np.array_equal(k.reshape(-1), np.arange(ks[axes[0]])):
            return None
        strides[axes[0]] += x.strides[d]
    return ax, key[ax], shape, base, tuple(strides)


def host_key(key, x: StridedArray, check=None):
    """``key`` with its device index arrays read back to the host (any key ``_device_key``
    does not take; the complex kernels). ``check``: (op name, negative indices allowed) of
    a checked gather, whose bounds are checked here, at the call."""
    if key.__class__ is not tuple or not any(isinstance(k, StridedArray) for k in key):
        return key
    from ._api import GpuDeviceAPI

    api = GpuDeviceAPI()
    out = []
    for d, k in enumerate(key):
        if isinstance(k, StridedArray):
            k = api.to_numpy(k)
            if check is not None and k.size and d < x.ndim:
                n = x.shape[d]
                lo, hi = int(k.min()), int(k.max())
                low = -n if check[1] else 0
                if lo < low or hi >= n:
                    message, _ = _check(check[0], d, n, check[1])
                    raise GpuIndexError(message.format(lo if lo < low else hi))
        out.append(k)
    return tuple(out)


def index(x: StridedArray, key, check=None):
    """``x[key]``: core's advanced indexing with a host key (offsets from NumPy, its errors),
    or a key holding a device index array (``_device_key``) gathered without reading it;
    ``check`` as in ``host_key``: such an index out of range is flagged on the device."""
    rt = rt_of(x)
    if key.__class__ is tuple:
        found = _device_key(x, key)
        if found is not None:
            ax, idx, shape, base, xs = found
            out = new_array(rt, shape, x.dtype)
            _launch("gather", shape, out, out.strides, x.view(base, x.shape, x.strides), xs,
                    idx, bcast_strides(idx, shape), x.shape[ax], x.strides[ax],
                    check=None if check is None else _check(check[0], ax, x.shape[ax],
                                                            check[1]))
            return out
        key = host_key(key, x, check)
    offs = _offsets(x, key)
    idx = _index_array(rt, offs)
    out = new_array(rt, offs.shape, x.dtype)
    zeros = (0,) * offs.ndim
    _launch("gather", offs.shape, out, out.strides, _flat(x), zeros, idx, idx.strides,
            1 << 30, 1)
    return out


def index_put(x: StridedArray, key, value, accumulate=False):
    """``x[key] = value`` (``+=`` with ``accumulate``), in place; a key of ``_device_key``'s
    form scatters through the device index (an index out of range writes nothing)."""
    rt = rt_of(x)
    if key.__class__ is tuple:
        found = _device_key(x, key)
        if found is not None and not (accumulate and dtype_info(x.dtype).storage in WIDE):
            _put_device_key(x, found, value, accumulate)
            return x
        key = host_key(key, x)
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


def _put_device_key(x: StridedArray, found, value, accumulate: bool) -> None:
    ax, idx, shape, base, xs = found
    rt = rt_of(x)
    if not isinstance(value, StridedArray):
        from ._api import full

        value = full(rt, (), value, x.dtype)
    elif value.storage.buffer is x.storage.buffer:
        value = contiguous(value)
    if value.ndim > len(shape) or np.broadcast_shapes(value.shape, shape) != shape:
        raise ValueError(f"shape mismatch: value array of shape {value.shape} could not be "
                         f"broadcast to indexing result of shape {shape}")
    _launch("add" if accumulate else "set", shape, x.view(base, x.shape, x.strides), xs, value,
            bcast_strides(value, shape), idx, bcast_strides(idx, shape), x.shape[ax],
            x.strides[ax])
    if accumulate:
        _wrap_after_add(x)
    x.storage.version += 1


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
        "take_along_axis": dict.fromkeys(all_dtypes, checked_take_along_axis),
        "scatter": dict.fromkeys(all_dtypes, scatter),
        "gather": dict.fromkeys(all_dtypes, checked_gather),
        "scatter_add": {d: scatter_add for d in all_dtypes if dtype_info(d).storage not in WIDE},
        "index": dict.fromkeys(all_dtypes, index),
        "index_put": dict.fromkeys(all_dtypes, index_put),
    }

