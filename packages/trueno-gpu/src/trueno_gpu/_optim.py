"""The optimizer updates (op-table rows ``sgd_update`` and ``adam_update``) as one WGSL
dispatch each: one thread per element reads the parameter, its gradient and its state once
and writes the new parameter and state in place (PyTorch's single-tensor SGD and Adam/AdamW,
the operations in the rows' decompositions' order; host scalars computed in double on the
host, as PyTorch does, and passed as bit patterns).

A shader is generated per option set (maximize, weight decay, momentum, ...), so unused state
tensors have no binding and the element loop has no branch on an option; pipelines are cached
by (update, dtype, options). Every binding is ``read_write`` (the gradient is only read):
WebGPU lets one buffer back several writable bindings of a dispatch but not a writable and a
read-only one, and views of one storage share its buffer. The kernels walk contiguous
arrays; strided views are updated through contiguous copies written back with ``copy_``.
"""

from __future__ import annotations

import struct

from ._api import contiguous, copy_
from ._codegen import LINEAR_ID, WG, header, scalar_bits, scalar_load
from ._dtypes import dtype_info
from ._runtime import get_runtime, meta_struct

__all__ = ["sgd_update", "adam_update", "make_kernels"]


def _source(names, dt, nscal, body):
    """WGSL: bindings P (metadata), then one array per name; metadata words [n, offsets of
    each array..., scalars (one word each for f32, two for f64)...]."""
    st = dt.storage
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;"]
    lines += [f"@group(0) @binding({k + 1}) var<storage, read_write> {n}: array<{st}>;"
              for k, n in enumerate(names)]
    lines += [f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
              f"  let i = (wg.y * nwg.x + wg.x) * {WG}u + li;",
              "  if (i >= P[0]) { return; }"]
    lines += [f"  let i{n} = P[{k + 1}] + i;" for k, n in enumerate(names)]
    first = 1 + len(names)
    words = 2 if dt.compute == "f64" else 1
    lines += [f"  let s{j} = {scalar_load(dt, first + words * j)};" for j in range(nscal)]
    lines += ["  " + ln for ln in body] + ["}"]
    return header("\n".join(lines), st == "f16")


_PACKS: dict = {}  # (arrays, scalars, compute type) -> struct packing the metadata


