"""The kernel table: op name -> {dtype name: callable}, assembled from every kernel family."""

from __future__ import annotations

from . import (
    _api,
    _complex,
    _conv,
    _elementwise,
    _elementwise_more,
    _extra,
    _fft,
    _fused,
    _indexing,
    _linalg,
    _matmul,
    _nan,
    _quantile,
    _reduce,
    _sort,
)
from ._dtypes import ALL_DTYPES

__all__ = ["kernels_table"]


def kernels_table() -> dict:
    """Every kernel for every dtype the GPU can hold. float16 is listed too; on an adapter
    without shader-f16 the arrays cannot be created, and from_numpy says so."""
    table = _elementwise.make_kernels(ALL_DTYPES)
    every = {d: None for d in ALL_DTYPES}
    table["copy_"] = dict.fromkeys(every, _api.copy_)
    table["astype"] = dict.fromkeys(every, _api.astype)
    table["contiguous"] = dict.fromkeys(every, _api.contiguous)
    table["where"] = dict.fromkeys(every, _api.where)
    table["clip"] = {d: _api.clip for d in ALL_DTYPES if d != "bool"}
    table.update(_reduce.make_kernels(ALL_DTYPES))
    table.update(_matmul.make_kernels(ALL_DTYPES))
    table.update(_fused.make_kernels(ALL_DTYPES))
    table.update(_indexing.make_kernels(ALL_DTYPES))
    table.update(_sort.make_kernels(ALL_DTYPES))
    table.update(_extra.make_kernels(ALL_DTYPES))
    table.update(_nan.make_kernels(ALL_DTYPES))
    table.update(_quantile.make_kernels(ALL_DTYPES))
    table.update(_conv.make_kernels(ALL_DTYPES))
    table.update(_elementwise_more.make_kernels(ALL_DTYPES))
    table.update(_linalg.make_kernels(ALL_DTYPES))
    for op, kernels in _complex.make_kernels(ALL_DTYPES).items():  # adds dtypes to ops
        table.setdefault(op, {}).update(kernels)
    table.update(_fft.make_kernels(ALL_DTYPES))
    return table
