"""layer_norm's gradients on the GPU in three launches (``_layer_norm_backward``, row
``layer_norm_backward``): the input's, weight's and bias's gradients vs PyTorch (torch==2.13.0,
float64 on the CPU) for one to three normalised axes, rows of 1 to 700 elements, one chunk of
rows and many, views, no weight, float32/float64/float16; the same bits on every run; and
autograd's LayerNorm on "gpu" tensors taking this path."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, down, up, view_of

from trueno_gpu import _layer_norm_backward as LNB
from trueno_gpu import _runtime

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(23)
# (shape, normalized_ndim): one chunk (few rows) and several (plan_chunks), rows shorter and
# longer than a workgroup, a row length that no 32-column block divides
CASES = [((8, 3), 1), ((5, 4, 7), 2), ((32, 16, 64), 1), ((3000, 40), 1), ((6, 700), 1),
         ((2, 3, 4), 3), ((130, 1), 1), ((4, 5, 33), 1)]
TOL = {"float32": dict(rtol=1e-4, atol=1e-4), "float64": dict(rtol=1e-10, atol=1e-11),
       "float16": dict(rtol=1e-2, atol=2e-2)}


def _torch(x, g, w, nd, eps):
    """PyTorch's layer_norm gradients (float64): gx, gw, gb. Without a weight, a weight of
    ones (the same input gradient; the row gives the sums of g * xhat and g all the same)."""
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tail = x.shape[x.ndim - nd:]
    tw = torch.tensor(np.ones(tail) if w is None else w, dtype=torch.float64,
                      requires_grad=True)
    tb = torch.zeros(tail, dtype=torch.float64, requires_grad=True)
    out = torch.nn.functional.layer_norm(tx, tail, tw, tb, eps)
    out.backward(torch.tensor(g, dtype=torch.float64))
    return tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()


def _has(dtype):
    if dtype not in DTYPES:
        pytest.skip(f"the adapter has no {dtype} (float64 needs shader-f64, float16 "
                    "shader-f16)")


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_layer_norm_backward_matches_torch(case, dtype, affine):
    _has(dtype)
    shape, nd = case
    eps = 1e-5 if affine else 0.1
    x = (RNG.standard_normal(shape) * 3 + 2).astype(dtype)
    g = RNG.standard_normal(shape).astype(dtype)
    w = RNG.standard_normal(shape[len(shape) - nd:]).astype(dtype) if affine else None
    want = _torch(x.astype(np.float64), g.astype(np.float64),
                  None if w is None else w.astype(np.float64), nd, eps)
    rt = _runtime.get_runtime(0)
    d0 = rt.dispatches
    got = LNB.layer_norm_backward(up(x), up(g), None if w is None else up(w),
                                  normalized_ndim=nd, eps=eps)
    R = x.size // int(np.prod(shape[len(shape) - nd:]))
    K, _ = LNB.plan_chunks(R, x.size // R)
    assert rt.dispatches - d0 == (2 if K == 1 else 3)
    for a, b in zip(got, want, strict=True):
        assert a.dtype == np.dtype(dtype) and a.shape == b.shape
        np.testing.assert_allclose(down(a).astype(np.float64), b, **TOL[dtype])


def test_plan_chunks_cover_the_rows():
    for R in (1, 63, 64, 65, 4096, 100000):
        for L in (1, 32, 33, 256, 5000):
            K, RC = LNB.plan_chunks(R, L)
            assert 1 <= K <= 64 and (K - 1) * RC < R <= K * RC


def test_views_read_in_place_and_copied():
    """A transposed x (its rows strided: copied) and a sliced g (rows contiguous, offset)."""
    base = RNG.standard_normal((40, 24)).astype(np.float32)
    gbig = RNG.standard_normal((50, 40)).astype(np.float32)
    x, g = base.T, gbig[5:29]  # both (24, 40)
    w = RNG.standard_normal(40).astype(np.float32)
    got = LNB.layer_norm_backward(view_of(up(base), base, x), view_of(up(gbig), gbig, g), up(w),
                                  normalized_ndim=1)
    want = _torch(np.ascontiguousarray(x).astype(np.float64), g.astype(np.float64),
                  w.astype(np.float64), 1, 1e-5)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(down(a), b, **TOL["float32"])


def test_same_bits_every_run():
    x = RNG.standard_normal((4096, 96)).astype(np.float32)
    g = RNG.standard_normal((4096, 96)).astype(np.float32)
    w = RNG.standard_normal(96).astype(np.float32)
    runs = [[down(a) for a in LNB.layer_norm_backward(up(x), up(g), up(w), normalized_ndim=1)]
            for _ in range(2)]
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("case", [((2, 20000), 1, True), ((1, 3, 8000), 2, False),
                                  ((3, 2, 17000), 1, True)], ids=str)
def test_few_long_rows(case, dtype):
    """Fewer than 64 rows of at least 16384: the composed path (wide reductions), not a
    workgroup per row."""
    _has(dtype)
    shape, nd, affine = case
    x = (RNG.standard_normal(shape) * 3 + 2).astype(dtype)
    g = RNG.standard_normal(shape).astype(dtype)
    w = RNG.standard_normal(shape[len(shape) - nd:]).astype(dtype) if affine else None
    want = _torch(x.astype(np.float64), g.astype(np.float64),
                  None if w is None else w.astype(np.float64), nd, 1e-5)
    rt = _runtime.get_runtime(0)
    d0 = rt.dispatches
    got = LNB.layer_norm_backward(up(x), up(g), None if w is None else up(w),
                                  normalized_ndim=nd)
    assert rt.dispatches - d0 > 3  # not the row kernels
    tol = dict(TOL[dtype], atol=0.1 if dtype == "float16" else 2e-3 if dtype == "float32"
               else 1e-9)  # sums of ~10^4 terms
    for a, b in zip(got, want, strict=True):
        assert a.dtype == np.dtype(dtype) and a.shape == b.shape
        np.testing.assert_allclose(down(a).astype(np.float64), b, **tol)


def test_no_rows_gives_zero_sums():
    x = np.zeros((0, 3, 5), np.float32)
    gx, gw, gb = LNB.layer_norm_backward(up(x), up(x), up(np.ones((3, 5), np.float32)),
                                         normalized_ndim=2)
    assert gx.shape == (0, 3, 5)
    np.testing.assert_array_equal(down(gw), np.zeros((3, 5), np.float32))
    np.testing.assert_array_equal(down(gb), np.zeros((3, 5), np.float32))


def test_autograd_layer_norm_takes_the_row():
    """LayerNorm's backward on "gpu" tensors: this kernel (3 launches for the three
    gradients, not the ~24 of the trueno-op expression), gradients equal to PyTorch's."""
    import trueno.torch as T

    x = RNG.standard_normal((64, 8, 48)).astype(np.float32)
    g = RNG.standard_normal((64, 8, 48)).astype(np.float32)
    m = T.nn.LayerNorm(48).to("gpu")
    with T.no_grad():
        m.weight.copy_(T.tensor(RNG.standard_normal(48).astype(np.float32)))
    tx = T.tensor(x, device="gpu", requires_grad=True)
    y = m(tx)
    rt = _runtime.get_runtime(0)
    d0 = rt.dispatches
    y.backward(T.tensor(g, device="gpu"))
    launches = rt.dispatches - d0
    want = _torch(x.astype(np.float64), g.astype(np.float64),
                  m.weight.detach().cpu().numpy().astype(np.float64), 1, 1e-5)
    got = (tx.grad, m.weight.grad, m.bias.grad)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a.cpu().numpy(), b, rtol=1e-4, atol=1e-4)
    assert launches <= 6  # the row's 3, plus the gradient's accumulation copies
