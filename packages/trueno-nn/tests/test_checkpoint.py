"""trueno.utils.checkpoint: a resumed run gives the uninterrupted run's next losses exactly
(SGD with momentum, Adam, AdamW, each with a scheduler, the DataLoader's order and dropout
reproduced from the saved RNG state); a failed or interrupted save keeps the previous
checkpoint; corrupt or mismatched checkpoints raise clear errors; a PyTorch checkpoint loads
through trueno.torch.load and continues to PyTorch's losses."""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import random

import numpy as np
import pytest
import safetensors.numpy as stnp
import torch as T

import trueno
import trueno.torch as torch
from trueno.utils import checkpoint as ck
from trueno.utils import safetensors as st

nn = torch.nn
optim = torch.optim
data = torch.utils.data


def _mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Dropout(0.2), nn.Linear(16, 3))


def _loader():
    g = np.random.default_rng(7)
    x = torch.tensor(g.standard_normal((40, 6)).astype(np.float32))
    y = torch.tensor(g.integers(0, 3, 40))
    return data.DataLoader(data.TensorDataset(x, y), batch_size=8, shuffle=True)


OPTIMIZERS = {
    "sgd_momentum": (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True,
                                         weight_decay=1e-4),
                     lambda o: optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
    "adam": (lambda p: optim.Adam(p, lr=0.01, amsgrad=True),
             lambda o: optim.lr_scheduler.CosineAnnealingLR(o, T_max=7)),
    "adamw": (lambda p: optim.AdamW(p, lr=0.01, weight_decay=0.05),
              lambda o: optim.lr_scheduler.OneCycleLR(o, max_lr=0.05, total_steps=20)),
}


def _train(model, opt, sched, loader, epochs: int) -> list[float]:
    losses = []
    model.train()
    for _ in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
    return losses


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_resume_gives_the_same_next_losses(tmp_path, name):
    make_opt, make_sched = OPTIMIZERS[name]
    torch.manual_seed(0)
    model = _mlp()
    opt = make_opt(model.parameters())
    sched = make_sched(opt)
    loader = _loader()
    _train(model, opt, sched, loader, 2)  # 10 steps
    path = tmp_path / "ckpt"
    ck.save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=2, step=10,
                       extra={"best": 0.5})
    want = _train(model, opt, sched, loader, 1)  # 5 more steps
    want_w = {k: np.asarray(v).copy() for k, v in model.state_dict().items()}

    def resumed(restore_rng: bool) -> tuple[list[float], object, object]:
        torch.manual_seed(123)  # other initial weights, other generator state
        random.seed(5)
        model2 = _mlp()
        opt2 = make_opt(model2.parameters())
        sched2 = make_sched(opt2)
        info = ck.load_checkpoint(path, model=model2, optimizer=opt2, scheduler=sched2,
                                  restore_rng=restore_rng)
        assert (info["epoch"], info["step"], info["extra"]) == (2, 10, {"best": 0.5})
        return _train(model2, opt2, sched2, _loader(), 1), model2, sched2

    got, model2, sched2 = resumed(True)
    assert got == want  # exact, step by step
    for k, v in model2.state_dict().items():
        np.testing.assert_array_equal(np.asarray(v), want_w[k])
    assert sched2.get_last_lr() == sched.get_last_lr()
    assert sched2.optimizer.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    # without the saved RNG state the DataLoader and dropout draw other numbers
    other, _, _ = resumed(False)
    assert other != want


def test_rng_states_round_trip(tmp_path):
    torch.manual_seed(3)
    trueno.random.seed(4)
    random.seed(5)
    ck.save_checkpoint(tmp_path / "c", epoch=0)
    want = (torch.rand(4).tolist(), trueno.random.rand(3).tolist(), random.random(),
            random.gauss(0, 1))
    torch.manual_seed(30)
    trueno.random.seed(40)
    random.seed(50)
    ck.load_checkpoint(tmp_path / "c")
    got = (torch.rand(4).tolist(), trueno.random.rand(3).tolist(), random.random(),
           random.gauss(0, 1))
    assert got == want


