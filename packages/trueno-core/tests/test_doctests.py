"""The ``Examples`` blocks of public docstrings run as doctests."""

import doctest
import importlib

import pytest

MODULES = ["trueno._dtypes", "trueno._creation", "trueno._linalg_ops", "trueno._registry",
           "trueno.random", "trueno._strided", "trueno._io", "trueno._io_files", "trueno._io_text"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    mod = importlib.import_module(name)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
