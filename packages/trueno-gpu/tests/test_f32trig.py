"""float32 sin/cos/tan/sinc on the GPU (``_f32trig``) in ulps of the exact result (float64
math on the float32 inputs) over tiny, small, dense, wide and huge arguments, multiples of
pi/2 and their neighbours, signed zeros and non-finite values; complex64 expm1 through them."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import KERNELS, down, up

RNG = np.random.default_rng(20240612)
F32 = np.float32


def gpu(name, x, dtype="float32"):
    return down(KERNELS[name][dtype](up(np.asarray(x))))


def ulps(got, want) -> np.ndarray:
    """|got - want| in float32 spacings at ``want`` (float64); 0 where both are NaN or equal
    with the same sign, inf for a NaN against a number or a wrong-signed zero."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    same = ((got == want) & (np.signbit(got) == np.signbit(want))) | (np.isnan(got) &
                                                                      np.isnan(want))
    with np.errstate(all="ignore"):
        sp = np.spacing(np.maximum(np.abs(want), np.finfo(F32).tiny).astype(F32))
        d = np.abs(got - want) / sp.astype(np.float64)
    return np.where(same, 0.0, np.where(np.isnan(d), np.inf, d))


def assert_ulps(got, want, bound, x):
    u = ulps(got, want)
    i = int(np.argmax(u))
    assert u[i] <= bound, (f"{u[i]:.3g} ulp > {bound} at {x.ravel()[i]!r}: got "
                           f"{got.ravel()[i]!r}, want {want.ravel()[i]!r}")


def signed(v):
    return (v * RNG.choice([-1.0, 1.0], v.shape)).astype(F32)


def near_pio2(k):
    """float32 multiples of pi/2 and both neighbours."""
    c = (k * (np.pi / 2)).astype(F32)
    return np.concatenate([c, np.nextafter(c, F32(np.inf)), np.nextafter(c, F32(-np.inf))])


RANGES = {
    "tiny": RNG.uniform(-1e-30, 1e-30, 5000).astype(F32),
    "small": signed(10.0 ** RNG.uniform(-6, -2, 100000)),
    "dense": RNG.uniform(-10, 10, 1000000).astype(F32),
    "1e4": RNG.uniform(-1e4, 1e4, 1000000).astype(F32),
    "wide": signed(10.0 ** RNG.uniform(-3, 38.5, 1000000)),
    "huge": signed(10.0 ** RNG.uniform(29, 31, 100000)),
    "pio2": near_pio2(np.arange(-100000, 100000)),
    # hardest float32 reductions (16367173 * 2**72 is 2**-30 from a multiple of pi/2)
    "hard": signed(np.array([16367173 * 2.0 ** 72] * 2 + [1e22, 1.7e38, 3.4028235e38,
                                                           8.388608e6, 1.6777216e7])),
}
BOUND = {"sin": 1.0, "cos": 1.0, "tan": 2.0}


@pytest.mark.parametrize("rng", sorted(RANGES))
@pytest.mark.parametrize("name", ["sin", "cos", "tan"])
def test_trig_ulps(name, rng):
    x = RANGES[rng]
    assert_ulps(gpu(name, x), getattr(np, name)(x.astype(np.float64)), BOUND[name], x)


@pytest.mark.parametrize("name", ["sin", "cos", "tan"])
def test_trig_special_values(name):
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-38], F32)
    got = gpu(name, x)
    want = {"sin": [0.0, -0.0], "cos": [1.0, 1.0], "tan": [0.0, -0.0]}[name]
    assert got[:2].tolist() == want and np.signbit(got[:2]).tolist() == np.signbit(want).tolist()
    assert np.isnan(got[2:5]).all()
    assert np.isfinite(got[5:]).all()


def test_small_arguments_accurate():
    """The case the H100's builtin got wrong: sin(pi 1e-3) / (pi 1e-3) = 0.99999839."""
    y = F32(np.pi * 1e-3)
    s = gpu("sin", np.array([y], F32))[0]
    assert abs(float(s) / float(y) - np.sin(float(y)) / float(y)) < 1.2e-7


