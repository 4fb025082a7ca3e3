"""conv2d's dot kernel reads a weight whose (KH, KW) taps are contiguous but whose channels
are not (the weight gradient's channel-swapped output gradient, (O, N, OH, OW) viewed from
(N, O, OH, OW)) in place: no contiguous copy, the same values as the reference in float64
(unsplit and split K, groups, a bias, a weight offset). A weight whose taps are not
contiguous is still copied first. ``swap01=True`` writes the result as (O, N, OH, OW) on
every path (the weight gradient's conv: no copy of its (C, O, KH, KW) result)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import KERNELS, assert_close, down, up, view_of

from trueno_gpu import _conv, _runtime

RNG = np.random.default_rng(5)

# x shape, weight base shape (N, O, KH, KW; the weight is its (1, 0, 2, 3) view), stride,
# padding, groups: every case takes the dot kernel (P * O/G <= 1024, K >= 1024)
CASES = [
    ((1, 2, 28, 28), (2, 16, 28, 28), (1, 1), (1, 1), 1),  # K 1568: unsplit
    ((1, 4, 28, 28), (4, 16, 28, 28), (1, 1), (1, 1), 1),  # K 3136: split in slices
    ((3, 4, 24, 24), (2, 6, 23, 23), (1, 1), (1, 1), 2),  # groups 2: K 1058 a group
]


def _reference(*args):
    from trueno._reference._linalg import conv2d

    return conv2d(*args)


def _keys(monkeypatch, fn):
    """The kernel keys ``fn()`` records, and its result."""
    keys, record = [], _runtime.Runtime.record

    def counted(rt, kernel, *a, **k):
        keys.append(next(key for key, v in rt._kernels.items() if v is kernel))
        return record(rt, kernel, *a, **k)

    monkeypatch.setattr(_runtime.Runtime, "record", counted)
    try:
        out = fn()
    finally:
        monkeypatch.setattr(_runtime.Runtime, "record", record)
    return keys, out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_channel_swapped_weight_read_in_place(monkeypatch, dtype, case):
    monkeypatch.setattr(_conv, "_DIRECT_SPLIT", False)  # (groups 1 takes it by default)
    xs, ws, stride, pad, groups = CASES[case]
    if dtype not in KERNELS["conv2d"]:
        pytest.skip(f"the adapter has no {dtype}")
    x = RNG.standard_normal(xs).astype(dtype)
    # an offset into a larger buffer, then the channel swap
    base = RNG.standard_normal((ws[0] + 1,) + ws[1:]).astype(dtype)
    view = base[1:].transpose(1, 0, 2, 3)
    b = RNG.standard_normal(view.shape[0]).astype(dtype)
    k = view.shape[1] * view.shape[2] * view.shape[3]
    r = {"float32": 2e-6 * k ** 0.5, "float64": 1e-12}[dtype]
    for bias in (None, b):
        args = (up(x), view_of(up(base), base, view), None if bias is None else up(bias),
                stride, pad, (1, 1), groups)
        keys, got = _keys(monkeypatch, lambda a=args: down(KERNELS["conv2d"][dtype](*a)))
        assert [key[0] for key in keys] == ["im2col", "conv_dots", "conv_splitsum"] * groups, \
            keys  # no copy of the weight
        want = _reference(x.astype(np.float64), view.astype(np.float64),
                          None if bias is None else bias.astype(np.float64), stride, pad,
                          (1, 1), groups)
        assert_close(got, want, dtype, rtol=r, atol=r)


def test_weight_with_strided_taps_is_copied(monkeypatch):
    """Taps read backwards (a flipped view): not blocked, so copied, then the same values."""
    monkeypatch.setattr(_conv, "_DIRECT_SPLIT", False)
    x = RNG.standard_normal((1, 2, 28, 28)).astype("float32")
    base = RNG.standard_normal((16, 2, 28, 28)).astype("float32")
    view = base[:, :, ::-1, :]
    keys, got = _keys(monkeypatch, lambda: down(KERNELS["conv2d"]["float32"](
        up(x), view_of(up(base), base, view), None, (1, 1), (1, 1))))
    assert [key[0] for key in keys][-3:] == ["im2col", "conv_dots", "conv_splitsum"]
    assert len(keys) == 4, keys  # the copy first
    want = _reference(x.astype(np.float64), view.astype(np.float64), None, (1, 1), (1, 1))
    assert_close(got, want, "float32", rtol=1e-4, atol=1e-4)


# x shape, weight shape, padding, groups: the direct kernel (K 18), the dot kernel (K 1568),
# split K over the batched matmul (K 2304, 27 x 27 x 40 outputs), im2col + matmul + the
# layout copy (K 630, groups 2 with a bias)
SWAP_CASES = [((2, 2, 9, 9), (5, 2, 3, 3), (1, 1), 1),
              ((1, 2, 28, 28), (16, 2, 28, 28), (1, 1), 1),
              ((1, 4, 50, 50), (40, 4, 24, 24), (0, 0), 1),
              ((2, 140, 6, 6), (8, 70, 3, 3), (1, 1), 2)]


@pytest.mark.parametrize("case", range(len(SWAP_CASES)))
def test_swap01_writes_the_transposed_result(case):
    """``swap01=True``: the (O, N, OH, OW) array of the result, contiguous, every path."""
    xs, ws, pad, groups = SWAP_CASES[case]
    x = RNG.standard_normal(xs).astype("float32")
    w = RNG.standard_normal(ws).astype("float32")
    b = RNG.standard_normal(ws[0]).astype("float32") if groups > 1 else None
    got = KERNELS["conv2d"]["float32"](up(x), up(w), None if b is None else up(b), (1, 1), pad,
                                      (1, 1), groups, swap01=True)
    assert got.is_contiguous()
    want = _reference(x.astype(np.float64), w.astype(np.float64),
                      None if b is None else b.astype(np.float64), (1, 1), pad, (1, 1),
                      groups).transpose(1, 0, 2, 3)
    r = 2e-6 * (ws[1] * ws[2] * ws[3]) ** 0.5
    assert_close(down(got), want, "float32", rtol=r, atol=r)
