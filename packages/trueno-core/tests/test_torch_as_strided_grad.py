"""``as_strided`` of a tensor that requires grad (issue 15): values and gradients equal
PyTorch's (an element's gradient sums over every window it appears in)."""

from __future__ import annotations

import numpy as np
import pytest

import trueno.torch as tt

torch = pytest.importorskip("torch")

CASES = {
    "windows": ((10,), (4, 3), (2, 1), None),
    "overlap": ((6,), (3, 2), (1, 1), None),
    "offset-2d": ((3, 4), (2, 2), (4, 1), 5),
    "transpose-like": ((2, 3), (3, 2), (1, 3), None),
    "broadcast": ((3,), (2, 3), (0, 1), None),
    "empty": ((3,), (0, 2), (1, 1), None),
    "float64": ((8,), (3, 3), (2, 1), 1),
}


@pytest.mark.parametrize("name", list(CASES))
def test_values_and_gradients_match_torch(name):
    shape, size, stride, off = CASES[name]
    dt = "float64" if name == "float64" else "float32"
    base = np.arange(int(np.prod(shape)), dtype=dt).reshape(shape) * 0.5 - 1.0
    w = np.arange(int(np.prod(size)), dtype=dt).reshape(size) + 1.0
    outs = []
    for m in (tt, torch):
        x = m.tensor(base, requires_grad=True)
        y = x.as_strided(size, stride) if off is None else m.as_strided(x, size, stride, off)
        assert y.requires_grad and y.grad_fn is not None
        ((y * m.tensor(w)) ** 2).sum().backward()
        outs.append((y.detach().numpy(), x.grad.numpy(), str(x.grad.dtype)))
    (ty, tg, tdt), (ry, rg, rdt) = outs
    np.testing.assert_allclose(ty, ry, rtol=1e-6)
    np.testing.assert_allclose(tg, rg, rtol=1e-6)
    assert tdt == rdt


def test_without_recording_it_stays_a_view():
    x = tt.arange(6.0, requires_grad=True)
    with tt.no_grad():
        v = x.as_strided((2,), (2,))
    assert v.grad_fn is None and v.data_ptr() == x.data_ptr()
    d = x.detach().as_strided((2,), (2,), 1)
    d[0] = 9.0
    assert x[1].item() == 9.0


def test_out_of_range_windows_and_views_raise():
    x = tt.arange(6.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="outside the tensor"):
        x[2:].as_strided((3,), (1,), 0)  # storage elements before the view
    with pytest.raises(RuntimeError, match="non-contiguous"):
        x.reshape(2, 3).t().as_strided((2,), (1,))
