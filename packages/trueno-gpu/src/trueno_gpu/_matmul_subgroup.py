"""The subgroup-tiled float16 matmul kernel: f16 operands, f32 accumulation, A shared between
lanes through subgroup shuffles instead of workgroup memory.

A workgroup of 256 (or ``threads``) invocations is split into groups of ``g`` lanes of one
subgroup (the invocation's role is ``subgroup_id * subgroup_size + subgroup_invocation_id``,
and a group is ``g`` consecutive subgroup lanes, so it never straddles two subgroups when
``g`` divides the subgroup size). A group owns an ``R x CN`` output block (R = g * ra rows,
CN = g * tn columns):

* A never enters workgroup memory: lane ``l`` of a group loads ``vec4<f16>`` runs along k of
  rows ``l, l + g, ..`` of the block straight into registers (the next k step's while the
  current one is multiplied), and every lane receives the other rows' values from their
  owner with ``quadBroadcast`` (g = 4) or ``subgroupShuffle`` (g = 8, 16, 32);
* B goes through a double-buffered workgroup tile (f32 or f16 there, ``bsm``) read as ``vec4``
  strips, neighbouring lanes at neighbouring addresses.

The ``asm`` shapes ("sm16*") are the control experiment: A through a k-major workgroup tile as
well (each group's rows read as broadcast ``vec4``), f16 tiles converted as read, no subgroup
operation at all (roles from ``local_invocation_index``).

Each lane accumulates R x tn outputs in named ``vec4<f32>`` locals (f32 accumulation: every
f16 x f16 product is exact in f32; sums round as f32's). A stays f16 in registers;
``share`` says whether its values cross lanes as ``vec4<f16>`` per row and k run (half the
shuffled bits, a conversion per value received) or one widened f32 per row and k (a
conversion per value sent, fewer live registers).

Where it pays: on lavapipe, whose subgroup lanes are one SIMD register's, a shuffle is a
register permute and workgroup memory is plain (slow) memory: "quad" runs f16 products 1.6-3.3x
faster than the tiled kernel and ~1.6x the f16-tile control. On NVIDIA a shuffle costs what a
workgroup-memory read does and carries one 32-bit value where a broadcast read carries four
(``vec4``): the H200 ran the shuffle shapes at 0.8x of the tiled kernel.

Layouts: A row-major along k (``vec4`` loads along k), B row-major along n or, ``tb``, stored
k-contiguous (``g @ W.T``); m, n, k any with n % 4 == 0 and k % 4 == 0 (the caller checks).
Metadata as ``_matmul``: [M, N, K, a_off, b_off, sa_m, sa_k, sb_k, sb_n, batch shape[nb],
a batch strides[nb], b batch strides[nb]].
"""

from __future__ import annotations

from typing import NamedTuple

from ._codegen import header
from ._matmul_tiled import entry_lines

__all__ = ["SgConfig", "SG_CONFIGS", "subgroup_source", "group_fits"]


class SgConfig(NamedTuple):
    """One shape of the kernel: lanes per group, A rows loaded per lane, columns per lane,
    k step, groups along n, the type A crosses lanes in and B's workgroup-tile type."""

    g: int
    ra: int
    tn: int
    bk: int
    gx: int
    share: str = "f32"
    bsm: str = "f32"
    asm: str = ""  # "f16"/"f32": A through a workgroup tile of that type instead of shuffles
    threads: int = 256  # invocations per workgroup

    @property
    def tile(self) -> tuple[int, int]:
        """The workgroup's output tile (BM, BN)."""
        gy = self.threads // self.g // self.gx
        return self.g * self.ra * gy, self.g * self.tn * self.gx


