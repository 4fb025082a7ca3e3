"""Samples of the linalg ops for test_backend_equivalence: op name -> [(fn, [numpy args])].

``v(shape, domain="real")`` makes values of the dtype under test. A fn may return a
canonical form of its result (e.g. eigenvectors with a fixed sign) where the op's result is
not unique, so every backend's kernel can be compared with the reference one.
"""

from __future__ import annotations

import numpy as np

import trueno as tn


def _col_signs(m):
    """+-1 per column of ``m`` (..., r, c): the sign of the column's dot with a fixed ramp,
    so that vectors defined up to sign compare across backends."""
    ramp = tn.linspace(1.0, 2.0, m.shape[-2], dtype=m.dtype, device=m.device)
    return tn.sign(tn.sum(m * ramp[:, None], axis=-2))


def _eigh(x, uplo):
    w, v = tn.linalg.eigh(x, UPLO=uplo)
    return w, v * _col_signs(v)[..., None, :]


def _svd(x, full):
    u, s, vh = tn.linalg.svd(x, full_matrices=full)
    k = s.shape[-1]
    u = u[..., :, :k]  # columns beyond min(m, n) are any basis of the complement
    sg = _col_signs(u)
    return u * sg[..., None, :], s, vh[..., :k, :] * sg[..., :, None]


def _qr(x, mode):
    q, r = tn.linalg.qr(x, mode=mode)
    k = min(x.shape[-2:])
    sg = tn.sign(tn.linalg.diagonal(r[..., :k, :]))
    return q[..., :, :k] * sg[..., None, :], r[..., :k, :] * sg[..., :, None]


def cases(v, dtype, rng) -> dict:
    def well(shape):  # diagonally dominant: condition numbers of a few
        n = shape[-1]
        return (v(shape) + 10 * np.eye(n)).astype(v(()).dtype)

    def spd(shape):
        x = v(shape)
        return (x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(x.dtype)

    low_rank = (v((5, 2)) @ v((2, 6))).astype(v(()).dtype)
    return {
        "linalg_solve": [(lambda a, b: tn.linalg.solve(a, b), [well((2, 4, 4)), v((4, 3))]),
                         (lambda a, b: tn.linalg.solve(a.mT, b), [well((5, 5)), v((5,))])],
        "linalg_inv": [(lambda a: tn.linalg.inv(a), [well((3, 4, 4))]),
                       (lambda a: tn.linalg.inv(a.mT), [well((7, 7))])],
        "linalg_det": [(lambda a: tn.linalg.det(a), [v((2, 3, 3))]),
                       (lambda a: tn.linalg.det(a), [np.zeros((3, 3), v(()).dtype)])],
        "linalg_slogdet": [(lambda a: tuple(tn.linalg.slogdet(a)), [v((2, 5, 5))])],
        "linalg_cholesky": [(lambda a: tn.linalg.cholesky(a), [spd((2, 5, 5))]),
                            (lambda a: tn.linalg.cholesky(a, upper=True), [spd((4, 4))])],
        "linalg_qr": [(lambda a: _qr(a, "reduced"), [v((2, 6, 4))]),
                      (lambda a: _qr(a, "complete"), [v((3, 5))]),
                      (lambda a: tn.abs(tn.linalg.qr(a, mode="r")), [v((5, 5))])],
        "linalg_eigh": [(lambda a: _eigh(a, "L"), [spd((2, 5, 5))]),
                        (lambda a: _eigh(a, "U"), [v((6, 6))])],
        "linalg_svd": [(lambda a: _svd(a, False), [v((2, 6, 4))]),
                       (lambda a: _svd(a, True), [v((4, 7))])],
        "linalg_pinv": [(lambda a: tn.linalg.pinv(a), [v((5, 3))]),
                        (lambda a: tn.linalg.pinv(a, rtol=1e-3), [low_rank])],
        "linalg_matrix_rank": [(lambda a: tn.linalg.matrix_rank(a), [low_rank]),
                               (lambda a: tn.linalg.matrix_rank(a), [v((2, 4, 6))])],
        "linalg_lstsq": [(lambda a, b: tn.linalg.lstsq(a, b), [v((7, 3)), v((7, 2))]),
                         (lambda a, b: tn.linalg.lstsq(a, b), [v((3, 5)), v((3,))])],
    }
