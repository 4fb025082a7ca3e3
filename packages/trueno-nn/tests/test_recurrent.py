"""RNN/LSTM/GRU and their cells vs PyTorch 2.13: same-seed parameters (names, order, values),
outputs, final states and gradients (inputs, initial states, parameters)."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
from conftest import close
from nn_checks import same_seed_pair

import trueno.nn as nn
import trueno.torch as torch

CASES = [
    ("lstm", lambda m: m.LSTM(3, 4), "seq"),
    ("lstm_2l_bi_bf", lambda m: m.LSTM(3, 4, num_layers=2, bidirectional=True,
                                       batch_first=True), "bf"),
    ("gru_2l", lambda m: m.GRU(3, 5, num_layers=2, bias=False), "seq"),
    ("gru_bi_unbatched", lambda m: m.GRU(3, 4, bidirectional=True), "unbatched"),
    ("rnn_relu", lambda m: m.RNN(3, 4, nonlinearity="relu", num_layers=2), "seq"),
    ("rnn_h0", lambda m: m.RNN(3, 4, bidirectional=True), "h0"),
    ("lstm_h0", lambda m: m.LSTM(3, 4, num_layers=2), "h0"),
]


def _tensor_pair(x):
    return torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()


@pytest.mark.parametrize("name,make,mode", CASES, ids=[c[0] for c in CASES])
def test_recurrent_matches_pytorch(name, make, mode, dtype):
    a, b = same_seed_pair(make)
    if dtype == "float64":
        a.double()
        b.double()
    rng = np.random.default_rng(0)
    shape = {"seq": (5, 2, 3), "bf": (2, 5, 3), "unbatched": (5, 3), "h0": (4, 2, 3)}[mode]
    xa, xb = _tensor_pair(rng.standard_normal(shape).astype(dtype))
    args_a, args_b = [xa], [xb]
    if mode == "h0":
        layers = a.num_layers * (2 if a.bidirectional else 1)
        ha, hb = _tensor_pair(rng.standard_normal((layers, 2, 4)).astype(dtype))
        if isinstance(a, nn.LSTM):
            ca, cb = _tensor_pair(rng.standard_normal((layers, 2, 4)).astype(dtype))
            args_a.append((ha, ca))
            args_b.append((hb, cb))
        else:
            args_a.append(ha)
            args_b.append(hb)
    (ya, sta), (yb, stb) = a(*args_a), b(*args_b)
    close(ya, yb, dtype, 10)
    sta = sta if isinstance(sta, tuple) else (sta,)
    stb = stb if isinstance(stb, tuple) else (stb,)
    loss_a = (ya * ya).sum()
    loss_b = (yb * yb).sum()
    for u, v in zip(sta, stb):
        close(u, v, dtype, 10)
        loss_a = loss_a + (u * 3).sum()
        loss_b = loss_b + (v * 3).sum()
    loss_a.backward()
    loss_b.backward()
    close(xa.grad, xb.grad, dtype, 100)
    if mode == "h0":
        close(ha.grad, hb.grad, dtype, 100)
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert na == nb
        close(pa.grad, pb.grad, dtype, 100)


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_pytorch(cls, dtype):
    torch.manual_seed(1)
    a = getattr(nn, cls)(3, 4)
    T.manual_seed(1)
    b = getattr(T.nn, cls)(3, 4)
    assert repr(a) == repr(b)
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert na == nb
        np.testing.assert_array_equal(np.asarray(pa.detach()), pb.detach().numpy())
    if dtype == "float64":
        a.double()
        b.double()
    xa, xb = _tensor_pair(np.random.default_rng(0).standard_normal((2, 3)).astype(dtype))
    ya, yb = a(xa), b(xb)
    if cls == "LSTMCell":
        ya, yb = ya[0] + ya[1] * 2, yb[0] + yb[1] * 2
        ya, yb = a(xa, (ya, ya))[1], b(xb, (yb, yb))[1]
    else:
        ya, yb = a(xa, ya), b(xb, yb)
    close(ya, yb, dtype, 10)
    ya.sum().backward()
    yb.sum().backward()
    close(xa.grad, xb.grad, dtype, 100)
    for pa, pb in zip(a.parameters(), b.parameters()):
        close(pa.grad, pb.grad, dtype, 100)


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
def test_recurrent_double_backward_and_no_grad(cls):
    """The input projection of all steps (one product, sliced by one node) carries second
    derivatives as PyTorch's; under no_grad the output is the same."""
    torch.manual_seed(2)
    a = getattr(nn, cls)(3, 4, bidirectional=True).double()
    T.manual_seed(2)
    b = getattr(T.nn, cls)(3, 4, bidirectional=True).double()
    xa, xb = _tensor_pair(np.random.default_rng(3).standard_normal((6, 2, 3)))
    ya, yb = a(xa)[0], b(xb)[0]
    with torch.no_grad():
        close(a(xa)[0], yb, "float64", 10)
    (ga,) = torch.autograd.grad((ya * ya).sum(), xa, create_graph=True)
    (gb,) = T.autograd.grad((yb * yb).sum(), xb, create_graph=True)
    close(ga, gb, "float64", 100)
    (ga * ga).sum().backward()
    (gb * gb).sum().backward()
    close(xa.grad, xb.grad, "float64", 1000)
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert na == nb
        close(pa.grad, pb.grad, "float64", 1000)
