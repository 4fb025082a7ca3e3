"""matmul: (..., m, k) @ (..., k, n) with broadcast batch axes, any strides.

A 64x64 output tile per workgroup of 256 threads, K walked in steps of 16 through workgroup
memory, each thread accumulating a 4x4 register block; on hardware GPUs matrices of at least
256x256 use 128x128 tiles, k steps of 8 and 8x8 register blocks (64 accumulators per thread;
lavapipe runs those slower, so software adapters keep the small tiles). Operands that are
row-major along k (A) and n (B) with 4-aligned
leading dimensions and offsets are loaded as vec4 ("v4" variant); any other view (transposed,
negative strides, broadcast) is read element by element with its strides, never copied.
float16 loads f16 and accumulates in f32; bfloat16 (stored as f32) rounds on store.
``_FAST["half"]`` opts float16 into f16 partial sums per k step (see ``_matmul_tiled``).
Float operands with vec4-friendly layouts (row-major or transposed) take a fast kernel instead:
``_matmul_tiled``'s or the register-blocked ``_matmul_reg``'s, per ``_FAST["cfg"]`` (pinned by
tests, benchmarks or ``TRUENO_GPU_MATMUL=<name>``) or the size class's default; float16 may
take ``_matmul_half``'s path first.
"""

from __future__ import annotations

import math
import os

import numpy as np
from trueno.backend import StridedArray

from ._codegen import collapse, header, i32w, new_array
from ._dtypes import dtype_info, lit
from ._elementwise import BINARY, launch, rt_of, run_op
from ._errors import GpuValueError
from ._matmul_half import matmul_f16
from ._matmul_reg import VARIANTS, interior_ok, is_reg, reg_default, reg_default_f16, reg_source
from ._matmul_tiled import CONFIGS, entry_lines, fast_config, fast_ok, fast_source
from ._pool import size_class
from ._runtime import meta_struct

__all__ = ["matmul"]

# The fast kernels for row-major float operands; tests and benchmarks may switch them off or
# pin a configuration: a ``_matmul_tiled.CONFIGS`` tile shape (BM, BN, BK) or a
# ``_matmul_reg.VARIANTS`` value. "half": float16 products summed in f16 over each k step
# before the f32 accumulation (opt-in: see ``fast_source``).
_FAST = {"on": True, "cfg": None, "half": False}


def _pinned(name: str):
    """The configuration a ``TRUENO_GPU_MATMUL`` name pins: a ``_matmul_tiled.CONFIGS`` or a
    ``_matmul_reg.VARIANTS`` name (for sweeps and A/B runs of whole programs)."""
    if not name:
        return None
    if name in CONFIGS:
        return CONFIGS[name]
    if name in VARIANTS:
        return VARIANTS[name]
    raise GpuValueError(f"TRUENO_GPU_MATMUL={name!r}: not a matmul kernel configuration\n"
                        f"  names: {', '.join(list(CONFIGS) + list(VARIANTS))}")


_FAST["cfg"] = _pinned(os.environ.get("TRUENO_GPU_MATMUL", ""))

def fast_choice(rt, dt, m: int, n: int, nbatch: int):
    """The fast kernel's configuration for an (m, n) output (times ``nbatch``): float32 on a
    hardware GPU takes the register-blocked kernel (``reg_default``: 0.76x of torch CUDA at
    4096 on an H100 / H200 where the tiled kernel gave 0.59x), float16 there too for big
    outputs (``reg_default_f16``); software adapters keep ``_matmul_tiled``'s tiles."""
    if rt.info.get("adapter_type") != "CPU":
        if dt.storage == "f32":
            return reg_default(m, n, nbatch)
        cfg = reg_default_f16(m, n, nbatch)
        if cfg is not None:
            return cfg
    return fast_config(rt, m, n, nbatch)


# (BM, BN, BK, TM, TN): output tile, k step, per-thread register block. 256 threads each.
SMALL = (64, 64, 16, 4, 4)
LARGE = (128, 128, 8, 8, 8)


