"""NumPy's datetime helpers on the NumPy face (issue 14): ``busday_count``, ``busday_offset``,
``is_busday``, ``busdaycalendar``, ``datetime_as_string`` and ``datetime_data``.

datetime64 arrays are CPU-only host arrays (``_host_dtypes``), so these are NumPy's functions
on the host values: trueno arrays (and a ``trueno.busdaycalendar``) in the arguments are read
as NumPy arrays, an array result is a trueno array on the CPU, a scalar result NumPy's scalar
(as NumPy gives for scalar arguments). ``out=`` takes a trueno CPU array (NumPy writes it in
place, with NumPy's casting, and it is returned) or a NumPy array; an array of another device
raises ``DeviceError``. NumPy's errors are raised as trueno's: ``DTypeError`` (a ``TypeError``) and
``DatetimeValueError`` (a ``ValueError``), with NumPy's message and a hint. A keyword left
at None is not passed, so NumPy's defaults apply (``weekmask='1111100'``, no holidays) and
``busdaycal=`` can be given alone, as NumPy.
"""

from __future__ import annotations

import numpy as np

from . import _dtypes as D
from ._device import CPU
from ._errors import DeviceError, DTypeError, TruenoError
from ._tensor import Tensor

__all__ = ["busday_count", "busday_offset", "is_busday", "busdaycalendar",
           "datetime_as_string", "datetime_data", "DatetimeValueError"]

_WEEKMASK = "1111100"
_HINTS = {
    "busday_count": "dates are datetime64[D] values or ISO strings ('2011-01-31'); weekmask is "
                    "7 flags Monday..Sunday ('1111100' or [1, 1, 1, 1, 1, 0, 0])",
    "busday_offset": "a date that is not a business day needs roll= ('forward', 'backward', "
                     "'following', 'preceding', 'modifiedfollowing', 'modifiedpreceding' or "
                     "'nat'); dates are datetime64[D] values or ISO strings",
    "is_busday": "dates are datetime64[D] values or ISO strings; weekmask is 7 flags "
                 "Monday..Sunday ('1111100')",
    "busdaycalendar": "weekmask is 7 flags Monday..Sunday ('1111100', 'Mon Tue Wed' or "
                      "[1, 1, 1, 1, 1, 0, 0]) with at least one business day; holidays are "
                      "dates",
    "datetime_as_string": "arr is a datetime64 array or scalar; unit is None, 'auto' or a unit "
                          "at least as fine as the array's ('D', 's', ...); timezone is "
                          "'naive', 'UTC', 'local' or a tzinfo",
    "datetime_data": "pass a datetime64/timedelta64 dtype, e.g. 'M8[D]' or a.dtype of a "
                     "datetime64 array",
}


class DatetimeValueError(TruenoError, ValueError):
    """A value NumPy's datetime helpers refuse (a date that is not a business day without
    ``roll=``, a malformed weekmask or date string, ...)."""


def _arg(x):
    """``x`` as NumPy takes it: a trueno array's host values, a calendar's NumPy calendar."""
    if isinstance(x, Tensor):
        return x._host()
    if x.__class__ is busdaycalendar:  # (NumPy's own calendars pass as they are)
        return x._cal
    if isinstance(x, D.DType):
        return x.numpy
    return x


def _out(name: str, out):
    """The NumPy array NumPy writes for ``out=`` (a trueno CPU array's own memory)."""
    if not isinstance(out, Tensor):
        return out  # None, a NumPy array, or whatever NumPy refuses itself
    if out._device is not CPU:
        raise DeviceError(f"{name}(..., out=): out is on {out._device}; NumPy computes "
                          f"{name} on the CPU\n  hint: pass an out on the CPU, or copy the "
                          f"result: out[...] = trueno.{name}(...)")
    return out._data


def _result(r, like):
    if isinstance(r, np.ndarray):
        from ._creation import asarray, default_class
        cls = like.__class__ if like is not None else default_class()
        return asarray(r, device=CPU, cls=cls)  # computed on the host: a CPU array
    return r  # NumPy's scalar (scalar arguments)


def _call(name: str, fn, args: tuple, kw: dict, out=None):
    """NumPy's ``fn`` on the host values; NumPy's errors as trueno's; ``out`` returned."""
    kw = {k: v for k, v in kw.items() if v is not None}  # NumPy's own defaults otherwise
    like = next((a for a in (*args, *kw.values()) if isinstance(a, Tensor)), None)
    if out is not None:
        kw = {**kw, "out": _out(name, out)}
    try:
        r = fn(*[_arg(a) for a in args], **{k: _arg(v) for k, v in kw.items()})
    except TypeError as e:
        raise DTypeError(f"{name}: {e}\n  hint: {_HINTS[name]}") from None
    except ValueError as e:
        raise DatetimeValueError(f"{name}: {e}\n  hint: {_HINTS[name]}") from None
    if isinstance(out, Tensor):
        out._version[0] += 1
        return out
    return r if out is not None else _result(r, like)


