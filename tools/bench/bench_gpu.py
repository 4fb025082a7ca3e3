"""GPU backend throughput: trueno-gpu's WGSL kernels side by side with PyTorch CUDA.

Not a test. Rows: add / multiply at 1M, 16M, 64M float32 (GB/s), reductions (sum, mean, max
of 1M and sum, max, min of 16M; sum, mean, max, min over the rows and sum, mean, max over the
columns of (4096, 4096)), softmax over
1M and (4096, 4096) and layer_norm over the rows of (4096, 1024) (GB/s: bytes read, plus bytes
written for softmax and layer_norm), matmul 1024 / 4096 in float32 and float16 (TFLOP/s),
upload / download (GB/s), a chain of 1,000 small elementwise ops (us per op), and (from
``_gpu_model_rows.py``) bench_nn.py's layers forward and forward + backward and bench_train.py's
MLP and CNN training steps with SGD and Adam (ms, through each library's PyTorch API; PyTorch CUDA
runs the same rows when ``torch.cuda.is_available()``). Prints a table; ``--json PATH`` writes
the results. Each contender runs in its own child process, one after the other (a CUDA context
in the same process slows the Vulkan device down by about 2x on an H100), with the same timing
rule: ops back to back, one sync per timed run, time per op.

Needs only numpy, wgpu and trueno (core + trueno-gpu, installed or in this checkout). On a
software adapter (lavapipe) the large rows are skipped, and the reductions, softmax and
layer_norm use (1024, 1024) and 4M, unless ``--full`` is given.

    python tools/bench/bench_gpu.py [--json out.json] [--full] [--repeats 5]
"""

from __future__ import annotations

import argparse
import gc
import json
import pathlib
import statistics
import sys
import time

import numpy as np

_ROOT = pathlib.Path(__file__).resolve().parents[2]
for _p in (_ROOT / "packages" / "trueno-gpu" / "src", _ROOT / "packages" / "trueno-core" / "src"):
    if _p.is_dir() and str(_p) not in sys.path:
        sys.path.append(str(_p))

import trueno_gpu  # noqa: E402

M = 1 << 20
_DT_NAMES: dict = {}  # NumPy dtype -> its name (Trueno.op)
_LAST = {"inner": 0}  # calls per timed run of the last _median_time (the small-op rows' note)


def _median_time(fn, sync, repeats, warmup=0.2, target=0.05):
    """Median seconds per ``fn()`` call. Each timed run calls ``fn`` enough times back to back
    (then syncs once) to last about ``target`` seconds, so a fast kernel is not measured as
    one submission's latency; the same rule applies to every contender.

    ``fn`` first runs for ``warmup`` seconds: on the H100 a matmul timed right after
    lighter rows ran at 12-22 TFLOP/s for its first calls and 30 once the clocks had risen
    (tools/bench/probe_matmul.py)."""
    t0 = time.perf_counter()
    while True:
        fn()
        sync()
        if time.perf_counter() - t0 >= warmup:
            break
    # the calls per timed run from one call's time (with its sync): the fastest of five, as
    # one slow sync (an H100's blocking wait can take a millisecond) would leave a small op
    # timed in runs of a few calls, each paying a whole sync (bench_gpu's 1K a + b read
    # 14.9 us/op on an H100 where probe_small_ops' loop of 200 reads 5.8); at most 1,000 calls
    # a run (was 200: one sync of ~0.3 ms then still added ~1.5 us to a 1K add's 5 us, and two
    # runs of one commit on one H100 read 5.1 and 6.8 us/op)
    one = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        fn()
        sync()
        one = min(one, time.perf_counter() - t0)
    inner = _LAST["inner"] = max(1, min(1000, int(target / max(one, 1e-6))))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        sync()
        times.append((time.perf_counter() - t0) / inner)
    return statistics.median(times)


class Trueno:
    name = "trueno-gpu"

    def __init__(self):
        self.api = trueno_gpu.GpuDeviceAPI()
        self.k = trueno_gpu.kernels_table()

    def sync(self):
        self.api.synchronize(0)

    def array(self, host):
        return self.api.from_numpy(host, 0)

    def upload(self, host):
        return self.api.from_numpy(host, 0)

    def download(self, a):
        return self.api.to_numpy(a)

    def op(self, name, *args, **kw):
        # (a dict of dtype names: NumPy's dtype.name is a Python-level property, six frames
        # a call, which made the "kernel call" rows time the harness more than the kernel)
        dt = args[0].dtype
        return self.k[name][_DT_NAMES.get(dt) or _DT_NAMES.setdefault(dt, dt.name)](*args, **kw)

    def tensor(self, host):
        """A tensor of trueno's public API on the GPU (``a + b`` goes through core's
        dispatch: dtype promotion, kernel lookup, the result tensor)."""
        import trueno
        from trueno._registry import load_plugins

        reg = load_plugins()
        if "gpu" not in reg.devices:  # a checkout without `pip install -e`: register by hand
            from trueno_gpu import plugin

            plugin.trueno_register_backends(reg)
        return trueno.asarray(host).to_device("gpu")


