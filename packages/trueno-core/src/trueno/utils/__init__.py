"""``trueno.utils``: utilities with PyTorch's ``torch.utils`` layout (``trueno.utils.data``);
each submodule is a shim over the plugin package that provides it (DESIGN.md §1)."""

from __future__ import annotations

__all__ = ["data"]


def __getattr__(name: str):
    if name == "data":
        import importlib
        return importlib.import_module(f"{__name__}.data")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
