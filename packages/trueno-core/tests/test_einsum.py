"""einsum against numpy.einsum, through the kernel and through the decomposition (diagonal,
sum, permute, reshape, matmul) that other devices and autograd use."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_close, builtin_base

import trueno as tn
from trueno._einsum import _einsum_decomposition, parse

CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("ij->ji", [(3, 4)]),
    ("ij->", [(3, 4)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("iij->j", [(3, 3, 2)]),
    ("i,i->", [(5,), (5,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bij,bkj->bik", [(2, 3, 4), (2, 5, 4)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("...i,...i", [(2, 3), (3,)]),
    ("i...->...", [(3, 2, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ijk,jil->kl", [(3, 4, 2), (4, 3, 5)]),
    ("abc,cd,de->abe", [(2, 3, 4), (4, 5), (5, 2)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("i,->i", [(3,), ()]),
    (",->", [(), ()]),
    ("ba,ab->", [(3, 4), (4, 3)]),
    ("ij,kl->ijkl", [(2, 2), (3, 1)]),
    ("ij,j->i", [(0, 3), (3,)]),
    ("ij,jk->ik", [(2, 0), (0, 3)]),
    ("Ab,bC->AC", [(2, 3), (3, 4)]),
    ("ij,jk->ik", [(3, 4), (5, 6)]),  # error: size mismatch
    ("ij,jk->iz", [(3, 4), (4, 5)]),  # error: unknown output label
    ("ij->ii", [(3, 3)]),  # error: repeated output label
    ("ij,jk", [(3, 4)]),  # error: operand count
    ("ijk", [(3, 4)]),  # error: dimension count
]
DTYPES = ["float32", "float64", "complex128", "int32", "int64", "bool"]


def _data(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-3, 3, shape)
    if dtype.startswith("complex"):
        a = a + 1j * rng.uniform(-3, 3, shape)
    if dtype == "bool":
        return a > 0
    return a.astype(dtype)


def _tol(dtype):
    return (1e-5, 1e-4) if dtype == "float32" else (1e-11, 1e-11)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("subs,shapes", CASES, ids=[c[0] + str(c[1]) for c in CASES])
def test_einsum_matches_numpy(subs, shapes, dtype):
    ops = [_data(s, dtype, i) for i, s in enumerate(shapes)]
    try:
        want = np.einsum(subs, *ops)
    except Exception as e:  # noqa: BLE001
        with pytest.raises(builtin_base(type(e))):
            tn.einsum(subs, *[tn.asarray(o) for o in ops])
        return
    rtol, atol = _tol(dtype)
    got = tn.einsum(subs, *[tn.asarray(o) for o in ops])
    assert_close(got, want, rtol=rtol, atol=atol)
    # the decomposition (any device, autograd) gives the same values
    terms, out = parse(subs, [o.shape for o in ops])
    dec = _einsum_decomposition(*[tn.asarray(o) for o in ops],
                                subscripts=",".join(terms) + "->" + out)
    assert_close(dec, want, rtol=rtol, atol=atol)


def test_einsum_mixed_dtypes_and_options():
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    b = np.ones((3, 2), dtype=np.float32)
    assert_close(tn.einsum("ij,jk", a, b), np.einsum("ij,jk", a, b))
    assert_close(tn.einsum("ij,jk", a, b, optimize=True), np.einsum("ij,jk", a, b))
    assert_close(tn.einsum("ij,jk", a, b, optimize="greedy"), np.einsum("ij,jk", a, b))
    assert_close(tn.einsum("ij->i", a, dtype=tn.float64), np.einsum("ij->i", a,
                                                                      dtype=np.float64))


def test_einsum_interleaved_form():
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(12.0).reshape(3, 4)
    assert_close(tn.einsum(tn.asarray(a), [0, 1], tn.asarray(b), [1, 2], [0, 2]),
                 np.einsum(a, [0, 1], b, [1, 2], [0, 2]))
    assert_close(tn.einsum(a, [Ellipsis, 1], b, [1, 2]), np.einsum(a, [Ellipsis, 1], b, [1, 2]))


def test_einsum_path_matches_numpy():
    a, b, c = np.ones((2, 3)), np.ones((3, 4)), np.ones((4, 5))
    assert tn.einsum_path("ij,jk,kl", tn.asarray(a), b, c)[0] == \
        np.einsum_path("ij,jk,kl", a, b, c, optimize="greedy")[0]


def test_einsum_errors_name_the_problem():
    with pytest.raises(tn.ShapeError, match="label 'j'"):
        tn.einsum("ij,jk", np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match="operand"):
        tn.einsum("ij,jk", np.ones((2, 3)))
    with pytest.raises(ValueError, match="invalid subscript"):
        tn.einsum("i1", np.ones((2, 3)))


def test_docstring_examples_run():
    import doctest
    import importlib
    mod = importlib.import_module("trueno._einsum")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_property_random_contractions_match_numpy():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    letters = "abcde"
    sizes = dict(zip(letters, (2, 3, 1, 4, 2)))
    term = st.lists(st.sampled_from(letters), min_size=0, max_size=3)

    @settings(max_examples=80, deadline=None)
    @given(st.lists(term, min_size=1, max_size=3), st.booleans(), st.integers(0, 2 ** 16))
    def check(terms, implicit, seed):
        rng = np.random.default_rng(seed)
        ops = [rng.standard_normal(tuple(sizes[c] for c in t)) for t in terms]
        used = sorted({c for t in terms for c in t})
        out = "" if implicit else "->" + "".join(rng.permutation(used)[: rng.integers(0, 3)])
        subs = ",".join("".join(t) for t in terms) + out
        want = np.einsum(subs, *ops)
        got = tn.einsum(subs, *[tn.asarray(o) for o in ops])
        assert_close(got, want, rtol=1e-10, atol=1e-10)
        t_terms, t_out = parse(subs, [o.shape for o in ops])
        dec = _einsum_decomposition(*[tn.asarray(o) for o in ops],
                                    subscripts=",".join(t_terms) + "->" + t_out)
        assert_close(dec, want, rtol=1e-10, atol=1e-10)
    check()