def test_extra_values_round_trip(tmp_path):
    extra = {"ints": {1: "a", 2: (3, 4)}, "floats": [math.inf, -math.inf, 1.5],
             "nan": math.nan, "np": np.float32(0.1), "npi": np.int64(7),
             "arr": np.arange(4, dtype=np.int16), "t": torch.arange(3, dtype=torch.float64),
             "nd": trueno.ones((2, 2), dtype=trueno.bfloat16), "b": b"\x00\xff",
             "c": 1 + 2j, "dt": torch.float16, "dtn": trueno.int32, "none": None,
             "tag": {"__tensor__": 1}, "nested": [[{"k": (None, True)}]]}
    ck.save_checkpoint(tmp_path / "c", extra=extra)
    got = ck.load_checkpoint(tmp_path / "c")["extra"]
    assert got["ints"] == {1: "a", 2: (3, 4)}
    assert got["floats"] == [math.inf, -math.inf, 1.5] and math.isnan(got["nan"])
    assert type(got["np"]) is np.float32 and got["np"] == np.float32(0.1)
    assert type(got["npi"]) is np.int64 and got["npi"] == 7
    assert type(got["arr"]) is np.ndarray and got["arr"].dtype == np.int16
    np.testing.assert_array_equal(got["arr"], np.arange(4))
    assert type(got["t"]) is torch.Tensor and got["t"].dtype == torch.float64
    assert got["t"].tolist() == [0.0, 1.0, 2.0]
    assert type(got["nd"]) is trueno.ndarray and got["nd"].dtype == trueno.bfloat16
    assert got["b"] == b"\x00\xff" and got["c"] == 1 + 2j
    assert got["dt"] is torch.float16 and got["dtn"] is trueno.int32
    assert got["tag"] == {"__tensor__": 1} and got["nested"] == [[{"k": (None, True)}]]
    assert got["none"] is None


def test_model_file_is_a_plain_safetensors_state_dict(tmp_path):
    torch.manual_seed(0)
    model = _mlp()
    ck.save_checkpoint(tmp_path / "c", model=model)
    ref = stnp.load_file(str(tmp_path / "c" / "model.safetensors"))
    sd = model.state_dict()
    assert sorted(ref) == sorted(sd)
    for k, v in sd.items():
        np.testing.assert_array_equal(ref[k], np.asarray(v))


def test_unsaveable_values_name_where_they_are(tmp_path):
    with pytest.raises(ck.CheckpointTypeError, match=r"extra\.fn is a function") as info:
        ck.save_checkpoint(tmp_path / "c", extra={"fn": lambda: 0})
    assert isinstance(info.value, TypeError) and "hint:" in str(info.value)
    with pytest.raises(TypeError, match="epoch"):
        ck.save_checkpoint(tmp_path / "c", epoch=1.5)
    with pytest.raises(TypeError, match="state_dict"):
        ck.save_checkpoint(tmp_path / "c", optimizer=object())
    assert os.listdir(tmp_path) == []


def _saved(path, value: float):
    m = nn.Linear(2, 1)
    with torch.no_grad():
        m.weight.fill_(value)
    ck.save_checkpoint(path, model=m, epoch=int(value))
    return m


def _weight(path) -> float:
    m = nn.Linear(2, 1)
    ck.load_checkpoint(path, model=m)
    return m.weight[0, 0].item()


