"""gradcheck on every differentiable row of the op table (generated from ``trueno.OPS``).

A differentiable row without a derivative rule (and without a decomposition the dispatcher
can differentiate through) fails here, as does one without sample inputs: there is no skip
list. An op that truly has no gradient gets ``differentiable=False`` on its row.
"""

from __future__ import annotations

import pytest
from ag_setup import grad_mode_restored  # noqa: F401  (autouse fixture)
from ag_samples import TOLERANCES, cases_for

import trueno as tn
from trueno._registry import registry
from trueno_autograd import gradcheck

DIFFERENTIABLE = [row for row in tn.OPS.values() if row.differentiable]


def _ops_in_graph(outputs) -> set[str]:
    outs = outputs if isinstance(outputs, tuple) else (outputs,)
    seen, stack, names = set(), [], set()
    for o in outs:
        if isinstance(o, tn.Tensor) and o.grad_fn is not None:
            stack.append(o.grad_fn)
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        names.add(n._op)
        stack.extend(fn for fn, _ in n.next_functions if fn is not None)
    return names


@pytest.mark.parametrize("row", DIFFERENTIABLE, ids=str)
def test_gradcheck(row):
    has_rule = row.name in registry.gradients
    assert has_rule or row.decomposition is not None, (
        f"op '{row.name}' is differentiable in the op table but has no gradient rule and no "
        f"decomposition; register a rule in trueno_autograd or set differentiable=False")
    cases = cases_for(row)
    assert cases, (f"op '{row.name}' has no sample inputs for gradient tests; add an entry to "
                   f"tests/ag_samples.py CUSTOM")
    tol = TOLERANCES.get(row.name, {})
    for label, fn, inputs in cases:
        if has_rule:
            ops = _ops_in_graph(fn(*inputs))
            assert row.name in ops, f"{row.name} [{label}]: the graph does not use the op " \
                                    f"(found {sorted(ops)})"
        try:
            assert gradcheck(fn, inputs, **tol)
        except Exception as exc:
            raise AssertionError(f"{row.name} [{label}]: {exc}") from exc


def test_every_differentiable_op_has_a_rule_or_decomposition():
    missing = [r.name for r in DIFFERENTIABLE
               if r.name not in registry.gradients and r.decomposition is None]
    assert not missing, f"differentiable ops without a gradient rule: {missing}"


def test_missing_rule_fails_loudly():
    """A differentiable op with no rule records a node whose backward names the op."""
    row = tn.Op("fake_op_no_rule", 1, accepts="real floating", shape="custom",
                numpy_name=None)
    x = tn.asarray([1.0, 2.0]).requires_grad_()
    out = tn.asarray([3.0, 4.0])
    from trueno import _dispatch as X
    X.STATE.autograd.record(row, (x,), {}, out)
    with pytest.raises(NotImplementedError, match="fake_op_no_rule"):
        out.sum().backward()


@pytest.mark.parametrize("name", ["exp", "tanh", "multiply", "divide", "sum", "mean", "matmul",
                                  "softmax", "log_softmax", "logsumexp", "sigmoid", "pow",
                                  "getitem", "index", "var"])
def test_gradgradcheck(name):
    from trueno_autograd import gradgradcheck
    row = tn.OPS[name]
    label, fn, inputs = cases_for(row)[1 if name != "index" else 0]
    assert gradgradcheck(fn, inputs), f"{name} [{label}]"
