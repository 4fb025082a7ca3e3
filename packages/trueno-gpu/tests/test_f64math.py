"""float64 math on the GPU (``_f64math`` / ``_f64trig``) against NumPy in ulps: wide ranges
(uniform in log-space), points near special values, huge and tiny arguments, subnormals,
signed zeros, NaN and infinities; the fused float64 kernels against NumPy formulas; and
NumPy's floor_divide / remainder rules on infinities, NaN and signed zeros."""

from __future__ import annotations

import math
import warnings
import zlib
from fractions import Fraction

import numpy as np
import pytest
from conftest import DTYPES, KERNELS, down, up
from gpu_rows import OPS

pytestmark = pytest.mark.skipif("float64" not in DTYPES, reason="adapter lacks shader-f64")

INF, NAN = np.inf, np.nan
RNG = np.random.default_rng(20240611)


@pytest.fixture(autouse=True)
def _own_draws(request):
    """Each test draws from its own stream (seeded by its name), not from what the tests
    before it in the process drew: under pytest-xdist a worker runs a different sequence."""
    global RNG
    RNG = np.random.default_rng([20240611, zlib.crc32(request.node.name.encode())])
TINY = np.finfo(np.float64).tiny


def ulps(got, want) -> np.ndarray:
    """|got - want| in units of the spacing at ``want``; 0 where both are NaN or equal (so
    infinities must match exactly); the NaN-vs-number and sign-of-zero cases show as inf."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    same = (got == want) & (np.signbit(got) == np.signbit(want)) | (np.isnan(got) &
                                                                     np.isnan(want))
    with np.errstate(all="ignore"):
        d = np.abs(got - want) / np.spacing(np.maximum(np.abs(want), TINY))
    return np.where(same, 0.0, np.where(np.isnan(d), np.inf, d))


def assert_ulps(got, want, bound, xs):
    u = ulps(got, want)
    if u.max() > bound:
        i = int(np.argmax(u))
        at = tuple(np.asarray(x).ravel()[i] for x in xs)
        raise AssertionError(f"{u.max():.3g} ulp > {bound} at {at!r}: got "
                             f"{np.asarray(got).ravel()[i]!r}, want "
                             f"{np.asarray(want).ravel()[i]!r}")


def ref(name, *xs):
    """NumPy's answer for the op-table row ``name`` (its ``numpy_name``; a NumPy name that
    is no row's is used as it is)."""
    if name == "cbrt":
        return cbrt_rounded(xs[0])
    row = OPS.get(name)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(np, row.numpy_name if row is not None and row.numpy_name else name)(*xs)


def cbrt_rounded(x):
    """The correctly rounded cube root. NOTE: the host's libm is no reference: np.cbrt is 3 ulp
    off (glibc on Debian 12, e.g. cbrt(191.32429280626172)), newer glibc rounds correctly;
    this steps from np.cbrt's answer to the float whose rounding interval holds cbrt(x), by
    exact rational arithmetic on the interval's ends cubed."""
    out = []
    for v in np.asarray(x, np.float64).ravel():
        if v == 0.0 or not np.isfinite(v):
            out.append(v)
            continue
        a, y = Fraction(abs(float(v))), float(np.cbrt(abs(v)))
        while True:
            down, up_ = (Fraction(float(np.nextafter(y, t))) for t in (0.0, INF))
            if ((Fraction(y) + up_) / 2) ** 3 < a:
                y = float(up_)
            elif ((Fraction(y) + down) / 2) ** 3 > a:
                y = float(down)
            else:
                break
        out.append(math.copysign(y, v))
    return np.array(out).reshape(np.shape(x))


def gpu(name, *xs, **kw):
    return down(KERNELS[name]["float64"](*[up(np.asarray(x, np.float64)) for x in xs], **kw))


def logspace(n, lo=-310.0, hi=308.0, signed=True):
    v = 10.0 ** RNG.uniform(lo, hi, n)
    return v * np.where(RNG.random(n) < 0.5, -1.0, 1.0) if signed else v


SPECIAL = np.array([0.0, -0.0, INF, -INF, NAN, 5e-324, -5e-324, 2.2250738585072014e-308,
                    -2.2250738585072014e-308, 1.0, -1.0, 0.5, -0.5, 2.0, 1e-300, 1e300,
                    1.7976931348623157e308, -1.7976931348623157e308, 1e-17, 0.75, 3.0])


