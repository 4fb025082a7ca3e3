"""Workgroup-memory tree reductions shared by the one-workgroup-per-row kernels
(``_fused``'s softmax/log_softmax/layer_norm, ``_batch_norm``, ``_cross_entropy``).

Each function folds one value per invocation over the ``WG`` invocations of a workgroup in
``red`` (and ``red2``) by halving strides, so the summation order is fixed by ``WG`` alone,
never by the driver; every invocation gets the result.
"""

from __future__ import annotations

from ._codegen import WG

__all__ = ["wg_reductions"]


def _tree(sig: str, stores: list[str], steps: list[str], result: str) -> str:
    """WGSL of one tree reduction: store the lane's values, halve ``s`` from WG / 2 to 1
    applying ``steps`` on lanes below ``s``, then read lane 0's ``result``."""
    return "\n".join([f"fn {sig} {{", *(f"  {s}" for s in stores), "  workgroupBarrier();",
                      f"  for (var s = {WG // 2}u; s > 0u; s = s >> 1u) {{",
                      f"    if (li < s) {{ {' '.join(steps)} }}", "    workgroupBarrier();",
                      "  }", f"  let r = {result};", "  workgroupBarrier();", "  return r;",
                      "}"])


def wg_reductions(F: str, *fns: str, max_fn: str = "tn_max") -> str:
    """WGSL of ``var<workgroup> red`` (and ``red2``) and the requested reductions, in order:
    ``"sum"`` -> ``wg_sum(v, li)``, ``"max"`` -> ``wg_max(v, li)`` through ``max_fn`` (the
    NaN-propagating ``tn_max`` / ``tn_max64``), ``"sum2"`` -> ``wg_sum2(a, b, li)``, two sums
    at once as a ``vec2``. ``F`` is the compute type (``f32`` or ``f64``)."""
    decls = [f"var<workgroup> red: array<{F}, {WG}>;"]
    if "sum2" in fns:
        decls.append(f"var<workgroup> red2: array<{F}, {WG}>;")
    bodies = {
        "sum": lambda: _tree(f"wg_sum(v: {F}, li: u32) -> {F}", ["red[li] = v;"],
                             ["red[li] = red[li] + red[li + s];"], "red[0]"),
        "max": lambda: _tree(f"wg_max(v: {F}, li: u32) -> {F}", ["red[li] = v;"],
                             [f"red[li] = {max_fn}(red[li], red[li + s]);"], "red[0]"),
        "sum2": lambda: _tree(f"wg_sum2(a: {F}, b: {F}, li: u32) -> vec2<{F}>",
                              ["red[li] = a;", "red2[li] = b;"],
                              ["red[li] = red[li] + red[li + s];",
                               "red2[li] = red2[li] + red2[li + s];"],
                              f"vec2<{F}>(red[0], red2[0])"),
    }
    return "\n".join(decls + [bodies[f]() for f in fns])
