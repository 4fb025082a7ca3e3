"""Large float32 add under the elementwise fast path's knobs: vec4s per thread and how many bytes
a batch moves before it is submitted early (``Runtime.EAGER_COST``).

Not a test: a probe for tuning on a real GPU, with bench_gpu's timing rule (ops back to back,
one sync per timed run). ``--torch`` times torch.add on CUDA instead (run it in a separate
process: a CUDA context slows the Vulkan device down).

    python tools/bench/probe_elementwise.py [--torch]
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np

_HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE))
_ROOT = _HERE.parents[1]
for _p in (_ROOT / "packages" / "trueno-gpu" / "src", _ROOT / "packages" / "trueno-core" / "src"):
    if _p.is_dir() and str(_p) not in sys.path:
        sys.path.append(str(_p))

from bench_gpu import _median_time  # noqa: E402

M = 1 << 20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--torch", action="store_true")
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    if args.torch:
        import torch

        for n in (16, 64):
            h = rng.random(n * M, dtype=np.float32)
            a, b = torch.from_numpy(h).cuda(), torch.from_numpy(h[::-1].copy()).cuda()
            t = _median_time(lambda a=a, b=b: torch.add(a, b), torch.cuda.synchronize, args.repeats)
            print(f"torch add {n}M: {12 * n * M / t / 1e9:.0f} GB/s", flush=True)
        return
    import trueno_gpu
    from trueno_gpu import _elementwise, _fast_elementwise
    from trueno_gpu._runtime import Runtime

    api = trueno_gpu.GpuDeviceAPI()
    add = trueno_gpu.kernels_table()["add"]["float32"]
    for n in (1024, 1 << 20):  # small ops: CPU recording against GPU execution
        h = rng.random(n, dtype=np.float32)
        a, b = api.from_numpy(h, 0), api.from_numpy(h, 0)
        for keep in (False, True, False, True):
            kept = []  # keep=True: every output stays alive, so no buffer is reused
            t0 = time.perf_counter()
            for _ in range(1000):
                y = add(a, b)
                if keep:
                    kept.append(y)
            t1 = time.perf_counter()
            api.synchronize(0)
            t2 = time.perf_counter()
            print(f"1000 x add {n}, outputs kept {keep}: record {(t1 - t0) * 1e3:.2f} us/op, "
                  f"then sync {(t2 - t1) * 1e3:.2f} ms", flush=True)
            del kept
    default = (_fast_elementwise.ENABLED["per"], Runtime.EAGER_COST)
    for n in (16, 64):
        h = rng.random(n * M, dtype=np.float32)
        a, b = api.from_numpy(h, 0), api.from_numpy(h[::-1].copy(), 0)
        for per in (1, 2, 4):
            for eager in (1024 << 20, 1536 << 20, 2048 << 20, 3072 << 20):
                _fast_elementwise.ENABLED["per"] = per
                Runtime.EAGER_COST = eager
                _elementwise._PLANS.clear()
                t = _median_time(lambda a=a, b=b: add(a, b), lambda: api.synchronize(0),
                                 args.repeats)
                mark = " (default)" if (per, eager) == default else ""
                print(f"add {n}M per={per} eager={eager >> 20} MiB: "
                      f"{12 * n * M / t / 1e9:.0f} GB/s{mark}", flush=True)
    _fast_elementwise.ENABLED["per"], Runtime.EAGER_COST = default


if __name__ == "__main__":
    main()
