"""Op-table differential tests, the other rows with a NumPy twin (one sample call each, a
reference function where NumPy has none), the rows outside the templates' shape rules.

Generated from the op table (``trueno.OPS``); the machinery is in ``optable_checks.py`` and
the completeness test in ``test_optable_differential.py``.
"""

# ruff: noqa: B023  (Cases.run calls each lambda at once, inside its loop iteration)
from __future__ import annotations

import math

import numpy as np
import pytest

import trueno as tn
from trueno._optable import OPS

from trueno_core_helpers import NP_DTYPES, assert_close, make_inputs
from optable_checks import Cases, accepted_names, check, generates


# --- the other rows with a NumPy twin: one sample call each --------------------------------

def _f(*shape, seed=0, nan=False):
    a = np.random.default_rng(seed).uniform(-3, 3, shape).round(1)
    if nan:
        a.flat[1] = np.nan
    return a


def _i(*shape, lo=0, hi=5, seed=0):
    return np.random.default_rng(seed).integers(lo, hi, shape)


def _scatter_add_ref(x, dim, index, src):
    out = x.copy()
    for pos in np.ndindex(index.shape):
        tgt = list(pos)
        tgt[dim] = index[pos]
        out[tuple(tgt)] += src[pos]
    return out


def _scatter_ref(x, dim, index, src):
    out = x.copy()
    np.put_along_axis(out, index, src, dim)
    return out


def _topk_ref(x, k, dim=-1):
    idx = np.take(np.argsort(-x, axis=dim, kind="stable"), range(k), axis=dim)
    return np.take_along_axis(x, idx, dim), idx


_UNIQ = np.array([3.0, 1.0, 3.0, 2.0, 1.0, 5.0])
_PERM = np.array([[2, 0, 1, 3], [1, 3, 0, 2], [0, 1, 2, 3]])
# row name -> list of (args, kwargs); ndarray arguments become trueno arrays. Rows whose NumPy
# twin does not exist get a reference function in CUSTOM_REFS.
CUSTOM_SAMPLES = {
    "around": [((_f(3, 4) * 7.3, 1), {}), ((_f(5), ), {})],
    "average": [((_f(3, 4),), {}), ((_f(3, 4),), {"axis": 0, "weights": _f(3, seed=1) ** 2})],
    "bincount": [((_i(10),), {}), ((_i(10),), {"minlength": 8, "weights": _f(10)})],
    "convolve": [((_f(5), _f(3, seed=1)), {}), ((_f(5), _f(3, seed=1)), {"mode": "same"})],
    "correlate": [((_f(5), _f(3, seed=1)), {}), ((_f(5), _f(3, seed=1)), {"mode": "full"})],
    "corrcoef": [((_f(3, 5),), {})],
    "cov": [((_f(3, 5),), {}), ((_f(3, 5),), {"ddof": 0})],
    "count_nonzero": [((_i(3, 4, hi=2),), {}), ((_i(3, 4, hi=2),), {"axis": 1})],
    "digitize": [((_f(6), np.array([-2.0, 0.0, 1.0, 2.5])), {}),
                 ((_f(6), np.array([-2.0, 0.0, 1.0, 2.5])), {"right": True})],
    "einsum": [(("ij,jk->ik", _f(2, 3), _f(3, 4, seed=1)), {}), (("ii->i", _f(3, 3)), {}),
               (("bij->bji", _f(2, 3, 4)), {})],
    "gradient": [((_f(6),), {}), ((_f(6), 0.5), {})],
    "histogram": [((_f(20),), {"bins": 5}), ((_f(20),), {"bins": 4, "range": (-1, 1)})],
    "histogram_bin_edges": [((_f(20),), {"bins": 5})],
    "interp": [((_f(5), np.array([-3.0, 0.0, 3.0]), np.array([1.0, 2.0, 0.0])), {})],
    "isclose": [((_f(3, 4), _f(3, 4) + 1e-9), {}), ((np.array([np.nan, 1.0]),
                                                     np.array([np.nan, 1.0])),
                                                    {"equal_nan": True})],
    "isin": [((_i(3, 4), np.array([1, 3])), {}), ((_i(3, 4), np.array([1, 3])),
                                                  {"invert": True})],
    "median": [((_f(3, 4),), {}), ((_f(3, 4),), {"axis": 0})],
    "quantile": [((_f(3, 4), 0.3), {}), ((_f(3, 4), np.array([0.1, 0.9])), {"axis": 1})],
    "pad": [((_f(2, 3), 1), {}), ((_f(2, 3), ((1, 2), (0, 1))), {"mode": "edge"})],
    "searchsorted": [((np.array([1.0, 2.0, 2.0, 5.0]), _f(4)), {}),
                     ((np.array([1.0, 2.0, 2.0, 5.0]), np.array([2.0])), {"side": "right"})],
    "take": [((_f(3, 4), np.array([0, 2])), {"axis": 1}), ((_f(3, 4), np.array([5, 0])), {})],
    "take_along_axis": [((_f(3, 4), _PERM), {"axis": 1})],
    "trim_zeros": [((np.array([0.0, 0.0, 1.0, 0.0, 2.0, 0.0]),), {})],
    "unique_all": [((_UNIQ,), {})],
    "gather": [((_f(3, 4), 1, _PERM), {})],
    "scatter": [((_f(3, 4), 1, _PERM, _f(3, 4, seed=2)), {})],
    "scatter_add": [((_f(3, 4), 0, _i(2, 4, hi=3), _f(2, 4, seed=2)), {})],
    "topk": [((_f(3, 5) + _f(3, 5, seed=3) / 100, 2), {}),
             ((_f(3, 5) + _f(3, 5, seed=3) / 100, 2, 0), {})],
}
for _n in ("nanmax", "nanmin", "nanmean", "nanstd", "nanvar", "nansum", "nanprod", "nanmedian",
           "nanargmax", "nanargmin", "nancumsum", "nancumprod"):
    CUSTOM_SAMPLES[_n] = [((_f(3, 4, nan=True),), {}), ((_f(3, 4, nan=True),), {"axis": 0})]
