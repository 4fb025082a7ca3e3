"""Sample inputs for gradient tests, generated from the op table.

Elementwise and reduction rows get their samples from their shape rule and ``row.domain``;
every other differentiable row needs an entry in ``CUSTOM`` (a row without one fails the
op-table test, so a new differentiable op cannot go untested).
"""

from __future__ import annotations

import math

import numpy as np

import trueno as tn
from trueno import _dispatch as X
from trueno._optable import OPS


def draw(rng, shape, domain="real"):
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "unit":
        return rng.uniform(-0.9, 0.9, shape)
    if domain == "ge1":
        return rng.uniform(1.2, 3.0, shape)
    if domain == "small":
        return rng.uniform(-1.5, 1.5, shape)
    if domain == "nonzero":
        return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 2.0, shape)
    return rng.standard_normal(shape)


def leaf(arr, layout="contiguous", dtype=None, cls=None):
    """A leaf that requires grad, laid out contiguously, transposed or with a step."""
    arr = np.asarray(arr, dtype=np.float64)
    if layout == "transposed" and arr.ndim >= 2:
        t = tn.asarray(np.ascontiguousarray(np.swapaxes(arr, -1, -2)), cls=cls).mT
    elif layout == "strided" and arr.ndim >= 1:
        t = tn.asarray(np.repeat(arr, 2, axis=-1), cls=cls)[..., ::2]
    else:
        t = tn.asarray(arr.copy(), cls=cls)
    if dtype is not None:
        t = t.astype(dtype)
    return t.detach().requires_grad_()


# -- elementwise ----------------------------------------------------------------------------------
_UNARY_LAYOUTS = [((3, 4), "contiguous"), ((3, 4), "transposed"), ((2, 3), "strided"),
                  ((), "contiguous")]
_BINARY_LAYOUTS = [((3, 4), (3, 4), "contiguous", "contiguous"),
                   ((3, 4), (4,), "transposed", "contiguous"),
                   ((2, 1, 3), (4, 1), "contiguous", "strided"),
                   ((3, 4), (), "contiguous", "contiguous")]


def _domains(row):
    """Input domains of a binary row: ``domain`` names the second input for "nonzero"."""
    if row.name == "pow":
        # NOTE: a negative base with a real exponent is nan; the base is drawn positive.
        return "positive", "small"
    if row.domain == "nonzero":
        return "real", "nonzero"
    return row.domain, row.domain


def unary_cases(row, rng):
    cases = []
    for shape, layout in _UNARY_LAYOUTS:
        x = leaf(draw(rng, shape, row.domain), layout)
        cases.append((f"{shape} {layout}", lambda x: X.unary(row, x), (x,)))
    if row.name == "gelu":
        x = leaf(draw(rng, (3, 4)))
        cases.append(("tanh", lambda x: X.unary(row, x, approximate="tanh"), (x,)))
    return cases


def binary_cases(row, rng):
    da, db = _domains(row)
    cases = []
    for sa, sb, la, lb in _BINARY_LAYOUTS:
        a, b = leaf(draw(rng, sa, da), la), leaf(draw(rng, sb, db), lb)
        cases.append((f"{sa}{la} {sb}{lb}", lambda a, b: X.binary(row, a, b), (a, b)))
    a = leaf(draw(rng, (3, 4), da))
    cases.append(("python scalar", lambda a: X.binary(row, a, 0.7), (a,)))
    b = leaf(draw(rng, (3, 4), db))
    cases.append(("reflected scalar", lambda b: X.binary(row, b, 1.3, True), (b,)))
    return cases


# -- reductions -----------------------------------------------------------------------------------
_REDUCE_EXTRA = {"var": {"correction": 1.0}, "std": {"correction": 1.0}}
_REDUCE_DOMAIN = {"prod": "nonzero"}


def _reducer(name):
    if name == "vector_norm":
        import trueno.linalg as la
        return la.vector_norm
    return getattr(tn, name)


