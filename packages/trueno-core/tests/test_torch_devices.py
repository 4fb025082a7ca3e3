"""The PyTorch face's devices: ``torch.device`` as torch 2.13 parses it, ``torch.cuda`` and
``torch.backends`` (``"cuda"`` is trueno's GPU device; not "available" on a software one)."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

import pytest

import trueno
import trueno.torch as tt
import trueno.torch.cuda as tt_cuda
from trueno._device import Device
from trueno._device import device as as_device
from trueno.torch import cuda as cuda_from_import

torch = pytest.importorskip("torch", reason="needs torch (the tests session installs it)")

GOOD = [("cuda:0",), ("cuda", 0), ("cuda",), ("cpu",), ("cpu", 0), ("cpu", None), ("cuda:1",),
        ("cuda", 3), ("meta",), ("mps:0",), ("cuda", None)]
BAD = [("foo",), ("cuda:0", 0), ("cuda:-1",), ("cuda", -1), ("cuda:x",), ("CUDA",), ("",),
       ("cuda:",), ("cuda: 0",), ("cuda:01",), ("cuda", "0"), (1.5,), (None,), (True,),
       ("cuda:1", 1)]


def _ours_or_error(args):
    try:
        return tt.device(*args)
    except Exception as exc:  # noqa: BLE001 - the class is compared below
        return exc


def _theirs_or_error(args):
    try:
        return torch.device(*args)
    except Exception as exc:  # noqa: BLE001
        return exc


@pytest.mark.parametrize("args", GOOD, ids=repr)
def test_device_parses_and_prints_as_torch(args):
    ours, theirs = tt.device(*args), torch.device(*args)
    assert (ours.type, ours.index) == (theirs.type, theirs.index)
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    assert pickle.loads(pickle.dumps(ours)) == ours


@pytest.mark.parametrize("args", BAD, ids=repr)
def test_bad_devices_raise_what_torch_raises(args):
    ours, theirs = _ours_or_error(args), _theirs_or_error(args)
    assert isinstance(theirs, Exception) and isinstance(ours, trueno.TruenoError), ours
    builtin = RuntimeError if isinstance(theirs, RuntimeError) else TypeError
    assert isinstance(theirs, builtin) and isinstance(ours, builtin), (ours, theirs)
    assert "torch.device" in str(ours) and "hint" in str(ours)


def test_device_equality_and_hash_as_torch():
    specs = [("cuda:0",), ("cuda",), ("cuda", 1), ("cpu",), ("cpu", 0)]
    for a in specs:
        for b in specs:
            assert (tt.device(*a) == tt.device(*b)) == (torch.device(*a) == torch.device(*b))
            assert (tt.device(*a) != tt.device(*b)) == (torch.device(*a) != torch.device(*b))
        if tt.device(*a) == tt.device(*a):
            assert hash(tt.device(*a)) == hash(tt.device(*a))
        # Note: as PyTorch, a device never equals a string.
        assert (tt.device(*a) == str(torch.device(*a))) == (torch.device(*a) == str(
            torch.device(*a)))
    assert tt.device("cuda", 0) == tt.device("cuda:0") and tt.device("gpu:0") == tt.device("cuda:0")
    assert tt.device(tt.device("cuda:1")) == tt.device("cuda:1")


def test_device_maps_cuda_to_the_gpu_device_underneath():
    # Core's parser takes the torch face's devices and PyTorch's own: "cuda" is "gpu".
    for dev in (tt.device("cuda:1"), torch.device("cuda:1"), tt.device("cuda", 1)):
        assert as_device(dev) is Device("gpu", 1)
    assert as_device(tt.device("cuda")) is Device("gpu", 0)
    assert as_device(tt.device("cpu")) is as_device("cpu")
    # A tensor's device compares equal to the torch device that names it, both ways round.
    x = tt.ones(3)
    assert x.device == tt.device("cpu") and tt.device("cpu") == x.device
    assert Device("gpu", 0) == tt.device("cuda:0") and tt.device("cuda") == Device("gpu", 0)
    assert Device("gpu", 1) != tt.device("cuda:0")
    assert repr(tt.device(x.device)) == repr(torch.ones(1).device)
    assert repr(tt.device(Device("gpu", 1))) == "device(type='cuda', index=1)"


def test_device_as_to_and_device_argument_on_the_cpu():
    x = tt.arange(4, dtype=tt.float32)
    dev = tt.device("cpu")
    assert x.to(dev) is x and x.to(dev, tt.float64).dtype == tt.float64
    y = tt.zeros(2, device=dev)
    assert y.device == dev and y.tolist() == [0.0, 0.0]
    assert (y.device == "cpu") is (torch.zeros(2).device == "cpu")  # never equal to a str
    assert tt.ones(2, device=torch.device("cpu")).tolist() == [1.0, 1.0]


def test_cuda_is_a_module_both_ways():
    assert tt.cuda is tt_cuda is cuda_from_import
    assert type(tt.cuda).__name__ == "module" and type(tt.backends).__name__ == "module"


@pytest.mark.parametrize("adapter,env,expected", [
    ("CPU", None, False), ("CPU", "1", True), ("CPU", "0", False),
    ("DiscreteGPU", None, True), ("IntegratedGPU", "0", True),
])
def test_is_available_refuses_a_software_adapter_unless_asked(monkeypatch, adapter, env,
                                                             expected):
    monkeypatch.setattr(tt_cuda, "_gpu_count", lambda: 1)
    monkeypatch.setattr(tt_cuda, "_adapter_type", lambda index: adapter)
    if env is None:
        monkeypatch.delenv("TRUENO_CUDA_SOFTWARE", raising=False)
    else:
        monkeypatch.setenv("TRUENO_CUDA_SOFTWARE", env)
    assert tt.cuda.is_available() is expected
    assert tt.cuda.device_count() == (1 if expected else 0)
    assert tt.backends.cuda.is_available() is expected


def test_no_gpu_device_is_not_available(monkeypatch):
    monkeypatch.setattr(tt_cuda, "_gpu_count", lambda: 0)
    monkeypatch.setenv("TRUENO_CUDA_SOFTWARE", "1")
    assert tt.cuda.is_available() is False and tt.cuda.device_count() == 0
    with pytest.raises(trueno.DeviceError, match="no GPU device") as err:
        tt.cuda.get_device_name(0)
    assert isinstance(err.value, RuntimeError)
    with pytest.raises(RuntimeError, match="no GPU device"):
        tt.cuda.current_device()


def _gpu_state(index=0) -> list[int]:
    """(seed, offset) of GPU generator ``index``, read from torch.cuda.get_rng_state's bytes."""
    raw = tt.cuda.get_rng_state(index)
    assert raw.dtype == tt.uint8 and raw.numel() == 16  # PyTorch's CUDA state size
    return [int.from_bytes(bytes(raw.tolist()[k:k + 8]), "little") for k in (0, 8)]


