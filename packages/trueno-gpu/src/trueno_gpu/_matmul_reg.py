"""The register-blocked matmul: row-major or transposed float operands (``vec4`` loads as in
``_matmul_tiled``), f32 accumulation, every workgroup-memory index a constant or a loop
invariant.

Why: naga clamps every dynamic index into a workgroup array (``min(i, len - 1)``, its
"Restrict" bounds-check policy on Vulkan), so ``As[cur * n + ty + 16]`` costs an add and a
clamp per load inside the k loop. Here the two k tiles are separate arrays (``As0`` / ``As1``,
the k loop unrolled by two tiles) of ``BK`` rows, so a load is ``As0[k][iy]`` with ``k`` a
literal and ``iy`` fixed per thread: its clamp is hoisted out of the loop and the row offset
folds into the load's immediate. One barrier per k tile; the next tile is read from global
memory into registers while the current one is multiplied.

A workgroup of ``(BM / TM) * (BN / TN)`` threads computes a BM x BN output tile; each thread a
TM x TN register block in 4-wide strips spaced a whole thread row apart, so neighbouring threads
read neighbouring ``vec4``. An *interior* kernel (chosen by the host when BM, BN and BK divide
M, N and K) drops every bounds check on loads and stores.

Metadata as ``_matmul``: [M, N, K, a_off, b_off, sa_m, sa_k, sb_k, sb_n, batch shape[nb],
a batch strides[nb], b batch strides[nb]].
"""

from __future__ import annotations

from ._codegen import header
from ._matmul_tiled import entry_lines

__all__ = ["VARIANTS", "is_reg", "interior_ok", "reg_default", "reg_default_f16", "reg_source"]

# name -> ("reg", BM, BN, BK, TM, TN, interior allowed, WX): the output tile, the k step, each
# thread's register block ((BM / TM) * (BN / TN) threads) and the lanes of a 32-wide subgroup
# along n (WX x 32 / WX lanes: "w8" makes a warp read 8 neighbouring vec4 of B and 4 of A per
# k, a quarter of the distinct workgroup-memory addresses of 16 x 2). "-checked" keeps the
# bounds checks on every shape (to measure what the interior kernel saves, and to test it).
VARIANTS = {
    # the defaults (reg_default)
    "r64x128k8t128": ("reg", 64, 128, 8, 8, 8, True, 16),
    "r64x128k16w8": ("reg", 64, 128, 16, 4, 8, True, 8),
    "r64x64k16": ("reg", 64, 64, 16, 4, 4, True, 16),
    "r32x32k32t64w8": ("reg", 32, 32, 32, 4, 4, True, 8),
    # the same 8 x 8 blocks in other warp shapes and tiles
    "r64x128k8t128w8": ("reg", 64, 128, 8, 8, 8, True, 8),
    "r64x128k8t128w4": ("reg", 64, 128, 8, 8, 8, True, 4),
    "r128x64k8t128w8": ("reg", 128, 64, 8, 8, 8, True, 8),
    "r128x128k16w8": ("reg", 128, 128, 16, 8, 8, True, 8),  # float16's best at 2048
    # fewer registers (k step 4) or more of them (8 x 16 blocks)
    "r64x128k4t128": ("reg", 64, 128, 4, 8, 8, True, 16),
    "r128x128k4w8": ("reg", 128, 128, 4, 8, 8, True, 8),
    "r128x128k8t128": ("reg", 128, 128, 8, 8, 16, True, 8),
    "r64x128k8t64": ("reg", 64, 128, 8, 8, 16, True, 8),
    # smaller blocks and tiles (more workgroups for small outputs)
    "r64x64k16w8": ("reg", 64, 64, 16, 4, 4, True, 8),
    "r64x64k16t128w8": ("reg", 64, 64, 16, 8, 4, True, 8),
    "r32x64k16t128w8": ("reg", 32, 64, 16, 4, 4, True, 8),
    # bounds checks kept on every shape
    "r64x128k8t128-checked": ("reg", 64, 128, 8, 8, 8, False, 16),
    "r64x128k16-checked": ("reg", 64, 128, 16, 4, 8, False, 8),
}
# Measured and dropped (H200 / H100, float32 TFLOP/s at 4096 unless said): 128 x 128 tiles
# with 256 threads 31-32 whatever the k step (8, 16) and warp shape (16x2, 8x4, 4x8), and
# 16-18 at 1024 (64 workgroups; r128x128k16w8 stays for float16); r64x128k16t128w8 20.5 (BK
# 16 with 8 x 8 blocks in 128 threads: 6 vec4 of prefetch per thread); r64x256k8w8 30.6;
# r64x64k8t64w8 33.8; r64x64k16t64w8 20.5; r128x64k16 22.9; r64x64k32 20.4;
# r32x128k16t128w8 27.7. The interior kernel (no bounds checks) is worth 31.1 vs 26.9 at
# 4096 in r128x128k8.


