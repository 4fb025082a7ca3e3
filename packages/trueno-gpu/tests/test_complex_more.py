"""Complex transcendentals, powers, comparisons, matmul, reductions, scans and gathers against
NumPy: edge values (branch cuts, signed zeros, infinities, NaNs), views, broadcasting,
batched and transposed matmuls."""

from __future__ import annotations

import numpy as np
import pytest
import trueno as tn
from conftest import CDTYPES, KERNELS, down, layouts, up, view_of
from gpu_rows import OPS, reference


def _complex_rows(nin: int) -> list[str]:
    """The elementwise rows (NumPy ufuncs: broadcasting, same-shape or pointwise) of ``nin``
    inputs that have a complex64 GPU kernel, read from the op table."""
    return sorted(n for n, r in OPS.items() if r.nin == nin and r.numpy_face == "ufunc" and
                  r.shape in ("broadcast", "same", "pointwise") and
                  "complex64" in KERNELS.get(n, ()))


UNARY, BINARY = _complex_rows(1), _complex_rows(2)
PARTS = [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 3.0, -7.5, np.inf, -np.inf, np.nan]
# every pair of parts: the branch cuts (real axis beyond +-1, imaginary axis beyond +-i, the
# negative real axis), both signs of zero on each, and the infinite / NaN components
EDGE = np.array([complex(a, b) for a in PARTS for b in PARTS + [40.0]], np.complex64)


def cplx(rng, shape, dtype, scale=1.0):
    return (scale * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape))).astype(dtype)


def np_op(name):
    """The row's NumPy reference; complex expm1 follows the Array API's special values (C99's
    cexp(z) - 1), not NumPy's NaNs (docs/compat.md): trueno's reference kernel."""
    if name == "expm1":
        from trueno._reference._elementwise import expm1

        return expm1
    return lambda *xs: reference(OPS[name], *xs)


