"""The kernel table: op name -> {dtype name: callable}, assembled from every kernel family.

The registered table declares the GPU's capabilities per op: ``registered_table()`` drops
the dtypes whose feature (``shader-f16``, ``shader-f64``, ``shader-int64``) no adapter has,
so core's dispatcher resolves (op, device, dtype) once, on a cache miss, and raises its
DeviceError naming the dtypes the GPU has for the op; the kernels never re-check the dtype
they are registered for.

Besides the primitive rows, a composite row has a kernel here only where it pays; every other
composite runs its decomposition on the GPU (issue 13: 37 rows lost their kernels, among
them cov, average, interp, isin, topk, the nan-reductions, median/quantile). Why each kept
composite kernel stays:

- elementwise (``_elementwise``, ``_elementwise_numpy``, ``_api.clip``): one fused pass where
  the decomposition takes 2-8 (``expm1``/``log1p``/``tanh``/... to an ulp in f32, ``hypot``,
  ``logaddexp``, the comparisons and logical ops, ``square``, ``clip``), the activations of
  every network (``relu``, ``gelu``, ``silu``, ``sigmoid``), or NumPy's bit-exact results
  from bit manipulation (``spacing``, ``frexp``, ``modf``, ``ldexp``, ``fmod``, ``divmod``,
  ``gcd``/``lcm``, ``bitwise_count``, ``nan_to_num``, ``fmax``/``fmin``, ``heaviside``, ...).
- reductions (``_reduce``): ``mean``, ``var``/``std``, ``logsumexp``, ``any``/``all`` in one
  or two passes over memory.
- fused (``_fused``, ``_conv``, ``_optim``): ``softmax``, ``log_softmax``, ``layer_norm`` one
  launch per row block; ``conv2d`` one kernel (not a matmul per tap); ``sgd_update`` /
  ``adam_update`` update a parameter and its state in one pass; ``batch_norm_training`` /
  ``batch_norm_backward`` (``_batch_norm``) and ``cross_entropy_forward`` /
  ``cross_entropy_backward`` (``_cross_entropy``) one or two launches where trueno-nn's
  node takes 20 and 14, 12 and 7; ``layer_norm_backward`` (``_layer_norm_backward``) three
  where autograd's trueno-op expression takes ~24 (its weight and bias sums a (1, rows)
  matmul); ``max_pool2d_forward`` / ``max_pool2d_backward``
  (``_max_pool``) one each; ``batch_norm_update_stats`` (``_norm_stats``) one where the
  running statistics' tensor ops take ~11; ``threshold_backward`` (``_threshold``, relu's
  gradient) one where the decomposition's compare and where take two;
  ``lstm_cell_forward`` / ``lstm_cell_backward`` (``_rnn_cell``) and ``gru_cell_forward`` /
  ``gru_cell_backward`` (``_gru_cell``) one each per time step where the trueno-op
  recurrence takes ~20.
- gathers and scatters (``_indexing``): one launch, the index checked on the device.
- ``_composite_kernels``: ``addcmul``, ``vector_norm``, ``concat``, ``searchsorted``,
  float ``convolve``/``correlate``, ``digitize``, ``pad`` (its docstring says why each).
- complex (``_complex*``): complex arithmetic on ``vec2`` in one pass, its math functions to
  f32/f64 accuracy (the decomposition of complex64 ``tanh`` is 100x less accurate), and
  reductions and gathers on the float view.
"""

from __future__ import annotations

from . import (
    _api,
    _batch_norm,
    _complex,
    _composite_kernels,
    _conv,
    _cross_entropy,
    _elementwise,
    _elementwise_numpy,
    _fft,
    _fused,
    _gru_cell,
    _indexing,
    _layer_norm_backward,
    _linalg,
    _matmul,
    _max_pool,
    _norm_stats,
    _optim,
    _reduce,
    _rnn_cell,
    _sort,
    _threshold,
)
from ._dtypes import ALL_DTYPES, dtype_info
from ._runtime import when_adapters_known

__all__ = ["kernels_table", "narrow", "registered_table"]


def kernels_table() -> dict:
    """Every kernel for every dtype some adapter can hold (the table tests call directly);
    the backend registers it narrowed to this machine's adapters (``registered_table``)."""
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
    table.update(_composite_kernels.make_kernels(ALL_DTYPES))
    table.update(_conv.make_kernels(ALL_DTYPES))
    table.update(_batch_norm.make_kernels(ALL_DTYPES))  # batch_norm_training/_backward
    table.update(_layer_norm_backward.make_kernels(ALL_DTYPES))  # layer_norm's gradients
    table.update(_cross_entropy.make_kernels(ALL_DTYPES))  # cross_entropy_forward/_backward
    table.update(_max_pool.make_kernels(ALL_DTYPES))  # max_pool2d_forward/_backward
    table.update(_norm_stats.make_kernels(ALL_DTYPES))  # batch_norm_update_stats
    table.update(_optim.make_kernels(ALL_DTYPES))  # sgd_update, adam_update
    table.update(_threshold.make_kernels(ALL_DTYPES))  # relu's gradient
    table.update(_rnn_cell.make_kernels(ALL_DTYPES))  # lstm_cell_forward/_backward
    table.update(_gru_cell.make_kernels(ALL_DTYPES))  # gru_cell_forward/_backward
    table.update(_elementwise_numpy.make_kernels(ALL_DTYPES))
    table.update(_linalg.make_kernels(ALL_DTYPES))
    for op, kernels in _complex.make_kernels(ALL_DTYPES).items():  # adds dtypes to ops
        table.setdefault(op, {}).update(kernels)
    table.update(_fft.make_kernels(ALL_DTYPES))
    return table


def narrow(table: dict, features) -> dict:
    """Drop from each op of ``table``, in place, the dtypes that need a feature (see
    ``DType.feature``) not in ``features``; returns ``table``."""
    for kernels in table.values():
        for d in [d for d in kernels if dtype_info(d).feature not in (None, *features)]:
            del kernels[d]
    return table


def registered_table() -> dict:
    """``kernels_table()`` as the backend registers it: narrowed to the adapters' features
    once they are known (``when_adapters_known``). Registration never touches the GPU; the
    adapters are enumerated before the first GPU array exists, so before any of these
    kernels can be looked up, and the narrowing happens then."""
    table = kernels_table()
    when_adapters_known(lambda features: narrow(table, features))
    return table
