"""``torch.return_types``: the named tuples PyTorch's functions return (``max(dim)`` gives
``torch.return_types.max(values=..., indices=...)``), printed as PyTorch prints them."""

from __future__ import annotations

from collections import namedtuple

__all__ = [
    "max", "min", "sort", "topk", "median", "nanmedian", "mode", "kthvalue", "cummax",
    "cummin", "aminmax", "frexp", "geqrf", "histogram", "histogramdd", "lu_unpack", "qr",
    "slogdet", "svd", "triangular_solve", "linalg_cholesky_ex", "linalg_eig", "linalg_eigh",
    "linalg_inv_ex", "linalg_lstsq", "linalg_qr", "linalg_slogdet", "linalg_solve_ex",
    "linalg_svd", "linalg_lu", "linalg_lu_factor", "linalg_lu_factor_ex",
]


def _repr(self) -> str:
    body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
    return f"torch.return_types.{type(self).__name__}(\n{body})"


def _structseq(name: str, fields: str):
    cls = namedtuple(name, fields.split())
    cls.__repr__ = cls.__str__ = _repr
    cls.__module__ = "torch.return_types"
    cls.__doc__ = f"``torch.return_types.{name}``: a named tuple ({', '.join(fields.split())})."
    return cls


max = _structseq("max", "values indices")  # noqa: A001
min = _structseq("min", "values indices")  # noqa: A001
sort = _structseq("sort", "values indices")
topk = _structseq("topk", "values indices")
median = _structseq("median", "values indices")
nanmedian = _structseq("nanmedian", "values indices")
mode = _structseq("mode", "values indices")
kthvalue = _structseq("kthvalue", "values indices")
cummax = _structseq("cummax", "values indices")
cummin = _structseq("cummin", "values indices")
aminmax = _structseq("aminmax", "min max")
frexp = _structseq("frexp", "mantissa exponent")
geqrf = _structseq("geqrf", "a tau")
histogram = _structseq("histogram", "hist bin_edges")
histogramdd = _structseq("histogramdd", "hist bin_edges")
lu_unpack = _structseq("lu_unpack", "P L U")
qr = _structseq("qr", "Q R")
slogdet = _structseq("slogdet", "sign logabsdet")
svd = _structseq("svd", "U S V")
triangular_solve = _structseq("triangular_solve", "solution cloned_coefficient")
linalg_cholesky_ex = _structseq("linalg_cholesky_ex", "L info")
linalg_eig = _structseq("linalg_eig", "eigenvalues eigenvectors")
linalg_eigh = _structseq("linalg_eigh", "eigenvalues eigenvectors")
linalg_inv_ex = _structseq("linalg_inv_ex", "inverse info")
linalg_lu = _structseq("linalg_lu", "P L U")
linalg_lu_factor = _structseq("linalg_lu_factor", "LU pivots")
linalg_lu_factor_ex = _structseq("linalg_lu_factor_ex", "LU pivots info")
linalg_lstsq = _structseq("linalg_lstsq", "solution residuals rank singular_values")
linalg_qr = _structseq("linalg_qr", "Q R")
linalg_slogdet = _structseq("linalg_slogdet", "sign logabsdet")
linalg_solve_ex = _structseq("linalg_solve_ex", "result info")
linalg_svd = _structseq("linalg_svd", "U S Vh")