def wide():
    """Log-uniform values of both signs over the whole range, plus the special values."""
    return np.concatenate([logspace(1500), SPECIAL])


PI = np.pi
# op -> (ulp bound, extra points near the op's special points and range edges)
UNARY = {
    "exp": (1, RNG.uniform(-746, 710, 800)),
    "expm1": (1, np.concatenate([RNG.uniform(-40, 710, 800), RNG.uniform(-1, 1, 400),
                                 [0.34657359, -0.34657359, 1.0397207708, 56 * 0.6931]])),
    "exp2": (1, np.concatenate([RNG.uniform(-1080, 1025, 800), np.arange(-1075.0, 1025.0)])),
    "log": (1, np.concatenate([1 + logspace(300, -17, -1), 1 / (1 + logspace(300, -17, -1)),
                               2.0 ** np.arange(-1074.0, 1024.0)])),
    "log2": (1, np.concatenate([1 + logspace(300, -17, -1), 2.0 ** np.arange(-1074.0, 1024.0)])),
    "log10": (1, np.concatenate([1 + logspace(300, -17, -1), 10.0 ** np.arange(-300.0, 300.0)])),
    "log1p": (1, np.concatenate([logspace(400, -320, 0), RNG.uniform(-1, 1, 400),
                                 [-1.0, -0.2929, -0.2928, 0.4142, 0.4143]])),
    "sin": (1, np.concatenate([RNG.uniform(-10, 10, 400), PI / 2 * np.arange(-200.0, 200.0),
                               logspace(300, 8, 22), [1.686629713e9, 1e22, 5.1e77]])),
    "cos": (1, np.concatenate([RNG.uniform(-10, 10, 400), PI / 2 * np.arange(-200.0, 200.0),
                               logspace(300, 8, 22), [1.686629713e9, 1e22, 6.07e122]])),
    "tan": (1, np.concatenate([RNG.uniform(-10, 10, 400), PI / 4 * np.arange(-200.0, 200.0),
                               logspace(300, 8, 22), [0.6744, -0.6744, 1e22]])),
    "asin": (1, np.concatenate([RNG.uniform(-1, 1, 600), [0.5, -0.5, 0.975, -0.975]])),
    "acos": (1, np.concatenate([RNG.uniform(-1, 1, 600), [0.5, -0.5, 0.975, -0.975]])),
    "atan": (1, np.concatenate([RNG.uniform(-3, 3, 600), [0.4375, 0.6875, 1.1875, 2.4375]])),
    "sinh": (2, np.concatenate([RNG.uniform(-711, 711, 600), RNG.uniform(-1, 1, 300)])),
    "cosh": (2, np.concatenate([RNG.uniform(-711, 711, 600), RNG.uniform(-1, 1, 300)])),
    "tanh": (2, np.concatenate([RNG.uniform(-21, 21, 600), RNG.uniform(-0.6, 0.6, 300)])),
    "asinh": (2, RNG.uniform(-3, 3, 600)),
    "acosh": (2, np.concatenate([1 + logspace(300, -17, 1, signed=False),
                                 RNG.uniform(1, 3, 300)])),
    "atanh": (2, np.concatenate([RNG.uniform(-1, 1, 600), 1 - logspace(200, -17, -1, False)])),
    "cbrt": (1, np.concatenate([RNG.uniform(-10, 10, 300), 2.0 ** np.arange(-1074.0, 1024.0)])),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_ulps(name):
    bound, extra = UNARY[name]
    x = np.concatenate([wide(), extra])
    assert_ulps(gpu(name, x), ref(name, x), bound, [x])


def test_erf_ulps():
    x = np.concatenate([wide(), RNG.uniform(-7, 7, 1000), [0.84375, 1.25, 2.857142857, 6.0]])
    want = np.array([math.erf(v) for v in x])
    assert_ulps(gpu("erf", x), want, 1, [x])


def test_sinc_and_i0_follow_numpy():
    """NumPy's own formulas over our exp / sin: products of two 1-ulp factors."""
    x = np.concatenate([RNG.uniform(-50, 50, 800), [0.0, -0.0, 0.5, 1.0, 8.0, -8.0, 700.0]])
    assert_ulps(gpu("sinc", x), np.sinc(x), 3, [x])  # sin(pi x) / (pi x): 1 + 1 + 0.5
    assert_ulps(gpu("i0", x), np.i0(x), 3, [x])  # exp(x) * Chebyshev series: 1 + 1 + 0.5


def pairs(a, b):
    return np.repeat(a, len(b)), np.tile(b, len(a))


def test_pow_ulps_and_special_cases():
    a = logspace(3000, -300, 300, signed=False)
    b = RNG.uniform(-1, 1, 3000) * 700 / np.abs(np.log(a))  # results over the whole range
    x = np.concatenate([a, RNG.uniform(0, 3, 2000), -RNG.uniform(0, 3, 500),
                        RNG.integers(-40, 40, 500).astype(float)])
    y = np.concatenate([b, RNG.uniform(-300, 300, 2000), np.round(RNG.uniform(-300, 300, 500)),
                        RNG.integers(-20, 20, 500).astype(float)])
    sx, sy = pairs(np.array([0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, -8.0, 3.0, 1e308,
                             5e-324, INF, -INF, NAN]),
                   np.array([0.0, -0.0, 1.0, -1.0, 2.0, 3.0, -3.0, 0.5, -0.5, 1 / 3, 2.5,
                             1e308, -1e308, 2.0 ** 53 + 2, INF, -INF, NAN]))
    x, y = np.concatenate([x, sx]), np.concatenate([y, sy])
    assert_ulps(gpu("pow", x, y), ref("pow", x, y), 1, [x, y])
    got = gpu("pow", np.array([2.0, -2.0, 10.0, -8.0]), np.array([3.0, 3.0, 22.0, 1 / 3]))
    np.testing.assert_array_equal(got, [8.0, -8.0, 1e22, np.nan])  # exact where NumPy is


def test_float_power_float64():
    import trueno as tn

    x = np.array([2.0, -2.0, 0.5, 10.0, 0.0])
    y = np.array([3.0, 3.0, -2.0, -3.5, 2.0])
    got = tn.float_power(tn.asarray(x, device="gpu"), tn.asarray(y, device="gpu"))
    assert_ulps(np.asarray(got.to_device("cpu")), np.float_power(x, y), 1, [x, y])


BINARY = {  # row -> (ulp bound, inputs)
    "atan2": (1, lambda: (logspace(3000), logspace(3000))),
    "hypot": (1, lambda: (logspace(3000), logspace(3000))),
    "nextafter": (0, lambda: (logspace(1000), logspace(1000))),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ulps(name):
    bound, make = BINARY[name]
    x, y = make()
    sx, sy = pairs(SPECIAL, SPECIAL)
    x, y = np.concatenate([x, sx]), np.concatenate([y, sy])
    assert_ulps(gpu(name, x, y), ref(name, x, y), bound, [x, y])


@pytest.mark.parametrize("name", ["logaddexp", "logaddexp2"])
def test_logaddexp(name):
    """NumPy's formula, max + log1p(exp(-|a - b|)), cancels when the result is near 0, so
    the bound is 2 ulps of the operands' scale (of the result where that is larger)."""
    x = np.concatenate([RNG.uniform(-800, 800, 2000), RNG.standard_normal(2000)])
    y = np.concatenate([RNG.uniform(-800, 800, 2000), RNG.standard_normal(2000)])
    sx, sy = pairs(SPECIAL, SPECIAL)
    x, y = np.concatenate([x, sx]), np.concatenate([y, sy])
    got, want = gpu(name, x, y), ref(name, x, y)
    scale = np.maximum(np.maximum(np.abs(x), np.abs(y)), np.abs(want))
    with np.errstate(all="ignore"):
        err = np.abs(got - want) / np.spacing(np.where(np.isfinite(scale), scale, 1.0))
    exact = (got == want) | (np.isnan(got) & np.isnan(want))
    assert np.where(exact, 0, err).max() <= 2, (x[np.argmax(err)], y[np.argmax(err)])


@pytest.mark.parametrize("name", ["sigmoid", "silu", "gelu"])
def test_activations(name):
    x = np.concatenate([RNG.uniform(-40, 40, 2000), RNG.uniform(-1, 1, 500),
                        [0.0, -0.0, INF, -INF, NAN, 1e-300, -745.0, 710.0]])
    from trueno._reference import _elementwise as R

    with np.errstate(all="ignore"):
        want = getattr(R, name)(x)
    assert_scaled(gpu(name, x), want, x)


def assert_scaled(got, want, x):
    """gelu's 1 + erf(x / sqrt 2) (1 + tanh for the tanh form) cancels for negative x, in
    NumPy's formula as in ours: within 4 ulps of max(|result|, |x| / 2)."""
    scale = np.maximum(np.abs(want), 0.5 * np.abs(x))
    with np.errstate(all="ignore"):
        err = np.abs(got - want) / np.spacing(np.where(np.isfinite(scale), scale, 1.0))
    exact = (got == want) | (np.isnan(got) & np.isnan(want))
    assert np.where(exact, 0, err).max() <= 4, x[np.argmax(np.where(exact, 0, err))]


def test_gelu_tanh():
    x = np.concatenate([RNG.uniform(-10, 10, 1000), [0.0, -0.0, NAN]])
    c = math.sqrt(2 / math.pi)
    want = 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x ** 3)))
    assert_scaled(gpu("gelu", x, approximate="tanh"), want, x)


