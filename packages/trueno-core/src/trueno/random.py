"""Random numbers with NumPy's generators, so a seeded script gives NumPy's exact values.

``default_rng(seed)`` returns a :class:`Generator` (PCG64, as ``numpy.random.default_rng``);
the module-level functions (``seed``, ``rand``, ``randn``, ``randint``, ...) use a global
legacy ``RandomState`` as ``numpy.random`` does.
"""

from __future__ import annotations

import numpy as np

from . import _dtypes as D
from ._creation import _place, default_class
from ._tensor import Tensor

__all__ = ["Generator", "default_rng", "seed", "rand", "randn", "random", "random_sample",
           "ranf", "sample",
           "randint", "normal", "uniform", "standard_normal", "choice", "permutation",
           "shuffle", "get_state", "set_state", "RandomState", "BitGenerator", "PCG64",
           "PCG64DXSM", "MT19937", "Philox", "SFC64", "SeedSequence"]


def _wrap(values, dtype=None, device=None, cls=None):
    host = np.asarray(values)
    if dtype is not None:
        host = host.astype(D.as_dtype(dtype).numpy)
    return _place(cls or default_class(), host, device)


def _host(x):
    """NumPy's view of an argument: trueno arrays (also inside lists) become NumPy arrays,
    trueno dtypes NumPy dtypes."""
    if isinstance(x, Tensor):
        return x._host()
    if isinstance(x, D.DType):
        return x.numpy
    if isinstance(x, (list, tuple)) and any(isinstance(v, (Tensor, list, tuple)) for v in x):
        return type(x)(_host(v) for v in x)
    return x


class Generator:
    """A seeded random generator (NumPy's ``Generator`` over PCG64) returning trueno arrays.

    Examples
    --------
    >>> import trueno as tn
    >>> a = tn.random.default_rng(0).random(3)
    >>> b = tn.random.default_rng(0).random(3)
    >>> bool((a == b).all())
    True
    """

    def __init__(self, bit_generator=None, *, cls=None) -> None:
        self._g = bit_generator if isinstance(bit_generator, np.random.Generator) \
            else np.random.default_rng(bit_generator)
        self._cls = cls

    def _out(self, v, dtype=None, device=None):
        return _wrap(v, dtype, device, self._cls)

    def _into(self, fn, out, *args, **kwargs):
        """NumPy's ``out=`` of a draw: NumPy fills a host array of ``out``'s shape and dtype
        (its checks: dtype and size must agree), then ``out`` is written and returned."""
        if not isinstance(out, Tensor):
            return fn(*args, out=out, **kwargs)
        host = np.empty(out.shape, dtype=out.dtype.numpy)
        fn(*args, out=host, **kwargs)
        out[...] = _wrap(host, device=out.device, cls=out.__class__)
        return out

    def random(self, size=None, dtype=None, out=None, *, device=None):
        dt = D.as_dtype(dtype) if dtype is not None else D.float64
        ndt = np.float32 if dt is D.float32 else np.float64
        if out is not None:
            return self._into(self._g.random, out, size, dtype=ndt)
        return self._out(self._g.random(size, dtype=ndt), dt, device)

    def standard_normal(self, size=None, dtype=None, out=None, *, device=None):
        dt = D.as_dtype(dtype) if dtype is not None else D.float64
        ndt = np.float32 if dt is D.float32 else np.float64
        if out is not None:
            return self._into(self._g.standard_normal, out, size, dtype=ndt)
        return self._out(self._g.standard_normal(size, dtype=ndt), dt, device)

    def normal(self, loc=0.0, scale=1.0, size=None, *, dtype=None, device=None):
        return self._out(self._g.normal(_host(loc), _host(scale), size), dtype, device)

    def uniform(self, low=0.0, high=1.0, size=None, *, dtype=None, device=None):
        return self._out(self._g.uniform(_host(low), _host(high), size), dtype, device)

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False, *,
                 device=None):
        dt = D.as_dtype(dtype)
        return self._out(self._g.integers(_host(low), _host(high), size, dtype=dt.numpy,
                                          endpoint=endpoint), dt, device)

    def permutation(self, x, axis=0):
        return self._out(self._g.permutation(_host(x), axis=axis))

    def choice(self, a, size=None, replace=True, p=None, axis=0, shuffle=True):
        return self._out(self._g.choice(_host(a), size, replace, _host(p), axis, shuffle))

    def shuffle(self, x, axis=0) -> None:
        """Shuffle ``x`` in place along ``axis``."""
        if not isinstance(x, Tensor):  # a NumPy array or a list: NumPy's in-place shuffle
            self._g.shuffle(x, axis=axis)
            return
        host = x._host().copy()
        self._g.shuffle(host, axis=axis)
        x[...] = _wrap(host, device=x.device, cls=x.__class__)

    def permuted(self, x, *, axis=None, out=None):
        """A copy of ``x`` with each slice along ``axis`` shuffled independently."""
        res = self._g.permuted(_host(x), axis=axis)
        if out is None:
            return self._out(res, device=x.device if isinstance(x, Tensor) else None)
        out[...] = _wrap(res, device=out.device, cls=out.__class__) \
            if isinstance(out, Tensor) else res
        return out

    def spawn(self, n_children):
        """``n_children`` independent child generators (NumPy's ``Generator.spawn``)."""
        return [Generator(g, cls=self._cls) for g in self._g.spawn(n_children)]

    @property
    def bit_generator(self):
        return self._g.bit_generator

    def __repr__(self) -> str:
        return f"Generator({type(self._g.bit_generator).__name__})"

    def __getattr__(self, name):
        # Every other distribution NumPy's Generator has (gamma, beta, poisson, ...): same
        # arguments, trueno array out.
        if name.startswith("_"):
            raise AttributeError(name)
        fn = getattr(self._g, name)
        if not callable(fn):
            return fn

        def call(*args, **kwargs):
            args = [_host(a) for a in args]
            dest = kwargs.pop("out", None)
            kwargs = {k: _host(v) for k, v in kwargs.items()}
            if dest is not None:  # standard_exponential, standard_gamma: NumPy's out=
                return self._into(fn, dest, *args, **kwargs)
            out = fn(*args, **kwargs)
            return out if out is None or np.isscalar(out) and not isinstance(out, np.generic) \
                else self._out(out)
        call.__name__ = name
        return call


