"""Error types of trueno-nn: each subclasses ``TruenoError`` and the built-in PyTorch raises."""

from __future__ import annotations

from trueno import TruenoError

__all__ = ["ModuleAttributeError", "ModuleKeyError", "ModuleTypeError", "ModuleValueError",
           "StateDictError", "typename"]


class ModuleAttributeError(TruenoError, AttributeError):
    """A module has no such attribute, or one is set before ``Module.__init__``."""


class ModuleKeyError(TruenoError, KeyError):
    """A bad name for a parameter, buffer or submodule (empty, dotted, taken)."""


class ModuleTypeError(TruenoError, TypeError):
    """A value of the wrong kind assigned to a parameter, buffer or submodule slot."""


class ModuleValueError(TruenoError, ValueError):
    """A bad argument to a layer, loss or init function."""


class StateDictError(TruenoError, RuntimeError):
    """``load_state_dict`` found missing/unexpected keys or shapes that differ."""


def typename(obj) -> str:
    """PyTorch's ``torch.typename``: ``torch.FloatTensor`` for tensors, else the class path."""
    t = getattr(obj, "type", None)
    if callable(t) and hasattr(obj, "dtype") and hasattr(obj, "_ag"):
        return t()
    cls = obj if isinstance(obj, type) else type(obj)
    mod = cls.__module__
    return cls.__qualname__ if mod in ("builtins", "__builtin__", None) else \
        f"{mod}.{cls.__qualname__}"
