"""Where the GPU MLP training step of bench_gpu spends its time.

Not a test: a probe for a real GPU. Prints the step's CPU recording time against its total
(recording-bound or GPU-bound?), dispatches per step, and the time per call of each kind of
kernel the step launches, with bench_gpu's timing rule.

    python tools/bench/probe_mlp.py [--profile]
"""

from __future__ import annotations

import pathlib
import sys
import time

import numpy as np

_HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE))
_ROOT = _HERE.parents[1]
for _p in (_ROOT / "packages" / "trueno-gpu" / "src", _ROOT / "packages" / "trueno-core" / "src",
           _ROOT / "packages" / "trueno-autograd" / "src"):
    if _p.is_dir() and str(_p) not in sys.path:
        sys.path.append(str(_p))

from bench_gpu import _median_time, mlp_step_fn  # noqa: E402


def main() -> None:
    import trueno_gpu

    import trueno.torch as T

    rt = trueno_gpu.get_runtime(0)
    sync = trueno_gpu.synchronize
    g = np.random.default_rng(1)
    step, (ps, x) = mlp_step_fn(T, "gpu")
    for _ in range(5):
        step()
    sync()
    d0 = rt.dispatches
    t0 = time.perf_counter()
    for _ in range(20):
        step()
    t1 = time.perf_counter()
    sync()
    t2 = time.perf_counter()
    print(f"MLP step: record {(t1 - t0) / 20 * 1e3:.2f} ms/step, total "
          f"{(t2 - t0) / 20 * 1e3:.2f} ms/step, {(rt.dispatches - d0) / 20:.0f} dispatches/step",
          flush=True)

    if "--profile" in sys.argv:  # where the recording time goes, by function
        import cProfile
        import pstats

        cProfile.runctx("for _ in range(20): step()", globals(), locals(), "/tmp/mlp.prof")
        sync()
        pstats.Stats("/tmp/mlp.prof").sort_stats("tottime").print_stats(25)
        return
    a = T.from_numpy(g.standard_normal((128, 256)).astype(np.float32)).to("gpu")
    w1 = ps[0].detach()
    w2 = ps[2].detach()
    cases = {
        "x @ W1 (128x784 @ 784x256)": lambda: x @ w1,
        "x.T @ g (784x128 @ 128x256)": lambda: x.T @ a,
        "g @ W1.T (128x256 @ 256x784)": lambda: a @ w1.T,
        "h @ W2 (128x256 @ 256x256)": lambda: a @ w2,
        "sum axis 0 (128, 256)": lambda: a.sum(0),
        "add bias (128, 256) + (256,)": lambda: a + ps[1].detach(),
        "relu (128, 256)": lambda: a.relu(),
        "log_softmax (128, 10)": lambda: a[:, :10].log_softmax(1),
        "mul scalar (784, 256)": lambda: w1 * 0.01,
    }
    for name, fn in cases.items():
        t = _median_time(fn, sync, 5)
        print(f"{name:<32} {t * 1e6:8.1f} us/call", flush=True)

    # The matmuls of the step, straight to the kernel, in each tile shape and the generic one.
    from trueno_gpu import _matmul, _matmul_tiled

    mm = trueno_gpu.kernels_table()["matmul"]["float32"]
    api = trueno_gpu.GpuDeviceAPI()

    def t_(sa):
        return sa.view(sa.offset, sa.shape[::-1], sa.strides[::-1])
    shapes = {"128x784 @ 784x256": ((128, 784), (784, 256), False),
              "(128x784).T @ 128x256": ((128, 784), (128, 256), True),
              "128x256 @ (784x256).T": ((128, 256), (784, 256), "b"),
              "128x256 @ 256x256": ((128, 256), (256, 256), False)}
    for name, (sa, sb, tr) in shapes.items():
        a_ = api.from_numpy(g.standard_normal(sa).astype(np.float32), 0)
        b_ = api.from_numpy(g.standard_normal(sb).astype(np.float32), 0)
        a_ = t_(a_) if tr is True else a_
        b_ = t_(b_) if tr == "b" else b_
        res = []
        for cfg in [*_matmul_tiled.CONFIGS, "generic"]:
            _matmul._FAST["on"] = cfg != "generic"
            _matmul._FAST["cfg"] = _matmul_tiled.CONFIGS.get(cfg)
            t = _median_time(lambda a_=a_, b_=b_: mm(a_, b_), sync, 5)
            res.append(f"{cfg} {t * 1e6:.1f}")
        _matmul._FAST.update(on=True, cfg=None)
        print(f"kernel {name:<24} us: " + ", ".join(res), flush=True)


if __name__ == "__main__":
    main()