def reduce_cases(row, rng):
    fn = _reducer(row.name)
    dom = _REDUCE_DOMAIN.get(row.name, row.domain)
    extra = _REDUCE_EXTRA.get(row.name, {})
    cases = []
    for shape, layout, kw in [((2, 3, 4), "contiguous", {"axis": None}),
                              ((2, 3, 4), "contiguous", {"axis": 1}),
                              ((2, 3, 4), "transposed", {"axis": (0, 2), "keepdims": True}),
                              ((3, 4), "strided", {"axis": -1}),
                              ((), "contiguous", {})]:
        if row.name == "std" and not shape:
            continue  # the derivative of std at zero spread is 0/0 (nan, as in PyTorch)
        x = leaf(draw(rng, shape, dom), layout)
        kw = {**kw, **extra} if shape else kw  # one element: correction=1 is degenerate
        cases.append((f"{shape} {layout} {kw}", lambda x, kw=kw: fn(x, **kw), (x,)))
    if row.name == "prod":
        z = leaf([[1.5, 0.0, -2.0], [0.0, 0.0, 1.0], [0.5, 2.0, -1.0]])
        cases += [("zeros axis=1", lambda z: fn(z, axis=1), (z,)),
                  ("zeros all", lambda z: fn(z), (z,))]
    if row.name == "vector_norm":
        for p in (1.0, 3.0, math.inf):
            x = leaf(draw(rng, (3, 4)))
            cases.append((f"ord={p}", lambda x, p=p: fn(x, axis=1, ord=p), (x,)))
    return cases


# -- everything else: one entry per op ------------------------------------------------------------
def _run(name, inputs, datas, params):
    x = inputs[0]
    return X.run(OPS[name], inputs, datas, params, x.__class__, x._device, x._dtype)


def _where(rng):
    cond = tn.asarray(rng.standard_normal((3, 4)) > 0)
    x, y = leaf(draw(rng, (3, 4))), leaf(draw(rng, (4,)))
    z = leaf(draw(rng, (3, 1)), "strided")
    return [("x y", lambda x, y: tn.where(cond, x, y), (x, y)),
            ("x scalar", lambda z: tn.where(cond, z, 0.5), (z,))]


def _clip(rng):
    x = leaf(draw(rng, (3, 4)))
    return [("both", lambda x: X.unary(OPS["clip"], x, min=-0.5, max=0.5), (x,)),
            ("min", lambda x: X.unary(OPS["clip"], x, min=0.1, max=None), (x,))]


def _astype(rng):
    x = leaf(draw(rng, (3, 4)), "transposed")
    return [("f64->f32->f64", lambda x: x.astype(tn.float32).astype(tn.float64), (x,))]


def _contiguous(rng):
    x = leaf(draw(rng, (3, 4)), "transposed")
    return [("copy of a transposed view", lambda x: x.copy(), (x,))]


def _cumsum(rng):
    x = leaf(draw(rng, (3, 4)), "transposed")
    return [("axis=1", lambda x: tn.cumsum(x, axis=1), (x,)),
            ("axis=None", lambda x: tn.cumsum(x), (x,))]


def _cumprod(rng):
    x = leaf(draw(rng, (3, 4), "nonzero"))
    return [("axis=0", lambda x: tn.cumprod(x, axis=0), (x,))]


def _softmax(name):
    def make(rng):
        x = leaf(draw(rng, (3, 4)), "transposed")
        return [(f"axis={a}", lambda x, a=a: X.unary(OPS[name], x, axis=a), (x,))
                for a in (0, 1)]
    return make


def _layer_norm(rng):
    x = leaf(draw(rng, (2, 3, 4)))
    w, b = leaf(draw(rng, (4,))), leaf(draw(rng, (4,)))

    def full(x, w, b):
        return _run("layer_norm", (x, w, b), (x._data,),
                    {"normalized_ndim": 1, "weight": w._data, "bias": b._data, "eps": 1e-5})

    def plain(x):
        return _run("layer_norm", (x,), (x._data,),
                    {"normalized_ndim": 2, "weight": None, "bias": None, "eps": 1e-5})
    return [("weight and bias", full, (x, w, b)), ("normalized_ndim=2", plain, (x,))]