def same(got, want, rtol, atol=1e-6, signed=True, inputs=(), overflow_ok=False):
    """Componentwise: NaN where NumPy has NaN, values within ``atol + rtol * |want|`` (the
    complex magnitude: a part that cancels is as accurate as the whole), zeros of one sign
    (``signed``).

    C99 G.6 leaves the sign of an infinite or zero part unspecified where an input part is NaN,
    and NumPy's follows its C library's NaN signs: there the signs are not compared. With
    ``overflow_ok`` a result NumPy gives as non-finite from finite inputs only has to be
    non-finite (which part overflows to inf and which to NaN depends on FMA contraction)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    nan_in = np.zeros(got.size, bool)
    finite_in = np.ones(got.size, bool)
    for x in inputs:
        x = np.broadcast_to(np.asarray(x), got.shape).ravel()
        nan_in |= np.isnan(x.real) | np.isnan(x.imag)
        finite_in &= np.isfinite(x)
    bad = []
    for g, w, i in zip(got.ravel(), want.ravel(), range(got.size)):
        if overflow_ok and finite_in[i] and not np.isfinite(w):
            if np.isfinite(g):
                bad.append((i, w, g))
            continue
        for a, b in ((w.real, g.real), (w.imag, g.imag)):
            if np.isnan(a) or np.isnan(b):
                ok = np.isnan(a) and np.isnan(b)
            elif np.isinf(a) or np.isinf(b):
                ok = a == b or (nan_in[i] and abs(a) == abs(b))
            else:
                mag = np.hypot(*[x if np.isfinite(x) else 0.0 for x in (w.real, w.imag)])
                ok = abs(a - b) <= atol + rtol * mag
                ok = ok and not (signed and not nan_in[i] and a == 0 and b == 0 and
                                 np.signbit(a) != np.signbit(b))
            if not ok:
                bad.append((i, w, g))
                break
    return bad


def run(op, *args):
    return down(KERNELS[op][args[0].dtype.name](*args))


# -- one-input ufuncs (transcendentals, arithmetic, predicates) ---------------------------------
@pytest.mark.parametrize("name", UNARY)
def test_unary_edge_values(name):
    with np.errstate(all="ignore"):
        want = np_op(name)(EDGE)
    got = run(name, up(EDGE))
    if want.dtype == bool:  # isnan, isinf, isfinite
        np.testing.assert_array_equal(got, want)
        return
    bad = same(got, want, 2e-5, inputs=(EDGE,))
    assert not bad, [(EDGE[i], w, g) for i, w, g in bad[:5]]


@pytest.mark.parametrize("name", UNARY)
def test_unary_interior_values_and_views(name):
    rng = np.random.default_rng(1)
    x = cplx(rng, (4, 6), np.complex64, 1.5)
    with np.errstate(all="ignore"):
        want = np_op(name)(x)
    for layout, xv, dv in layouts(x):
        got = down(KERNELS[name]["complex64"](dv))
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6, err_msg=layout)
        assert np.array_equal(xv, x)


@pytest.mark.parametrize("name", ["log", "sqrt", "asin", "acos", "atan", "asinh", "acosh",
                                  "atanh", "sign", "log1p"])
def test_unary_large_and_tiny_magnitudes(name):
    mags = [1e-30, 1e-8, 1e8, 1e19, 1e30]
    x = np.array([m * complex(a, b) for m in mags for a, b in
                  ((1, 0), (0, 1), (-1, 0.5), (0.3, -2), (-3, -3))], np.complex64)
    w = x.astype(np.complex128)
    with np.errstate(all="ignore"):
        want = np_op(name)(w).astype(np.complex64)
    if name == "log1p":  # NumPy's log(hypot(1 + x, y)) rounds tiny z away; the exact value:
        re = 0.5 * np.log1p(w.real * (2 + w.real) + w.imag ** 2)
        want = (re + 1j * np.arctan2(w.imag, 1 + w.real)).astype(np.complex64)
    bad = same(run(name, up(x)), want, 5e-5, atol=1e-30)
    assert not bad, [(x[i], w, g) for i, w, g in bad[:5]]


@pytest.mark.parametrize("name", ["sqrt", "sign", "reciprocal"])
def test_complex128_sqrt_and_sign(name):
    if "complex128" not in CDTYPES:
        pytest.skip("adapter without shader-f64")
    x = EDGE.astype(np.complex128)
    rng = np.random.default_rng(2)
    x = np.concatenate([x, cplx(rng, 50, np.complex128, 3.0), [1e300 + 1e300j, 1e-300j]])
    with np.errstate(all="ignore"):
        want = np_op(name)(x)
    bad = same(run(name, up(x)), want, 1e-14, atol=1e-300)
    assert not bad, [(x[i], w, g) for i, w, g in bad[:5]]


def test_transcendentals_of_complex128_are_not_registered():
    """naga mis-lowers f64 exp/log/sin: no complex128 kernel rather than a wrong one; exp and
    expm1 have one built on the software float64 exp/expm1/sin/cos (_f64math, _f64trig)."""
    for name in ("log", "sin", "tanh", "asin", "pow"):
        assert "complex128" not in KERNELS[name] and "complex64" in KERNELS[name]
    for name in ("exp", "expm1"):
        assert "complex128" in KERNELS[name] and "complex64" in KERNELS[name]


@pytest.mark.parametrize("name", ["exp", "expm1"])
def test_complex128_exp_edge_values(name):
    if "complex128" not in CDTYPES:
        pytest.fail("the adapter has no complex128 (shader-f64)")
    z = EDGE.astype(np.complex128)
    with np.errstate(all="ignore"):
        want = np_op(name)(z)
    bad = same(run(name, up(z)), want, 1e-15, atol=1e-300, inputs=(z,))
    assert not bad, [(z[i], w, g) for i, w, g in bad[:5]]


# -- powers ------------------------------------------------------------------------------------
def test_pow_edge_grid():
    parts = [0.0, -0.0, 0.5, -1.0, 2.0, -2.5, np.inf, np.nan]
    base = np.array([complex(a, b) for a in parts for b in parts], np.complex64)
    expo = np.array([0, 1, 2, 3, -1, -2, 5, 7, -13, 99, 0.5, 1.5j, -2 + 1j, 0.5 + 0.5j,
                     complex(np.nan, 0), complex(0, np.inf)], np.complex64)
    a, b = np.meshgrid(base, expo)
    with np.errstate(all="ignore"):
        want = np.power(a, b)
    # NOTE: the sign of a zero part of 1 / z can differ: lavapipe compiles with
    # no-signed-zeros float math (a Smith division's -0 + 0 comes out +0).
    bad = same(run("pow", up(a), up(b)), want, 2e-5, signed=False, inputs=(a, b),
               overflow_ok=True)
    assert not bad, [(a.ravel()[i], b.ravel()[i], w, g) for i, w, g in bad[:5]]


def test_pow_broadcast_and_scalars():
    rng = np.random.default_rng(3)
    x = cplx(rng, (3, 4), np.complex64)
    e = cplx(rng, (4,), np.complex64)
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(run("pow", up(x), up(e)), np.power(x, e), rtol=2e-5,
                                   atol=1e-6)
        z = tn.asarray(x, device="gpu")
        for s in (2, -3, 0.5, 2.5, 1j, -1 + 2j):
            np.testing.assert_allclose((z ** s).cpu().numpy(), np.power(x, np.complex64(s)),
                                       rtol=2e-5, atol=1e-6, err_msg=str(s))
        np.testing.assert_allclose((2 ** z).cpu().numpy(), np.power(np.complex64(2), x),
                                   rtol=2e-5, atol=1e-6)


# -- comparisons (and the other two-input ufuncs) ---------------------------------------------
@pytest.mark.parametrize("dtype", CDTYPES)
@pytest.mark.parametrize("name", [n for n in BINARY if n != "pow"])
def test_lexicographic_comparisons(name, dtype):
    """Every pair of parts -1, 0, 1, NaN: the lexicographic order of comparisons and
    maximum/minimum/fmax/fmin, and the arithmetic ufuncs, exactly as NumPy."""
    parts = [-1.0, 0.0, 1.0, np.nan]
    v = np.array([complex(a, b) for a in parts for b in parts], dtype)
    a, b = v[:, None], v[None, :]
    with np.errstate(all="ignore"):
        want = np_op(name)(a, b)
    got = run(name, up(a), up(b))
    assert got.dtype == want.dtype
    if want.dtype == bool:
        np.testing.assert_array_equal(got, want)
    else:
        assert not same(got, want, 0.0)


# -- matmul ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", CDTYPES)
@pytest.mark.parametrize("sa,sb", [((5, 7), (7, 3)), ((1, 1), (1, 1)), ((2, 3, 5, 4), (4, 6)),
                                   ((3, 1, 4, 5), (2, 5, 3)), ((65, 70), (70, 66)),
                                   ((4, 0), (0, 3)), ((0, 3), (3, 2))])
def test_matmul_shapes(sa, sb, dtype):
    rng = np.random.default_rng(4)
    a, b = cplx(rng, sa, dtype), cplx(rng, sb, dtype)
    rtol = 1e-5 if dtype == "complex64" else 1e-12
    got = run("matmul", up(a), up(b))
    np.testing.assert_allclose(got, a @ b, rtol=rtol, atol=rtol * 10)


@pytest.mark.parametrize("dtype", CDTYPES)
def test_matmul_views(dtype):
    rng = np.random.default_rng(5)
    a, b = cplx(rng, (6, 9), dtype), cplx(rng, (9, 5), dtype)
    rtol = 1e-5 if dtype == "complex64" else 1e-12
    for la, av, da in layouts(a):
        for lb, bv, db in layouts(b):
            got = down(KERNELS["matmul"][dtype](da, db))
            np.testing.assert_allclose(got, av @ bv, rtol=rtol, atol=rtol * 10,
                                       err_msg=f"{la} @ {lb}")
    base = cplx(rng, (4, 12, 9), dtype)  # odd offset, strided batch
    av = base[1:, 1:7]
    got = down(KERNELS["matmul"][dtype](view_of(up(base), base, av), up(b)))
    np.testing.assert_allclose(got, av @ b, rtol=rtol, atol=rtol * 10)


def test_matmul_public_decompositions():
    rng = np.random.default_rng(6)
    x = cplx(rng, (4, 3), np.complex64)
    y = cplx(rng, (3, 5), np.complex64)
    gx, gy = tn.asarray(x, device="gpu"), tn.asarray(y, device="gpu")
    np.testing.assert_allclose((gx @ gx.T.conj()).sum().cpu().numpy(), (x @ x.T.conj()).sum(),
                               rtol=1e-5)
    np.testing.assert_allclose(tn.einsum("ij,jk->ik", gx, gy).cpu().numpy(), x @ y, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(tn.tensordot(gx, gy, axes=1).cpu().numpy(), x @ y, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(tn.vecdot(gx, gx).cpu().numpy(), np.vecdot(x, x), rtol=1e-5)


# -- reductions and scans ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", CDTYPES)
@pytest.mark.parametrize("shape,axis,keep", [((7,), None, False), ((3, 5), 1, False),
                                             ((3, 5), 0, True), ((2, 3, 4), (0, 2), False),
                                             ((1000,), None, False), ((0, 4), 0, False),
                                             ((), None, False)])
def test_prod(shape, axis, keep, dtype):
    rng = np.random.default_rng(7)
    ang = rng.uniform(-np.pi, np.pi, shape)
    x = (np.exp(1j * ang) * rng.uniform(0.99, 1.01, shape)).astype(dtype)
    rtol = 1e-4 if dtype == "complex64" else 1e-12
    got = run("prod", up(x), axis, keep)
    np.testing.assert_allclose(got, np.prod(x, axis=axis, keepdims=keep), rtol=rtol,
                               atol=rtol)
    if x.ndim == 0:
        return
    v = x.T if x.ndim == 2 else x[::-1]
    got = down(KERNELS["prod"][dtype](view_of(up(x), x, v), None, False))
    np.testing.assert_allclose(got, np.prod(v), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", CDTYPES)
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_scans(name, dtype):
    rng = np.random.default_rng(8)
    rtol = 1e-4 if dtype == "complex64" else 1e-12
    x = (np.exp(1j * rng.uniform(-3, 3, (3, 600))) * 1.0005).astype(dtype)
    for axis in (0, 1, -1):
        for layout, xv, dv in layouts(x):
            got = down(KERNELS[name][dtype](dv, axis))
            np.testing.assert_allclose(got, getattr(np, name)(xv, axis=axis), rtol=rtol,
                                       atol=rtol * 10, err_msg=f"{layout} axis {axis}")


@pytest.mark.parametrize("dtype", CDTYPES)
@pytest.mark.parametrize("name", ["var", "std"])
def test_moments(name, dtype):
    rng = np.random.default_rng(9)
    x = cplx(rng, (4, 5, 6), dtype) + (2 - 1j)
    rtol = 1e-5 if dtype == "complex64" else 1e-12
    for axis, keep, ddof in (((0, 1, 2), False, 0), ((1,), True, 1), ((0, 2), False, 0)):
        got = run(name, up(x), axis, keep, ddof)
        want = getattr(np, name)(x, axis=axis, keepdims=keep, ddof=ddof)
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=rtol)


# -- gathers and scatters ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", CDTYPES)
def test_take_gather_take_along_axis(dtype):
    rng = np.random.default_rng(10)
    x = cplx(rng, (4, 9), dtype)
    idx = rng.integers(-4, 4, (3, 9)).astype(np.int32)
    for layout, xv, dv in layouts(x):
        np.testing.assert_array_equal(down(KERNELS["take"][dtype](dv, idx[:, 0], 0)),
                                      np.take(xv, idx[:, 0], axis=0), err_msg=layout)
        np.testing.assert_array_equal(down(KERNELS["take"][dtype](dv, idx % 36)),
                                      np.take(xv, idx % 36), err_msg=layout)
        np.testing.assert_array_equal(down(KERNELS["take"][dtype](dv, idx[0] % 9, 1)),
                                      np.take(xv, idx[0] % 9, axis=1), err_msg=layout)
        np.testing.assert_array_equal(
            down(KERNELS["take_along_axis"][dtype](dv, up(idx % 4), 0)),
            np.take_along_axis(xv, idx % 4, axis=0), err_msg=layout)
        np.testing.assert_array_equal(down(KERNELS["gather"][dtype](dv, 1, idx[:, :5] % 9)),
                                      np.take_along_axis(xv[:3], idx[:, :5] % 9, axis=1),
                                      err_msg=layout)


@pytest.mark.parametrize("dtype", CDTYPES)
def test_scatter(dtype):
    rng = np.random.default_rng(11)
    x = cplx(rng, (4, 9), dtype)
    src = cplx(rng, (3, 9), dtype)
    perm = np.argsort(rng.random((4, 9)), axis=0)[:3].astype(np.int32)
    want = x.copy()
    np.put_along_axis(want, perm, src, axis=0)
    np.testing.assert_array_equal(run("scatter", up(x), 0, perm, up(src)), want)
    want = x.copy()
    want[perm[0], np.arange(9)] = 2 - 1j
    np.testing.assert_array_equal(run("scatter", up(x), 0, perm[:1], 2 - 1j), want)
    if dtype == "complex64":
        idx = rng.integers(0, 4, (3, 9)).astype(np.int32)
        want = x.copy()
        for i in range(3):
            want[idx[i], np.arange(9)] += src[i]
        np.testing.assert_allclose(run("scatter_add", up(x), 0, idx, up(src)), want,
                                   rtol=1e-6)
        np.testing.assert_allclose(run("scatter", up(x), 0, idx, up(src), "add"), want,
                                   rtol=1e-6)
        with pytest.raises(Exception, match="complex product"):
            KERNELS["scatter"][dtype](up(x), 0, idx, up(src), "multiply")
    else:
        assert "complex128" not in KERNELS["scatter_add"]


@pytest.mark.parametrize("dtype", CDTYPES)
def test_index_and_index_put(dtype):
    rng = np.random.default_rng(12)
    x = cplx(rng, (4, 9), dtype)
    for key in ((np.array([3, 0, -1]), slice(1, None)), (x.real > 0,),
                (slice(None), np.array([[2, 0], [8, 8]]))):
        for layout, xv, dv in layouts(x):
            np.testing.assert_array_equal(down(KERNELS["index"][dtype](dv, key)), xv[key],
                                          err_msg=layout)
    key = (np.array([1, 1, 3]), 2)
    d = up(x)
    KERNELS["index_put"][dtype](d, key, up(np.array([1j, 2, 3 - 1j], dtype)))
    want = x.copy()
    want[key] = np.array([1j, 2, 3 - 1j], dtype)
    assert np.array_equal(down(d)[[0, 2, 3]], want[[0, 2, 3]])
    assert down(d)[1, 2] in (1j, 2)  # duplicates leave one of the written values
    if dtype == "complex64":
        d = up(x)
        KERNELS["index_put"][dtype](d, key, up(np.array([1j, 2, 3 - 1j], dtype)), True)
        want = x.copy()
        np.add.at(want, key, np.array([1j, 2, 3 - 1j], dtype))
        np.testing.assert_allclose(down(d), want, rtol=1e-6)


# -- the public API on "gpu" -------------------------------------------------------------------
def test_public_api_end_to_end():
    rng = np.random.default_rng(13)
    a = cplx(rng, (5, 4), np.complex64)
    z, c = tn.asarray(a, device="gpu"), tn.asarray(a)
    for f in (lambda t: (t @ t.T.conj()).sum(), lambda t: tn.exp(1j * t),
              lambda t: t[tn.asarray(np.array([0, 3]), device=t.device)], lambda t: t[[4, 1]],
              lambda t: tn.sqrt(t) * tn.log(t), lambda t: tn.maximum(t, t.conj()),
              lambda t: t < 0.5j, lambda t: tn.cumprod(t, axis=0), lambda t: tn.prod(t),
              lambda t: tn.var(t, axis=1), lambda t: tn.arctanh(t) + tn.arcsin(t),
              lambda t: t ** 3, lambda t: tn.take(t, np.array([0, 7]))):
        got, want = f(z), f(c)  # a full reduction on the CPU is a NumPy scalar (NumPy's rule)
        assert got.device != want.device
        np.testing.assert_allclose(np.asarray(got.cpu()), np.asarray(want), rtol=2e-5,
                                   atol=1e-6)
