"""The cooperative-matrix float16 matmul (tensor cores), written in naga's
``wgpu_cooperative_matrix`` WGSL, kept ready for when wgpu lets us request the feature.

Blocked today (``/work/shared/FINDINGS.md``, 2026-12-06): wgpu 0.32 lists
``cooperative-matrix`` on the H100 but requesting it needs experimental features enabled,
which wgpu-native's C API cannot do, and trueno's wgpu 0.31.1 does not know the feature. So
``coop_available`` is false on every adapter and ``_matmul_half`` falls back; nothing here
has run on a GPU.

The kernel: a workgroup of 128 invocations owns a 64 x 64 output tile of 16 x 16 blocks; its
subgroups take the blocks in turn (``subgroup_id``, stepping by ``num_subgroups``, so any
subgroup size works). Per block, f16 ``coop_mat16x16`` A and B fragments are loaded
row-major (``coopLoadT``) straight from the storage buffers along k and multiplied into an f32
accumulator (``coopMultiplyAdd``); the accumulator goes through workgroup memory so that
every invocation converts and stores its share as f16. Shapes: m, n, k multiples of 16, A
row-major along k, B row-major along n, offsets multiples of 16, no batch (``coop_fits``;
``_matmul_half`` runs the rest elsewhere). Metadata: [M, N, K, a_off, b_off, sa_m, sb_k].
"""

from __future__ import annotations

__all__ = ["COOP_FEATURE", "coop_available", "coop_fits", "coop_source", "coop_tile"]

COOP_FEATURE = "cooperative-matrix"  # the wgpu feature name wgpu 0.32 lists on the H100
TILE = 64
FRAG = 16


def coop_available(rt) -> bool:
    """Whether ``rt``'s device was created with cooperative matrices and f16: only then can
    ``coop_source`` compile. False everywhere today (see the module docstring)."""
    return COOP_FEATURE in rt.features and rt.has_f16


def coop_tile() -> tuple[int, int]:
    """A workgroup's output tile (rows, columns)."""
    return TILE, TILE


def coop_fits(m: int, n: int, k: int, sam: int, sbk: int, a_off: int, b_off: int) -> bool:
    """Whether a row-major (m, k) @ (k, n) product fits the kernel's whole 16 x 16 blocks."""
    return all(v % FRAG == 0 and v >= 0 for v in (m, n, k, sam, sbk, a_off, b_off)) and \
        m * n * k > 0


def coop_source() -> str:
    """WGSL of the kernel."""
    nblk = (TILE // FRAG) ** 2
    return f"""enable f16;
enable wgpu_cooperative_matrix;

@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read_write> Y: array<f16>;
@group(0) @binding(2) var<storage, read> A: array<f16>;
@group(0) @binding(3) var<storage, read> B: array<f16>;
var<workgroup> Cs: array<f32, {TILE * TILE}>;

@compute @workgroup_size(128)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32,
        @builtin(subgroup_id) sgid: u32, @builtin(num_subgroups) nsg: u32) {{
  let M = P[0];
  let N = P[1];
  let K = P[2];
  let sam = P[5];
  let sbk = P[6];
  let ao = P[3];
  let bo = P[4];
  let m0 = wg.y * {TILE}u;
  let n0 = wg.x * {TILE}u;
  for (var blk = sgid; blk < {nblk}u; blk = blk + nsg) {{
    let bm = (blk / {TILE // FRAG}u) * {FRAG}u;
    let bn = (blk % {TILE // FRAG}u) * {FRAG}u;
    var acc = coop_mat16x16<f32, C>();
    if (m0 + bm < M && n0 + bn < N) {{
      for (var k0 = 0u; k0 < K; k0 = k0 + {FRAG}u) {{
        let a = coopLoadT<coop_mat16x16<f16, A>>(&A[ao + (m0 + bm) * sam + k0], sam);
        let b = coopLoadT<coop_mat16x16<f16, B>>(&B[bo + k0 * sbk + n0 + bn], sbk);
        acc = coopMultiplyAdd(a, b, acc);
      }}
    }}
    coopStoreT(acc, &Cs[bm * {TILE}u + bn], {TILE}u);
  }}
  workgroupBarrier();
  for (var i = t; i < {TILE * TILE}u; i = i + 128u) {{
    let r = m0 + i / {TILE}u;
    let c = n0 + i % {TILE}u;
    if (r < M && c < N) {{ Y[r * N + c] = f16(Cs[i]); }}
  }}
}}
"""
