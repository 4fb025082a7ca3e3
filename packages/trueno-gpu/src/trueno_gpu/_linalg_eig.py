"""eig / eigvals of general real matrices on the GPU: Householder reduction to Hessenberg form,
Francis double-shift QR, eigenvectors by back-substitution (EISPACK's orthes + hqr2, as JAMA).

1. ``hess`` (one workgroup per matrix): the reduction, reflectors accumulated into Z; flags a
   non-finite input (NumPy refuses those).
2. ``qr`` rounds (one thread per matrix, 64 matrices a workgroup): double-shift sweeps with
   deflation, exceptional shifts, an iteration cap (flag: "did not converge"); a 2 x 2 block
   with real eigenvalues is split by a rotation, so their imaginary parts are exactly 0. A
   bulge chase is a chain of dependent 3 x 3 reflections: spread over a workgroup it would
   need ~3 barriers a step, thousands a matrix; one thread per matrix needs none.
3. ``vec`` (one workgroup per matrix): back-substitution on the quasi-triangular Schur form
   (one thread per eigenvector), back-transformation X = Z Y, then each vector scaled to unit
   2-norm with its largest component real, as LAPACK's dgeev.

Lavapipe (llvmpipe) stops every loop of an invocation once 65535 loop iterations in all have
run (its loop limiter), silently: the QR sweeps therefore run in rounds of at most ``_BUDGET``
inner-loop steps, their state (n, iteration, shift) kept in storage buffers, and the reduction
and the eigenvectors in chunks of columns / vectors / elements (``plan``, MAX_LOOP_STEPS).
Results are written complex-interleaved. NumPy returns real ``w``/``v``
when every eigenvalue of the stack is real (complex64/complex128 otherwise), so the host reads
the status flags back (one sync, as PyTorch's CUDA linalg does; more rounds, and syncs, only
for matrices still busy) and returns the real parts or the complex arrays. No balancing
(dgebal) is done. Complex input has no kernel.
"""

from __future__ import annotations

import numpy as np
from numpy.lib import NumpyVersion
from trueno.backend import StridedArray, contiguous_strides

from ._elementwise import launch, rt_of
from ._linalg_base import (
    ENTRY,
    compute_type,
    eps_of,
    new,
    per,
    plan,
    prelude,
    run_kernel,
    scalar_words,
    work_copy,
)
from ._linalg_eig_qr import BAD, BUSY, CPLX, FAIL, qr_source, vec_blocks, vec_source

__all__ = ["linalg_eig", "linalg_eigvals", "KERNELS"]

_BUDGET = 8000  # inner-loop steps of QR sweeps per dispatch (lavapipe's limit: 65535)
_MAX_ITS = 30  # iterations per eigenvalue: _MAX_ITS * max(10, n), as LAPACK's dlahqr

