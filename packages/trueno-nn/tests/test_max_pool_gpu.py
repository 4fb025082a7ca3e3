"""max_pool2d/max_pool1d of a floating tensor on the GPU device are one autograd node over the
rows ``max_pool2d_forward``/``max_pool2d_backward``: one launch forward and one backward, no
upload, and PyTorch's values, indices and gradients bit for bit (signed zeros included) for
padding, stride, dilation, ceil_mode, overlapping windows, 3-d input, NaN and ties; a
gradient taken with ``create_graph`` differentiates the trueno-op path (vs torch)."""

from __future__ import annotations

import numpy as np
import pytest

import trueno.torch as T

torch = pytest.importorskip("torch", reason="torch is not importable (CI installs "
                                            "torch==2.13.0 for the differential tests)")
trueno_gpu = pytest.importorskip("trueno_gpu")
if not trueno_gpu.is_available():
    pytest.skip("no GPU adapter for trueno-gpu", allow_module_level=True)

from trueno_gpu import _runtime  # noqa: E402

RNG = np.random.default_rng(31)
KWS = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
       dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 1), dilation=(2, 1)),
       dict(kernel_size=3, stride=1, padding=1, return_indices=True),
       dict(kernel_size=2, stride=2, ceil_mode=True, return_indices=True)]


def _input(shape=(2, 3, 7, 9)):
    x = np.round(RNG.standard_normal(shape) * 2) / 2  # many ties
    x[..., 0, :3] = -0.0
    x[..., 2::5, 1::4] = np.nan
    x[0, 1] = -np.inf
    return x.astype(np.float32)


def _counts(fn):
    """(result, launches, uploads) of ``fn()`` recorded on GPU 0."""
    rt = _runtime.get_runtime(0)
    up = _runtime.Runtime.upload
    n = [0]

    def upload(self, *a, **k):
        n[0] += 1
        return up(self, *a, **k)

    _runtime.Runtime.upload = upload
    try:
        d0 = rt.dispatches
        r = fn()
        return r, rt.dispatches - d0, n[0]
    finally:
        _runtime.Runtime.upload = up


@pytest.mark.parametrize("shape", [(2, 3, 7, 9), (3, 8, 5)], ids=str)
@pytest.mark.parametrize("kw", KWS, ids=str)
def test_max_pool2d_rows_on_gpu_match_torch(kw, shape):
    x = _input(shape)
    a = torch.tensor(x, requires_grad=True)
    b = T.tensor(x).to("gpu").requires_grad_(True)
    want = torch.nn.functional.max_pool2d(a, **kw)
    got, launches, uploads = _counts(lambda: T.nn.functional.max_pool2d(b, **kw))
    assert (launches, uploads) == (1, 0)
    if kw.get("return_indices"):
        assert got[1].dtype == T.int64
        np.testing.assert_array_equal(np.asarray(got[1].to("cpu")), want[1].numpy())
        want, got = want[0], got[0]
    out = np.asarray(got.detach().to("cpu"))
    np.testing.assert_array_equal(out, want.detach().numpy())
    np.testing.assert_array_equal(np.signbit(out), np.signbit(want.detach().numpy()))
    g = RNG.standard_normal(tuple(want.shape)).astype("float32")
    want.backward(torch.tensor(g))
    gd = T.tensor(g).to("gpu")
    _, launches, uploads = _counts(lambda: got.backward(gd))
    assert launches <= 2 and uploads == 0  # the backward row (+ a gradient accumulation)
    np.testing.assert_array_equal(np.asarray(b.grad.to("cpu")), a.grad.numpy())


def test_max_pool1d_and_module_on_gpu_match_torch():
    x = _input((2, 3, 11))
    a = torch.tensor(x, requires_grad=True)
    b = T.tensor(x).to("gpu").requires_grad_(True)
    want = torch.nn.MaxPool1d(3, stride=2, padding=1, ceil_mode=True)(a)
    got = T.nn.MaxPool1d(3, stride=2, padding=1, ceil_mode=True)(b)
    np.testing.assert_array_equal(np.asarray(got.detach().to("cpu")), want.detach().numpy())
    want.sum().backward()
    got.sum().backward()
    np.testing.assert_array_equal(np.asarray(b.grad.to("cpu")), a.grad.numpy())


def test_max_pool2d_double_backward_on_gpu_matches_torch():
    """create_graph: the gradient is itself differentiable (through the trueno-op path)."""
    x = RNG.standard_normal((2, 2, 6, 6)).astype(np.float64)
    a = torch.tensor(x, requires_grad=True)
    b = T.tensor(x).to("gpu").requires_grad_(True)
    outs = []
    for lib, t in ((torch, a), (T, b)):
        y = lib.nn.functional.max_pool2d(t, 3, stride=2, padding=1)
        (g,) = lib.autograd.grad((y * y).sum(), [t], create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), [t])
        outs.append([np.asarray(v.detach().to("cpu")) for v in (g, gg)])
    for got, want in zip(outs[1], outs[0], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_max_pool2d_without_grad_is_one_launch():
    x = T.tensor(_input()).to("gpu")
    with T.no_grad():
        (v, i), launches, uploads = _counts(
            lambda: T.nn.functional.max_pool2d(x, 2, return_indices=True))
    assert (launches, uploads) == (1, 0)
    want, wi = torch.nn.functional.max_pool2d(torch.tensor(np.asarray(x.to("cpu"))), 2,
                                              return_indices=True)
    np.testing.assert_array_equal(np.asarray(v.to("cpu")), want.numpy())
    np.testing.assert_array_equal(np.asarray(i.to("cpu")), wi.numpy())


def test_max_pool2d_arguments_on_gpu_each_call():
    """The checked arguments are kept per (arguments, shape): list arguments, a changed
    kernel on the same shape and a bad padding each behave as on the first call."""
    x = _input()
    b = T.tensor(x).to("gpu")
    for kw in (dict(kernel_size=[3, 2], stride=[1, 2]), dict(kernel_size=2), dict(kernel_size=3),
               dict(kernel_size=2)):
        want = torch.nn.functional.max_pool2d(torch.tensor(x), **kw)
        got = T.nn.functional.max_pool2d(b, **kw)
        np.testing.assert_array_equal(np.asarray(got.to("cpu")), want.numpy())
    for _ in range(2):
        with pytest.raises(ValueError, match="pad should be at most half"):
            T.nn.functional.max_pool2d(b, 2, padding=2)
