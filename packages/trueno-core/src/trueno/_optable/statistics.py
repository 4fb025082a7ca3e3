"""NumPy's statistics: order statistics (``median``, ``quantile``), ``average``, covariance and
histograms; rows of the NumPy surface with reference kernels in ``_reference/_surface.py``."""

from __future__ import annotations

from ._row import axis_error, numpy_row
from .reductions import AXK

_SS = "trueno._decompositions_stats:"
_AX = [axis_error()]
_Q = ("x, /, *, q: float | Tensor, axis: int | tuple[int, ...] | None = None, "
      "method: str = 'linear', keepdims: bool = False, weights: Tensor | None = None, "
      "percent: bool = False")

numpy_row("histogram", 1, "a, /, *, bins: int | str | Tensor = 10, "
          "range: tuple[float, float] | None = None, density: bool | None = None, "
          "weights: Tensor | None = None",
          decomposition="trueno._histograms:_histogram_decomposition")
numpy_row("histogram_bin_edges", 1, "a, /, *, bins: int | str | Tensor = 10, "
          "range: tuple[float, float] | None = None, weights: Tensor | None = None",
          decomposition="trueno._decompositions_numpy:histogram_bin_edges")
for _n in ("quantile", "nanquantile"):
    numpy_row(_n, 1, _Q, shape="quantile", decomposition=_SS + _n)
numpy_row("cov", 1, "m, /, *, y: Tensor | None = None, rowvar: bool = True, bias: bool = False, "
          "ddof: int | None = None, fweights: Tensor | None = None, "
          "aweights: Tensor | None = None, dtype: DType | None = None",
          decomposition=_SS + "cov")
numpy_row("corrcoef", 1, "x, /, *, y: Tensor | None = None, rowvar: bool = True, "
          "dtype: DType | None = None", decomposition=_SS + "corrcoef")
numpy_row("nanmedian", 1, "x, /, *, " + AXK, shape="reduce_axis", decomposition=_SS + "nanmedian",
          errors=_AX)
numpy_row("median", 1, "x, /, *, " + AXK, shape="reduce_axis", differentiable=True,
          decomposition=_SS + "median", errors=_AX)  # trueno-autograd has its rule
numpy_row("average", 1, "x, /, *, axis: int | tuple[int, ...] | None = None, "
          "weights: Tensor | None = None, keepdims: bool = False", shape="reduce_axis",
          decomposition=_SS + "average", errors=_AX)
