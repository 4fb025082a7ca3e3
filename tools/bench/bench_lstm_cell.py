"""The LSTM on the GPU: bench_nn's lstm row (LSTM(64, 128, batch_first=True) on (16, 50, 64),
float32, train mode) with trueno-gpu, the forward alone and forward + backward
(``out.sum().backward()``), beside PyTorch CUDA where it is installed with a GPU; ``--mode
GRU`` times the GRU of the same sizes.

Not a test. Per call it prints the median wall time, the calling thread's CPU time (the
host's share: Python, recording, submission) and trueno's kernel launches (the runtime's
dispatch counter), and the launches per time step; ``--sizes`` takes other (batch, steps,
input, hidden) shapes. Each phase is warmed up twice (pipeline compilation, buffer pool),
then timed ``--repeats`` times; the table reports medians, the trueno/torch ratio last.

    python tools/bench/bench_lstm_cell.py [--repeats 7] [--sizes 16,50,64,128 ...]
        [--mode LSTM|GRU]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def _phases(T, dev: str, mode: str, batch: int, steps: int, inp: int, hid: int, sync):
    """The forward and forward+backward closures, each done when a value is on the host."""
    T.manual_seed(0)
    model = getattr(T.nn, mode)(inp, hid, batch_first=True).to(dev).train()
    rng = np.random.default_rng(0)
    x = T.tensor(rng.standard_normal((batch, steps, inp)).astype(np.float32)).to(dev)
    x.requires_grad_()

    def forward():
        y = model(x)[0]
        float(y[0, 0, 0].detach())
        sync()

    def forward_backward():
        model.zero_grad(set_to_none=True)
        x.grad = None
        model(x)[0].sum().backward()
        float(next(model.parameters()).grad.reshape(-1)[0])
        sync()
    return {"fwd": forward, "fwd+bwd": forward_backward}


def _time(fn, repeats: int, count=None):
    """Medians of wall ms, thread-CPU ms and launches (``count()`` before and after)."""
    for _ in range(2):
        fn()
    wall, cpu, launches = [], [], []
    for _ in range(repeats):
        n0 = count() if count else 0
        t0, c0 = time.perf_counter(), time.thread_time()
        fn()
        cpu.append((time.thread_time() - c0) * 1e3)
        wall.append((time.perf_counter() - t0) * 1e3)
        launches.append((count() - n0) if count else 0)
    return statistics.median(wall), statistics.median(cpu), statistics.median(launches)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--sizes", nargs="*", default=["16,50,64,128"],
                    metavar="BATCH,STEPS,INPUT,HIDDEN")
    ap.add_argument("--mode", choices=["LSTM", "GRU"], default="LSTM")
    args = ap.parse_args()

    import trueno.torch as tt
    from trueno_gpu import _runtime
    rt = _runtime.get_runtime(0)
    try:
        import torch
        cuda = torch.cuda.is_available()
    except ImportError:  # pragma: no cover - torch is optional here
        cuda = False
    print(f"{args.mode}: trueno-gpu on {rt.name}; torch CUDA: {'yes' if cuda else 'no'}")
    print(f"{'shape (N,T,I,H)':<18} {'phase':<8} {'trueno ms':>10} {'host CPU ms':>12} "
          f"{'launches':>9} {'/step':>6} {'torch ms':>9} {'ratio':>7}")
    for spec in args.sizes:
        batch, steps, inp, hid = (int(v) for v in spec.split(","))
        ours = _phases(tt, "gpu", args.mode, batch, steps, inp, hid, rt.synchronize)
        theirs = _phases(torch, "cuda", args.mode, batch, steps, inp, hid,
                         torch.cuda.synchronize) if cuda else None
        for phase, fn in ours.items():
            wall, cpu, n = _time(fn, args.repeats, lambda: rt.dispatches)
            ref = _time(theirs[phase], args.repeats)[0] if theirs else None
            tail = f"{ref:9.3f} {wall / ref:7.1f}" if ref else f"{'-':>9} {'-':>7}"
            print(f"{spec:<18} {phase:<8} {wall:10.3f} {cpu:12.3f} {n:9.0f} "
                  f"{n / steps:6.1f} {tail}", flush=True)


if __name__ == "__main__":
    main()
