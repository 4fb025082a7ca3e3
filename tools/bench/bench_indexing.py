"""Scalar element indexing and iteration on the NumPy face: ``a[i]``, ``a[i, j]``,
``a[i, j, k]``, ``a[-1]``, ``a[np.int64(i)]``, ``for x in a`` and ``a[i] = v``, trueno side by
side with NumPy in one run, in nanoseconds per element, with the ratio (goal: within 1.5x).

Not a test: it prints a table (best of interleaved repeats, so that machine noise hits both
contenders alike) and writes JSON with --json.

    python tools/bench/bench_indexing.py [--json indexing.json] [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import timeit

import numpy as np

import trueno as tn


def _cases():
    n1 = np.arange(1000.0)
    n2 = np.arange(1000.0).reshape(40, 25)
    n3 = np.arange(1000.0).reshape(10, 10, 10)
    ni = np.arange(1000, dtype=np.int32)
    small = np.arange(100.0)
    return [
        ("a[3] (1-d float64)", n1, "a[3]", 1),
        ("a[-1] (1-d float64)", n1, "a[-1]", 1),
        ("a[np.int64(3)]", n1, "a[i64]", 1),
        ("a[3] (1-d int32)", ni, "a[3]", 1),
        ("a[1, 2] (2-d)", n2, "a[1, 2]", 1),
        ("a[1, 2, 3] (3-d)", n3, "a[1, 2, 3]", 1),
        ("a[3] (row of 2-d)", n2, "a[3]", 1),
        ("a[3] = 1.5", n1, "a[3] = 1.5", 1),
        ("for x in a (100 elements)", small, "for x in a: pass", 100),
    ]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--repeat", type=int, default=25)
    ap.add_argument("--number", type=int, default=5000)
    args = ap.parse_args(argv)
    rows = []
    print(f"{'case':28s} {'trueno ns':>10s} {'numpy ns':>10s} {'ratio':>7s}")
    for name, n, stmt, per in _cases():
        t = tn.asarray(n.copy())
        envs = {"trueno": {"a": t, "i64": np.int64(3)},
                "numpy": {"a": n.copy(), "i64": np.int64(3)}}
        number = max(1, args.number // per)
        best = {"trueno": float("inf"), "numpy": float("inf")}
        for _ in range(args.repeat):  # interleaved
            for who, env in envs.items():
                dt = timeit.timeit(stmt, globals=env, number=number) / number / per
                best[who] = min(best[who], dt)
        tns, nns = best["trueno"] * 1e9, best["numpy"] * 1e9
        rows.append({"case": name, "trueno_ns": round(tns, 1), "numpy_ns": round(nns, 1),
                     "ratio": round(tns / nns, 2)})
        print(f"{name:28s} {tns:10.1f} {nns:10.1f} {tns / nns:7.2f}")
    res = {"numpy": np.__version__, "rows": rows}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
    return res


if __name__ == "__main__":
    main()
