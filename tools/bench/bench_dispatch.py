"""Dispatch overhead off the ``a + b`` fast path, on both faces, side by side with NumPy and
PyTorch in one run (issue 13): Python scalars, mixed dtypes, small reductions with an axis,
``a @ b`` and autograd recording per node.

Not a test: it prints one table of microseconds per call (the best of the repeats: the
machine is shared, and the minimum is what noise cannot inflate), the ratios against NumPy,
PyTorch and trueno's own same-dtype ``a + b``, and the number of Python frames one call
enters (``sys.setprofile`` 'call' events), and writes JSON with --json. Contenders' repeats
are interleaved so that machine noise hits all of them alike.

    python tools/bench/bench_dispatch.py [--json out.json] [--repeats 15] [--number 2000]
"""

from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import trueno as tn  # noqa: E402
import trueno.torch as ttorch  # noqa: E402


def _time(fn, number: int) -> float:
    """Microseconds per call of ``fn``, in this process's CPU time: every contender runs on
    one thread, and CPU time does not count the time other processes of a shared machine
    hold the core (wall time does)."""
    t0 = time.process_time_ns()
    for _ in range(number):
        fn()
    return (time.process_time_ns() - t0) / number / 1e3


def frames(fn) -> int:
    """Python frames entered by one call of ``fn`` (not counting ``fn`` itself)."""
    fn()  # warm: the first call of a new path resolves and checks its kernel
    count = [0]

    def prof(frame, event, arg):
        if event == "call":
            count[0] += 1
    sys.setprofile(prof)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count[0] - 1


def _operands(mod, face):
    """The operands of every case, built with ``mod`` (numpy, torch, trueno, trueno.torch)."""
    rng = np.random.default_rng(0)
    v = rng.random(100).astype(np.float32)
    m = rng.random((10, 10)).astype(np.float32)
    i = (rng.random(100) * 100).astype(np.int32)
    if face == "numpy":
        def conv(x):
            return x
    elif face == "torch":
        def conv(x):
            return mod.from_numpy(x.copy())
    elif face == "tn":
        def conv(x):
            return mod.asarray(x.copy())
    else:
        def conv(x):
            return mod.tensor(x.copy())
    return {"f32": conv(v), "f32b": conv(v + 1), "f64": conv(v.astype(np.float64)),
            "i32": conv(i), "i32b": conv(i + 1), "m": conv(m), "m2": conv(m.T.copy())}


def _cases(x, torchish):
    """name -> zero-argument callable over operands ``x``."""
    a, b, c, i, j, m, m2 = x["f32"], x["f32b"], x["f64"], x["i32"], x["i32b"], x["m"], x["m2"]
    cases = {
        "a + b (f32, same dtype)": lambda: a + b,
        "a + 1.0": lambda: a + 1.0,
        "a * 2 (int scalar)": lambda: a * 2,
        "2.0 - a (reflected)": lambda: 2.0 - a,
        "f32 + f64": lambda: a + c,
        "i32 + f32": lambda: i + a,
        "i32 / i32 (true divide)": lambda: i / j,  # (no zero divisor: no FP warnings)
        "i32 < 5": lambda: i < 5,
    }
    if torchish:
        cases.update({
            "m.sum(axis=0)": lambda: m.sum(dim=0),
            "m.mean(axis=1)": lambda: m.mean(dim=1),
            "m.max(axis=0)": lambda: m.amax(dim=0),
        })
    else:
        cases.update({
            "m.sum(axis=0)": lambda: m.sum(axis=0),
            "m.mean(axis=1)": lambda: m.mean(axis=1),
            "m.max(axis=0)": lambda: m.max(axis=0),
        })
    cases["m @ m2 (10x10)"] = lambda: m @ m2
    return cases


