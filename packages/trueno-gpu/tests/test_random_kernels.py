"""The counter-based random rows on the GPU (``_random``: Philox4x32-10, one launch) and the
PyTorch face's GPU generators that draw through them.

Every value is integer arithmetic and an exact conversion, so the GPU's bits must equal the
reference kernel's (core's uint64 NumPy Philox) on any adapter and driver; CI runs this file
again with ``LP_FORCE_SSE2=1``.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FLOATS, down, np_dtype, up

from trueno_gpu import _random, _runtime

tn = pytest.importorskip("trueno")
import trueno.torch as torch  # noqa: E402
from trueno._reference import _random as R  # noqa: E402

# the plugin registered by hand where trueno-gpu is not pip-installed (conftest)
pytestmark = pytest.mark.usefixtures("gpu_registered")

_CARRY = 2**32 - 3  # the offset's low word carries into the high word inside the draw


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(3, 7), (1,), (1030,)], ids=str)
def test_uniform_bits_equal_the_reference(dtype, shape):
    rt = _runtime.get_runtime(0)
    x = up(np.zeros(shape, np_dtype(dtype)))
    for kw in ({"seed": 0, "offset": 0}, {"seed": 2**64 - 1, "offset": _CARRY},
               {"seed": 77, "offset": 5, "low": -2.0, "high": 3.5},
               {"seed": 78, "offset": 5, "low": 1.0, "high": 1.0 + 2**-20}):
        d0 = rt.dispatches
        got = _random.philox_uniform(x, **kw)
        assert rt.dispatches - d0 == 1
        want = R.philox_uniform(np.zeros(shape, np_dtype(dtype)), **kw)
        if dtype == "float16" and "low" in kw:
            # the affine value's f32 -> f16 store: WGSL lets a driver round to either
            # neighbour, so the bits may differ by one ulp (the uniforms themselves are exact)
            bits = np.abs(down(got).view(np.int16).astype(int) - want.view(np.int16))
            assert bits.max() <= 1, kw
            continue
        np.testing.assert_array_equal(down(got).view(np.uint8), want.view(np.uint8),
                                      err_msg=str(kw))


@pytest.mark.parametrize("dtype", FLOATS)
def test_bernoulli_mask_bits_equal_the_reference(dtype):
    rt = _runtime.get_runtime(0)
    shape = (5, 9)
    x = up(np.zeros(shape, np_dtype(dtype)))
    for p in (0.0, 0.3, 0.9, 1.0):
        kw = {"seed": 2**40 + 1, "offset": _CARRY, "p": p, "value": 1 / (1 - 0.3)}
        d0 = rt.dispatches
        got = down(_random.philox_bernoulli(x, **kw))
        assert rt.dispatches - d0 == 1
        want = R.philox_bernoulli(np.zeros(shape, np_dtype(dtype)), **kw)
        np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8), err_msg=str(p))
        assert set(np.unique(got.astype(np.float64))) <= {0.0, float(want.max(initial=0))}


_NORMAL_TOL = {"float32": 4e-6, "float16": 2e-3, "bfloat16": 1.6e-2}  # ~1 ulp of 16-bit


@pytest.mark.parametrize("dtype", FLOATS)
def test_normal_within_ulps_of_the_reference(dtype):
    """Box-Muller normals: the same uniforms (exact), then WGSL's log and sqrt and trueno's
    sin/cos against NumPy's: bounded, not bits."""
    rt = _runtime.get_runtime(0)
    shape = (37, 29)  # odd: the last pair's second value is dropped
    x = up(np.zeros(shape, np_dtype(dtype)))
    kw = {"seed": 99, "offset": _CARRY, "mean": 0.5, "std": 2.0}
    d0 = rt.dispatches
    got = down(_random.philox_normal(x, **kw)).astype(np.float64)
    assert rt.dispatches - d0 == 1
    want = R.philox_normal(np.zeros(shape, np_dtype(dtype)), **kw).astype(np.float64)
    tol = _NORMAL_TOL[dtype]
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_torch_face_draws_on_the_gpu_generator():
    """``torch.rand``/``uniform_``/``bernoulli_`` on "cuda" draw the GPU generator's stream:
    the same seed gives the same values, consecutive draws continue the stream (each
    reserving ceil(n / 4) counters), and the CPU stream is the one PyTorch's CPU gives."""
    torch.manual_seed(123)
    cpu_first = torch.rand(4).tolist()
    a = torch.rand(3, 5, device="cuda")
    b = torch.empty(6, device="cuda").uniform_(-1.0, 2.0)
    m = torch.empty(4, 4, device="cuda").bernoulli_(0.25)
    np.testing.assert_array_equal(a.cpu().numpy(),
                                  R.philox_uniform(np.zeros((3, 5), np.float32), seed=123,
                                                   offset=0))
    np.testing.assert_array_equal(b.cpu().numpy(),
                                  R.philox_uniform(np.zeros(6, np.float32), seed=123, offset=4,
                                                   low=-1.0, high=2.0))
    np.testing.assert_array_equal(m.cpu().numpy(),
                                  R.philox_bernoulli(np.zeros((4, 4), np.float32), seed=123,
                                                     offset=6, p=0.25))
    assert torch.cuda.get_rng_state().numpy().view("<u8").tolist() == [123, 10]
    torch.manual_seed(123)  # the GPU draws did not move the CPU stream
    assert torch.rand(4).tolist() == cpu_first
    torch.cuda.manual_seed(123)
    assert torch.rand(3, 5, device="cuda").tolist() == a.tolist()
    z = torch.randn(5, device="cuda")  # normals: 4 words for 5 values (pairs), 2 blocks
    np.testing.assert_allclose(z.cpu().numpy(), R.philox_normal(np.zeros(5, np.float32),
                                                                seed=123, offset=4),
                               rtol=4e-6, atol=4e-6)
    assert torch.rand(3, 5, device="cuda").tolist() != a.tolist()
    with torch.random.fork_rng():
        torch.rand(100, device="cuda")
    assert torch.cuda.get_rng_state().numpy().view("<u8").tolist() == [123, 10]


