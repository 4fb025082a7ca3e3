"""The public functions made from op-table rows are bound from the rows (``Op.numpy_face``,
``Op.aliases``, ``Op.torch_face``) by one explicit loop per face module through
``_optable._faces.bind`` (no ``globals()`` injection), and each one covers its row: every
elementwise row has its function in ``trueno._elementwise``, every row of
``_numpy_elementwise`` its function there, every NumPy ufunc that trueno has its ufunc object
in ``trueno._ufunc``, and every row with a ``torch_face`` its functions and methods on the
PyTorch face.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import trueno as tn
import trueno.torch as torch
from trueno import _elementwise as E
from trueno import _ufunc as U
from trueno import _numpy_elementwise as UX
from trueno._optable import DOMAINS, ELEMENTWISE_BINARY, ELEMENTWISE_UNARY, OPS
from trueno._optable._faces import bind, elementwise_rows, torch_rows
from trueno._optable._row import torch_face
from trueno.torch import _ops_pointwise as TP
from trueno.torch import _promotion as TPR
from trueno.torch import _tensor_methods as TM

MODULES = [E, UX, U, TP]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_public_names_are_bound_from_the_table(module):
    """Each face module's ``FUNCTIONS`` (what it bound from the rows) are its attributes and
    in its ``__all__``, and no module injects names through ``globals()``."""
    funcs = module.UFUNCS if module is U else module.FUNCTIONS
    assert funcs and all(getattr(module, n) is f for n, f in funcs.items())
    assert set(funcs) <= set(module.__all__)
    assert all(hasattr(module, n) for n in module.__all__)
    assert "globals()" not in inspect.getsource(module)


def test_bind_refuses_a_name_bound_twice():
    """A row whose public name a face module already defines by hand is an error, not a
    silent replacement."""
    with pytest.raises(ValueError, match="already defined"):
        bind(E.__name__, {"fabs": lambda x: x})
    assert E.fabs.__name__ == "fabs"


def test_every_elementwise_row_has_its_function():
    assert ELEMENTWISE_UNARY + ELEMENTWISE_BINARY
    for row in ELEMENTWISE_UNARY + ELEMENTWISE_BINARY:
        if row.numpy_face is None:  # on the PyTorch face only
            assert row.name not in E.FUNCTIONS
            continue
        fn = getattr(E, row.name)
        assert fn.__name__ == row.name and row.name in E.__all__
        params = list(inspect.signature(fn).parameters.values())
        assert len(params) == row.nin
        assert all(p.kind is p.POSITIONAL_ONLY for p in params)
        for alias in row.aliases:
            assert getattr(E, alias) is fn and E.ALIASES[alias] == row.name
    for alias, name in E.ALIASES.items():
        assert getattr(E, alias) is getattr(E, name), alias
    assert {r.name for r in elementwise_rows()} == set(E.FUNCTIONS) - set(E.ALIASES)


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
    """The ufuncs bound from the rows (``_ufunc._ufunc_names``) are every NumPy ufunc trueno
    has a function for: a function added to trueno under a NumPy ufunc's name that is not a
    row must be added to ``_ufunc.NOT_ROWS``."""
    assert sorted(n for n in U.__all__ if n != "ufunc") == sorted(_numpy_ufuncs_trueno_has())
    for name in U.__all__[1:]:
        uf = getattr(U, name)
        assert getattr(tn, name) is uf and isinstance(uf, tn.ufunc)
        assert uf.nin == getattr(np, name).nin
    assert U.absolute is U.abs and U.power is U.pow  # aliases: one object


def test_reduce_over_several_axes_follows_numpys_reorderable():
    """``ufunc.reduce`` over two axes: allowed exactly where NumPy's ufunc allows it (asked of
    NumPy, not listed): hypot and fmax are reorderable, subtract and arctan2 are not."""
    x = np.array([[3.0, 4.0], [12.0, 5.0]])
    for name in ("hypot", "fmax", "add"):
        np.testing.assert_allclose(getattr(tn, name).reduce(tn.asarray(x), axis=(0, 1)),
                                   getattr(np, name).reduce(x, axis=(0, 1)))
    for name in ("subtract", "arctan2"):
        with pytest.raises(ValueError, match="not reorderable"):
            getattr(np, name).reduce(x, axis=(0, 1))
        with pytest.raises(ValueError, match="not reorderable"):
            getattr(tn, name).reduce(tn.asarray(x), axis=(0, 1))


# --- the PyTorch face (Op.torch_face) --------------------------------------------------------

TORCH_ROWS = torch_rows()


@pytest.mark.parametrize("row", TORCH_ROWS, ids=str)
def test_torch_face_is_bound_from_the_row(row):
    """``torch.<name>`` for each of the row's PyTorch names is the function ``_ops_pointwise``
    made from the row (one object for all its names), a method where ``method``, an in-place
    method and function form where the row says, and weak 0-d operands where ``weak``."""
    face = row.torch_face
    made = TP.FUNCTIONS.get(row.torch_names[0])
    assert (made is None) is (face.kind == "hand")
    for name in row.torch_names:
        fn = getattr(torch, name)
        if face.kind == "hand":  # written in the face: the row binds its method and flags
            assert callable(fn) and name not in TP.FUNCTIONS, name
        else:
            assert TP.FUNCTIONS[name] is made
            assert fn is made or (face.weak and fn.__wrapped__ is made), name
        assert getattr(fn, "_weak_0d", False) is face.weak, name
        assert (name in TM._FROM_FUNCTIONS) is face.method, name
        assert (name in TM._INPLACE) is face.inplace, name
        assert hasattr(torch.Tensor, name + "_") or not face.inplace, name
        assert (name in TM.INPLACE_FUNCTIONS) is face.inplace_function, name
        assert hasattr(torch, name + "_") or not face.inplace_function, name
        assert (name in TPR.BINARY_FUNCTIONS) is face.weak, name
    if face.kind == "engine":
        assert made is E.FUNCTIONS[row.name]


def _numpy_takes(row, dt) -> bool:
    """Whether NumPy's twin of the row (if any) has a loop for ``dt`` (np.gcd has no float)."""
    f = getattr(np, row.numpy_name or "", None)
    try:
        f is None or f(*[np.ones(2, dt)] * row.nin)
    except TypeError:
        return False
    return True


