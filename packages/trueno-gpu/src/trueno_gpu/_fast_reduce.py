"""Fast sum / mean / max / min of float32, float16 and bfloat16 data, for the two layouts
that carry almost every reduction: rows (the reduced axis is contiguous: ``x.sum(-1)``,
``x.sum()`` of a contiguous array) and columns (the reduced axis is strided and the kept
one contiguous: ``x.sum(0)``, the middle axis of a 3-D array).

Rows: ``T`` threads per row (a power of two up to a workgroup, about four loads each), so
short rows share a workgroup; each thread walks its row with a grid stride and four
independent accumulators (four loads in flight), ``vec4`` loads where the row, its stride
and the offset are multiples of four. Few long rows (a full reduction) split into ``G``
chunks per row, enough workgroups to fill a large GPU; the last workgroup of a row to finish
adds the G partials in the same dispatch (see ``CNT`` below). The threads of a workgroup
combine with subgroup operations (where the adapter has them; max/min through
``subgroupMax``/``subgroupMin`` plus ``subgroupAny`` of NaN) or a tree in workgroup memory.
Every load loop does the same work per element for max/min as for sum (``_steps``).

Columns: one thread per (batch, 4 columns, chunk of rows) when that fills the GPU (many
columns, or at most 32 rows): neighbouring threads read neighbouring addresses, each keeps
four independent ``vec4`` accumulators over rows. Otherwise one dispatch of workgroups of
32 column vectors x 8 row lanes (fewer columns: more lanes) over chunks of rows; the lanes
combine in a fixed tree and the chunks of a block of columns finish like split rows. Past
the scratch's size the chunks' partials go through further passes of the first kernel.

Rows over two axes (a kept one and an outer reduced one, as batch norm's (N, C, H, W) over
(0, 2, 3)): a row pass into (N, C) sums, then a column pass over N.

Every plan depends on the shapes only, and every partial is combined in a fixed order
(the split reductions' atomics only count finished workgroups): results are the same bits in
every run. max/min propagate NaN (NumPy's rule).
"""

from __future__ import annotations

import wgpu

from ._codegen import LINEAR_ID, WG, header, i32w
from ._reduce_steps import _IDENT, _combine, _nan_fix, _nb_init, _steps
from ._runtime import meta_struct

__all__ = ["fast_reduce", "fast_passes", "run_passes", "one_launch", "ENABLED"]

ENABLED = {"on": True}  # tests and benchmarks may switch the fast kernels off
OPS = ("sum", "mean", "max", "min")
# Workgroups / threads a pass aims for: an H100 keeps 132 SMs x 2048 threads resident; about
# 1024 workgroups of 256 (or 64K column threads with four loads in flight each) cover its
# memory latency. Smaller GPUs simply run more waves.
TARGET_GROUPS = 1024
TARGET_THREADS = 1 << 16
MAX_CHUNKS = 1024
_LOADS = 4  # loads per thread that a row plan aims for
_UNROLL = 4  # independent loads (accumulators) per trip of a row thread's loop: 4 or 8
# Full reductions of 256K..4M elements: fewer, longer threads, 8 loads each in one trip of 8
# independent loads (one stress_reduce.py --time sweep on the H100 showed 332 GB/s for a
# (1M,) float32 sum vs 250 with 4 x 4; interleaved medians, stress_reduce.py --plans,
# put every plan within about 3% of the others from 256K to 4M: 1M sums take 16-17 us there,
# on a per-dispatch floor of 13 us). Their sums add every partial in a fixed tree, never
# through subgroupAdd (whose order is the driver's), so their bits depend on the shape only.
_FULL_RANGE = (1 << 18, 1 << 22)
_FULL_LOADS = 8
_FULL_UNROLL = 8
_FULL_SUM_TREE = True  # False: subgroupAdd (stress_reduce.py --time shows what the tree costs)
_MIN_ROWS = 8  # rows per column thread at least (else the chunks' partials cost more)
SMALL = 1 << 14  # elements: smaller rows are one pass (a second launch costs more)
_COL_ONE_PASS = 32  # rows: a column reduction of at most this many rows is one pass
_SPLIT_CB = 32  # column vectors per workgroup of a split column reduction
_MIN_SPLIT_ROWS = 8  # rows per lane at least
_SPLIT_LOADS = 16  # partials per lane at most in the last workgroup of a column block