@pytest.mark.parametrize("where", ["tensors", "interrupt", "rename"])
def test_a_failed_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch, where):
    path = tmp_path / "ckpt"
    _saved(path, 1.0)
    before = sorted(os.listdir(path))
    if where == "tensors":
        real = st.save_file

        def fail(tensors, filename, metadata=None):
            if str(filename).endswith("state.safetensors"):
                raise OSError(28, "No space left on device")
            return real(tensors, filename, metadata)
        monkeypatch.setattr(st, "save_file", fail)
    elif where == "interrupt":  # Ctrl-C while the first file is written
        def interrupt(tensors, filename, metadata=None):
            raise KeyboardInterrupt
        monkeypatch.setattr(st, "save_file", interrupt)
    else:
        real_rename = os.rename

        def fail_into_place(src, dst):
            if os.path.basename(str(src)).startswith(".ckpt."):
                raise OSError(5, "Input/output error")
            return real_rename(src, dst)
        monkeypatch.setattr(os, "rename", fail_into_place)
    with pytest.raises((OSError, KeyboardInterrupt)):
        _saved(path, 2.0)
    monkeypatch.undo()
    assert _weight(path) == 1.0
    assert sorted(os.listdir(tmp_path)) == ["ckpt"]  # no temporary or backup left
    assert sorted(os.listdir(path)) == before


def test_a_save_killed_between_its_renames_is_recovered(tmp_path):
    path = tmp_path / "ckpt"
    _saved(path, 1.0)
    os.rename(path, str(path) + ".previous")  # what a kill after the first rename leaves
    with pytest.warns(RuntimeWarning, match="interrupted"):
        assert _weight(path) == 1.0
    _saved(path, 2.0)  # the next save completes and drops the old one
    assert _weight(path) == 2.0 and sorted(os.listdir(tmp_path)) == ["ckpt"]
    # a kill after both renames leaves a stale .previous next to the new checkpoint
    _saved(tmp_path / "stale", 5.0)
    os.rename(tmp_path / "stale", str(path) + ".previous")
    _saved(path, 3.0)
    assert _weight(path) == 3.0 and sorted(os.listdir(tmp_path)) == ["ckpt"]


