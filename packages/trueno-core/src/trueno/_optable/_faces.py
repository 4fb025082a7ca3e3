"""The public faces bound from the rows (docs/design.md §2): ``bind``, the one way a face
module defines the functions it makes from rows, and the rows each face binds, read from the
table (``Op.numpy_face``, ``Op.aliases``, ``Op.torch_face``).

A face module builds a dict ``{public name: function}`` from the rows, in one explicit loop,
and hands it to ``bind``, which assigns the module's attributes and returns the names for its
``__all__``: a new row gets its public functions on both faces with no other line to add.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable

from ._row import OPS, Op

__all__ = ["bind", "elementwise_rows", "torch_rows"]


def bind(module_name: str, functions: dict[str, Callable]) -> list[str]:
    """Define each of ``functions`` as the attribute of that name of the module
    ``module_name`` (a module being imported: pass ``__name__``) and return the names, in
    order, for its ``__all__``.

    A name the module already binds to another object is an error (a hand-written function
    and a row of the same name): ValueError naming both.
    """
    module = sys.modules[module_name]
    ns = vars(module)
    for name, fn in functions.items():
        old = ns.get(name, fn)
        if old is not fn:
            raise ValueError(f"bind: {module_name}.{name} is already defined ({old!r}); a row "
                             f"binds the same name ({fn!r})\n  hint: remove one of them")
        setattr(module, name, fn)
    return list(functions)


def elementwise_rows(rows: Iterable[Op] | None = None) -> list[Op]:
    """The rows of the elementwise family that the NumPy face binds as functions of
    ``trueno._elementwise`` (one or two tensor inputs, shape rule "broadcast", ``numpy_face``
    not None), in table order."""
    rows = OPS.values() if rows is None else rows
    return [r for r in rows if r.shape == "broadcast" and r.nin in (1, 2)
            and r.numpy_face is not None]


def torch_rows(rows: Iterable[Op] | None = None, module: str = "") -> list[Op]:
    """The rows with a ``torch_face`` whose names live in ``torch.<module>`` ("": ``torch``
    itself, "special": ``torch.special``), in table order."""
    rows = OPS.values() if rows is None else rows
    return [r for r in rows if r.torch_face is not None and r.torch_face.module == module]