CUSTOM_SAMPLES["nanquantile"] = [((_f(3, 4, nan=True), 0.25), {}),
                                 ((_f(3, 4, nan=True), 0.5), {"axis": 1})]
CUSTOM_REFS = {
    "gather": lambda x, dim, index: np.take_along_axis(x, index, dim),
    "scatter": _scatter_ref,
    "scatter_add": _scatter_add_ref,
    "topk": _topk_ref,
}
PARTITIONS = ("partition", "argpartition")  # order within each side is unspecified


def _to_tn(v):
    return tn.asarray(v) if isinstance(v, np.ndarray) else v


@generates()
@pytest.mark.parametrize("name", sorted(CUSTOM_SAMPLES))
def test_custom_rows(name, backend):
    """One or more sample calls of each remaining row with a NumPy twin, vs NumPy."""
    row = OPS[name]
    ref = CUSTOM_REFS.get(name) or getattr(np, row.numpy_name)
    fn = getattr(tn, name)
    cases = Cases()
    for args, kwargs in CUSTOM_SAMPLES[name]:
        targs = [_to_tn(a) for a in args]
        tkw = {k: _to_tn(v) for k, v in kwargs.items()}

        def one():
            with np.errstate(all="ignore"):
                exp = ref(*args, **kwargs)
            got = fn(*targs, **tkw)
            if isinstance(exp, tuple):  # histogram, unique_all, topk
                assert len(got) == len(exp)
                for g, e in zip(got, exp):
                    assert_close(g, e)
            else:
                assert_close(got, exp)
        cases.run(f"{name}{tuple(a.shape if isinstance(a, np.ndarray) else a for a in args)}"
                  f" {kwargs}", one)
    cases.finish()


