"""Training equivalence with PyTorch 2.13 for a small CNN (conv-bn-relu-pool-linear) and a small
LSTM classifier (issue 17's proof): 50 steps of each optimizer with a scheduler and gradient
clipping, from the same initial weights on the same batches, float32 and float64: losses step
by step and the final state (weights and BatchNorm's running statistics) agree (float32 to
1e-4, float64 to 1e-10). Then the same from the seed alone (``manual_seed(0)``, data from
``randn``, a shuffling DataLoader), and the CNN on the GPU device.

The convolution has no bias, as usual before a BatchNorm: BatchNorm removes a per-channel
constant, so that bias's true gradient is 0 and what backward leaves in it is rounding noise,
which Adam-like optimizers (dividing by its root mean square) turn into steps of size ``lr``
in a direction that no two libraries share.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
import torch.utils.data as T_data

import trueno.torch as torch
import trueno.torch.utils.data as data

STEPS = 50
BATCH = 8
_rng = np.random.default_rng(17)
CNN_X = _rng.standard_normal((STEPS, BATCH, 1, 8, 8))
CNN_Y = np.argmax(CNN_X.reshape(STEPS, BATCH, 64) @ _rng.standard_normal((64, 3)), axis=-1)
LSTM_X = _rng.integers(0, 10, (STEPS, BATCH, 7))
LSTM_Y = LSTM_X[..., -1] % 3      # the last token's residue mod 3

SETUPS = [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
     "CosineAnnealingLR", dict(T_max=STEPS)),
    ("Adam", dict(lr=0.02, amsgrad=True), "StepLR", dict(step_size=10, gamma=0.5)),
    ("AdamW", dict(lr=0.01, weight_decay=0.05), "OneCycleLR",
     dict(max_lr=0.02, total_steps=STEPS)),
    ("RMSprop", dict(lr=0.003, momentum=0.5, centered=True), "LinearLR",
     dict(start_factor=0.5, total_iters=20)),
    ("Adagrad", dict(lr=0.05, lr_decay=1e-3), "ExponentialLR", dict(gamma=0.98)),
    ("NAdam", dict(lr=0.03, weight_decay=1e-3), "MultiStepLR",
     dict(milestones=[20, 35], gamma=0.3)),
    ("RAdam", dict(lr=0.05), "CosineAnnealingWarmRestarts", dict(T_0=25)),
]


def build_cnn(mod, p: float = 0.0):
    """Conv(no bias)-BatchNorm-ReLU-MaxPool-Linear on (N, 1, 8, 8), 3 classes (with dropout
    ``p`` before the linear layer if ``p``)."""
    nn = mod.nn
    layers = [nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3)]
    return nn.Sequential(*layers[:-1], *([nn.Dropout(p)] if p else []), layers[-1])


def build_lstm(mod, p: float = 0.0):
    """Embedding-LSTM-Linear on token sequences (N, L), classifying from the last hidden state
    (with dropout ``p`` before the linear layer if ``p``)."""
    nn = mod.nn

    class LSTMClassifier(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(10, 6)
            self.lstm = nn.LSTM(6, 8, batch_first=True)
            self.drop = nn.Dropout(p) if p else nn.Identity()
            self.fc = nn.Linear(8, 3)

        def forward(self, x):
            _, (h, _) = self.lstm(self.emb(x))
            return self.fc(self.drop(h[-1]))

    return LSTMClassifier()


@pytest.fixture(autouse=True, scope="module")
def _torch_on_one_thread():
    """PyTorch's tiny ops gain nothing from threads, and its OpenMP pool spinning against
    trueno's (and other jobs') threads makes a run up to 50x slower on 2 busy cores."""
    before = T.get_num_threads()
    T.set_num_threads(1)
    yield
    T.set_num_threads(before)


BUILD = {"cnn": build_cnn, "lstm": build_lstm}
DATA = {"cnn": (CNN_X, CNN_Y), "lstm": (LSTM_X, LSTM_Y)}


def _numpy(t) -> np.ndarray:
    return t.detach().numpy() if isinstance(t, T.Tensor) else np.asarray(t.detach().to("cpu"))


def _models(kind: str, dtype: str):
    T.manual_seed(0)
    ref = BUILD[kind](T).to(getattr(T, dtype))
    mine = BUILD[kind](torch).to(getattr(torch, dtype))
    mine.load_state_dict({k: torch.tensor(v.numpy().copy()) for k, v in ref.state_dict().items()})
    return ref, mine


def _train(mod, model, batches, opt_name, opt_kw, sched_name, sched_kw, dtype, device="cpu"):
    """Train on ``batches`` ((x, y) pairs of the framework's tensors); the losses and state."""
    opt = getattr(mod.optim, opt_name)(model.parameters(), **opt_kw)
    sched = getattr(mod.optim.lr_scheduler, sched_name)(opt, **sched_kw)
    loss_fn = mod.nn.CrossEntropyLoss()
    losses = []
    for x, y in batches:
        if x.is_floating_point():
            x = x.to(getattr(mod, dtype))
        opt.zero_grad()
        loss = loss_fn(model(x.to(device)), y.to(device))
        loss.backward()
        mod.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss.detach().to("cpu")))
    return np.asarray(losses), {k: _numpy(v) for k, v in model.state_dict().items()}