# -- fused float64 kernels ---------------------------------------------------------------------
def rows(shape, scale=30.0):
    return RNG.standard_normal(shape) * scale


def close(got, want, rtol=1e-13):
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-300)


@pytest.mark.parametrize("shape,axis", [((7, 300), -1), ((5, 6, 9), 1), ((3, 20000), -1)])
def test_softmax_log_softmax(shape, axis):
    x = rows(shape)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    close(gpu("softmax", x, axis=axis), e / e.sum(axis=axis, keepdims=True))
    s = x - x.max(axis=axis, keepdims=True)
    want = s - np.log(np.exp(s).sum(axis=axis, keepdims=True))
    # (x - max) - log(sum): the sum's order moves log(sum) by an ulp, so absolute error
    np.testing.assert_allclose(gpu("log_softmax", x, axis=axis), want, rtol=1e-13,
                               atol=4e-16 * np.abs(x).max())


def test_logsumexp():
    x = rows((6, 500))
    x[0, :] = -INF
    x[1, 3] = INF
    import scipy.special as sp

    with np.errstate(all="ignore"):
        want = sp.logsumexp(x, axis=1)
    close(gpu("logsumexp", x, axis=(1,), keepdims=False), want)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_layer_norm(seed):
    """Its own generator (the module's RNG would make the data depend on which tests ran
    before); an absolute tolerance at the outputs' scale, since ``... * w + b`` cancels to
    near zero for some elements, where a relative one would measure the reference's rounding."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((4, 5, 64)) * 3.0 + 100.0
    w, b = rng.standard_normal(64), rng.standard_normal(64)
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    want = (x - mu) / np.sqrt(var + 1e-5) * w + b
    got = down(KERNELS["layer_norm"]["float64"](up(x), 1, up(w), up(b), eps=1e-5))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())


@pytest.mark.parametrize("ord_", [2, 1, 3, 0.5, INF, -INF, 0])
def test_vector_norm(ord_):
    x = rows((5, 301))
    want = np.linalg.norm(x, ord=ord_, axis=1)
    close(gpu("vector_norm", x, axis=(1,), keepdims=False, ord=ord_), want, 1e-13)


# -- floor_divide / remainder edges (npy_divmod) -----------------------------------------------
EDGES = (0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 1e-3, 100.0, 7.0, -7.0, 1e30, 1e-40, INF, -INF,
         NAN)


def _flushes_f32_subnormals() -> bool:
    """True on adapters whose f32 arithmetic flushes subnormals to zero (NVIDIA's Vulkan
    driver does; lavapipe does not): there the float32 subnormal 1e-40 reads as 0, a
    documented difference (see the Note in ``_dtypes``), so float32 leaves it out."""
    if "float32" not in DTYPES:
        return False
    x = np.array([1.5e-38], np.float32)
    return bool(down(KERNELS["multiply"]["float32"](up(x), up(np.float32([0.25]))))[0] == 0)


FTZ32 = _flushes_f32_subnormals()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["floor_divide", "remainder"])
def test_floor_divide_remainder_edges(name, dtype):
    if dtype not in DTYPES:
        pytest.skip(f"adapter lacks {dtype}")
    with np.errstate(all="ignore"):
        a = np.array(EDGES, dtype)
    if FTZ32 and dtype == "float32":
        a = a[~((a != 0) & (np.abs(a) < np.finfo(np.float32).tiny))]
        assert len(a) == len(EDGES) - 1
    a, b = pairs(a, a)
    got = down(KERNELS[name][dtype](up(a), up(b)))
    want = ref(name, a, b)
    bad = ulps(got, want) > 0
    assert not bad.any(), list(zip(a[bad], b[bad], got[bad], want[bad]))[:8]
    if name == "floor_divide":
        np.testing.assert_array_equal(got[(a == 1) & (b == -INF)], [-1.0])
    else:
        np.testing.assert_array_equal(got[(a == 1) & (b == -INF)], [-INF])


def test_contract_rewrites_only_fusable_subexpressions():
    """The test-only contraction emulation (``TRUENO_GPU_EMULATE_FMA=1``) fuses a * b + c,
    c + a * b and a * b - c where they are whole subexpressions, and nothing else."""
    from trueno_gpu._codegen import contract

    f = "tn_fmaemu64"
    assert contract("let x = a * b + c;") == f"let x = {f}(a, b, (c));"
    assert contract("let x = c - a * b.y;") == f"let x = {f}(-(a), b.y, c);"
    assert contract("return a * b * c - 1.0lf;") == f"return {f}(a * b, c, -(1.0lf));"
    assert contract("let x = g(a * b + c);") == f"let x = g({f}(a, b, (c)));"
    assert contract("let x = d + a * b + c;") == f"let x = {f}((a), b, d) + c;"
    for kept in ["let x = a * b + c * d;", "let x = a / b + c;",
                 "let x = a * b + c / d;", "let x = a * bc;"]:
        assert contract(kept) == kept


def test_reassociate_regroups_only_whole_sums():
    """The test-only reassociation emulation (``TRUENO_GPU_EMULATE_REASSOC``) regroups
    a + (b - c) as (a + b) - c ("right") or (a - b) - c as a - (b + c) ("left"), and
    leaves products, calls and opaque values alone."""
    from trueno_gpu._codegen import reassociate

    assert reassociate("let v = lo - (hi - e.x);", "right") == "let v = (lo - hi) + e.x;"
    assert reassociate("let v = a + (b + c);", "right") == "let v = (a + b) + c;"
    assert reassociate("return (a - b) - c;", "left") == "return a - (b + c);"
    assert reassociate("let v = (a + b) - c;", "left") == "let v = a + (b - c);"
    for kept in ["let v = lo - tn_opq64(hi - e.x);", "let v = y * a - (b - c);",
                 "let v = a - (b * c);"]:
        assert reassociate(kept, "right") == kept
        assert reassociate(kept, "left") == kept


def test_ulps_under_emulated_compilers():
    """The float64 helpers stay within their bounds when every a * b + c is fused, as NVIDIA's
    compiler does (naga never marks NoContraction), and when the compiler regroups sums, as
    NVIDIA's does (naga never marks float ops exact): on the H100, log_dd64's low part was
    wrong and pow was 107 ulp off, tan 2 ulp; the "left" emulation reproduced pow (97 ulp),
    "right" reproduced tan. Every regrouping-sensitive step now passes through tn_opq64.

    This file's other tests run again in one process per emulation (the flags are read at
    import); the three processes run at once, as each spends most of its time on one core
    (start-up and shader compilation)."""
    import os
    import subprocess
    import sys

    emulations = {"contraction": {"TRUENO_GPU_EMULATE_FMA": "1"},
                  "reassociation left": {"TRUENO_GPU_EMULATE_REASSOC": "left"},
                  "reassociation right": {"TRUENO_GPU_EMULATE_REASSOC": "right"}}
    # The file uses neither hypothesis nor xdist: not loading their plugins saves ~0.8 s a run.
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-p",
           "no:hypothesispytest", "-p", "no:xdist", __file__,
           "-k", "not emulated and not contract and not reassoc"]
    procs = {name: subprocess.Popen(cmd, env=dict(os.environ, **flags), text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for name, flags in emulations.items()}
    try:
        outs = {name: p.communicate(timeout=900)[0] for name, p in procs.items()}
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()
    for name, p in procs.items():
        assert p.returncode == 0, f"under emulated {name}:\n{outs[name][-3000:]}"


def test_opaque_zero_stays_zero():
    """tn_opq64/tn_opq32 OR in ``arrayLength(&P) >> 8``, a zero only while P's binding stays
    under 256 words (its size is fixed at bind time, so no compiler can fold it)."""
    from trueno_gpu._runtime import Runtime

    assert Runtime.META_BYTES // 4 < 256
