# ruff: noqa: B023 - every lambda is timed (called) before its loop variable moves on
"""Full float32 reductions on the GPU under competing row plans, interleaved (not a test).

Each round times every plan once per (op, size), so drift on the device (clocks, other
work) lands on all plans alike; prints the median us/op over the rounds, GB/s and the ratio
to the ``4x4 sg`` plan (the default before the full-reduction plan: 4 loads a thread,
unroll 4, subgroupAdd for sums) side by side. Plans: (loads a thread, unroll, fixed-order
tree for sums). The ``*`` marks what the planner picks now.

    python tools/bench/probe_reduce_plan.py [--rounds 7] [--sizes 0.25 1 2 4] [--ops sum max]
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
from trueno_gpu import _fast_reduce, _reduce  # noqa: E402

API = trueno_gpu.GpuDeviceAPI()
K = trueno_gpu.kernels_table()
RT = trueno_gpu.get_runtime(0)
M = 1 << 20
PLANS = {"4x4 sg": (4, 4, False), "8x8 tree": (8, 8, True), "8x8 sg": (8, 8, False),
         "16x8 tree": (16, 8, True), "16x4 tree": (16, 4, True)}
_KNOBS = ("_LOADS", "_UNROLL", "_FULL_LOADS", "_FULL_UNROLL", "_FULL_SUM_TREE")


def _use(plan: tuple[int, int, bool]) -> None:
    loads, unroll, tree = plan
    for name, v in zip(_KNOBS, (loads, unroll, loads, unroll, tree)):
        setattr(_fast_reduce, name, v)
    _fast_reduce._PLANS.clear()
    _reduce._CALLS.clear()


def _time(fn, target: float = 0.04) -> float:
    """Seconds per ``fn()``: calls back to back, one sync (as bench_gpu.py)."""
    for _ in range(3):
        fn()
    RT.synchronize()
    t0 = time.perf_counter()
    fn()
    RT.synchronize()
    inner = max(1, min(400, int(target / max(time.perf_counter() - t0, 1e-6))))
    t0 = time.perf_counter()
    for _ in range(inner):
        fn()
    RT.synchronize()
    return (time.perf_counter() - t0) / inner


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--sizes", type=float, nargs="*", default=[0.25, 1, 2, 4])
    p.add_argument("--ops", nargs="*", default=["sum", "max"])
    p.add_argument("--plans", nargs="*", default=list(PLANS), choices=list(PLANS))
    args = p.parse_args()
    saved = {name: getattr(_fast_reduce, name) for name in _KNOBS}
    now = (saved["_FULL_LOADS"], saved["_FULL_UNROLL"], saved["_FULL_SUM_TREE"])
    info = trueno_gpu.adapter_info()
    print(f"adapter: {info.get('device')}, subgroups {RT.has_subgroup}", flush=True)
    rng = np.random.default_rng(3)
    tiny = API.from_numpy(rng.random(1024, dtype=np.float32), 0)
    floor = statistics.median(_time(lambda: K["sum"]["float32"](tiny, (0,), False))
                              for _ in range(args.rounds))
    print(f"sum (1K,) (the per-op floor): {floor * 1e6:.1f} us/op", flush=True)
    for s in args.sizes:
        n = int(s * M)
        d = API.from_numpy(rng.random(n, dtype=np.float32), 0)
        for op in args.ops:
            plans, seen = [], set()
            for q in args.plans:  # max/min: the tree flag changes nothing, one row per shape
                shape = PLANS[q] if op in ("sum", "mean") else PLANS[q][:2]
                if shape not in seen:
                    seen.add(shape)
                    plans.append(q)
            t: dict = {q: [] for q in plans}
            for _ in range(args.rounds):
                for q in plans:
                    _use(PLANS[q])
                    t[q].append(_time(lambda: K[op]["float32"](d, (0,), False)))
            base = statistics.median(t[plans[0]])
            for q in plans:
                med = statistics.median(t[q])
                plan = PLANS[q] if op in ("sum", "mean") else PLANS[q][:2] + (now[2],)
                mark = "*" if plan == now and _fast_reduce._FULL_RANGE[0] <= n <= \
                    _fast_reduce._FULL_RANGE[1] else " "
                name = q if op in ("sum", "mean") else q.split()[0]
                print(f"{op} ({s:g}M,) {name:<10}{mark} {med * 1e6:7.2f} us/op "
                      f"(min {min(t[q]) * 1e6:6.2f}) {4 * n / med / 1e9:7.1f} GB/s  "
                      f"{base / med:5.2f}x vs {plans[0].split()[0]}", flush=True)
    for name, v in saved.items():
        setattr(_fast_reduce, name, v)


if __name__ == "__main__":
    main()
