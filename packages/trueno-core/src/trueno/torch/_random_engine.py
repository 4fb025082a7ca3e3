"""PyTorch's CPU generator, reproduced bit for bit: an mt19937 plus ATen's transforms.

The state transition is the one of ``at::mt19937`` (aten/src/ATen/core/MT19937RNGEngine.h),
which is the reference mt19937 that NumPy's ``MT19937`` bit generator also implements: the
engine here is a NumPy ``MT19937`` whose key is set by PyTorch's seeding routine
(``init_genrand`` with the seed's low 32 bits), and whose ``random_raw`` draws are PyTorch's
``random()``. The transforms follow aten/src/ATen/core/TransformationHelper.h,
DistributionsHelper.h and native/cpu/DistributionTemplates.h of torch 2.13:

* uniform float32 (and half/bfloat16): 24 low bits of one 32-bit draw times 2**-24;
  float64: 53 low bits of a 64-bit draw (``hi << 32 | lo`` of two draws) times 2**-53;
* normal, ``numel >= 16`` and contiguous: ``normal_fill``: uniforms for the whole tensor, a
  Box-Muller on blocks of 16 (float32: the AVX2 kernel with avx_mathfun's ``log256_ps`` and
  ``sincos256_ps``, reproduced here op for op; float64: libm's log/cos/sin and an fma), and a
  last block of 16 fresh uniforms over the tail; otherwise a scalar Box-Muller in double that
  caches its second value in the generator.

The float64 paths call libm through Python's ``math`` module (the same glibc functions that
libtorch calls), so that NumPy's own vectorised log/sin/cos, which may differ by an ulp on some
CPUs, never enter.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import os
import platform
import struct
import sys

import numpy as np

def cpu_capability() -> str:
    """The ATen CPU kernels torch 2.13 runs here: ``"avx2"`` (x86-64 with AVX2 and FMA; the
    AVX512 build registers no random kernels of its own, so AVX512 CPUs run these too) or
    ``"default"`` (no AVX2/FMA, or ``ATEN_CPU_CAPABILITY=default``)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return "default"
    flags: set[str] = set()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    if os.environ.get("ATEN_CPU_CAPABILITY", "").lower() == "default":
        return "default"
    return "avx2" if {"avx2", "fma"} <= flags else "default"


CAPABILITY = cpu_capability()
AVX2 = CAPABILITY == "avx2"  # float32 normal_fill: the avx_mathfun kernel
# Which a * b + c the compiler fused into an fma. Checked: Linux x86-64 wheels (GCC fuses
# across statements in the AVX2 kernels, avx_mathfun's intrinsics included). Assumed, not
# checked (no such machine here): macOS builds (clang fuses within one expression, so not
# avx_mathfun's separate intrinsic statements), Windows (MSVC fuses nothing by default),
# aarch64 (fuses by default, generic kernels).
_WINDOWS = sys.platform.startswith("win")
_ARM = platform.machine().lower() in ("aarch64", "arm64")
FUSED = (AVX2 and not _WINDOWS) or (_ARM and not _WINDOWS)
FUSED_INTRINSICS = AVX2 and sys.platform.startswith("linux")
DEFAULT_SEED = 67280421310721  # c10::default_rng_seed_val: torch.Generator()'s seed
STATE_SIZE = 5056  # sizeof(at::detail::CPUGeneratorImplState) in torch 2.13 (x86-64)
_N = 624
_U32 = np.uint64(0xFFFFFFFF)


def _init_genrand(seed32: int) -> np.ndarray:
    """The mt19937 key PyTorch's ``init_with_uint32`` builds from a 32-bit seed."""
    key = [0] * _N
    key[0] = seed32
    for j in range(1, _N):
        prev = key[j - 1]
        key[j] = (1812433253 * (prev ^ (prev >> 30)) + j) & 0xFFFFFFFF
    return np.asarray(key, dtype=np.uint32)


