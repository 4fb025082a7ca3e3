"""The rows of ``trueno.linalg`` (``linalg_solve``, ``linalg_svd``, ...): declared here, with the
table, so that they exist whether or not the public module was imported (issue 13); their
signatures and shape rules are in ``_optable``'s tables."""

from __future__ import annotations

from ._optable import Op, add_op


def _row(name, nin=1, differentiable=False, decomposition=None):
    add_op(Op(name, nin, accepts="floating", shape="custom", numpy_name=None,
              differentiable=differentiable, decomposition=decomposition))


for _name in ("solve", "lstsq"):
    _row(f"linalg_{_name}", 2, _name == "solve")
for _name in ("inv", "det", "slogdet", "eigh", "svd", "qr", "cholesky", "pinv"):
    _row(f"linalg_{_name}", differentiable=True)
for _name in ("eig", "eigvals", "matrix_rank"):
    _row(f"linalg_{_name}")
# the value-only forms decompose into the full factorizations
_row("linalg_eigvalsh", differentiable=True,
     decomposition="trueno.linalg:_eigvalsh_decomposition")
_row("linalg_svdvals", differentiable=True, decomposition="trueno.linalg:_svdvals_decomposition")
