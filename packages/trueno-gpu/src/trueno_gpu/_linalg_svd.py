"""The SVD family on the GPU: one-sided (Hestenes) Jacobi SVD, one workgroup per matrix, and
pinv / matrix_rank / lstsq built on it with NumPy's rcond / rtol / tol rules.

A wide matrix is factorized through its transpose, so the kernel always sees m >= n. Each
sweep orthogonalises every pair of columns once (round-robin: n/2 disjoint pairs per step,
one thread per pair rotating its two columns of W and V); sweeps stop when no pair was rotated,
i.e. every ``|w_p . w_q| <= sqrt(m) * eps * |w_p| |w_q|``. Then S = column norms, sorted
descending; U's columns are the normalised columns, and columns of U for (numerically) zero
singular values, or beyond n for ``full_matrices=True``, are completed to an orthonormal basis
by twice-repeated Gram-Schmidt of the unit vector least covered by the columns before them.
Singular-vector signs are not LAPACK's (they are not unique); ``hermitian=True`` takes the same
path (same U, S, Vh up to those signs).
"""

from __future__ import annotations

import numpy as np
from trueno.backend import StridedArray

from ._codegen import index_dtype
from ._elementwise import rt_of
from ._linalg_base import (
    ENTRY,
    compute_type,
    eps_of,
    fill,
    new,
    per,
    plan,
    prelude,
    run_kernel,
    scal_fn,
    scalar_words,
    waves,
    work_copy,
)
from ._linalg_sym import PAIR

__all__ = ["svd", "linalg_svd", "linalg_pinv", "linalg_matrix_rank", "linalg_lstsq",
           "KERNELS"]

_MAX_SWEEPS = 40

