"""NumPy's numeric functions with their own parameters: ``interp``, ``convolve``,
``correlate``, ``gradient``, ``isclose``, ``around`` (reference kernels in
``_reference/_surface.py``)."""

from __future__ import annotations

from .._errors import ShapeError
from ._row import ErrorInput, broadcast_error, numpy_row

_NU = "trueno._decompositions_numeric:"

numpy_row("interp", 3, "x, xp, fp, /, *, left: float | None = None, right: float | None = None, "
          "period: float | None = None", shape="same", decomposition=_NU + "interp",
          errors=[ErrorInput(((3,), (2,), (3,)), ShapeError, "not of the same length")])
numpy_row("convolve", 2, "a, v, /, *, mode: str = 'full'", shape="convolve",
          decomposition=_NU + "convolve")
numpy_row("correlate", 2, "a, v, /, *, mode: str = 'valid'", shape="convolve",
          decomposition=_NU + "correlate")
numpy_row("gradient", 1, "f, /, *, spacing: tuple = (), axis: int | tuple[int, ...] | None = "
          "None, edge_order: int = 1", decomposition=_NU + "gradient")
numpy_row("isclose", 2, "a, b, /, *, rtol: float = 1e-05, atol: float = 1e-08, "
          "equal_nan: bool = False", shape="pointwise", errors=[broadcast_error()],
          decomposition="trueno._numerics:_isclose_decomposition")
numpy_row("around", 1, "x, /, *, decimals: int = 0", shape="same",
          decomposition="trueno._decompositions_stats:around")
