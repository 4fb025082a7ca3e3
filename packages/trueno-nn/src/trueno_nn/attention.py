"""``F.scaled_dot_product_attention`` and ``nn.MultiheadAttention`` (PyTorch's math path:
masks, causal, need_weights with averaged heads, batch_first, unbatched input)."""

from __future__ import annotations

import math

import trueno.torch as torch

from . import _functional_act as FA
from . import init
from ._errors import ModuleValueError
from .layers import Linear
from .module import Module
from .parameter import Parameter

__all__ = ["scaled_dot_product_attention", "MultiheadAttention",
           "NonDynamicallyQuantizableLinear"]


def _neg_inf_where(mask, like):
    """A float mask: -inf where ``mask`` is True, 0 elsewhere (in ``like``'s dtype)."""
    z = torch.zeros(mask.shape, dtype=like.dtype, device=like.device)
    return z.masked_fill(mask, float("-inf"))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale=None, enable_gqa: bool = False):
    """``softmax(q k^T * scale + bias) v``: a bool ``attn_mask`` is True where attention is
    allowed, a float one is added; ``is_causal`` masks the upper triangle."""
    if enable_gqa:
        raise NotImplementedError("scaled_dot_product_attention: enable_gqa is not supported")
    L, S = query.shape[-2], key.shape[-2]
    s = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    w = torch.matmul(query, key.transpose(-2, -1)) * s
    if is_causal:
        causal = torch.ones(L, S, dtype=torch.bool, device=query.device).tril(0)
        w = w + _neg_inf_where(~causal, w)
    if attn_mask is not None:
        w = w + (_neg_inf_where(~attn_mask, w) if attn_mask.dtype == torch.bool
                 else attn_mask)
    w = torch.softmax(w, -1)
    if dropout_p > 0.0:
        w = FA.dropout(w, dropout_p, True)
    return torch.matmul(w, value)


class NonDynamicallyQuantizableLinear(Linear):
    """MultiheadAttention's output projection (a Linear; PyTorch's name, for its repr)."""


class MultiheadAttention(Module):
    """Multi-head attention with packed input projections (PyTorch's parameter names:
    ``in_proj_weight``, ``in_proj_bias``, ``out_proj.weight``, ``out_proj.bias``)."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim=None,
                 vdim=None, batch_first: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ModuleValueError(f"embed_dim and num_heads must be greater than 0, got "
                                   f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        if embed_dim % num_heads:
            raise ModuleValueError("embed_dim must be divisible by num_heads")
        if add_bias_kv or add_zero_attn or (kdim not in (None, embed_dim)) or \
                (vdim not in (None, embed_dim)):
            raise NotImplementedError("MultiheadAttention: add_bias_kv, add_zero_attn and "
                                      "kdim/vdim other than embed_dim are not supported yet")
        self.embed_dim, self.kdim, self.vdim = embed_dim, embed_dim, embed_dim
        self._qkv_same_embed_dim = True
        self.num_heads, self.dropout, self.batch_first = num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        dt = dtype or torch.float32
        self.in_proj_weight = Parameter(torch.empty((3 * embed_dim, embed_dim), dtype=dt,
                                                    device=device))
        self.register_parameter("q_proj_weight", None)
        self.register_parameter("k_proj_weight", None)
        self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(torch.empty(3 * embed_dim, dtype=dt, device=device))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        device=device, dtype=dtype)
        self.bias_k = self.bias_v = None
        self.add_zero_attn = False
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        init.xavier_uniform_(self.in_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)

    def forward(self, query, key, value, key_padding_mask=None, need_weights: bool = True,
                attn_mask=None, average_attn_weights: bool = True, is_causal: bool = False):
        """``(attn_output, attn_weights or None)``; masks as PyTorch's (bool True = masked
        out, float added)."""
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = (t.unsqueeze(1) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = (t.transpose(1, 0) for t in (query, key, value))
        out, w = self._attend(query, key, value, key_padding_mask, need_weights, attn_mask,
                              average_attn_weights, is_causal)
        if unbatched:
            return out.squeeze(1), (w.squeeze(0) if w is not None else None)
        if self.batch_first:
            out = out.transpose(1, 0)
        return out, w

    def _attend(self, q, k, v, key_padding_mask, need_weights, attn_mask, average, is_causal):
        L, N, E = q.shape
        S, H, hd = k.shape[0], self.num_heads, self.head_dim
        if E != self.embed_dim:
            raise ModuleValueError(f"was expecting embedding dimension of {self.embed_dim}, "
                                   f"but got {E}")
        w_q, w_k, w_v = (self.in_proj_weight[i * E:(i + 1) * E] for i in range(3))
        b = self.in_proj_bias
        b_q, b_k, b_v = (None, None, None) if b is None else \
            (b[i * E:(i + 1) * E] for i in range(3))
        q, k, v = FA.linear(q, w_q, b_q), FA.linear(k, w_k, b_k), FA.linear(v, w_v, b_v)
        mask = None
        if attn_mask is not None:
            mask = _neg_inf_where(attn_mask, q) if attn_mask.dtype == torch.bool else \
                attn_mask.to(q.dtype)
            if mask.ndim == 2:
                mask = mask.unsqueeze(0)
        elif is_causal:
            mask = _neg_inf_where(torch.ones(L, S, dtype=torch.bool,
                                             device=q.device).triu(1), q).unsqueeze(0)
        if key_padding_mask is not None:
            kpm = _neg_inf_where(key_padding_mask, q) if key_padding_mask.dtype == torch.bool \
                else key_padding_mask.to(q.dtype)
            kpm = kpm.reshape(N, 1, 1, S).expand(N, H, 1, S).reshape(N * H, 1, S)
            mask = kpm if mask is None else mask + kpm
        q = q.reshape(L, N * H, hd).transpose(0, 1)
        k = k.reshape(S, N * H, hd).transpose(0, 1)
        v = v.reshape(S, N * H, hd).transpose(0, 1)
        p = self.dropout if self.training else 0.0
        scores = torch.matmul(q * math.sqrt(1.0 / float(hd)), k.transpose(-2, -1))
        if mask is not None:
            scores = scores + mask
        weights = torch.softmax(scores, -1)
        if p > 0.0:
            weights = FA.dropout(weights, p)
        out = torch.matmul(weights, v).transpose(0, 1).reshape(L * N, E)
        out = FA.linear(out, self.out_proj.weight, self.out_proj.bias).reshape(L, N, E)
        if not need_weights:
            return out, None
        weights = weights.reshape(N, H, L, S)
        return out, (weights.mean(1) if average else weights)
