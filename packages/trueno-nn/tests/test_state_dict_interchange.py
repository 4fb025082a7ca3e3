"""state_dict interchange with PyTorch 2.13 both ways (issue 16's proof) for a small CNN (conv,
BatchNorm with trained running statistics, pooling, linear), a 2-layer bidirectional LSTM and
a full nn.Transformer: PyTorch's state_dict (converted tensors) loads into trueno's model,
trueno's loads into PyTorch's with strict=True, with the same keys and dtypes, and the two
models then give the same outputs. The CNN also goes through files (torch.save/torch.load of
each library read by the other). The MLP and the encoder are in test_layers/test_transformer.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch as T
from conftest import close, from_torch, to_torch

import trueno.torch as torch

_rng = np.random.default_rng(16)
CNN_X = _rng.standard_normal((4, 2, 8, 8)).astype("float32")
SEQ_X = _rng.standard_normal((3, 6, 5)).astype("float32")     # (N, L, features)
SRC = _rng.standard_normal((7, 2, 8)).astype("float32")
TGT = _rng.standard_normal((5, 2, 8)).astype("float32")


def build_cnn(mod):
    nn = mod.nn
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(4, 6, 3, groups=2, bias=False),
                         nn.BatchNorm2d(6, momentum=None), nn.Flatten(),
                         nn.Linear(6 * 2 * 2, 3))


def build_lstm(mod):
    nn = mod.nn

    class Tagger(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(5, 4, num_layers=2, batch_first=True, bidirectional=True)
            self.head = nn.Linear(8, 2)

        def forward(self, x):
            out, (h, c) = self.lstm(x)
            return self.head(out), h, c

    return Tagger()


def build_transformer(mod):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's nested-tensor notice
        return mod.nn.Transformer(8, 2, 2, 1, 16, dropout=0.1)


BUILD = {"cnn": build_cnn, "lstm": build_lstm, "transformer": build_transformer}


def _run(mod, model, kind):
    if kind == "cnn":
        return (model(mod.tensor(CNN_X)),)
    if kind == "lstm":
        return model(mod.tensor(SEQ_X))
    mask = mod.nn.Transformer.generate_square_subsequent_mask(TGT.shape[0])
    return (model(mod.tensor(SRC), mod.tensor(TGT), tgt_mask=mask),)


def _prepared(mod, kind, seed):
    """A model from ``seed``; the CNN's BatchNorms get running statistics from 2 train steps."""
    mod.manual_seed(seed)
    model = BUILD[kind](mod)
    if kind == "cnn":
        with mod.no_grad():
            for _ in range(2):
                model(mod.tensor(CNN_X) * 2 + 1)
    return model.eval()


def _same_outputs(ours, ref, kind):
    with torch.no_grad(), T.no_grad():
        for a, b in zip(_run(torch, ours, kind), _run(T, ref, kind), strict=True):
            close(a, b, "float32", 10)


@pytest.mark.parametrize("kind", list(BUILD))
def test_pytorch_state_dict_loads_into_trueno(kind):
    ref = _prepared(T, kind, 1)
    ours = _prepared(torch, kind, 2)
    sd = ref.state_dict()
    assert list(ours.state_dict()) == list(sd)
    res = ours.load_state_dict({k: from_torch(v) for k, v in sd.items()}, strict=True)
    assert repr(res) == "<All keys matched successfully>"
    for k, v in ours.state_dict().items():
        assert str(v.dtype) == str(sd[k].dtype), k
        np.testing.assert_array_equal(np.asarray(v), sd[k].numpy(), err_msg=k)
    _same_outputs(ours, ref, kind)


@pytest.mark.parametrize("kind", list(BUILD))
def test_trueno_state_dict_loads_into_pytorch(kind):
    ours = _prepared(torch, kind, 3)
    ref = _prepared(T, kind, 4)
    sd = ours.state_dict()
    assert list(ref.state_dict()) == list(sd)
    res = ref.load_state_dict({k: to_torch(v) for k, v in sd.items()}, strict=True)
    assert not res.missing_keys and not res.unexpected_keys
    for k, v in ref.state_dict().items():
        assert str(v.dtype) == str(sd[k].dtype), k
        np.testing.assert_array_equal(v.numpy(), np.asarray(sd[k]), err_msg=k)
    _same_outputs(ours, ref, kind)


def test_cnn_state_dict_files_interchange(tmp_path):
    ours = _prepared(torch, "cnn", 5)
    ref = _prepared(T, "cnn", 6)
    torch.save(ours.state_dict(), tmp_path / "ours.pt")
    ref.load_state_dict(T.load(tmp_path / "ours.pt"), strict=True)
    assert int(ref[5].num_batches_tracked) == 2
    _same_outputs(ours, ref, "cnn")
    ref2 = _prepared(T, "cnn", 7)
    T.save(ref2.state_dict(), tmp_path / "ref.pt")
    ours.load_state_dict(torch.load(tmp_path / "ref.pt"), strict=True)
    _same_outputs(ours, ref2, "cnn")
