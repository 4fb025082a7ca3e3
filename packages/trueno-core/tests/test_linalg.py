"""trueno.linalg against numpy.linalg: values, dtypes and shapes over a table of functions x
dtypes x batched/empty shapes, plus the errors (singular, non-square, mismatched shapes)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close, builtin_base

import trueno as tn

DTYPES = ["float32", "float64", "complex64", "complex128", "int64"]
SHAPES = [(3, 3), (2, 4, 4), (2, 1, 3, 3), (0, 3, 3), (2, 0, 0)]
RECT_SHAPES = [(3, 5), (5, 3), (2, 4, 3), (0, 2, 3)]


def _tol(dtype):
    return (1e-4, 1e-4) if dtype in ("float32", "complex64") else (1e-9, 1e-9)


def _matrix(shape, dtype, kind="general", seed=0):
    """Well-conditioned test matrices: general (diagonally dominant), hermitian, spd."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, shape)
    if dtype.startswith("complex"):
        a = a + 1j * rng.uniform(-1, 1, shape)
    if dtype == "int64":
        a = np.round(a * 4)
    n = shape[-1]
    if kind in ("hermitian", "spd") and shape[-1] == shape[-2]:
        a = a + np.conj(np.swapaxes(a, -1, -2))
        if kind == "spd":
            a = a @ np.conj(np.swapaxes(a, -1, -2)) if dtype != "int64" else a * a
    if kind != "rect" and shape[-1] == shape[-2]:
        a = a + (2 * n + 1) * np.eye(n)
    if kind == "spd" and dtype == "int64":
        a = a + a.swapaxes(-1, -2)
    return a.astype(dtype)


def _check(tn_fn, np_fn, dtype, compare=None):
    """Compare results; when NumPy raises, trueno must raise the same built-in error type."""
    try:
        want = np_fn()
    except Exception as e:  # noqa: BLE001
        with pytest.raises(builtin_base(type(e))):
            tn_fn()
        return
    got = tn_fn()
    rtol, atol = _tol(dtype)
    if compare is not None:
        compare(got, want)
        return
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            assert_close(g, w, rtol=rtol, atol=atol, check_dtype=_dtype_defined(w))
    else:
        assert_close(got, want, rtol=rtol, atol=atol, check_dtype=_dtype_defined(want))


def _dtype_defined(want):
    # NumPy's pinv of an empty int matrix returns int (an empty_like shortcut); trueno gives
    # the float dtype of every non-empty result.
    w = np.asarray(want)
    return not (w.size == 0 and w.dtype.kind in "iu")


# name: (input kind, trueno call, numpy call)
SQUARE_CASES = {
    "inv": ("general", lambda m, a: m.linalg.inv(a)),
    "det": ("general", lambda m, a: m.linalg.det(a)),
    "slogdet": ("general", lambda m, a: tuple(m.linalg.slogdet(a))),
    "eigvalsh": ("hermitian", lambda m, a: m.linalg.eigvalsh(a)),
    "eigvalsh_U": ("hermitian", lambda m, a: m.linalg.eigvalsh(a, UPLO="U")),
    "cholesky": ("spd", lambda m, a: m.linalg.cholesky(a)),
    "cholesky_upper": ("spd", lambda m, a: m.linalg.cholesky(a, upper=True)),
    "matrix_power_3": ("general", lambda m, a: m.linalg.matrix_power(a, 3)),
    "matrix_power_0": ("general", lambda m, a: m.linalg.matrix_power(a, 0)),
    "matrix_power_1": ("general", lambda m, a: m.linalg.matrix_power(a, 1)),
    "matrix_power_-2": ("general", lambda m, a: m.linalg.matrix_power(a, -2)),
    "trace": ("general", lambda m, a: m.linalg.trace(a)),
    "trace_offset": ("general", lambda m, a: m.linalg.trace(a, offset=1)),
    "diagonal": ("general", lambda m, a: m.linalg.diagonal(a, offset=-1)),
    "matrix_transpose": ("general", lambda m, a: m.linalg.matrix_transpose(a)),
    "pinv": ("general", lambda m, a: m.linalg.pinv(a)),
    "pinv_hermitian": ("hermitian", lambda m, a: m.linalg.pinv(a, hermitian=True)),
    "matrix_rank": ("general", lambda m, a: m.linalg.matrix_rank(a)),
    "cond": ("general", lambda m, a: m.linalg.cond(a)),
    "cond_fro": ("general", lambda m, a: m.linalg.cond(a, "fro")),
    "tensorinv": ("general", lambda m, a: m.linalg.tensorinv(a.reshape(-1, a.shape[-1]),
                                                             ind=1)),
}


