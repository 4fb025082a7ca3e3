"""bench_gpu.py's nn-layer and training-step rows: the same code as bench_nn.py's layers and
bench_train.py's steps, timed by bench_gpu's rule on each contender's GPU device.

Layers (ms per forward, and per forward + backward, each ending with a value on the host):
conv2d, batch_norm, layer_norm, attention, lstm, transformer (bench_nn.py's shapes). Training
steps (ms per optimizer step, ending with the loss on the host): MLP and small CNN with
SGD(momentum) and Adam (bench_train.py's rows).
"""
from __future__ import annotations

import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import bench_nn  # noqa: E402
import bench_train  # noqa: E402


def _median_ms(fn, repeats: int, warmup: int = 3) -> float:
    """Median wall ms of ``fn()`` (which ends by reading a value back), after ``warmup``
    calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(max(repeats, 5)):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def model_rows(lib: str, repeats: int, record, guard) -> None:
    """Record the nn-layer and training-step rows of ``lib`` ("torch" or "trueno") through
    bench_gpu's ``record``/``guard`` (which apply ``--only`` and report a failing row)."""
    T, dev = bench_nn._import(lib, "gpu")
    for name in bench_nn.ROWS:
        def layer(name=name):
            fns = bench_nn._prepare(T, dev, name)
            record(f"nn {name} fwd", "ms", _median_ms(fns["fwd"], repeats))
            record(f"nn {name} fwd+bwd", "ms", _median_ms(fns["fwd_bwd"], repeats))
        guard(f"nn {name} fwd", "ms", layer)
    for model_name, opt_name in bench_train.ROWS:
        if model_name not in ("mlp", "cnn"):
            continue

        def train(model_name=model_name, opt_name=opt_name):
            model, opt, x, y = bench_train.make_row(T, model_name, opt_name, dev)
            step = bench_train._step_fn(model, opt, T.nn.CrossEntropyLoss(), x, y)
            record(f"train {model_name} {opt_name}", "ms",
                   _median_ms(lambda: float(step().detach()), repeats * 4,
                              bench_train.WARMUP))
        guard(f"train {model_name} {opt_name}", "ms", train)
