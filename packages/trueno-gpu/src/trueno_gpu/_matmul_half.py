"""float16 matmul: which kernel an adapter runs it with, and the launch of the ones that live
outside ``_matmul`` (the subgroup-tiled kernel today, the cooperative-matrix one when wgpu lets
us request the feature).

Paths, fastest first where the adapter has them:

* ``"coop"``: tensor cores through naga's ``wgpu_cooperative_matrix`` (``_matmul_coop``);
  never available yet (wgpu-native's C API cannot enable experimental features);
* ``"subgroup"``: ``_matmul_subgroup`` (``shader-f16`` + ``subgroup``);
* ``"tiled"``: ``_matmul_tiled``'s workgroup-memory kernel (returns None here, so
  ``_matmul`` goes on to it).

Which of subgroup and tiled is faster depends on the GPU: ``PREFER`` records what was
measured (``tools/bench/sweep_matmul_f16.py``). bfloat16 is stored as f32 and rounds on
every store, so it keeps ``_matmul``'s generic kernel.
"""

from __future__ import annotations

import math
import os

import numpy as np
from trueno.backend import StridedArray

from ._codegen import collapse, i32w, new_array
from ._matmul_coop import coop_available, coop_fits, coop_source, coop_tile
from ._matmul_subgroup import SG_CONFIGS, SgConfig, group_fits, subgroup_source
from ._runtime import meta_struct

__all__ = ["HALF", "PREFER", "SG_SHAPES", "adapter_kind", "half_path", "min_subgroup",
           "sg_config", "matmul_f16"]

# Tests and benchmarks pin a path ("tiled", "subgroup", "coop") or a subgroup shape;
# "min_subgroup" overrides the adapter's smallest subgroup size (benchmarks of wider groups
# on a GPU known to run 32-lane subgroups; the results are checked there).
HALF: dict = {"path": None, "cfg": None, "min_subgroup": None}

# Per adapter kind (``adapter_kind``: "nvidia", "CPU" for software adapters, "default"), by
# measurement (tools/bench/sweep_matmul_f16.py): the path preferred among those the adapter
# has (subgroup vs tiled), and the subgroup kernel's shapes for outputs that give the GPU
# many 128 x 128 tiles ("big": at least ``BIG_TILES``) and fewer ("small").
# NVIDIA (Vulkan; H200 at 13:16 UTC, H100 at 13:38): the shuffle shapes reach 0.7-0.84x of
# the tiled kernel at 4096 (H100: quad 24.3, oct 24.9, quad_t128 22.8 vs 31.7 TFLOP/s) and
# ~0.6x at 1024; the f16-tile control sm16_t128 33.1 but _matmul_reg's r64x128k8t128 36.8, so
# NVIDIA keeps _matmul's kernels ("tiled" here means: _matmul chooses).
PREFER = {"nvidia": "tiled", "CPU": "subgroup", "default": "tiled"}
# lavapipe (AVX2, loaded 2-core host, f16, interleaved medians): quad 1.6-3.3x the tiled
# kernel from (2, 784, 256) to 1024 x 64 x 1024; quad_64 no better at any size.
SG_SHAPES = {"CPU": ("quad", "quad"), "default": ("quad", "quad_64")}
BIG_TILES = 128
_NVIDIA = 0x10DE


def adapter_kind(rt) -> str:
    """The key of ``rt``'s adapter in ``PREFER`` and ``SG_SHAPES``."""
    info = rt.info
    if info.get("adapter_type") == "CPU":
        return "CPU"
    return "nvidia" if info.get("vendor_id") == _NVIDIA else "default"


def min_subgroup(rt) -> int:
    """The smallest subgroup the adapter may run a pipeline with (WebGPU's floor is 4).
    Note: wgpu-py 0.31 spells the key ``stackgroup_min_size``."""
    if HALF["min_subgroup"]:
        return int(HALF["min_subgroup"])
    info = rt.info
    n = info.get("subgroup_min_size") or info.get("stackgroup_min_size") or 4
    return max(4, int(n))


def half_path(rt) -> str:
    """The float16 matmul path for ``rt``: a pinned one (``HALF["path"]`` or the environment
    variable ``TRUENO_GPU_F16_MATMUL``) if the adapter has it; else "tiled" (``_matmul``'s
    kernels) while ``_matmul._FAST`` pins one of them; else the fastest the adapter has."""
    has_sg = rt.has_subgroup and rt.has_f16
    pinned = HALF["path"] or os.environ.get("TRUENO_GPU_F16_MATMUL", "").strip() or None
    have = {"tiled": True, "subgroup": has_sg, "coop": coop_available(rt)}
    if pinned in have and have[pinned]:
        return pinned
    from . import _matmul  # NOTE: imported here: _matmul imports this module

    fast = _matmul._FAST
    if fast["cfg"] is not None or fast["half"] or not fast["on"]:
        return "tiled"  # a kernel of _matmul's pinned (tests, sweeps, TRUENO_GPU_MATMUL) wins
    if have["coop"]:
        return "coop"
    want = PREFER.get(adapter_kind(rt), PREFER["default"])
    return want if have[want] else "tiled"


