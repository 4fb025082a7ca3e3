"""Probe (not a test): why bench_gpu's "add 1K f32, tensor API a + b" row reads slower than
probe_small_ops' "add 1K, results freed" (H200, run1: 12.8 vs 7.5 us/op).

One process, trueno only. Each row is ``a + b`` (1K float32) or its kernel call, timed by
bench_gpu's own ``_median_time`` (warm-up of op + sync for 0.2 s, runs of up to 200 ops and
one sync), and then once more by hand over 200-op runs, counting per op: wall and
thread-CPU microseconds, submissions, dispatches and cyclic-GC collections. The rows run
fresh, then after bench_gpu's big add rows (16M and 64M float32 adds, 1M on a software
adapter), then after ``gc.freeze()`` as bench_gpu's child does at its start, then with lazy
fusion off and on in turn (independent adds are eager either way: this is the cost of the
chain-head bookkeeping on the eager path).

    python tools/bench/probe_add_row.py
"""
from __future__ import annotations

import gc
import pathlib
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import bench_gpu  # noqa: E402  (its path setup, _median_time and Trueno backend)


def _by_hand(fn, sync, rt, runs=7, ops=200) -> dict:
    """Medians per op over ``runs`` runs of ``ops`` calls and one sync."""
    wall, cpu, subs, disp, gcs = [], [], [], [], []
    for _ in range(runs):
        sync()
        s0, d0 = rt.submissions, rt.dispatches
        g0 = sum(st["collections"] for st in gc.get_stats())
        t0, c0 = time.perf_counter(), time.thread_time()
        for _ in range(ops):
            fn()
        c1 = time.thread_time()
        sync()
        wall.append((time.perf_counter() - t0) / ops * 1e6)
        cpu.append((c1 - c0) / ops * 1e6)
        subs.append((rt.submissions - s0) / ops)
        disp.append((rt.dispatches - d0) / ops)
        gcs.append((sum(st["collections"] for st in gc.get_stats()) - g0) / ops)
    med = statistics.median
    return {"wall": med(wall), "cpu": med(cpu), "subs": med(subs), "disp": med(disp),
            "gc": med(gcs)}


def main() -> None:
    be = bench_gpu.Trueno()
    import trueno.torch as T

    from trueno_gpu._runtime import get_runtime

    rt = get_runtime(0)
    software = rt.info.get("adapter_type") == "CPU"
    rng = np.random.default_rng(0)
    h = rng.random(1024, dtype=np.float32)
    a_np, b_np = be.tensor(h), be.tensor(h[::-1].copy())
    a_t = T.from_numpy(h).to("gpu")
    b_t = T.from_numpy(h[::-1].copy()).to("gpu")
    a_k, b_k = be.array(h), be.array(h[::-1].copy())
    rows = {
        "numpy face a + b": lambda: a_np + b_np,
        "torch face a + b": lambda: a_t + b_t,
        "kernel call": lambda: be.op("add", a_k, b_k),
    }
    print(f"device: {rt.name}; submit_every {rt.submit_every}, "
          f"min cost {getattr(rt, 'submit_min_cost', 0)}")
    print(f"{'phase':<12} {'row':<18} {'bench us':>9} {'wall us':>8} {'cpu us':>7} "
          f"{'subs/op':>8} {'disp/op':>8} {'gc/op':>7}")

    def measure(phase):
        for name, fn in rows.items():
            t = bench_gpu._median_time(fn, be.sync, 5) * 1e6
            r = _by_hand(fn, be.sync, rt)
            print(f"{phase:<12} {name:<18} {t:9.2f} {r['wall']:8.2f} {r['cpu']:7.2f} "
                  f"{r['subs']:8.3f} {r['disp']:8.3f} {r['gc']:7.3f}", flush=True)

    measure("fresh")
    for n in ((1,) if software else (16, 64)):
        x = rng.random(n << 20, dtype=np.float32)
        a, b = be.array(x), be.array(x[::-1].copy())
        bench_gpu._median_time(lambda a=a, b=b: be.op("add", a, b), be.sync, 5)
        del a, b, x
    measure("after big")
    gc.collect()
    gc.freeze()
    measure("gc frozen")
    from trueno_gpu import _lazy

    for on in (False, True, False, True):  # the eager path's cost of fusion being on
        _lazy.ENABLED["on"] = on
        measure("lazy on" if on else "lazy off")


if __name__ == "__main__":
    main()
