"""matmul's shape rule: the result shape of ``a @ b`` (1-D operands promoted as NumPy does,
batch axes broadcast), or a ShapeError whose hint names the transpose or order that fits."""

from __future__ import annotations

from ._errors import ShapeError
from ._views import broadcast_shapes

__all__ = ["matmul_shapes"]


def matmul_shapes(a_shape, b_shape, name="matmul"):
    """Result shape of ``a @ b`` (after 1-D promotion) or a ShapeError with a hint."""
    if not a_shape or not b_shape:
        raise ShapeError(f"{name}: operands must be at least 1-D, got shapes {a_shape} and "
                         f"{b_shape}\n  hint: use multiply (*) for scalars")
    a2 = (1,) + a_shape if len(a_shape) == 1 else a_shape
    b2 = b_shape + (1,) if len(b_shape) == 1 else b_shape
    m, k = a2[-2:]
    k2, n = b2[-2:]
    if k != k2:
        hint = _matmul_hint(a_shape, b_shape)
        raise ShapeError(
            f"{name}(a, b): inner dimensions do not match ({k} != {k2})\n"
            f"  a.shape = {a_shape}, b.shape = {b_shape}\n"
            f"  rule: (m, k) @ (k, n) -> (m, n)\n  hint: {hint}")
    batch = broadcast_shapes(a2[:-2], b2[:-2])
    out = batch + ((m,) if len(a_shape) > 1 else ()) + ((n,) if len(b_shape) > 1 else ())
    return out


def _matmul_hint(a, b) -> str:
    if len(a) >= 2 and len(b) >= 2:
        if a[-1] == b[-1]:
            return f"a @ b.T fits and gives shape {a[:-1] + (b[-2],)}"
        if a[-2] == b[-2]:
            return f"a.T @ b fits and gives shape {(a[-1], b[-1])}"
        if a[-2] == b[-1]:
            return f"b @ a fits and gives shape {b[:-1] + (a[-1],)}"
    return (f"the last axis of a ({a[-1]}) must equal the "
            f"{'only' if len(b) == 1 else 'second-to-last'} axis of b "
            f"({b[0] if len(b) == 1 else b[-2]})")
