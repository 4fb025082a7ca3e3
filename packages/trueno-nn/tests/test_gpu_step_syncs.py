"""A training step on the GPU device reads the device back only where PyTorch CUDA does.

A download (``.item()``, ``float(t)``, ``bool(t)``, a host check of a device value) stalls a
real GPU's queue; PyTorch's step makes none, except GradScaler's one ``.item()`` per step
(``_maybe_opt_step``) and ReduceLROnPlateau's ``float(metrics)`` of a tensor loss. These tests
count ``Runtime.download`` and ``Runtime.synchronize`` calls during steps 2 and 3 of training
runs (step 1 may create state) and compare the losses with the same run on the CPU.

Skipped only when trueno-gpu finds no adapter (lavapipe in CI).
"""

from __future__ import annotations

import numpy as np
import pytest

import trueno.optim as optim
import trueno.torch as torch
from trueno.amp import GradScaler

trueno_gpu = pytest.importorskip("trueno_gpu")
if not trueno_gpu.is_available():
    pytest.skip("no GPU adapter for trueno-gpu", allow_module_level=True)

from trueno_gpu import _runtime  # noqa: E402

nn = torch.nn
F = nn.functional
_rng = np.random.default_rng(11)
X_MLP = _rng.standard_normal((8, 20)).astype("float32")
X_CNN = _rng.standard_normal((4, 1, 8, 8)).astype("float32")
LABELS = _rng.integers(0, 5, 8)
ONE_HOT = np.eye(5, dtype="float32")[LABELS]


def _mlp():
    return nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                         nn.Linear(16, 5))


def _cnn(pool=nn.AvgPool2d):
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), pool(2),
                         nn.Flatten(), nn.Linear(4 * 4 * 4, 5))


def _sgd(ps):
    return optim.SGD(ps, lr=0.05, momentum=0.9)


def _adam(ps):
    return optim.Adam(ps, lr=0.01)


class _Counter:
    """Counts downloads, waits, uploads and recorded launches of every trueno-gpu Runtime
    while ``on``."""

    def __init__(self, monkeypatch) -> None:
        self.on = False
        self.downloads = 0
        self.syncs = 0
        self.uploads = 0
        down, sync = _runtime.Runtime.download, _runtime.Runtime.synchronize
        up, rec = _runtime.Runtime.upload, _runtime.Runtime.record
        self.records = 0

        def record(rt, *a, **k):
            self.records += self.on
            return rec(rt, *a, **k)

        def upload(rt, *a, **k):
            self.uploads += self.on
            return up(rt, *a, **k)

        def download(rt, *a, **k):
            self.downloads += self.on
            return down(rt, *a, **k)

        def synchronize(rt, *a, **k):
            self.syncs += self.on
            return sync(rt, *a, **k)

        monkeypatch.setattr(_runtime.Runtime, "download", download)
        monkeypatch.setattr(_runtime.Runtime, "synchronize", synchronize)
        monkeypatch.setattr(_runtime.Runtime, "upload", upload)
        monkeypatch.setattr(_runtime.Runtime, "record", record)


def _run(dev: str, counter: _Counter | None, make, x: np.ndarray, opt_fn, *, loss="mse",
         clip: bool = False, sched=None, amp: bool = False, set_to_none: bool = True,
         steps: int = 3) -> tuple[list[float], list[tuple[int, int]]]:
    """Losses of ``steps`` training steps on ``dev`` and (downloads, syncs) of each step."""
    torch.manual_seed(0)
    model = make().to(dev)
    opt = opt_fn(model.parameters())
    scheduler = sched(opt) if sched is not None else None
    scaler = GradScaler(dev, init_scale=256.0) if amp else None
    xt = torch.tensor(x).to(dev)
    target = torch.tensor(ONE_HOT[:len(x)] if loss == "mse" else LABELS[:len(x)]).to(dev)
    lossf = nn.MSELoss() if loss == "mse" else nn.CrossEntropyLoss()
    losses, counts = [], []
    for _ in range(steps):
        if counter is not None:
            counter.downloads = counter.syncs = 0
            counter.on = True
        opt.zero_grad(set_to_none=set_to_none)
        if amp:
            with torch.autocast(dev, dtype=torch.bfloat16):
                out = model(xt)
            value = lossf(out.float(), target)
            scaler.scale(value).backward()
            scaler.step(opt)
            scaler.update()
        else:
            value = lossf(model(xt), target)
            value.backward()
            if clip:
                optim.clip_grad_norm_(model.parameters(), 0.5)
            opt.step()
        if scheduler is not None:
            if isinstance(scheduler, optim.lr_scheduler.ReduceLROnPlateau):
                scheduler.step(value)
            else:
                scheduler.step()
        if counter is not None:
            counter.on = False
            counts.append((counter.downloads, counter.syncs))
        losses.append(value.detach())
    return [float(v) for v in losses], counts


