"""WGSL of eig's QR rounds and eigenvectors (EISPACK's hqr2, as in JAMA); see _linalg_eig.

``H[i][j]`` in the bodies is the Hessenberg / Schur matrix in A, ``V[i][j]`` the accumulated
transformations in Z, ``Y[i][j]`` the Schur form's eigenvectors, ``d[i]`` / ``e[i]`` the real /
imaginary parts of eigenvalue i in W; ``_macros`` turns them into buffer indexing.
"""

from __future__ import annotations

import re

from ._linalg_base import ENTRY, LWG, prelude, scal_fn, waves

__all__ = ["qr_source", "vec_source", "vec_blocks", "FAIL", "CPLX", "BAD", "BUSY"]

# status bits: no convergence, complex eigenvalues, non-finite input, QR sweeps still to do
FAIL, CPLX, BAD, BUSY = 1, 2, 4, 8


def _macros(src: str) -> str:
    """``H[i][j]`` / ``V[i][j]`` / ``Y[i][j]`` -> entries in A / Z / Y; ``d[i]`` / ``e[i]`` ->
    the real / imaginary parts of eigenvalue i in W (all indices i32)."""
    src = re.sub(r"\bH\[([^\[\]]+)\]\[([^\[\]]+)\]", r"A[a0 + (\1) * nn + (\2)]", src)
    src = re.sub(r"\bV\[([^\[\]]+)\]\[([^\[\]]+)\]", r"Z[a0 + (\1) * nn + (\2)]", src)
    src = re.sub(r"\bY\[([^\[\]]+)\]\[([^\[\]]+)\]", r"Y[a0 + (\1) * nn + (\2)]", src)
    src = re.sub(r"\bd\[([^\[\]]+)\]", r"W[w0 + 2 * (\1)]", src)
    return re.sub(r"\be\[([^\[\]]+)\]", r"W[w0 + 2 * (\1) + 1]", src)


