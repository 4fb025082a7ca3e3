"""The PyTorch face's shape functions and methods (flip/roll/tril/diag/narrow/stacking/
splitting/meshgrid/unfold/...) against torch 2.13: values, dtype, shape and errors."""

import pytest
from torch_diff import check

import trueno.torch as tt

torch = pytest.importorskip("torch", reason="needs torch (the tests session installs "
                            "torch==2.13.0)")

A = [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]]
B3 = [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]
V = [3.0, -1.0, 2.0]
W = [0.5, 4.0, -2.0]


def _a(m):
    return m.tensor(A)


CASES = {
    "flip": lambda m: m.flip(_a(m), [0, 1]),
    "flip-neg": lambda m: m.flip(m.tensor(B3), (-1,)),
    "flip-repeated": lambda m: m.flip(_a(m), [0, 0]),
    "m.flip-varargs": lambda m: _a(m).flip(0, 1),
    "m.flip-int": lambda m: _a(m).flip(1),
    "fliplr": lambda m: m.fliplr(_a(m)), "flipud": lambda m: _a(m).flipud(),
    "fliplr-1d": lambda m: m.fliplr(m.tensor(V)),
    "roll": lambda m: m.roll(_a(m), 1, 0), "roll-flat": lambda m: m.roll(_a(m), -5),
    "roll-multi": lambda m: _a(m).roll((1, -2), (0, 1)),
    "rot90": lambda m: m.rot90(_a(m)), "rot90-k": lambda m: _a(m).rot90(3, [1, 0]),
    "tril": lambda m: m.tril(_a(m)), "tril-k": lambda m: _a(m).tril(-1),
    "triu": lambda m: m.triu(_a(m), 1), "triu-batch": lambda m: m.tensor(B3).triu(),
    "tril_": lambda m: _a(m).tril_(1), "triu_": lambda m: _a(m).triu_(),
    "diag-1d": lambda m: m.diag(m.tensor(V), 1), "diag-2d": lambda m: _a(m).diag(-1),
    "diag-3d": lambda m: m.diag(m.tensor(B3)),
    "diag_embed": lambda m: m.diag_embed(_a(m)),
    "diag_embed-offset": lambda m: m.diag_embed(_a(m), -1),
    "diag_embed-dims": lambda m: _a(m).diag_embed(1, 0, 2),
    "diag_embed-swapped": lambda m: _a(m).diag_embed(1, -1, 0),
    "diagflat": lambda m: m.diagflat(_a(m)[:2, :2], 1),
    "diagonal": lambda m: m.diagonal(m.tensor(B3), 0, 1, 2),
    "narrow": lambda m: m.narrow(_a(m), 1, 1, 2), "narrow-neg": lambda m: _a(m).narrow(0, -2, 2),
    "narrow-over": lambda m: _a(m).narrow(0, 2, 2),
    "narrow_copy": lambda m: _a(m).narrow_copy(1, 0, 3),
    "select": lambda m: m.select(_a(m), 1, -1), "m.select": lambda m: _a(m).select(0, 2),
    "select-out": lambda m: _a(m).select(0, 3),
    "movedim": lambda m: m.movedim(m.tensor(B3), 0, -1),
    "movedim-multi": lambda m: m.tensor(B3).movedim((0, 1), (2, 0)),
    "moveaxis": lambda m: m.moveaxis(m.tensor(B3), 2, 0),
    "swapdims": lambda m: m.swapdims(_a(m), 0, 1), "swapaxes": lambda m: m.swapaxes(_a(m), 1, 0),
    "t": lambda m: m.t(m.tensor(V)), "adjoint": lambda m: m.tensor(B3).adjoint(),
    "H": lambda m: _a(m).H,
    "zero-d": lambda m: (m.sort(m.tensor(2.5)), m.argsort(m.tensor(2.5)), m.msort(m.tensor(1.0)),
                         m.nonzero(m.tensor(2.5)), m.nonzero(m.tensor(0.0)),
                         m.argwhere(m.tensor(1)), m.where(m.tensor(2.5)),
                         m.nonzero(m.tensor(0), as_tuple=True)),
    "ravel": lambda m: m.ravel(_a(m).t()),
    "tile": lambda m: m.tile(m.tensor(V), (2, 2)), "m.tile": lambda m: _a(m).tile(2),
    "m.tile-varargs": lambda m: _a(m).tile(1, 2),
    "repeat_interleave": lambda m: m.repeat_interleave(_a(m), 2),
    "repeat_interleave-dim": lambda m: _a(m).repeat_interleave(m.tensor([1, 0, 2]), dim=0),
    "repeat_interleave-counts": lambda m: m.repeat_interleave(m.tensor([2, 0, 1])),
    "hstack": lambda m: m.hstack([_a(m), _a(m)]),
    "vstack": lambda m: m.vstack([m.tensor(V), m.tensor(W)]),
    "row_stack": lambda m: m.row_stack((m.tensor(V), m.tensor(W))),
    "dstack": lambda m: m.dstack([m.tensor(V), m.tensor(W)]),
    "column_stack": lambda m: m.column_stack([m.tensor(V), _a(m)[:, :2]]),
    "hsplit": lambda m: m.hsplit(_a(m), 2), "hsplit-idx": lambda m: _a(m).hsplit([1, 3]),
    "vsplit": lambda m: m.vsplit(_a(m), [1]), "dsplit": lambda m: m.dsplit(m.tensor(B3), 2),
    "hsplit-uneven": lambda m: m.hsplit(_a(m), 3),
    "tensor_split": lambda m: m.tensor_split(_a(m), 3, dim=1),
    "tensor_split-idx": lambda m: _a(m).tensor_split([1, 5, 2], 1),
    "tensor_split-tensor": lambda m: m.tensor_split(m.arange(7), m.tensor([2, 4])),
    "split_with_sizes": lambda m: _a(m).split_with_sizes([1, 3], 1),
    "unsafe_split": lambda m: m.unsafe_split(_a(m), 2, 1),
    "unsafe_chunk": lambda m: _a(m).unsafe_chunk(2),
    "atleast_1d": lambda m: m.atleast_1d(m.tensor(2.0)),
    "atleast_2d": lambda m: m.atleast_2d(m.tensor(V), m.tensor(1)),
    "atleast_3d": lambda m: m.atleast_3d([m.tensor(V), _a(m), m.tensor(B3), m.tensor(1.0)]),
    "broadcast_tensors": lambda m: m.broadcast_tensors(_a(m)[:, :1], m.tensor([1, 2, 3, 4])),
    "broadcast_shapes": lambda m: m.broadcast_shapes((3, 1), (1, 4), 4),
    "broadcast_shapes-bad": lambda m: m.broadcast_shapes((3, 2), (4,)),
    "meshgrid": lambda m: m.meshgrid(m.tensor(V), m.tensor([1, 2]), indexing="ij"),
    "meshgrid-xy": lambda m: m.meshgrid([m.tensor(V), m.tensor(W)], indexing="xy"),
    "cartesian_prod": lambda m: m.cartesian_prod(m.tensor([1, 2]), m.tensor([3, 4, 5])),
    "combinations": lambda m: m.combinations(m.tensor(V)),
    "combinations-r3": lambda m: m.combinations(m.tensor([1, 2, 3, 4]), 3),
    "combinations-repl": lambda m: m.combinations(m.tensor(V), with_replacement=True),
    "block_diag": lambda m: m.block_diag(m.tensor([[1, 2]]), m.tensor(3.0), m.tensor(V)),
    "unflatten": lambda m: m.unflatten(m.arange(6), 0, (2, 3)),
    "unbind": lambda m: m.unbind(_a(m), 1), "m.unbind": lambda m: _a(m).unbind(),
    "clone": lambda m: m.clone(_a(m)), "detach": lambda m: m.detach(_a(m)),
    "take": lambda m: m.take(_a(m), m.tensor([[0, 11], [-1, 5]])),
    "take-out": lambda m: _a(m).take(m.tensor([12])),
    "tril_indices": lambda m: m.tril_indices(3, 4),
    "triu_indices": lambda m: m.triu_indices(4, 3, 1),
    "tril_indices-neg": lambda m: m.tril_indices(3, 3, -1),
    "trace": lambda m: m.trace(_a(m)), "trace-int": lambda m: m.tensor([[1, 2], [3, 4]]).trace(),
    "kron": lambda m: m.kron(m.tensor([[1, 2], [3, 4]]), m.tensor([[0, 1], [1, 0]])),
    "cross": lambda m: m.cross(m.tensor([V, W]), m.tensor([W, V]), dim=1),
    "cross-default": lambda m: m.tensor([V, W, V]).cross(m.tensor([W, V, W])),
    "vander": lambda m: m.vander(m.tensor([1, 2, 3])),
    "vander-N": lambda m: m.vander(m.tensor(V), 4, increasing=True),
    "diff": lambda m: m.diff(_a(m)), "diff-n": lambda m: _a(m).diff(2, 0),
    "diff-prepend": lambda m: m.diff(m.tensor(V), prepend=m.tensor([0.0]),
                                     append=m.tensor([1.0, 2.0])),
    "diff-bool": lambda m: m.diff(m.tensor([True, False, False, True])),
    "fill": lambda m: m.fill(_a(m), 2.5),
    "unfold": lambda m: m.arange(7.0).unfold(0, 2, 2),
    "unfold-2d": lambda m: _a(m).unfold(1, 3, 1), "unfold-dim0": lambda m: _a(m).unfold(0, 2, 1),
    "unfold-too-big": lambda m: _a(m).unfold(0, 4, 1),
}


