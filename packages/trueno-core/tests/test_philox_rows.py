"""The counter-based random rows ``philox_uniform`` / ``philox_bernoulli`` (the PyTorch face's
GPU generators draw through them): Random123's known answers, the stream's layout, and the
decomposition (uint32 primitives) against the reference kernel (uint64 NumPy).

Known-answer vectors: Random123's ``tests/kat_vectors`` (github.com/DEShawResearch/random123),
the three ``philox4x32 10`` lines: counter (4 words), key (2 words), result (4 words).
"""

from __future__ import annotations

import numpy as np
import pytest

import trueno as tn
from trueno import _decompositions_random as DR
from trueno._reference import _random as R
from trueno._registry import primitives_only

KAT = [  # philox4x32 10: ctr, key -> out
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


@pytest.mark.parametrize("ctr, key, want", KAT)
def test_reference_philox_known_answers(ctr, key, want):
    got = R.philox4x32_10(tuple(np.array([c], np.uint64) for c in ctr), key)
    assert [int(g[0]) for g in got] == list(want)


def test_stream_words_known_answer_and_layout():
    # counter 0, key 0 is the stream of (seed 0, offset 0)'s first block
    assert R.stream_words(0, 0, 4).tolist() == list(KAT[0][2])
    # block b of (seed, offset) is the counter offset + b: a later offset continues the stream
    w = R.stream_words(2**40 + 3, 2**32 - 2, 24)
    assert R.stream_words(2**40 + 3, 2**32 - 2 + 3, 12).tolist() == w[12:].tolist()
    # the key is the seed's two words: all-ones counter (the high words 0 here) differ
    assert R.stream_words(2**64 - 1, 0, 4).tolist() != R.stream_words(2**32 - 1, 0, 4).tolist()


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_decomposition_matches_the_reference(dtype):
    """The uint32 decomposition (16-bit-half products) in primitives-only mode gives the
    reference kernel's bits, for both rows, across the offset's 32-bit carry."""
    x = np.empty((5, 7), dtype)
    ta = tn.asarray(x)
    with primitives_only():
        for kw in ({"seed": 9, "offset": 2**32 - 3}, {"seed": 2**64 - 1, "offset": 0,
                                                       "low": -1.5, "high": 2.0}):
            np.testing.assert_array_equal(np.asarray(DR.philox_uniform(ta, **kw)),
                                          R.philox_uniform(x, **kw))
        for p in (0.0, 0.25, 1.0):
            kw = {"seed": 5, "offset": 2**33 + 1, "p": p, "value": 1 / 0.75}
            np.testing.assert_array_equal(np.asarray(DR.philox_bernoulli(ta, **kw)),
                                          R.philox_bernoulli(x, **kw))


# the decomposition's log/sin/cos are trueno's CPU kernels, the reference's NumPy's
_NORMAL_TOL = {"float16": 2e-3, "float32": 4e-6, "float64": 1e-13}


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_normal_decomposition_within_ulps_of_the_reference(dtype):
    x = np.empty((7, 9), dtype)
    with primitives_only():
        got = np.asarray(DR.philox_normal(tn.asarray(x), seed=4, offset=2**32 - 1, mean=1.0,
                                          std=3.0))
    want = R.philox_normal(x, seed=4, offset=2**32 - 1, mean=1.0, std=3.0)
    assert got.dtype == want.dtype == np.dtype(dtype)
    tol = _NORMAL_TOL[dtype]
    np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=tol,
                               atol=tol)


def test_normal_moments():
    z = R.philox_normal(np.empty(200_001, np.float32), seed=8, offset=0).astype(np.float64)
    n = z.size
    assert abs(z.mean()) < 6 / np.sqrt(n)
    assert abs(z.var() - 1) < 6 * np.sqrt(2 / n)
    assert abs((np.abs(z) < 1).mean() - 0.6826894921) < 6 * np.sqrt(0.22 / n)


def test_uniform_range_and_keep_fraction():
    x = np.empty(200_000, np.float32)
    u = R.philox_uniform(x, seed=1, offset=0)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 6 * np.sqrt(1 / 12 / u.size)
    for p in (0.1, 0.5, 0.9):
        keep = R.philox_bernoulli(x, seed=3, offset=7, p=p) == 1
        assert abs(keep.mean() - p) < 6 * np.sqrt(p * (1 - p) / keep.size), p
    # 2**-24 steps: a draw that lands on high - ulp rounds to high and becomes low
    v = R.philox_uniform(np.empty(10_000, np.float32), seed=2, offset=0, low=1.0, high=1.0 + 2**-22)
    assert v.min() >= 1.0 and v.max() < 1.0 + 2**-22


def test_blocks_reserved_per_draw():
    assert DR.blocks(0, "float32") == 0
    assert DR.blocks(5, "float32") == 2 and DR.blocks(5, "float64") == 3
    assert DR.blocks(5, "float64", uniform=False) == 2
    # a normal takes words in pairs: an odd count still fits its reserved blocks
    assert all(4 * DR.blocks(n, "float32") >= n + n % 2 for n in range(1, 20))
    assert DR.threshold(1.0) == 2**32 and DR.threshold(0.0) == 0
    assert DR.threshold(0.5) == 2**31