def _assert_same(got, want, tol: float) -> None:
    got_losses, got_state = got
    want_losses, want_state = want
    np.testing.assert_allclose(got_losses, want_losses, rtol=tol)
    assert sorted(got_state) == sorted(want_state)
    for k, b in want_state.items():
        assert got_state[k].dtype == b.dtype, k
        scale = max(float(np.abs(b).max()), 1.0)
        np.testing.assert_allclose(got_state[k], b, rtol=0, atol=tol * scale, err_msg=k)


@pytest.mark.parametrize("kind", ["cnn", "lstm"])
@pytest.mark.parametrize(("opt_name", "opt_kw", "sched_name", "sched_kw"), SETUPS,
                         ids=[s[0] for s in SETUPS])
def test_training_matches_torch(kind, opt_name, opt_kw, sched_name, sched_kw, dtype) -> None:
    ref, mine = _models(kind, dtype)
    xs, ys = DATA[kind]
    args = (opt_name, opt_kw, sched_name, sched_kw, dtype)
    want = _train(T, ref, [(T.tensor(x), T.tensor(y)) for x, y in zip(xs, ys)], *args)
    got = _train(torch, mine, [(torch.tensor(x), torch.tensor(y)) for x, y in zip(xs, ys)],
                 *args)
    _assert_same(got, want, 1e-10 if dtype == "float64" else 1e-4)
    assert np.mean(want[0][-10:]) < 0.95 * np.mean(want[0][:10])      # it did train
    # inference (BatchNorm from its running statistics) agrees too
    x = xs[0].astype(dtype) if kind == "cnn" else xs[0]
    np.testing.assert_allclose(_numpy(mine.eval()(torch.tensor(x))),
                               _numpy(ref.eval()(T.tensor(x))),
                               rtol=0, atol=1e-10 if dtype == "float64" else 1e-4)


def _from_seed(mod, data_mod, kind: str):
    """Everything from ``manual_seed(0)``: the data, the initial weights, the batch order, and
    (in training) the dropout masks."""
    mod.manual_seed(0)
    if kind == "cnn":
        x = mod.randn(80, 1, 8, 8)
        y = (x.flatten(1) @ mod.randn(64, 3)).argmax(1)
    else:
        x = mod.randint(0, 10, (80, 7))
        y = x[:, -1] % 3
    model = BUILD[kind](mod, p=0.2)
    init = {k: _numpy(v).copy() for k, v in model.state_dict().items()}
    loader = data_mod.DataLoader(data_mod.TensorDataset(x, y), batch_size=BATCH, shuffle=True)
    batches = [b for _ in range(STEPS * BATCH // len(x)) for b in loader]   # 5 epochs, reshuffled
    return model, init, batches


@pytest.mark.parametrize("kind", ["cnn", "lstm"])
def test_training_from_the_same_seed_alone_matches_torch(kind) -> None:
    ref, ref_init, ref_batches = _from_seed(T, T_data, kind)
    mine, init, batches = _from_seed(torch, data, kind)
    for k, v in ref_init.items():       # torch's initialisation, bit for bit
        np.testing.assert_array_equal(init[k], v, err_msg=k)
    assert len(batches) == len(ref_batches) == STEPS
    for (x, y), (rx, ry) in zip(batches, ref_batches):    # the same data in the same order
        np.testing.assert_array_equal(_numpy(x), _numpy(rx))
        np.testing.assert_array_equal(_numpy(y), _numpy(ry))
    args = ("Adam", dict(lr=0.01), "StepLR", dict(step_size=20, gamma=0.5), "float32")
    _assert_same(_train(torch, mine, batches, *args), _train(T, ref, ref_batches, *args), 1e-4)


def _gpu_available() -> bool:
    try:
        import trueno_gpu
    except ImportError:
        return False
    return bool(trueno_gpu.is_available())


@pytest.mark.skipif(not _gpu_available(), reason="trueno-gpu finds no GPU adapter")
def test_cnn_training_on_gpu_matches_torch() -> None:
    ref, mine = _models("cnn", "float32")
    mine.to("gpu")
    assert mine[0].weight.device.type != "cpu"
    n = 10
    args = ("SGD", dict(lr=0.05, momentum=0.9), "StepLR", dict(step_size=5, gamma=0.5), "float32")
    want = _train(T, ref, [(T.tensor(x), T.tensor(y)) for x, y in zip(CNN_X[:n], CNN_Y[:n])],
                  *args)
    got = _train(torch, mine, [(torch.tensor(x), torch.tensor(y))
                               for x, y in zip(CNN_X[:n], CNN_Y[:n])], *args, device="gpu")
    assert mine[0].weight.device.type != "cpu"
    _assert_same(got, want, 1e-4)
