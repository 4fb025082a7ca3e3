"""The PyTorch face's dtype objects: ``torch.float32`` prints as ``torch.float32``.

Each is a twin of a core dtype (``trueno.float32``): it equals it, hashes like it, has the
same kernel-cache code and is accepted everywhere a dtype is (``as_dtype`` maps it back to the
core one), but its ``str`` and ``repr`` are PyTorch's. A PyTorch-face tensor's ``.dtype`` is the
twin, so ``t.dtype is torch.float32`` holds as PyTorch users write it; the NumPy face keeps the
core objects and NumPy's ``str`` (docs/compat.md).
"""

from __future__ import annotations

from .. import _dtypes as D

__all__ = ["TorchDType", "BY_CODE", "by_name", "of"]


class TorchDType(D.DType):
    """A core dtype as the PyTorch face shows it (``torch.float32``)."""

    __slots__ = ()

    def __init__(self, core: D.DType) -> None:  # noqa: D107 - copies the core dtype's fields
        for name in D.DType.__slots__:
            setattr(self, name, getattr(core, name))

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    __str__ = __repr__

    def __reduce__(self):
        return (by_name, (self.name,))

    def to_real(self) -> TorchDType:
        """The real dtype of a complex one (``torch.complex64.to_real()`` is float32)."""
        return of(D._real_of(self._core)) if self.kind == "c" else self

    def to_complex(self) -> TorchDType:
        """The complex dtype of a floating one (``torch.float64.to_complex()`` is complex128)."""
        if self.kind == "c":
            return self
        if self.kind != "f":
            from ._errors import TorchDTypeError
            raise TorchDTypeError(f"to_complex: {self} has no complex counterpart\n  hint: "
                                  "only floating dtypes have one")
        return of(D._COMPLEX_OF[self._core])


_TWINS = {d: TorchDType(d) for d in D.ALL}
#: ``BY_CODE[d._code]``: the twin of core dtype ``d`` (the tensor's ``.dtype`` reads this)
BY_CODE: list = [None] * (max(d._code for d in D.ALL) + 1)
for _d, _t in _TWINS.items():
    BY_CODE[_d._code] = _t


def of(dtype: D.DType) -> TorchDType:
    """The PyTorch-face twin of ``dtype`` (a core dtype or a twin)."""
    return BY_CODE[dtype._code]


def by_name(name: str) -> TorchDType:
    """The twin of the core dtype named ``name`` (how a pickled ``torch.float32`` loads)."""
    return _TWINS[D.BY_NAME[name]]
