"""The PyTorch face's random numbers: ``manual_seed``, ``rand``, ``randn``, ``Generator``, ...

After ``torch.manual_seed(s)`` these give the values torch 2.13 gives on CPU, bit for bit,
and advance the generator exactly as PyTorch does (see ``_random_engine`` for the engine and
transforms, docs/compat.md for the limits). ``get_rng_state``/``set_rng_state`` use PyTorch's
own 5056-byte state layout, so states move between trueno and torch.

On a GPU (``"cuda"``), ``rand``/``rand_like``, ``uniform_``, ``bernoulli_``/``bernoulli``
with a float ``p`` (dropout's mask) and, for float32/float16/bfloat16, ``randn``/
``randn_like``, ``normal_`` and ``normal`` with float mean and std draw on the device's own
counter-based generator (``_random_gpu``: Philox4x32-10, one launch, no upload), or on a
``torch.Generator("cuda")`` passed as ``generator=``, as PyTorch draws CUDA tensors' numbers
on the device; the other samplers, and a draw given a CPU ``generator=``, still draw on the
CPU generator and move the values. The generator objects and the seed: ``_random_state``.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _dtypes as D
from .._creation import _place
from .._device import device as as_device
from . import _random_engine as E
from . import _random_gpu as G
from ._random_state import (  # noqa: F401  (names of this module since before the split)
    Generator, RandomArgumentError, _check_seed, _fail, _gen, default_generator,
    get_rng_state, initial_seed, manual_seed, seed, set_rng_state,
)
from ._tensor import Tensor


def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(int(s) for s in size[0])
    return tuple(int(s) for s in size)


def _float_dtype(dtype, func: str):
    dt = D.as_dtype(dtype) if dtype is not None else Tensor._default_float
    if dt.kind != "f":
        _fail(f"{func}(dtype=)", str(dt), "a floating dtype",
              "draw floats and convert, or use randint for integers")
    return dt


def _out(values, dt, device, requires_grad=False) -> Tensor:
    dt = D.as_dtype(dt)  # a tensor's .dtype is the face's twin (torch.float32)
    t = _place(Tensor, np.asarray(values).astype(dt.numpy), device, dt)
    return t.requires_grad_() if requires_grad else t


def _kind(dt) -> str:
    name = np.dtype(dt.numpy).name if dt.numpy is not None else ""
    return {"float64": "f64", "float32": "f32"}.get(name, "f16")


# ------------------------------------------------------------------------------------------
# the kernels (flat, in the tensor's element order)
# ------------------------------------------------------------------------------------------

def _uniform(eng: E.Engine, n: int, a: float, b: float, dt) -> np.ndarray:
    """``uniform_kernel``: float math (double for float64), cast to the dtype, and a value
    that rounds to ``b`` becomes ``a``."""
    if not a <= b:
        _fail("uniform_(from, to)", f"from={a}, to={b}", "from <= to")
    if _kind(dt) == "f64":
        v = E.mul_add64(eng.uniform64(n), b - a, a)
        return np.where(v == b, a, v)
    f, t = np.float32(a), np.float32(b)
    v = E.mul_add32(eng.uniform32(n), t - f, f).astype(dt.numpy)
    to, frm = np.asarray(b).astype(dt.numpy), np.asarray(a).astype(dt.numpy)
    return np.where(v == to, frm, v)


def _normal(eng: E.Engine, n: int, mean: float, std: float, kind: str) -> np.ndarray:
    if not std >= 0.0:
        _fail("normal_(mean, std)", f"std={std}", "std >= 0.0")
    if n >= 16:
        if kind == "f16":
            return E.normal_fill_reduced(eng, n, mean, std)
        return E.normal_fill(eng, n, mean, std, kind == "f64")
    return E.normal_scalar(eng, n, mean, std)


def _memory_order(x: Tensor):
    """None for a contiguous tensor; else the element indices (row-major) in the order
    PyTorch's TensorIterator visits them: by memory offset (strides sorted ascending)."""
    if x.is_contiguous() or x.numel() < 2:
        return None
    offsets = np.zeros(x.shape, np.int64)
    for d, (size, st) in enumerate(zip(x.shape, x.stride())):
        shape = [1] * len(x.shape)
        shape[d] = size
        offsets = offsets + np.arange(size, dtype=np.int64).reshape(shape) * st
    return np.argsort(offsets.ravel(), kind="stable")


