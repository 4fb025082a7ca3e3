"""Multi-tensor optimizer updates: the SGD or Adam update of several parameters in one WGSL
dispatch (the ``many`` attribute of ``sgd_update`` / ``adam_update``), as PyTorch's foreach
path does on CUDA. A training step otherwise records one launch per parameter (10 of the
benchmark CNN's 45); each element's arithmetic is the single-tensor kernel's, line for line
(``_optim.sgd_body`` / ``adam_body``), so the results are the same bits.

Each parameter's arrays get their own bindings (``W3``, ``G3``, ``B3`` for the fourth); the
workgroups are laid out parameter after parameter, and a workgroup finds its parameter in the
metadata's table of first workgroups, then runs that parameter's case of a ``switch``. A
launch takes as many parameters as the adapter's storage-buffer bindings allow (31 on
lavapipe: 10 SGD-with-momentum or 7 Adam parameters) and the 128-word metadata holds.

Metadata words: [T, first workgroup of each parameter (T + 1), element count of each (T),
offset of each array of each parameter (T * arrays), scalars (as ``_optim``)].
"""

from __future__ import annotations

import re
import struct

from . import _optim as O
from ._codegen import LINEAR_ID, WG, header, scalar_bits, scalar_load
from ._dtypes import dtype_info
from ._runtime import Runtime, get_runtime, meta_struct

__all__ = ["sgd_update_many", "adam_update_many"]

_MAX_TENSORS = 16  # parameters per launch at most (bounds the shader variants)
_REF = re.compile(r"\b([A-Z])\[i\1\]")


def _source(names, dt, count, nscal, body) -> str:
    """WGSL of the update of ``count`` parameters with arrays ``names`` each."""
    st, na = dt.storage, len(names)
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;"]
    lines += [f"@group(0) @binding({1 + t * na + k}) var<storage, read_write> {n}{t}: "
              f"array<{st}>;" for t in range(count) for k, n in enumerate(names)]
    first = 2 + 2 * count + na * count  # the scalars' first word
    words = 2 if dt.compute == "f64" else 1
    lines += [f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
              "  let w = wg.y * nwg.x + wg.x;",
              f"  if (w >= P[{1 + count}]) {{ return; }}",
              "  var t = 0u;",
              "  while (w >= P[t + 2u]) { t = t + 1u; }",
              f"  let i = (w - P[t + 1u]) * {WG}u + li;",
              f"  if (i >= P[{2 + count}u + t]) {{ return; }}"]
    lines += [f"  let s{j} = {scalar_load(dt, first + words * j)};" for j in range(nscal)]
    lines.append("  switch t {")
    for t in range(count):
        lines.append(f"    case {t}u: {{")
        base = 2 + 2 * count + t * na
        lines += [f"      let i{n} = P[{base + k}] + i;" for k, n in enumerate(names)]
        lines += ["      " + _REF.sub(lambda m, t=t: f"{m.group(1)}{t}[i{m.group(1)}]", ln)
                  for ln in body]
        lines.append("    }")
    lines += ["    default: {}", "  }", "}"]
    return header("\n".join(lines), st == "f16")


