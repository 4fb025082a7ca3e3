"""The PyTorch face's matrix functions (addmm family, mv/ger/inner/vdot/tensordot, det/
slogdet/inverse/pinverse/matrix_exp, cholesky*, qr, svd, triangular_solve, cdist, norms)
against torch 2.13: values, dtype, shape and errors."""

import numpy as np
import pytest
from torch_diff import check

import trueno.torch as tt

torch = pytest.importorskip("torch", reason="needs torch (the tests session installs "
                            "torch==2.13.0)")

M2 = [[2.0, -1.0, 0.5], [1.0, 3.0, -2.0]]
N3 = [[1.0, 0.5], [-1.0, 2.0], [0.25, 1.5]]
SQ = [[4.0, 1.0, -2.0], [1.0, 3.0, 0.5], [0.0, 2.0, 5.0]]
SPD = [[4.0, 1.0, 0.5], [1.0, 3.0, 0.25], [0.5, 0.25, 2.0]]
B1 = [[[1.0, 2.0], [3.0, 4.0]], [[0.5, -1.0], [2.0, 0.0]]]
B2 = [[[1.0, 0.0, 2.0], [-1.0, 1.0, 0.5]], [[2.0, 1.0, 0.0], [0.0, 3.0, -1.0]]]
V2, V3 = [1.5, -2.0], [1.0, 0.5, -1.0]


def _t(m, v):
    return m.tensor(v)