# P: [batch, m, n, mc, phase (0 rotations, 1 finish), ur, uc, vr, vc, tol (T), rthr (T), lo,
# hi]; W: m x n work copy;
# V: per matrix n x n vectors, n column norms, m Gram-Schmidt coefficients, (c, s) per pair,
# the converged flag, "a pair of this sweep rotated", the number of valid columns;
# UT: m x mc scratch; S: n out; OU[b*m*mc + r*ur + c*uc] = UT[r, c]; OV[b*n*n + r*vr + c*vc]
# = V[r, c] (the host's strides put U, Vh, or their transposes for a wide input).
# A dispatch runs units lo .. hi - 1; phase 0: unit 0 sets V = I, unit 1 + sweep * (N - 1) +
# step is one rotation step (once a sweep rotated no pair, the rest return at once); phase 1:
# unit 0 norms and sorts, unit 1 + j completes column j of U, then the output elements of U.
_SVD_BODY = """
  let m = P[1];
  let n = P[2];
  let mc = P[3];
  let w0 = b * m * n;
  let v0 = b * (n * n + n + m + n + 6u);
  let nrm0 = v0 + n * n;
  let co0 = nrm0 + n;
  let cs0 = co0 + m;
  let u0 = b * m * mc;
  let N = n + (n & 1u);
  let np = N / 2u;
  let tol = scal(9u);
  let f0 = cs0 + n + 2u;
  let lo = P[13];
  let hi = P[14];
  if (P[4] == 0u) {
    if (lo == 0u) {
      for (var e = li; e < n * n; e += WG) { V[v0 + e] = select(T(0), T(1), e / n == e % n); }
      if (li == 0u) {
        V[f0] = T(0);
        V[f0 + 1u] = T(0);
      }
    }
    storageBarrier();
    if (li == 0u) {
      fl = select(0u, 1u, V[f0] != T(0));
      atomicStore(&wrot, 0u);
    }
    if (workgroupUniformLoad(&fl) == 1u) { return; }
    for (var g = max(lo, 1u); g < hi; g++) {
      let st = (g - 1u) % (N - 1u);
      for (var pr = li; pr < np; pr += WG) {
        let pq = pair(pr, st, N);
        var c = T(1);
        var s = T(0);
        if (pq.y < n) {
          var al = T(0);
          var be = T(0);
          var ga = T(0);
          for (var r = 0u; r < m; r++) {
            let x = W[w0 + r * n + pq.x];
            let y = W[w0 + r * n + pq.y];
            al = al + x * x;
            be = be + y * y;
            ga = ga + x * y;
          }
          if (abs(ga) > tol * sqrt(al) * sqrt(be)) {
            atomicOr(&wrot, 1u);
            let zeta = (be - al) / (T(2) * ga);
            let sg = select(T(-1), T(1), zeta >= T(0));
            var t = sg / (abs(zeta) + sqrt(T(1) + zeta * zeta));
            if (abs(zeta) > T(1e18)) { t = sg * T(0.5) / abs(zeta); }
            c = T(1) / sqrt(T(1) + t * t);
            s = t * c;
          }
        }
        V[cs0 + 2u * pr] = c;
        V[cs0 + 2u * pr + 1u] = s;
      }
      storageBarrier();
      for (var e = li; e < np * (m + n); e += WG) {
        let pr = e / (m + n);
        let r = e % (m + n);
        let pq = pair(pr, st, N);
        let s = V[cs0 + 2u * pr + 1u];
        if (pq.y < n && s != T(0)) {
          let c = V[cs0 + 2u * pr];
          if (r < m) {
            let x = W[w0 + r * n + pq.x];
            let y = W[w0 + r * n + pq.y];
            W[w0 + r * n + pq.x] = c * x - s * y;
            W[w0 + r * n + pq.y] = s * x + c * y;
          } else {
            let rr = r - m;
            let x = V[v0 + rr * n + pq.x];
            let y = V[v0 + rr * n + pq.y];
            V[v0 + rr * n + pq.x] = c * x - s * y;
            V[v0 + rr * n + pq.y] = s * x + c * y;
          }
        }
      }
      storageBarrier();
      if (st + 2u == N) {
        workgroupBarrier();
        if (li == 0u) {
          if (atomicLoad(&wrot) == 0u && V[f0 + 1u] == T(0)) { V[f0] = T(1); }
          V[f0 + 1u] = T(0);
          atomicStore(&wrot, 0u);
          fl = select(0u, 1u, V[f0] != T(0));
        }
        if (workgroupUniformLoad(&fl) == 1u) { return; }
      }
    }
    workgroupBarrier();
    if (li == 0u && atomicLoad(&wrot) != 0u) { V[f0 + 1u] = T(1); }
    return;
  }
  if (lo == 0u) {
    for (var i = li; i < n; i += WG) {
      var x = T(0);
      for (var r = 0u; r < m; r++) { x = x + W[w0 + r * n + i] * W[w0 + r * n + i]; }
      V[nrm0 + i] = sqrt(x);
    }
    storageBarrier();
    var smax = T(0);
    for (var i = 0u; i < n; i++) { smax = max(smax, V[nrm0 + i]); }
    let thr = smax * scal(11u);
    var nv = 0u;
    for (var i = 0u; i < n; i++) { if (V[nrm0 + i] > thr) { nv++; } }
    for (var i = li; i < n; i += WG) {
      let si = V[nrm0 + i];
      var rank = 0u;
      for (var j = 0u; j < n; j++) {
        let sj = V[nrm0 + j];
        if (sj > si || (sj == si && j < i)) { rank++; }
      }
      S[b * n + rank] = si;
      let ok = si > thr;
      for (var r = 0u; r < m; r++) {
        UT[u0 + r * mc + rank] = select(T(0), W[w0 + r * n + i] / si, ok);
      }
      for (var r = 0u; r < n; r++) { OV[b * n * n + r * P[7] + rank * P[8]] = V[v0 + r * n + i]; }
    }
    if (li == 0u) { V[f0 + 2u] = T(nv); }
  }
  storageBarrier();
  if (li == 0u) { nvalid = u32(V[f0 + 2u]); }
  let first = workgroupUniformLoad(&nvalid);
  for (var u = max(lo, first + 1u); u < min(hi, mc + 1u); u++) {
    let j = u - 1u;
    var best = T(-1);
    var bi = 0u;
    for (var r = li; r < m; r += WG) {
      var cov = T(0);
      for (var i = 0u; i < j; i++) { cov = cov + UT[u0 + r * mc + i] * UT[u0 + r * mc + i]; }
      if (T(1) - cov > best) { best = T(1) - cov; bi = r; }
    }
    rv[li] = best;
    ri[li] = bi;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
      if (li < s) {
        if (rv[li + s] > rv[li] || (rv[li + s] == rv[li] && ri[li + s] < ri[li])) {
          rv[li] = rv[li + s];
          ri[li] = ri[li + s];
        }
      }
      workgroupBarrier();
    }
    let kb = ri[0];
    for (var r = li; r < m; r += WG) { UT[u0 + r * mc + j] = select(T(0), T(1), r == kb); }
    storageBarrier();
    for (var it = 0u; it < 2u; it++) {
      for (var i = li; i < j; i += WG) {
        var d = T(0);
        for (var r = 0u; r < m; r++) { d = d + UT[u0 + r * mc + i] * UT[u0 + r * mc + j]; }
        V[co0 + i] = d;
      }
      storageBarrier();
      for (var r = li; r < m; r += WG) {
        var x = UT[u0 + r * mc + j];
        for (var i = 0u; i < j; i++) { x = x - V[co0 + i] * UT[u0 + r * mc + i]; }
        UT[u0 + r * mc + j] = x;
      }
      storageBarrier();
    }
    var part = T(0);
    for (var r = li; r < m; r += WG) { part = part + UT[u0 + r * mc + j] * UT[u0 + r * mc + j]; }
    rv[li] = part;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
      if (li < s) { rv[li] = rv[li] + rv[li + s]; }
      workgroupBarrier();
    }
    let nrm = sqrt(rv[0]);
    for (var r = li; r < m; r += WG) { UT[u0 + r * mc + j] = UT[u0 + r * mc + j] / nrm; }
    storageBarrier();
  }
  for (var u = max(lo, mc + 1u) + li; u < min(hi, mc + 1u + m * mc); u += WG) {
    let e = u - mc - 1u;
    OU[u0 + (e / mc) * P[5] + (e % mc) * P[6]] = UT[u0 + e];
  }
}
"""


