"""Bind-group cache misses per training step, and what they cost: bench_train's rows on the GPU,
step by step from the first, each step's misses (``Runtime._bind_group`` calls whose (layout,
buffers) key is not cached), host record time (``step()`` returning; this thread's CPU time)
and total (with the loss's download), with the pool's free lists as they are (each size class
kept in a fixed order, by id, so the same set of free buffers hands out the same buffer
whatever order they were freed in) and, for comparison, in free order (``BufferPool._collect``
appending, as before the fixed order: a patch in the child process only).

    python tools/bench/probe_bind_groups.py [--rows cnn,mlp] [--batch 64] [--steps 40]

Each configuration runs in its own child process. Prints per row: misses per step, and the
median host record / total over bench_train's window (steps 4-10: 3 warm-ups, 7 timed) and
over the last 10 steps.
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))


def _free_order_pool() -> None:
    import trueno_gpu._pool as P

    def _collect(self) -> None:
        released = self._released
        while released:
            buf = released.popleft()
            cls = buf._size
            self._allocated -= cls
            if buf._internal is None:
                self.reserved -= cls
                continue
            self._free.setdefault(cls, []).append(buf)

    P.BufferPool._collect = _collect


def child(row: str, opt: str, batch: int, steps: int, canon: bool) -> None:
    """One row, one configuration: print one line of results."""
    if not canon:
        _free_order_pool()
    import trueno.torch as T
    import trueno_gpu._runtime as R
    from bench_train import _step_fn, make_row

    model, optim, x, y = make_row(T, row, opt, "gpu", batch)
    step = _step_fn(model, optim, T.nn.CrossEntropyLoss(), x, y)
    real = R.Runtime._bind_group
    miss = [0]

    def counted(self, bgl, buffers):
        if (bgl, *buffers) not in self._bind_groups:
            miss[0] += 1
        return real(self, bgl, buffers)

    R.Runtime._bind_group = counted
    misses, host, total = [], [], []
    for _ in range(steps):
        miss[0] = 0
        t0, c0 = time.perf_counter(), time.thread_time()
        loss = step()
        c1 = time.thread_time()
        float(loss.detach())
        total.append(time.perf_counter() - t0)
        host.append(c1 - c0)
        misses.append(miss[0])

    def med(v, a, b):
        return statistics.median(v[a:b]) * 1e3

    print(f"{row} {opt:<4} {'by id' if canon else 'freed':<5} | misses {' '.join(map(str, misses))}"
          f"\n    steps 4-10: host {med(host, 3, 10):.3f} ms, total {med(total, 3, 10):.3f} ms"
          f" | last 10: host {med(host, -10, None):.3f} ms, total {med(total, -10, None):.3f} ms",
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", default="cnn,mlp")
    ap.add_argument("--batch", type=int, default=0, help="0: each row's own batch size")
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--child", nargs=4, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        row, opt, batch, canon = a.child
        child(row, opt, int(batch), a.steps, canon == "1")
        return
    for row in a.rows.split(","):
        for opt in ("SGD", "Adam"):
            for canon in ("0", "1"):
                subprocess.run([sys.executable, __file__, "--steps", str(a.steps), "--child",
                                row, opt, str(a.batch), canon], check=False)


if __name__ == "__main__":
    main()
