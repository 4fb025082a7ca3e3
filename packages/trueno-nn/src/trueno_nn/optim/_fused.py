"""The fused optimizer updates: one op-table row per parameter step (``sgd_update``,
``adam_update``; trueno/_optable/optim.py declares them, trueno/_decompositions_optim.py is
their semantic reference).

``fused_step`` calls the row's kernel for the parameter's device and dtype
(``trueno.backend.kernel``: a backend's fused kernel, one pass over the parameter and its
state, in place) directly, since the row is not differentiable and its result (the
parameter's array) is not needed: ``trueno.backend.run`` would only wrap it in a tensor that
is thrown away (about 4 us of a GPU parameter's ~18). On a device without a kernel the row
goes through ``run``, which runs its decomposition. The kernels write the tensors' device
arrays in place, so the version counters are bumped here, as every in-place op does.

``fused_steps`` updates a whole parameter group with one set of hyperparameters: a kernel
with a ``many`` attribute (a backend's multi-tensor update, as PyTorch's foreach path) takes
every fitting parameter of a device and dtype in one call (on the GPU one launch for up to
~10 parameters instead of one each), else the kernel runs per parameter.
"""

from __future__ import annotations

import os
from typing import Any

from trueno import TruenoError
from trueno.backend import get_op, kernel, run

__all__ = ["fused_step", "fused_steps"]


_DENSE: dict = {}  # (array class, shape, strides) -> whether dense
# TRUENO_NN_FOREACH=0: no multi-tensor kernels (one launch per parameter; for A/B runs)
FOREACH = os.environ.get("TRUENO_NN_FOREACH", "1") != "0"


def _fits(param: Any, tensors: list[Any], row: Any) -> bool:
    """Whether the row's contract holds: a real floating parameter, and every tensor of its
    shape, dtype and device, in a dense row-major layout the kernels walk linearly.
    (Read from the tensors' own fields: the public properties build objects per call.)"""
    dt, dev = param._dtype, param._device
    if dt not in row.accepts:
        return False
    pd = param._data
    shape, strides = pd.shape, pd.strides
    key = (pd.__class__, shape, strides)
    dense = _DENSE.get(key)
    if dense is None:  # (the contiguity test costs ~3 us: a step asks for every parameter)
        if len(_DENSE) > 4096:
            _DENSE.clear()
        dense = _DENSE[key] = param.is_contiguous()
    if not dense:
        return False
    # a tensor of the parameter's shape and strides is dense too
    for t in tensors:
        if t is None or t is param:
            continue
        d = t._data
        if t._dtype is not dt or t._device is not dev or d.shape != shape or \
                (d.strides != strides and not t.is_contiguous()):
            return False
    return True


_ROWS: dict = {}  # row name -> its Op (looked up once)


def fused_step(name: str, tensors: list[Any], params: dict[str, Any]) -> bool:
    """Update ``tensors[0]`` (the parameter) and its state tensors in place with row
    ``name``; False (nothing done) when the tensors do not fit the row (complex parameters,
    a gradient of another dtype, strided views): the caller then runs its chain of ops."""
    row = _ROWS.get(name)
    if row is None:
        row = _ROWS[name] = get_op(name)
    param = tensors[0]
    if not _fits(param, tensors, row):
        return False
    datas = [None if t is None else t._data for t in tensors]
    try:  # a cache hit (forced backends resolve here too); the row is never recorded
        k = kernel(row, param._device, param._dtype)
    except TruenoError:  # no kernel on this device: run() runs the row's decomposition
        k = None
    if k is None:
        run(row, tuple(tensors), tuple(datas), params, param.__class__, param._device,
            param._dtype)
    else:
        k(*datas, **params)
    for t in tensors:
        if t is not None and t is not tensors[1]:  # the gradient is read, never written
            t._version[0] += 1
    return True


def _bump(tensors: list[Any]) -> None:
    for t in tensors:
        if t is not None and t is not tensors[1]:  # the gradient is read, never written
            t._version[0] += 1


def fused_steps(name: str, items: list[list[Any]], params: dict[str, Any]) -> list[int]:
    """``fused_step`` of every tensor list of ``items`` with the same ``params``; returns the
    indices of the items that do not fit the row (their caller runs its chain of ops)."""
    row = _ROWS.get(name)
    if row is None:
        row = _ROWS[name] = get_op(name)
    rest: list[int] = []
    by: dict = {}  # (device, dtype) by identity (their hashes are Python-level) -> lists
    for i, tensors in enumerate(items):
        param = tensors[0]
        if _fits(param, tensors, row):
            dev, dt = param._device, param._dtype
            e = by.get((id(dev), id(dt)))
            if e is None:
                e = by[id(dev), id(dt)] = (dev, dt, [])
            e[2].append(tensors)
        else:
            rest.append(i)
    for dev, dt, lists in by.values():
        try:
            k = kernel(row, dev, dt)
        except TruenoError:
            k = None
        many = getattr(k, "many", None) if FOREACH else None
        if many is not None and len(lists) > 1:
            many([[None if t is None else t._data for t in ts] for ts in lists], **params)
            for ts in lists:  # (``_bump``, inlined: per parameter)
                g = ts[1]
                for t in ts:
                    if t is not None and t is not g:  # the gradient is read, never written
                        t._version[0] += 1
            continue
        for ts in lists:
            datas = [None if t is None else t._data for t in ts]
            if k is None:
                run(row, tuple(ts), tuple(datas), params, ts[0].__class__, dev, dt)
            else:
                k(*datas, **params)
            _bump(ts)
    return rest
