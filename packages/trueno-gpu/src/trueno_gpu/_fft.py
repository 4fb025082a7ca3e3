"""GPU kernels of the fft ops: complex FFTs along one axis at a time, batched over the others.

Every 1-D transform runs on a contiguous work array viewed as ``(outer, L, inner)``: the
transform axis in the middle, so neighbouring threads walk the contiguous ``inner`` axis and
no transposes are needed. Lengths that are powers of two take ``log2(L)`` Stockham radix-2
passes (one dispatch each, ping-pong between two buffers; up to ``FUSED_MAX`` all passes run in
one dispatch, a workgroup per line in workgroup memory); other lengths up to ``DIRECT_MAX``
a direct O(L^2) DFT; longer ones Bluestein's chirp-z transform through a power-of-two FFT.
Twiddles, chirps and the chirp filter's spectrum are computed on the host in float64 and
uploaded once per length (f64 transcendentals do not lower exactly in naga; the tables also
make the float32 transforms more accurate). Real transforms go through the complex ones:
rfft keeps the first ``n // 2 + 1`` terms, irfft/hfft build the Hermitian extension first.
"""

from __future__ import annotations

import math

import numpy as np
from trueno.backend import StridedArray

from ._api import GpuDeviceAPI
from ._codegen import LINEAR_ID, WG, new_array, scalar_bits, scalar_load
from ._complex import cast_expr, cheader, claunch, contiguous
from ._dtypes import DType, dtype_info, real_dtype
from ._elementwise import rt_of

__all__ = ["make_kernels", "fft_fftn", "fft_ifftn", "fft_rfftn", "fft_irfftn", "fft_hfft",
           "fft_ihfft", "DIRECT_MAX", "FUSED_MAX"]

DIRECT_MAX = 64  # non-power-of-two lengths up to this run the direct DFT, longer Bluestein
FUSED_MAX = 1024  # powers of two up to this (and within workgroup memory) run in one dispatch
_TABLES: dict = {}  # (device, kind, n, dtype, inverse) -> uploaded table (kept alive)
_API = GpuDeviceAPI()


# -- host-side tables --------------------------------------------------------------------------
def _table(rt, kind: str, n: int, cdt: DType, inverse: bool) -> StridedArray:
    """An uploaded complex table of ``cdt``: "tw" exp(-2 pi i t / n), t < n; "chirp"
    exp(-+ pi i t^2 / n), t < n; "bhat": the spectrum of Bluestein's filter (length m),
    divided by m."""
    key = (rt.index, kind, n, cdt.name, inverse)
    t = _TABLES.get(key)
    if t is None:
        sign = 1.0 if inverse else -1.0
        if kind == "tw":
            host = np.exp(sign * 2j * np.pi * np.arange(n) / n)
        else:
            j = np.arange(n, dtype=np.int64)
            chirp = np.exp(sign * 1j * np.pi * ((j * j) % (2 * n)) / n)
            if kind == "chirp":
                host = chirp
            else:
                m = _bluestein_len(n)
                b = np.zeros(m, np.complex128)
                b[:n] = np.conj(chirp)
                b[m - n + 1:] = np.conj(chirp[1:])[::-1]
                host = np.fft.fft(b) / m
        if len(_TABLES) > 256:
            _TABLES.clear()
        t = _TABLES[key] = _API.from_numpy(host.astype(cdt.host), rt.index)
    return t


def _bluestein_len(n: int) -> int:
    return 1 << (2 * n - 2).bit_length()


def _pow2(n: int) -> bool:
    return n & (n - 1) == 0


