"""Probe (not a test): does work done earlier in a process slow a later training step?

bench_gpu.py times its training rows after its other rows, in one process; on an H100 its CNN
SGD row read 7.2 ms where bench_train.py's fresh process read 2.9. This times bench_train's
step (host record ms: ``step()`` returning; total ms: with the loss on the host; this
thread's CPU ms) fresh, then after running bench_gpu's rows selected by ``--after`` (its own
code, in this process), then again with the cyclic GC off, with per-step submissions,
bind-group cache misses, new pool buffers and GC collections.

    python tools/bench/probe_step_context.py [--model cnn] [--opt SGD] [--batch 64]
        [--steps 20] [--after "add 1K" chain "nn " ...]
"""
from __future__ import annotations

import argparse
import gc
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import bench_gpu  # noqa: E402
import bench_train  # noqa: E402

import trueno.torch as T  # noqa: E402
from trueno_gpu import _runtime as R  # noqa: E402


class _Counters:
    """Bind-group misses (a wrapped ``_bind_group``) and GC collections, per step."""

    def __init__(self, rt) -> None:
        self.rt, self.misses, self.gc = rt, 0, [0, 0, 0]
        cls = type(rt)
        real = cls._bind_group

        def counted(this, bgl, buffers):
            if (bgl, *buffers) not in this._bind_groups:
                self.misses += 1
            return real(this, bgl, buffers)
        cls._bind_group = counted
        gc.callbacks.append(self._gc)

    def _gc(self, phase, info) -> None:
        if phase == "stop":
            self.gc[info["generation"]] += 1


def _steps(label: str, args, counters) -> None:
    rt = counters.rt
    model, opt, x, y = bench_train.make_row(T, args.model, args.opt, "gpu", batch=args.batch)
    step = bench_train._step_fn(model, opt, T.nn.CrossEntropyLoss(), x, y)
    for _ in range(bench_train.WARMUP):  # the timed loop's pattern: a loss held one step
        loss = step()
        float(loss.detach())
    rows = []
    counters.gc = [0, 0, 0]
    for _ in range(args.steps):
        counters.misses = 0
        subs, reserved = rt.submissions, rt.pool.reserved
        t0, c0 = time.perf_counter(), time.thread_time()
        loss = step()
        t1, c1 = time.perf_counter(), time.thread_time()
        float(loss.detach())
        t2 = time.perf_counter()
        rows.append(((t1 - t0) * 1e3, (t2 - t0) * 1e3, (c1 - c0) * 1e3, rt.submissions - subs,
                     counters.misses, rt.pool.reserved - reserved))
    med = [statistics.median(r[i] for r in rows) for i in range(4)]
    print(f"{label:<28} record {med[0]:6.3f}  total {med[1]:6.3f}  cpu {med[2]:6.3f} ms;"
          f" subs {med[3]:.0f}; misses/step {max(r[4] for r in rows)} max,"
          f" {sum(r[4] for r in rows)} all; new pool bytes {sum(r[5] for r in rows)};"
          f" gc {counters.gc}; cached bind groups {len(rt._bind_groups)}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="cnn")
    ap.add_argument("--opt", default="SGD")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3, help="bench_gpu's --repeats")
    ap.add_argument("--after", nargs="*", default=["add 1K", "chain", "sum (", "nn "])
    args = ap.parse_args()
    be = bench_gpu.Trueno()
    rt = R.get_runtime(0)
    counters = _Counters(rt)
    print(f"adapter: {rt.name}; submit_every {rt.submit_every}")
    _steps("fresh", args, counters)
    gc.collect()
    gc.freeze()  # as bench_gpu's child does before its rows
    ns = argparse.Namespace(only=args.after, repeats=args.repeats)
    t0 = time.perf_counter()
    bench_gpu.run_rows(be, ns, big=rt.info.get("adapter_type") != "CPU")
    print(f"(bench_gpu rows {args.after}: {time.perf_counter() - t0:.1f} s)")
    _steps("after bench_gpu rows", args, counters)
    gc.disable()
    _steps("after, GC off", args, counters)
    gc.enable()
    rt.pool.empty_cache() if hasattr(rt.pool, "empty_cache") else None
    _steps("after, pool emptied", args, counters)


if __name__ == "__main__":
    main()
