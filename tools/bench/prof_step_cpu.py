"""Where a CPU training step's time goes, trueno.torch next to torch (issue 17).

Prints, for each library, the median process CPU time of each phase of ``bench_train``'s
step (zero_grad, forward, loss, backward, optimizer step) on one thread; with ``--profile``
also trueno's cProfile (sorted by ``--sort``) over the timed steps.

    BENCH_THREADS=1 python tools/bench/prof_step_cpu.py --model mlp --opt SGD --steps 300
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_train import make_row  # noqa: E402

PHASES = ("zero_grad", "forward", "loss", "backward", "step", "total")


def phases(lib: str, model_name: str, opt_name: str, steps: int,
           profile: cProfile.Profile | None = None) -> dict:
    """Median microseconds of each phase over ``steps`` steps (after 5 warm-up steps)."""
    if lib == "torch":
        import torch as T
    else:
        import trueno.torch as T
    T.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))
    model, opt, x, y = make_row(T, model_name, opt_name, "cpu")
    loss_fn = T.nn.CrossEntropyLoss()
    tm = time.process_time
    res: dict = {k: [] for k in PHASES}
    for i in range(steps + 5):
        if profile is not None and i == 5:
            profile.enable()
        t0 = tm()
        opt.zero_grad()
        t1 = tm()
        out = model(x)
        t2 = tm()
        loss = loss_fn(out, y)
        t3 = tm()
        loss.backward()
        t4 = tm()
        opt.step()
        t5 = tm()
        if i >= 5:
            for k, v in zip(PHASES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t5 - t0)):
                res[k].append(v * 1e6)
    if profile is not None:
        profile.disable()
    return {k: statistics.median(v) for k, v in res.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="mlp", choices=("mlp", "cnn", "lstm"))
    ap.add_argument("--opt", default="SGD", choices=("SGD", "Adam"))
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3, help="rounds; medians of the rounds")
    ap.add_argument("--profile", action="store_true", help="cProfile trueno's last round")
    ap.add_argument("--sort", default="tottime")
    a = ap.parse_args()
    rows: dict = {"torch": [], "trueno": []}
    prof = None
    for r in range(a.rounds):
        for lib in rows:
            if lib == "trueno" and a.profile and r == a.rounds - 1:
                prof = cProfile.Profile()
                rows[lib].append(phases(lib, a.model, a.opt, a.steps, prof))
            else:
                rows[lib].append(phases(lib, a.model, a.opt, a.steps))
    med = {lib: {k: statistics.median(d[k] for d in v) for k in PHASES}
           for lib, v in rows.items() if v}
    print(f"{a.model} {a.opt}, process CPU us per phase (median of {a.steps} steps, median "
          f"of {a.rounds} rounds{'; the profiled round is included' if a.profile else ''})")
    print(f"{'phase':10s} {'trueno':>9s} {'torch':>9s} {'ratio':>6s}")
    for k in PHASES:
        t, p = med["trueno"][k], med["torch"][k]
        print(f"{k:10s} {t:9.1f} {p:9.1f} {t / p if p else float('nan'):6.2f}")
    if prof is not None:
        pstats.Stats(prof).sort_stats(a.sort).print_stats(40)


if __name__ == "__main__":
    main()
