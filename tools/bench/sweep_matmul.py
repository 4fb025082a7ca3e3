"""float32 (or float16) matmul kernel variants side by side: TFLOP/s per variant and shape,
next to PyTorch CUDA with TF32 off, plus each variant's max-abs error vs float64 NumPy.

Not a test. Variants: trueno-gpu's default choice, every ``_matmul_tiled.CONFIGS`` tile shape
and every ``_matmul_reg.VARIANTS`` entry (pinned through ``_matmul._FAST["cfg"]``). Shapes:
square n = 1024, 2048, 4096 (256, 512 on a software adapter) and a training step's three
products: x @ W (128, 784) x (784, 256), x.T @ g (784, 128) x (128, 256) with A transposed,
g @ W.T (128, 256) x (256, 784) with B transposed. PyTorch runs in a child process (a CUDA
context in the same process slows the Vulkan device down on an H100) with
``torch.backends.cuda.matmul.allow_tf32 = False``. Timing as bench_gpu: a warm-up, then
median seconds per call over ``--repeats`` runs of back-to-back calls with one sync each.
The error check (max |trueno - float64|) uses (264, 520) x (520, 200) (edge tiles) and
(256, 512) x (512, 256) (interior tiles where the variant has them).

    python tools/bench/sweep_matmul.py [--repeats 3] [--only r128x128k8,tiled-wide]
        [--sizes 1024 4096] [--budget 100] [--part 1] [--dtype float16]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import time

import numpy as np

_HERE = pathlib.Path(__file__).resolve().parent
_ROOT = _HERE.parents[1]
for _p in (_ROOT / "packages" / "trueno-gpu" / "src", _ROOT / "packages" / "trueno-core" / "src",
           _HERE):
    if _p.is_dir() and str(_p) not in sys.path:
        sys.path.append(str(_p))

from bench_gpu import _median_time  # noqa: E402

# name -> (m, k, n, A transposed, B transposed)
TRAIN = {"x@W 128x784x256": (128, 784, 256, False, False),
         "x.T@g 784x128x256": (784, 128, 256, True, False),
         "g@W.T 128x256x784": (128, 256, 784, False, True)}
ERR_CASES = ((264, 520, 200), (256, 512, 256))
# --part 1: the 8 x 8 register blocks and the tiled kernel's best; --part 3: small tiles for
# small outputs (the training rows); --part 2: everything else. Each part has the default and
# tiled-medium.
PART1 = {"tiled-wide", "tiled-large", "r64x128k8t128", "r64x128k8t128w8", "r64x128k8t128w4",
         "r128x64k8t128w8", "r128x128k16w8", "r64x128k8t128-checked"}
PART3 = {"r32x64k16t128w8", "r32x32k32t64w8", "r64x64k16w8", "r64x64k16", "r64x64k16t128w8"}


def shapes(sizes) -> dict:
    """Row label -> (m, k, n, ta, tb) for the square sizes and the training products."""
    out = {f"{n}": (n, n, n, False, False) for n in sizes}
    out.update(TRAIN)
    return out


def operands(rng, m, k, n, ta, tb, dtype="float32"):
    """Host operands: A (m, k) and B (k, n), generated in their stored layouts."""
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(dtype)
    return a, b


def torch_child(sizes, repeats, dtype) -> None:
    """PyTorch CUDA's TFLOP/s per shape as one JSON line (run in its own process)."""
    import torch

    if not torch.cuda.is_available():
        print(json.dumps({}))
        return
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    rng = np.random.default_rng(0)
    res = {}
    for label, (m, k, n, ta, tb) in shapes(sizes).items():
        a, b = (torch.from_numpy(x).cuda() for x in operands(rng, m, k, n, ta, tb, dtype))
        a = a.T if ta else a
        b = b.T if tb else b
        t = _median_time(lambda a=a, b=b: torch.matmul(a, b), torch.cuda.synchronize, repeats)
        res[label] = 2 * m * n * k / t / 1e12
    res["device"] = torch.cuda.get_device_name()
    print(json.dumps(res))


