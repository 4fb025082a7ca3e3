"""``trueno.torch.linalg`` and ``trueno.torch.fft`` against torch 2.13: PyTorch's argument
names (dim, keepdim, s, norm), named results, dtypes and the LinAlgError class."""

import math

import numpy as np
import pytest
from torch_diff import check

import trueno.torch as tt

torch = pytest.importorskip("torch", reason="needs torch (the tests session installs "
                            "torch==2.13.0)")

SQ = [[4.0, 1.0, -2.0], [1.0, 3.0, 0.5], [0.0, 2.0, 5.0]]
SPD = [[4.0, 1.0, 0.5], [1.0, 3.0, 0.25], [0.5, 0.25, 2.0]]
M2 = [[2.0, -1.0, 0.5], [1.0, 3.0, -2.0]]
B = [[[1.0, 2.0], [3.0, 4.0]], [[0.5, -1.0], [2.0, 0.0]]]
SIG = [1.0, 2.0, 0.0, -1.0, 3.0, 0.5, -2.0, 1.0]


def _t(m, v):
    return m.tensor(v)


LINALG = {
    "norm": lambda m: m.linalg.norm(_t(m, SQ)),
    "norm-ord-vec": lambda m: m.linalg.norm(_t(m, SIG), 3),
    "norm-ord-mat": lambda m: m.linalg.norm(_t(m, SQ), "nuc"),
    "norm-dim": lambda m: m.linalg.norm(_t(m, B), dim=(0, 2), keepdim=True),
    "norm-inf-dim1": lambda m: m.linalg.norm(_t(m, M2), math.inf, dim=1),
    "norm-3d-ord": lambda m: m.linalg.norm(_t(m, B), 2),
    "norm-3d-keep": lambda m: m.linalg.norm(_t(m, B), keepdim=True),
    "vector_norm": lambda m: m.linalg.vector_norm(_t(m, B)),
    "vector_norm-0": lambda m: m.linalg.vector_norm(_t(m, SIG), 0),
    "vector_norm-ninf": lambda m: m.linalg.vector_norm(_t(m, M2), -math.inf, dim=0),
    "vector_norm-1-keep": lambda m: m.linalg.vector_norm(_t(m, B), 1, (1, 2), True),
    "vector_norm-int": lambda m: m.linalg.vector_norm(m.tensor([3, 4])),
    "vector_norm-dtype": lambda m: m.linalg.vector_norm(_t(m, SIG), dtype=m.float64),
    **{f"matrix_norm-{o}": (lambda k: lambda m: m.linalg.matrix_norm(_t(m, SQ), k))(o)
       for o in ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf)},
    "matrix_norm-dim": lambda m: m.linalg.matrix_norm(_t(m, B), dim=(0, 2), keepdim=True),
    "det": lambda m: m.linalg.det(_t(m, B)), "slogdet": lambda m: m.linalg.slogdet(_t(m, SQ)),
    "inv": lambda m: m.linalg.inv(_t(m, SQ)), "inv_ex": lambda m: m.linalg.inv_ex(_t(m, B)),
    "inv_ex-singular": lambda m: m.linalg.inv_ex(m.ones(2, 2)).info > 0,
    "pinv": lambda m: m.linalg.pinv(_t(m, M2)),
    "pinv-rtol": lambda m: m.linalg.pinv(_t(m, SQ), rtol=0.5),
    "solve": lambda m: m.linalg.solve(_t(m, SQ), _t(m, M2).t()),
    "solve-vec": lambda m: m.linalg.solve(_t(m, SQ), _t(m, [1.0, 2.0, 3.0])),
    "solve-batch-vec": lambda m: m.linalg.solve(_t(m, B), _t(m, [[1.0, 2.0], [0.5, 1.0]])),
    "solve-right": lambda m: m.linalg.solve(_t(m, SQ), _t(m, M2), left=False),
    "solve_ex": lambda m: m.linalg.solve_ex(_t(m, SQ), _t(m, M2).t()),
    "solve_triangular": lambda m: m.linalg.solve_triangular(_t(m, SQ), _t(m, M2).t(),
                                                            upper=True),
    "solve_triangular-right": lambda m: m.linalg.solve_triangular(
        _t(m, SQ), _t(m, M2), upper=False, left=False, unitriangular=True),
    "eigvalsh": lambda m: m.linalg.eigvalsh(_t(m, SPD)),
    "eigvalsh-U": lambda m: m.linalg.eigvalsh(_t(m, SQ), UPLO="U"),
    "eigvals": lambda m: m.linalg.eigvals(_t(m, SPD)),
    "svdvals": lambda m: m.linalg.svdvals(_t(m, M2)),
    "qr": lambda m: m.linalg.qr(_t(m, SQ)), "qr-complete": lambda m: m.linalg.qr(
        _t(m, M2).t(), "complete"),
    "qr-r": lambda m: m.linalg.qr(_t(m, M2), mode="r").R,
    "cholesky": lambda m: m.linalg.cholesky(_t(m, SPD)),
    "cholesky-upper": lambda m: m.linalg.cholesky(_t(m, SPD), upper=True),
    "cholesky_ex": lambda m: m.linalg.cholesky_ex(_t(m, SPD)),
    "cholesky_ex-bad": lambda m: m.linalg.cholesky_ex(_t(m, SQ) * -1).info,
    "lstsq": lambda m: m.linalg.lstsq(_t(m, M2).t(), _t(m, [[1.0], [2.0], [0.5]])).solution,
    "lstsq-rank": lambda m: m.linalg.lstsq(_t(m, M2).t(), _t(m, [[1.0], [2.0], [0.5]])).rank,
    "matrix_rank": lambda m: m.linalg.matrix_rank(_t(m, [[1.0, 2.0], [2.0, 4.0]])),
    "matrix_rank-batch": lambda m: m.linalg.matrix_rank(_t(m, B)),
    "matrix_power": lambda m: m.linalg.matrix_power(_t(m, SQ), 2),
    "matrix_exp": lambda m: m.linalg.matrix_exp(_t(m, B)),
    "cross": lambda m: m.linalg.cross(_t(m, SQ), _t(m, SPD)),
    "cross-dim": lambda m: m.linalg.cross(_t(m, SQ), _t(m, SPD), dim=0),
    "multi_dot": lambda m: m.linalg.multi_dot([_t(m, M2), _t(m, SQ), _t(m, M2).t()]),
    "vecdot": lambda m: m.linalg.vecdot(_t(m, SQ), _t(m, SPD)),
    "vecdot-dim": lambda m: m.linalg.vecdot(_t(m, SQ), _t(m, SPD), dim=0),
    "diagonal": lambda m: m.linalg.diagonal(_t(m, B), offset=1),
    "vander": lambda m: m.linalg.vander(_t(m, [1.0, 2.0, 3.0])),
    "vander-N": lambda m: m.linalg.vander(_t(m, [[1, 2], [3, 4]]), N=4),
    "tensorinv": lambda m: m.linalg.tensorinv(_t(m, SQ).reshape(3, 3), ind=1),
    "tensorsolve": lambda m: m.linalg.tensorsolve(_t(m, SQ), _t(m, [1.0, 2.0, 3.0])),
    "cond": lambda m: m.linalg.cond(_t(m, SQ)), "cond-fro": lambda m: m.linalg.cond(_t(m, B),
                                                                                "fro"),
    "matmul": lambda m: m.linalg.matmul(_t(m, M2), _t(m, SQ)),
}