def _place_in_order(vals: np.ndarray, x: Tensor, order) -> np.ndarray:
    """Values drawn in visiting order, put back at their elements, shaped like ``x``."""
    vals = vals.astype(x.dtype.numpy)
    if order is not None:
        out = np.empty_like(vals)
        out[order] = vals
        vals = out
    return vals.reshape(x.shape)


def normal_like(x: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> np.ndarray:
    """Values for ``x.normal_(mean, std)``. A non-contiguous ``x`` takes PyTorch's scalar
    Box-Muller path, in memory order. A GPU ``x`` gets a tensor drawn on the device."""
    if G.uses_philox(x._device, generator) and x._dtype.name in G.NORMAL_DTYPES:
        if not float(std) >= 0.0:
            _fail("normal_(mean, std)", f"std={std}", "std >= 0.0")
        return G.normal(tuple(x.shape), x._dtype, x._device, float(mean), float(std),
                        generator)
    g = _gen(generator)
    order = _memory_order(x)
    with g._lock:
        if order is None:
            vals = _normal(g._eng, x.numel(), float(mean), float(std), _kind(x.dtype))
        else:
            if not float(std) >= 0.0:
                _fail("normal_(mean, std)", f"std={std}", "std >= 0.0")
            vals = E.normal_scalar(g._eng, x.numel(), float(mean), float(std))
    return _place_in_order(vals, x, order)


def uniform_like(x: Tensor, a: float = 0.0, b: float = 1.0, generator=None):
    """Values for ``x.uniform_(a, b)``: a host array, or for a GPU ``x`` a tensor drawn on
    the device's generator."""
    if G.uses_philox(x._device, generator):
        if not float(a) <= float(b):
            _fail("uniform_(from, to)", f"from={a}, to={b}", "from <= to")
        return G.uniform(tuple(x.shape), x._dtype, x._device, float(a), float(b), generator)
    g = _gen(generator)
    order = _memory_order(x)
    with g._lock:
        vals = _uniform(g._eng, x.numel(), float(a), float(b), x.dtype)
    return _place_in_order(vals, x, order)


def bernoulli_like(x: Tensor, p=0.5, generator=None):
    """Values for ``x.bernoulli_(p)``: a float ``p`` compares a double uniform; a tensor
    ``p`` (broadcast to ``x``) a float or double uniform after its own dtype. A GPU ``x`` with
    a float ``p`` gets a tensor drawn on the device's generator."""
    if not isinstance(p, Tensor) and G.uses_philox(x._device, generator) \
            and x._dtype.kind == "f":
        if not 0.0 <= float(p) <= 1.0:
            _fail("bernoulli_(p)", f"p={p}", "0 <= p <= 1")
        return G.bernoulli(tuple(x.shape), x._dtype, x._device, float(p), gen=generator)
    g = _gen(generator)
    n = x.numel()
    order = _memory_order(x)
    with g._lock:
        if isinstance(p, Tensor):
            ph = np.broadcast_to(p._host(), x.shape).ravel()
            if order is not None:
                ph = ph[order]
            if ph.dtype == np.float64:
                u = g._eng.uniform64(n)
            else:
                u, ph = g._eng.uniform32(n), ph.astype(np.float32)
            if ((ph < 0) | (ph > 1)).any():
                _fail("bernoulli_(p)", "a probability outside [0, 1]", "0 <= p <= 1")
            out = u < ph
        else:
            p = float(p)
            if not 0.0 <= p <= 1.0:
                _fail("bernoulli_(p)", f"p={p}", "0 <= p <= 1")
            out = g._eng.uniform64(n) < p
    return _place_in_order(out, x, order)


def exponential_like(x: Tensor, lambd: float = 1.0, generator=None) -> np.ndarray:
    """Values for ``x.exponential_(lambd)`` (libm's log1p on a double uniform)."""
    g = _gen(generator)
    with g._lock:
        u = g._eng.uniform64(x.numel())
    vals = (-1.0 / float(lambd)) * E._libm(math.log1p, -u)
    return _place_in_order(vals, x, _memory_order(x))


def _doubles(x: Tensor, generator, draw) -> np.ndarray:
    """Run ``draw(engine, n)`` under the generator's lock and place its values in ``x``'s
    visiting order."""
    g = _gen(generator)
    with g._lock:
        vals = draw(g._eng, x.numel())
    return _place_in_order(np.asarray(vals), x, _memory_order(x))


def cauchy_like(x: Tensor, median: float = 0.0, sigma: float = 1.0, generator=None):
    """Values for ``x.cauchy_(median, sigma)``: ``median + sigma * tan(pi * (u - 0.5))``."""
    def draw(eng, n):
        t = E._libm(math.tan, math.pi * (eng.uniform64(n) - 0.5))
        return E.mul_add64(t, float(sigma), float(median))
    return _doubles(x, generator, draw)


def log_normal_like(x: Tensor, mean: float = 1.0, std: float = 2.0, generator=None):
    """Values for ``x.log_normal_(mean, std)``: exp of the scalar Box-Muller normal."""
    if not float(std) > 0.0:
        _fail("log_normal_(mean, std)", f"std={std}", "std > 0.0")
    return _doubles(x, generator, lambda eng, n: E._libm(
        math.exp, E.normal_scalar(eng, n, float(mean), float(std))))


def geometric_like(x: Tensor, p: float, generator=None):
    """Values for ``x.geometric_(p)``: ``ceil(log(u) / log1p(-p))``."""
    p = float(p)
    if not 0.0 < p < 1.0:
        _fail("geometric_(p)", f"p={p}", "0 < p < 1")
    lp = math.log1p(-p)

    def draw(eng, n):
        u = eng.uniform64(n)
        with np.errstate(divide="ignore"):
            return np.ceil(E._libm(lambda v: math.log(v) if v > 0 else -math.inf, u) / lp)
    return _doubles(x, generator, draw)


_INT_MOD = {"float64": (1 << 53) + 1, "float32": (1 << 24) + 1, "float16": (1 << 11) + 1,
            "bfloat16": (1 << 8) + 1, "bool": 2}


def random_like(x: Tensor, from_=None, to=None, generator=None):
    """Values for ``x.random_()``, ``x.random_(to)`` and ``x.random_(from, to)``."""
    if from_ is not None and to is None:
        from_, to = 0, from_
    name = x.dtype.name
    if to is not None:
        lo, hi = int(from_ or 0), int(to)
        return _doubles(x, generator, lambda eng, n: _randint_vals(eng, n, lo, hi))
    if name in _INT_MOD:
        mod, wide = _INT_MOD[name], name == "float64"
    elif x.dtype.kind in "iu":
        info = np.iinfo(x.dtype.numpy)
        mod, wide = int(info.max) + 1, name == "int64"
    else:
        _fail("random_()", f"dtype {x.dtype}", "a real dtype")

    def draw(eng, n):
        raw = eng.random64(n) if wide else eng.random(n)
        return (raw % np.uint64(mod)).astype(np.int64)
    return _doubles(x, generator, draw)


# ------------------------------------------------------------------------------------------
# the public samplers
# ------------------------------------------------------------------------------------------

def rand(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform [0, 1) values, PyTorch's stream (``torch.rand``)."""
    shape = _size(size)
    dt = _float_dtype(dtype, "rand")
    dev = as_device(device)
    if G.uses_philox(dev, generator):
        t = G.uniform(shape, dt, dev, gen=generator)
        return t.requires_grad_() if requires_grad else t
    g = _gen(generator)
    with g._lock:
        vals = _uniform(g._eng, math.prod(shape), 0.0, 1.0, dt)
    return _out(vals.reshape(shape), dt, device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Standard normal values, PyTorch's stream (``torch.randn``)."""
    shape = _size(size)
    dt = _float_dtype(dtype, "randn")
    dev = as_device(device)
    if G.uses_philox(dev, generator) and dt.name in G.NORMAL_DTYPES:
        t = G.normal(shape, dt, dev, gen=generator)
        return t.requires_grad_() if requires_grad else t
    g = _gen(generator)
    with g._lock:
        vals = _normal(g._eng, math.prod(shape), 0.0, 1.0, _kind(dt))
    return _out(vals.reshape(shape), dt, device, requires_grad)


def _randint_vals(eng: E.Engine, n: int, low: int, high: int) -> np.ndarray:
    if not low < high:
        _fail("randint(low, high)", f"low={low}, high={high}", "low < high",
              "high is exclusive: randint(0, 2, ...) draws 0s and 1s")
    rng = high - low
    raw = eng.random64(n) if rng >= 1 << 28 else eng.random(n)
    vals = (raw % np.uint64(rng)) + np.uint64(low & 0xFFFFFFFFFFFFFFFF)
    return vals.view(np.int64)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False) -> Tensor:
    """Integers in [low, high), PyTorch's stream (``torch.randint``)."""
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        _fail("randint()", "no size", "a size tuple", "torch.randint(low, high, (n,))")
    shape = tuple(int(s) for s in size)
    dt = D.as_dtype(dtype) if dtype is not None else D.int64
    g = _gen(generator)
    with g._lock:
        vals = _randint_vals(g._eng, math.prod(shape), int(low), int(high))
    return _out(vals.reshape(shape), dt, device, requires_grad)


def randint_like(x: Tensor, low=0, high=None, *, dtype=None, device=None) -> Tensor:
    """``torch.randint_like``: randint with ``x``'s shape and dtype."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(x.shape), dtype=dtype or x.dtype,
                   device=device or x.device)


_RANDPERM_SMALL = 0xFFFFFFFF // 20


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A random permutation of ``0..n-1``, PyTorch's stream (``torch.randperm``)."""
    n = int(n)
    if n < 0:
        _fail("randperm(n)", f"n={n}", "n >= 0")
    if n >= _RANDPERM_SMALL:
        _fail("randperm(n)", f"n={n}", f"n < {_RANDPERM_SMALL}",
              "PyTorch switches to another algorithm above this size, which trueno does "
              "not reproduce")
    dt = D.as_dtype(dtype) if dtype is not None else D.int64
    g = _gen(generator)
    with g._lock:
        raw = g._eng.random(n - 1) if n > 1 else np.zeros(0, np.uint64)
    z = (raw % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
    perm = list(range(n))
    for i, k in enumerate(z):
        j = i + k
        perm[i], perm[j] = perm[j], perm[i]
    return _out(np.asarray(perm, dtype=np.int64), dt, device, requires_grad)


def _host(x):
    return x._host() if isinstance(x, Tensor) else x


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False) -> Tensor:
    """``torch.normal``: float mean/std with a size, or tensors (broadcast) of means/stds."""
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    g = _gen(generator)
    if not mt and not st:
        if size is None:
            _fail("normal(mean, std)", "float mean and std without size", "a size",
                  "torch.normal(0.0, 1.0, size=(n,))")
        shape = tuple(int(s) for s in size)
        dt = _float_dtype(dtype, "normal")
        dev = as_device(device)
        if G.uses_philox(dev, generator) and dt.name in G.NORMAL_DTYPES:
            if not float(std) >= 0.0:
                _fail("normal(mean, std)", f"std={std}", "std >= 0.0")
            t = G.normal(shape, dt, dev, float(mean), float(std), generator)
            return t.requires_grad_() if requires_grad else t
        with g._lock:
            vals = _normal(g._eng, math.prod(shape), float(mean), float(std), _kind(dt))
        return _out(vals.reshape(shape), dt, device, requires_grad)
    ref = mean if mt else std
    dt = ref.dtype
    shape = np.broadcast_shapes(np.shape(_host(mean)), np.shape(_host(std)))
    npdt = dt.numpy
    if st and (_host(std) < 0).any():
        _fail("normal(mean, std)", "a negative std", "std >= 0.0")
    with g._lock:
        if mt and not st:
            vals = _normal(g._eng, math.prod(shape), 0.0, float(std), _kind(dt))
            vals = vals.astype(npdt).reshape(shape) + _host(mean).astype(npdt)
        else:
            vals = _normal(g._eng, math.prod(shape), 0.0, 1.0, _kind(dt)).astype(npdt)
            vals = vals.reshape(shape) * np.asarray(_host(std)).astype(npdt)
            vals = vals + np.asarray(_host(mean)).astype(npdt)
    return _out(vals, dt, device or ref.device, requires_grad)


def rand_like(x, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``torch.rand_like``."""
    return rand(*x.shape, dtype=dtype or x.dtype, device=device or x.device,
                requires_grad=requires_grad)


def randn_like(x, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``torch.randn_like``."""
    return randn(*x.shape, dtype=dtype or x.dtype, device=device or x.device,
                 requires_grad=requires_grad)


def bernoulli(input, p=None, *, generator=None) -> Tensor:  # noqa: A002
    """``torch.bernoulli``: 0/1 draws with the probabilities in ``input`` (or a float ``p``)."""
    vals = bernoulli_like(input, input if p is None else p, generator)
    if isinstance(vals, Tensor):
        return vals
    return _out(vals, input.dtype, input.device)


def multinomial(input, num_samples, replacement=False, *, generator=None) -> Tensor:  # noqa: A002
    """``torch.multinomial``: PyTorch's CPU algorithms (exponential race without replacement
    or for one sample, a binary search in the cumulative sums with replacement)."""
    probs = input._host()
    if probs.ndim not in (1, 2):
        _fail("multinomial(input)", f"a {probs.ndim}-d tensor", "a 1-d or 2-d tensor")
    if probs.dtype.kind != "f":
        _fail("multinomial(input)", f"dtype {input.dtype}", "a floating dtype")
    k = int(num_samples)
    ncat = probs.shape[-1]
    if k <= 0:
        _fail("multinomial(num_samples)", str(k), "num_samples > 0")
    if not replacement and k > ncat:
        _fail("multinomial(num_samples)", f"{k} samples from {ncat} categories",
              "num_samples <= number of categories without replacement",
              "pass replacement=True")
    rows = probs.reshape(-1, ncat)
    if not (np.isfinite(rows).all() and (rows >= 0).all()):
        _fail("multinomial(input)", "inf, nan or an element < 0",
              "a probability tensor of finite, non-negative values")
    if (rows.sum(axis=1) == 0).any():
        _fail("multinomial(input)", "a row that sums to 0",
              "rows with a positive sum (invalid multinomial distribution)")
    g = _gen(generator)
    work = np.float32 if probs.dtype not in (np.float32, np.float64) else probs.dtype
    if not replacement or k == 1:
        with g._lock:
            u = g._eng.uniform64(rows.size)
        q = (-E._libm(math.log1p, -u)).astype(probs.dtype).reshape(rows.shape)
        ratio = (rows / q).astype(probs.dtype)
        if k == 1:
            out = np.argmax(ratio, axis=1)[:, None]
        else:
            out = np.argsort(-ratio.astype(np.float64), axis=1, kind="stable")[:, :k]
    else:
        out = np.empty((rows.shape[0], k), np.int64)
        with g._lock:
            for i, row in enumerate(rows.astype(work)):
                cum = np.add.accumulate(row, dtype=work)
                cum = (cum / cum[-1]).astype(work)
                cum[-1] = 1
                u = g._eng.uniform64(k)
                out[i] = np.searchsorted(cum.astype(np.float64), u, side="left")
    out = out.astype(np.int64)
    return _out(out if probs.ndim == 2 else out[0], D.int64, input.device)


# ------------------------------------------------------------------------------------------
# in-place Tensor samplers that _tensor.py does not define (yet): x.bernoulli_(p),
# x.exponential_(lambd). Attached only where the Tensor class lacks them.
# ------------------------------------------------------------------------------------------

def _bernoulli_(self, p=0.5, *, generator=None):
    self[...] = bernoulli_like(self, p, generator)
    return self


def _exponential_(self, lambd=1.0, *, generator=None):
    self[...] = exponential_like(self, lambd, generator)
    return self


def _cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    self[...] = cauchy_like(self, median, sigma, generator)
    return self


def _log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    self[...] = log_normal_like(self, mean, std, generator)
    return self


def _geometric_(self, p, *, generator=None):
    self[...] = geometric_like(self, p, generator)
    return self


def _random_(self, from_=None, to=None, *, generator=None, **kw):
    if "from" in kw:
        from_ = kw.pop("from")
    if kw:
        _fail("random_()", f"keywords {sorted(kw)}", "from, to, generator")
    self[...] = random_like(self, from_, to, generator)
    return self


def _bernoulli_method(self, p=None, *, generator=None):
    return bernoulli(self, p, generator=generator)


def _multinomial_method(self, num_samples, replacement=False, *, generator=None):
    return multinomial(self, num_samples, replacement, generator=generator)


for _name, _fn in (("bernoulli_", _bernoulli_), ("exponential_", _exponential_),
                   ("cauchy_", _cauchy_), ("log_normal_", _log_normal_),
                   ("geometric_", _geometric_), ("random_", _random_),
                   ("bernoulli", _bernoulli_method), ("multinomial", _multinomial_method)):
    if not hasattr(Tensor, _name):
        setattr(Tensor, _name, _fn)
