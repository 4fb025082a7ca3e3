"""Gradients through views after in-place changes (issue 12, item 4), against torch 2.13.

PyTorch's semantics: a view shares its base's version counter; when the base (or another view
of it) changes in place, the view's history is remade as the view op applied to the base's new
history; when a view changes in place, its base's history gets a CopySlices node; and some
writes raise (a leaf that requires grad or a view of one, a view made in no_grad mode, a saved
tensor changed after it was saved). Each pattern runs unchanged on ``torch`` and on
``trueno.torch`` and must give the same gradients, or an exception of the same type.
"""

from __future__ import annotations

import numpy as np
import pytest
from ag_setup import grad_mode_restored  # noqa: F401  (autouse fixture)

import trueno.torch as ttorch

torch = pytest.importorskip("torch", reason="torch is not importable (CI installs "
                                            "torch==2.13.0 for these differential tests)")

PATTERNS = []


def pattern(raises=None):
    """Register a pattern ``fn(torch_module) -> {name: tensor or None}``; ``raises`` is a phrase
    of the RuntimeError that PyTorch raises for it (None: PyTorch computes gradients)."""
    def deco(fn):
        fn.raises = raises
        PATTERNS.append(fn)
        return fn
    return deco


def ones(t, shape):
    return t.ones(shape, dtype=t.float64).requires_grad_()


def ar(t, *shape):
    n = int(np.prod(shape))
    return t.arange(n, dtype=t.float64).reshape(shape)


def vec(t, values, requires_grad=False):
    v = t.tensor(values, dtype=t.float64)
    return v.requires_grad_() if requires_grad else v


# -- the base changes, a view made before is used -------------------------------------------------
@pattern()
def base_changed_then_view_used(t):  # issue 12's example: PyTorch gives [6, 6, 0, 0]
    x = ones(t, 4)
    y = x * 2
    v = y[0:2]
    y.mul_(3)
    v.sum().backward()
    return {"x": x.grad}


@pattern()
def base_changed_by_a_tensor_that_requires_grad(t):
    x = ones(t, 4)
    w = ar(t, 4).requires_grad_()
    y = x * 2
    v = y[0:2]
    y.mul_(w)
    v.sum().backward()
    return {"x": x.grad, "w": w.grad}


@pattern()
def chain_of_views_base_changed(t):
    x = ones(t, (4, 3))
    y = x * 2
    v = y[1:3]
    v2 = v[:, 0:2]
    y.mul_(3)
    (v2 * ar(t, 2, 2)).sum().backward()
    return {"x": x.grad}


@pattern()
def several_inplace_ops_on_base_and_view(t):
    x = ones(t, 4)
    y = x * 2
    v = y[0:3]
    y.mul_(3)
    y.add_(1)
    v.mul_(2)
    y.pow_(2)
    (v * ar(t, 3)).sum().backward()
    return {"x": x.grad}


@pattern()
def another_view_changed_then_this_view_used(t):
    x = ones(t, 4)
    y = x * 2
    a = y[0:2]
    b = y[1:3]  # overlaps a at y[1]
    a.mul_(3)
    (b * vec(t, [1.0, 10.0])).sum().backward()
    return {"x": x.grad}


@pattern()
def setitem_on_base_then_view_used(t):
    x = ones(t, 4)
    w = vec(t, [9.0], requires_grad=True)
    y = x * 2
    v = y[0:2]
    y[1:2] = w
    (v * 3).sum().backward()
    return {"x": x.grad, "w": w.grad}


@pattern()
def setitem_on_base_then_reshaped_view_used(t):
    x = ones(t, (2, 3))
    y = x * 2
    r = y.reshape(6)
    y[0, 1] = 0
    (r * ar(t, 6)).sum().backward()
    return {"x": x.grad}


@pattern()
def transposed_view_of_a_changed_base(t):
    x = ones(t, (2, 3))
    y = x * 1
    tv = y.t()
    y.add_(ar(t, 2, 3))
    (tv * tv).sum().backward()
    return {"x": x.grad}


@pattern()
def base_changed_in_no_grad_then_view_used(t):
    x = ones(t, 4)
    y = x * 2
    v = y[0:2]
    with t.no_grad():
        y.mul_(3)
    v.sum().backward()
    return {"x": x.grad}


@pattern()
def view_of_leaf_used_after_an_optimizer_like_step(t):
    x = ones(t, 4)
    v = x[0:2]
    with t.no_grad():
        x.mul_(3)
    (v * v).sum().backward()
    return {"x": x.grad}


@pattern()
def backward_twice_with_base_changes_between(t):
    x = ones(t, 4)
    y = x * 2
    v = y[0:2]
    y.mul_(3)
    v.sum().backward(retain_graph=True)
    y.mul_(2)
    v.sum().backward()
    return {"x": x.grad}


@pattern()
def retain_grad_on_view_survives_base_change(t):
    x = ones(t, 4)
    y = x * 2
    v = y[0:2]
    v.retain_grad()
    y.mul_(3)
    (v * v).sum().backward()
    return {"x": x.grad, "v": v.grad}


