"""The CPU training step's one-node paths: ``F.linear`` of CPU float arrays (``_linear_host``)
gives bit for bit the generic ops' values (forward and every gradient), PyTorch's values
within float tolerance, PyTorch's double backward, and its in-place-modification error."""

import numpy as np
import pytest
import torch as pt

import trueno.torch as T
import trueno_nn.functional as F


def _generic(x, w, b):
    """The generic path of ``F.linear`` (transpose view, matmul, bias add), recorded."""
    out = T.matmul(x, w.t())
    return out if b is None else out + b


def _leaves(rng, dtype, n, i, o, bias, x_grad):
    x = rng.standard_normal((n, i)).astype(dtype)
    w = rng.standard_normal((o, i)).astype(dtype)
    b = rng.standard_normal(o).astype(dtype) if bias else None
    g = rng.standard_normal((n, o)).astype(dtype)
    return x, w, b, g


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("x_grad", [True, False])
@pytest.mark.parametrize("shape", [(128, 784, 256), (128, 256, 10), (3, 5, 1), (1, 7, 4)])
def test_linear_host_equals_generic_and_torch(dtype, bias, x_grad, shape):
    rng = np.random.default_rng(sum(shape))
    xn, wn, bn, gn = _leaves(rng, dtype, *shape, bias, x_grad)
    got, ref = [], []
    for fn, out_list in ((F.linear, got), (_generic, ref)):
        x = T.tensor(xn, requires_grad=x_grad)
        w = T.tensor(wn, requires_grad=True)
        b = None if bn is None else T.tensor(bn, requires_grad=True)
        y = fn(x, w, b)
        y.backward(T.tensor(gn))
        out_list += [y.detach().numpy(), w.grad.numpy()]
        if x_grad:
            out_list.append(x.grad.numpy())
        if b is not None:
            out_list.append(b.grad.numpy())
    for a, r in zip(got, ref, strict=True):
        assert a.dtype == r.dtype and a.shape == r.shape
        np.testing.assert_array_equal(a, r)  # the same kernels on the same layouts
    x = pt.tensor(xn, requires_grad=x_grad)
    w = pt.tensor(wn, requires_grad=True)
    b = None if bn is None else pt.tensor(bn, requires_grad=True)
    y = pt.nn.functional.linear(x, w, b)
    y.backward(pt.tensor(gn))
    want = [y.detach().numpy(), w.grad.numpy()] + ([x.grad.numpy()] if x_grad else []) + \
        ([b.grad.numpy()] if b is not None else [])
    tol = 2e-4 if dtype == np.float32 else 1e-10
    for a, r in zip(got, want, strict=True):
        np.testing.assert_allclose(a, r, rtol=tol, atol=tol * np.abs(r).max())


def test_linear_host_node_and_leaf_grads_accumulate():
    rng = np.random.default_rng(1)
    x = T.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    lin = T.nn.Linear(3, 2)
    y = lin(x)
    assert y.grad_fn.name().startswith("AddmmBackward")
    y.sum().backward()
    first = lin.weight.grad.numpy().copy()
    lin(x).sum().backward()  # accumulates into .grad as PyTorch
    np.testing.assert_array_equal(lin.weight.grad.numpy(), 2 * first)
    np.testing.assert_allclose(x.grad.numpy(), 2 * lin.weight.detach().numpy().sum(0)[None]
                               .repeat(4, 0), rtol=1e-6)


def test_linear_host_double_backward_matches_torch():
    rng = np.random.default_rng(2)
    xn = rng.standard_normal((5, 4))
    wn = rng.standard_normal((3, 4))
    bn = rng.standard_normal(3)
    res = []
    for lib in (T, pt):
        x = lib.tensor(xn, requires_grad=True)
        w = lib.tensor(wn, requires_grad=True)
        b = lib.tensor(bn, requires_grad=True)
        fl = F.linear if lib is T else pt.nn.functional.linear
        y = fl(x, w, b)
        (gx,) = lib.autograd.grad((y * y).sum(), (x,), create_graph=True)
        (gx * gx).sum().backward()
        res.append([gx.detach().numpy(), w.grad.numpy(), b.grad.numpy()])
    for a, r in zip(*res, strict=True):
        np.testing.assert_allclose(a, r, rtol=1e-10, atol=1e-10)


def test_linear_host_weight_changed_in_place_raises():
    rng = np.random.default_rng(3)
    x = T.tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    w = T.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    y = F.linear(x, w)
    with T.no_grad():
        w.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_linear_host_3d_input_and_no_grad():
    rng = np.random.default_rng(4)
    xn = rng.standard_normal((2, 3, 5)).astype(np.float32)
    wn = rng.standard_normal((4, 5)).astype(np.float32)
    bn = rng.standard_normal(4).astype(np.float32)
    with T.no_grad():
        y = F.linear(T.tensor(xn), T.tensor(wn), T.tensor(bn))
    assert y.grad_fn is None
    want = pt.nn.functional.linear(pt.tensor(xn), pt.tensor(wn), pt.tensor(bn)).numpy()
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_unmasked_path_equals_masked(reduction, dtype):
    """No weight and no ignored target skips the masks: the values (loss and input gradient)
    are bit for bit those of the masked path (a weight of ones), and torch's within
    tolerance."""
    rng = np.random.default_rng(5)
    xn = (rng.standard_normal((64, 10)) * 4).astype(dtype)
    xn[0, 3] = -np.inf  # a class of probability 0 (its gradient is exp(-inf) = 0)
    tn = rng.integers(0, 10, 64)
    tn[0] = 4
    gn = rng.standard_normal(64).astype(dtype) if reduction == "none" else None
    res = []
    for weight in (None, T.ones(10, dtype=T.float32 if dtype == np.float32 else T.float64)):
        x = T.tensor(xn, requires_grad=True)
        loss = F.cross_entropy(x, T.tensor(tn), weight=weight, reduction=reduction)
        loss.backward(None if gn is None else T.tensor(gn))
        res.append((loss.detach().numpy(), x.grad.numpy()))
    for a, r in zip(*res, strict=True):
        np.testing.assert_array_equal(a, r)
    x = pt.tensor(xn, requires_grad=True)
    loss = pt.nn.functional.cross_entropy(x, pt.tensor(tn), reduction=reduction)
    loss.backward(None if gn is None else pt.tensor(gn))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(res[0][0], loss.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(res[0][1], x.grad.numpy(), rtol=tol, atol=tol)
