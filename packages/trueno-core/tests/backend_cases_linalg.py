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


def _eig_order(w):
    """Indices sorting eigenvalues ``w`` (real or complex) by (real, imag): two stable sorts."""
    wr, wi = tn.real(w), tn.imag(w)
    by_imag = tn.argsort(wi, axis=-1)
    return tn.take_along_axis(by_imag, tn.argsort(tn.take_along_axis(wr, by_imag, axis=-1),
                                                  axis=-1), axis=-1)


def _eigvals(w):
    """(real parts, imaginary parts) sorted by (real, imag), and 1 when ``w`` is complex (NumPy
    returns real eigenvalues when all are real)."""
    order = _eig_order(w)
    cplx = np.asarray(int(w.dtype in (tn.complex64, tn.complex128)))
    return (tn.take_along_axis(tn.real(w), order, axis=-1),
            tn.take_along_axis(tn.imag(w), order, axis=-1), cplx)


def _eig(x):
    """Sorted eigenvalues, and their unit vectors (columns in the same order) turned by the
    phase that makes the vector's dot with a fixed ramp real and positive (unique for distinct
    eigenvalues), as real and imaginary parts."""
    w, v = tn.linalg.eig(x)
    order = tn.broadcast_to(_eig_order(w)[..., None, :], v.shape)
    vr = tn.take_along_axis(tn.real(v), order, axis=-1)
    vi = tn.take_along_axis(tn.imag(v), order, axis=-1)
    ramp = tn.linspace(1.0, 2.0, v.shape[-2], dtype=vr.dtype, device=vr.device)[:, None]
    sr, si = tn.sum(vr * ramp, axis=-2), tn.sum(vi * ramp, axis=-2)
    mag = tn.sqrt(sr * sr + si * si)
    sr, si = (sr / mag)[..., None, :], (si / mag)[..., None, :]
    return _eigvals(w) + (vr * sr + vi * si, vi * sr - vr * si)


def _spectrum(rng, blocks, batch=()):
    """Stacks of S B S^-1 (float64): B block-diagonal with ``blocks`` (1 x 1: a real eigenvalue,
    2 x 2 [[a, b], [-b, a]]: a +- ib), S a well-conditioned random matrix."""
    n = sum(len(b) for b in blocks)
    bd = np.zeros((n, n))
    i = 0
    for b in blocks:
        bd[i:i + len(b), i:i + len(b)] = b
        i += len(b)
    out = []
    for _ in range(int(np.prod(batch, dtype=int))):
        s = np.eye(n) + 0.3 * rng.standard_normal((n, n)) / np.sqrt(n)
        out.append(s @ bd @ np.linalg.inv(s))
    return np.stack(out).reshape(batch + (n, n)) if batch else out[0]


def _eig_samples(v, rng):
    """Matrices with real, complex-conjugate and mixed spectra; n = 1, 2, 3, 7, 16; batches."""
    dt = v(()).dtype
    real = lambda n: [[[1.0 + k + 0.4 * rng.random()]] for k in range(n)]  # noqa: E731
    pairs = lambda n: [[[k - 1.5, 1.0 + k], [-1.0 - k, k - 1.5]] for k in range(n)]  # noqa: E731
    mixed16 = np.stack([_spectrum(rng, pairs(5) + real(6)), _spectrum(rng, real(16))])
    return [np.asarray(x).astype(dt) for x in (
        _spectrum(rng, real(3), (2,)),  # all real: real results
        _spectrum(rng, pairs(3) + real(1)),  # n = 7
        mixed16,  # one real and one complex spectrum in a batch: complex results
        _spectrum(rng, pairs(1), (3,)),  # n = 2
        v((1, 1)),
        [[1.0, 2.0], [3.0, 4.0]],
        np.zeros((0, 3, 3)))]


def cases(v, dtype, rng) -> dict:
    def well(shape):  # diagonally dominant: condition numbers of a few
        n = shape[-1]
        return (v(shape) + 10 * np.eye(n)).astype(v(()).dtype)

    def spd(shape):
        x = v(shape)
        return (x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(x.dtype)

    low_rank = (v((5, 2)) @ v((2, 6))).astype(v(()).dtype)
    eig_in = _eig_samples(v, rng)
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
        "linalg_eig": [(_eig, [x]) for x in eig_in]
        + [(lambda a: _eig(a.mT), [eig_in[1]])],
        "linalg_eigvals": [(lambda a: _eigvals(tn.linalg.eigvals(a)), [x]) for x in eig_in],
        "linalg_svd": [(lambda a: _svd(a, False), [v((2, 6, 4))]),
                       (lambda a: _svd(a, True), [v((4, 7))])],
        "linalg_pinv": [(lambda a: tn.linalg.pinv(a), [v((5, 3))]),
                        (lambda a: tn.linalg.pinv(a, rtol=1e-3), [low_rank])],
        "linalg_matrix_rank": [(lambda a: tn.linalg.matrix_rank(a), [low_rank]),
                               (lambda a: tn.linalg.matrix_rank(a), [v((2, 4, 6))])],
        "linalg_lstsq": [(lambda a, b: tn.linalg.lstsq(a, b), [v((7, 3)), v((7, 2))]),
                         (lambda a, b: tn.linalg.lstsq(a, b), [v((3, 5)), v((3,))])],
    }