@pattern()
def out_of_place_after_inplace(t):
    x = ones(t, 4)
    y = x * 2
    v = y[0:2]
    y.add_(1)
    z = v * v
    (z + y[2:4]).sum().backward()
    return {"x": x.grad}


# -- a view changes, the base (or the view) is used -----------------------------------------------
@pattern()
def view_changed_then_base_used(t):
    x = ones(t, 4)
    y = x * 2
    v = y[1:3]
    v.mul_(3)
    y.sum().backward()
    return {"x": x.grad}


@pattern()
def view_changed_by_a_tensor_that_requires_grad(t):
    x = ones(t, 4)
    w = vec(t, [5.0, 7.0], requires_grad=True)
    y = x * 2
    v = y[1:3]
    v.mul_(w)
    (y * ar(t, 4)).sum().backward()
    return {"x": x.grad, "w": w.grad}


@pattern()
def view_of_view_changed_twice_then_base_used(t):
    x = ones(t, (4, 3))
    y = x * 2
    v = y[1:3]
    v2 = v[:, 0:2]
    v2.add_(1)
    v2.mul_(5)
    (y * y).sum().backward()
    return {"x": x.grad}


@pattern()
def two_views_one_changed(t):
    x = ones(t, 4)
    w = vec(t, [2.0, 3.0], requires_grad=True)
    y = x * 2
    a = y[0:2]
    b = y[2:4]
    a.mul_(w)
    (b * 10 + a).sum().backward()
    return {"x": x.grad, "w": w.grad}


@pattern()
def view_changed_then_view_used(t):
    x = ones(t, 4)
    y = x * 2
    v = y[0:2]
    v.mul_(3)
    (v * v).sum().backward()
    return {"x": x.grad}


@pattern()
def transposed_view_changed(t):
    x = ones(t, (2, 3))
    y = x * 1
    tv = y.t()
    tv.mul_(ar(t, 3, 2))
    (y * y).sum().backward()
    return {"x": x.grad}


@pattern()
def unsqueezed_view_changed(t):
    x = ones(t, 4)
    y = x * 2
    u = y.unsqueeze(0)
    u.mul_(3)
    (y * ar(t, 4)).sum().backward()
    return {"x": x.grad}


@pattern()
def diagonal_view_changed(t):
    x = ones(t, (3, 3))
    y = x * 2
    d = y.diagonal()
    d.mul_(vec(t, [1.0, 2.0, 3.0]))
    (y * y).sum().backward()
    return {"x": x.grad}


@pattern()
def view_of_base_without_grad_changed_by_w(t):
    w = vec(t, [2.0, 3.0], requires_grad=True)
    y = t.ones(4, dtype=t.float64)
    v = y[0:2]
    v.mul_(w)
    (y * ar(t, 4)).sum().backward()
    return {"w": w.grad}


@pattern()
def setitem_through_an_index_view_of_a_base_without_grad(t):
    w = vec(t, [2.0, 3.0], requires_grad=True)
    y = t.zeros((2, 3), dtype=t.float64)
    y[1][0:2] = w  # y[1] is a view: the write must reach y's history
    (y * ar(t, 2, 3)).sum().backward()
    return {"w": w.grad}


@pattern()
def view_of_a_detached_tensor_changed(t):
    x = ones(t, 4)
    y = x * 2
    d = y.detach()[0:2]
    d.mul_(3)
    y.sum().backward()
    return {"x": x.grad}


@pattern()
def view_changed_in_no_grad_block_with_its_creation(t):
    x = ones(t, 4)
    y = x * 2
    with t.no_grad():
        v = y[0:2]
        v.mul_(2)
    y.sum().backward()
    return {"x": x.grad}


# -- where PyTorch raises -------------------------------------------------------------------------
def leaf_write(name, shape, write, raises):
    """Register a pattern that writes in place into a leaf that requires grad (``write(x)``):
    PyTorch raises ``raises`` whether the write goes to the leaf or to a view of it."""
    def fn(t):
        x = ones(t, shape)
        write(x)
        return {"x": x.grad}
    fn.__name__ = fn.__qualname__ = name
    pattern(raises=raises)(fn)


_LEAF = "a leaf Variable that requires grad is being used in an in-place operation"
_VIEW_OF_LEAF = "a view of a leaf Variable that requires grad"
leaf_write("leaf_changed_in_place", 4, lambda x: x.mul_(2), _LEAF)
leaf_write("view_of_leaf_changed_in_place", 4, lambda x: x[0:2].mul_(2), _VIEW_OF_LEAF)
leaf_write("view_of_view_of_leaf_changed_in_place", (3, 2), lambda x: x.t()[0].add_(1),
           _VIEW_OF_LEAF)