def _pack(narrays: int, nscal: int, f64: bool):
    """The ``struct.Struct`` of an update's metadata: n and the array offsets as u32 words,
    then the scalars as f32 (f64: two words, low first), as ``scalar_bits`` lays them out."""
    key = (narrays, nscal, f64)
    st = _PACKS.get(key)
    if st is None:
        st = _PACKS[key] = struct.Struct(f"<{1 + narrays}I{nscal}{'d' if f64 else 'f'}")
        meta_struct((st.size + 3) // 4)  # refuses metadata past the arena slice
    return st


def _run(key, names, arrays, scalars, dt, body):
    """Dispatch the update over contiguous ``arrays`` (strided ones through copies).

    ``body`` is a callable giving the WGSL lines of the update: it runs only when the
    pipeline of ``key`` is not cached yet. The metadata is packed with one cached struct and
    recorded directly (``Runtime.record``), so a cached update costs a few dict lookups."""
    a0 = arrays[0]
    n = a0.size
    if n == 0:
        return
    rt = get_runtime(a0.storage.device_index)
    work, back = arrays, None
    dense = a0.is_contiguous()
    for a in arrays:  # a0's shape and strides, a0 dense: a is dense
        if not (dense and a.strides == a0.strides and a.shape == a0.shape) and \
                not a.is_contiguous():
            work, back = [], []
            for b in arrays:
                c = b if b.is_contiguous() else contiguous(b)
                if c is not b:
                    back.append((b, c))
                work.append(c)
            break
    kernel = rt._kernels.get(key)
    if kernel is None:
        kernel = rt.kernel(key, lambda: _source(names, dt, len(scalars), body()),
                           (True,) * len(names))
    st = _pack(len(work), len(scalars), dt.compute == "f64")
    try:
        data = st.pack(n, *[a.offset for a in work], *scalars)
    except OverflowError:  # a scalar past float32's range: NumPy's rounding (to inf)
        meta = [n] + [a.offset for a in work]
        for v in scalars:
            meta += scalar_bits(v, dt)
        data = meta_struct(len(meta)).pack(*meta)
    grid = rt.grid(-(-n // WG))
    rt.record(kernel, data, [a.storage.buffer for a in work], grid, n * 16)
    for a in work:
        a.storage.version += 1
    if back:
        for a, c in back:
            if a is not arrays[1]:  # the gradient is read, never written
                copy_(a, c)


def sgd_key(dt, maximize, weight_decay, momentum, nesterov, init_buffer):
    """The pipeline key of an SGD update: (name, dtype, maximize, wd, mom, init, nesterov)."""
    mom = momentum != 0
    return ("sgd_update", dt.name, bool(maximize), weight_decay != 0, mom,
            mom and bool(init_buffer), mom and bool(nesterov))


def sgd_body(dt, key) -> list[str]:
    """The WGSL lines of one element's SGD update for pipeline ``key`` (``sgd_key``)."""
    _, _, maximize, wd, mom, init, nest = key
    lines = [f"var d = {dt.load('G[iG]')};"]
    if maximize:
        lines.append("d = -d;")
    lines.append(f"let w = {dt.load('W[iW]')};")
    if wd:
        lines.append("d = d + s1 * w;")
    if mom:
        lines.append("let b = d;" if init else f"let b = {dt.load('B[iB]')} * s2 + s3 * d;")
        lines.append(f"B[iB] = {dt.store('b')};")
        lines.append("d = d + s2 * b;" if nest else "d = b;")
    lines.append(f"W[iW] = {dt.store('w + s0 * d')};")
    return lines


def sgd_update(param, grad, momentum_buffer, *, lr, momentum=0.0, dampening=0.0,
               nesterov=False, weight_decay=0.0, maximize=False, init_buffer=False):
    """PyTorch's SGD step for one parameter in one dispatch, in place; returns ``param``."""
    dt = dtype_info(param.dtype)
    key = sgd_key(dt, maximize, weight_decay, momentum, nesterov, init_buffer)
    scalars = [-lr, weight_decay, momentum, 1 - dampening]
    if key[4]:
        _run(key, _SGD_MOM, [param, grad, momentum_buffer], scalars, dt,
             lambda: sgd_body(dt, key))
    else:
        _run(key, _SGD, [param, grad], scalars, dt, lambda: sgd_body(dt, key))
    return param


_SGD, _SGD_MOM = ["W", "G"], ["W", "G", "B"]
_ADAM, _AMSGRAD = ["W", "G", "M", "V"], ["W", "G", "M", "V", "X"]


def adam_key(dt, weight_decay, decoupled, amsgrad, maximize):
    """The pipeline key of an Adam update: (name, dtype, maximize, l2, decoupled, amsgrad)."""
    return ("adam_update", dt.name, bool(maximize), weight_decay != 0 and not decoupled,
            weight_decay != 0 and bool(decoupled), bool(amsgrad))


def adam_body(dt, key) -> list[str]:
    """The WGSL lines of one element's Adam update for pipeline ``key`` (``adam_key``)."""
    _, _, maximize, l2, dec, amsgrad = key
    f64 = dt.compute == "f64"
    lines = [f"var g = {dt.load('G[iG]')};"]
    if maximize:
        lines.append("g = -g;")
    lines.append(f"var w = {dt.load('W[iW]')};")
    if dec:
        lines.append("w = w * s1;")
    if l2:
        lines.append("g = g + s0 * w;")
    lines += [f"var m = {dt.load('M[iM]')};", "m = m + s2 * (g - m);",
              f"M[iM] = {dt.store('m')};",
              f"var v = {dt.load('V[iV]')} * s3 + s4 * g * g;", f"V[iV] = {dt.store('v')};"]
    if amsgrad:
        lines += [f"v = tn_max{'64' if f64 else ''}({dt.load('X[iX]')}, v);",
                  f"X[iX] = {dt.store('v')};"]
    lines += ["let denom = sqrt(v) / s5 + s6;",
              f"W[iW] = {dt.store('w + s7 * m / denom')};"]
    return lines


def adam_scalars(lr, beta1, beta2, eps, step, weight_decay) -> list[float]:
    """The update's host scalars (computed in double, as PyTorch does)."""
    step_size = lr / (1 - beta1**step)
    bc2_sqrt = (1 - beta2**step) ** 0.5
    return [weight_decay, 1 - lr * weight_decay, 1 - beta1, beta2, 1 - beta2, bc2_sqrt, eps,
            -step_size]


def adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, lr, beta1, beta2, eps,
                step, weight_decay=0.0, decoupled=False, amsgrad=False, maximize=False):
    """PyTorch's Adam/AdamW step for one parameter in one dispatch, in place; returns
    ``param``."""
    dt = dtype_info(param.dtype)
    key = adam_key(dt, weight_decay, decoupled, amsgrad, maximize)
    scalars = adam_scalars(lr, beta1, beta2, eps, step, weight_decay)
    if amsgrad:
        _run(key, _AMSGRAD, [param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq], scalars, dt,
             lambda: adam_body(dt, key))
    else:
        _run(key, _ADAM, [param, grad, exp_avg, exp_avg_sq], scalars, dt,
             lambda: adam_body(dt, key))
    return param


def make_kernels(all_dtypes) -> dict:
    """float32, and float64 where the adapter has shader-f64 (narrowed at registration)."""
    floats = [d for d in all_dtypes if d in ("float32", "float64")]
    from . import _optim_multi  # noqa: F401  (sets sgd_update.many, adam_update.many)
    return {"sgd_update": dict.fromkeys(floats, sgd_update),
            "adam_update": dict.fromkeys(floats, adam_update)}