@pytest.mark.parametrize("row", TORCH_ROWS, ids=str)
def test_torch_face_computes_the_row(row):
    """The function and the method give the NumPy face's values (PyTorch's dtypes: integers
    to the default float for the float kinds)."""
    dt = next(d for d in ("float64", "int64", "bool") if getattr(tn, d + "_" * (
        d == "bool")) in row.accepts and _numpy_takes(row, d))
    args = []
    for i, dom in enumerate(row.domains_for(dt)):
        lo, hi = DOMAINS[dom][0 if dt == "float64" else 1]
        data = np.linspace(lo, hi, 6) if dt != "bool" else np.arange(6) % 2
        args.append(torch.tensor((data[::-1] if i else data).reshape(2, 3).astype(dt)))
    fn = getattr(torch, row.torch_names[0])
    want = getattr(tn, row.name)(*[tn.asarray(x.numpy()) for x in args])
    want = want if isinstance(want, tuple) else (want,)
    got = fn(*args)
    got = got if isinstance(got, tuple) else (got,)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g.numpy(), dtype=float),
                                   np.asarray(w, dtype=float), rtol=1e-6, equal_nan=True)
    if row.torch_face.method:
        m = getattr(args[0], row.torch_names[0])(*args[1:])
        for a, b in zip(m if isinstance(m, tuple) else (m,), got):
            np.testing.assert_array_equal(np.asarray(a.numpy()), np.asarray(b.numpy()))
    if row.torch_face.kind in ("float", "binary_float") and tn.int32 in row.accepts:
        ints = torch.tensor([[1, 2, 3]], dtype=torch.int32)
        assert fn(*[ints] * row.nin).dtype == torch.float32


SPECIAL_ROWS = torch_rows(module="special")


def test_torch_special_is_bound_from_the_rows():
    """``torch.special.<name>`` of each row whose ``torch_face`` says module "special" (entr,
    xlog1py, i0e) is the function made from the row, with no method, in-place form or weak
    wrapper in ``torch``; and the integer inputs of its float kinds give float32."""
    from trueno.torch import special
    assert {"entr", "xlog1py", "i0e"} <= {r.name for r in SPECIAL_ROWS}
    assert set(special.FUNCTIONS) == {n for r in SPECIAL_ROWS for n in r.torch_names}
    for row in SPECIAL_ROWS:
        for name in row.torch_names:
            assert getattr(special, name) is special.FUNCTIONS[name] and name in special.__all__
            assert name not in TP.FUNCTIONS and name not in TM._FROM_FUNCTIONS, name
            assert name not in TPR.BINARY_FUNCTIONS and name not in TM._INPLACE, name
            ints = [torch.tensor([[1, 2, 3]], dtype=torch.int32)] * row.nin
            assert getattr(special, name)(*ints).dtype == torch.float32
    with pytest.raises(ValueError, match="functions only"):
        torch_face("float", module="special")  # a method of torch.special: PyTorch has none
    with pytest.raises(ValueError, match="module"):
        torch_face("float", method=False, module="linalg_x")


def test_torch_rows_match_the_table():
    """The rows of the PyTorch face's generated functions are exactly the rows with a
    ``torch_face``; hypot is one (kind "binary_float": float32 for int32 inputs)."""
    assert set(TP.FUNCTIONS) == {n for r in TORCH_ROWS for n in r.torch_names
                                 if r.torch_face.kind != "hand"}
    assert OPS["hypot"].torch_face.kind == "binary_float"
    assert torch.hypot(torch.tensor([3], dtype=torch.int32),
                       torch.tensor([4], dtype=torch.int32)).dtype == torch.float32
    assert torch.arcsin is torch.asin and torch.Tensor.arcsin_ is not None


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
