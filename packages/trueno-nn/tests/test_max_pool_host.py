"""max_pool2d/max_pool1d of CPU float tensors: one autograd node on the NumPy array
(_functional_max_pool) vs PyTorch 2.13: values, indices, input gradients, in float32 and
float64, for kernel == stride and for padding, dilation, ceil_mode and overlapping windows;
ties (the first maximum wins), NaN (the last NaN wins), windows of -inf (the first in-bounds
position), a non-finite output gradient, non-contiguous and unbatched inputs, no-grad calls,
double backward; the trueno-op path (other devices, other dtypes, adaptive, 3-d and fractional
pooling) reports PyTorch's -inf index and, on the CPU, lets the last NaN win."""

from __future__ import annotations

import numpy as np
import pytest

import trueno.torch as tt
from trueno_nn import pooling

torch = pytest.importorskip("torch", reason="torch is not importable (CI installs "
                                            "torch==2.13.0 for the differential tests)")

CASES = [
    ("k2", dict(kernel_size=2), (2, 3, 8, 8)),
    ("k2_odd_floor", dict(kernel_size=2), (2, 3, 7, 9)),
    ("k3s2p1", dict(kernel_size=3, stride=2, padding=1), (2, 3, 9, 7)),
    ("k3s2p1_ceil", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), (2, 2, 8, 8)),
    ("k3s1p1", dict(kernel_size=3, stride=1, padding=1), (2, 3, 5, 6)),
    ("dil_pad", dict(kernel_size=(2, 3), stride=(1, 2), padding=1, dilation=(2, 1)),
     (2, 3, 9, 7)),
    ("dil_pad_ceil", dict(kernel_size=(3, 2), stride=(2, 3), padding=1, dilation=2,
                          ceil_mode=True), (1, 2, 7, 7)),
    ("k1", dict(kernel_size=1), (2, 2, 3, 4)),
    ("unbatched", dict(kernel_size=3, stride=2, padding=1), (3, 5, 5)),
]


