"""Shared checks of the decomposition tests (``test_decompositions*.py``): ``spy_kernels``
(the rows that resolve to a kernel while a test runs) and ``_compare`` (a primitives-only
result against the reference and every fused kernel)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import trueno as tn
from trueno import _registry as R
from trueno._optable import PRIMITIVES
from trueno._registry import load_plugins, primitives_only, use_backend

from trueno_core_helpers import DTYPE_NAMES, assert_close, builtin_base

REG = load_plugins()


def _allowed() -> set[str]:
    from test_decompositions import NO_DECOMPOSITION_YET
    return set(NO_DECOMPOSITION_YET)


def spy_kernels(monkeypatch) -> set[str]:
    """The rows that resolve to a kernel while a test runs (for a ``kernels_used``
    fixture)."""
    used: set[str] = set()
    real = R.resolve_kernel

    def spy(op, device, dtype):
        k = real(op, device, dtype)
        if k is not None:
            used.add(op.name)
        return k
    monkeypatch.setattr(R, "resolve_kernel", spy)
    return used


def _prims_only_result(fn, args, used):
    used.clear()
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with primitives_only():
            got = fn(*args)
    leaked = sorted(used - PRIMITIVES - _allowed())
    assert not leaked, f"kernels of composite rows ran in primitives-only mode: {leaked}"
    return got


def _host(r):
    if isinstance(r, tuple):
        return tuple(_host(x) for x in r)
    return r.numpy() if isinstance(r, tn.Tensor) else r


def _backends_for(name):
    """The reference backend and every CPU backend with a (fused) kernel of its own."""
    return ["reference"] + [b.name for b in REG.backends.values()
                            if b.name != "reference" and "cpu" in b.devices and name in b.kernels]


def _compare(name, fn, args, dtype, used, tol=None):
    """The primitives-only result of ``fn(*args)`` against each backend's kernel (where the
    reference kernel raises, the decomposition raises the same built-in exception type)."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings(), use_backend("reference"):
            warnings.simplefilter("ignore", RuntimeWarning)
            fn(*args)
    except Exception as exc:
        with pytest.raises(builtin_base(type(exc))):
            _prims_only_result(fn, args, used)
        return
    got = _prims_only_result(fn, args, used)
    for backend in _backends_for(name):
        with np.errstate(all="ignore"), warnings.catch_warnings(), use_backend(backend):
            warnings.simplefilter("ignore", RuntimeWarning)
            want = _host(fn(*args))
        rtol, atol = tol if tol is not None else (None, None)
        for g, w in zip(got if isinstance(got, tuple) else (got,),
                        want if isinstance(want, tuple) else (want,)):
            assert_close(g, w, dtype, rtol=rtol, atol=atol,
                         msg=f"{name} ({dtype}) decomposition vs {backend}'s kernel")


def _names(dtypes):
    return [n for n in DTYPE_NAMES if getattr(tn, n if n != "bool" else "bool_") in dtypes]