def default_rng(seed=None) -> Generator:
    """A new :class:`Generator`, seeded like ``numpy.random.default_rng(seed)``."""
    return Generator(seed)


_legacy = np.random.RandomState()


def seed(seed=None) -> None:
    _legacy.seed(seed)


def get_state():
    return _legacy.get_state()


def set_state(state) -> None:
    _legacy.set_state(state)


def rand(*shape):
    return _wrap(_legacy.random_sample(shape or None))


def randn(*shape):
    return _wrap(_legacy.standard_normal(shape or None))


def random(size=None):
    return _wrap(_legacy.random_sample(size))


random_sample = ranf = sample = random  # NumPy's legacy aliases of random_sample


def standard_normal(size=None):
    return _wrap(_legacy.standard_normal(size))


def randint(low, high=None, size=None, dtype=int):
    return _wrap(_legacy.randint(low, high, size, dtype=D.as_dtype(dtype).numpy))


def normal(loc=0.0, scale=1.0, size=None):
    return _wrap(_legacy.normal(_host(loc), _host(scale), size))


def uniform(low=0.0, high=1.0, size=None):
    return _wrap(_legacy.uniform(_host(low), _host(high), size))


def choice(a, size=None, replace=True, p=None):
    return _wrap(_legacy.choice(_host(a), size, replace, _host(p)))


def permutation(x):
    return _wrap(_legacy.permutation(_host(x)))


def shuffle(x) -> None:
    if not isinstance(x, Tensor):
        _legacy.shuffle(x)
        return
    host = x._host().copy()
    _legacy.shuffle(host)
    x[...] = _wrap(host, device=x.device, cls=x.__class__)


# NumPy's bit generators and seeding objects, as ``numpy.random`` exports them.
BitGenerator = np.random.BitGenerator
PCG64 = np.random.PCG64
PCG64DXSM = np.random.PCG64DXSM
MT19937 = np.random.MT19937
Philox = np.random.Philox
SFC64 = np.random.SFC64
SeedSequence = np.random.SeedSequence


class RandomState:
    """NumPy's legacy ``RandomState`` (Mersenne Twister) returning trueno arrays."""

    def __init__(self, seed=None) -> None:
        self._rs = seed if isinstance(seed, np.random.RandomState) else \
            np.random.RandomState(seed)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        fn = getattr(self._rs, name)
        if not callable(fn) or name in ("seed", "get_state", "set_state"):
            return fn

        def call(*args, **kwargs):
            out = fn(*[_host(a) for a in args], **{k: _host(v) for k, v in kwargs.items()})
            return out if out is None or np.isscalar(out) and not isinstance(out, np.generic) \
                else _wrap(out)
        call.__name__ = name
        return call

    def shuffle(self, x) -> None:
        if not isinstance(x, Tensor):
            self._rs.shuffle(x)
            return
        host = x._host().copy()
        self._rs.shuffle(host)
        x[...] = _wrap(host, device=x.device, cls=x.__class__)


def __getattr__(name):
    fn = getattr(_legacy, name, None)
    if fn is None or name.startswith("_"):
        raise AttributeError(f"module 'trueno.random' has no attribute {name!r}")

    def call(*args, **kwargs):
        return _wrap(fn(*[_host(a) for a in args], **{k: _host(v) for k, v in kwargs.items()}))
    call.__name__ = name
    return call
