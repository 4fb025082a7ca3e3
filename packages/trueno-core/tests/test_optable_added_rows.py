"""Rows added as a contributor adds one (issue 13's "files touched" measurement): ``i0e``
(an elementwise op) and ``xlogy`` (a composite of primitives). The generated suites cover them
from their rows (differential tests against the row's ``reference``, decompositions, backend
equivalence, gradients); this file checks the special values the generated samples miss.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sc
import torch

import trueno as tn


def test_i0e_large_and_special_values():
    """No overflow where ``exp(-|x|) i0(x)`` would give inf * 0: Cephes' i0e, as SciPy's."""
    x = np.array([0.0, -0.5, 7.9, 8.0, 8.1, -30.0, 700.0, 1e4, np.inf, -np.inf, np.nan])
    np.testing.assert_allclose(np.asarray(tn.i0e(tn.asarray(x))), sc.i0e(x), rtol=1e-14,
                               equal_nan=True)
    np.testing.assert_allclose(np.asarray(tn.i0e(tn.asarray(x, dtype=tn.float32))),
                               torch.special.i0e(torch.tensor(x, dtype=torch.float32)).numpy(),
                               rtol=2e-6, equal_nan=True)
    assert tn.i0e(tn.asarray([1, 2], dtype=tn.int8)).dtype == tn.float16  # as np.sin(int8)


def test_xlogy_zero_times_log():
    x = np.array([0.0, 0.0, 0.0, 0.0, 2.0, -1.0, np.nan, 3.0])
    y = np.array([0.0, np.inf, np.nan, -1.0, 0.0, 2.0, 1.0, -2.0])
    np.testing.assert_array_equal(np.asarray(tn.xlogy(tn.asarray(x), tn.asarray(y))),
                                  sc.xlogy(x, y))
    np.testing.assert_array_equal(
        np.asarray(tn.xlogy(tn.asarray(x, dtype=tn.float32), tn.asarray(y, dtype=tn.float32))),
        torch.xlogy(torch.tensor(x, dtype=torch.float32),
                    torch.tensor(y, dtype=torch.float32)).numpy())


@pytest.mark.parametrize("a,b", [(0.0, "t"), ("t", 2.0), (0, "t"), ("t", 0)])
def test_xlogy_python_scalars(a, b):
    t = np.array([[0.0, 1.5], [2.0, np.nan]])
    args = [tn.asarray(t) if v == "t" else v for v in (a, b)]
    want = sc.xlogy(*[t if v == "t" else v for v in (a, b)])
    got = tn.xlogy(*args)
    np.testing.assert_array_equal(np.asarray(got), want)
    assert got.dtype == tn.float64
