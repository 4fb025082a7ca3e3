"""Autocast (issue 17): result dtypes against ``torch.autocast`` for the same code, autograd
through the casts, nesting, threads, the weight-cast cache, and the dispatcher's flag."""

from __future__ import annotations

import doctest
import threading

import numpy as np
import pytest

import trueno._autocast as AC
import trueno._dispatch as X
import trueno.torch as tt
from trueno._optable import OPS

torch = pytest.importorskip("torch")

_RNG = np.random.default_rng(0)
_X = _RNG.standard_normal((4, 4)).astype(np.float32)
_Y = _RNG.standard_normal((4, 4)).astype(np.float32)

# the same code on both faces: ``m`` is torch or trueno.torch
OPS_GRID = {
    "matmul": lambda m, a, b: a @ b,
    "matmul_vec": lambda m, a, b: a @ b[0],
    "mm": lambda m, a, b: m.mm(a, b),
    "bmm": lambda m, a, b: m.bmm(a[None], b[None]),
    "exp": lambda m, a, b: a.exp(),
    "log": lambda m, a, b: a.abs().log(),
    "sqrt": lambda m, a, b: a.abs().sqrt(),
    "tanh": lambda m, a, b: a.tanh(),
    "sigmoid": lambda m, a, b: a.sigmoid(),
    "relu": lambda m, a, b: m.relu(a),
    "softmax": lambda m, a, b: m.softmax(a, -1),
    "log_softmax": lambda m, a, b: m.log_softmax(a, -1),
    "logsumexp": lambda m, a, b: a.logsumexp(0),
    "sum": lambda m, a, b: a.sum(),
    "sum_dim": lambda m, a, b: a.sum(0),
    "mean": lambda m, a, b: a.mean(),
    "std": lambda m, a, b: a.std(),
    "max": lambda m, a, b: a.max(),
    "prod": lambda m, a, b: a.prod(),
    "prod_dim": lambda m, a, b: a.prod(0),
    "cumsum": lambda m, a, b: a.cumsum(0),
    "norm": lambda m, a, b: a.norm(),
    "vector_norm": lambda m, a, b: m.linalg.vector_norm(a),
    "pow_scalar": lambda m, a, b: a.pow(2),
    "pow_tensor": lambda m, a, b: a.abs().pow(b),
    "atan2": lambda m, a, b: m.atan2(a, b),
    "add": lambda m, a, b: a + b,
    "mul_scalar": lambda m, a, b: a * 2.0,
    "cat": lambda m, a, b: m.cat([a, b]),
    "stack": lambda m, a, b: m.stack([a, b]),
    "where": lambda m, a, b: m.where(a > 0, a, b),
    "addcmul": lambda m, a, b: m.addcmul(a, a, b),
}


def _dtype_name(t) -> str:
    return str(t.dtype).rsplit(".", 1)[-1]


def _run_both(fn, low, da, db, device_type="cpu"):
    out = []
    for m, ac in ((torch, torch.autocast), (tt, tt.autocast if hasattr(tt, "autocast")
                                            else AC.autocast)):
        a = m.tensor(_X).to(getattr(m, da))
        b = m.tensor(_Y).to(getattr(m, db))
        with ac(device_type, dtype=getattr(m, low)):
            out.append(_dtype_name(fn(m, a, b)))
    return out


@pytest.mark.parametrize("low", ["bfloat16", "float16"])
@pytest.mark.parametrize("kinds", ["f32,f32", "low,low", "low,f32", "f32,low"])
def test_result_dtypes_match_torch_cpu_autocast(low, kinds):
    da, db = (low if k == "low" else "float32" for k in kinds.split(","))
    got = {name: _run_both(fn, low, da, db) for name, fn in OPS_GRID.items()}
    bad = {name: pair for name, pair in got.items() if pair[0] != pair[1]}
    assert not bad, f"(torch, trueno) dtypes differ: {bad}"
    # the grid does exercise all three outcomes
    dts = {pair[1] for pair in got.values()}
    assert low in dts and "float32" in dts


def test_float64_is_never_cast():
    a = tt.tensor(_X, dtype=tt.float64)
    with AC.autocast("cpu"):
        assert (a @ a).dtype == tt.float64
        assert a.prod().dtype == tt.float64


