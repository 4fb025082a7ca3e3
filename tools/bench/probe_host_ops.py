"""Probe (not a test): the host cost of small GPU ops, per op, on this thread's CPU clock.

Rows (1K float32 on the GPU through ``trueno.torch``; 200 ops recorded, then one sync, which
is not timed; median of runs), each with Python frames per op (``sys.setprofile`` calls),
dispatches per op (the runtime's counter, taken across the sync) and the fused chain
kernels (``_lazy``) the row compiled (its distinct chain shapes):

- ``a + b, freed``: ``c = a + b`` in a loop (the result freed each time);
- ``a + b, 8 held``: the same with the last 8 results kept alive;
- ``chain y*b+b``: ``y = y * b`` / ``y = y + b`` alternating, tensor with tensor;
- ``chain y*s+s``: the same with a Python float scalar;
- ``chain mul/relu/neg``: ``y = y * b``, ``y = y.relu()``, ``y = -y`` in turn (unary ops);
- ``-a, freed`` / ``a.exp(), freed``: a unary operator and a unary method, independent;
- ``np a + b, freed`` / ``np -a, freed``: the NumPy face's ``a + b`` and ``-a``.

Also per op: ``SetBindGroup`` calls (``setbg``) and bind-group cache misses (``bg miss``): the
"8 held" row binds a different result buffer each op (a cache hit, but one more raw call and
its validation when the pass ends), the "freed" row the same one again (no call).

The thread clock counts only this thread's CPU: on lavapipe the "GPU" runs on other threads
of the same CPU (and the sync is excluded), so the numbers are the recording cost that
bounds a small op on a fast GPU. With ``--torch`` PyTorch (CPU, or CUDA when present) is
timed the same way on its own device, for a side-by-side of the same loop.

    python tools/bench/probe_host_ops.py [--runs 15] [--ops 200] [--torch | --ab]
"""
from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time

import numpy as np

def _frames(fn, n: int) -> tuple[float, float]:
    """(Python frames, C calls) per ``fn()`` as ``sys.setprofile`` sees them."""
    count = [0, 0]

    def prof(frame, event, arg):
        if event == "call":
            count[0] += 1
        elif event == "c_call":
            count[1] += 1
    sys.setprofile(prof)
    try:
        for _ in range(n):
            fn()
    finally:
        sys.setprofile(None)
    return count[0] / n, count[1] / n


def _time(fn, sync, ops: int, runs: int) -> float:
    """Median thread-CPU microseconds per ``fn()``; ``sync`` runs after each run, untimed."""
    for _ in range(3):
        fn()
    sync()
    times = []
    clock = time.thread_time_ns
    for _ in range(runs):
        t0 = clock()
        for _ in range(ops):
            fn()
        times.append((clock() - t0) / ops / 1e3)
        sync()
    return statistics.median(times)


def _rows(T, dev, sync, counter, np_face=None):
    h = np.random.default_rng(0).random(1024, dtype=np.float32)
    a = T.from_numpy(h).to(dev)
    b = T.from_numpy(h[::-1].copy()).to(dev)
    held = collections.deque(maxlen=8)
    state = {"y": a, "i": 0}

    def chain_t():
        y = state["y"]
        state["y"] = y * b if state["i"] & 1 else y + b
        state["i"] += 1

    def chain_s():
        y = state["y"]
        state["y"] = y * 1.0001 if state["i"] & 1 else y + 1.0001
        state["i"] += 1

    def chain_u():
        y, i = state["y"], state["i"] % 3
        state["y"] = y * b if i == 0 else (y.relu() if i == 1 else -y)
        state["i"] += 1

    def reset():
        sync()
        state["y"] = a
        state["i"] = 0

    rows = {
        "a + b, freed": (lambda: a + b, sync),
        "a + b, 8 held": (lambda: held.append(a + b), sync),
        "chain y*b+b": (chain_t, reset),
        "chain y*s+s": (chain_s, reset),
        "chain mul/relu/neg": (chain_u, reset),
        "-a, freed": (lambda: -a, sync),
        "a.exp(), freed": (lambda: a.exp(), sync),
    }
    if np_face is not None:  # trueno's NumPy face (PyTorch has no such rows)
        an = np_face.asarray(h).to_device(dev)
        bn = np_face.asarray(h[::-1].copy()).to_device(dev)
        rows["np a + b, freed"] = (lambda: an + bn, sync)
        rows["np -a, freed"] = (lambda: -an, sync)
    return rows