def _addcmul(rng):
    x, t1, t2 = (leaf(draw(rng, (3, 4))) for _ in range(3))
    return [("value=0.5", lambda x, a, b: _run("addcmul", (x, a, b),
                                               (x._data, a._data, b._data), {"value": 0.5}),
             (x, t1, t2))]


def _matmul(rng):
    def pair(sa, sb, la="contiguous", lb="contiguous"):
        return leaf(draw(rng, sa), la), leaf(draw(rng, sb), lb)
    mm = tn.matmul
    return [("2d", mm, pair((3, 4), (4, 2), "transposed")),
            ("batched broadcast", mm, pair((2, 3, 4), (4, 5))),
            ("batch 1 vs 3", mm, pair((2, 1, 3, 4), (3, 4, 2), "contiguous", "transposed")),
            ("1d @ 2d", mm, pair((4,), (4, 2))),
            ("2d @ 1d", mm, pair((3, 4), (4,))),
            ("1d @ 1d", mm, pair((4,), (4,)))]


def _conv2d(rng):
    def conv(params):
        def f(x, w, b):
            return _run("conv2d", (x, w, b), (x._data, w._data), {**params, "bias": b._data})
        return f
    x, w, b = leaf(draw(rng, (2, 3, 5, 5))), leaf(draw(rng, (4, 3, 3, 3))), \
        leaf(draw(rng, (4,)))
    x2, w2, b2 = leaf(draw(rng, (1, 4, 6, 6))), leaf(draw(rng, (4, 2, 2, 2))), \
        leaf(draw(rng, (4,)))
    return [("stride 2 padding 1", conv({"stride": (2, 2), "padding": (1, 1),
                                         "dilation": (1, 1), "groups": 1}), (x, w, b)),
            ("groups 2 dilation 2", conv({"stride": (1, 1), "padding": (0, 0),
                                          "dilation": (2, 2), "groups": 2}), (x2, w2, b2))]


def _reshape(rng):
    x, y = leaf(draw(rng, (3, 4))), leaf(draw(rng, (3, 4)), "transposed")
    return [("view", lambda x: tn.reshape(x, (2, 6)), (x,)),
            ("copy then view", lambda y: tn.reshape(y, (12,)), (y,))]


def _permute(rng):
    x = leaf(draw(rng, (2, 3, 4)))
    return [("(2,0,1)", lambda x: tn.permute_dims(x, (2, 0, 1)), (x,))]


def _expand(rng):
    x = leaf(draw(rng, (3, 1)), "strided")
    return [("(3,1)->(2,3,4)", lambda x: tn.broadcast_to(x, (2, 3, 4)), (x,))]


def _getitem(rng):
    x = leaf(draw(rng, (3, 4)), "transposed")
    return [("slices", lambda x: x[1:, ::2], (x,)), ("int", lambda x: x[0], (x,)),
            ("none ellipsis", lambda x: x[None, ..., -1], (x,)),
            ("reverse", lambda x: x[::-1], (x,))]


def _diagonal(rng):
    x, y = leaf(draw(rng, (3, 4))), leaf(draw(rng, (2, 3, 3)))
    return [("main", lambda x: x.diagonal(), (x,)), ("offset 1", lambda x: x.diagonal(1), (x,)),
            ("axes 0,2", lambda y: y.diagonal(0, 0, 2), (y,))]


def _index(rng):
    x = leaf(draw(rng, (3, 4)), "transposed")
    mask = np.array([True, False, True])
    return [("repeated ints", lambda x: x[np.array([0, 2, 0, 0])], (x,)),
            ("list and slice", lambda x: x[[1, 0, 1], 1:], (x,)),
            ("bool mask", lambda x: x[mask], (x,)),
            ("2-d index array", lambda x: x[:, np.array([[2, 2], [0, 3]])], (x,))]


def _to_device(rng):
    x = leaf(draw(rng, (3, 4)))

    def move(x):
        # Only the CPU may be installed: record the op as a transfer from the CPU (the rule
        # sends the gradient back with g.to_device(params["device"])).
        out = X.wrap(x.__class__, x._data.copy(), x._device)
        X.STATE.autograd.record(OPS["to_device"], (x,), {"device": x._device}, out)
        return out
    return [("cpu->cpu", move, (x,))]


