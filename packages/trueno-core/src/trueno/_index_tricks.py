"""NumPy's index and iteration helpers: ``r_``, ``c_``, ``s_``, ``index_exp``, ``mgrid``,
``ogrid``, ``ndindex``, ``ndenumerate`` and ``nditer``.

``r_``/``c_``/``mgrid``/``ogrid`` build their result with NumPy's own parser of the index (so
every directive, complex step and string spec means what it means in NumPy) and place it on the
device of the first trueno array in the index, as trueno's creation functions do. ``s_``,
``index_exp`` and ``ndindex`` make no arrays and are NumPy's objects. ``nditer`` iterates over
the memory of CPU arrays with NumPy's iterator, so ``readwrite`` operands write into them.
"""

from __future__ import annotations

import numpy as np

from ._device import CPU
from ._errors import DeviceError
from ._gather_scatter import _host_place
from ._tensor import Tensor

__all__ = ["r_", "c_", "s_", "index_exp", "mgrid", "ogrid", "ndindex", "ndenumerate",
           "nditer"]

s_ = np.s_
index_exp = np.index_exp
ndindex = np.ndindex


def _first(key):
    items = key if isinstance(key, tuple) else (key,)
    return next((k for k in items if isinstance(k, Tensor)), None)


def _host_items(key):
    """The index with trueno arrays as NumPy arrays (read from their device)."""
    if isinstance(key, tuple):
        return tuple(k._host() if isinstance(k, Tensor) else k for k in key)
    return key._host() if isinstance(key, Tensor) else key


class _Concatenator:
    """``r_``/``c_``: NumPy's index syntax for building an array by concatenation."""

    __slots__ = ("_np", "_name")

    def __init__(self, np_obj, name: str) -> None:
        self._np, self._name = np_obj, name

    def __getitem__(self, key):
        like = _first(key)
        if any(k in ("r", "c") for k in (key if isinstance(key, tuple) else (key,))
               if isinstance(k, str)):  # the matrix directives
            raise TypeError(f"{self._name}[...]: the 'r'/'c' directives make numpy.matrix "
                            f"objects, which trueno has no class for\n  hint: leave the "
                            f"directive out and reshape the result")
        return _host_place(like, self._np[_host_items(key)])

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"trueno.{self._name}"


class _Grid:
    """``mgrid`` (dense) and ``ogrid`` (open) mesh grids from slices."""

    __slots__ = ("_np", "_name")

    def __init__(self, np_obj, name: str) -> None:
        self._np, self._name = np_obj, name

    def __getitem__(self, key):
        out = self._np[key]
        if isinstance(out, (tuple, list)):
            return type(out)(_host_place(None, o) for o in out)
        return _host_place(None, out)

    def __repr__(self) -> str:
        return f"trueno.{self._name}"


r_ = _Concatenator(np.r_, "r_")
c_ = _Concatenator(np.c_, "c_")
mgrid = _Grid(np.mgrid, "mgrid")
ogrid = _Grid(np.ogrid, "ogrid")


class ndenumerate:  # noqa: N801  (NumPy's name)
    """``(index, value)`` pairs of every element in C order; the values are NumPy scalars, as
    element indexing gives (an array on another device is read from it once)."""

    def __init__(self, arr) -> None:
        self._it = np.ndenumerate(arr._host() if isinstance(arr, Tensor) else np.asarray(arr))

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._it)


def _iter_operand(op, flags):
    """The NumPy array ``nditer`` iterates for one operand: a CPU array's own memory."""
    if op is None or not isinstance(op, Tensor):
        return op
    writes = flags is not None and any(f in ("readwrite", "writeonly") for f in flags)
    if op._device is CPU and isinstance(op._data, np.ndarray):
        if writes and op._ag is not None:
            raise DeviceError("nditer: a readwrite operand that autograd records cannot be "
                              "written elementwise\n  hint: iterate over x.detach(), or write "
                              "the loop as array operations")
        if writes:
            op._version[0] += 1  # written through NumPy's iterator
        return op._data
    if writes:
        raise DeviceError(f"nditer: a {'readwrite' if 'readwrite' in flags else 'writeonly'} "
                          f"operand must live on the CPU (got one on {op.device})\n  hint: "
                          f"x.to_device('cpu'), iterate, then move it back")
    return op._host()


class nditer:  # noqa: N801  (NumPy's name)
    """NumPy's ``nditer`` over trueno arrays: each element is a 0-d NumPy array view (as in
    NumPy), ``readwrite``/``writeonly`` operands write into the CPU arrays' memory, and
    ``operands`` (with allocated outputs) are trueno arrays sharing that memory.

    Note: the elements are NumPy's 0-d arrays, not trueno ones; operands on another device are
    read-only (a copy is iterated).
    """

    def __init__(self, op, flags=None, op_flags=None, op_dtypes=None, order="K",
                 casting="safe", op_axes=None, itershape=None, buffersize=0) -> None:
        if isinstance(op, (list, tuple)):
            per = op_flags if op_flags is not None and op_flags and \
                isinstance(op_flags[0], (list, tuple)) else [op_flags] * len(op)
            self._ops = list(op)
            hosts = [_iter_operand(o, f) for o, f in zip(op, per)]
        else:
            self._ops = [op]
            hosts = _iter_operand(op, op_flags)
        dts = op_dtypes
        if dts is not None:
            from . import _dtypes as D

            def conv(d):
                return None if d is None else D.as_dtype(d).numpy
            dts = [conv(d) for d in dts] if isinstance(dts, (list, tuple)) else conv(dts)
        self._it = np.nditer(hosts, flags=flags, op_flags=op_flags, op_dtypes=dts,
                             order=order, casting=casting, op_axes=op_axes,
                             itershape=itershape, buffersize=buffersize)

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._it)

    def __enter__(self):
        self._it.__enter__()
        return self

    def __exit__(self, *exc):
        return self._it.__exit__(*exc)

    def close(self) -> None:
        self._it.close()

    def __getitem__(self, i):
        return self._it[i]

    def __setitem__(self, i, value) -> None:
        self._it[i] = value

    def __len__(self) -> int:
        return len(self._it)

    @property
    def operands(self) -> tuple:
        """The operands as trueno arrays (the given ones, and the outputs it allocated)."""
        out = []
        for given, arr in zip(self._ops, self._it.operands):
            out.append(given if isinstance(given, Tensor) and given._data is arr
                       else _host_place(given if isinstance(given, Tensor) else None, arr))
        return tuple(out)

    def __getattr__(self, name):
        # finished, iternext, multi_index, index, iterindex, itersize, shape, value, ndim,
        # nop, reset, remove_axis, ... : NumPy's iterator's own
        return getattr(self._it, name)
