"""The counter-based random stream of the rows ``philox_uniform`` and ``philox_bernoulli``
(Philox4x32-10, Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11; the
Random123 library), and their decompositions into primitive rows.

The stream is a pure function of ``(seed, offset)``: block ``b`` (``b = 0, 1, ...``) is
Philox4x32-10 of the counter ``(lo32(offset + b), hi32(offset + b), 0, 0)`` under the key
``(lo32(seed), hi32(seed))``, and gives the stream's words ``4b .. 4b + 3``. Element ``j`` of
a 16/32-bit float result takes word ``j``; of a float64 uniform, words ``2j`` (high) and
``2j + 1``. A caller that draws ``n`` elements reserves ``blocks(n, ...)`` counters (the
PyTorch face's GPU generators add them to their offset), so consecutive draws never share
a counter. Every value is integer arithmetic and an exact conversion (a ``m``-bit integer
times ``2**-m``), so the bits depend on nothing but the seed, the offset and the shape: not
on the device, the driver or its workgroup size.

``philox_normal`` takes elements in pairs (Box-Muller): elements ``2k`` and ``2k + 1`` are
``r cos t`` and ``r sin t`` with ``r = sqrt(-2 log u1)``, ``t = 2 pi u2``, ``u1 = (a + 1) 2**-m``
in (0, 1] and ``u2 = b 2**-m`` the uniforms of the pair's two words (``m = 24``; float64:
``m = 53`` from two words each), computed in float32 (float64 for float64). Its
transcendental functions are not exact, so its values may differ in the last bits between
devices and drivers.

The decompositions compute the same words with uint32 primitives (the 32 x 32 -> 64-bit
products from 16-bit halves) on the input's device, so a device without a kernel runs the
rows; the counters are an index pattern made on the host (docs/design.md §2.1).
"""

from __future__ import annotations

import numpy as np

__all__ = ["philox_uniform", "philox_bernoulli", "philox_normal", "blocks",
           "words_per_element", "threshold", "MANTISSA", "PHILOX_M", "PHILOX_W"]

PHILOX_M = (0xD2511F53, 0xCD9E8D57)  # the round multipliers of Philox4x32
PHILOX_W = (0x9E3779B9, 0xBB67AE85)  # the Weyl key increments (golden ratio, sqrt(3) - 1)
ROUNDS = 10
# Bits of a word that make a uniform of each dtype: ``(w >> (32 - m)) * 2**-m`` is exact in
# the dtype and < 1 (float64 takes 53 bits from two words).
MANTISSA = {"float32": 24, "float16": 11, "bfloat16": 8, "float64": 53}
_U32 = 0xFFFFFFFF


def words_per_element(dtype_name: str, uniform: bool = True) -> int:
    """Stream words one element takes: 2 for a float64 uniform or normal, else 1."""
    return 2 if uniform and dtype_name == "float64" else 1