def _step_lr(o):
    return optim.lr_scheduler.StepLR(o, 1, gamma=0.5)


def _one_cycle(o):
    return optim.lr_scheduler.OneCycleLR(o, 0.1, total_steps=10)


def _plateau(o):
    return optim.lr_scheduler.ReduceLROnPlateau(o, patience=0)


# (name, model, input, optimizer, options, downloads per step as PyTorch CUDA makes)
CONFIGS = [
    ("mlp-sgd", _mlp, X_MLP, _sgd, {}, 0),
    ("mlp-adam", _mlp, X_MLP, _adam, {}, 0),
    ("mlp-sgd-zero-grads", _mlp, X_MLP, _sgd, dict(set_to_none=False), 0),
    ("cnn-adam", _cnn, X_CNN, _adam, {}, 0),
    ("cnn-adam-zero-grads", _cnn, X_CNN, _adam, dict(set_to_none=False), 0),
    # max_pool2d off the CPU picks the first maximum by a mask, not by gather
    ("cnn-adam-maxpool", lambda: _cnn(nn.MaxPool2d), X_CNN, _adam, {}, 0),
    ("mlp-adam-clip", _mlp, X_MLP, _adam, dict(clip=True), 0),
    ("mlp-sgd-steplr", _mlp, X_MLP, _sgd, dict(sched=_step_lr), 0),
    ("mlp-sgd-onecycle", _mlp, X_MLP, _sgd, dict(sched=_one_cycle), 0),
    ("mlp-adam-onecycle", _mlp, X_MLP, _adam, dict(sched=_one_cycle), 0),
    # ReduceLROnPlateau.step(loss) reads the tensor with float(), as PyTorch's does
    ("mlp-sgd-plateau", _mlp, X_MLP, _sgd, dict(sched=_plateau), 1),
    # GradScaler: one .item() of the found-inf flag per step (PyTorch's _maybe_opt_step)
    ("mlp-sgd-gradscaler", _mlp, X_MLP, _sgd, dict(amp=True), 1),
    ("cnn-adam-gradscaler", _cnn, X_CNN, _adam, dict(amp=True), 1),
]


@pytest.mark.parametrize(("name", "make", "x", "opt_fn", "opts", "want"), CONFIGS,
                         ids=[c[0] for c in CONFIGS])
def test_step_downloads_as_pytorch(monkeypatch, name, make, x, opt_fn, opts, want) -> None:
    counter = _Counter(monkeypatch)
    gpu_losses, counts = _run("gpu", counter, make, x, opt_fn, **opts)
    cpu_losses, _ = _run("cpu", None, make, x, opt_fn, **opts)
    # step 1 may create optimizer state; from step 2 on the count is the steady state
    assert counts[1:] == [(want, 0)] * 2, counts
    tol = 2e-2 if opts.get("amp") else 1e-4
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=tol, atol=1e-5)
    assert gpu_losses[2] < gpu_losses[0]  # it trains


