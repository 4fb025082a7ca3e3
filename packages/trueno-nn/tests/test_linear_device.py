"""``F.linear`` of 2-d float tensors on the GPU device is one autograd node
(``_linear_device``, AddmmBackward): forward and every gradient bit for bit the generic ops'
(transpose view, matmul, bias add: the same kernels on the same layouts, the same number of
launches), PyTorch's within float tolerance, gradients accumulating into ``.grad``, PyTorch's
double backward, its in-place-modification error, and the generic path for what the node
does not take (mixed dtypes, 3-d input, no grad)."""

from __future__ import annotations

import numpy as np
import pytest

import trueno.torch as T
import trueno_nn.functional as F

torch = pytest.importorskip("torch", reason="torch is not importable (CI installs "
                                            "torch==2.13.0 for the differential tests)")
trueno_gpu = pytest.importorskip("trueno_gpu")
if not trueno_gpu.is_available():
    pytest.skip("no GPU adapter for trueno-gpu", allow_module_level=True)

from trueno_gpu import _runtime  # noqa: E402


def _generic(x, w, b):
    """The generic path of ``F.linear`` (transpose view, matmul, bias add), recorded."""
    out = T.matmul(x, w.t())
    return out if b is None else out + b


def _gpu(a, grad=False):
    t = T.tensor(a).to("gpu")
    return t.requires_grad_() if grad else t


def _leaves(rng, n, i, o, bias):
    f = np.float32
    return (rng.standard_normal((n, i)).astype(f), rng.standard_normal((o, i)).astype(f),
            rng.standard_normal(o).astype(f) if bias else None,
            rng.standard_normal((n, o)).astype(f))


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("x_grad", [True, False])
@pytest.mark.parametrize("shape", [(64, 1568, 10), (128, 784, 256), (2, 256, 10), (1, 7, 4)])
def test_linear_node_equals_generic_and_torch(bias, x_grad, shape):
    rng = np.random.default_rng(sum(shape))
    xn, wn, bn, gn = _leaves(rng, *shape, bias)
    rt = _runtime.get_runtime(0)
    got, ref, launches, nodes = [], [], [], []
    for fn, out_list in ((F.linear, got), (_generic, ref)):
        x, w = _gpu(xn, x_grad), _gpu(wn, True)
        b = None if bn is None else _gpu(bn, True)
        g = _gpu(gn)
        d0 = rt.dispatches
        y = fn(x, w, b)
        y.backward(g)
        launches.append(rt.dispatches - d0)
        nodes.append(y.grad_fn.name())
        out_list += [y.detach().cpu().numpy(), w.grad.cpu().numpy()]
        assert w.grad.is_contiguous()
        if x_grad:
            out_list.append(x.grad.cpu().numpy())
        if b is not None:
            out_list.append(b.grad.cpu().numpy())
    assert nodes[0].startswith("AddmmBackward") and not nodes[1].startswith("Addmm")
    assert launches[0] == launches[1]
    for a, r in zip(got, ref, strict=True):
        assert a.dtype == r.dtype and a.shape == r.shape
        np.testing.assert_array_equal(a, r)  # the same kernels on the same layouts
    x = torch.tensor(xn, requires_grad=x_grad)
    w = torch.tensor(wn, requires_grad=True)
    b = None if bn is None else torch.tensor(bn, requires_grad=True)
    y = torch.nn.functional.linear(x, w, b)
    y.backward(torch.tensor(gn))
    want = [y.detach().numpy(), w.grad.numpy()] + ([x.grad.numpy()] if x_grad else []) + \
        ([b.grad.numpy()] if b is not None else [])
    for a, r in zip(got, want, strict=True):
        np.testing.assert_allclose(a, r, rtol=2e-4, atol=2e-4 * np.abs(r).max())


def test_linear_node_grads_accumulate_like_torch():
    rng = np.random.default_rng(1)
    xn = rng.standard_normal((4, 3)).astype(np.float32)
    T.manual_seed(0)
    lin = T.nn.Linear(3, 2).to("gpu")
    x = _gpu(xn, True)
    y = lin(x)
    assert y.grad_fn.name().startswith("AddmmBackward")
    y.sum().backward()
    first = [lin.weight.grad.cpu().numpy().copy(), lin.bias.grad.cpu().numpy().copy()]
    lin(x).sum().backward()  # accumulates into .grad as PyTorch
    np.testing.assert_array_equal(lin.weight.grad.cpu().numpy(), 2 * first[0])
    np.testing.assert_array_equal(lin.bias.grad.cpu().numpy(), 2 * first[1])
    w = lin.weight.detach().cpu().numpy()
    np.testing.assert_allclose(x.grad.cpu().numpy(), 2 * np.repeat(w.sum(0)[None], 4, 0),
                               rtol=1e-6)


def test_linear_node_double_backward_matches_torch():
    rng = np.random.default_rng(2)
    xn, wn, bn, _ = _leaves(rng, 5, 4, 3, True)
    res = []
    for lib in (T, torch):
        if lib is T:
            x, w, b = _gpu(xn, True), _gpu(wn, True), _gpu(bn, True)
            fl = F.linear
        else:
            x, w, b = (torch.tensor(a, requires_grad=True) for a in (xn, wn, bn))
            fl = torch.nn.functional.linear
        y = fl(x, w, b)
        (gx,) = lib.autograd.grad((y * y).sum(), (x,), create_graph=True)
        (gx * gx).sum().backward()
        res.append([t.detach().cpu().numpy() for t in (gx, w.grad, b.grad)])
    for a, r in zip(*res, strict=True):
        np.testing.assert_allclose(a, r, rtol=1e-4, atol=1e-4 * np.abs(r).max())


def test_linear_node_weight_changed_in_place_raises():
    rng = np.random.default_rng(3)
    x = _gpu(rng.standard_normal((2, 3)).astype(np.float32), True)
    w = _gpu(rng.standard_normal((4, 3)).astype(np.float32), True)
    y = F.linear(x, w)
    assert y.grad_fn.name().startswith("AddmmBackward")
    with T.no_grad():
        w.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_linear_generic_path_for_3d_input_and_no_grad():
    rng = np.random.default_rng(4)
    xn = rng.standard_normal((2, 3, 5)).astype(np.float32)
    wn = rng.standard_normal((4, 5)).astype(np.float32)
    bn = rng.standard_normal(4).astype(np.float32)
    want = torch.nn.functional.linear(torch.tensor(xn), torch.tensor(wn),
                                      torch.tensor(bn)).numpy()
    y3 = F.linear(_gpu(xn, True), _gpu(wn, True), _gpu(bn, True))
    assert not y3.grad_fn.name().startswith("Addmm")  # (N, L, in): the generic ops
    np.testing.assert_allclose(y3.detach().cpu().numpy(), want, rtol=1e-5, atol=1e-5)
    with T.no_grad():
        y = F.linear(_gpu(xn[0]), _gpu(wn), _gpu(bn))
    assert y.grad_fn is None
    np.testing.assert_allclose(y.cpu().numpy(), want[0], rtol=1e-5, atol=1e-5)
