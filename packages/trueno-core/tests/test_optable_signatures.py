"""The public functions made from op-table rows are explicit module-level names (no
``globals()`` injection), and each one covers its row: every elementwise row has its function
in ``trueno._elementwise``, every row of ``_numpy_elementwise`` its function there, and every NumPy
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
from trueno import _numpy_elementwise as UX
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


def test_every_numpy_elementwise_row_has_its_function():
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


# --- the row's parameters (Op.sig) -----------------------------------------------------------

P = inspect.Parameter
ROWS = sorted(tn.OPS.values(), key=lambda r: r.name)


def _tensor_params(row):
    return [p for p in row.signature.parameters.values()
            if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD, P.VAR_POSITIONAL)
            and p.annotation is P.empty]


@pytest.mark.parametrize("row", ROWS, ids=str)
def test_every_row_declares_its_parameters(row):
    """Tensor inputs come first, unannotated (``nin`` of them, or ``*xs``); every other
    parameter has a type."""
    params = list(row.signature.parameters.values())
    tensors = _tensor_params(row)
    if row.nin < 0:
        assert [p.kind for p in tensors] == [P.VAR_POSITIONAL]
    else:
        assert len(tensors) == row.nin, row.sig
    assert all(p.annotation is not P.empty for p in params if p not in tensors), row.sig
    assert set(row.params) == {p.name for p in params if p not in tensors
                               and p.kind is not P.VAR_KEYWORD}


def _call_args(row):
    """Positional and keyword arguments of a kernel call made from the row's parameters (a
    marker object for tensors and required parameters, the default for the others)."""
    args, kwargs = [], {}
    for p in row.signature.parameters.values():
        value = object() if p.default is P.empty else p.default
        if p.kind is P.POSITIONAL_ONLY:
            args.append(value)
        elif p.kind is P.VAR_POSITIONAL:
            args += [object(), object()]
        elif p.kind in (P.KEYWORD_ONLY, P.POSITIONAL_OR_KEYWORD):
            kwargs[p.name] = value
    return args, kwargs


def _from_numpy(fn) -> bool:
    """NumPy's own function used as a kernel: it may take more (``out=``, ufunc keywords)."""
    return isinstance(fn, np.ufunc) or (getattr(fn, "__module__", None) or "").startswith(
        "numpy")


def _check_callable(row, fn, what):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        pytest.fail(f"{row.name}: {what} has no signature")
    args, kwargs = _call_args(row)
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as exc:
        pytest.fail(f"{row.name}: {what} {sig} cannot be called as the row says "
                    f"({row.sig}): {exc}")
    if _from_numpy(fn) or any(p.kind is P.VAR_KEYWORD for p in sig.parameters.values()):
        return
    # exactly the row's parameters: no parameter the row does not pass
    extra = [n for n, p in sig.parameters.items() if n not in bound.arguments
             and p.kind not in (P.VAR_POSITIONAL, P.VAR_KEYWORD)]
    assert not extra, f"{row.name}: {what} {sig} takes {extra}, which the row ({row.sig}) " \
                      f"does not declare"
    for name, value in kwargs.items():  # and the row's defaults
        p = sig.parameters.get(name)
        if p is not None and p.default is not P.empty and row.signature.parameters[
                name].default is not P.empty:
            assert p.default == value, f"{row.name}: {what}'s default {name}={p.default!r} " \
                                       f"differs from the row's {value!r}"


def _reference_kernel(name):
    from trueno._registry import load_plugins
    k = load_plugins().backends["reference"].kernels.get(name)
    return next(iter(k.values())) if isinstance(k, dict) else k


@pytest.mark.parametrize("row", [r for r in ROWS if _reference_kernel(r.name) is not None],
                         ids=str)
def test_reference_kernel_takes_the_row_parameters(row):
    """The reference kernel (the oracle every backend's kernel is compared with) is called
    with the row's parameters and takes no others."""
    _check_callable(row, _reference_kernel(row.name), "the reference kernel")


# Decompositions called with more than the row's tensor inputs, and why.
DECOMPOSITION_EXTRAS = {
    "layer_norm": "weight and bias are also its tensor inputs w, b (so autograd records them); "
                  "kernels get them as the weight=/bias= device arrays",
}


@pytest.mark.parametrize("row", [r for r in ROWS if r._decomposition is not None], ids=str)
def test_decomposition_takes_the_row_parameters(row):
    if row.name in DECOMPOSITION_EXTRAS:
        sig = inspect.signature(row.decomposition)
        assert set(row.params) <= set(sig.parameters)
        return
    _check_callable(row, row.decomposition, "the decomposition")


@pytest.mark.parametrize("name", sorted(UX.UFUNCS))
def test_numpy_elementwise_functions_have_the_row_signature(name):
    fn, row = getattr(UX, name), tn.OPS[name]
    assert inspect.signature(fn) == row.signature
    x = tn.asarray([1.0, 2.0]) if row.nin == 1 else None
    if x is not None:
        with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
            fn(x, bogus=1)


def test_numpy_elementwise_parameters_are_numpys():
    """The keyword parameters of these rows are NumPy's, with NumPy's defaults."""
    with_params = [n for n in UX.UFUNCS if tn.OPS[n].params]
    assert len(with_params) >= 4, with_params
    for name in with_params:
        npsig = inspect.signature(getattr(np, name)).parameters
        for p in tn.OPS[name].params:
            assert npsig[p].default == tn.OPS[name].signature.parameters[p].default, (name, p)
    x = np.array([np.nan, np.inf, -np.inf, 1.0])
    np.testing.assert_array_equal(np.asarray(tn.nan_to_num(tn.asarray(x), nan=2.0,
                                                           posinf=9.0)),
                                  np.nan_to_num(x, nan=2.0, posinf=9.0))
    p = np.array([0.0, 3.0, 6.5, 0.2])
    np.testing.assert_allclose(np.asarray(tn.unwrap(tn.asarray(p), period=4.0)),
                               np.unwrap(p, period=4.0))


# Rows whose NumPy-face function of the same name spells a parameter differently, and how.
FACE_SPELLINGS = {
    "gather": "PyTorch's function: dim is the row's axis",
    "scatter": "PyTorch's function: dim is the row's axis",
    "scatter_add": "PyTorch's function: dim is the row's axis",
    "gelu": "the elementwise function; approximate= is trueno.nn.functional.gelu's",
    "gradient": "NumPy's *varargs are the row's spacing",
    "quantile": "percent=True is how percentile calls the row",
    "nanquantile": "percent=True is how nanpercentile calls the row",
    "unique_all": "the Array API's unique_all(x); trueno.unique passes axis= and equal_nan=",
}


@pytest.mark.parametrize("row", [r for r in ROWS if callable(getattr(tn, r.name, None))],
                         ids=str)
def test_public_function_takes_the_row_parameters(row):
    """``trueno.<row name>`` takes each of the row's parameters by its name (it may take
    more: the NumPy face's ``out=``, ``dtype=``, ...), unless FACE_SPELLINGS says why not."""
    sig = inspect.signature(getattr(tn, row.name))
    if any(p.kind is P.VAR_KEYWORD for p in sig.parameters.values()):
        return
    missing = [p for p in row.params if p not in sig.parameters]
    if row.name in FACE_SPELLINGS:
        assert missing, f"{row.name} is listed in FACE_SPELLINGS but matches its row"
        return
    assert not missing, f"trueno.{row.name}{sig} lacks the row's {missing} ({row.sig})"
