"""Grad mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

The flag lives in core because the dispatcher reads it on every differentiable call; the
engine that records graphs is the trueno-autograd plugin. Grad mode is per thread (as in
PyTorch): entering ``no_grad`` in one thread leaves every other thread's mode alone, and a
context manager object shared by several threads restores each thread's own previous mode.
"""

from __future__ import annotations

import functools
from threading import get_ident

from ._dispatch import MODES

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled"]


class _GradMode:
    """Context manager and decorator that sets grad mode and restores it on exit."""

    _value = True

    def __init__(self, mode: bool | None = None) -> None:
        if mode is not None:
            self._value = bool(mode)
        # (thread id, mode to restore), innermost last; one list for every thread that uses
        # this object, each thread restoring its own entries
        self._prev: list[tuple[int, bool]] = []

    def _push(self) -> None:
        self._prev.append((get_ident(), MODES.grad_enabled))

    def _pop(self) -> None:
        tid = get_ident()
        prev = self._prev
        entry = prev[-1]
        if entry[0] != tid:  # another thread entered this object after us
            entry = next(e for e in reversed(prev[:]) if e[0] == tid)
        prev.remove(entry)  # an equal entry is the same thread's same mode: either one will do
        MODES.grad_enabled = entry[1]

    def __enter__(self):
        m = MODES
        self._prev.append((get_ident(), m.grad_enabled))  # _push, inlined: no_grad is hot
        m.grad_enabled = self._value
        return self

    def __exit__(self, *exc) -> None:
        prev = self._prev
        entry = prev[-1]
        if entry[0] != get_ident():
            return self._pop()
        prev.remove(entry)
        MODES.grad_enabled = entry[1]

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self._value) if type(self) is set_grad_enabled \
                    else self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Disable gradient recording inside the block (``torch.no_grad``)."""

    _value = False

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(_GradMode):
    """Enable gradient recording inside the block (``torch.enable_grad``)."""

    def __init__(self) -> None:
        super().__init__(True)


class inference_mode(_GradMode):
    """Like ``no_grad`` (``torch.inference_mode``); ``mode=False`` leaves grad mode as is."""

    def __init__(self, mode: bool = True) -> None:
        super().__init__(not mode if mode else None)
        if not mode:
            self._value = MODES.grad_enabled


class set_grad_enabled(_GradMode):
    """Set grad mode: as a function call, or as a context manager that restores it."""

    def __init__(self, mode: bool) -> None:
        super().__init__(mode)
        self._push()
        MODES.grad_enabled = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._pop()


def is_grad_enabled() -> bool:
    """Whether the calling thread records graphs (``torch.is_grad_enabled``)."""
    return MODES.grad_enabled