# -- 2. double-shift QR (one thread per matrix) -------------------------------------------------
# P: [batch, n, vectors, max iterations, budget, eps (T)]. Each dispatch runs sweeps until
# ``budget`` inner-loop steps are spent, pausing a long bulge chase between two of its steps;
# Q: per matrix (state: 0 new, 1 busy, 2 done, 3 failed; n; iter; a paused chase's next step
# k, its l and m), F: (exshift, norm). W: eigenvalues (re, im); S: status bits |
# dispatches seen << 8. With vectors, V (= Z) accumulates the transformations; H ends as the
# quasi-triangular Schur form T (2 x 2 blocks for complex pairs).
_QR_BODY = """
  let q0 = b * 6u;
  if ((S[b] & BAD) != 0u || Q[q0] >= 2u) { return; }
  let nn = i32(P[1]);
  let a0 = i32(b) * nn * nn;
  let w0 = i32(b) * nn * 2;
  let vec = P[2] == 1u;
  let maxit = i32(P[3]);
  let budget = i32(P[4]);
  let eps = scal(5u);
  var n = nn - 1;
  var iter = 0;
  var rk = -1;  // a bulge chase paused before step rk (of the sweep with l = rl, m = rm)
  var rl = 0;
  var rm = 0;
  var exshift = T(0);
  var norm = T(0);
  if (Q[q0] == 0u) {
    for (var i = 0; i < nn; i++) {
      for (var j = max(i - 1, 0); j < nn; j++) { norm += abs(H[i][j]); }
    }
  } else {
    n = bitcast<i32>(Q[q0 + 1u]);
    iter = bitcast<i32>(Q[q0 + 2u]);
    rk = bitcast<i32>(Q[q0 + 3u]);
    rl = bitcast<i32>(Q[q0 + 4u]);
    rm = bitcast<i32>(Q[q0 + 5u]);
    exshift = F[2u * b];
    norm = F[2u * b + 1u];
  }
  var work = 0;
  var fail = 0u;
  var p = T(0);
  var q = T(0);
  var r = T(0);
  var s = T(0);
  var z = T(0);
  var w = T(0);
  var x = T(0);
  var y = T(0);
  while (n >= 0 && work < budget) {
    work += nn;
    var l = n;
    var m = 0;
    var k0 = -1;
    if (rk >= 0) {
      l = rl;
      m = rm;
      k0 = rk;
      rk = -1;
    } else {
    while (l > 0) {
      s = abs(H[l - 1][l - 1]) + abs(H[l][l]);
      if (s == T(0)) { s = norm; }
      if (abs(H[l][l - 1]) <= eps * s) { break; }
      l--;
    }
    if (l == n) {
      H[n][n] = H[n][n] + exshift;
      d[n] = H[n][n];
      e[n] = T(0);
      n--;
      iter = 0;
    } else if (l == n - 1) {
      w = H[n][n - 1] * H[n - 1][n];
      p = (H[n - 1][n - 1] - H[n][n]) / T(2);
      q = p * p + w;
      z = sqrt(abs(q));
      H[n][n] = H[n][n] + exshift;
      H[n - 1][n - 1] = H[n - 1][n - 1] + exshift;
      x = H[n][n];
      if (q >= T(0)) {
        if (p >= T(0)) { z = p + z; } else { z = p - z; }
        d[n - 1] = x + z;
        d[n] = x + z;
        if (z != T(0)) { d[n] = x - w / z; }
        e[n - 1] = T(0);
        e[n] = T(0);
        x = H[n][n - 1];
        s = abs(x) + abs(z);
        p = x / s;
        q = z / s;
        r = sqrt(p * p + q * q);
        p = p / r;
        q = q / r;
        for (var j = n - 1; j < nn; j++) {
          z = H[n - 1][j];
          H[n - 1][j] = q * z + p * H[n][j];
          H[n][j] = q * H[n][j] - p * z;
        }
        work += 3 * nn;
        for (var i = 0; i <= n; i++) {
          z = H[i][n - 1];
          H[i][n - 1] = q * z + p * H[i][n];
          H[i][n] = q * H[i][n] - p * z;
        }
        if (vec) {
          for (var i = 0; i < nn; i++) {
            z = V[i][n - 1];
            V[i][n - 1] = q * z + p * V[i][n];
            V[i][n] = q * V[i][n] - p * z;
          }
        }
      } else {
        d[n - 1] = x + p;
        d[n] = x + p;
        e[n - 1] = z;
        e[n] = -z;
      }
      n = n - 2;
      iter = 0;
    } else {
      if (iter >= maxit) {
        fail = FAIL;
        break;
      }
      x = H[n][n];
      y = H[n - 1][n - 1];
      w = H[n][n - 1] * H[n - 1][n];
      if (iter == 10) {  // Wilkinson's ad hoc shift
        exshift += x;
        for (var i = 0; i <= n; i++) { H[i][i] -= x; }
        s = abs(H[n][n - 1]) + abs(H[n - 1][n - 2]);
        x = T(0.75) * s;
        y = x;
        w = T(-0.4375) * s * s;
      }
      if (iter == 30) {  // MATLAB's ad hoc shift
        s = (y - x) / T(2);
        s = s * s + w;
        if (s > T(0)) {
          s = sqrt(s);
          if (y < x) { s = -s; }
          s = x - w / ((y - x) / T(2) + s);
          for (var i = 0; i <= n; i++) { H[i][i] -= s; }
          exshift += s;
          x = T(0.964);
          y = x;
          w = x;
        }
      }
      iter++;
      m = n - 2;
      loop {
        z = H[m][m];
        r = x - z;
        s = y - z;
        p = (r * s - w) / H[m + 1][m] + H[m][m + 1];
        q = H[m + 1][m + 1] - z - r - s;
        r = H[m + 2][m + 1];
        s = abs(p) + abs(q) + abs(r);
        p = p / s;
        q = q / s;
        r = r / s;
        if (m == l) { break; }
        if (abs(H[m][m - 1]) * (abs(q) + abs(r)) <
            eps * (abs(p) * (abs(H[m - 1][m - 1]) + abs(z) + abs(H[m + 1][m + 1])))) {
          break;
        }
        m--;
      }
      for (var i = m + 2; i <= n; i++) {
        H[i][i - 2] = T(0);
        if (i > m + 2) { H[i][i - 3] = T(0); }
      }
      k0 = m;
    }
    }
    if (k0 >= 0) {
      for (var k = k0; k <= n - 1; k++) {
        if (k > k0 && work >= budget) {  // resumable: p, q, r, x are re-read from H at k > m
          rk = k;
          rl = l;
          rm = m;
          break;
        }
        let notlast = k != n - 1;
        work += nn - k + min(n, k + 3) + 1 + select(0, nn, vec);
        if (k != m) {
          p = H[k][k - 1];
          q = H[k + 1][k - 1];
          r = T(0);
          if (notlast) { r = H[k + 2][k - 1]; }
          x = abs(p) + abs(q) + abs(r);
          if (x == T(0)) { continue; }
          p = p / x;
          q = q / x;
          r = r / x;
        }
        s = sqrt(p * p + q * q + r * r);
        if (p < T(0)) { s = -s; }
        if (s != T(0)) {
          if (k != m) {
            H[k][k - 1] = -s * x;
          } else if (l != m) {
            H[k][k - 1] = -H[k][k - 1];
          }
          p = p + s;
          x = p / s;
          y = q / s;
          z = r / s;
          q = q / p;
          r = r / p;
          for (var j = k; j < nn; j++) {
            p = H[k][j] + q * H[k + 1][j];
            if (notlast) {
              p = p + r * H[k + 2][j];
              H[k + 2][j] = H[k + 2][j] - p * z;
            }
            H[k][j] = H[k][j] - p * x;
            H[k + 1][j] = H[k + 1][j] - p * y;
          }
          for (var i = 0; i <= min(n, k + 3); i++) {
            p = x * H[i][k] + y * H[i][k + 1];
            if (notlast) {
              p = p + z * H[i][k + 2];
              H[i][k + 2] = H[i][k + 2] - p * r;
            }
            H[i][k] = H[i][k] - p;
            H[i][k + 1] = H[i][k + 1] - p * q;
          }
          if (vec) {
            for (var i = 0; i < nn; i++) {
              p = x * V[i][k] + y * V[i][k + 1];
              if (notlast) {
                p = p + z * V[i][k + 2];
                V[i][k + 2] = V[i][k + 2] - p * r;
              }
              V[i][k] = V[i][k] - p;
              V[i][k + 1] = V[i][k + 1] - p * q;
            }
          }
        }
      }
    }
  }
  Q[q0 + 1u] = bitcast<u32>(n);
  Q[q0 + 2u] = bitcast<u32>(iter);
  Q[q0 + 3u] = bitcast<u32>(rk);
  Q[q0 + 4u] = bitcast<u32>(rl);
  Q[q0 + 5u] = bitcast<u32>(rm);
  F[2u * b] = exshift;
  F[2u * b + 1u] = norm;
  if (fail != 0u) {
    Q[q0] = 3u;
    S[b] = FAIL;
  } else if (n >= 0) {
    Q[q0] = 1u;
    S[b] = BUSY;
  } else {
    Q[q0] = 2u;
    var cplx = 0u;
    for (var i = 0; i < nn; i++) { if (e[i] != T(0)) { cplx = CPLX; } }
    S[b] = cplx;
  }
}
"""

