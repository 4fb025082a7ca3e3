"""NumPy's ``numpy.exceptions`` for code written against it: ``AxisError`` is trueno's (a
``ValueError`` and ``IndexError``, what trueno raises), ``DTypePromotionError`` is trueno's
``DTypeError`` (a ``TypeError``: trueno raises it where no dtype holds both operands), and the
warning classes are NumPy's own (trueno emits NumPy's warnings)."""

from __future__ import annotations

from numpy.exceptions import (
    ComplexWarning,
    ModuleDeprecationWarning,
    RankWarning,
    TooHardError,
    VisibleDeprecationWarning,
)

from ._errors import AxisError
from ._errors import DTypeError as DTypePromotionError

__all__ = ["AxisError", "ComplexWarning", "DTypePromotionError", "ModuleDeprecationWarning",
           "RankWarning", "TooHardError", "VisibleDeprecationWarning"]
