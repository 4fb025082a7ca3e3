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

``--pure`` compares the working tree with ``TRUENO_PURE_PYTHON=1`` (no C extensions) instead
of a revision. ``--c-record`` instead times the working tree's ``record_new`` in C against its
Python method (trueno_gpu._crecord, issue 18) in one process, alternated round by round, and with
``--step cnn SGD 64`` also a training step's host record time (thread CPU of ``step()``):

    python tools/bench/ab_host_ops.py --c-record [--rounds 7] [--runs 5] [--step cnn SGD 64]
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


def _rows() -> tuple[dict, dict, object]:
    """The timed rows (1K float32 on the GPU), their chain state and the chains' start."""
    import collections

    import numpy as np

    import trueno as tn
    import trueno.torch as T

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
            "np a + b, freed": lambda: an + bn, "a * 2.0": lambda: a * 2.0,
            "-a": lambda: -a, "np -a": lambda: -an,
            "abs(a)": lambda: abs(a), "a.relu()": lambda: a.relu(), "a.exp()": lambda: a.exp(),
            "chain y*b/y+b": chain_t, "chain mul/relu/neg": chain_u}
    return rows, st, a


def _time_row(fn, st: dict, start, runs: int) -> tuple[float, float, float]:
    """(median, min) us/op of recording 200 ``fn()`` and the median with the sync's share."""
    import time

    import trueno_gpu

    clock = time.thread_time_ns
    rec, tot = [], []
    for _ in range(runs):
        st["y"], st["i"] = start, 0
        trueno_gpu.synchronize()
        t0 = clock()
        for _ in range(200):
            fn()
        t1 = clock()
        trueno_gpu.synchronize()
        rec.append((t1 - t0) / 200e3)
        tot.append((clock() - t0) / 200e3)
    return statistics.median(rec), min(rec), statistics.median(tot)


def _child(runs: int) -> None:
    rows, st, a = _rows()
    out = {}
    for name, fn in rows.items():
        for _ in range(20):
            fn()
        out[name] = _time_row(fn, st, a, runs)
    print("JSON" + json.dumps(out))


def _c_record(runs: int, rounds: int, step_args: list[str]) -> None:
    """The working tree's record_new in C vs in Python (``_record.use_c_record``), alternated
    round by round in this process: thread-CPU us/op of each row (medians over the rounds of
    each round's median), and with ``--step`` a training step's host record time."""
    import time

    import trueno_gpu
    from trueno_gpu import _record

    rt = trueno_gpu.get_runtime(0)
    if not _record.use_c_record(rt, True):
        sys.exit("trueno_gpu._crecord is not built (pip install -e packages/trueno-gpu)")
    rows, st, a = _rows()
    res = {(n, m): [] for n in rows for m in ("py", "C")}
    step = None
    if step_args:
        import trueno.torch as T

        sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
        from bench_train import _step_fn, make_row

        name, optn, batch = (step_args + ["cnn", "SGD", "64"][len(step_args):])[:3]
        model, opt, x, y = make_row(T, name, optn, "gpu", int(batch))
        step = _step_fn(model, opt, T.nn.CrossEntropyLoss(), x, y)
        row = f"{name} {optn} {batch} step record (ms)"
        res.update({(row, m): [] for m in ("py", "C")})
    for r in range(rounds):
        for mode in (("py", "C") if r % 2 == 0 else ("C", "py")):
            _record.use_c_record(rt, mode == "C")
            for name, fn in rows.items():
                for _ in range(20):
                    fn()
                res[(name, mode)].append(_time_row(fn, st, a, runs)[0])
            if step is not None:
                float(step().detach())  # outside the timing: the mode's first step
                cs = []
                for _ in range(3):
                    c0 = time.thread_time()
                    loss = step()
                    cs.append((time.thread_time() - c0) * 1e3)
                    float(loss.detach())
                res[(row, mode)].append(statistics.median(cs))
    _record.use_c_record(rt, True)
    med = statistics.median
    print(f"record_new/record/planned kernels in Python vs C: thread-CPU us/op ({rounds} rounds "
          f"alternated, each the median of {runs} runs of 200 ops then a sync; a step row: ms, "
          f"3 steps a round)")
    print(f"{'row':<28} {'python':>8} {'C':>8} {'C/py':>6}")
    for name in dict.fromkeys(n for n, _ in res):
        p, c = med(res[(name, "py")]), med(res[(name, "C")])
        print(f"{name:<28} {p:8.2f} {c:8.2f} {c / p:6.2f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rev", default="HEAD")
    ap.add_argument("--procs", type=int, default=7, help="child processes per side")
    ap.add_argument("--runs", type=int, default=11, help="runs of 200 ops per child")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--c-record", action="store_true",
                    help="record_new in C vs Python, in this process (no --rev)")
    ap.add_argument("--pure", action="store_true",
                    help="old: the working tree with TRUENO_PURE_PYTHON=1 (no C extensions)")
    ap.add_argument("--rounds", type=int, default=7, help="--c-record: alternated rounds")
    ap.add_argument("--step", nargs="*", metavar="ARG",
                    help="--c-record: also time a step: [cnn|mlp] [SGD|Adam] [batch]")
    args = ap.parse_args()
    if args.child:
        _child(args.runs)
        return
    if args.c_record:
        _c_record(args.runs, args.rounds, args.step if args.step is not None else [])
        return
    with tempfile.TemporaryDirectory() as tmp:
        if args.pure:
            print("old: the working tree, TRUENO_PURE_PYTHON=1; new: the working tree")
        else:
            n = _snapshot(args.rev, pathlib.Path(tmp))
            print(f"old: {args.rev} ({n} files differ in trueno, trueno_gpu); new: the working "
                  f"tree")
        res = {"old": [], "new": []}
        for i in range(args.procs):
            for side in (("old", "new") if i % 2 == 0 else ("new", "old")):
                env = dict(os.environ)
                if side == "old" and args.pure:
                    env["TRUENO_PURE_PYTHON"] = "1"
                elif side == "old":
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
