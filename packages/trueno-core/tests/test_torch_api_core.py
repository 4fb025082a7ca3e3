"""The everyday Tensor methods and creation functions of the PyTorch face against torch 2.13
(in-place updates, new_*, views, sort/topk, std/var corrections, norms, dtype rules of
arange/linspace/full, cat/stack, where/clamp, einsum)."""

import pytest
from torch_diff import check

torch = pytest.importorskip("torch", reason="needs torch (the tests session installs "
                            "torch==2.13.0)")

A = [[3.0, -1.0, 7.5, 2.0], [0.5, 9.0, -4.0, 6.0], [1.0, 8.0, 5.0, -2.5]]
I = [[1, -2, 3], [4, 0, -6]]  # noqa: E741


def _a(m):
    return m.tensor(A)


def _ip(fn):
    def case(m):
        x = _a(m)
        y = fn(m, x)
        assert y is x
        return x
    return case


CASES = {
    "add_": _ip(lambda m, x: x.add_(m.ones(4), alpha=-2)),
    "mul_": _ip(lambda m, x: x.mul_(m.tensor([1.0, 2.0, 3.0, 4.0]))),
    "clamp_-tensor": _ip(lambda m, x: x.clamp_(m.zeros(4), m.full((4,), 5.0))),
    "copy_": _ip(lambda m, x: x.copy_(m.tensor([1, 2, 3, 4]))),
    "copy_-int-from-float": lambda m: m.tensor(I).copy_(m.tensor([[1.7, 2.2, -3.9]])),
    "fill_": _ip(lambda m, x: x.fill_(m.tensor(2.5))), "fill_-int": lambda m: m.tensor(I).fill_(3),
    "zero_": _ip(lambda m, x: x.zero_()),
    "masked_fill_": _ip(lambda m, x: x.masked_fill_(x > 2, -1.0)),
    "masked_fill-tensor": lambda m: _a(m).masked_fill(m.tensor([True, False, True, False]),
                                                      m.tensor(0.5)),
    "index_select": lambda m: _a(m).index_select(1, m.tensor([3, 0])),
    "gather": lambda m: _a(m).gather(0, m.tensor([[2, 1, 0, 0]])),
    "where": lambda m: _a(m).where(_a(m) > 2, m.zeros(1)),
    "where-scalar": lambda m: m.where(_a(m) > 2, _a(m), 0.0),
    "where-int-scalar": lambda m: m.where(m.tensor(I) > 0, m.tensor(I), 0),
    "where-1arg": lambda m: m.where(m.tensor(I) > 0),
    "view_as": lambda m: _a(m).view_as(m.zeros(2, 6)),
    "expand_as": lambda m: m.tensor([1.0, 2.0, 3.0, 4.0]).expand_as(_a(m)),
    "type_as": lambda m: m.tensor(I).type_as(_a(m)),
    "new_zeros": lambda m: _a(m).new_zeros((2, 3)), "new_zeros-varargs": lambda m: _a(m).new_zeros(
        2, 3),
    "new_ones-dtype": lambda m: _a(m).new_ones(2, dtype=m.int64),
    "new_full": lambda m: m.tensor(I).new_full((2,), 7), "new_full-float": lambda m: m.tensor(
        I).new_full([2], 1.5),
    "new_empty": lambda m: _a(m).new_empty(3, 1).shape,
    "new_tensor": lambda m: _a(m).new_tensor([1, 2]),
    "new_tensor-dtype": lambda m: _a(m).new_tensor([1, 2], dtype=m.int32),
    "repeat": lambda m: _a(m).repeat(2, 1, 1), "repeat-list": lambda m: _a(m).repeat([1, 2]),
    "unfold": lambda m: _a(m).unfold(1, 2, 1),
    "chunk": lambda m: _a(m).chunk(3, 1), "chunk-uneven": lambda m: m.arange(5).chunk(2),
    "chunk-more": lambda m: m.arange(5).chunk(4),
    "split": lambda m: _a(m).split(3, 1), "split-list": lambda m: m.split(_a(m), [1, 2]),
    "narrow": lambda m: _a(m).narrow(1, 1, 2), "flip": lambda m: _a(m).flip(-1),
    "roll": lambda m: _a(m).roll(1), "cumsum": lambda m: _a(m).cumsum(1),
    "cumsum-dtype": lambda m: m.tensor(I).cumsum(0, dtype=m.float64),
    "cumsum-int": lambda m: m.tensor(I, dtype=m.int32).cumsum(1),
    "cumprod": lambda m: m.cumprod(_a(m), 0),
    "argsort": lambda m: _a(m).argsort(1, descending=True),
    "argsort-stable": lambda m: m.argsort(m.tensor([2, 1, 2, 1, 0]), stable=True),
    "topk": lambda m: _a(m).topk(2), "topk-smallest": lambda m: _a(m).topk(1, 0, largest=False),
    "sort": lambda m: m.sort(_a(m), 0), "sort-desc": lambda m: _a(m).sort(descending=True),
    "sort-stable": lambda m: m.tensor([2, 1, 2, 1]).sort(stable=True),
    "std-correction": lambda m: _a(m).std(1, correction=0),
    "var-correction2": lambda m: _a(m).var(0, correction=2, keepdim=True),
    "std-unbiased-false": lambda m: m.std(_a(m), unbiased=False),
    "var-dims": lambda m: _a(m).var((0, 1)),
    "norm": lambda m: _a(m).norm(), "norm-p1": lambda m: _a(m).norm(1, 1),
    "norm-fro": lambda m: m.norm(_a(m), "fro"), "norm-inf-dim": lambda m: _a(m).norm(
        float("inf"), 0, keepdim=True),
    "allclose": lambda m: [_a(m).allclose(_a(m) + 1e-7), m.allclose(_a(m), _a(m) + 1)],
    "isclose": lambda m: m.isclose(_a(m), _a(m) + 1e-3, atol=1e-2),
    "equal": lambda m: [m.equal(_a(m), _a(m)), _a(m).equal(_a(m)[:2]),
                        m.equal(m.tensor([1.0]), m.tensor([2.0]))],
    "nan_to_num": lambda m: m.tensor([float("nan"), float("inf"), 1.0]).nan_to_num(),
    "lerp": lambda m: _a(m).lerp(m.zeros(4), 0.5),
    "addmm": lambda m: m.addmm(m.zeros(3, 3), _a(m), _a(m).t()),
    "bmm": lambda m: m.bmm(_a(m).reshape(3, 2, 2), _a(m).reshape(3, 2, 2)),
    "baddbmm": lambda m: _a(m).reshape(3, 2, 2).baddbmm(_a(m).reshape(3, 2, 2),
                                                        _a(m).reshape(3, 2, 2), alpha=0.5),
    "outer": lambda m: m.outer(m.tensor([1.0, 2.0]), m.tensor([3.0, 4.0, 5.0])),
    "einsum": lambda m: m.einsum("ij,kj->ik", _a(m), _a(m)),
    "einsum-list": lambda m: m.einsum("ii->i", [_a(m)[:, :3]]),
    "tril": lambda m: _a(m).tril(), "triu": lambda m: m.triu(_a(m), -1),
    "dtypes": lambda m: [getattr(_a(m), n)() for n in (
        "float", "double", "half", "long", "int", "short", "bool", "byte", "char")] + [
        _a(m).bfloat16().float()],
    # functions
    "cat": lambda m: m.cat([_a(m), _a(m)], 1), "cat-promote": lambda m: m.cat(
        [m.tensor(I), m.tensor([[0.5, 1.0, 2.0]])]),
    "cat-bad": lambda m: m.cat([_a(m), m.zeros(3, 3)]),
    "stack": lambda m: m.stack([_a(m), _a(m)], -1),
    "stack-bad": lambda m: m.stack([_a(m), _a(m).t()]),
    "hstack": lambda m: m.hstack([m.tensor([1, 2]), m.tensor([3])]),
    "hstack-bad": lambda m: m.hstack([_a(m), m.zeros(2, 1)]),
    "vstack": lambda m: m.vstack([_a(m), _a(m)[:1]]),
    "clamp": lambda m: m.clamp(_a(m), min=0.0), "clamp-int": lambda m: m.clamp(m.tensor(I), -1, 2),
    "clamp-int-float": lambda m: m.clamp(m.tensor(I), max=0.5),
    "full_like": lambda m: m.full_like(_a(m), 2), "full_like-dtype": lambda m: m.full_like(
        m.tensor(I), 2.5, dtype=m.float64),
    "full_like-int": lambda m: m.full_like(m.tensor(I), 2.7),
    "full": lambda m: m.full((2, 2), 3), "full-float": lambda m: m.full([2], 1.5),
    "full-bool": lambda m: m.full((2,), True),
    "arange": lambda m: m.arange(5), "arange-float": lambda m: m.arange(0, 1, 0.25),
    "arange-float-start": lambda m: m.arange(1.0, 4), "arange-dtype": lambda m: m.arange(
        3, dtype=m.float64),
    "arange-neg": lambda m: m.arange(5, 0, -2),
    "linspace": lambda m: m.linspace(0, 1, 5), "linspace-int": lambda m: m.linspace(
        0, 10, 4, dtype=m.int64),
    "linspace-1": lambda m: m.linspace(2, 3, 1),
    "logspace": lambda m: m.logspace(0, 2, 3), "logspace-base": lambda m: m.logspace(
        0, 3, 4, base=2.0),
    "zeros-varargs": lambda m: m.zeros(2, 3), "ones-size": lambda m: m.ones((2,), dtype=m.int8),
    "eye": lambda m: m.eye(2, 3), "empty_like": lambda m: m.empty_like(_a(m)).shape,
    "zeros_like-dtype": lambda m: m.zeros_like(_a(m), dtype=m.int64),
    # dtype rules of reductions, errors as RuntimeError
    "mean-int": lambda m: m.tensor([1, 2]).mean(), "mean-int-dtype": lambda m: m.tensor(
        [1, 2]).mean(dtype=m.float64),
    "std-int": lambda m: m.tensor([1, 2]).std(), "var-int": lambda m: m.var(m.tensor([1, 2])),
    "sum-uint8": lambda m: m.tensor([200, 100], dtype=m.uint8).sum(),
    "prod-bool": lambda m: m.tensor([True, True]).prod(), "sum-int32-dtype": lambda m: m.tensor(
        [1, 2]).sum(dtype=m.int32),
    "prod-int8-dim": lambda m: m.tensor([[2, 3]], dtype=m.int8).prod(1),
    "round-decimals": lambda m: m.round(m.tensor([1.2345, 2.5, -0.125, 1234.5]), decimals=2),
    "round-decimals-neg": lambda m: m.tensor([1234.5, 1250.0]).round(decimals=-2),
    "round_-decimals": lambda m: m.tensor([1.255, 0.5]).round_(decimals=1),
    "chunk-empty": lambda m: (m.arange(0).chunk(2), m.zeros(2, 0).chunk(3, 1)),
    "mm-bad": lambda m: m.mm(m.ones(2, 3), m.ones(2, 3)),
    "bmm-bad": lambda m: m.bmm(m.ones(2, 2, 3), m.ones(3, 3, 1)),
    "matmul-bad": lambda m: m.matmul(m.ones(2, 3), m.ones(2, 3)),
    "view-bad": lambda m: m.arange(6).reshape(2, 3).t().view(6),
    "reshape-bad": lambda m: m.arange(6).reshape(4, 2),
    "item-bad": lambda m: m.arange(3).item(),
}


@pytest.mark.parametrize("name", list(CASES))
def test_core_api_matches_torch(name):
    check(CASES[name], rtol=1e-5, atol=1e-5)


def test_shape_and_item_errors_are_runtime_errors():
    import trueno.torch as tt
    for fn in (lambda: tt.arange(6).reshape(4, 2), lambda: tt.arange(3).item(),
               lambda: tt.mm(tt.ones(2, 3), tt.ones(2, 3)),
               lambda: tt.arange(6).reshape(2, 3).t().view(6)):
        with pytest.raises(RuntimeError):
            fn()


def test_tensor_of_a_tensor_warns_as_torch():
    import warnings

    import trueno.torch as tt
    for m in (tt, torch):
        with pytest.warns(UserWarning, match="recommended to use sourceTensor.detach"):
            out = m.tensor(m.ones(2, requires_grad=True))
        assert not out.requires_grad and out.tolist() == [1.0, 1.0]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            m.tensor([m.tensor(1.0), m.tensor(2.0)])  # a list of tensors does not warn
