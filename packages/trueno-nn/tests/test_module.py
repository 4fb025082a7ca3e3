"""nn.Module API vs PyTorch 2.13: registration, names and order, repr, hooks, train/eval,
conversion, zero_grad, strict load errors, containers."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
import torch as T

import trueno
import trueno.nn as nn
import trueno.torch as torch


def _net(m, lib):
    class Block(m.Module):
        def __init__(self):
            super().__init__()
            self.fc = m.Linear(3, 3)
            self.register_buffer("count", lib.zeros(2))
            self.register_buffer("scratch", lib.ones(1), persistent=False)
            self.scale = m.Parameter(lib.ones(3))

        def forward(self, x):
            return self.fc(x) * self.scale

    class Net(m.Module):
        def __init__(self):
            super().__init__()
            self.a = Block()
            self.seq = m.Sequential(OrderedDict(relu=m.ReLU(), drop=m.Dropout(0.2)))
            self.b = self.a  # shared: listed once
            self.heads = m.ModuleList([m.Linear(3, 2), m.Linear(3, 2)])
            self.table = m.ModuleDict({"x": m.Tanh()})
            self.plist = m.ParameterList([lib.zeros(2), lib.ones(2, 3)])
            self.pdict = m.ParameterDict({"w": m.Parameter(lib.zeros(1))})
            self.none = None

        def forward(self, x):
            return self.heads[0](self.seq(self.a(x)))
    return Net()


@pytest.fixture
def nets():
    return _net(nn, torch), _net(T.nn, T)


def test_names_order_and_repr_match_pytorch(nets):
    a, b = nets
    assert [n for n, _ in a.named_parameters()] == [n for n, _ in b.named_parameters()]
    assert [n for n, _ in a.named_parameters(prefix="m", remove_duplicate=False)] == \
        [n for n, _ in b.named_parameters(prefix="m", remove_duplicate=False)]
    assert [n for n, _ in a.named_parameters(recurse=False)] == []
    assert [n for n, _ in a.named_buffers()] == [n for n, _ in b.named_buffers()]
    assert [n for n, _ in a.named_modules()] == [n for n, _ in b.named_modules()]
    assert [n for n, _ in a.named_modules(remove_duplicate=False)] == \
        [n for n, _ in b.named_modules(remove_duplicate=False)]
    assert [n for n, _ in a.named_children()] == [n for n, _ in b.named_children()]
    assert len(list(a.children())) == len(list(b.children()))
    assert len(list(a.modules())) == len(list(b.modules()))
    assert list(a.state_dict()) == list(b.state_dict())
    assert repr(a).replace("trueno_nn.", "") == repr(b)
    assert repr(nn.ModuleList([nn.ReLU()] * 3 + [nn.Tanh()])) == \
        repr(T.nn.ModuleList([T.nn.ReLU()] * 3 + [T.nn.Tanh()]))
    assert repr(nn.ModuleList()) == "ModuleList()"
    assert len(a.plist) == 2 and isinstance(a.plist[1], nn.Parameter)
    assert set(a.__dir__()) >= {"a", "seq", "heads", "forward", "training"}


def test_attribute_errors_and_registration_errors():
    lin = nn.Linear(2, 2)
    with pytest.raises(AttributeError, match="^'Linear' object has no attribute 'foo'$"):
        lin.foo  # noqa: B018
    assert isinstance(pytest.raises(AttributeError, getattr, lin, "foo").value,
                      trueno.TruenoError)
    with pytest.raises(TypeError, match=r"cannot assign 'torch.FloatTensor' as parameter "
                                        r"'weight' \(torch.nn.Parameter or None expected\)"):
        lin.weight = torch.zeros(2, 2)
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        lin.register_buffer("weight", torch.zeros(1))
    with pytest.raises(KeyError, match="contain"):
        lin.register_parameter("a.b", None)
    with pytest.raises(TypeError, match="is not a Module subclass"):
        lin.add_module("x", 3)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(torch.zeros(1))
    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()
    lin.extra = nn.Tanh()
    lin.extra = None  # a module slot takes None
    assert "extra" in lin._modules and lin.extra is None
    del lin.extra
    assert "extra" not in lin._modules
    lin.bias = None
    assert [n for n, _ in lin.named_parameters()] == ["weight"]


def test_parameter_behaves_as_pytorch():
    p = nn.Parameter(torch.ones(2, 3))
    assert isinstance(p, torch.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf
    for q in (p * 2, p.t(), p.detach(), p.data, p[0]):
        assert type(q) is torch.Tensor and not isinstance(q, nn.Parameter)
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert not nn.Parameter(torch.ones(1), requires_grad=False).requires_grad
    m = nn.Module()
    m.w = p
    m.t = p * 2  # a plain tensor is a plain attribute, not a parameter
    assert [n for n, _ in m.named_parameters()] == ["w"]
    m.buf = nn.Buffer(torch.zeros(2), persistent=False)
    assert [n for n, _ in m.named_buffers()] == ["buf"] and list(m.state_dict()) == ["w"]
    import copy
    import pickle
    q = copy.deepcopy(p)
    assert type(q) is nn.Parameter and q.requires_grad
    r = pickle.loads(pickle.dumps(p))
    assert type(r) is nn.Parameter and np.array_equal(np.asarray(r), np.asarray(p))


def test_train_eval_requires_grad_zero_grad(nets):
    a, _ = nets
    assert a.training and a.seq.drop.training
    a.eval()
    assert not any(m.training for m in a.modules())
    a.train()
    assert all(m.training for m in a.modules())
    a(torch.randn(4, 3)).sum().backward()
    assert a.a.fc.weight.grad is not None
    a.zero_grad(set_to_none=False)
    assert not np.asarray(a.a.fc.weight.grad).any()
    a.zero_grad()
    assert all(p.grad is None for p in a.parameters())
    a.requires_grad_(False)
    assert not any(p.requires_grad for p in a.parameters())
    seen = []
    a.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Linear"


def test_to_and_casts_keep_parameter_identity():
    m = nn.Sequential(nn.Linear(3, 2), nn.Embedding(4, 2))
    m[1].register_buffer("ids", torch.arange(3))
    w = m[0].weight
    m.double()
    assert m[0].weight is w and w.dtype == torch.float64 and w.requires_grad
    assert m[1].ids.dtype == torch.int64  # non-float buffers keep their dtype
    m.to(torch.float32)
    assert w.dtype == torch.float32
    m.half()
    assert w.dtype == torch.float16
    m.float().cpu().to("cpu")
    m.to(torch.zeros(1, dtype=torch.float64))
    assert w.dtype == torch.float64
    out = m[0](torch.ones(1, 3, dtype=torch.float64))
    out.sum().backward()
    assert w.grad.dtype == torch.float64
    with pytest.raises(TypeError, match="floating point or complex"):
        m.to(torch.int32)


def test_hooks_run_in_order_and_remove(nets):
    a, _ = nets
    calls = []
    h1 = a.a.register_forward_pre_hook(lambda mod, args: calls.append("pre") or
                                       (args[0] * 0,))
    h2 = a.a.register_forward_hook(lambda mod, args, out: calls.append("post") or out + 1)
    h3 = a.a.register_forward_hook(lambda mod, args, out: calls.append("first"), prepend=True)
    h4 = a.a.register_forward_pre_hook(
        lambda mod, args, kwargs: calls.append("kw") or (args, kwargs), with_kwargs=True)
    x = torch.randn(2, 3)
    out = a.a(x)
    assert calls == ["pre", "kw", "first", "post"]
    want = a.a.fc.bias.detach() * a.a.scale.detach() + 1
    np.testing.assert_allclose(np.asarray(out), np.broadcast_to(np.asarray(want), (2, 3)))
    for h in (h1, h2, h3, h4):
        h.remove()
    calls.clear()
    np.testing.assert_array_equal(np.asarray(a.a(x)), np.asarray(a.a.forward(x)))
    assert calls == []


def test_load_state_dict_strict_errors_match_pytorch(nets):
    a, b = nets
    sd_a, sd_b = a.state_dict(), b.state_dict()
    for drop, extra in ((["a.fc.bias"], {}), ([], {"a.fc.zz": 1, "extra": 2}),
                        (["plist.0"], {"heads.5.weight": 0})):
        da = {k: v for k, v in sd_a.items() if k not in drop}
        db = {k: v for k, v in sd_b.items() if k not in drop}
        da.update({k: torch.zeros(1) for k in extra})
        db.update({k: T.zeros(1) for k in extra})
        with pytest.raises(RuntimeError) as ea:
            a.load_state_dict(da)
        with pytest.raises(RuntimeError) as eb:
            b.load_state_dict(db)
        assert str(ea.value) == str(eb.value)
        assert isinstance(ea.value, trueno.TruenoError)
        ra, rb = a.load_state_dict(da, strict=False), b.load_state_dict(db, strict=False)
        assert (ra.missing_keys, ra.unexpected_keys) == (rb.missing_keys, rb.unexpected_keys)
        assert repr(ra) == repr(rb)
    bad_a = dict(sd_a, **{"a.fc.weight": torch.zeros(2, 3)})
    bad_b = dict(sd_b, **{"a.fc.weight": T.zeros(2, 3)})
    with pytest.raises(RuntimeError) as ea:
        a.load_state_dict(bad_a, strict=False)
    with pytest.raises(RuntimeError) as eb:
        b.load_state_dict(bad_b, strict=False)
    assert str(ea.value) == str(eb.value)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        a.load_state_dict([1])


def test_load_state_dict_copies_into_the_same_parameters():
    src, dst = nn.Linear(3, 2), nn.Linear(3, 2)
    w = dst.weight
    dst.load_state_dict(src.state_dict())
    assert dst.weight is w
    np.testing.assert_array_equal(np.asarray(w.detach()), np.asarray(src.weight.detach()))
    sd = src.state_dict()
    sd["weight"].add_(1)  # state_dict tensors share the module's storage, as PyTorch's
    np.testing.assert_array_equal(np.asarray(sd["weight"]), np.asarray(src.weight.detach()))


def test_sequential_indexing_slicing_append():
    s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    t = T.nn.Sequential(T.nn.Linear(2, 3), T.nn.ReLU(), T.nn.Linear(3, 1))
    assert len(s) == 3 and isinstance(s[-1], nn.Linear) and isinstance(s[1], nn.ReLU)
    assert repr(s[1:]) == repr(t[1:])
    s.append(nn.Tanh())
    t.append(T.nn.Tanh())
    assert repr(s) == repr(t)
    del s[0]
    del t[0]
    assert [n for n, _ in s.named_children()] == [n for n, _ in t.named_children()]
    with pytest.raises(IndexError):
        s[7]
    d = nn.ModuleDict({"a": nn.ReLU()})
    d["b"] = nn.Tanh()
    assert list(d.keys()) == ["a", "b"] and "b" in d and len(d) == 2
    pd = nn.ParameterDict({"p": torch.zeros(2)})
    assert isinstance(pd["p"], nn.Parameter) and list(pd) == ["p"]
    assert repr(pd) == repr(T.nn.ParameterDict({"p": T.zeros(2)}))
    assert repr(nn.ParameterList([torch.zeros(2, 3)])) == \
        repr(T.nn.ParameterList([T.zeros(2, 3)]))


def test_faces_and_imports():
    import trueno.nn.functional as F
    assert torch.nn is nn and torch.nn.functional is F and nn.functional is F
    assert F.relu is nn.functional.relu and nn.init.kaiming_uniform_
    lin = nn.Linear(3, 2)
    assert lin(torch.ones(4, 3)).shape == (4, 2)
    with pytest.raises(ValueError, match=r"linear: input's last dimension \(4, 5\)"):
        lin(torch.ones(4, 5))


def test_submodule_imports_in_a_fresh_interpreter():
    """``import trueno.nn.functional as F`` (and ``.init``) work as the first import: the shim
    ``trueno.nn`` is a plain module, so trueno_nn names its submodules in sys.modules."""
    import subprocess
    import sys
    code = ("import trueno.nn.functional as F, trueno.nn.init as I, trueno.torch as t\n"
            "import trueno.torch.nn.functional as G\n"
            "assert t.nn.functional is F is G and t.nn.init is I\n"
            "assert F.relu(t.tensor([-1.0, 2.0])).tolist() == [0.0, 2.0]\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
