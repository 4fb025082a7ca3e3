"""Per-step counts and host time of bench_train's training step on the GPU device: launches,
uploads (and which lines of trueno call them, with ``--where``), submissions, the host record
time (``step()`` returning, before the sync; wall and this thread's CPU time, which a loaded
machine disturbs less) and the total (with the loss's download).

    python tools/bench/prof_step_cnn.py [cnn|mlp] [SGD|Adam] [batch] [--where] [--profile]
        [--launches] [--ab]

``--launches`` lists the counted step's launches by kernel (the pipeline's cache key, in
order of first launch). ``--ab`` then times the step with the optimizer's multi-tensor
kernels on and off (trueno-nn's ``_fused.FOREACH``), alternated round by round in this
process (so a noisy host hits both alike): medians of 15 rounds of 10 steps. Otherwise
medians of 20 steps; on lavapipe the host record time is a proxy for the H100's.
"""

from __future__ import annotations

import collections
import cProfile
import pathlib
import pstats
import sys
import time
import traceback

import numpy as np

import trueno.torch as T

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench_train import _step_fn, make_row  # noqa: E402


def _count_launches(R, rt) -> dict:
    """Count dispatches by pipeline: the runtime's raw wgpu-native SetPipeline and
    DispatchWorkgroups calls (module globals ``_set_pipeline`` / ``_dispatch_workgroups``,
    else through a proxy of ``_lib``) wrapped; ``_restore(R, counts)`` puts them back."""
    cur: list = [None]
    counts: dict = {}
    names = ("_set_pipeline", "_dispatch_workgroups")
    if all(hasattr(R, n) for n in names):
        real_set, real_dispatch = R._set_pipeline, R._dispatch_workgroups
        saved = {n: getattr(R, n) for n in names}
    else:
        lib = R._lib
        real_set = lib.wgpuComputePassEncoderSetPipeline
        real_dispatch = lib.wgpuComputePassEncoderDispatchWorkgroups
        saved = {"_lib": lib}

    def set_pipeline(h, pipe):
        cur[0] = pipe
        return real_set(h, pipe)

    def dispatch(h, *grid):
        counts[cur[0]] = counts.get(cur[0], 0) + 1
        return real_dispatch(h, *grid)

    if "_lib" in saved:
        class _Proxy:
            def __getattr__(self, name):
                return getattr(saved["_lib"], name)

        proxy = _Proxy()
        proxy.wgpuComputePassEncoderSetPipeline = set_pipeline
        proxy.wgpuComputePassEncoderDispatchWorkgroups = dispatch
        R._lib = proxy
    else:
        R._set_pipeline, R._dispatch_workgroups = set_pipeline, dispatch
    rt._last_pipe = None  # the next launch sets its pipeline
    counts["saved"] = saved
    return counts


def _restore(R, counts: dict) -> None:
    for n, v in counts.pop("saved").items():
        setattr(R, n, v)


def _ab(step) -> None:
    """Host record time (wall, thread CPU) per step, multi-tensor updates on vs off."""
    from trueno_nn.optim import _fused

    res: dict = {True: ([], []), False: ([], [])}
    for _ in range(15):
        for on in (True, False):
            _fused.FOREACH = on
            float(step().detach())  # the first step of a mode outside the timing
            hs, cs = res[on]
            for _ in range(10):
                t0, c0 = time.perf_counter(), time.thread_time()
                loss = step()
                hs.append(time.perf_counter() - t0)
                cs.append(time.thread_time() - c0)
                float(loss.detach())
    _fused.FOREACH = True
    print("multi-tensor   host record ms   thread CPU ms")
    for on in (True, False):
        hs, cs = res[on]
        print(f"{'on' if on else 'off':>12}   {np.median(hs) * 1e3:14.3f}   "
              f"{np.median(cs) * 1e3:13.3f}")
    print(f"on / off: host {np.median(res[True][0]) / np.median(res[False][0]):.3f}, "
          f"thread CPU {np.median(res[True][1]) / np.median(res[False][1]):.3f}")


def main(argv: list[str]) -> None:
    """Build the model, warm it up, count one step, time 20."""
    args = [a for a in argv if not a.startswith("--")]
    name, optn, batch = (args + ["cnn", "SGD", "2"][len(args):])[:3]
    import trueno_gpu._runtime as R

    model, opt, x, y = make_row(T, name, optn, "gpu", int(batch))
    step = _step_fn(model, opt, T.nn.CrossEntropyLoss(), x, y)
    for _ in range(3):
        float(step().detach())
    rt = R.get_runtime(0)
    uploads, where = [0], collections.Counter()
    real = R.Runtime.upload

    def upload(self, *a, **k):
        uploads[0] += 1
        if "--where" in argv:
            frames = [f for f in traceback.extract_stack()[:-1]
                      if "/trueno" in f.filename and "_transfers" not in f.filename]
            where[" <- ".join(f"{pathlib.Path(f.filename).name}:{f.lineno}"
                              for f in frames[-4:])] += 1
        return real(self, *a, **k)

    R.Runtime.upload = upload
    try:  # the raw calls' module (the record path moved out of _runtime)
        import trueno_gpu._record as M
    except ImportError:
        M = R
    kernels = _count_launches(M, rt) if "--launches" in argv else None
    d0, s0 = rt.dispatches, rt.submissions
    float(step().detach())
    if kernels is not None:
        _restore(M, kernels)
    print(f"{name} {optn} batch {batch} per step: launches {rt.dispatches - d0}, uploads "
          f"{uploads[0]}, submissions {rt.submissions - s0}")
    for k, v in where.most_common():
        print(f"  {v} x {k}")
    if kernels is not None:
        names = {pipe._internal: key for key, (pipe, _) in rt._kernels.items()}
        for p, v in kernels.items():
            print(f"  {v:3d} x {names.get(p, p)!r:.100}")
    hs, cs, ts = [], [], []
    for _ in range(20):
        t0, c0 = time.perf_counter(), time.thread_time()
        loss = step()
        t1, c1 = time.perf_counter(), time.thread_time()
        float(loss.detach())
        hs.append(t1 - t0)
        cs.append(c1 - c0)
        ts.append(time.perf_counter() - t0)
    print(f"host record {np.median(hs) * 1e3:.3f} ms (min {min(hs) * 1e3:.3f}; thread CPU "
          f"time {np.median(cs) * 1e3:.3f}), total {np.median(ts) * 1e3:.3f} ms")
    if "--ab" in argv:
        _ab(step)
    if "--profile" in argv:
        pr = cProfile.Profile()
        for _ in range(10):
            pr.enable()
            loss = step()
            pr.disable()
            float(loss.detach())
        pstats.Stats(pr).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main(sys.argv[1:])
