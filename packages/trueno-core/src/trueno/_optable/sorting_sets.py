"""Sorting, searching and sets: the primitives ``sort`` and ``argsort``, and NumPy's
``searchsorted``, ``partition``, ``topk``, ``unique_all``, ``isin``, ``bincount``,
``digitize`` (data-dependent results; reference kernels in ``_reference/_surface.py``)."""

from __future__ import annotations

from .._errors import DTypeError, ShapeError
from ._row import ErrorInput, Op, add_op, axis_error, numpy_row

_SORT = "x, /, *, axis: int = -1, descending: bool = False, stable: bool = True"
add_op(Op("sort", 1, accepts="real or boolean", shape="scan", primitive=True, sig=_SORT,
          errors=[axis_error()]))
add_op(Op("argsort", 1, accepts="real or boolean", result="index", shape="scan",
          differentiable=False, primitive=True, sig=_SORT, errors=[axis_error()]))

_SET, _SS = "trueno._setops:_", "trueno._decompositions_stats:"
numpy_row("searchsorted", 2, "a, v, /, *, side: str = 'left', sorter: Tensor | None = None",
          shape="last", decomposition=_SET + "searchsorted_decomposition",
          errors=[ErrorInput(((2, 2), (3,)), ShapeError, "a must be 1-D")])
for _n in ("partition", "argpartition"):
    numpy_row(_n, 1, "x, /, *, kth: int | tuple[int, ...], axis: int | None = -1",
              shape="scan", decomposition=_SS + _n,
              errors=[ErrorInput(((3,),), ShapeError, "out of bounds", {"kth": 5})])
numpy_row("topk", 1, "x, /, *, k: int, axis: int = -1, largest: bool = True, sorted: bool = True",
          shape="topk", differentiable=True, numpy_name=None,  # PyTorch's; autograd has a rule
          decomposition=_SS + "topk")
numpy_row("unique_all", 1, "x, /, *, axis: int | None = None, equal_nan: bool = True",
          decomposition=_SET + "unique_all_decomposition")
numpy_row("isin", 2, "element, test_elements, /, *, invert: bool = False, "
          "assume_unique: bool = False, kind: str | None = None", shape="same",
          decomposition=_SS + "isin")
numpy_row("bincount", 1, "x, /, *, weights: Tensor | None = None, minlength: int = 0",
          decomposition=_SET + "bincount_decomposition",
          errors=[ErrorInput(((3,),), DTypeError, "must hold non-negative integers")])
numpy_row("digitize", 2, "x, bins, /, *, right: bool = False", shape="same",
          decomposition=_SET + "digitize_decomposition",
          errors=[ErrorInput(((3,), (2, 2)), ShapeError, "bins must be 1-D")])
