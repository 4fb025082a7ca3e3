"""nn.Transformer and nn.TransformerDecoder vs PyTorch 2.13: the same parameters from the same
seed (xavier re-init in parameters() order), outputs and gradients of inputs and parameters
with every kind of mask, train (dropout 0) and eval (dropout 0.1, off), float32 and float64,
custom encoder/decoder, and one small case on the GPU device."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch as T
from conftest import close

import trueno.nn as nn
import trueno.torch as torch

S, L, N, E = 5, 4, 2, 8  # source length, target length, batch, d_model


def _masks(mod, kind: str):
    """``forward`` keyword arguments for the mask case ``kind`` in framework ``mod``."""
    if kind == "none":
        return {}
    if kind == "bool":  # bool masks everywhere (True = masked out), one padded key each
        src_pad = np.zeros((N, S), dtype=bool)
        src_pad[1, -1] = True
        tgt_pad = np.zeros((N, L), dtype=bool)
        tgt_pad[0, -1] = True
        mem_mask = np.zeros((L, S), dtype=bool)
        mem_mask[0, 1:3] = True
        src_mask = np.zeros((S, S), dtype=bool)
        src_mask[2, 0] = True
        return {"src_mask": mod.tensor(src_mask),
                "tgt_mask": mod.tensor(np.triu(np.ones((L, L), dtype=bool), 1)),
                "memory_mask": mod.tensor(mem_mask),
                "src_key_padding_mask": mod.tensor(src_pad),
                "tgt_key_padding_mask": mod.tensor(tgt_pad),
                "memory_key_padding_mask": mod.tensor(src_pad)}
    if kind == "causal":  # the float causal mask with the is_causal hint
        return {"tgt_mask": mod.nn.Transformer.generate_square_subsequent_mask(L),
                "tgt_is_causal": True}
    # float additive masks
    rng = np.random.default_rng(7)
    return {"src_mask": mod.tensor(rng.standard_normal((S, S)).astype("float32")),
            "memory_mask": mod.tensor(rng.standard_normal((L, S)).astype("float32")),
            "tgt_mask": mod.nn.Transformer.generate_square_subsequent_mask(L)}


CASES = [
    ({}, "bool"),
    ({"norm_first": True, "activation": "gelu", "batch_first": True}, "causal"),
    ({"bias": False}, "float"),
    ({"norm_first": True}, "none"),
]


def _pair(kw, dropout=0.0):
    torch.manual_seed(0)
    a = nn.Transformer(E, 2, 2, 2, 16, dropout=dropout, **kw)
    T.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's nested-tensor notice
        b = T.nn.Transformer(E, 2, 2, 2, 16, dropout=dropout, **kw)
    return a, b


def _check_same_params(a, b):
    assert repr(a) == repr(b)
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for k in sa:
        np.testing.assert_array_equal(np.asarray(sa[k]), sb[k].numpy(), err_msg=k)


def _run_both(a, b, dtype, kw, masks, train=True):
    rng = np.random.default_rng(0)
    bf = kw.get("batch_first", False)
    src = rng.standard_normal((N, S, E) if bf else (S, N, E)).astype(dtype)
    tgt = rng.standard_normal((N, L, E) if bf else (L, N, E)).astype(dtype)
    sa, ta = torch.tensor(src).requires_grad_(), torch.tensor(tgt).requires_grad_()
    sb, tb = T.tensor(src).requires_grad_(), T.tensor(tgt).requires_grad_()
    a.train(train)
    b.train(train)
    ya = a(sa, ta, **_masks(torch, masks))
    yb = b(sb, tb, **_masks(T, masks))
    close(ya, yb, dtype, 100)
    g = rng.standard_normal(tuple(yb.shape)).astype(dtype)
    (ya * torch.tensor(g)).sum().backward()
    (yb * T.tensor(g)).sum().backward()
    close(sa.grad, sb.grad, dtype, 1000)
    close(ta.grad, tb.grad, dtype, 1000)
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        assert na == nb
        close(pa.grad, pb.grad, dtype, 1000)


@pytest.mark.parametrize("kw,masks", CASES, ids=[m for _, m in CASES])
def test_transformer_matches_pytorch(kw, masks, dtype):
    a, b = _pair(kw)
    _check_same_params(a, b)
    if dtype == "float64":
        a.double()
        b.double()
    _run_both(a, b, dtype, kw, masks)


def test_transformer_eval_turns_dropout_off(dtype):
    a, b = _pair({}, dropout=0.1)
    _check_same_params(a, b)
    if dtype == "float64":
        a.double()
        b.double()
    _run_both(a, b, dtype, {}, "bool", train=False)


def test_transformer_decoder_with_norm_and_detected_causal_mask(dtype):
    def build(m):
        layer = m.TransformerDecoderLayer(E, 2, 16, dropout=0.0, batch_first=True)
        return m.TransformerDecoder(layer, 3, norm=m.LayerNorm(E))
    torch.manual_seed(1)
    a = build(nn)
    T.manual_seed(1)
    b = build(T.nn)
    _check_same_params(a, b)
    assert a.num_layers == 3 and a.layers[0] is not a.layers[1]
    if dtype == "float64":
        a.double()
        b.double()
    rng = np.random.default_rng(2)
    x = rng.standard_normal((N, L, E)).astype(dtype)
    mem = rng.standard_normal((N, S, E)).astype(dtype)
    pad = np.zeros((N, S), dtype=bool)
    pad[0, 0] = True
    xa, xb = torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()
    ma, mb = torch.tensor(mem).requires_grad_(), T.tensor(mem).requires_grad_()
    ya = a(xa, ma, tgt_mask=nn.Transformer.generate_square_subsequent_mask(L, dtype=xa.dtype),
           memory_key_padding_mask=torch.tensor(pad))
    yb = b(xb, mb, tgt_mask=T.nn.Transformer.generate_square_subsequent_mask(L, dtype=xb.dtype),
           memory_key_padding_mask=T.tensor(pad))
    close(ya, yb, dtype, 100)
    ya.sum().backward()
    yb.sum().backward()
    close(xa.grad, xb.grad, dtype, 1000)
    close(ma.grad, mb.grad, dtype, 1000)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        close(pa.grad, pb.grad, dtype, 1000)


def test_transformer_custom_encoder_decoder_and_unbatched():
    def build(m):
        enc = m.TransformerEncoder(m.TransformerEncoderLayer(E, 4, 12, dropout=0.0), 1)
        dec = m.TransformerDecoder(m.TransformerDecoderLayer(E, 4, 12, dropout=0.0), 1)
        return m.Transformer(E, 4, custom_encoder=enc, custom_decoder=dec)
    torch.manual_seed(2)
    a = build(nn)
    T.manual_seed(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = build(T.nn)
    _check_same_params(a, b)
    assert a.encoder.norm is None and a.decoder.norm is None
    rng = np.random.default_rng(3)
    src = rng.standard_normal((S, E)).astype("float32")  # unbatched (S, E) and (L, E)
    tgt = rng.standard_normal((L, E)).astype("float32")
    close(a(torch.tensor(src), torch.tensor(tgt)), b(T.tensor(src), T.tensor(tgt)), "float32",
          100)


def test_generate_square_subsequent_mask_matches_pytorch():
    for sz, dt in ((1, None), (4, None), (3, "float64")):
        got = nn.Transformer.generate_square_subsequent_mask(
            sz, dtype=None if dt is None else getattr(torch, dt))
        want = T.nn.Transformer.generate_square_subsequent_mask(
            sz, dtype=None if dt is None else getattr(T, dt))
        close(got, want, dt or "float32")


def test_transformer_rejects_mismatched_inputs():
    a = nn.Transformer(E, 2, 1, 1, 16)
    with pytest.raises(RuntimeError, match="batch number of src and tgt must be equal"):
        a(torch.zeros(S, 2, E), torch.zeros(L, 3, E))
    with pytest.raises(ValueError, match="feature number of src and tgt must be equal to "
                                         "d_model=8"):
        a(torch.zeros(S, 2, E), torch.zeros(L, 2, 6))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.Transformer(E, 2, 1, 1, 16, activation="tanh")


def test_transformer_on_gpu_matches_pytorch():
    trueno_gpu = pytest.importorskip("trueno_gpu")
    if not trueno_gpu.is_available():
        pytest.skip("no GPU adapter for trueno-gpu")
    a, b = _pair({"batch_first": True})
    a.to("gpu")
    assert a.encoder.layers[0].linear1.weight.device.type != "cpu"
    rng = np.random.default_rng(4)
    src = rng.standard_normal((N, S, E)).astype("float32")
    tgt = rng.standard_normal((N, L, E)).astype("float32")
    sa = torch.tensor(src).to("gpu").requires_grad_()
    sb = T.tensor(src).requires_grad_()
    causal = np.triu(np.ones((L, L), dtype=bool), 1)
    ya = a(sa, torch.tensor(tgt).to("gpu"), tgt_mask=torch.tensor(causal).to("gpu"))
    yb = b(sb, T.tensor(tgt), tgt_mask=T.tensor(causal))
    np.testing.assert_allclose(np.asarray(ya.detach().to("cpu")), yb.detach().numpy(),
                               rtol=1e-4, atol=1e-5)
    ya.sum().backward()
    yb.sum().backward()
    np.testing.assert_allclose(np.asarray(sa.grad.to("cpu")), sb.grad.numpy(),
                               rtol=1e-3, atol=1e-5)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_allclose(np.asarray(pa.grad.to("cpu")), pb.grad.numpy(),
                                   rtol=1e-3, atol=1e-5, )