# Named shapes; "quad" works on every adapter (WebGPU's subgroups have at least 4 lanes).
# Measured on an NVIDIA H200 (f16, TFLOP/s at 1024 / 2048 / 4096; the tiled kernel 17.2 / 29.0
# / 31.6): quad 10.8 / 25.7 / 24.9, oct 10.9 / 27.2 / 26.6, quad_64 13.5 / 20.1 / 20.3; dropped
# since: f16 shuffles + f16 B tile 10.0 / 23.9 / 23.2, k step 32 ~ quad, g = 16 (16 x 4 per
# lane) 9.6 / 23.7 / 24.1. H100 (f16, 1024 / 2048 / 4096; tiled 17.6 / 30.0 / 31.7,
# _matmul_reg r64x128k8t128 17.7 / 29.1 / 36.8): sm16_t128 14.6 / 29.0 / 33.1, sm16_64
# 17.3 / 26.6 / 28.9, oct_t128 14.1 / 18.9 / 25.2, quad_t128 11.6 / 18.0 / 22.8, the rest lower.
SG_CONFIGS = {
    "quad": SgConfig(4, 2, 8, 16, 4),  # 128 x 128 tile, 8 x 8 outputs per lane
    "quad_sh": SgConfig(4, 2, 8, 16, 4, "f16"),  # f16 shuffles, f32 B tile
    "quad_k8": SgConfig(4, 2, 8, 8, 4),
    "quad_64": SgConfig(4, 1, 8, 16, 4),  # 64 x 128 tile, 4 x 8 per lane
    "oct": SgConfig(8, 1, 8, 16, 2),  # 128 x 128, 8 x 8 per lane, needs subgroups of >= 8
    # no shuffles: A and B both from f16 workgroup tiles (half the bytes of f32 tiles; a
    # group's A reads are broadcasts), converted to f32 as read; needs no subgroup at all
    "sm16": SgConfig(4, 2, 8, 16, 4, bsm="f16", asm="f16"),
    "sm16_k32": SgConfig(4, 2, 8, 32, 4, bsm="f16", asm="f16"),
    "sm16_64": SgConfig(4, 1, 8, 16, 4, bsm="f16", asm="f16"),
    # 128 invocations, 64 x 128 tiles of 8 x 8 per lane: the f32 kernel's best shape on
    # NVIDIA (_matmul_reg r64x128k8t128: more workgroups per multiprocessor)
    "quad_t128": SgConfig(4, 2, 8, 8, 4, threads=128),
    "oct_t128": SgConfig(8, 1, 8, 8, 2, threads=128),
    "sm16_t128": SgConfig(4, 2, 8, 8, 4, bsm="f16", asm="f16", threads=128),
    "sm16_t128k16": SgConfig(4, 2, 8, 16, 4, bsm="f16", asm="f16", threads=128),
}


def group_fits(cfg: SgConfig, min_subgroup: int) -> bool:
    """Whether ``cfg``'s groups fit in every subgroup of an adapter whose smallest subgroup
    has ``min_subgroup`` lanes (and the tile shape is whole)."""
    g = cfg.g
    return (g & (g - 1) == 0 and 4 <= g and (g <= min_subgroup or bool(cfg.asm))
            and cfg.threads % (g * cfg.gx) == 0 and cfg.tn % 4 == 0 and cfg.bk % 4 == 0
            and (g * cfg.ra) % 4 == 0)


def _entry(nb: int, sg: bool, threads: int) -> list[str]:
    """Entry point (with the subgroup builtins when ``sg``) and metadata reads (offsets of
    batch matrix ``wg.z``): the matmul kernels' shared ``entry_lines``."""
    sg_args = (", @builtin(subgroup_id) sgid: u32, @builtin(subgroup_size) sgs: u32, "
               "@builtin(subgroup_invocation_id) sid: u32") if sg else ""
    return entry_lines(nb, threads, sg_args, sak=False)


