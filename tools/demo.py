"""trueno demo: NumPy-style work on trueno, the PyTorch face, and the backends found.

Run with ``nox -s demo`` (installs everything first) or ``python tools/demo.py``.
"""

from __future__ import annotations

import time

import numpy


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 70 - len(title)))


def main() -> None:
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
