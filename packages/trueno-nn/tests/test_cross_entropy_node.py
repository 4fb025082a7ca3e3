"""``F.cross_entropy`` of class indices is one autograd node with PyTorch's closed-form
gradient (``_functional_loss._CrossEntropy``): values, gradients and second derivatives vs
PyTorch on the CPU and, where trueno-gpu finds an adapter, on the GPU; the GPU's forward and
backward launch 19 kernels together (24 before) and read nothing back."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T

import trueno.torch as torch

F = torch.nn.functional
TF = T.nn.functional


def _devices() -> list[str]:
    try:
        import trueno_gpu
    except ImportError:  # pragma: no cover - trueno-gpu not installed
        return ["cpu"]
    return ["cpu", "gpu"] if trueno_gpu.is_available() else ["cpu"]


# (input shape, target shape): (N, C), one sample (C,), and (N, C, d1, d2)
SHAPES = [((8, 5), (8,)), ((5,), ()), ((4, 5, 3, 2), (4, 3, 2))]


@pytest.mark.parametrize("device", _devices())
@pytest.mark.parametrize(("shape", "tshape"), SHAPES, ids=["nc", "c", "ncd"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True], ids=["", "weight"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropy_matches_torch(device, shape, tshape, reduction, weighted, dtype):
    """Loss and input gradient vs PyTorch, with ignored targets (-100) and class weights."""
    if device == "gpu" and dtype == "float64":
        from trueno_gpu._runtime import adapter_features

        if "shader-f64" not in adapter_features():
            pytest.skip("the GPU adapter lacks shader-f64 (float64 storage); lavapipe (CI) and "
                        "NVIDIA have it")
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape).astype(dtype)
    t = np.asarray(rng.integers(0, 5, tshape))
    if t.ndim:
        t.flat[0] = -100
    w = rng.uniform(0.5, 2.0, 5).astype(dtype)
    xt = torch.tensor(x).to(device).requires_grad_(True)
    loss = F.cross_entropy(xt, torch.tensor(t).to(device), reduction=reduction,
                           weight=torch.tensor(w).to(device) if weighted else None)
    g = np.asarray(rng.standard_normal(tuple(loss.shape))).astype(dtype)
    loss.backward(torch.tensor(g).to(device))
    X = T.tensor(x, requires_grad=True)
    want = TF.cross_entropy(X, T.tensor(t), reduction=reduction,
                            weight=T.tensor(w) if weighted else None)
    want.backward(T.tensor(g))
    tol = 1e-5 if dtype == "float32" else 1e-12
    assert tuple(loss.shape) == tuple(want.shape)
    np.testing.assert_allclose(np.asarray(loss.detach().to("cpu")), want.detach().numpy(),
                               rtol=tol, atol=tol)
    np.testing.assert_allclose(np.asarray(xt.grad.to("cpu")), X.grad.numpy(), rtol=tol,
                               atol=tol)


def test_cross_entropy_is_one_node() -> None:
    """The loss's history is one node over the input (not log_softmax -> gather -> ...)."""
    x = torch.tensor(np.ones((3, 4), "float32")).requires_grad_(True)
    loss = F.cross_entropy(x, torch.tensor(np.array([0, 1, 3])))
    assert loss.grad_fn.name() == "_CrossEntropyBackward"
    assert [type(f[0]).__name__ if f[0] is not None else None
            for f in loss.grad_fn.next_functions][:1] == ["AccumulateGrad"]


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_second_derivative(reduction) -> None:
    """create_graph: the gradient is differentiable again (the recorded chain), as torch."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 4))
    t = rng.integers(0, 4, 6)
    t[2] = -100
    xt = torch.tensor(x).requires_grad_(True)
    (g,) = torch.autograd.grad(F.cross_entropy(xt, torch.tensor(t), reduction=reduction), xt,
                               create_graph=True)
    (g * g).sum().backward()
    X = T.tensor(x, requires_grad=True)
    (G,) = T.autograd.grad(TF.cross_entropy(X, T.tensor(t), reduction=reduction), X,
                           create_graph=True)
    (G * G).sum().backward()
    np.testing.assert_allclose(np.asarray(g.detach()), G.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(xt.grad), X.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_cross_entropy_weight_gradient_still_flows() -> None:
    """A weight that requires grad keeps the recorded chain (the node has no weight
    gradient): its gradient is the chain's."""
    rng = np.random.default_rng(5)
    x = torch.tensor(rng.standard_normal((5, 3))).requires_grad_(True)
    w = torch.tensor(np.array([1.0, 2.0, 0.5])).requires_grad_(True)
    t = torch.tensor(np.array([0, 2, 1, 1, 0]))
    F.cross_entropy(x, t, weight=w).backward()
    assert w.grad is not None and x.grad is not None
    logp = np.asarray(torch.log_softmax(x.detach(), 1))
    tn = np.asarray(t)
    wt = np.asarray(w.detach())[tn]
    picked = logp[np.arange(5), tn]
    # d/dw_c of -sum(w_t picked) / sum(w_t)
    num, den = -(wt * picked).sum(), wt.sum()
    want = np.zeros(3)
    for c in range(3):
        m = tn == c
        want[c] = (-(picked[m]).sum() * den - num * m.sum()) / den**2
    np.testing.assert_allclose(np.asarray(w.grad), want, rtol=1e-10)


@pytest.mark.skipif(_devices() == ["cpu"], reason="no GPU adapter for trueno-gpu")
def test_cross_entropy_gpu_launches_and_reads(monkeypatch) -> None:
    """On the GPU, forward and backward of the loss (ignore_index and weights included)
    launch at most 19 kernels (21 with weights) and download and upload nothing (the
    decomposition and autograd's walk of it took 24, ``weight[target]`` read the target
    back and ``where(valid, target, 0)`` uploads its 0)."""
    from trueno_gpu import _runtime

    rt = _runtime.get_runtime(0)
    downloads, down, up = [0], _runtime.Runtime.download, _runtime.Runtime.upload

    def counted(r, *a, **k):
        downloads[0] += 1
        return down(r, *a, **k)

    def counted_up(r, *a, **k):
        downloads[0] += 1
        return up(r, *a, **k)

    rng = np.random.default_rng(6)
    x = torch.tensor(rng.standard_normal((16, 10)).astype("float32")).to("gpu")
    x.requires_grad_(True)
    t = torch.tensor(rng.integers(0, 10, 16)).to("gpu")
    w = torch.tensor(rng.uniform(0.5, 2, 10).astype("float32")).to("gpu")
    for weight in (None, w):
        F.cross_entropy(x, t, weight=weight).backward()  # warm: the class ids are made once
        rt.synchronize()
        x.grad = None
        monkeypatch.setattr(_runtime.Runtime, "download", counted)
        monkeypatch.setattr(_runtime.Runtime, "upload", counted_up)
        before = rt.dispatches
        F.cross_entropy(x, t, weight=weight).backward()
        launches = rt.dispatches - before
        monkeypatch.setattr(_runtime.Runtime, "download", down)
        monkeypatch.setattr(_runtime.Runtime, "upload", up)
        assert downloads[0] == 0  # no download and no upload
        assert launches <= (19 if weight is None else 21), launches
