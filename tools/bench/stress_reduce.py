# ruff: noqa: B023 - every lambda is timed (called) before its loop variable moves on
"""Reductions and layer_norm on the GPU, repeated (not a test): a quick check for the H100.

Default: every split reduction (the last-workgroup-done pattern of ``_fast_reduce``) and the
fast layer_norm many times against NumPy: sums within float32 rounding of the float64 sum and
the same bits in every run, max/min equal to NumPy's with and without a NaN (at a random
element each run, sign bit set every other run), layer_norm the same bits in every run.
Prints one line per case and the number of mismatches (0 expected).

``--time``: GB/s of sum / max / min at 1M and 16M float32 (``--sizes``) and of layer_norm
(4096, 1024), sweeping the plan knobs (``_fast_reduce.TARGET_GROUPS`` / ``MAX_CHUNKS``,
``_LOADS`` and ``_UNROLL`` and their full-reduction twins ``_FULL_LOADS`` / ``_FULL_UNROLL``
for 256K..4M: workgroups, loads per thread and independent loads per loop trip; a full sum's
fixed-order tree against subgroupAdd (``_FULL_SUM_TREE``);
``_fast_layer_norm._TARGET_V4``: vec4s per thread, hence threads per row), with the host's
microseconds per call (recording only) next to each, and a sum of 1K (the per-op floor: host
and launch). The defaults are marked with ``*``. A row
whose us/op is near its host us/call or the floor is bound by the host, not the kernel.

``--plans``: full reductions (sum, max) under competing row plans (4x4 with subgroupAdd,
8x8 tree, ...), interleaved round by round, medians and ratios side by side.

    python tools/bench/stress_reduce.py [--reps 100] [--time [--sizes 0.25 1 4]] [--repeats 5]
    python tools/bench/stress_reduce.py --plans [--rounds 7] [--sizes 0.25 1 2 4] [--ops sum]
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
from trueno_gpu import _fast_layer_norm, _fast_reduce, _reduce  # noqa: E402
from trueno_gpu._dtypes import dtype_info  # noqa: E402

API = trueno_gpu.GpuDeviceAPI()
K = trueno_gpu.kernels_table()
RT = trueno_gpu.get_runtime(0)
M = 1 << 20
F32 = dtype_info("float32")
NEG_NAN = np.array([0xFFC00000], np.uint32).view(np.float32)[0]


def up(h):
    return API.from_numpy(np.ascontiguousarray(h), 0)


def down(d):
    return np.asarray(API.to_numpy(d))


def stress(reps: int, big: bool) -> int:
    rng = np.random.default_rng(0)
    bad = 0
    cases = [((M,), (0,)), (((M + 3),), (0,)), ((4096, 1024), (0,)), ((4096, 1024), (1,)),
             ((3, M), (1,)), ((1 << 16, 64), (0,)), ((1000003,), (0,)), ((2000, 40, 4), (1,))]
    if big:
        cases += [((16 * M,), (0,)), ((4096, 4096), (0,)), ((4096, 4096), (1,))]
    for shape, axis in cases:
        x = rng.standard_normal(shape).astype(np.float32)
        d = up(x)
        want_s = x.astype(np.float64).sum(axis=axis)
        tol = 2e-6 * np.abs(x.astype(np.float64)).sum(axis=axis) + 1e-30
        first = None
        n_bad = 0
        for i in range(reps):
            s = down(K["sum"]["float32"](d, axis, False))
            if first is None:
                first = s
            n_bad += int(not np.array_equal(s, first))
            n_bad += int(not np.all(np.abs(s - want_s) <= tol))
            for op in ("max", "min"):
                n_bad += int(not np.array_equal(down(K[op]["float32"](d, axis, False)),
                                                getattr(np, op)(x, axis=axis)))
            if i % 10 == 0:  # a NaN at a random element (the sign bit set every other time)
                y = x.copy()
                y.flat[int(rng.integers(y.size))] = NEG_NAN if i % 20 else np.nan
                dy = up(y)
                for op in ("max", "min"):
                    n_bad += int(not np.array_equal(down(K[op]["float32"](dy, axis, False)),
                                                    getattr(np, op)(y, axis=axis),
                                                    equal_nan=True))
        print(f"{str(shape):>16} axis={axis}: {reps} runs, {n_bad} mismatches", flush=True)
        bad += n_bad
    for ln in ((4096, 1024), (1000, 768), (64, 8192)):
        x = rng.standard_normal(ln).astype(np.float32)
        w = rng.uniform(0.5, 1.5, ln[1]).astype(np.float32)
        b = rng.standard_normal(ln[1]).astype(np.float32)
        d, dw, db = up(x), up(w), up(b)
        first = down(K["layer_norm"]["float32"](d, 1, dw, db, 1e-5))
        x64 = x.astype(np.float64)
        mu = x64.mean(1, keepdims=True)
        want = (x64 - mu) / np.sqrt(((x64 - mu) ** 2).mean(1, keepdims=True) + 1e-5) * w + b
        n_bad = int(not np.allclose(first, want, rtol=2e-5, atol=2e-5))
        for _ in range(reps):
            n_bad += int(not np.array_equal(
                down(K["layer_norm"]["float32"](d, 1, dw, db, 1e-5)), first))
        print(f"layer_norm {ln}: {reps} runs, {n_bad} mismatches", flush=True)
        bad += n_bad
    return bad


def _median_time(fn, repeats, target=0.05, warm=0.2):
    """Seconds per ``fn()`` (as tools/bench/bench_gpu.py: calls back to back, one sync per
    timed run) and the host's seconds per call (recording only, no sync), after ``warm``
    seconds of calls."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < warm:
        fn()
        RT.synchronize()
    t0 = time.perf_counter()
    fn()
    RT.synchronize()
    inner = max(1, min(200, int(target / max(time.perf_counter() - t0, 1e-6))))
    times, host = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        t1 = time.perf_counter()
        RT.synchronize()
        times.append((time.perf_counter() - t0) / inner)
        host.append((t1 - t0) / inner)
    return statistics.median(times), statistics.median(host)