def subgroup_source(nb: int, cfg: SgConfig, tb: bool = False) -> str:
    """WGSL of the kernel for ``nb`` batch axes; ``tb``: B stored k-contiguous."""
    g, ra, tn, bk, gx, share, bsm, asm, W = cfg
    BM, BN = cfg.tile
    R, CN = g * ra, g * tn
    hn = tn // 4  # vec4 strips per lane along n
    nq = bk // 4  # vec4 runs along k per A row per k step
    vb = BN // 4  # vec4 per k row of the B tile
    bbuf = bk * vb
    b_chunks = bk * BN // 4
    jb = -(-b_chunks // W)
    at = "vec4<f16>"  # A's registers: raw f16 (the current and the next k step's)
    bt = f"vec4<{bsm}>"
    lines = [
        "@group(0) @binding(0) var<storage, read> P: array<u32>;",
        "@group(0) @binding(1) var<storage, read_write> Y: array<vec4<f16>>;",
        "@group(0) @binding(2) var<storage, read> A: array<vec4<f16>>;",
        "@group(0) @binding(3) var<storage, read> B: array<vec4<f16>>;",
        f"var<workgroup> Bs0: array<{bt}, {bbuf}>;",
        f"var<workgroup> Bs1: array<{bt}, {bbuf}>;",
    ]
    va = BM // 4  # vec4 per k row of the A tile (k-major: a row of m per k)
    abuf = bk * va
    a_chunks = BM * bk // 4  # vec4 global loads per A tile (4 k of one row each)
    ja = -(-a_chunks // W)
    if asm:
        lines += [f"var<workgroup> As0: array<vec4<{asm}>, {abuf}>;",
                  f"var<workgroup> As1: array<vec4<{asm}>, {abuf}>;"]
    lines += _entry(nb, not asm, W)
    if asm:  # no lane exchanges: any assignment of roles to invocations works
        lines += [f"  let lane = t % {g}u;", f"  let grp = t / {g}u;"]
    else:
        # NOTE: roles come from the subgroup builtins, not local_invocation_index, whose
        # mapping onto subgroups is the driver's: a group is g consecutive subgroup lanes
        lines += ["  let role = sgid * sgs + sid;", f"  let lane = sid % {g}u;",
                  f"  let grp = role / {g}u;"]
    lines += [
        f"  let m0 = wg.y * {BM}u + (grp / {gx}u) * {R}u;",
        f"  let n0 = wg.x * {BN}u;",
        f"  let cv = (grp % {gx}u) * {CN // 4}u + lane;  // first vec4 column of this lane",
    ]
    if g != 4 and not asm:
        lines.append("  let gbase = sid - lane;")
    if asm:  # cooperative A loads: chunk j covers 4 k of row am_j of the workgroup's tile
        lines.append(f"  let ma = (grp / {gx}u) * {R // 4}u;  // this group's rows, in vec4")
        for j in range(ja):
            tail = f" && t + {W * j}u < {a_chunks}u;" if (j + 1) * W > a_chunks else ";"
            lines += [f"  let am{j} = (t + {W * j}u) / {nq}u;",
                      f"  let akq{j} = ((t + {W * j}u) % {nq}u) * 4u;",
                      f"  let arow{j} = ao + i32(wg.y * {BM}u + am{j}) * sam;",
                      f"  let aok{j} = wg.y * {BM}u + am{j} < M" + tail,
                      f"  var ra{j} = {at}(0.0);"]
    else:
        for j in range(ra):
            lines += [f"  let am{j} = m0 + lane + {g * j}u;",
                      f"  let aok{j} = am{j} < M;",
                      f"  let arow{j} = ao + i32(am{j}) * sam;"]
            for q in range(nq):
                lines += [f"  var a{j}_{q} = {at}(0.0);", f"  var n{j}_{q} = {at}(0.0);"]
    for i in range(R):
        for v in range(hn):
            lines.append(f"  var c{i}_{v} = vec4<f32>(0.0);")
    for j in range(jb):
        tail = f" && t + {W * j}u < {b_chunks}u;" if (j + 1) * W > b_chunks else ";"
        if tb:
            lines += [f"  let bn{j} = (t + {W * j}u) / {nq}u;",
                      f"  let bkq{j} = ((t + {W * j}u) % {nq}u) * 4u;",
                      f"  let bcol{j} = bo + i32(n0 + bn{j}) * sbn;",
                      f"  let bok{j} = n0 + bn{j} < N" + tail]
        else:
            lines += [f"  let bk{j} = (t + {W * j}u) / {vb}u;",
                      f"  let bnq{j} = ((t + {W * j}u) % {vb}u) * 4u;",
                      f"  let bok{j} = n0 + bnq{j} < N" + tail]
        lines.append(f"  var rb{j} = vec4<f16>(0.0);")

    def load_a(k0, dst):
        out = []
        if asm:
            for j in range(ja):
                out += [f"    ra{j} = {at}(0.0);", f"    if (aok{j} && {k0} + akq{j} < K) {{",
                        f"      ra{j} = A[(arow{j} + i32({k0} + akq{j})) / 4];", "    }"]
            return out
        for j in range(ra):
            for q in range(nq):
                out += [f"    {dst}{j}_{q} = {at}(0.0);",
                        f"    if (aok{j} && {k0} + {4 * q}u < K) {{",
                        f"      {dst}{j}_{q} = {at}(A[(arow{j} + i32({k0} + {4 * q}u)) / 4]);",
                        "    }"]
        return out

    def load_b(k0):
        out = []
        for j in range(jb):
            if tb:
                cond = f"bok{j} && {k0} + bkq{j} < K"
                src = f"B[(bcol{j} + i32({k0} + bkq{j})) / 4]"
            else:
                cond = f"bok{j} && {k0} + bk{j} < K"
                src = f"B[(bo + i32({k0} + bk{j}) * sbk + i32(n0 + bnq{j})) / 4]"
            out += [f"    rb{j} = vec4<f16>(0.0);", f"    if ({cond}) {{",
                    f"      rb{j} = {src};", "    }"]
        return out

    def store_a(buf):
        out = []
        for j in range(ja if asm else 0):  # a vec4 of 4 k scattered over 4 k rows
            body = " ".join(f"As{buf}[(akq{j} + {c}u) * {va}u + am{j} / 4u][am{j} % 4u] = "
                            f"{asm}(ra{j}[{c}]);" for c in range(4))
            if (j + 1) * W > a_chunks:
                body = f"if (t + {W * j}u < {a_chunks}u) {{ {body} }}"
            out.append("    " + body)
        return out

    def store_b(buf):
        out = []
        for j in range(jb):
            if tb:
                body = " ".join(f"Bs{buf}[(bkq{j} + {c}u) * {vb}u + bn{j} / 4u]"
                                f"[bn{j} % 4u] = {bsm}(rb{j}[{c}]);" for c in range(4))
            else:
                body = f"Bs{buf}[bk{j} * {vb}u + bnq{j} / 4u] = {bt}(rb{j});"
            if (j + 1) * W > b_chunks:
                body = f"if (t + {W * j}u < {b_chunks}u) {{ {body} }}"
            out.append("    " + body)
        return out

    def shuffle(x, src):
        if g == 4:
            return f"quadBroadcast({x}, {src}u)"
        return f"subgroupShuffle({x}, gbase + {src}u)"

    def compute(buf):
        """This k step's products from tile buffer ``buf`` (named: literal or per-thread
        invariant indices, whose bounds clamps the compiler can hoist)."""
        out = []
        for q in range(nq):
            if asm:  # this group's R rows of A at each k: R / 4 broadcast vec4 reads
                for kk in range(4):
                    k = 4 * q + kk
                    for h in range(R // 4):
                        out.append(f"    let av{k}_{h} = vec4<f32>(As{buf}[ma + {k * va + h}u]);")
                    out += [f"    let b{k}_{v} = vec4<f32>(Bs{buf}[cv + {k * vb + v * g}u]);"
                            for v in range(hn)]
                    for i in range(R):
                        for v in range(hn):
                            out.append(f"    c{i}_{v} = fma(vec4<f32>(av{k}_{i // 4}[{i % 4}]), "
                                       f"b{k}_{v}, c{i}_{v});")
                continue
            # row i of the block is row slot i // g of lane i % g: its 4 k values of this run
            if share == "f16":  # a vec4<f16> per row crosses lanes (two 32-bit words)
                for i in range(R):
                    out.append(f"    let h{q}_{i} = {shuffle(f'a{i // g}_{q}', i % g)};")
            for kk in range(4):
                k = 4 * q + kk
                for i in range(R):
                    own = f"a{i // g}_{q}[{kk}]"
                    val = f"f32(h{q}_{i}[{kk}])" if share == "f16" else \
                        shuffle(f"f32({own})", i % g)  # one f32 per row and k: few live values
                    out.append(f"    let s{k}_{i} = vec4<f32>({val});")
                for v in range(hn):
                    out.append(f"    let b{k}_{v} = vec4<f32>(Bs{buf}[cv + {k * vb + v * g}u]);")
                for i in range(R):
                    for v in range(hn):
                        out.append(f"    c{i}_{v} = fma(s{k}_{i}, b{k}_{v}, c{i}_{v});")
        return out

    def step(buf, k0):
        """One k step from buffer ``buf`` (tile ``k0``), the next tile loaded meanwhile into
        registers and stored into the other buffer."""
        nxt = f"({k0} + {bk}u)"
        out = ["  {", f"    let more = {nxt} < K;", "    if (more) {"]
        out += ["  " + x for x in load_a(nxt, "n") + load_b(nxt)]
        out += ["    }"] + compute(buf) + ["    if (more) {"]
        out += ["  " + x for x in store_a(1 - buf) + store_b(1 - buf)]
        if not asm:
            out += [f"      a{j}_{q} = n{j}_{q};" for j in range(ra) for q in range(nq)]
        out += ["    }", "  }"]
        return ["  " + x for x in out]

    # the k loop unrolled by two tiles, so that each buffer has its own name
    lines += ["  {"] + load_a("0u", "a") + load_b("0u") + store_a(0) + store_b(0) + ["  }"]
    lines += ["  workgroupBarrier();",
              f"  for (var k0 = 0u; k0 < K; k0 = k0 + {2 * bk}u) {{"]
    lines += step(0, "k0")
    lines += ["    workgroupBarrier();", f"    if (k0 + {bk}u < K) {{"]
    lines += ["  " + x for x in step(1, f"(k0 + {bk}u)")]
    lines += ["    }", "    workgroupBarrier();", "  }",
              "  let yo = wg.z * M * N;"]
    for i in range(R):
        lines.append(f"  if (m0 + {i}u < M) {{")
        for v in range(hn):
            col = f"n0 + (cv + {v * g}u) * 4u"
            lines.append(f"    if ({col} < N) {{ Y[(yo + (m0 + {i}u) * N + {col}) / 4u] = "
                         f"vec4<f16>(c{i}_{v}); }}")
        lines.append("  }")
    lines.append("}")
    return header("\n".join(lines), True)
