"""SIMD kernels honour NumPy's errstate (np.seterr / np.errstate) exactly as NumPy's ufuncs do.

Each case runs an op through trueno with the SIMD backend forced (a spy checks the SIMD
kernel ran) and the same inputs through NumPy, under errstate 'raise', 'warn', 'ignore' and
'call', and compares the exceptions, the warnings (category and message), the callbacks and,
under 'ignore', the values.
"""

import warnings

import numpy as np
import pytest

import trueno as tn
from trueno import _registry

N_SMALL, N_BIG = 100, 300_000  # one thread / split across the pool (above 2**17)


def full(n, value, dtype, bad=None, at=0):
    """n copies of `value`, with `bad` at position `at` (0 or -1)."""
    a = np.full(n, value, dtype)
    if bad is not None:
        a[at] = bad
    return a


def plus_minus_inf(n, dtype, at):
    """Ones with +inf at `at` and -inf in the middle."""
    a = full(n, 1, dtype, np.inf, at)
    a[n // 2] = -np.inf
    return a


# (name, SIMD kernel spied on, trueno function, NumPy function, inputs(n, dtype, at))
CASES = [
    ("divide-by-zero", "divide", lambda a, b: a / b, np.divide,
     lambda n, dt, at: (full(n, 1, dt), full(n, 1, dt, 0, at))),
    ("divide-0/0", "divide", lambda a, b: a / b, np.divide,
     lambda n, dt, at: (full(n, 0, dt), full(n, 1, dt, 0, at))),
    ("divide-overflow", "divide", lambda a, b: a / b, np.divide,
     lambda n, dt, at: (full(n, 1e4, dt), full(n, 1, dt, np.finfo(dt).tiny, at))),
    ("multiply-overflow", "multiply", lambda a, b: a * b, np.multiply,
     lambda n, dt, at: (full(n, 2, dt, np.finfo(dt).max, at), full(n, 2, dt))),
    ("multiply-underflow", "multiply", lambda a, b: a * b, np.multiply,
     lambda n, dt, at: (full(n, 1, dt, np.finfo(dt).tiny, at), full(n, 0.3, dt))),
    ("multiply-inf*0", "multiply", lambda a, b: a * b, np.multiply,
     lambda n, dt, at: (full(n, 1, dt, np.inf, at), full(n, 0, dt))),
    ("add-overflow", "add", lambda a, b: a + b, np.add,
     lambda n, dt, at: (full(n, 1, dt, np.finfo(dt).max, at), full(n, np.finfo(dt).max, dt))),
    ("subtract-inf-inf", "subtract", lambda a, b: a - b, np.subtract,
     lambda n, dt, at: (full(n, 1, dt, np.inf, at), full(n, np.inf, dt))),
    ("pow-0**-1", "pow", tn.power, np.power,
     lambda n, dt, at: (full(n, 2, dt, 0, at), full(n, -1, dt))),
    ("pow-(-1)**0.5", "pow", tn.power, np.power,
     lambda n, dt, at: (full(n, 2, dt, -1, at), full(n, 0.5, dt))),
    ("pow-overflow", "pow", tn.power, np.power,
     lambda n, dt, at: (full(n, 2, dt, 10, at), full(n, 400, dt))),
    ("log-0", "log", tn.log, np.log, lambda n, dt, at: (full(n, 2, dt, 0, at),)),
    ("log--0", "log", tn.log, np.log, lambda n, dt, at: (full(n, 2, dt, -0.0, at),)),
    ("log-negative", "log", tn.log, np.log, lambda n, dt, at: (full(n, 2, dt, -1, at),)),
    ("log--inf", "log", tn.log, np.log, lambda n, dt, at: (full(n, 2, dt, -np.inf, at),)),
    ("log-nan-quiet", "log", tn.log, np.log, lambda n, dt, at: (full(n, 2, dt, np.nan, at),)),
    ("sqrt-negative", "sqrt", tn.sqrt, np.sqrt, lambda n, dt, at: (full(n, 4, dt, -1, at),)),
    ("exp-overflow", "exp", tn.exp, np.exp, lambda n, dt, at: (full(n, 1, dt, 1000, at),)),
    ("exp-underflow", "exp", tn.exp, np.exp, lambda n, dt, at: (full(n, 1, dt, -1000, at),)),
    ("exp-inf-quiet", "exp", tn.exp, np.exp,
     lambda n, dt, at: (full(n, np.inf, dt, -np.inf, at),)),
    ("sin-inf", "sin", tn.sin, np.sin, lambda n, dt, at: (full(n, 1, dt, np.inf, at),)),
    ("cos-inf", "cos", tn.cos, np.cos, lambda n, dt, at: (full(n, 1, dt, -np.inf, at),)),
    ("maximum-nan-quiet", "maximum", tn.maximum, np.maximum,
     lambda n, dt, at: (full(n, 1, dt, np.nan, at), full(n, 2, dt))),
    ("less-nan-quiet", "less", tn.less, np.less,
     lambda n, dt, at: (full(n, 1, dt, np.nan, at), full(n, 2, dt))),
    ("sum-overflow", "sum", tn.sum, np.sum,
     lambda n, dt, at: (full(n, np.finfo(dt).max / 4, dt),)),
    ("sum-inf-inf", "sum", tn.sum, np.sum, lambda n, dt, at: (plus_minus_inf(n, dt, at),)),
    ("sum-one-inf-quiet", "sum", tn.sum, np.sum, lambda n, dt, at: (full(n, 1, dt, np.inf, at),)),
    ("mean-overflow", "mean", tn.mean, np.mean,
     lambda n, dt, at: (full(n, np.finfo(dt).max / 4, dt),)),
]
DTYPES = ("float32", "float64", "float16")
# float16 goes through the SIMD elementwise kernels only (README: reductions fall back)
PARAMS = [pytest.param(c, dt, id=f"{c[0]}-{dt}") for c in CASES for dt in DTYPES
          if not (c[1] in ("sum", "mean") and dt == "float16")]


def run(fn, args, mode, calls):
    """Call fn under errstate(all=mode): (result or exception, [(category, message)])."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(all=mode, call=calls):
        warnings.simplefilter("always")
        try:
            out = fn(*args)
        except FloatingPointError as e:
            out = e
    return out, [(w.category, str(w.message)) for w in caught]


@pytest.fixture
def spy(monkeypatch):
    """Wrap the SIMD backend's kernel for (op, dtype); returns the list of its calls."""
    def install(op, dtype):
        calls = []
        kernels = _registry.load_plugins().backends["simd"].kernels
        inner = kernels[op][dtype]

        def spy_kernel(*a, **kw):
            calls.append(op)
            return inner(*a, **kw)

        monkeypatch.setitem(kernels, op, {**kernels[op], dtype: spy_kernel})
        _registry.clear_kernel_cache()
        return calls
    yield install
    _registry.clear_kernel_cache()


def call_log():
    log = []

    def record(kind, flag):
        log.append((kind, flag))
    record.log = log
    return record


@pytest.mark.parametrize("mode", ["raise", "warn", "ignore", "call"])
@pytest.mark.parametrize("n", [N_SMALL, N_BIG])
@pytest.mark.parametrize("at", [0, -1])
@pytest.mark.parametrize("case, dtype", PARAMS)
def test_errstate_matches_numpy(case, dtype, at, n, mode, spy):
    name, kernel, tn_fn, np_fn, make = case
    args = make(n, dtype, at)
    want_cb, got_cb = call_log(), call_log()
    want, want_warn = run(np_fn, args, mode, want_cb)
    reached = spy(kernel, dtype)
    with tn.use_backend("simd"):
        targs = [tn.asarray(a) for a in args]
        got, got_warn = run(tn_fn, targs, mode, got_cb)
    assert reached, f"the SIMD {kernel} kernel was not called"
    assert got_warn == want_warn
    assert got_cb.log == want_cb.log
    if isinstance(want, FloatingPointError):
        assert isinstance(got, FloatingPointError) and str(got) == str(want)
        return
    assert not isinstance(got, FloatingPointError), got
    g, w = np.asarray(got), np.asarray(want)
    assert g.dtype == w.dtype and g.shape == w.shape
    if kernel in ("exp", "log", "pow", "sin", "cos", "sum", "mean"):  # a few ulps from NumPy
        np.testing.assert_allclose(g.astype(float), w.astype(float), rtol=4 * np.finfo(dtype).eps)
    else:
        np.testing.assert_array_equal(g, w)


def test_issue_example_raises():
    with tn.use_backend("simd"), tn.errstate(all="raise"):
        with pytest.raises(FloatingPointError, match="divide by zero encountered in divide"):
            tn.ones(8000) / tn.zeros(8000)


def test_cases_cover_every_flag_and_are_not_all_quiet():
    """The table exercises divide, overflow, underflow and invalid, and quiet controls."""
    seen = set()
    for name, _, _, np_fn, make in CASES:
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
            warnings.simplefilter("always")
            np_fn(*make(N_SMALL, "float64", 0))
        seen |= {str(w.message).split(" encountered")[0] for w in caught}
        assert bool(caught) != name.endswith("quiet"), name
    assert seen == {"divide by zero", "overflow", "underflow", "invalid value"}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [None, 1])
def test_mean_of_an_empty_slice_warns_like_numpy(dtype, axis):
    from trueno_simd import _core as k
    x = np.zeros((3, 0), dtype)
    want, want_warn = run(lambda a: np.mean(a, axis=axis), (x,), "warn", None)
    got, got_warn = run(lambda a: k.mean(a, axis), (x,), "warn", None)
    assert got_warn == want_warn and len(want_warn) == 2
    np.testing.assert_array_equal(got, want)
