"""Gradients vs ``torch.autograd`` (torch==2.13.0): same inputs, same graph, per rule and for
composed programs (an MLP loss, softmax cross-entropy, a layer-norm block)."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest
from ag_setup import grad_mode_restored  # noqa: F401  (autouse fixture)
from ag_samples import draw

import trueno as tn
from trueno import _dispatch as X
from trueno._optable import OPS

torch = pytest.importorskip("torch", reason="torch is not importable (CI installs "
                                            "torch==2.13.0 for these differential tests)")
F = torch.nn.functional
la = pytest.importorskip("trueno.linalg")

TOL = {"float64": 1e-10, "float32": 1e-5}


def _tu(name, **kw):
    return lambda x: X.unary(OPS[name], x, **kw)


def _tb(name):
    return lambda a, b: X.binary(OPS[name], a, b)


def _run(name, inputs, datas, params):
    x = inputs[0]
    return X.run(OPS[name], inputs, datas, params, x.__class__, x._device, x._dtype)


def _spd_tn(x):
    return x @ x.mT + 3.0 * tn.eye(3, dtype=x.dtype)


def _spd_th(x):
    return x @ x.mT + 3.0 * torch.eye(3, dtype=x.dtype)


_IDX = np.array([0, 2, 0, 1])
_NANS = np.array([[1.0, np.nan, 1.0, 1.0], [1.0, 1.0, 1.0, np.nan], [np.nan, 1.0, 1.0, 1.0]])
_COND = np.array([[True, False, True, False]] * 3)

# Rows whose PyTorch twin takes complex inputs only (torch.imag of a real tensor raises).
_COMPLEX_TWINS = ("conj", "real", "imag")
# Sample domains for the vs-torch gradients where the row's differ: pow's real-valued branch
# (a positive base; the row's "small" base gives NaN for fractional exponents).
_DOMAINS = {"pow": ("positive", "small")}


def _elementwise_cases():
    """One case per differentiable elementwise row with a PyTorch twin, read from the table
    (``Op.torch_fn``, ``Op.domains``): a new row is tested here without editing this file."""
    out = []
    for row in OPS.values():
        twin = row.torch_fn(torch)
        if (row.shape != "broadcast" or not row.differentiable or twin is None
                or row.name in _COMPLEX_TWINS or row.nin not in (1, 2)):
            continue
        doms = _DOMAINS.get(row.name, row.domains)
        if row.nin == 1:
            out.append((row.name, _tu(row.name), twin, [((3, 4), doms[0])]))
        else:
            out.append((row.name, _tb(row.name), twin, [((3, 4), doms[0]), ((4,), doms[1])]))
    return out


def test_elementwise_cases_cover_the_table():
    """The derived list is not empty and holds the rows the hand list had (a regression
    guard for the derivation itself)."""
    names = {c[0] for c in _elementwise_cases()}
    assert {"negative", "exp", "acosh", "sigmoid", "gelu", "i0e", "silu", "relu", "add",
            "divide", "pow", "xlogy", "copysign", "logaddexp"} <= names


# name, trueno fn, torch fn, inputs [(shape, domain)]
CASES = [
    *_elementwise_cases(),
    ("gelu tanh", _tu("gelu", approximate="tanh"), lambda x: F.gelu(x, approximate="tanh"),
     [((3, 4), "real")]),
    ("sum", lambda x: tn.sum(x, axis=(0, 2)), lambda x: x.sum((0, 2)), [((2, 3, 4), "real")]),
    ("prod", lambda x: tn.prod(x, axis=1), lambda x: x.prod(1), [((3, 4), "nonzero")]),
    ("prod zeros", lambda x: tn.prod(x * tn.asarray([1.0, 0.0, 1.0, 1.0], dtype=x.dtype),
                                     axis=1),
     lambda x: (x * torch.tensor([1.0, 0.0, 1.0, 1.0], dtype=x.dtype)).prod(1),
     [((3, 4), "real")]),
    ("mean", lambda x: tn.mean(x, axis=1, keepdims=True), lambda x: x.mean(1, keepdim=True),
     [((3, 4), "real")]),
    ("var", lambda x: tn.var(x, axis=0, correction=1), lambda x: x.var(0, correction=1),
     [((3, 4), "real")]),
    ("std", lambda x: tn.std(x, axis=1), lambda x: x.std(1, correction=0),
     [((3, 4), "real")]),
    ("max", lambda x: tn.max(x, axis=1), lambda x: x.amax(1), [((3, 4), "real")]),
    ("min", lambda x: tn.min(x), lambda x: x.amin(), [((3, 4), "real")]),
    ("logsumexp", lambda x: tn.logsumexp(x, axis=1), lambda x: x.logsumexp(1),
     [((3, 4), "real")]),
    ("vector_norm", lambda x: la.vector_norm(x, axis=1, ord=3.0),
     lambda x: torch.linalg.vector_norm(x, ord=3.0, dim=1), [((3, 4), "real")]),
    ("cumsum", lambda x: tn.cumsum(x, axis=1), lambda x: x.cumsum(1), [((3, 4), "real")]),
    ("cumprod", lambda x: tn.cumprod(x, axis=0), lambda x: x.cumprod(0),
     [((3, 4), "nonzero")]),
    ("softmax", _tu("softmax", axis=1), lambda x: x.softmax(1), [((3, 4), "real")]),
    ("log_softmax", _tu("log_softmax", axis=0), lambda x: x.log_softmax(0),
     [((3, 4), "real")]),
    ("clip", _tu("clip", min=-0.5, max=0.5), lambda x: x.clamp(-0.5, 0.5), [((3, 4), "real")]),
    ("where", lambda a, b: tn.where(tn.asarray(_COND), a, b),
     lambda a, b: torch.where(torch.from_numpy(_COND), a, b), [((3, 4), "real"),
                                                                ((4,), "real")]),
    ("matmul", tn.matmul, torch.matmul, [((2, 3, 4), "real"), ((4, 5), "real")]),
    ("index", lambda x: x[_IDX], lambda x: x[torch.from_numpy(_IDX)], [((3, 4), "real")]),
    ("getitem", lambda x: x[1:, ::-2], lambda x: x[1:].flip(1)[:, ::2], [((3, 4), "real")]),
    ("diagonal", lambda x: x.diagonal(1), lambda x: x.diagonal(1), [((3, 4), "real")]),
    ("expand", lambda x: tn.broadcast_to(x, (2, 3, 4)), lambda x: x.expand(2, 3, 4),
     [((3, 1), "real")]),
    ("permute_dims", lambda x: tn.permute_dims(x, (2, 0, 1)), lambda x: x.permute(2, 0, 1),
     [((2, 3, 4), "real")]),
    ("concat", lambda a, b: tn.concat([a, b], axis=1), lambda a, b: torch.cat([a, b], 1),
     [((3, 2), "real"), ((3, 4), "real")]),
    ("sort", lambda x: tn.sort(x, axis=1), lambda x: x.sort(1).values, [((3, 4), "real")]),
    ("layer_norm", lambda x, w, b: _run("layer_norm", (x, w, b), (x._data,),
                                        {"normalized_ndim": 1, "weight": w._data,
                                         "bias": b._data, "eps": 1e-5}),
     lambda x, w, b: F.layer_norm(x, (4,), w, b, 1e-5),
     [((2, 3, 4), "real"), ((4,), "real"), ((4,), "real")]),
    ("conv2d", lambda x, w, b: _run("conv2d", (x, w, b), (x._data, w._data),
                                    {"stride": (2, 1), "padding": (1, 2), "dilation": (1, 2),
                                     "groups": 1, "bias": b._data}),
     lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
     [((2, 3, 6, 7), "real"), ((4, 3, 3, 2), "real"), ((4,), "real")]),
    ("linalg_inv", la.inv, torch.linalg.inv, [((3, 3), "real")]),
    ("linalg_det", la.det, torch.linalg.det, [((2, 3, 3), "real")]),
    ("linalg_solve", la.solve, torch.linalg.solve, [((3, 3), "real"), ((3, 2), "real")]),
    ("linalg_cholesky", lambda x: la.cholesky(_spd_tn(x)),
     lambda x: torch.linalg.cholesky(_spd_th(x)), [((3, 3), "real")]),
    ("linalg_slogdet", lambda x: la.slogdet(x)[1], lambda x: torch.linalg.slogdet(x)[1],
     [((3, 3), "real")]),
    ("linalg_pinv", la.pinv, torch.linalg.pinv, [((4, 3), "real")]),
    ("linalg_qr", lambda x: la.qr(x)[1], lambda x: torch.linalg.qr(x)[1],
     [((4, 3), "real")]),
    ("linalg_svdvals", la.svdvals, torch.linalg.svdvals, [((4, 3), "real")]),
    ("linalg_eigvalsh", lambda x: la.eigvalsh(x + x.mT),
     lambda x: torch.linalg.eigvalsh(x + x.mT), [((3, 3), "real")]),
    ("topk", lambda x: tn.topk(x, 2, axis=1).values, lambda x: x.topk(2, 1).values,
     [((3, 4), "real")]),
    ("pad", lambda x: tn.pad(x, ((0, 0), (2, 1))), lambda x: F.pad(x, (2, 1)),
     [((3, 4), "real")]),
    ("pad reflect", lambda x: tn.pad(x, ((0, 0), (2, 1)), mode="reflect"),
     lambda x: F.pad(x[None], (2, 1), mode="reflect")[0], [((3, 4), "real")]),
    ("median", lambda x: tn.median(x, axis=1), lambda x: x.median(1).values,
     [((3, 5), "real")]),  # odd count: NumPy averages the two middle values, torch does not
    ("nansum", lambda x: tn.nansum(x * tn.asarray(_NANS, dtype=x.dtype), axis=1),
     lambda x: (x * torch.tensor(_NANS, dtype=x.dtype)).nansum(1), [((3, 4), "real")]),
    ("nanmean", lambda x: tn.nanmean(x * tn.asarray(_NANS, dtype=x.dtype), axis=0),
     lambda x: (x * torch.tensor(_NANS, dtype=x.dtype)).nanmean(0), [((3, 4), "real")]),
    ("nanmax", lambda x: tn.nanmax(x * tn.asarray(_NANS, dtype=x.dtype), axis=1),
     lambda x: torch.where(torch.tensor(np.isnan(_NANS)), -torch.inf,
                           x * torch.tensor(_NANS, dtype=x.dtype)).amax(1), [((3, 4), "real")]),
    ("nanmin", lambda x: tn.nanmin(x * tn.asarray(_NANS, dtype=x.dtype)),
     lambda x: torch.where(torch.tensor(np.isnan(_NANS)), torch.inf,
                           x * torch.tensor(_NANS, dtype=x.dtype)).amin(), [((3, 4), "real")]),
    ("nanprod", lambda x: tn.nanprod(x * tn.asarray(_NANS, dtype=x.dtype), axis=1),
     lambda x: torch.where(torch.tensor(np.isnan(_NANS)), 1.0,
                           x * torch.tensor(_NANS, dtype=x.dtype)).prod(1), [((3, 4), "real")]),
    # complex outputs: compare through |.|^2 and the real part, a real loss
    ("fft_fftn", lambda x: tn.abs(_tfft().fft2(x, s=(2, 5))) ** 2.0,
     lambda x: torch.fft.fft2(x, s=(2, 5)).abs() ** 2, [((3, 4), "real")]),
    ("fft_ifftn", lambda x: _tfft().ifft(_tfft().fft(x), n=3, norm="ortho").real,
     lambda x: torch.fft.ifft(torch.fft.fft(x), n=3, norm="ortho").real, [((3, 4), "real")]),
    ("fft_rfftn", lambda x: tn.abs(_tfft().rfft(x, n=7)),
     lambda x: torch.fft.rfft(x, n=7).abs(), [((3, 4), "real")]),
    ("fft_irfftn", lambda x: _tfft().irfft(_tfft().rfft(x) * 1.5, n=5),
     lambda x: torch.fft.irfft(torch.fft.rfft(x) * 1.5, n=5), [((3, 4), "real")]),
    ("fft_hfft", lambda x: _tfft().hfft(_tfft().fft(x), n=5, norm="forward"),
     lambda x: torch.fft.hfft(torch.fft.fft(x), n=5, norm="forward"), [((3, 4), "real")]),
    ("fft_ihfft", lambda x: _tfft().ihfft(x, norm="ortho").imag,
     lambda x: torch.fft.ihfft(x, norm="ortho").imag.resolve_neg(), [((3, 4), "real")]),
]


def _tfft():
    import trueno.fft as f
    return f


def _compare(tn_fn, th_fn, arrays, dtype, weights_seed=7, tol=None):
    tn_in = [tn.asarray(a, dtype=dtype).requires_grad_() for a in arrays]
    th_in = [torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=True) for a in arrays]
    out_tn, out_th = tn_fn(*tn_in), th_fn(*th_in)
    w = np.random.default_rng(weights_seed).standard_normal(tuple(out_th.shape))
    (out_tn * tn.asarray(w, dtype=dtype)).sum().backward()
    (out_th * torch.tensor(w, dtype=getattr(torch, dtype))).sum().backward()
    tol = TOL[dtype] if tol is None else tol
    np.testing.assert_allclose(out_tn.detach()._host(), out_th.detach().numpy(), rtol=tol,
                               atol=tol)
    for i, (a, b) in enumerate(zip(tn_in, th_in)):
        assert a.grad is not None, f"no gradient for input {i}"
        assert a.grad.dtype == dtype
        np.testing.assert_allclose(a.grad._host(), b.grad.numpy(), rtol=tol,
                                   atol=tol * max(1.0, float(np.abs(b.grad.numpy()).max())),
                                   err_msg=f"gradient of input {i}")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_rule_matches_torch(case, dtype):
    name, tn_fn, th_fn, specs = case
    rng = np.random.default_rng(zlib.crc32(name.encode()))  # the same inputs every run
    arrays = [draw(rng, shape, dom) for shape, dom in specs]
    # float32 solves, inverses and factorizations amplify rounding by the condition number
    tol = 1e-4 if dtype == "float32" and name.startswith("linalg_") else None
    _compare(tn_fn, th_fn, arrays, dtype, tol=tol)


def _plugin_row(row) -> bool:
    """A row a plugin added (trueno-nn's losses and activations), read off its decomposition's
    module: the plugin's own tests compare it with torch (trueno-nn's test_nn_rows.py)."""
    d = row._decomposition
    mod = d.partition(":")[0] if isinstance(d, str) else getattr(d, "__module__", "") or ""
    return bool(mod) and mod.split(".")[0] != "trueno"


def test_every_differentiable_rule_is_compared_with_torch():
    """New rules get a torch comparison too (or are listed here with a reason)."""
    no_twin = {
        "positive": "identity", "conj": "identity on real inputs",
        "real": "identity on real inputs", "imag": "zero on real inputs",
        "astype": "cast", "contiguous": "copy", "to_device": "only the CPU in CI",
        "reshape": "covered by composed programs", "addcmul": "torch.addcmul is checked in "
        "test_addcmul_matches_torch", "einsum": "decomposition (no own rule)",
        "linalg_eigh": "eigenvector signs differ between LAPACK drivers; eigvalsh is compared",
        "linalg_svd": "singular vector signs differ; svdvals is compared",
        "nanvar": "torch has no nanvar", "nanstd": "torch has no nanstd",
    }
    names = {c[0].split()[0] for c in CASES}
    missing = [r.name for r in OPS.values()
               if r.differentiable and r.name not in names and r.name not in no_twin
               and not _plugin_row(r)]
    assert not missing, f"differentiable ops without a torch comparison: {missing}"


def test_addcmul_matches_torch():
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((3, 4)) for _ in range(3)]
    _compare(lambda x, a, b: _run("addcmul", (x, a, b), (x._data, a._data, b._data),
                                  {"value": 0.5}),
             lambda x, a, b: torch.addcmul(x, a, b, value=0.5), arrays, "float64")


# -- composed programs -------------------------------------------------------------------------
def _mlp_arrays(rng):
    return [rng.standard_normal((16, 20)), rng.standard_normal((20, 32)) * 0.2,
            rng.standard_normal(32) * 0.1, rng.standard_normal((32, 10)) * 0.2,
            rng.standard_normal(10) * 0.1]


_LABELS = np.array([1, 0, 3, 9, 2, 2, 5, 7, 8, 1, 0, 4, 6, 3, 2, 9])


def _mlp_tn(x, w1, b1, w2, b2):
    h = X.unary(OPS["relu"], x @ w1 + b1)
    logits = h @ w2 + b2
    logp = X.unary(OPS["log_softmax"], logits, axis=1)
    return -logp[np.arange(16), _LABELS].mean()


def _mlp_th(x, w1, b1, w2, b2):
    h = torch.relu(x @ w1 + b1)
    return F.cross_entropy(h @ w2 + b2, torch.from_numpy(_LABELS))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_mlp_cross_entropy_loss(dtype):
    _compare(_mlp_tn, _mlp_th, _mlp_arrays(np.random.default_rng(0)), dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_softmax_cross_entropy_from_primitives(dtype):
    def tn_fn(z):
        z = z - tn.max(z, axis=1, keepdims=True)
        p = tn.exp(z) / tn.sum(tn.exp(z), axis=1, keepdims=True)
        onehot = tn.asarray(np.eye(5)[_LABELS[:6] % 5], dtype=dtype)
        return -(onehot * tn.log(p)).sum(axis=1).mean()

    def th_fn(z):
        return F.cross_entropy(z, torch.from_numpy(_LABELS[:6] % 5))
    _compare(tn_fn, th_fn, [np.random.default_rng(1).standard_normal((6, 5))], dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_layer_norm_block(dtype):
    def tn_fn(x, w, g, b):
        h = x @ w
        mu = tn.mean(h, axis=-1, keepdims=True)
        var = tn.var(h, axis=-1, keepdims=True)
        y = (h - mu) / tn.sqrt(var + 1e-5) * g + b
        return X.unary(OPS["gelu"], y).reshape(-1).sum()

    def th_fn(x, w, g, b):
        return F.gelu(F.layer_norm(x @ w, (6,), g, b, 1e-5)).reshape(-1).sum()
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((2, 4, 5)), rng.standard_normal((5, 6)),
              rng.standard_normal(6), rng.standard_normal(6)]
    _compare(tn_fn, th_fn, arrays, dtype)


def test_hessian_vector_product_matches_torch():
    rng = np.random.default_rng(4)
    arrays = _mlp_arrays(rng)
    vs = [rng.standard_normal(a.shape) for a in arrays[1:]]
    tn_p = [tn.asarray(a).requires_grad_() for a in arrays[1:]]
    th_p = [torch.tensor(a, requires_grad=True) for a in arrays[1:]]
    gs = tn.autograd.grad(_mlp_tn(tn.asarray(arrays[0]), *tn_p), tn_p, create_graph=True)
    hv_tn = tn.autograd.grad(sum((g * tn.asarray(v)).sum() for g, v in zip(gs, vs)), tn_p)
    gt = torch.autograd.grad(_mlp_th(torch.tensor(arrays[0]), *th_p), th_p, create_graph=True)
    hv_th = torch.autograd.grad(sum((g * torch.tensor(v)).sum() for g, v in zip(gt, vs)), th_p)
    for a, b in zip(hv_tn, hv_th):
        np.testing.assert_allclose(a._host(), b.numpy(), rtol=1e-9, atol=1e-10)


def test_torch_face_matches_torch():
    ttorch = pytest.importorskip("trueno.torch", reason="trueno.torch is not available")
    rng = np.random.default_rng(5)
    a = rng.standard_normal((4, 3)).astype(np.float32)
    x = ttorch.tensor(a, requires_grad=True)
    y = torch.tensor(a, requires_grad=True)
    (tn.tanh(x) * x).sum().backward()
    (torch.tanh(y) * y).sum().backward()
    assert type(x.grad) is type(x)
    np.testing.assert_allclose(x.grad.detach().numpy(), y.grad.numpy(), rtol=1e-5, atol=1e-6)
    _ = math


@pytest.mark.parametrize("which", ["jacobian", "hessian", "vjp", "jvp", "hvp"])
def test_functional_matches_torch(which):
    fn_tn, fn_th = tn.autograd.functional, torch.autograd.functional
    rng = np.random.default_rng(6)
    a, x0, v0 = rng.standard_normal((3, 3)), rng.standard_normal(3), rng.standard_normal(3)
    at = torch.tensor(a)
    ta = tn.asarray(a)

    def scalar_tn(x):
        return (tn.tanh(ta @ x) ** 2.0).sum() + (x ** 3.0).sum()

    def scalar_th(x):
        return (torch.tanh(at @ x) ** 2).sum() + (x ** 3).sum()

    def vector_tn(x):
        return tn.sin(ta @ x) * x

    def vector_th(x):
        return torch.sin(at @ x) * x
    x, v, xt, vt = tn.asarray(x0), tn.asarray(v0), torch.tensor(x0), torch.tensor(v0)
    if which == "jacobian":
        got, want = fn_tn.jacobian(vector_tn, x), fn_th.jacobian(vector_th, xt)
    elif which == "hessian":
        got, want = fn_tn.hessian(scalar_tn, x), fn_th.hessian(scalar_th, xt)
    elif which == "hvp":
        got, want = fn_tn.hvp(scalar_tn, x, v)[1], fn_th.hvp(scalar_th, xt, vt)[1]
    else:
        f = getattr(fn_tn, which)
        got, want = f(vector_tn, x, v)[1], getattr(fn_th, which)(vector_th, xt, vt)[1]
    np.testing.assert_allclose(got._host(), want.numpy(), rtol=1e-10, atol=1e-12)
