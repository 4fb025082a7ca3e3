"""Training equivalence with PyTorch 2.13 for a small encoder-decoder built from the spatial
layers (InstanceNorm2d, Dropout2d, MaxPool2d with indices and MaxUnpool2d, ConvTranspose2d,
Upsample, EmbeddingBag features): the same seed gives the same initial weights and dropout
masks, SGD steps give the same losses and final weights, and the state_dict loads into
PyTorch."""

from __future__ import annotations

import numpy as np
import torch as T

import trueno.nn.functional as F
import trueno.optim as optim
import trueno.torch as torch


def _build(lib):
    """The same network from ``lib`` (``torch`` or ``trueno.torch``)."""
    m = lib.nn
    class Net(m.Module):
        def __init__(self):
            super().__init__()
            self.enc = m.Conv2d(2, 4, 3, padding=1)
            self.norm = m.InstanceNorm2d(4, affine=True, track_running_stats=True)
            self.drop = m.Dropout2d(0.25)
            self.pool = m.MaxPool2d(2, return_indices=True)
            self.unpool = m.MaxUnpool2d(2)
            self.up = m.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1)
            self.resize = m.Upsample(size=(8, 8), mode="bilinear", align_corners=False)
            self.bag = m.EmbeddingBag(6, 3, mode="mean")
            self.head = m.Conv2d(6, 1, 1)

        def forward(self, x, tokens):
            h = self.drop(self.norm(self.enc(x)).relu())
            p, idx = self.pool(h)
            u = self.unpool(p, idx)  # (N, 4, 8, 8)
            d = self.up(p)  # (N, 3, 8, 8)
            feat = self.bag(tokens).reshape(x.shape[0], 3, 1, 1)
            z = self.resize(d) + feat
            return self.head(lib.cat([u[:, :3], z], 1))
    return Net()


def test_encoder_decoder_training_matches_pytorch():
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((4, 2, 2, 8, 8))
    toks = rng.integers(0, 6, (4, 2, 3))
    targets = rng.standard_normal((4, 2, 1, 8, 8))
    T.manual_seed(0)
    ref = _build(T).double()
    torch.manual_seed(0)
    mine = _build(torch).double()
    for (ka, pa), (kb, pb) in zip(mine.state_dict().items(), ref.state_dict().items(),
                                  strict=True):
        assert ka == kb
        np.testing.assert_array_equal(np.asarray(pa), pb.numpy())
    opt_a = optim.SGD(mine.parameters(), lr=0.05, momentum=0.9)
    opt_b = T.optim.SGD(ref.parameters(), lr=0.05, momentum=0.9)
    T.manual_seed(1)
    torch.manual_seed(1)
    for x, tok, y in zip(xs, toks, targets, strict=True):
        la = F.mse_loss(mine(torch.tensor(x), torch.tensor(tok)), torch.tensor(y))
        lb = T.nn.functional.mse_loss(ref(T.tensor(x), T.tensor(tok)), T.tensor(y))
        np.testing.assert_allclose(float(la), float(lb.detach()), rtol=1e-10)
        opt_a.zero_grad()
        opt_b.zero_grad()
        la.backward()
        lb.backward()
        opt_a.step()
        opt_b.step()
    for pa, pb in zip(mine.state_dict().values(), ref.state_dict().values(), strict=True):
        np.testing.assert_allclose(np.asarray(pa), pb.numpy(), rtol=1e-9, atol=1e-12)
    fresh = _build(T).double()
    fresh.load_state_dict({k: T.tensor(np.asarray(v).copy())
                           for k, v in mine.state_dict().items()})
    mine.eval()
    fresh.eval()
    x, tok = xs[0], toks[0]
    np.testing.assert_allclose(np.asarray(mine(torch.tensor(x), torch.tensor(tok)).detach()),
                               fresh(T.tensor(x), T.tensor(tok)).detach().numpy(), rtol=1e-10)
