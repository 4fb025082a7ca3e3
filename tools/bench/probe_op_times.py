"""Probe (not a test): which GPU kernels a layer's forward + backward, or a training step,
spends its device time in. Every GPU kernel the dispatcher resolves is wrapped to synchronise
after its call, so each op's wall time holds its own launches (and one submission's latency,
~50 us on an H100: compare ops against each other, not against the row's time). Prints the
ops by total time, with calls and launches.

    python tools/bench/probe_op_times.py [layer_norm conv2d ... | train:cnn:SGD] [--top 12]

Rows are bench_nn.py's layers (forward + backward) and ``train:<model>:<opt>`` for
bench_train.py's steps, on the GPU device.
"""
from __future__ import annotations

import argparse
import collections
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import trueno._registry as REG  # noqa: E402
import trueno_gpu  # noqa: E402
from trueno_gpu import _runtime as RT  # noqa: E402

_TIMES: dict = collections.defaultdict(lambda: [0.0, 0, 0])  # op -> [s, calls, launches]
_ON = [False]


def _install() -> None:
    """Wrap the GPU backend's kernel lookup (before any op resolves a kernel)."""
    backend = REG.load_plugins().backends["gpu"]
    real = backend.kernel

    def kernel(op_name, dtype_name):
        k = real(op_name, dtype_name)
        if k is None:
            return None
        timed = _timed(op_name, k)
        # a kernel's attributes stay visible (``swap01``; ``many``, the multi-tensor optimizer
        # update, which trueno-nn looks up on the kernel: timed under "<op>.many")
        for name, value in getattr(k, "__dict__", {}).items():
            setattr(timed, name, _timed(f"{op_name}.{name}", value) if callable(value)
                    else value)
        return timed
    backend.kernel = kernel


def _timed(label: str, k):
    """``k`` with a sync before and after each call while timing is on, its wall time,
    calls and launches added to ``_TIMES[label]``."""
    def timed(*args, **kw):
        if not _ON[0]:
            return k(*args, **kw)
        rt = RT.get_runtime(0)
        trueno_gpu.synchronize()
        d0, t0 = rt.dispatches, time.perf_counter()
        out = k(*args, **kw)
        trueno_gpu.synchronize()
        row = _TIMES[label]
        row[0] += time.perf_counter() - t0
        row[1] += 1
        row[2] += rt.dispatches - d0
        return out
    return timed


def _row_fn(name: str):
    import trueno.torch as T
    if name.startswith("train:"):
        import bench_train
        _, model_name, opt_name = name.split(":")
        model, opt, x, y = bench_train.make_row(T, model_name, opt_name, "gpu")
        step = bench_train._step_fn(model, opt, T.nn.CrossEntropyLoss(), x, y)
        return lambda: float(step().detach())
    import bench_nn
    return bench_nn._prepare(T, "gpu", name)["fwd_bwd"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("rows", nargs="*", default=["layer_norm", "conv2d", "attention"])
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    _install()
    for name in args.rows:
        fn = _row_fn(name)
        for _ in range(3):
            fn()
        trueno_gpu.synchronize()
        t0 = time.perf_counter()
        for _ in range(args.reps):
            fn()
        plain = (time.perf_counter() - t0) / args.reps * 1e3
        _TIMES.clear()
        _ON[0] = True
        t0 = time.perf_counter()
        for _ in range(args.reps):
            fn()
        synced = (time.perf_counter() - t0) / args.reps * 1e3
        _ON[0] = False
        total = sum(r[0] for r in _TIMES.values())
        print(f"{name}: {plain:.2f} ms a call; {synced:.2f} ms with a sync after every op "
              f"({sum(r[1] for r in _TIMES.values()) // args.reps} ops)")
        for op, (s, calls, launches) in sorted(_TIMES.items(), key=lambda kv: -kv[1][0])[
                :args.top]:
            print(f"  {op:<28} {s / args.reps * 1e3:8.3f} ms  {100 * s / total:5.1f}%  "
                  f"calls {calls // args.reps:4}  launches {launches // args.reps:4}")


if __name__ == "__main__":
    main()
