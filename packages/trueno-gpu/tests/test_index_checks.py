"""gather / take_along_axis check their index on the device (issue 18: no download inside a
training step): values as NumPy's and PyTorch's, autograd through the device key, and an
index out of range raised at the next sync (download or synchronize) as GpuIndexError, an
IndexError and a RuntimeError, as PyTorch CUDA's device-side assert."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import trueno as tn
import trueno.torch as tt

from trueno_gpu import GpuDeviceAPI, _indexing, _runtime
from trueno_gpu._errors import GpuIndexError

RNG = np.random.default_rng(18)
API = GpuDeviceAPI()


class _Reads:
    """Counts Runtime.download and Runtime.synchronize calls while active."""

    def __init__(self, monkeypatch) -> None:
        self.n = 0
        down, sync = _runtime.Runtime.download, _runtime.Runtime.synchronize

        def download(rt, *a, **k):
            self.n += 1
            return down(rt, *a, **k)

        def synchronize(rt, *a, **k):
            self.n += 1
            return sync(rt, *a, **k)
        monkeypatch.setattr(_runtime.Runtime, "download", download)
        monkeypatch.setattr(_runtime.Runtime, "synchronize", synchronize)


def _gpu(h):
    return tn.asarray(h).to_device("gpu")


@pytest.mark.parametrize("dtype", ["float32", "int32", "float16", "complex64"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_values_as_numpy_without_reads(monkeypatch, dtype, axis):
    x = (RNG.standard_normal((4, 6)) * 10).astype(dtype)
    if dtype == "complex64":
        x = x + 1j * x[::-1]
    xv = x[:, ::-1]  # a strided view
    n = xv.shape[axis]
    ind = RNG.integers(-n, n, (3, 6) if axis == 0 else (4, 3)).astype(np.int64)
    xd, idd = _gpu(xv), _gpu(ind)
    reads = _Reads(monkeypatch)
    got_t = tn.take_along_axis(xd, idd, axis=axis)
    got_g = tn.gather(xd, axis, idd)
    assert reads.n == 0  # nothing read back to check the index
    np.testing.assert_array_equal(got_t.to_device("cpu"), np.take_along_axis(xv, ind, axis))
    want_g = np.take_along_axis(xv, ind, axis)  # gather = take_along_axis for these shapes
    np.testing.assert_array_equal(got_g.to_device("cpu"), want_g)


@pytest.mark.parametrize(("call", "message"), [
    (lambda x, i: tn.take_along_axis(x, i, axis=1),
     r"take_along_axis: index 7 is out of bounds for axis 1 with size 5"),
    (lambda x, i: tn.gather(x, 1, i), r"gather: index 7 is out of bounds for dimension 1 "
                                      r"with size 5"),
])
def test_out_of_range_raises_at_the_next_download(monkeypatch, call, message):
    x = _gpu(np.arange(15, dtype=np.float32).reshape(3, 5))
    bad = _gpu(np.array([[0], [7], [-5]]))
    reads = _Reads(monkeypatch)
    y = call(x, bad)
    z = y * 2  # later work records normally
    assert reads.n == 0
    with pytest.raises(GpuIndexError, match=message) as err:
        z.to_device("cpu")
    assert isinstance(err.value, IndexError) and isinstance(err.value, RuntimeError)
    assert isinstance(err.value, tn.TruenoError)
    # the flags were cleared: the next syncs are clean, and good calls give NumPy's values
    good = call(x, _gpu(np.array([[0], [4], [-5]])))
    np.testing.assert_array_equal(good.to_device("cpu"), [[0.0], [9.0], [10.0]])
    API.synchronize(0)


def test_negative_below_range_and_synchronize():
    x = _gpu(np.arange(6, dtype=np.float32).reshape(2, 3))
    tn.gather(x, 1, _gpu(np.array([[-4], [0]])))
    with pytest.raises(GpuIndexError, match=r"index -4 is out of bounds for dimension 1"):
        API.synchronize(0)
    API.synchronize(0)


def test_torch_face_refuses_negative_indices_on_the_device(monkeypatch):
    h = np.arange(12, dtype=np.float32).reshape(3, 4)
    x = tt.tensor(h).to("gpu")
    reads = _Reads(monkeypatch)
    y = tt.gather(x, 1, tt.tensor(np.array([[1], [-1], [0]])).to("gpu"))
    assert reads.n == 0
    with pytest.raises(RuntimeError, match=r"gather: index -1 is out of bounds for dimension "
                                           r"1 with size 4\n  rule: 0 <= index < 4"):
        y.to("cpu")
    good = tt.gather(x, 1, tt.tensor(np.array([[1], [3], [0]])).to("gpu"))
    np.testing.assert_array_equal(good.to("cpu").numpy(), [[1.0], [7.0], [8.0]])
    # on the CPU the same call raises at once, as PyTorch's
    with pytest.raises(RuntimeError, match="index -1 is out of bounds"):
        tt.gather(tt.tensor(h), 1, tt.tensor(np.array([[1], [-1], [0]])))


def test_gather_autograd_through_the_device_key(monkeypatch):
    """Forward, backward (repeated indices accumulate) and double backward on the GPU as
    PyTorch's on the CPU; no read back in forward and backward."""
    h = RNG.standard_normal((3, 4)).astype(np.float32)
    ih = np.array([[1, 1, 2], [3, 0, 3], [0, 0, 0]])
    got = []
    reads = _Reads(monkeypatch)
    for lib, dev in ((tt, "gpu"), (torch, "cpu")):
        x = lib.tensor(h).to(dev).requires_grad_(True)
        y = lib.gather(x, 1, lib.tensor(ih).to(dev))
        gx, = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        gg, = lib.autograd.grad((gx * gx).sum(), x)
        if dev == "gpu":
            assert reads.n == 0
        got.append([np.asarray(t.detach().to("cpu").numpy()) for t in (y, gx, gg)])
    for a, b in zip(*got, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_take_along_dim_autograd_matches_torch():
    h = RNG.standard_normal((4, 3)).astype(np.float32)
    ih = np.array([[3, 0, 3]])
    got = []
    for lib, dev in ((tt, "gpu"), (torch, "cpu")):
        x = lib.tensor(h).to(dev).requires_grad_(True)
        y = lib.take_along_dim(x, lib.tensor(ih).to(dev), 0)
        (y * lib.tensor(np.array([[1.0, 2.0, 3.0]], np.float32)).to(dev)).sum().backward()
        got.append((y.detach().to("cpu").numpy(), x.grad.to("cpu").numpy()))
    for a, b in zip(*got, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_index_kernel_device_keys():
    """The ``index`` / ``index_put`` kernels with a key that holds a device array: the gather
    form (aranges on the other axes) and any other key (read back) give NumPy's result."""
    h = RNG.standard_normal((4, 5)).astype(np.float32)
    x = API.from_numpy(h, 0)
    col = np.array([[4], [0], [2]])
    rows = np.arange(3).reshape(3, 1)
    dev = API.from_numpy(col, 0)
    for key, host in [((rows, dev), (rows, col)),  # gather form
                      ((np.array([[3], [1], [1]]), dev), (np.array([[3], [1], [1]]), col)),
                      ((np.int64(2), dev), (2, col))]:
        got = _indexing.index(x, key)
        np.testing.assert_array_equal(API.to_numpy(got), h[host])
    z = API.from_numpy(np.zeros((4, 5), np.float32), 0)
    g = API.from_numpy(np.ones((3, 1), np.float32), 0)
    _indexing.index_put(z, (np.zeros((3, 1), np.int64), API.from_numpy(np.array(
        [[1], [1], [4]]), 0)), g, accumulate=True)
    want = np.zeros((4, 5), np.float32)
    np.add.at(want, (np.zeros((3, 1), np.int64), np.array([[1], [1], [4]])), 1.0)
    np.testing.assert_array_equal(API.to_numpy(z), want)


def test_many_checks_between_syncs_share_the_last_slot():
    """More distinct checks than slots between two syncs: the error still comes (from the
    shared slot, without naming the call)."""
    from trueno_gpu._index_checks import IndexChecks

    xs = [_gpu(np.zeros((2, n), np.float32)) for n in range(1, IndexChecks.SLOTS + 4)]
    ok = _gpu(np.zeros((2, 1), np.int64))
    for x in xs:
        tn.gather(x, 1, ok)
    tn.gather(xs[-1], 1, _gpu(np.full((2, 1), 99)))
    with pytest.raises(GpuIndexError, match=r"one of several since the last sync\): index 99"):
        API.synchronize(0)
    tn.gather(xs[0], 1, _gpu(np.full((2, 1), 1)))  # slots were reset: named again
    with pytest.raises(GpuIndexError, match=r"gather: index 1 is out of bounds for dimension "
                                            r"1 with size 1"):
        API.synchronize(0)
