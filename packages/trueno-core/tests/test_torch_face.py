"""The PyTorch face's everyday Tensor methods and functions against PyTorch itself."""

import numpy as np
import pytest

import trueno.torch as tt

torch = pytest.importorskip("torch", reason="needs torch (the tests session installs "
                            "torch==2.13.0)")

A = np.array([[0.5, -1.5, 2.0], [3.0, 0.25, -0.75]], dtype=np.float32)
B = np.array([[1.0, 2.0, -1.0], [0.5, -2.0, 4.0]], dtype=np.float32)

METHODS = [
    ("exp", ()), ("log", ()), ("abs", ()), ("neg", ()), ("sqrt", ()), ("sigmoid", ()),
    ("tanh", ()), ("relu", ()), ("sin", ()), ("floor", ()), ("round", ()), ("square", ()),
    ("sum", ()), ("sum", (1,)), ("mean", (0,)), ("std", ()), ("var", (1,)), ("prod", (1,)),
    ("argmax", ()), ("argmax", (1,)), ("amax", (0,)), ("cumsum", (1,)), ("logsumexp", (1,)),
    ("softmax", (1,)), ("log_softmax", (0,)), ("flatten", ()), ("t", ()), ("float", ()),
    ("double", ()), ("long", ()), ("int", ()), ("bool", ()), ("clone", ()), ("contiguous", ()),
    ("reshape", (3, 2)), ("view", (-1,)), ("permute", (1, 0)), ("transpose", (0, 1)),
    ("unsqueeze", (1,)), ("repeat", (2, 1)), ("expand", (3, 2, 3)), ("clamp", (-1.0, 1.0)),
    ("pow", (2,)), ("add", (1.5,)), ("mul", (2.0,)), ("div", (4.0,)), ("sub", (1.0,)),
    ("eq", (0.5,)), ("gt", (0.0,)), ("norm", ()), ("numel", ()), ("dim", ()), ("size", ()),
    ("size", (1,)), ("stride", ()), ("tolist", ()), ("item", None),
]


def _np(x):
    if isinstance(x, (tt.Tensor, torch.Tensor)):
        return np.asarray(x.detach().numpy() if isinstance(x, torch.Tensor) else x.numpy())
    return x


@pytest.mark.parametrize("name,args", METHODS, ids=[f"{m}{a}" for m, a in METHODS])
def test_method_matches_torch(name, args):
    a, ta = tt.tensor(A), torch.tensor(A)
    if args is None:  # one-element tensors only
        a, ta, args = a[0, 0], ta[0, 0], ()
    got, want = getattr(a, name)(*args), getattr(ta, name)(*args)
    if isinstance(want, torch.Tensor):
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
        assert tuple(got.shape) == tuple(want.shape)
        np.testing.assert_allclose(_np(got), _np(want), rtol=1e-5, atol=1e-6)
    else:
        assert got == want or np.allclose(got, want)


def test_binary_methods_and_functions_match_torch():
    a, b, ta, tb = tt.tensor(A), tt.tensor(B), torch.tensor(A), torch.tensor(B)
    for got, want in [(a.maximum(b), ta.maximum(tb)), (a.mm(b.t()), ta.mm(tb.t())),
                      (tt.where(a > 0, a, b), torch.where(ta > 0, ta, tb)),
                      (tt.cat([a, b], 1), torch.cat([ta, tb], 1)),
                      (tt.stack([a, b]), torch.stack([ta, tb])),
                      (a.masked_fill(a < 0, 0.0), ta.masked_fill(ta < 0, 0.0)),
                      (tt.max(a, 1).values, torch.max(ta, 1).values),
                      (tt.max(a, 1).indices, torch.max(ta, 1).indices),
                      (a.sort(1, descending=True).indices, ta.sort(1, descending=True).indices),
                      (tt.topk(a, 2).values, torch.topk(ta, 2).values),
                      (a.add(b, alpha=2), ta.add(tb, alpha=2))]:
        np.testing.assert_allclose(_np(got), _np(want), rtol=1e-6)


def test_inplace_methods_write_through():
    a, ta = tt.tensor(A), torch.tensor(A)
    for name, args in [("add_", (1.0,)), ("mul_", (2.0,)), ("clamp_", (-1.0, 3.0)),
                       ("zero_", ()), ("fill_", (7.0,))]:
        getattr(a, name)(*args)
        getattr(ta, name)(*args)
        np.testing.assert_allclose(a.numpy(), ta.numpy())


