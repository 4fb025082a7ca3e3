"""``F.ctc_loss``: PyTorch's Connectionist Temporal Classification loss (the alpha recursion in
log space over the blank-extended targets), with its length and target checks."""

from __future__ import annotations

import math

import numpy as np

from trueno.amp import autocast_function
import trueno.torch as torch
from trueno import ShapeError

from ._errors import ModuleValueError

__all__ = ["ctc_loss"]


def _lengths(name: str, lengths, n: int) -> np.ndarray:
    arr = np.asarray(lengths.detach().cpu() if hasattr(lengths, "detach") else lengths)
    arr = arr.reshape(-1)
    if arr.dtype.kind not in "iu" or arr.shape != (n,) or (arr < 0).any():
        raise ShapeError(f"ctc_loss: {name} must be {n} non-negative integer lengths (one per "
                         f"sample), got {arr.tolist()}")
    return arr.astype(np.int64)


def _ctc_targets(targets, tlen: np.ndarray, n: int, batched: bool) -> np.ndarray:
    """The targets as an ``(N, max(target_lengths))`` int64 host array."""
    tg = np.asarray(targets.detach().cpu()).astype(np.int64)
    s = int(tlen.max()) if n else 0
    if batched and tg.ndim == 2:
        if tg.shape[0] != n or tg.shape[1] < s:
            raise ShapeError(f"ctc_loss: padded targets must be (N, S) with N = {n} and S >= "
                             f"max(target_lengths) = {s}, got {tg.shape}")
        return tg[:, :s]
    if tg.ndim != 1 or tg.shape[0] < tlen.sum():
        raise ShapeError(f"ctc_loss: concatenated targets must be 1-D with at least "
                         f"sum(target_lengths) = {int(tlen.sum())} entries, got shape "
                         f"{tg.shape}\n  hint: or pass (N, S) targets padded to the longest")
    out = np.zeros((n, s), dtype=np.int64)
    start = 0
    for i, k in enumerate(tlen):
        out[i, :k] = tg[start:start + k]
        start += k
    return out


def _lse2(a, b):
    m = torch.maximum(a, b).detach()
    return m + torch.log(torch.exp(a - m) + torch.exp(b - m))


@autocast_function("ctc_loss")
def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False):
    """Connectionist Temporal Classification: ``-log`` of the summed probability of every
    alignment of each target to its input (Graves et al. 2006), by the forward algorithm in
    log space over ``log_probs`` ``(T, N, C)`` (or ``(T, C)``).

    ``targets`` are ``(N, S)`` padded or 1-D concatenated; ``mean`` divides each loss by its
    target length and averages; ``zero_infinity`` turns impossible alignments (loss ``inf``)
    into 0 with a zero gradient. Autograd differentiates the recursion; the gradient with
    respect to ``log_probs`` equals PyTorch's, which adds ``exp(log_probs)`` for each frame
    ``t < input_length`` (its kernel assumes ``log_probs`` come from a ``log_softmax``; the
    two agree on the gradient of the logits).
    """
    if reduction not in ("none", "mean", "sum"):
        raise ModuleValueError(f"{reduction} is not a valid value for reduction\n  hint: "
                               f"'mean', 'sum' or 'none'")
    if log_probs.ndim not in (2, 3) or not log_probs.is_floating_point():
        raise ShapeError(f"ctc_loss: log_probs must be float (T, N, C) or (T, C), got "
                         f"{log_probs.dtype.name} of shape {tuple(log_probs.shape)}")
    batched = log_probs.ndim == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    t_max, n, c = lp.shape
    if not 0 <= blank < c:
        raise ShapeError(f"ctc_loss: blank must be in label range [0, {c}), got {blank}")
    ilen = _lengths("input_lengths", input_lengths, n)
    tlen = _lengths("target_lengths", target_lengths, n)
    if n and ilen.max() > t_max:
        raise ShapeError(f"ctc_loss: Expected input_lengths to have value at most {t_max}, but "
                         f"got value {int(ilen.max())}")
    tg = _ctc_targets(targets if batched else targets.reshape(-1), tlen, n, batched)
    s = tg.shape[1]
    used = np.arange(s) < tlen[:, None]
    if ((tg < 0) | (tg >= c))[used].any():
        raise ShapeError(f"ctc_loss: target labels must be in [0, {c}), got "
                         f"{tg[used].min()}..{tg[used].max()}")
    width = 2 * s + 1
    ext = np.full((n, width), blank, dtype=np.int64)
    ext[:, 1::2] = np.where(used, tg, blank)
    skip = np.zeros((n, width), dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    dev, dt = lp.device, lp.dtype
    neg = torch.tensor(-1e30, dtype=dt, device=dev)  # finite "log 0": no inf - inf in grads
    lpe = torch.gather(lp, 2, torch.tensor(np.broadcast_to(ext, (t_max, n, width)).copy(),
                                           device=dev))
    skip_t = torch.tensor(skip, device=dev)
    start = torch.tensor(np.arange(width) < 2, device=dev)
    alpha = torch.where(start, lpe[0], neg) if t_max else neg.expand(n, width)
    alphas = [alpha]
    pad1, pad2 = neg.expand(n, 1), neg.expand(n, 2)
    for t in range(1, int(ilen.max()) if n else 0):
        a1 = torch.cat([pad1, alpha[:, :-1]], 1)
        a2 = torch.where(skip_t, torch.cat([pad2, alpha[:, :-2]], 1), neg)
        m = torch.maximum(torch.maximum(alpha, a1), a2).detach()
        alpha = m + torch.log(torch.exp(alpha - m) + torch.exp(a1 - m) +
                              torch.exp(a2 - m)) + lpe[t]
        alphas.append(alpha)
    last = torch.stack(alphas)  # (T', N, 2S+1)
    tidx = np.clip(ilen - 1, 0, None)
    final = torch.gather(last, 0, torch.tensor(np.broadcast_to(tidx[None, :, None],
                                                              (1, n, width)).copy(),
                                               device=dev)).squeeze(0)
    end = torch.tensor(2 * tlen[:, None], device=dev)
    e1 = torch.gather(final, 1, end).squeeze(1)
    e2 = torch.gather(final, 1, torch.clamp_min(end - 1, 0)).squeeze(1)
    e2 = torch.where(torch.tensor(tlen > 0, device=dev), e2, neg)
    ll = _lse2(e1, e2)
    empty = torch.tensor(ilen == 0, device=dev)
    ll = torch.where(empty, torch.where(torch.tensor(tlen == 0, device=dev),
                                        torch.zeros_like(ll), neg), ll)
    # NOTE: PyTorch's CTC backward gives exp(lp) - occupancy, not -occupancy: add a term of
    # value 0 whose gradient is exp(lp) on the frames each sample reads.
    frames = torch.tensor((np.arange(t_max)[:, None] < ilen[None, :])[:, :, None], device=dev)
    ex = torch.where(frames, torch.exp(lp), torch.zeros((), dtype=dt, device=dev)).sum((0, 2))
    loss = -ll + (ex - ex.detach())
    impossible = ll.detach() < -1e29
    fill = 0.0 if zero_infinity else math.inf
    loss = torch.where(impossible, torch.full_like(loss, fill), loss)
    if reduction == "mean":
        div = torch.tensor(np.maximum(tlen, 1), dtype=dt, device=dev)
        return (loss / div).mean()
    if reduction == "sum":
        return loss.sum()
    return loss if batched else loss.reshape(())
