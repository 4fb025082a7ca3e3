"""Reference kernels of the ``trueno.linalg`` ops: thin calls into ``numpy.linalg``.

Core has validated shapes and dtypes; a kernel may still raise ``numpy.linalg.LinAlgError``
for data-dependent failures (a singular matrix), which ``trueno.linalg`` turns into
``trueno.LinAlgError`` with a hint.
"""

from __future__ import annotations

import numpy as np

_LA = np.linalg


def linalg_solve(a, b):
    return _LA.solve(a, b)


def linalg_inv(x):
    return _LA.inv(x)


def linalg_det(x):
    return np.asarray(_LA.det(x))


def linalg_slogdet(x):
    sign, logabsdet = _LA.slogdet(x)
    return np.asarray(sign), np.asarray(logabsdet)


def linalg_eig(x):
    w, v = _LA.eig(x)
    return w, v


def linalg_eigvals(x):
    return _LA.eigvals(x)


def linalg_eigh(x, UPLO="L"):  # noqa: N803  (NumPy's argument name)
    w, v = _LA.eigh(x, UPLO=UPLO)
    return w, v


def linalg_eigvalsh(x, UPLO="L"):  # noqa: N803
    return _LA.eigvalsh(x, UPLO=UPLO)


def linalg_svd(x, full_matrices=True, hermitian=False):
    u, s, vh = _LA.svd(x, full_matrices=full_matrices, hermitian=hermitian)
    return u, s, vh


def linalg_svdvals(x):
    return _LA.svd(x, compute_uv=False)


def linalg_qr(x, mode="reduced"):
    out = _LA.qr(x, mode=mode)
    if mode == "r":
        return out
    return tuple(out)


def linalg_cholesky(x, upper=False):
    return _LA.cholesky(x, upper=upper)


def linalg_lstsq(a, b, rcond=None):
    x, res, rank, s = _LA.lstsq(a, b, rcond=rcond)
    return x, res, np.asarray(rank, dtype=np.int64), s


def linalg_pinv(x, rcond=None, rtol=None, hermitian=False):
    kw = {"rcond": rcond} if rcond is not None else {}
    if rtol is not None:
        kw = {"rtol": rtol}
    return _LA.pinv(x, hermitian=hermitian, **kw)


def linalg_matrix_rank(x, tol=None, hermitian=False, rtol=None):
    return np.asarray(_LA.matrix_rank(x, tol=tol, hermitian=hermitian, rtol=rtol),
                      dtype=np.int64)


KERNELS = {name: fn for name, fn in globals().items() if name.startswith("linalg_")}


def einsum(*xs, subscripts, optimize=False):
    return np.asarray(np.einsum(subscripts, *xs, optimize=optimize))


KERNELS["einsum"] = einsum