class Engine:
    """One CPUGeneratorImpl: the mt19937, its 64-bit seed and the cached normal samples."""

    __slots__ = ("_bg", "_seed", "_fresh", "next_double", "next_float")

    def __init__(self, seed: int = DEFAULT_SEED) -> None:
        self.manual_seed(seed)

    def manual_seed(self, seed: int) -> None:
        seed = int(seed) & 0xFFFFFFFFFFFFFFFF
        self._bg = np.random.MT19937(0)
        self._bg.state = {"bit_generator": "MT19937",
                          "state": {"key": _init_genrand(seed & 0xFFFFFFFF), "pos": _N}}
        self._seed = seed
        self._fresh = True  # PyTorch's freshly seeded engine says next_=0, left_=1
        self.next_double: float | None = None
        self.next_float: float | None = None

    def initial_seed(self) -> int:
        return self._seed

    def copy(self) -> Engine:
        new = Engine.__new__(Engine)
        new._bg = np.random.MT19937(0)
        new._bg.state = self._bg.state
        new._seed, new._fresh = self._seed, self._fresh
        new.next_double, new.next_float = self.next_double, self.next_float
        return new

    # raw draws ---------------------------------------------------------------------------
    def random(self, n: int) -> np.ndarray:
        """``n`` draws of ``random()`` (32-bit values, held as uint64)."""
        if n <= 0:
            return np.zeros(0, np.uint64)
        self._fresh = False
        return self._bg.random_raw(int(n))

    def random64(self, n: int) -> np.ndarray:
        """``n`` draws of ``random64()``: two 32-bit draws, the first one the high half."""
        r = self.random(2 * n)
        return (r[0::2] << np.uint64(32)) | r[1::2]

    def uniform32(self, n: int) -> np.ndarray:
        """``uniform_real_distribution<float>(0, 1)``: float32 values in [0, 1)."""
        return (self.random(n) & np.uint64(0xFFFFFF)).astype(np.float32) * np.float32(2 ** -24)

    def uniform64(self, n: int) -> np.ndarray:
        """``uniform_real_distribution<double>(0, 1)``: float64 values in [0, 1)."""
        bits = self.random64(n) & np.uint64((1 << 53) - 1)
        return bits.astype(np.float64) * (2.0 ** -53)

    # state bytes (torch.get_rng_state's layout) -----------------------------------------
    def get_state(self) -> np.ndarray:
        """PyTorch's ``CPUGeneratorImplState`` bytes (5056 uint8)."""
        st = self._bg.state["state"]
        pos = int(st["pos"])
        if pos >= _N:
            left, nxt = 1, (0 if self._fresh else _N)
        else:
            left, nxt = _N + 1 - pos, pos
        head = struct.pack("<QiiQ", self._seed, left, 1, nxt)
        key = np.asarray(st["key"], dtype=np.uint64).astype("<u8").tobytes()
        nd = self.next_double
        tail = struct.pack("<dddi4x", 0.0, 0.0 if nd is None else nd, 0.0, int(nd is not None))
        nf = self.next_float
        tail += struct.pack("<f?3x", 0.0 if nf is None else nf, nf is not None)
        out = np.frombuffer(head + key + tail, dtype=np.uint8).copy()
        assert out.size == STATE_SIZE
        return out

    def set_state(self, data: np.ndarray) -> None:
        """Load a state from :meth:`get_state` or from ``torch.get_rng_state()``'s bytes."""
        raw = np.ascontiguousarray(data, dtype=np.uint8).tobytes()
        if len(raw) != STATE_SIZE:
            raise ValueError(f"expected a CPUGeneratorImplState of size {STATE_SIZE} but "
                             f"found the input RNG state size to be {len(raw)}")
        seed, left, seeded, nxt = struct.unpack_from("<QiiQ", raw, 0)
        if not (seeded and 0 < left <= _N and nxt <= _N):
            raise ValueError("Invalid mt19937 state")
        key = np.frombuffer(raw, dtype="<u8", count=_N, offset=24).astype(np.uint32)
        _, normal_y, _, normal_valid = struct.unpack_from("<dddi", raw, 24 + 8 * _N)
        next_float, float_valid = struct.unpack_from("<f?", raw, 5048)
        # PyTorch draws state_[next_] after --left_ == 0 triggers the twist; NumPy draws
        # key[pos] and twists when pos == 624, so left_ == 1 means "twist first".
        pos = _N if left == 1 else nxt
        bg = np.random.MT19937(0)
        bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
        self._bg, self._seed = bg, seed
        self._fresh = left == 1 and nxt == 0
        self.next_double = normal_y if normal_valid else None
        self.next_float = float(next_float) if float_valid else None