def test_cuda_generator_object_draws_its_own_stream():
    """``generator=torch.Generator("cuda")``: its own (seed, offset), the device's generator
    untouched; the same seed gives the same draws."""
    torch.manual_seed(1)
    before = torch.cuda.get_rng_state().tolist()
    g = torch.Generator(device="cuda").manual_seed(42)
    a = torch.rand(6, device="cuda", generator=g)
    b = torch.empty(5, device="cuda").bernoulli_(0.5, generator=g)
    z = torch.randn(4, device="cuda", generator=g)
    np.testing.assert_array_equal(a.cpu().numpy(), R.philox_uniform(np.zeros(6, np.float32),
                                                                   seed=42, offset=0))
    np.testing.assert_array_equal(b.cpu().numpy(), R.philox_bernoulli(
        np.zeros(5, np.float32), seed=42, offset=2, p=0.5))
    assert g.get_state().numpy().view("<u8").tolist() == [42, 5]
    assert torch.cuda.get_rng_state().tolist() == before
    g.manual_seed(42)
    assert torch.rand(6, device="cuda", generator=g).tolist() == a.tolist()
    g.set_state(np.array([42, 4], "<u8").view(np.uint8))
    assert torch.randn(4, device="cuda", generator=g).tolist() == z.tolist()


def test_bernoulli_keep_fraction_and_normal_moments():
    torch.manual_seed(0)
    n = 1 << 16
    z = torch.empty(n, device="cuda").normal_(3.0, 2.0).cpu().numpy().astype(np.float64)
    assert abs(z.mean() - 3.0) < 6 * 2.0 / n**0.5
    assert abs(z.var() / 4.0 - 1) < 6 * (2 / n) ** 0.5
    for p in (0.1, 0.5, 0.8):
        keep = float(torch.empty(n, device="cuda").bernoulli_(p).sum()) / n
        assert abs(keep - p) < 6 * (p * (1 - p) / n) ** 0.5, p
