"""The op-table rows the GPU tests are generated from (issue 13): which rows have a GPU
kernel, sample data from the row's domain and the row's NumPy reference, read exactly as
trueno-core's differential tests read them (``trueno_core_helpers.sample``,
``optable_checks.numpy_ref``, imported from trueno-core/tests), so a new row is tested on the
GPU with no edit here and no second table of names, domains or formulas."""

from __future__ import annotations

import pathlib
import sys
import warnings

import numpy as np

_CORE_TESTS = pathlib.Path(__file__).resolve().parents[2] / "trueno-core" / "tests"
if _CORE_TESTS.is_dir() and str(_CORE_TESTS) not in sys.path:
    sys.path.append(str(_CORE_TESTS))

from optable_checks import numpy_ref  # noqa: E402
from trueno._optable import OPS  # noqa: E402
from trueno_core_helpers import sample as _core_sample  # noqa: E402

__all__ = ["elementwise_rows", "sample", "reference", "OPS"]


def elementwise_rows(nin: int, kernels: dict, dtypes) -> list[tuple]:
    """(row, dtype) for every elementwise (broadcasting) row of ``nin`` inputs and every
    dtype of ``dtypes`` that the GPU kernel table ``kernels`` has a kernel for."""
    return [(row, d) for row in OPS.values() if row.shape == "broadcast" and row.nin == nin
            for d in dtypes if d in kernels.get(row.name, ())]


def sample(row, dtype: str, shape, rng, index: int = 0) -> np.ndarray:
    """Data of ``dtype`` and ``shape`` for input ``index`` of ``row``, from the row's domain
    (``Op.domains_for``: integer exponents and shift counts non-negative)."""
    return _core_sample(dtype, shape, row.domains_for(dtype)[index], rng)


def reference(row, *xs):
    """The row's NumPy reference on ``xs`` (its NumPy twin, its ``reference`` or its PyTorch
    twin, as core's tests choose); float16 and bfloat16 inputs are computed in float32 and
    the result cast back, as the GPU computes them."""
    low = {"float16", "bfloat16"}
    names = [x.dtype.name if hasattr(x, "dtype") else "" for x in xs]
    low_dt = next((np.asarray(x).dtype for x, n in zip(xs, names) if n in low), None)
    if low_dt is not None:
        xs = tuple(np.asarray(x).astype(np.float32) if n in low else x
                   for x, n in zip(xs, names))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = np.asarray(numpy_ref(row)(*xs))
    if low_dt is not None and out.dtype == np.float32:
        out = out.astype(low_dt)
    return out