def test_never_replaces_what_is_not_a_checkpoint(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("keep me")
    with pytest.raises(ck.CheckpointExistsError, match="not a trueno checkpoint") as info:
        _saved(f, 1.0)
    assert isinstance(info.value, FileExistsError)
    assert f.read_text() == "keep me"
    d = tmp_path / "runs"
    d.mkdir()
    (d / "log").write_text("x")
    with pytest.raises(FileExistsError):
        _saved(d, 1.0)
    assert os.listdir(d) == ["log"]


def test_missing_corrupt_and_mismatched_checkpoints(tmp_path):
    with pytest.raises(ck.CheckpointNotFoundError, match="no checkpoint") as info:
        ck.load_checkpoint(tmp_path / "nope")
    assert isinstance(info.value, FileNotFoundError)
    path = tmp_path / "c"
    torch.manual_seed(0)
    model = _mlp()
    opt = optim.Adam(model.parameters())
    model(torch.ones(2, 6)).sum().backward()
    opt.step()
    ck.save_checkpoint(path, model=model, optimizer=opt)
    # mismatched objects
    with pytest.raises(RuntimeError, match="size mismatch|shape"):
        ck.load_checkpoint(path, model=nn.Sequential(nn.Linear(6, 8), nn.Tanh(),
                                                     nn.Dropout(), nn.Linear(8, 3)))
    with pytest.raises(ValueError, match="parameter group"):
        ck.load_checkpoint(path, optimizer=optim.Adam(nn.Linear(2, 2).parameters()))
    with pytest.raises(trueno.FormatError, match="no scheduler state"):
        ck.load_checkpoint(path, scheduler=optim.lr_scheduler.StepLR(opt, 1))
    # corrupt files
    doc = (path / "checkpoint.json").read_text()
    cases = {
        "checkpoint.json": [(b"{not json", "not valid JSON"),
                            (pickle.dumps({"format": "trueno.checkpoint"}), "not valid JSON"),
                            (b'{"format": "other"}', "not a trueno checkpoint"),
                            (doc.replace('"version": 1', '"version": 99').encode(),
                             "version 99"),
                            (doc.replace('"__tensor__": "optimizer.state.0.exp_avg"',
                                         '"__tensor__": "gone"').encode(), "'gone' is not"),
                            (doc.replace('"__tuple__"', '"__float__"', 1).encode(),
                             "bad __float__"),
                            (doc.replace('"trueno.torch": "', '"trueno.torch": "!').encode(),
                             "RNG state is malformed")],
        "model.safetensors": [((path / "model.safetensors").read_bytes()[:-3],
                               "model.safetensors.*cover")],
        "state.safetensors": [(b"", "too short")],
    }
    for fname, variants in cases.items():
        original = (path / fname).read_bytes()
        for content, pattern in variants:
            (path / fname).write_bytes(content)
            with pytest.raises(trueno.FormatError, match=pattern):
                ck.load_checkpoint(path, model=_mlp(), optimizer=optim.Adam(_mlp().parameters()))
        (path / fname).unlink()
        with pytest.raises(trueno.FormatError, match=f"{fname} is missing|has no {fname}"):
            ck.load_checkpoint(path)
        (path / fname).write_bytes(original)
    ck.load_checkpoint(path, model=_mlp())  # intact again


@pytest.mark.parametrize("which", ["sgd", "adam"])
def test_pytorch_checkpoint_continues_to_pytorch_losses(which):
    g = np.random.default_rng(0)
    xs = [g.standard_normal((8, 5)) for _ in range(10)]
    ys = [g.standard_normal((8, 2)) for _ in range(10)]

    def make(lib):
        m = lib.nn.Sequential(lib.nn.Linear(5, 7), lib.nn.ReLU(), lib.nn.Linear(7, 2)).double()
        o = (lib.optim.SGD(m.parameters(), lr=0.05, momentum=0.9) if which == "sgd"
             else lib.optim.Adam(m.parameters(), lr=0.01))
        return m, o, lib.optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.7)

    def steps(lib, m, o, s, batches) -> list[float]:
        out = []
        for x, y in batches:
            o.zero_grad()
            loss = ((m(lib.tensor(x)) - lib.tensor(y)) ** 2).mean()
            loss.backward()
            o.step()
            s.step()
            out.append(loss.item())
        return out

    T.manual_seed(0)
    tm, to, ts = make(T)
    steps(T, tm, to, ts, zip(xs[:5], ys[:5]))
    buf = io.BytesIO()
    T.save({"model": tm.state_dict(), "optimizer": to.state_dict(),
            "scheduler": ts.state_dict()}, buf)
    want = steps(T, tm, to, ts, zip(xs[5:], ys[5:]))

    m, o, s = make(torch)
    saved = torch.load(io.BytesIO(buf.getvalue()))
    m.load_state_dict(saved["model"])
    o.load_state_dict(saved["optimizer"])
    s.load_state_dict(saved["scheduler"])
    got = steps(torch, m, o, s, zip(xs[5:], ys[5:]))
    np.testing.assert_allclose(got, want, rtol=1e-12)
    for (k, v), (k2, v2) in zip(m.state_dict().items(), tm.state_dict().items()):
        assert k == k2
        np.testing.assert_allclose(np.asarray(v), v2.numpy(), rtol=1e-12, atol=1e-14)
    assert json.dumps(s.get_last_lr()) == json.dumps(ts.get_last_lr())


class _Scaler:
    """A grad scaler's checkpoint face: state_dict / load_state_dict (as GradScaler's)."""

    def __init__(self, scale: float = 2.0**16) -> None:
        self.state = {"scale": scale, "growth_factor": 2.0, "backoff_factor": 0.5,
                      "growth_interval": 2000, "_growth_tracker": 0}

    def state_dict(self) -> dict:
        return dict(self.state)

    def load_state_dict(self, sd: dict) -> None:
        self.state = dict(sd)