@pytest.mark.parametrize("available", [False, True])
def test_cuda_manual_seed_seeds_the_gpu_generators_only(monkeypatch, available):
    # "cuda" tensors draw on the GPU devices' own Philox generators (as in PyTorch), so
    # torch.cuda.manual_seed* never move the CPU stream, available or not (PyTorch's CPU
    # values are kept either way).
    monkeypatch.setattr(tt_cuda, "is_available", lambda: available)
    tt.manual_seed(0)
    torch.manual_seed(0)
    tt.cuda.manual_seed(5)
    assert _gpu_state() == [5, 0]
    tt.cuda.manual_seed_all(6)
    assert _gpu_state() == [6, 0] and _gpu_state(3) == [6, 0]
    torch.cuda.manual_seed(5)
    torch.cuda.manual_seed_all(6)
    assert tt.rand(5).tolist() == torch.rand(5).tolist()
    tt.manual_seed(2**64 - 3)  # torch.manual_seed seeds the GPU generators too
    torch.manual_seed(2**64 - 3)
    assert _gpu_state() == [2**64 - 3, 0] and tt.cuda.initial_seed() == 2**64 - 3
    assert tt.randn(4, dtype=tt.float64).tolist() == torch.randn(4, dtype=torch.float64).tolist()
    state = tt.cuda.get_rng_state()
    tt.cuda.manual_seed(9)
    tt.cuda.set_rng_state(state)
    assert _gpu_state() == [2**64 - 3, 0]
    with pytest.raises(trueno.TruenoError, match="16 uint8"):
        tt.cuda.set_rng_state(tt.zeros(8, dtype=tt.uint8))