def _input(shape, dtype, seed=0):
    """Small integers (many ties), NaNs (several in some windows), -inf and a corner of -inf
    (whole windows of -inf, some reaching into the padding)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, shape).astype(dtype)
    flat = x.reshape(-1)
    flat[rng.integers(0, x.size, max(2, x.size // 40))] = np.nan
    flat[rng.integers(0, x.size, max(2, x.size // 20))] = -np.inf
    x[..., :3, :3] = -np.inf
    x[..., -1, -2:] = np.nan  # two NaNs side by side: the last one wins
    return x


def _pair(x, kw, g):
    """``(values, indices, input gradient)`` of trueno and of torch for input ``x`` and
    output gradient ``g``."""
    res = []
    for lib, fn in ((tt, tt.nn.functional.max_pool2d), (torch, torch.nn.functional.max_pool2d)):
        xs = lib.tensor(x, requires_grad=True)
        v, i = fn(xs, return_indices=True, **kw)
        v.backward(lib.tensor(g))
        res.append((np.asarray(v.detach()), np.asarray(i), np.asarray(xs.grad)))
    return res


def _out_shape(x, kw):
    return tuple(torch.nn.functional.max_pool2d(torch.tensor(x), **kw).shape)


@pytest.mark.parametrize("name,kw,shape", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_max_pool2d_matches_torch(name, kw, shape, dtype):
    x = _input(shape, dtype)
    g = np.random.default_rng(1).standard_normal(_out_shape(x, kw)).astype(dtype)
    (v, i, dx), (tv, ti, tdx) = _pair(x, kw, g)
    assert v.dtype == tv.dtype and i.dtype == ti.dtype
    np.testing.assert_array_equal(v, tv)
    np.testing.assert_array_equal(i, ti)
    # overlapping windows sum their gradients in another order than PyTorch's loop
    np.testing.assert_allclose(dx, tdx, rtol=1e-6 if dtype == "float32" else 1e-14, atol=0)


@pytest.mark.parametrize("name,kw,shape", CASES[:3], ids=[c[0] for c in CASES[:3]])
def test_max_pool2d_random_values_match_torch(name, kw, shape):
    # no ties: values and indices exactly, gradients too where windows are disjoint
    x = np.random.default_rng(3).standard_normal(shape).astype("float32")
    g = np.random.default_rng(4).standard_normal(_out_shape(x, kw)).astype("float32")
    (v, i, dx), (tv, ti, tdx) = _pair(x, kw, g)
    np.testing.assert_array_equal(v, tv)
    np.testing.assert_array_equal(i, ti)
    np.testing.assert_allclose(dx, tdx, rtol=0 if "stride" not in kw else 1e-6, atol=0)


def test_max_pool2d_is_one_node():
    xs = tt.tensor(_input((2, 3, 6, 6), "float32"), requires_grad=True)
    y = tt.nn.functional.max_pool2d(xs, 2)
    assert type(y.grad_fn).__name__ == "_MaxPool2dBackward"
    nexts = [f for f, _ in y.grad_fn.next_functions if f is not None]
    assert [f.variable for f in nexts] == [xs]


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)])
def test_non_finite_output_gradient_reaches_the_maximum_alone(kw):
    # inf and NaN in the output gradient go to each window's maximum; the other inputs get 0
    x = np.random.default_rng(5).standard_normal((1, 2, 6, 6)).astype("float32")
    g = np.random.default_rng(6).standard_normal(_out_shape(x, kw)).astype("float32")
    g[0, 0, 0, 0], g[0, 1, 1, 1], g[0, 1, 2, 2] = np.inf, np.nan, -np.inf
    (_, _, dx), (_, _, tdx) = _pair(x, kw, g)
    np.testing.assert_array_equal(np.isnan(dx), np.isnan(tdx))
    np.testing.assert_allclose(dx, tdx, rtol=1e-6, atol=0)  # overlapping: sums in any order


def test_non_contiguous_input_and_no_grad():
    base = np.random.default_rng(7).standard_normal((2, 3, 10, 8)).astype("float64")
    x = tt.tensor(base).transpose(-1, -2)[..., 1:]  # (2, 3, 8, 9), strided
    want = torch.nn.functional.max_pool2d(torch.tensor(base).transpose(-1, -2)[..., 1:], 3,
                                          stride=2, padding=1, return_indices=True)
    with tt.no_grad():
        got = tt.nn.functional.max_pool2d(x.requires_grad_(False), 3, stride=2, padding=1,
                                          return_indices=True)
    np.testing.assert_array_equal(np.asarray(got[0]), want[0].numpy())
    np.testing.assert_array_equal(np.asarray(got[1]), want[1].numpy())
    plain = tt.nn.functional.max_pool2d(x, 3, stride=2, padding=1)
    assert plain.grad_fn is None
    np.testing.assert_array_equal(np.asarray(plain), want[0].numpy())


def test_max_pool1d_goes_through_the_node():
    x = _input((2, 3, 11), "float32")[..., None, :][:, :, 0]  # (2, 3, 11)
    res = []
    for lib in (tt, torch):
        xs = lib.tensor(x, requires_grad=True)
        v, i = lib.nn.functional.max_pool1d(xs, 3, stride=2, padding=1, return_indices=True)
        v.backward(lib.ones_like(v))
        res.append((np.asarray(v.detach()), np.asarray(i), np.asarray(xs.grad)))
    for a, b in zip(*res):
        np.testing.assert_array_equal(a, b)


def test_module_in_a_cnn_step_matches_torch():
    # conv -> relu -> MaxPool2d -> linear, one backward: all gradients vs torch
    rng = np.random.default_rng(8)
    x = rng.standard_normal((4, 2, 8, 8))
    w = rng.standard_normal((3, 2, 3, 3)) * 0.3
    lw = rng.standard_normal((5, 3 * 4 * 4)) * 0.1
    grads = []
    for lib in (tt, torch):
        ws, lws = lib.tensor(w, requires_grad=True), lib.tensor(lw, requires_grad=True)
        h = lib.nn.functional.relu(lib.nn.functional.conv2d(lib.tensor(x), ws, padding=1))
        out = lib.nn.MaxPool2d(2)(h).flatten(1) @ lws.T
        (out * out).sum().backward()
        grads.append((np.asarray(ws.grad), np.asarray(lws.grad)))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_double_backward_matches_torch():
    x = np.random.default_rng(9).standard_normal((2, 2, 6, 6))
    res = []
    for lib in (tt, torch):
        xs = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.max_pool2d(xs, 3, stride=2, padding=1)
        (gx,) = lib.autograd.grad((y * y).sum(), [xs], create_graph=True)
        (gg,) = lib.autograd.grad((gx * gx).sum(), [xs])
        res.append((np.asarray(gx.detach()), np.asarray(gg)))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_trueno_op_path_reports_the_first_in_bounds_index():
    # the path other devices take: a window of -inf reaching into the padding reports the
    # first in-bounds position, with dilation too (PyTorch's start)
    x = np.full((1, 1, 4, 4), -np.inf, "float32")
    x[0, 0, 2:, 2:] = 5.0
    kw = dict(kernel_size=2, stride=1, padding=1, dilation=2)
    got = pooling._max_pool2d_taps(tt.tensor(x), (2, 2), (1, 1), (1, 1), (2, 2), False, True)
    want = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(np.asarray(got[0]), want[0].numpy())
    np.testing.assert_array_equal(np.asarray(got[1]), want[1].numpy())


NAN_POOLS = [
    ("adaptive_max_pool2d", dict(output_size=(3, 2)), (2, 2, 7, 5), "float32"),
    ("adaptive_max_pool1d", dict(output_size=3), (2, 2, 10), "float64"),
    ("max_pool3d", dict(kernel_size=(1, 2, 2)), (1, 2, 3, 6, 6), "float32"),
    ("max_pool2d", dict(kernel_size=3, stride=2, padding=1), (2, 2, 7, 7), "float16"),
    ("fractional_max_pool2d", dict(kernel_size=2, output_size=(4, 3)), (2, 2, 8, 7),
     "float64"),
]


@pytest.mark.parametrize("name,kw,shape,dtype", NAN_POOLS, ids=[c[0] + "_" + c[3]
                                                                for c in NAN_POOLS])
def test_the_trueno_op_path_lets_the_last_nan_win_on_the_cpu(name, kw, shape, dtype):
    # adaptive, 3-d, fractional and float16 pooling take the trueno-op path: with several
    # NaNs in a window, the index and the gradient go to the last one, as PyTorch's kernels
    rng = np.random.default_rng(10)
    x = rng.integers(-2, 3, shape).astype(dtype)
    flat = x.reshape(-1)
    flat[rng.permutation(x.size)[:x.size // 4]] = np.nan
    if name.startswith("fractional"):
        kw = dict(kw, _random_samples=rng.random((shape[0], shape[1], 2)))
    res = []
    for lib in (tt, torch):
        xs = lib.tensor(x, requires_grad=True)
        args = {k: lib.tensor(v) if k == "_random_samples" else v for k, v in kw.items()}
        v, i = getattr(lib.nn.functional, name)(xs, return_indices=True, **args)
        v.backward(lib.ones_like(v))
        res.append((np.asarray(v.detach()), np.asarray(i), np.asarray(xs.grad)))
    (v, i, dx), (tv, ti, tdx) = res
    assert np.isnan(tv).any()
    np.testing.assert_array_equal(v, tv)
    np.testing.assert_array_equal(i, ti)
    np.testing.assert_array_equal(dx, tdx)


@pytest.mark.parametrize("shape", [(4, 4), (2, 0, 4, 4), (1, 2, 3, 4, 4), (3, 0, 4)])
def test_max_pool2d_refuses_what_torch_refuses(shape):
    with pytest.raises(RuntimeError, match=r"3D or 4D \(batch mode\) tensor"):
        torch.nn.functional.max_pool2d(torch.zeros(shape), 1)
    with pytest.raises(ValueError, match=r"Expected 3D or 4D \(batch mode\) tensor"):
        tt.nn.functional.max_pool2d(tt.zeros(shape), 1)
