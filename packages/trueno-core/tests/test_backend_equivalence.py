"""Every kernel of every installed backend against the reference backend (DESIGN.md §2, §7).

Generated from the registry: for each backend other than the reference one, for each
``(op, dtype)`` it registers a kernel for, the op's samples run once with that backend forced
(on its device) and once on the reference backend, and the results must agree. A kernel is
tested the moment it is registered; an op a backend registers with no samples here fails
``test_every_registered_kernel_has_samples``.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

import trueno as tn
from trueno._dtypes import as_dtype
from trueno._registry import load_plugins

import backend_cases_fft
import backend_cases_linalg
import backend_cases_optim
import backend_cases_random
from trueno_core_helpers import sample

REG = load_plugins()

# (device, dtype) -> values; elementwise samples per op domain
SHAPES_1 = [(), (0,), (7,), (3, 5), (2, 3, 33)]
SHAPES_2 = [((3, 5), (3, 5)), ((3, 1), (1, 5)), ((2, 3, 4), (4,)), ((), (6,)), ((0, 3), (3,))]


def _values(shape, dtype, domain, rng, second=False):
    dt = as_dtype(dtype).numpy
    kind = dt.kind
    if kind == "b":
        return rng.random(shape) > 0.5
    if kind in "iu":
        lo, hi = (1, 6) if domain in ("positive", "ge1") or (second and domain == "nonzero") \
            else ((0, 6) if kind == "u" else (-5, 6))
        if domain == "small":
            lo, hi = (0, 3)
        return rng.integers(lo, hi, shape).astype(dt)
    if domain == "positive":
        v = rng.uniform(0.1, 4.0, shape)
    elif domain == "unit":
        v = rng.uniform(-0.9, 0.9, shape)
    elif domain == "ge1":
        v = rng.uniform(1.1, 4.0, shape)
    elif domain == "small":
        v = rng.uniform(-2.0, 2.0, shape)
    elif domain == "nonzero" and second:
        v = rng.uniform(0.5, 3.0, shape) * rng.choice([-1, 1], shape)
    else:
        v = rng.uniform(-3.0, 3.0, shape)
    if kind == "c":
        v = v + 1j * rng.uniform(-1, 1, shape)
    return np.asarray(v).astype(dt)


def _on(values, device):
    t = tn.asarray(values)
    return t if device == "cpu" else t.to_device(device)


def _host(x):
    if isinstance(x, tuple):
        return tuple(_host(i) for i in x)
    return x.cpu().numpy() if isinstance(x, tn.Tensor) else np.asarray(x)


def _tol(backend, op, dtype):
    custom = REG.backends[backend].tolerances.get(op) or {}
    base = {"float16": (2e-2, 1e-2), "bfloat16": (5e-2, 5e-2), "float32": (1e-4, 1e-4),
            "complex64": (2e-5, 1e-5)}.get(dtype, (1e-12, 1e-12))
    return custom.get(dtype, base) if isinstance(custom, dict) else custom


def _call(fn, args, device):
    return fn(*[_on(a, device) for a in args])


def _elementwise_cases(row, dtype, rng):
    """Samples from the row's domains (``Op.domains_for``, ranges in trueno._optable.DOMAINS),
    as the differential tests draw them."""
    fn = getattr(tn, row.name)
    doms = row.domains_for(dtype)
    if row.nin == 1:
        for shape in SHAPES_1:
            yield fn, [sample(dtype, shape, doms[0], rng)]
    else:
        for s1, s2 in SHAPES_2:
            yield fn, [sample(dtype, s1, doms[0], rng), sample(dtype, s2, doms[1], rng)]


def _reduce_cases(row, dtype, rng):
    fn = getattr(tn, row.name) if hasattr(tn, row.name) else None
    if row.name == "vector_norm":
        fn = tn.linalg.vector_norm
    for shape, axis, keep in [((7,), None, False), ((3, 50), 1, False), ((3, 50), 0, True),
                              ((4, 5, 6), (0, 2), False), ((100_003,), None, False)]:
        if row.name in ("argmax", "argmin") and isinstance(axis, tuple):
            continue
        if row.name == "prod":  # keep products inside the dtype's range
            shape = tuple(min(n, 3) for n in shape)
        x = _values(shape, dtype, "unit" if row.name == "prod" else row.domain, rng)
        yield (lambda t, fn=fn, axis=axis, keep=keep: fn(t, axis=axis, keepdims=keep)), [x]


def _custom_cases(name, dtype, rng):
    v = lambda s, d="real": _values(s, dtype, d, rng)  # noqa: E731
    F = {
        "where": [(lambda c, x, y: tn.where(c, x, y),
                   [_values((3, 4), "bool", "real", rng), v((3, 4)), v((4,))])],
        "clip": [(lambda x: tn.clip(x, 0, 2), [v((5, 6))])],
        "astype": [(lambda x: x.astype(tn.float32), [v((4, 5))]),
                   (lambda x: x.astype(tn.int32), [v((9,))])],
        "contiguous": [(lambda x: x.T.copy(), [v((4, 5))])],
        "copy_": [(lambda x: _setitem(x), [v((4, 5))])],
        "cumsum": [(lambda x: tn.cumsum(x, axis=1), [v((3, 70))]),
                   (lambda x: tn.cumsum(x), [v((1000,))])],
        "cumprod": [(lambda x: tn.cumprod(x, axis=0), [v((4, 3), "unit")])],
        "softmax": [(lambda x: _torch_like("softmax", x, 1), [v((4, 37))])],
        "log_softmax": [(lambda x: _torch_like("log_softmax", x, 0), [v((5, 3))])],
        "layer_norm": [(lambda x: _layer_norm(x), [v((4, 16))])],
        "layer_norm_backward": [
            (lambda x, g: _layer_norm_backward(x, g, None, 1), [v((4, 16)), v((4, 16))]),
            (lambda x, g, w: _layer_norm_backward(x, g, w, 2),
             [v((3, 4, 37)), v((3, 4, 37)), v((4, 37))]),
            (lambda x, g, w: _layer_norm_backward(x.mT, g, w, 1),
             [v((9, 5)), v((5, 9)), v((5,))])],
        "matmul": [(lambda a, b: a @ b, [v((5, 7)), v((7, 3))]),
                   (lambda a, b: a @ b, [v((2, 5, 70)), v((70, 9))]),
                   (lambda a, b: a.T @ b, [v((7, 5)), v((7, 3))]),
                   (lambda a, b: a @ b, [v((65, 130)), v((130, 66))])],
        "concat": [(lambda a, b: tn.concat([a, b], axis=1), [v((3, 2)), v((3, 5))])],
        "sort": [(lambda x: tn.sort(x, axis=-1), [v((4, 33))])],
        "argsort": [(lambda x: tn.argsort(x, axis=0), [v((40, 3))])],
        "addcmul": [(lambda x, a, b: _addcmul(x, a, b), [v((3, 4)), v((3, 4)), v((4,))])],
        "conv2d": _conv2d_cases(v),
        "batch_norm_training": [
            (lambda x, w, b: _row("batch_norm_training", (x, w, b), eps=1e-5),
             [v((4, 3, 5, 6)), v((3,)), v((3,))]),
            (lambda x: _row("batch_norm_training", (x, None, None), eps=0.1), [v((9, 5))])],
        "batch_norm_backward": [
            (lambda x, g, m, r, w: _row("batch_norm_backward", (x, g, m, r, w)),
             [v((4, 3, 5, 6)), v((4, 3, 5, 6)), v((3,)), v((3,), "positive"), v((3,))]),
            (lambda x, g, m, r: _row("batch_norm_backward", (x, g, m, r, None)),
             [v((5, 2, 7)), v((5, 2, 7)), v((2,)), v((2,), "positive")])],
        "cross_entropy_forward": [
            (lambda x, t, w, red=red: _row("cross_entropy_forward", (x, t, w), reduction=red),
             [v((6, 5)), np.array([0, 4, -100, 2, 1, 3]), v((5,), "positive")])
            for red in ("mean", "sum", "none")] + [
            (lambda x, t: _row("cross_entropy_forward", (x, t, None)),
             [v((3, 4, 2, 5)), rng.integers(0, 4, (3, 2, 5))])],
        "cross_entropy_backward": [
            (lambda x, t, w, lse, g, d: _row("cross_entropy_backward", (x, t, w, lse, g, d)),
             [v((6, 5)), np.array([0, 4, -100, 2, 1, 3]), v((5,), "positive"), v((6,)),
              v(()), v((), "positive")]),
            (lambda x, t, lse, g, d: _row("cross_entropy_backward", (x, t, None, lse, g, d),
                                          reduction="none"),
             [v((3, 4, 2, 5)), rng.integers(0, 4, (3, 2, 5)), v((3, 2, 5)), v((3, 2, 5)),
              v(())])],
        "max_pool2d_forward": [
            (lambda x, g=g, cm=cm: _row("max_pool2d_forward", (x,), ceil_mode=cm, **g), [v(s)])
            for s, g, cm in _POOL_CASES],
        "max_pool2d_backward": [
            (lambda gr, x, g=g, cm=cm: _row("max_pool2d_backward", (
                gr, _row("max_pool2d_forward", (x,), ceil_mode=cm, **g)[1]),
                input_size=tuple(x.shape[2:]), **g), [v(o), v(s)])
            for (s, g, cm), o in zip(_POOL_CASES, ((2, 3, 4, 3), (1, 2, 4, 5)), strict=True)],
        "threshold_backward": [
            (lambda g, x: _row("threshold_backward", (g, x)), [v((4, 9)), v((4, 9))]),
            (lambda g, x: _row("threshold_backward", (g, x), threshold=0.25),
             [v((3, 1, 5)), v((3, 4, 5))])],
        # the LSTM cell: contiguous operands, and views with other strides (a transposed
        # gates_h, a broadcast c_prev; the backward's dh_out broadcast, c transposed), the
        # results new or written into views of one array (c_prev read from the same one)
        "lstm_cell_forward": [
            (lambda gx, gh, c: _row("lstm_cell_forward", (gx, gh, c, None, None, None)),
             [v((3, 20)), v((3, 20)), v((3, 5))]),
            (lambda gx, gh, c: _row("lstm_cell_forward", (gx, gh.mT, tn.broadcast_to(c, (3, 5)))),
             [v((3, 20)), v((20, 3)), v((1, 5))]),
            (lambda gx, gh, s: _row("lstm_cell_forward", (
                gx, gh, s[0, :, :5], s[1, :, :5], s[1, :, 5:10], s[2, :, :20])),
             [v((3, 20)), v((3, 20)), v((3, 3, 20))])],
        "lstm_cell_backward": [
            (lambda dh, do, dc, cp, c, ws: _row("lstm_cell_backward", (dh, do, dc, cp, c, ws)),
             [v((3, 5)), v((3, 5)), v((3, 5)), v((3, 5)), v((3, 5)), v((3, 20), "unit")]),
            (lambda dh, do, dc, cp, c, ws: _row("lstm_cell_backward", (
                dh, tn.broadcast_to(do, (3, 5)), dc, cp, c.mT, ws)),
             [v((3, 5)), v((5,)), v((3, 5)), v((3, 5)), v((5, 3)), v((3, 20), "unit")]),
            (lambda dh, do, s, cp, c, ws: _row("lstm_cell_backward", (
                dh, do, s[0, :, :5], cp, c, ws, s[1], s[0, :, 5:10])),
             [v((3, 5)), v((3, 5)), v((2, 3, 20)), v((3, 5)), v((3, 5)), v((3, 20), "unit")])],
        # the GRU cell: with the hidden bias and new results, without it and the results
        # in views of one array (h_prev read from the same one)
        "gru_cell_forward": [
            (lambda gx, gh, hp, b: _row("gru_cell_forward", (gx, gh, hp, b, None, None)),
             [v((3, 15)), v((3, 15)), v((3, 5)), v((15,))]),
            (lambda gx, gh, s: _row("gru_cell_forward", (
                gx, gh.mT, s[0, :, :5], None, s[0, :, 5:10], s[1])),
             [v((3, 15)), v((15, 3)), v((2, 3, 20))])],
        "gru_cell_backward": [
            (lambda dh, do, hp, ws: _row("gru_cell_backward", (dh, do, hp, ws)),
             [v((3, 5)), v((3, 5)), v((3, 5)), v((3, 20), "unit")]),
            (lambda dh, do, hp, ws, da, s: _row("gru_cell_backward", (
                dh, tn.broadcast_to(do, (3, 5)), hp, ws, da, s[0, :, :15], s[1, :, :15],
                s[0, :, 15:20])),
             [v((3, 5)), v((5,)), v((3, 5)), v((3, 20), "unit"), v((3, 5)), v((2, 3, 20))])],
        "batch_norm_update_stats": [
            (lambda rm, rv, m, s, nb, keep=keep: _update_stats(rm, rv, m, s, nb, keep),
             [v((5,)), v((5,), "positive"), v((5,)), v((5,), "positive"), np.array(7)])
            for keep in ("both", "mean", "var")],
    }
    nan = v((4, 9))
    if as_dtype(dtype).kind in "fc":
        nan[0, 1] = nan[2, 5] = np.nan
    idx = rng.integers(0, 4, (3, 9))
    srt = np.sort(v((20,)))
    surface = {
        "around": [(lambda x: tn.around(x, 1), [v((5, 6))])],
        "average": [(lambda x, w: tn.average(x, axis=1, weights=w),
                     [v((4, 9)), v((9,), "positive")])],
        "count_nonzero": [(lambda x: tn.count_nonzero(x, axis=0), [v((5, 6))])],
        "isclose": [(lambda a, b: tn.isclose(a, b), [v((5, 6)), v((5, 6))])],
        "isin": [(lambda a, b: tn.isin(a, b), [v((5, 6)), v((7,))])],
        "median": [(lambda x: tn.median(x, axis=1), [v((4, 9))])],
        "quantile": [(lambda x: tn.quantile(x, 0.3, axis=0), [v((4, 9))])],
        "nanquantile": [(lambda x: tn.nanquantile(x, 0.7, axis=1), [nan])],
        "nanmedian": [(lambda x: tn.nanmedian(x, axis=1), [nan])],
        "searchsorted": [(lambda a, q: tn.searchsorted(a, q), [srt, v((7,))])],
        "digitize": [(lambda q, b: tn.digitize(q, b), [v((9,)), srt])],
        "interp": [(lambda q, xp, fp: tn.interp(q, xp, fp), [v((9,)), srt, v((20,))])],
        "pad": [(lambda x: tn.pad(x, 2), [v((3, 4))]),
                (lambda x: tn.pad(x, ((1, 0), (2, 3)), constant_values=1), [v((3, 4))])],
        "topk": [(lambda x: tn.topk(x, 3, axis=-1) if hasattr(tn, "topk") else x,
                  [v((4, 9))])],
        "take": [(lambda x, i: tn.take(x, i, axis=0), [v((4, 9)), idx.ravel()])],
        "take_along_axis": [(lambda x, i: tn.take_along_axis(x, i, axis=0),
                             [v((4, 9)), idx])],
        "gather": [(lambda x, i: tn.gather(x, 0, i), [v((4, 9)), idx])],
        "scatter": [(lambda x, i, s: tn.scatter(x, 0, i, s),
                     [v((4, 9)), np.argsort(rng.random((4, 9)), axis=0)[:3], v((3, 9))])],
        "scatter_add": [(lambda x, i, s: tn.scatter_add(x, 0, i, s),
                         [v((4, 9)), idx, v((3, 9))])],
        # a partition is not unique: compared as (sorted left part, kth value, sorted right)
        "partition": [(lambda x: _canon_partition(tn.partition(x, 4, axis=-1), 4),
                       [v((4, 9))])],
        "argpartition": [(lambda x: _canon_partition(tn.take_along_axis(
            x, tn.argpartition(x, 4, axis=-1), axis=-1), 4), [v((4, 9))])],
        "index": [(lambda x, i: x[i, 1:], [v((4, 9)), idx[:, 0]])],
        "index_put": [(lambda x, i: _index_put(x, i), [v((4, 9)), idx[:, 0]])],
        # an integer exponent (NumPy has no float-exponent loop), as an array and a scalar
        "ldexp": [(lambda x, e: tn.ldexp(x, e),
                   [v((4, 9)), rng.integers(-140, 140, (4, 9)).astype(np.int32)]),
                  (lambda x: tn.ldexp(x, -3), [v((7,))])],
    }
    for n in ("nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmin",
              "nanprod", "nanstd", "nansum", "nanvar"):
        surface[n] = [(lambda x, n=n: getattr(tn, n)(x, axis=1), [nan])]
    F.update(surface)
    F.update(backend_cases_linalg.cases(v, dtype, rng))
    F.update(backend_cases_fft.cases(v, dtype, rng))
    F.update(backend_cases_optim.cases(v, dtype, rng))
    F.update(backend_cases_random.cases(v, dtype, rng))
    return F.get(name) or _generic_cases(name, dtype, rng)


def _generic_cases(name, dtype, rng):
    """For an op with no hand-written sample: the first of a few simple calls of the public
    function of the same name that the reference backend accepts."""
    fn = getattr(tn, name, None)
    if not callable(fn):
        return None
    a1, b1 = _values((9,), dtype, "real", rng), _values((5,), dtype, "real", rng)
    a2, b2 = _values((4, 9), dtype, "real", rng), _values((4, 9), dtype, "real", rng)
    for args in ([a2], [a1, b1], [a2, b2], [a1]):
        try:
            with tn.use_backend("reference"):
                fn(*[tn.asarray(a) for a in args])
        except Exception:  # not this signature; try the next
            continue
        return [(fn, args)]
    return None


def _canon_partition(p, k):
    return tn.concat([tn.sort(p[..., :k], axis=-1), p[..., k:k + 1],
                      tn.sort(p[..., k + 1:], axis=-1)], axis=-1)


def _index_put(x, i):
    y = x.copy()
    y[i, 2] = 5
    return y


def _setitem(x):
    y = x.copy()
    y[1:3, ::2] = 7
    return y


def _torch_like(name, x, axis):
    from trueno._dispatch import run
    row = tn.OPS[name]
    return run(row, (x,), (x._data,), {"axis": axis}, x.__class__, x.device, x.dtype)


def _layer_norm(x):
    from trueno._dispatch import run
    row = tn.OPS["layer_norm"]
    return run(row, (x,), (x._data,), {"normalized_ndim": 1, "weight": None, "bias": None,
                                       "eps": 1e-5}, x.__class__, x.device, x.dtype)


def _layer_norm_backward(x, g, w, nd):
    from trueno._dispatch import run
    row = tn.OPS["layer_norm_backward"]
    return run(row, (x, g, w), (x._data, g._data, None if w is None else w._data),
               {"normalized_ndim": nd, "eps": 1e-5}, x.__class__, x.device, x.dtype)


# max pooling: (input shape, geometry, ceil_mode); padding, stride, dilation, overlaps
_POOL_CASES = [((2, 3, 7, 6), dict(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0),
                                   dilation=(1, 1)), True),
               ((1, 2, 8, 9), dict(kernel_size=(3, 2), stride=(2, 2), padding=(1, 1),
                                   dilation=(1, 2)), False)]


def _update_stats(rm, rv, m, s, nb, keep):
    """batch_norm_update_stats on copies of the running buffers (one left out unless
    ``keep == "both"``; the int64 counter left out with the mean): the updated buffers."""
    rm = rm.copy() if keep != "var" else None
    rv = rv.copy() if keep != "mean" else None
    nb = nb.copy() if keep != "var" else None
    from trueno._dispatch import run
    ts = (rm, rv, m, s, nb)
    run(tn.OPS["batch_norm_update_stats"], ts, tuple(None if t is None else t._data for t in ts),
        {"momentum": 0.1, "factor": 1.25}, m.__class__, m.device, m.dtype)
    return tuple(t for t in (rm, rv, nb) if t is not None)


def _row(name, tensors, **params):
    """Row ``name`` through the dispatcher on its tensor inputs (None for an absent one)."""
    from trueno._dispatch import run
    x = tensors[0]
    return run(tn.OPS[name], tensors, tuple(None if t is None else t._data for t in tensors),
               params, x.__class__, x.device, x.dtype)


def _addcmul(x, a, b):
    from trueno._dispatch import run
    row = tn.OPS["addcmul"]
    return run(row, (x, a, b), (x._data, a._data, b._data), {"value": 0.5}, x.__class__,
               x.device, x.dtype)


def _conv2d(x, w, b=None, **params):
    """conv2d through the dispatcher (NCHW input, OIHW weight), as trueno-nn calls it."""
    from trueno._dispatch import run
    row = tn.OPS["conv2d"]
    p = {"stride": (1, 1), "padding": (0, 0), "dilation": (1, 1), "groups": 1, **params}
    if b is not None:
        p["bias"] = b._data
    return run(row, (x, w), (x._data, w._data), p, x.__class__, x.device, x.dtype)


def _conv2d_cases(v):
    return [(lambda x, w: _conv2d(x, w), [v((2, 3, 7, 8)), v((4, 3, 3, 3))]),
            (lambda x, w, b: _conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
             [v((2, 3, 9, 8)), v((4, 3, 3, 2)), v((4,))]),
            (lambda x, w: _conv2d(x, w, groups=2, padding=(1, 1)),
             [v((1, 4, 6, 6)), v((6, 2, 3, 3))]),
            (lambda x, w: _conv2d(x, w), [v((2, 5, 4, 4)), v((3, 5, 1, 1))])]


def cases_for(op_name, dtype, rng):
    row = tn.OPS.get(op_name)
    if row is None:
        return None
    if row.shape == "broadcast" and hasattr(tn, row.name):
        return list(_elementwise_cases(row, dtype, rng))
    if row.shape == "reduce":
        return list(_reduce_cases(row, dtype, rng))
    return _custom_cases(op_name, dtype, rng)


def _registered():
    out = []
    for b in REG.backends.values():
        if b.name == "reference":
            continue
        for op, k in b.kernels.items():
            dtypes = sorted(k) if isinstance(k, dict) else ["float32", "float64", "int32"]
            for dt in dtypes:
                out.append((b.name, b.devices[0], op, dt))
    return out


REGISTERED = _registered()


def test_every_registered_kernel_has_samples():
    """Every registered (op, dtype) has samples here: test_kernel_matches_reference fails for
    one that has none, rather than passing without running it."""
    rng = np.random.default_rng(0)
    missing = sorted({(b, op, dt) for b, _, op, dt in REGISTERED
                      if not cases_for(op, dt, rng)})
    assert missing == []


def _device_usable(device):
    if device == "cpu":
        return True
    try:
        return REG.devices[device].device_count() > 0
    except Exception:
        return False


@pytest.mark.parametrize("backend,device,op,dtype", REGISTERED,
                         ids=[f"{b}-{o}-{d}" for b, _, o, d in REGISTERED])
def test_kernel_matches_reference(backend, device, op, dtype):
    if not _device_usable(device):
        pytest.skip(f"no '{device}' adapter on this machine (GPU tests need a Vulkan driver, "
                    f"e.g. apt-get install mesa-vulkan-drivers libvulkan1)")
    rng = np.random.default_rng(zlib.crc32(f"{op}-{dtype}".encode()))
    cases = cases_for(op, dtype, rng)
    assert cases, f"no samples for {backend}'s {op} kernel ({dtype}): add them to cases_for"
    supported = REG.devices[device].dtypes(0) if device != "cpu" else None
    if supported is not None and dtype not in supported:
        pytest.skip(f"the '{device}' adapter of this machine has no {dtype}")
    rtol, atol = _tol(backend, op, dtype)
    compared = 0
    for fn, args in cases:
        with tn.use_backend("reference"):
            try:
                want = _host(_call(fn, args, "cpu"))
            except (ValueError, TypeError, IndexError, ArithmeticError):
                continue  # the op rejects this input everywhere (e.g. max of empty)
        compared += 1
        with tn.use_backend(backend):
            got = _host(_call(fn, args, device))
        for g, w in zip(got if isinstance(got, tuple) else (got,),
                        want if isinstance(want, tuple) else (want,)):
            assert g.shape == w.shape, (op, dtype, [a.shape for a in args])
            if as_dtype(w.dtype).kind in "fc":
                np.testing.assert_allclose(g.astype(np.float64) if w.dtype.kind != "c" else g,
                                           w.astype(np.float64) if w.dtype.kind != "c" else w,
                                           rtol=rtol, atol=atol, equal_nan=True,
                                           err_msg=f"{op} {dtype}")
            else:
                np.testing.assert_array_equal(g, w, err_msg=f"{op} {dtype}")
    assert compared, f"every sample of {op} ({dtype}) was rejected by the reference backend"


_ = math