def _chain(x, w, n):
    for _ in range(n // 4):
        x = x * 1.001
        x = x + 0.01
        x = x * w
        x = x - 0.001
    return x


def _autograd_cases(mod, asarr, no_grad, n):
    """fwd+bwd, fwd-only (no_grad) and fwd with recording (the graph dropped) of an ``n``-op
    chain on 16 float32 elements, and a function that gives a recorded graph's loss."""
    x = asarr(np.linspace(-1, 1, 16, dtype=np.float32))
    w = asarr(np.full(16, 0.999, dtype=np.float32))
    x.requires_grad_()

    def fwd_bwd():
        _chain(x, w, n).sum().backward()
        x.grad = None

    def fwd():
        with no_grad():
            _chain(x, w, n).sum()

    def fwd_rec():
        _chain(x, w, n).sum()

    def graph():
        return _chain(x, w, n).sum()
    return fwd_bwd, fwd, fwd_rec, graph


def autograd_frames(fwd, fwd_rec, graph, nodes: int) -> tuple[float, float]:
    """Python frames per node: recording (a recorded forward minus the same under no_grad)
    and backward."""
    rec = (frames(fwd_rec) - frames(fwd)) / nodes
    loss = graph()
    loss.backward(retain_graph=True)  # warm
    bwd = frames(lambda: loss.backward(retain_graph=True)) / nodes
    return rec, bwd


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", help="write results here")
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--number", type=int, default=2000)
    ap.add_argument("--chain", type=int, default=200, help="ops in the autograd chain")
    ap.add_argument("--autograd-only", action="store_true",
                    help="only the autograd rows (recording and backward per node)")
    args = ap.parse_args()
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None
    tn.set_num_threads(1)

    rows = []
    if not args.autograd_only:
        np_cases = _cases(_operands(np, "numpy"), False)
        t_cases = _cases(_operands(torch, "torch"), True) if torch is not None else {}
        faces = {"trueno": _cases(_operands(tn, "tn"), False),
                 "trueno.torch": _cases(_operands(ttorch, "tt"), True)}
        names = list(np_cases)
        samples: dict = {}
        contenders = {("numpy", k): fn for k, fn in np_cases.items()}
        contenders.update({("torch", k): fn for k, fn in t_cases.items()})
        for f, cs in faces.items():
            contenders.update({(f, k): fn for k, fn in cs.items()})
        for fn in contenders.values():
            fn()
        for _ in range(args.repeats):
            for key, fn in contenders.items():
                samples.setdefault(key, []).append(_time(fn, args.number))
        med = {k: min(v) for k, v in samples.items()}
        nframes = {(f, k): frames(fn) for f, cs in faces.items() for k, fn in cs.items()}

        hdr = (f"{'case':<26}{'face':<14}{'trueno us':>10}{'NumPy us':>10}{'torch us':>10}"
               f"{'/NumPy':>8}{'/torch':>8}{'/a+b':>7}{'frames':>8}")
        print(f"\ndispatch overhead, best of {args.repeats} x {args.number} calls "
              f"(100 float32 elements, 10x10 matrices; 1 thread)\n{hdr}\n{'-' * len(hdr)}")
        for f in faces:
            base = med[(f, names[0])]
            for k in names:
                t = med[(f, k)]
                n = med.get(("numpy", k))
                p = med.get(("torch", k))
                row = {"case": k, "face": f, "trueno_us": t, "numpy_us": n, "torch_us": p,
                       "vs_numpy": t / n, "vs_torch": t / p if p else None, "vs_same_dtype_add":
                       t / base, "frames": nframes[(f, k)]}
                rows.append(row)
                print(f"{k:<26}{f:<14}{t:>10.2f}{n:>10.2f}{(p or 0):>10.2f}{t / n:>7.2f}x"
                      f"{(t / p if p else 0):>7.2f}x{t / base:>6.2f}x{nframes[(f, k)]:>8}")

    # autograd: recording + backward per node, minus the same chain under no_grad
    from trueno._registry import load_plugins
    load_plugins()
    ag = {"trueno": _autograd_cases(tn, tn.asarray, tn.no_grad, args.chain),
          "trueno.torch": _autograd_cases(ttorch, ttorch.tensor, ttorch.no_grad, args.chain)}
    if torch is not None:
        ag["torch"] = _autograd_cases(torch, torch.from_numpy, torch.no_grad, args.chain)
    ag_s: dict = {}
    for fns in ag.values():
        for f in fns[:3]:
            f()
    for _ in range(args.repeats):
        for k, (fb, fo, fr, _g) in ag.items():
            ag_s.setdefault((k, "fb"), []).append(_time(fb, 5))
            ag_s.setdefault((k, "fo"), []).append(_time(fo, 5))
            ag_s.setdefault((k, "fr"), []).append(_time(fr, 5))
    nodes = args.chain + 1
    best = {key: min(v) / nodes for key, v in ag_s.items()}
    per_node = {k: best[(k, "fb")] - best[(k, "fo")] for k in ag}
    record = {k: best[(k, "fr")] - best[(k, "fo")] for k in ag}
    ag_frames = {k: autograd_frames(fo, fr, g, nodes)
                 for k, (_fb, fo, fr, g) in ag.items() if k != "torch"}
    print(f"\nautograd overhead per node ({args.chain}-op chain of 16 float32, fwd+bwd minus "
          "fwd under no_grad; recording: fwd minus fwd under no_grad; backward: the rest):")
    for k, v in per_node.items():
        ratio = f"{v / per_node['torch']:6.2f}x torch" if "torch" in per_node else ""
        fr = ag_frames.get(k)
        fr = f"   frames/node: record {fr[0]:.2f}, backward {fr[1]:.2f}" if fr else ""
        print(f"  {k:<14}{v:8.2f} us/node {ratio}  (record {record[k]:5.2f}, backward "
              f"{v - record[k]:5.2f}){fr}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "autograd_us_per_node": per_node,
                       "autograd_record_us_per_node": record,
                       "autograd_frames_per_node": ag_frames,
                       "backends": tn.backends()}, f, indent=2, default=str)


if __name__ == "__main__":
    main()