def _source(dt, acc, v4a, v4b, nb, cfg):
    """Metadata: [M, N, K, a_off, b_off, sa_m, sa_k, sb_k, sb_n, batch shape[nb],
    a batch strides[nb], b batch strides[nb]]."""
    BM, BN, BK, TM, TN = cfg
    st = dt.storage
    zero = lit(acc, 0)
    vec = f"vec4<{acc}>"
    nv = TN // 4  # vec4 accumulators per row of the register block
    lines = [
        "@group(0) @binding(0) var<storage, read> P: array<u32>;",
        f"@group(0) @binding(1) var<storage, read_write> Y: array<{st}>;",
        f"@group(0) @binding(2) var<storage, read> A: array<{f'vec4<{st}>' if v4a else st}>;",
        f"@group(0) @binding(3) var<storage, read> B: array<{f'vec4<{st}>' if v4b else st}>;",
        f"var<workgroup> As: array<{acc}, {BK * BM}>;",
        f"var<workgroup> Bs: array<{acc}, {BK * BN}>;",
    ] + entry_lines(nb)
    lines += [
        f"  let m0 = wg.y * {BM}u;", f"  let n0 = wg.x * {BN}u;",
        "  let tx = t % 16u;", "  let ty = t / 16u;",
        f"  var acc: array<{vec}, {TM * nv}>;",
        f"  for (var i = 0u; i < {TM * nv}u; i = i + 1u) {{ acc[i] = {vec}({zero}); }}",
        f"  for (var k0 = 0u; k0 < K; k0 = k0 + {BK}u) {{",
    ]
    if v4a:  # one vec4 along k per thread
        q = BK // 4
        lines += [
            f"    {{ let m = t / {q}u; let kq = t % {q}u;",
            f"      var v = {vec}({zero});",
            "      if (m0 + m < M && k0 + kq * 4u < K) {",
            f"        v = {vec}(A[(ao + i32(m0 + m) * sam + i32(k0 + kq * 4u)) / 4]);",
            "      }",
            "      for (var c = 0u; c < 4u; c = c + 1u) {"
            f" As[(kq * 4u + c) * {BM}u + m] = v[c]; }}",
            "    }",
        ]
    else:
        lines += [
            f"    for (var j = 0u; j < {BM * BK // 256}u; j = j + 1u) {{",
            "      let idx = t + 256u * j;", f"      let m = idx / {BK}u;",
            f"      let k = idx % {BK}u;", f"      var v = {zero};",
            "      if (m0 + m < M && k0 + k < K) {",
            f"        v = {acc}(A[ao + i32(m0 + m) * sam + i32(k0 + k) * sak]);",
            "      }",
            f"      As[k * {BM}u + m] = v;",
            "    }",
        ]
    if v4b:  # one vec4 along n per thread
        q = BN // 4
        lines += [
            f"    {{ let k = t / {q}u; let nq = t % {q}u;",
            f"      var v = {vec}({zero});",
            "      if (k0 + k < K && n0 + nq * 4u < N) {",
            f"        v = {vec}(B[(bo + i32(k0 + k) * sbk + i32(n0 + nq * 4u)) / 4]);",
            "      }",
            "      for (var c = 0u; c < 4u; c = c + 1u) {"
            f" Bs[k * {BN}u + nq * 4u + c] = v[c]; }}",
            "    }",
        ]
    else:
        lines += [
            f"    for (var j = 0u; j < {BN * BK // 256}u; j = j + 1u) {{",
            "      let idx = t + 256u * j;", f"      let k = idx / {BN}u;",
            f"      let n = idx % {BN}u;", f"      var v = {zero};",
            "      if (k0 + k < K && n0 + n < N) {",
            f"        v = {acc}(B[bo + i32(k0 + k) * sbk + i32(n0 + n) * sbn]);",
            "      }",
            f"      Bs[k * {BN}u + n] = v;",
            "    }",
        ]
    lines += [
        "    workgroupBarrier();",
        f"    for (var k = 0u; k < {BK}u; k = k + 1u) {{",
        f"      let ab = k * {BM}u + ty * {TM}u;", f"      let bb = k * {BN}u + tx * {TN}u;",
    ]
    for v in range(nv):
        o = 4 * v
        lines.append(f"      let b{v} = {vec}(Bs[bb + {o}u], Bs[bb + {o + 1}u], "
                     f"Bs[bb + {o + 2}u], Bs[bb + {o + 3}u]);")
    for i in range(TM):
        lines.append(f"      let a{i} = As[ab + {i}u];")
        for v in range(nv):
            lines.append(f"      acc[{i * nv + v}] += a{i} * b{v};")
    lines += [
        "    }",
        "    workgroupBarrier();",
        "  }",
        "  let yo = wg.z * M * N;",
        f"  for (var i = 0u; i < {TM}u; i = i + 1u) {{",
        f"    let m = m0 + ty * {TM}u + i;",
        "    if (m >= M) { break; }",
        f"    for (var j = 0u; j < {TN}u; j = j + 1u) {{",
        f"      let n = n0 + tx * {TN}u + j;",
        "      if (n < N) {",
        f"        Y[yo + m * N + n] = {dt.store(f'acc[i * {nv}u + j / 4u][j % 4u]')};",
        "      }",
        "    }",
        "  }",
        "}",
    ]
    return header("\n".join(lines), st == "f16")


