"""float16 matmul on the GPU: the workgroup-memory tiled kernel, its opt-in f16 partial sums,
a few of ``_matmul_reg``'s register-blocked variants (--reg), and each shape of the
subgroup-tiled kernel (``_matmul_subgroup``; its "f16 tiles" shapes share nothing through
subgroups: the control), side by side with PyTorch
CUDA float16 (with and without its reduced-precision f16 reductions) and float32 (TF32 off).

Not a test. Square n x n @ n x n for n in --sizes (default 1024 2048 4096) plus 4096 with B
stored k-contiguous (``x @ W.T``) and a training step's x @ W.T, (128, 784) @ (784, 256)
with W stored (256, 784) (column "mlp"); median TFLOP/s over --repeats timed runs of --iters
products each (one sync per run). The last column is each kernel's error on a 1024^3 product
(or the largest size's) of uniform(-1, 1) operands against float64 NumPy, B row-major and
k-contiguous (the worse): max |got - exact| / max |exact|. torch runs in a child process
afterwards (a CUDA context in the same process halves the Vulkan device's throughput on an
H100, see bench_gpu.py). Under 90 s on an H100.

    python tools/bench/sweep_matmul_f16.py [--sizes 1024 2048 4096] [--repeats 5] [--iters 10]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import time

import numpy as np

_ROOT = pathlib.Path(__file__).resolve().parents[2]
for _p in (_ROOT / "packages" / "trueno-gpu" / "src", _ROOT / "packages" / "trueno-core" / "src"):
    if _p.is_dir() and str(_p) not in sys.path:
        sys.path.append(str(_p))

RNG_MLP = np.random.default_rng(7)
ERR_N = 1024  # the error check's size (at most the largest timed size)
MLP = (128, 784, 256)  # a training step's x @ W.T (m, k, n), W stored (n, k): column "mlp"


def _operands(n, rng):
    return (rng.uniform(-1, 1, (n, n)).astype(np.float16),
            rng.uniform(-1, 1, (n, n)).astype(np.float16))


def _exact(a, b):
    return a.astype(np.float64) @ b.astype(np.float64)


def _rel_err(got, want) -> float:
    return float(np.max(np.abs(got.astype(np.float64) - want)) / np.max(np.abs(want)))


def _time(mm, operands, sync, n, repeats, iters) -> float:
    """Median TFLOP/s of ``mm(*operands)`` (n^3 multiply-adds, or n = (m, k, n)), ``iters``
    calls per timed run."""
    flops = 2 * (n[0] * n[1] * n[2] if isinstance(n, tuple) else n ** 3)
    mm(*operands)
    sync()
    figs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(iters):
            mm(*operands)
        sync()
        figs.append(flops * iters / (time.perf_counter() - t0) / 1e12)
    return statistics.median(figs)


def _trueno(args) -> dict:
    import trueno_gpu
    from trueno.backend import StridedArray
    from trueno_gpu import _matmul, _matmul_half
    from trueno_gpu._matmul_subgroup import SG_CONFIGS, group_fits
    from trueno_gpu._matmul_tiled import CONFIGS

    api = trueno_gpu.GpuDeviceAPI()
    rt = trueno_gpu.get_runtime(0)
    table = trueno_gpu.kernels_table()["matmul"]["float16"]
    sync = lambda: api.synchronize(0)  # noqa: E731
    print(f"adapter: {rt.info.get('device')} ({rt.info.get('adapter_type')}); "
          f"min subgroup {_matmul_half.min_subgroup(rt)}; default f16 path: "
          f"{_matmul_half.half_path(rt)}", flush=True)

    def tiled(cfg=None, half=False):
        def mm(x, y):
            _matmul._FAST.update(on=True, cfg=cfg, half=half)
            _matmul_half.HALF.update(path="tiled", cfg=None)
            return table(x, y)
        return mm

    def subgroup(name, assume=None):
        def mm(x, y):
            _matmul_half.HALF.update(path="subgroup", cfg=name, min_subgroup=assume)
            return _matmul_half.matmul_f16(rt, x, y)
        return mm

    variants = {"tiled (default)": tiled(), "tiled large": tiled(CONFIGS["large"]),
                "tiled f16 partials": tiled(None, True)}
    try:  # helper B's register-blocked variants, in float16
        from trueno_gpu._matmul_reg import VARIANTS
    except ImportError:  # pragma: no cover - an older checkout
        VARIANTS = {}
    for name in args.reg:
        if name in VARIANTS:
            variants[name] = tiled(VARIANTS[name])
    nvidia = rt.info.get("vendor_id") == 0x10DE  # NVIDIA runs 32-lane subgroups
    for name, cfg in SG_CONFIGS.items():
        label = f"{'f16 tiles' if cfg.asm else 'subgroup'} {name}"
        if group_fits(cfg, _matmul_half.min_subgroup(rt)):
            variants[label] = subgroup(name)
        elif nvidia and group_fits(cfg, 32):  # the error column checks the assumption
            variants[f"{label} (sg32)"] = subgroup(name, 32)
        else:
            print(f"subgroup {name}: groups of {cfg.g} do not fit the adapter's subgroups")
    # most telling first (a --budget cut drops the tail): the default, the subgroup shapes,
    # then the tiled kernel's other knobs
    def rank(label):
        if label == "tiled (default)":
            return 0
        if label.startswith(("subgroup", "f16")):
            cfg = SG_CONFIGS[label.split()[-1] if "(" not in label else label.split()[-2]]
            return 1 if cfg.threads == 128 else 2 if cfg.asm else 3
        return 4 if label in args.reg else 5

    variants = {k: variants[k] for k in sorted(variants, key=rank)}
    rng = np.random.default_rng(0)
    n_err = min(ERR_N, max(args.sizes))
    a_err, b_err = _operands(n_err, rng)
    want = _exact(a_err, b_err)
    ga, gb = api.from_numpy(a_err, 0), api.from_numpy(b_err, 0)
    gbt = api.from_numpy(np.ascontiguousarray(b_err.T), 0)
    gbt = StridedArray(gbt.storage, 0, (n_err, n_err), (1, n_err), np.dtype(np.float16))
    operands = {}  # n -> (x, y, y as a k-contiguous view of its transpose), made once
    for n in args.sizes:
        a, b = _operands(n, rng)
        bt = api.from_numpy(np.ascontiguousarray(b.T), 0)
        operands[n] = (api.from_numpy(a, 0), api.from_numpy(b, 0),
                       StridedArray(bt.storage, 0, (n, n), (1, n), np.dtype(np.float16)))
    m, k, n = MLP
    w = api.from_numpy(RNG_MLP.uniform(-1, 1, (n, k)).astype(np.float16), 0)
    mlp = (api.from_numpy(RNG_MLP.uniform(-1, 1, (m, k)).astype(np.float16), 0),
           StridedArray(w.storage, 0, (k, n), (1, k), np.dtype(np.float16)))
    rows = {}
    t_start = time.perf_counter()
    for name, mm in variants.items():
        if time.perf_counter() - t_start > args.budget:
            print(f"{name}: skipped (past --budget {args.budget} s)", flush=True)
            continue
        out = mm(ga, gb)
        row = rows.setdefault(name, {})
        if out is None:
            row["err"] = None
            continue
        row["err"] = _rel_err(api.to_numpy(out), want)
        out = mm(ga, gbt)  # and with B k-contiguous
        if out is not None:
            row["err"] = max(row["err"], _rel_err(api.to_numpy(out), want))
        for n in args.sizes:
            x, y, yt = operands[n]
            row[n] = _time(mm, (x, y), sync, n, args.repeats, args.iters)
            if n == max(args.sizes):  # B stored k-contiguous: a transposed view of B.T
                if mm(x, yt) is not None:
                    row[f"{n}T"] = _time(mm, (x, yt), sync, n, args.repeats, args.iters)
        row["mlp"] = _time(mm, mlp, sync, MLP, args.repeats, 10 * args.iters)
        _print_row(name, row, args.sizes)
    _matmul._FAST.update(on=True, cfg=None, half=False)
    _matmul_half.HALF.update(path=None, cfg=None, min_subgroup=None)
    return rows


def _torch(args) -> dict:
    import torch

    if not torch.cuda.is_available():
        return {}
    dev = torch.device("cuda")
    sync = torch.cuda.synchronize
    rows = {}
    rng = np.random.default_rng(0)
    a_err, b_err = _operands(min(ERR_N, max(args.sizes)), rng)
    want = _exact(a_err, b_err)
    back = torch.backends.cuda.matmul
    for name, dtype, reduced in (("torch f16", torch.float16, True),
                                 ("torch f16, f32 reductions", torch.float16, False),
                                 ("torch f32 (no TF32)", torch.float32, None)):
        back.allow_tf32 = False
        if reduced is not None:
            back.allow_fp16_reduced_precision_reduction = reduced
        ta = torch.from_numpy(a_err).to(dev, dtype)
        tb = torch.from_numpy(b_err).to(dev, dtype)
        row = rows.setdefault(name, {"err": _rel_err((ta @ tb).float().cpu().numpy(), want)})
        for n in args.sizes:
            a, b = _operands(n, rng)
            x, y = torch.from_numpy(a).to(dev, dtype), torch.from_numpy(b).to(dev, dtype)
            row[n] = _time(torch.matmul, (x, y), sync, n, args.repeats, args.iters)
            if n == max(args.sizes):
                yt = y.T.contiguous().T
                row[f"{n}T"] = _time(torch.matmul, (x, yt), sync, n, args.repeats, args.iters)
        m, k, n = MLP
        x = torch.from_numpy(RNG_MLP.uniform(-1, 1, (m, k))).to(dev, dtype)
        w = torch.from_numpy(RNG_MLP.uniform(-1, 1, (n, k))).to(dev, dtype)
        row["mlp"] = _time(torch.matmul, (x, w.T), sync, MLP, args.repeats, 10 * args.iters)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1024, 2048, 4096])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--budget", type=float, default=60.0,
                    help="seconds after which no new trueno variant starts")
    ap.add_argument("--reg", nargs="*", default=["r64x128k8t128w8", "r64x128k8t128",
                                                 "r128x64k8t128w8", "r128x128k16w8"],
                    help="_matmul_reg variants to run in float16 too")
    ap.add_argument("--torch-child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_child:
        pathlib.Path(args.torch_child).write_text(json.dumps(_torch(args)))
        return
    _print_row("kernel", None, args.sizes)
    rows = _trueno(args)
    if not args.no_torch:
        out = pathlib.Path("/tmp/sweep_matmul_f16_torch.json")
        cmd = [sys.executable, __file__, "--torch-child", str(out), "--repeats",
               str(args.repeats), "--iters", str(args.iters), "--sizes",
               *map(str, args.sizes)]
        if subprocess.run(cmd).returncode == 0 and out.exists():
            rows.update({k: {(int(c) if c.isdigit() else c): v for c, v in r.items()}
                         for k, r in json.loads(out.read_text()).items()})
    print(f"\nfloat16 matmul, TFLOP/s (median of {args.repeats} runs x {args.iters} products;"
          " nT: B k-contiguous)")
    _print_row("kernel", None, args.sizes)
    for name, row in rows.items():
        _print_row(name, row, args.sizes)


def _print_row(name: str, row: dict | None, sizes) -> None:
    """One table row (the header when ``row`` is None), printed as soon as it is known."""
    cols = list(sizes) + [f"{max(sizes)}T", "mlp"]
    if row is None:
        print(f"{name:<28}" + "".join(f"{c:>9}" for c in cols) + f"{'rel err':>11}", flush=True)
        return
    cells = "".join(f"{row[c]:>9.3g}" if row.get(c) is not None else f"{'-':>9}" for c in cols)
    err = f"{row['err']:>11.2e}" if row.get("err") is not None else f"{'n/a':>11}"
    print(f"{name:<28}{cells}{err}", flush=True)


if __name__ == "__main__":
    main()
