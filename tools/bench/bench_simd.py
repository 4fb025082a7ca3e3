"""Benchmark trueno-simd kernels against NumPy and PyTorch, side by side in one run.

Each row times every contender with interleaved repeats (contender order rotates per
repeat), reporting the median time per call and the spread (25th-75th percentile, as a
fraction of the median). Ratios are contender time / simd time (> 1 means simd is faster).

Usage::

    python tools/bench/bench_simd.py [--json out.json] [--png out.png] [--repeats 9]
        [--threads N] [--quick] [--only add,matmul] [--clock wall|cpu]

``--only linear`` gives nn.Linear's products (issue 17): ``--threads 1`` and ``--threads 2``
compare with NumPy's OpenBLAS limited to as many threads (threadpoolctl).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

# NOTE: OpenBLAS (numpy's matmul) keeps its threads spinning for ~0.1 s after a call; with
# interleaved contenders on few cores that spinning steals the next contender's CPU. Rows that
# call BLAS therefore pause this long between contenders (the pause is not timed).
SETTLE_S = 0.15


_blas_limit = []  # keeps threadpoolctl's limit alive for the run


def load_contenders(threads):
    import trueno
    from trueno_simd import _core as k
    from trueno_simd import cpu_features, get_num_threads, set_num_threads

    # trueno loads its backends at the first dispatch and then sizes their pools with its own
    # count: set that one and load them now, or trueno-simd's pool is reset to every core
    trueno.set_num_threads(threads)
    trueno.asarray([1.0]) + 1.0
    set_num_threads(threads)
    assert get_num_threads() == threads
    try:  # NumPy's OpenBLAS gets the same thread count (its default is every core)
        from threadpoolctl import threadpool_limits

        _blas_limit.append(threadpool_limits(threads))
    except ImportError:
        print("threadpoolctl not importable: NumPy's BLAS threads are not limited "
              "(set OPENBLAS_NUM_THREADS)", file=sys.stderr)
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:
        torch = None
    return k, torch, cpu_features()


_forced = [None, None]  # (backend name, active use_backend context)


def _switch(fn):
    """Force the backend a contender asks for (``fn.backend``), outside the timed region."""
    want = getattr(fn, "backend", None)
    if _forced[0] == want:
        return
    if _forced[1] is not None:
        _forced[1].__exit__(None, None, None)
    cm = None
    if want is not None:
        import trueno
        cm = trueno.use_backend(want)
        cm.__enter__()
    _forced[:] = [want, cm]


def through_trueno(fn):
    """Two contenders for one trueno expression: the default dispatch (trueno-simd wins on
    CPU) and the same call with the reference backend forced."""
    def ref():
        return fn()
    ref.backend = "reference"
    return {"trueno": fn, "trueno-ref": ref}


# the clock of every sample: wall time, or (--clock cpu) the CPU time of this thread with one
# thread (every contender then computes on the calling thread) or of the process with more
_clock = [time.perf_counter]


def per_call(fn, target_s=0.002):
    """Calls per sample so that one sample lasts about target_s."""
    _switch(fn)
    fn()
    n = 1
    while True:
        t0 = _clock[0]()
        for _ in range(n):
            fn()
        dt = _clock[0]() - t0
        if dt >= target_s or n >= 1 << 20:
            return n
        n = max(n * 2, int(n * target_s / max(dt, 1e-9)))


def measure(fns, repeats, settle=0.0):
    """fns: {name: callable}. Returns {name: (median_s, spread)} with interleaved repeats."""
    names = list(fns)
    number = {n: per_call(fns[n]) for n in names}
    samples = {n: [] for n in names}
    for r in range(repeats):
        order = names[r % len(names):] + names[:r % len(names)]
        for n in order:
            if settle:
                time.sleep(settle)
            f, m = fns[n], number[n]
            _switch(f)
            t0 = _clock[0]()
            for _ in range(m):
                f()
            samples[n].append((_clock[0]() - t0) / m)
    out = {}
    _switch(None)
    for n in names:
        s = sorted(samples[n])
        med = statistics.median(s)
        q1, q3 = s[len(s) // 4], s[(3 * len(s)) // 4]
        out[n] = (med, (q3 - q1) / med if med else 0.0)
    return out


def rows(k, torch, quick):
    import trueno as tn
    import trueno.torch as ttorch
    from trueno._dispatch import run
    rng = np.random.default_rng(0)
    sizes = [100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000]
    if quick:
        sizes = [100, 10_000, 1_000_000]
    for op, npf, tname in [("add", np.add, "add"), ("mul", np.multiply, "mul")]:
        kf = k.add if op == "add" else k.multiply
        for n in sizes:
            a = rng.standard_normal(n).astype(np.float32)
            b = rng.standard_normal(n).astype(np.float32)
            fns = {"simd": lambda kf=kf, a=a, b=b: kf(a, b),
                   "numpy": lambda npf=npf, a=a, b=b: npf(a, b)}
            xa, xb = tn.asarray(a), tn.asarray(b)
            fns.update(through_trueno((lambda xa=xa, xb=xb: xa + xb) if op == "add" else
                                      (lambda xa=xa, xb=xb: xa * xb)))
            if torch is not None:
                ta, tb = torch.from_numpy(a), torch.from_numpy(b)
                tf = getattr(torch, tname)
                fns["torch"] = lambda tf=tf, ta=ta, tb=tb: tf(ta, tb)
            yield f"{op} f32 n={n:,}", fns
    for op in ("sum", "mean"):
        for n in sizes[1:]:
            a = rng.standard_normal(n).astype(np.float32)
            kf, npf = getattr(k, op), getattr(np, op)
            fns = {"simd": lambda kf=kf, a=a: kf(a), "numpy": lambda npf=npf, a=a: npf(a)}
            fns.update(through_trueno(lambda tf=getattr(tn, op), xa=tn.asarray(a): tf(xa)))
            if torch is not None:
                ta, tf = torch.from_numpy(a), getattr(torch, op)
                fns["torch"] = lambda tf=tf, ta=ta: tf(ta)
            yield f"{op} f32 n={n:,}", fns

    def np_softmax(x):
        e = np.exp(x - x.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    for shape in [(10_000,), (1_000_000,), (1024, 1000)]:
        x = rng.standard_normal(shape).astype(np.float32)
        fns = {"simd": lambda x=x: k.softmax(x, -1), "numpy": lambda x=x: np_softmax(x)}
        fns.update(through_trueno(lambda tx=ttorch.from_numpy(x): ttorch.softmax(tx, -1)))
        if torch is not None:
            tx = torch.from_numpy(x)
            fns["torch"] = lambda tx=tx: torch.softmax(tx, -1)
        yield f"softmax f32 {shape}", fns

    x = rng.standard_normal((1024, 1024)).astype(np.float32)
    w = rng.standard_normal(1024).astype(np.float32)
    b = rng.standard_normal(1024).astype(np.float32)

    def np_layer_norm(x=x, w=w, b=b):
        mu = x.mean(-1, keepdims=True)
        var = x.var(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-5) * w + b

    fns = {"simd": lambda: k.layer_norm(x, 1, w, b, 1e-5), "numpy": np_layer_norm}
    lx = tn.asarray(x)
    fns.update(through_trueno(lambda: run(tn.OPS["layer_norm"], (lx,), (lx._data,), {
        "normalized_ndim": 1, "weight": w, "bias": b, "eps": 1e-5}, lx.__class__, lx.device,
        lx.dtype)))
    if torch is not None:
        tx, tw, tb = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)
        fns["torch"] = lambda: torch.nn.functional.layer_norm(tx, (1024,), tw, tb, 1e-5)
    yield "layer_norm f32 (1024, 1024)", fns

    for n in ([128, 512, 1024] if quick else [128, 512, 1024, 2048]):
        a = rng.standard_normal((n, n)).astype(np.float32)
        c = rng.standard_normal((n, n)).astype(np.float32)
        fns = {"simd": lambda a=a, c=c: k.matmul(a, c), "numpy": lambda a=a, c=c: a @ c}
        fns.update(through_trueno(lambda xa=tn.asarray(a), xc=tn.asarray(c): xa @ xc))
        if torch is not None:
            ta, tc = torch.from_numpy(a), torch.from_numpy(c)
            fns["torch"] = lambda ta=ta, tc=tc: ta @ tc
        yield f"matmul f32 {n}x{n}", fns

    yield from linear_rows(k, torch, rng, quick)

    x = rng.standard_normal((32, 3, 32, 32)).astype(np.float32)
    w = rng.standard_normal((64, 3, 3, 3)).astype(np.float32)

    def np_conv(x=x, w=w):
        win = np.lib.stride_tricks.sliding_window_view(x, (3, 3), axis=(2, 3))  # N C OH OW 3 3
        return np.einsum("nchwij,ocij->nohw", win, w, optimize=True)

    fns = {"simd": lambda: k.conv2d(x, w, None, (1, 1), (0, 0), (1, 1), 1), "numpy": np_conv}
    cx, cw = tn.asarray(x), tn.asarray(w)
    fns.update(through_trueno(lambda: run(tn.OPS["conv2d"], (cx, cw), (cx._data, cw._data), {
        "bias": None, "stride": (1, 1), "padding": (0, 0), "dilation": (1, 1), "groups": 1},
        cx.__class__, cx.device, cx.dtype)))
    if torch is not None:
        tx, tw = torch.from_numpy(x), torch.from_numpy(w)
        fns["torch"] = lambda: torch.nn.functional.conv2d(tx, tw)
    yield "conv2d f32 (32,3,32,32)x(64,3,3,3)", fns


def linear_rows(k, torch, rng, quick):
    """nn.Linear's three products (issue 17's MLP): forward ``x @ W.T`` (W is (N, K) row-major,
    so the second operand has strides (1, K)), weight gradient ``g.T @ x`` and input gradient
    ``g @ W``, for a batch M of 64/128 and the MLP's 784 -> 256 and 256 -> 10 layers."""
    import trueno as tn
    shapes = [(128, 784, 256), (128, 256, 10)] if quick else \
        [(64, 784, 256), (128, 784, 256), (64, 256, 10), (128, 256, 10)]
    for dt in (np.float32, np.float64):
        for m, kk, n in shapes:
            if dt is np.float64 and (m, n) != (128, 256):
                continue
            x = rng.standard_normal((m, kk)).astype(dt)
            w = rng.standard_normal((n, kk)).astype(dt)
            g = rng.standard_normal((m, n)).astype(dt)
            tx, tw, tg = tn.asarray(x), tn.asarray(w), tn.asarray(g)
            prods = [("x@W.T", (x, w.T), lambda tx=tx, tw=tw: tx @ tw.T),
                     ("g.T@x", (g.T, x), lambda tg=tg, tx=tx: tg.T @ tx),
                     ("g@W", (g, w), lambda tg=tg, tw=tw: tg @ tw)]
            for label, (a, b), through in prods:
                fns = {"simd": lambda a=a, b=b: k.matmul(a, b),
                       "numpy": lambda a=a, b=b: a @ b}
                fns.update(through_trueno(through))
                if torch is not None:
                    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
                    fns["torch"] = lambda ta=ta, tb=tb: ta @ tb
                yield f"linear {label} {'f32' if dt is np.float32 else 'f64'} {m}x{kk}x{n}", fns


