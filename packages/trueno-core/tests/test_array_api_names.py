"""Every name of the Array API standard 2024.12 exists in ``trueno`` (and its linalg/fft
extensions), the version string is right, and ``__array_namespace_info__()`` answers.

The lists are copied from the standard's API specification, one list per section.
"""

from __future__ import annotations

import numpy as np
import pytest

import trueno as tn

CONSTANTS = ["e", "inf", "nan", "newaxis", "pi"]
CREATION = ["arange", "asarray", "empty", "empty_like", "eye", "from_dlpack", "full",
            "full_like", "linspace", "meshgrid", "ones", "ones_like", "tril", "triu", "zeros",
            "zeros_like"]
DATA_TYPE_FUNCTIONS = ["astype", "can_cast", "finfo", "iinfo", "isdtype", "result_type"]
DATA_TYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
              "float32", "float64", "complex64", "complex128"]
ELEMENTWISE = [
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "bitwise_and",
    "bitwise_left_shift", "bitwise_invert", "bitwise_or", "bitwise_right_shift",
    "bitwise_xor", "ceil", "clip", "conj", "copysign", "cos", "cosh", "divide", "equal", "exp",
    "expm1", "floor", "floor_divide", "greater", "greater_equal", "hypot", "imag", "isfinite",
    "isinf", "isnan", "less", "less_equal", "log", "log1p", "log2", "log10", "logaddexp",
    "logical_and", "logical_not", "logical_or", "logical_xor", "maximum", "minimum",
    "multiply", "negative", "nextafter", "not_equal", "positive", "pow", "real", "reciprocal",
    "remainder", "round", "sign", "signbit", "sin", "sinh", "square", "sqrt", "subtract",
    "tan", "tanh", "trunc"]
INDEXING = ["take", "take_along_axis"]
INSPECTION = ["__array_namespace_info__"]
LINEAR_ALGEBRA = ["matmul", "matrix_transpose", "tensordot", "vecdot"]
MANIPULATION = ["broadcast_arrays", "broadcast_to", "concat", "expand_dims", "flip",
                "moveaxis", "permute_dims", "repeat", "reshape", "roll", "squeeze", "stack",
                "tile", "unstack"]
SEARCHING = ["argmax", "argmin", "count_nonzero", "nonzero", "searchsorted", "where"]
SETS = ["unique_all", "unique_counts", "unique_inverse", "unique_values"]
SORTING = ["argsort", "sort"]
STATISTICAL = ["cumulative_prod", "cumulative_sum", "max", "mean", "min", "prod", "std",
               "sum", "var"]
UTILITY = ["all", "any", "diff"]

MAIN = (CONSTANTS + CREATION + DATA_TYPE_FUNCTIONS + DATA_TYPES + ELEMENTWISE + INDEXING
        + INSPECTION + LINEAR_ALGEBRA + MANIPULATION + SEARCHING + SETS + SORTING
        + STATISTICAL + UTILITY)

LINALG = ["cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "matmul",
          "matrix_norm", "matrix_power", "matrix_rank", "matrix_transpose", "outer", "pinv",
          "qr", "slogdet", "solve", "svd", "svdvals", "tensordot", "trace", "vecdot",
          "vector_norm"]
FFT = ["fft", "ifft", "fftn", "ifftn", "rfft", "irfft", "rfftn", "irfftn", "hfft", "ihfft",
       "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


def test_version():
    assert tn.__array_api_version__ == "2024.12"
    assert tn.asarray([1]).__array_namespace__() is tn
    assert tn.asarray([1]).__array_namespace__(api_version="2024.12") is tn


@pytest.mark.parametrize("section", ["CONSTANTS", "CREATION", "DATA_TYPE_FUNCTIONS",
                                     "DATA_TYPES", "ELEMENTWISE", "INDEXING", "INSPECTION",
                                     "LINEAR_ALGEBRA", "MANIPULATION", "SEARCHING", "SETS",
                                     "SORTING", "STATISTICAL", "UTILITY"])
def test_main_namespace_has_every_name(section):
    names = globals()[section]
    missing = [n for n in names if not hasattr(tn, n)]
    assert not missing, f"trueno lacks Array API {section.lower()} names: {missing}"
    for n in names:
        if section not in ("CONSTANTS", "DATA_TYPES"):
            assert callable(getattr(tn, n)), n


@pytest.mark.parametrize("ext,names", [("linalg", LINALG), ("fft", FFT)])
def test_extensions_have_every_name(ext, names):
    mod = getattr(tn, ext)
    missing = [n for n in names if not callable(getattr(mod, n, None))]
    assert not missing, f"trueno.{ext} lacks Array API names: {missing}"


def test_constants_and_dtypes():
    assert tn.e == np.e and tn.pi == np.pi and tn.inf == np.inf and tn.newaxis is None
    assert tn.nan != tn.nan
    for n in DATA_TYPES:
        assert tn.isdtype(getattr(tn, n), "bool" if n == "bool" else
                          ("complex floating" if n.startswith("complex") else
                           "real floating" if n.startswith("float") else "integral"))


def test_namespace_info():
    info = tn.__array_namespace_info__()
    caps = info.capabilities()
    assert {"boolean indexing", "data-dependent shapes"} <= set(caps)
    assert info.default_device() in info.devices()
    dd = info.default_dtypes(device=info.default_device())
    assert set(dd) == {"real floating", "complex floating", "integral", "indexing"}
    dts = info.dtypes()
    assert set(DATA_TYPES) <= set(dts)
    assert set(info.dtypes(kind="integral")) == {"int8", "int16", "int32", "int64", "uint8",
                                                 "uint16", "uint32", "uint64"}
    assert set(info.dtypes(kind="bool")) == {"bool"}


def test_array_api_signatures_of_surface_functions():
    """The keyword-only spellings of the standard work on the functions added for issue 5."""
    x = tn.asarray([[3, 1, 2], [1, 1, 0]])
    assert tn.take(x, tn.asarray([0, 2]), axis=1).shape == (2, 2)
    assert tn.take_along_axis(x, tn.argsort(x, axis=1), axis=1).tolist() == [[1, 2, 3],
                                                                              [0, 1, 1]]
    assert tn.flip(x, axis=0).tolist() == [[1, 1, 0], [3, 1, 2]]
    assert tn.roll(x, shift=1, axis=1).tolist() == [[2, 3, 1], [0, 1, 1]]
    assert tn.repeat(x, 2, axis=0).shape == (4, 3)
    assert tn.tile(x, (1, 2)).shape == (2, 6)
    assert len(tn.unstack(x, axis=1)) == 3
    assert int(tn.count_nonzero(x, axis=None, keepdims=False)) == 5
    assert tn.count_nonzero(x, axis=1, keepdims=True).shape == (2, 1)
    assert tn.searchsorted(tn.asarray([1, 2, 3]), tn.asarray([2]), side="right").tolist() == [2]
    assert tn.diff(x, axis=0, n=1).tolist() == [[-2, 0, -2]]
    r = tn.unique_counts(x)
    assert r.values.tolist() == [0, 1, 2, 3] and r.counts.tolist() == [1, 3, 1, 1]
    assert tn.unique_inverse(x).inverse_indices.shape == x.shape


@pytest.mark.parametrize("name", ["trueno._gather_scatter", "trueno._index_arrays",
                                  "trueno._rearrange", "trueno._setops", "trueno._statistics",
                                  "trueno._numpy_constants", "trueno._numpy_datetime"])
def test_docstring_examples_of_surface_modules(name):
    import doctest
    import importlib
    mod = importlib.import_module(name)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
