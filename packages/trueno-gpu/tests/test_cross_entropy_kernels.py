"""cross_entropy with class indices on the GPU in two dispatches forward (one for few rows
of few classes) and one backward (``_cross_entropy``): loss, logsumexp, the weights' sum and
the logits' gradient vs PyTorch (torch==2.13.0, float64 on the CPU) for (C,), (N, C) and
(N, C, d1, d2) logits, strided views, class weights, ignore_index, every reduction, int64 and
int32 targets, float32 and float64; an out-of-range target raises at the next sync and never
downloads at the call."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, down, up, view_of

import trueno_gpu
from trueno_gpu import _cross_entropy as K
from trueno_gpu import _runtime

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(12)
TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-12, atol=1e-13)}
SHAPES = [((7,), ()), ((6, 5), (6,)), ((4, 3, 2, 5), (4, 2, 5)), ((3, 300), (3,)),
          ((70, 10), (70,))]


def _want(x, t, w, g, reduction):
    tx = torch.tensor(np.array(x, np.float64), requires_grad=True)
    tw = None if w is None else torch.tensor(w.astype(np.float64))
    loss = torch.nn.functional.cross_entropy(tx, torch.tensor(np.array(t, copy=True),
                                                              dtype=torch.int64),
                                             tw, reduction=reduction)
    loss.backward(torch.tensor(g.astype(np.float64)))
    cdim = 1 if x.ndim > 1 else 0
    lse = torch.logsumexp(tx.detach(), cdim)
    denom = (np.ones(t.shape) if w is None else w.astype(np.float64)[np.where(t < 0, 0, t)]) \
        * (t != -100)
    return [loss.detach().numpy(), lse.numpy(), np.sum(denom)], tx.grad.numpy()


def _check(x, t, w, reduction, dtype, xdev=None, tdev=None):
    g = RNG.standard_normal(t.shape if reduction == "none" else ()).astype(dtype)
    want_f, want_gx = _want(x, t, w, g, reduction)
    xd = xdev if xdev is not None else up(x)
    td = tdev if tdev is not None else up(t)
    wd = None if w is None else up(w)
    loss, lse, denom = K.cross_entropy_forward(xd, td, wd, ignore_index=-100,
                                               reduction=reduction)
    for got, want in zip((loss, lse, denom), want_f, strict=True):
        np.testing.assert_allclose(down(got), want, **TOL[dtype])
    gx = K.cross_entropy_backward(xd, td, wd, lse, up(g), denom, ignore_index=-100,
                                  reduction=reduction)
    np.testing.assert_allclose(down(gx), want_gx, **TOL[dtype])


def _has(dtype):
    if dtype not in DTYPES:
        pytest.skip(f"the adapter has no {dtype} (float64 needs shader-f64)")


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("shape", "tshape"), SHAPES, ids=str)
def test_cross_entropy_kernels_match_torch(shape, tshape, dtype, reduction, weighted):
    _has(dtype)
    c = shape[1] if len(shape) > 1 else shape[0]
    x = (RNG.standard_normal(shape) * 4).astype(dtype)
    t = RNG.integers(0, c, tshape).astype(np.int64)
    if t.ndim:
        t.flat[1::3] = -100  # some ignored, never all
    w = RNG.random(c).astype(dtype) + 0.5 if weighted else None
    _check(x, t, w, reduction, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropy_kernels_read_views(dtype):
    """Logits as a permuted view (N, C, d) of an (N, d, C) buffer, int32 targets as a
    reversed view, (N, C, d1, d2) logits whose spatial axes do not merge."""
    _has(dtype)
    base = (RNG.standard_normal((5, 4, 6)) * 3).astype(dtype)
    x = base.transpose(0, 2, 1)  # (5, 6, 4)
    tb = RNG.integers(0, 6, (5, 4)).astype(np.int32)
    t = tb[:, ::-1]
    _check(x, t, None, "mean", dtype, view_of(up(base), base, x), view_of(up(tb), tb, t))
    base4 = (RNG.standard_normal((2, 3, 4, 5)) * 3).astype(dtype)
    x4 = base4.transpose(0, 1, 3, 2)  # (2, 3, 5, 4): d1, d2 do not merge
    t4 = RNG.integers(0, 3, (2, 5, 4)).astype(np.int64)
    _check(x4, t4, None, "sum", dtype, view_of(up(base4), base4, x4))


class _Counts:
    def __init__(self, monkeypatch):
        self.records = self.downloads = 0
        rec, down_ = _runtime.Runtime.record, _runtime.Runtime.download

        def record(rt, *a, **k):
            self.records += 1
            return rec(rt, *a, **k)

        def download(rt, *a, **k):
            self.downloads += 1
            return down_(rt, *a, **k)

        monkeypatch.setattr(_runtime.Runtime, "record", record)
        monkeypatch.setattr(_runtime.Runtime, "download", download)


@pytest.mark.parametrize(("c", "forward"), [(10, 1), (40, 2)])
def test_cross_entropy_kernels_launches(monkeypatch, c, forward):
    """Few classes: the one-pass kernel; more: rows, then the sum."""
    x = up(RNG.standard_normal((64, c)).astype("float32"))
    t = up(RNG.integers(0, c, 64))
    counts = _Counts(monkeypatch)
    loss, lse, denom = K.cross_entropy_forward(x, t, None)
    assert counts.records == forward
    K.cross_entropy_backward(x, t, None, lse, up(np.float32(1.0)), denom)
    assert (counts.records, counts.downloads) == (forward + 1, 0)


@pytest.mark.parametrize("bad", [10, -3])
def test_cross_entropy_target_out_of_range_raises_at_the_next_sync(monkeypatch, bad):
    """No download at the call; the next read raises an IndexError (also a RuntimeError)
    naming cross_entropy and the target; the sync after it is clean."""
    labels = RNG.integers(0, 10, 8)
    labels[5] = bad
    x, t = up(RNG.standard_normal((8, 10)).astype("float32")), up(labels)
    counts = _Counts(monkeypatch)
    loss, _, _ = K.cross_entropy_forward(x, t, None)
    assert counts.downloads == 0
    with pytest.raises(IndexError, match=rf"cross_entropy: target {bad} is out of bounds for "
                                         r"10 classes") as err:
        down(loss)
    assert isinstance(err.value, RuntimeError)
    labels[5] = 1
    good, _, _ = K.cross_entropy_forward(x, up(labels), None)
    np.testing.assert_allclose(down(good), _want(down(x), labels, None, np.float32(1),
                                                 "mean")[0][0], rtol=1e-5)


def test_registered_kernels_are_float():
    table = K.make_kernels(trueno_gpu._dtypes.ALL_DTYPES)
    assert sorted(table["cross_entropy_forward"]) == ["float32", "float64"]