def _svd_source(T: str) -> str:
    return (prelude(T, [("W", "T", True), ("V", "T", True), ("UT", "T", True),
                        ("S", "T", True), ("OU", "T", True), ("OV", "T", True)])
            + "var<workgroup> rv: array<T, WG>;\nvar<workgroup> ri: array<u32, WG>;\n"
            + "var<workgroup> nvalid: u32;\nvar<workgroup> fl: u32;\n"
            + "var<workgroup> wrot: atomic<u32>;\n" + scal_fn(T) + PAIR + ENTRY + _SVD_BODY)


def _eye(rt, batch, n, dtype) -> StridedArray:
    from ._api import GpuDeviceAPI

    host = np.broadcast_to(np.eye(n, dtype=dtype), tuple(batch) + (n, n))
    return GpuDeviceAPI().from_numpy(np.ascontiguousarray(host), rt.index)


def _svd_blocks(m: int, n: int, mc: int) -> tuple[list, list]:
    """The units of the rotation phase (set-up, _MAX_SWEEPS sweeps of N - 1 steps) and of the
    finish (norms and sort, Gram-Schmidt columns, output elements) with their loop counts."""
    npairs = (n + 1) // 2
    step = 3 + per(npairs) * (1 + m) + per(npairs * (m + n))
    rot = [(1, per(n * n))] + [(1, step)] * (_MAX_SWEEPS * (2 * npairs - 1))
    sort = per(n) * (1 + m) + 2 * n + per(n) * (1 + 2 * n + m)
    cols = [(1, 20 + per(m) * (2 + j) + 2 * (per(j) * (1 + m) + per(m) * (1 + j)) + 2 * per(m))
            for j in range(mc)]
    return rot, [(1, sort)] + cols + waves(m * mc, 1)


