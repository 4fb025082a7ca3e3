"""Training-step time: trueno (``trueno.torch``) side by side with PyTorch, one script for both.

Not a test. Each row is one optimizer step of a model written once against the PyTorch API
(``nn``, ``optim``, ``F``) and run with ``import torch`` and with ``import trueno.torch``:
forward, loss, backward, optimizer step, ``zero_grad``. Rows (issue 17's benchmark):

- MLP 784-256-256-10, batch 128, SGD(momentum) and Adam;
- small CNN (conv-bn-relu-pool x2, linear) on 1x28x28, batch 64, SGD(momentum) and Adam;
- LSTM classifier (input 32, hidden 64, 20 steps), batch 32, Adam.

``--device cpu`` (default) compares with PyTorch's CPU build using the same thread count;
``--device gpu`` compares trueno-gpu with PyTorch CUDA (each contender in its own child
process, as tools/bench/bench_gpu.py does, since a CUDA context in the same process slows the
Vulkan device down). Prints a table with the ratio trueno/PyTorch (below 1: trueno faster);
``--json PATH`` writes it.

On a shared machine: ``--clock cpu`` times each step by the process's CPU time (all its
threads; with ``BENCH_THREADS=1`` the work of the step alone, whatever else runs beside it),
``--rounds N`` runs the two children N times, alternating, and reports each row's median over
the rounds, and ``--rows cnn`` keeps the rows whose name contains one of the given words.
With ``BENCH_THREADS`` set, the children also get ``OPENBLAS_NUM_THREADS`` (unless set):
trueno's ``set_num_threads`` does not reach NumPy's OpenBLAS, which trueno-simd's matmul
calls for large products, and an OpenBLAS pool larger than the cores free on a busy machine
spins (a 1-thread MLP step measured 42 ms of CPU time with 2 OpenBLAS threads, 5.4 with 1).

    python tools/bench/bench_train.py [--device cpu|gpu] [--repeats 7] [--json out.json]
    BENCH_THREADS=1 python tools/bench/bench_train.py --clock cpu --rounds 3 --rows cnn,mlp
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


def _models(T):
    nn = T.nn

    def mlp():
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                             nn.Linear(256, 10))

    def cnn():
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, 10))

    class LSTMClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(32, 64, batch_first=True)
            self.head = nn.Linear(64, 10)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.head(out[:, -1])

    return {"mlp": (mlp, (128, 784)), "cnn": (cnn, (64, 1, 28, 28)),
            "lstm": (LSTMClassifier, (32, 20, 32))}


# Steps before the timed ones, for every contender: trueno-gpu's pool hands a step the same
# buffers (so its bind groups come from the cache) from about the 7th step of the CNN at batch
# 64 on (lavapipe: 47, 35, 28, 19, 18, 10, then 0 new bind groups a step); three warm-up
# steps timed some of those misses.
WARMUP = 10
ROWS = [("mlp", "SGD"), ("mlp", "Adam"), ("cnn", "SGD"), ("cnn", "Adam"), ("lstm", "Adam")]


def make_row(T, model_name: str, opt_name: str, dev: str, batch: int | None = None,
             rng=None) -> tuple:
    """(model, optimizer, x, y) of one row on device ``dev`` with the PyTorch API ``T``, seeded
    as every benchmark of these rows seeds it (``batch`` overrides the row's batch size)."""
    T.manual_seed(0)
    make, xshape = _models(T)[model_name]
    if batch:
        xshape = (batch,) + xshape[1:]
    model = make().to(dev)
    opt = (T.optim.SGD(model.parameters(), lr=0.01, momentum=0.9) if opt_name == "SGD"
           else T.optim.Adam(model.parameters(), lr=1e-3))
    rng = np.random.default_rng(0) if rng is None else rng
    x = T.tensor(rng.standard_normal(xshape).astype(np.float32)).to(dev)
    y = T.tensor(rng.integers(0, 10, xshape[0])).to(dev)
    return model, opt, x, y


def _sync(T, device):
    if device == "cuda":
        T.cuda.synchronize()


def _step_fn(model, opt, loss_fn, x, y):
    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def run_rows(lib: str, device: str, repeats: int, clock: str = "wall",
             rows: list | None = None) -> dict:
    """Median ms per training step of every row (``rows``, default all), for ``lib``
    ("torch" or "trueno"), by wall time or (``clock="cpu"``) the process's CPU time."""
    timer = time.process_time if clock == "cpu" else time.perf_counter
    if lib == "torch":
        import torch as T
        dev = "cuda" if device == "gpu" else "cpu"
    else:
        import trueno.torch as T
        dev = device
    if device == "cpu":
        T.set_num_threads(int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1)))
    rng = np.random.default_rng(0)
    out = {}
    for model_name, opt_name in rows or ROWS:
        model, opt, x, y = make_row(T, model_name, opt_name, dev, rng=rng)
        step = _step_fn(model, opt, T.nn.CrossEntropyLoss(), x, y)
        for _ in range(WARMUP):  # kernel caches, pipeline compilation, allocator
            step()
        _sync(T, dev)
        times = []
        for _ in range(repeats):
            t0 = timer()
            loss = step()
            _sync(T, dev)
            float(loss.detach())  # the step is done when its loss is on the host
            times.append(timer() - t0)
        out[f"{model_name} {opt_name}"] = statistics.median(times) * 1e3
        ms = out[f"{model_name} {opt_name}"]
        print(f"  {lib:<7} {model_name:<5} {opt_name:<5} {ms:9.3f} ms", flush=True)
    return out


