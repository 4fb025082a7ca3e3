"""``torch.cpu``: the CPU device module of the PyTorch face (always available; one device),
with the deprecated ``torch.cpu.amp.autocast``."""

from __future__ import annotations

from .amp import cpu_amp_module

__all__ = ["amp", "is_available", "device_count", "current_device", "synchronize",
           "set_device"]

amp = cpu_amp_module()


def is_available() -> bool:
    """Always True, as PyTorch's ``torch.cpu.is_available``."""
    return True


def device_count() -> int:
    return 1


def current_device() -> str:
    return "cpu"


def set_device(device) -> None:
    """A no-op, as PyTorch's (there is one CPU device)."""


def synchronize(device=None) -> None:
    """A no-op: CPU ops finish before they return."""
