"""Gathers and scatters: the primitives ``index`` (advanced indexing) and ``index_put``
(assignment, accumulating or not), and the NumPy/PyTorch gathers and scatters built on them
(``take``, ``take_along_axis``, ``gather``, ``scatter``, ``scatter_add``). A backend may
register a kernel of the same name (the GPU backend's ``take(x, indices, axis)`` returns a new
array); they reach autograd through their index/index_put decompositions."""

from __future__ import annotations

from .._errors import ShapeError
from ._row import ErrorInput, Op, add_op, numpy_row

add_op(Op("index", 1, accepts="any", shape="custom", numpy_name=None, primitive=True,
          sig="x, /, *, key: tuple"))
add_op(Op("index_put", 2, accepts="any", shape="custom", numpy_name=None,
          differentiable=False, primitive=True,
          sig="x, key: tuple, value, accumulate: bool = False, /"))

_IX, _NP = "trueno._gather_scatter:_", "trueno._decompositions_numpy:"
numpy_row("take", 2, "x, indices, /, *, axis: int | None = None, mode: str = 'raise'",
          shape="take", decomposition=_IX + "take_decomposition")
numpy_row("take_along_axis", 2, "x, indices, /, *, axis: int | None", shape="take_along_axis",
          decomposition=_IX + "take_along_axis_decomposition",
          errors=[ErrorInput(((2, 3), (3,)), ShapeError, "same number of dimensions",
                             {"axis": 1}, ("float32", "int64"))])
# PyTorch's: NumPy has no function of these names to compare with
numpy_row("gather", 2, "x, axis: int, index, /", shape="last", numpy_name=None,
          decomposition=_NP + "gather")
numpy_row("scatter", 3, "x, axis: int, index, src, /, *, reduce: str | None = None",
          shape="same", numpy_name=None, decomposition=_NP + "scatter")
numpy_row("scatter_add", 3, "x, axis: int, index, src, /", shape="same", numpy_name=None,
          decomposition=_NP + "scatter_add")