def _fmt(v) -> str:
    return f"{v:.3f}" if v else "failed"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--json", default=None)
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="time a step by wall time or by the process's CPU time")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run the two children this many times, alternating")
    ap.add_argument("--rows", default="",
                    help="comma-separated words: keep the rows whose name contains one")
    ap.add_argument("--child", choices=["torch", "trueno"], default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    words = [w.strip() for w in args.rows.split(",") if w.strip()]
    rows = [r for r in ROWS if not words or any(w in " ".join(r) for w in words)]
    if args.child:
        print("ROWS " + json.dumps(run_rows(args.child, args.device, args.repeats, args.clock,
                                            rows)))
        return
    env = dict(os.environ)
    if "BENCH_THREADS" in env:
        env.setdefault("OPENBLAS_NUM_THREADS", env["BENCH_THREADS"])
    runs = {"torch": [], "trueno": []}
    for _ in range(max(1, args.rounds)):
        for lib in ("torch", "trueno"):
            cmd = [sys.executable, __file__, "--child", lib, "--device", args.device,
                   "--repeats", str(args.repeats), "--clock", args.clock, "--rows", args.rows]
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
            sys.stdout.write("".join(ln + "\n" for ln in proc.stdout.splitlines()
                                     if not ln.startswith("ROWS ")))
            line = [ln for ln in proc.stdout.splitlines() if ln.startswith("ROWS ")]
            if proc.returncode or not line:
                print(f"{lib} failed:\n{proc.stderr[-2000:]}")
                continue
            runs[lib].append(json.loads(line[0][5:]))
    results = {lib: {key: statistics.median(r[key] for r in rs)
                     for key in rs[0]} if rs else {} for lib, rs in runs.items()}
    ref = "PyTorch CUDA" if args.device == "gpu" else "PyTorch CPU"
    rounds = f", median over {args.rounds} rounds" if args.rounds > 1 else ""
    print(f"\ntraining step, median of {args.repeats} ({args.clock} ms{rounds}); "
          f"device {args.device}")
    print(f"| row | trueno | {ref} | ratio |\n|---|---|---|---|")
    table = []
    for model_name, opt_name in rows:
        key = f"{model_name} {opt_name}"
        a, b = results["trueno"].get(key), results["torch"].get(key)
        ratio = a / b if a and b else None
        table.append({"row": key, "trueno_ms": a, "torch_ms": b, "ratio": ratio})
        print(f"| {key} | {_fmt(a)} | {_fmt(b)} | {f'{ratio:.2f}x' if ratio else '-'} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": args.device, "clock": args.clock, "rounds": args.rounds,
                       "rows": table}, f, indent=1)


if __name__ == "__main__":
    main()