_CDIV = """fn cdiv(xr: T, xi: T, yr: T, yi: T) -> vec2<T> {
  if (abs(yr) > abs(yi)) {
    let r = yi / yr;
    let d = yr + r * yi;
    return vec2<T>((xr + r * xi) / d, (xi - r * xr) / d);
  }
  let r = yr / yi;
  let d = yi + r * yr;
  return vec2<T>((r * xr + xi) / d, (r * xi - xr) / d);
}
"""

_THREAD_ENTRY = ("@compute @workgroup_size(64)\n"
                 "fn main(@builtin(workgroup_id) wg: vec3<u32>, "
                 "@builtin(num_workgroups) nwg: vec3<u32>, "
                 "@builtin(local_invocation_index) li: u32) {\n"
                 "  let b = (wg.y * nwg.x + wg.x) * WG + li;\n"
                 "  if (b >= P[0]) { return; }\n")


# -- 3. eigenvectors (one workgroup per matrix) -------------------------------------------------
# P: [batch, n, eps (T), lo, hi]: units lo .. hi - 1 of: the n eigenvectors of T, the n * n
# elements of X = Z Y, the n columns to normalise. Back-substitution on T (one thread per
# eigenvector; a complex pair's thread, the one of its second column, writes both columns of
# Y: real and imaginary parts of the vector of d[j] + i e[j], e[j] > 0), then X = Z Y (into
# A), then V: complex-interleaved vectors of unit 2-norm; a complex pair's vector is turned so
# its largest component is real (with the sign of its real part), as dgeev does (dlartg +
# drot).
_VEC_BODY = """
  let nn = i32(P[1]);
  let a0 = i32(b) * nn * nn;
  let w0 = i32(b) * nn * 2;
  let eps = scal(2u);
  let norm = F[2u * b + 1u];
  var p = T(0);
  var q = T(0);
  var r = T(0);
  var s = T(0);
  var z = T(0);
  var t = T(0);
  var w = T(0);
  var x = T(0);
  var y = T(0);
  for (var cu = P[4] + li; cu < min(P[5], P[1]); cu += WG) {
    let n = i32(cu);
    if (norm == T(0)) {  // the zero matrix: Y = I
      for (var i = 0; i < n; i++) { Y[i][n] = T(0); }
      Y[n][n] = T(1);
      continue;
    }
    p = d[n];
    q = e[n];
    if (q == T(0)) {
      var l = n;
      Y[n][n] = T(1);
      for (var i = n - 1; i >= 0; i--) {
        w = H[i][i] - p;
        r = T(0);
        for (var j = l; j <= n; j++) { r = r + H[i][j] * Y[j][n]; }
        if (e[i] < T(0)) {
          z = w;
          s = r;
        } else {
          l = i;
          if (e[i] == T(0)) {
            if (w != T(0)) { Y[i][n] = -r / w; } else { Y[i][n] = -r / (eps * norm); }
          } else {
            x = H[i][i + 1];
            y = H[i + 1][i];
            q = (d[i] - p) * (d[i] - p) + e[i] * e[i];
            t = (x * s - z * r) / q;
            Y[i][n] = t;
            if (abs(x) > abs(z)) {
              Y[i + 1][n] = (-r - w * t) / x;
            } else {
              Y[i + 1][n] = (-s - y * t) / z;
            }
          }
          t = abs(Y[i][n]);
          if ((eps * t) * t > T(1)) {
            for (var j = i; j <= n; j++) { Y[j][n] = Y[j][n] / t; }
          }
        }
      }
    } else if (q < T(0)) {
      var l = n - 1;
      if (abs(H[n][n - 1]) > abs(H[n - 1][n])) {
        Y[n - 1][n - 1] = q / H[n][n - 1];
        Y[n - 1][n] = -(H[n][n] - p) / H[n][n - 1];
      } else {
        let c = cdiv(T(0), -H[n - 1][n], H[n - 1][n - 1] - p, q);
        Y[n - 1][n - 1] = c.x;
        Y[n - 1][n] = c.y;
      }
      Y[n][n - 1] = T(0);
      Y[n][n] = T(1);
      for (var i = n - 2; i >= 0; i--) {
        var ra = T(0);
        var sa = T(0);
        for (var j = l; j <= n; j++) {
          ra = ra + H[i][j] * Y[j][n - 1];
          sa = sa + H[i][j] * Y[j][n];
        }
        w = H[i][i] - p;
        if (e[i] < T(0)) {
          z = w;
          r = ra;
          s = sa;
        } else {
          l = i;
          if (e[i] == T(0)) {
            let c = cdiv(-ra, -sa, w, q);
            Y[i][n - 1] = c.x;
            Y[i][n] = c.y;
          } else {
            x = H[i][i + 1];
            y = H[i + 1][i];
            var vr = (d[i] - p) * (d[i] - p) + e[i] * e[i] - q * q;
            let vi = (d[i] - p) * T(2) * q;
            if (vr == T(0) && vi == T(0)) {
              vr = eps * norm * (abs(w) + abs(q) + abs(x) + abs(y) + abs(z));
            }
            let c = cdiv(x * r - z * ra + q * sa, x * s - z * sa - q * ra, vr, vi);
            Y[i][n - 1] = c.x;
            Y[i][n] = c.y;
            if (abs(x) > abs(z) + abs(q)) {
              Y[i + 1][n - 1] = (-ra - w * Y[i][n - 1] + q * Y[i][n]) / x;
              Y[i + 1][n] = (-sa - w * Y[i][n] - q * Y[i][n - 1]) / x;
            } else {
              let c2 = cdiv(-r - y * Y[i][n - 1], -s - y * Y[i][n], z, q);
              Y[i + 1][n - 1] = c2.x;
              Y[i + 1][n] = c2.y;
            }
          }
          t = max(abs(Y[i][n - 1]), abs(Y[i][n]));
          if ((eps * t) * t > T(1)) {
            for (var j = i; j <= n; j++) {
              Y[j][n - 1] = Y[j][n - 1] / t;
              Y[j][n] = Y[j][n] / t;
            }
          }
        }
      }
    }
  }
  storageBarrier();
  let n = P[1];
  let a0u = b * n * n;
  let w0u = b * n * 2u;
  let lo = P[4];
  let hi = P[5];
  for (var u = max(lo, n) + li; u < min(hi, n + n * n); u += WG) {
    let e = u - n;
    let i = e / n;
    let j = e % n;
    var s = T(0);
    for (var k = 0u; k <= j; k++) { s += Z[a0u + i * n + k] * Y[a0u + k * n + j]; }
    A[a0u + e] = s;
  }
  storageBarrier();
  for (var u = max(lo, n + n * n) + li; u < min(hi, 2u * n + n * n); u += WG) {
    let j = u - n - n * n;
    let wi = W[w0u + 2u * j + 1u];
    if (wi < T(0)) { continue; }
    let pair = wi > T(0);
    let j2 = select(j, j + 1u, pair);
    var mx = T(0);
    for (var i = 0u; i < n; i++) {
      mx = max(mx, abs(A[a0u + i * n + j]));
      if (pair) { mx = max(mx, abs(A[a0u + i * n + j2])); }
    }
    var ss = T(0);
    if (mx > T(0)) {
      for (var i = 0u; i < n; i++) {
        let u = A[a0u + i * n + j] / mx;
        ss += u * u;
        if (pair) {
          let v = A[a0u + i * n + j2] / mx;
          ss += v * v;
        }
      }
    }
    let scl = select(T(1), T(1) / (mx * sqrt(ss)), mx > T(0));
    var c = T(1);
    var sn = T(0);
    var kmax = n;
    if (pair) {
      var best = T(-1);
      for (var i = 0u; i < n; i++) {
        let u = A[a0u + i * n + j] * scl;
        let v = A[a0u + i * n + j2] * scl;
        let m2 = u * u + v * v;
        if (m2 > best) { best = m2; kmax = i; }
      }
      let f = A[a0u + kmax * n + j] * scl;
      let g = A[a0u + kmax * n + j2] * scl;
      let dd = sqrt(f * f + g * g);
      if (dd > T(0)) {
        c = abs(f) / dd;
        sn = g / select(-dd, dd, f >= T(0));
      }
    }
    for (var i = 0u; i < n; i++) {
      let u = A[a0u + i * n + j] * scl;
      let o = 2u * (a0u + i * n + j);
      if (pair) {
        let v = A[a0u + i * n + j2] * scl;
        let re = c * u + sn * v;
        let im = select(c * v - sn * u, T(0), i == kmax);
        V[o] = re;
        V[o + 1u] = im;
        V[o + 2u] = re;
        V[o + 3u] = -im;
      } else {
        V[o] = u;
        V[o + 1u] = T(0);
      }
    }
  }
}
"""



