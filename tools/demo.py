"""trueno demo: NumPy-style work on trueno, the PyTorch face, the backends found, then a CNN
trained on real handwritten digits (examples/digits_cnn.py: scikit-learn's bundled 8x8 digits,
a tqdm progress bar, a loss/accuracy plot).

Run with ``nox -s demo`` (installs everything first) or ``python tools/demo.py``;
``nox -s demo -- --device gpu`` trains on the GPU backend. ``--help`` lists the options.
"""

from __future__ import annotations

import argparse
import pathlib
import runpy
import time

import numpy

ROOT = pathlib.Path(__file__).resolve().parents[1]


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 70 - len(title)))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="trueno's tour and digit classifier training")
    p.add_argument("--device", default="cpu", choices=["cpu", "gpu"],
                   help="where the digit classifier trains")
    p.add_argument("--epochs", type=int, help="training epochs (default 10; 3 on a software "
                   "GPU adapter such as lavapipe, which is far slower than the CPU)")
    p.add_argument("--out", default=str(ROOT / "build" / "demo_digits.png"),
                   help="where the loss/accuracy plot goes")
    p.add_argument("--no-tour", action="store_true", help="only train the digit classifier")
    p.add_argument("--no-train", action="store_true", help="only the tour")
    return p.parse_args(argv)


def train_digits(args: argparse.Namespace) -> None:
    """examples/digits_cnn.py (a PyTorch script on ``trueno.torch``), run in this process."""
    section(f"training a CNN on handwritten digits on {args.device} (examples/digits_cnn.py)")
    epochs = args.epochs
    if args.device == "gpu":
        import trueno_gpu
        if not trueno_gpu.is_available():
            raise SystemExit("--device gpu: trueno-gpu finds no GPU adapter here\n  hint: "
                             "install a Vulkan/Metal/D3D12 driver (or Mesa's lavapipe)")
        info = trueno_gpu.adapter_info()
        print(f"adapter: {info['device']} ({info['adapter_type']}, {info['backend_type']})")
        if info["adapter_type"] == "CPU" and epochs is None:
            epochs = 3
            print("a software adapter emulates the GPU on the CPU, many times slower than the "
                  "CPU backend: 3 epochs (pass --epochs to choose)")
    pathlib.Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    example = runpy.run_path(str(ROOT / "examples" / "digits_cnn.py"), run_name="digits_cnn")
    t0 = time.perf_counter()
    example["main"](["--device", args.device, "--epochs", str(epochs or 10), "--out", args.out])
    print(f"trained in {time.perf_counter() - t0:.1f} s; the same script runs on PyTorch with "
          "python examples/run_with_pytorch.py examples/digits_cnn.py")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if not args.no_tour:
        tour()
    if not args.no_train:
        train_digits(args)


def tour() -> None:
    import trueno as np  # the NumPy face: the same names and results as NumPy

    section("backends found (pluggy entry points, highest priority first)")
    for b in np.backends():
        print(f"  {b['name']:18s} priority {b['priority']:3d}  devices {', '.join(b['devices'])}"
              f"  ({b['ops']} kernels)")

    section("creation and views (zero-copy)")
    a = np.arange(12.0).reshape(3, 4)
    print("a =", repr(a))
    print("a.T.shape:", a.T.shape, " a[:, ::-2] =", a[:, ::-2].tolist())
    v = a[1:, 1:3]
    v += 100  # writes through the view into a
    print("after a[1:, 1:3] += 100:\n", a)
    print("strides (bytes, as NumPy):", a.strides, " a.T is contiguous:", a.T.is_contiguous())

    section("broadcasting and reductions")
    col = np.asarray([[1.0], [2.0], [3.0]])
    row = np.asarray([10.0, 20.0, 30.0, 40.0])
    b = col * row
    print("col * row ->", b.shape, " sum(axis=0) =", b.sum(axis=0).tolist())
    print("mean, std, argmax:", float(b.mean()), round(float(b.std()), 4), int(b.argmax()))
    print("same as NumPy:", numpy.allclose(b.numpy(), numpy.asarray(col) * numpy.asarray(row)))

    section("matmul")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 256), dtype="float32")
    y = rng.standard_normal((256, 256), dtype="float32")
    t0 = time.perf_counter()
    z = x @ y
    dt = time.perf_counter() - t0
    print(f"(256, 256) @ (256, 256) in {dt * 1e3:.2f} ms; max |trueno - numpy| = "
          f"{float(numpy.abs(z.numpy() - x.numpy() @ y.numpy()).max()):.2e}")
    try:
        np.ones((3, 4)) @ np.ones((5, 4))
    except np.ShapeError as e:
        print("a clear error for (3,4) @ (5,4):\n  " + str(e).replace("\n", "\n  "))

    section("the PyTorch face: import trueno.torch as torch")
    import trueno.torch as torch
    torch.manual_seed(0)
    t = torch.randn(2, 3)
    print("torch.randn(2, 3).dtype:", t.dtype, " size():", t.size())
    values, indices = t.max(dim=1)
    print("t.max(dim=1) ->", values.shape, indices.tolist())
    print("t.std() is unbiased:", round(float(t.std()), 4), "vs NumPy face ddof=0:",
          round(float(np.asarray(t.numpy()).std()), 4))
    try:
        import trueno.autograd  # noqa: F401
        w = torch.randn(3, 1, requires_grad=True)
        loss = (t @ w).pow(2).sum()
        loss.backward()
        print("autograd: d(loss)/dw =", [round(g, 4) for g in w.grad.reshape(-1).tolist()])
    except ImportError as e:
        print("autograd:", e)

    gpu = [b for b in np.backends() if "gpu" in b["devices"]]
    if gpu:
        section("GPU (WebGPU through wgpu)")
        try:
            g = np.ones((2, 3), device="gpu")
            print("ones on gpu + 1 ->", (g + 1).cpu().tolist())
        except Exception as e:  # no adapter: say why
            print("GPU backend installed but not usable here:", e)


if __name__ == "__main__":
    main()
