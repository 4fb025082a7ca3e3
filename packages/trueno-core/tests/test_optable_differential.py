"""Differential tests generated from the op table (``trueno.OPS``): every op vs NumPy.

Each elementwise row runs for every dtype it accepts and every layout (contiguous, 0-d, empty,
broadcast pairs, transposed, negative stride, sliced with a step); reductions for every axis
spelling; matmul and its relatives for batch broadcasting and 1-D operands. Ops without a NumPy
twin are compared with a formula written here. Where NumPy raises, trueno must raise the same
built-in exception type. A completeness test fails when a row is not exercised.

The generated tests are split by op family (``GENERATOR_MODULES``); this module holds the
completeness tests, which read every family's ``@generates`` marks, and the table's own checks.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import trueno as tn
from trueno import _elementwise as E
from trueno._optable import OPS

from trueno_core_helpers import plugin_row
from optable_checks import GENERATORS, rows_of


# --- completeness ----------------------------------------------------------------------------

# The modules whose ``@generates`` tests the completeness test reads (one per op family).
GENERATOR_MODULES = ("test_optable_elementwise", "test_optable_reductions",
                     "test_optable_scans_products", "test_optable_other_rows")


def covered_rows() -> set[str]:
    """The rows the ``@generates`` tests of the family modules run (computed, never listed)."""
    for name in GENERATOR_MODULES:  # their marks register in GENERATORS when they are imported
        importlib.import_module(name)
    out: set[str] = set()
    for fn, named in GENERATORS.values():
        out |= rows_of(fn, named)
    return out


# Public functions that are NumPy ufuncs but composites of rows in trueno (no kernel of their
# own), with the rows they are made of.
COMPOSITES = {"vecdot": "multiply, conj and sum (_linalg_ops.vecdot)",
              "matvec": "matmul with a reshaped vector (_numpy_utilities.matvec)",
              "vecmat": "matmul with a reshaped vector (_numpy_utilities.vecmat)",
              "fabs": "astype to NumPy's float dtype, then abs (_elementwise.fabs)",
              "isnat": "datetime64/timedelta64 only, NumPy storage on the CPU "
                       "(_host_dtypes.isnat; test_nonnumeric_dtypes.py)"}


_VIEWS = "a view computed by core on metadata (no kernel): test_views.py"
_LINALG = "vs numpy.linalg in test_linalg.py; every backend in backend_cases_linalg.py"
_FFT = "vs numpy.fft in test_fft.py; every backend in backend_cases_fft.py"
# Rows this module does not generate tests for, each with where it is tested instead.
NOT_GENERATED = {
    "addcmul": "a fused kernel with no NumPy twin: vs its decomposition in "
               "test_backend_equivalence.py",
    "conv2d": "no NumPy twin: vs a NumPy loop on every backend in test_backend_equivalence.py",
    "batch_norm_training": "no NumPy twin: vs torch in test_batch_norm_training_rows.py, every "
                           "backend in test_backend_equivalence.py",
    "batch_norm_backward": "no NumPy twin: vs torch in test_batch_norm_training_rows.py, every "
                           "backend in test_backend_equivalence.py",
    "cross_entropy_forward": "no NumPy twin: vs torch in test_cross_entropy_rows.py, every "
                             "backend in test_backend_equivalence.py",
    "cross_entropy_backward": "no NumPy twin: vs torch in test_cross_entropy_rows.py, every "
                              "backend in test_backend_equivalence.py",
    "batch_norm_update_stats": "in-place running statistics: vs torch in "
                               "test_norm_stats_row.py, every backend in "
                               "test_backend_equivalence.py",
    "max_pool2d_forward": "no NumPy twin: vs torch in test_max_pool_rows.py, every backend "
                          "in test_backend_equivalence.py",
    "max_pool2d_backward": "no NumPy twin: vs torch in test_max_pool_rows.py, every backend "
                           "in test_backend_equivalence.py",
    "threshold_backward": "no NumPy twin: vs torch in test_threshold_backward_row.py, every "
                          "backend in test_backend_equivalence.py",
    "lstm_cell_forward": "no NumPy twin: vs torch in test_lstm_cell_rows.py, every backend "
                         "in test_backend_equivalence.py",
    "lstm_cell_backward": "no NumPy twin: vs torch in test_lstm_cell_rows.py, every backend "
                          "in test_backend_equivalence.py",
    "gru_cell_forward": "no NumPy twin: vs torch in test_gru_cell_rows.py, every backend "
                        "in test_backend_equivalence.py",
    "gru_cell_backward": "no NumPy twin: vs torch in test_gru_cell_rows.py, every backend "
                         "in test_backend_equivalence.py",
    "astype": "casts: test_tensor_basics.py and every backend in test_backend_equivalence.py",
    "copy_": "in-place copies (setitem): test_tensor_operators_errors.py, "
             "test_backend_equivalence.py",
    "index": "advanced indexing: test_indexing.py",
    "sgd_update": "in-place optimizer update: test_optim_rows.py (vs torch.optim) and every "
                  "backend in backend_cases_optim.py",
    "adam_update": "in-place optimizer update: test_optim_rows.py (vs torch.optim) and every "
                   "backend in backend_cases_optim.py",
    "index_put": "advanced index assignment: test_indexing.py, test_backend_equivalence.py",
    "to_device": "device moves: test_backend_equivalence.py and the GPU package's tests",
    "diagonal": _VIEWS, "expand": _VIEWS, "getitem": _VIEWS, "permute_dims": _VIEWS,
    "reshape": _VIEWS,
    "linalg_cholesky": _LINALG,
    "linalg_det": _LINALG,
    "linalg_eig": _LINALG,
    "linalg_eigh": _LINALG,
    "linalg_eigvals": _LINALG,
    "linalg_eigvalsh": _LINALG,
    "linalg_inv": _LINALG,
    "linalg_lstsq": _LINALG,
    "linalg_matrix_rank": _LINALG,
    "linalg_pinv": _LINALG,
    "linalg_qr": _LINALG,
    "linalg_slogdet": _LINALG,
    "linalg_solve": _LINALG,
    "linalg_svd": _LINALG,
    "linalg_svdvals": _LINALG,
    "fft_fftn": _FFT,
    "fft_hfft": _FFT,
    "fft_ifftn": _FFT,
    "fft_ihfft": _FFT,
    "fft_irfftn": _FFT,
    "fft_rfftn": _FFT,
}


def test_every_row_is_generated_or_listed_with_a_reason():
    """Coverage is computed from the op table: every row is run by a ``@generates`` test of
    this module or listed in ``NOT_GENERATED`` with where it is tested (a new row without a
    test fails here), and the list holds no row that is generated or gone."""
    covered = covered_rows()
    missing = sorted(n for n, r in OPS.items() if n not in covered and n not in NOT_GENERATED
                     and not plugin_row(r))  # a plugin's rows: its own tests generate them
    assert not missing, f"op-table rows no test generates and no reason lists: {missing}"
    stale = sorted(n for n in NOT_GENERATED if n in covered or n not in OPS)
    assert not stale, f"NOT_GENERATED lists rows that are generated or gone: {stale}"
    assert all(isinstance(r, str) and r for r in NOT_GENERATED.values())


def test_coverage_is_read_from_the_generators():
    """The computed coverage follows the parametrizations, and a row added to the table
    without a generator is reported missing."""
    assert {"add", "sum", "where", "matmul", "sort", "cumprod"} <= covered_rows()
    assert "sigmoid" in covered_rows()  # named by @generates(*TORCH_UNARY)
    row = tn.Op("_row_without_a_test", 1)
    OPS[row.name] = row
    try:
        with pytest.raises(AssertionError, match="_row_without_a_test"):
            test_every_row_is_generated_or_listed_with_a_reason()
    finally:
        del OPS[row.name]


def test_public_ops_have_rows():
    """A public trueno function that is a NumPy ufunc, or an elementwise function made from
    the table, is a row of the table (by name, NumPy name, or a listed alias)."""
    by_numpy = {r.numpy_name for r in OPS.values() if r.numpy_name}
    twins = {id(getattr(np, n)) for n in by_numpy if hasattr(np, n)}
    missing = []
    for name in tn.__all__:
        obj = getattr(tn, name, None)
        if not callable(obj) or isinstance(obj, type):
            continue
        is_op = isinstance(getattr(np, name, None), np.ufunc) or name in E.__all__
        if not is_op:
            continue
        target = E.ALIASES.get(name, name)
        if target not in OPS and name not in by_numpy and name not in COMPOSITES and \
                id(getattr(np, name, None)) not in twins:  # np.bitwise_not is np.invert
            missing.append(name)
    assert not missing, f"public ops without an op-table row: {missing}"


def test_aliases_are_numpy_spellings():
    """Each NumPy alias names the same function as its row (e.g. arccos is acos)."""
    for alias, name in E.ALIASES.items():
        assert getattr(tn, alias) is getattr(tn, name), alias


@pytest.mark.parametrize("name", [n for n in sorted(OPS) if OPS[n].numpy_name])
def test_numpy_name_exists(name):
    """A row's ``numpy_name`` names a real NumPy function (None when NumPy has no twin)."""
    assert callable(getattr(np, OPS[name].numpy_name, None)), OPS[name].numpy_name