# ------------------------------------------------------------------------------------------
# exact fused multiply-add (std::fma / _mm256_fmadd_ps) with NumPy arithmetic
# ------------------------------------------------------------------------------------------

def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = a * 134217729.0  # 2**27 + 1 (Dekker)
    hi = c - (c - a)
    return hi, a - hi


def _two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _round_to_odd_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a + b rounded to odd (the neighbour with an odd last bit when inexact)."""
    s, err = _two_sum(a, b)
    bits = s.view(np.int64)
    even = (bits & 1) == 0
    fix = (err != 0) & even & np.isfinite(s)
    if fix.any():
        s = s.copy()
        s[fix] = np.nextafter(s[fix], np.where(err[fix] > 0, np.inf, -np.inf))
    return s


def mul_add64(a: np.ndarray, b: float, c: float) -> np.ndarray:
    """``a * b + c`` as the kernel computes it: fused on AVX2 builds, else two roundings."""
    if FUSED:
        return fma64(a, b, c)
    return np.asarray(a, np.float64) * b + c


def mul_add32(a: np.ndarray, b: np.float32, c: np.float32) -> np.ndarray:
    """float32 ``a * b + c`` as the kernel computes it (see :func:`mul_add64`)."""
    if FUSED:
        return fma32(a, b, c)
    return (np.asarray(a, np.float32) * np.float32(b) + np.float32(c)).astype(np.float32)


def fma64(a: np.ndarray, b: float, c: float) -> np.ndarray:
    """Correctly rounded ``a * b + c`` in float64 (Boldo-Melquiond, rounding to odd)."""
    a = np.asarray(a, np.float64)
    if b == 1.0 and c == 0.0:
        return a.copy()
    b_arr = np.full_like(a, b)
    ph, pl = _two_prod(a, b_arr)
    th, tl = _two_sum(np.full_like(a, c), ph)
    return th + _round_to_odd_sum(tl, pl)


def fma32(a, b, c) -> np.ndarray:
    """Correctly rounded float32 ``a * b + c`` (``_mm256_fmadd_ps``).

    The product is exact in float64 and the float64 sum is rounded once more to float32;
    that double rounding can only go wrong when the float64 sum lands exactly halfway
    between two float32 values (or in float32's subnormal range): those few are redone with
    the sum rounded to odd, which makes the second rounding exact."""
    a = np.asarray(a, np.float32)
    b = np.asarray(b, np.float32)
    c = np.asarray(c, np.float32)
    if b.ndim == 0 and c.ndim == 0 and float(b) == 1.0 and float(c) == 0.0:
        return a.copy()
    p = a.astype(np.float64) * b.astype(np.float64)
    c64 = np.broadcast_to(c.astype(np.float64), p.shape)
    s = p + c64
    out = s.astype(np.float32)
    bits = s.view(np.uint64)
    risky = ((bits & np.uint64(0x1FFFFFFF)) == np.uint64(0x10000000)) | (
        np.abs(s) < 2.0 ** -125)
    if risky.any():
        idx = np.nonzero(risky)
        out[idx] = _round_to_odd_sum(p[idx], c64[idx]).astype(np.float32)
    return out


# ------------------------------------------------------------------------------------------
# avx_mathfun.h (log256_ps, sincos256_ps), op for op in float32
# ------------------------------------------------------------------------------------------

_f = np.float32
_LOG_P = [_f(v) for v in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1,
                          -1.2420140846E-1, 1.4249322787E-1, -1.6668057665E-1,
                          2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1)]
_LOG_Q1, _LOG_Q2 = _f(-2.12194440e-4), _f(0.693359375)
_SQRTHF = _f(0.707106781186547524)
_DP = (_f(-0.78515625), _f(-2.4187564849853515625e-4), _f(-3.77489497744594108e-8))
_SINCOF = (_f(-1.9515295891E-4), _f(8.3321608736E-3), _f(-1.6666654611E-1))
_COSCOF = (_f(2.443315711809948E-005), _f(-1.388731625493765E-003),
           _f(4.166664568298827E-002))
_FOPI = _f(1.27323954473516)
_ONE, _HALF = _f(1.0), _f(0.5)
_ZERO = _f(0.0)


def _madd(a, b, c) -> np.ndarray:
    """An ``a * b + c`` of avx_mathfun: fused where the compiler contracted it."""
    if FUSED_INTRINSICS:
        return fma32(a, b, c)
    prod = np.multiply(np.asarray(a, np.float32), np.asarray(b, np.float32), dtype=np.float32)
    return np.add(prod, np.asarray(c, np.float32), dtype=np.float32)


def _log256(x: np.ndarray) -> np.ndarray:
    x = np.maximum(x, np.float32(1.1754943508222875e-38))
    bits = x.view(np.uint32)
    imm0 = (bits >> np.uint32(23)).astype(np.int32) - np.int32(0x7F)
    x = ((bits & np.uint32(0x807FFFFF)) | np.float32(0.5).view(np.uint32)).view(np.float32)
    e = imm0.astype(np.float32) + _ONE
    mask = x < _SQRTHF
    tmp = np.where(mask, x, _ZERO)
    x = x - _ONE
    e = e - np.where(mask, _ONE, _ZERO)
    x = x + tmp
    z = x * x
    y = np.full_like(x, _LOG_P[0])
    for p in _LOG_P[1:]:
        y = _madd(y, x, p)  # y * x + p, contracted by GCC
    y = y * x
    y = _madd(y, z, e * _LOG_Q1)
    y = _madd(-z, _HALF, y)  # y - z * 0.5
    x = x + y
    return _madd(e, _LOG_Q2, x)


def _sincos256(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xb = x.view(np.uint32)
    sign_sin = xb & np.uint32(0x80000000)
    x = (xb & np.uint32(0x7FFFFFFF)).view(np.float32)
    y = x * _FOPI
    imm2 = y.astype(np.int32)  # _mm256_cvttps_epi32: truncation
    imm2 = (imm2 + np.int32(1)) & np.int32(~1)
    y = imm2.astype(np.float32)
    imm4 = imm2
    swap_sign_sin = ((imm2 & np.int32(4)) << np.int32(29)).view(np.uint32)
    poly_mask = (imm2 & np.int32(2)) == 0
    x = _madd(y, _DP[0], x)
    x = _madd(y, _DP[1], x)
    x = _madd(y, _DP[2], x)
    imm4 = imm4 - np.int32(2)
    sign_cos = ((~imm4 & np.int32(4)) << np.int32(29)).view(np.uint32)
    sign_sin = sign_sin ^ swap_sign_sin
    z = x * x
    y = _madd(_COSCOF[0], z, _COSCOF[1])
    y = _madd(y, z, _COSCOF[2])
    y = y * z
    y = _madd(y, z, -(z * _HALF))  # y * z - z * 0.5
    y = y + _ONE
    y2 = _madd(_SINCOF[0], z, _SINCOF[1])
    y2 = _madd(y2, z, _SINCOF[2])
    y2 = y2 * z
    y2 = _madd(y2, x, x)
    ysin2 = np.where(poly_mask, y2, _ZERO)
    ysin1 = np.where(poly_mask, _ZERO, y)
    y2 = y2 - ysin2
    y = y - ysin1
    s = (ysin1 + ysin2).astype(np.float32).view(np.uint32) ^ sign_sin
    c = (y + y2).astype(np.float32).view(np.uint32) ^ sign_cos
    return s.view(np.float32), c.view(np.float32)


_TWO_PI_F = np.float32(2.0 * math.pi)


def _normal16_f32(blocks: np.ndarray, mean: float, std: float) -> np.ndarray:
    """NormalFill16<float> (AVX2) on rows of 16 float32 uniforms."""
    u1 = _ONE - blocks[:, :8]
    u2 = blocks[:, 8:]
    radius = np.sqrt(np.float32(-2.0) * _log256(u1))
    theta = _TWO_PI_F * u2
    s, c = _sincos256(theta)
    n1, n2 = radius * c, radius * s
    m, sd = np.float32(mean), np.float32(std)
    return np.concatenate([fma32(n1, sd, m), fma32(n2, sd, m)], axis=1)


def _libm(fn, x: np.ndarray) -> np.ndarray:
    return np.fromiter(map(fn, x.ravel().tolist()), np.float64, x.size).reshape(x.shape)


_LIBM: list = []


def _libm32(name: str, x: np.ndarray) -> np.ndarray:
    """libm's float function ``name`` (logf, cosf, sinf) element by element, via ctypes."""
    if not _LIBM:
        lib = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
        for fn in ("logf", "cosf", "sinf"):
            getattr(lib, fn).restype = ctypes.c_float
            getattr(lib, fn).argtypes = [ctypes.c_float]
        _LIBM.append(lib)
    fn = getattr(_LIBM[0], name)
    return np.fromiter(map(fn, x.ravel().tolist()), np.float32, x.size).reshape(x.shape)


def _normal16_f32_generic(blocks: np.ndarray, mean: float, std: float) -> np.ndarray:
    """NormalFill16<float> of the DEFAULT build: libm logf/cosf/sinf and std::fma."""
    u1 = _ONE - blocks[:, :8]
    u2 = blocks[:, 8:]
    radius = np.sqrt(np.float32(-2.0) * _libm32("logf", u1))
    theta = ((2.0 * math.pi) * u2.astype(np.float64)).astype(np.float32)
    n1 = radius * _libm32("cosf", theta)
    n2 = radius * _libm32("sinf", theta)
    m, sd = np.float32(mean), np.float32(std)
    return np.concatenate([fma32(n1, sd, m), fma32(n2, sd, m)], axis=1)


def _normal16_f64(blocks: np.ndarray, mean: float, std: float) -> np.ndarray:
    """NormalFill16<double> (the generic template: libm log/cos/sin and std::fma)."""
    u1 = 1.0 - blocks[:, :8]
    u2 = blocks[:, 8:]
    radius = np.sqrt(-2.0 * _libm(math.log, u1))
    theta = (2.0 * math.pi) * u2
    n1 = radius * _libm(math.cos, theta)
    n2 = radius * _libm(math.sin, theta)
    return np.concatenate([fma64(n1, std, mean), fma64(n2, std, mean)], axis=1)


_CHUNK = 4096  # rows of 16 values per pass


def normal_fill(eng: Engine, n: int, mean: float, std: float, f64: bool) -> np.ndarray:
    """``normal_fill`` for a contiguous float32/float64 tensor of ``n >= 16`` elements."""
    uniform = eng.uniform64 if f64 else eng.uniform32
    blocks_fn = _normal16_f64 if f64 else _normal16_f32 if AVX2 else _normal16_f32_generic
    data = uniform(n)
    full = n // 16 * 16
    step = _CHUNK * 16  # in cache-sized pieces: the float32 emulation makes many passes
    for lo in range(0, full, step):
        hi = min(lo + step, full)
        data[lo:hi] = blocks_fn(data[lo:hi].reshape(-1, 16), mean, std).ravel()
    if n % 16:
        data[n - 16:] = blocks_fn(uniform(16).reshape(1, 16), mean, std).ravel()
    return data


def normal_fill_reduced(eng: Engine, n: int, mean: float, std: float) -> np.ndarray:
    """``normal_fill`` for half/bfloat16 (float32 math on a 16-value buffer per block)."""
    full = n // 16
    fill = _normal16_f32 if AVX2 else _normal16_f32_generic
    out = np.empty(n, np.float32)
    if full:
        u = eng.uniform32(full * 16)
        for lo in range(0, full * 16, _CHUNK * 16):
            hi = min(lo + _CHUNK * 16, full * 16)
            out[lo:hi] = fill(u[lo:hi].reshape(-1, 16), mean, std).ravel()
    if n % 16:
        out[n - 16:] = fill(eng.uniform32(16).reshape(1, 16), mean, std).ravel()
    return out


def normal_scalar(eng: Engine, n: int, mean: float, std: float) -> np.ndarray:
    """``normal_distribution<double>`` element by element, with the generator's cache."""
    out = np.empty(n, np.float64)
    for i in range(n):
        if eng.next_double is not None:
            ret, eng.next_double = eng.next_double, None
        else:
            u1, u2 = eng.uniform64(2)
            r = math.sqrt(-2.0 * math.log1p(-float(u2)))
            theta = 2.0 * math.pi * float(u1)
            eng.next_double = r * math.sin(theta)
            ret = r * math.cos(theta)
        out[i] = ret
    return mul_add64(out, std, mean) if (std != 1.0 or mean != 0.0) else out
