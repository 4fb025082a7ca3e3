"""GPU kernels of the linalg ops (one workgroup per matrix): LU with partial pivoting
(solve, inv, det, slogdet) and Cholesky here; QR, eigh and the SVD family in ``_linalg_*.py``.

Data-dependent failures (a singular matrix in solve/inv, a matrix that is not positive
definite in cholesky) are flagged per matrix by the kernel; the host reads the flags back (one
sync, as PyTorch's CUDA linalg does) and raises ``numpy.linalg.LinAlgError``, which
``trueno.linalg`` turns into ``trueno.LinAlgError`` with a hint.

eig / eigvals (real input; complex input has no kernel) are in ``_linalg_eig.py``.
"""

from __future__ import annotations

import numpy as np
from trueno.backend import StridedArray, contiguous_strides

from . import _linalg_eig, _linalg_qr, _linalg_svd, _linalg_sym
from ._elementwise import rt_of
from ._linalg_base import (
    ENTRY,
    LOG_T,
    compute_type,
    fill,
    matrix_batch,
    new,
    per,
    plan,
    prelude,
    raise_if,
    run_kernel,
    waves,
    work_copy,
)

__all__ = ["make_kernels", "linalg_solve", "linalg_inv", "linalg_det", "linalg_slogdet",
           "linalg_cholesky"]

# -- LU ----------------------------------------------------------------------------------------
# P: [batch, n, k (right-hand sides), mode, lo, hi]; mode 0: solve A x = B, 1: B starts as the
# identity (inv), 2: det into R[b], 3: slogdet into R[b] (sign), R[batch + b] (log|det|).
# A is factorized in place (Doolittle, partial pivoting as LAPACK's getf2: first index of the
# largest |pivot|); the row swaps and eliminations are applied to B alongside, then B is
# back-substituted with U. S[b] = 1 when a pivot is exactly 0 (LAPACK's info > 0); SW[b]
# counts the row swaps. A dispatch runs units lo .. hi - 1: pivot columns 0 .. n - 1, then
# back-substitution steps (modes 0, 1) or the rows of U's diagonal (modes 2, 3: R accumulates).
_LU_BODY = """
  let n = P[1];
  let k = P[2];
  let mode = P[3];
  let lo = P[4];
  let hi = P[5];
  let a0 = b * n * n;
  let b0 = b * n * k;
  if (lo == 0u) {
    if (mode == 1u) {
      for (var e = li; e < n * k; e += WG) { B[b0 + e] = select(T(0), T(1), e / k == e % k); }
    }
    if (li == 0u) {
      S[b] = 0u;
      SW[b] = 0u;
    }
  }
  storageBarrier();
  for (var j = lo; j < min(hi, n); j++) {
    var best = T(-1);
    var bi = j;
    for (var i = j + li; i < n; i += WG) {
      let v = abs(A[a0 + i * n + j]);
      if (v > best) { best = v; bi = i; }
    }
    rv[li] = best;
    ri[li] = bi;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s >>= 1u) {
      if (li < s) {
        let o = rv[li + s];
        let oi = ri[li + s];
        if (o > rv[li] || (o == rv[li] && oi < ri[li])) { rv[li] = o; ri[li] = oi; }
      }
      workgroupBarrier();
    }
    let p = ri[0];
    workgroupBarrier();
    if (p != j) {
      if (li == 0u) { SW[b] = SW[b] + 1u; }
      for (var c = li; c < n; c += WG) {
        let t = A[a0 + j * n + c];
        A[a0 + j * n + c] = A[a0 + p * n + c];
        A[a0 + p * n + c] = t;
      }
      for (var c = li; c < k; c += WG) {
        let t = B[b0 + j * k + c];
        B[b0 + j * k + c] = B[b0 + p * k + c];
        B[b0 + p * k + c] = t;
      }
    }
    storageBarrier();
    let d = A[a0 + j * n + j];
    if (d == T(0) && li == 0u) { S[b] = 1u; }
    if (d != T(0)) {
      for (var i = j + 1u + li; i < n; i += WG) { A[a0 + i * n + j] = A[a0 + i * n + j] / d; }
    }
    storageBarrier();
    if (d != T(0)) {
      let w = n - j - 1u + k;
      for (var e = li; e < (n - j - 1u) * w; e += WG) {
        let r = j + 1u + e / w;
        let c = e % w;
        let l = A[a0 + r * n + j];
        if (c < n - j - 1u) {
          let cc = j + 1u + c;
          A[a0 + r * n + cc] = A[a0 + r * n + cc] - l * A[a0 + j * n + cc];
        } else {
          let cc = c - (n - j - 1u);
          B[b0 + r * k + cc] = B[b0 + r * k + cc] - l * B[b0 + j * k + cc];
        }
      }
    }
    storageBarrier();
  }
  if (mode >= 2u) {
    if (li == 0u) {
      for (var u = max(lo, n); u < min(hi, 2u * n); u++) {
        let i = u - n;
        if (i == 0u) {
          R[b] = select(T(1), T(-1), (SW[b] & 1u) == 1u);
          R[P[0] + b] = T(0);
        }
        let d = A[a0 + i * n + i];
        if (mode == 2u) {
          R[b] = R[b] * d;
        } else {
          R[b] = select(R[b], -R[b], d < T(0));
          R[P[0] + b] = R[P[0] + b] + lg(abs(d));
          if (i + 1u == n && S[b] == 1u) { R[b] = T(0); }
        }
      }
    }
    return;
  }
  for (var u = max(lo, n); u < min(hi, 2u * n); u++) {
    let j = 2u * n - 1u - u;
    let d = A[a0 + j * n + j];
    for (var c = li; c < k; c += WG) { B[b0 + j * k + c] = B[b0 + j * k + c] / d; }
    storageBarrier();
    for (var e = li; e < j * k; e += WG) {
      let r = e / k;
      let c = e % k;
      B[b0 + r * k + c] = B[b0 + r * k + c] - A[a0 + r * n + j] * B[b0 + j * k + c];
    }
    storageBarrier();
  }
}
"""


