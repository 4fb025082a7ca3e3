"""GPU time per launch of the CNN training step's kernels at bench_train's shapes (batch 64):
each kernel recorded ``--reps`` times into one submission, synchronised, the wall time divided
by the repetitions (the host's recording overlaps nothing here, so its cost is included: the
``host`` column is the same loop without the synchronisation). Convolutions run both ways
(the direct kernel and im2col + matmul), batch_norm (channels split over workgroups or one
workgroup per channel), max_pool and the BatchNorm2d module.

    python tools/bench/probe_cnn_kernels.py [--batch 64] [--reps 200]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import trueno.torch as T


def _timed(fn, reps: int) -> tuple[float, float]:
    """(us per call with the GPU's work, us per call of host recording alone)."""
    import trueno_gpu

    for _ in range(3):
        fn()
    trueno_gpu.synchronize()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    host = time.perf_counter() - t0
    trueno_gpu.synchronize()
    total = time.perf_counter() - t0
    return total / reps * 1e6, host / reps * 1e6


def main() -> None:
    """Time each kernel of the step; print one row per kernel."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--reps", type=int, default=200)
    a = ap.parse_args()
    from trueno.backend import get_op, run
    from trueno_gpu import _batch_norm as _bn
    from trueno_gpu import _batch_norm_split as _bns
    from trueno_gpu import _conv

    rng = np.random.default_rng(0)
    n = a.batch

    def dev(*shape):
        return T.tensor(rng.standard_normal(shape).astype(np.float32)).to("gpu")

    rows = []
    for name, x, w in (("conv1 1->16 28x28", dev(n, 1, 28, 28), dev(16, 1, 3, 3)),
                       ("conv2 16->32 14x14", dev(n, 16, 14, 14), dev(32, 16, 3, 3)),
                       ("conv2 input grad 32->16", dev(n, 32, 14, 14), dev(16, 32, 3, 3))):
        b = dev(w.shape[0])
        for k, how in ((_conv.DIRECT_MAX_K, "direct"), (0, "im2col")):
            saved = _conv.DIRECT_MAX_K
            _conv.DIRECT_MAX_K = k
            try:
                rows.append((f"{name} ({how})", *_timed(
                    lambda x=x, w=w, b=b: T.nn.functional.conv2d(x, w, b, padding=1),
                    a.reps)))
            finally:
                _conv.DIRECT_MAX_K = saved
    fwd, bwd = get_op("batch_norm_training"), get_op("batch_norm_backward")
    for c, hw in ((16, 28), (32, 14)):
        x, g = dev(n, c, hw, hw), dev(n, c, hw, hw)
        wt, bs = dev(c), dev(c)
        out = run(fwd, (x, wt, bs), (x._data, wt._data, bs._data), {"eps": 1e-5},
                  x.__class__, x._device, x._dtype)
        for split, how in ((_bns.SPLIT_MIN, "split"), (1 << 40, "one wg/channel")):
            saved = _bns.SPLIT_MIN
            _bns.SPLIT_MIN = split
            _bn._PLANS.clear()
            try:
                rows.append((f"batch_norm fwd {c}x{hw}x{hw} ({how})", *_timed(
                    lambda x=x, wt=wt, bs=bs: run(
                        fwd, (x, wt, bs), (x._data, wt._data, bs._data), {"eps": 1e-5},
                        x.__class__, x._device, x._dtype), a.reps)))
                rows.append((f"batch_norm bwd {c}x{hw}x{hw} ({how})", *_timed(
                    lambda x=x, g=g, out=out, wt=wt: run(
                        bwd, (x, g, out[1], out[3], wt),
                        (x._data, g._data, out[1]._data, out[3]._data, wt._data), {},
                        x.__class__, x._device, x._dtype), a.reps)))
            finally:
                _bns.SPLIT_MIN = saved
                _bn._PLANS.clear()
        rows.append((f"max_pool2d fwd {c}x{hw}x{hw}", *_timed(
            lambda x=x: T.nn.functional.max_pool2d(x, 2), a.reps)))
        xg = x.clone().requires_grad_(True)
        y = T.nn.functional.max_pool2d(xg, 2)
        gy = T.ones_like(y)
        rows.append((f"max_pool2d fwd+bwd {c}x{hw}x{hw}", *_timed(
            lambda xg=xg, gy=gy: T.autograd.grad(T.nn.functional.max_pool2d(xg, 2), [xg], gy),
            a.reps)))
    bn = T.nn.BatchNorm2d(32).to("gpu")
    x = dev(n, 32, 14, 14)
    rows.append(("BatchNorm2d(32) module fwd (2 launches)", *_timed(lambda: bn(x), a.reps)))
    print(f"batch {n}, {a.reps} reps: us per call (GPU + host) | host recording alone")
    for name, total, host in rows:
        print(f"  {name:42s} {total:9.1f} | {host:7.1f}")


if __name__ == "__main__":
    main()
