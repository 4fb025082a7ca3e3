"""Host cost of one GPU training step of bench_train's rows, by phase (issue 17/18).

Not a test. Prints the dispatches and submissions of one step, then the median over
``--steps`` steps of each phase's time on this thread: zero_grad, forward, loss, backward,
optimizer step, and the whole record (``step()`` returning, before the loss's download),
and the total with the download. ``--clock thread`` (default) counts this thread's CPU time,
which other processes on a shared machine and the driver's threads (lavapipe runs the
"GPU" on the CPU) leave alone; ``--clock wall`` is what a user waits for.

    python tools/bench/prof_step_mlp.py                       # mlp SGD and Adam, batch 2
    python tools/bench/prof_step_mlp.py --rows mlp --batch 128 --clock wall
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_train import ROWS, make_row  # noqa: E402

PHASES = ("zero_grad", "forward", "loss", "backward", "step", "record", "total")


def _row(T, rt, model_name: str, opt_name: str, batch: int, steps: int, timer) -> dict:
    """Median seconds per phase of one row, and its dispatches and submissions per step."""
    model, opt, x, y = make_row(T, model_name, opt_name, "gpu", batch)
    loss_fn = T.nn.CrossEntropyLoss()
    rows = []
    counts = None
    for i in range(steps + 4):
        d0, s0 = rt.dispatches, rt.submissions
        t0 = timer()
        opt.zero_grad()
        t1 = timer()
        out = model(x)
        t2 = timer()
        loss = loss_fn(out, y)
        t3 = timer()
        loss.backward()
        t4 = timer()
        opt.step()
        t5 = timer()
        float(loss.detach())
        t6 = timer()
        if i == 3:
            counts = (rt.dispatches - d0, rt.submissions - s0)
        if i >= 4:  # after the warm-up (pipelines, pool, bind groups)
            rows.append((t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t5 - t0, t6 - t0))
    med = np.median(np.array(rows), axis=0)
    return {"phases": dict(zip(PHASES, med)), "dispatches": counts[0], "submissions": counts[1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", default="mlp")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--clock", choices=["thread", "wall"], default="thread")
    args = ap.parse_args()
    import trueno.torch as T
    import trueno_gpu

    rt = trueno_gpu.get_runtime(0)
    timer = time.thread_time if args.clock == "thread" else time.perf_counter
    words = [w.strip() for w in args.rows.split(",") if w.strip()]
    print(f"device {rt.name}; batch {args.batch}; median of {args.steps} steps, "
          f"{args.clock} clock, us; submit_every {rt.submit_every}")
    print("| row | " + " | ".join(PHASES) + " | dispatches | submissions |")
    print("|---" * (len(PHASES) + 3) + "|")
    for model_name, opt_name in ROWS:
        if words and not any(w in f"{model_name} {opt_name}" for w in words):
            continue
        r = _row(T, rt, model_name, opt_name, args.batch, args.steps, timer)
        cells = " | ".join(f"{r['phases'][p] * 1e6:.0f}" for p in PHASES)
        print(f"| {model_name} {opt_name} | {cells} | {r['dispatches']} | {r['submissions']} |")


if __name__ == "__main__":
    main()
