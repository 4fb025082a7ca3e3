"""The ``histogram`` and ``bincount`` decompositions in primitives-only mode against NumPy,
exactly: the edges as NumPy makes them (explicit edges as given, integer ones included; a
count of bins on integer data in float64, on float32 data in float32; the string rules),
the counts' dtype (int64, the weights' dtype for ``histogram``, float64 for ``bincount``),
and weights passed the way the public functions pass them (their device array). The GPU
corpus (trueno-gpu's test_numpy_corpus_gpu.py) runs the same snippets on a device."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import trueno as tn
from trueno._registry import primitives_only

from test_decompositions_edge_dtypes import _same

_DATA = np.array([1.0, 2.0, 5.0, 2.0, 0.0, 6.0, 3.5, -1.0, 7.5, 2.0])


def _hist(a, **kw):
    tkw = {k: (tn.asarray(v) if k == "weights" else v) for k, v in kw.items()}
    with warnings.catch_warnings(), primitives_only():
        warnings.simplefilter("error")
        counts, edges = tn.histogram(tn.asarray(a), **tkw)
    return counts.numpy(), edges.numpy()


CASES = [
    ("float64", {"bins": [0, 2, 4, 6]}),  # integer edges: returned as given (int64)
    ("float64", {"bins": [0.0, 2.5, 10.0]}),
    ("int64", {"bins": 4}),  # float64 edges from integer data
    ("int32", {"bins": [0, 2, 4, 6]}),
    ("int64", {"bins": 3, "range": (0, 6)}),
    ("float32", {"bins": 5}),  # float32 edges
    ("float32", {"bins": 3, "range": (0.0, 4.0)}),
    ("float64", {"bins": 1}),
    ("float64", {"bins": 4, "density": True}),
    ("int64", {"bins": [0, 1, 3, 8], "density": True}),
    ("float64", {"bins": 3, "weights": np.arange(10.0) / 2}),
    ("float64", {"bins": [0, 2, 4, 6], "weights": np.arange(10)}),  # int64 sums
    ("int64", {"bins": 4, "weights": (np.arange(10) / 4).astype(np.float32)}),  # float32
    ("float64", {"bins": 2, "weights": np.arange(10.0), "density": True}),
    *((("float64", {"bins": rule})) for rule in ("auto", "fd", "doane", "scott", "rice",
                                                 "sturges", "sqrt")),
    ("int64", {"bins": "sturges"}),
    ("float64", {"bins": "auto", "range": (0.0, 5.0)}),
]


@pytest.mark.parametrize("dtype,kw", CASES, ids=[f"{d}-{sorted(k)}-{i}"
                                                for i, (d, k) in enumerate(CASES)])
def test_histogram_decomposition_matches_numpy(dtype, kw):
    a = _DATA.astype(dtype)
    want = np.histogram(a, **kw)
    got = _hist(a, **kw)
    _same(got[1], want[1], f"edges of histogram({dtype}, {kw})")
    _same(got[0], want[0], f"counts of histogram({dtype}, {kw})")


def test_histogram_decomposition_edges_and_errors():
    """Equal data (edges around it), empty data, a string rule with weights (NumPy's
    TypeError)."""
    for a in (np.full(4, 3), np.zeros(0)):
        want = np.histogram(a, bins=3)
        got = _hist(a, bins=3)
        _same(got[1], want[1], "edges")
        _same(got[0], want[0], "counts")
    with primitives_only(), pytest.raises(TypeError, match="weighted data"):
        tn.histogram(tn.asarray(_DATA), bins="auto", weights=tn.ones(10))


@pytest.mark.parametrize("wdtype", ["float32", "float64", "int64", "bool"])
def test_bincount_decomposition_weights_give_float64(wdtype):
    """NumPy casts the weights to float64 (float32 weights too); the decomposition gets
    them as the device array the public function passes."""
    x = np.array([0, 1, 1, 3, 0])
    w = (np.array([0.5, 1.0, 2.0, 3.25, 1.5]) * 2).astype(wdtype)
    with primitives_only():
        got = tn.bincount(tn.asarray(x), weights=tn.asarray(w), minlength=6).numpy()
    _same(got, np.bincount(x, weights=w, minlength=6), f"bincount(weights {wdtype})")


def test_bincount_decomposition_refuses_complex_weights():
    """NumPy raises TypeError (no safe cast to float64); so does the decomposition."""
    with primitives_only(), pytest.raises(TypeError, match="complex128.*float64"):
        tn.bincount(tn.asarray([0, 1]), weights=tn.asarray([1j, 2.0]))


@pytest.mark.parametrize("name", ["trueno._histograms", "trueno._numerics"])
def test_docstring_examples_of_split_modules(name):
    """The modules split out of ``_statistics`` keep their examples running."""
    import doctest
    import importlib
    mod = importlib.import_module(name)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