def _square_params():
    for case in SQUARE_CASES:
        for dtype in DTYPES:
            for shape in SHAPES:
                if case == "tensorinv" and len(shape) != 2:
                    continue  # tensorinv takes one matrix
                if case.startswith("cond") and 0 in shape:
                    continue  # NumPy's cond of an empty stack warns and returns garbage
                yield case, dtype, shape


@pytest.mark.parametrize("case,dtype,shape", list(_square_params()), ids=str)
def test_square_functions_match_numpy(case, dtype, shape):
    kind, call = SQUARE_CASES[case]
    a = _matrix(shape, dtype, kind)
    _check(lambda: call(tn, tn.asarray(a)), lambda: call(np, a), dtype)


def _reconstructs(parts, a, rebuild, dtype):
    rtol, atol = _tol(dtype)
    np.testing.assert_allclose(rebuild(*[p.numpy() for p in parts]), a, rtol=rtol,
                               atol=atol * 10)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
def test_decompositions_reconstruct_and_match_dtypes(dtype, shape):
    a = _matrix(shape, dtype, "general")
    h = _matrix(shape, dtype, "hermitian")
    # eigh: eigenvalues equal NumPy's, vectors rebuild the matrix
    w, v = tn.linalg.eigh(tn.asarray(h))
    nw, nv = np.linalg.eigh(h)
    assert_close(w, nw, rtol=_tol(dtype)[0], atol=_tol(dtype)[1])
    assert v.dtype == nv.dtype and v.shape == nv.shape
    res = tn.linalg.eigh(tn.asarray(h))
    assert res.eigenvalues is not None and res.eigenvectors is not None
    _reconstructs((w, v), h.astype(nv.dtype),
                  lambda w, v: v @ (w[..., :, None] * np.conj(np.swapaxes(v, -1, -2))), dtype)
    # eig
    w, v = tn.linalg.eig(tn.asarray(a))
    nw, nv = np.linalg.eig(a)
    assert w.dtype == nw.dtype and v.dtype == nv.dtype and w.shape == nw.shape
    assert_close(tn.sort(w.real, axis=-1) if w.dtype.kind != "c" else w, nw if w.dtype.kind ==
                 "c" else np.sort(nw.real, axis=-1), rtol=1e-3, atol=1e-3)
    assert_close(tn.linalg.eigvals(tn.asarray(a)), np.linalg.eigvals(a), rtol=1e-3, atol=1e-3)
    # svd, both full_matrices settings, and svdvals
    for full in (True, False):
        u, s, vh = tn.linalg.svd(tn.asarray(a), full_matrices=full)
        nu, ns, nvh = np.linalg.svd(a, full_matrices=full)
        assert (u.shape, vh.shape, u.dtype, s.dtype) == (nu.shape, nvh.shape, nu.dtype,
                                                         ns.dtype)
        assert_close(s, ns, rtol=_tol(dtype)[0], atol=_tol(dtype)[1])
    r = tn.linalg.svd(tn.asarray(a), full_matrices=False)
    _reconstructs((r.U, r.S, r.Vh), a.astype(nu.dtype), lambda u, s, vh: (u * s[..., None, :])
                  @ vh, dtype)
    assert_close(tn.linalg.svdvals(tn.asarray(a)), np.linalg.svd(a, compute_uv=False),
                 rtol=_tol(dtype)[0], atol=_tol(dtype)[1])
    assert_close(tn.linalg.svd(tn.asarray(a), compute_uv=False),
                 np.linalg.svd(a, compute_uv=False), rtol=_tol(dtype)[0], atol=_tol(dtype)[1])