@generates()
@pytest.mark.parametrize("name", PARTITIONS)
@pytest.mark.parametrize("kth", [0, 2, -1])
def test_partition_rows(name, kth, backend):
    """partition/argpartition: the kth element is in sorted place, smaller ones before it,
    larger ones after it (NumPy leaves the order within each side unspecified)."""
    x = _f(3, 6)
    got = getattr(tn, name)(tn.asarray(x), kth, axis=-1).numpy()
    vals = np.take_along_axis(x, got, -1) if name == "argpartition" else got
    srt = np.sort(x, axis=-1)
    k = kth % 6
    np.testing.assert_array_equal(vals[:, k], srt[:, k])
    assert (vals[:, :k] <= vals[:, k:k + 1]).all() and (vals[:, k + 1:] >= vals[:, k:k + 1]).all()
    np.testing.assert_array_equal(np.sort(vals, -1), srt)


# Rows outside the templates' shape rules whose NumPy twin is a ufunc run the elementwise template;
# other one-input rows without a sample above run one call on a float and an int array.
_EXPLICIT = {"where", "clip", "copy_", "astype", "contiguous", "cumsum", "cumprod", "sort",
             "argsort", "concat", "matmul"} | set(CUSTOM_SAMPLES) | set(PARTITIONS)
_TEMPLATES = ("broadcast", "reduce", "matmul", "view")  # shapes the templates above cover
UFUNC_ROWS = sorted(n for n, r in OPS.items() if r.shape not in _TEMPLATES and r.nin in (1, 2) and
                    r.numpy_name and isinstance(getattr(np, r.numpy_name, None), np.ufunc)
                    and n not in _EXPLICIT)
FALLBACK_ROWS = sorted(n for n, r in OPS.items() if r.shape not in _TEMPLATES and r.nin == 1 and
                       r.numpy_name and callable(getattr(np, r.numpy_name, None)) and
                       n not in _EXPLICIT and n not in UFUNC_ROWS and hasattr(tn, n))
CUSTOM_UFUNC_LAYOUTS = ["contiguous", "0d", "transposed", "negative_stride"]


@generates()
@pytest.mark.parametrize("name,dtype", [(n, d) for n in UFUNC_ROWS
                                        for d in accepted_names(OPS[n].accepts)])
def test_custom_ufunc_rows(name, dtype, backend):
    """Each ufunc-like row outside the broadcast template, per dtype and layout. Where
    NumPy has no loop for the dtype, trueno raises the same built-in exception type."""
    row = OPS[name]
    fn, ref = getattr(tn, name), getattr(np, row.numpy_name)
    cases = Cases()
    layouts = CUSTOM_UFUNC_LAYOUTS + (["broadcast_col_row"] if row.nin == 2 else [])
    for layout in layouts:
        tins, nins = make_inputs(layout, [dtype] * row.nin, row.domains,
                                 np.random.default_rng(sum(map(ord, name + dtype + layout))))
        cases.run(layout, lambda: check(name, backend, lambda: fn(*tins), lambda: ref(*nins),
                                        dtype=NP_DTYPES[dtype], msg=f"{name}({dtype}, {layout})"))
    cases.finish()


@generates()
@pytest.mark.parametrize("name", FALLBACK_ROWS)
def test_fallback_rows(name, backend):
    """One call each on a float64 (with inf, nan and 0) and an int64 array, vs NumPy."""
    fn, ref = getattr(tn, name), getattr(np, OPS[name].numpy_name)
    cases = Cases()
    x = _f(3, 4)
    x[0, :3] = [np.inf, -np.inf, 0.0]
    x[1, 1] = np.nan
    for a in (x, _i(3, 4, lo=-3)):
        ta = tn.asarray(a.copy()).T
        cases.run(str(a.dtype), lambda: check(name, backend, lambda: fn(ta), lambda: ref(a.T),
                                              msg=f"{name}({a.dtype})"))
    cases.finish()


# --- the counter-based random rows: vs a scalar Philox4x32-10 written here ---------------------

