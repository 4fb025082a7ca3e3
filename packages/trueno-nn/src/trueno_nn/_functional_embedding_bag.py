"""Functional ``embedding_bag``: sums, means or maxima of bags of embedding rows, with
``offsets`` (or fixed-size bags from a 2-D input), ``per_sample_weights``, ``padding_idx``,
``include_last_offset``, ``max_norm`` and ``scale_grad_by_freq``, as PyTorch's.

The bag layout is worked out on the host from the (small) index tensors; the rows are read
with ``index_select`` and reduced with ``index_add`` (sum, mean) or a padded ``argmax``/
``gather`` (max, the first maximum getting the gradient, as PyTorch's CPU kernel), so
autograd differentiates the result and it runs on every device."""

from __future__ import annotations

import numpy as np

import trueno.torch as torch

from ._errors import ModuleValueError

__all__ = ["embedding_bag"]


def _host(t) -> np.ndarray:
    return np.asarray(t.detach().to("cpu"))


def _renorm_(weight, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """PyTorch's ``embedding_renorm_``: the rows used whose norm exceeds ``max_norm`` are
    scaled in place to ``max_norm / (norm + 1e-7)`` of themselves."""
    rows = np.unique(idx)
    if rows.size == 0:
        return
    with torch.no_grad():
        sel = torch.tensor(rows, dtype=torch.int64, device=weight.device)
        w = weight.index_select(0, sel)
        norms = _host(torch.linalg.vector_norm(w, norm_type, dim=1))
        big = norms > max_norm
        if not big.any():
            return
        scale = np.where(big, max_norm / (norms + 1e-7), 1.0)
        scaled = w * torch.tensor(scale.reshape(-1, 1), dtype=w.dtype, device=w.device)
        weight[sel] = scaled


def _bags(input, offsets, per_sample_weights, include_last_offset: bool):  # noqa: A002
    """Flat indices, flat weights (or None), and the bag id of each index."""
    if input.is_floating_point() or input.dtype == torch.bool:
        raise ModuleValueError(f"embedding_bag: indices must be an integer tensor, got "
                               f"{input.dtype.name}\n  hint: input.long()")
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != \
            tuple(input.shape):
        raise ModuleValueError(
            f"embedding_bag: expected per_sample_weights of the input's shape "
            f"{tuple(input.shape)}, got {tuple(per_sample_weights.shape)}")
    if input.ndim == 2:
        if offsets is not None:
            raise ModuleValueError(
                f"if input is 2D, then offsets has to be None, as input is treated is a "
                f"mini-batch of fixed length sequences. However, found offsets of type "
                f"{type(offsets).__name__}")
        n, width = input.shape
        off = np.arange(0, n * width, width) if width else np.zeros(n, dtype=np.int64)
        idx = _host(input).reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.ndim == 1:
        if offsets is None:
            raise ModuleValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ModuleValueError("offsets has to be a 1D Tensor")
        idx, off = _host(input).reshape(-1), _host(offsets).astype(np.int64)
    else:
        raise ModuleValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                               f"{input.ndim}")
    total = idx.size
    if off.size and off[0] != 0:
        raise ModuleValueError(
            f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
            f"from position 0. However, got {int(off[0])}")
    if off.size and off[-1] > total:
        raise ModuleValueError(f"offsets[-1] can not be greater than input's length {total}, "
                               f"but got offsets[-1] of {int(off[-1])}")
    if off.size > 1 and (np.diff(off) < 0).any():
        raise ModuleValueError(f"embedding_bag: offsets must be non-decreasing, got "
                               f"{off.tolist()}")
    if include_last_offset:
        if off.size == 0:
            raise ModuleValueError("include_last_offset: number of offsets should be at least "
                                   "1")
        starts, ends = off[:-1], off[1:]
    else:
        starts, ends = off, np.append(off[1:], total)
    bag = np.repeat(np.arange(starts.size), ends - starts)
    return idx[:bag.size], per_sample_weights, bag, starts.size


