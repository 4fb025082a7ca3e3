"""Linear algebra: ``matmul`` (a primitive), the rows of ``trueno.linalg`` (``linalg_solve``,
``linalg_svd``, ...; reference kernels in ``_reference/_linalg_numpy.py``) and ``einsum``."""

from __future__ import annotations

from .._errors import LinAlgError, ShapeError
from ._row import ErrorInput, Op, add_op

add_op(Op("matmul", 2, accepts="numeric", shape="matmul", primitive=True, errors=[
    ErrorInput(((2, 3), (4, 5)), ShapeError, r"inner dimensions do not match \(3 != 4\)"),
    ErrorInput(((), (4, 5)), ShapeError, "operands must be at least 1-D")]))

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
# Error inputs (``Op.errors``): a stack of matrices that is not one, or not square.
_SQUARE = [ErrorInput(((2, 3),), LinAlgError, "must be square")]
_NOT_2D = [ErrorInput(((3,),), LinAlgError, "1-dimensional array given")]
_ERRORS = {"inv": _SQUARE, "cholesky": _SQUARE, "eigh": _SQUARE, "det": _NOT_2D, "svd": _NOT_2D,
           "qr": _NOT_2D, "solve": [ErrorInput(((3, 3), (4,)), LinAlgError, "b does not match a")]}
for _n, (_nin, _diff, _shape, _sig) in _LINALG.items():
    add_op(Op(f"linalg_{_n}", _nin, accepts="floating", shape=_shape, numpy_name=None,
              differentiable=_diff, decomposition=_DECOMPOSITIONS.get(_n), sig=_sig,
              errors=_ERRORS.get(_n, ())))

# Subscripts reach a kernel normalized (explicit "ij,jk->ik"; ``_einsum.parse``).
add_op(Op("einsum", -1, accepts="any", shape="custom", numpy_name="einsum", differentiable=True,
          decomposition="trueno._einsum:_einsum_decomposition",
          sig="*xs, subscripts: str, optimize: bool | str = False"))