def _sort(rng):
    x = leaf(draw(rng, (3, 4)), "transposed")
    return [("axis=1", lambda x: tn.sort(x, axis=1), (x,)),
            ("descending axis=0", lambda x: tn.sort(x, axis=0, descending=True), (x,))]


def _concat(rng):
    a, b = leaf(draw(rng, (3, 2))), leaf(draw(rng, (3, 4)), "transposed")
    c = leaf(draw(rng, (3, 2)))
    k = tn.asarray(np.ones((3, 1)))
    return [("axis=1", lambda a, b: tn.concat([a, b], axis=1), (a, b)),
            ("with a constant", lambda a: tn.concat([k, a, k], axis=1), (a,)),
            ("stack", lambda a, c: tn.stack([a, c], axis=1), (a, c))]


def _einsum(rng):
    a, b, s = leaf(draw(rng, (3, 4))), leaf(draw(rng, (4, 2))), leaf(draw(rng, (3, 3)))
    p, q = leaf(draw(rng, (2, 3, 4))), leaf(draw(rng, (2, 5, 4)))
    return [("ij,jk->ik", lambda a, b: tn.einsum("ij,jk->ik", a, b), (a, b)),
            ("bij,bkj->bik", lambda p, q: tn.einsum("bij,bkj->bik", p, q), (p, q)),
            ("ii->i", lambda s: tn.einsum("ii->i", s), (s,))]


def _la():
    import trueno.linalg as la
    return la


def _spd(x):
    n = x.shape[-1]
    return x @ x.mT + n * tn.eye(n)


def _sym(x):
    return (x + x.mT) * 0.5


def _linalg(name):
    def make(rng):
        la = _la()
        a, m = leaf(draw(rng, (3, 3))), leaf(draw(rng, (4, 3)))
        b, batch = leaf(draw(rng, (3, 2))), leaf(draw(rng, (2, 3, 3)))
        table = {
            "linalg_inv": [("3x3", la.inv, (a,)), ("batch", la.inv, (batch,))],
            "linalg_det": [("3x3", la.det, (a,)), ("batch", la.det, (batch,))],
            "linalg_slogdet": [("logabsdet", lambda a: la.slogdet(a)[1], (a,))],
            "linalg_solve": [("matrix", la.solve, (a, b)),
                             ("vector", lambda a, v: la.solve(a, v), (a, leaf([1., 2., 3.])))],
            "linalg_cholesky": [("lower", lambda a: la.cholesky(_spd(a)), (a,)),
                                ("upper", lambda a: la.cholesky(_spd(a), upper=True), (a,))],
            "linalg_eigh": [("symmetrized", lambda a: tuple(la.eigh(_sym(a))), (a,))],
            "linalg_eigvalsh": [("symmetrized", lambda a: la.eigvalsh(_sym(a)), (a,))],
            "linalg_svd": [("tall", lambda m: tuple(la.svd(m, full_matrices=False)), (m,)),
                           ("wide", lambda m: tuple(la.svd(m.mT, full_matrices=False)), (m,))],
            "linalg_svdvals": [("tall", la.svdvals, (m,))],
            "linalg_qr": [("tall", lambda m: tuple(la.qr(m)), (m,))],
            "linalg_pinv": [("tall", la.pinv, (m,)), ("wide", lambda m: la.pinv(m.mT), (m,))],
        }
        return table[name]
    return make


def _complex_leaf(rng, shape):
    return tn.asarray(rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) \
        .requires_grad_()


