"""Reductions and scans: the primitives (``sum``, ``max``, ``argmax``, ``cumsum``, ...), the
composites built on them (``mean``, ``var``, ``logsumexp``, ``vector_norm``, ...) and NumPy's
NaN-ignoring forms (``nansum``, ``nanargmax``, ``nancumsum``, ...) and ``count_nonzero``."""

from __future__ import annotations

from ._row import axis_error, comps, numpy_row, prims

_NN = "_decompositions_nn"

# Reduction kernels always receive ``axis`` (normalized: a tuple of non-negative axes, or None
# for all) and ``keepdims``.
_RED = "x, /, *, axis: tuple[int, ...] | None, keepdims: bool"
_AX = [axis_error()]  # error inputs (``Op.errors``): an axis out of range
prims("sum prod", nin=1, accepts="any", result="sum", shape="reduce",
      sig=_RED + ", dtype: DType | None = None", errors=_AX)
prims("cumsum cumprod", nin=1, accepts="any", result="sum", shape="scan",
      sig="x, /, *, axis: int | None, dtype: DType | None = None", errors=_AX)
comps("mean", nin=1, accepts="any", result="float", shape="reduce", module=_NN,
      sig=_RED + ", dtype: DType | None = None", errors=_AX)
comps("var std", nin=1, accepts="any", result="float", shape="reduce", module=_NN,
      sig=_RED + ", correction: float = 0.0", errors=_AX)
prims("max min", nin=1, accepts="real or boolean", shape="reduce", numpy_name="", sig=_RED,
      errors=_AX)
prims("argmax argmin", nin=1, accepts="real or boolean", result="index", shape="reduce",
      differentiable=False, sig=_RED, errors=_AX)
comps("any all", nin=1, accepts="any", result="input_bool", shape="reduce",
      differentiable=False, module=_NN, sig=_RED, errors=_AX)
comps("logsumexp", nin=1, accepts="real", result="float", shape="reduce", numpy_name=None,
      module=_NN, sig=_RED, errors=_AX)
comps("vector_norm", nin=1, accepts="numeric", result="float", shape="reduce",
      numpy_name=None, module=_NN, sig=_RED + ", ord: float = 2.0")

# --- NumPy's reductions (the NumPy face's parameters; "reduce_axis": axis may be None) -------
AXK = "axis: int | tuple[int, ...] | None = None, keepdims: bool = False"
_ST, _SS = "trueno._statistics:_", "trueno._decompositions_stats:"

numpy_row("count_nonzero", 1, "x, /, *, " + AXK, shape="reduce_axis",
          decomposition="trueno._setops:_count_nonzero_decomposition", errors=_AX)
for _n in ("nansum", "nanprod", "nanmean"):
    numpy_row(_n, 1, "x, /, *, " + AXK + ", dtype: DType | None = None", shape="reduce_axis",
              differentiable=True, decomposition=f"{_ST}{_n}_decomposition", errors=_AX)
for _n in ("nanvar", "nanstd"):  # trueno-autograd has their gradient rules
    numpy_row(_n, 1, "x, /, *, " + AXK + ", ddof: float = 0", shape="reduce_axis",
              differentiable=True, decomposition=_SS + _n, errors=_AX)
for _n in ("nanmax", "nanmin"):
    numpy_row(_n, 1, "x, /, *, " + AXK, shape="reduce_axis", differentiable=True,
              decomposition=f"{_ST}{_n}_decomposition", errors=_AX)
for _n in ("nanargmax", "nanargmin"):
    numpy_row(_n, 1, "x, /, *, axis: int | None = None, keepdims: bool = False",
              shape="reduce_axis", decomposition=_SS + _n, errors=_AX)
for _n in ("nancumsum", "nancumprod"):
    numpy_row(_n, 1, "x, /, *, axis: int | None = None, dtype: DType | None = None",
              shape="scan", decomposition=_SS + _n, errors=_AX)
