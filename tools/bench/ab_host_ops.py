"""Probe (not a test): the host cost of small GPU ops at a git revision vs the working tree,
side by side, in alternated child processes (thread-CPU us/op: a shared, noisy host hits both
sides alike).

The revision's trueno (core) and trueno_gpu sources are laid out in a temporary directory (the
working tree's packages with every file that differs at ``--rev`` replaced by its text there)
and put first on ``PYTHONPATH`` for the "old" children. Each child times the rows (1K float32 on
the GPU; 200 ops, then a sync) and reports per row the median and minimum of its runs of the
recording alone and the median with the sync's share; the table gives the median over the
children of each side (the minimum for "min").

    python tools/bench/ab_host_ops.py [--rev HEAD~3] [--procs 7] [--runs 11]
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCES = {"trueno": "packages/trueno-core/src/trueno",
           "trueno_gpu": "packages/trueno-gpu/src/trueno_gpu"}


def _snapshot(rev: str, dest: pathlib.Path) -> int:
    """Lay out the packages of ``rev`` under ``dest``; returns how many files differ."""
    changed = 0
    for name, src in SOURCES.items():
        shutil.copytree(ROOT / src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        diff = subprocess.run(["git", "diff", "--name-status", rev, "--", src], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout
        for line in diff.splitlines():
            status, path = line.split("\t")[0], line.split("\t")[-1]
            target = dest / name / pathlib.Path(path).relative_to(src)
            if status.startswith("A"):  # new in the working tree: absent at rev
                target.unlink(missing_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT,
                                                  capture_output=True, check=True).stdout)
            changed += 1
    return changed


def _child(runs: int) -> None:
    import collections
    import time

    import numpy as np

    import trueno as tn
    import trueno.torch as T
    import trueno_gpu

    h = np.random.default_rng(0).random(1024, dtype=np.float32)
    a, b = T.from_numpy(h).to("gpu"), T.from_numpy(h[::-1].copy()).to("gpu")
    an, bn = tn.asarray(h).to_device("gpu"), tn.asarray(h[::-1].copy()).to_device("gpu")
    held = collections.deque(maxlen=8)
    st = {"y": a, "i": 0}

    def chain_t():
        y = st["y"]
        st["y"] = y * b if st["i"] & 1 else y + b
        st["i"] += 1

    def chain_u():
        y, i = st["y"], st["i"] % 3
        st["y"] = y * b if i == 0 else (y.relu() if i == 1 else -y)
        st["i"] += 1
    rows = {"a + b, freed": lambda: a + b, "a + b, 8 held": lambda: held.append(a + b),
            "np a + b, freed": lambda: an + bn, "-a": lambda: -a, "np -a": lambda: -an,
            "abs(a)": lambda: abs(a), "a.relu()": lambda: a.relu(), "a.exp()": lambda: a.exp(),
            "chain y*b/y+b": chain_t, "chain mul/relu/neg": chain_u}
    clock = time.thread_time_ns
    out = {}
    for name, fn in rows.items():
        for _ in range(20):
            fn()
        rec, tot = [], []
        for _ in range(runs):
            st["y"], st["i"] = a, 0
            trueno_gpu.synchronize()
            t0 = clock()
            for _ in range(200):
                fn()
            t1 = clock()
            trueno_gpu.synchronize()
            rec.append((t1 - t0) / 200e3)
            tot.append((clock() - t0) / 200e3)
        out[name] = (statistics.median(rec), min(rec), statistics.median(tot))
    print("JSON" + json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rev", default="HEAD")
    ap.add_argument("--procs", type=int, default=7, help="child processes per side")
    ap.add_argument("--runs", type=int, default=11, help="runs of 200 ops per child")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.runs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        n = _snapshot(args.rev, pathlib.Path(tmp))
        print(f"old: {args.rev} ({n} files differ in trueno, trueno_gpu); new: the working tree")
        res = {"old": [], "new": []}
        for i in range(args.procs):
            for side in (("old", "new") if i % 2 == 0 else ("new", "old")):
                env = dict(os.environ)
                if side == "old":
                    env["PYTHONPATH"] = os.pathsep.join(filter(None, (tmp, env.get("PYTHONPATH"))))
                p = subprocess.run([sys.executable, __file__, "--child", "--runs",
                                    str(args.runs)], env=env, capture_output=True, text=True)
                line = [x for x in p.stdout.splitlines() if x.startswith("JSON")]
                if not line:
                    sys.exit(f"{side} child failed:\n{p.stderr[-3000:]}")
                res[side].append(json.loads(line[0][4:]))
    med = statistics.median
    print(f"thread-CPU us/op, {args.procs} children per side (each {args.runs} runs of 200 ops)")
    print(f"{'row':<20} {'old':>7} {'new':>7} {'new/old':>7} {'old min':>7} {'new min':>7} "
          f"{'new/old':>7} {'old+sync':>8} {'new+sync':>8} {'new/old':>7}")
    for row in res["old"][0]:
        o, w = [r[row] for r in res["old"]], [r[row] for r in res["new"]]
        c = [(med([x[0] for x in o]), med([x[0] for x in w])),
             (min(x[1] for x in o), min(x[1] for x in w)),
             (med([x[2] for x in o]), med([x[2] for x in w]))]
        print(f"{row:<20} " + " ".join(f"{u:7.2f} {v:7.2f} {v / u:7.2f}" for u, v in c),
              flush=True)


if __name__ == "__main__":
    main()
