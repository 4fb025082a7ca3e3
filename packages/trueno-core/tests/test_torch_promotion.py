"""PyTorch's type promotion on the torch face (issue 15): 0-d tensors are weak operands
(``int32 tensor + torch.tensor(5)`` is int32), compared with torch 2.13 over a grid of every
dtype pair, 0-d and n-d in both orders, for ``+ * /``, ``where`` and ``torch.result_type``;
``torch.promote_types`` is unchanged."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import trueno as tn
import trueno.torch as tt

torch = pytest.importorskip("torch")

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
         "float64", "complex64", "complex128", "uint16", "uint32", "uint64"]
# 0-d / n-d placements: (shape of the left operand, shape of the right operand)
SHAPES = [((2,), ()), ((), (2,)), ((), ()), ((2,), (2,))]


def _values(name, shape, seed):
    vals = [True, False] if name == "bool" else [seed + 1, seed + 2]
    return vals[0] if shape == () else vals


def _pair(mod, na, nb, sa, sb):
    a = mod.tensor(_values(na, sa, 0), dtype=getattr(mod, na))
    b = mod.tensor(_values(nb, sb, 2), dtype=getattr(mod, nb))
    return a, b


def _host(t):
    if isinstance(t, torch.Tensor):
        t = t.float() if t.dtype in (torch.bfloat16, torch.float16) else t
        return t.numpy()
    return np.asarray(t.astype(tn.float32) if t.dtype in (tt.bfloat16, tt.float16) else t)


def _torch_cases(fn):
    """(na, nb, sa, sb, torch result) for every case torch computes (torch refuses some
    unsigned pairs and has no CPU kernel for some uint16/32/64 ops)."""
    out = []
    for (na, nb), (sa, sb) in itertools.product(itertools.product(NAMES, NAMES), SHAPES):
        try:
            r = fn(*_pair(torch, na, nb, sa, sb))
        except (RuntimeError, TypeError):
            continue
        out.append((na, nb, sa, sb, r))
    return out


def _ns(a):
    return tt if isinstance(a, tt.Tensor) else torch


def _iadd(a, b):
    a = a.clone()
    a += b
    return a


# functions and methods of the face (PyTorch's weak 0-d operands)
OPS = {
    "torch.add": lambda a, b: _ns(a).add(a, b),
    "torch.mul": lambda a, b: _ns(a).mul(a, b),
    "torch.div": lambda a, b: _ns(a).div(a, b),
    "torch.lt": lambda a, b: _ns(a).lt(a, b),
    "torch.maximum": lambda a, b: _ns(a).maximum(a, b),
    "method.sub": lambda a, b: a.sub(b),
    "method.mul": lambda a, b: a.mul(b),
    "torch.where": lambda a, b: _ns(a).where(_ns(a).tensor([True, False]), a, b),
    "method.where": lambda a, b: a.where(_ns(a).tensor([True, False]), b),
    "+=": _iadd,
}
# operators: the dispatcher's cached paths do not see 0-d operands yet (docs/compat.md)
OPERATORS = {
    "+": lambda a, b: a + b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


def _check(fn, op):
    cases = _torch_cases(fn)
    assert len(cases) > 250  # the grid is there
    bad = []
    for na, nb, sa, sb, want in cases:
        got = fn(*_pair(tt, na, nb, sa, sb))
        if want.dtype == torch.complex32:  # trueno has no complex32: complex64 instead
            ok = got.dtype is tt.complex64
        else:
            ok = str(got.dtype) == str(want.dtype) and got.dtype is getattr(tt, got.dtype.name)
        if not ok or tuple(got.shape) != tuple(want.shape):
            bad.append(f"{na}{list(sa)} {op} {nb}{list(sb)}: {got.dtype} vs {want.dtype}")
            continue
        if want.dtype != torch.complex32:
            tol = 1e-2 if "16" in str(want.dtype) else 1e-6
            np.testing.assert_allclose(_host(got), _host(want), rtol=tol, equal_nan=True,
                                       err_msg=f"{na}{sa} {op} {nb}{sb}")
    assert not bad, f"{len(bad)} of {len(cases)} differ:\n" + "\n".join(bad[:40])


@pytest.mark.parametrize("op", sorted(OPS))
def test_functions_and_methods_promote_as_torch(op):
    _check(OPS[op], op)


@pytest.mark.parametrize("op", sorted(OPERATORS))
def test_operators_promote_as_torch(op):
    _check(OPERATORS[op], op)


def test_result_type_matches_torch():
    bad = []
    cases = _torch_cases(torch.result_type)
    assert len(cases) > 500
    for na, nb, sa, sb, want in cases:
        got = tt.result_type(*_pair(tt, na, nb, sa, sb))
        if want == torch.complex32:
            continue  # trueno has no complex32 (the ops above check complex64 is used)
        if str(got) != str(want):
            bad.append(f"{na}{list(sa)}, {nb}{list(sb)}: {got} vs {want}")
    # with Python numbers
    for name, num in itertools.product(NAMES, [True, 3, 2.5, 1j]):
        for shape in [(), (2,)]:
            a, ra = tt.ones(shape, dtype=getattr(tt, name)), torch.ones(shape,
                                                                         dtype=getattr(torch, name))
            try:
                want = torch.result_type(ra, num)
            except RuntimeError:
                continue
            if want != torch.complex32 and str(tt.result_type(a, num)) != str(want):
                bad.append(f"{name}{list(shape)}, {num!r}: {tt.result_type(a, num)} vs {want}")
    assert not bad, "\n".join(bad[:40])


def test_promote_types_unchanged():
    for na, nb in itertools.product(NAMES, NAMES):
        try:
            want = torch.promote_types(getattr(torch, na), getattr(torch, nb))
        except RuntimeError:
            continue
        got = tt.promote_types(getattr(tt, na), getattr(tt, nb))
        assert got is getattr(tt, got.name) and str(got) == str(want), (na, nb)
        # tensors with dimensions promote by the same table
        assert (tt.ones(2, dtype=getattr(tt, na)) + tt.ones(2, dtype=getattr(tt, nb))).dtype \
            is got or want in (torch.uint16, torch.uint32, torch.uint64), (na, nb)


def test_the_examples_of_the_issue():
    i32 = tt.tensor([1, 2], dtype=tt.int32)
    assert tt.add(i32, tt.tensor(5)).dtype is tt.int32
    assert tt.add(i32, tt.tensor(5)).tolist() == [6, 7]
    assert tt.add(tt.ones(2), tt.tensor(1.0, dtype=tt.float64)).dtype is tt.float32
    assert tt.add(tt.tensor([1, 2]), tt.tensor(0.5)).dtype is tt.float32
    assert tt.add(tt.tensor(1, dtype=tt.int32), tt.tensor(1)).dtype is tt.int64  # both 0-d
    assert tt.add(tt.tensor(1.0), tt.tensor(1.0, dtype=tt.float64)).dtype is tt.float64
    # the 0-d operand is cast before the op, as torch computes in float32
    assert tt.eq(tt.tensor([0.1]), tt.tensor(0.1, dtype=tt.float64)).tolist() == \
        torch.eq(torch.tensor([0.1]), torch.tensor(0.1, dtype=torch.float64)).tolist() == [True]


def test_in_place_and_autograd_with_weak_operands():
    x = tt.ones(3)
    x += tt.tensor(2.0, dtype=tt.float64)
    assert x.dtype is tt.float32 and x.tolist() == [3.0, 3.0, 3.0]
    y = tt.tensor([1, 2], dtype=tt.int16)
    y.mul_(tt.tensor(3))
    assert y.dtype is tt.int16 and y.tolist() == [3, 6]
    with pytest.raises(RuntimeError):
        y += tt.tensor(0.5)  # float result into an int tensor, as torch
    w = tt.ones(2, requires_grad=True)
    s = tt.tensor(3.0, dtype=tt.float64, requires_grad=True)
    out = w.mul(s)
    assert out.dtype is tt.float32
    out.sum().backward()
    tw = torch.ones(2, requires_grad=True)
    ts = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    (tw * ts).sum().backward()
    assert s.grad.dtype is tt.float64 and w.grad.tolist() == tw.grad.tolist()
    assert s.grad.item() == ts.grad.item()