def _clear():
    _fast_reduce._PLANS.clear()
    _reduce._CALLS.clear()


def _groups(d, op, n) -> int:
    _, kc, ks, rc, rs, _, n_out, R = _reduce._new_plan(d, (0,), False)
    passes = _fast_reduce.fast_passes(RT, op, d, F32, F32, kc, ks, rc, rs, n_out, R)
    return passes[0][3][0] * passes[0][3][1]


_KNOBS = ("TARGET_GROUPS", "MAX_CHUNKS", "_LOADS", "_UNROLL", "_FULL_LOADS", "_FULL_UNROLL",
          "_FULL_SUM_TREE")


def _set(tg: int, loads: int, unroll: int, tree: bool = True) -> None:
    """One plan for every size: the workgroup cap, loads a thread and unroll (the general
    and the full-reduction knobs alike), and whether full sums add in a fixed tree."""
    for name, v in zip(_KNOBS, (tg, tg, loads, unroll, loads, unroll, tree)):
        setattr(_fast_reduce, name, v)
    _clear()


def _default_of(n: int, saved: dict) -> tuple[int, int, int]:
    """(target groups, loads, unroll) that the planner picks for a (n,) reduction."""
    lo, hi = _fast_reduce._FULL_RANGE
    if lo <= n <= hi:
        return saved["TARGET_GROUPS"], saved["_FULL_LOADS"], saved["_FULL_UNROLL"]
    return saved["TARGET_GROUPS"], saved["_LOADS"], saved["_UNROLL"]


def sweep(repeats: int, big: bool, sizes_m: list[float] | None = None) -> None:
    rng = np.random.default_rng(1)
    sizes = [int(s * M) for s in sizes_m] if sizes_m else ((M, 16 * M) if big else (M, 4 * M))
    saved = {name: getattr(_fast_reduce, name) for name in _KNOBS}
    tiny = up(rng.random(1024, dtype=np.float32))
    t, h = _median_time(lambda: K["sum"]["float32"](tiny, (0,), False), repeats)
    print(f"sum (1K,) (the per-op floor): {t * 1e6:7.1f} us/op, host {h * 1e6:5.1f} us/call",
          flush=True)
    for n in sizes:
        d = up(rng.random(n, dtype=np.float32))
        default = _default_of(n, saved)
        for op in ("sum", "max", "min"):
            seen = set()
            # workgroups: TARGET_GROUPS (and MAX_CHUNKS) caps them, _LOADS (vec4 loads per
            # thread) sets them below the cap; 16M: 1024 groups = 4 loop trips a thread
            # unroll: independent loads (accumulators) per trip of a thread's loop
            # tree: a full sum's partials in a fixed tree (False: subgroupAdd), 256K..4M only
            configs = [default + (True,)] + [
                (tg, loads, 4, True) for tg in (1024, 2048, 4096) for loads in (1, 2, 4, 8, 16)
            ] + [(1024, loads, 8, True) for loads in (8, 16)]
            lo, hi = _fast_reduce._FULL_RANGE
            if op == "sum" and lo <= n <= hi:
                configs.insert(1, default + (False,))
            for tg, loads, unroll, tree in configs:
                _set(tg, loads, unroll, tree)
                groups = _groups(d, op, n)
                if (groups, unroll, tree) in seen:
                    continue
                seen.add((groups, unroll, tree))
                fn = K[op]["float32"]
                t, h = _median_time(lambda: fn(d, (0,), False), repeats)
                mark = "*" if (tg, loads, unroll, tree) == default + (True,) else " "
                print(f"{op} ({n / M:g}M,) target groups {tg} loads/thread {loads} unroll "
                      f"{unroll}{'' if tree else ' subgroupAdd'}{mark} grid {groups}: "
                      f"{4 * n / t / 1e9:7.1f} GB/s, {t * 1e6:7.1f} us/op, host "
                      f"{h * 1e6:5.1f} us/call", flush=True)
    for name, v in saved.items():
        setattr(_fast_reduce, name, v)
    _clear()
    ln = (4096, 1024) if big else (1024, 1024)
    x = up(rng.random(ln, dtype=np.float32))
    w = up(rng.random(ln[1], dtype=np.float32))
    b = up(rng.random(ln[1], dtype=np.float32))
    default = _fast_layer_norm._TARGET_V4
    for v4 in (1, 2, 4, 8):
        _fast_layer_norm._TARGET_V4 = v4
        T, nv = _fast_layer_norm.plan(ln[1])
        t, h = _median_time(lambda: K["layer_norm"]["float32"](x, 1, w, b, 1e-5), repeats)
        print(f"layer_norm {ln} vec4/thread {v4}{'*' if v4 == default else ' '} (T {T}, nv "
              f"{nv}): {8 * np.prod(ln) / t / 1e9:7.1f} GB/s, {t * 1e6:7.1f} us/op, host "
              f"{h * 1e6:5.1f} us/call", flush=True)
    _fast_layer_norm._TARGET_V4 = default


