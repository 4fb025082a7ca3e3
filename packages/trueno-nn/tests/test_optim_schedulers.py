"""trueno.optim.lr_scheduler vs PyTorch 2.13: the same learning rates epoch by epoch."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch as T

import trueno
import trueno.optim as optim
import trueno.torch as torch

EPOCHS = 60


def _lambda(epoch: int) -> float:
    return 0.95**epoch + 0.01 * (epoch % 3)


def _mult(epoch: int) -> float:
    return 0.97 if epoch % 2 else 0.99


def _scale(x: float) -> float:
    return 1.0 / (1.0 + 0.1 * x)


# (name, kwargs, optimizer): each scheduler on SGD(momentum) or Adam with two param groups
CASES = [
    ("StepLR", dict(step_size=7, gamma=0.5), "SGD"),
    ("MultiStepLR", dict(milestones=[5, 12, 12, 30], gamma=0.3), "SGD"),
    ("ExponentialLR", dict(gamma=0.93), "SGD"),
    ("CosineAnnealingLR", dict(T_max=17, eta_min=0.001), "SGD"),
    ("CosineAnnealingLR", dict(T_max=25), "Adam"),
    ("LinearLR", dict(start_factor=0.2, end_factor=0.9, total_iters=11), "SGD"),
    ("ConstantLR", dict(factor=0.25, total_iters=8), "SGD"),
    ("LambdaLR", dict(lr_lambda=_lambda), "SGD"),
    ("LambdaLR", dict(lr_lambda=[_lambda, lambda e: 1.0 / (1 + e)]), "SGD"),
    ("MultiplicativeLR", dict(lr_lambda=_mult), "SGD"),
    ("PolynomialLR", dict(total_iters=20, power=2.0), "SGD"),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], total_steps=EPOCHS + 1), "SGD"),
    ("OneCycleLR", dict(max_lr=0.3, epochs=7, steps_per_epoch=9, anneal_strategy="linear",
                        three_phase=True), "Adam"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=7), "SGD"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=5, step_size_down=9,
                      mode="triangular2"), "SGD"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=6, mode="exp_range",
                      gamma=0.97), "Adam"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4, scale_fn=_scale,
                      scale_mode="iterations", cycle_momentum=False), "SGD"),
    ("CosineAnnealingWarmRestarts", dict(T_0=7, eta_min=0.002), "SGD"),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2), "SGD"),
]
IDS = [f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)]


def make(lib, opt_name: str):
    """An optimizer of ``lib`` (trueno.optim or torch.optim) with two parameter groups."""
    mod = torch if lib is optim else T
    w = mod.zeros(3, requires_grad=True)
    b = mod.zeros(2, requires_grad=True)
    groups = [{"params": [w]}, {"params": [b], "lr": 0.05}]
    if opt_name == "SGD":
        return lib.SGD(groups, lr=0.1, momentum=0.9)
    return lib.Adam(groups, lr=0.1)


def record(opt, sched, epochs: int, metrics=None) -> list:
    out = []
    for epoch in range(epochs):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[epoch])
        out.append((list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups],
                    [g.get("momentum", g.get("betas")) for g in opt.param_groups]))
    return out


@pytest.mark.parametrize(("name", "kwargs", "opt_name"), CASES, ids=IDS)
def test_scheduler_matches_torch(name: str, kwargs: dict, opt_name: str) -> None:
    pt_opt, tr_opt = make(T.optim, opt_name), make(optim, opt_name)
    pt = getattr(T.optim.lr_scheduler, name)(pt_opt, **kwargs)
    tr = getattr(optim.lr_scheduler, name)(tr_opt, **kwargs)
    assert tr.get_last_lr() == pt.get_last_lr()
    assert tr.base_lrs == pt.base_lrs
    assert record(tr_opt, tr, EPOCHS) == record(pt_opt, pt, EPOCHS)
    assert sorted(tr.state_dict()) == sorted(pt.state_dict())
    assert tr_opt.state_dict()["param_groups"] == pt_opt.state_dict()["param_groups"]


@pytest.mark.parametrize(("name", "kwargs", "opt_name"), CASES[::3], ids=IDS[::3])
def test_scheduler_resume(name: str, kwargs: dict, opt_name: str) -> None:
    """Save optimizer and scheduler mid-run, load both into fresh ones, continue: the same
    learning rates as an uninterrupted run."""
    opt = make(optim, opt_name)
    sched = getattr(optim.lr_scheduler, name)(opt, **kwargs)
    full = record(opt, sched, EPOCHS)

    opt1 = make(optim, opt_name)
    sched1 = getattr(optim.lr_scheduler, name)(opt1, **kwargs)
    first = record(opt1, sched1, 25)
    opt_sd, sched_sd = copy.deepcopy(opt1.state_dict()), copy.deepcopy(sched1.state_dict())
    opt2 = make(optim, opt_name)
    sched2 = getattr(optim.lr_scheduler, name)(opt2, **kwargs)
    opt2.load_state_dict(opt_sd)
    sched2.load_state_dict(sched_sd)
    assert first + record(opt2, sched2, EPOCHS - 25) == full


def test_sequential_and_chained() -> None:
    runs = []
    for lib in (T.optim, optim):
        ls = lib.lr_scheduler
        opt = make(lib, "SGD")
        seq = ls.SequentialLR(opt, [ls.LinearLR(opt, start_factor=0.1, total_iters=5),
                                    ls.ExponentialLR(opt, gamma=0.9),
                                    ls.CosineAnnealingLR(opt, T_max=10)],
                              milestones=[5, 20])
        a = record(opt, seq, 40)
        opt2 = make(lib, "SGD")
        chain = ls.ChainedScheduler([ls.ConstantLR(opt2, factor=0.5, total_iters=4),
                                     ls.ExponentialLR(opt2, gamma=0.95)])
        b = record(opt2, chain, 30)
        runs.append((a, b, sorted(seq.state_dict()), sorted(chain.state_dict())))
    assert runs[0] == runs[1]


@pytest.mark.parametrize("kwargs", [
    dict(patience=2), dict(mode="max", factor=0.5, patience=1, threshold_mode="abs",
                           threshold=0.05, cooldown=2, min_lr=[0.01, 0.02]),
])
def test_reduce_lr_on_plateau(kwargs: dict) -> None:
    rng = np.random.default_rng(3)
    metrics = list(np.round(1.0 / np.arange(1, 41) + rng.uniform(0, 0.2, 40), 3))
    runs = []
    for lib in (T.optim, optim):
        opt = make(lib, "SGD")
        sched = lib.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        runs.append((record(opt, sched, 40, metrics), sched.best, sched.num_bad_epochs,
                     sorted(sched.state_dict())))
    assert runs[0] == runs[1]
    assert runs[1][0][-1][1] != [0.1, 0.05]            # the lr did go down


def test_step_with_epoch_uses_closed_form() -> None:
    runs = []
    for lib in (T.optim, optim):
        opt = make(lib, "SGD")
        sched = lib.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        opt.step()
        with pytest.warns(UserWarning, match="epoch parameter"):
            sched.step(10)
        runs.append(sched.get_last_lr())
    assert runs[0] == runs[1] == [0.1 * 0.125, 0.05 * 0.125]


def test_scheduler_errors() -> None:
    opt = make(optim, "SGD")
    ls = optim.lr_scheduler
    with pytest.raises(TypeError, match="is not an Optimizer"):
        ls.StepLR(object(), step_size=2)
    with pytest.raises(KeyError, match="initial_lr"):
        ls.StepLR(opt, step_size=2, last_epoch=3)
    with pytest.raises(ValueError, match="Constant multiplicative factor") as info:
        ls.ConstantLR(opt, factor=2.0)
    assert isinstance(info.value, trueno.TruenoError)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        ls.LambdaLR(opt, [_lambda])
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        ls.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="total_steps OR"):
        ls.OneCycleLR(opt, max_lr=0.1)
    one = ls.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        opt.step()
        one.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        one.step()


def test_scheduler_before_optimizer_step_warns() -> None:
    opt = make(optim, "SGD")
    sched = optim.lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()


def test_clip_grad_norm_and_value(dtype: str = "float64") -> None:
    rng = np.random.default_rng(5)
    data = [rng.standard_normal((3, 4)), rng.standard_normal(5), rng.standard_normal(2)]
    for norm_type, max_norm in [(2.0, 1.0), (1.0, 0.5), (math.inf, 0.3), (3.0, 100.0)]:
        tr = [torch.tensor(d, requires_grad=True) for d in data]
        pt = [T.tensor(d, requires_grad=True) for d in data]
        for ps, mod in ((tr, torch), (pt, T)):
            sum(((p * p * p).sum() for p in ps[:2]), mod.tensor(0.0, dtype=mod.float64)
                ).backward()
        total_tr = optim.clip_grad_norm_(tr, max_norm, norm_type=norm_type)
        total_pt = T.nn.utils.clip_grad_norm_(pt, max_norm, norm_type=norm_type)
        np.testing.assert_allclose(float(total_tr), float(total_pt), rtol=1e-13)
        assert tr[2].grad is None
        for a, b in zip(tr[:2], pt[:2]):
            np.testing.assert_allclose(np.asarray(a.grad), b.grad.numpy(), rtol=1e-13)
    optim.clip_grad_value_(tr, 0.25)
    T.nn.utils.clip_grad_value_(pt, 0.25)
    for a, b in zip(tr[:2], pt[:2]):
        np.testing.assert_array_equal(np.asarray(a.grad), b.grad.numpy())
    assert float(np.abs(np.asarray(tr[0].grad)).max()) == 0.25
    assert float(optim.clip_grad_norm_([torch.zeros(2)], 1.0)) == 0.0   # no grads at all
    bad = torch.tensor([1.0, 2.0], requires_grad=True)
    (bad * torch.tensor([math.inf, 1.0])).sum().backward()
    with pytest.raises(RuntimeError, match="non-finite"):
        optim.clip_grad_norm_([bad], 1.0, error_if_nonfinite=True)


def test_get_total_norm_and_clip_grads_with_norm() -> None:
    """The two halves of clip_grad_norm_ (PyTorch 2.6+), over mixed float32/float64 grads."""
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((4, 3)).astype("float32"), rng.standard_normal(7)
    tr = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    pt = [T.tensor(a, requires_grad=True), T.tensor(b, requires_grad=True)]
    for ps in (tr, pt):
        for p in ps:
            p.grad = p.detach() * 3
    total_tr = optim.get_total_norm([p.grad for p in tr], 2.0)
    total_pt = T.nn.utils.get_total_norm([p.grad for p in pt], 2.0)
    assert str(total_tr.dtype).split(".")[-1] == str(total_pt.dtype).split(".")[-1] == "float64"
    np.testing.assert_allclose(float(total_tr), float(total_pt), rtol=1e-7)
    optim.clip_grads_with_norm_(tr, 2.0, total_tr)
    T.nn.utils.clip_grads_with_norm_(pt, 2.0, total_pt)
    for x, y in zip(tr, pt):
        np.testing.assert_allclose(np.asarray(x.grad), y.grad.numpy(), rtol=1e-6)
    with pytest.warns(FutureWarning, match="deprecated"):
        optim.clip_grad_norm(tr, 1.0)
    with pytest.warns(UserWarning, match="empty generator"):
        optim.clip_grad_norm_((p for p in []), 1.0)
