# ruff: noqa: B023 - every lambda is timed (called) before its loop variable moves on
"""Where the GPU backend's time goes (not a test): sync cost, elementwise with/without the vec4
path, a matmul tile sweep, upload/download phases, per-op recording cost.

    python tools/bench/probe_gpu.py [--quick]
"""
from __future__ import annotations

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
from trueno_gpu import _elementwise, _fast_elementwise, _matmul  # noqa: E402
from trueno_gpu._matmul_tiled import CONFIGS  # noqa: E402

api = trueno_gpu.GpuDeviceAPI()
K = trueno_gpu.kernels_table()
rt = trueno_gpu.get_runtime(0)
QUICK = "--quick" in sys.argv
SOFT = rt.info.get("adapter_type") == "CPU"  # lavapipe: small sizes only
M = 1 << 20
add = K["add"]["float32"]
rng = np.random.default_rng(0)


def tm(fn, inner=1, rep=5, sync=None):
    sync = sync or rt.synchronize
    fn()
    sync()
    ts = []
    for _ in range(rep):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        sync()
        ts.append((time.perf_counter() - t0) / inner)
    return statistics.median(ts)


def p(*a):
    print(*a, flush=True)


def old_sync():
    rt.flush()
    rt.queue.on_submitted_work_done_sync()
    rt.pool.uploads_idle()


