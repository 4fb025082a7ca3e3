"""Reductions and functions that NumPy refuses on empty input raise trueno's ShapeError, a
TruenoError and the ValueError NumPy raises (DESIGN.md §5), with a hint."""

from __future__ import annotations

import numpy as np
import pytest

import trueno as tn
from trueno._errors import ShapeError, TruenoError

CALLS = [
    ("max", lambda m, e: m.max(e)),
    ("min over an empty axis", lambda m, e: m.min(m.zeros((2, 0)), axis=1)),
    ("argmin", lambda m, e: m.argmin(e)),
    ("argmax", lambda m, e: m.argmax(e)),
    ("nanargmax", lambda m, e: m.nanargmax(e)),
    ("convolve", lambda m, e: m.convolve(e, m.asarray([1.0]))),
]


@pytest.mark.parametrize("name, call", CALLS, ids=[c[0] for c in CALLS])
def test_empty_input_raises_shape_error_as_numpys_value_error(name, call):
    with pytest.raises(ValueError):
        call(np, np.asarray([], dtype=np.float64))
    with pytest.raises(ShapeError) as e:
        call(tn, tn.asarray([], dtype=tn.float64))
    assert isinstance(e.value, (TruenoError, ValueError))


def test_the_hint_names_initial():
    with pytest.raises(ShapeError, match="initial="):
        tn.max(tn.asarray([], dtype=tn.float32))
    assert float(tn.max(tn.asarray([], dtype=tn.float32), initial=-1.0)) == -1.0
