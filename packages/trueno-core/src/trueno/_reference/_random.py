"""Reference (NumPy) kernels of ``philox_uniform`` and ``philox_bernoulli``: Philox4x32-10
vectorised with uint64 arithmetic (the 32 x 32 -> 64-bit products exact), an implementation
independent of the decompositions' 16-bit halves and of the GPU's WGSL. The stream (counters,
key, words per element, conversions) is defined in ``trueno._decompositions_random``."""

from __future__ import annotations

import numpy as np

from .._decompositions_random import (
    MANTISSA, PHILOX_M, key_schedule, threshold, words_per_element,
)

_LO = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)


def philox4x32_10(ctr, key) -> tuple[np.ndarray, ...]:
    """Philox4x32-10 of counters ``ctr`` (four arrays of uint32 values, held as uint64) under
    ``key`` (two ints): the four output words (uint64 arrays of uint32 values)."""
    c0, c1, c2, c3 = (np.asarray(c, np.uint64) for c in ctr)
    seed = (int(key[1]) << 32) | int(key[0])
    m0, m1 = np.uint64(PHILOX_M[0]), np.uint64(PHILOX_M[1])
    for k0, k1 in key_schedule(seed):
        p0, p1 = c0 * m0, c2 * m1  # < 2**64: exact
        c0, c1, c2, c3 = ((p1 >> _S32) ^ c1 ^ np.uint64(k0), p1 & _LO,
                          (p0 >> _S32) ^ c3 ^ np.uint64(k1), p0 & _LO)
    return c0, c1, c2, c3


def stream_words(seed: int, offset: int, nwords: int) -> np.ndarray:
    """The first ``nwords`` words of the stream of ``(seed, offset)`` (uint32)."""
    nb = -(-nwords // 4)
    ctr = np.arange(nb, dtype=np.uint64) + np.uint64(int(offset) & ((1 << 64) - 1))
    zero = np.zeros(nb, np.uint64)
    seed = int(seed) & ((1 << 64) - 1)
    out = philox4x32_10((ctr & _LO, ctr >> _S32, zero, zero), (seed & 0xFFFFFFFF, seed >> 32))
    return np.stack(out, axis=1).reshape(-1)[:nwords].astype(np.uint32)


def philox_uniform(x, *, seed, offset, low=0.0, high=1.0):
    """Uniform ``[low, high)`` values of ``x``'s shape and dtype (see the decomposition)."""
    dt = x.dtype
    n = x.size
    w = stream_words(seed, offset, n * words_per_element(dt.name)).astype(np.uint64)
    if dt.name == "float64":
        bits = (w[0::2] << np.uint64(21)) | (w[1::2] >> np.uint64(11))
        u = bits.astype(np.float64) * 2.0 ** -53
        ct = np.float64
    else:
        m = MANTISSA[dt.name]
        u = (w >> np.uint64(32 - m)).astype(np.float32) * np.float32(2.0 ** -m)
        ct = np.float32
    if (low, high) != (0.0, 1.0):
        rng = ct(high) - ct(low)
        v = (u * rng + ct(low)).astype(dt)
        u = np.where(v == np.asarray(high).astype(dt), np.asarray(low).astype(dt), v)
    return u.astype(dt).reshape(x.shape)


def philox_bernoulli(x, *, seed, offset, p=0.5, value=1.0):
    """``value`` where the element's word is below ``threshold(p)``, else 0."""
    w = stream_words(seed, offset, x.size).astype(np.uint64)
    keep = w < np.uint64(threshold(p)) if threshold(p) < (1 << 32) else np.ones(w.shape, bool)
    out = np.where(keep, np.asarray(value).astype(x.dtype), np.zeros((), x.dtype))
    return out.astype(x.dtype).reshape(x.shape)


def philox_normal(x, *, seed, offset, mean=0.0, std=1.0):
    """Box-Muller normals of ``x``'s shape and dtype (see the decomposition)."""
    dt = x.dtype
    pairs = -(-x.size // 2)
    w = stream_words(seed, offset, 2 * pairs * words_per_element(dt.name)).astype(np.uint64)
    if dt.name == "float64":
        q = w.reshape(-1, 4)
        u1 = (((q[:, 0] << np.uint64(21)) | (q[:, 1] >> np.uint64(11))) + np.uint64(1)) \
            .astype(np.float64) * 2.0 ** -53
        u2 = ((q[:, 2] << np.uint64(21)) | (q[:, 3] >> np.uint64(11))).astype(np.float64) \
            * 2.0 ** -53
        ct = np.float64
    else:
        m = 24
        q = w.reshape(-1, 2)
        step = np.float32(2.0 ** -m)
        u1 = ((q[:, 0] >> np.uint64(32 - m)) + np.uint64(1)).astype(np.float32) * step
        u2 = (q[:, 1] >> np.uint64(32 - m)).astype(np.float32) * step
        ct = np.float32
    r = np.sqrt(np.log(u1) * ct(-2.0))
    t = u2 * ct(2.0 * np.pi)
    z = np.stack([r * np.cos(t), r * np.sin(t)], axis=1).reshape(-1)[:x.size]
    return (z * ct(std) + ct(mean)).astype(dt).reshape(x.shape)


KERNELS = {"philox_uniform": philox_uniform, "philox_bernoulli": philox_bernoulli,
           "philox_normal": philox_normal}
