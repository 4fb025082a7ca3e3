"""The hooks of ``Optimizer.step`` and ``state_dict``/``load_state_dict`` (PyTorch's API)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .._hooks import RemovableHandle, _HookDict
from ._errors import OptimizerTypeError

__all__ = ["register_optimizer_step_pre_hook", "register_optimizer_step_post_hook",
           "HookMixin", "with_step_hooks"]

_GLOBAL_PRE: _HookDict = _HookDict()
_GLOBAL_POST: _HookDict = _HookDict()
_KINDS = ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
          "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
          "_optimizer_load_state_dict_pre_hooks", "_optimizer_load_state_dict_post_hooks")


def _add(hooks: _HookDict, hook: Callable, prepend: bool = False) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """A hook ``hook(optimizer, args, kwargs)`` run before every optimizer's ``step``; it may
    return ``(new_args, new_kwargs)``."""
    return _add(_GLOBAL_PRE, hook)


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """A hook ``hook(optimizer, args, kwargs)`` run after every optimizer's ``step``."""
    return _add(_GLOBAL_POST, hook)


def with_step_hooks(func: Callable) -> Callable:
    """``func`` (a ``step`` method) wrapped to run the global and per-optimizer hooks."""

    @functools.wraps(func)
    def step(self: Any, *args: Any, **kwargs: Any) -> Any:
        for hook in [*_GLOBAL_PRE.values(), *self._hooks("_optimizer_step_pre_hooks").values()]:
            result = hook(self, args, kwargs)
            if result is not None:
                if isinstance(result, tuple) and len(result) == 2:
                    args, kwargs = result
                else:
                    raise OptimizerTypeError(
                        f"{func} must return None or a tuple of (new_args, new_kwargs), but "
                        f"got {result}.")
        out = func(self, *args, **kwargs)
        self._opt_called = True
        for hook in [*self._hooks("_optimizer_step_post_hooks").values(),
                     *_GLOBAL_POST.values()]:
            hook(self, args, kwargs)
        return out

    step.hooked = True  # type: ignore[attr-defined]
    return step


class HookMixin:
    """``register_*_hook`` methods of ``Optimizer``."""

    def _hooks(self, kind: str) -> _HookDict:
        hooks = self.__dict__.get(kind)
        if hooks is None:
            hooks = self.__dict__[kind] = _HookDict()
        return hooks

    def _patch_step_function(self) -> None:
        cls = type(self)
        if not getattr(cls.step, "hooked", False):
            cls.step = with_step_hooks(cls.step)

    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` before this optimizer's ``step``; it may return
        ``(new_args, new_kwargs)``."""
        return _add(self._hooks("_optimizer_step_pre_hooks"), hook)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` after this optimizer's ``step``."""
        return _add(self._hooks("_optimizer_step_post_hooks"), hook)

    def register_state_dict_pre_hook(self, hook: Callable,
                                     prepend: bool = False) -> RemovableHandle:
        """``hook(optimizer)`` before ``state_dict`` builds the dict."""
        return _add(self._hooks("_optimizer_state_dict_pre_hooks"), hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable,
                                      prepend: bool = False) -> RemovableHandle:
        """``hook(optimizer, state_dict)`` after; it may return a new state dict."""
        return _add(self._hooks("_optimizer_state_dict_post_hooks"), hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable,
                                          prepend: bool = False) -> RemovableHandle:
        """``hook(optimizer, state_dict)`` before loading; it may return a new state dict."""
        return _add(self._hooks("_optimizer_load_state_dict_pre_hooks"), hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable,
                                           prepend: bool = False) -> RemovableHandle:
        """``hook(optimizer)`` after ``load_state_dict``."""
        return _add(self._hooks("_optimizer_load_state_dict_post_hooks"), hook, prepend)
