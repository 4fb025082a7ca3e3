"""eigh on the GPU: the parallel cyclic Jacobi method, one workgroup per matrix.

Each sweep visits every pair (p, q) once in n - 1 steps of the round-robin ("circle")
ordering; the n/2 rotations of a step touch disjoint rows and columns, so they run at once:
the angles (Golub & Van Loan's ``sym.schur2``), then the column rotations of A and V, then the
row rotations of A (the 2 x 2 block gets its exact diagonal and zeros). Sweeps stop when the
off-diagonal norm is at most eps * the Frobenius norm (``_MAX_SWEEPS`` caps them); the
eigenvalues (the diagonal) are then sorted ascending with their vectors. Eigenvector signs are
not LAPACK's (they are not unique; compare canonicalised vectors).
"""

from __future__ import annotations

import numpy as np
from trueno.backend import StridedArray

from ._elementwise import rt_of
from ._linalg_base import (
    ENTRY,
    compute_type,
    eps_of,
    new,
    per,
    plan,
    prelude,
    run_kernel,
    scal_fn,
    scalar_words,
    work_copy,
)

__all__ = ["linalg_eigh", "KERNELS", "PAIR"]

_MAX_SWEEPS = 40

# The round-robin pairing of step ``s`` of N (even) indices: index 0 stays, the others turn.
PAIR = """fn pair(pr: u32, s: u32, N: u32) -> vec2<u32> {
  let M = N - 1u;
  var p = 0u;
  var q = 1u + s % M;
  if (pr > 0u) {
    p = 1u + (s + pr) % M;
    q = 1u + (s + M - pr) % M;
  }
  return vec2<u32>(min(p, q), max(p, q));
}
"""

# P: [batch, n, uplo (0 L, 1 U), max sweeps, eps^2 (T), lo, hi]. A: work copy, V: vectors
# (scratch), CS: 4 per pair (c, s, new a_pp, new a_qq), W: eigenvalues out, Y: eigenvectors
# out, F: converged flag. A dispatch runs units lo .. hi - 1: unit 0 sets up, unit
# 1 + sweep * (N - 1) + step is one rotation step (the first of a sweep tests convergence;
# once converged the rest return at once), the last unit sorts.
_EIGH_BODY = """
  let n = P[1];
  let a0 = b * n * n;
  let N = n + (n & 1u);
  let np = N / 2u;
  let c0 = b * 4u * max(np, 1u);
  let eps2 = scal(4u);
  let lo = P[6];
  let hi = P[7];
  let M = max(N, 1u) - 1u;
  let last = 1u + P[3] * M;
  if (lo == 0u) {
    for (var e = li; e < n * n; e += WG) {
      let r = e / n;
      let c = e % n;
      if ((P[2] == 0u && c > r) || (P[2] == 1u && c < r)) { A[a0 + e] = A[a0 + c * n + r]; }
      V[a0 + e] = select(T(0), T(1), r == c);
    }
    if (li == 0u) { F[b] = 0u; }
  }
  storageBarrier();
  if (li == 0u) { done = F[b]; }
  let conv = workgroupUniformLoad(&done);
  for (var g = max(lo, 1u); g < min(hi, last) && conv == 0u; g++) {
    let st = (g - 1u) % M;
    if (st == 0u) {
      var off = T(0);
      var all = T(0);
      for (var e = li; e < n * n; e += WG) {
        let x = A[a0 + e];
        all = all + x * x;
        if (e / n != e % n) { off = off + x * x; }
      }
      rv[li] = off;
      rw[li] = all;
      workgroupBarrier();
      for (var s = WG / 2u; s > 0u; s >>= 1u) {
        if (li < s) {
          rv[li] = rv[li] + rv[li + s];
          rw[li] = rw[li] + rw[li + s];
        }
        workgroupBarrier();
      }
      if (li == 0u) {
        done = select(0u, 1u, !(rv[0] > eps2 * rw[0]));
        F[b] = done;
      }
      if (workgroupUniformLoad(&done) == 1u) { break; }
    }
    for (var pr = li; pr < np; pr += WG) {
      let pq = pair(pr, st, N);
      if (pq.y < n) {
        let app = A[a0 + pq.x * n + pq.x];
        let aqq = A[a0 + pq.y * n + pq.y];
        let apq = A[a0 + pq.x * n + pq.y];
        var c = T(1);
        var s = T(0);
        var t = T(0);
        if (apq != T(0)) {
          let tau = (aqq - app) / (T(2) * apq);
          let sg = select(T(-1), T(1), tau >= T(0));
          if (abs(tau) > T(1e18)) { t = sg * T(0.5) / abs(tau); }
          else { t = sg / (abs(tau) + sqrt(T(1) + tau * tau)); }
          c = T(1) / sqrt(T(1) + t * t);
          s = t * c;
        }
        CS[c0 + 4u * pr] = c;
        CS[c0 + 4u * pr + 1u] = s;
        CS[c0 + 4u * pr + 2u] = app - t * apq;
        CS[c0 + 4u * pr + 3u] = aqq + t * apq;
      }
    }
    storageBarrier();
    for (var e = li; e < np * n; e += WG) {
      let pr = e / n;
      let r = e % n;
      let pq = pair(pr, st, N);
      if (pq.y < n) {
        let c = CS[c0 + 4u * pr];
        let s = CS[c0 + 4u * pr + 1u];
        let ip = a0 + r * n + pq.x;
        let iq = a0 + r * n + pq.y;
        let ap = A[ip];
        let aq = A[iq];
        A[ip] = c * ap - s * aq;
        A[iq] = s * ap + c * aq;
        let vp = V[ip];
        let vq = V[iq];
        V[ip] = c * vp - s * vq;
        V[iq] = s * vp + c * vq;
      }
    }
    storageBarrier();
    for (var e = li; e < np * n; e += WG) {
      let pr = e / n;
      let col = e % n;
      let pq = pair(pr, st, N);
      if (pq.y < n) {
        let ip = a0 + pq.x * n + col;
        let iq = a0 + pq.y * n + col;
        if (col == pq.x) {
          A[ip] = CS[c0 + 4u * pr + 2u];
          A[iq] = T(0);
        } else if (col == pq.y) {
          A[iq] = CS[c0 + 4u * pr + 3u];
          A[ip] = T(0);
        } else {
          let c = CS[c0 + 4u * pr];
          let s = CS[c0 + 4u * pr + 1u];
          let ap = A[ip];
          let aq = A[iq];
          A[ip] = c * ap - s * aq;
          A[iq] = s * ap + c * aq;
        }
      }
    }
    storageBarrier();
  }
  if (hi <= last) { return; }
  storageBarrier();
  for (var i = li; i < n; i += WG) {
    let wi = A[a0 + i * n + i];
    var rank = 0u;
    for (var j = 0u; j < n; j++) {
      let wj = A[a0 + j * n + j];
      if (wj < wi || (wj == wi && j < i)) { rank++; }
    }
    W[b * n + rank] = wi;
    for (var r = 0u; r < n; r++) { Y[a0 + r * n + rank] = V[a0 + r * n + i]; }
  }
}
"""


