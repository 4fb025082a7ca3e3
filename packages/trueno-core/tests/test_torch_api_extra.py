"""LU, Householder QR, incomplete gamma, polygamma/zeta, index_reduce, histogramdd,
from_file/to_dlpack on the PyTorch face, against torch 2.13."""

import warnings

import numpy as np
import pytest
from torch_diff import check

import trueno.torch as tt

torch = pytest.importorskip("torch", reason="needs torch (the tests session installs "
                            "torch==2.13.0)")

SQ = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]]
RECT = [[2.0, -1.0], [1.0, 3.0], [0.5, 0.25]]
B = [[[4.0, 1.0], [2.0, 3.0]], [[0.0, 1.0], [5.0, 2.0]]]
AX = [0.5, 1.0, 2.5, 10.0, 3.0]
XX = [0.25, 2.0, 1.0, 7.0, 30.0]


def _lu(m, a):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return m.lu(a)


CASES = {
    "lu": lambda m: _lu(m, m.tensor(SQ)), "lu-batch": lambda m: _lu(m, m.tensor(B)),
    "lu-rect": lambda m: _lu(m, m.tensor(RECT)),
    "lu-infos": lambda m: m.lu(m.tensor(B), get_infos=True)[2],
    "lu_unpack": lambda m: m.lu_unpack(*_lu(m, m.tensor(SQ))),
    "lu_unpack-batch": lambda m: m.lu_unpack(*_lu(m, m.tensor(B))),
    "lu_unpack-rect": lambda m: m.lu_unpack(*_lu(m, m.tensor(RECT))),
    "lu_solve": lambda m: m.lu_solve(m.tensor(RECT), *_lu(m, m.tensor(SQ))),
    "m.lu_solve": lambda m: m.tensor([[[1.0], [2.0]]] * 2).lu_solve(*_lu(m, m.tensor(B))),
    "geqrf": lambda m: m.geqrf(m.tensor(SQ)), "geqrf-rect": lambda m: m.tensor(RECT).geqrf(),
    "orgqr": lambda m: m.orgqr(*m.geqrf(m.tensor(RECT))),
    "ormqr": lambda m: m.ormqr(*m.geqrf(m.tensor(SQ)), m.tensor(RECT)),
    "ormqr-t-right": lambda m: m.ormqr(*m.geqrf(m.tensor(SQ)), m.tensor(RECT).t(),
                                       left=False, transpose=True),
    "igamma": lambda m: m.igamma(m.tensor(AX), m.tensor(XX)),
    "igammac": lambda m: m.tensor(AX).igammac(m.tensor(XX)),
    "igamma-edges": lambda m: m.igamma(m.tensor([1.0, 2.0, 0.0, -1.0]),
                                       m.tensor([0.0, float("inf"), 1.0, 1.0])),
    "igamma_": lambda m: m.tensor(AX).igamma_(m.tensor(XX)),
    "igamma-double": lambda m: m.igamma(m.tensor(AX).double(), m.tensor(XX).double()),
    "polygamma-1": lambda m: m.polygamma(1, m.tensor(XX)),
    "polygamma-3": lambda m: m.tensor(XX).polygamma(3),
    "polygamma-0": lambda m: m.polygamma(0, m.tensor(XX)),
    "polygamma-negative": lambda m: m.polygamma(1, m.tensor([-1.5, -0.5, 0.0, 1.0, -2.25])),
    "polygamma-negative-2": lambda m: m.tensor([-1.5, -0.5, -3.75]).polygamma(2),
    "zeta-negative-q": lambda m: m.special.zeta(m.tensor([2.0, 2.5, 2.0]),
                                               m.tensor([-1.5, -1.5, -2.0])),
    "polygamma_": lambda m: m.tensor(XX).polygamma_(2),
    "zeta": lambda m: m.special.zeta(m.tensor([2.0, 3.0, 4.5]), m.tensor([1.0, 2.0, 0.5])),
    "gammainc": lambda m: m.special.gammainc(m.tensor(AX), m.tensor(XX)),
    "gammaincc": lambda m: m.special.gammaincc(m.tensor(AX), m.tensor(XX)),
    **{f"index_reduce-{r}-{inc}": (lambda red, keep: lambda m: m.index_reduce(
        m.ones(3, 2) * 2, 0, m.tensor([0, 2, 0, 2]), m.tensor([[1.0, 5.0], [3.0, -1.0],
                                                               [4.0, 0.5], [2.0, 2.0]]),
        red, include_self=keep))(r, inc) for r in ("prod", "mean", "amax", "amin")
       for inc in (True, False)},
    "index_reduce_": lambda m: m.ones(2, 3).index_reduce_(1, m.tensor([2, 2]),
                                                          m.tensor([[3.0, 4.0], [5.0, 6.0]]),
                                                          "prod"),
    "histogramdd": lambda m: m.histogramdd(m.tensor([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]]),
                                           bins=[2, 2]),
    "histogramdd-range": lambda m: m.histogramdd(
        m.tensor([[0.5, 1.5], [1.0, 0.25], [2.0, 2.0]]), bins=[2, 3],
        range=[0.0, 2.0, 0.0, 3.0], density=True),
    "histogramdd-int-bins": lambda m: m.histogramdd(m.tensor([[0.0], [1.0], [3.0]]), bins=3,
                                                    weight=m.tensor([1.0, 2.0, 0.5])),
    "nonzero_static": lambda m: m.nonzero_static(m.tensor([0, 1, 1]), size=4),
    "resize_as_": lambda m: m.resize_as_(m.arange(6.0), m.zeros(2, 3)),
    "hash_tensor": lambda m: m.hash_tensor(m.tensor([1.0, 2.0, 3.0])),
    "hash_tensor-dim": lambda m: m.hash_tensor(m.tensor([[1, 2], [3, 4]]), dim=1),
    "hash_tensor-keep": lambda m: m.tensor([[1.5, -2.0], [0.0, 4.0]]).hash_tensor(0,
                                                                                keepdim=True),
    "hash_tensor-uint8-bool": lambda m: (m.hash_tensor(m.tensor([7, 200], dtype=m.uint8)),
                                         m.hash_tensor(m.tensor([True, False, True]))),
    "delitem": lambda m: m.arange(3).__delitem__(0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_extra_matches_torch(name):
    check(CASES[name], rtol=1e-4, atol=1e-5)


def test_from_file_and_to_dlpack(tmp_path):
    path = tmp_path / "raw.bin"
    np.arange(5, dtype=np.float32).tofile(path)
    for m in (tt, torch):
        x = m.from_file(str(path), size=4, dtype=m.float32)
        assert x.tolist() == [0.0, 1.0, 2.0, 3.0]
    y = tt.from_file(str(path), shared=True, size=5, dtype=tt.float32)
    y[0] = 9.0
    del y
    assert np.fromfile(path, dtype=np.float32)[0] == 9.0
    t = tt.arange(3.0)
    assert torch.from_dlpack(tt.to_dlpack(t)).tolist() == [0.0, 1.0, 2.0]