def test_scaler_and_a_loader_generator_round_trip(tmp_path):
    scaler = _Scaler(1024.0)
    scaler.state["_growth_tracker"] = 17
    gen = torch.Generator().manual_seed(11)
    x = torch.arange(20, dtype=torch.float32)
    loader = data.DataLoader(data.TensorDataset(x), batch_size=4, shuffle=True, generator=gen)
    list(loader)  # one epoch moves the generator on
    ck.save_checkpoint(tmp_path / "c", scaler=scaler, extra={"loader_rng": gen.get_state()})
    want = [b[0].tolist() for b in loader]
    fresh = _Scaler()
    info = ck.load_checkpoint(tmp_path / "c", scaler=fresh)
    assert fresh.state == scaler.state and info["scaler"] == scaler.state
    gen2 = torch.Generator().manual_seed(0)
    gen2.set_state(info["extra"]["loader_rng"])
    loader2 = data.DataLoader(data.TensorDataset(x), batch_size=4, shuffle=True, generator=gen2)
    assert [b[0].tolist() for b in loader2] == want


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # the inf step
def test_grad_scaler_resumes(tmp_path):
    import trueno.amp as amp

    def run(model, opt, scaler, n):
        scales = []
        for i in range(n):
            opt.zero_grad()
            x = torch.full((2, 6), float("inf") if i == 1 else 0.5)  # one skipped step
            scaler.scale(nn.functional.mse_loss(model(x), torch.zeros(2, 3))).backward()
            scaler.step(opt)
            scaler.update()
            scales.append(scaler.get_scale())
        return scales

    torch.manual_seed(0)
    model = _mlp().eval()
    opt = optim.SGD(model.parameters(), lr=0.01)
    scaler = amp.GradScaler("cpu", init_scale=1024.0, growth_interval=2)
    run(model, opt, scaler, 3)
    ck.save_checkpoint(tmp_path / "c", model=model, optimizer=opt, scaler=scaler)
    want = run(model, opt, scaler, 3)
    model2 = _mlp().eval()
    opt2 = optim.SGD(model2.parameters(), lr=0.01)
    scaler2 = amp.GradScaler("cpu")
    ck.load_checkpoint(tmp_path / "c", model=model2, optimizer=opt2, scaler=scaler2)
    assert scaler2.state_dict()["growth_interval"] == 2
    assert run(model2, opt2, scaler2, 3) == want
    for (k, v), v2 in zip(model2.state_dict().items(), model.state_dict().values()):
        np.testing.assert_array_equal(np.asarray(v), np.asarray(v2), err_msg=k)


def test_parent_directories_and_symlinks(tmp_path):
    deep = tmp_path / "runs" / "exp1" / "epoch_1"
    _saved(deep, 1.0)  # parents made
    assert _weight(deep) == 1.0
    latest = tmp_path / "runs" / "latest"
    os.symlink("exp1/epoch_1", latest)
    assert _weight(latest) == 1.0  # loads through the link
    _saved(latest, 2.0)  # replaces the link's target; the link stays
    assert os.path.islink(latest) and _weight(deep) == 2.0
    assert sorted(os.listdir(tmp_path / "runs" / "exp1")) == ["epoch_1"]
    os.symlink("notes.txt", tmp_path / "runs" / "bad")
    (tmp_path / "runs" / "notes.txt").write_text("keep")
    with pytest.raises(ck.CheckpointExistsError):
        _saved(tmp_path / "runs" / "bad", 3.0)
    assert (tmp_path / "runs" / "notes.txt").read_text() == "keep"


def test_non_strict_model_load_reports_the_keys(tmp_path):
    torch.manual_seed(0)
    small = nn.Sequential(nn.Linear(2, 3))
    ck.save_checkpoint(tmp_path / "c", model=small)
    bigger = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    info = ck.load_checkpoint(tmp_path / "c", model=bigger, strict=False)
    assert sorted(info["incompatible_keys"].missing_keys) == ["1.bias", "1.weight"]
    assert info["incompatible_keys"].unexpected_keys == []
    np.testing.assert_array_equal(np.asarray(bigger[0].weight.detach()),
                                  np.asarray(small[0].weight.detach()))