def test_gradscaler_skips_an_inf_step_with_one_download(monkeypatch) -> None:
    """An inf gradient on the device: the step is skipped after one read, update backs the
    scale off without another, as PyTorch's GradScaler (values as on the CPU)."""
    counter = _Counter(monkeypatch)
    results = {}
    for dev in ("cpu", "gpu"):
        w = torch.tensor(np.arange(1.0, 7.0, dtype="float32").reshape(2, 3)).to(dev)
        w.requires_grad_(True)
        b = torch.tensor(np.float32(0.5)).to(dev).requires_grad_(True)  # a second gradient
        opt = optim.SGD([w, b], lr=0.1)
        scaler = GradScaler(dev, init_scale=8.0, growth_interval=1)
        scales, weights, downloads = [], [], []
        for big in (False, True, False):
            counter.downloads, counter.on = 0, dev == "gpu"
            opt.zero_grad()
            loss = ((w * w).sum() + b) * (3e38 if big else 1.0)  # inf times scale when big
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            counter.on = False
            downloads.append(counter.downloads)
            scales.append(scaler.get_scale())
            weights.append(np.array(w.detach().to("cpu"), copy=True))
        results[dev] = (scales, weights, downloads)
    cpu_scales, cpu_weights, _ = results["cpu"]
    gpu_scales, gpu_weights, gpu_downloads = results["gpu"]
    assert cpu_scales == gpu_scales == [16.0, 8.0, 16.0]
    assert gpu_downloads == [1, 1, 1]
    np.testing.assert_array_equal(cpu_weights[1], cpu_weights[0])  # the inf step: skipped
    np.testing.assert_allclose(cpu_weights[2], cpu_weights[0] * 0.8, rtol=1e-6)
    for a, b in zip(gpu_weights, cpu_weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_zero_grad_keeps_the_grad_tensors_on_the_device(monkeypatch) -> None:
    """zero_grad(set_to_none=False) zeroes the same gradient tensors in place (NaN and inf
    included), for Module and Optimizer, without uploading a host zero per tensor."""
    counter = _Counter(monkeypatch)
    model = _mlp().to("gpu")
    opt = _sgd(model.parameters())
    for zero in (model.zero_grad, opt.zero_grad):
        model(torch.tensor(X_MLP).to("gpu")).sum().backward()
        grads = [p.grad for p in model.parameters()]
        grads[0][0, 0] = float("nan")
        grads[1][0] = float("inf")
        versions = [g._version[0] for g in grads]
        counter.uploads, counter.downloads, counter.on = 0, 0, True
        zero(set_to_none=False)
        counter.on = False
        assert (counter.uploads, counter.downloads) == (0, 0)
        for p, g, v in zip(model.parameters(), grads, versions, strict=True):
            assert p.grad is g
            assert g._version[0] > v
            assert str(g.device) == str(p.device)
            np.testing.assert_array_equal(np.asarray(g.to("cpu")), np.zeros(tuple(g.shape)))


# cross_entropy's nll gathers the target classes: on the GPU the gather checks its index on
# the device (trueno-gpu's _index_checks) instead of reading it back, so the step makes no
# download, as PyTorch CUDA's
GATHER = [
    ("mlp-sgd-cross-entropy", _mlp, X_MLP, _sgd, dict(loss="ce"), 0),
    ("mlp-adam-cross-entropy", _mlp, X_MLP, _adam, dict(loss="ce"), 0),
    ("cnn-adam-cross-entropy", _cnn, X_CNN, _adam, dict(loss="ce"), 0),
]


@pytest.mark.parametrize(("name", "make", "x", "opt_fn", "opts", "want"), GATHER,
                         ids=[c[0] for c in GATHER])
def test_step_downloads_gather(monkeypatch, name, make, x, opt_fn, opts, want) -> None:
    test_step_downloads_as_pytorch(monkeypatch, name, make, x, opt_fn, opts, want)


def test_gather_out_of_range_raises_at_the_next_sync(monkeypatch) -> None:
    """A target class out of range: no download at the call (the step goes on, as with
    PyTorch CUDA), and the next read of the loss raises an IndexError that is also a
    RuntimeError and names the op and the target; the sync after it is clean again."""
    counter = _Counter(monkeypatch)
    model = _mlp().to("gpu")
    xt = torch.tensor(X_MLP).to("gpu")
    bad = LABELS.copy()
    bad[3] = 5  # 5 classes: 0..4
    target = torch.tensor(bad).to("gpu")
    counter.on = True
    loss = F.cross_entropy(model(xt), target)
    loss.backward()
    counter.on = False
    assert (counter.downloads, counter.syncs) == (0, 0)
    with pytest.raises(IndexError, match=r"cross_entropy: target 5 is out of bounds for 5 "
                                         r"classes") as err:
        float(loss)
    assert isinstance(err.value, RuntimeError)
    good = F.cross_entropy(model(xt), torch.tensor(LABELS).to("gpu"))
    want = F.cross_entropy(model.to("cpu")(torch.tensor(X_MLP)), torch.tensor(LABELS))
    np.testing.assert_allclose(float(good), float(want), rtol=1e-5)


@pytest.mark.parametrize("max_norm", [1.0, 1e3])
def test_clip_grad_norm_on_the_device_matches_torch(monkeypatch, max_norm: float) -> None:
    """clip_grad_norm_ of float32 gradients on the device: PyTorch's total norm and clipped
    gradients, in at most 3 launches a gradient + 4 (vector_norm's path took 5-6 + 8)."""
    import torch as T

    shapes = [(64, 300), (64,), (10, 64), (10,)]
    grads = [np.random.default_rng(i).standard_normal(s).astype("float32") * (i + 1)
             for i, s in enumerate(shapes)]
    ps = []
    for g in grads:
        p = torch.zeros(g.shape).to("gpu").requires_grad_(True)
        p.grad = torch.tensor(g).to("gpu")
        ps.append(p)
    tps = []
    for g in grads:
        tp = T.zeros(g.shape, requires_grad=True)
        tp.grad = T.from_numpy(g.copy())
        tps.append(tp)
    records, record = [0], _runtime.Runtime.record

    def counted(rt, *a, **k):
        records[0] += 1
        return record(rt, *a, **k)

    monkeypatch.setattr(_runtime.Runtime, "record", counted)
    total = optim.get_total_norm([p.grad for p in ps])
    launches = records[0]
    monkeypatch.setattr(_runtime.Runtime, "record", record)
    assert launches <= 3 * len(ps) + 4, launches
    clipped_total = optim.clip_grad_norm_(ps, max_norm)
    want = T.nn.utils.clip_grad_norm_(tps, max_norm)
    assert str(total.device) == str(ps[0].device)
    np.testing.assert_allclose(float(total), float(want), rtol=1e-6)
    np.testing.assert_allclose(float(clipped_total), float(want), rtol=1e-6)
    for p, tp in zip(ps, tps, strict=True):
        np.testing.assert_allclose(np.asarray(p.grad.to("cpu")), tp.grad.numpy(), rtol=1e-5,
                                   atol=1e-7)


_L = optim.lr_scheduler
SCHEDULERS = {
    "StepLR": lambda o: _L.StepLR(o, 2),
    "MultiStepLR": lambda o: _L.MultiStepLR(o, [1, 3]),
    "ExponentialLR": lambda o: _L.ExponentialLR(o, 0.9),
    "CosineAnnealingLR": lambda o: _L.CosineAnnealingLR(o, 10),
    "CosineAnnealingWarmRestarts": lambda o: _L.CosineAnnealingWarmRestarts(o, 3),
    "OneCycleLR": lambda o: _L.OneCycleLR(o, 0.1, total_steps=10),
    "CyclicLR": lambda o: _L.CyclicLR(o, 0.01, 0.1, step_size_up=2),
    "LinearLR": lambda o: _L.LinearLR(o),
    "PolynomialLR": lambda o: _L.PolynomialLR(o, 5),
    "LambdaLR": lambda o: _L.LambdaLR(o, lambda e: 0.9 ** e),
    "SequentialLR": lambda o: _L.SequentialLR(o, [_L.ConstantLR(o), _L.ExponentialLR(o, 0.9)],
                                              [2]),
    "ChainedScheduler": lambda o: _L.ChainedScheduler([_L.ConstantLR(o),
                                                       _L.ExponentialLR(o, 0.9)]),
    "ReduceLROnPlateau": lambda o: _L.ReduceLROnPlateau(o, patience=0),
}


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_schedulers_touch_no_device(monkeypatch, name: str) -> None:
    """A scheduler's step (ReduceLROnPlateau given a float) launches, uploads and reads
    nothing on the device, and gives the same learning rates as with CPU parameters."""
    counter = _Counter(monkeypatch)
    lrs = {}
    for dev in ("cpu", "gpu"):
        w = torch.ones(3, 3).to(dev).requires_grad_(True)
        opt = optim.SGD([w], lr=0.05, momentum=0.9)
        sched = SCHEDULERS[name](opt)
        seen = []
        for _ in range(4):
            opt.zero_grad()
            (w * w).sum().backward()
            opt.step()
            counter.on = dev == "gpu"
            sched.step(1.0) if name == "ReduceLROnPlateau" else sched.step()
            counter.on = False
            seen.append(opt.param_groups[0]["lr"])
        lrs[dev] = seen
    assert (counter.downloads, counter.uploads, counter.syncs, counter.records) == (0,) * 4
    assert lrs["gpu"] == lrs["cpu"]
