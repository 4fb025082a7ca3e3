"""Layer time: trueno.nn (``trueno.torch.nn``) side by side with PyTorch, one script for both.

Not a test. Each row times one layer written once against the PyTorch API and run with
``import torch`` and with ``import trueno.torch``: the forward pass alone, and forward plus
backward (``out.sum().backward()``, gradients of the input and the parameters), in train mode,
float32. Rows (issue 16's benchmark):

- conv2d: Conv2d(16, 32, 3, padding=1) on (16, 16, 32, 32);
- batch_norm: BatchNorm2d(32) on (32, 32, 32, 32);
- layer_norm: LayerNorm(256) on (32, 128, 256);
- attention: MultiheadAttention(256, 8, batch_first=True), self-attention on (16, 64, 256);
- lstm: LSTM(64, 128, batch_first=True) on (16, 50, 64);
- transformer: Embedding(1000, 256) + TransformerEncoderLayer(256, 8, 1024,
  batch_first=True) on (16, 64) token ids.

``--device cpu`` (default) compares with PyTorch's CPU build using the same thread count
(``BENCH_THREADS``, default all cores), in one process, the two libraries' timed runs
alternating so that a change of the machine's load falls on both; ``--device gpu`` compares
trueno-gpu with PyTorch CUDA, each in its own child process, one after the other (as
tools/bench/bench_gpu.py does). Prints a table with the ratio trueno/PyTorch (below 1: trueno
faster); each time is the best of ``--repeats`` runs (on a shared machine the least disturbed
one; ``--json PATH`` writes the medians too).

``--clock thread`` (CPU only) times the CPU time of the calling thread instead of the wall
clock: on a loaded machine (other processes on the same cores) a wall-clock time with several
threads mostly measures how long the threads wait for a core, and it varies 10x from run to
run; the calling thread's CPU time does not. It counts all the work only when everything runs
on that thread, so it requires ``BENCH_THREADS=1`` and ``OPENBLAS_NUM_THREADS=1`` (NumPy's
BLAS, which trueno's CPU matmul calls for larger products, starts its own threads).

    python tools/bench/bench_nn.py [--device cpu|gpu] [--repeats 7] [--only conv2d lstm]
        [--clock wall|thread] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

ROWS = ["conv2d", "batch_norm", "layer_norm", "attention", "lstm", "transformer"]


def _layers(T):
    """Row name -> (module factory, input factory, output -> tensor to sum)."""
    nn = T.nn
    rng = np.random.default_rng(0)

    def floats(*shape):
        return lambda: T.tensor(rng.standard_normal(shape).astype(np.float32))

    class EmbeddingEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(1000, 256)
            self.enc = nn.TransformerEncoderLayer(256, 8, 1024, batch_first=True)

        def forward(self, ids):
            return self.enc(self.emb(ids))

    class SelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.mha = nn.MultiheadAttention(256, 8, batch_first=True)

        def forward(self, x):
            return self.mha(x, x, x, need_weights=False)[0]

    class LSTMOut(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(64, 128, batch_first=True)

        def forward(self, x):
            return self.lstm(x)[0]

    return {
        "conv2d": (lambda: nn.Conv2d(16, 32, 3, padding=1), floats(16, 16, 32, 32)),
        "batch_norm": (lambda: nn.BatchNorm2d(32), floats(32, 32, 32, 32)),
        "layer_norm": (lambda: nn.LayerNorm(256), floats(32, 128, 256)),
        "attention": (SelfAttention, floats(16, 64, 256)),
        "lstm": (LSTMOut, floats(16, 50, 64)),
        "transformer": (EmbeddingEncoder,
                        lambda: T.tensor(rng.integers(0, 1000, (16, 64)))),
    }


def _sync(T, dev: str) -> None:
    if dev == "cuda":
        T.cuda.synchronize()


def _import(lib: str, device: str):
    """The library's torch module and the device name it uses."""
    if lib == "torch":
        import torch as T
        dev = "cuda" if device == "gpu" else "cpu"
    else:
        import trueno.torch as T
        dev = device
    if device == "cpu":
        T.set_num_threads(int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1)))
    return T, dev


def _prepare(T, dev: str, name: str):
    """The forward and forward+backward closures of row ``name``, warmed up."""
    make, data = _layers(T)[name]
    T.manual_seed(0)
    model = make().to(dev).train()
    x = data().to(dev)
    if x.is_floating_point():
        x.requires_grad_()

    def forward():
        y = model(x)
        float(y[(0,) * y.ndim].detach())  # done when a value of it is on the host
        _sync(T, dev)

    def forward_backward():
        model.zero_grad(set_to_none=True)
        x.grad = None
        model(x).sum().backward()
        float(next(model.parameters()).grad.reshape(-1)[0])
        _sync(T, dev)
    for _ in range(2):  # warm-up: kernel caches, pipeline compilation, allocator
        forward()
        forward_backward()
    return {"fwd": forward, "fwd_bwd": forward_backward}


_CLOCK = time.perf_counter  # ``--clock thread``: time.thread_time