def fmt_t(s):
    for unit, f in (("s", 1), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if s >= f:
            return f"{s / f:7.2f} {unit}"
    return f"{s / 1e-9:7.2f} ns"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="write results as JSON here")
    ap.add_argument("--png", help="write a bar plot of the ratios here (needs matplotlib)")
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--quick", action="store_true", help="fewer sizes")
    ap.add_argument("--only", help="comma-separated row prefixes, e.g. add,matmul")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="cpu: CPU time (of this thread with --threads 1, else of the "
                         "process), steadier than wall time on a shared machine")
    args = ap.parse_args(argv)
    if args.clock == "cpu":
        _clock[0] = time.thread_time if args.threads == 1 else time.process_time
    k, torch, feats = load_contenders(args.threads)
    only = tuple(args.only.split(",")) if args.only else None
    results = []
    header = (f"{'row':38s} {'simd':>16s} {'trueno':>16s} {'trueno-ref':>16s} {'numpy':>16s} "
              f"{'torch':>16s} {'np/trueno':>9s} {'torch/trueno':>12s}")
    print(f"# trueno-simd isa={feats['isa']} threads={args.threads} clock={args.clock} "
          f"numpy={np.__version__} torch={getattr(torch, '__version__', None)}")
    print(header)
    print("-" * len(header))
    for name, fns in rows(k, torch, args.quick):
        if only and not name.startswith(only):
            continue
        settle = SETTLE_S if name.startswith(("matmul", "linear", "conv2d")) else 0.0
        res = measure(fns, args.repeats, settle)
        simd = res["simd"][0]
        row = {"row": name, **{f"{c}_s": v[0] for c, v in res.items()},
               **{f"{c}_spread": v[1] for c, v in res.items()}}
        row["numpy_ratio"] = res["numpy"][0] / simd
        tr_t = res["trueno"][0]
        row["numpy_ratio_trueno"] = res["numpy"][0] / tr_t
        row["reference_ratio_trueno"] = res["trueno-ref"][0] / tr_t
        if "torch" in res:
            row["torch_ratio"] = res["torch"][0] / simd
            row["torch_ratio_trueno"] = res["torch"][0] / tr_t
        results.append(row)

        def cell(c, res=res):
            if c not in res:
                return f"{'-':>16s}"
            return f"{fmt_t(res[c][0])} ±{100 * res[c][1]:3.0f}%"

        tr = f"{row['torch_ratio_trueno']:12.2f}" if "torch_ratio" in row else f"{'-':>12s}"
        print(f"{name:38s} {cell('simd')} {cell('trueno')} {cell('trueno-ref')} "
              f"{cell('numpy')} {cell('torch')} {row['numpy_ratio_trueno']:9.2f} {tr}",
              flush=True)
    meta = {"settle_s_blas_rows": SETTLE_S, "isa": feats["isa"], "threads": args.threads,
            "numpy": np.__version__,
            "torch": getattr(torch, "__version__", None), "python": sys.version.split()[0],
            "machine": platform.processor() or platform.machine(), "repeats": args.repeats,
            "clock": args.clock}
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "rows": results}, f, indent=1)
    if args.png:
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            print("matplotlib not importable: no plot written", file=sys.stderr)
        else:
            names = [r["row"] for r in results]
            y = np.arange(len(names))
            fig, ax = plt.subplots(figsize=(9, 0.32 * len(names) + 1.5))
            ax.barh(y - 0.2, [r["numpy_ratio"] for r in results], 0.4, label="numpy / simd")
            if any("torch_ratio" in r for r in results):
                ax.barh(y + 0.2, [r.get("torch_ratio", 0) for r in results], 0.4,
                        label="torch / simd")
            ax.axvline(1.0, color="k", lw=0.8)
            ax.set_yticks(y, names, fontsize=7)
            ax.set_xscale("log")
            ax.set_xlabel("time ratio (> 1: trueno-simd faster)")
            ax.legend()
            fig.tight_layout()
            fig.savefig(args.png, dpi=120)
    return results


if __name__ == "__main__":
    main()
