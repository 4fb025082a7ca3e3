"""Op rows of the NumPy surface (issue 5) and the one helper that runs them.

Gathers and scatters (``take``, ``gather``, ``scatter_add``, ...) and the data-dependent
functions (``unique``, ``histogram``, ``searchsorted``, ...) are ops: one row each here and one
reference kernel each in ``_reference/_surface.py``, so a backend can register a kernel of the
same name (the GPU backend's ``take(x, indices, axis)``, ``gather(x, axis, index)`` and
``scatter_add(x, axis, index, src)`` return new arrays). Functions that are compositions of
other ops (``flip``, ``hstack``, ``nansum``, ...) have no row.
"""

from __future__ import annotations

import numpy as np

from . import _dispatch as X
from ._creation import asarray
from ._errors import AxisError
from ._optable import OPS, Op, add_op
from ._tensor import Tensor

__all__ = ["call", "as_t", "SURFACE_OPS"]

# name -> number of tensor inputs. Kernels receive the device arrays of the tensor inputs, then
# the parameters by keyword; they return a new array or a tuple of arrays.
SURFACE_OPS = {
    # gathers and scatters
    "take": 2, "take_along_axis": 2, "gather": 2,
    "scatter": 3, "scatter_add": 3,
    # searching, sorting, sets
    "searchsorted": 2, "partition": 1, "argpartition": 1, "topk": 1, "unique_all": 1,
    "isin": 2, "bincount": 1, "digitize": 2, "count_nonzero": 1,
    # statistics
    "histogram": 1, "histogram_bin_edges": 1, "quantile": 1, "nanquantile": 1,
    "nanargmax": 1, "nanargmin": 1, "interp": 3, "convolve": 2, "correlate": 2,
    "cov": 1, "corrcoef": 1, "pad": 1, "trim_zeros": 1, "gradient": 1,
    "nansum": 1, "nanprod": 1, "nanmean": 1, "nanvar": 1, "nanstd": 1, "nanmax": 1,
    "nanmin": 1, "nanmedian": 1, "median": 1, "nancumsum": 1, "nancumprod": 1,
    "average": 1, "isclose": 2, "around": 1,
}

# PyTorch names: NumPy has no function of that name to compare with.
_NO_NUMPY_TWIN = {"gather", "scatter", "scatter_add", "topk"}

# Differentiable rows: trueno-autograd has a rule (topk, pad, median, nanvar, nanstd) or
# follows the decomposition (the other nan-reductions). The gathers and scatters reach
# autograd through their index/index_put decompositions (_gather_scatter._grad_path).
_DIFFERENTIABLE = {"topk", "pad", "median", "nanvar", "nanstd", "nansum", "nanprod", "nanmean",
                   "nanmax", "nanmin"}

# Decompositions (docs/design.md §2.1), imported on first use: "module:function".
_IX, _SET, _ST, _HI, _NM, _NP, _SS, _NU = (
    "trueno._gather_scatter:_", "trueno._setops:_", "trueno._statistics:_",
    "trueno._histograms:_", "trueno._numerics:_", "trueno._decompositions_numpy:",
    "trueno._decompositions_stats:", "trueno._decompositions_numeric:")
DECOMPOSITIONS = {
    "take": _IX + "take_decomposition", "take_along_axis": _IX + "take_along_axis_decomposition",
    "gather": _NP + "gather", "scatter": _NP + "scatter", "scatter_add": _NP + "scatter_add",
    "count_nonzero": _SET + "count_nonzero_decomposition",
    "searchsorted": _SET + "searchsorted_decomposition",
    "digitize": _SET + "digitize_decomposition", "bincount": _SET + "bincount_decomposition",
    "unique_all": _SET + "unique_all_decomposition",
    "histogram": _HI + "histogram_decomposition", "nansum": _ST + "nansum_decomposition",
    "nanprod": _ST + "nanprod_decomposition", "nanmean": _ST + "nanmean_decomposition",
    "isclose": _NM + "isclose_decomposition",
    "nanmax": _ST + "nanmax_decomposition", "nanmin": _ST + "nanmin_decomposition",
    "histogram_bin_edges": _NP + "histogram_bin_edges", "trim_zeros": _NP + "trim_zeros",
    **{n: _SS + n for n in ("topk", "partition", "argpartition", "nancumsum", "nancumprod",
                            "around", "nanvar", "nanstd", "average", "isin", "median",
                            "nanmedian", "nanargmax", "nanargmin", "cov", "corrcoef",
                            "quantile", "nanquantile")},
    **{n: _NU + n for n in ("convolve", "correlate", "gradient", "interp", "pad")},
}

# Each row's parameters (``Op.sig``): tensor inputs positional, the others by keyword.
_AXK = "axis: int | tuple[int, ...] | None = None, keepdims: bool = False"
_Q = ("x, /, *, q: float | Tensor, axis: int | tuple[int, ...] | None = None, "
      "method: str = 'linear', keepdims: bool = False, weights: Tensor | None = None, "
      "percent: bool = False")