def _bind_counts(fn, sync, ops: int) -> tuple[float, float]:
    """(SetBindGroup calls, bind-group cache misses) per ``fn()``, counted by wrapping the
    runtime's raw call and its cache-miss path for ``ops`` calls and a sync."""
    from trueno_gpu import _runtime as R
    try:  # the raw calls' module (the record path moved out of _runtime)
        from trueno_gpu import _record as M
    except ImportError:
        M = R

    count = [0, 0]
    raw, miss = M._set_bind_group, R.Runtime._bind_group

    def set_bg(*args):
        count[0] += 1
        return raw(*args)

    def bind_group(self, bgl, buffers):
        count[1] += 1
        return miss(self, bgl, buffers)
    sync()
    M._set_bind_group, R.Runtime._bind_group = set_bg, bind_group
    try:
        for _ in range(ops):
            fn()
        sync()
    finally:
        M._set_bind_group, R.Runtime._bind_group = raw, miss
    return count[0] / ops, count[1] / ops


def _ab(rows, lazy, ops: int, runs: int) -> None:
    """Thread-CPU us/op of each row with fusion on and off, alternated run by run (medians and
    minimums)."""
    clock = time.thread_time_ns
    print(f"{'row':<20} {'fusion on':>10} {'fusion off':>10} {'on/off':>7} {'min on':>7} "
          f"{'min off':>7} {'on/off':>7}")
    for name, (fn, sync) in rows.items():
        times = {True: [], False: []}
        for r in range(runs + 1):
            for on in (True, False):
                lazy.ENABLED["on"] = on
                sync()
                t0 = clock()
                for _ in range(ops):
                    fn()
                t = (clock() - t0) / ops / 1e3
                sync()
                if r:  # (the first round warms both up)
                    times[on].append(t)
        on, off = statistics.median(times[True]), statistics.median(times[False])
        lo, lf = min(times[True]), min(times[False])  # (the least disturbed runs)
        print(f"{name:<20} {on:10.2f} {off:10.2f} {on / off:7.2f} {lo:7.2f} {lf:7.2f} "
              f"{lo / lf:7.2f}", flush=True)
    lazy.ENABLED["on"] = True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--ops", type=int, default=200)
    ap.add_argument("--torch", action="store_true", help="also time PyTorch the same way")
    ap.add_argument("--ab", action="store_true",
                    help="fusion on and off alternated run by run in this process (medians "
                         "side by side: a noisy host hits both alike)")
    args = ap.parse_args()
    import trueno.torch as T

    import trueno_gpu
    from trueno_gpu import _lazy
    from trueno_gpu._runtime import get_runtime

    rt = get_runtime(0)
    print(f"device: {rt.name}; lazy fusion {'on' if _lazy.ENABLED['on'] else 'off'}; "
          f"thread CPU us/op, median of {args.runs} x {args.ops} ops")
    import trueno as N
    if args.ab:
        _ab(_rows(T, "gpu", trueno_gpu.synchronize, rt, N), _lazy, args.ops, args.runs)
        return
    results = {}

    def fused() -> int:
        return sum(1 for k in rt._kernels if k[0] == "fuse")

    for name, (fn, sync) in _rows(T, "gpu", trueno_gpu.synchronize, rt, N).items():
        k0 = fused()
        us = _time(fn, sync, args.ops, args.runs)
        sync()
        d0 = rt.dispatches
        for _ in range(args.ops):
            fn()
        sync()
        disp = (rt.dispatches - d0) / args.ops
        frames = _frames(fn, args.ops)
        sync()
        results[name] = (us, frames, disp, fused() - k0, _bind_counts(fn, sync, args.ops))
    torch_us = {}
    if args.torch:
        import torch
        dev = "cuda" if torch.cuda.is_available() else "cpu"
        tsync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
        for name, (fn, sync) in _rows(torch, dev, tsync, None).items():
            torch_us[name] = _time(fn, sync, args.ops, args.runs)
        print(f"torch on {dev}")
    print(f"{'row':<20} {'us/op':>8} {'frames/op':>10} {'C calls/op':>10} {'disp/op':>8} "
          f"{'setbg/op':>8} {'bg miss':>7} {'fused kernels':>13}"
          + (f" {'torch us/op':>12}" if torch_us else ""))
    for name, (us, frames, disp, kernels, (setbg, miss)) in results.items():
        line = (f"{name:<20} {us:8.2f} {frames[0]:10.1f} {frames[1]:10.1f} {disp:8.3f} "
                f"{setbg:8.3f} {miss:7.3f} {kernels:13d}")
        if torch_us:
            line += f" {torch_us.get(name, float('nan')):12.2f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
