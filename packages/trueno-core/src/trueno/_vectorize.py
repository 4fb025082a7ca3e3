"""``trueno.vectorize``: NumPy's ``vectorize`` over trueno arrays.

The Python function runs once per element (as in NumPy, a convenience, not a speed-up), on
NumPy scalars (or, with a ``signature``, on trueno arrays of the core dimensions); NumPy's
``vectorize`` does the broadcasting and picks the output dtypes, and the results are placed on
the device of the first trueno array among the arguments.
"""

from __future__ import annotations

import functools

import numpy as np

from . import _dtypes as D
from ._gather_scatter import _host_place
from ._tensor import Tensor

__all__ = ["vectorize"]

_NOVALUE = np._NoValue


def _np_otypes(otypes):
    if otypes is None or isinstance(otypes, str):
        return otypes
    return [D.as_dtype(t).numpy if not (isinstance(t, str) and len(t) == 1) else t
            for t in otypes]


class vectorize:  # noqa: N801  (NumPy's name)
    """NumPy's ``vectorize(pyfunc, otypes=None, doc=None, excluded=None, cache=False,
    signature=None)``; also a decorator, with or without arguments
    (``@trueno.vectorize(otypes=[float])``)."""

    def __init__(self, pyfunc=_NOVALUE, otypes=None, doc=None, excluded=None, cache=False,
                 signature=None) -> None:
        self._args = (otypes, doc, excluded, cache, signature)
        self.pyfunc = pyfunc
        self.otypes, self.excluded, self.signature = otypes, excluded, signature
        if pyfunc is _NOVALUE:
            self._v = None
            return
        fn = pyfunc
        if signature is not None:  # core-dimension blocks reach pyfunc as trueno arrays
            @functools.wraps(pyfunc)
            def fn(*args, **kwargs):
                from ._creation import asarray
                return pyfunc(*(asarray(a) if isinstance(a, np.ndarray) else a for a in args),
                              **kwargs)
        self._v = np.vectorize(fn, otypes=_np_otypes(otypes), doc=doc, excluded=excluded,
                               cache=cache, signature=signature)
        self.__doc__ = pyfunc.__doc__ if doc is None else doc

    def __call__(self, *args, **kwargs):
        if self._v is None:  # @vectorize(otypes=...) used as a decorator factory
            otypes, doc, excluded, cache, signature = self._args
            return vectorize(args[0], otypes, doc, excluded, cache, signature)
        like = next((a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)), None)

        def host(a):
            if isinstance(a, Tensor):
                return a._host()
            if isinstance(a, (list, tuple)) and any(isinstance(x, Tensor) for x in a):
                return type(a)(host(x) for x in a)
            return a
        out = self._v(*(host(a) for a in args), **{k: host(v) for k, v in kwargs.items()})
        if isinstance(out, tuple):
            return tuple(_host_place(like, o) for o in out)
        return _host_place(like, out)

    def __repr__(self) -> str:
        return f"trueno.vectorize({self.pyfunc!r})"