# Split reductions (G > 1 workgroups per output) finish in the same dispatch: each workgroup
# stores its partial in a per-runtime scratch buffer, then counts itself done on its output's
# counter; the workgroup that counts last adds the G partials in a fixed order (the same bits
# whichever workgroup it is) and resets the counter to zero for the next reduction. The
# scratch: CNT counters, then the partials. storageBarrier is a device-scope acquire/release
# barrier (naga: OpControlBarrier(Workgroup, Device, AcquireRelease | UniformMemory)), and
# partials go through atomics (coherent at the device), so the last workgroup sees them.
CNT = 1024  # counters: one per output (rows) or per block of columns
PART_WORDS = 1 << 18  # partials (f32 words)
_SCRATCH: dict = {}  # Runtime -> its scratch buffer
_SCRATCH_DECL = ["@group(0) @binding(3) var<storage, read_write> S: array<atomic<u32>>;",
                 "var<workgroup> lastf: u32;"]


def _last_done(counter: str, G: str) -> list[str]:
    """WGSL after the workgroup's partials are stored: count this workgroup done on
    ``S[counter]``; every workgroup but the last of its ``G`` returns."""
    return ["  storageBarrier();",
            f"  if (li == 0u) {{ lastf = select(0u, 1u, atomicAdd(&S[{counter}], 1u) == "
            f"{G} - 1u); }}",
            "  if (workgroupUniformLoad(&lastf) == 0u) { return; }",
            "  storageBarrier();"]


def scratch(rt):
    """``rt``'s scratch buffer (created zeroed, once; its counters return to zero after
    every reduction that uses them)."""
    buf = _SCRATCH.get(rt)
    if buf is None:
        with rt.lock:
            buf = _SCRATCH.get(rt)
            if buf is None:
                buf = _SCRATCH[rt] = rt.device.create_buffer(
                    size=4 * (CNT + PART_WORDS), usage=wgpu.BufferUsage.STORAGE)
    return buf


def _types(V: int, storage: str) -> tuple[str, str, str]:
    """(element type of X, compute vector type, matching u32 vector type)."""
    if V == 4:
        return f"vec4<{storage}>", "vec4<f32>", "vec4<u32>"
    return storage, "f32", "u32"


def _hsum(V: int) -> str:
    return "cmb1(cmb1(t.x, t.y), cmb1(t.z, t.w))" if V == 4 else "t"


def _final_value(op: str) -> str:
    return "acc / f32(P[5])" if op == "mean" else "acc"


def _sg_combine(op: str, ident: str, var: str, part: str, ret: bool) -> list[str]:
    """WGSL combining f32 ``var`` over the workgroup with subgroup operations, then the
    per-subgroup values in order in every thread (only thread 0 when ``ret``: the others
    return). max/min: exact in any order; NaN anywhere in a subgroup wins (NumPy's rule)."""
    if op in ("sum", "mean"):
        lines = [f"  let {part} = subgroupAdd({var});"]
    else:
        lines = [f"  let {part}m = subgroup{op.capitalize()}(select({var}, {ident}, "
                 f"tn_isnan({var})));",
                 f"  let {part} = select({part}m, tn_nan(), subgroupAny(tn_isnan({var})));"]
    lines += [f"  if (sid == 0u) {{ sv[sgid] = {part}; }}", "  workgroupBarrier();"]
    lines += ["  if (li != 0u) { return; }"] if ret else []
    return lines + [f"  {var} = sv[0];",
                    f"  for (var i = 1u; i < nsg; i = i + 1u) {{ {var} = cmb1({var}, sv[i]); }}"]