def svd(x: StridedArray, full_matrices: bool = True):
    """(U, S, Vh) of the stack ``x`` (..., M, N): S descending, U and Vh orthonormal."""
    rt = rt_of(x)
    T = compute_type(x)
    batch = x.shape[:-2]
    M, N = x.shape[-2:]
    k = min(M, N)
    nb = int(np.prod(batch, dtype=np.int64))
    if k == 0:
        U = _eye(rt, batch, M, x.dtype) if full_matrices else new(rt, batch + (M, 0), x.dtype)
        Vh = _eye(rt, batch, N, x.dtype) if full_matrices else new(rt, batch + (0, N), x.dtype)
        return U, new(rt, batch + (0,), x.dtype), Vh
    wide = M < N
    xt = x.view(x.offset, batch + (N, M), x.strides[:-2] + x.strides[-2:][::-1]) if wide else x
    m, n = xt.shape[-2:]
    mc = m if full_matrices else n
    W = work_copy(xt, xt.shape)
    V = new(rt, (nb, n * n + n + m + n + 6), x.dtype)
    UT = new(rt, (nb, m, mc), x.dtype)
    S = new(rt, batch + (n,), x.dtype)
    OU = new(rt, batch + ((mc, m) if wide else (m, mc)), x.dtype)
    OV = new(rt, batch + (n, n), x.dtype)
    ustr = (1, m) if wide else (mc, 1)
    vstr = (n, 1) if wide else (1, n)
    eps = eps_of(x.dtype)
    tail = [*ustr, *vstr] + scalar_words(eps * np.sqrt(m), T) + scalar_words(eps * max(m, n), T)
    for phase, blocks in enumerate(_svd_blocks(m, n, mc)):
        for lo, hi in plan(blocks, 4):
            run_kernel(rt, ("svd", T), lambda: _svd_source(T),
                       [nb, m, n, mc, phase] + tail + [lo, hi], [W, V, UT, S, OU, OV], nb)
    return (OV, S, OU) if wide else (OU, S, OV)


def linalg_svd(x: StridedArray, full_matrices: bool = True, hermitian: bool = False):
    """(U, S, Vh) by one-sided Jacobi (``hermitian`` changes nothing but the signs)."""
    return svd(x, bool(full_matrices))


# -- pinv, matrix_rank, lstsq ------------------------------------------------------------------
# P: [batch, m, n, k, nrhs, identity, lo, hi]; U m x k, S k, Vh k x n (one SVD each); CUT[2b]
# absolute and CUT[2b+1] relative tolerance: singular values s > CUT[2b] + CUT[2b+1] * max(s)
# count (the kernel leaves their number in CUT[2b]); X = Vh^T diag(1/s) U^T B (B = I: pinv)
# with U^T B in X's tail (after batch * n * nrhs elements). Units: the k * nrhs elements of
# U^T B, the count, the n * nrhs elements of X.
_APPLY_BODY = """
  let m = P[1];
  let n = P[2];
  let k = P[3];
  let nrhs = P[4];
  let lo = P[6];
  let hi = P[7];
  let e1 = k * nrhs;
  let cutoff = CUT[2u * b] + CUT[2u * b + 1u] * S[b * k];
  let y0 = P[0] * n * nrhs + b * k * nrhs;
  for (var e = lo + li; e < min(hi, e1); e += WG) {
    let l = e / nrhs;
    let c = e % nrhs;
    let sl = S[b * k + l];
    var acc = T(0);
    if (P[5] == 1u) {
      acc = U[b * m * k + c * k + l];
    } else {
      for (var i = 0u; i < m; i++) {
        acc = acc + U[b * m * k + i * k + l] * B[b * m * nrhs + i * nrhs + c];
      }
    }
    X[y0 + e] = select(T(0), acc / sl, sl > cutoff);
  }
  storageBarrier();
  if (li == 0u && lo <= e1 && e1 < hi) {
    var cnt = 0u;
    for (var l = 0u; l < k; l++) { if (S[b * k + l] > cutoff) { cnt++; } }
    CUT[2u * b] = T(cnt);
  }
  for (var u = max(lo, e1 + 1u) + li; u < min(hi, e1 + 1u + n * nrhs); u += WG) {
    let e = u - e1 - 1u;
    let j = e / nrhs;
    let c = e % nrhs;
    var acc = T(0);
    for (var l = 0u; l < k; l++) { acc = acc + Vh[b * k * n + l * n + j] * X[y0 + l * nrhs + c]; }
    X[b * n * nrhs + e] = acc;
  }
}
"""