def reg_default(m: int, n: int, nbatch: int):
    """The variant for an (m, n) output (times ``nbatch``) on a hardware GPU: 8 x 8 blocks
    in 128-thread workgroups while there are at least ~4 workgroups per SM, then 256 threads
    (more warps per SM), then smaller tiles for small outputs (more workgroups).

    H200 (Vulkan, tools/bench/sweep_matmul.py), TFLOP/s: 4096: r64x128k8t128 38.7 (0.76x
    torch CUDA f32, TF32 off; tiled-wide 30.1), 2048: 33.9 (0.67x); 1024: r64x128k16w8 29.1
    (0.76x; tiled-wide 25.2); x @ W (128, 784) x (784, 256): r32x32k32t64w8 1.87 (tiled-medium
    1.11), g @ W.T (128, 256) x (256, 784): 3.68 (2.66), x.T @ g (784, 128) x (128, 256): 5.23
    (4.4)."""
    if -(-m // 64) * -(-n // 128) * nbatch >= 512:
        return VARIANTS["r64x128k8t128"]
    if -(-m // 64) * -(-n // 128) * nbatch >= 128:
        return VARIANTS["r64x128k16w8"]
    if -(-m // 64) * -(-n // 64) * nbatch >= 128:
        return VARIANTS["r64x64k16"]
    return VARIANTS["r32x32k32t64w8"]


def reg_default_f16(m: int, n: int, nbatch: int):
    """float16 storage (f32 tiles and sums) on a hardware GPU: the register-blocked kernel for
    big outputs only, else None (the tiled kernel). H100 (C's tools/bench/sweep_matmul_f16.py),
    TFLOP/s: 4096: r64x128k8t128 36.8 vs tiled 31.7; 2048: r128x128k16w8 33.5 vs 30.0; 1024
    and a training step's products: not better than the tiled kernel measured."""
    wg = -(-m // 64) * -(-n // 128) * nbatch
    if wg >= 1024:
        return VARIANTS["r64x128k8t128"]
    if wg >= 512:
        return VARIANTS["r128x128k16w8"]
    return None


def is_reg(cfg) -> bool:
    """Whether a pinned or chosen configuration names this kernel (not a ``_matmul_tiled`` one)."""
    return cfg[0] == "reg"


def interior_ok(cfg, m: int, n: int, k: int) -> bool:
    """Whether the (m, n, k) product fills whole tiles, so the unchecked kernel is exact."""
    _, bm, bn, bk, _, _, allowed, _ = cfg
    return allowed and m % bm == 0 and n % bn == 0 and k % bk == 0


def _flat(w: int, j: int) -> str:
    """The flat index of a thread's j-th load chunk of one operand tile."""
    return f"t + {w * j}u" if j else "t"


def _load_setup(nm, count, n_chunks, w, trans, BM, BN, BK, interior):
    """Per-thread coordinates (fixed over k) of operand ``nm``'s global ``vec4`` loads:
    ``count`` chunks per thread, ``n_chunks`` per tile; ``trans``: ``ta`` or ``tb``."""
    out = []
    for j in range(count):
        i = _flat(w, j)
        if nm == "a" and trans:  # a vec4 holds 4 m of one k
            out += [f"  let ak{j} = ({i}) / {BM // 4}u;",
                    f"  let amq{j} = (({i}) % {BM // 4}u) * 4u;",
                    f"  let ai{j} = (ao + i32(m0 + amq{j}) + i32(ak{j}) * sak) / 4;"]
            inside = f"m0 + amq{j} < M"
        elif nm == "a":  # a vec4 holds 4 k of one row m
            out += [f"  let am{j} = ({i}) / {BK // 4}u;",
                    f"  let akq{j} = (({i}) % {BK // 4}u) * 4u;",
                    f"  let ai{j} = (ao + i32(m0 + am{j}) * sam + i32(akq{j})) / 4;"]
            inside = f"m0 + am{j} < M"
        elif trans:  # a vec4 holds 4 k of one column n
            out += [f"  let bn{j} = ({i}) / {BK // 4}u;",
                    f"  let bkq{j} = (({i}) % {BK // 4}u) * 4u;",
                    f"  let bi{j} = (bo + i32(n0 + bn{j}) * sbn + i32(bkq{j})) / 4;"]
            inside = f"n0 + bn{j} < N"
        else:  # a vec4 holds 4 n of one k
            out += [f"  let bk{j} = ({i}) / {BN // 4}u;",
                    f"  let bnq{j} = (({i}) % {BN // 4}u) * 4u;",
                    f"  let bi{j} = (bo + i32(bk{j}) * sbk + i32(n0 + bnq{j})) / 4;"]
            inside = f"n0 + bnq{j} < N"
        conds = ([] if interior else [inside]) + \
            ([f"{i} < {n_chunks}u"] if (j + 1) * w > n_chunks else [])
        out.append(f"  let {nm}ok{j} = {' && '.join(conds) if conds else 'true'};")
        out.append(f"  var r{nm}{j} = vec4<f32>(0.0);")
    return out


def _guarded(reg, src, ok, kc, interior, tail):
    """One global load into a register: zero where outside the matrices (or past the tile's
    chunks); an interior kernel's full chunks load unconditionally."""
    if interior and not tail:
        return [f"{reg} = vec4<f32>({src});"]
    cond = ok if interior else f"{ok} && {kc}"
    return [f"{reg} = vec4<f32>(0.0);", f"if ({cond}) {{ {reg} = vec4<f32>({src}); }}"]


def reg_source(dt, nb: int, cfg, ta: bool = False, tb: bool = False,
               interior: bool = False) -> str:
    """WGSL of the kernel for configuration ``cfg`` (a ``VARIANTS`` value). ``ta`` / ``tb``: A
    stored m-contiguous / B stored k-contiguous, as in ``_matmul_tiled.fast_source``;
    ``interior``: no bounds checks (only when ``interior_ok``)."""
    _, BM, BN, BK, TM, TN, _, WX = cfg
    TX, TY = BN // TN, BM // TM
    WY = 32 // WX  # a subgroup's lanes along m
    W = TX * TY
    HM, HN = TM // 4, TN // 4
    va, vb = BM // 4, BN // 4
    a_chunks, b_chunks = BM * BK // 4, BK * BN // 4
    ja, jb = -(-a_chunks // W), -(-b_chunks // W)
    st = dt.storage
    lines = [
        "@group(0) @binding(0) var<storage, read> P: array<u32>;",
        f"@group(0) @binding(1) var<storage, read_write> Y: array<vec4<{st}>>;",
        f"@group(0) @binding(2) var<storage, read> A: array<vec4<{st}>>;",
        f"@group(0) @binding(3) var<storage, read> B: array<vec4<{st}>>;",
    ]
    for s in "01":
        lines += [f"var<workgroup> As{s}: array<array<vec4<f32>, {va}>, {BK}>;",
                  f"var<workgroup> Bs{s}: array<array<vec4<f32>, {vb}>, {BK}>;"]
    entry = entry_lines(nb)
    entry[0] = f"@compute @workgroup_size({W})"
    lines += entry
    lines += [f"  let m0 = wg.y * {BM}u;", f"  let n0 = wg.x * {BN}u;",
              f"  let tx = (t / 32u) % {TX // WX}u * {WX}u + t % {WX}u;",
              f"  let ty = (t / 32u) / {TX // WX}u * {WY}u + t % 32u / {WX}u;",
              "  let sak4 = sak / 4;", "  let sbk4 = sbk / 4;"]
    lines += [f"  let iy{h} = ty + {h * TY}u;" for h in range(HM)]
    lines += [f"  let ix{v} = tx + {v * TX}u;" for v in range(HN)]
    for i in range(TM):
        for v in range(HN):
            lines.append(f"  var c{i}_{v} = vec4<f32>(0.0);")
    lines += _load_setup("a", ja, a_chunks, W, ta, BM, BN, BK, interior)
    lines += _load_setup("b", jb, b_chunks, W, tb, BM, BN, BK, interior)

    def load(kn):
        out = []
        for j in range(ja):
            if ta:
                src, kc = f"A[ai{j} + i32({kn}) * sak4]", f"{kn} + ak{j} < K"
            else:
                src, kc = f"A[ai{j} + i32({kn} / 4u)]", f"{kn} + akq{j} < K"
            out += _guarded(f"ra{j}", src, f"aok{j}", kc, interior, (j + 1) * W > a_chunks)
        for j in range(jb):
            if tb:
                src, kc = f"B[bi{j} + i32({kn} / 4u)]", f"{kn} + bkq{j} < K"
            else:
                src, kc = f"B[bi{j} + i32({kn}) * sbk4]", f"{kn} + bk{j} < K"
            out += _guarded(f"rb{j}", src, f"bok{j}", kc, interior, (j + 1) * W > b_chunks)
        return out

    def store(s):
        out = []
        for j in range(ja):
            if ta:
                body = f"As{s}[ak{j}][amq{j} / 4u] = ra{j};"
            else:
                body = " ".join(f"As{s}[akq{j} + {c}u][am{j} / 4u][am{j} % 4u] = ra{j}[{c}];"
                                for c in range(4))
            if (j + 1) * W > a_chunks:
                body = f"if ({_flat(W, j)} < {a_chunks}u) {{ {body} }}"
            out.append(body)
        for j in range(jb):
            if tb:
                body = " ".join(f"Bs{s}[bkq{j} + {c}u][bn{j} / 4u][bn{j} % 4u] = rb{j}[{c}];"
                                for c in range(4))
            else:
                body = f"Bs{s}[bk{j}][bnq{j} / 4u] = rb{j};"
            if (j + 1) * W > b_chunks:
                body = f"if ({_flat(W, j)} < {b_chunks}u) {{ {body} }}"
            out.append(body)
        return out

    def compute(s):
        out = []
        for k in range(BK):
            out += [f"let a{k}_{h} = As{s}[{k}][iy{h}];" for h in range(HM)]
            out += [f"let b{k}_{v} = Bs{s}[{k}][ix{v}];" for v in range(HN)]
            for i in range(TM):
                a = f"vec4<f32>(a{k}_{i // 4}[{i % 4}])"
                out += [f"c{i}_{v} = fma({a}, b{k}_{v}, c{i}_{v});" for v in range(HN)]
        return out

    def block(body, ind, cond=None):
        pad = " " * ind
        if cond is None:
            return [pad + "{"] + [pad + "  " + x for x in body] + [pad + "}"]
        return [pad + f"if ({cond}) {{"] + [pad + "  " + x for x in body] + [pad + "}"]

    lines += block(load("0u") + store(0), 2)
    lines += ["  workgroupBarrier();",
              f"  for (var k0 = 0u; k0 < K; k0 = k0 + {2 * BK}u) {{",
              f"    let k1 = k0 + {BK}u;", f"    let k2 = k0 + {2 * BK}u;"]
    lines += block(load("k1"), 4, "k1 < K") + block(compute(0), 4)
    lines += block(store(1), 4, "k1 < K") + ["    workgroupBarrier();"]
    second = block(load("k2"), 0, "k2 < K") + compute(1) + block(store(0), 0, "k2 < K")
    lines += block(second, 4, "k1 < K") + ["    workgroupBarrier();", "  }",
                                           "  let yo = wg.z * M * N;"]
    for i in range(TM):
        row = f"m0 + iy{i // 4} * 4u + {i % 4}u"
        stores = [f"Y[(yo + ({row}) * N + n0 + ix{v} * 4u) / 4u] = vec4<{st}>(c{i}_{v});"
                  for v in range(HN)]
        if interior:
            lines += ["  " + x for x in stores]
        else:
            lines.append(f"  if ({row} < M) {{")
            lines += [f"    if (n0 + ix{v} * 4u < N) {{ {x} }}" for v, x in enumerate(stores)]
            lines.append("  }")
    lines.append("}")
    return header("\n".join(lines), st == "f16")
