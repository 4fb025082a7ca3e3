"""The PyTorch face's error classes: trueno's errors that are also ``RuntimeError`` (PyTorch
raises RuntimeError for shape, dtype and index-range errors; DESIGN.md §5)."""

from __future__ import annotations

from .._errors import DTypeError, ShapeError, TruenoError, TruenoIndexError

__all__ = ["TorchArgumentError", "TorchShapeError", "TorchDTypeError", "TorchIndexError",
           "can_cast", "check_inplace"]


class TorchShapeError(ShapeError, RuntimeError):
    """A shape mismatch on the PyTorch face: a ``ShapeError`` and a ``RuntimeError``."""


class TorchDTypeError(DTypeError, RuntimeError):
    """A dtype PyTorch refuses (an in-place result it cannot cast back): also RuntimeError."""


class TorchArgumentError(TruenoError, ValueError, RuntimeError):
    """An argument value PyTorch refuses with a RuntimeError (``reduce="max"``)."""


class TorchIndexError(TruenoIndexError, RuntimeError):
    """An index out of range where PyTorch raises RuntimeError (``gather``, ``scatter``)."""


_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
          "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
          "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def torch_name(dt) -> str:
    """PyTorch's scalar-type name of a dtype (``Float``, ``Long``), as in its messages."""
    return _NAMES.get(dt.name, dt.name)


def can_cast(frm, to) -> bool:
    """PyTorch's ``can_cast``: no complex to real, float to integer, or non-bool to bool."""
    if frm.kind == "c" and to.kind != "c":
        return False
    if frm.kind == "f" and to.kind in "iub":
        return False
    return not (frm.kind != "b" and to.kind == "b")


def check_inplace(name: str, self, out) -> None:
    """Raise as PyTorch when ``self.name_(...)`` cannot store ``out`` (dtype or shape)."""
    if not can_cast(out.dtype, self.dtype):
        raise TorchDTypeError(
            f"{name}_: result type {torch_name(out.dtype)} can't be cast to the desired output "
            f"type {torch_name(self.dtype)}\n  hint: x = x.{name}(...) makes a new tensor of "
            f"the result type, or convert x first (x.float())")
    if tuple(out.shape) != tuple(self.shape):
        raise TorchShapeError(
            f"{name}_: output with shape {list(self.shape)} doesn't match the broadcast shape "
            f"{list(out.shape)}\n  hint: an in-place op cannot grow its tensor; use "
            f"x = x.{name}(...)")
