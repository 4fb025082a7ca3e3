"""Autograd cost: forward+backward of an MLP (784-256-256-10, batch 128, float32, softmax
cross-entropy) and of a chain of 1,000 small elementwise ops, trueno side by side with
PyTorch in one run, with the per-node overhead in microseconds.

Not a test: it prints a table (median of repeats of CPU time, interleaved so that machine
noise hits both contenders alike) and writes JSON with --json.

    PYTHONPATH=packages/trueno-core/src:packages/trueno-autograd/src \\
        python tools/bench/bench_autograd.py --json autograd.json
"""

from __future__ import annotations

import os

# One thread everywhere (torch.set_num_threads(1) below): NumPy's BLAS threads otherwise
# compete with each other on small machines and the comparison is not like for like.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import trueno as tn  # noqa: E402
from trueno import _dispatch as X  # noqa: E402
from trueno._optable import OPS  # noqa: E402
from trueno._registry import load_plugins, registry  # noqa: E402


def _ensure_engine() -> None:
    load_plugins()
    if X.STATE.autograd is None:  # a source checkout without the entry point
        from trueno_autograd import plugin
        plugin.trueno_register_gradients(registry)


def _time(fn, number: int) -> float:
    """Seconds per call of ``fn`` in this process's CPU time: every contender runs on one
    thread, and CPU time does not count the time other processes of a shared machine hold
    the core (wall time does)."""
    t0 = time.process_time()
    for _ in range(number):
        fn()
    return (time.process_time() - t0) / number


# -- the MLP ------------------------------------------------------------------------------------
def _mlp_data(rng):
    x = rng.standard_normal((128, 784)).astype(np.float32)
    labels = rng.integers(0, 10, 128)
    ws = [(rng.standard_normal((i, o)) * (2.0 / i) ** 0.5).astype(np.float32)
          for i, o in ((784, 256), (256, 256), (256, 10))]
    bs = [np.zeros(o, np.float32) for o in (256, 256, 10)]
    return x, labels, ws, bs


def _trueno_mlp(x, labels, ws, bs):
    xt = tn.asarray(x)
    params = [tn.asarray(w).requires_grad_() for w in ws] + \
        [tn.asarray(b).requires_grad_() for b in bs]
    rows = np.arange(x.shape[0])
    relu, log_softmax = OPS["relu"], OPS["log_softmax"]

    def step():
        w1, w2, w3, b1, b2, b3 = params
        h = X.unary(relu, xt @ w1 + b1)
        h = X.unary(relu, h @ w2 + b2)
        logp = X.unary(log_softmax, h @ w3 + b3, axis=1)
        loss = -logp[rows, labels].mean()
        loss.backward()
        for p in params:
            p.grad = None
    return step


def _torch_mlp(torch, x, labels, ws, bs):
    F = torch.nn.functional
    xt = torch.from_numpy(x)
    lt = torch.from_numpy(labels)
    params = [torch.tensor(w, requires_grad=True) for w in ws] + \
        [torch.tensor(b, requires_grad=True) for b in bs]

    def step():
        w1, w2, w3, b1, b2, b3 = params
        h = torch.relu(xt @ w1 + b1)
        h = torch.relu(h @ w2 + b2)
        loss = F.cross_entropy(h @ w3 + b3, lt)
        loss.backward()
        for p in params:
            p.grad = None
    return step


# -- the chain of small elementwise ops ---------------------------------------------------------
def _chain(x, n, mod):
    for _ in range(n // 4):
        x = x * 1.001
        x = x + 0.01
        x = mod.tanh(x)
        x = x - 0.001
    return x


def _trueno_chain(n, size):
    x = tn.asarray(np.linspace(-1, 1, size, dtype=np.float32)).requires_grad_()

    def fwd_bwd():
        _chain(x, n, tn).sum().backward()
        x.grad = None

    def fwd_only():
        with tn.no_grad():
            _chain(x, n, tn).sum()
    return fwd_bwd, fwd_only


def _torch_chain(torch, n, size):
    x = torch.linspace(-1, 1, size, dtype=torch.float32, requires_grad=True)

    def fwd_bwd():
        _chain(x, n, torch).sum().backward()
        x.grad = None

    def fwd_only():
        with torch.no_grad():
            _chain(x, n, torch).sum()
    return fwd_bwd, fwd_only


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", help="write results here")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--chain", type=int, default=1000, help="ops in the elementwise chain")
    ap.add_argument("--size", type=int, default=16, help="elements per tensor in the chain")
    args = ap.parse_args()
    _ensure_engine()
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None
    tn.set_num_threads(1)

    rng = np.random.default_rng(0)
    data = _mlp_data(rng)
    benches = {"mlp fwd+bwd": {"trueno": (_trueno_mlp(*data), 5)},
               "chain fwd+bwd": {}, "chain fwd (no_grad)": {}}
    tfb, tfo = _trueno_chain(args.chain, args.size)
    benches["chain fwd+bwd"]["trueno"] = (tfb, 2)
    benches["chain fwd (no_grad)"]["trueno"] = (tfo, 2)
    if torch is not None:
        benches["mlp fwd+bwd"]["torch"] = (_torch_mlp(torch, *data), 5)
        pfb, pfo = _torch_chain(torch, args.chain, args.size)
        benches["chain fwd+bwd"]["torch"] = (pfb, 2)
        benches["chain fwd (no_grad)"]["torch"] = (pfo, 2)

    samples = {b: {k: [] for k in c} for b, c in benches.items()}
    for c in benches.values():  # warm up
        for fn, _ in c.values():
            fn()
    for _ in range(args.repeats):
        for b, c in benches.items():
            for k, (fn, number) in c.items():
                samples[b][k].append(_time(fn, number))
    med = {b: {k: statistics.median(v) for k, v in s.items()} for b, s in samples.items()}

    nodes = args.chain + 1  # the chain's ops and the final sum
    per_node = {}
    for k in med["chain fwd+bwd"]:
        total = med["chain fwd+bwd"][k]
        plain = med["chain fwd (no_grad)"][k]
        per_node[k] = {"fwd_bwd_us_per_op": total / nodes * 1e6,
                       "autograd_overhead_us_per_node": (total - plain) / nodes * 1e6}

    print(f"\nautograd benchmark (median of {args.repeats}; torch "
          f"{'not installed' if torch is None else torch.__version__}; 1 thread)")
    print(f"{'benchmark':<24}{'trueno':>14}{'torch':>14}{'trueno/torch':>14}")
    for b, m in med.items():
        t, p = m.get("trueno"), m.get("torch")
        ratio = f"{t / p:.2f}x" if p else "-"
        print(f"{b:<24}{t * 1e3:>11.2f} ms{(p or 0) * 1e3:>11.2f} ms{ratio:>14}")
    print(f"\nper node of the {args.chain}-op chain ({args.size} float32 elements):")
    for k, v in per_node.items():
        print(f"  {k:<8} fwd+bwd {v['fwd_bwd_us_per_op']:7.2f} us/op, autograd overhead "
              f"{v['autograd_overhead_us_per_node']:7.2f} us/node")
    if args.json:
        out = {"median_s": med, "per_node_us": per_node, "chain_ops": args.chain,
               "chain_size": args.size, "mlp": "784-256-256-10, batch 128, float32",
               "torch": None if torch is None else torch.__version__}
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