@pytest.mark.skipif("float16" not in KERNELS["sin"], reason="adapter lacks shader-f16")
@pytest.mark.parametrize("name", ["sin", "cos", "tan"])
def test_float16_computed_in_accurate_f32(name):
    """float16 results are the float64 ones rounded to float16 (or one step off, where the
    f32 result sits across a float16 rounding boundary)."""
    x = np.linspace(-1000, 1000, 20001).astype(np.float16)
    got = gpu(name, x, "float16")
    with np.errstate(over="ignore"):
        want = getattr(np, name)(x.astype(np.float64)).astype(np.float16)
    steps = np.abs(got.view(np.int16).astype(np.int32) - want.view(np.int16).astype(np.int32))
    assert steps.max() <= 1 and (got == want).mean() > 0.999, x[np.argmax(steps)]


def sinc_exact(x):
    """sinc of the float32 x in float64 with the exact reduction x = n/2 + r."""
    x = np.asarray(x, np.float64)
    n = np.round(2 * x)
    r = x - n / 2
    s = np.select([n % 4 == 0, n % 4 == 1, n % 4 == 2], [np.sin(np.pi * r), np.cos(np.pi * r),
                  -np.sin(np.pi * r)], -np.cos(np.pi * r))
    with np.errstate(all="ignore"):
        return np.where(x == 0, 1.0, s / (np.pi * x))


def test_sinc_ulps():
    k = np.arange(-3000, 3000, dtype=np.float64)
    x = np.concatenate([
        RNG.uniform(-20, 20, 200000), signed(10.0 ** RNG.uniform(-8, 6, 200000)),
        [1e-3, -1e-3, 1e-6, 0.25, 0.5, 0.75], k / 2, k / 2 + 1e-3, np.nextafter(k / 2, 1e9),
    ]).astype(F32)
    assert_ulps(gpu("sinc", x), sinc_exact(x), 2.0, x)


def test_sinc_integers_half_integers_and_special():
    k = np.arange(1, 5000, dtype=F32)
    k = np.concatenate([k, -k, [2.0 ** 23, 2.0 ** 30, 1e30]]).astype(F32)
    assert (gpu("sinc", k) == 0).all()
    h = (np.arange(0, 4000) + F32(0.5)).astype(F32)
    assert_ulps(gpu("sinc", h), sinc_exact(h), 1.0, h)
    got = gpu("sinc", np.array([0.0, -0.0, 1e-6, 1e-3, np.nan, np.inf], F32))
    assert got[:2].tolist() == [1.0, 1.0]
    assert_ulps(got[2:4], sinc_exact(np.array([1e-6, 1e-3], F32)), 1.0, got[2:4])
    assert np.isnan(got[4:]).all()


def test_complex64_expm1_cancellation():
    z = np.array([1 - 7.5j, 1e-3 + 3.0j, -0.5 + 1e4j, 0.2 - 1e-3j], np.complex64)
    got = gpu("expm1", z, "complex64")
    want = np.expm1(z.astype(np.complex128))
    assert (np.abs(got - want) <= 2e-6 * np.abs(want)).all(), (got, want)


@pytest.mark.parametrize("name", ["sin", "cos"])
def test_complex64_sin_cos_of_reals(name):
    """sin(x + 0j) and cos(x + 0j) go through sinh/cosh of i x: the real trig, exactly."""
    x = np.concatenate([RNG.uniform(-10, 10, 20000), signed(10.0 ** RNG.uniform(0, 30, 20000))])
    z = x.astype(np.complex64)
    got = gpu(name, z, "complex64")
    want = getattr(np, name)(x.astype(F32).astype(np.float64))
    assert_ulps(got.real, want, 1.0, x.astype(F32))


def test_complex64_exp_large_imaginary_parts():
    im = np.concatenate([RNG.uniform(-10, 10, 10000), signed(10.0 ** RNG.uniform(0, 30, 10000))])
    z = (RNG.uniform(-3, 3, 20000) + 1j * im).astype(np.complex64)
    got = gpu("exp", z, "complex64")
    want = np.exp(z.astype(np.complex128))
    assert (np.abs(got - want) <= 1e-6 * np.abs(want)).all()
