"""Per-call overhead of ``a + b`` on 16 and 1,000 float32 elements: trueno (its default
backend and the reference backend) side by side with NumPy and PyTorch, in one run.

Not a test: it prints a table of median ns per call with ratios and writes JSON (--json).
Contenders' repeats are interleaved so that machine noise hits all of them alike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

import trueno as tn


def _time(fn, number: int) -> float:
    t0 = time.perf_counter_ns()
    for _ in range(number):
        fn()
    return (time.perf_counter_ns() - t0) / number


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", help="write results here")
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--number", type=int, default=20000)
    args = ap.parse_args()
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None
    rows = []
    for n in (16, 1000):
        x = np.random.default_rng(0).random(n, dtype=np.float32)
        a, b = tn.asarray(x), tn.asarray(x.copy())
        contenders = {"numpy": (lambda x=x: x + x)}
        contenders["trueno"] = lambda a=a, b=b: a + b

        def ref(a=a, b=b):
            return a + b
        if torch is not None:
            ta, tb = torch.from_numpy(x), torch.from_numpy(x.copy())
            contenders["torch"] = lambda ta=ta, tb=tb: ta + tb
        samples = {k: [] for k in contenders}
        samples["trueno-reference"] = []
        for _ in range(args.repeats):
            for k, fn in contenders.items():
                samples[k].append(_time(fn, args.number))
            with tn.use_backend("reference"):
                samples["trueno-reference"].append(_time(ref, args.number))
        med = {k: statistics.median(v) for k, v in samples.items()}
        spread = {k: (min(v), max(v)) for k, v in samples.items()}
        rows.append({"n": n, "median_ns": med, "spread_ns": spread})
        print(f"\na + b, {n} float32 elements (median ns per call, lower is better)")
        for k in samples:
            line = f"  {k:18s} {med[k]:9.0f} ns   (min {spread[k][0]:.0f}, max {spread[k][1]:.0f})"
            line += f"   {med[k] / med['numpy']:.2f}x NumPy"
            if "torch" in med:
                line += f", {med[k] / med['torch']:.2f}x PyTorch"
            print(line)
    print("\nbackends:", [(b["name"], b["priority"]) for b in tn.backends()])
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "backends": tn.backends()}, f, indent=2, default=str)


if __name__ == "__main__":
    main()
