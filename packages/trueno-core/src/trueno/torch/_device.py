"""``torch.device`` as PyTorch parses and prints it; ``"cuda"`` is trueno's ``"gpu"`` device."""

from __future__ import annotations

import builtins

from .._device import Device, device as _as_core
from .._errors import DeviceError, TruenoError

# The device types PyTorch's parser accepts (c10/core/DeviceType.cpp), plus trueno's "gpu".
_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
          "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class DeviceArgumentError(TruenoError, TypeError):
    """``torch.device(...)`` called with arguments of the wrong type (PyTorch: TypeError)."""


def _bad(spec: str, why: str) -> DeviceError:
    return DeviceError(f"torch.device({spec!r}): {why}\n  hint: 'cpu', 'cuda', 'cuda:0' or "
                       f"torch.device('cuda', 0)")


class device(Device):  # noqa: N801 - PyTorch's name
    """``torch.device(type, index=None)``: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``("cuda", 1)``.

    Prints, compares and hashes as ``torch.device`` does (``device(type='cuda', index=0)``;
    ``device("cuda") != device("cuda:0")``). It is a trueno ``Device`` whose ``"cuda"`` means
    trueno's ``"gpu"`` device, so it works as ``tensor.to(device)`` and ``device=``.

    Examples
    --------
    >>> import trueno.torch as torch
    >>> torch.device("cuda:1")
    device(type='cuda', index=1)
    >>> torch.device("cpu").index is None
    True
    """

    __slots__ = ()

    def __new__(cls, type, index=None):  # noqa: A002 - PyTorch's argument name
        if isinstance(type, Device):  # torch.device(tensor.device) or a copy
            if index is not None:
                raise DeviceArgumentError("torch.device(device, index): a device already has "
                                          "an index\n  hint: torch.device('cuda', 1)")
            kind, index = ("cuda" if type.type == "gpu" else type.type), type.index
            if kind == "cpu" and not isinstance(type, device):
                index = None  # trueno's CPU is cpu:0; PyTorch's tensors say device(type='cpu')
        elif isinstance(type, int) and not isinstance(type, bool) and index is None:
            from .cuda import is_available  # torch 2.x: an int is the accelerator's index
            if not is_available():
                raise _bad(type, "an int names an accelerator device, and there is none "
                                 "(see torch.cuda.is_available())")
            kind, index = "cuda", type
        elif isinstance(type, str):
            kind, index = cls._parse(type, index)
        else:
            raise DeviceArgumentError(
                f"torch.device({type!r}): expected a device string such as 'cuda:0' or a "
                f"torch.device, not {builtins.type(type).__name__}\n  hint: torch.device('cpu')")
        self = object.__new__(cls)
        self.type, self.index = kind, index
        return self

    @staticmethod
    def _parse(spec: str, index) -> tuple[str, int | None]:
        if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
            raise DeviceArgumentError(f"torch.device({spec!r}, {index!r}): index must be an "
                                      f"int, not {builtins.type(index).__name__}\n  hint: "
                                      f"torch.device('cuda', 0)")
        if not spec:
            raise _bad(spec, "device string must not be empty")
        kind, colon, idx = spec.partition(":")
        if kind == "gpu":
            kind = "cuda"  # trueno's own name for the same device
        if kind not in _TYPES:
            raise _bad(spec, f"expected one of {', '.join(_TYPES)} (or trueno's 'gpu') at "
                             f"the start of the device string")
        if colon:
            # PyTorch: a plain non-negative decimal without leading zeros
            if not idx.isdigit() or not idx.isascii() or (len(idx) > 1 and idx[0] == "0"):
                raise _bad(spec, "invalid device string")
            if index is not None:
                raise _bad(spec, "type (string) must not include an index because index was "
                                 "passed explicitly")
            return kind, int(idx)
        if index is not None and index < 0:
            raise _bad(spec, f"device index must not be negative (got {index})")
        return kind, index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, device):
            return self.type == other.type and self.index == other.index
        if isinstance(other, Device):  # a tensor's trueno device: "cuda" is "gpu"
            try:
                return _as_core(self) is other
            except DeviceError:
                return False
        return NotImplemented  # Note: as PyTorch, a device never equals a string

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    def __enter__(self):
        """``with torch.device("cuda"):``: factory functions without ``device=`` create their
        tensors on this device until the block ends (this thread)."""
        from ._defaults import enter_device
        enter_device(self)
        return self

    def __exit__(self, *exc) -> None:
        from ._defaults import exit_device
        exit_device()