def test_autograd_through_autocast_gives_float32_grads_as_torch():
    def step(m, ac):
        w = m.tensor(_X, requires_grad=True)
        x = m.tensor(_Y)
        with ac("cpu", dtype=m.bfloat16):
            h = x @ w
            loss = (h.float() ** 2).mean()
            assert h.dtype == m.bfloat16 and loss.dtype == m.float32
        loss.backward()
        return float(loss.detach()), np.asarray(w.grad.detach().float().numpy()
                                                if m is torch else w.grad.float())
    l_t, g_t = step(torch, torch.autocast)
    l_n, g_n = step(tt, AC.autocast)
    np.testing.assert_allclose(l_n, l_t, rtol=1e-6)
    # the bfloat16 product rounds the same way in both; the backward's bfloat16 matmul may
    # round differently in the last of its 8 bits
    np.testing.assert_allclose(g_n, g_t, rtol=2 ** -7, atol=1e-6)


def test_backward_inside_the_region_runs_in_the_forward_dtypes():
    grads = []
    for inside in (False, True):
        w = tt.tensor(_X, requires_grad=True)
        x = tt.tensor(_Y, requires_grad=True)
        with AC.autocast("cpu"):
            # inv runs in float32 (its rule's matmuls too: no bfloat16 there)
            out = ((x @ w).float().exp() * 0.5).sum() + tt.linalg.inv(w).sum()
            if inside:
                out.backward()
        if not inside:
            out.backward()
        assert w.grad.dtype == x.grad.dtype == tt.float32
        grads.append((np.asarray(w.grad), np.asarray(x.grad)))
    np.testing.assert_array_equal(grads[0][0], grads[1][0])
    np.testing.assert_array_equal(grads[0][1], grads[1][1])


def test_grad_dtype_of_float32_leaf_is_float32():
    w = tt.tensor(_X, requires_grad=True)
    with AC.autocast("cpu"):
        out = (tt.tensor(_Y) @ w).sum()
    assert out.dtype == tt.bfloat16
    out.backward()
    assert w.grad.dtype == tt.float32


def test_nesting_restores_and_disables():
    a = tt.tensor(_X)
    assert not AC.is_autocast_enabled("cpu")
    with AC.autocast("cpu", dtype=tt.float16):
        assert AC.is_autocast_enabled("cpu") and AC.get_autocast_dtype("cpu") == tt.float16
        with AC.autocast("cpu", dtype=tt.bfloat16):
            assert (a @ a).dtype == tt.bfloat16
            with AC.autocast("cpu", enabled=False):
                assert (a @ a).dtype == tt.float32
                assert not AC.is_autocast_enabled("cpu")
            assert (a @ a).dtype == tt.bfloat16
        assert (a @ a).dtype == tt.float16
        assert not AC.is_autocast_enabled("gpu")
    assert (a @ a).dtype == tt.float32
    assert not AC.is_autocast_enabled("cpu")
    assert AC.get_autocast_dtype("cpu") == tt.bfloat16
    assert AC.get_autocast_dtype("cuda") == tt.float16


def test_decorator_and_exception_exit():
    a = tt.tensor(_X)

    @AC.autocast("cpu")
    def f(x):
        return x @ x
    assert f(a).dtype == tt.bfloat16
    assert (a @ a).dtype == tt.float32
    with pytest.raises(KeyError):
        with AC.autocast("cpu"):
            {}["missing"]
    assert not AC.is_autocast_enabled("cpu") and X._AC is None


def test_thread_local():
    a = tt.tensor(_X)
    seen = {}
    started, release = threading.Event(), threading.Event()

    def other():
        started.wait(10)
        seen["dtype"] = (a @ a).dtype
        seen["enabled"] = AC.is_autocast_enabled("cpu")
        release.set()
    th = threading.Thread(target=other)
    th.start()
    with AC.autocast("cpu"):
        started.set()
        release.wait(10)
        assert (a @ a).dtype == tt.bfloat16
    th.join(10)
    assert seen == {"dtype": tt.float32, "enabled": False}


def test_flag_and_fast_paths_come_back():
    a = tt.tensor(_X)
    a @ a  # fills matmul's fast entry
    assert X._AC is None and OPS["matmul"].fast
    with AC.autocast("cpu"):
        assert X._AC is AC and not OPS["matmul"].fast
        assert (a @ a).dtype == tt.bfloat16
        assert not OPS["matmul"].fast  # no store while a region is open
        assert a.sum().dtype == tt.float32
    assert X._AC is None
    assert (a @ a).dtype == tt.float32
    assert OPS["matmul"].fast