if "--only-more" not in sys.argv:
    p("== sync")
    p(f"  empty synchronize (poll)        {tm(rt.synchronize, 1, 50) * 1e6:8.1f} us")
    p(f"  empty synchronize (work_done)   {tm(old_sync, 1, 50, old_sync) * 1e6:8.1f} us")
    x = api.from_numpy(np.ones(1024, np.float32))
    add = K["add"]["float32"]
    p(f"  tiny add + sync (poll)          {tm(lambda: add(x, x), 1, 50) * 1e6:8.1f} us")
    p(f"  tiny add + sync (work_done)     {tm(lambda: add(x, x), 1, 50, old_sync) * 1e6:8.1f} us")
    t0 = time.perf_counter()
    for _ in range(1000):
        add(x, x)
    t1 = time.perf_counter()
    rt.synchronize()
    t2 = time.perf_counter()
    p(f"  1000 tiny adds: record {(t1 - t0) * 1e3:.2f} us/op, submit+wait {(t2 - t1) * 1e3:.2f} ms "
      f"(submissions so far {rt.submissions})")

    p("== elementwise (GB/s)")
    for n in ((M, 4 * M) if SOFT else (16 * M, 64 * M)):
        h = np.random.rand(n).astype(np.float32)
        a, b = api.from_numpy(h), api.from_numpy(h)
        for on, per in ((False, 1), (True, 1), (True, 2), (True, 4)):
            _fast_elementwise.ENABLED.update(on=on, per=per)
            _elementwise._PLANS.clear()
            one = tm(lambda: add(a, b), 1, 5)
            many = tm(lambda: add(a, b), 20, 5)
            p(f"  add {n // M}M vec4={on} per={per}: one+sync {12 * n / one / 1e9:7.1f}   20 per "
              f"sync {12 * n / many / 1e9:7.1f}")
        del a, b
    _fast_elementwise.ENABLED.update(on=True, per=1)
    _elementwise._PLANS.clear()

    p("== reductions (GB/s, 20 per sync)")
    big2 = (1024, 1024) if SOFT else (4096, 4096)
    for shape, ax in (((M,), (0,)), (big2, (1,)), ((16 * M,), (0,))):
        a = api.from_numpy(np.random.rand(*shape).astype(np.float32))
        t = tm(lambda: K["sum"]["float32"](a, ax, False), 20, 5)
        t1 = tm(lambda: K["sum"]["float32"](a, ax, False), 1, 5)
        ts = tm(lambda: K["softmax"]["float32"](a, -1), 20, 5)
        p(f"  {shape}: sum {4 * a.size / t / 1e9:7.1f} (one+sync {4 * a.size / t1 / 1e9:7.1f})   "
          f"softmax {8 * a.size / ts / 1e9:7.1f}")

    p("== matmul (TFLOP/s)")
    rng = np.random.default_rng(0)
    cfgs = [(k_, CONFIGS[k_]) for k_ in ("large", "wide", "medium")]
    for n in ((256, 512) if SOFT else (1024, 4096) if QUICK else (1024, 2048, 4096)):
        for dt in (np.float32, np.float16):
            a = api.from_numpy(rng.standard_normal((n, n)).astype(dt))
            b = api.from_numpy(rng.standard_normal((n, n)).astype(dt))
            res = []
            for name, cfg in cfgs:
                _matmul._FAST.update(on=cfg is not None, cfg=cfg)
                inner = 3 if n >= 4096 else 10
                try:
                    t = tm(lambda: K["matmul"][np.dtype(dt).name](a, b), inner, 3)
                    res.append(f"{name} {2 * n ** 3 / t / 1e12:6.3g}")
                except Exception as e:
                    res.append(f"{name} ERR {str(e)[:60]}")
            _matmul._FAST.update(on=True, cfg=None)
            t = tm(lambda: K["matmul"][np.dtype(dt).name](a, b), 3, 3)
            res.append(f"auto {2 * n ** 3 / t / 1e12:6.3g}")
            p(f"  {n} {np.dtype(dt).name}: " + "  ".join(res))
            del a, b
    # correctness of the auto config at size
    a_h = rng.standard_normal((1024, 1024)).astype(np.float32)
    r = api.to_numpy(K["matmul"]["float32"](api.from_numpy(a_h), api.from_numpy(a_h)))
    p("  max rel err 1024 f32:", float(np.abs(r - a_h @ a_h).max() / np.abs(a_h @ a_h).max()))

    p("== upload / download 64 MiB phases (ms)")
    host = np.random.rand(4 * M if SOFT else 16 * M).astype(np.float32)
    nb = host.nbytes
    st = rt.alloc(nb)
    for _ in range(3):
        t0 = time.perf_counter()
        stage = rt.pool.upload_buffer(nb)
        t1 = time.perf_counter()
        stage.write_mapped(host)
        t2 = time.perf_counter()
        stage.unmap()
        rt.encoder().copy_buffer_to_buffer(stage, 0, st.buffer, 0, nb)
        rt.synchronize()
        t3 = time.perf_counter()
        p(f"  upload: get/map stage {(t1 - t0) * 1e3:.2f}  memcpy {(t2 - t1) * 1e3:.2f}  "
          f"copy+sync {(t3 - t2) * 1e3:.2f}")
    for _ in range(2):
        t0 = time.perf_counter()
        rt.queue.write_buffer(st.buffer, 0, host)
        rt.synchronize()
        p(f"  queue.write_buffer+sync {(time.perf_counter() - t0) * 1e3:.2f}")
    for _ in range(3):
        t0 = time.perf_counter()
        stage = rt.pool.download_buffer(nb)
        rt.encoder().copy_buffer_to_buffer(st.buffer, 0, stage, 0, nb)
        rt.flush()
        t1 = time.perf_counter()
        rt.map_now(stage, wgpu.MapMode.READ, 0, nb)
        t2 = time.perf_counter()
        view = stage.read_mapped(0, nb, copy=False)
        out = np.frombuffer(view, np.float32).copy()
        t3 = time.perf_counter()
        out2 = np.empty_like(out)
        t4 = time.perf_counter()
        np.copyto(out2, np.frombuffer(view, np.float32))
        t5 = time.perf_counter()
        del view
        stage.unmap()
        rt.pool.download_done(stage)
        p(f"  download: record+submit {(t1 - t0) * 1e3:.2f}  map(wait) {(t2 - t1) * 1e3:.2f}  "
          f"copy-out {(t3 - t2) * 1e3:.2f}  copyto-prealloc {(t5 - t4) * 1e3:.2f}")
    p(f"  memcpy host->host 64MiB {tm(lambda: host.copy(), 1, 5, lambda: None) * 1e3:.2f}")


