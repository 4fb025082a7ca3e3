"""Where the time of a GPU -> host download goes, and which way of reading back is fastest.

Not a test: a probe for tuning ``Runtime.download`` on a real GPU. Prints, for one buffer size,
the current download, its phases (device copy + map wait, the host copy out of the mapped
staging buffer at several thread counts, into fresh and into already-touched host memory) and
a pipelined variant that maps chunk i while the GPU still copies chunk i + 1.

    python tools/bench/probe_transfer.py [--mib 64] [--repeats 5]
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time

import numpy as np

_ROOT = pathlib.Path(__file__).resolve().parents[2]
for _p in (_ROOT / "packages" / "trueno-gpu" / "src", _ROOT / "packages" / "trueno-core" / "src"):
    if _p.is_dir() and str(_p) not in sys.path:
        sys.path.append(str(_p))

import trueno_gpu  # noqa: E402
import wgpu  # noqa: E402
from trueno_gpu import _runtime  # noqa: E402


def med(fn, repeats):
    fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    n = args.mib << 20
    api = trueno_gpu.GpuDeviceAPI()
    rt = trueno_gpu.get_runtime(0)
    print("adapter:", rt.name)
    host = np.random.default_rng(0).random(n // 4, dtype=np.float32)
    a = api.from_numpy(host, 0)
    buf = a.storage.buffer
    rate = lambda t: f"{n / t / 1e9:7.2f} GB/s ({t * 1e3:7.2f} ms)"  # noqa: E731

    got = api.to_numpy(a)
    assert np.array_equal(got, host)
    for threads in (8, 16):
        _runtime.PAR_THREADS[0] = threads
        print(f"to_numpy x{threads:<2}                    ",
              rate(med(lambda: api.to_numpy(a), args.repeats)))
    _runtime.PAR_THREADS[0] = 8

    stage = rt.pool.download_buffer(n)

    def copy_and_map():
        rt.encoder().copy_buffer_to_buffer(buf, 0, stage, 0, n)
        rt.flush()
        rt.map_now(stage, wgpu.MapMode.READ, 0, n)
        stage.unmap()
    print("device copy + map wait          ", rate(med(copy_and_map, args.repeats)))
    for _ in range(3):  # the same, phase by phase
        t0 = time.perf_counter()
        rt.encoder().copy_buffer_to_buffer(buf, 0, stage, 0, n)
        rt.flush()
        t1 = time.perf_counter()
        rt.wait_idle()
        t2 = time.perf_counter()
        promise = stage.map_async("READ_NOSYNC", 0, n)
        t3 = time.perf_counter()
        rt.device._poll(True)
        t4 = time.perf_counter()
        promise.sync_wait()
        t5 = time.perf_counter()
        stage.unmap()
        t6 = time.perf_counter()
        ms = [f"{1e3 * (b - a):.2f}" for a, b in zip((t0, t1, t2, t3, t4, t5),
                                                    (t1, t2, t3, t4, t5, t6))]
        print("  phases ms: record+submit {}, wait {}, map_async {}, poll {}, sync_wait {}, "
              "unmap {}".format(*ms))
    print("madvise hugepage:", getattr(np._core.multiarray, "_get_madvise_hugepage",
                                       lambda: "?")())

    rt.encoder().copy_buffer_to_buffer(buf, 0, stage, 0, n)
    rt.flush()
    rt.map_now(stage, wgpu.MapMode.READ, 0, n)
    src = np.frombuffer(stage.read_mapped(0, n, copy=False), np.uint8)
    warm = np.empty(n, np.uint8)
    warm[:] = 1
    for label in ("first", "second"):  # does the first read of a fresh map fault its pages?
        t0 = time.perf_counter()
        _runtime.par_copy(warm, src)
        print(f"host copy of a new map, {label:<6} x8 ", rate(time.perf_counter() - t0))
    for threads in (1, 4, 8, 16):
        _runtime.PAR_THREADS[0] = threads
        print(f"host copy mapped->touched  x{threads:<2}  ",
              rate(med(lambda src=src: _runtime.par_copy(warm, src), args.repeats)))
        print(f"host copy mapped->fresh    x{threads:<2}  ",
              rate(med(lambda src=src: _runtime.par_copy(np.empty(n, np.uint8), src),
                       args.repeats)))
    plain = np.empty(n, np.uint8)
    plain[:] = 2
    _runtime.PAR_THREADS[0] = 8
    print("host copy touched->touched x8   ",
          rate(med(lambda: _runtime.par_copy(warm, plain), args.repeats)))
    print("np.empty + first touch (fill)   ",
          rate(med(lambda: np.empty(n, np.uint8).fill(0), args.repeats)))
    del src
    stage.unmap()
    rt.pool.download_done(stage)

    for threads in (8, 16):
        _runtime.PAR_THREADS[0] = threads
        for chunk_mib in (4, 8, 16, 32):
            c = chunk_mib << 20
            if c >= n:
                continue
            stages = [rt.pool.download_buffer(c) for _ in range(-(-n // c))]

            def pipelined(c=c, stages=stages):
                out = np.empty(n, np.uint8)
                for i, s in enumerate(stages):  # one submission per chunk
                    rt.encoder().copy_buffer_to_buffer(buf, i * c, s, 0, min(c, n - i * c))
                    rt.flush()
                for i, s in enumerate(stages):
                    k = min(c, n - i * c)
                    rt.map_now(s, wgpu.MapMode.READ, 0, k)
                    v = np.frombuffer(s.read_mapped(0, k, copy=False), np.uint8)
                    _runtime.par_copy(out[i * c:i * c + k], v)
                    del v
                    s.unmap()
                return out
            assert np.array_equal(pipelined().view(np.float32), host)
            print(f"pipelined {chunk_mib:>2} MiB chunks x{threads:<2}   ",
                  rate(med(pipelined, args.repeats)))
            for s in stages:
                rt.pool.download_done(s)


if __name__ == "__main__":
    main()