class Torch:
    name = "torch-cuda"

    def __init__(self, torch):
        self.t = torch
        self.dev = torch.device("cuda")

    def sync(self):
        self.t.cuda.synchronize()

    def array(self, host):
        return self.t.from_numpy(host).to(self.dev)

    def upload(self, host):
        return self.t.from_numpy(host).to(self.dev)

    def download(self, a):
        return a.cpu().numpy()

    def tensor(self, host):
        return self.t.from_numpy(host).to(self.dev)

    def op(self, name, *args, **kw):
        t = self.t
        args = tuple(float(a) if isinstance(a, np.generic) else a for a in args)
        if name == "add":
            return t.add(*args)
        if name == "multiply":
            return t.mul(*args)
        if name == "matmul":
            return t.matmul(*args)
        if name in ("sum", "mean", "max", "min"):
            x, axis, keep = args
            fn = {"sum": t.sum, "mean": t.mean, "max": t.amax, "min": t.amin}[name]
            return fn(x, dim=axis, keepdim=keep)
        if name == "layer_norm":
            x, nd, w, b, eps = args
            return t.nn.functional.layer_norm(x, x.shape[-nd:], w, b, eps)
        if name == "softmax":
            return t.softmax(args[0], dim=args[1])
        raise KeyError(name)


def mlp_step_fn(T, dev):
    """(step, params) of one SGD training step of an MLP 784-256-256-10 on a batch of 128
    (forward, cross-entropy, backward, update), written against the PyTorch API ``T``."""
    g = np.random.default_rng(1)

    def param(*shape):
        host = (g.standard_normal(shape) * 0.05).astype(np.float32)
        return T.from_numpy(host).to(dev).requires_grad_()
    ps = [param(784, 256), param(256), param(256, 256), param(256), param(256, 10), param(10)]
    x = T.from_numpy(g.standard_normal((128, 784)).astype(np.float32)).to(dev)
    onehot = np.zeros((128, 10), np.float32)
    onehot[np.arange(128), g.integers(0, 10, 128)] = 1
    y = T.from_numpy(onehot).to(dev)

    def step():
        h = (x @ ps[0] + ps[1]).relu()
        h = (h @ ps[2] + ps[3]).relu()
        logp = (h @ ps[4] + ps[5]).log_softmax(1)
        loss = -(logp * y).sum() / 128
        loss.backward()
        with T.no_grad():
            for p in ps:
                p -= 0.01 * p.grad
                p.grad = None
    return step, (ps, x)


