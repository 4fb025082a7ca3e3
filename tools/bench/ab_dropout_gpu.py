"""A/B of GPU random numbers drawn on the device (the PyTorch face's Philox generators) vs on
the host (the CPU generator, then an upload: ``TRUENO_GPU_PHILOX=0``'s path), alternated
round by round in one process so that a noisy host hits both alike.

Rows: ``F.dropout`` of a (16, 64, 1024) float32 GPU tensor (the transformer's feed-forward
size), ``torch.rand`` and ``torch.randn`` of 1M, and bench_nn's transformer row
(Embedding(1000, 256) + TransformerEncoderLayer(256, 8, 1024, batch_first=True) on (16, 64)
ids, train mode, dropout 0.1) forward and forward+backward. Each call ends with a value read
on the host (the GPU finished). Prints, per row and variant, the median wall ms, the calling
thread's CPU ms (the host's work: on lavapipe the proxy for a hardware GPU's host time) and
launches per call, and the ratio device/host.

    python tools/bench/ab_dropout_gpu.py [--rounds 7] [--calls 3] [--only dropout rand ...]
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time

import numpy as np

import trueno.torch as T
import trueno.torch.nn.functional as F
from trueno.torch import _random_gpu

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from bench_nn import _layers  # noqa: E402


def _rows(dev: str) -> dict:
    x = T.tensor(np.random.default_rng(0).standard_normal((16, 64, 1024)).astype("float32"))
    xg = x.to(dev)
    make, data = _layers(T)["transformer"]
    T.manual_seed(0)
    model = make().to(dev).train()
    ids = data().to(dev)

    def dropout():
        float(F.dropout(xg, 0.1)[0, 0, 0])

    def rand():
        float(T.rand(1 << 20, device=dev)[0])

    def randn():
        float(T.randn(1 << 20, device=dev)[0])

    def fwd():
        y = model(ids)
        float(y[0, 0, 0].detach())

    def fwd_bwd():
        model.zero_grad(set_to_none=True)
        model(ids).sum().backward()
        float(next(model.parameters()).grad.reshape(-1)[0])
    return {"dropout (16,64,1024)": dropout, "rand 1M": rand, "randn 1M": randn,
            "transformer fwd": fwd,
            "transformer fwd+bwd": fwd_bwd}


def _launches() -> int:
    import trueno_gpu
    return trueno_gpu.get_runtime(0).dispatches


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--calls", type=int, default=3, help="calls per round and variant")
    ap.add_argument("--only", nargs="*", default=[], help="row name prefixes")
    ap.add_argument("--device", default="gpu")
    args = ap.parse_args()
    rows = {k: v for k, v in _rows(args.device).items()
            if not args.only or any(k.startswith(o) for o in args.only)}
    variants = {"device": True, "host": False}
    print(f"device: {T.cuda.get_device_name(0) if args.device != 'cpu' else 'cpu'}")
    print(f"{'row':<22} {'variant':<7} {'wall ms':>9} {'cpu ms':>9} {'launches':>9}")
    for name, fn in rows.items():
        res = {v: {"wall": [], "cpu": [], "launches": 0} for v in variants}
        for on in variants.values():  # warm-up: pipelines, plans, pool
            _random_gpu.ENABLED["on"] = on
            fn()
            fn()
        for _ in range(args.rounds):
            for v, on in variants.items():
                _random_gpu.ENABLED["on"] = on
                d0 = _launches()
                w0, c0 = time.perf_counter(), time.thread_time()
                for _ in range(args.calls):
                    fn()
                res[v]["cpu"].append((time.thread_time() - c0) * 1e3 / args.calls)
                res[v]["wall"].append((time.perf_counter() - w0) * 1e3 / args.calls)
                res[v]["launches"] = (_launches() - d0) / args.calls
        med = {v: {k: statistics.median(r[k]) for k in ("wall", "cpu")} for v, r in res.items()}
        for v in variants:
            print(f"{name:<22} {v:<7} {med[v]['wall']:9.2f} {med[v]['cpu']:9.2f} "
                  f"{res[v]['launches']:9.1f}")
        print(f"{'':<22} {'ratio':<7} {med['device']['wall'] / med['host']['wall']:9.2f} "
              f"{med['device']['cpu'] / med['host']['cpu']:9.2f}", flush=True)
    _random_gpu.ENABLED["on"] = True


if __name__ == "__main__":
    main()