def _eigh_source(T: str) -> str:
    return (prelude(T, [("A", "T", True), ("V", "T", True), ("CS", "T", True),
                        ("W", "T", True), ("Y", "T", True), ("F", "u32", True)])
            + "var<workgroup> rv: array<T, WG>;\nvar<workgroup> rw: array<T, WG>;\n"
            + "var<workgroup> done: u32;\n" + scal_fn(T) + PAIR + ENTRY + _EIGH_BODY)


def _eigh_plan(n: int) -> list[tuple[int, int]]:
    """Unit ranges: set-up, _MAX_SWEEPS sweeps of N - 1 rotation steps, the sort."""
    npairs = (n + 1) // 2
    steps = max(2 * npairs - 1, 0)
    step = 2 + per(npairs) + 2 * per(npairs * n)
    check = per(n * n) + 8
    blocks = [(1, per(n * n))]
    for _ in range(_MAX_SWEEPS):
        blocks += [(1, step + (check if st == 0 else 0)) for st in range(steps)]
    return plan(blocks + [(1, per(n) * (1 + 2 * n))], 2)


def linalg_eigh(x: StridedArray, UPLO: str = "L"):  # noqa: N803
    """(eigenvalues ascending, eigenvectors as columns) of the symmetric matrices ``x``,
    reading the triangle that ``UPLO`` names, as LAPACK's syevd does."""
    rt = rt_of(x)
    T = compute_type(x)
    n = x.shape[-1]
    batch = x.shape[:-2]
    nb = int(np.prod(batch, dtype=np.int64))
    A = work_copy(x, x.shape)
    V = new(rt, x.shape, x.dtype)
    CS = new(rt, (nb, 4 * max((n + 1) // 2, 1)), x.dtype)
    W = new(rt, batch + (n,), x.dtype)
    Y = new(rt, x.shape, x.dtype)
    F = new(rt, (max(nb, 1),), np.uint32)
    meta = [nb, n, int(UPLO == "U"), _MAX_SWEEPS] + scalar_words(eps_of(x.dtype) ** 2, T)
    for lo, hi in _eigh_plan(n):
        run_kernel(rt, ("eigh", T), lambda: _eigh_source(T), meta + [lo, hi],
                   [A, V, CS, W, Y, F], nb)
    return W, Y


KERNELS = {"linalg_eigh": linalg_eigh}