def _t(sa):
    """The StridedArray view swapping the two axes (a transposed operand, no copy)."""
    return sa.view(sa.offset, sa.shape[::-1], sa.strides[::-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sizes", type=int, nargs="*")
    ap.add_argument("--only", default="", help="comma-separated variant names")
    ap.add_argument("--dtype", default="float32", choices=("float32", "float16"))
    ap.add_argument("--part", type=int, choices=(1, 2, 3),
                    help="a third of the variants (each with the default and tiled-medium)")
    ap.add_argument("--budget", type=float, default=100.0,
                    help="seconds after which no further variant is measured")
    ap.add_argument("--torch-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_child:  # before any Vulkan device exists in this process
        torch_child(args.sizes, args.repeats, args.dtype)
        return
    t_start = time.perf_counter()
    import trueno_gpu
    from trueno_gpu import _matmul
    from trueno_gpu._matmul_reg import VARIANTS
    from trueno_gpu._matmul_tiled import CONFIGS
    from trueno_gpu._runtime import get_runtime

    rt = get_runtime(0)
    software = rt.info.get("adapter_type") == "CPU"
    sizes = args.sizes or ((256, 512) if software else (1024, 2048, 4096))
    torch_res = {}
    try:
        out = subprocess.run([sys.executable, __file__, "--torch-child", "--repeats",
                              str(args.repeats), "--dtype", args.dtype,
                              "--sizes", *map(str, sizes)],
                             capture_output=True, text=True, timeout=300)
        torch_res = json.loads(out.stdout.strip().splitlines()[-1]) if out.stdout.strip() else {}
    except Exception as e:  # no torch, no CUDA: trueno's columns alone
        print(f"(torch child: {type(e).__name__}: {e})")

    api = trueno_gpu.GpuDeviceAPI()
    mm = trueno_gpu.kernels_table()["matmul"][args.dtype]
    variants = {"default": None, **{f"tiled-{k}": v for k, v in CONFIGS.items()}, **VARIANTS}
    if args.part:
        parts = {1: PART1, 3: PART3}
        rest = set(variants) - PART1 - PART3
        chosen = parts.get(args.part, rest) | {"default", "tiled-medium"}
        variants = {k: v for k, v in variants.items() if k in chosen}
    if args.only:
        keep = set(args.only.split(","))
        variants = {k: v for k, v in variants.items() if k in keep or k == "default"}
    rng = np.random.default_rng(0)
    rows = shapes(sizes)
    dev = {}
    for label, (m, k, n, ta, tb) in rows.items():
        a, b = operands(rng, m, k, n, ta, tb, args.dtype)
        da, db = api.from_numpy(a, 0), api.from_numpy(b, 0)
        dev[label] = (_t(da) if ta else da, _t(db) if tb else db)
    err_ops = []
    for m, k, n in ERR_CASES:
        a = rng.standard_normal((m, k)).astype(args.dtype)
        b = rng.standard_normal((k, n)).astype(args.dtype)
        err_ops.append((api.from_numpy(a, 0), api.from_numpy(b, 0),
                        a.astype(np.float64) @ b.astype(np.float64)))
    # warm the clocks up once on the biggest product (bench_gpu's note on the H100)
    big = dev[str(max(sizes))]
    _median_time(lambda: mm(*big), lambda: api.synchronize(0), 1, warmup=1.0)
    labels = list(rows)
    w = max(len(x) for x in labels) + 1
    print(f"{args.dtype}: trueno-gpu on {rt.info.get('device', '?')} | torch: "
          f"{torch_res.get('device', '-')} (TF32 off) | TFLOP/s, (x torch) | "
          f"repeats {args.repeats}")
    print(f"{'variant':<20}" + "".join(f"{x:>{w}}" for x in labels) + f"{'max err':>10}")
    if torch_res:
        print(f"{'torch-cuda':<20}" + "".join(f"{torch_res.get(x, 0):>{w}.3g}" for x in labels))

    def tflops(label):
        m, k, n = rows[label][:3]
        x, y = dev[label]
        t = _median_time(lambda: mm(x, y), lambda: api.synchronize(0), args.repeats,
                         warmup=0.1, target=0.03)
        return 2 * m * n * k / t / 1e12

    def row(name, cells, err=None):
        line = f"{name:<20}"
        for x in labels:
            r = f" ({cells[x] / torch_res[x]:.2f})" if torch_res.get(x) else ""
            line += f"{f'{cells[x]:.3g}{r}':>{w}}" if x in cells else f"{'':>{w}}"
        print(line + (f"{err:>10.1e}" if err is not None else ""), flush=True)

    table = {}
    for name, cfg in variants.items():
        if time.perf_counter() - t_start > args.budget:
            print(f"{name}: not measured (past --budget {args.budget:.0f} s)")
            continue
        _matmul._FAST["cfg"] = cfg
        try:
            err = max(float(np.abs(api.to_numpy(mm(x, y)) - want).max())
                      for x, y, want in err_ops)
            table[name] = {label: tflops(label) for label in labels}
            row(name, table[name], err)
        except Exception as e:  # a variant the adapter rejects (limits): say so, go on
            print(f"{name}: {type(e).__name__}: {str(e).splitlines()[0][:100]}", flush=True)
        finally:
            _matmul._FAST["cfg"] = None
    best = {x: max(table, key=lambda v: table[v][x]) for x in labels} if table else {}
    print("best: " + ", ".join(f"{x}: {v}" for x, v in best.items()))
    # a second look at the square sizes: the default and the three best, re-timed in turn
    for label in [str(n) for n in sizes]:
        if time.perf_counter() - t_start > args.budget or not table:
            break
        top = ["default"] + [v for v in sorted(table, key=lambda v: -table[v][label])
                             if v != "default"][:3]
        again = {}
        for name in top:
            _matmul._FAST["cfg"] = variants[name]
            again[name] = tflops(label)
            _matmul._FAST["cfg"] = None
        print(f"again {label}: " + ", ".join(f"{v} {f:.3g}" for v, f in again.items()))
    print(f"sweep took {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