@pytest.mark.parametrize("shape", RECT_SHAPES + [(3, 3), (2, 4, 4)], ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr_matches_numpy(mode, dtype, shape):
    a = _matrix(shape, dtype, "rect")
    got = tn.linalg.qr(tn.asarray(a), mode=mode)
    want = np.linalg.qr(a, mode=mode)
    if mode == "r":
        assert_close(got, want, rtol=1e-4, atol=1e-4)
        return
    assert isinstance(got, tn.linalg.QRResult)
    for g, w in zip(got, want):
        assert_close(g, w, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose((got.Q @ got.R).numpy(), a, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("shape", RECT_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
def test_non_square_functions_match_numpy(dtype, shape):
    a = _matrix(shape, dtype, "rect")
    for call in (lambda m, x: m.linalg.pinv(x), lambda m, x: m.linalg.matrix_rank(x),
                 lambda m, x: m.linalg.svdvals(x) if m is tn else m.linalg.svd(x, compute_uv=0),
                 lambda m, x: m.linalg.norm(x, axis=(-2, -1)),
                 lambda m, x: m.linalg.matrix_norm(x, ord="nuc"),
                 lambda m, x: m.linalg.matrix_norm(x, ord=1, keepdims=True)):
        _check(lambda c=call: c(tn, tn.asarray(a)), lambda c=call: c(np, a), dtype)


SOLVE_SHAPES = [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 1)), ((2, 3, 3), (3, 4)),
                ((1, 3, 3), (5, 3, 2)), ((0, 3, 3), (0, 3, 2)), ((3, 3), (3, 0))]


@pytest.mark.parametrize("shapes", SOLVE_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
def test_solve_matches_numpy(dtype, shapes):
    a = _matrix(shapes[0], dtype, "general")
    b = _matrix(shapes[1], dtype, "rect", seed=1)
    _check(lambda: tn.linalg.solve(tn.asarray(a), tn.asarray(b)),
           lambda: np.linalg.solve(a, b), dtype)


def test_solve_mixed_dtypes_promote():
    a = _matrix((3, 3), "float32")
    b = np.arange(3)
    assert_close(tn.linalg.solve(a, b), np.linalg.solve(a, b), rtol=1e-5, atol=1e-6)
    assert tn.linalg.solve(tn.asarray(a), tn.asarray(a.astype(np.float64))).dtype == tn.float64


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128", "int64"])
@pytest.mark.parametrize("bshape", [(5,), (5, 2)])
def test_lstsq_matches_numpy(dtype, bshape):
    a = _matrix((5, 3), dtype, "rect")
    b = _matrix(bshape, dtype, "rect", seed=3)
    x, res, rank, s = tn.linalg.lstsq(tn.asarray(a), tn.asarray(b))
    nx, nres, nrank, ns = np.linalg.lstsq(a, b)
    rtol, atol = _tol(dtype)
    assert_close(x, nx, rtol=rtol, atol=atol)
    assert_close(res, nres, rtol=rtol * 10, atol=atol * 10)
    assert rank == nrank and type(rank) is type(nrank)  # numpy.int32, as NumPy
    assert_close(s, ns, rtol=rtol, atol=atol)


NORM_ORDS = [None, 1, 2, -1, -2, np.inf, -np.inf, 0, 3, 0.5, "fro", "nuc"]


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "int64"])
@pytest.mark.parametrize("ord_", NORM_ORDS, ids=str)
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 1), (1, 0), (-1, -2)], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_norm_matches_numpy(dtype, ord_, axis, keepdims):
    a = _matrix((2, 3, 4), dtype, "rect")
    a2 = a[0]
    for x in (a, a2, a2[0]):
        if axis is not None and x.ndim < 2 and axis not in (0, -1):
            continue
        with np.errstate(all="ignore"):
            _check(lambda x=x: tn.linalg.norm(tn.asarray(x), ord_, axis, keepdims),
                   lambda x=x: np.linalg.norm(x, ord_, axis, keepdims),
                   dtype, compare=lambda g, w: assert_close(g, w, rtol=1e-4, atol=1e-5))


@pytest.mark.parametrize("ord_", [2, 1, np.inf, -np.inf, 0, 3], ids=str)
@pytest.mark.parametrize("axis", [None, 1, (0, 2)], ids=str)
def test_vector_norm_matches_numpy(ord_, axis):
    a = _matrix((2, 3, 4), "float32", "rect")
    got = tn.linalg.vector_norm(tn.asarray(a), ord=ord_, axis=axis, keepdims=True)
    want = np.linalg.vector_norm(a, ord=ord_, axis=axis, keepdims=True)
    assert_close(got, want, rtol=1e-5, atol=1e-6)


