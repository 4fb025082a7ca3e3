"""Householder QR on the GPU (one workgroup per matrix), with LAPACK's conventions.

The reflectors are LAPACK's ``dlarfg`` (``beta = -sign(alpha) * norm``, ``v[0] = 1``,
``tau = (beta - alpha) / beta``, ``tau = 0`` when the column below the diagonal is already
zero), applied as ``geqr2`` does and accumulated backwards into Q as ``org2r`` does, so Q and R
carry the same signs as NumPy's (the blocked LAPACK routines round differently, nothing more).
"""

from __future__ import annotations

import numpy as np
from trueno.backend import StridedArray

from ._elementwise import rt_of
from ._linalg_base import ENTRY, compute_type, new, per, plan, prelude, run_kernel, waves, work_copy

__all__ = ["linalg_qr", "KERNELS"]

# P: [batch, m, n, mc (columns of Q; 0: no Q), rr (rows of R; 0: raw output), lo, hi].
# A: the work copy (m x n), factorized in place (R above the diagonal, v below);
# TAU: k per matrix; Q: m x mc; R: rr x n, or for raw output A^T (n x m). A dispatch runs
# units lo .. hi - 1: reflector columns 0 .. k - 1, Q = I (unit k), Q's accumulation steps
# (units k + 1 .. 2k), then the output elements of R.
_QR_BODY = """
  let m = P[1];
  let n = P[2];
  let mc = P[3];
  let rr = P[4];
  let k = min(m, n);
  let a0 = b * m * n;
  let t0 = b * max(k, 1u);
  let lo = P[5];
  let hi = P[6];
  for (var j = lo; j < min(hi, k); j++) {
    var part = T(0);
    for (var i = j + 1u + li; i < m; i += WG) {
      let x = A[a0 + i * n + j];
      part = part + x * x;
    }
    rv[li] = part;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
      if (li < s) { rv[li] = rv[li] + rv[li + s]; }
      workgroupBarrier();
    }
    let xn2 = rv[0];
    let alpha = A[a0 + j * n + j];
    var tau = T(0);
    var beta = alpha;
    if (xn2 != T(0)) {
      let nrm = sqrt(alpha * alpha + xn2);
      beta = select(nrm, -nrm, alpha >= T(0));
      tau = (beta - alpha) / beta;
      let scale = T(1) / (alpha - beta);
      for (var i = j + 1u + li; i < m; i += WG) { A[a0 + i * n + j] = A[a0 + i * n + j] * scale; }
    }
    storageBarrier();
    if (li == 0u) {
      A[a0 + j * n + j] = beta;
      TAU[t0 + j] = tau;
    }
    for (var c = j + 1u + li; c < n; c += WG) {
      var w = A[a0 + j * n + c];
      for (var i = j + 1u; i < m; i++) { w = w + A[a0 + i * n + j] * A[a0 + i * n + c]; }
      w = w * tau;
      A[a0 + j * n + c] = A[a0 + j * n + c] - w;
      for (var i = j + 1u; i < m; i++) {
        A[a0 + i * n + c] = A[a0 + i * n + c] - w * A[a0 + i * n + j];
      }
    }
    storageBarrier();
  }
  if (mc > 0u) {
    let q0 = b * m * mc;
    if (lo <= k && k < hi) {
      for (var e = li; e < m * mc; e += WG) { Q[q0 + e] = select(T(0), T(1), e / mc == e % mc); }
    }
    storageBarrier();
    for (var u = max(lo, k + 1u); u < min(hi, 2u * k + 1u); u++) {
      let j = 2u * k - u;
      let tau = TAU[t0 + j];
      for (var c = li; c < mc; c += WG) {
        var w = Q[q0 + j * mc + c];
        for (var i = j + 1u; i < m; i++) { w = w + A[a0 + i * n + j] * Q[q0 + i * mc + c]; }
        w = w * tau;
        Q[q0 + j * mc + c] = Q[q0 + j * mc + c] - w;
        for (var i = j + 1u; i < m; i++) {
          Q[q0 + i * mc + c] = Q[q0 + i * mc + c] - w * A[a0 + i * n + j];
        }
      }
      storageBarrier();
    }
  }
  let o0 = 2u * k + 1u;
  if (rr > 0u) {
    let r0 = b * rr * n;
    for (var u = max(lo, o0) + li; u < min(hi, o0 + rr * n); u += WG) {
      let e = u - o0;
      let r = e / n;
      let c = e % n;
      R[r0 + e] = select(T(0), A[a0 + r * n + c], c >= r && r < m);
    }
  } else {
    for (var u = max(lo, o0) + li; u < min(hi, o0 + m * n); u += WG) {
      let e = u - o0;
      let r = e / n;
      let c = e % n;
      R[a0 + c * m + r] = A[a0 + e];
    }
  }
}
"""


def _qr_source(T: str) -> str:
    return (prelude(T, [("A", "T", True), ("TAU", "T", True), ("Q", "T", True),
                        ("R", "T", True)])
            + "var<workgroup> rv: array<T, WG>;\n" + ENTRY + _QR_BODY)


def linalg_qr(x: StridedArray, mode: str = "reduced"):
    """(Q, R) for "reduced"/"complete", R for "r", (h, tau) for "raw" (h is A's LAPACK
    factorization transposed, (..., n, m), as NumPy returns it)."""
    rt = rt_of(x)
    T = compute_type(x)
    batch = x.shape[:-2]
    m, n = x.shape[-2:]
    k = min(m, n)
    nb = int(np.prod(batch, dtype=np.int64))
    mc = {"reduced": k, "complete": m}.get(mode, 0)
    rr = {"reduced": k, "complete": m, "r": k}.get(mode, 0)
    A = work_copy(x, x.shape)
    TAU = new(rt, batch + (k,), x.dtype)
    Q = new(rt, batch + (m, mc), x.dtype) if mc else new(rt, (1,), x.dtype)
    R = new(rt, batch + ((rr, n) if rr else (n, m)), x.dtype)
    blocks = [(1, 10 + 2 * per(m - j - 1) + per(n - j - 1) * (1 + 2 * (m - j - 1)))
              for j in range(k)]
    blocks.append((1, per(m * mc) + 1))
    blocks += [(1, 1 + per(mc) * (1 + 2 * (m - j - 1))) for j in range(k - 1, -1, -1)]
    for lo, hi in plan(blocks + waves((rr or m) * n, 1), 2):
        run_kernel(rt, ("qr", T), lambda: _qr_source(T), [nb, m, n, mc, rr, lo, hi],
                   [A, TAU, Q, R], nb)
    if mode == "r":
        return R
    if mode == "raw":
        return R, TAU
    return Q, R


KERNELS = {"linalg_qr": linalg_qr}