def pick_config(rt, m, n):
    """Tile configuration for an (m, n) output on ``rt``."""
    if m >= 256 and n >= 256 and rt.info.get("adapter_type") != "CPU":
        return LARGE
    return SMALL


# K beyond this is split into slices of SPLIT_K whose products are added: lavapipe stops a
# shader's loops after 65,535 iterations in all (its loop limiter, silently), which the generic
# kernel's k loop reached at K ~ 58K; on hardware GPUs a long K also gets more workgroups.
SPLIT_K = 16384


def _split_k(x: StridedArray, y: StridedArray, k: int):
    """``x @ y`` as the sum of the products of K slices (views, no copies)."""
    sak, sbk = x.strides[-1], y.strides[-2]
    total = None
    for k0 in range(0, k, SPLIT_K):
        kk = min(SPLIT_K, k - k0)
        xs = x.view(x.offset + k0 * sak, x.shape[:-1] + (kk,), x.strides)
        ys = y.view(y.offset + k0 * sbk, y.shape[:-2] + (kk, y.shape[-1]), y.strides)
        part = matmul(xs, ys)
        total = part if total is None else run_op("add", BINARY, None, total, part)
    return total


# 2-D products by operand layout (a training step repeats its few shapes every step): the
# runtime, pipeline, packed metadata, grid and cost of the launch, and the result's layout,
# so a repeated product is one dict lookup and one ``record_new`` (~8 us of host less per
# call). The fast kernel's knobs are part of the key.
_PLANS: dict = {}
_PLANS_MAX = 4096
_new = object.__new__


def matmul(x: StridedArray, y: StridedArray):
    if len(x.shape) == 2 and len(y.shape) == 2:
        key = (x.shape, y.shape, x.strides, y.strides, x.offset, y.offset, x.dtype, y.dtype,
               x.storage.device_index, _FAST["on"], _FAST["cfg"], _FAST["half"])
        p = _PLANS.get(key)
        if p is not None:
            rt, kernel, data, grid, cost, shape, strides, npdt, nbytes, cls = p
            a = _new(StridedArray)
            a.storage = rt.record_new(cls, nbytes, kernel, data,
                                      (x.storage.buffer, y.storage.buffer), grid, cost)
            a.offset, a.shape, a.strides, a.dtype = 0, shape, strides, npdt
            return a
        return _matmul(x, y, key)
    return _matmul(x, y, None)


def _launch(rt, kernel, meta, out, x, y, grid, cost, plan_key):
    """Record the product's dispatch; a 2-D product (``plan_key``) keeps its plan."""
    data = meta_struct(len(meta)).pack(*meta)
    rt.record(kernel, data, [out.storage.buffer, x.storage.buffer, y.storage.buffer], grid,
              cost)
    if plan_key is not None:
        if len(_PLANS) >= _PLANS_MAX:
            _PLANS.clear()
        nbytes = out.storage.nbytes
        _PLANS[plan_key] = (rt, kernel, data, grid, cost, out.shape, out.strides, out.dtype, nbytes,
                       size_class(nbytes))
    return out


