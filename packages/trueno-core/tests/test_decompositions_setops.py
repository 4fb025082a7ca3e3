"""``unique(..., axis=...)``'s decomposition in primitives-only mode against NumPy: the
slices along ``axis`` ordered as NumPy orders them (as records, first element first), the
first indices, the 1-D inverse and the counts, for every axis, empty slices, rows with nan
(equal to no other row, as NumPy's), -0.0 and 0.0 (equal), bools and complex numbers."""

from __future__ import annotations

import numpy as np
import pytest

import trueno as tn
from trueno._registry import primitives_only

from test_decompositions_edge_dtypes import _same

CASES = {
    "rows": np.array([[1, 2], [1, 2], [0, 1], [0, 1], [1, 0], [0, 2]]),
    "3d": np.arange(24).reshape(2, 3, 4) % 2,
    "empty_slices": np.zeros((3, 0)),
    "no_slices": np.zeros((0, 3)),
    "floats_nan_zeros": np.array([[1.0, np.nan], [1.0, np.nan], [0.5, 2.0], [-0.0, 1.0],
                                  [0.0, 1.0], [0.5, -2.0]]),
    "bool": np.array([[True, False], [True, False], [False, True]]),
    "complex": np.array([[1 + 1j, 2], [1 + 1j, 2], [1 - 1j, 3]]),
    "int8_columns": np.array([[3, 1, 2, 1], [-1, 5, -1, 5]], dtype=np.int8),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_unique_axis_decomposition_matches_numpy(name):
    a = CASES[name]
    for axis in [*range(a.ndim), -1]:
        want = np.unique(a, return_index=True, return_inverse=True, return_counts=True,
                         axis=axis)
        with primitives_only():
            got = tn.unique(tn.asarray(a), return_index=True, return_inverse=True,
                            return_counts=True, axis=axis)
        for what, g, w in zip(("values", "index", "inverse", "counts"), got, want):
            w = w.astype(np.int64) if w.dtype == np.intp else w
            _same(g.numpy(), w, f"unique({name}, axis={axis}) {what}")
