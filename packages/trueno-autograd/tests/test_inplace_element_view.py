"""In-place writes into a 0-d element view recorded by autograd (the NumPy face's element
indexing gives a NumPy scalar, so re-applying the view must use the Tensor's own indexing)."""

from __future__ import annotations

import numpy as np
import torch
from ag_setup import grad_mode_restored  # noqa: F401  (autouse fixture)

import trueno as tn


def test_inplace_on_a_0d_element_view_backward_matches_torch():
    x = tn.asarray([0.0, 1.0, 2.0]).requires_grad_()
    y = x * 2.0
    v = y[0]
    v *= 3.0
    (y * tn.asarray([1.0, 2.0, 3.0])).sum().backward()
    assert type(y.grad_fn).__name__ == "CopySlices"
    tx = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
    ty = tx * 2.0
    tv = ty[0]
    tv *= 3.0
    (ty * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy())
    np.testing.assert_allclose(np.asarray(y.detach()), ty.detach().numpy())


def test_inplace_on_a_0d_element_view_of_a_matrix():
    x = tn.asarray([[1.0, 2.0], [3.0, 4.0]]).requires_grad_()
    y = x * 1.0
    v = y[1, 0]
    v += x[0, 1]
    y.sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), [[1.0, 2.0], [1.0, 1.0]])
