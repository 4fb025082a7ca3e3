"""Kernels that take operands of mixed dtypes and cast them as they load (docs/design.md §9).

A binary elementwise kernel normally receives operands already cast to its compute dtype:
for ``int32 + float32`` the dispatcher calls ``astype`` on the host first. A backend may
declare, per op and compute dtype, a kernel that reads operands of other dtypes itself and
converts each as ``astype`` would (bit for bit)::

    registry.add_backend(..., cast_on_load={"add": {"float64": (add_f64, ("int32", ...))}})

``binary`` asks once, when it builds the cached entry of a pair of dtypes (``kernel_for``),
and checks the kernel's first result against the cast-then-op result it has just computed;
the entry then calls the kernel on the operands as they are, with no cast. Promotion stays
the dispatcher's (each face's): the kernel is bound to the compute dtype it was declared for.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import _dtypes as D
from ._device import CPU
from ._errors import BackendError, TruenoError
from ._optable import OPS

__all__ = ["check_declaration", "kernel_for", "check_first_result"]


def check_declaration(backend: str, decl) -> dict:
    """``add_backend``'s ``cast_on_load`` argument, validated and normalised to
    ``{op name: {compute dtype name: (kernel, frozenset of operand dtype names)}}`` (the
    compute dtype itself always among the operand dtypes); a ``BackendError`` says what is
    wrong with it otherwise."""
    where = f"add_backend({backend!r}, cast_on_load=...)"
    if decl is None:
        return {}
    if not isinstance(decl, dict):
        raise BackendError(f"{where}: expected a dict {{op name: {{compute dtype name: "
                           f"(kernel, operand dtype names)}}}}, got {type(decl).__name__}")
    out: dict = {}
    for op_name, per_dtype in decl.items():
        row = OPS.get(op_name)
        if row is not None and (row.nin != 2 or row.shape != "broadcast"):
            raise BackendError(f"{where}: {op_name!r} is not a binary elementwise op "
                               f"(nin={row.nin}, shape={row.shape!r}); only those take "
                               f"operands of mixed dtypes")
        if not isinstance(per_dtype, dict):
            raise BackendError(f"{where}: {op_name!r} must map compute dtype names to "
                               f"(kernel, operand dtype names), got {type(per_dtype).__name__}")
        table = {}
        for ct_name, entry in per_dtype.items():
            ct = _dtype(where, ct_name)
            if not (isinstance(entry, tuple) and len(entry) == 2 and callable(entry[0])):
                raise BackendError(f"{where}: {op_name!r} at {ct.name}: expected a pair "
                                   f"(kernel, operand dtype names), got {entry!r}")
            kernel, loads = entry
            if isinstance(loads, str):
                raise BackendError(f"{where}: {op_name!r} at {ct.name}: operand dtype names "
                                   f"must be a collection of names, got the string {loads!r}")
            names = frozenset(_dtype(where, n).name for n in loads) | {ct.name}
            table[ct.name] = (kernel, names)
        out[op_name] = table
    return out


def _dtype(where: str, name) -> D.DType:
    try:
        return D.as_dtype(name)
    except (TruenoError, TypeError, ValueError, KeyError):
        raise BackendError(f"{where}: unknown dtype {name!r}") from None


def kernel_for(candidates, op, ct, da, db, k) -> tuple[Callable, str] | None:
    """The kernel computing ``op`` in dtype ``ct`` from operands of dtypes ``da`` and ``db``
    without casts, with its backend's name, or None. ``candidates`` are the backends that
    serve the device, in the order ``_registry.resolve_kernel`` tries them; the first with a
    kernel for ``(op, ct)`` must be the one whose kernel ``k`` the dispatcher cached, and
    must have declared both operand dtypes for ``ct``."""
    for b in candidates:
        bk = b.kernel(op.name, ct.name)
        if bk is None:
            continue
        if bk is not k:  # the cached kernel came from elsewhere: keep its casts
            return None
        per = b.cast_on_load.get(op.name)
        decl = per.get(ct.name) if per is not None else None
        if decl is None or da.name not in decl[1] or db.name not in decl[1]:
            return None
        return decl[0], b.name
    return None


def check_first_result(op, ct, mk, backend, args, want, device) -> None:
    """Run cast-on-load kernel ``mk`` of backend ``backend`` once on the operands ``args``
    (in kernel order) and raise ``BackendError`` unless it gives ``want``, the result of
    casting them to ``ct`` and running the op: same shape and dtype, and on the CPU the same
    values (NaN where it has NaN, zeros of the same sign). The cast-then-op run reported the
    floating-point errors; this one is silent."""
    with np.errstate(all="ignore"):
        got = mk(*args)
    bad = getattr(got, "shape", None) != want.shape or got.dtype != want.dtype
    if not bad and device is CPU:
        bad = not _same_values(np.asarray(got), want)
    if bad:
        raise BackendError(
            f"{op.name}: backend {backend!r}: the cast-on-load kernel for {ct.name} of operands "
            f"{args[0].dtype} and {args[1].dtype} gave {getattr(got, 'dtype', type(got))} "
            f"{getattr(got, 'shape', '')}, which differs from casting them to {ct.name} "
            f"first ({want.dtype} {want.shape})\n  rule: a kernel declared in cast_on_load "
            f"must give, bit for bit, what the op gives on operands cast with astype\n"
            f"  hint: fix the kernel, or leave this dtype out of its declaration")


def _same_values(got: np.ndarray, want: np.ndarray) -> bool:
    """Equal values, NaN where ``want`` has NaN and zeros of the same sign."""
    kind = want.dtype.kind
    if kind in "biu":
        return np.array_equal(got, want)
    if kind not in "fc":  # bfloat16 (ml_dtypes): compared exactly in float32
        got, want = got.astype(np.float32), want.astype(np.float32)
    return np.array_equal(got, want, equal_nan=True) and \
        np.array_equal(np.signbit(got.real), np.signbit(want.real))
