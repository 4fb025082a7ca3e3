"""``nn.Parameter`` and ``nn.Buffer``: tensors a module registers as its state."""

from __future__ import annotations

import trueno.torch as torch
from trueno.backend import wrap

__all__ = ["Parameter", "Buffer", "share"]

_Tensor = torch.Tensor


def share(cls, t):
    """A tensor of class ``cls`` over ``t``'s storage (no copy, a fresh autograd state)."""
    return wrap(cls, t._data, t._device, t._version, t._dtype)


class Parameter(_Tensor):
    """A tensor that is a module parameter: assigning it to a module attribute registers it.

    ``Parameter(data, requires_grad=True)`` shares ``data``'s storage, as PyTorch's does. The
    results of ops on a parameter (and its views, ``detach()``, ``.data``) are plain tensors:
    ``p.__class__`` reads as ``Tensor``, which the dispatcher uses for its results, while
    ``type(p)`` and ``isinstance(p, Parameter)`` say Parameter.
    """

    __slots__ = ()

    def __new__(cls, data=None, requires_grad: bool = True):
        if data is None:
            data = torch.empty(0)
        if not isinstance(data, _Tensor):
            raise TypeError(f"Parameter(data): expected a trueno.torch.Tensor, got "
                            f"{type(data).__name__}\n  hint: nn.Parameter(torch.tensor(...))")
        p = share(cls, data)
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __init__(self, data=None, requires_grad: bool = True):
        pass

    @property
    def __class__(self):  # noqa: D105  (ops on a parameter give plain tensors, as in PyTorch)
        return _Tensor

    def __repr__(self) -> str:
        return "Parameter containing:\n" + _Tensor.__repr__(self)

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (share(_Tensor, self).clone(), self.requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        out = Parameter(share(_Tensor, self).clone(), self.requires_grad)
        memo[id(self)] = out
        return out


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)


class Buffer(_Tensor):
    """``nn.Buffer(data, persistent=True)``: assigning it to a module attribute registers a
    buffer. The module stores a plain tensor over the same storage."""

    __slots__ = ("persistent",)

    def __new__(cls, data=None, *, persistent: bool = True):
        if data is None:
            data = torch.empty(0)
        b = share(cls, data)
        b.persistent = persistent
        return b

    def __init__(self, data=None, *, persistent: bool = True):
        pass
