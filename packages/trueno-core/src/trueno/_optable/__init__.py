"""The op table: every op defined once, as one row (docs/design.md §2).

Core validates each call against its row (dtypes, shapes) before any backend sees it, and the
tests are generated from these rows (``tests/test_optable_differential.py``). The rows are
declared here, one module per family, and nowhere else in core: a public module binds its
functions to rows (``OPS["concat"]``), it never creates one. A row names its decomposition and
reference by ``"module:function"`` (imported on first use). ``_row`` holds ``Op`` and the table;
plugins add rows with ``registry.add_op``.
"""

from __future__ import annotations

from ._row import DOMAINS, OPS, SURFACE_OPS, Op, add_op, op

# The families, in registration order (``OPS`` keeps it; each module declares its rows).
from . import elementwise, copies, reductions, nn, linalg, shape, indexing  # noqa: I001
from . import sorting_sets, statistics, numeric, fft, optim, numpy_elementwise
from . import random  # noqa: I001

FAMILIES = (elementwise, copies, reductions, nn, linalg, shape, indexing, sorting_sets,
            statistics, numeric, fft, optim, numpy_elementwise, random)

__all__ = ["Op", "OPS", "op", "add_op", "PRIMITIVES", "DOMAINS", "SURFACE_OPS", "FAMILIES",
           "ELEMENTWISE_UNARY", "ELEMENTWISE_BINARY", "REDUCTIONS", "VIEWS"]

ELEMENTWISE_UNARY = tuple(o for o in OPS.values() if o.nin == 1 and o.shape == "broadcast")
ELEMENTWISE_BINARY = tuple(o for o in OPS.values() if o.nin == 2 and o.shape == "broadcast")
REDUCTIONS = tuple(o for o in OPS.values() if o.shape == "reduce")
VIEWS = tuple(o for o in OPS.values() if o.shape == "view")

# The primitive set (docs/design.md §2.1), read from the rows: every row is either here or has
# a decomposition (tests/test_decompositions.py checks it, from the table).
PRIMITIVES = frozenset(n for n, r in OPS.items() if r.primitive)