def sg_config(rt, m: int, n: int, nbatch: int) -> SgConfig | None:
    """The subgroup kernel's shape for an (m, n) output on ``rt``, or None when none fits
    the adapter's subgroups (a pinned ``HALF["cfg"]`` that does not fit gives None too)."""
    cfg = HALF["cfg"]
    if cfg is None:
        big, small = SG_SHAPES.get(adapter_kind(rt), SG_SHAPES["default"])
        cfg = big if -(-m // 128) * -(-n // 128) * nbatch >= BIG_TILES else small
    if isinstance(cfg, str):
        cfg = SG_CONFIGS[cfg]
    return cfg if group_fits(cfg, min_subgroup(rt)) else None


def _bstrides(a: StridedArray, batch: tuple) -> tuple:
    lead = len(batch) - (a.ndim - 2)
    return tuple([0] * lead + [0 if s == 1 and b != 1 else st for s, b, st in
                               zip(a.shape[:-2], batch[lead:], a.strides[:-2])])


def matmul_f16(rt, x: StridedArray, y: StridedArray) -> StridedArray | None:
    """``x @ y`` of float16 operands by the adapter's fastest path outside ``_matmul``, or
    None when that path is the tiled kernel or the operands' layout does not fit (A
    row-major along k, B row-major along n or k-contiguous, 4-aligned, n % 4 == k % 4 == 0,
    at most 65535 batch matrices, k at most ``_matmul.SPLIT_K``): ``_matmul`` then runs it."""
    path = half_path(rt)
    if path == "tiled" or x.dtype != np.float16 or y.dtype != np.float16:
        return None
    m, k = x.shape[-2:]
    n = y.shape[-1]
    batch = () if x.ndim == 2 and y.ndim == 2 else \
        tuple(np.broadcast_shapes(x.shape[:-2], y.shape[:-2]))
    nbatch = math.prod(batch) if batch else 1
    if not (m and n and k) or k % 4 or n % 4 or nbatch > 65535 or k > 32768:
        return None
    sam, sak = x.strides[-2:]
    sbk, sbn = y.strides[-2:]
    if batch:
        bshape, (xb, yb) = collapse(batch, [_bstrides(x, batch), _bstrides(y, batch)])
        if bshape == (1,):
            bshape, xb, yb = (), (), ()
    else:
        bshape = xb = yb = ()
    if any(s % 4 for s in xb + yb):
        return None
    if not (sak == 1 and sam % 4 == 0 and x.offset % 4 == 0):
        return None
    if sbn == 1 and sbk % 4 == 0 and y.offset % 4 == 0:
        tb = False
    elif sbk == 1 and sbn % 4 == 0 and y.offset % 4 == 0:
        tb = True
    else:
        return None
    if path == "coop" and not bshape and not tb and \
            coop_fits(m, n, k, sam, sbk, x.offset, y.offset):
        meta = [m, n, k, x.offset, y.offset, sam, sbk]
        key, make, (bm, bn) = ("matmul_coop",), coop_source, coop_tile()
    else:
        cfg = sg_config(rt, m, n, nbatch)
        if cfg is None or not (rt.has_subgroup or cfg.asm):  # "sm16" shapes need none
            return None
        meta = [m, n, k, i32w(x.offset), i32w(y.offset), i32w(sam), i32w(sak), i32w(sbk),
                i32w(sbn)]
        if bshape:
            meta += list(bshape) + [i32w(s) for s in xb] + [i32w(s) for s in yb]
        key = ("matmul_sg", len(bshape), cfg, tb)
        nb = len(bshape)
        make, (bm, bn) = (lambda: subgroup_source(nb, cfg, tb)), cfg.tile
    out = new_array(rt, batch + (m, n), x.dtype)
    kernel = rt.kernel(key, make, (True, False, False))
    data = meta_struct(len(meta)).pack(*meta)
    rt.record(kernel, data, [out.storage.buffer, x.storage.buffer, y.storage.buffer],
              (math.ceil(n / bn), math.ceil(m / bm), nbatch), 2 * m * n * k * nbatch // 12)
    return out