CASES = {
    "addmm": lambda m: m.addmm(_t(m, [[1.0, 2.0]]), _t(m, M2), _t(m, N3), beta=0.5, alpha=2),
    "addmm-beta0-nan": lambda m: m.addmm(m.full((2, 2), float("nan")), _t(m, M2), _t(m, N3),
                                         beta=0),
    "m.addmm": lambda m: m.ones(2, 2).addmm(_t(m, M2), _t(m, N3)),
    "addmm_": lambda m: m.ones(2, 2).addmm_(_t(m, M2), _t(m, N3), alpha=-1),
    "addmm-bad": lambda m: m.addmm(m.ones(3, 2), _t(m, M2), _t(m, N3)),
    "addmm-1d": lambda m: m.addmm(m.ones(2), _t(m, V3), _t(m, N3)),
    "baddbmm": lambda m: m.baddbmm(m.ones(2, 2, 3), _t(m, B1), _t(m, B2), beta=2, alpha=0.5),
    "baddbmm_": lambda m: m.zeros(2, 2, 3).baddbmm_(_t(m, B1), _t(m, B2)),
    "addbmm": lambda m: m.addbmm(m.ones(2, 3), _t(m, B1), _t(m, B2), alpha=3),
    "m.addbmm": lambda m: m.ones(3).addbmm(_t(m, B1), _t(m, B2)),
    "addmv": lambda m: m.addmv(m.ones(2), _t(m, M2), _t(m, V3), beta=2),
    "addmv_": lambda m: m.ones(2).addmv_(_t(m, M2), _t(m, V3)),
    "torch.addmv_": lambda m: m.addmv_(m.ones(2), _t(m, M2), _t(m, V3)),
    "addr": lambda m: m.addr(m.ones(2, 3), _t(m, V2), _t(m, V3), alpha=2),
    "addr_": lambda m: m.zeros(2, 3).addr_(_t(m, V2), _t(m, V3)),
    "addr-int": lambda m: m.addr(m.ones(2, 2, dtype=m.int64), m.tensor([1, 2]), m.tensor([3, 4])),
    "mv": lambda m: m.mv(_t(m, M2), _t(m, V3)), "m.mv": lambda m: _t(m, N3).mv(_t(m, V2)),
    "mv-bad": lambda m: m.mv(_t(m, M2), _t(m, V2)),
    "ger": lambda m: m.ger(_t(m, V2), _t(m, V3)), "m.ger": lambda m: _t(m, V3).ger(_t(m, V3)),
    "inner": lambda m: m.inner(_t(m, M2), _t(m, M2)), "inner-1d": lambda m: _t(m, V3).inner(
        _t(m, V3)),
    "inner-0d": lambda m: m.inner(m.tensor(2.0), _t(m, M2)),
    "inner-bad": lambda m: m.inner(_t(m, M2), _t(m, N3)),
    "vdot": lambda m: m.vdot(_t(m, V3), _t(m, V3)), "vdot-2d": lambda m: m.vdot(_t(m, M2),
                                                                              _t(m, M2)),
    "vdot-complex": lambda m: m.vdot(m.tensor([1 + 2j, 3j]), m.tensor([2 - 1j, 1 + 1j])),
    "tensordot": lambda m: m.tensordot(_t(m, B2), _t(m, N3), 1),
    "tensordot-lists": lambda m: m.tensordot(_t(m, B1), _t(m, B2), ([0, 2], [0, 1])),
    "tensordot-0": lambda m: m.tensordot(_t(m, V2), _t(m, V3), 0),
    "chain_matmul": lambda m: m.chain_matmul(_t(m, M2), _t(m, N3), _t(m, [[1.0], [2.0]])),
    "matrix_power": lambda m: m.matrix_power(_t(m, SQ), 3),
    "matrix_power-neg": lambda m: _t(m, SQ).matrix_power(-2),
    "matrix_power-0": lambda m: _t(m, B1).matrix_power(0),
    "det": lambda m: m.det(_t(m, SQ)), "det-batch": lambda m: _t(m, B1).det(),
    "logdet": lambda m: m.logdet(_t(m, SQ)), "logdet-neg": lambda m: _t(m, B1).logdet(),
    "slogdet": lambda m: m.slogdet(_t(m, B1)),
    "inverse": lambda m: m.inverse(_t(m, SQ)), "m.inverse": lambda m: _t(m, B1).inverse(),
    "pinverse": lambda m: m.pinverse(_t(m, M2)), "m.pinverse": lambda m: _t(m, B2).pinverse(),
    "matrix_exp": lambda m: m.matrix_exp(_t(m, SQ)),
    "matrix_exp-batch": lambda m: _t(m, B1).matrix_exp(),
    "matrix_exp-double": lambda m: m.matrix_exp(_t(m, SQ).double() * 0.1),
    "cholesky": lambda m: m.cholesky(_t(m, SPD)), "cholesky-upper": lambda m: _t(m, SPD).cholesky(
        True),
    "cholesky_inverse": lambda m: m.cholesky_inverse(m.linalg.cholesky(_t(m, SPD))),
    "cholesky_inverse-upper": lambda m: m.cholesky_inverse(m.linalg.cholesky(_t(m, SPD)).mT,
                                                           upper=True),
    "cholesky_solve": lambda m: m.cholesky_solve(_t(m, M2).t(), m.linalg.cholesky(_t(m, SPD))),
    "qr": lambda m: m.qr(_t(m, N3)), "qr-complete": lambda m: _t(m, N3).qr(some=False),
    "triangular_solve": lambda m: m.triangular_solve(_t(m, N3), _t(m, SQ)),
    "triangular_solve-lower-t": lambda m: m.triangular_solve(
        _t(m, N3), _t(m, SQ), upper=False, transpose=True),
    "triangular_solve-unit": lambda m: _t(m, N3).triangular_solve(_t(m, SQ),
                                                                  unitriangular=True),
    "cdist": lambda m: m.cdist(_t(m, M2), _t(m, SQ)),
    "cdist-p1": lambda m: m.cdist(_t(m, N3), _t(m, N3), p=1),
    "cdist-p0": lambda m: m.cdist(_t(m, N3), _t(m, N3).round(), p=0),
    "cdist-inf": lambda m: m.cdist(_t(m, B1), _t(m, B1), p=float("inf")),
    "cdist-p3": lambda m: m.cdist(_t(m, B2), _t(m, B2) * 2, p=3.0),
    "cdist-bad": lambda m: m.cdist(_t(m, M2), _t(m, N3)),
    "frobenius_norm": lambda m: m.frobenius_norm(_t(m, B1), dim=(1, 2)),
    "frobenius_norm-keep": lambda m: m.frobenius_norm(_t(m, M2), (0, 1), True),
    "frobenius_norm-int-dim": lambda m: m.frobenius_norm(_t(m, M2), 1),
    "nuclear_norm": lambda m: m.nuclear_norm(_t(m, SQ)),
    "nuclear_norm-dim": lambda m: m.nuclear_norm(_t(m, B2), (1, 2)),
    "nuclear_norm-keep": lambda m: m.nuclear_norm(_t(m, SQ), keepdim=True),
}


@pytest.mark.parametrize("name", list(CASES))
def test_linalg_function_matches_torch(name):
    check(CASES[name], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("some", [True, False])
def test_svd_reconstructs_and_matches_torch_singular_values(some):
    a = np.array(M2 + [[0.0, 1.0, 1.0]], dtype=np.float32)[:, :2]
    u, s, v = tt.svd(tt.tensor(a), some=some)
    tu, ts, tv = torch.svd(torch.tensor(a), some=some)
    assert tuple(u.shape) == tuple(tu.shape) and tuple(v.shape) == tuple(tv.shape)
    np.testing.assert_allclose(s.numpy(), ts.numpy(), rtol=1e-5)
    k = s.shape[0]
    rebuilt = u.numpy()[:, :k] @ np.diag(s.numpy()) @ v.numpy()[:, :k].T
    np.testing.assert_allclose(rebuilt, a, atol=1e-5)
    np.testing.assert_allclose(np.abs(u.numpy()[:, :k]), np.abs(tu.numpy()[:, :k]), atol=1e-5)
    _, s2, v2 = tt.tensor(a).svd(compute_uv=False)
    np.testing.assert_allclose(s2.numpy(), ts.numpy(), rtol=1e-5)
    assert float(v2.abs().sum()) == 0.0