def test_weight_cast_cache():
    w = tt.tensor(_X, requires_grad=True)
    x = tt.tensor(_Y)
    with AC.autocast("cpu"):
        h1 = x @ w
        cached = AC.STATE.cache[id(w)][1]
        h2 = x @ w
        assert AC.STATE.cache[id(w)][1] is cached and cached.dtype == tt.bfloat16
        (h1.float().sum() + h2.float().sum()).backward()
    assert AC.STATE.cache is None  # the outermost exit clears it
    wt = torch.tensor(_X, requires_grad=True)
    with torch.autocast("cpu"):
        xt = torch.tensor(_Y)
        ((xt @ wt).float().sum() + (xt @ wt).float().sum()).backward()
    np.testing.assert_allclose(np.asarray(w.grad), wt.grad.numpy(), rtol=2 ** -7)
    with AC.autocast("cpu", cache_enabled=False):
        x @ w
        assert AC.STATE.cache is None


def test_autocast_function_gives_a_function_the_policy_of_its_name():
    def linear(x, w, b=None):
        out = x @ w.T
        return out if b is None else out + b

    lin = AC.autocast_function("linear")(linear)
    ce = AC.autocast_function("cross_entropy")(lambda x: x.exp().sum())
    a, w = tt.tensor(_X), tt.tensor(_Y)
    assert lin(a, w, w[0]).dtype == tt.float32  # outside autocast: as the plain function
    with AC.autocast("cpu"):
        assert linear(a, w, w[0]).dtype == tt.float32  # the bias add promotes
        assert lin(a, w, b=w[0]).dtype == tt.bfloat16  # as torch's F.linear
        assert ce(a.to(tt.bfloat16)).dtype == tt.float32
    with torch.autocast("cpu"):
        assert torch.nn.functional.linear(torch.tensor(_X), torch.tensor(_Y),
                                          torch.tensor(_Y[0])).dtype == torch.bfloat16


def test_gpu_policy_is_torch_cuda_list():
    assert AC.GPU_POLICY["softmax"] == AC.FP32 and "softmax" not in AC.CPU_POLICY
    assert AC.CPU_POLICY["prod"] == AC.GPU_POLICY["prod"] == AC.FP32
    assert AC.CPU_POLICY["matmul"] == AC.GPU_POLICY["conv2d"] == AC.LOWER
    # every AutocastCPU registration of torch maps to a CPU policy entry (by aten name)
    regs = {r.split("::")[1].split(".")[0] for r in
            torch._C._dispatch_get_registrations_for_dispatch_key("AutocastCPU")}
    known = {"cat", "linalg_inv_ex", "linalg_cholesky_ex", "cross_entropy_loss", "inverse",
             "_lu_with_info", "_addmm_activation", "conv_tbc", "mkldnn_rnn_layer",
             "_native_multi_head_attention", "fake_quantize_per_tensor_affine",
             "multilabel_margin_loss_forward", "view_as_complex", "_grid_sampler_2d_cpu_fallback",
             "grid_sampler_2d", "grid_sampler_3d", "fft_fft", "fft_fft2", "fft_ifft",
             "fft_ifft2", "fft_rfft", "fft_rfft2", "fft_irfft", "fft_irfft2"}
    missing = {r for r in regs - known if r not in AC.CPU_POLICY}
    assert not missing


def test_errors():
    with pytest.raises(ValueError, match="device_type 'tpu'"):
        AC.autocast("tpu")
    with pytest.warns(UserWarning, match="target dtype is not supported") as w:
        ac = AC.autocast("cpu", dtype=tt.float32)
    with pytest.warns(UserWarning) as w2:
        torch.autocast("cpu", dtype=torch.float32)
    assert str(w[0].message) == str(w2[0].message)
    with ac:
        assert not AC.is_autocast_enabled("cpu")
        assert (tt.ones(2, 2) @ tt.ones(2, 2)).dtype == tt.float32
    with pytest.raises(RuntimeError, match="device_type 'tpu'"):
        AC.autocast("tpu")
    with pytest.raises(ValueError, match="float64 is not supported"):
        AC.set_autocast_dtype("cpu", tt.float64)
    with pytest.raises(AC.AutocastError, match="of type `str`"):
        AC.autocast(3)


def test_docstring_example():
    assert doctest.testmod(AC, optionflags=doctest.ELLIPSIS).failed == 0
