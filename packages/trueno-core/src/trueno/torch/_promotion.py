"""PyTorch's type promotion with 0-d tensors as weak operands (``torch.result_type``).

PyTorch ranks operands in three priorities: tensors with dimensions, 0-d tensors, Python
numbers. A lower priority only changes the result when it is of a higher category (bool <
integer < floating < complex): ``int32 tensor + torch.tensor(5)`` is int32, ``float32 tensor +
0-d float64`` float32, ``int tensor + 0-d float32`` float32 (c10's ``combine_categories``). The
core's promotion table ranks every tensor alike, so the face casts the 0-d operand to the
result dtype before an op runs, as PyTorch's TensorIterator casts it to the common dtype.
"""

from __future__ import annotations

import builtins
import functools

from .. import _dtypes as D
from .._optable._faces import torch_rows
from .._tensor import Tensor as _Base
from . import _dtype as _T

__all__ = ["combine", "promote_types", "result_type", "weak_pair", "weak_binary", "install"]

_PYNUMBERS = (builtins.bool, builtins.int, builtins.float, builtins.complex)


def combine(higher, lower):
    """c10's ``combine_categories``: the dtype of a higher-priority group (``higher``, None
    when empty) with a lower one (``lower``)."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.kind == "c":
        return higher
    if lower.kind == "c":
        # Note: differs from PyTorch: float16/bfloat16 with complex give complex64 (trueno
        # has no complex32)
        return D._COMPLEX_OF[higher] if higher.kind == "f" else lower
    if higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return D.promote(higher, lower, "torch")
    return higher


def _join(acc, d):
    return d if acc is None else D.promote(acc, d, "torch")


def _core_result_type(operands) -> D.DType:
    dim = zero = wrapped = None
    for x in operands:
        if isinstance(x, _Base):
            if x._data.shape:
                dim = _join(dim, x._dtype)
            else:
                zero = _join(zero, x._dtype)
        elif isinstance(x, _PYNUMBERS):
            wrapped = _join(wrapped, D.scalar_dtype(x, _default_float()))
        else:
            raise TypeError(f"result_type: expected tensors or Python numbers, got "
                            f"{type(x).__name__}\n  hint: torch.promote_types(a, b) takes "
                            "dtypes")
    return combine(dim, combine(zero, wrapped))


def _default_float() -> D.DType:
    from ._functions import get_default_dtype
    return D.as_dtype(get_default_dtype())


def result_type(tensor, other):
    """``torch.result_type``: the dtype an arithmetic op of ``tensor`` and ``other`` gives
    (0-d tensors and Python numbers are weak operands).

    Examples
    --------
    >>> import trueno.torch as torch
    >>> torch.result_type(torch.tensor([1, 2], dtype=torch.int32), torch.tensor(5))
    torch.int32
    """
    return _T.of(_core_result_type((tensor, other)))


def promote_types(type1, type2):
    """``torch.promote_types``: the promoted dtype of two dtypes (no weak operands)."""
    return _T.of(D.promote(D.as_dtype(type1), D.as_dtype(type2), "torch"))


def weak_pair(a, b):
    """``a`` and ``b`` with a 0-d tensor beside a tensor with dimensions cast to the dtype
    PyTorch computes in; anything else as given."""
    if not (isinstance(a, _Base) and isinstance(b, _Base)):
        return a, b
    da, db = a._dtype, b._dtype
    if da is db or (not a._data.shape) == (not b._data.shape):
        return a, b
    nd, z = (b, a) if not a._data.shape else (a, b)
    r = combine(nd._dtype, z._dtype)
    if r is D.PROMOTION.get((nd._dtype, z._dtype, "torch")):
        return a, b  # the core's pairwise rule gives PyTorch's type already
    z = z.astype(r, copy=False)
    if D.PROMOTION[(nd._dtype, r, "torch")] is not r:  # float16 with a complex 0-d tensor
        nd = nd.astype(r, copy=False)
    return (z, nd) if not a._data.shape else (nd, z)


def weak_binary(fn):
    """``fn(input, other, ...)`` with PyTorch's weak 0-d operands."""
    @functools.wraps(fn)
    def f(input, other, *args, **kwargs):  # noqa: A002
        input, other = weak_pair(input, other)  # noqa: A001
        return fn(input, other, *args, **kwargs)
    return f


# Binary functions of the face whose result type is the promoted type of both inputs (or
# computed in it, as comparisons): PyTorch's TensorIterator promotes them with weak 0-d operands.
# The rows' whose ``torch_face`` is ``weak``, then the functions written by hand.
BINARY_FUNCTIONS = [n for r in torch_rows() if r.torch_face.weak for n in r.torch_names] + (
    "ne lt le gt ge"
).split()

def install(namespace: dict) -> None:
    """Wrap the face's binary functions in ``namespace`` (``torch.add``, ``torch.where``, ...).

    Runs once, when ``trueno.torch`` is imported, before the methods are bound from the
    functions (so ``x.add(y)`` is weak too).

    NOTE: the operators (``a + b``) run the dispatcher's cached paths directly (one frame,
    tests/test_dispatch_paths.py), which do not see 0-d operands; making them weak needs a
    check in ``trueno._dispatch`` (docs/compat.md).
    """
    for name in BINARY_FUNCTIONS:
        fn = namespace.get(name)
        if fn is not None and not getattr(fn, "_weak_0d", False):
            w = weak_binary(fn)
            w._weak_0d = True
            namespace[name] = w