def _tree(terms: list[str]) -> str:
    """``cmb`` over ``terms`` pairwise, level by level (a fixed order)."""
    while len(terms) > 1:
        terms = [f"cmb({terms[i]}, {terms[i + 1]})" if i + 1 < len(terms) else terms[i]
                 for i in range(0, len(terms), 2)]
    return terms[0]


def _row_source(op, V, T, in_st, out_dt, final, sg, split=False, U=4):
    """Rows. Metadata: [n_out, G, Rv (vectors per row), S (row stride, vectors), x_off
    (vectors), R (mean's divisor), C2, S2]: row ``o`` starts at x_off + (o % C2) * S +
    (o / C2) * S2 (rows over two axes: the kept one and an outer reduced one).

    ``split``: G > 1 workgroups per row in this one dispatch; each stores its partial in the
    scratch ``S`` and counts itself done on row o's counter; the last one adds the G partials
    (in a fixed order) and writes the row's result (see ``_last_done``)."""
    xt, vt, ut = _types(V, in_st)
    ident = _IDENT[op]
    seg = WG // T
    f16 = in_st == "f16" or (final and out_dt.storage == "f16")
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> Y: array<"
             f"{out_dt.storage if final else 'f32'}>;",
             f"@group(0) @binding(2) var<storage, read> X: array<{xt}>;",
             _combine(op, vt, ut),
             f"fn ld(i: u32) -> {vt} {{ return {vt}(X[i]); }}"]
    use_sg = sg and T == WG
    if T > 1:
        lines.append(f"var<workgroup> sv: array<f32, {WG}>;")
    if split:
        lines += _SCRATCH_DECL
    sg_args = (", @builtin(subgroup_id) sgid: u32, @builtin(num_subgroups) nsg: u32, "
               "@builtin(subgroup_invocation_id) sid: u32") if use_sg else ""
    body = [f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}{sg_args}) {{",
            "  let L = wg.y * nwg.x + wg.x;"]
    if T == WG:
        body += ["  if (L >= P[0] * P[1]) { return; }",
                 "  let o = L / P[1];", "  let g = L % P[1];", "  let lane = li;"]
    else:  # several rows per workgroup (G == 1); no early return before the barriers
        body += [f"  let o = L * {seg}u + li / {T}u;", "  let g = 0u;",
                 f"  let lane = li % {T}u;"]
    body += ["  let Rv = P[2];", f"  let st = P[1] * {T}u;",
             f"  var a0 = {vt}({ident});", *[f"  var a{i} = a0;" for i in range(1, U)],
             *_nb_init(op, ut),
             "  if (o < P[0]) {",
             "    let base = P[4] + (o % P[6]) * P[3] + (o / P[6]) * P[7];",
             f"    var j = g * {T}u + lane;",
             f"    for (; j + {U - 1}u * st < Rv; j = j + {U}u * st) {{",
             *_steps(op, [(f"a{i}", "base + j" + ("" if i == 0 else " + st" if i == 1
                                                  else f" + {i}u * st")) for i in range(U)],
                     "      "),
             "    }",
             "    for (; j < Rv; j = j + st) {",
             *_steps(op, [("a0", "base + j")], "      "),
             "    }",
             "  }",
             f"  var t = {_tree([f'a{i}' for i in range(U)])};",
             *_nan_fix(op, vt, ut, "t"),
             f"  var acc = {_hsum(V)};"]
    # the workgroup's value ends up in thread 0 (li == 0) for T == WG; a split row keeps
    # every thread going (the barriers after it need uniform control flow)
    if use_sg:
        body += _sg_combine(op, ident, "acc", "part", not split)
    elif T > 1:
        body += ["  sv[li] = acc;", "  workgroupBarrier();",
                 f"  for (var s = {T // 2}u; s > 0u; s = s >> 1u) {{",
                 "    if (lane < s) { sv[li] = cmb1(sv[li], sv[li + s]); }",
                 "    workgroupBarrier();", "  }"]
        if split:
            body.append("  acc = sv[0];")
        else:
            body += ["  if (lane != 0u || o >= P[0]) { return; }", "  acc = sv[li];"]
    else:
        body.append("  if (o >= P[0]) { return; }")
    if split:
        body += [f"  if (li == 0u) {{ atomicStore(&S[{CNT}u + o * P[1] + g], "
                 "bitcast<u32>(acc)); }"]
        body += _last_done("o", "P[1]")
        body += [f"  var tp: f32 = {ident};",
                 f"  for (var k = li; k < P[1]; k = k + {WG}u) {{",
                 f"    tp = cmb1(tp, bitcast<f32>(atomicLoad(&S[{CNT}u + o * P[1] + k])));",
                 "  }"]
        if use_sg:
            body += _sg_combine(op, ident, "tp", "part2", False)
        else:
            body += ["  sv[li] = tp;", "  workgroupBarrier();",
                     f"  for (var s = {WG // 2}u; s > 0u; s = s >> 1u) {{",
                     "    if (li < s) { sv[li] = cmb1(sv[li], sv[li + s]); }",
                     "    workgroupBarrier();", "  }", "  tp = sv[0];"]
        store = (f"Y[o] = {out_dt.store(_final_value(op))};" if final else "Y[o] = acc;")
        body += ["  if (li == 0u) {", "    let acc = tp;", f"    {store}",
                 "    atomicStore(&S[o], 0u);", "  }"]
    elif final:
        body.append(f"  Y[o] = {out_dt.store(_final_value(op))};")
    else:
        body.append("  Y[o * P[1] + g] = acc;")
    body.append("}")
    return header("\n".join(lines + body), f16)


def _col_source(op, V, in_st, out_dt, final):
    """Columns. Metadata: [A (batches), Cv (column vectors), G, R (rows), chunk (rows per
    thread), divisor (mean's count), SA (batch stride, vectors), RS (row stride, vectors),
    x_off (vectors), C (columns)]."""
    xt, vt, ut = _types(V, in_st)
    f16 = in_st == "f16" or (final and out_dt.storage == "f16")
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> Y: array<"
             f"{out_dt.storage if final else 'f32'}>;",
             f"@group(0) @binding(2) var<storage, read> X: array<{xt}>;",
             _combine(op, vt, ut),
             f"fn ld(i: u32) -> {vt} {{ return {vt}(X[i]); }}",
             f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
             f"  let tid = (wg.y * nwg.x + wg.x) * {WG}u + li;",
             "  let Cv = P[1];", "  let G = P[2];",
             "  if (tid >= P[0] * G * Cv) { return; }",
             "  let cv = tid % Cv;", "  let q = tid / Cv;", "  let g = q % G;", "  let a = q / G;",
             "  let r1 = min((g + 1u) * P[4], P[3]);", "  let RS = P[7];",
             "  var p = P[8] + a * P[6] + cv + g * P[4] * RS;",
             "  var n = r1 - min(g * P[4], r1);",
             f"  var a0 = {vt}({_IDENT[op]});", "  var a1 = a0;", "  var a2 = a0;",
             "  var a3 = a0;", *_nb_init(op, ut),
             "  for (; n >= 4u; n = n - 4u) {",
             *_steps(op, [("a0", "p"), ("a1", "p + RS"), ("a2", "p + 2u * RS"),
                          ("a3", "p + 3u * RS")], "    "),
             "    p = p + 4u * RS;",
             "  }",
             "  for (; n > 0u; n = n - 1u) {", *_steps(op, [("a0", "p")], "    "),
             "    p = p + RS;", "  }",
             "  var acc4 = cmb(cmb(a0, a1), cmb(a2, a3));", *_nan_fix(op, vt, ut, "acc4"),
             f"  let c = cv * {V}u;"]
    lines.append("  let y0 = a * P[9] + c;" if final else "  let y0 = (a * G + g) * P[9] + c;")
    dst = "Y[y0{k}] = {val};"
    comps = ["x", "y", "z", "w"] if V == 4 else [None]
    for k, comp in enumerate(comps):
        lines.append(f"  {{ let acc = acc4{'.' + comp if comp else ''};")
        val = out_dt.store(_final_value(op)) if final else "acc"
        lines.append("    " + dst.format(k=f" + {k}u" if k else "", val=val) + " }")
    lines.append("}")
    return header("\n".join(lines), f16)


