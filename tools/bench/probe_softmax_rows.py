"""softmax / log_softmax on the CPU beside torch, 1 thread: trueno_simd's kernel alone, the
torch face (F.log_softmax / torch.softmax through the dispatcher) and torch 2.x, medians of
several repeats, one table.

    BENCH_THREADS=1 OPENBLAS_NUM_THREADS=1 python tools/bench/probe_softmax_rows.py
    python tools/bench/probe_softmax_rows.py --before /tmp/old   # /tmp/old/trueno_simd_before/
                                                                  # holds an older _core*.so

``--before DIR`` adds a column for an older build of the kernel (a copy of an installed
``_core*.so`` in ``DIR/trueno_simd_before/`` with an empty ``__init__.py``), so before and
after are timed in the same process and the same minutes.
"""
from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import timeit

os.environ.setdefault("TRUENO_NUM_THREADS", os.environ.get("BENCH_THREADS", "1"))

import numpy as onp  # noqa: E402

try:
    import torch
except ImportError:  # the lent GPU machines have no torch: its column reads nan
    torch = None

import trueno.torch as tt  # noqa: E402
import trueno_simd  # noqa: E402
from trueno_simd import _core as k  # noqa: E402

SHAPES = [(128, 10), (8, 10), (128, 32), (128, 1000), (4096, 4096)]


def median_us(fn, elements: int, repeat: int) -> float:
    """Median time of one call in microseconds (enough calls per repeat for ~20 ms)."""
    number = max(1, 2_000_000 // max(elements, 1))
    fn()
    return statistics.median(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--before", help="folder holding trueno_simd_before/_core*.so")
    p.add_argument("--repeat", type=int, default=9)
    args = p.parse_args()
    threads = int(os.environ.get("BENCH_THREADS", "1"))
    if torch is not None:
        torch.set_num_threads(threads)
    trueno_simd.set_num_threads(threads)
    kb = None
    if args.before:
        sys.path.insert(0, args.before)
        import trueno_simd_before._core as kb
    F = tt.nn.functional
    tv = torch.__version__ if torch is not None else "-"
    print(f"threads={threads} isa={trueno_simd.cpu_features()['isa']} torch={tv}"
          f"  (median of {args.repeat} repeats, us per call)")
    head = f"{'op':<12}{'shape':>13}{'torch':>10}{'trueno F':>10}{'kernel':>10}"
    print(head + (f"{'kernel before':>15}" if kb else "") + f"{'F/torch':>9}")
    for shape in SHAPES:
        a = onp.random.default_rng(0).standard_normal(shape).astype(onp.float32)
        ta, xa = (torch.from_numpy(a) if torch is not None else None), tt.tensor(a)
        for name in ("log_softmax", "softmax"):
            tf = getattr(torch.nn.functional, name) if torch is not None else None
            ff = getattr(F, name)
            kf = getattr(k, name)
            r = dict(torch=median_us(functools.partial(tf, ta, dim=1), a.size, args.repeat)
                     if tf is not None else float("nan"),
                     face=median_us(functools.partial(ff, xa, dim=1), a.size, args.repeat),
                     kernel=median_us(functools.partial(kf, a, 1), a.size, args.repeat))
            line = (f"{name:<12}{str(shape):>13}{r['torch']:>10.2f}{r['face']:>10.2f}"
                    f"{r['kernel']:>10.2f}")
            if kb:
                kbf = getattr(kb, name)
                before = median_us(functools.partial(kbf, a, 1), a.size, args.repeat)
                line += f"{before:>15.2f}"
            print(line + f"{r['face'] / r['torch']:>9.2f}")


if __name__ == "__main__":
    main()