@pytest.mark.parametrize("name", list(CASES))
def test_shape_function_matches_torch(name):
    check(CASES[name])


@pytest.mark.parametrize("name,args", [("t_", ()), ("transpose_", (0, 1)),
                                       ("swapdims_", (1, 0)), ("unsqueeze_", (1,)),
                                       ("squeeze_", ())])
def test_inplace_view_methods(name, args):
    def case(m):
        x = m.tensor([[1.0, 2.0, 3.0]])
        assert getattr(x, name)(*args) is x
        return x, x.contiguous().reshape(-1)
    check(case)


def test_views_share_memory_as_in_torch():
    x = tt.tensor(A)
    x.narrow(1, 1, 2)[0, 0] = -1.0
    x.select(0, 2)[1] = -2.0
    assert x[0, 1].item() == -1.0 and x[2, 1].item() == -2.0
    assert tt.diag_embed(tt.tensor(V)).diagonal().tolist() == V


AS_STRIDED = {
    "windows": lambda m: m.arange(10.0).as_strided((4, 3), (2, 1), 1),
    "transpose-like": lambda m: m.as_strided(m.arange(6.0).reshape(2, 3), (3, 2), (1, 3)),
    "of-a-view": lambda m: m.arange(12.0)[2:].as_strided((2, 2), (3, 1)),
    "broadcast": lambda m: m.arange(3).as_strided((2, 3), (0, 1)),
    "empty": lambda m: m.arange(3.0).as_strided((0, 2), (1, 1)),
    "too-big": lambda m: m.arange(4.0).as_strided((3, 2), (2, 1)),
    "copy": lambda m: m.as_strided_copy(m.arange(10.0), (3, 3), (3, 1), 1),
    "scatter": lambda m: m.as_strided_scatter(m.zeros(6), m.ones(2, 2), (2, 2), (3, 1)),
    "scatter-method": lambda m: m.arange(6.0).as_strided_scatter(m.full((3,), 9.0), (3,), (2,)),
}


@pytest.mark.parametrize("name", list(AS_STRIDED))
def test_as_strided_matches_torch(name):
    check(AS_STRIDED[name])


def test_as_strided_shares_memory_and_in_place_form():
    for m in (tt, torch):
        x = m.arange(10.0)
        v = x.as_strided((4, 3), (2, 1), 1)
        v[0, 0] = -1.0
        assert x[1].item() == -1.0
        y = m.arange(6.0)
        assert y.as_strided_((2, 2), (1, 2)) is y
        assert y.tolist() == [[0.0, 2.0], [1.0, 3.0]] and tuple(y.stride()) == (1, 2)
    with pytest.raises(RuntimeError, match="requires grad"):  # gradients: contiguous only
        tt.ones(3, 2, requires_grad=True).t().as_strided((2,), (1,))