def _fft(name):
    def make(rng):
        import trueno.fft as F
        x, c = leaf(draw(rng, (3, 4)), "transposed"), _complex_leaf(rng, (3, 4))
        table = {
            "fft_fftn": [("fft real", F.fft, (x,)), ("fftn complex", F.fftn, (c,)),
                         ("fft n=6 ortho", lambda t: F.fft(t, n=6, norm="ortho"), (c,)),
                         ("fft2 s=(2,5)", lambda t: F.fft2(t, s=(2, 5)), (x,))],
            "fft_ifftn": [("ifftn", F.ifftn, (c,)),
                          ("ifft n=3 forward", lambda t: F.ifft(t, n=3, norm="forward"), (c,))],
            "fft_rfftn": [("rfft", F.rfft, (x,)), ("rfft n=7", lambda t: F.rfft(t, n=7), (x,)),
                          ("rfft2 s=(4,3)", lambda t: F.rfft2(t, s=(4, 3)), (x,))],
            "fft_irfftn": [("irfft", F.irfft, (c,)),
                           ("irfft n=9 ortho", lambda t: F.irfft(t, n=9, norm="ortho"), (c,)),
                           ("irfftn", F.irfftn, (c,))],
            "fft_hfft": [("hfft", F.hfft, (c,)),
                         ("hfft n=5 forward", lambda t: F.hfft(t, n=5, norm="forward"), (c,))],
            "fft_ihfft": [("ihfft", F.ihfft, (x,)),
                          ("ihfft n=5 ortho", lambda t: F.ihfft(t, n=5, norm="ortho"), (x,))],
        }
        return table[name]
    return make


def _with_nans(rng, shape):
    a = rng.standard_normal(shape)
    a[rng.random(shape) < 0.3] = np.nan
    return leaf(a)


def _surface(name):
    def make(rng):
        x, y = leaf(draw(rng, (3, 4)), "transposed"), leaf(draw(rng, (3, 5)))
        nx = _with_nans(rng, (3, 4))
        table = {
            "topk": [("largest axis=1", lambda x: tn.topk(x, 2, axis=1).values, (x,)),
                     ("smallest axis=0", lambda x: tn.topk(x, 2, axis=0, largest=False).values,
                      (x,))],
            "pad": [("constant", lambda x: tn.pad(x, ((1, 0), (2, 1))), (x,)),
                    ("reflect", lambda x: tn.pad(x, ((2, 1), (1, 3)), mode="reflect"), (x,)),
                    ("edge", lambda x: tn.pad(x, 2, mode="edge"), (x,)),
                    ("wrap", lambda x: tn.pad(x, 1, mode="wrap"), (x,))],
            "median": [("even axis=1", lambda x: tn.median(x, axis=1), (x,)),
                       ("odd axis=1", lambda y: tn.median(y, axis=1), (y,)),
                       ("all keepdims", lambda x: tn.median(x, axis=None, keepdims=True), (x,))],
            "nansum": [("axis=1", lambda x: tn.nansum(x, axis=1), (nx,))],
            "nanprod": [("axis=0", lambda x: tn.nanprod(x, axis=0), (nx,))],
            "nanmean": [("all", lambda x: tn.nanmean(x), (nx,))],
            "nanmax": [("axis=1", lambda x: tn.nanmax(x, axis=1), (nx,))],
            "nanmin": [("axis=0", lambda x: tn.nanmin(x, axis=0), (nx,))],
            "nanvar": [("axis=1 ddof=1", lambda x: tn.nanvar(x, axis=1, ddof=1), (nx,)),
                       ("all keepdims", lambda x: tn.nanvar(x, keepdims=True), (nx,))],
            "nanstd": [("axis=0", lambda x: tn.nanstd(x, axis=0), (nx,))],
        }
        return table[name]
    return make


CUSTOM = {
    "where": _where, "clip": _clip, "astype": _astype, "contiguous": _contiguous,
    "cumsum": _cumsum, "cumprod": _cumprod, "softmax": _softmax("softmax"),
    "log_softmax": _softmax("log_softmax"), "layer_norm": _layer_norm, "addcmul": _addcmul,
    "matmul": _matmul, "conv2d": _conv2d, "reshape": _reshape, "permute_dims": _permute,
    "expand": _expand, "getitem": _getitem, "diagonal": _diagonal, "index": _index,
    "to_device": _to_device, "sort": _sort, "concat": _concat, "einsum": _einsum,
    **{n: _linalg(n) for n in ("linalg_inv", "linalg_det", "linalg_slogdet", "linalg_solve",
                               "linalg_cholesky", "linalg_eigh", "linalg_eigvalsh", "linalg_svd",
                               "linalg_svdvals", "linalg_qr", "linalg_pinv")},
    **{n: _surface(n) for n in ("topk", "pad", "median", "nansum", "nanprod", "nanmean",
                                "nanmax", "nanmin", "nanvar", "nanstd")},
    **{n: _fft(n) for n in ("fft_fftn", "fft_ifftn", "fft_rfftn", "fft_irfftn", "fft_hfft",
                            "fft_ihfft")},
}