# --plans: (loads a thread, unroll, fixed-order tree for sums); "4x4 sg" is the plan of full
# reductions before the 256K..4M one (4 loads, unroll 4, subgroupAdd for sums)
PLANS = {"4x4 sg": (4, 4, False), "8x8 tree": (8, 8, True), "8x8 sg": (8, 8, False),
         "16x8 tree": (16, 8, True), "16x4 tree": (16, 4, True)}


def plans(rounds: int, sizes_m: list[float], ops: list[str]) -> None:
    """Full float32 reductions under the row plans of ``PLANS``, interleaved: each round
    times every plan once per (op, size), so drift on the device lands on all plans alike;
    the median us/op over the rounds, GB/s and the ratio to the first plan, side by side.
    ``*``: what the planner picks now (max/min: one row per loads x unroll)."""
    saved = {name: getattr(_fast_reduce, name) for name in _KNOBS}
    now = (saved["_FULL_LOADS"], saved["_FULL_UNROLL"], saved["_FULL_SUM_TREE"])
    lo, hi = _fast_reduce._FULL_RANGE
    rng = np.random.default_rng(3)
    tiny = up(rng.random(1024, dtype=np.float32))
    floor = statistics.median(
        _median_time(lambda: K["sum"]["float32"](tiny, (0,), False), 1, 0.04, 0.02)[0]
        for _ in range(rounds))
    print(f"sum (1K,) (the per-op floor): {floor * 1e6:.1f} us/op", flush=True)
    for s in sizes_m:
        n = int(s * M)
        d = up(rng.random(n, dtype=np.float32))
        for op in ops:
            sums = op in ("sum", "mean")
            names, seen = [], set()
            for q in PLANS:  # max/min: the tree flag changes nothing
                shape = PLANS[q] if sums else PLANS[q][:2]
                if shape not in seen:
                    seen.add(shape)
                    names.append(q)
            t: dict = {q: [] for q in names}
            for _ in range(rounds):
                for q in names:
                    _set(saved["TARGET_GROUPS"], *PLANS[q])
                    t[q].append(_median_time(lambda: K[op]["float32"](d, (0,), False), 1,
                                             0.04, 0.02)[0])
            base = statistics.median(t[names[0]])
            for q in names:
                med = statistics.median(t[q])
                plan = PLANS[q] if sums else PLANS[q][:2] + (now[2],)
                mark = "*" if plan == now and lo <= n <= hi else " "
                name = q if sums else q.split()[0]
                print(f"{op} ({s:g}M,) {name:<10}{mark} {med * 1e6:7.2f} us/op (min "
                      f"{min(t[q]) * 1e6:6.2f}) {4 * n / med / 1e9:7.1f} GB/s  "
                      f"{base / med:5.2f}x vs {names[0].split()[0]}", flush=True)
    for name, v in saved.items():
        setattr(_fast_reduce, name, v)
    _clear()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=100)
    p.add_argument("--time", action="store_true", help="the GB/s sweep instead of the stress")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--small", action="store_true", help="lavapipe-sized inputs")
    p.add_argument("--sizes", type=float, nargs="*", default=None,
                   help="--time / --plans: the float32 sizes in M elements (default 1 16, "
                        "1 4 with --small; --plans: 0.25 1 2 4)")
    p.add_argument("--plans", action="store_true",
                   help="full reductions under competing row plans, interleaved round by round")
    p.add_argument("--rounds", type=int, default=7, help="--plans: rounds")
    p.add_argument("--ops", nargs="*", default=["sum", "max"], help="--plans: the ops")
    args = p.parse_args()
    info = trueno_gpu.adapter_info()
    big = not args.small and info.get("adapter_type") != "CPU"
    print(f"adapter: {info.get('device')} ({info.get('adapter_type')}), subgroups "
          f"{RT.has_subgroup}", flush=True)
    if args.time:
        sweep(args.repeats, big, args.sizes)
        return
    if args.plans:
        plans(args.rounds, args.sizes or [0.25, 1, 2, 4], args.ops)
        return
    bad = stress(args.reps, big)
    print("stress:", bad, "mismatches")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
