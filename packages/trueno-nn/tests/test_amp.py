"""Mixed precision (issue 17): GradScaler against torch.amp.GradScaler (scale trajectory,
skipped steps, state dicts, errors) and an MLP trained with autocast(bfloat16) + GradScaler
that tracks float32 training and PyTorch's own autocast run."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import torch as T

import trueno.torch as torch
from trueno.amp import GradScaler, autocast
from trueno_nn.amp import GradScalerError, GradScalerValueError

_INF_STEPS = {2, 3, 9, 10, 11}


def _scaler_run(m, scaler, steps=16):
    """SGD on one parameter whose (scaled) gradient is injected; inf at ``_INF_STEPS``."""
    p = m.nn.Parameter(m.tensor([1.0, -2.0, 3.0]))
    opt = m.optim.SGD([p], lr=0.1)
    trace = []
    for i in range(steps):
        loss = (p * m.tensor([0.5, 0.25, -1.0])).sum()
        scaler.scale(loss).backward()
        if i in _INF_STEPS:
            with m.no_grad():
                p.grad[1] = float("inf") if i % 2 else float("nan")
        ret = scaler.step(opt)
        scaler.update()
        opt.zero_grad()
        trace.append((scaler.get_scale(), scaler._get_growth_tracker(), ret,
                      np.asarray(p.detach()).tolist()))
    return trace


def test_scale_trajectory_skips_and_params_match_torch():
    kw = dict(init_scale=2.0 ** 10, growth_factor=3.0, backoff_factor=0.25, growth_interval=3)
    ours = _scaler_run(torch, GradScaler("cpu", **kw))
    theirs = _scaler_run(T, T.amp.GradScaler("cpu", **kw))
    assert [t[:3] for t in ours] == [t[:3] for t in theirs]
    np.testing.assert_allclose([t[3] for t in ours], [t[3] for t in theirs], rtol=1e-6)
    scales = [t[0] for t in ours]
    assert any(b < a for a, b in zip(scales, scales[1:]))  # it backed off
    assert any(b > a for a, b in zip(scales, scales[1:]))  # and grew
    # a skipped step leaves the parameter as it was
    assert ours[2][3] == ours[1][3] and ours[3][3] == ours[1][3]


def test_unscale_then_clip_and_state_dict_round_trip_with_torch():
    s = GradScaler("cpu", init_scale=8.0, growth_interval=1)
    ts = T.amp.GradScaler("cpu", init_scale=8.0, growth_interval=1)
    for m, sc in ((torch, s), (T, ts)):
        p = m.nn.Parameter(m.tensor([3.0, 4.0]))
        opt = m.optim.SGD([p], lr=1.0)
        sc.scale((p * p).sum()).backward()
        sc.unscale_(opt)
        np.testing.assert_allclose(np.asarray(p.grad.detach()), [6.0, 8.0])
        m.nn.utils.clip_grad_norm_([p], 1.0)
        sc.step(opt)
        sc.update()
    assert s.state_dict() == ts.state_dict() == {
        "scale": 16.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 1,
        "_growth_tracker": 0}
    fresh = GradScaler("cpu")
    fresh.load_state_dict(ts.state_dict())
    assert fresh.get_scale() == 16.0 and fresh.get_growth_interval() == 1
    again = pickle.loads(pickle.dumps(s))
    assert again.state_dict() == s.state_dict()


def test_order_errors_as_torch():
    p = torch.nn.Parameter(torch.tensor([1.0]))
    opt = torch.optim.SGD([p], lr=0.1)
    s = GradScaler("cpu")
    with pytest.raises(AssertionError, match="did not use scaler.scale"):
        s.step(opt)
    s.scale(p.sum()).backward()
    s.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called on this optimizer"):
        s.unscale_(opt)
    s.step(opt)
    with pytest.raises(GradScalerError, match="step\\(\\) has already been called"):
        s.step(opt)
    with pytest.raises(RuntimeError, match="after step"):
        s.unscale_(opt)
    with pytest.raises(RuntimeError, match="Closure use"):
        s.step(opt, closure=lambda: 0.0)
    s.update()
    p.grad = torch.zeros(1, dtype=torch.float16)
    with pytest.raises(GradScalerValueError, match="FP16"):
        s.unscale_(opt)
    with pytest.raises(ValueError, match="iterable of Tensors"):
        s.scale(3.0)
    with pytest.raises(AssertionError, match="growth factor"):
        GradScaler("cpu", growth_factor=0.5)
    with pytest.raises(RuntimeError, match="state dict is empty"):
        GradScaler("cpu").load_state_dict({})


def test_disabled_and_nested_outputs():
    s = GradScaler("cpu", enabled=False)
    x = torch.tensor(2.0)
    assert s.scale(x) is x and s.get_scale() == 1.0 and s.state_dict() == {}
    s = GradScaler("cpu", init_scale=4.0)
    out = s.scale([x, (x, x)])
    assert isinstance(out, list) and isinstance(out[1], tuple)
    assert float(out[1][0]) == 8.0 and out[0].dtype == torch.float32
    # a bfloat16 loss times the float32 scale tensor is float32, as in PyTorch
    assert s.scale(x.to(torch.bfloat16)).dtype == torch.float32
    assert T.amp.GradScaler("cpu").scale(T.tensor(2.0).bfloat16()).dtype == T.float32


def test_cuda_scaler_disables_itself_without_cuda():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        s = GradScaler()
    assert s.is_enabled() == torch.cuda.is_available()
    if not s.is_enabled():
        assert "CUDA is not available" in str(w[0].message)


# -- training: autocast(bfloat16) + GradScaler ---------------------------------------------

_RNG = np.random.default_rng(1)
_X = _RNG.standard_normal((50, 16, 20)).astype(np.float32)
_Y = _RNG.integers(0, 5, (50, 16))


def _mlp(m):
    T.manual_seed(0)
    ref = T.nn.Sequential(T.nn.Linear(20, 32), T.nn.ReLU(), T.nn.Linear(32, 32), T.nn.ReLU(),
                          T.nn.Linear(32, 5))
    if m is T:
        return ref
    net = torch.nn.Sequential(torch.nn.Linear(20, 32), torch.nn.ReLU(),
                              torch.nn.Linear(32, 32), torch.nn.ReLU(), torch.nn.Linear(32, 5))
    net.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in ref.state_dict().items()})
    return net


def _train(m, amp: bool):
    net = _mlp(m)
    opt = m.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    scaler = (T.amp.GradScaler("cpu") if m is T else GradScaler("cpu")) if amp else None
    ac = T.autocast if m is T else autocast
    losses = []
    for i in range(50):
        x, y = m.tensor(_X[i]), m.tensor(_Y[i])
        opt.zero_grad()
        if amp:
            with ac("cpu", dtype=m.bfloat16):
                assert (x @ net[0].weight.T).dtype == m.bfloat16
                loss = m.nn.functional.cross_entropy(net(x), y)
            assert loss.dtype == m.float32
            scaler.scale(loss).backward()
            assert net[0].weight.grad.dtype == m.float32
            scaler.step(opt)
            scaler.update()
        else:
            loss = m.nn.functional.cross_entropy(net(x), y)
            loss.backward()
            opt.step()
        losses.append(float(loss.detach()))
    return np.array(losses), (scaler.get_scale() if amp else None), net


def test_mlp_autocast_bf16_with_grad_scaler_tracks_float32_and_torch():
    """50 SGD-momentum steps. Under autocast every matmul reads its inputs rounded to
    bfloat16 (relative error up to 2**-9 per element): one step's gradients differ from the
    float32 ones by ~0.4% (measured, in trueno and PyTorch alike), losses by a few 2**-9
    relative. Measured over the 50 steps: trueno's autocast losses are within 0.34% of its
    float32 run's, PyTorch's within 0.45% of its own; the bound 2**-6 (1.6%) leaves 4x
    headroom, and the runs must differ (bfloat16 did run). The weights drift apart faster
    (SGD amplifies small differences): measured 0.2 (trueno) and 0.09 (PyTorch) of the
    distance the float32 weights travelled; the bound is 0.5 (a run that did not train, or
    trained elsewhere, is at 1 or more).

    trueno's nn.Linear adds its bias after the bfloat16 matmul in float32 (PyTorch's
    autocast linear rounds the biased result to bfloat16): one rounding per layer fewer."""
    init = {k: v.detach().numpy().copy() for k, v in _mlp(T).state_dict().items()}
    results = {}
    for m in (torch, T):
        l32, _, net32 = _train(m, amp=False)
        lamp, scale, netamp = _train(m, amp=True)
        np.testing.assert_allclose(lamp, l32, rtol=2 ** -6)
        assert np.abs(lamp - l32).max() > 1e-5  # bfloat16 compute did happen
        assert scale == 2.0 ** 16  # no overflow
        w32 = {k: np.asarray(v.detach()) for k, v in net32.state_dict().items()}
        wamp = {k: np.asarray(v.detach()) for k, v in netamp.state_dict().items()}
        for k, w0 in init.items():
            moved = np.linalg.norm(w32[k] - w0)
            assert np.linalg.norm(wamp[k] - w32[k]) < 0.5 * moved, (m.__name__, k)
        results[m is T] = (l32, lamp)
    np.testing.assert_allclose(results[False][0], results[True][0], rtol=1e-5)  # float32 runs
    np.testing.assert_allclose(results[False][1], results[True][1], rtol=2 ** -6)  # autocast


# -- nn functions under autocast ---------------------------------------------------------------

_A = np.random.default_rng(2).standard_normal((4, 4)).astype(np.float32)
_B = np.random.default_rng(3).standard_normal((4, 4)).astype(np.float32)
_IMG = np.random.default_rng(4).standard_normal((2, 3, 6, 6)).astype(np.float32)
_KER = np.random.default_rng(5).standard_normal((4, 3, 3, 3)).astype(np.float32)
_NN_CASES = {
    "linear": lambda m, F, a, b: F.linear(a, b, b[0]),
    "conv2d": lambda m, F, a, b: F.conv2d(m.tensor(_IMG).to(a.dtype), m.tensor(_KER),
                                          m.tensor(_KER[:, 0, 0, 0])),
    "mse_loss": lambda m, F, a, b: F.mse_loss(a, b),
    "l1_loss": lambda m, F, a, b: F.l1_loss(a, b),
    "smooth_l1_loss": lambda m, F, a, b: F.smooth_l1_loss(a, b),
    "cross_entropy": lambda m, F, a, b: F.cross_entropy(a, m.tensor([0, 1, 2, 3])),
    "nll_loss": lambda m, F, a, b: F.nll_loss(a, m.tensor([0, 1, 2, 3])),
    "binary_cross_entropy_with_logits":
        lambda m, F, a, b: F.binary_cross_entropy_with_logits(a, b.sigmoid()),
    "kl_div": lambda m, F, a, b: F.kl_div(a, b.softmax(-1), reduction="batchmean"),
}


@pytest.mark.parametrize("low", ["bfloat16", "float16"])
@pytest.mark.parametrize("name", sorted(_NN_CASES))
def test_nn_functions_named_for_autocast_give_torch_dtypes(name, low):
    """``trueno.amp.autocast_function(name)`` gives an nn function the policy PyTorch
    has for it (the lower-precision list for linear/conv, float32 for the losses), so that
    e.g. a conv of a bfloat16 activation with a float32 weight works, as in PyTorch."""
    from trueno.amp import autocast_function

    case = _NN_CASES[name]
    for da, db in (("float32", "float32"), (low, low), (low, "float32")):
        got = []
        for m in (T, torch):
            F = m.nn.functional
            if m is torch:
                F = type("F", (), {name: staticmethod(autocast_function(name)(
                    getattr(F, name))), "softmax": staticmethod(F.softmax)})
            a, b = m.tensor(_A).to(getattr(m, da)), m.tensor(_B).to(getattr(m, db))
            ac = T.autocast if m is T else autocast
            with ac("cpu", dtype=getattr(m, low)):
                got.append(str(case(m, F, a, b).dtype).rsplit(".", 1)[-1])
        assert got[0] == got[1], (da, db, got)


def test_cnn_without_conv_bias_runs_under_autocast_once_conv_is_named():
    from trueno.amp import autocast_function
    conv = autocast_function("conv2d")(torch.nn.functional.conv2d)
    x = torch.tensor(_IMG)
    w1 = torch.tensor(_KER)
    w2 = torch.tensor(np.random.default_rng(6).standard_normal((2, 4, 3, 3)).astype(np.float32))
    with autocast("cpu"):
        y = conv(torch.relu(conv(x, w1)), w2)
    assert y.dtype == torch.bfloat16
    with T.autocast("cpu"):
        yt = T.nn.functional.conv2d(T.relu(T.nn.functional.conv2d(T.tensor(_IMG),
                                                                  T.tensor(_KER))),
                                    T.tensor(np.asarray(w2)))
    np.testing.assert_allclose(np.asarray(y.float()), yt.float().numpy(), rtol=2e-2, atol=5e-2)


def test_grad_scaler_on_the_gpu_device_matches_torch_cpu_run():
    """The same scaled steps (one clean, one with an injected inf) on trueno's GPU device and
    in PyTorch on the CPU: same parameters, same scales, the second step skipped."""
    trueno_gpu = pytest.importorskip("trueno_gpu")
    if not trueno_gpu.is_available():
        pytest.skip("no GPU adapter for trueno-gpu")
    trace = []
    for m, dev in ((torch, "gpu"), (T, "cpu")):
        p = m.nn.Parameter(m.tensor([1.0, 2.0], device=dev))
        opt = m.optim.SGD([p], lr=0.1)
        s = (GradScaler if m is torch else T.amp.GradScaler)(dev, init_scale=4.0,
                                                              growth_interval=1)
        run = []
        for i in range(2):
            opt.zero_grad()
            s.scale((p * p).sum()).backward()
            if i == 1:
                with m.no_grad():
                    p.grad[0] = float("inf")
            run.append((s.step(opt), np.asarray(p.detach().cpu()).tolist(), s.get_scale()))
            s.update()
        trace.append(run + [s.get_scale()])
    assert trace[0] == trace[1]
    assert trace[0][1][1] == trace[0][0][1]  # the skipped step left p alone
