"""The fast matmul kernel: row-major float32 / float16 operands (``vec4`` loads along k for A
and along n for B), f32 accumulation.

A workgroup of 256 threads (16 x 16) computes a BM x BN output tile (64 or 128 each), walking
k in steps of BK through two workgroup-memory buffers (the next tile is loaded into registers
while the current one is multiplied: one barrier per k step). Each thread owns a TM x TN
register block (TM = BM / 16, TN = BN / 16) split into 4-wide strips 64 rows / columns apart,
so its workgroup-memory reads are ``vec4`` loads that neighbouring threads take from
neighbouring addresses. The accumulators are named ``vec4`` locals (never an indexed array, which
drivers may place in local memory), and the k loop is unrolled in the generated text.

Metadata as ``_matmul``: [M, N, K, a_off, b_off, sa_m, sa_k, sb_k, sb_n, batch shape[nb],
a batch strides[nb], b batch strides[nb]].
"""

from __future__ import annotations

from ._codegen import header

__all__ = ["fast_ok", "fast_source", "fast_config", "entry_lines", "CONFIGS"]

# (BM, BN, BK)
CONFIGS = {"large": (128, 128, 16), "wide": (64, 128, 16), "medium": (64, 64, 16),
           "small": (64, 64, 8)}


def entry_lines(nb: int, threads: int = 256, extra_args: str = "",
                sak: bool = True) -> list[str]:
    """The entry point and metadata reads the matmul kernels share (tiled, register-blocked,
    subgroup): sizes, offsets, strides, and the batch offsets of workgroup z over ``nb``
    batch axes. ``extra_args``: more builtins of ``main``; ``sak``: whether A's k stride is
    read (the subgroup kernel has A k-contiguous)."""
    lines = [
        f"@compute @workgroup_size({threads})",
        "fn main(@builtin(workgroup_id) wg: vec3<u32>, "
        f"@builtin(local_invocation_index) t: u32{extra_args}) {{",
        "  let M = P[0];", "  let N = P[1];", "  let K = P[2];",
        "  var ao = bitcast<i32>(P[3]);", "  var bo = bitcast<i32>(P[4]);",
        "  let sam = bitcast<i32>(P[5]);",
    ] + (["  let sak = bitcast<i32>(P[6]);"] if sak else []) + [
        "  let sbk = bitcast<i32>(P[7]);", "  let sbn = bitcast<i32>(P[8]);",
    ]
    if nb:
        lines += ["  var q = wg.z;",
                  f"  for (var d: i32 = {nb - 1}; d >= 0; d = d - 1) {{",
                  "    let n = P[9u + u32(d)];",
                  "    let c = i32(q % n);",
                  "    q = q / n;",
                  f"    ao += c * bitcast<i32>(P[{9 + nb}u + u32(d)]);",
                  f"    bo += c * bitcast<i32>(P[{9 + 2 * nb}u + u32(d)]);",
                  "  }"]
    return lines


def fast_ok(dt) -> bool:
    """Dtypes the fast kernel handles: stored as f32 or f16 and stored without rounding."""
    return dt.storage in ("f32", "f16") and dt.compute == "f32" and dt.wrap == "{}"