def _colsplit_source(op, V, CB, in_st, out_dt, final):
    """Columns in one dispatch: a workgroup = CB column vectors x RL = WG / CB row lanes
    over one chunk of rows (neighbouring lanes read neighbouring vectors); the row lanes
    combine in a fixed tree, and the G chunks of a column block finish through the scratch
    (``_last_done``). Metadata: [A (batches), Cv (column vectors), G, R (rows), chunk (rows
    per workgroup), divisor (mean's count), SA (batch stride, vectors), RS (row stride,
    vectors), x_off (vectors), C (columns), NB (column blocks per batch)]."""
    xt, vt, ut = _types(V, in_st)
    RL = WG // CB
    f16 = in_st == "f16" or (final and out_dt.storage == "f16")
    ident = f"{vt}({_IDENT[op]})"
    comps = ["x", "y", "z", "w"] if V == 4 else [None]
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
             f"@group(0) @binding(1) var<storage, read_write> Y: array<"
             f"{out_dt.storage if final else 'f32'}>;",
             f"@group(0) @binding(2) var<storage, read> X: array<{xt}>;",
             *_SCRATCH_DECL,
             f"var<workgroup> sv: array<{vt}, {WG}>;",
             _combine(op, vt, ut),
             f"fn ld(i: u32) -> {vt} {{ return {vt}(X[i]); }}",
             f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
             "  let L = wg.y * nwg.x + wg.x;", "  let G = P[2];",
             "  if (L >= P[0] * P[10] * G) { return; }",
             "  let g = L % G;", "  let q = L / G;", "  let a = q / P[10];",
             f"  let cl = li % {CB}u;", f"  let rl = li / {CB}u;",
             f"  let cv = (q % P[10]) * {CB}u + cl;", "  let ok = cv < P[1];",
             "  let r1 = min((g + 1u) * P[4], P[3]);",
             f"  var a0 = {ident};", "  var a1 = a0;", "  var a2 = a0;", "  var a3 = a0;",
             *_nb_init(op, ut),
             "  if (ok) {",
             f"    let st = {RL}u * P[7];",
             "    var r = g * P[4] + rl;",
             "    var p = P[8] + a * P[6] + cv + r * P[7];",
             f"    for (; r + {3 * RL}u < r1; r = r + {4 * RL}u) {{",
             *_steps(op, [("a0", "p"), ("a1", "p + st"), ("a2", "p + 2u * st"),
                          ("a3", "p + 3u * st")], "      "),
             "      p = p + 4u * st;",
             "    }",
             f"    for (; r < r1; r = r + {RL}u) {{",
             *_steps(op, [("a0", "p")], "      "),
             "      p = p + st;", "    }",
             "  }",
             "  var t4 = cmb(cmb(a0, a1), cmb(a2, a3));", *_nan_fix(op, vt, ut, "t4")]

    def tree():  # the row lanes' values in sv -> lane 0's (fixed order)
        return ["  workgroupBarrier();",
                f"  for (var s = {RL // 2}u; s > 0u; s = s >> 1u) {{",
                f"    if (rl < s) {{ sv[li] = cmb(sv[li], sv[li + s * {CB}u]); }}",
                "    workgroupBarrier();", "  }"]

    lines += ["  sv[li] = t4;"] + tree()
    # the block's partials of chunk g: vectors ((q * G + g) * CB + cl) * V + k of the scratch
    pidx = f"{CNT}u + ((q * G + {{g}}) * {CB}u + cl) * {V}u"
    lines += ["  if (rl == 0u && ok) {", "    let v = sv[li];"]
    for k, comp in enumerate(comps):
        lines.append(f"    atomicStore(&S[{pidx.format(g='g')} + {k}u], "
                     f"bitcast<u32>(v{'.' + comp if comp else ''}));")
    lines.append("  }")
    lines += _last_done("q", "G")
    lines += [f"  var t = {ident};", "  if (ok) {",
              f"    for (var k = rl; k < G; k = k + {RL}u) {{",
              f"      let i = {pidx.format(g='k')};"]
    if V == 4:
        lines.append("      t = cmb(t, vec4<f32>(" + ", ".join(
            f"bitcast<f32>(atomicLoad(&S[i + {k}u]))" for k in range(4)) + "));")
    else:
        lines.append("      t = cmb(t, bitcast<f32>(atomicLoad(&S[i])));")
    lines += ["    }", "  }", "  sv[li] = t;"] + tree()
    lines += ["  if (li == 0u) { atomicStore(&S[q], 0u); }",
              "  if (rl != 0u || !ok) { return; }", "  let acc4 = sv[li];",
              f"  let y0 = a * P[9] + cv * {V}u;"]
    for k, comp in enumerate(comps):
        val = out_dt.store(_final_value(op)) if final else "acc"
        lines.append(f"  {{ let acc = acc4{'.' + comp if comp else ''}; "
                     f"Y[y0{f' + {k}u' if k else ''}] = {val}; }}")
    lines.append("}")
    return header("\n".join(lines), f16)


