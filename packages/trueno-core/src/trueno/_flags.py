"""``a.flags`` on the NumPy face: NumPy's memory-layout flags of a trueno array.

A CPU array's flags are those of the NumPy array that holds its memory (so setting
``a.flags.writeable = False`` makes every later write to ``a`` raise, as in NumPy); an array on
another device is always writeable and aligned, its contiguity is read from its strides and it
owns its data unless it is a view.
"""

from __future__ import annotations

import numpy as np

from ._errors import DeviceError, TruenoError

__all__ = ["flagsobj", "ReadOnlyArrayError"]


class ReadOnlyArrayError(TruenoError, ValueError):
    """A write into an array whose ``flags.writeable`` is False (NumPy's ValueError)."""

_KEYS = {"C_CONTIGUOUS": "c_contiguous", "C": "c_contiguous", "CONTIGUOUS": "c_contiguous",
         "F_CONTIGUOUS": "f_contiguous", "F": "f_contiguous", "FORTRAN": "f_contiguous",
         "OWNDATA": "owndata", "O": "owndata", "WRITEABLE": "writeable", "W": "writeable",
         "ALIGNED": "aligned", "A": "aligned", "WRITEBACKIFCOPY": "writebackifcopy",
         "X": "writebackifcopy", "FNC": "fnc", "FORC": "forc", "BEHAVED": "behaved",
         "B": "behaved", "CARRAY": "carray", "CA": "carray", "FARRAY": "farray",
         "FA": "farray"}
_SHOWN = ("C_CONTIGUOUS", "F_CONTIGUOUS", "OWNDATA", "WRITEABLE", "ALIGNED",
          "WRITEBACKIFCOPY")


class flagsobj:  # noqa: N801  (NumPy's name)
    """NumPy's ``flagsobj`` for a trueno array: attributes (``a.flags.writeable``) and keys
    (``a.flags['C_CONTIGUOUS']``); ``writeable`` (and ``aligned``/``writebackifcopy`` as NumPy
    allows) can be set."""

    __slots__ = ("_t",)

    def __init__(self, t) -> None:
        self._t = t

    def _np(self):
        d = self._t._data
        return d.flags if isinstance(d, np.ndarray) else None

    @property
    def c_contiguous(self) -> bool:
        f = self._np()
        return f.c_contiguous if f is not None else bool(self._t.is_contiguous())

    @property
    def f_contiguous(self) -> bool:
        f = self._np()
        if f is not None:
            return f.f_contiguous
        from ._manipulation import _is_f_contiguous
        t = self._t
        return bool(_is_f_contiguous(t)) or (t.ndim <= 1 and bool(t.is_contiguous()))

    @property
    def owndata(self) -> bool:
        d = self._t._data
        if isinstance(d, np.ndarray):
            return d.base is None
        return getattr(self._t, "_base", None) is None

    @property
    def writeable(self) -> bool:
        f = self._np()
        return f.writeable if f is not None else True

    @writeable.setter
    def writeable(self, value) -> None:
        f = self._np()
        if f is None:
            if value:
                return
            raise DeviceError(f"flags.writeable = False: read-only arrays live on the CPU only "
                              f"(this one is on {self._t.device})\n  hint: "
                              f"x.to_device('cpu') first")
        f.writeable = value  # NumPy's rules: True only where the memory may be written

    @property
    def aligned(self) -> bool:
        f = self._np()
        return f.aligned if f is not None else True

    @aligned.setter
    def aligned(self, value) -> None:
        f = self._np()
        if f is None:
            if not value:
                raise DeviceError("flags.aligned = False: not supported for arrays on a device")
            return
        f.aligned = value

    @property
    def writebackifcopy(self) -> bool:
        f = self._np()
        return f.writebackifcopy if f is not None else False

    @writebackifcopy.setter
    def writebackifcopy(self, value) -> None:
        if value:
            raise ValueError("can only set WRITEBACKIFCOPY flag to False")

    @property
    def fnc(self) -> bool:
        f = self._np()
        return f.fnc if f is not None else self.f_contiguous and not self.c_contiguous

    @property
    def forc(self) -> bool:
        f = self._np()
        return f.forc if f is not None else self.f_contiguous or self.c_contiguous

    @property
    def behaved(self) -> bool:
        f = self._np()
        return f.behaved if f is not None else self.aligned and self.writeable

    @property
    def carray(self) -> bool:
        f = self._np()
        return f.carray if f is not None else self.behaved and self.c_contiguous

    @property
    def farray(self) -> bool:
        f = self._np()
        if f is not None:
            return f.farray
        return self.behaved and self.f_contiguous and not self.c_contiguous

    def __getitem__(self, key: str) -> bool:
        try:
            return getattr(self, _KEYS[key])
        except (KeyError, TypeError):
            raise KeyError(f"Unknown flag {key!r}") from None

    def __setitem__(self, key: str, value) -> None:
        name = _KEYS.get(key) if isinstance(key, str) else None
        if name not in ("writeable", "aligned", "writebackifcopy"):
            raise KeyError(f"Unknown flag {key!r}")
        setattr(self, name, value)

    def __eq__(self, other) -> bool:
        if isinstance(other, flagsobj):
            return all(self[k] == other[k] for k in _SHOWN)
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return "".join(f"  {k} : {self[k]}\n" for k in _SHOWN)
