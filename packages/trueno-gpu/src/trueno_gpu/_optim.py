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

from ._api import contiguous, copy_
from ._codegen import LINEAR_ID, WG, header, scalar_bits, scalar_load
from ._dtypes import dtype_info
from ._elementwise import rt_of

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


def _run(key, names, arrays, scalars, dt, body):
    """Dispatch the update over contiguous ``arrays`` (strided ones through copies)."""
    rt = rt_of(arrays[0])
    n = arrays[0].size
    if n == 0:
        return
    work, back = [], []
    for a in arrays:
        c = a if a.is_contiguous() else contiguous(a)
        if c is not a:
            back.append((a, c))
        work.append(c)
    kernel = rt.kernel(key, lambda: _source(names, dt, len(scalars), body),
                       (True,) * len(names))
    meta = [n] + [a.offset for a in work]
    for s in scalars:
        meta += scalar_bits(s, dt)
    rt.dispatch(kernel, meta, [a.storage.buffer for a in work], -(-n // WG), cost=n * 16)
    for a in work:
        a.storage.version += 1
    for a, c in back:
        if a is not arrays[1]:  # the gradient is read, never written
            copy_(a, c)


def sgd_update(param, grad, momentum_buffer, *, lr, momentum=0.0, dampening=0.0,
               nesterov=False, weight_decay=0.0, maximize=False, init_buffer=False):
    """PyTorch's SGD step for one parameter in one dispatch, in place; returns ``param``."""
    dt = dtype_info(param.dtype)
    mom, wd = momentum != 0, weight_decay != 0
    init, nest = mom and init_buffer, mom and nesterov
    names = ["W", "G"] + (["B"] if mom else [])
    body = [f"var d = {dt.load('G[iG]')};"]
    if maximize:
        body.append("d = -d;")
    body.append(f"let w = {dt.load('W[iW]')};")
    if wd:
        body.append("d = d + s1 * w;")
    if mom:
        body.append("let b = d;" if init else f"let b = {dt.load('B[iB]')} * s2 + s3 * d;")
        body.append(f"B[iB] = {dt.store('b')};")
        body.append("d = d + s2 * b;" if nest else "d = b;")
    body.append(f"W[iW] = {dt.store('w + s0 * d')};")
    key = ("sgd_update", dt.name, maximize, wd, mom, init, nest)
    arrays = [param, grad] + ([momentum_buffer] if mom else [])
    _run(key, names, arrays, [-lr, weight_decay, momentum, 1 - dampening], dt, body)
    return param


def adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, lr, beta1, beta2, eps,
                step, weight_decay=0.0, decoupled=False, amsgrad=False, maximize=False):
    """PyTorch's Adam/AdamW step for one parameter in one dispatch, in place; returns
    ``param``."""
    dt = dtype_info(param.dtype)
    f64 = dt.compute == "f64"
    l2, dec = weight_decay != 0 and not decoupled, weight_decay != 0 and decoupled
    step_size = lr / (1 - beta1**step)
    bc2_sqrt = (1 - beta2**step) ** 0.5
    names = ["W", "G", "M", "V"] + (["X"] if amsgrad else [])
    body = [f"var g = {dt.load('G[iG]')};"]
    if maximize:
        body.append("g = -g;")
    body.append(f"var w = {dt.load('W[iW]')};")
    if dec:
        body.append("w = w * s1;")
    if l2:
        body.append("g = g + s0 * w;")
    body += [f"var m = {dt.load('M[iM]')};", "m = m + s2 * (g - m);",
             f"M[iM] = {dt.store('m')};",
             f"var v = {dt.load('V[iV]')} * s3 + s4 * g * g;", f"V[iV] = {dt.store('v')};"]
    if amsgrad:
        body += [f"v = tn_max{'64' if f64 else ''}({dt.load('X[iX]')}, v);",
                 f"X[iX] = {dt.store('v')};"]
    body += ["let denom = sqrt(v) / s5 + s6;", f"W[iW] = {dt.store('w + s7 * m / denom')};"]
    key = ("adam_update", dt.name, maximize, l2, dec, amsgrad)
    arrays = [param, grad, exp_avg, exp_avg_sq] + ([max_exp_avg_sq] if amsgrad else [])
    scalars = [weight_decay, 1 - lr * weight_decay, 1 - beta1, beta2, 1 - beta2, bc2_sqrt, eps,
               -step_size]
    _run(key, names, arrays, scalars, dt, body)
    return param


def make_kernels(all_dtypes) -> dict:
    """float32, and float64 where the adapter has shader-f64 (narrowed at registration)."""
    floats = [d for d in all_dtypes if d in ("float32", "float64")]
    return {"sgd_update": dict.fromkeys(floats, sgd_update),
            "adam_update": dict.fromkeys(floats, adam_update)}