def embedding_bag(input, weight, offsets=None, max_norm=None,  # noqa: A002
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean",
                  sparse: bool = False, per_sample_weights=None,
                  include_last_offset: bool = False, padding_idx=None):
    """Reduce bags of rows of ``weight`` (``(num_embeddings, dim)``) to ``(bags, dim)``.

    Parameters
    ----------
    input : Tensor
        Integer indices: 1-D with ``offsets`` (bag starts), or 2-D ``(bags, n)`` bags of ``n``.
    mode : str
        'sum', 'mean' or 'max'; an empty bag gives zeros.
    per_sample_weights : Tensor, optional
        A weight per index (mode 'sum' only).
    padding_idx : int, optional
        Indices equal to it are left out of their bag (and of a mean's count).

    Returns
    -------
    Tensor
        ``(bags, dim)``.
    """
    if mode not in ("sum", "mean", "max"):
        raise ModuleValueError(f"mode has to be one of sum, mean or max (got {mode!r})")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            f"GitHub.")
    if sparse:
        raise NotImplementedError("embedding_bag: sparse gradients are not supported\n"
                                  "  hint: sparse=False")
    if weight.ndim != 2:
        raise ModuleValueError(f"embedding_bag: expected a 2-D weight, got "
                               f"{tuple(weight.shape)}")
    rows, dim = weight.shape
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise ModuleValueError("Padding_idx must be within num_embeddings")
        padding_idx = padding_idx + rows if padding_idx < 0 else padding_idx
    idx, psw, bag, nbags = _bags(input, offsets, per_sample_weights, include_last_offset)
    if idx.size and (idx.min() < 0 or idx.max() >= rows):
        bad = int(idx.min() if idx.min() < 0 else idx.max())
        raise IndexError(f"embedding_bag: index {bad} is out of range for a weight of "
                         f"{rows} rows\n  hint: indices lie in [0, num_embeddings)")
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    keep = np.ones(idx.size, dtype=bool) if padding_idx is None else idx != padding_idx
    pos = np.flatnonzero(keep)
    dev = weight.device
    emb = weight.index_select(0, torch.tensor(idx[pos], dtype=torch.int64, device=dev))
    if scale_grad_by_freq and mode != "max":  # gradient / frequency, forward unchanged
        _, inv, counts = np.unique(idx, return_inverse=True, return_counts=True)
        s = torch.tensor((1.0 / counts[inv][pos]).reshape(-1, 1), dtype=emb.dtype, device=dev)
        scaled = emb * s
        emb = scaled + (emb - scaled).detach()
    if psw is not None:
        sel = torch.tensor(pos, dtype=torch.int64, device=dev)
        emb = emb * psw.index_select(0, sel).reshape(-1, 1).to(emb.dtype)
    bag_of = bag[pos]
    counts = np.bincount(bag_of, minlength=nbags)
    if mode == "max":
        width = int(counts.max()) if counts.size and counts.max() else 1
        slot = np.full((nbags, width), pos.size, dtype=np.int64)  # the -inf row
        start = np.concatenate([[0], np.cumsum(counts)[:-1]]) if nbags else counts
        rank = np.arange(pos.size) - np.repeat(start, counts)
        slot[bag_of, rank] = np.arange(pos.size)
        fill = torch.full((1, dim), float("-inf"), dtype=weight.dtype, device=dev)
        table = torch.cat([emb, fill], 0)
        st = table.index_select(0, torch.tensor(slot.reshape(-1), dtype=torch.int64,
                                                device=dev)).reshape(nbags, width, dim)
        best = torch.gather(st, 1, st.argmax(1, keepdim=True)).squeeze(1)
        empty = torch.tensor((counts == 0).reshape(-1, 1), device=dev)
        return torch.where(empty, torch.zeros((), dtype=best.dtype, device=dev), best)
    out = torch.zeros((nbags, dim), dtype=weight.dtype, device=dev)
    out = out.index_add(0, torch.tensor(bag_of, dtype=torch.int64, device=dev), emb)
    if mode == "mean":
        div = torch.tensor(np.maximum(counts, 1).reshape(-1, 1), dtype=out.dtype, device=dev)
        out = out / div
    return out