# -- 1. Hessenberg reduction -------------------------------------------------------------------
# P: [batch, n, vectors, k0, k1]: columns k0 .. k1 - 1 (the first chunk checks the input and
# sets Z = I, the status and the QR state). A: work copy -> H (zeros below the subdiagonal),
# Z: Q (vectors only), U: the reflector of the current column (n per matrix), S: status
# (BAD for inf/NaN input), Q: the QR state.
_HESS_BODY = """
  let n = P[1];
  let a0 = b * n * n;
  let u0 = b * n;
  let vec = P[2] == 1u;
  if (P[3] == 0u) {
    if (li == 0u) { atomicStore(&wbad, 0u); }
    workgroupBarrier();
    var bad = false;
    for (var e = li; e < n * n; e += WG) {
      let x = A[a0 + e];
      if (NONFINITE) { bad = true; }  // by the bits: x != x may be folded away
      if (vec) { Z[a0 + e] = select(T(0), T(1), e / n == e % n); }
    }
    if (bad) { atomicOr(&wbad, 1u); }
    workgroupBarrier();
    if (li == 0u) {
      S[b] = select(0u, BAD, atomicLoad(&wbad) != 0u);
      Q[6u * b] = 0u;
    }
    storageBarrier();
  }
  for (var k = P[3]; k + 2u < n && k < P[4]; k++) {
    let m = k + 1u;
    if (li == 0u) {
      var scale = T(0);
      for (var i = m; i < n; i++) { scale += abs(A[a0 + i * n + k]); }
      var h = T(0);
      if (scale != T(0)) {
        for (var i = m; i < n; i++) {
          let u = A[a0 + i * n + k] / scale;
          U[u0 + i] = u;
          h += u * u;
        }
        var g = sqrt(h);
        if (U[u0 + m] > T(0)) { g = -g; }
        h = h - U[u0 + m] * g;
        U[u0 + m] = U[u0 + m] - g;
        A[a0 + m * n + k] = scale * g;
        for (var i = m + 1u; i < n; i++) { A[a0 + i * n + k] = T(0); }
      }
      hh = h;
    }
    storageBarrier();
    let h = workgroupUniformLoad(&hh);
    if (h != T(0)) {
      for (var j = m + li; j < n; j += WG) {
        var f = T(0);
        for (var i = m; i < n; i++) { f += U[u0 + i] * A[a0 + i * n + j]; }
        f = f / h;
        for (var i = m; i < n; i++) { A[a0 + i * n + j] -= f * U[u0 + i]; }
      }
      storageBarrier();
      for (var i = li; i < n; i += WG) {
        var f = T(0);
        for (var j = m; j < n; j++) { f += A[a0 + i * n + j] * U[u0 + j]; }
        f = f / h;
        for (var j = m; j < n; j++) { A[a0 + i * n + j] -= f * U[u0 + j]; }
        if (vec) {
          var g = T(0);
          for (var j = m; j < n; j++) { g += Z[a0 + i * n + j] * U[u0 + j]; }
          g = g / h;
          for (var j = m; j < n; j++) { Z[a0 + i * n + j] -= g * U[u0 + j]; }
        }
      }
    }
    storageBarrier();
  }
}
"""


def _hess_source(T: str) -> str:
    test = ("(bitcast<u64>(x) & 0x7ffffffffffffffflu) >= 0x7ff0000000000000lu" if T == "f64"
            else "(bitcast<u32>(x) & 0x7fffffffu) >= 0x7f800000u")
    body = _HESS_BODY.replace("NONFINITE", test).replace("BAD", f"{BAD}u")
    return (prelude(T, [("A", "T", True), ("Z", "T", True), ("U", "T", True),
                        ("S", "u32", True), ("Q", "u32", True)])
            + "var<workgroup> hh: T;\nvar<workgroup> wbad: atomic<u32>;\n" + ENTRY + body)


# -- host --------------------------------------------------------------------------------------
def _real_part(rt, arr: StridedArray, shape) -> StridedArray:
    """A contiguous copy of the real parts of the complex-interleaved ``arr`` (``shape``)."""
    view = StridedArray(arr.storage, 0, shape, tuple(2 * s for s in contiguous_strides(shape)),
                        arr.dtype)
    out = new(rt, shape, arr.dtype)
    launch("copy", "x0", [view], out, rt)
    return out


# NumPy 2.5 made eig / eigvals always return complex arrays (numpy#30411); before, the result
# was real when every eigenvalue of the stack was real. The kernels follow the installed NumPy,
# as the reference backend does.
ALWAYS_COMPLEX = NumpyVersion(np.__version__) >= "2.5.0.dev0"


def _complex_of(dtype) -> np.dtype:
    return np.dtype(np.complex64 if dtype == np.float32 else np.complex128)


