"""``default_collate`` and ``default_convert``: PyTorch's rules for turning a list of samples
into a batch (tensors and NumPy arrays are stacked, numbers become 1-d tensors, strings stay
lists, mappings/namedtuples/sequences are collated field by field)."""

from __future__ import annotations

import collections.abc
import copy
import re
from typing import Any
from collections.abc import Callable

import numpy as np
import trueno.torch as torch
from trueno import Tensor as _AnyTensor

from ._errors import DataRuntimeError, DataTypeError

__all__ = ["collate", "default_collate", "default_convert", "default_collate_fn_map"]

np_str_obj_array_pattern = re.compile(r"[SaUO]")

_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        "found {}\n  hint: pass collate_fn= to DataLoader for other element types")


def _as_torch(x) -> torch.Tensor:
    """A tensor of the PyTorch face (a NumPy-face ``trueno.ndarray`` is re-wrapped, not copied
    where ``as_tensor`` can avoid it)."""
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(x)


def default_convert(data: Any) -> Any:
    """Convert each NumPy array (and NumPy scalar) inside ``data`` to a tensor, keeping the
    structure (PyTorch's ``default_convert``, used when auto-batching is off).

    Examples
    --------
    >>> import numpy as np
    >>> default_convert([np.array([0, 1])])[0].tolist()
    [0, 1]
    """
    elem_type = type(data)
    if isinstance(data, _AnyTensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_", "bytes_"):
        if elem_type.__name__ == "ndarray" and np_str_obj_array_pattern.search(data.dtype.str):
            return data
        return torch.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # PyTorch's backwards compatibility
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate(batch: list, *, collate_fn_map: dict | None = None) -> Any:
    """Collate ``batch`` with the per-type functions of ``collate_fn_map`` (exact type first,
    then the first key ``batch[0]`` is an instance of), recursing into containers."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        items = {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map)
                 for key in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update(items)
                return clone
            return elem_type(items)
        except TypeError:
            return items
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(list(s), collate_fn_map=collate_fn_map)
                           for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        sizes = [len(e) for e in batch]
        if any(s != sizes[0] for s in sizes):
            raise DataRuntimeError(
                "each element in list of batch should be of equal size\n"
                f"  got sample lengths {sizes}\n"
                "  hint: pad the samples or pass a collate_fn that handles ragged samples")
        transposed = [list(s) for s in zip(*batch)]
        out = [collate(s, collate_fn_map=collate_fn_map) for s in transposed]
        if isinstance(elem, tuple):
            return out  # PyTorch's backwards compatibility: tuples become lists
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, v in enumerate(out):
                    clone[i] = v
                return clone
            return elem_type(out)
        except TypeError:
            return out
    raise DataTypeError(_ERR.format(elem_type))


def collate_tensor_fn(batch: list, *, collate_fn_map: dict | None = None) -> torch.Tensor:
    """Stack tensors along a new dimension 0 (as tensors of the PyTorch face)."""
    shapes = {tuple(t.shape) for t in batch}
    if len(shapes) > 1:
        raise DataRuntimeError(
            "default_collate: stack expects each tensor to be equal size\n"
            f"  got shapes {sorted(shapes)}\n"
            "  hint: pad or crop the samples to one shape, or pass collate_fn=")
    return torch.stack([_as_torch(t) for t in batch], 0)


def collate_numpy_array_fn(batch: list, *, collate_fn_map: dict | None = None):
    """Convert NumPy arrays to tensors and stack them (string/object arrays are refused)."""
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise DataTypeError(_ERR.format(elem.dtype))
    return collate([torch.as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch: list, *, collate_fn_map: dict | None = None):
    """NumPy scalars become a 1-d tensor of their dtype."""
    return torch.as_tensor(np.asarray(batch))


def collate_float_fn(batch: list, *, collate_fn_map: dict | None = None):
    """Python floats become a float64 tensor (PyTorch's rule)."""
    return torch.tensor(batch, dtype=torch.float64)


def collate_int_fn(batch: list, *, collate_fn_map: dict | None = None):
    """Python ints become an int64 tensor (bools a bool tensor)."""
    return torch.tensor(batch)


def collate_str_fn(batch: list, *, collate_fn_map: dict | None = None):
    """Strings and bytes stay a list."""
    return batch


default_collate_fn_map: dict[type | tuple[type, ...], Callable] = {
    _AnyTensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch: list) -> Any:
    """Put a list of samples into a batch, keeping the samples' structure (PyTorch's rules).

    Parameters
    ----------
    batch : list
        Samples: tensors, NumPy arrays or scalars, Python numbers, strings, or mappings,
        namedtuples and sequences of these.

    Returns
    -------
    The batch: tensors gain a leading batch dimension; ``float`` gives float64, ``int`` int64.

    Examples
    --------
    >>> default_collate([(1, 2.0), (3, 4.0)])[1].tolist()
    [2.0, 4.0]
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
