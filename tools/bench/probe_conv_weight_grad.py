"""The benchmark CNN's weight-gradient convs on the GPU (trueno-gpu's conv2d kernel on the
channel-swapped input and output gradient, written as (O, C, KH, KW)): the direct kernel over
channel slices (two launches, the default) vs im2col + the dot kernel + the sum (three),
alternated round by round in one process; device time per conv (synchronized), medians.
``--threads N ...``: the direct split only, with ``_conv._SPLIT_THREADS`` (threads the channel
slices aim for) set to each N in turn, alternated the same way.

    python tools/bench/probe_conv_weight_grad.py [rounds] [--threads 16384 65536 ...]
"""

from __future__ import annotations

import sys
import time

import numpy as np
from trueno.backend import StridedArray

import trueno_gpu
from trueno_gpu import _conv
from trueno_gpu._runtime import get_runtime

CASES = {"conv1 batch 2": ((2, 1, 28, 28), (2, 16, 28, 28)),
         "conv1 batch 64": ((64, 1, 28, 28), (64, 16, 28, 28)),
         "conv2 batch 64": ((64, 16, 14, 14), (64, 32, 14, 14)),
         "bench_nn conv2d": ((16, 16, 32, 32), (16, 32, 32, 32))}


def _swap01(a):
    """The (1, 0, 2, 3) view of device array ``a``."""
    return StridedArray(a.storage, a.offset, (a.shape[1], a.shape[0]) + a.shape[2:],
                        (a.strides[1], a.strides[0]) + a.strides[2:], a.dtype)


def main(rounds: int = 7, threads: list | None = None) -> None:
    """Print one row per conv: ms per call with the direct split and with im2col + dots (or,
    given ``threads``, with the direct split aiming at each number of threads)."""
    api, rt = trueno_gpu.GpuDeviceAPI(), get_runtime(0)
    rng = np.random.default_rng(0)
    keys = threads or [True, False]
    head = [f"{t} threads ms" for t in threads] if threads else ["direct split ms",
                                                                  "im2col+dots ms"]
    print(f"{'weight-gradient conv':<18} " + " ".join(f"{h:>16}" for h in head)
          + ("" if threads else f" {'ratio':>6}"))
    default = _conv._SPLIT_THREADS
    for name, (xs, gs) in CASES.items():
        x = api.from_numpy(rng.standard_normal(xs).astype("float32"), 0)
        g = api.from_numpy(rng.standard_normal(gs).astype("float32"), 0)
        reps = 20 if xs[0] < 8 else 5
        res: dict = {k: [] for k in keys}
        for _ in range(rounds):
            for on in keys:
                if threads:
                    _conv._SPLIT_THREADS = on
                else:
                    _conv._DIRECT_SPLIT = on
                _conv.conv2d(_swap01(x), _swap01(g), None, (1, 1), (1, 1), (1, 1), 1,
                             swap01=True)
                rt.synchronize()
                t0 = time.perf_counter()
                for _ in range(reps):
                    _conv.conv2d(_swap01(x), _swap01(g), None, (1, 1), (1, 1), (1, 1), 1,
                                 swap01=True)
                rt.synchronize()
                res[on].append((time.perf_counter() - t0) / reps)
        _conv._DIRECT_SPLIT, _conv._SPLIT_THREADS = True, default
        ms = [np.median(res[k]) * 1e3 for k in keys]
        print(f"{name:<18} " + " ".join(f"{v:16.3f}" for v in ms)
              + ("" if threads else f" {ms[0] / ms[1]:6.2f}"))


if __name__ == "__main__":
    argv = sys.argv[1:]
    sweep = [int(a) for a in argv[argv.index("--threads") + 1:]] if "--threads" in argv else None
    head = argv[:argv.index("--threads")] if "--threads" in argv else argv
    main(*(int(a) for a in head[:1]), threads=sweep)