def run_rows(be, args, big):
    rng = np.random.default_rng(0)
    rows = []

    def record(row, unit, value, note=""):
        rows.append({"row": row, "backend": be.name, "unit": unit, "value": value,
                     "note": note})
        print(f"  {row:<34} {be.name:<11} {value:>10.4g} {unit} {note}", flush=True)

    def guard(row, unit, fn):
        if args.only and not any(o in row for o in args.only):
            return
        try:
            fn()
        except Exception as e:  # a size over this adapter's limits: report, go on
            msg = str(e).splitlines()[0][:70]
            rows.append({"row": row, "backend": be.name, "unit": unit, "value": None,
                         "note": msg})
            print(f"  {row:<34} {be.name:<11} {'-':>10} {unit} skipped: {msg}", flush=True)

    sizes = [1, 16, 64] if big else [1, 16]
    for op in ("add", "multiply"):
        for n in sizes:
            def one(op=op, n=n):
                h = rng.random(n * M, dtype=np.float32)
                a, b = be.array(h), be.array(h[::-1].copy())
                t = _median_time(lambda: be.op(op, a, b), be.sync, args.repeats)
                record(f"{op} {n}M f32", "GB/s", 3 * 4 * n * M / t / 1e9)
            guard(f"{op} {n}M f32", "GB/s", one)
    for n, label in ((16 * M, "16M"), (1024, "1K")):
        def api(n=n, label=label):
            h = rng.random(n, dtype=np.float32)
            a, b = be.tensor(h), be.tensor(h[::-1].copy())
            t = _median_time(lambda: a + b, be.sync, args.repeats)
            if n >= M:
                record(f"add {label} f32, tensor API a + b", "GB/s", 3 * 4 * n / t / 1e9)
            else:
                record(f"add {label} f32, tensor API a + b", "us/op", t * 1e6,
                       f"({_LAST['inner']} a run)")
        guard(f"add {label} f32, tensor API a + b", "GB/s" if n >= M else "us/op", api)

    def small():
        h = rng.random(1024, dtype=np.float32)
        a, b = be.array(h), be.array(h[::-1].copy())
        t = _median_time(lambda: be.op("add", a, b), be.sync, args.repeats)
        record("add 1K f32, kernel call", "us/op", t * 1e6, f"({_LAST['inner']} a run)")
    guard("add 1K f32, kernel call", "us/op", small)
    square = (4096, 4096) if big else (1024, 1024)
    long = (16 * M,) if big else (4 * M,)
    for op, shape, axis in (("sum", (M,), 0), ("sum", long, 0), ("sum", square, 1),
                            ("sum", square, 0), ("mean", square, 1), ("max", square, 1),
                            ("mean", square, 0), ("mean", (M,), 0), ("max", (M,), 0),
                            ("max", long, 0), ("min", long, 0), ("max", square, 0),
                            ("min", square, 1)):
        name = f"{op} {shape} axis={axis}"

        def red(op=op, shape=shape, axis=axis, name=name):
            a = be.array(rng.random(shape, dtype=np.float32))
            t = _median_time(lambda: be.op(op, a, (axis,), False), be.sync, args.repeats)
            record(name, "GB/s", 4 * np.prod(shape) / t / 1e9)
        guard(name, "GB/s", red)
    for shape in ((M,), square):
        def soft(shape=shape):
            a = be.array(rng.random(shape, dtype=np.float32))
            t = _median_time(lambda: be.op("softmax", a, -1), be.sync, args.repeats)
            record(f"softmax {shape} axis=-1", "GB/s", 2 * 4 * np.prod(shape) / t / 1e9)
        guard(f"softmax {shape}", "GB/s", soft)
    ln = (4096, 1024) if big else (1024, 1024)

    def layer_norm():
        a = be.array(rng.random(ln, dtype=np.float32))
        w = be.array(rng.random(ln[-1:], dtype=np.float32))
        b = be.array(rng.random(ln[-1:], dtype=np.float32))
        t = _median_time(lambda: be.op("layer_norm", a, 1, w, b, 1e-5), be.sync, args.repeats)
        record(f"layer_norm {ln} last axis", "GB/s", 2 * 4 * np.prod(ln) / t / 1e9)
    guard("layer_norm", "GB/s", layer_norm)
    for n in ((1024, 4096) if big else (256, 512)):
        for dt, half in ((np.float32, False), (np.float16, False), (np.float16, True)):
            # half: trueno's opt-in f16 partial sums per k step (_matmul._FAST["half"]);
            # PyTorch runs its usual float16 matmul in that row
            name = f"matmul {n} {np.dtype(dt).name}" + (", half sums" if half else "")

            def mm(n=n, dt=dt, half=half, name=name):
                a = be.array(rng.standard_normal((n, n)).astype(dt))
                b = be.array(rng.standard_normal((n, n)).astype(dt))
                fast = None
                if half and be.name == "trueno-gpu":
                    from trueno_gpu import _matmul as fast
                    fast._FAST["half"] = True
                try:
                    t = _median_time(lambda: be.op("matmul", a, b), be.sync, args.repeats)
                finally:
                    if fast is not None:
                        fast._FAST["half"] = False
                record(name, "TFLOP/s", 2 * n ** 3 / t / 1e12)
            guard(name, "TFLOP/s", mm)
    nbytes = (64 if big else 16) * M
    host = rng.random(nbytes // 4, dtype=np.float32)

    def up():
        t = _median_time(lambda: be.upload(host), be.sync, args.repeats)
        record(f"upload {nbytes // M} MiB", "GB/s", nbytes / t / 1e9)

    def down():
        a = be.array(host)
        t = _median_time(lambda: be.download(a), lambda: None, args.repeats)
        record(f"download {nbytes // M} MiB", "GB/s", nbytes / t / 1e9)
    guard("upload", "GB/s", up)
    guard("download", "GB/s", down)

    def chain():
        x = be.array(rng.random(1000, dtype=np.float32))
        one = np.float32(1.0001)

        def run():
            y = x
            for i in range(1000):
                y = be.op("multiply" if i % 2 else "add", y, one)
            return y
        t = _median_time(run, be.sync, max(1, args.repeats // 2), target=0)
        record("chain 1000 ops x 1000 f32", "us/op", t / 1000 * 1e6)
    guard("chain", "us/op", chain)

    def mlp_step():
        """One training step of an MLP (784-256-256-10, batch 128): forward, cross-entropy,
        backward through autograd, SGD update, on the GPU, through each library's tensor
        API (trueno.torch for trueno)."""
        if be.name == "torch-cuda":
            import torch as T
            dev = "cuda"
        else:
            be.tensor(np.zeros(1, np.float32))  # registers the plugin in a bare checkout
            import trueno.torch as T
            dev = "gpu"
        step, _ = mlp_step_fn(T, dev)
        t = _median_time(step, be.sync, args.repeats)
        record("MLP train step 784-256-256-10 b128", "ms", t * 1e3)
    guard("MLP train step", "ms", mlp_step)
    from _gpu_model_rows import model_rows  # nn layers and training steps (bench_nn/_train)

    model_rows("torch" if be.name == "torch-cuda" else "trueno", args.repeats, record, guard)
    return rows


def _child(args) -> None:
    """Run one contender's rows in this process and write them (JSON) to ``--rows-out``."""
    out: dict = {"rows": [], "info": None}
    if args.backend == "trueno":
        if not trueno_gpu.is_available():
            try:
                trueno_gpu.get_runtime(0)
            except Exception as e:
                sys.exit(str(e))
        info = trueno_gpu.adapter_info()
        software = info.get("adapter_type") == "CPU"
        big = args.full or not software
        print(f"adapter: {info.get('device')} ({info.get('adapter_type')}, "
              f"{info.get('backend_type')}); features: {', '.join(info['features'])}")
        if not big:
            print("software adapter: large rows skipped (--full runs them)")
        out["info"] = {k: v for k, v in info.items() if isinstance(v, (str, int, list))}
        out["big"] = big
        be = Trueno()
    else:
        try:
            import torch
        except ImportError:
            torch = None
        if torch is None or not torch.cuda.is_available():
            print("torch-cuda: not available")
            pathlib.Path(args.rows_out).write_text(json.dumps(out))
            return
        out["info"] = {"version": torch.__version__, "device": torch.cuda.get_device_name(0)}
        big = args.full
        be = Torch(torch)
    gc.collect()
    gc.freeze()  # imports leave many objects behind; keep the cyclic GC from rescanning them
    print(f"\n{be.name}", flush=True)
    out["rows"] = run_rows(be, args, big)
    pathlib.Path(args.rows_out).write_text(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--full", action="store_true", help="large rows on a software adapter too")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--only", nargs="*", default=[],
                    help="run only the rows whose name contains one of these words")
    ap.add_argument("--backend", choices=("trueno", "torch"), help=argparse.SUPPRESS)
    ap.add_argument("--rows-out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.backend:
        _child(args)
        return
    # Each contender runs in its own process, one after the other, on an otherwise idle GPU:
    # measured on an H100, a CUDA context in the same process (import torch, then
    # torch.cuda.*) halves the Vulkan device's throughput (add 64M: 2750 -> 1590 GB/s,
    # matmul 1024: 22.7 -> 9.2 TFLOP/s), which would be unfair to trueno-gpu.
    import subprocess
    import tempfile

    results = {}
    big = args.full
    for name in ("trueno",) + (() if args.no_torch else ("torch",)):
        with tempfile.TemporaryDirectory() as tmp:
            rows_out = str(pathlib.Path(tmp) / "rows.json")
            cmd = [sys.executable, __file__, "--backend", name, "--rows-out", rows_out,
                   "--repeats", str(args.repeats)] + (["--full"] if big else []) + \
                (["--only", *args.only] if args.only else [])
            rc = subprocess.run(cmd).returncode
            if rc != 0 or not pathlib.Path(rows_out).exists():
                if name == "trueno":
                    sys.exit(rc or 1)
                continue
            results[name] = json.loads(pathlib.Path(rows_out).read_text())
        if name == "trueno":
            big = results[name].get("big", big)
    rows = [r for res in results.values() for r in res["rows"]]
    info = results["trueno"]["info"]
    torch_info = results.get("torch", {}).get("info")
    table: dict = {}
    for r in rows:
        table.setdefault((r["row"], r["unit"]), {})[r["backend"]] = r["value"]
    names = ["trueno-gpu"] + (["torch-cuda"] if torch_info else [])
    print("\n" + f"{'row':<34} {'unit':<8}" + "".join(f"{n:>13}" for n in names) +
          ("   ratio" if len(names) > 1 else ""))
    for (row, unit), vals in table.items():
        cells = "".join(f"{vals.get(n):>13.4g}" if vals.get(n) is not None else f"{'-':>13}"
                        for n in names)
        ratio = ""
        if len(names) > 1 and vals.get(names[0]) and vals.get(names[1]):
            ratio = f"   {vals[names[0]] / vals[names[1]]:.2f}x"
        print(f"{row:<34} {unit:<8}{cells}{ratio}")
    if args.json:
        out = {"adapter": info, "torch": torch_info, "rows": rows,
               "note": "us/op: lower is better; every other unit: higher is better; each "
                       "contender ran in its own process"}
        pathlib.Path(args.json).write_text(json.dumps(out, indent=2))
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