# P: [1, m, n, nrhs, lo, hi]; RES[c] = sum_i ((A X)[i, c] - B[i, c])^2 (one matrix, lstsq),
# rows lo .. hi - 1 added per dispatch.
_RESID_BODY = """
  let m = P[1];
  let n = P[2];
  let nrhs = P[3];
  for (var c = li; c < nrhs; c += WG) {
    var tot = select(RES[c], T(0), P[4] == 0u);
    for (var i = P[4]; i < P[5]; i++) {
      var r = -B[i * nrhs + c];
      for (var j = 0u; j < n; j++) { r = r + A[i * n + j] * X[j * nrhs + c]; }
      tot = tot + r * r;
    }
    RES[c] = tot;
  }
}
"""


def _apply_source(T: str) -> str:
    return (prelude(T, [("U", "T", True), ("S", "T", True), ("Vh", "T", True),
                        ("CUT", "T", True), ("B", "T", True), ("X", "T", True)])
            + ENTRY + _APPLY_BODY)


def _resid_source(T: str) -> str:
    return (prelude(T, [("A", "T", True), ("X", "T", True), ("B", "T", True),
                        ("RES", "T", True)]) + ENTRY + _RESID_BODY)


def _cutoffs(rt, batch, absolute, relative, dtype) -> StridedArray:
    """Per-matrix (absolute, relative) tolerances, NumPy-broadcast to ``batch``."""
    from ._api import GpuDeviceAPI

    a = np.broadcast_to(np.asarray(absolute, dtype=np.float64), batch)
    r = np.broadcast_to(np.asarray(relative, dtype=np.float64), batch)
    host = np.stack([a, r], axis=-1).astype(dtype)
    return GpuDeviceAPI().from_numpy(np.ascontiguousarray(host), rt.index)


def _apply(x, absolute, relative, b=None, identity=False):
    """(X, CUT): X = pinv-with-cutoff(x) @ b (or pinv itself), CUT[..., 0] the ranks."""
    rt = rt_of(x)
    T = compute_type(x)
    batch = x.shape[:-2]
    m, n = x.shape[-2:]
    k = min(m, n)
    nb = int(np.prod(batch, dtype=np.int64))
    U, S, Vh = svd(x, full_matrices=False)
    CUT = _cutoffs(rt, batch, absolute, relative, x.dtype)
    nrhs = m if identity else (b.shape[-1] if b is not None else 0)
    B = work_copy(b, batch + (m, nrhs)) if b is not None else new(rt, (1,), x.dtype)
    X = new(rt, (nb * (n + k) * nrhs,), x.dtype)
    blocks = waves(k * nrhs, 1 if identity else m) + [(1, k + 1)] + waves(n * nrhs, k)
    for lo, hi in plan(blocks, 2):
        run_kernel(rt, ("svd_apply", T), lambda: _apply_source(T),
                   [nb, m, n, k, nrhs, int(identity), lo, hi], [U, S, Vh, CUT, B, X], nb)
    return X.view(0, batch + (n, nrhs), _cs(batch + (n, nrhs))), CUT, S


def _cs(shape):
    from trueno.backend import contiguous_strides

    return contiguous_strides(tuple(shape))