# -- run 3 additions ------------------------------------------------------------------------
if "--more" in sys.argv:
    import subprocess

    from trueno_gpu import _fast_reduce, _fast_softmax, _runtime

    sys.path.insert(0, str(_ROOT / "tools" / "bench"))
    import bench_gpu

    def smi():
        try:
            return subprocess.run(["nvidia-smi", "--query-gpu=clocks.sm,clocks.mem,power.draw,"
                                   "pstate,temperature.gpu", "--format=csv,noheader"],
                                  capture_output=True, text=True, timeout=10).stdout.strip()
        except Exception as e:
            return str(e)

    p("== bench-style vs tm, clocks:", smi())
    NB = (4 if SOFT else 64) * M
    h = np.random.rand(NB).astype(np.float32)
    a, b = api.from_numpy(h), api.from_numpy(h[::-1].copy())
    for _ in range(2):
        t_b = bench_gpu._median_time(lambda: add(a, b), rt.synchronize, 5)
        t_t = tm(lambda: add(a, b), 20, 5)
        t_80 = tm(lambda: add(a, b), 80, 5)
        p(f"  add 64M: bench {12 * NB / t_b / 1e9:7.1f}  tm20 {12 * NB / t_t / 1e9:7.1f}"
          f"  tm80 {12 * NB / t_80 / 1e9:7.1f} GB/s  subs {rt.submissions}  {smi()}")
    rt.EAGER_COST = 1 << 62
    t_t = tm(lambda: add(a, b), 20, 5)
    p(f"  add 64M no eager flush: tm20 {12 * NB / t_t / 1e9:7.1f}")
    rt.EAGER_COST = 1536 << 20
    del a, b
    p("== reductions fast on/off (GB/s, 20 per sync)")
    for shape, ax in (((M,), (0,)), ((1024, 1024) if SOFT else (4096, 4096), (1,)),
                      ((4 * M if SOFT else 16 * M,), (0,))):
        x = api.from_numpy(np.random.rand(*shape).astype(np.float32))
        for on in (False, True, False, True):
            _fast_reduce.ENABLED["on"] = on
            _fast_softmax.ENABLED["on"] = on
            t = tm(lambda: K["sum"]["float32"](x, ax, False), 20, 5)
            ts = tm(lambda: K["softmax"]["float32"](x, -1), 20, 5)
            p(f"  {shape} fast={on}: sum {4 * x.size / t / 1e9:7.1f}  softmax "
              f"{8 * x.size / ts / 1e9:7.1f}")
    p("== matmul repeat (TFLOP/s)", smi())
    for n in ((256, 512) if SOFT else (1024, 4096)):
        for dt in (np.float32, np.float16):
            a = api.from_numpy(rng.standard_normal((n, n)).astype(dt))
            b = api.from_numpy(rng.standard_normal((n, n)).astype(dt))
            f = lambda: K["matmul"][np.dtype(dt).name](a, b)  # noqa: E731
            tm(f, 1 if SOFT else 20 if n == 4096 else 100, 1)
            res = []
            for name in ("wide", "large", "medium", "wide", "large"):
                _matmul._FAST.update(on=True, cfg=CONFIGS[name])
                t = tm(f, 1 if SOFT else 10 if n == 4096 else 50, 3)
                res.append(f"{name} {2 * n ** 3 / t / 1e12:6.3g}")
            _matmul._FAST.update(on=True, cfg=None)
            p(f"  {n} {np.dtype(dt).name}: " + "  ".join(res))
    p("  ", smi())
    p("== upload/download via API, threads")
    host = np.random.rand(4 * M if SOFT else 16 * M).astype(np.float32)
    for nt in (1, 4, 8, 16):
        _runtime.PAR_THREADS[0] = nt
        tu = tm(lambda: api.from_numpy(host), 1, 5)
        xg = api.from_numpy(host)
        td = tm(lambda: api.to_numpy(xg), 1, 5, lambda: None)
        p(f"  threads {nt}: upload {host.nbytes / tu / 1e9:6.2f}  download "
          f"{host.nbytes / td / 1e9:6.2f} GB/s")
    _runtime.PAR_THREADS[0] = 8
