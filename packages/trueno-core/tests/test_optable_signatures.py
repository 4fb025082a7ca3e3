"""The public functions made from op-table rows are explicit module-level names (no
``globals()`` injection), and each one covers its row: every elementwise row has its function
in ``trueno._elementwise``, every row of ``_ufuncs_ext`` its function there, and every NumPy
ufunc that trueno has its ufunc object in ``trueno._ufunc``.
"""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pytest

import trueno as tn
from trueno import _elementwise as E
from trueno import _ufunc as U
from trueno import _ufuncs_ext as UX
from trueno._optable import ELEMENTWISE_BINARY, ELEMENTWISE_UNARY

MODULES = [E, UX, U]


def _static_names(module) -> set[str]:
    """Names a reader (ruff, an IDE) sees bound at module level: defs, classes, assignments."""
    tree = ast.parse(inspect.getsource(module))
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.Assign):
            out |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out.add(node.target.id)
    return out


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_public_names_are_static(module):
    """Every name in ``__all__`` is a literal ``def``/assignment of the module, so readers,
    ruff and IDEs see it; ``__all__`` itself is a literal list."""
    missing = set(module.__all__) - _static_names(module)
    assert not missing, f"{module.__name__}: names not bound statically: {sorted(missing)}"
    assert "globals()" not in inspect.getsource(module)


def test_every_elementwise_row_has_its_function():
    for row in ELEMENTWISE_UNARY + ELEMENTWISE_BINARY:
        fn = getattr(E, row.name)
        assert fn.__name__ == row.name and row.name in E.__all__
        params = list(inspect.signature(fn).parameters.values())
        assert len(params) == row.nin
        assert all(p.kind is p.POSITIONAL_ONLY for p in params)
    for alias, name in E.ALIASES.items():
        assert getattr(E, alias) is getattr(E, name), alias


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_elementwise_functions_compute_their_rows():
    x = tn.asarray([0.25, 0.5, 2.0])
    for row in ELEMENTWISE_UNARY:
        if row.numpy_name and hasattr(np, row.numpy_name) and tn.float64 in row.accepts:
            np.testing.assert_allclose(np.asarray(getattr(E, row.name)(x)),
                                       getattr(np, row.numpy_name)(np.asarray(x)), rtol=1e-12)
    np.testing.assert_array_equal(np.asarray(E.arctan2(x, x[::-1])),
                                  np.arctan2([0.25, 0.5, 2.0], [2.0, 0.5, 0.25]))


def test_every_ufuncs_ext_row_has_its_function():
    assert [n for n in UX.__all__ if n != "bitwise_not"] == list(UX.UFUNCS)
    for name in UX.UFUNCS:
        assert getattr(UX, name).__name__ == name
    np.testing.assert_allclose(np.asarray(UX.fmod(tn.asarray([5.0, -5.0]), 3.0)),
                               np.fmod([5.0, -5.0], 3.0))


def _numpy_ufuncs_trueno_has() -> list[str]:
    """What scanning NumPy's namespace gives: ufuncs (not gufuncs) that trueno defines."""
    out = []
    for name in dir(np):
        npu = getattr(np, name)
        fn = getattr(tn, name, None)
        if isinstance(npu, np.ufunc) and npu.signature is None and callable(fn) and \
                not isinstance(fn, type):
            out.append(name)
    return out


def test_ufunc_list_is_complete():
    """The explicit list in ``_ufunc`` is every NumPy ufunc trueno has a function for: a
    function added to trueno under a NumPy ufunc's name must be added there too."""
    assert sorted(n for n in U.__all__ if n != "ufunc") == sorted(_numpy_ufuncs_trueno_has())
    for name in U.__all__[1:]:
        uf = getattr(U, name)
        assert getattr(tn, name) is uf and isinstance(uf, tn.ufunc)
        assert uf.nin == getattr(np, name).nin
    assert U.absolute is U.abs and U.power is U.pow  # aliases: one object
