"""Sweep the GPU runtime's early-submission knob (``Runtime.submit_every``, env
``TRUENO_GPU_SUBMIT_EVERY``) over the GPU training-step rows of bench_train, in one process.

Not a test. For each k (0: one submission per step, at the loss's download; "lo-hi": from lo
pending dispatches on when the GPU is idle, at hi always) it prints the
median host record time (``step()`` returning, before the sync), the median total (the loss
on the host), and the dispatches and submissions per step. The k values are interleaved over
``--rounds`` rounds so drift hits each alike; medians are over every round's steps. Issue 18:
on a discrete GPU a k that lets the GPU run the forward while Python records the backward
shortens the total; each submission costs host time.

    python tools/bench/sweep_overlap.py                      # mlp SGD and Adam, batch 128
    python tools/bench/sweep_overlap.py --ks 0,8,16,8-16 --rows mlp,cnn --rounds 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_train import ROWS, _step_fn, make_row  # noqa: E402


def _setup(T, model_name: str, opt_name: str, batch: int | None):
    """The step function of one bench_train row on the GPU (its model, optimizer, data)."""
    model, opt, x, y = make_row(T, model_name, opt_name, "gpu", batch)
    return _step_fn(model, opt, T.nn.CrossEntropyLoss(), x, y)


def _measure(rt, step, k: str, steps: int) -> tuple[list, list, int, int]:
    """Host-record and total seconds of ``steps`` steps with ``submit_every = k``, and the
    dispatches and submissions of one step."""
    rt.submit_every = k
    for _ in range(3):  # warm-up at this k (buffers, bind groups)
        float(step().detach())
    d0, s0 = rt.dispatches, rt.submissions
    float(step().detach())
    disp, subs = rt.dispatches - d0, rt.submissions - s0
    hs, ts = [], []
    for _ in range(steps):
        t0 = time.perf_counter()
        loss = step()
        t1 = time.perf_counter()
        float(loss.detach())
        t2 = time.perf_counter()
        hs.append(t1 - t0)
        ts.append(t2 - t0)
    return hs, ts, disp, subs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ks", default="0,8,12,16,24,4-16,8-16,8-24",
                    help='comma-separated k ("lo-hi": from lo when the GPU is idle, at hi)')
    ap.add_argument("--rows", default="mlp", help="comma-separated words, as bench_train's")
    ap.add_argument("--batch", type=int, default=None, help="override the rows' batch size")
    ap.add_argument("--steps", type=int, default=20, help="timed steps per k and round")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    import trueno.torch as T
    import trueno_gpu

    ks = [k.strip() for k in args.ks.split(",") if k.strip()]
    words = [w.strip() for w in args.rows.split(",") if w.strip()]
    rows = [r for r in ROWS if not words or any(w in " ".join(r) for w in words)]
    rt = trueno_gpu.get_runtime(0)
    print(f"device: {rt.name}")
    saved = rt.submit_every
    for model_name, opt_name in rows:
        step = _setup(T, model_name, opt_name, args.batch)
        res = {k: ([], [], 0, 0) for k in ks}
        for _ in range(args.rounds):
            for k in ks:
                hs, ts, d, s = _measure(rt, step, k, args.steps)
                res[k][0].extend(hs)
                res[k][1].extend(ts)
                res[k] = (res[k][0], res[k][1], d, s)
        base = statistics.median(res[ks[0]][1])
        print(f"\n{model_name} {opt_name}" + (f" batch {args.batch}" if args.batch else "") +
              f": median of {args.steps * args.rounds} steps per k")
        print(f"| submit_every | host record ms | total ms | vs k={ks[0]} | dispatches "
              "| submissions |")
        print("|---|---|---|---|---|---|")
        for k in ks:
            hs, ts, d, s = res[k]
            h, t = statistics.median(hs) * 1e3, statistics.median(ts) * 1e3
            print(f"| {k} | {h:.3f} | {t:.3f} | {t / (base * 1e3):.2f}x | {d} | {s} |")
    rt.submit_every = saved


if __name__ == "__main__":
    main()