def philox4x32_10(ctr: tuple[int, int, int, int], key: tuple[int, int]) -> list[int]:
    """Philox4x32-10 on Python ints, one block (Salmon et al. 2011; Random123's philox.h)."""
    c, (k0, k1), mask = list(ctr), key, 0xFFFFFFFF
    for r in range(10):
        if r:
            k0, k1 = (k0 + 0x9E3779B9) & mask, (k1 + 0xBB67AE85) & mask
        p0, p1 = 0xD2511F53 * c[0], 0xCD9E8D57 * c[2]
        c = [(p1 >> 32) ^ c[1] ^ k0, p1 & mask, (p0 >> 32) ^ c[3] ^ k1, p0 & mask]
    return c


def philox_words(seed: int, offset: int, n: int) -> list[int]:
    """The rows' stream: block b is the counter (lo, hi of offset + b, 0, 0) under the key
    (lo, hi of seed); its four words are words 4b .. 4b + 3."""
    out: list[int] = []
    for b in range(-(-n // 4)):
        c = offset + b
        out += philox4x32_10((c & 0xFFFFFFFF, c >> 32, 0, 0), (seed & 0xFFFFFFFF, seed >> 32))
    return out[:n]


_MANTISSA = {"float16": 11, "float32": 24, "float64": 53}


@generates("philox_uniform", "philox_bernoulli", "philox_normal")
@pytest.mark.parametrize("dtype", sorted(_MANTISSA))
def test_philox_rows(dtype, backend):
    """Both rows through the dispatcher (their kernels on this backend, else their
    decompositions) vs the stream computed here: uniform ``(w >> (32 - m)) * 2**-m`` (float64:
    two words, high first), bernoulli ``value`` where ``w < round(p * 2**32)``."""
    seed, offset, shape = 2**63 + 12345, 2**32 - 2, (3, 5)
    x = tn.empty(shape, dtype=dtype)
    run = tn.backend.run
    got = run(OPS["philox_uniform"], (x,), (x._data,), {"seed": seed, "offset": offset},
              x.__class__, x.device, x._dtype)
    m = _MANTISSA[dtype]
    if dtype == "float64":
        w = philox_words(seed, offset, 30)
        want = [((w[2 * j] << 21) | (w[2 * j + 1] >> 11)) * 2.0**-53 for j in range(15)]
    else:
        want = [(w >> (32 - m)) * 2.0**-m for w in philox_words(seed, offset, 15)]
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want, dtype).reshape(shape))
    assert np.asarray(got).dtype == np.dtype(dtype)
    value = np.asarray(1 / 0.7, dtype)
    got = run(OPS["philox_bernoulli"], (x,), (x._data,),
              {"seed": seed, "offset": offset, "p": 0.3, "value": 1 / 0.7},
              x.__class__, x.device, x._dtype)
    t = round(0.3 * 2**32)
    want = [value if w < t else 0 for w in philox_words(seed, offset, 15)]
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want, dtype).reshape(shape))
    # Box-Muller on word pairs, u1 = (a + 1) 2**-m in (0, 1], u2 = b 2**-m (m = 24; float64:
    # 53 bits from two words each), here in double: the row computes in its dtype's precision
    got = run(OPS["philox_normal"], (x,), (x._data,),
              {"seed": seed, "offset": offset, "mean": 0.5, "std": 2.0},
              x.__class__, x.device, x._dtype)
    if dtype == "float64":
        w = philox_words(seed, offset, 32)
        u = [((w[2 * j] << 21) | (w[2 * j + 1] >> 11)) for j in range(16)]
        m = 53
    else:
        u, m = [w >> 8 for w in philox_words(seed, offset, 16)], 24
    want = []
    for a, b in zip(u[0::2], u[1::2]):
        r = math.sqrt(-2 * math.log((a + 1) * 2.0**-m))
        want += [r * math.cos(2 * math.pi * b * 2.0**-m), r * math.sin(2 * math.pi * b * 2.0**-m)]
    tol = {"float16": 2e-3, "float32": 4e-6, "float64": 1e-13}[dtype]
    np.testing.assert_allclose(np.asarray(got).astype(np.float64),
                               (np.asarray(want[:15]) * 2.0 + 0.5).reshape(shape),
                               rtol=tol, atol=tol)
