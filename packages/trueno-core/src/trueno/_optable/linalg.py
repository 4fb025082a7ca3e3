"""Linear algebra: ``matmul`` (a primitive), the rows of ``trueno.linalg`` (``linalg_solve``,
``linalg_svd``, ...; reference kernels in ``_reference/_linalg_numpy.py``) and ``einsum``."""

from __future__ import annotations

from ._row import Op, add_op

add_op(Op("matmul", 2, accepts="numeric", shape="matmul", primitive=True))

# name -> (number of inputs, differentiable, shape rule, sig)
_X = "x, /"
_LINALG = {
    "solve": (2, True, "solve", None),
    "lstsq": (2, False, "custom", "a, b, /, *, rcond: float | None = None"),
    "inv": (1, True, "same", _X),
    "det": (1, True, "batch", _X),
    "slogdet": (1, True, "batch", _X),
    "eigh": (1, True, "custom", "x, /, *, UPLO: str = 'L'"),
    "svd": (1, True, "custom", "x, /, *, full_matrices: bool = True, hermitian: bool = False"),
    "qr": (1, True, "custom", "x, /, *, mode: str = 'reduced'"),
    "cholesky": (1, True, "same", "x, /, *, upper: bool = False"),
    "pinv": (1, True, "pinv", "x, /, *, rcond: float | None = None, rtol: float | None = None, "
                              "hermitian: bool = False"),
    "eig": (1, False, "custom", _X),
    "eigvals": (1, False, "eigvals", _X),
    "matrix_rank": (1, False, "batch", "x, /, *, tol: float | None = None, "
                                       "hermitian: bool = False, rtol: float | None = None"),
    "eigvalsh": (1, True, "eigvals", "x, /, *, UPLO: str = 'L'"),
    "svdvals": (1, True, "svdvals", _X),
}
# the value-only forms decompose into the full factorizations
_DECOMPOSITIONS = {"eigvalsh": "trueno.linalg:_eigvalsh_decomposition",
                   "svdvals": "trueno.linalg:_svdvals_decomposition"}
for _n, (_nin, _diff, _shape, _sig) in _LINALG.items():
    add_op(Op(f"linalg_{_n}", _nin, accepts="floating", shape=_shape, numpy_name=None,
              differentiable=_diff, decomposition=_DECOMPOSITIONS.get(_n), sig=_sig))

# Subscripts reach a kernel normalized (explicit "ij,jk->ik"; ``_einsum.parse``).
add_op(Op("einsum", -1, accepts="any", shape="custom", numpy_name="einsum", differentiable=True,
          decomposition="trueno._einsum:_einsum_decomposition",
          sig="*xs, subscripts: str, optimize: bool | str = False"))
