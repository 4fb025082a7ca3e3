"""The op table is one package, ``trueno._optable``, with one module per family (issue 13): every
core row is declared there, and no other core module creates a row as a side effect of being
imported; a public module binds its functions to rows declared in the table."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import trueno as tn
from trueno import _optable

SRC = Path(tn.__file__).resolve().parent
TABLE = SRC / "_optable"


def row_declarations(src: str) -> list[int]:
    """Lines of ``src`` that create a row: a call of ``Op(...)`` or ``add_op(...)`` (by name or
    attribute) or of one of the table's helpers (``prims``, ``comps``, ``rows``, ``numpy_row``)."""
    helpers = {"prims", "comps", "rows", "numpy_row"}
    found = []
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in helpers | {"Op", "add_op"} or \
                    isinstance(f, ast.Attribute) and f.attr in ("Op", "add_op"):
                found.append(node.lineno)
    return sorted(set(found))


def test_the_scanner_finds_every_form_of_row_declaration():
    src = "\n".join([
        "from ._optable import Op, add_op",                        # 1
        "_CONCAT = add_op(Op('concat', -1))",                       # 2
        "row = _optable.Op('x', 1)",                               # 3
        "registry.add_op(row)",                                    # 4
        "numpy_row('take', 2, 'x, i, /')",                         # 5
        "OPS['concat']",                                           # 6  a lookup, not a row
        "prims('exp', nin=1)",                                     # 7
        "host = reader.rows('w', 0, 4)",                           # 8  another rows()
    ])
    assert row_declarations(src) == [2, 3, 4, 5, 7]


def test_no_core_module_outside_the_table_declares_a_row():
    files = [f for f in SRC.rglob("*.py") if TABLE not in f.parents]
    assert len(files) > 50, "the trueno sources were not found"
    bad = [f"{f.relative_to(SRC)}:{ln}" for f in files
           for ln in row_declarations(f.read_text())]
    assert not bad, ("rows are declared in trueno/_optable/ (one module per family), not as a "
                     "side effect of importing another module:\n  " + "\n  ".join(bad))


def test_every_family_module_is_imported_and_small():
    """``__init__`` imports each family module (``FAMILIES``), each declares rows, and each stays
    a readable size."""
    modules = sorted(p.stem for p in TABLE.glob("*.py") if not p.stem.startswith("_"))
    assert sorted(m.__name__.rsplit(".", 1)[1] for m in _optable.FAMILIES) == modules
    for m in _optable.FAMILIES:
        text = Path(m.__file__).read_text()
        assert row_declarations(text), m.__name__
        assert text.count("\n") < 400, m.__name__


@pytest.mark.parametrize("name, module, attr", [
    ("concat", "trueno._manipulation", "_concat_decomposition"),
    ("einsum", "trueno._einsum", "_einsum_decomposition"),
    ("sgd_update", "trueno._decompositions_optim", "sgd_update"),
    ("adam_update", "trueno._decompositions_optim", "adam_update"),
    ("linalg_svdvals", "trueno.linalg", "_svdvals_decomposition"),
])
def test_rows_name_their_decomposition_lazily(name, module, attr):
    import importlib
    row = tn.OPS[name]
    assert row._decomposition == f"{module}:{attr}" or \
        row._decomposition is getattr(importlib.import_module(module), attr)
    assert row.decomposition is getattr(importlib.import_module(module), attr)


def test_the_public_functions_run_the_tables_rows():
    """``concat`` and ``einsum`` bind the rows of the table (no second row object)."""
    from trueno import _einsum, _manipulation, _numpy_elementwise, _surface_ops
    assert _manipulation._CONCAT is tn.OPS["concat"]
    assert _einsum._EINSUM is tn.OPS["einsum"]
    assert set(_surface_ops.SURFACE_OPS) <= set(tn.OPS)
    assert all(tn.OPS[n].nin == k for n, k in _surface_ops.SURFACE_OPS.items())
    assert set(_numpy_elementwise.UFUNCS) <= set(tn.OPS)
    a, b = tn.asarray([[1.0, 2.0]]), tn.asarray([[3.0, 4.0]])
    assert tn.concat([a, b], axis=0).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert float(tn.einsum("ij,ij->", a, b)) == 11.0


def test_the_table_keeps_its_exports():
    """What the rest of core, the plugins and the tests read from ``trueno._optable``."""
    assert tn.Op is _optable.Op and tn.OPS is _optable.OPS
    assert _optable.op("add") is tn.OPS["add"]
    assert {"add", "matmul", "sum", "index", "reshape", "sort"} <= _optable.PRIMITIVES
    assert {o.name for o in _optable.ELEMENTWISE_UNARY} >= {"exp", "negative", "gelu"}
    assert {o.name for o in _optable.ELEMENTWISE_BINARY} >= {"add", "hypot", "less"}
    assert {o.name for o in _optable.REDUCTIONS} >= {"sum", "mean", "vector_norm"}
    assert {o.name for o in _optable.VIEWS} == {"reshape", "permute_dims", "expand", "getitem",
                                                "diagonal"}
    assert set(_optable.DOMAINS) >= {"real", "positive", "unit", "ge1", "nonzero", "small"}