class _CalendarType(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, np.busdaycalendar) or type.__instancecheck__(cls, obj)


class busdaycalendar(metaclass=_CalendarType):  # noqa: N801  (NumPy's name)
    """NumPy's ``busdaycalendar``: the business days of the week (``weekmask``) and the
    holidays, for ``busday_count``/``busday_offset``/``is_busday`` (``busdaycal=``).
    ``weekmask`` (7 bools, Monday first) and ``holidays`` (sorted datetime64[D], no NaT or
    weekend days) are trueno arrays; ``isinstance(numpy.busdaycalendar(), trueno.busdaycalendar)``
    is True and either kind is accepted as ``busdaycal=``.

    Examples
    --------
    >>> import trueno as tn
    >>> cal = tn.busdaycalendar(weekmask="1111000", holidays=["2011-01-03"])
    >>> cal.weekmask.tolist()
    [True, True, True, True, False, False, False]
    """

    __slots__ = ("_cal",)

    def __init__(self, weekmask=_WEEKMASK, holidays=None) -> None:
        self._cal = _call("busdaycalendar", np.busdaycalendar, (weekmask,),
                          {"holidays": holidays})

    @property
    def weekmask(self):
        """The business days of the week, Monday first (a bool array of 7)."""
        return _result(self._cal.weekmask.copy(), None)

    @property
    def holidays(self):
        """The holidays (a sorted datetime64[D] array)."""
        return _result(self._cal.holidays.copy(), None)

    def __repr__(self) -> str:
        mask = "".join("01"[int(b)] for b in self._cal.weekmask)
        return (f"trueno.busdaycalendar(weekmask={mask!r}, "
                f"holidays={self._cal.holidays.astype(str).tolist()})")


def busday_count(begindates, enddates, weekmask=None, holidays=None, busdaycal=None, out=None):
    """NumPy's ``busday_count``: business days in ``[begindates, enddates)`` (negative when
    ``enddates`` comes first), broadcast; an int64 array, or a NumPy int64 for scalar dates.

    Examples
    --------
    >>> import trueno as tn
    >>> int(tn.busday_count("2011-01", "2011-02"))
    21
    """
    return _call("busday_count", np.busday_count, (begindates, enddates),
                 {"weekmask": weekmask, "holidays": holidays, "busdaycal": busdaycal}, out)


def busday_offset(dates, offsets, roll="raise", weekmask=None, holidays=None, busdaycal=None,
                  out=None):
    """NumPy's ``busday_offset``: ``dates`` rolled to a business day by ``roll``, then moved
    by ``offsets`` business days, broadcast; a datetime64[D] array, or NumPy's datetime64.

    Examples
    --------
    >>> import trueno as tn
    >>> str(tn.busday_offset("2011-10", 1, roll="forward"))
    '2011-10-04'
    """
    return _call("busday_offset", np.busday_offset, (dates, offsets),
                 {"roll": roll, "weekmask": weekmask, "holidays": holidays,
                  "busdaycal": busdaycal}, out)


def is_busday(dates, weekmask=None, holidays=None, busdaycal=None, out=None):
    """NumPy's ``is_busday``: which ``dates`` are business days; a bool array, or NumPy's
    bool for a scalar date.

    Examples
    --------
    >>> import trueno as tn
    >>> tn.is_busday(tn.asarray(["2011-07-01", "2011-07-02"], dtype="M8[D]")).tolist()
    [True, False]
    """
    return _call("is_busday", np.is_busday, (dates,),
                 {"weekmask": weekmask, "holidays": holidays, "busdaycal": busdaycal}, out)


def datetime_as_string(arr, unit=None, timezone="naive", casting="same_kind"):
    """NumPy's ``datetime_as_string``: the dates as ISO 8601 strings (a ``<U`` array, or
    NumPy's ``str_`` for a scalar) in ``unit`` and ``timezone``.

    Examples
    --------
    >>> import trueno as tn
    >>> d = tn.asarray(["2011-07-01T12:30"], dtype="M8[m]")
    >>> tn.datetime_as_string(d, unit="h").tolist()
    ['2011-07-01T12']
    """
    return _call("datetime_as_string", np.datetime_as_string, (arr,),
                 {"unit": unit, "timezone": timezone, "casting": casting})


def datetime_data(dtype, /) -> tuple[str, int]:
    """NumPy's ``datetime_data``: the ``(unit, count)`` of a datetime64/timedelta64 dtype
    (``('s', 5)`` for ``'M8[5s]'``).

    Examples
    --------
    >>> import trueno as tn
    >>> tn.datetime_data(tn.asarray(["2011-07-01"], dtype="M8[D]").dtype)
    ('D', 1)
    """
    return _call("datetime_data", np.datetime_data, (dtype,), {})