PRODUCT_CASES = {
    "cross": lambda m, a, b: m.linalg.cross(a[..., :3], b[..., :3]),
    "cross_top": lambda m, a, b: m.cross(a[..., :3], b[..., :3]),
    "cross_axis0": lambda m, a, b: m.cross(a[:3].T, b[:3].T, axis=0) if a.ndim == 2
    else m.cross(a[..., :3], b[..., :3]),
    "cross_2d": lambda m, a, b: m.cross(a[..., :2], b[..., :3]),
    "outer": lambda m, a, b: m.linalg.outer(a.reshape(-1)[:4], b.reshape(-1)[:3]),
    "kron": lambda m, a, b: m.kron(a, b),
    "kron_1d": lambda m, a, b: (tn.linalg.kron if m is tn else np.kron)(a[..., 0], b),
    "tensordot": lambda m, a, b: m.linalg.tensordot(a, b.swapaxes(-1, -2) if m is np
                                                    else tn.matrix_transpose(b), axes=1),
    "vecdot": lambda m, a, b: m.linalg.vecdot(a, b),
    "matmul": lambda m, a, b: m.linalg.matmul(a, b.swapaxes(-1, -2) if m is np
                                              else tn.matrix_transpose(b)),
    "trace_top": lambda m, a, b: m.trace(a),
}


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("dtype", ["int32", "float32", "float64", "complex128"])
@pytest.mark.parametrize("case", PRODUCT_CASES)
def test_products_match_numpy(case, dtype, shape):
    a = _matrix(shape, "float64", "rect").__mul__(4).astype(dtype)
    b = _matrix(shape, "float64", "rect", seed=5).__mul__(4).astype(dtype)
    call = PRODUCT_CASES[case]
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # NumPy 2: 2-vector cross
        _check(lambda: call(tn, tn.asarray(a), tn.asarray(b)), lambda: call(np, a, b), dtype)


@pytest.mark.parametrize("shapes", [[(2, 3), (3, 4), (4, 5)], [(3,), (3, 4), (4, 2), (2,)],
                                    [(10, 2), (2, 30), (30, 5), (5, 1)], [(2, 3), (3,)]],
                         ids=str)
def test_multi_dot_matches_numpy(shapes):
    arrs = [_matrix(s, "float64", "rect", seed=i) for i, s in enumerate(shapes)]
    assert_close(tn.linalg.multi_dot([tn.asarray(a) for a in arrs]), np.linalg.multi_dot(arrs),
                 rtol=1e-12, atol=1e-12)


def test_tensorsolve_matches_numpy():
    a = np.eye(2 * 3 * 4).reshape(6, 4, 2, 3, 4) * 3 + 0.1
    b = np.random.default_rng(0).standard_normal((6, 4))
    assert_close(tn.linalg.tensorsolve(a, b), np.linalg.tensorsolve(a, b))
    a2 = np.random.default_rng(1).standard_normal((3, 4, 12)) + np.eye(12).reshape(3, 4, 12) * 5
    assert_close(tn.linalg.tensorsolve(a2, b[:3, :4], axes=(2,)),
                 np.linalg.tensorsolve(a2, b[:3, :4], axes=(2,)))


# --- errors ----------------------------------------------------------------------------------
SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])


@pytest.mark.parametrize("call", [lambda a: tn.linalg.inv(a),
                                  lambda a: tn.linalg.solve(a, [1.0, 2.0]),
                                  lambda a: tn.linalg.matrix_power(a, -1),
                                  lambda a: tn.linalg.tensorinv(a, ind=1)])
def test_singular_matrix_raises_linalgerror_with_hint(call):
    with pytest.raises(tn.LinAlgError) as ei:
        call(tn.asarray(SINGULAR))
    msg = str(ei.value)
    assert "Singular matrix" in msg and "lstsq" in msg and "pinv" in msg
    assert isinstance(ei.value, ValueError) and isinstance(ei.value, tn.TruenoError)
    assert tn.linalg.LinAlgError is tn.LinAlgError
    # the same input passes through pinv/lstsq/det
    assert float(tn.linalg.det(SINGULAR)) == 0.0
    assert_close(tn.linalg.pinv(SINGULAR), np.linalg.pinv(SINGULAR))


