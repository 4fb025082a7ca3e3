"""The PyTorch face of mixed precision (issue 17): torch.amp, the deprecated torch.cuda.amp /
torch.cpu.amp aliases with PyTorch's FutureWarnings, custom_fwd/custom_bwd, and a float16
autocast on the GPU device (lavapipe) when the adapter has shader-f16."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import trueno.torch as tt
import trueno.torch.amp as tamp
import trueno.torch.cpu as tcpu

torch = pytest.importorskip("torch")


def _future_warnings(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn()
    return out, [str(x.message) for x in w if issubclass(x.category, FutureWarning)]


def test_deprecated_aliases_warn_as_torch():
    pairs = [
        (lambda: tcpu.amp.autocast(), lambda: torch.cpu.amp.autocast()),
        (lambda: tt.cuda.amp.autocast(), lambda: torch.cuda.amp.autocast()),
        (lambda: tt.cuda.amp.GradScaler(enabled=False),
         lambda: torch.cuda.amp.GradScaler(enabled=False)),
    ]
    for ours, theirs in pairs:
        a, wa = _future_warnings(ours)
        _, wb = _future_warnings(theirs)
        assert wa == wb and len(wa) == 1, (wa, wb)
    ac, _ = _future_warnings(lambda: tcpu.amp.autocast(dtype=tt.float16))
    with ac:
        assert (tt.ones(2, 2) @ tt.ones(2, 2)).dtype == tt.float16
    ac, _ = _future_warnings(lambda: tt.cuda.amp.autocast())
    assert ac.fast_dtype == tt.float16 and ac.device == "cuda"


def test_import_paths():
    import trueno.torch.cpu.amp as cpu_amp
    import trueno.torch.cuda.amp as cuda_amp
    assert cpu_amp is tcpu.amp and cuda_amp is tt.cuda.amp
    from trueno.amp import GradScaler
    assert tamp.GradScaler is GradScaler
    assert issubclass(cuda_amp.GradScaler, GradScaler)
    from trueno.amp import autocast
    assert tamp.autocast is autocast
    assert tcpu.is_available() and tcpu.device_count() == 1 and tcpu.current_device() == "cpu"


def test_state_functions_match_torch():
    for m, ac in ((torch, torch.amp.autocast), (tt, tamp.autocast)):
        assert not (torch.is_autocast_enabled("cpu") if m is torch
                    else tamp.is_autocast_enabled("cpu"))
        with ac("cpu", dtype=m.float16):
            enabled = torch.is_autocast_enabled("cpu") if m is torch else \
                tamp.is_autocast_enabled("cpu")
            dtype = torch.get_autocast_dtype("cpu") if m is torch else \
                tamp.get_autocast_dtype("cpu")
            assert enabled and str(dtype).endswith("float16")
    assert tamp.is_autocast_available("cpu") and tamp.is_autocast_available("cuda")
    assert not tamp.is_autocast_available("tpu")


def test_custom_fwd_casts_inputs_and_custom_bwd_restores_state():
    from trueno.autograd import Function
    seen = {}

    class Square(Function):
        @staticmethod
        @tamp.custom_fwd(device_type="cpu", cast_inputs=tt.float32)
        def forward(ctx, x):
            seen["fwd"] = (x.dtype, tamp.is_autocast_enabled("cpu"))
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @tamp.custom_bwd(device_type="cpu")
        def backward(ctx, g):
            seen["bwd"] = tamp.is_autocast_enabled("cpu")
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = tt.tensor([1.0, 2.0], requires_grad=True)
    with tamp.autocast("cpu"):
        y = Square.apply(x.to(tt.bfloat16))
    assert seen["fwd"] == (tt.float32, False) and y.dtype == tt.float32
    y.sum().backward()
    assert seen["bwd"] is False
    np.testing.assert_allclose(np.asarray(x.grad), [2.0, 4.0])


def _gpu_has_f16() -> bool:
    try:
        from trueno.backend import load_plugins
        gpu = load_plugins().backends.get("gpu")
        if gpu is None:
            return False
        tt.ones(1, device="gpu")
        return "float16" in set(gpu.dtypes_for("matmul"))
    except Exception:  # no GPU plugin, adapter or driver
        return False


@pytest.mark.skipif(not _gpu_has_f16(), reason="no GPU device whose adapter has shader-f16")
def test_gpu_autocast_float16_matches_torch_cuda_policy():
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal((8, 8)).astype(np.float32)
    w_np = rng.standard_normal((8, 8)).astype(np.float32)
    a = tt.tensor(a_np, device="gpu")
    w = tt.tensor(w_np, device="gpu", requires_grad=True)
    with tamp.autocast("cuda"):
        h = a @ w
        assert h.dtype == tt.float16 and h.device.type in ("cuda", "gpu")
        s = tt.softmax(h, -1)  # float32 on CUDA's list (not on the CPU's)
        assert s.dtype == tt.float32
        assert h.sum().dtype == tt.float32
        loss = (s * tt.tensor(a_np, device="gpu")).sum()
    with tamp.autocast("cpu"):  # the CPU's policy leaves GPU tensors alone
        assert (a @ a).dtype == tt.float32
    loss.backward()
    assert w.grad.dtype == tt.float32 and w.grad.device.type in ("cuda", "gpu")
    # the same math in float32 on the host, inputs rounded to float16 for the matmul
    wt = torch.tensor(w_np, requires_grad=True)
    ht = (torch.tensor(a_np).half().float() @ wt.half().float()).half().float()
    lt = (ht.softmax(-1) * torch.tensor(a_np)).sum()
    lt.backward()
    np.testing.assert_allclose(float(loss.cpu()), lt.item(), rtol=2e-3)
    np.testing.assert_allclose(np.asarray(w.grad.cpu()), wt.grad.numpy(), rtol=2e-2, atol=2e-3)


def test_torch_namespace_names():
    assert tt.autocast is tamp.autocast and tt.amp is tamp and tt.cpu is tcpu
    with tt.autocast("cpu"):
        assert tt.is_autocast_enabled("cpu") and not tt.is_autocast_enabled()
        assert repr(tt.get_autocast_dtype("cpu")) == repr(torch.get_autocast_dtype("cpu"))
    assert repr(tt.get_autocast_dtype("cuda")) == "torch.float16"
    tt.set_autocast_enabled("cpu", True)
    try:
        assert (tt.ones(2, 2) @ tt.ones(2, 2)).dtype == tt.bfloat16
    finally:
        tt.set_autocast_enabled("cpu", False)
    assert (tt.ones(2, 2) @ tt.ones(2, 2)).dtype == tt.float32
    assert tt.is_autocast_cache_enabled()
    tt.clear_autocast_cache()
