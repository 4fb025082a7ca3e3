"""batch_norm's running statistics moved toward a batch's in one dispatch, in place (row
``batch_norm_update_stats``; decomposition in core's ``_decompositions_norm_stats``): where
the tensor ops take a multiply, an add and a copy per buffer (about 11 launches per layer and
step with their scalar chains), one thread per channel updates the running mean and the
running variance, and the first counts the batch in ``num_batches_tracked``.

float32 and float64 (float16/bfloat16 run the decomposition).
"""

from __future__ import annotations

from ._codegen import LINEAR_ID, WG, header, i32w, scalar_bits, scalar_load
from ._dtypes import dtype_info
from ._elementwise import rt_of
from ._runtime import meta_struct

__all__ = ["batch_norm_update_stats", "make_kernels"]


def _source(dt, names: tuple[str, ...], counter) -> str:
    """Metadata: [C, offset and stride of each array (running, stat pairs), keep, scales,
    the counter's offset]; ``counter``: the counter's dtype (or None)."""
    st = dt.storage
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;"]
    lines += [f"@group(0) @binding({k + 1}) var<storage, read_write> {n}: array<{st}>;"
              for k, n in enumerate(names)]
    words = 2 if dt.compute == "f64" else 1
    first = 1 + 2 * len(names)
    if counter is not None:
        at = f"P[{first + words * (1 + len(names) // 2)}]"
        lines.append(f"@group(0) @binding({len(names) + 1}) var<storage, read_write> NB: "
                     f"array<{counter.storage}>;")
    lines += [f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
              f"  let i = (wg.y * nwg.x + wg.x) * {WG}u + li;"]
    if counter is not None:
        lines.append(f"  if (i == 0u) {{ NB[{at}] = NB[{at}] + {counter.storage}(1); }}")
    lines.append("  if (i >= P[0]) { return; }")
    lines.append(f"  let keep = {scalar_load(dt, first)};")
    for k in range(0, len(names), 2):
        run, stat = names[k], names[k + 1]
        at = [f"P[{1 + 2 * j}] + i * P[{2 + 2 * j}]" for j in (k, k + 1)]
        scale = scalar_load(dt, first + words * (1 + k // 2))
        old, new = dt.load(f"{run}[{at[0]}]"), dt.load(f"{stat}[{at[1]}]")
        lines.append(f"  {run}[{at[0]}] = {dt.store(old + ' * keep + ' + new + ' * ' + scale)};")
    lines.append("}")
    return header("\n".join(lines), st == "f16")


_PLANS: dict = {}  # layouts and scalars -> packed metadata (a training loop's calls hit it)


def batch_norm_update_stats(running_mean, running_var, mean, var, num_batches_tracked=None, *,
                            momentum, factor=1.0):
    """``running = (1 - momentum) running + momentum (factor) stat`` for the mean and the
    variance ((C,) arrays, any strides; a running buffer may be None) and
    ``num_batches_tracked += 1`` (a 0-d integer array, or None), in place."""
    pairs = [(r, s, sc) for r, s, sc in ((running_mean, mean, momentum),
                                         (running_var, var, momentum * factor)) if r is not None]
    first = pairs[0][0]
    c = first.size
    groups = max(-(-c // WG), num_batches_tracked is not None)
    if groups == 0:
        return first
    rt = rt_of(first)
    dt = dtype_info(first.dtype)
    names = ("RM", "M", "RV", "V")[:2 * len(pairs)] if running_mean is not None else ("RV", "V")
    nb = num_batches_tracked
    ct = None if nb is None else dtype_info(nb.dtype)
    key = (first.dtype, c, names, momentum, factor, None if nb is None else (nb.dtype, nb.offset),
           tuple((r.offset, r.strides, s.offset, s.strides) for r, s, _ in pairs))
    data = _PLANS.get(key)
    if data is None:
        meta = [c]
        for r, s, _ in pairs:
            meta += [r.offset, i32w(r.strides[0]), s.offset, i32w(s.strides[0])]
        meta += scalar_bits(1.0 - momentum, dt)
        for _, _, sc in pairs:
            meta += scalar_bits(sc, dt)
        if nb is not None:
            meta.append(nb.offset)
        if len(_PLANS) > 1024:
            _PLANS.clear()
        data = _PLANS[key] = meta_struct(len(meta)).pack(*meta)
    kernel = rt.kernel(("batch_norm_update_stats", dt.name, names, None if ct is None
                        else ct.name), lambda: _source(dt, names, ct),
                       (True,) * (len(names) + (nb is not None)))
    buffers = [a.storage.buffer for r, s, _ in pairs for a in (r, s)]
    if nb is not None:
        buffers.append(nb.storage.buffer)
        nb.storage.version += 1
    rt.record(kernel, data, buffers, rt.grid(groups),
              4 * c * dt.itemsize)
    for r, _, _ in pairs:
        r.storage.version += 1
    return first


def make_kernels(all_dtypes) -> dict:
    """float32, and float64 where the adapter has shader-f64 (narrowed at registration)."""
    floats = [d for d in all_dtypes if d in ("float32", "float64")]
    return {"batch_norm_update_stats": dict.fromkeys(floats, batch_norm_update_stats)}