def _per_launch(rt: Runtime, na: int, nscal: int, f64: bool) -> int:
    """Parameters one launch takes: the adapter's storage bindings (one is the metadata) and
    the metadata slice bound it."""
    bindings = int(rt.limits.get("max-storage-buffers-per-shader-stage", 8)) - 1
    words = Runtime.META_BYTES // 4 - 2 - nscal * (2 if f64 else 1)
    return max(1, min(_MAX_TENSORS, bindings // na, words // (2 + na)))


_DENSE: dict = {}  # (shape, strides) -> contiguous


def _dense(group) -> bool:
    """Every array of the group dense: the parameter contiguous, the others of its shape
    and strides or contiguous (``is_contiguous`` is the costly test: once per parameter)."""
    a0 = group[0]
    shape, strides = a0.shape, a0.strides
    dense = _DENSE.get((shape, strides))
    if dense is None:
        if len(_DENSE) > 4096:
            _DENSE.clear()
        dense = _DENSE[shape, strides] = a0.is_contiguous()
    if not dense:
        return False
    for a in group:
        if (a.strides != strides or a.shape != shape) and \
                (a.shape != shape or not a.is_contiguous()):
            return False
    return True


def _launch(rt, key, names, groups, scalars, dt, body) -> None:
    """One dispatch updating ``groups`` (lists of arrays, each of ``names``), all dense."""
    count = len(groups)
    firsts, counts, offsets = [0], [], []
    for g in groups:
        n = g[0].size
        firsts.append(firsts[-1] + -(-n // WG))
        counts.append(n)
        offsets += [a.offset for a in g]
    mkey = key + ("many", count)
    kernel = rt._kernels.get(mkey)
    if kernel is None:
        kernel = rt.kernel(mkey, lambda: _source(names, dt, count, len(scalars), body()),
                           (True,) * (count * len(names)))
    head = [count, *firsts, *counts, *offsets]
    f64 = dt.compute == "f64"
    try:
        data = struct.pack(f"<{len(head)}I{len(scalars)}{'d' if f64 else 'f'}", *head,
                           *scalars)
    except OverflowError:  # a scalar past float32's range: NumPy's rounding (to inf)
        for v in scalars:
            head += scalar_bits(v, dt)
        data = meta_struct(len(head)).pack(*head)
    meta_struct((len(data) + 3) // 4)  # refuses metadata past the arena slice
    rt.record(kernel, data, [a.storage.buffer for g in groups for a in g],
              rt.grid(firsts[-1]), firsts[-1] * WG * 16)
    for g in groups:
        for a in g:
            a.storage.version += 1


def _many(key, names, groups, scalars, dt, body, call_single) -> None:
    """Dense groups in launches of as many as fit; the others through ``call_single``."""
    dense = []
    for g in groups:
        a0 = g[0]
        shape, strides = a0.shape, a0.strides
        ok = _DENSE.get((shape, strides))  # (``_dense``'s first test, inlined: per parameter)
        if ok:
            for a in g:
                if a.strides != strides or a.shape != shape:
                    ok = False
                    break
        if ok or _dense(g):
            if a0.size:
                dense.append(g)
        else:
            call_single(g)
    if not dense:
        return
    rt = get_runtime(dense[0][0].storage.device_index)
    per = _per_launch(rt, len(names), len(scalars), dt.compute == "f64")
    for i in range(0, len(dense), per):
        chunk = dense[i:i + per]
        if len(chunk) == 1:
            call_single(chunk[0])
        else:
            _launch(rt, key, names, chunk, scalars, dt, body)


def sgd_update_many(groups, *, lr, momentum=0.0, dampening=0.0, nesterov=False,
                    weight_decay=0.0, maximize=False, init_buffer=False) -> None:
    """``sgd_update`` of every ``[param, grad, momentum_buffer]`` of ``groups`` (one dtype,
    one device), in place, in as few launches as the bindings allow."""
    if not groups:
        return
    dt = dtype_info(groups[0][0].dtype)
    key = O.sgd_key(dt, maximize, weight_decay, momentum, nesterov, init_buffer)
    kw = {"lr": lr, "momentum": momentum, "dampening": dampening, "nesterov": nesterov,
          "weight_decay": weight_decay, "maximize": maximize, "init_buffer": init_buffer}
    names = O._SGD_MOM if key[4] else O._SGD
    na = len(names)
    arrays = [g[:na] for g in groups]
    _many(key, names, arrays, [-lr, weight_decay, momentum, 1 - dampening], dt,
          lambda: O.sgd_body(dt, key),
          lambda g: O.sgd_update(g[0], g[1], g[2] if len(g) > 2 else None, **kw))


def adam_update_many(groups, *, lr, beta1, beta2, eps, step, weight_decay=0.0,
                     decoupled=False, amsgrad=False, maximize=False) -> None:
    """``adam_update`` of every ``[param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq]`` of
    ``groups`` (one dtype, one device, one step count), in place, in few launches."""
    if not groups:
        return
    dt = dtype_info(groups[0][0].dtype)
    key = O.adam_key(dt, weight_decay, decoupled, amsgrad, maximize)
    kw = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "step": step,
          "weight_decay": weight_decay, "decoupled": decoupled, "amsgrad": amsgrad,
          "maximize": maximize}
    names = O._AMSGRAD if amsgrad else O._ADAM
    arrays = [list(g[:len(names)]) for g in groups]
    _many(key, names, arrays,
          O.adam_scalars(lr, beta1, beta2, eps, step, weight_decay), dt,
          lambda: O.adam_body(dt, key),
          lambda g: O.adam_update(*(g + [None] * (5 - len(g))), **kw))


O.sgd_update.many = sgd_update_many
O.adam_update.many = adam_update_many
