"""Shape and movement: the views core computes on metadata for every device (``reshape``,
``permute_dims``, ``expand``, ``getitem``, ``diagonal``), ``concat`` and NumPy's ``pad`` and
``trim_zeros``."""

from __future__ import annotations

from .._errors import AxisError, ShapeError
from ._row import ErrorInput, Op, add_op, numpy_row

# --- views: zero-copy, computed by core on metadata for every device -------------------------
_VIEW_ERRORS = {
    "reshape": [ErrorInput(((2, 3),), ShapeError, "cannot reshape", {"shape": (4,)})],
    "permute_dims": [ErrorInput(((2, 3),), AxisError, "not a permutation", {"axes": (0,)})],
    "diagonal": [ErrorInput(((3,),), ShapeError, "at least 2 dimensions")],
}
for _n, _s in (("reshape", "shape: tuple[int, ...]"), ("permute_dims", "axes: tuple[int, ...]"),
               ("expand", "shape: tuple[int, ...]"), ("getitem", "key: tuple"),
               ("diagonal", "offset: int = 0, axis1: int = 0, axis2: int = 1")):
    add_op(Op(_n, 1, accepts="any", shape="view", numpy_name=None, primitive=True,
              sig="x, /, *, " + _s, errors=_VIEW_ERRORS.get(_n, ())))

# --- copies ----------------------------------------------------------------------------------
add_op(Op("concat", -1, accepts="any", shape="concat", numpy_name="concatenate",
          decomposition="trueno._manipulation:_concat_decomposition",
          sig="*xs, axis: int | None = 0",
          errors=[ErrorInput(((2, 3), (2, 4)), ShapeError, "dimensions except for the "
                             "concatenation axis must match", {"axis": 0}),
                  ErrorInput(((2, 3), (3,)), ShapeError, "same number of dimensions")]))
numpy_row("pad", 1, "x, /, *, pad_width: tuple[tuple[int, int], ...], mode: str = 'constant', "
          "**options: Scalar | tuple | str", shape="pad", differentiable=True,
          errors=[ErrorInput(((2, 3),), ShapeError, "cannot be broadcast",
                             {"pad_width": ((1, 1),) * 3})],
          decomposition="trueno._decompositions_numeric:pad")  # trueno-autograd has its rule
numpy_row("trim_zeros", 1, "x, /, *, trim: str = 'fb', axis: int | tuple[int, ...] | None = None",
          decomposition="trueno._decompositions_numpy:trim_zeros")
