"""trueno.optim's optimizers vs PyTorch 2.13: the same start, the same loss, the same steps."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch as T

import trueno
import trueno.optim as optim
import trueno.torch as torch

STEPS = 30
# relative to the largest magnitude of each tensor: the gradients themselves (matmul, mean)
# differ from PyTorch's by float rounding, which the updates carry along
TOL = {"float32": 1e-6, "float64": 1e-12}

CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.2, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.02)),
    ("SGD", dict(lr=0.01, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True, eps=1e-6)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, alpha=0.9, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.02, initial_accumulator_value=0.1)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.01, maximize=True)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, weight_decay=0.05, betas=(0.8, 0.9))),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.05, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.05, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.05, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, weight_decay=0.05, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=10, weight_decay=0.01)),
    ("Adafactor", dict()),
    ("Adafactor", dict(lr=0.05, beta2_decay=-0.5, eps=(1e-20, 1e-2), d=1.5,
                       weight_decay=0.01, maximize=True)),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for n, kw in CASES]

_rng = np.random.default_rng(17)
W0 = _rng.standard_normal((4, 3))
B0 = _rng.standard_normal(3)
X = _rng.standard_normal((8, 4))
Y = _rng.standard_normal((8, 3))


class Lib:
    """One library's tensors and optimizers (trueno's PyTorch face or PyTorch)."""

    def __init__(self, mod, optim_mod) -> None:
        self.mod, self.optim = mod, optim_mod

    def tensor(self, a, dtype: str, grad: bool = False):
        t = self.mod.tensor(np.array(a, dtype=dtype))
        return t.requires_grad_(True) if grad else t

    def params(self, dtype: str, w=W0, b=B0):
        return [self.tensor(w, dtype, True), self.tensor(b, dtype, True)]

    def loss(self, params, dtype: str, sign: float = 1.0):
        w, b = params
        x, y = self.tensor(X, dtype), self.tensor(Y, dtype)
        r = x @ w + b - y
        return ((r * r).mean() + 0.1 * (w * w * w * w).sum()) * sign


TR = Lib(torch, optim)
PT = Lib(T, T.optim)


def train(lib: Lib, opt, params, dtype: str, steps: int) -> None:
    sign = -1.0 if opt.param_groups[0]["maximize"] else 1.0   # maximize the negated loss
    for _ in range(steps):
        opt.zero_grad()
        lib.loss(params, dtype, sign).backward()
        opt.step()


def arr(t) -> np.ndarray:
    if isinstance(t, np.ndarray):
        return t
    return np.asarray(t.detach()) if not isinstance(t, T.Tensor) else t.detach().numpy()


def assert_close(got, want, dtype: str, state: bool = False) -> None:
    """Equal within TOL of the largest magnitude; state (running averages of gradients
    whose rounding differs from PyTorch's) within 10x that."""
    a, b = arr(got), arr(want)
    assert a.dtype == b.dtype and a.shape == b.shape
    scale = max(float(np.max(np.abs(b), initial=0.0)), 1.0 if b.ndim == 0 else 1e-30)
    np.testing.assert_allclose(a, b, rtol=0, atol=TOL[dtype] * scale * (10 if state else 1))


def assert_params(got, want, dtype: str) -> None:
    for g, w in zip(got, want, strict=True):
        assert_close(g, w, dtype)


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_optimizer_matches_torch(name: str, kwargs: dict, dtype: str) -> None:
    pt_params, tr_params = PT.params(dtype), TR.params(dtype)
    pt_opt = getattr(T.optim, name)(pt_params, **kwargs)
    tr_opt = getattr(optim, name)(tr_params, **kwargs)
    train(PT, pt_opt, pt_params, dtype, STEPS)
    train(TR, tr_opt, tr_params, dtype, STEPS)
    assert_params(tr_params, pt_params, dtype)
    # the state dict has PyTorch's layout: the same keys, groups and per-parameter state
    pt_sd, tr_sd = pt_opt.state_dict(), tr_opt.state_dict()
    assert tr_sd["param_groups"] == pt_sd["param_groups"]
    assert list(tr_sd["state"]) == list(pt_sd["state"])
    for i, st in pt_sd["state"].items():
        assert list(tr_sd["state"][i]) == list(st)
        for key, v in st.items():
            assert_close(tr_sd["state"][i][key], v, dtype, state=True)


def _resume(lib: Lib, name: str, kwargs: dict, dtype: str) -> list:
    """Train half the steps, save, load into a fresh optimizer over fresh tensors, go on."""
    half = STEPS // 2
    first = lib.params(dtype)
    opt1 = getattr(lib.optim, name)(first, **kwargs)
    train(lib, opt1, first, dtype, half)
    saved = copy.deepcopy(opt1.state_dict())
    resumed = lib.params(dtype, arr(first[0]), arr(first[1]))
    opt2 = getattr(lib.optim, name)(resumed, lr=123.0)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == kwargs.get("lr", opt1.defaults["lr"])
    assert opt2.param_groups[0]["params"][0] is resumed[0]
    train(lib, opt2, resumed, dtype, STEPS - half)
    return resumed


# state kept in float32 scalars that loading casts to the parameters' dtype, as PyTorch does
_CAST_ON_LOAD = ("NAdam", "ASGD")


@pytest.mark.parametrize(("name", "kwargs"), CASES[1::3], ids=IDS[1::3])
def test_state_dict_resume(name: str, kwargs: dict, dtype: str) -> None:
    """Save mid-run, load into a fresh optimizer over fresh tensors, continue: the same
    parameters as an uninterrupted run, and as PyTorch's resumed run."""
    full = TR.params(dtype)
    train(TR, getattr(optim, name)(full, **kwargs), full, dtype, STEPS)
    resumed = _resume(TR, name, kwargs, dtype)
    if name in _CAST_ON_LOAD:
        assert_params(resumed, full, "float32")
    else:
        for a, b in zip(resumed, full):
            np.testing.assert_array_equal(arr(a), arr(b))
    assert_params(resumed, _resume(PT, name, kwargs, dtype), dtype)


def test_param_groups_and_add_param_group(dtype: str) -> None:
    results = []
    for lib in (PT, TR):
        w, b = lib.params(dtype)
        opt = lib.optim.SGD([{"params": [w]}], lr=0.05, momentum=0.9)
        opt.add_param_group({"params": b, "lr": 0.01, "nesterov": True})
        train(lib, opt, [w, b], dtype, 20)
        results.append(([w, b], opt.state_dict()))
    (pt, pt_sd), (tr, tr_sd) = results
    assert_params(tr, pt, dtype)
    assert tr_sd["param_groups"] == pt_sd["param_groups"]
    assert tr_sd["param_groups"][1]["params"] == [1]


def test_zero_grad_and_closure() -> None:
    w, b = TR.params("float64")
    opt = optim.Adam([w, b], lr=0.1)
    assert opt.step() is None                         # no grads yet: nothing happens
    np.testing.assert_array_equal(arr(w), W0)
    assert len(opt.state) == 0

    def closure():
        opt.zero_grad()
        loss = TR.loss([w, b], "float64")
        loss.backward()
        return loss

    loss = opt.step(closure)
    want = float(PT.loss(PT.params("float64"), "float64").detach())
    assert float(loss) == pytest.approx(want, rel=1e-12)
    assert opt.state[w]["step"].item() == 1.0 and w in opt.state
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(arr(w.grad), np.zeros((4, 3)))
    opt.zero_grad()
    assert w.grad is None and b.grad is None


def test_sgd_momentum_zero_keeps_no_state() -> None:
    """As PyTorch's: SGD without momentum has an empty state."""
    params = TR.params("float64")
    opt = optim.SGD(params, lr=0.1)
    train(TR, opt, params, "float64", 2)
    assert opt.state_dict()["state"] == {}


@pytest.mark.parametrize(("name", "kwargs", "message"), [
    ("SGD", dict(lr=-1), "Invalid learning rate: -1"),
    ("SGD", dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    ("SGD", dict(nesterov=True), "Nesterov momentum requires a momentum"),
    ("Adam", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adam", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("AdamW", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("RMSprop", dict(alpha=-1), "Invalid alpha value: -1"),
    ("Adagrad", dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
    ("NAdam", dict(momentum_decay=-1), "Invalid momentum_decay value: -1"),
])
def test_bad_hyperparameters(name: str, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        getattr(optim, name)(TR.params("float32"), **kwargs)
    assert isinstance(info.value, trueno.TruenoError)
    with pytest.raises(ValueError, match=message):          # PyTorch says the same
        getattr(T.optim, name)(PT.params("float32"), **kwargs)


def test_bad_params() -> None:
    w, b = TR.params("float32")
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": set()}])
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([w, 3.0], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [w]}, {"params": [w, b]}], lr=0.1)
    opt = optim.SGD([w], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict(optim.SGD([w, b], lr=0.1).state_dict())


def test_repr_like_torch() -> None:
    w, b = TR.params("float32")
    pw, pb = PT.params("float32")
    assert repr(optim.Adam([w, b], lr=0.01)) == repr(T.optim.Adam([pw, pb], lr=0.01))


def test_torch_face_exposes_optim() -> None:
    assert torch.optim.SGD is optim.SGD
    assert torch.optim.lr_scheduler.StepLR is optim.lr_scheduler.StepLR
    import trueno.torch.optim.lr_scheduler as ls  # the submodule imports as in PyTorch
    assert ls.CosineAnnealingLR is optim.lr_scheduler.CosineAnnealingLR
    from trueno.optim.optimizer import Optimizer   # libraries subclass it from here
    from trueno.optim.swa_utils import AveragedModel
    assert Optimizer is optim.Optimizer and AveragedModel is optim.swa_utils.AveragedModel


def test_import_paths_in_a_fresh_process() -> None:
    import subprocess
    import sys
    code = ("from trueno.optim.lr_scheduler import StepLR\n"
            "from trueno.optim.optimizer import Optimizer\n"
            "import trueno.torch as torch\n"
            "assert torch.optim.lr_scheduler.StepLR is StepLR\n"
            "assert issubclass(torch.optim.AdamW, Optimizer)\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.parametrize(("name", "kwargs"), [CASES[2], CASES[6], CASES[12], CASES[21]],
                         ids=[IDS[2], IDS[6], IDS[12], IDS[21]])
def test_load_pytorch_state_dict(name: str, kwargs: dict, dtype: str) -> None:
    """A PyTorch optimizer's state dict (torch tensors) loads into trueno's optimizer and
    training goes on as PyTorch's would."""
    half = STEPS // 2
    pt = PT.params(dtype)
    pt_opt = getattr(T.optim, name)(pt, **kwargs)
    train(PT, pt_opt, pt, dtype, half)
    saved = copy.deepcopy(pt_opt.state_dict())
    tr = TR.params(dtype, arr(pt[0]), arr(pt[1]))
    tr_opt = getattr(optim, name)(tr, **kwargs)
    tr_opt.load_state_dict(saved)
    assert all(isinstance(v, torch.Tensor) for st in tr_opt.state.values() for v in st.values())
    train(PT, pt_opt, pt, dtype, STEPS - half)
    train(TR, tr_opt, tr, dtype, STEPS - half)
    assert_params(tr, pt, dtype)


def test_parameters_to_vector_and_back() -> None:
    w, b = TR.params("float64")
    vec = optim.parameters_to_vector([w, b])
    want = T.nn.utils.parameters_to_vector(PT.params("float64"))
    np.testing.assert_array_equal(arr(vec), want.detach().numpy())
    optim.vector_to_parameters(vec * 2, [w, b])
    np.testing.assert_array_equal(arr(w), 2 * W0)
    np.testing.assert_array_equal(arr(b), 2 * B0)
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        optim.vector_to_parameters(arr(vec), [w, b])
    with pytest.raises(ValueError, match="15 elements"):
        optim.vector_to_parameters(vec[:3], [w, b])


@pytest.mark.parametrize("kwargs", [dict(max_iter=5), dict(lr=0.5, max_iter=6, history_size=3),
                                    dict(max_iter=5, line_search_fn="strong_wolfe")],
                         ids=["plain", "history3", "strong_wolfe"])
def test_lbfgs_matches_torch(kwargs: dict, dtype: str) -> None:
    results = []
    for lib in (PT, TR):
        params = lib.params(dtype)
        opt = lib.optim.LBFGS(params, **kwargs)
        losses = []

        def closure(lib=lib, params=params, opt=opt):
            opt.zero_grad()
            loss = lib.loss(params, dtype)
            loss.backward()
            return loss

        for _ in range(3):
            losses.append(float(opt.step(closure).detach()))
        state = opt.state[params[0]]
        results.append((params, losses, state["func_evals"], state["n_iter"]))
    (pt, pt_losses, *pt_counts), (tr, tr_losses, *tr_counts) = results
    assert tr_counts == pt_counts
    # float64 to 1e-12; in float32 the dot products' rounding (summation order differs from
    # PyTorch's) is carried through the curvature pairs: 1e-4 of the largest magnitude
    tol = 1e-12 if dtype == "float64" else 1e-4
    np.testing.assert_allclose(tr_losses, pt_losses, rtol=tol)
    for a, b in zip(tr, pt):
        scale = float(np.max(np.abs(arr(b))))
        np.testing.assert_allclose(arr(a), arr(b), rtol=0, atol=tol * scale)


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_copied_optimizer_keeps_its_state(how: str) -> None:
    """A deep copy (or pickle round trip) of an optimizer owns copies of the parameters,
    and its state is found under them: both go on identically."""
    import pickle

    params = TR.params("float64")
    opt = optim.Adam(params, lr=0.05, amsgrad=True)
    train(TR, opt, params, "float64", 5)
    twin = copy.deepcopy(opt) if how == "deepcopy" else pickle.loads(pickle.dumps(opt))
    twin_params = twin.param_groups[0]["params"]
    assert twin_params[0] is not params[0]
    if how == "pickle":   # trueno's tensor pickling drops requires_grad (PyTorch keeps it)
        for p in twin_params:
            p.requires_grad_(True)
    assert twin.state[twin_params[0]]["step"].item() == 5.0
    train(TR, opt, params, "float64", 5)
    train(TR, twin, twin_params, "float64", 5)
    for a, b in zip(twin_params, params):
        np.testing.assert_array_equal(arr(a), arr(b))


def test_gradient_accumulation_equals_full_batch(dtype: str) -> None:
    """backward() on two half batches (losses halved) then one step = one step on the whole
    batch, as in PyTorch (the recipe in trueno.optim's docstring)."""
    results = []
    for split in (False, True):
        w, b = params = TR.params(dtype)
        opt = optim.SGD(params, lr=0.05, momentum=0.9)
        x, y = TR.tensor(X, dtype), TR.tensor(Y, dtype)
        for _ in range(4):
            parts = [(x[:4], y[:4]), (x[4:], y[4:])] if split else [(x, y)]
            for xs, ys in parts:
                r = xs @ w + b - ys
                ((r * r).mean() / len(parts)).backward()
            opt.step()
            opt.zero_grad()
        results.append(params)
    assert_params(results[1], results[0], dtype)
    pt = PT.params(dtype)
    pt_opt = T.optim.SGD(pt, lr=0.05, momentum=0.9)
    for _ in range(4):
        r = PT.tensor(X, dtype) @ pt[0] + pt[1] - PT.tensor(Y, dtype)
        (r * r).mean().backward()
        pt_opt.step()
        pt_opt.zero_grad()
    assert_params(results[1], pt, dtype)


def test_early_stopping() -> None:
    stop = optim.EarlyStopping(patience=2, min_delta=0.01)
    losses = [1.0, 0.8, 0.795, 0.79, 0.7, 0.71, 0.705, 0.702, 0.5]
    flags = [stop.step(v) for v in losses]
    assert flags == [False] * 7 + [True, False]
    assert (stop.best, stop.best_epoch) == (0.5, 8)
    saved = stop.state_dict()
    acc = optim.EarlyStopping(patience=0, mode="max", threshold=0.1)
    assert [acc.step(torch.tensor(v)) for v in (0.5, 0.54, 0.56)] == [False, True, False]
    fresh = optim.EarlyStopping()
    fresh.load_state_dict(saved)
    assert fresh.best == 0.5 and fresh.patience == 2 and fresh.step(0.6) is False
    assert optim.EarlyStopping().step(float("nan")) is True
    with pytest.raises(ValueError, match="expected 'min' or 'max'"):
        optim.EarlyStopping(mode="up")


def test_step_and_state_dict_hooks() -> None:
    """PyTorch's hook API: per-optimizer and global step pre/post hooks (a pre hook may
    replace the arguments), state_dict and load_state_dict pre/post hooks, handles."""
    calls = []
    params = TR.params("float64")
    opt = optim.SGD(params, lr=0.1)
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append(("pre", a, k)))
    h2 = opt.register_step_post_hook(lambda o, a, k: calls.append(("post", a, k)))
    g = optim.register_optimizer_step_pre_hook(lambda o, a, k: calls.append(("global", o)))
    sentinel = lambda: 7.0                                    # noqa: E731
    opt.register_step_pre_hook(lambda o, a, k: ((sentinel,), {}))   # replaces the closure
    assert opt.step() == 7.0
    assert calls == [("global", opt), ("pre", (), {}), ("post", (sentinel,), {})]
    for h in (h1, h2, g):
        h.remove()
    calls.clear()
    assert opt.step() == 7.0 and calls == []

    def add_note(o, sd):
        sd["note"] = "hi"

    opt.register_state_dict_post_hook(add_note)
    opt.register_state_dict_pre_hook(lambda o: calls.append("sd-pre"))
    sd = opt.state_dict()
    assert sd["note"] == "hi" and calls == ["sd-pre"]
    fresh = optim.SGD(TR.params("float64"), lr=0.5)

    def drop_note(o, sd):
        sd = dict(sd)
        sd.pop("note")
        return sd

    fresh.register_load_state_dict_pre_hook(drop_note)
    fresh.register_load_state_dict_post_hook(lambda o: calls.append("load-post"))
    fresh.load_state_dict(sd)
    assert calls == ["sd-pre", "load-post"] and fresh.param_groups[0]["lr"] == 0.1
    assert type(fresh).step.__name__ == "step" and getattr(type(fresh).step, "hooked", False)


def test_named_parameters_and_tensor_lr() -> None:
    """Parameters given as (name, tensor) pairs keep ``param_names`` in the groups, and a
    0-d tensor lr is stepped and scheduled as in PyTorch."""
    results = []
    for lib in (PT, TR):
        w, b = lib.params("float64")
        opt = lib.optim.Adam([("w", w), ("b", b)], lr=lib.mod.tensor(0.02))
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        losses = []
        for _ in range(8):
            opt.zero_grad()
            loss = lib.loss([w, b], "float64")
            loss.backward()
            opt.step()
            sched.step()
            losses.append(float(loss.detach()))
        groups = opt.state_dict()["param_groups"]
        results.append((losses, [arr(w), arr(b)], groups[0]["param_names"],
                        float(groups[0]["lr"]), sorted(groups[0])))
    (l_pt, p_pt, n_pt, lr_pt, k_pt), (l_tr, p_tr, n_tr, lr_tr, k_tr) = results
    np.testing.assert_allclose(l_tr, l_pt, rtol=1e-12)
    assert_params(p_tr, p_pt, "float64")
    assert n_tr == n_pt == ["w", "b"] and k_tr == k_pt
    assert lr_tr == lr_pt == pytest.approx(0.02 * 0.25)     # float32 0.02, quartered


def test_deepcopied_lbfgs_steps() -> None:
    params = TR.params("float64")
    twin = copy.deepcopy(optim.LBFGS(params, max_iter=3))
    w, b = twin.param_groups[0]["params"]

    def closure():
        twin.zero_grad()
        loss = TR.loss([w, b], "float64")
        loss.backward()
        return loss

    first = float(twin.step(closure).detach())
    assert float(TR.loss([w, b], "float64").detach()) < first
    np.testing.assert_array_equal(arr(params[0]), W0)      # the original is untouched
