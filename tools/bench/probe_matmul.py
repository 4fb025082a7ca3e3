"""How steady the GPU matmul's throughput is from one timed run to the next.

Not a test: a probe for the variance seen between benchmark runs. Times ``--n`` float32 matmuls
one at a time (sync after each) and in batches of 10 (one sync per batch), each ``--runs`` times,
printing every TFLOP/s figure so drift (clocks, power) is visible.

    python tools/bench/probe_matmul.py [--n 4096] [--runs 8]
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np

_ROOT = pathlib.Path(__file__).resolve().parents[2]
for _p in (_ROOT / "packages" / "trueno-gpu" / "src", _ROOT / "packages" / "trueno-core" / "src"):
    if _p.is_dir() and str(_p) not in sys.path:
        sys.path.append(str(_p))

import trueno_gpu  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--runs", type=int, default=8)
    args = ap.parse_args()
    n = args.n
    api = trueno_gpu.GpuDeviceAPI()
    mm = trueno_gpu.kernels_table()["matmul"]["float32"]
    rng = np.random.default_rng(0)
    a = api.from_numpy(rng.standard_normal((n, n)).astype(np.float32), 0)
    b = api.from_numpy(rng.standard_normal((n, n)).astype(np.float32), 0)
    mm(a, b)
    api.synchronize(0)
    for batch in (1, 10):
        figs = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            for _ in range(batch):
                mm(a, b)
            api.synchronize(0)
            figs.append(2 * n ** 3 * batch / (time.perf_counter() - t0) / 1e12)
        print(f"matmul {n} f32, {batch:>2} per sync: TFLOP/s " +
              " ".join(f"{f:.1f}" for f in figs), flush=True)


if __name__ == "__main__":
    main()
