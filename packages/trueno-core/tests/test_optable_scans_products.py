"""Op-table differential tests, scans, sorting, concatenation, matmul and the other products
vs NumPy.

Generated from the op table (``trueno.OPS``); the machinery is in ``optable_checks.py`` and
the completeness test in ``test_optable_differential.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

import trueno as tn

from trueno_core_helpers import NP_DTYPES, assert_close, sample
from optable_checks import BF16, check, generates


# --- scans, sorting, concatenation -----------------------------------------------------------

@generates()
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", ["bool", "int8", "uint32", "float16", "float32", "float64",
                                   "complex64"])
@pytest.mark.parametrize("axis", [None, 0, -1])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "0d", "empty"])
def test_scans(name, dtype, axis, layout, backend):
    shape, view = {"contiguous": ((2, 3), lambda a: a), "transposed": ((3, 2), lambda a: a.T),
                   "0d": ((), lambda a: a), "empty": ((0, 3), lambda a: a)}[layout]
    base = sample(dtype, shape, "small", np.random.default_rng(18))
    t = view(tn.asarray(base.copy()))
    check(name, backend, lambda: getattr(tn, name)(t, axis=axis),
          lambda: getattr(np, name)(view(base), axis=axis), dtype=NP_DTYPES[dtype],
          msg=f"{name}({dtype}, axis={axis}, {layout})")


@generates()
@pytest.mark.parametrize("name", ["sort", "argsort"])
@pytest.mark.parametrize("dtype", ["bool", "int8", "uint64", "float16", "float32", "float64"])
@pytest.mark.parametrize("axis", [0, -1, None])
def test_sorting(name, dtype, axis, backend):
    base = sample(dtype, (4, 6), "small", np.random.default_rng(19))
    if dtype[0] == "f":
        base[1, 2] = np.nan
    t = tn.asarray(base.copy())[:, ::-1]
    check(name, backend, lambda: getattr(tn, name)(t, axis=axis),
          lambda: getattr(np, name)(base[:, ::-1], axis=axis, kind="stable"),
          dtype=NP_DTYPES[dtype], msg=f"{name}({dtype}, axis={axis})")
    z = base[1, 2]  # 0-d: NumPy's sort has no axis -1 there, but sorts with axis=None
    check(name, backend, lambda: getattr(tn, name)(tn.asarray(np.asarray(z)), axis=axis),
          lambda: getattr(np, name)(np.asarray(z), axis=axis), msg=f"{name}(0-d, axis={axis})")


@generates("concat")
@pytest.mark.parametrize("dtypes", [("int8", "int8"), ("int8", "uint8"), ("float32", "int64"),
                                    ("bool", "complex64"), ("float16", "float32")])
@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_concat(dtypes, axis, backend):
    rng = np.random.default_rng(20)
    a, b = sample(dtypes[0], (2, 3), "real", rng), sample(dtypes[1], (2, 3), "real", rng)
    ta, tb = tn.asarray(a.copy()), tn.asarray(b.copy()).T.T[::-1]
    check("concat", backend, lambda: tn.concat([ta, tb], axis=axis),
          lambda: np.concatenate([a, b[::-1]], axis=axis),
          dtype=np.result_type(a.dtype, b.dtype), msg=f"concat({dtypes}, axis={axis})")
    check("concat", backend, lambda: tn.stack([ta, tb], axis=axis or 0),
          lambda: np.stack([a, b[::-1]], axis=axis or 0), dtype=np.result_type(a.dtype, b.dtype))


def test_concat_shape_mismatch():
    with pytest.raises(ValueError):
        tn.concat([tn.zeros((2, 3)), tn.zeros((3, 2))], axis=0)
    with pytest.raises(ValueError):
        np.concatenate([np.zeros((2, 3)), np.zeros((3, 2))], axis=0)


# --- matmul and products ---------------------------------------------------------------------

MATMUL_SHAPES = [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)),
                 ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 5)),
                 ((0, 4), (4, 5)), ((3, 0), (0, 5)), ((2, 0, 3, 4), (4, 5)), ((1, 3), (3, 1))]


@generates("matmul")
@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", ["bool", "int8", "int32", "uint16", "float16", "bfloat16",
                                   "float32", "float64", "complex64", "complex128"])
def test_matmul(shapes, dtype, backend):
    rng = np.random.default_rng(21)
    a, b = (sample(dtype, s, "small", rng) for s in shapes)
    ta, tb = tn.asarray(a.copy()), tn.asarray(b.copy())
    msg = f"matmul({dtype}, {shapes})"
    if dtype == "bfloat16":  # NumPy has no bfloat16 matmul loop: float32 then round
        exp = np.matmul(a.astype(np.float32), b.astype(np.float32)).astype(BF16)
        assert_close(tn.matmul(ta, tb), exp, BF16, msg=msg)
        return
    check("matmul", backend, lambda: tn.matmul(ta, tb), lambda: np.matmul(a, b),
          dtype=NP_DTYPES[dtype], msg=msg)
    check("matmul", backend, lambda: ta @ tb, lambda: a @ b, dtype=NP_DTYPES[dtype], msg=msg)


@pytest.mark.parametrize("dtype", ["int16", "float32", "float64", "complex128"])
def test_matmul_noncontiguous(dtype, backend):
    rng = np.random.default_rng(22)
    a, b = sample(dtype, (5, 3), "small", rng), sample(dtype, (2, 4, 10), "small", rng)
    ta = tn.asarray(a.copy()).T          # (3, 5) transposed
    tb = tn.asarray(b.copy())[:, ::-1, ::2].mT[..., ::-1]  # (2, 5, 4) negative strides
    check("matmul", backend, lambda: ta @ tb, lambda: a.T @ b[:, ::-1, ::2].swapaxes(-1, -2)
          [..., ::-1], dtype=NP_DTYPES[dtype])


@pytest.mark.parametrize("shapes", [((3, 4), (5, 4)), ((3,), (4,)), ((), (3,)),
                                    ((2, 3, 4), (3, 4, 5)), ((3, 4), (3,))], ids=str)
def test_matmul_shape_errors(shapes):
    a, b = np.ones(shapes[0]), np.ones(shapes[1])
    check("matmul", "reference", lambda: tn.matmul(tn.asarray(a), tn.asarray(b)),
          lambda: np.matmul(a, b))


@pytest.mark.parametrize("shapes,axis", [(((3, 4), (3, 4)), -1), (((2, 3, 4), (4,)), -1),
                                         (((3, 4), (3, 4)), 0), (((4,), (4,)), -1),
                                         (((2, 1, 4), (3, 4)), -1)], ids=str)
@pytest.mark.parametrize("dtype", ["int32", "float32", "float64", "complex128"])
def test_vecdot(shapes, axis, dtype, backend):
    rng = np.random.default_rng(23)
    a, b = (sample(dtype, s, "small", rng) for s in shapes)
    check("vecdot", backend, lambda: tn.vecdot(tn.asarray(a), tn.asarray(b), axis=axis),
          lambda: np.vecdot(a, b, axis=axis), dtype=NP_DTYPES[dtype])


@pytest.mark.parametrize("shapes", [((), (3,)), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)),
                                    ((2, 3), (3, 4)), ((2, 3, 4), (5, 4, 2)),
                                    ((2, 3), (4, 3))], ids=str)
@pytest.mark.parametrize("dtype", ["int64", "float32", "complex64"])
def test_dot_inner_outer(shapes, dtype, backend):
    rng = np.random.default_rng(24)
    a, b = (sample(dtype, s, "small", rng) for s in shapes)
    ta, tb = tn.asarray(a), tn.asarray(b)
    d = NP_DTYPES[dtype]
    check("dot", backend, lambda: tn.dot(ta, tb), lambda: np.dot(a, b), dtype=d,
          msg=f"dot{shapes}")
    check("inner", backend, lambda: tn.inner(ta, tb), lambda: np.inner(a, b), dtype=d,
          msg=f"inner{shapes}")
    check("outer", backend, lambda: tn.outer(ta, tb), lambda: np.outer(a, b), dtype=d,
          msg=f"outer{shapes}")
    if a.size == b.size:
        check("vdot", backend, lambda: tn.vdot(ta, tb), lambda: np.vdot(a, b), dtype=d,
              msg=f"vdot{shapes}")


@pytest.mark.parametrize("shapes,axes", [(((3, 4, 5), (4, 5, 2)), 2), (((3, 4), (4, 5)), 1),
                                         (((3, 4), (5, 6)), 0),
                                         (((3, 4, 5), (5, 3, 2)), ([0, 2], [1, 0])),
                                         (((2, 3), (3, 2)), ([1], [0])),
                                         (((3, 4), (5, 4)), ([1], [0]))], ids=str)
@pytest.mark.parametrize("dtype", ["int32", "float64"])
def test_tensordot(shapes, axes, dtype, backend):
    rng = np.random.default_rng(25)
    a, b = (sample(dtype, s, "small", rng) for s in shapes)
    check("tensordot", backend, lambda: tn.tensordot(tn.asarray(a), tn.asarray(b), axes=axes),
          lambda: np.tensordot(a, b, axes=axes), dtype=NP_DTYPES[dtype])