def _ranks(rt, CUT, batch) -> StridedArray:
    """The counts the apply kernel left in CUT[..., 0], as the index dtype."""
    from ._api import astype

    view = CUT.view(0, tuple(batch), tuple(2 * s for s in _cs(batch)))
    return astype(view, index_dtype(rt))


def linalg_pinv(x: StridedArray, rcond=None, rtol=None, hermitian: bool = False):
    """Pseudo-inverse: singular values <= rcond (or rtol, default 1e-15) * max(s) dropped."""
    rt = rt_of(x)
    m, n = x.shape[-2:]
    if min(m, n) == 0:
        return new(rt, x.shape[:-2] + (n, m), x.dtype)
    rel = rtol if rtol is not None else (rcond if rcond is not None else 1e-15)
    return _apply(x, 0.0, rel, identity=True)[0]


def linalg_matrix_rank(x: StridedArray, tol=None, hermitian: bool = False, rtol=None):
    """Number of singular values > tol (absolute) or > rtol * max(s) (default
    max(M, N) * eps), as NumPy's matrix_rank."""
    if rtol is not None and tol is not None:
        raise ValueError("`tol` and `rtol` can't be both set.")
    rt = rt_of(x)
    batch = x.shape[:-2]
    m, n = x.shape[-2:]
    if min(m, n) == 0:
        from ._api import full

        return full(rt, batch, 0, index_dtype(rt))
    if tol is None:
        absolute, relative = 0.0, (max(m, n) * eps_of(x.dtype) if rtol is None else rtol)
    else:
        absolute, relative = tol, 0.0
    _, CUT, _ = _apply(x, absolute, relative)
    return _ranks(rt, CUT, batch)


def linalg_lstsq(a: StridedArray, b: StridedArray, rcond=None):
    """(x, residuals, rank, s) as NumPy's lstsq (gelsd): singular values <= rcond * max(s)
    (default eps * max(M, N)) are dropped; residuals are |a x - b|^2 per column when rank == N
    < M, else empty. Reading the rank back is one sync."""
    from ._api import GpuDeviceAPI

    rt = rt_of(a)
    T = compute_type(a)
    api = GpuDeviceAPI()
    m, n = a.shape
    vec = b.ndim == 1
    b2 = b.view(b.offset, (m, 1), (b.strides[0], 0)) if vec else b
    nrhs = b2.shape[1]
    if rcond is None:
        rcond = eps_of(a.dtype) * max(m, n)
    if min(m, n) == 0:
        x = fill(rt, (n, nrhs), 0.0, a.dtype)
        s = new(rt, (0,), a.dtype)
        rank = 0
        res = new(rt, (0,), a.dtype)
        if n == 0 and m > 0:  # rank == n < m: the residual is all of b
            res = _resid(rt, T, work_copy(a, (m, 0)), x, work_copy(b2, (m, nrhs)), m, 0, nrhs)
    else:
        x, CUT, s = _apply(a, 0.0, rcond, b=b2)
        rank = int(api.to_numpy(CUT.view(0, (1,), (1,)))[0])
        if rank == n and m > n:
            res = _resid(rt, T, work_copy(a, (m, n)), x, work_copy(b2, (m, nrhs)), m, n, nrhs)
        else:
            res = new(rt, (0,), a.dtype)
    if vec:
        x = x.view(x.offset, (n,), (x.strides[0],))
    return x, res, api.from_numpy(np.asarray(rank, dtype=index_dtype(rt)), rt.index), s


def _resid(rt, T, A, X, B, m, n, nrhs) -> StridedArray:
    res = new(rt, (nrhs,), A.dtype)
    for lo, hi in plan([(1, per(nrhs) * (1 + n))] * m, per(nrhs) + 1):
        run_kernel(rt, ("lstsq_resid", T), lambda: _resid_source(T), [1, m, n, nrhs, lo, hi],
                   [A, X, B, res], 1)
    return res


KERNELS = {"linalg_svd": linalg_svd, "linalg_pinv": linalg_pinv,
           "linalg_matrix_rank": linalg_matrix_rank, "linalg_lstsq": linalg_lstsq}