def _once_ms(fn) -> float:
    t0 = _CLOCK()
    fn()
    return (_CLOCK() - t0) * 1e3


def run_rows(libs: list[str], device: str, repeats: int, only: list[str]) -> dict:
    """Best and median ms of the forward and of forward+backward of every row, for each of
    ``libs``; with two libraries the timed runs alternate, so that a change of the machine's
    load falls on both."""
    mods = {lib: _import(lib, device) for lib in libs}
    out = {lib: {} for lib in libs}
    for name in ROWS:
        if only and name not in only:
            continue
        fns = {lib: _prepare(*mods[lib], name) for lib in libs}
        for key in ("fwd", "fwd_bwd"):
            times = {lib: [] for lib in libs}
            for _ in range(repeats):
                for lib in libs:
                    times[lib].append(_once_ms(fns[lib][key]))
            for lib in libs:
                row = out[lib].setdefault(name, {})
                row[key] = min(times[lib])
                row[f"{key}_median"] = statistics.median(times[lib])
        for lib in libs:
            r = out[lib][name]
            print(f"  {lib:<7} {name:<12} fwd {r['fwd']:9.3f} ms   fwd+bwd "
                  f"{r['fwd_bwd']:9.3f} ms", flush=True)
    return out


def _fmt(v) -> str:
    return f"{v:.2f}" if v else "failed"


def _child(lib: str, args) -> dict:
    cmd = [sys.executable, __file__, "--child", lib, "--device", args.device,
           "--repeats", str(args.repeats)] + (["--only", *args.only] if args.only else [])
    proc = subprocess.run(cmd, capture_output=True, text=True)
    sys.stdout.write("".join(ln + "\n" for ln in proc.stdout.splitlines()
                             if not ln.startswith("ROWS ")))
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("ROWS ")]
    if proc.returncode or not line:
        print(f"{lib} failed:\n{proc.stderr[-2000:]}")
        return {}
    return json.loads(line[0][5:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--only", nargs="*", default=[], metavar="ROW",
                    help=f"rows to run, of {', '.join(ROWS)} (default: all)")
    ap.add_argument("--clock", choices=["wall", "thread"], default="wall",
                    help="wall clock, or the calling thread's CPU time (CPU, 1 thread only)")
    ap.add_argument("--json", default=None)
    ap.add_argument("--child", choices=["torch", "trueno"], default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    unknown = sorted(set(args.only) - set(ROWS))
    if unknown:
        ap.error(f"unknown rows {unknown}; choose from {ROWS}")
    if args.clock == "thread":
        single = {k: os.environ.get(k) for k in ("BENCH_THREADS", "OPENBLAS_NUM_THREADS")}
        if args.device != "cpu" or any(v != "1" for v in single.values()):
            ap.error(f"--clock thread times the calling thread only: it needs --device cpu, "
                     f"BENCH_THREADS=1 and OPENBLAS_NUM_THREADS=1 (got {single})")
        global _CLOCK
        _CLOCK = time.thread_time
    if args.child:
        rows = run_rows([args.child], args.device, args.repeats, args.only)[args.child]
        print("ROWS " + json.dumps(rows))
        return
    if args.device == "cpu":  # one process, the two libraries' runs interleaved
        results = run_rows(["torch", "trueno"], "cpu", args.repeats, args.only)
    else:  # each in its own process (a CUDA context slows the Vulkan device down)
        results = {lib: _child(lib, args) for lib in ("torch", "trueno")}
    ref = "PyTorch CUDA" if args.device == "gpu" else "PyTorch CPU"
    threads = os.environ.get("BENCH_THREADS", os.cpu_count())
    clock = "wall clock" if args.clock == "wall" else "CPU time of the calling thread"
    print(f"\nlayer time, best of {args.repeats} (ms, {clock}); device {args.device}, "
          f"{threads} threads; ratio = trueno / {ref}")
    print(f"| row | trueno fwd | {ref} fwd | ratio | trueno fwd+bwd | {ref} fwd+bwd | ratio |"
          "\n|---|---|---|---|---|---|---|")
    table = []
    for name in ROWS:
        if args.only and name not in args.only:
            continue
        a, b = results["trueno"].get(name, {}), results["torch"].get(name, {})
        row = {"row": name}
        cells = []
        for key in ("fwd", "fwd_bwd"):
            x, y = a.get(key), b.get(key)
            ratio = x / y if x and y else None
            row.update({f"trueno_{key}_ms": x, f"torch_{key}_ms": y, f"{key}_ratio": ratio,
                        f"trueno_{key}_median_ms": a.get(f"{key}_median"),
                        f"torch_{key}_median_ms": b.get(f"{key}_median")})
            cells += [_fmt(x), _fmt(y), f"{ratio:.2f}x" if ratio else "-"]
        table.append(row)
        print(f"| {name} | " + " | ".join(cells) + " |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": args.device, "threads": threads, "clock": args.clock,
                       "repeats": args.repeats,
                       "rows": table}, f, indent=1)
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
