"""The PyTorch face's indexing functions (scatter family, index_* family, masked_*, put,
take_along_dim, nonzero/argwhere/count_nonzero) and their in-place methods, against torch."""

import pytest
from torch_diff import check

torch = pytest.importorskip("torch", reason="needs torch (the tests session installs "
                            "torch==2.13.0)")

A = [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]]
S = [[10.0, 20.0, 30.0, 40.0], [50.0, 60.0, 70.0, 80.0]]
IX = [[2, 0, 1, 2], [0, 1, 2, 1]]  # distinct per column: scatter is deterministic
DUP = [[0, 0, 1, 1], [0, 0, 2, 1]]  # repeats: for the reducing forms


def _a(m):
    return m.zeros(3, 4) + m.tensor(A)


def _ix(m, v=IX):
    return m.tensor(v)


CASES = {
    "scatter": lambda m: m.scatter(_a(m), 0, _ix(m), m.tensor(S)),
    "scatter-value": lambda m: m.scatter(_a(m), 0, _ix(m), value=-1.0),
    "scatter-pos-value": lambda m: m.scatter(_a(m), 1, _ix(m, [[3], [0]]), 0.5),
    "scatter-add": lambda m: m.scatter(_a(m), 0, _ix(m, DUP), m.tensor(S), reduce="add"),
    "scatter-mul": lambda m: _a(m).scatter(0, _ix(m, DUP), m.tensor(S), reduce="multiply"),
    "scatter-small-index": lambda m: m.scatter(_a(m), 1, _ix(m, [[1, 0]]), m.tensor(S)),
    "scatter-out-of-range": lambda m: m.scatter(_a(m), 0, _ix(m, [[3]]), m.tensor(S)),
    "scatter-negative": lambda m: m.scatter(_a(m), 0, _ix(m, [[-1]]), m.tensor(S)),
    "scatter-int32-index": lambda m: m.scatter(_a(m), 0, _ix(m).int(), m.tensor(S)),
    "scatter-dtype": lambda m: m.scatter(_a(m), 0, _ix(m), m.tensor(S).double()),
    "scatter_add": lambda m: m.scatter_add(_a(m), 0, _ix(m, DUP), m.tensor(S)),
    "scatter_add-dim1": lambda m: _a(m).scatter_add(1, _ix(m, DUP), m.tensor(S)),
    "scatter_add_": lambda m: _a(m).scatter_add_(0, _ix(m, DUP), m.tensor(S)),
    "scatter_": lambda m: _a(m).scatter_(1, _ix(m, [[3, 0], [1, 2]]), m.tensor(S)),
    "gather-dim1": lambda m: m.gather(_a(m), 1, _ix(m)),
    "index_add": lambda m: m.index_add(_a(m), 0, m.tensor([2, 0, 2]), m.ones(3, 4), alpha=2),
    "index_add-dim1": lambda m: _a(m).index_add(1, m.tensor([3, 3]), m.ones(3, 2)),
    "index_add_": lambda m: _a(m).index_add_(0, m.tensor([1]), m.tensor([S[0]])),
    "index_add-bad": lambda m: _a(m).index_add(0, m.tensor([3]), m.ones(1, 4)),
    "index_copy": lambda m: m.index_copy(_a(m), 0, m.tensor([2, 0]), m.tensor(S)),
    "index_copy_": lambda m: _a(m).index_copy_(1, m.tensor([1, 0]), m.tensor(A)[:, 2:]),
    "index_copy-dtype": lambda m: _a(m).index_copy(0, m.tensor([2, 0]), m.tensor(S).double()),
    "index_fill": lambda m: m.index_fill(_a(m), 1, m.tensor([0, 3]), -2.0),
    "index_fill_": lambda m: _a(m).index_fill_(0, m.tensor([1]), m.tensor(7.0)),
    "index_put": lambda m: m.index_put(_a(m), (m.tensor([0, 2]), m.tensor([1, 3])),
                                       m.tensor([-1.0, -2.0])),
    "index_put-acc": lambda m: _a(m).index_put((m.tensor([0, 0]), m.tensor([1, 1])),
                                               m.tensor([1.0, 2.0]), accumulate=True),
    "index_put_": lambda m: _a(m).index_put_((m.tensor([1]),), m.tensor(0.0)),
    "masked_select": lambda m: m.masked_select(_a(m), _a(m) > 6),
    "masked_select-broadcast": lambda m: _a(m).masked_select(m.tensor([True, False, True,
                                                                       False])),
    "masked_select-nonbool": lambda m: _a(m).masked_select(m.tensor([1, 0, 1, 0])),
    "masked_scatter": lambda m: m.masked_scatter(_a(m), _a(m) > 9, m.tensor(S)),
    "masked_scatter_": lambda m: _a(m).masked_scatter_(m.tensor([[True], [False], [True]]),
                                                       m.tensor(S)),
    "masked_fill": lambda m: m.masked_fill(_a(m), _a(m) < 3, 0.0),
    "put": lambda m: m.put(_a(m), m.tensor([0, -1, 5]), m.tensor([9.0, 8.0, 7.0])),
    "put_-acc": lambda m: _a(m).put_(m.tensor([1, 1]), m.tensor([1.0, 2.0]), accumulate=True),
    "put-out": lambda m: _a(m).put(m.tensor([12]), m.tensor([1.0])),
    "take_along_dim": lambda m: m.take_along_dim(_a(m), _ix(m)[:, :3].t(), 1),
    "take_along_dim-flat": lambda m: _a(m).take_along_dim(m.tensor([11, 0, 5])),
    "take_along_dim-bcast": lambda m: m.take_along_dim(_a(m), m.tensor([[3, 0]]), 1),
    "take_along_dim-argsort": lambda m: m.take_along_dim(
        _a(m).neg(), _a(m).neg().argsort(dim=0), dim=0),
    "nonzero": lambda m: m.nonzero(m.tensor([[0, 1], [2, 0]])),
    "nonzero-tuple": lambda m: m.nonzero(m.tensor([[0, 1], [2, 0]]), as_tuple=True),
    "argwhere": lambda m: m.tensor([0.0, 1.0, 2.0]).argwhere(),
    "count_nonzero": lambda m: m.count_nonzero(m.tensor([[0, 1], [2, 0], [3, 4]])),
    "count_nonzero-dim": lambda m: m.tensor([[0, 1], [2, 0], [3, 4]]).count_nonzero(0),
    "count_nonzero-dims": lambda m: m.count_nonzero(m.tensor([[0.0, 1.0]]), dim=(0, 1)),
}