def test_cuda_generator_objects():
    """``torch.Generator("cuda")``: a GPU generator of its own (PyTorch's default seed, the
    16-byte seed/offset state); refused by a draw on the host."""
    g = tt.Generator("cuda")
    assert g.initial_seed() == torch.Generator().initial_seed() == 67280421310721
    assert repr(g.device) == "device(type='cuda', index=0)"
    assert g.manual_seed(-3) is g and g.initial_seed() == 2**64 - 3
    state = g.get_state()
    assert state.dtype == tt.uint8 and state.numel() == 16
    g.manual_seed(4)
    g.set_state(state)
    assert g.initial_seed() == 2**64 - 3
    with pytest.raises(trueno.TruenoError, match="a 'cpu' generator"):
        tt.rand(3, generator=g)
    with pytest.raises(RuntimeError, match="16 uint8"):
        g.set_state(tt.zeros(5, dtype=tt.uint8))
    with pytest.raises(trueno.TruenoError, match="'cpu' or 'cuda'"):
        tt.Generator("meta")


def test_memory_functions_without_a_gpu(monkeypatch):
    monkeypatch.setattr(tt_cuda, "_trueno_gpu", lambda: None)
    assert tt.cuda.memory_allocated() == 0 and tt.cuda.memory_reserved() == 0
    assert tt.cuda.is_initialized() is False
    tt.cuda.empty_cache()  # nothing to give back: no error


def test_backends():
    assert tt.backends.cudnn.is_available() is False and torch.backends.cudnn.is_available() \
        is False
    assert tt.backends.mps.is_available() is False and tt.backends.mkldnn.is_available() is False
    for flag, default in (("enabled", True), ("benchmark", False), ("deterministic", False)):
        assert getattr(tt.backends.cudnn, flag) is getattr(torch.backends.cudnn, flag) is default
        setattr(tt.backends.cudnn, flag, not default)
        assert getattr(tt.backends.cudnn, flag) is (not default)
        setattr(tt.backends.cudnn, flag, default)
    tt.backends.cuda.matmul.allow_tf32 = True
    assert tt.backends.cuda.matmul.allow_tf32 is True
    tt.backends.cuda.matmul.allow_tf32 = False


_PROBE = """
import json, trueno_gpu, trueno.torch as torch
out = {"available": torch.cuda.is_available(), "count": torch.cuda.device_count(),
       "adapter": trueno_gpu.adapter_info(0)["adapter_type"] if trueno_gpu.device_count() else None}
if out["adapter"] is not None:
    x = torch.arange(3, dtype=torch.float32).to(torch.device("cuda:0"))
    out["on"] = str(x.device)
    out["facts"] = [repr(x.device), x.is_cuda, x.is_cpu, x.get_device()]
    out["back"] = (x * 2).to(torch.device("cpu")).tolist()
    out["name"] = torch.cuda.get_device_name(0)
    torch.cuda.synchronize()
    out["initialized"] = torch.cuda.is_initialized()
    out["allocated"] = torch.cuda.memory_allocated() > 0
print("RESULT" + json.dumps(out))
"""


@pytest.mark.parametrize("opt_in", [False, True])
def test_is_available_on_the_real_adapter(opt_in):
    """On lavapipe (CI): False without TRUENO_CUDA_SOFTWARE, True with it; "cuda" works."""
    pytest.importorskip("trueno_gpu", reason="the GPU extra is not installed")
    env = {k: v for k, v in os.environ.items() if k != "TRUENO_CUDA_SOFTWARE"}
    if opt_in:
        env["TRUENO_CUDA_SOFTWARE"] = "1"
    proc = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.split("RESULT", 1)[1])
    if out["adapter"] is None:  # trueno-gpu without any adapter: never available
        assert out["available"] is False and out["count"] == 0
        return
    expected = opt_in or out["adapter"] != "CPU"
    assert out["available"] is expected
    assert out["count"] >= 1 if expected else out["count"] == 0
    assert out["on"] == "cuda:0" and out["back"] == [0.0, 2.0, 4.0]  # as torch prints it
    assert out["facts"] == ["device(type='cuda', index=0)", True, False, 0]
    assert out["name"] and out["initialized"] is True and out["allocated"] is True