# -- shaders -----------------------------------------------------------------------------------
def _pass_source(cdt: DType, inverse: bool, direct: bool) -> str:
    """One Stockham radix-2 pass, or the direct DFT. Metadata: [total, L, inner, half, p,
    table stride, scale words] (radix-2) or [total, L, inner, scale words] (direct)."""
    k = cdt.tkey
    rd = real_dtype(cdt)
    t = cdt.compute
    w = "vec2(w.x, -w.y)" if inverse else "w"
    src = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
           f"@group(0) @binding(1) var<storage, read_write> Y: array<{t}>;",
           f"@group(0) @binding(2) var<storage, read> X: array<{t}>;",
           f"@group(0) @binding(3) var<storage, read> T: array<{t}>;",
           f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
           f"  let g = (wg.y * nwg.x + wg.x) * {WG}u + li;",
           "  if (g >= P[0]) { return; }",
           "  let L = P[1];",
           "  let inner = P[2];",
           "  let i = g % inner;",
           "  let r = g / inner;"]
    if direct:
        src += ["  let kk = r % L;",
                "  let base = (r / L) * L * inner + i;",
                f"  let s = {scalar_load(rd, 3)};",
                f"  var acc = {t}();",
                "  var idx = 0u;",
                "  for (var j = 0u; j < L; j = j + 1u) {",
                "    let w = T[idx];",
                f"    acc = acc + tc_mul_{k}(X[base + j * inner], {w});",
                "    idx = idx + kk;",
                "    if (idx >= L) { idx = idx - L; }",
                "  }",
                "  Y[base + kk * inner] = acc * s;", "}"]
    else:
        src += ["  let half = P[3];",
                "  let p = P[4];",
                "  let kk = r % half;",
                "  let base = (r / half) * L * inner + i;",
                f"  let s = {scalar_load(rd, 6)};",
                "  let q = kk & (p - 1u);",
                "  let w = T[q * P[5]];",
                "  let x0 = X[base + kk * inner];",
                f"  let x1 = tc_mul_{k}(X[base + (kk + half) * inner], {w});",
                "  let j = 2u * kk - q;",
                "  Y[base + j * inner] = (x0 + x1) * s;",
                "  Y[base + (j + p) * inner] = (x0 - x1) * s;", "}"]
    return cheader("\n".join(src))


def _fused_source(cdt: DType, inverse: bool, L: int, wgs: int) -> str:
    """A whole power-of-two transform of one line per workgroup, in workgroup memory (two
    halves of ``S`` for the ping-pong). Metadata: [lines, inner, scale words]."""
    k = cdt.tkey
    t = cdt.compute
    w = "vec2(w.x, -w.y)" if inverse else "w"
    src = ["@group(0) @binding(0) var<storage, read> P: array<u32>;",
           f"@group(0) @binding(1) var<storage, read_write> Y: array<{t}>;",
           f"@group(0) @binding(2) var<storage, read> X: array<{t}>;",
           f"@group(0) @binding(3) var<storage, read> T: array<{t}>;",
           f"var<workgroup> S: array<{t}, {2 * L}>;",
           f"@compute @workgroup_size({wgs})", f"fn main({LINEAR_ID}) {{",
           "  let line = wg.y * nwg.x + wg.x;",
           "  if (line >= P[0]) { return; }",
           "  let inner = P[1];",
           f"  let base = (line / inner) * {L}u * inner + line % inner;",
           f"  let s = {scalar_load(real_dtype(cdt), 2)};",
           f"  for (var e = li; e < {L}u; e = e + {wgs}u) {{ S[e] = X[base + e * inner]; }}",
           "  workgroupBarrier();",
           "  var a = 0u;",
           "  var b = " + f"{L}u;",
           f"  for (var p = 1u; p < {L}u; p = p << 1u) {{",
           f"    for (var g = li; g < {L // 2}u; g = g + {wgs}u) {{",
           "      let q = g & (p - 1u);",
           f"      let w = T[q * ({L // 2}u / p)];",
           "      let x0 = S[a + g];",
           f"      let x1 = tc_mul_{k}(S[a + g + {L // 2}u], {w});",
           "      let j = 2u * g - q;",
           "      S[b + j] = x0 + x1;",
           "      S[b + j + p] = x0 - x1;",
           "    }",
           "    workgroupBarrier();",
           "    let c = a;",
           "    a = b;",
           "    b = c;",
           "  }",
           f"  for (var e = li; e < {L}u; e = e + {wgs}u) {{",
           "    Y[base + e * inner] = S[a + e] * s;",
           "  }",
           "}"]
    return cheader("\n".join(src))