SIGNATURES = {
    "take": "x, indices, /, *, axis: int | None = None, mode: str = 'raise'",
    "take_along_axis": "x, indices, /, *, axis: int | None",
    "gather": "x, axis: int, index, /",
    "scatter": "x, axis: int, index, src, /, *, reduce: str | None = None",
    "scatter_add": "x, axis: int, index, src, /",
    "searchsorted": "a, v, /, *, side: str = 'left', sorter: Tensor | None = None",
    "partition": "x, /, *, kth: int | tuple[int, ...], axis: int | None = -1",
    "argpartition": "x, /, *, kth: int | tuple[int, ...], axis: int | None = -1",
    "topk": "x, /, *, k: int, axis: int = -1, largest: bool = True, sorted: bool = True",
    "unique_all": "x, /, *, axis: int | None = None, equal_nan: bool = True",
    "isin": "element, test_elements, /, *, invert: bool = False, assume_unique: bool = False, "
            "kind: str | None = None",
    "bincount": "x, /, *, weights: Tensor | None = None, minlength: int = 0",
    "digitize": "x, bins, /, *, right: bool = False",
    "count_nonzero": "x, /, *, " + _AXK,
    "histogram": "a, /, *, bins: int | str | Tensor = 10, range: tuple[float, float] | None = "
                 "None, density: bool | None = None, weights: Tensor | None = None",
    "histogram_bin_edges": "a, /, *, bins: int | str | Tensor = 10, "
                           "range: tuple[float, float] | None = None, "
                           "weights: Tensor | None = None",
    "quantile": _Q, "nanquantile": _Q,
    "nanargmax": "x, /, *, axis: int | None = None, keepdims: bool = False",
    "nanargmin": "x, /, *, axis: int | None = None, keepdims: bool = False",
    "interp": "x, xp, fp, /, *, left: float | None = None, right: float | None = None, "
              "period: float | None = None",
    "convolve": "a, v, /, *, mode: str = 'full'",
    "correlate": "a, v, /, *, mode: str = 'valid'",
    "cov": "m, /, *, y: Tensor | None = None, rowvar: bool = True, bias: bool = False, "
           "ddof: int | None = None, fweights: Tensor | None = None, "
           "aweights: Tensor | None = None, dtype: DType | None = None",
    "corrcoef": "x, /, *, y: Tensor | None = None, rowvar: bool = True, "
                "dtype: DType | None = None",
    "pad": "x, /, *, pad_width: tuple[tuple[int, int], ...], mode: str = 'constant', "
           "**options: Scalar | tuple | str",
    "trim_zeros": "x, /, *, trim: str = 'fb', axis: int | tuple[int, ...] | None = None",
    "gradient": "f, /, *, spacing: tuple = (), axis: int | tuple[int, ...] | None = None, "
                "edge_order: int = 1",
    **{n: "x, /, *, " + _AXK + ", dtype: DType | None = None"
       for n in ("nansum", "nanprod", "nanmean")},
    **{n: "x, /, *, " + _AXK for n in ("nanmax", "nanmin", "nanmedian", "median")},
    "nanvar": "x, /, *, " + _AXK + ", ddof: float = 0",
    "nanstd": "x, /, *, " + _AXK + ", ddof: float = 0",
    "nancumsum": "x, /, *, axis: int | None = None, dtype: DType | None = None",
    "nancumprod": "x, /, *, axis: int | None = None, dtype: DType | None = None",
    "average": "x, /, *, axis: int | tuple[int, ...] | None = None, "
               "weights: Tensor | None = None, keepdims: bool = False",
    "isclose": "a, b, /, *, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False",
    "around": "x, /, *, decimals: int = 0",
}

# Each row's shape rule (``Op.shape``, checked by ``_kernel_check``); the others' results have
# data-dependent shapes ("custom").
SHAPES = {
    **dict.fromkeys(("scatter", "scatter_add", "isin", "digitize", "interp", "around"), "same"),
    **dict.fromkeys(("gather", "searchsorted"), "last"),
    **dict.fromkeys(("partition", "argpartition", "nancumsum", "nancumprod"), "scan"),
    **dict.fromkeys(("count_nonzero", "nanargmax", "nanargmin", "nansum", "nanprod", "nanmean",
                     "nanvar", "nanstd", "nanmax", "nanmin", "nanmedian", "median", "average"),
                    "reduce_axis"),
    "quantile": "quantile", "nanquantile": "quantile", "topk": "topk", "take": "take",
    "take_along_axis": "take_along_axis", "convolve": "convolve", "correlate": "convolve",
    "pad": "pad", "isclose": "pointwise",
}

for _name, _nin in SURFACE_OPS.items():
    if _name not in OPS:
        add_op(Op(_name, _nin, accepts="any", shape=SHAPES.get(_name, "custom"),
                  differentiable=_name in _DIFFERENTIABLE,
                  numpy_name=None if _name in _NO_NUMPY_TWIN else "",
                  decomposition=DECOMPOSITIONS.get(_name), sig=SIGNATURES[_name]))


def as_t(x, like=None, dtype=None):
    """``x`` as a tensor (on ``like``'s device and of its class when ``like`` is given)."""
    if isinstance(x, Tensor):
        return x if dtype is None else x.astype(dtype, copy=False)
    if like is not None:
        return asarray(x, dtype=dtype, device=like._device, cls=like.__class__)
    return asarray(x, dtype=dtype)


def call(name, tensors, params=None, dtype=None):
    """Run op ``name`` on ``tensors`` (same device) with keyword ``params``; the first tensor
    gives the class, device and (unless ``dtype`` is given) the kernel's dtype."""
    x0 = tensors[0]
    for t in tensors[1:]:
        if t._device is not x0._device:
            X.check_device(name, x0, t)
    try:
        return X.run(OPS[name], tuple(tensors), tuple(t._data for t in tensors),
                     params or {}, x0.__class__, x0._device, dtype or x0._dtype)
    except np.exceptions.AxisError as exc:  # from a NumPy-based kernel
        raise AxisError(f"{name}: {exc}") from None
