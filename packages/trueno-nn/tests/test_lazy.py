"""Lazy modules vs PyTorch 2.13: repr and state_dict before and after the first call, the
class they become, the same initial values from the same seed, outputs and gradients, moving
before the first call, loading a state_dict into a lazy module, deep copies, and the errors
PyTorch raises for uninitialized parameters."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch as T
from conftest import close, from_torch

import trueno.nn as nn
import trueno.torch as torch

CASES = [
    ("LazyLinear", (3,), {}, (2, 5)),
    ("LazyLinear", (3,), {"bias": False}, (2, 4, 5)),
    ("LazyConv1d", (4, 3), {"padding": 1}, (2, 3, 7)),
    ("LazyConv2d", (4, 3), {"stride": 2, "groups": 2}, (2, 4, 6, 6)),
    ("LazyConv2d", (2, 3), {"bias": False}, (3, 5, 5)),  # unbatched
    ("LazyConv3d", (2, 2), {}, (1, 3, 4, 4, 4)),
    ("LazyConvTranspose1d", (4, 3), {"stride": 2}, (2, 3, 5)),
    ("LazyConvTranspose2d", (4, 3), {"groups": 2, "bias": False}, (1, 2, 4, 4)),
    ("LazyConvTranspose3d", (2, 2), {}, (1, 2, 3, 3, 3)),
    ("LazyBatchNorm1d", (), {}, (4, 3)),
    ("LazyBatchNorm2d", (), {"momentum": None}, (2, 3, 4, 4)),
    ("LazyBatchNorm3d", (), {"affine": False}, (2, 2, 3, 3, 3)),
    ("LazyInstanceNorm1d", (), {}, (2, 3, 6)),
    ("LazyInstanceNorm2d", (), {"bias": False}, (2, 3, 4, 4)),
    ("LazyInstanceNorm3d", (), {"track_running_stats": False}, (2, 2, 3, 3, 3)),
]


def _sd_text(m):
    return {k: repr(v) if "Uninitialized" in type(v).__name__ else "tensor"
            for k, v in m.state_dict().items()}


@pytest.mark.parametrize("name,args,kw,shape", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_lazy_module_matches_pytorch(name, args, kw, shape, dtype):
    a = getattr(nn, name)(*args, **kw)
    b = getattr(T.nn, name)(*args, **kw)
    assert repr(a) == repr(b)
    assert _sd_text(a) == _sd_text(b)
    assert [n for n, _ in a.named_parameters()] == [n for n, _ in b.named_parameters()]
    if dtype == "float64":  # moved before the first call: materialised as float64
        a.double()
        b.double()
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    xa, xb = torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()
    torch.manual_seed(0)
    T.manual_seed(0)
    ya, yb = a(xa), b(xb)
    assert type(a).__name__ == type(b).__name__ == name[len("Lazy"):]
    assert type(a) is getattr(nn, name).cls_to_become
    assert repr(a) == repr(b)
    assert not a._forward_pre_hooks
    close(ya, yb, dtype, 10)
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for k in sa:  # initial values (same draws) and running statistics after the call
        close(sa[k], sb[k], dtype, 10)
    g = np.random.default_rng(1).standard_normal(tuple(yb.shape)).astype(dtype)
    (ya * torch.tensor(g)).sum().backward()
    (yb * T.tensor(g)).sum().backward()
    close(xa.grad, xb.grad, dtype, 100)
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        assert na == nb and type(pa) is nn.Parameter
        close(pa.grad, pb.grad, dtype, 100)
    ya2, yb2 = a(xa), b(xb)  # a plain module now: the next call is an ordinary call
    close(ya2, yb2, dtype, 10)


def test_lazy_sequential_matches_pytorch():
    def build(m):
        return m.Sequential(m.LazyConv2d(4, 3), m.LazyBatchNorm2d(), m.ReLU(), m.Flatten(),
                            m.LazyLinear(5), m.ReLU(), m.LazyLinear(2))
    torch.manual_seed(3)
    a = build(nn)
    T.manual_seed(3)
    b = build(T.nn)
    assert repr(a) == repr(b)
    x = np.random.default_rng(2).standard_normal((3, 2, 6, 6)).astype("float32")
    close(a(torch.tensor(x)), b(T.tensor(x)), "float32", 10)
    assert repr(a) == repr(b)
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for k in sa:
        close(sa[k], sb[k], "float32", 10)


def test_uninitialized_parameter_errors_match_pytorch():
    a, b = nn.LazyLinear(3), T.nn.LazyLinear(3)
    for w in (a.weight, b.weight):
        assert repr(w) == "<UninitializedParameter>"
        assert tuple(w.size()) == (0,) and w.requires_grad
        with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized "
                                               "parameter"):
            w.shape  # noqa: B018
    assert nn.is_lazy(a.weight) and not nn.is_lazy(nn.Linear(2, 2).weight)
    assert isinstance(a.weight, nn.Parameter) and isinstance(a.weight, nn.UninitializedParameter)
    with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter"):
        a.weight + 1
    with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter"):
        b.weight + 1
    # ops that check shapes first stop there (PyTorch raises ValueError for every op)
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized"):
        torch.matmul(torch.ones(2, 2), a.weight)
    with pytest.raises(RuntimeError, match="Can't share memory on an uninitialized"):
        a.weight.share_memory_()
    bn = nn.LazyBatchNorm1d()
    assert repr(bn.running_mean) == "<UninitializedBuffer>"
    with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter"):
        bn.running_var.sum()
    for m in (nn, T.nn):
        with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) "
                                               r"input to LazyConv2d"):
            m.LazyConv2d(4, 3)(_ones(m, 2, 3))
        with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
            m.LazyConv2d(4, 3, groups=2)(_ones(m, 1, 3, 5, 5))


def _ones(m, *shape):
    return (T if m is T.nn else torch).ones(*shape)


def test_load_state_dict_into_lazy_module():
    T.manual_seed(4)
    ref = T.nn.Linear(5, 3)
    a, b = nn.LazyLinear(3), T.nn.LazyLinear(3)
    res = a.load_state_dict({k: from_torch(v) for k, v in ref.state_dict().items()})
    b.load_state_dict(ref.state_dict())
    assert repr(res) == "<All keys matched successfully>"
    assert type(a) is nn.LazyLinear and tuple(a.weight.shape) == (3, 5)  # lazy until called
    assert type(a.weight) is nn.Parameter
    x = np.random.default_rng(3).standard_normal((2, 5)).astype("float32")
    close(a(torch.tensor(x)), ref(T.tensor(x)), "float32")
    close(a(torch.tensor(x)), b(T.tensor(x)), "float32")
    assert type(a) is nn.Linear and repr(a) == repr(b) == \
        "Linear(in_features=5, out_features=3, bias=True)"
    c = nn.LazyLinear(3)
    c.load_state_dict(a.state_dict())
    with pytest.raises(RuntimeError, match="The in_features inferred from input: 4 is not "
                                           "equal to in_features from self.weight: 5"):
        c(torch.ones(2, 4))
    # an uninitialized state_dict into a lazy module loads nothing and reports nothing
    lazy = nn.LazyBatchNorm2d()
    res = lazy.load_state_dict(nn.LazyBatchNorm2d().state_dict())
    assert repr(res) == "<All keys matched successfully>" and nn.is_lazy(lazy.weight)
    with pytest.raises(RuntimeError, match="Missing key"):
        lazy.load_state_dict({})


def test_deepcopy_of_lazy_module_is_independent():
    a = nn.LazyLinear(2)
    c = copy.deepcopy(a)
    assert repr(c.weight) == "<UninitializedParameter>" and c.weight is not a.weight
    c(torch.ones(1, 4))
    assert type(c) is nn.Linear and tuple(c.weight.shape) == (2, 4)
    assert type(a) is nn.LazyLinear and nn.is_lazy(a.weight) and a._forward_pre_hooks
    a(torch.ones(1, 6))
    assert type(a) is nn.Linear and tuple(a.weight.shape) == (2, 6)


def test_lazy_modules_moved_to_the_gpu_before_the_first_call():
    trueno_gpu = pytest.importorskip("trueno_gpu")
    if not trueno_gpu.is_available():
        pytest.skip("no GPU adapter for trueno-gpu")

    def build():
        return nn.Sequential(nn.LazyConv2d(3, 3), nn.LazyBatchNorm2d(), nn.Flatten(),
                             nn.LazyLinear(2))
    x = np.random.default_rng(5).standard_normal((2, 1, 5, 5)).astype("float32")
    cpu, gpu, again = build(), build().to("gpu"), build().to("gpu")
    assert gpu[0].weight.device.type != "cpu" and nn.is_lazy(gpu[1].running_mean)
    # materialised on the GPU, the parameters are drawn by the GPU's generator (as PyTorch's
    # CUDA ones): the same seed gives the same ones, and the CPU copy given those parameters
    # computes the same output (train mode: batch statistics)
    torch.manual_seed(6)
    got = gpu(torch.tensor(x).to("gpu"))
    torch.manual_seed(6)
    again(torch.tensor(x).to("gpu"))
    assert [type(m) for m in gpu] == [nn.Conv2d, nn.BatchNorm2d, nn.Flatten, nn.Linear]
    assert gpu[1].running_var.device.type != "cpu"
    state = {k: v.to("cpu") for k, v in gpu.state_dict().items()}
    for (k, a), (_, b) in zip(again.state_dict().items(), state.items(), strict=True):
        np.testing.assert_array_equal(np.asarray(a.to("cpu")), np.asarray(b), err_msg=k)
    cpu(torch.tensor(x))  # materialise the CPU copy, then give it the GPU's parameters
    cpu.load_state_dict(state)
    want = cpu(torch.tensor(x))
    np.testing.assert_allclose(np.asarray(got.detach().to("cpu")), np.asarray(want.detach()),
                               rtol=1e-4, atol=1e-5)