for _r in ("sum", "prod", "mean", "amax", "amin"):
    for _inc in (True, False):
        CASES[f"scatter_reduce-{_r}-{_inc}"] = (
            lambda r, inc: lambda m: m.scatter_reduce(_a(m), 0, _ix(m, DUP), m.tensor(S), r,
                                                      include_self=inc))(_r, _inc)
CASES["scatter_reduce_-int-mean"] = lambda m: m.tensor([[1, 2], [3, 4]]).scatter_reduce_(
    0, m.tensor([[0, 0]]), m.tensor([[4, 7]]), "mean")
CASES["scatter_reduce-max"] = lambda m: _a(m).scatter_reduce(0, _ix(m, DUP), m.tensor(S) - 40,
                                                             "max", include_self=False)
CASES["scatter_reduce-bad"] = lambda m: _a(m).scatter_reduce(0, _ix(m), m.tensor(S), "add")


@pytest.mark.parametrize("name", list(CASES))
def test_index_function_matches_torch(name):
    check(CASES[name])


def test_scatter_in_place_keeps_the_tensor():
    def case(m):
        x = _a(m)
        y = x.scatter_(0, _ix(m), m.tensor(S)).index_fill_(1, m.tensor([0]), 0.0)
        assert y is x
        return x
    check(case)