def fast_config(rt, m, n, nbatch):
    """Tile shape for an (m, n) output (times ``nbatch``) on ``rt``: big tiles while they
    still give every streaming multiprocessor work (about 2 workgroups each on big GPUs).
    float32 on hardware GPUs takes ``_matmul_reg`` instead (``_matmul.fast_choice``)."""
    if rt.info.get("adapter_type") == "CPU":
        return CONFIGS["small"]
    # H100 (Vulkan), TFLOP/s f32 / f16: 4096: wide 29 / 31, large 28 / 30, medium 26 / 27;
    # 1024: medium 11.4 / 9.9, wide 11.3 / 10.1, large 8.5 / 8.0.
    if -(-m // 64) * -(-n // 128) * nbatch >= 256:
        return CONFIGS["wide"]
    return CONFIGS["medium"]


def fast_source(dt, nb, cfg, ta=False, tb=False, half=False):
    """WGSL of the kernel. ``ta``: A is stored m-contiguous (a transposed row-major matrix,
    ``x.T @ g`` in a backward pass), so its ``vec4`` loads run along m; ``tb``: B is stored
    k-contiguous (``g @ W.T``), its loads run along k. Either way the workgroup tiles have the
    same layout, so only the loads and stores into them change.

    ``half`` (float16 storage only): the tiles stay ``vec4<f16>`` in workgroup memory and each
    k step's BK products are summed by packed f16 ``fma`` into f16 partials, which are then
    added to the f32 accumulators (half the workgroup-memory traffic, and twice the f32 rate
    where the GPU packs two f16 per instruction). Note: each product and each BK-term partial
    sum must fit float16 (|x| < 65504) and carries float16 rounding, so it is opt-in."""
    BM, BN, BK = cfg
    TM, TN = BM // 16, BN // 16
    HM, HN = TM // 4, TN // 4  # 4-wide strips per thread along m and n
    st = dt.storage
    va = BM // 4  # vec4 per k row of As
    vb = BN // 4
    abuf = BK * va  # vec4s per A buffer
    bbuf = BK * vb
    a_chunks = BM * BK // 4  # vec4 global loads per A tile
    b_chunks = BK * BN // 4
    ja = -(-a_chunks // 256)
    jb = -(-b_chunks // 256)
    half = half and st == "f16"
    tv = "vec4<f16>" if half else "vec4<f32>"  # the tiles' (and load registers') type
    tz = f"{tv}(0.0)"
    lines = [
        "@group(0) @binding(0) var<storage, read> P: array<u32>;",
        f"@group(0) @binding(1) var<storage, read_write> Y: array<vec4<{st}>>;",
        f"@group(0) @binding(2) var<storage, read> A: array<vec4<{st}>>;",
        f"@group(0) @binding(3) var<storage, read> B: array<vec4<{st}>>;",
        f"var<workgroup> As: array<{tv}, {2 * abuf}>;",
        f"var<workgroup> Bs: array<{tv}, {2 * bbuf}>;",
    ] + entry_lines(nb)
    lines += [f"  let m0 = wg.y * {BM}u;", f"  let n0 = wg.x * {BN}u;",
              "  let tx = t % 16u;", "  let ty = t / 16u;"]
    for i in range(TM):
        for v in range(HN):
            lines.append(f"  var c{i}_{v} = vec4<f32>(0.0);")
            if half:
                lines.append(f"  var h{i}_{v} = {tz};")
    # per-thread coordinates of its global loads (fixed over k)
    # Per-thread coordinates of its global loads (fixed over k): a vec4 of A covers 4 k of one
    # row m (row-major A) or 4 m of one k (``ta``); a vec4 of B covers 4 n of one k (row-major
    # B) or 4 k of one column n (``tb``).
    for j in range(ja):
        tail = f" && t + {256 * j}u < {a_chunks}u;" if (j + 1) * 256 > a_chunks else ";"
        if ta:
            lines += [f"  let ak{j} = (t + {256 * j}u) / {va}u;",
                      f"  let amq{j} = ((t + {256 * j}u) % {va}u) * 4u;",
                      f"  let acol{j} = ao + i32(m0 + amq{j});",
                      f"  let aok{j} = m0 + amq{j} < M" + tail]
        else:
            lines += [f"  let am{j} = (t + {256 * j}u) / {BK // 4}u;",
                      f"  let akq{j} = ((t + {256 * j}u) % {BK // 4}u) * 4u;",
                      f"  let arow{j} = ao + i32(m0 + am{j}) * sam;",
                      f"  let aok{j} = m0 + am{j} < M" + tail]
        lines.append(f"  var ra{j} = {tz};")
    for j in range(jb):
        tail = f" && t + {256 * j}u < {b_chunks}u;" if (j + 1) * 256 > b_chunks else ";"
        if tb:
            lines += [f"  let bn{j} = (t + {256 * j}u) / {BK // 4}u;",
                      f"  let bkq{j} = ((t + {256 * j}u) % {BK // 4}u) * 4u;",
                      f"  let bcol{j} = bo + i32(n0 + bn{j}) * sbn;",
                      f"  let bok{j} = n0 + bn{j} < N" + tail]
        else:
            lines += [f"  let bk{j} = (t + {256 * j}u) / {vb}u;",
                      f"  let bnq{j} = ((t + {256 * j}u) % {vb}u) * 4u;",
                      f"  let bok{j} = n0 + bnq{j} < N" + tail]
        lines.append(f"  var rb{j} = {tz};")

    def load_regs(k0):
        out = []
        for j in range(ja):
            if ta:
                cond = f"aok{j} && {k0} + ak{j} < K"
                src = f"A[(acol{j} + i32({k0} + ak{j}) * sak) / 4]"
            else:
                cond = f"aok{j} && {k0} + akq{j} < K"
                src = f"A[(arow{j} + i32({k0} + akq{j})) / 4]"
            out += [f"    ra{j} = {tz};", f"    if ({cond}) {{",
                    f"      ra{j} = {tv}({src});", "    }"]
        for j in range(jb):
            if tb:
                cond = f"bok{j} && {k0} + bkq{j} < K"
                src = f"B[(bcol{j} + i32({k0} + bkq{j})) / 4]"
            else:
                cond = f"bok{j} && {k0} + bk{j} < K"
                src = f"B[(bo + i32({k0} + bk{j}) * sbk + i32(n0 + bnq{j})) / 4]"
            out += [f"    rb{j} = {tz};", f"    if ({cond}) {{",
                    f"      rb{j} = {tv}({src});", "    }"]
        return out

    def store_regs(abase, bbase):
        out = []
        for j in range(ja):
            if ta:
                body = f"As[{abase} + ak{j} * {va}u + amq{j} / 4u] = ra{j};"
            else:
                body = " ".join(f"As[{abase} + (akq{j} + {c}u) * {va}u + am{j} / 4u]"
                                f"[am{j} % 4u] = ra{j}[{c}];" for c in range(4))
            if (j + 1) * 256 > a_chunks:
                body = f"if (t + {256 * j}u < {a_chunks}u) {{ {body} }}"
            out.append("    " + body)
        for j in range(jb):
            if tb:
                body = " ".join(f"Bs[{bbase} + (bkq{j} + {c}u) * {vb}u + bn{j} / 4u]"
                                f"[bn{j} % 4u] = rb{j}[{c}];" for c in range(4))
            else:
                body = f"Bs[{bbase} + bk{j} * {vb}u + bnq{j} / 4u] = rb{j};"
            if (j + 1) * 256 > b_chunks:
                body = f"if (t + {256 * j}u < {b_chunks}u) {{ {body} }}"
            out.append("    " + body)
        return out

    lines += ["  {"] + load_regs("0u") + store_regs("0u", "0u") + ["  }"]
    lines += ["  workgroupBarrier();", "  var cur = 0u;",
              f"  for (var k0 = 0u; k0 < K; k0 = k0 + {BK}u) {{",
              f"    let more = k0 + {BK}u < K;", "    if (more) {"]
    lines += ["  " + x for x in load_regs(f"(k0 + {BK}u)")]
    lines += ["    }",
              f"    let ab = cur * {abuf}u + ty;", f"    let bb = cur * {bbuf}u + tx;"]
    for k in range(BK):
        for h in range(HM):
            lines.append(f"    let a{k}_{h} = As[ab + {k * va + h * 16}u];")
        for h in range(HN):
            lines.append(f"    let b{k}_{h} = Bs[bb + {k * vb + h * 16}u];")
        for i in range(TM):
            a = f"a{k}_{i // 4}[{i % 4}]"
            for v in range(HN):
                acc = f"h{i}_{v}" if half else f"c{i}_{v}"
                lines.append(f"    {acc} = fma({tv}({a}), b{k}_{v}, {acc});")
    if half:  # this k step's f16 partials into the f32 accumulators
        for i in range(TM):
            for v in range(HN):
                lines.append(f"    c{i}_{v} += vec4<f32>(h{i}_{v}); h{i}_{v} = {tz};")
    lines += ["    if (more) {"]
    lines += ["  " + x for x in store_regs(f"(1u - cur) * {abuf}u", f"(1u - cur) * {bbuf}u")]
    lines += ["    }", "    workgroupBarrier();", "    cur = 1u - cur;", "  }",
              "  let yo = wg.z * M * N;"]
    for i in range(TM):
        row = f"m0 + {(i // 4) * 64}u + ty * 4u + {i % 4}u"
        lines.append(f"  if ({row} < M) {{")
        for v in range(HN):
            col = f"n0 + {v * 64}u + tx * 4u"
            lines.append(f"    if ({col} < N) {{ Y[(yo + ({row}) * N + {col}) / 4u] = "
                         f"vec4<{st}>(c{i}_{v}); }}")
        lines.append("  }")
    lines.append("}")
    return header("\n".join(lines), st == "f16")
