"""``trueno.utils``: utilities with PyTorch's ``torch.utils`` layout (``trueno.utils.data``);
each submodule is a shim over the plugin package that provides it (DESIGN.md §1), except
``safetensors``, the file format, which core reads and writes itself; ``checkpoint`` and
``tensorboard`` are trueno-nn's."""

from __future__ import annotations

__all__ = ["checkpoint", "data", "safetensors", "tensorboard"]


def __getattr__(name: str):
    if name in __all__:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
