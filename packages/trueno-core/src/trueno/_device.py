"""Devices: ``"cpu"``, ``"gpu:0"``, ... and the API a backend implements for a new device."""

from __future__ import annotations

import numpy as np

from ._errors import DeviceError

__all__ = ["Device", "DeviceAPI", "device"]


class Device:
    """A device a tensor lives on: a type (``"cpu"``, ``"gpu"``, ...) and an index.

    Devices are interned, so ``a.device is b.device`` is the cheap same-device test the
    dispatcher uses.
    """

    __slots__ = ("type", "index", "_code")
    _interned: dict[tuple[str, int], Device] = {}

    def __new__(cls, type: str, index: int | None = None):
        key = (type, index or 0)
        d = cls._interned.get(key)
        if d is None:
            d = object.__new__(cls)
            d.type, d.index = key
            d._code = 64 * (len(cls._interned) + 1)  # dtype codes are < 64
            cls._interned[key] = d
        return d

    def __repr__(self) -> str:
        return f"device(type='{self.type}', index={self.index})" if self.type != "cpu" \
            else "device(type='cpu')"

    def __str__(self) -> str:
        return self.type if self.type == "cpu" else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except DeviceError:
                return False
        return self is other

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (Device, (self.type, self.index))


CPU = Device("cpu")


def device(spec) -> Device:
    """Parse ``"cpu"``, ``"gpu"``, ``"gpu:1"``, a ``Device`` or a PyTorch-style device object."""
    if spec is None:
        return CPU
    if type(spec) is Device:
        return spec
    if not isinstance(spec, str):  # torch.device (the torch face's or PyTorch's own)
        t = getattr(spec, "type", None)
        if isinstance(t, str):
            return Device("gpu" if t == "cuda" else t, getattr(spec, "index", None))
        raise DeviceError(f"device must be a string like 'cpu' or 'gpu:0', not {spec!r}")
    name, _, idx = spec.partition(":")
    if name == "cuda":
        name = "gpu"  # Note: a PyTorch script's "cuda" means "the GPU" here.
    if idx and not idx.isdigit():
        raise DeviceError(f"invalid device string {spec!r}; expected 'type' or 'type:index'")
    return Device(name, int(idx) if idx else 0)


class DeviceAPI:
    """What a backend implements to add a device whose storage is not a NumPy buffer.

    The device's arrays are ``trueno.StridedArray`` views; core does every view op on their
    metadata. Registered with ``registry.add_device(api)`` from ``trueno_register_backends``.
    """

    type: str = ""

    def device_count(self) -> int:
        raise NotImplementedError

    def from_numpy(self, arr: np.ndarray, index: int):
        """Copy a host array onto device ``index``; returns a contiguous ``StridedArray``."""
        raise NotImplementedError

    def to_numpy(self, array) -> np.ndarray:
        """Copy a (possibly strided) device view to a new C-contiguous host array."""
        raise NotImplementedError

    def empty(self, shape: tuple[int, ...], dtype: np.dtype, index: int):
        raise NotImplementedError

    def full(self, shape: tuple[int, ...], value, dtype: np.dtype, index: int):
        return self.from_numpy(np.full(shape, value, dtype=dtype), index)

    def dtypes(self, index: int) -> frozenset[str]:
        """Names of the dtypes the device can store."""
        raise NotImplementedError

    def synchronize(self, index: int) -> None:
        """Wait until all work queued on device ``index`` has finished."""

    def index_of(self, array) -> int:
        return 0
