"""The WGSL pieces every fast reduction's loop is made of (``_fast_reduce``): the identity
and the NaN-propagating combine of each op, one unrolled load step, and the NaN bookkeeping
of max/min's load loops."""

from __future__ import annotations

_IDENT = {"sum": "0.0", "mean": "0.0", "max": "-tn_inf()", "min": "tn_inf()"}


def _combine(op: str, vt: str, ut: str) -> str:
    """WGSL ``cmb`` (on ``vt``) and ``cmb1`` (on f32) for ``op``; max/min propagate NaN."""
    if op in ("sum", "mean"):
        return (f"fn cmb(a: {vt}, b: {vt}) -> {vt} {{ return a + b; }}\n"
                "fn cmb1(a: f32, b: f32) -> f32 { return a + b; }")
    fn = op
    return (f"fn isn(a: {vt}) -> {'vec4<bool>' if vt.startswith('vec4') else 'bool'} {{\n"
            f"  return (bitcast<{ut}>(a) & {ut}(0x7fffffffu)) > {ut}(0x7f800000u);\n}}\n"
            f"fn cmb(a: {vt}, b: {vt}) -> {vt} {{\n"
            f"  return select({fn}(a, b), {vt}(tn_nan()), isn(a) | isn(b));\n}}\n"
            f"fn cmb1(a: f32, b: f32) -> f32 {{ return tn_{fn}(a, b); }}\n"
            f"fn nanb(a: {vt}) -> {ut} {{ return bitcast<{ut}>(a) << {ut}(1u); }}")


# The load loops: sum adds each load into its accumulator. max/min do the same memory and
# arithmetic work per element as sum: the plain WGSL max/min (one instruction; what it makes
# of a NaN does not matter) into the accumulator, and the element's bits shifted left by one
# (dropping the sign) into a running unsigned max ``nb`` (two integer instructions): NaN iff
# that exceeds 0xff000000 (a NaN's exponent is all ones and its mantissa not zero), checked
# once after the loop (``_nan_fix``). The exact NaN-propagating ``cmb`` (two NaN tests, an
# or and a select per element: the loop's old form, with which max of 16M ran at 0.38x of
# sum's bandwidth on the H100) combines only the few accumulators and partials after it.
def _steps(op: str, pairs: list[tuple[str, str]], pad: str) -> list[str]:
    """WGSL of one loop step: ``acc = acc (op) X[addr]`` for each (acc, addr) of ``pairs``,
    every load first."""
    if op in ("sum", "mean"):
        return [f"{pad}{a} = cmb({a}, ld({addr}));" for a, addr in pairs]
    lines = [f"{pad}let v{k} = ld({addr});" for k, (_, addr) in enumerate(pairs)]
    lines += [f"{pad}{a} = {op}({a}, v{k});" for k, (a, _) in enumerate(pairs)]
    nbs = [f"nanb(v{k})" for k in range(len(pairs))]
    while len(nbs) > 1:
        nbs = [f"max({nbs[i]}, {nbs[i + 1]})" if i + 1 < len(nbs) else nbs[i]
               for i in range(0, len(nbs), 2)]
    return lines + [f"{pad}nb = max(nb, {nbs[0]});"]


def _nb_init(op: str, ut: str) -> list[str]:
    return [] if op in ("sum", "mean") else [f"  var nb = {ut}(0u);"]


def _nan_fix(op: str, vt: str, ut: str, var: str) -> list[str]:
    """WGSL turning the components of ``var`` whose loads met a NaN into NaN."""
    if op in ("sum", "mean"):
        return []
    return [f"  {var} = select({var}, {vt}(tn_nan()), nb > {ut}(0xff000000u));"]