@pytest.mark.parametrize("fn", ["gather", "Tensor.gather", "index_select",
                                "Tensor.index_select"])
@pytest.mark.parametrize("bad", [-1, 4, -5])
def test_gather_and_index_select_reject_indices_as_torch_does(fn, bad):
    """PyTorch takes no negative index in gather/index_select: -1 is an error, not a wrap."""
    x = np.arange(4.0, dtype=np.float32)

    def call(mod, data, idx):
        if fn.startswith("Tensor."):
            return getattr(data, fn[7:])(0, idx)
        return getattr(mod, fn)(data, 0, idx)
    with pytest.raises(Exception) as want:
        call(torch, torch.tensor(x), torch.tensor([bad]))
    with pytest.raises(Exception) as got:
        call(tt, tt.tensor(x), tt.tensor([bad]))
    # the same builtin class (RuntimeError for gather, IndexError for index_select) and, for
    # gather, PyTorch's words
    assert isinstance(got.value, type(want.value)), (got.value, want.value)
    assert isinstance(got.value, tt.TruenoError)
    if "gather" in fn:
        assert str(want.value).splitlines()[0] in str(got.value)
    # in-range indices agree with PyTorch
    ok = [3, 0, 2]
    np.testing.assert_array_equal(_np(call(tt, tt.tensor(x), tt.tensor(ok))),
                                  call(torch, torch.tensor(x), torch.tensor(ok)).numpy())


def test_gather_2d_matches_torch():
    a = np.arange(12, dtype=np.int64).reshape(3, 4)
    idx = np.array([[0, 3], [2, 1], [1, 1]])
    np.testing.assert_array_equal(_np(tt.gather(tt.tensor(a), 1, tt.tensor(idx))),
                                  torch.gather(torch.tensor(a), 1, torch.tensor(idx)).numpy())
    with pytest.raises(RuntimeError, match="index -1 is out of bounds for dimension 1 with "
                                           "size 4"):
        tt.gather(tt.tensor(a), 1, tt.tensor([[0, -1]]))


@pytest.mark.parametrize("name", ["nn", "optim", "utils"])
def test_missing_submodule_is_an_attribute_error_with_the_hint(name):
    """``hasattr(torch, "nn")`` is False (not an ImportError) when the extra cannot be
    imported, and the AttributeError says why; in a subprocess where trueno_nn is missing."""
    import subprocess
    import sys
    code = ("import sys; sys.modules['trueno_nn'] = None\n"
            "import trueno.torch as t\n"
            f"print(hasattr(t, {name!r}))\n"
            f"try:\n    t.{name}\nexcept AttributeError as e:\n    print('AE', e)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "False"
    assert lines[1].startswith(f"AE module 'trueno.torch' has no attribute {name!r}")
    assert "pip install 'trueno[nn]'" in lines[1]
    assert hasattr(tt, "autograd") and not hasattr(tt, "no_such_thing")


def test_shape_errors_are_runtime_errors_as_torch_and_value_errors_as_numpy():
    """torch raises RuntimeError for a broadcast mismatch, NumPy ValueError: trueno's
    ShapeError is both, so code written for either face catches it."""
    import torch as real_torch

    import trueno as tn
    import trueno.torch as ttorch

    with pytest.raises(RuntimeError):
        real_torch.ones(2, 3) + real_torch.ones(3, 2)
    with pytest.raises(RuntimeError, match="broadcast"):
        ttorch.ones(2, 3) + ttorch.ones(3, 2)
    with pytest.raises(ValueError, match="broadcast"):
        tn.ones((2, 3)) + tn.ones((3, 2))


def test_tensors_hash_by_identity_as_torch():
    """torch tensors are dict keys and set members by identity; NumPy-face arrays stay
    unhashable, as NumPy's."""
    import torch as real_torch

    import trueno as tn

    a, b = tt.ones(2), tt.ones(2)
    ra, rb = real_torch.ones(2), real_torch.ones(2)
    assert len({a, b, a}) == len({ra, rb, ra}) == 2
    assert {a: 1, b: 2}[a] == {ra: 1, rb: 2}[ra] == 1
    with pytest.raises(TypeError):
        hash(tn.ones(2))