def _eig(x: StridedArray, vectors: bool):
    """(w, v or None): hess, QR rounds until no matrix is busy (a read-back each), vec."""
    from ._api import GpuDeviceAPI

    rt = rt_of(x)
    T = compute_type(x)
    n = x.shape[-1]
    batch = x.shape[:-2]
    nb = int(np.prod(batch, dtype=np.int64))
    if nb == 0 or n == 0:  # NumPy < 2.5: real results (no eigenvalue has an imaginary part)
        dt = _complex_of(x.dtype) if ALWAYS_COMPLEX else x.dtype
        return new(rt, batch + (n,), dt), (new(rt, x.shape, dt) if vectors else None)
    A = work_copy(x, x.shape)
    Z = new(rt, x.shape if vectors else (1,), x.dtype)
    U = new(rt, (nb, n), x.dtype)
    S = new(rt, (nb,), np.uint32)
    W = new(rt, (nb, n, 2), x.dtype)
    eps = eps_of(x.dtype)
    Q = new(rt, (nb, 6), np.uint32)
    F = new(rt, (nb, 2), x.dtype)
    hess = [(1, 4 + 3 * (n - k) + per(n - k - 1) * (2 * n - 2 * k - 1)
             + per(n) * (1 + (6 if vectors else 2) * (n - k - 1))) for k in range(n - 2)]
    for k0, k1 in plan(hess, per(n * n) + 2):
        run_kernel(rt, ("eig.hess", T), lambda: _hess_source(T),
                   [nb, n, int(vectors), k0, k1], [A, Z, U, S, Q], nb)
    meta = [nb, n, int(vectors), _MAX_ITS * max(10, n), _BUDGET] + scalar_words(eps, T)
    groups = -(-nb // 64)
    # Typical matrices need ~3 sweeps per eigenvalue pair; more rounds only when flagged busy.
    sweep = n * (2 * n + 4) * (2 if vectors else 1)
    rounds = -(-(2 * n + 4) * sweep // _BUDGET)
    while True:
        for _ in range(rounds):
            run_kernel(rt, ("eig.qr", T), lambda: qr_source(T), meta, [A, Z, W, S, Q, F],
                       groups)
        status = GpuDeviceAPI().to_numpy(S)
        if not (status & BUSY).any():
            break
        rounds *= 2
    if (status & BAD).any():
        raise np.linalg.LinAlgError("Array must not contain infs or NaNs")
    if (status & FAIL).any():
        raise np.linalg.LinAlgError("Eigenvalues did not converge")
    V = None
    if vectors:
        Y = new(rt, x.shape, x.dtype)
        V = new(rt, x.shape + (2,), x.dtype)
        for lo, hi in plan(vec_blocks(n), 2):
            run_kernel(rt, ("eig.vec", T), lambda: vec_source(T),
                       [nb, n] + scalar_words(eps, T) + [lo, hi], [A, Z, W, Y, V, F], nb)
    wshape = batch + (n,)
    if not ALWAYS_COMPLEX and not (status & CPLX).any():
        return _real_part(rt, W, wshape), (_real_part(rt, V, x.shape) if vectors else None)
    cdt = _complex_of(x.dtype)
    w = StridedArray(W.storage, 0, wshape, contiguous_strides(wshape), cdt)
    v = StridedArray(V.storage, 0, x.shape, contiguous_strides(x.shape), cdt) if vectors \
        else None
    return w, v


def linalg_eig(x: StridedArray) -> tuple[StridedArray, StridedArray]:
    """(eigenvalues, unit-norm right eigenvectors as columns): complex with NumPy >= 2.5; with
    an older NumPy real when every eigenvalue of the stack is real (one sync reads that back)."""
    return _eig(x, True)


def linalg_eigvals(x: StridedArray) -> StridedArray:
    """Eigenvalues: complex with NumPy >= 2.5; with an older NumPy real when every eigenvalue
    of the stack is real, else complex."""
    return _eig(x, False)[0]


KERNELS = {"linalg_eig": linalg_eig, "linalg_eigvals": linalg_eigvals}