def _pow2_at_least(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


def _fits(in_dt, out_dt) -> bool:
    return (in_dt.storage in ("f32", "f16") and in_dt.compute == "f32"
            and out_dt.compute == "f32" and out_dt.kind == "f")


# A pass: (kernel key, source maker, metadata, workgroups, cost, bytes of its f32 partials
# (0: it writes the output), the metadata slot of the input offset and its unit (V)).
def _row_passes(sg, op, off, in_st, out_dt, n_out, R, S, divisor, cost, passes,
                outer=None, final_out=True):
    """Passes reducing ``n_out`` rows of ``R`` contiguous elements (row stride ``S``, offset
    ``off``, in elements); long rows go through (n_out, G) partials and a second pass.
    ``outer`` = (C2, S2): row o starts at off + (o % C2) * S + (o / C2) * S2. Without
    ``final_out`` the last pass writes f32 sums (for a column pass after it)."""
    C2, S2 = outer or (max(n_out, 1), 0)
    V = 4 if R % 4 == 0 and S % 4 == 0 and S2 % 4 == 0 and off % 4 == 0 else 1
    Rv = R // V
    full = n_out == 1 and outer is None and _FULL_RANGE[0] <= R <= _FULL_RANGE[1]
    loads, U = (_FULL_LOADS, _FULL_UNROLL) if full else (_LOADS, _UNROLL)
    if full and op in ("sum", "mean") and _FULL_SUM_TREE:
        sg = False  # a fixed-order tree
    T = min(WG, _pow2_at_least(-(-Rv // loads)))
    G = 1
    if T == WG and n_out * R > SMALL:
        G = max(1, min(-(-TARGET_GROUPS // n_out), -(-Rv // (WG * loads)), MAX_CHUNKS))
        if G > 4:
            G = -(-G // 4) * 4  # the partial rows stay vec4-aligned
    split = G > 1 and n_out <= CNT and n_out * G <= PART_WORDS
    final = (G == 1 or split) and final_out
    key = ("fastrow", op, V, T, in_st, out_dt.name if final else "f32", final, sg, split, U)
    passes.append((key, lambda: _row_source(op, V, T, in_st, out_dt, final, sg, split, U),
                   [n_out, G, Rv, S // V, i32w(off // V), divisor, C2, S2 // V],
                   n_out * G if T == WG else -(-n_out // (WG // T)), cost,
                   0 if final else n_out * (1 if split else G) * 4, 4, V, split))
    if G > 1 and not split:  # the partials: rows of G; a mean's first pass wrote plain sums
        _row_passes(sg, op, 0, "f32", out_dt, n_out, G, G, divisor, 0, passes,
                    final_out=final_out)
    return passes


def _col_passes(op, off, in_st, out_dt, A, C, R, SA, RS, divisor, cost, passes):
    """Passes reducing R rows (stride RS) of C contiguous columns, in A batches (stride SA)."""
    V = 4 if C % 4 == 0 and SA % 4 == 0 and RS % 4 == 0 and off % 4 == 0 else 1
    Cv = C // V
    # few rows: one pass; else chunks of at least _MIN_ROWS rows until about TARGET_THREADS
    # threads run (few columns: many chunks, and passes that shrink the rows 8x each, instead
    # of a few threads walking thousands of rows one after the other)
    G = 1 if R <= _COL_ONE_PASS else \
        max(1, min(-(-TARGET_THREADS // (A * Cv)), R // _MIN_ROWS))
    if G > 1:
        # one dispatch: workgroups of CB column vectors x RL row lanes over chunks of rows,
        # about TARGET_GROUPS of them, each lane walking _MIN_SPLIT_ROWS rows at least, and
        # at most _SPLIT_LOADS partials per lane for the block's last workgroup to add
        CB = min(_SPLIT_CB, _pow2_at_least(Cv))
        RL = WG // CB
        NB = -(-Cv // CB)
        W0 = A * NB
        Gs = max(1, min(-(-TARGET_GROUPS // W0), R // (RL * _MIN_SPLIT_ROWS),
                        RL * _SPLIT_LOADS))
        chunk = -(-R // Gs)
        Gs = -(-R // chunk)
        if W0 <= CNT and W0 * Gs * CB * V <= PART_WORDS:
            key = ("fastcolsplit", op, V, CB, in_st, out_dt.name)
            passes.append((key, lambda: _colsplit_source(op, V, CB, in_st, out_dt, True),
                           [A, Cv, Gs, R, chunk, divisor, SA // V, RS // V, i32w(off // V),
                            C, NB], W0 * Gs, cost, 0, 8, V, True))
            return passes
    chunk = -(-R // G)
    G = -(-R // chunk)
    final = G == 1
    key = ("fastcol", op, V, in_st, out_dt.name if final else "f32", final)
    passes.append((key, lambda: _col_source(op, V, in_st, out_dt, final),
                   [A, Cv, G, R, chunk, divisor, SA // V, RS // V, i32w(off // V), C],
                   -(-(A * G * Cv) // WG), cost, 0 if final else A * G * C * 4, 8, V, False))
    if not final:
        _col_passes(op, 0, "f32", out_dt, A, C, G, G * C, C, divisor, 0, passes)
    return passes


def _plan(rt, op, x, in_dt, out_dt, kc, ks, rc, rs, n_out, R):
    """The passes for this reduction, or None when it does not fit."""
    if op not in OPS or not _fits(in_dt, out_dt) or min(ks) < 0 or min(rs) <= 0:
        return None
    cost = n_out * R * in_dt.itemsize
    in_st = in_dt.storage
    if len(rc) == 2 and rs[1] == 1 and len(kc) == 1:
        # e.g. a batch norm's (N, C, H, W) over (0, 2, 3): rows over (N, C) of H * W, then
        # columns over N of the (N, C) sums
        R1, R0 = rc
        S = ks[0] if n_out > 1 else 0
        passes = _row_passes(rt.has_subgroup, op, x.offset, in_st, out_dt, R1 * n_out, R0,
                             S, R, cost, [], (n_out, rs[0]), final_out=False)
        return _col_passes(op, 0, "f32", out_dt, 1, n_out, R1, 0, n_out, R, 0, passes)
    if len(rc) != 1:
        return None
    if rs[0] == 1:  # rows
        if n_out == 1:
            S = 0
        elif len(kc) == 1:
            S = ks[0]
        else:
            return None
        return _row_passes(rt.has_subgroup, op, x.offset, in_st, out_dt, n_out, R, S, R,
                           cost, [])
    if ks[-1] == 1 and len(kc) <= 2 and n_out > 1:  # columns (kept axis contiguous)
        C = kc[-1]
        A, SA = (kc[0], ks[0]) if len(kc) == 2 else (1, 0)
        return _col_passes(op, x.offset, in_st, out_dt, A, C, R, SA, rs[0], R, cost, [])
    return None


# (runtime, op, dtypes, collapsed layout, offset % 4) -> passes or None; a pure function of
# the key, so threads may share and race on it
_PLANS: dict = {}


def fast_passes(rt, op, x, in_dt, out_dt, kc, ks, rc, rs, n_out, R):
    """The planned passes reducing ``x`` (see the module docstring), or None when the op,
    dtypes or layout do not fit. ``kc``/``ks`` and ``rc``/``rs``: the collapsed kept and
    reduced shapes and strides (``_reduce._plan``), ``n_out`` and ``R`` their element
    counts."""
    if not ENABLED["on"] or x.offset < 0:
        return None
    key = (rt.index, rt.has_subgroup, op, in_dt.name, out_dt.name, kc, ks, rc, rs,
           x.offset % 4)
    passes = _PLANS.get(key, False)
    if passes is False:
        passes = _plan(rt, op, x, in_dt, out_dt, kc, ks, rc, rs, n_out, R)
        if passes is not None:  # the grids, and every metadata but the first pass's packed
            passes = tuple((k, make, meta, rt.grid(groups), cost, part, slot, V,
                            (True, False, True) if split else (True, False), split,
                            meta_struct(len(meta)).pack(*meta))
                           for k, make, meta, groups, cost, part, slot, V, split in passes)
        if len(_PLANS) > 4096:
            _PLANS.clear()
        _PLANS[key] = passes
    return passes


def run_passes(rt, passes, x, out) -> None:
    """Record ``fast_passes``'s passes over ``x`` (any offset of the planned one modulo 4)
    into ``out``."""
    src = x.storage.buffer
    if len(passes) == 1:  # most reductions: no partials between passes
        kkey, make, meta, grid, cost, _, slot, V, writable, split, data = passes[0]
        if meta[slot] != i32w(x.offset // V):
            meta = meta.copy()
            meta[slot] = i32w(x.offset // V)
            data = meta_struct(len(meta)).pack(*meta)
        rt.record(rt.kernel(kkey, make, writable), data,
                  [out.storage.buffer, src, scratch(rt)] if split else [out.storage.buffer, src],
                  grid, cost)
        return
    last = len(passes) - 1
    parts = []  # the partials stay allocated until every pass that reads them is recorded
    for i, (kkey, make, meta, grid, cost, part_bytes, slot, V, writable, split, data) in \
            enumerate(passes):
        kernel = rt.kernel(kkey, make, writable)
        if i == 0 and meta[slot] != i32w(x.offset // V):
            meta = meta.copy()
            meta[slot] = i32w(x.offset // V)
            data = meta_struct(len(meta)).pack(*meta)
        if i == last:
            dst = out.storage.buffer
        else:
            parts.append(rt.alloc(part_bytes))
            dst = parts[-1].buffer
        rt.record(kernel, data, [dst, src, scratch(rt)] if split else [dst, src], grid, cost)
        src = dst


def one_launch(rt, passes, x):
    """A one-pass plan resolved for inputs at ``x``'s offset: (pipeline, packed metadata,
    grid, cost, scratch buffer or None, x.offset), what ``run_passes`` looks up on every
    call; None for a plan of several passes."""
    if len(passes) != 1:
        return None
    kkey, make, meta, grid, cost, _, slot, V, writable, split, data = passes[0]
    if meta[slot] != i32w(x.offset // V):
        meta = meta.copy()
        meta[slot] = i32w(x.offset // V)
        data = meta_struct(len(meta)).pack(*meta)
    return (rt.kernel(kkey, make, writable), data, grid, cost, scratch(rt) if split else None,
            x.offset)


def fast_reduce(rt, op, x, in_dt, out, out_dt, kc, ks, rc, rs, n_out, R) -> bool:
    """Reduce ``x`` into ``out`` when the op, dtypes and layout fit (``fast_passes``);
    returns False, having launched nothing, when they do not."""
    passes = fast_passes(rt, op, x, in_dt, out_dt, kc, ks, rc, rs, n_out, R)
    if passes is None:
        return False
    run_passes(rt, passes, x, out)
    return True
