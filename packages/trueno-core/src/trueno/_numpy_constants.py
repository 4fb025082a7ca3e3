"""NumPy's remaining top-level names on the NumPy face (issue 14): the constants ``True_``,
``False_``, ``little_endian``, ``typecodes``, ``ScalarType`` and ``sctypeDict``; the classes
``flatiter`` (what ``a.flat`` is), ``record`` (the element of a ``recarray``) and
``broadcast``; and the generalized-ufunc attributes (``nin``, ``nout``, ``nargs``,
``identity``, ``signature``) of ``matmul``, ``matvec``, ``vecmat`` and ``vecdot``.

Where NumPy gives one of its scalar types (``ScalarType``, ``sctypeDict``), this module gives
the trueno dtype of that name, as ``trueno.float64`` is (callable like NumPy's scalar type,
``isinstance`` works); NumPy's types that trueno has no dtype for (``longdouble``,
``clongdouble``) and the types trueno takes from NumPy (``datetime64``, ``str_``, ``void``,
...) stay NumPy's.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from . import _dtypes as D
from . import _numpy_types as T
from ._flatiter import flatiter
from ._manipulation import broadcast_shapes
from ._numpy_utilities import matvec, vecmat
from ._numpy_wrappers import matmul, vecdot
from ._tensor import Tensor

__all__ = ["True_", "False_", "little_endian", "typecodes", "ScalarType", "sctypeDict",
           "flatiter", "record", "broadcast"]

True_ = np.True_  # noqa: N816  (NumPy's names: its bool scalars, what a[i] gives)
False_ = np.False_  # noqa: N816
little_endian = sys.byteorder == "little"
typecodes = dict(np.typecodes)  # a copy: changing it leaves NumPy's alone
record = np.record  # r[0] of a trueno.recarray is a numpy.record, as NumPy's


def _trueno_names() -> dict:
    """Every name of a trueno dtype (``float64``, ``double``, ``int_``, ...) -> the dtype."""
    out = {d.name: d for d in D.ALL}
    out["bool_"] = D.bool_
    for name in T.__all__:
        obj = getattr(T, name)
        if isinstance(obj, D.DType):
            out[name] = obj
    return out


_NAMES = _trueno_names()


def _as_trueno(t: type, key: str | None = None):
    """The trueno dtype named ``key`` or named as NumPy's scalar type ``t``, else ``t``."""
    if key in _NAMES:
        return _NAMES[key]
    if isinstance(t, type) and issubclass(t, np.generic):
        return _NAMES.get(t.__name__, t)
    return t  # Python's types (int, bool, str, ...) stay


ScalarType = tuple(_as_trueno(t) for t in np.ScalarType)  # noqa: N816 (NumPy's name)
sctypeDict = {k: _as_trueno(t, k) for k, t in np.sctypeDict.items()}  # noqa: N816
sctypeDict["bfloat16"] = D.bfloat16  # trueno's extra float dtype


# -- generalized ufunc attributes of matmul and its relatives ------------------------------
def _gufunc(fn, signature: str) -> None:
    """NumPy's attributes of a binary gufunc with one output on ``fn`` (function attributes:
    the call itself is unchanged)."""
    fn.nin, fn.nout, fn.nargs, fn.identity, fn.signature = 2, 1, 3, None, signature


for _fn in (matmul, matvec, vecmat, vecdot):
    _gufunc(_fn, getattr(np, _fn.__name__).signature)


# -- broadcast ------------------------------------------------------------------------------
def _shape(x) -> tuple:
    return tuple(x.shape) if isinstance(x, (Tensor, np.ndarray)) else np.shape(x)


def _host(x):
    return x._host() if isinstance(x, Tensor) else x


class broadcast:  # noqa: N801  (NumPy's name)
    """NumPy's ``broadcast`` object over trueno arrays (and anything array-like): the
    broadcast ``shape``, ``size``, ``ndim``/``nd`` and ``numiter`` (read from the shapes only:
    no device array is read), and iteration yielding tuples of NumPy scalars, one per
    operand, in C order (the values are read to the host on the first ``next``); ``index``
    counts the tuples taken and ``reset()`` starts over. ``iters`` are NumPy's flat iterators
    over the host values. A broadcast object among the arguments contributes its operands.

    Examples
    --------
    >>> import trueno as tn
    >>> b = tn.broadcast(tn.arange(3), tn.asarray([[10], [20]]))
    >>> b.shape, b.numiter
    ((2, 3), 2)
    >>> [int(x + y) for x, y in b][:4]
    [10, 11, 12, 20]
    """

    __slots__ = ("_operands", "_shape", "_it")

    def __init__(self, *args) -> None:
        ops: list = []
        for a in args:
            ops.extend(a._operands if isinstance(a, broadcast) else (a,))
        if len(ops) > 64:
            raise ValueError(f"broadcast: at most 64 operands (NumPy's limit), got {len(ops)}")
        shapes = [_shape(a) for a in ops]
        try:
            shape = broadcast_shapes(*shapes)
        except ValueError as e:
            bad = next(((i, j) for i in range(len(shapes)) for j in range(i + 1, len(shapes))
                        if not _compatible(shapes[i], shapes[j])), None)
            if bad is None:
                raise
            i, j = bad
            raise type(e)(f"shape mismatch: objects cannot be broadcast to a single shape.  "
                          f"Mismatch is between arg {i} with shape {shapes[i]} and arg {j} "
                          f"with shape {shapes[j]}.\n{e}") from None
        self._operands = tuple(ops)
        self._shape = tuple(shape)
        self._it = None

    @property
    def shape(self) -> tuple:
        """The broadcast shape."""
        return self._shape

    @property
    def size(self) -> int:
        """The number of elements (tuples) of the broadcast."""
        return math.prod(self._shape)

    @property
    def ndim(self) -> int:
        """The number of dimensions of the broadcast shape."""
        return len(self._shape)

    nd = ndim

    @property
    def numiter(self) -> int:
        """The number of operands."""
        return len(self._operands)

    def _np(self):
        if self._it is None:
            self._it = np.broadcast(*[_host(a) for a in self._operands])
        return self._it

    @property
    def index(self) -> int:
        """How many tuples have been taken since the start (or the last ``reset``)."""
        return 0 if self._it is None else self._it.index

    @property
    def iters(self) -> tuple:
        """NumPy's flat iterators of the operands' host values, one per operand."""
        return self._np().iters

    def reset(self) -> None:
        """Start the iteration over."""
        if self._it is not None:
            self._it.reset()

    def __iter__(self):
        return self

    def __next__(self) -> tuple:
        return next(self._np())

    def __repr__(self) -> str:
        return f"<trueno.broadcast shape={self._shape} numiter={self.numiter}>"


def _compatible(s: tuple, t: tuple) -> bool:
    return all(a == b or a == 1 or b == 1 for a, b in zip(reversed(s), reversed(t)))
