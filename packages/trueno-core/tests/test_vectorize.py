"""``trueno.vectorize`` against NumPy's ``vectorize`` (issue 14)."""

from __future__ import annotations

import numpy as np
import pytest

import trueno as tn


def same(got, want):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            same(g, w)
        return
    assert isinstance(got, tn.ndarray), (type(got), want)
    assert got.shape == want.shape and got.dtype.name == want.dtype.name, (got, want)
    np.testing.assert_array_equal(np.asarray(got), want)


def _clip(x, lo):
    return x if x > lo else lo


CASES = [
    (lambda m: m.vectorize(lambda x: x + 1), ([1, 2, 3],)),
    (lambda m: m.vectorize(lambda x: x + 1), (1,)),
    (lambda m: m.vectorize(lambda x, y: x * y), ([1, 2], [[1], [2]])),
    (lambda m: m.vectorize(lambda x: x > 1), (np.arange(3),)),
    (lambda m: m.vectorize(lambda x: (x, x * 2.0)), (np.arange(3),)),
    (lambda m: m.vectorize(lambda x: x, otypes=[np.float32]), ([1, 2],)),
    (lambda m: m.vectorize(lambda x: x, otypes="d"), ([1, 2],)),
    (lambda m: m.vectorize(lambda x: x.sum(), signature="(n)->()"), (np.ones((2, 3)),)),
    (lambda m: m.vectorize(_clip, excluded={1}), (np.arange(5.0), 2.0)),
    (lambda m: m.vectorize(lambda s: len(str(s))), (np.asarray([1, 22, 333]),)),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_vectorize_matches_numpy(case):
    make, args = CASES[case]
    targs = tuple(tn.asarray(a) if isinstance(a, np.ndarray) else a for a in args)
    same(make(tn)(*targs), make(np)(*args))


def test_vectorize_as_a_decorator_and_its_errors():
    @tn.vectorize
    def sq(x):
        """Square."""
        return x * x

    @tn.vectorize(otypes=[tn.float64])
    def half(x):
        return x / 2

    same(sq(tn.asarray([1, 2])), np.asarray([1, 4]))
    assert sq.__doc__ == "Square."
    same(half([1, 3]), np.asarray([0.5, 1.5]))
    same(tn.vectorize(lambda x: x, otypes=[tn.int32])([]), np.zeros(0, np.int32))
    with pytest.raises(ValueError):
        tn.vectorize(lambda x: x)([])  # NumPy: size 0 needs otypes


def test_vectorize_keeps_the_device_and_calls_the_function_as_numpy_does():
    seen = {"t": [], "n": []}

    def f(who):
        def g(x):
            seen[who].append(type(x))
            return x
        return g

    a = tn.asarray([1.5, 2.5])
    r = tn.vectorize(f("t"))(a)
    np.vectorize(f("n"))(np.asarray([1.5, 2.5]))
    assert r.device == a.device and seen["t"] == seen["n"]