def _lu_source(T: str) -> str:
    return (prelude(T, [("A", "T", True), ("B", "T", True), ("S", "u32", True),
                        ("R", "T", True), ("SW", "u32", True)])
            + "var<workgroup> rv: array<T, WG>;\nvar<workgroup> ri: array<u32, WG>;\n"
            + LOG_T(T) + ENTRY + _LU_BODY)


def _lu_plan(n: int, k: int, mode: int, T: str) -> list[tuple[int, int]]:
    """Dispatch ranges of the LU units (pivot columns, then back-substitution or det rows)."""
    blocks = []
    for j in range(n):
        r = n - j - 1
        cost = 8 + per(n - j) + per(n) + per(k) + per(r) + per(r * (r + k))
        blocks.append((1, cost + (per(n * k) if j == 0 else 0)))
    if mode >= 2:
        blocks += [(1, 1 + (17 if T == "f64" else 1))] * n
    else:
        blocks += [(1, 1 + per(k) + per(j * k)) for j in range(n - 1, -1, -1)]
    return plan(blocks, per(n * k) + 2)


def _lu(a: StridedArray, b: StridedArray | None, mode: int):
    """Run the LU kernel on the stack ``a`` (and right-hand sides ``b``); returns
    (work copy of b or the identity's solution, status flags, R)."""
    rt = rt_of(a)
    T = compute_type(a)
    n = a.shape[-1]
    batch = matrix_batch(a, b) if b is not None else a.shape[:-2]
    nb = int(np.prod(batch, dtype=np.int64))
    A = work_copy(a, batch + (n, n))
    if b is not None:
        k = b.shape[-1]
        B = work_copy(b, batch + (n, k))
    elif mode == 1:
        k = n
        B = new(rt, batch + (n, n), a.dtype)
    else:
        k = 0
        B = new(rt, (1,), a.dtype)
    S = new(rt, batch, np.uint32)
    R = new(rt, (2 * nb,), a.dtype)
    SW = new(rt, (max(nb, 1),), np.uint32)
    for lo, hi in _lu_plan(n, k, mode, T):
        run_kernel(rt, ("lu", T), lambda: _lu_source(T), [nb, n, k, mode, lo, hi],
                   [A, B, S, R, SW], nb)
    return B, S, R


def linalg_solve(a: StridedArray, b: StridedArray) -> StridedArray:
    """``a @ x = b`` by LU; a singular ``a`` raises LinAlgError (reads the flags back)."""
    B, S, _ = _lu(a, b, 0)
    raise_if(S, "Singular matrix")
    return B


def linalg_inv(x: StridedArray) -> StridedArray:
    """Inverse by LU on the identity; a singular ``x`` raises LinAlgError (one sync)."""
    B, S, _ = _lu(x, None, 1)
    raise_if(S, "Singular matrix")
    return B


def linalg_det(x: StridedArray) -> StridedArray:
    """Product of U's diagonal times the pivot sign (0 for a singular matrix, no error)."""
    batch = x.shape[:-2]
    if x.shape[-1] == 0:
        return fill(rt_of(x), batch, 1.0, x.dtype)
    _, _, R = _lu(x, None, 2)
    return R.view(0, batch, contiguous_strides(batch))