def test_not_positive_definite():
    with pytest.raises(tn.LinAlgError, match="not positive definite"):
        tn.linalg.cholesky(-np.eye(3))


@pytest.mark.parametrize("fn", ["inv", "det", "slogdet", "eigh", "eig", "eigvals", "eigvalsh",
                                "cholesky"])
def test_non_square_raises_with_shape(fn):
    with pytest.raises(tn.LinAlgError) as ei:
        getattr(tn.linalg, fn)(np.ones((2, 3, 4)))
    assert "(2, 3, 4)" in str(ei.value) and "square" in str(ei.value)
    assert isinstance(ei.value, tn.ShapeError)
    with pytest.raises(tn.LinAlgError, match="two-dimensional"):
        getattr(tn.linalg, fn)(np.ones(3))


@pytest.mark.parametrize("a_shape,b_shape", [((3, 3), (4,)), ((3, 3), (2, 3)),
                                             ((2, 3, 3), (3, 3, 1))])
def test_solve_mismatched_shapes(a_shape, b_shape):
    with pytest.raises(tn.ShapeError) as ei:
        tn.linalg.solve(np.eye(3) * np.ones(a_shape), np.ones(b_shape))
    assert isinstance(ei.value, tn.LinAlgError) and isinstance(ei.value, ValueError)
    with pytest.raises(ValueError):
        np.linalg.solve(np.eye(3) * np.ones(a_shape), np.ones(b_shape))


def test_other_errors():
    with pytest.raises(tn.ShapeError):
        tn.linalg.lstsq(np.ones((3, 2)), np.ones(4))
    with pytest.raises(tn.ShapeError):
        tn.linalg.cross(np.ones(2), np.ones(2))
    with pytest.raises(tn.DTypeError, match="float16"):
        tn.linalg.inv(np.eye(2, dtype=np.float16))
    with pytest.raises(TypeError):
        tn.linalg.matrix_power(np.eye(2), 1.5)
    with pytest.raises(ValueError):
        tn.linalg.norm(np.ones(3), "fro", axis=0)
    with pytest.raises(ValueError):
        tn.linalg.qr(np.eye(2), mode="bogus")
    with pytest.raises(ValueError):
        tn.linalg.multi_dot([np.eye(2)])


def test_results_are_trueno_arrays_and_namedtuples():
    a = tn.asarray(_matrix((3, 3), "float64"))
    assert isinstance(tn.linalg.inv(a), tn.ndarray)
    sd = tn.linalg.slogdet(a)
    assert sd.sign.dtype == tn.float64 and sd.logabsdet.dtype == tn.float64
    u, s, vh = tn.linalg.svd(a)
    assert tn.linalg.svd(a).Vh is not None
    r = tn.linalg.matrix_rank(np.ones(3))  # a Python int, as NumPy's
    assert type(r) is type(np.linalg.matrix_rank(np.ones(3))) and r == 1
    assert tn.linalg.matrix_rank(np.zeros(3)) == 0


def test_docstring_examples_run():
    import doctest
    import importlib
    mod = importlib.import_module("trueno.linalg")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("ord_", [2, 1, np.inf, -np.inf, 0, 3, -1], ids=str)
@pytest.mark.parametrize("axis", [(0, 1, 2), (1,), (0, 2)], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128", "int32"])
def test_vector_norm_decomposition_matches_numpy(ord_, axis, dtype):
    # what devices without a vector_norm kernel run: the row's decomposition into primitives
    from trueno._optable import OPS
    _vector_norm_decomposition = OPS["vector_norm"].decomposition
    a = _matrix((2, 3, 4), dtype, "rect")
    with np.errstate(divide="ignore"):
        want = np.linalg.vector_norm(a, ord=ord_, axis=axis, keepdims=True)
        got = _vector_norm_decomposition(tn.asarray(a), axis=axis, keepdims=True, ord=ord_)
    assert_close(got, want, rtol=1e-5, atol=1e-6)
