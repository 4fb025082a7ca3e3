"""``torch.linalg.lu_factor``/``lu_factor_ex``/``lu``/``lu_solve`` on the PyTorch face (issue
15), compared with torch 2.13: named results, pivots, infos and solutions."""

from __future__ import annotations

import numpy as np
import pytest

import trueno.torch as tt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(5)
A = RNG.standard_normal((2, 4, 4))
B = RNG.standard_normal((2, 4, 3))
BL = RNG.standard_normal((2, 3, 4))
SINGULAR = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])


def _close(got, want, rtol=1e-10):
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    assert type(got).__name__ == type(want).__name__ and len(got) == len(want)
    for g, w in zip(got, want):
        assert str(g.dtype) == str(w.dtype) and tuple(g.shape) == tuple(w.shape)
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=rtol, atol=1e-12)


CASES = {
    "lu_factor": lambda m: m.linalg.lu_factor(m.tensor(A)),
    "lu_factor_ex": lambda m: m.linalg.lu_factor_ex(m.tensor(A)),
    "lu_factor_ex-singular": lambda m: m.linalg.lu_factor_ex(m.tensor(SINGULAR)),
    "lu_factor-wide-float32": lambda m: m.linalg.lu_factor(m.tensor(A[0, :3], dtype=m.float32)),
    "lu": lambda m: m.linalg.lu(m.tensor(A)),
    "lu-singular": lambda m: m.linalg.lu(m.tensor(SINGULAR)),
    "lu_solve": lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.tensor(A)), m.tensor(B)),
    "lu_solve-adjoint": lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.tensor(A)),
                                                    m.tensor(B), adjoint=True),
    "lu_solve-right": lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.tensor(A)),
                                                  m.tensor(BL), left=False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    _close(CASES[name](tt), CASES[name](torch), rtol=1e-5 if "float32" in name else 1e-10)


def test_singular_matrix_raises_as_torch():
    with pytest.raises(RuntimeError, match="singular"):
        tt.linalg.lu_factor(tt.tensor(SINGULAR))
    with pytest.raises(RuntimeError):
        torch.linalg.lu_factor(torch.tensor(SINGULAR))
    with pytest.raises(RuntimeError, match="singular"):
        tt.linalg.lu_factor_ex(tt.tensor(SINGULAR), check_errors=True)