@pytest.mark.parametrize("name", list(LINALG))
def test_linalg_matches_torch(name):
    check(LINALG[name], rtol=1e-4, atol=1e-5)


def test_eigh_and_svd_decompose_as_torch():
    a = np.array(SPD, np.float32)
    w, v = tt.linalg.eigh(tt.tensor(a))
    tw, _ = torch.linalg.eigh(torch.tensor(a))
    np.testing.assert_allclose(w.numpy(), tw.numpy(), rtol=1e-5)
    np.testing.assert_allclose(v.numpy() @ np.diag(w.numpy()) @ v.numpy().T, a, atol=1e-5)
    u, s, vh = tt.linalg.svd(tt.tensor(M2), full_matrices=False)
    assert [tuple(x.shape) for x in (u, s, vh)] == [(2, 2), (2,), (2, 3)]
    np.testing.assert_allclose((u.numpy() * s.numpy()) @ vh.numpy(), M2, atol=1e-5)
    w2, v2 = tt.linalg.eig(tt.tensor(SPD))
    assert str(w2.dtype).endswith("complex64") and str(v2.dtype).endswith("complex64")


def test_singular_matrix_raises_linalg_error_a_runtime_error():
    with pytest.raises(tt.linalg.LinAlgError) as info:
        tt.linalg.inv(tt.ones(2, 2))
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, tt.TruenoError)
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.inv(torch.ones(2, 2))


FFT = {
    "fft": lambda m: m.fft.fft(_t(m, SIG)), "fft-n": lambda m: m.fft.fft(_t(m, SIG), n=5),
    "fft-int": lambda m: m.fft.fft(m.tensor([1, 2, 3])),
    "fft-double": lambda m: m.fft.fft(_t(m, SIG).double(), norm="ortho"),
    "ifft": lambda m: m.fft.ifft(m.fft.fft(_t(m, SIG)), norm="forward"),
    "rfft": lambda m: m.fft.rfft(_t(m, SIG)), "irfft": lambda m: m.fft.irfft(
        m.fft.rfft(_t(m, SIG)), n=8),
    "rfft-dim": lambda m: m.fft.rfft(_t(m, M2), dim=0),
    "hfft": lambda m: m.fft.hfft(m.fft.ifft(_t(m, SIG))[:5]),
    "ihfft": lambda m: m.fft.ihfft(_t(m, SIG)),
    "fft2": lambda m: m.fft.fft2(_t(m, SQ)), "ifft2": lambda m: m.fft.ifft2(_t(m, B)),
    "rfft2": lambda m: m.fft.rfft2(_t(m, SQ), s=(4, 4)),
    "irfft2": lambda m: m.fft.irfft2(m.fft.rfft2(_t(m, SQ)), s=(3, 3)),
    "fftn": lambda m: m.fft.fftn(_t(m, B)), "fftn-dim": lambda m: m.fft.fftn(_t(m, B), dim=(0,)),
    "ifftn-s": lambda m: m.fft.ifftn(_t(m, B), s=(3, 2)),
    "rfftn": lambda m: m.fft.rfftn(_t(m, B)),
    "irfftn": lambda m: m.fft.irfftn(m.fft.rfftn(_t(m, B)), s=(2, 2)),
    "fftfreq": lambda m: m.fft.fftfreq(5, 0.5), "rfftfreq": lambda m: m.fft.rfftfreq(
        6, dtype=m.float64),
    "fftshift": lambda m: m.fft.fftshift(_t(m, SIG)),
    "ifftshift-dim": lambda m: m.fft.ifftshift(_t(m, SQ), dim=1),
}


@pytest.mark.parametrize("name", list(FFT))
def test_fft_matches_torch(name):
    check(FFT[name], rtol=1e-4, atol=1e-5)