def _matmul(x: StridedArray, y: StridedArray, plan_key):
    rt = rt_of(x)
    dt = dtype_info(x.dtype)
    if dt.storage == "f16":  # the adapter's fastest float16 path when it is not the tiled kernel
        half = matmul_f16(rt, x, y)
        if half is not None:
            return half
    m, k = x.shape[-2:]
    n = y.shape[-1]
    if k > 2 * SPLIT_K and m * n:
        return _split_k(x, y, k)
    # 2-D @ 2-D (a training step's matmuls) skips the batch bookkeeping: no NumPy call, no
    # generator frames
    batch = () if x.ndim == 2 and y.ndim == 2 else \
        tuple(np.broadcast_shapes(x.shape[:-2], y.shape[:-2]))
    out = new_array(rt, batch + (m, n), x.dtype)
    nbatch = math.prod(batch) if batch else 1
    if out.size == 0:
        return out
    if k == 0:
        return launch("copy", "x0", [(0, x.dtype)], out, rt)
    if batch:
        def bstrides(a):
            lead = len(batch) - (a.ndim - 2)
            return tuple([0] * lead + [0 if s == 1 and b != 1 else st for s, b, st in
                                       zip(a.shape[:-2], batch[lead:], a.strides[:-2])])

        bshape, (xb, yb) = collapse(batch, [bstrides(x), bstrides(y)])
        if bshape == (1,):
            bshape, xb, yb = (), (), ()
    else:
        bshape = xb = yb = ()
    if nbatch > 65535:
        raise ValueError(f"gpu: matmul with {nbatch} batch matrices; at most 65535 per call")
    sam, sak = x.strides[-2:]
    sbk, sbn = y.strides[-2:]
    acc = dt.compute
    xb4 = not xb or all(s % 4 == 0 for s in xb)  # the batch strides keep vec4 alignment
    yb4 = not yb or all(s % 4 == 0 for s in yb)
    v4a = sak == 1 and sam % 4 == 0 and x.offset % 4 == 0 and k % 4 == 0 and xb4
    v4b = sbn == 1 and sbk % 4 == 0 and y.offset % 4 == 0 and n % 4 == 0 and yb4
    meta = [m, n, k, i32w(x.offset), i32w(y.offset), i32w(sam), i32w(sak), i32w(sbk),
            i32w(sbn)]
    if bshape:
        meta += list(bshape) + [i32w(s) for s in xb] + [i32w(s) for s in yb]
    # Transposed operands (the matmuls of a backward pass) take the fast kernel too.
    ta = not v4a and sam == 1 and sak % 4 == 0 and x.offset % 4 == 0 and m % 4 == 0 and xb4
    tb = not v4b and sbk == 1 and sbn % 4 == 0 and y.offset % 4 == 0 and k % 4 == 0 and \
        n % 4 == 0 and yb4  # n % 4: the output is stored as vec4
    if (v4a or ta) and (v4b or tb) and fast_ok(dt) and _FAST["on"]:
        half = bool(_FAST.get("half")) and dt.storage == "f16"
        cfg = _FAST["cfg"] or fast_choice(rt, dt, m, n, nbatch)
        if is_reg(cfg) and half:  # f16 partial sums exist in the tiled kernel only
            cfg = fast_config(rt, m, n, nbatch)
        if is_reg(cfg):
            interior = interior_ok(cfg, m, n, k)
            key = ("matmul_reg", dt.name, len(bshape), cfg, ta, tb, interior)
            kernel = rt.kernel(key, lambda: reg_source(dt, len(bshape), cfg, ta, tb, interior),
                               (True, False, False))
            return _launch(rt, kernel, meta, out, x, y,
                           (math.ceil(n / cfg[2]), math.ceil(m / cfg[1]), nbatch),
                           2 * m * n * k * nbatch // 12, plan_key)
        key = ("matmul_fast", dt.name, len(bshape), cfg, ta, tb) + (("half",) if half else ())
        kernel = rt.kernel(key, lambda: fast_source(dt, len(bshape), cfg, ta, tb, half),
                           (True, False, False))
        return _launch(rt, kernel, meta, out, x, y,
                       (math.ceil(n / cfg[1]), math.ceil(m / cfg[0]), nbatch),
                       2 * m * n * k * nbatch // 12, plan_key)
    cfg = pick_config(rt, m, n)
    key = ("matmul", dt.name, v4a, v4b, len(bshape), cfg)
    kernel = rt.kernel(key, lambda: _source(dt, acc, v4a, v4b, len(bshape), cfg),
                       (True, False, False))
    return _launch(rt, kernel, meta, out, x, y,
                   (math.ceil(n / cfg[1]), math.ceil(m / cfg[0]), nbatch), 0, plan_key)


def make_kernels(all_dtypes) -> dict:
    return {"matmul": {d: matmul for d in all_dtypes if dtype_info(d).kind != "b"}}
