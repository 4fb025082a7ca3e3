"""Helpers of ``Module``: hook handles, the load report, repr indentation."""

from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict, namedtuple

__all__ = ["RemovableHandle"]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class RemovableHandle:
    """The handle a ``register_*_hook`` returns: ``handle.remove()`` unregisters the hook."""

    _next_id = itertools.count()

    def __init__(self, *dicts) -> None:
        self.id = next(RemovableHandle._next_id)
        self._dicts = tuple(weakref.ref(d) for d in dicts)

    def remove(self) -> None:
        for ref in self._dicts:
            d = ref()
            if d is not None:
                d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class _HookDict(OrderedDict):
    """An OrderedDict that a weakref can point to (plain dicts cannot be weakly referenced)."""


def _addindent(s: str, n: int) -> str:
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    return lines[0] + "\n" + "\n".join(" " * n + line for line in lines[1:])
