"""A/B of bench_train's training step host time between source trees: each tree's packages
run in their own child processes (``PYTHONPATH`` puts the tree's ``packages/*/src`` first),
alternated round by round, so that a busy machine hits both alike.

Not a test. Each child builds the row (``make_row``), warms up, then times ``--steps`` steps:
the host record time (``step()`` returning, before the loss's download) as this thread's CPU
time, which on lavapipe is the proxy for the H100's host time. Prints each round's medians
and the median over rounds per tree, with the ratio to the first tree.

    python tools/bench/ab_step_cnn.py base=/tmp/base new=/work/main [--row cnn] [--opt SGD]
        [--batch 2] [--rounds 6] [--steps 30] [--after "add 1K" ...] [--warm]

A tree is a directory holding ``packages/`` (e.g. ``git archive <commit> packages | tar -x
-C /tmp/base``). ``--after`` first runs bench_gpu.py's rows of those names (its ``--only``
words) in the child (after ``gc.freeze()``, as its child process does), as ``bench_gpu.py``
does before its train rows. ``--warm`` times a step recorded right after another (no
download between): on lavapipe the download's wait runs the step's kernels on this machine's
cores, and the next step's first ops then run with cold CPU caches (~0.5 ms of a 2 ms step),
a cost the H100's host does not have. ``gc`` in the output counts the cyclic collections in
the timed steps, ``bind-group misses`` the bind groups they created (0 once the pool's
buffers recur).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys

_CHILD = r"""
import gc, json, statistics, sys, time
sys.path.insert(0, {bench!r})
import trueno.torch as T
from bench_train import _step_fn, make_row
after = {after!r}
if after:  # bench_gpu's child: gc.freeze() after the imports, then its rows
    import argparse
    import bench_gpu
    gc.collect()
    gc.freeze()
    ran = bench_gpu.run_rows(bench_gpu.Trueno(), argparse.Namespace(
        only=after, repeats=3, full=False), False)
import trueno_gpu._runtime as R
misses = [0]
_bg = R.Runtime._bind_group


def _counted(self, *a):
    misses[0] += 1
    return _bg(self, *a)


R.Runtime._bind_group = _counted
model, opt, x, y = make_row(T, {row!r}, {opt!r}, "gpu", {batch})
step = _step_fn(model, opt, T.nn.CrossEntropyLoss(), x, y)
for _ in range(8):  # (held as in the timed loop: the pool's buffers settle into one pattern)
    loss = step()
    float(loss.detach())
misses[0] = 0
gcs = []
gc.callbacks.append(lambda phase, info: gcs.append(phase) if phase == "start" else None)
cpu = []
for _ in range({steps}):
    if {warm}:  # a step recorded right after another, no download between
        step()
    c0 = time.thread_time()
    loss = step()
    cpu.append(time.thread_time() - c0)
    float(loss.detach())
rt = R.get_runtime(0)
print("RESULT", json.dumps({{"cpu": statistics.median(cpu), "gc": len(gcs),
                            "misses": misses[0] / {steps}, "rows": len(ran) if after else 0,
                            "cache": len(rt._bind_groups)}}))
"""


def _child(tree: pathlib.Path, args) -> dict:
    # (trueno-simd is a compiled, non-editable install: a tree's sources would shadow its
    # built extension, and the plugin would be skipped)
    srcs = sorted(str(p) for p in (tree / "packages").glob("*/src")
                  if p.parent.name != "trueno-simd")
    # the tree's sources first, then what the caller's PYTHONPATH holds (a device machine
    # keeps wgpu and the other dependencies there); a source tree's trueno-gpu has no built
    # _crecord, so its children time the Python record path
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        srcs + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    code = _CHILD.format(bench=str(pathlib.Path(__file__).resolve().parent), row=args.row,
                         opt=args.opt, batch=args.batch, steps=args.steps, warm=args.warm,
                         after=args.after or [])
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise SystemExit(f"child of {tree} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")


def main(argv: list[str]) -> None:
    """Parse ``name=tree`` pairs and the options, run the rounds, print the table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("trees", nargs="+", help="name=path of a tree holding packages/")
    ap.add_argument("--row", default="cnn")
    ap.add_argument("--opt", default="SGD")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--after", nargs="*", help="bench_gpu.py --only words run first")
    ap.add_argument("--warm", action="store_true",
                    help="time the second of two steps recorded back to back")
    args = ap.parse_args(argv)
    trees = [(n, pathlib.Path(p)) for n, p in (t.split("=", 1) for t in args.trees)]
    res: dict = {n: [] for n, _ in trees}
    print(f"{args.row} {args.opt} batch {args.batch}: host record, thread CPU ms (median of "
          f"{args.steps} steps per process{', each after another step' if args.warm else ''})")
    for r in range(args.rounds):
        line = []
        for name, tree in trees:
            got = _child(tree, args)
            res[name].append(got["cpu"])
            line.append(f"{name} {got['cpu'] * 1e3:.3f} (gc {got['gc']}, bind-group misses "
                        f"{got['misses']:.1f}/step, cached {got['cache']}"
                        + (f", {got['rows']} rows before" if args.after else "") + ")")
        print(f"round {r + 1}: " + "   ".join(line), flush=True)
    first = statistics.median(res[trees[0][0]])
    for name, _ in trees:
        m = statistics.median(res[name])
        print(f"{name:>10}: median {m * 1e3:.3f} ms   / {trees[0][0]}: {m / first:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