@pattern(raises="A view was created in no_grad mode and is being modified inplace")
def view_made_in_no_grad_changed_in_grad_mode(t):
    x = ones(t, 4)
    y = x * 2
    with t.no_grad():
        v = y[0:2]
    v.mul_(2)
    y.sum().backward()
    return {"x": x.grad}


@pattern(raises="is a view of a view which was created in no_grad mode")
def view_of_a_view_made_in_no_grad_changed(t):
    x = ones(t, 4)
    y = x * 2
    with t.no_grad():
        v = y[0:3]
    v2 = v[0:2]
    v2.mul_(2)
    y.sum().backward()
    return {"x": x.grad}


@pattern(raises="its base or another view of its base has been modified inplace")
def view_made_in_no_grad_used_after_base_changed(t):
    x = ones(t, 4)
    y = x * 2
    with t.no_grad():
        v = y[0:2]
    y.mul_(2)
    (v * 2).sum().backward()
    return {"x": x.grad}


def saved_tensor_write(name, write):
    """Register a pattern that changes ``y`` (``write(y)``) after ``y * y`` saved it: backward
    raises, whether the write goes to ``y``, to a view of it or to its detached alias."""
    def fn(t):
        x = ones(t, 4)
        y = x * 2
        z = y * y
        write(y)
        z.sum().backward()
        return {"x": x.grad}
    fn.__name__ = fn.__qualname__ = name
    pattern(raises="one of the variables needed for gradient computation has been modified")(fn)


saved_tensor_write("saved_tensor_changed", lambda y: y.mul_(3))
saved_tensor_write("saved_tensor_changed_through_a_view", lambda y: y[0:2].mul_(3))
saved_tensor_write("saved_tensor_changed_through_detach", lambda y: y.detach().mul_(3))


@pattern(raises="more than one element of the written-to tensor refers to a single memory")
def expanded_view_changed(t):
    x = ones(t, (1, 3))
    y = x * 1
    e = y.expand(2, 3)
    e.mul_(2)
    e.sum().backward()
    return {"x": x.grad}


def outcome(module, fn):
    """The gradients ``fn`` returns, as NumPy arrays (None stays None), or the exception."""
    try:
        res = fn(module)
    except Exception as exc:  # compared with the other library's
        return exc
    return {k: None if v is None else np.asarray(v.detach().tolist()) for k, v in res.items()}


def test_enough_patterns():
    assert len(PATTERNS) >= 10
    assert len({fn.__name__ for fn in PATTERNS}) == len(PATTERNS)


@pytest.mark.parametrize("fn", PATTERNS, ids=lambda fn: fn.__name__)
def test_matches_torch(fn):
    want = outcome(torch, fn)
    got = outcome(ttorch, fn)
    if fn.raises is not None:
        assert isinstance(want, RuntimeError) and fn.raises in str(want), \
            f"torch no longer raises as this pattern expects: {want!r}"
        assert isinstance(got, type(want)), f"trueno gave {got!r}, torch raised {want!r}"
        assert fn.raises in str(got)
        return
    assert not isinstance(want, Exception), f"torch raised {want!r}"
    assert not isinstance(got, Exception), f"trueno raised {got!r}; torch gave {want}"
    assert got.keys() == want.keys()
    for k in want:
        assert want[k] is not None, f"torch gave no gradient for {k}: a pattern that tests nothing"
        assert got[k] is not None, f"{k}.grad is None; torch gives {want[k].tolist()}"
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-12, err_msg=k)


# -- the same writes outside autograd keep each face's rules ---------------------------------------
def test_numpy_face_diagonal_stays_read_only():
    import trueno as tn
    a = tn.ones((3, 3))
    with pytest.raises(ValueError):
        a.diagonal()[...] = 5.0  # as NumPy: np.ones((3, 3)).diagonal() is read-only
    with pytest.raises(ValueError):
        d = a.diagonal()
        d += 1.0
    assert a.tolist() == np.ones((3, 3)).tolist()


def test_torch_face_diagonal_is_writable():
    y = ttorch.ones(3, 3, dtype=ttorch.float64)
    y.diagonal().mul_(ttorch.tensor([1.0, 2.0, 3.0], dtype=ttorch.float64))
    y.diagonal()[1:] = 7.0
    want = torch.ones(3, 3, dtype=torch.float64)
    want.diagonal().mul_(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
    want.diagonal()[1:] = 7.0
    assert y.tolist() == want.tolist()


@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_write_into_an_expanded_view_raises_on_both_faces(face):
    import trueno as tn
    base = tn.ones((1, 3)) if face == "numpy" else ttorch.ones(1, 3)
    e = tn.broadcast_to(base, (2, 3)) if face == "numpy" else base.expand(2, 3)
    for write in (lambda: e.__iadd__(1.0), lambda: e.__setitem__((Ellipsis,), 2.0)):
        with pytest.raises(ValueError) as info:  # NumPy's type ...
            write()
        assert isinstance(info.value, RuntimeError)  # ... and PyTorch's
        assert "refers to a single memory location" in str(info.value)
    assert base.tolist() == [[1.0, 1.0, 1.0]]