def qr_source(T: str) -> str:
    """WGSL of the QR rounds (one thread per matrix)."""
    body = _macros(_QR_BODY).replace("BAD", f"{BAD}u").replace("FAIL", f"{FAIL}u")
    body = body.replace("CPLX", f"{CPLX}u").replace("BUSY", f"{BUSY}u")
    return (prelude(T, [("A", "T", True), ("Z", "T", True), ("W", "T", True),
                        ("S", "u32", True), ("Q", "u32", True), ("F", "T", True)])
            + scal_fn(T) + _THREAD_ENTRY + body)


def vec_blocks(n: int) -> list[tuple[int, int]]:
    """Units of the eigenvector kernel with their loop counts (for ``plan``): vector i's
    back-substitution runs about i^2 + 4i iterations (rescaling included)."""
    blocks = [(min(LWG, n - e), (min(e + LWG, n) + 2) ** 2 + 6) for e in range(0, n, LWG)]
    return blocks + waves(n * n, n + 1) + waves(n, 4 * n + 2)


def vec_source(T: str) -> str:
    """WGSL of the eigenvectors (one workgroup per matrix)."""
    return (prelude(T, [("A", "T", True), ("Z", "T", True), ("W", "T", True),
                        ("Y", "T", True), ("V", "T", True), ("F", "T", True)])
            + scal_fn(T) + _CDIV + ENTRY + _macros(_VEC_BODY))