# Wider tolerances, each with its reason.
TOLERANCES = {
    "astype": {"eps": 1e-3, "atol": 1e-3, "rtol": 1e-2},  # a float32 round trip in the middle
}


def _plugin_row(row) -> bool:
    """A row a plugin added (trueno-nn's functional rows), read off its decomposition's
    module."""
    d = row._decomposition
    mod = d.partition(":")[0] if isinstance(d, str) else getattr(d, "__module__", "") or ""
    return bool(mod) and mod.split(".")[0] != "trueno"


def _plugin_row_cases(row, rng):
    """A plugin's one- and two-input rows (trueno-nn's activations ``x, /, ...`` and losses
    ``input, target, /, ...``) with their default parameters, through the dispatcher, as
    trueno-nn calls them; binary_cross_entropy's input is a probability and nll_loss's target
    class indices (the row's own tests in trueno-nn cover the other parameters). The tensors
    are the PyTorch face's, as trueno-nn's are."""
    import trueno.torch as torch
    cls = torch.Tensor
    params = {n: row.signature.parameters[n].default for n in row.params}
    if row.name == "batch_norm":  # (C,) statistics; the variance positive
        x, m = leaf(draw(rng, (2, 3, 2)), cls=cls), leaf(draw(rng, (3,)), cls=cls)
        v = leaf(rng.uniform(0.5, 2.0, (3,)), cls=cls)
        return [("defaults", lambda x, m, v: _run(row.name, (x, m, v),
                                                  (x._data, m._data, v._data), params),
                 (x, m, v))]
    if row.name == "embedding":  # integer indices; the weight's dtype dispatches
        idx = tn.asarray(np.array([[0, 2], [1, 2]]), cls=cls)
        w = leaf(draw(rng, (3, 4)), cls=cls)
        return [("indices", lambda w: X.run(OPS[row.name], (idx, w), (idx._data, w._data),
                                            params, w.__class__, w._device, w._dtype), (w,))]
    if row.name == "group_norm":
        x = leaf(draw(rng, (2, 4, 3)), cls=cls)
        params["num_groups"] = 2
        return [("num_groups=2", lambda x: _run(row.name, (x,), (x._data,), params), (x,))]
    if row.nin == 1:
        x = leaf(draw(rng, (3, 4), row.domain), cls=cls)
        return [("defaults", lambda x: _run(row.name, (x,), (x._data,), params), (x,))]
    x = leaf(rng.uniform(0.1, 0.9, (4, 3)) if row.name == "binary_cross_entropy"
             else draw(rng, (4, 3)), cls=cls)
    if row.name == "nll_loss":
        t = tn.asarray(np.array([0, 2, 1, 2]), cls=cls)
        return [("class indices",
                 lambda x: _run(row.name, (x, t), (x._data, t._data), params), (x,))]
    y = leaf(rng.uniform(0.1, 0.9, (4, 3)) if row.domain in ("unit", "positive")
             else draw(rng, (4, 3)), cls=cls)
    return [("defaults", lambda x, y: _run(row.name, (x, y), (x._data, y._data), params),
             (x, y))]


def cases_for(row, seed=0):
    """The sample cases ``(label, fn, inputs)`` of a differentiable row, or None."""
    rng = np.random.default_rng(seed)
    if row.name in CUSTOM:
        return CUSTOM[row.name](rng)
    if row.shape == "broadcast" and row.nin == 1:
        return unary_cases(row, rng)
    if row.shape == "broadcast" and row.nin == 2:
        return binary_cases(row, rng)
    if row.shape == "reduce":
        return reduce_cases(row, rng)
    if row.nin in (1, 2, 3) and _plugin_row(row):
        return _plugin_row_cases(row, rng)
    return None
