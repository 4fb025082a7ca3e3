"""Layer modules vs PyTorch 2.13: initialisation from the same seed, forward and gradients of
inputs and parameters, train/eval, repr, and state_dict interchange."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
from conftest import close, from_torch, to_torch

import trueno.nn as nn
import trueno.nn.init as init
import trueno.torch as torch


def _seeded(make_tn, make_t, seed=0):
    torch.manual_seed(seed)
    a = make_tn(nn)
    T.manual_seed(seed)
    b = make_t(T.nn)
    return a, b


def _same_params(a, b):
    na, nb = dict(a.named_parameters()), dict(b.named_parameters())
    assert list(na) == list(nb)
    for k in na:
        assert tuple(na[k].shape) == tuple(nb[k].shape), k
        np.testing.assert_array_equal(np.asarray(na[k].detach()), nb[k].detach().numpy(),
                                      err_msg=k)


LAYERS = [
    ("Linear", lambda m: m.Linear(5, 3), (4, 5)),
    ("Linear_nobias_3d", lambda m: m.Linear(5, 3, bias=False), (2, 4, 5)),
    ("Bilinear", None, None),
    ("LayerNorm", lambda m: m.LayerNorm((3, 5)), (2, 3, 5)),
    ("LayerNorm_noaffine", lambda m: m.LayerNorm(5, elementwise_affine=False), (4, 5)),
    ("Flatten", lambda m: m.Flatten(), (2, 3, 4)),
    ("Unflatten", lambda m: m.Unflatten(1, (2, 3)), (4, 6)),
    ("Identity", lambda m: m.Identity(7, k=1), (4, 6)),
    ("ReLU", lambda m: m.ReLU(), (4, 6)),
    ("GELU_tanh", lambda m: m.GELU("tanh"), (4, 6)),
    ("SiLU", lambda m: m.SiLU(), (4, 6)),
    ("Sigmoid", lambda m: m.Sigmoid(), (4, 6)),
    ("Tanh", lambda m: m.Tanh(), (4, 6)),
    ("Softmax", lambda m: m.Softmax(dim=-1), (4, 6)),
    ("LogSoftmax", lambda m: m.LogSoftmax(1), (4, 6)),
    ("LeakyReLU", lambda m: m.LeakyReLU(0.1), (4, 6)),
    ("ELU", lambda m: m.ELU(), (4, 6)),
    ("Softplus", lambda m: m.Softplus(beta=2), (4, 6)),
    ("Dropout", lambda m: m.Dropout(0.3), (4, 6)),
]


@pytest.mark.parametrize("name,make,shape", [c for c in LAYERS if c[1]],
                         ids=[c[0] for c in LAYERS if c[1]])
@pytest.mark.parametrize("training", [True, False])
def test_layer_matches_pytorch(name, make, shape, training, dtype):
    a, b = _seeded(make, make)
    _same_params(a, b)  # same seed -> bit-identical initial parameters
    if dtype == "float64":
        a.double()
        b.double()
    a.train(training)
    b.train(training)
    x = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    xa, xb = torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()
    torch.manual_seed(5)
    T.manual_seed(5)
    ya, yb = a(xa), b(xb)
    close(ya, yb, dtype)
    g = np.random.default_rng(2).standard_normal(tuple(yb.shape)).astype(dtype)
    (ya * torch.tensor(g)).sum().backward()
    (yb * T.tensor(g)).sum().backward()
    close(xa.grad, xb.grad, dtype, 10)
    for (ka, pa), (kb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert ka == kb
        close(pa.grad, pb.grad, dtype, 10)
    assert repr(a) == repr(b)


def test_bilinear_and_embedding_init_and_grads(dtype):
    a, b = _seeded(lambda m: m.Bilinear(3, 4, 2), lambda m: m.Bilinear(3, 4, 2))
    _same_params(a, b)
    assert repr(a) == repr(b)
    a, b = _seeded(lambda m: m.Embedding(7, 3, padding_idx=-2),
                   lambda m: m.Embedding(7, 3, padding_idx=-2))
    _same_params(a, b)
    assert repr(a) == repr(b) == "Embedding(7, 3, padding_idx=5)"
    if dtype == "float64":
        a.double()
        b.double()
    idx = np.array([[1, 5, 5], [0, 6, 1]])
    ya, yb = a(torch.tensor(idx)), b(T.tensor(idx))
    close(ya, yb, dtype)
    (ya * ya).sum().backward()
    (yb * yb).sum().backward()
    close(a.weight.grad, b.weight.grad, dtype)
    assert not np.asarray(a.weight.grad)[5].any()


def test_linear_weights_equal_pytorch_bit_for_bit():
    for seed in (0, 1, 123):
        a, b = _seeded(lambda m: m.Linear(3, 4), lambda m: m.Linear(3, 4), seed)
        _same_params(a, b)
        a, b = _seeded(lambda m: m.Linear(64, 33), lambda m: m.Linear(64, 33), seed)
        _same_params(a, b)


INITS = [
    ("uniform_", lambda i, t: i.uniform_(t, -0.3, 0.7)),
    ("normal_", lambda i, t: i.normal_(t, 0.5, 2.0)),
    ("constant_", lambda i, t: i.constant_(t, 0.25)),
    ("ones_", lambda i, t: i.ones_(t)),
    ("zeros_", lambda i, t: i.zeros_(t)),
    ("eye_", lambda i, t: i.eye_(t)),
    ("xavier_uniform_", lambda i, t: i.xavier_uniform_(t, gain=2.0)),
    ("xavier_normal_", lambda i, t: i.xavier_normal_(t)),
    ("kaiming_uniform_", lambda i, t: i.kaiming_uniform_(t, a=0.1, mode="fan_out")),
    ("kaiming_normal_", lambda i, t: i.kaiming_normal_(t, nonlinearity="relu")),
]


@pytest.mark.parametrize("name,fn", INITS, ids=[c[0] for c in INITS])
def test_init_matches_pytorch_bit_for_bit(name, fn, dtype):
    torch.manual_seed(7)
    T.manual_seed(7)
    dt = getattr(torch, dtype)
    a = fn(init, torch.empty(6, 5, dtype=dt))
    b = fn(T.nn.init, T.empty(6, 5, dtype=getattr(T, dtype)))
    np.testing.assert_array_equal(np.asarray(a), b.numpy())


def test_trunc_normal_and_dirac_and_gain():
    torch.manual_seed(2)
    T.manual_seed(2)
    for args in ((0.1, 0.5, -0.4, 0.9), (0.0, 1.0, 1.5, 2.5)):  # redraw, and rejection
        a = init.trunc_normal_(torch.empty(40, 30), *args)
        b = T.nn.init.trunc_normal_(T.empty(40, 30), *args)
        np.testing.assert_array_equal(np.asarray(a), b.numpy())
        assert float(a.min()) >= args[2] and float(a.max()) <= args[3]
    np.testing.assert_array_equal(np.asarray(init.dirac_(torch.empty(4, 2, 3, 3), groups=2)),
                                  T.nn.init.dirac_(T.empty(4, 2, 3, 3), groups=2).numpy())
    for nl, p in [("linear", None), ("tanh", None), ("relu", None), ("leaky_relu", 0.2),
                  ("selu", None), ("conv2d", None), ("sigmoid", None)]:
        assert init.calculate_gain(nl, p) == T.nn.init.calculate_gain(nl, p)
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(torch.empty(3))


class _MLP:
    @staticmethod
    def make(m):
        return m.Sequential(m.Linear(4, 8), m.LayerNorm(8), m.GELU(), m.Dropout(0.1),
                            m.Linear(8, 3))


def test_state_dict_round_trip_and_interchange_with_pytorch():
    torch.manual_seed(0)
    ours = _MLP.make(nn)
    T.manual_seed(1)  # a different init, then load ours into it and back
    ref = _MLP.make(T.nn)
    sd = ours.state_dict()
    assert list(sd) == list(ref.state_dict())
    assert ref.load_state_dict({k: to_torch(v) for k, v in sd.items()}) is not None
    ours.eval()
    ref.eval()
    x = np.random.default_rng(0).standard_normal((5, 4)).astype("float32")
    close(ours(torch.tensor(x)), ref(T.tensor(x)), "float32")
    # and back: PyTorch's state_dict into a fresh trueno model
    T.manual_seed(3)
    ref2 = _MLP.make(T.nn).eval()
    torch.manual_seed(4)
    ours2 = _MLP.make(nn).eval()
    res = ours2.load_state_dict({k: from_torch(v) for k, v in ref2.state_dict().items()})
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert repr(res) == "<All keys matched successfully>"
    close(ours2(torch.tensor(x)), ref2(T.tensor(x)), "float32")
    # round trip within trueno; state_dict tensors are detached plain tensors on shared storage
    sd2 = ours2.state_dict()
    assert all(type(v) is torch.Tensor and not v.requires_grad for v in sd2.values())
    ours.load_state_dict(sd2)
    close(ours(torch.tensor(x)), ref2(T.tensor(x)), "float32")


def test_state_dict_files_interchange_with_pytorch(tmp_path):
    """trueno's torch.save of a state_dict loads in PyTorch's torch.load and back."""
    torch.manual_seed(0)
    ours = _MLP.make(nn).eval()
    T.manual_seed(1)
    ref = _MLP.make(T.nn).eval()
    torch.save(ours.state_dict(), tmp_path / "ours.pt")
    assert repr(ref.load_state_dict(T.load(tmp_path / "ours.pt"))) == \
        "<All keys matched successfully>"
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    close(ours(torch.tensor(x)), ref(T.tensor(x)), "float32")
    T.manual_seed(2)
    ref2 = _MLP.make(T.nn).eval()
    T.save(ref2.state_dict(), tmp_path / "ref.pt")
    ours.load_state_dict(torch.load(tmp_path / "ref.pt"))
    close(ours(torch.tensor(x)), ref2(T.tensor(x)), "float32")