def blocks(n: int, dtype_name: str, uniform: bool = True) -> int:
    """Counters (blocks of 4 words) a draw of ``n`` elements reserves."""
    return -(-n * words_per_element(dtype_name, uniform) // 4)


def threshold(p: float) -> int:
    """The bernoulli threshold: an element is kept (takes ``value``) when its word is below
    ``round(p * 2**32)`` (in [0, 2**32]), a probability within 2**-33 of ``p``."""
    return min(max(round(float(p) * 4294967296.0), 0), 1 << 32)


def key_schedule(seed: int) -> list[tuple[int, int]]:
    """The round keys of ``seed``: the key, bumped by the Weyl increments before each round."""
    k0, k1 = seed & _U32, (seed >> 32) & _U32
    out = []
    for _ in range(ROUNDS):
        out.append((k0, k1))
        k0, k1 = (k0 + PHILOX_W[0]) & _U32, (k1 + PHILOX_W[1]) & _U32
    return out


# ------------------------------------------------------------------------------------------
# the decompositions: uint32 primitives on the input's device
# ------------------------------------------------------------------------------------------

def _u32(v: int):
    return np.uint32(v & _U32)


def _mulhilo(m: int, b):
    """``(hi, lo)`` of the 64-bit product of the constant ``m`` and the uint32 array ``b``,
    from 16-bit halves (every partial product fits 32 bits)."""
    mh, ml = _u32(m >> 16), _u32(m & 0xFFFF)
    low16, s16 = _u32(0xFFFF), _u32(16)
    bl, bh = b & low16, b >> s16
    ll, lh, hl = bl * ml, bh * ml, bl * mh
    mid = (ll >> s16) + (lh & low16) + (hl & low16)
    hi = bh * mh + (lh >> s16) + (hl >> s16) + (mid >> s16)
    return hi, b * _u32(m)


def _words(x, seed: int, offset: int, nwords: int):
    """The stream's first ``nwords`` words as a uint32 array on ``x``'s device."""
    import trueno as tn

    nb = -(-nwords // 4)
    ctr = (np.arange(nb, dtype=np.uint64) + np.uint64(offset & ((1 << 64) - 1)))
    dev = x._device
    c0 = tn.asarray((ctr & np.uint64(_U32)).astype(np.uint32), device=dev)
    c1 = tn.asarray((ctr >> np.uint64(32)).astype(np.uint32), device=dev)
    c2 = tn.zeros(nb, dtype="uint32", device=dev)
    c3 = c2
    for k0, k1 in key_schedule(seed):
        hi0, lo0 = _mulhilo(PHILOX_M[0], c0)
        hi1, lo1 = _mulhilo(PHILOX_M[1], c2)
        c0, c1, c2, c3 = hi1 ^ c1 ^ _u32(k0), lo1, hi0 ^ c3 ^ _u32(k1), lo0
    return tn.stack([c0, c1, c2, c3], axis=1).reshape(-1)[:nwords]


def _result_cls(x, out):
    """``out`` (a NumPy-face array) in ``x``'s class."""
    from . import _dispatch as X
    return X.wrap(x.__class__, out._data, x._device)


def philox_uniform(x, *, seed: int, offset: int, low: float = 0.0, high: float = 1.0):
    """Uniform values in ``[low, high)`` of ``x``'s shape and dtype (``x``'s values are not
    read): ``u = (w >> (32 - m)) * 2**-m``, then ``u * (high - low) + low`` in the compute
    dtype (float32 for the 16-bit floats, two roundings), stored in the dtype; a value that
    rounds to ``high`` becomes ``low``, as PyTorch's uniform_ does."""
    import trueno as tn

    name = np.dtype(x.dtype.numpy if hasattr(x.dtype, "numpy") else x.dtype).name
    n = int(np.prod(x.shape, dtype=np.int64))
    w = _words(x, seed, offset, n * words_per_element(name))
    ct = "float64" if name == "float64" else "float32"
    if name == "float64":
        u = (w[0::2].astype("float64") * np.float64(2.0 ** -32)
             + (w[1::2] >> _u32(11)).astype("float64") * np.float64(2.0 ** -53))
    else:
        m = MANTISSA[name]
        u = (w >> _u32(32 - m)).astype("float32") * np.float32(2.0 ** -m)
    if (low, high) != (0.0, 1.0):
        npct = np.dtype(ct).type
        lo_c, rng = npct(low), npct(high) - npct(low)
        u = u * rng + lo_c
        v = u.astype(name)
        hi_d, lo_d = np.asarray(high).astype(name), np.asarray(low).astype(name)
        u = tn.where(v == tn.asarray(hi_d, device=x._device),
                     tn.asarray(lo_d, device=x._device), v)
    return _result_cls(x, u.astype(name).reshape(tuple(x.shape)))


def philox_bernoulli(x, *, seed: int, offset: int, p: float = 0.5, value: float = 1.0):
    """``value`` with probability ``p`` (the word below ``threshold(p)``), else 0, of ``x``'s
    shape and dtype (``x``'s values are not read); ``value = 1/(1-p)`` gives dropout's scaled
    mask in one pass."""
    import trueno as tn

    name = np.dtype(x.dtype.numpy if hasattr(x.dtype, "numpy") else x.dtype).name
    n = int(np.prod(x.shape, dtype=np.int64))
    w = _words(x, seed, offset, n)
    t = threshold(p)
    one = tn.asarray(np.asarray(value).astype(name), device=x._device)
    zero = tn.asarray(np.zeros((), name), device=x._device)
    keep = (w == w) if t >> 32 else (w < _u32(t))
    return _result_cls(x, tn.where(keep, one, zero).reshape(tuple(x.shape)))


def _pair_uniforms(w, name: str):
    """``(u1, u2)``: u1 in (0, 1] and u2 in [0, 1) of each pair of elements (see the module
    docstring), in the compute dtype, from the stream words ``w``."""
    if name == "float64":
        def u53(hi, lo):
            return (hi.astype("float64") * np.float64(2.0 ** -32)
                    + (lo >> _u32(11)).astype("float64") * np.float64(2.0 ** -53))
        q = w.reshape(-1, 4)
        u1 = u53(q[:, 0], q[:, 1])
        return (u1 + np.float64(2.0 ** -53)), u53(q[:, 2], q[:, 3])
    m = 24  # float32 uniforms for float16/bfloat16 too (their normals compute in float32)
    q = w.reshape(-1, 2)
    step = np.float32(2.0 ** -m)
    u1 = ((q[:, 0] >> _u32(32 - m)) + _u32(1)).astype("float32") * step
    return u1, (q[:, 1] >> _u32(32 - m)).astype("float32") * step


def philox_normal(x, *, seed: int, offset: int, mean: float = 0.0, std: float = 1.0):
    """Normal values (Box-Muller on the stream, module docstring) of ``x``'s shape and dtype
    (``x``'s values are not read): ``z * std + mean`` in the compute dtype."""
    import trueno as tn

    name = np.dtype(x.dtype.numpy if hasattr(x.dtype, "numpy") else x.dtype).name
    n = int(np.prod(x.shape, dtype=np.int64))
    npct = np.float64 if name == "float64" else np.float32
    pairs = -(-n // 2)
    w = _words(x, seed, offset, 2 * pairs * words_per_element(name))
    u1, u2 = _pair_uniforms(w, name)
    r = tn.sqrt(tn.log(u1) * npct(-2.0))
    t = u2 * npct(2.0 * np.pi)
    z = tn.stack([r * tn.cos(t), r * tn.sin(t)], axis=1).reshape(-1)[:n]
    z = z * npct(std) + npct(mean)
    return _result_cls(x, z.astype(name).reshape(tuple(x.shape)))
