"""The NumPy corpus: everyday NumPy snippets run with ``np = numpy`` and with ``np = trueno``.

Each snippet (``numpy_corpus/snippets_*.py``, blocks headed ``#: name``) uses the name ``np``
and assigns its result to ``out``; it may also print, and may use ``tmp_path`` (a fresh
folder). Both runs must agree on: the result's kind and type (a NumPy scalar of the same
type, an array -- ``trueno.ndarray`` on the trueno side --, a Python scalar of the same type,
tuples/lists/dicts element by element), dtype, shape and values (exact for ints, bools and
strings, a tolerance for floats), the printed text, the warning categories, and when NumPy
raises, an exception of the same class (trueno's may subclass it). Known, documented
differences are in ``XFAIL`` (strict: they fail when fixed) and in docs/compat.md.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import tempfile
import warnings
from pathlib import Path

import numpy
import pytest

import trueno

HERE = Path(__file__).parent / "numpy_corpus"
_HEAD = re.compile(r"^#: (\S+)\s*$", re.M)


def load_snippets() -> dict[str, str]:
    """Every snippet of the corpus by name (``file-stem.name``), in file order."""
    found: dict[str, str] = {}
    for path in sorted(HERE.glob("snippets_*.py")):
        ns: dict = {}
        exec(compile(path.read_text(), str(path), "exec"), ns)
        text = ns["SNIPPETS"]
        parts = _HEAD.split(text)
        for name, code in zip(parts[1::2], parts[2::2]):
            key = f"{path.stem[len('snippets_'):]}.{name}"
            assert key not in found, f"duplicate snippet {key}"
            found[key] = code.strip("\n") + "\n"
    return found


SNIPPETS = load_snippets()

# Known differences, each also described in docs/compat.md.
XFAIL: dict[str, str] = {
    "extra.dtype_type_attr": "a.dtype.type is NumPy's scalar type (numpy.float64), while "
                             "trueno.float64 is the trueno dtype, so `is` fails (== holds)",
    "science.polynomial_class": "no numpy.polynomial package",
}


def run(code: str, mod) -> dict:
    """Run ``code`` with ``np = mod``: the result, printed text, warnings and exception."""
    with tempfile.TemporaryDirectory() as tmp:
        ns = {"np": mod, "tmp_path": Path(tmp), "__name__": "corpus"}
        buf = io.StringIO()
        exc = out = None
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(buf):
            warnings.simplefilter("always")
            try:
                exec(compile(code, "<snippet>", "exec"), ns)
                out = ns.get("out")
            except Exception as e:  # noqa: BLE001  (the exception is what is compared)
                exc = e
        cats = sorted({w.category.__name__ for w in caught
                       if not issubclass(w.category, (DeprecationWarning, ResourceWarning))})
        return {"out": out, "printed": buf.getvalue(), "warnings": cats, "exc": exc}


def _tol(dt) -> tuple[float, float]:
    dt = numpy.dtype(dt)
    if dt.kind not in "fc":
        return 0.0, 0.0
    eps = numpy.finfo(dt).eps
    return float(eps) * 64, float(eps) * 64


def _np_dtype(dt) -> numpy.dtype:
    """NumPy's dtype of a trueno dtype (its storage dtype), or of NumPy's own."""
    return numpy.dtype(getattr(dt, "numpy", dt))


def _same_array(got, want, path: str) -> None:
    assert isinstance(got, trueno.ndarray), f"{path}: got {type(got).__name__}, want an array"
    gdt = _np_dtype(got.dtype)
    assert gdt == want.dtype, f"{path}: dtype {gdt} != {want.dtype}"
    assert str(got.dtype) == str(want.dtype), f"{path}: str(dtype) {got.dtype} != {want.dtype}"
    assert got.shape == want.shape, f"{path}: shape {got.shape} != {want.shape}"
    g = got.numpy()
    _same_values(g, want, path)


def _same_values(g, want, path: str) -> None:
    if want.dtype.kind in "fc":
        rtol, atol = _tol(want.dtype)
        numpy.testing.assert_allclose(g, want, rtol=rtol, atol=atol, equal_nan=True,
                                      err_msg=path)
    elif want.dtype.kind == "O":
        assert len(g.ravel()) == len(want.ravel())
        for i, (a, b) in enumerate(zip(g.ravel().tolist(), want.ravel().tolist())):
            compare(a, b, f"{path}[{i}]")
    else:
        numpy.testing.assert_array_equal(g, want, err_msg=path, strict=True)


def compare(got, want, path: str = "out") -> None:
    """Assert that ``got`` (the trueno run) matches ``want`` (the NumPy run)."""
    if isinstance(want, numpy.ndarray):
        _same_array(got, want, path)
    elif isinstance(want, numpy.generic):
        assert type(got) is type(want), \
            f"{path}: type {type(got).__name__} != {type(want).__name__} ({got!r} vs {want!r})"
        _same_values(numpy.asarray(got), numpy.asarray(want), path)
    elif isinstance(want, numpy.dtype):
        assert _np_dtype(got) == want and str(got) == str(want), f"{path}: {got} != {want}"
    elif isinstance(want, (bool, int, str, bytes, type(None))):
        assert type(got) is type(want) and got == want, f"{path}: {got!r} != {want!r}"
    elif isinstance(want, (float, complex)):
        assert type(got) is type(want), f"{path}: type {type(got).__name__} != {type(want)}"
        if isinstance(want, float) and math.isnan(want):
            assert math.isnan(got), f"{path}: {got!r} != nan"
        else:
            assert got == pytest.approx(want, rel=1e-12, abs=1e-300), f"{path}: {got} != {want}"
    elif isinstance(want, (tuple, list)):
        assert type(got).__name__ == type(want).__name__, \
            f"{path}: type {type(got).__name__} != {type(want).__name__}"
        assert len(got) == len(want), f"{path}: length {len(got)} != {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            compare(g, w, f"{path}[{i}]")
    elif isinstance(want, dict):
        assert list(got) == list(want), f"{path}: keys {list(got)} != {list(want)}"
        for k in want:
            compare(got[k], want[k], f"{path}[{k!r}]")
    elif isinstance(want, type):
        assert got is want or getattr(got, "__name__", None) == want.__name__, \
            f"{path}: {got!r} != {want!r}"
    else:
        assert repr(got) == repr(want), f"{path}: {got!r} != {want!r}"


def _exc_matches(got: BaseException, want: BaseException) -> bool:
    """The same class (by name: trueno has its own ``LinAlgError``, ``AxisError``), or, for
    NumPy's private classes (``UFuncTypeError``, ...), every builtin class NumPy's is."""
    names = {c.__name__ for c in type(got).__mro__}
    if isinstance(got, type(want)) or type(want).__name__ in names:
        return True
    if type(want).__module__.startswith("numpy._"):
        builtins = [c for c in type(want).__mro__ if c.__module__ == "builtins"]
        return all(isinstance(got, c) for c in builtins)
    return False


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=XFAIL[n])) if n in XFAIL else n
    for n in SNIPPETS])
def test_snippet(name: str) -> None:
    code = SNIPPETS[name]
    want = run(code, numpy)
    got = run(code, trueno)
    if want["exc"] is not None:
        assert got["exc"] is not None, f"NumPy raised {want['exc']!r}, trueno did not"
        assert _exc_matches(got["exc"], want["exc"]), \
            f"NumPy raised {want['exc']!r}, trueno {got['exc']!r}"
        return
    if got["exc"] is not None:
        raise got["exc"]
    compare(got["out"], want["out"])
    assert got["printed"] == want["printed"], "printed output differs"
    assert got["warnings"] == want["warnings"], \
        f"warnings {got['warnings']} != NumPy's {want['warnings']}"


def test_the_corpus_is_large_and_names_its_xfails():
    assert len(SNIPPETS) >= 300
    assert set(XFAIL) <= set(SNIPPETS)
    compat = (Path(__file__).parents[3] / "docs" / "compat.md").read_text()
    for name in XFAIL:
        assert name in compat, f"{name} is not described in docs/compat.md"
