"""The reference backend is complete, by the table: every row has a reference kernel (the CPU
kernel of last resort, and what ``TRUENO_BACKEND=reference`` runs), derived in
``_reference/_elementwise.py`` from the rows (NumPy's function of a row's ``numpy_name``, or the
module's function of the row's name), so a new row without one fails here (issue 13)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import trueno as tn
from trueno._optable import ELEMENTWISE_BINARY, ELEMENTWISE_UNARY, OPS, VIEWS
from trueno._reference import _elementwise as RE
from trueno._reference.plugin import kernels

# Rows core computes with no kernel: views (made on the array's metadata, docs/design.md §9)
# and to_device (the device API moves the data).
CORE_ROWS = frozenset({r.name for r in VIEWS} | {"to_device"})


def _core_table() -> list[str]:
    """The names of core's rows: the table of a process that loads no plugin (a plugin's rows,
    trueno-nn's elu or mse_loss, run their decompositions on the CPU; its own business)."""
    env = {**os.environ, "TRUENO_DISABLE_PLUGIN_AUTOLOAD": "1"}
    code = "import trueno, trueno._registry as r; r.load_plugins(); print(*trueno.OPS)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    return out.stdout.split()


def test_every_row_has_a_reference_kernel():
    have = kernels()
    table = _core_table()
    assert len(table) > 200 and "add" in table and "elu" not in table
    missing = sorted(n for n in table if n not in have and n not in CORE_ROWS)
    assert not missing, (
        f"rows without a reference kernel: {missing}\n  hint: a function of the row's name in "
        f"a trueno/_reference module's KERNELS (an elementwise row NumPy lacks: "
        f"_reference/_elementwise.py)")
    assert set(have) <= set(OPS), sorted(set(have) - set(OPS))  # a kernel is named after a row


def test_elementwise_kernels_are_derived_from_the_rows():
    """NumPy's function of the row's ``numpy_name`` unless the module defines the row's name;
    every elementwise row NumPy lacks has the module's function."""
    for row in ELEMENTWISE_UNARY + ELEMENTWISE_BINARY:
        k = RE.KERNELS[row.name]
        own = getattr(RE, row.name, None)
        if own is not None and getattr(own, "__module__", None) == RE.__name__:
            assert k is own, row.name
        else:
            assert row.numpy_name is not None, row.name
            assert k is getattr(np, row.numpy_name), row.name


torch = pytest.importorskip("torch", reason="the kernels NumPy lacks are compared with torch")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_kernels_numpy_lacks_match_torch(dtype):
    """The reference kernels that were missing from the hand list (selu, xlog1py) against
    torch 2.13, special values included."""
    x = np.array([-3.0, -1.0, -0.0, 0.0, 0.5, 2.0, np.inf, -np.inf, np.nan], dtype)
    y = np.array([np.nan, -1.0, 2.0, np.nan, -0.5, 0.0, 1.0, 3.0, 1.0], dtype)
    tx, ty = torch.from_numpy(x.copy()), torch.from_numpy(y.copy())
    rtol = 1e-6 if dtype == "float32" else 1e-14
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(RE.KERNELS["selu"](x), torch.selu(tx).numpy(), rtol=rtol)
        got = RE.KERNELS["xlog1py"](x, y)
    assert got.dtype == x.dtype
    np.testing.assert_allclose(got, torch.special.xlog1py(tx, ty).numpy(), rtol=rtol)
    with tn.use_backend("reference"):  # through the dispatcher: the kernel, checked
        np.testing.assert_allclose(np.asarray(tn.xlog1py(tn.asarray(x), tn.asarray(y))),
                                   torch.special.xlog1py(tx, ty).numpy(), rtol=rtol)
