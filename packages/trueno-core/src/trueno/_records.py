"""Record arrays: ``trueno.recarray`` (a structured array whose fields are attributes,
``r.x``) and ``trueno.rec`` (``rec.array``, ``rec.fromarrays``, ``rec.fromrecords``), as
NumPy's ``numpy.recarray`` and ``numpy.rec``. CPU only, stored as NumPy arrays (issue 14).
"""

from __future__ import annotations

import types

import numpy as np

from ._ndarray import ndarray
from ._tensor import Tensor

__all__ = ["recarray", "rec", "as_class"]


class recarray(ndarray):  # noqa: N801  (NumPy's name)
    """A structured array whose fields read and write as attributes (``r.x``, ``r.x = 0``).

    A field of a plain dtype is an ``ndarray`` view, a structured field a ``recarray`` view,
    as NumPy's."""

    __slots__ = ()

    def __getattr__(self, name):
        names = self._dtype.numpy.names if name[:1] != "_" else None
        if names and name in names:
            return self[name]
        raise AttributeError(f"recarray has no attribute {name!r}"
                             + (f" (fields: {', '.join(names)})" if names else ""))

    def __setattr__(self, name, value) -> None:
        names = self._dtype.numpy.names if name[:1] != "_" else None
        if names and name in names:
            self[name] = value
            return
        object.__setattr__(self, name, value)

    def __getitem__(self, key):
        out = ndarray.__getitem__(self, key)
        if isinstance(out, Tensor) and out._dtype.numpy.names is None:
            return _as(out, ndarray)
        if isinstance(out, np.void):  # one record: NumPy's numpy.record (r[0].x)
            return self._host().view(np.recarray)[key]
        return out

    def __repr__(self) -> str:
        return repr(self._host().view(np.recarray))


def _as(t, cls):
    """The same view of ``t``'s memory as class ``cls``."""
    out = object.__new__(cls)
    out._data, out._dtype, out._device = t._data, t._dtype, t._device
    out._version, out._ag = t._version, t._ag
    base = getattr(t, "_base", None)
    if base is not None:
        out._base = base
    return out


def as_class(t, cls):
    """``a.view(type=cls)``: ``trueno.recarray`` (or NumPy's ``numpy.recarray``), or a
    trueno array class."""
    if cls is np.recarray:
        cls = recarray
    if not (isinstance(cls, type) and issubclass(cls, ndarray)):
        raise TypeError(f"view: type must be a subclass of trueno.ndarray, not {cls!r}")
    return _as(t, cls)


def _wrap(host: np.ndarray) -> recarray:
    from ._creation import asarray
    plain = np.asarray(host).view(np.ndarray)
    return _as(asarray(plain.view(np.dtype((np.void, plain.dtype)))), recarray)


def _host(x):
    return x._host() if isinstance(x, Tensor) else x


def array(obj, dtype=None, shape=None, formats=None, names=None, **kw) -> recarray:
    """NumPy's ``rec.array``: a record array from records, arrays or a structured array."""
    if isinstance(obj, Tensor):
        obj = obj._host()
    elif isinstance(obj, list):
        obj = [_host(o) for o in obj]
    return _wrap(np.rec.array(obj, dtype=dtype, shape=shape, formats=formats, names=names,
                              **kw))


def fromarrays(arrays, dtype=None, shape=None, formats=None, names=None, **kw) -> recarray:
    """NumPy's ``rec.fromarrays``: one field per array."""
    return _wrap(np.rec.fromarrays([_host(a) for a in arrays], dtype=dtype, shape=shape,
                                   formats=formats, names=names, **kw))


def fromrecords(records, dtype=None, shape=None, formats=None, names=None, **kw) -> recarray:
    """NumPy's ``rec.fromrecords``: one record (a tuple) per element."""
    return _wrap(np.rec.fromrecords(_host(records), dtype=dtype, shape=shape, formats=formats,
                                    names=names, **kw))


rec = types.ModuleType("trueno.rec", "NumPy's numpy.rec on trueno arrays: array, fromarrays, "
                                     "fromrecords, recarray.")
rec.array, rec.fromarrays, rec.fromrecords, rec.recarray = array, fromarrays, fromrecords, \
    recarray
