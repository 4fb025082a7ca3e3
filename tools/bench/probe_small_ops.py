"""Probe (not a test): where a small GPU op's time goes, trueno-gpu side by side with PyTorch.

Rows, microseconds per op (200 ops back to back, one sync, median of runs):
- ``add 1K, results freed``: ``c = a + b`` in a loop; the pool hands the freed result buffer
  back, so consecutive dispatches write the same buffer (wgpu orders them with a barrier);
- ``add 1K, last 8 results held``: the same with the last 8 results kept alive, so
  consecutive dispatches write different buffers of the pool (no new allocations after the
  warm-up);
- ``neg 1K (-a), results freed``: the unary operator, independent ops;
- ``chain y*b / y+b 1K``: ``y = y * b`` and ``y = y + b`` alternating, tensor with tensor
  (trueno fuses such chains, ``TRUENO_GPU_LAZY``); ``chain mul/relu/neg 1K``: ``y * b``,
  ``relu(y)``, ``-y`` in turn;
- ``scalar readback``: ``float(t)`` of a one-element tensor already computed (the latency of
  a download: submit, wait, map, copy), and ``sync, nothing pending``.

    python tools/bench/probe_small_ops.py [--no-torch]
"""
from __future__ import annotations

import argparse
import collections
import statistics
import subprocess
import sys
import time

import numpy as np


def _time(fn, sync, inner=200, repeats=7, reset=None) -> float:
    """Median wall microseconds per ``fn()`` over runs of ``inner`` calls and one sync.
    ``reset`` (untimed) runs before each run, and one whole run warms up, so a chain row
    records the same chains every run (trueno compiles each fused chain's shape once)."""
    if reset is not None:
        reset()
        for _ in range(inner):
            fn()
    for _ in range(3):
        fn()
    sync()
    runs = []
    for _ in range(repeats):
        if reset is not None:
            reset()
            sync()
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        sync()
        runs.append((time.perf_counter() - t0) / inner)
    return statistics.median(runs) * 1e6


def run(lib: str) -> None:
    if lib == "torch":
        import torch as T
        dev = "cuda"

        def sync():
            T.cuda.synchronize()
    else:
        import trueno.torch as T
        dev = "gpu"

        def sync():
            T.cuda.synchronize()
    h = np.random.default_rng(0).random(1024, dtype=np.float32)
    a = T.from_numpy(h).to(dev)
    b = T.from_numpy(h[::-1].copy()).to(dev)
    held = collections.deque(maxlen=8)
    rows = {
        "add 1K, results freed": _time(lambda: a + b, sync),
        "add 1K, last 8 results held": _time(lambda: held.append(a + b), sync),
        "neg 1K (-a), results freed": _time(lambda: -a, sync),
    }
    held.clear()
    state = {"y": a, "i": 0}

    def chain2():
        y = state["y"]
        state["y"] = y * b if state["i"] & 1 else y + b
        state["i"] += 1

    def chain3():
        y, i = state["y"], state["i"] % 3
        state["y"] = y * b if i == 0 else (T.relu(y) if i == 1 else -y)
        state["i"] += 1

    def reset():
        state["y"], state["i"] = a, 0

    rows["chain y*b / y+b 1K"] = _time(chain2, sync, reset=reset)
    rows["chain mul/relu/neg 1K"] = _time(chain3, sync, reset=reset)
    state["y"] = None
    one = (a[:1] * 2).sum()
    rows["scalar readback"] = _time(lambda: float(one), sync, inner=20)
    rows["sync, nothing pending"] = _time(lambda: None, sync, inner=1, repeats=31)
    for k, v in rows.items():
        print(f"{lib:<7} {k:<28} {v:9.2f} us/op", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--child", default=None)
    args = ap.parse_args()
    if args.child:
        run(args.child)
        return
    for lib in ("trueno",) + (() if args.no_torch else ("torch",)):
        subprocess.run([sys.executable, __file__, "--child", lib], check=False)


if __name__ == "__main__":
    main()
