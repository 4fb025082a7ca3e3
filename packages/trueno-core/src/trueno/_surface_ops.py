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
# autograd through their index/index_put decompositions (_indexing_ext._grad_path).
_DIFFERENTIABLE = {"topk", "pad", "median", "nanvar", "nanstd", "nansum", "nanprod", "nanmean",
                   "nanmax", "nanmin"}

# Decompositions (docs/design.md §2.1), imported on first use: "module:function".
_IX, _SET, _ST, _NP, _SS, _NU = (
    "trueno._indexing_ext:_", "trueno._setops:_", "trueno._statistics:_",
    "trueno._decompositions_ext:", "trueno._decompositions_stats:",
    "trueno._decompositions_numeric:")
DECOMPOSITIONS = {
    "take": _IX + "take_decomposition", "take_along_axis": _IX + "take_along_axis_decomposition",
    "gather": _NP + "gather", "scatter": _NP + "scatter", "scatter_add": _NP + "scatter_add",
    "count_nonzero": _SET + "count_nonzero_decomposition",
    "searchsorted": _SET + "searchsorted_decomposition",
    "digitize": _SET + "digitize_decomposition", "bincount": _SET + "bincount_decomposition",
    "unique_all": _SET + "unique_all_decomposition",
    "histogram": _ST + "histogram_decomposition", "nansum": _ST + "nansum_decomposition",
    "nanprod": _ST + "nanprod_decomposition", "nanmean": _ST + "nanmean_decomposition",
    "isclose": _ST + "isclose_decomposition",
    "nanmax": _ST + "nanmax_decomposition", "nanmin": _ST + "nanmin_decomposition",
    "histogram_bin_edges": _NP + "histogram_bin_edges", "trim_zeros": _NP + "trim_zeros",
    **{n: _SS + n for n in ("topk", "partition", "argpartition", "nancumsum", "nancumprod",
                            "around", "nanvar", "nanstd", "average", "isin", "median",
                            "nanmedian", "nanargmax", "nanargmin", "cov", "corrcoef",
                            "quantile", "nanquantile")},
    **{n: _NU + n for n in ("convolve", "correlate", "gradient", "interp", "pad")},
}

for _name, _nin in SURFACE_OPS.items():
    if _name not in OPS:
        add_op(Op(_name, _nin, accepts="any", shape="custom",
                  differentiable=_name in _DIFFERENTIABLE,
                  numpy_name=None if _name in _NO_NUMPY_TWIN else "",
                  decomposition=DECOMPOSITIONS.get(_name)))


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