def _fused(rt, cdt: DType, L: int) -> bool:
    """Whether a length-``L`` power-of-two transform fits one workgroup's memory."""
    return 2 <= L <= FUSED_MAX and 2 * L * cdt.itemsize <= rt.workgroup_storage


def _dispatch(rt, cdt, inverse, direct, meta, y, x, table, total):
    key = ("fft_direct" if direct else "fft_r2", cdt.name, inverse)
    kernel = rt.kernel(key, lambda: _pass_source(cdt, inverse, direct), (True, False, False))
    rt.dispatch(kernel, meta, [y.storage.buffer, x.storage.buffer, table.storage.buffer],
                -(-total // WG), total * cdt.itemsize * 2)


# -- one axis ----------------------------------------------------------------------------------
def _along(a: StridedArray, ax: int, start: int, length: int, step: int = 1) -> StridedArray:
    """The view of ``a`` along axis ``ax``: ``length`` elements from ``start`` by ``step``."""
    shape = list(a.shape)
    strides = list(a.strides)
    shape[ax] = length
    off = a.offset + start * strides[ax]
    strides[ax] *= step
    return StridedArray(a.storage, off, shape, strides, a.dtype)


def _zeros(rt, shape, dtype) -> StridedArray:
    out = new_array(rt, shape, dtype)
    rt.fill_zero(out.storage.buffer, out.size * dtype_info(dtype).itemsize)
    return out


def _scaled(rt, a: StridedArray, scale: float) -> StridedArray:
    if scale == 1.0:
        return a
    rd = real_dtype(dtype_info(a.dtype))
    return claunch("fft_scale", "x0 * x1", [a, (scale, rd.host)],
                   new_array(rt, a.shape, a.dtype), rt)


def _lines(rt, w: StridedArray, outer: int, L: int, inner: int, inverse: bool,
           scale: float) -> StridedArray:
    """The transforms of length ``L`` of contiguous ``w`` viewed as (outer, L, inner), times
    ``scale``: a new contiguous array of ``w``'s shape (or ``w`` itself)."""
    cdt = dtype_info(w.dtype)
    total = outer * L * inner
    if L == 1 or total == 0:
        return _scaled(rt, w, scale)
    if _pow2(L) and _fused(rt, cdt, L):
        table = _table(rt, "tw", L, cdt, False)
        out = new_array(rt, w.shape, w.dtype)
        wgs = min(WG, L // 2)
        kernel = rt.kernel(("fft_fused", cdt.name, inverse, L),
                           lambda: _fused_source(cdt, inverse, L, wgs), (True, False, False))
        lines = outer * inner
        rt.dispatch(kernel, [lines, inner] + scalar_bits(scale, real_dtype(cdt)),
                    [out.storage.buffer, w.storage.buffer, table.storage.buffer], lines,
                    total * cdt.itemsize * 2)
        return out
    if _pow2(L):
        table = _table(rt, "tw", L, cdt, False)
        half = L // 2
        bufs = [w, new_array(rt, w.shape, w.dtype)]  # ping-pong: pass j reads bufs[j % 2]
        p, j = 1, 0
        while p < L:
            s = scale if 2 * p == L else 1.0
            meta = [outer * half * inner, L, inner, half, p, L // (2 * p)]
            _dispatch(rt, cdt, inverse, False, meta + scalar_bits(s, real_dtype(cdt)),
                      bufs[1 - j % 2], bufs[j % 2], table, outer * half * inner)
            p, j = 2 * p, j + 1
        return bufs[j % 2]
    if L <= DIRECT_MAX:
        out = new_array(rt, w.shape, w.dtype)
        meta = [total, L, inner] + scalar_bits(scale, real_dtype(cdt))
        _dispatch(rt, cdt, inverse, True, meta, out, w, _table(rt, "tw", L, cdt, False), total)
        return out
    # Bluestein: y = c * ((w * c) conv conj(c)), the convolution through length-m FFTs.
    m = _bluestein_len(L)
    chirp = _table(rt, "chirp", L, cdt, inverse)
    cview = StridedArray(chirp.storage, chirp.offset, (1, L, 1), (0, 1, 0), chirp.dtype)
    bhat = _table(rt, "bhat", L, cdt, inverse)
    bview = StridedArray(bhat.storage, bhat.offset, (1, m, 1), (0, 1, 0), bhat.dtype)
    k = cdt.tkey
    a = _zeros(rt, (outer, m, inner), w.dtype)
    w3 = StridedArray(w.storage, w.offset, (outer, L, inner), (L * inner, inner, 1), w.dtype)
    claunch("fft_chirp", f"tc_mul_{k}(x0, x1)", [w3, cview], _along(a, 1, 0, L), rt)
    a = _lines(rt, a, outer, m, inner, False, 1.0)
    a = claunch("fft_chirp", f"tc_mul_{k}(x0, x1)", [a, bview],
                new_array(rt, a.shape, a.dtype), rt)
    a = _lines(rt, a, outer, m, inner, True, 1.0)
    rd = real_dtype(cdt)
    out = new_array(rt, w.shape, w.dtype)
    out3 = StridedArray(out.storage, 0, (outer, L, inner), (L * inner, inner, 1), out.dtype)
    claunch("fft_chirp_out", f"tc_mul_{k}(x0, x1) * x2",
            [_along(a, 1, 0, L), cview, (scale, rd.host)], out3, rt)
    return out


def _c2c(x: StridedArray, ax: int, n: int, inverse: bool, scale: float, cdtype,
         conj: bool = False) -> StridedArray:
    """The complex FFT of ``x`` (any dtype, any strides) along ``ax``, cropped or zero-padded
    to ``n``; ``conj`` conjugates the input first. A new contiguous ``cdtype`` array."""
    rt = rt_of(x)
    shape = list(x.shape)
    m, shape[ax] = shape[ax], n
    kk = min(m, n)
    w = _zeros(rt, shape, cdtype) if kk < n else new_array(rt, shape, cdtype)
    cdt = dtype_info(cdtype)
    expr = cast_expr(dtype_info(x.dtype), cdt)
    if conj:
        expr = f"{cdt.compute}(({expr}).x, -({expr}).y)"
    if kk:
        claunch("fft_in", expr, [_along(x, ax, 0, kk)], _along(w, ax, 0, kk), rt)
    return _lines(rt, w, math.prod(shape[:ax]), n, math.prod(shape[ax + 1:]), inverse, scale)


def _c2r(x: StridedArray, ax: int, n: int, scale: float, cdtype, conj: bool) -> StridedArray:
    """The real inverse FFT of Hermitian ``x`` along ``ax`` to length ``n`` (irfft; with
    ``conj``, of conj(x): hfft). A new contiguous real array."""
    rt = rt_of(x)
    cdt = dtype_info(cdtype)
    shape = list(x.shape)
    m, shape[ax] = shape[ax], n
    h = n // 2
    k1 = min(h + 1, m)
    j0 = max(h + 1, n - m + 1)
    z = _zeros(rt, shape, cdtype) if k1 < h + 1 or j0 > h + 1 else new_array(rt, shape, cdtype)
    base = cast_expr(dtype_info(x.dtype), cdt)
    conj_expr = f"{cdt.compute}(({base}).x, -({base}).y)"
    claunch("fft_herm", conj_expr if conj else base, [_along(x, ax, 0, k1)],
            _along(z, ax, 0, k1), rt)
    if j0 < n:  # z[j] = conj(x[n - j]) for j > n // 2
        claunch("fft_herm", base if conj else conj_expr, [_along(x, ax, n - j0, n - j0, -1)],
                _along(z, ax, j0, n - j0), rt)
    y = _lines(rt, z, math.prod(shape[:ax]), n, math.prod(shape[ax + 1:]), True, scale)
    rd = real_dtype(cdt)
    return claunch("fft_real", "x0.x", [y], new_array(rt, y.shape, rd.host), rt)


# -- the ops -----------------------------------------------------------------------------------
def _cdtype(x: StridedArray):
    return np.dtype(np.complex128 if x.dtype in (np.float64, np.complex128) else np.complex64)


def _scale(norm: str, n: int, inverse: bool) -> float:
    if norm == "ortho":
        return 1.0 / math.sqrt(n)
    return 1.0 / n if (norm == "forward") != inverse else 1.0


_SWAP = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _shape(x, s, axes):
    return [x.shape[a] for a in axes] if s is None else list(s)


def _complex_nd(x, s, axes, norm, inverse):
    cd = _cdtype(x)
    for n, ax in zip(_shape(x, s, axes), axes):
        x = _c2c(x, ax, n, inverse, _scale(norm, n, inverse), cd)
    return x


def fft_fftn(x: StridedArray, s, axes, norm: str) -> StridedArray:
    """The complex FFT over ``axes`` (lengths ``s``)."""
    return _complex_nd(x, s, axes, norm, False)


def fft_ifftn(x: StridedArray, s, axes, norm: str) -> StridedArray:
    """The inverse complex FFT over ``axes`` (lengths ``s``)."""
    return _complex_nd(x, s, axes, norm, True)


def _rfft(x, n, ax, norm):
    """The first ``n // 2 + 1`` terms of the FFT of real ``x`` along ``ax`` (a view)."""
    y = _c2c(x, ax, n, False, _scale(norm, n, False), _cdtype(x))
    return _along(y, ax, 0, n // 2 + 1)


def fft_rfftn(x: StridedArray, s, axes, norm: str) -> StridedArray:
    """The FFT of real ``x`` over ``axes``; the last axis keeps ``n // 2 + 1`` terms."""
    ns = _shape(x, s, axes)
    y = _rfft(x, ns[-1], axes[-1], norm)
    for n, ax in zip(ns[:-1], axes[:-1]):
        y = _c2c(y, ax, n, False, _scale(norm, n, False), y.dtype)
    return y if y.is_contiguous() and y.offset == 0 else contiguous(y)


def fft_irfftn(x: StridedArray, s, axes, norm: str) -> StridedArray:
    """The inverse of ``fft_rfftn``: a real result, last axis ``s[-1]`` (default 2 (m - 1))."""
    ns = _shape(x, s, axes)
    if s is None:
        ns[-1] = 2 * (x.shape[axes[-1]] - 1)
    cd = _cdtype(x)
    for n, ax in zip(ns[:-1], axes[:-1]):
        x = _c2c(x, ax, n, True, _scale(norm, n, True), cd)
    return _c2r(x, axes[-1], ns[-1], _scale(norm, ns[-1], True), cd, False)


def fft_hfft(x: StridedArray, n, axis: int, norm: str) -> StridedArray:
    """The FFT of a Hermitian-symmetric signal: real, length ``n`` (default 2 (m - 1))."""
    n = 2 * (x.shape[axis] - 1) if n is None else n
    return _c2r(x, axis, n, _scale(_SWAP[norm], n, True), _cdtype(x), True)


def fft_ihfft(x: StridedArray, n, axis: int, norm: str) -> StridedArray:
    """The inverse of ``fft_hfft``: conj(rfft(x)) with the opposite normalisation."""
    n = x.shape[axis] if n is None else n
    y = _rfft(x, n, axis, _SWAP[norm])
    rt = rt_of(y)
    return claunch("fft_conj", "vec2(x0.x, -x0.y)", [y], new_array(rt, y.shape, y.dtype), rt)


def make_kernels(dtypes=None) -> dict:
    """op name -> {dtype name: kernel}: float32/complex64 and float64/complex128."""
    real, cplx = ("float32", "float64"), ("complex64", "complex128")
    return {
        "fft_fftn": dict.fromkeys(real + cplx, fft_fftn),
        "fft_ifftn": dict.fromkeys(real + cplx, fft_ifftn),
        "fft_rfftn": dict.fromkeys(real, fft_rfftn),
        "fft_irfftn": dict.fromkeys(real + cplx, fft_irfftn),
        "fft_hfft": dict.fromkeys(real + cplx, fft_hfft),
        "fft_ihfft": dict.fromkeys(real, fft_ihfft),
    }
