"""The PyTorch face's new functions run on the GPU backend (lavapipe in CI): each result
stays on the device and equals the CPU result."""

import numpy as np
import pytest

import trueno.torch as tt

trueno_gpu = pytest.importorskip("trueno_gpu", reason="the GPU extra is not installed")
if not trueno_gpu.device_count():  # pragma: no cover - a machine without any adapter
    pytest.skip("no GPU adapter", allow_module_level=True)

A = [[3.0, -1.0, 7.5, 2.0], [0.5, 9.0, -4.0, 6.0], [1.0, 8.0, 5.0, -2.5]]

CASES = {
    "flip": lambda m, d: m.flip(d(A), [0, 1]), "roll": lambda m, d: d(A).roll(1, 1),
    "tril": lambda m, d: d(A).tril(-1), "diag_embed": lambda m, d: d(A).diag_embed(),
    "median": lambda m, d: d(A).median(1), "kthvalue": lambda m, d: d(A).kthvalue(2, 0),
    "cummax": lambda m, d: d(A).cummax(1), "quantile": lambda m, d: d(A).quantile(0.3, 1),
    "scatter_add": lambda m, d: d(A).scatter_add(0, d([[2, 0, 1, 0]], m.int64), d(A)[:1]),
    "index_add": lambda m, d: d(A).index_add(0, d([2, 2], m.int64), d(A)[:2]),
    "masked_select": lambda m, d: d(A).masked_select(d(A) > 2),
    "unfold": lambda m, d: d(A).unfold(1, 2, 1), "take": lambda m, d: d(A).take(
        d([0, 11], m.int64)),
    "addmm": lambda m, d: m.addmm(d(A)[:, :3], d(A), d(A).t(), beta=0.5),
    "cdist": lambda m, d: m.cdist(d(A), d(A)), "lerp_": lambda m, d: d(A).lerp_(d(A) * 2, 0.25),
    "unique": lambda m, d: d(A).round().unique(return_counts=True),
    "erfc": lambda m, d: d(A).erfc(), "fmod": lambda m, d: m.fmod(d(A), 1.5),
    "linalg.solve": lambda m, d: m.linalg.solve(d(A)[:, :3], d(A)[:, 3]),
    "fft.rfft": lambda m, d: m.fft.rfft(d(A)),
    # rows that run their decomposition on the GPU (no GPU kernel): the result keeps the face
    "cov": lambda m, d: m.cov(d(A)), "corrcoef": lambda m, d: m.corrcoef(d(A)),
    "nanmedian": lambda m, d: d(A).nanmedian(1), "nansum": lambda m, d: m.nansum(d(A), 0),
    "topk": lambda m, d: d(A).topk(2, 1), "isin": lambda m, d: m.isin(d(A), d([7.5, 1.0])),
    "count_nonzero": lambda m, d: m.count_nonzero(d(A) > 2, 1),
}


@pytest.mark.parametrize("name", list(CASES))
def test_runs_on_the_gpu_as_on_the_cpu(name):
    def on(dev):
        return lambda v, dt=None: tt.tensor(v, dtype=dt).to_device(dev)
    got, want = CASES[name](tt, on("gpu")), CASES[name](tt, on("cpu"))
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    for g, w in zip(got, want):
        assert g.is_cuda and g.device == tt.device("cuda", 0)
        assert g.dtype == w.dtype and tuple(g.shape) == tuple(w.shape)
        np.testing.assert_allclose(g.cpu().numpy(), w.numpy(), rtol=1e-5, atol=1e-5)


def test_as_strided_on_the_gpu_shares_memory():
    x = tt.arange(10.0).to_device("gpu")
    v = x.as_strided((4, 3), (2, 1), 1)
    assert v.is_cuda
    np.testing.assert_array_equal(v.cpu().numpy(), tt.arange(10.0).as_strided(
        (4, 3), (2, 1), 1).numpy())
    v[0, 0] = -1.0
    assert x.cpu()[1].item() == -1.0


@pytest.mark.parametrize("src_dev, dst_dev", [("cpu", "gpu"), ("gpu", "cpu")])
def test_copy_between_devices_as_torch(src_dev, dst_dev):
    """``copy_`` from a tensor on the other device (and of another dtype) copies its values,
    as PyTorch's does between CPU and CUDA; the gradient flows back through the move."""
    dst = tt.zeros(3, 4, dtype=tt.float64).to_device(dst_dev)
    src = tt.tensor(A, requires_grad=True).to_device(src_dev)
    src.retain_grad()
    out = dst.copy_(src)
    assert out is dst and dst.device.type == ("cuda" if dst_dev == "gpu" else "cpu")
    assert dst.dtype == tt.float64
    np.testing.assert_array_equal(dst.detach().cpu().numpy(), np.array(A))
    (dst * 2).sum().backward()
    np.testing.assert_array_equal(src.grad.cpu().numpy(), np.full((3, 4), 2.0, np.float32))
