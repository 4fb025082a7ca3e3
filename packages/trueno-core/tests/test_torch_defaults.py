"""``torch.set_default_device`` / ``with torch.device(...)`` and
``torch.use_deterministic_algorithms`` on the PyTorch face (issue 15), compared with torch
2.13 where the behaviour does not need an accelerator; the GPU cases run on lavapipe."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import trueno.torch as tt

torch = pytest.importorskip("torch")


def _gpu():
    trueno_gpu = pytest.importorskip("trueno_gpu", reason="the GPU extra is not installed")
    if not trueno_gpu.device_count():  # pragma: no cover - a machine without any adapter
        pytest.skip("no GPU adapter")


@pytest.fixture
def restore():
    yield
    tt.set_default_device(None)
    tt.use_deterministic_algorithms(False)


def test_default_device_is_the_cpu_as_torch():
    assert repr(tt.get_default_device()) == repr(torch.get_default_device()) == \
        "device(type='cpu')"
    assert repr(tt.zeros(2).device) == repr(torch.zeros(2).device)
    tt.set_default_device("cpu")
    try:
        assert tt.ones(2).device == tt.device("cpu")
        assert repr(tt.get_default_device()) == "device(type='cpu')"
    finally:
        tt.set_default_device(None)


FACTORIES = {
    "tensor": lambda m, **kw: m.tensor([1.0, 2.0], **kw),
    "zeros": lambda m, **kw: m.zeros(2, 3, **kw),
    "ones": lambda m, **kw: m.ones((2,), **kw),
    "full": lambda m, **kw: m.full((2,), 7.0, **kw),
    "arange": lambda m, **kw: m.arange(4, **kw),
    "linspace": lambda m, **kw: m.linspace(0, 1, 5, **kw),
    "eye": lambda m, **kw: m.eye(3, **kw),
    "rand": lambda m, **kw: m.rand(3, **kw),
    "randn": lambda m, **kw: m.randn(3, **kw),
    "randint": lambda m, **kw: m.randint(0, 9, (3,), **kw),
    "randperm": lambda m, **kw: m.randperm(5, **kw),
    "tril_indices": lambda m, **kw: m.tril_indices(3, 3, **kw),
    "hann_window": lambda m, **kw: m.hann_window(4, **kw),
}


# factories whose 'cuda' values come from the GPU device's Philox generator (not PyTorch's CPU
# stream): the default device must give what an explicit device="cuda" gives
_DEVICE_DRAWN = ("rand", "randn")


@pytest.mark.parametrize("name", list(FACTORIES))
def test_factories_follow_the_default_device(name, restore):
    _gpu()
    make = FACTORIES[name]
    tt.manual_seed(3)
    torch.manual_seed(3)
    tt.set_default_device("cuda")
    assert repr(tt.get_default_device()) == "device(type='cuda', index=0)"
    t = make(tt)
    assert t.is_cuda and t.device == tt.device("cuda", 0)
    if name in _DEVICE_DRAWN:  # drawn by the GPU's own generator, as CUDA's are by PyTorch's
        tt.manual_seed(3)
        want = make(tt, device="cuda").cpu().numpy()
    else:
        want = make(torch).numpy()
    np.testing.assert_allclose(t.cpu().numpy(), want, rtol=1e-6)
    assert not make(tt, device="cpu").is_cuda  # an explicit device wins
    tt.set_default_device(None)
    assert not make(tt).is_cuda


def test_device_context_manager_nests_and_is_per_thread(restore):
    _gpu()
    seen = []
    with tt.device("cuda") as d:
        assert d == tt.device("cuda") and tt.zeros(1).is_cuda
        with tt.device("cpu"):
            assert not tt.zeros(1).is_cuda
        assert tt.zeros(1).is_cuda
        th = threading.Thread(target=lambda: seen.append(tt.zeros(1).is_cuda))
        th.start()
        th.join()
    assert not tt.zeros(1).is_cuda and seen == [False]


def test_deterministic_flags_as_torch(restore):
    assert tt.are_deterministic_algorithms_enabled() is False
    assert tt.is_deterministic_algorithms_warn_only_enabled() is False
    tt.use_deterministic_algorithms(True, warn_only=True)
    assert tt.are_deterministic_algorithms_enabled() and \
        tt.is_deterministic_algorithms_warn_only_enabled()
    tt.use_deterministic_algorithms(False)
    assert not tt.are_deterministic_algorithms_enabled()
    with pytest.raises(TypeError):
        tt.use_deterministic_algorithms("yes")


ACCUMULATING = {
    "scatter_add": lambda m, x: x.scatter_add(0, _i(m, x, [0, 0, 1]), _s(m, x)),
    "index_add": lambda m, x: x.index_add(0, _i(m, x, [2, 2, 0]), _s(m, x)),
    "index_put": lambda m, x: x.index_put((_i(m, x, [1, 1, 1]),), _s(m, x), accumulate=True),
    "put": lambda m, x: x.put(_i(m, x, [3, 3, 0]), _s(m, x), accumulate=True),
    "scatter_reduce": lambda m, x: x.scatter_reduce(0, _i(m, x, [0, 0, 1]), _s(m, x), "sum"),
}


def _i(m, x, v):
    return m.tensor(v).to(x.device)


def _s(m, x):
    return m.tensor([1.5, 2.5, 4.0], dtype=x.dtype).to(x.device)


@pytest.mark.parametrize("name", list(ACCUMULATING))
def test_deterministic_mode_refuses_atomic_float_accumulation_on_the_gpu(name, restore):
    fn = ACCUMULATING[name]
    want = fn(torch, torch.zeros(5)).numpy()
    tt.use_deterministic_algorithms(True)
    with torch_deterministic():
        assert np.array_equal(fn(torch, torch.zeros(5)).numpy(), want)  # torch's CPU: fine
    np.testing.assert_array_equal(fn(tt, tt.zeros(5)).numpy(), want)  # the CPU is exact
    _gpu()
    x = tt.zeros(5).to_device("gpu")
    with pytest.raises(RuntimeError, match="deterministic"):
        fn(tt, x)
    ints = tt.zeros(5, dtype=tt.int32).to_device("gpu")  # integer atomics: any order is exact
    assert fn(tt, ints).is_cuda
    tt.use_deterministic_algorithms(True, warn_only=True)
    with pytest.warns(UserWarning, match="deterministic"):
        got = fn(tt, x)
    np.testing.assert_allclose(got.cpu().numpy(), want)
    tt.use_deterministic_algorithms(False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(fn(tt, x).cpu().numpy(), want)


class torch_deterministic:  # noqa: N801
    def __enter__(self):
        torch.use_deterministic_algorithms(True)

    def __exit__(self, *exc):
        torch.use_deterministic_algorithms(False)


EMPTY = {
    "empty": lambda m: m.empty(3),
    "empty-int32": lambda m: m.empty(2, dtype=m.int32),
    "empty_like-uint8": lambda m: m.empty_like(m.ones(2, dtype=m.uint8)),
    "empty-bool": lambda m: m.empty(2, dtype=m.bool),
    "empty_strided-int16": lambda m: m.empty_strided((2, 2), (1, 2), dtype=m.int16),
    "empty-float64": lambda m: m.empty(2, 2, dtype=m.float64),
}


@pytest.mark.parametrize("name", list(EMPTY))
def test_deterministic_mode_fills_uninitialized_memory_as_torch(name, restore):
    tt.use_deterministic_algorithms(True)
    with torch_deterministic():
        want = EMPTY[name](torch)
    got = EMPTY[name](tt)
    assert str(got.dtype) == str(want.dtype)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
