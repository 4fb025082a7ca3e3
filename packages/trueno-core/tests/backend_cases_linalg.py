"""Samples of the linalg ops for test_backend_equivalence: op name -> [(fn, [numpy args])].

``v(shape, domain="real")`` makes values of the dtype under test. A fn may return a
canonical form of its result (e.g. eigenvectors with a fixed sign) where the op's result is
not unique, so every backend's kernel can be compared with the reference one.
"""

from __future__ import annotations


def cases(v, dtype, rng) -> dict:
    return {}