def linalg_slogdet(x: StridedArray) -> tuple[StridedArray, StridedArray]:
    """(sign, log|det|) from U's diagonal; a singular matrix gives (0, -inf)."""
    rt = rt_of(x)
    batch = x.shape[:-2]
    if x.shape[-1] == 0:
        return fill(rt, batch, 1.0, x.dtype), fill(rt, batch, 0.0, x.dtype)
    _, _, R = _lu(x, None, 3)
    nb = int(np.prod(batch, dtype=np.int64))
    sign, logabs = new(rt, batch, x.dtype), new(rt, batch, x.dtype)
    size = nb * x.dtype.itemsize
    rt.copy(R.storage.buffer, 0, sign.storage.buffer, 0, size)
    rt.copy(R.storage.buffer, size, logabs.storage.buffer, 0, size)
    return sign, logabs


# -- Cholesky ----------------------------------------------------------------------------------
# P: [batch, n, upper, lo, hi]. Right-looking on the lower triangle of the work copy (the host
# passes the transpose for upper=True, so LAPACK's 'U' triangle is the one read); S[b] = 1 when
# a pivot is not > 0 (or NaN), as potrf's info > 0. Y gets L (or L^T), zeros elsewhere. Units:
# columns 0 .. n - 1, then the n * n output elements.
_CHOL_BODY = """
  let n = P[1];
  let lo = P[3];
  let hi = P[4];
  let a0 = b * n * n;
  if (lo == 0u && li == 0u) { S[b] = 0u; }
  for (var j = lo; j < min(hi, n); j++) {
    let d = A[a0 + j * n + j];
    if (!(d > T(0)) && li == 0u) { S[b] = 1u; }
    let l = sqrt(d);
    for (var i = j + 1u + li; i < n; i += WG) { A[a0 + i * n + j] = A[a0 + i * n + j] / l; }
    storageBarrier();
    if (li == 0u) { A[a0 + j * n + j] = l; }
    let w = n - j - 1u;
    for (var e = li; e < w * w; e += WG) {
      let r = j + 1u + e / w;
      let c = j + 1u + e % w;
      if (c <= r) { A[a0 + r * n + c] = A[a0 + r * n + c] - A[a0 + r * n + j] * A[a0 + c * n + j]; }
    }
    storageBarrier();
  }
  for (var u = max(lo, n) + li; u < min(hi, n + n * n); u += WG) {
    let e = u - n;
    let r = e / n;
    let c = e % n;
    let v = select(T(0), A[a0 + e], c <= r);
    if (P[2] == 1u) { Y[a0 + c * n + r] = v; } else { Y[a0 + e] = v; }
  }
}
"""


def _chol_source(T: str) -> str:
    return (prelude(T, [("A", "T", True), ("Y", "T", True), ("S", "u32", True)])
            + ENTRY + _CHOL_BODY)


def linalg_cholesky(x: StridedArray, upper: bool = False) -> StridedArray:
    """Cholesky factor; not positive definite raises LinAlgError (reads the flags back)."""
    rt = rt_of(x)
    T = compute_type(x)
    n = x.shape[-1]
    batch = x.shape[:-2]
    nb = int(np.prod(batch, dtype=np.int64))
    src = x.view(x.offset, x.shape, x.strides[:-2] + x.strides[-2:][::-1]) if upper else x
    A = work_copy(src, x.shape)
    Y = new(rt, x.shape, x.dtype)
    S = new(rt, batch, np.uint32)
    blocks = [(1, 2 + per(n - j - 1) + per((n - j - 1) ** 2)) for j in range(n)]
    for lo, hi in plan(blocks + waves(n * n, 1), 1):
        run_kernel(rt, ("cholesky", T), lambda: _chol_source(T), [nb, n, int(upper), lo, hi],
                   [A, Y, S], nb)
    raise_if(S, "Matrix is not positive definite")
    return Y


def make_kernels(dtypes) -> dict:
    """op name -> {dtype name: kernel} for float32 and float64 (core computes ints in the
    default float and refuses float16/bfloat16 in linalg, as NumPy does)."""
    floats = [d for d in ("float32", "float64") if d in dtypes]
    table = {"linalg_solve": linalg_solve, "linalg_inv": linalg_inv, "linalg_det": linalg_det,
             "linalg_slogdet": linalg_slogdet, "linalg_cholesky": linalg_cholesky}
    table.update(_linalg_qr.KERNELS)
    table.update(_linalg_sym.KERNELS)
    table.update(_linalg_svd.KERNELS)
    table.update(_linalg_eig.KERNELS)
    return {op: dict.fromkeys(floats, fn) for op, fn in table.items()}
