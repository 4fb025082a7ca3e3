"""Engine semantics: leaves, accumulation, retain_graph, grad(), hooks, in-place rules and
version counters, graph freeing and reference cycles, anomaly detection, checkpointing."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest
from ag_setup import grad_mode_restored  # noqa: F401  (autouse fixture)

import trueno as tn
from trueno_autograd import Function, checkpoint, detect_anomaly, grad, set_detect_anomaly


def leaf(values, dtype=None):
    return tn.asarray(values, dtype=dtype).requires_grad_()


def close(a, b, tol=1e-12):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


# -- leaves, grad_fn, accumulation ----------------------------------------------------------------
def test_leaf_and_non_leaf():
    x = leaf([1.0, 2.0])
    y = x * 3.0
    assert x.is_leaf and x.requires_grad and x.grad_fn is None
    assert not y.is_leaf and y.requires_grad
    assert type(y.grad_fn).__name__ == "MulBackward0"
    assert y.grad_fn.name() == "MulBackward0"
    acc = y.grad_fn.next_functions[0][0]
    assert type(acc).__name__ == "AccumulateGrad" and acc.variable is x
    z = tn.asarray([1.0, 2.0])
    assert not (z * 2.0).requires_grad
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad
    d2 = tn.asarray([5.0, 6.0])
    assert d2.is_leaf


@pytest.mark.parametrize("expr, name", [
    (lambda x: x + x, "AddBackward0"), (lambda x: x - 1.0, "SubBackward0"),
    (lambda x: x / 2.0, "DivBackward0"), (lambda x: -x, "NegBackward0"),
    (lambda x: tn.exp(x), "ExpBackward0"), (lambda x: x.sum(), "SumBackward0"),
    (lambda x: x.reshape(2, 1), "ViewBackward0"), (lambda x: x[0], "SliceBackward0"),
    (lambda x: tn.tanh(x), "TanhBackward0"), (lambda x: x ** 2.0, "PowBackward0"),
])
def test_node_names(expr, name):
    assert type(expr(leaf([1.0, 2.0])).grad_fn).__name__ == name


def test_grad_accumulates_and_non_leaf_grad_is_none():
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    (y.sum()).backward()
    close(x.grad, [2.0, 4.0, 6.0])
    (x * 2.0).sum().backward()
    close(x.grad, [4.0, 6.0, 8.0])
    assert y.grad is None


def test_retain_grad():
    x = leaf([1.0, 2.0])
    y = x * 3.0
    y.retain_grad()
    (y * y).sum().backward()
    close(y.grad, [6.0, 12.0])
    close(x.grad, [18.0, 36.0])


def test_grads_of_two_leaves_do_not_alias():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    a.grad[0] = 10.0
    close(b.grad, [1.0, 1.0])


def test_backward_needs_gradient_for_non_scalar():
    x = leaf([1.0, 2.0])
    y = x * 2.0
    with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
        y.backward()
    y.backward(tn.asarray([1.0, 0.5]))
    close(x.grad, [2.0, 1.0])


def test_backward_inputs_only_accumulates_there():
    a, b = leaf([1.0]), leaf([2.0])
    (a * b).sum().backward(inputs=[a])
    close(a.grad, [2.0])
    assert b.grad is None


def test_float32_grads_stay_float32_and_mixed_dtypes_cast_back():
    a = leaf([1.0, 2.0], dtype=tn.float32)
    b = leaf([3.0, 4.0], dtype=tn.float64)
    (a * b).sum().backward()
    assert a.grad.dtype == tn.float32 and b.grad.dtype == tn.float64
    close(a.grad, [3.0, 4.0])


def test_requires_grad_on_int_raises():
    with pytest.raises(tn.DTypeError):
        tn.asarray([1, 2]).requires_grad_()


def test_no_grad_records_nothing():
    x = leaf([1.0])
    with tn.no_grad():
        y = x * 2.0
    assert y.grad_fn is None and not y.requires_grad
    with tn.enable_grad():
        assert (x * 2.0).requires_grad


# -- retain_graph and graph freeing ---------------------------------------------------------------
def test_second_backward_raises_unless_retained():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    close(x.grad, [4.0, 8.0])
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second "
                                           "time"):
        y.backward()


def test_no_reference_cycles_keep_tensors_alive():
    gc.collect()
    gc.disable()
    try:
        x = leaf(np.ones(10))
        h = tn.exp(x)
        out = (tn.tanh(h) * h).sum()
        ref_h, ref_out = weakref.ref(h), weakref.ref(out)
        node = weakref.ref(out.grad_fn)
        del h
        assert ref_h() is not None  # saved by the graph (as a detached handle, not h itself)
        out.backward()
        del out
        assert ref_out() is None and node() is None  # freed by reference counting alone
        # an in-place op that saves its own input does not make a cycle either
        y = x * 1.0
        y *= x
        ry = weakref.ref(y)
        del y
        assert ry() is None
    finally:
        gc.enable()


def test_leaf_not_kept_alive_by_its_grad():
    x = leaf([1.0, 2.0])
    (x * 2.0).sum().backward()
    r = weakref.ref(x)
    gc.disable()
    try:
        del x
        assert r() is None
    finally:
        gc.enable()


# -- autograd.grad ------------------------------------------------------------------------------
def test_grad_returns_tuple_and_leaves_dot_grad_alone():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    gx, gw = grad((x * w).sum(), (x, w))
    close(gx, [3.0, 4.0])
    close(gw, [1.0, 2.0])
    assert x.grad is None and w.grad is None


def test_grad_allow_unused():
    x, z = leaf([1.0]), leaf([2.0])
    y = (x * 2.0).sum()
    with pytest.raises(RuntimeError, match="not have been used in the graph"):
        grad(y, (x, z), retain_graph=True)
    gx, gz = grad(y, (x, z), allow_unused=True)
    assert gz is None
    close(gx, [2.0])


def test_grad_of_non_leaf_input():
    x = leaf([1.0, 2.0])
    h = x * 3.0
    y = (h * h).sum()
    (gh,) = grad(y, h)
    close(gh, [6.0, 12.0])


def test_hessian_vector_product_create_graph():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 4))
    a_t = tn.asarray(a)
    x = leaf(rng.standard_normal(4))
    v = tn.asarray(rng.standard_normal(4))

    def f(x):  # sum(tanh(A x)) + sum(x^3)
        return tn.tanh(a_t @ x).sum() + (x ** 3.0).sum()
    (g,) = grad(f(x), x, create_graph=True)
    assert g.requires_grad
    (hv,) = grad((g * v).sum(), x)
    xv = x.detach()._host()
    t = np.tanh(a @ xv)
    hess = a.T @ np.diag(-2 * t * (1 - t ** 2)) @ a + np.diag(6 * xv)
    close(hv, hess @ v._host(), 1e-10)


def test_create_graph_through_reductions_and_matmul():
    rng = np.random.default_rng(1)
    w = leaf(rng.standard_normal((3, 2)))
    xs = tn.asarray(rng.standard_normal((5, 3)))
    loss = ((xs @ w) ** 2.0).mean()
    (gw,) = grad(loss, w, create_graph=True)
    (ggw,) = grad(gw.sum(), w)
    # d/dW sum(2/(N) X^T X W) = 2/N X^T X 1
    xn = xs._host()
    close(ggw, 2.0 / 10 * xn.T @ xn @ np.ones((3, 2)), 1e-10)


# -- hooks ----------------------------------------------------------------------------------------
def test_tensor_hooks_on_leaf_and_non_leaf():
    x = leaf([1.0, 2.0])
    seen = []
    h = x.register_hook(lambda g: g * 10.0)
    y = x * 2.0
    y.register_hook(lambda g: seen.append(g.tolist()))
    y.sum().backward()
    assert seen == [[1.0, 1.0]]
    close(x.grad, [20.0, 20.0])
    h.remove()
    x.grad = None
    (x * 2.0).sum().backward()
    close(x.grad, [2.0, 2.0])


def test_node_hooks():
    x = leaf([1.0, 2.0])
    y = x * 2.0
    calls = []
    y.grad_fn.register_hook(lambda gi, go: calls.append((len(gi), len(go))))
    y.grad_fn.register_prehook(lambda go: (go[0] * 0.5,))
    y.sum().backward()
    assert calls == [(2, 1)]
    close(x.grad, [1.0, 1.0])


# -- in place -----------------------------------------------------------------------------------
def test_inplace_on_leaf_raises_but_not_under_no_grad():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used "
                                           "in an in-place operation."):
        x += 1.0
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x[0] = 5.0
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        x[1:][0] = 5.0
    with tn.no_grad():
        x -= 1.0
    close(x.detach(), [0.0, 1.0])


def test_version_counter_error_names_the_op():
    x = leaf([1.0, 2.0])
    y = tn.exp(x)
    assert y._version_count == 0
    y += 1.0
    assert y._version_count == 1
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*output 0 of "
                                           r"ExpBackward0, is at version 1; expected version 0"):
        y.sum().backward()


def test_views_share_the_version_counter():
    x = leaf([1.0, 2.0, 3.0])
    y = tn.sigmoid(x)
    v = y[1:]
    with tn.no_grad():
        v[0] = 7.0
    assert y._version_count == 1
    with pytest.raises(RuntimeError, match="SigmoidBackward0"):
        y.sum().backward()


def test_inplace_on_non_leaf_gives_the_right_gradient():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 1.0
    y *= x  # mul saves the old y: it keeps a copy (PyTorch's "original self")
    y += 2.0 * x
    y.sum().backward()
    close(x.grad, [4.0, 6.0, 8.0])


def test_setitem_gradients():
    x = leaf([1.0, 2.0, 3.0])
    buf = tn.zeros(5)
    buf[1:4] = x * 2.0
    assert type(buf.grad_fn).__name__ == "CopySlices"
    (buf * tn.arange(5.0)).sum().backward()
    close(x.grad, [2.0, 4.0, 6.0])
    x.grad = None
    y = x * 1.0
    y[0] = 0.0
    (y * y).sum().backward()
    close(x.grad, [0.0, 4.0, 6.0])
    x.grad = None
    z = x * 1.0
    z[np.array([0, 2])] = tn.asarray([9.0, 9.0])
    z.sum().backward()
    close(x.grad, [0.0, 1.0, 0.0])


def test_inplace_on_a_view_rebases_the_base():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 1.0
    v = y[1:]
    v *= 3.0
    y.sum().backward()
    close(x.grad, [1.0, 3.0, 3.0])
    x.grad = None
    y = x * 1.0
    y[1:] += x[:2]  # Python's `a[k] += b`: getitem, in-place add, setitem
    y.sum().backward()
    close(x.grad, [2.0, 2.0, 1.0])


def test_advanced_index_repeats_scatter_add():
    x = leaf([1.0, 2.0, 3.0])
    x[np.array([0, 0, 2, 0])].sum().backward()
    close(x.grad, [3.0, 0.0, 1.0])


# -- anomaly detection --------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_detect_anomaly_names_the_forward_op():
    x = leaf([0.0, 1.0])
    with detect_anomaly():
        y = tn.log(x) * 0.0  # d log at 0 is inf; times 0 -> nan
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
    msg = str(info.value)
    assert "Function 'LogBackward0' returned nan values in its 0th output" in msg
    assert "forward op: log" in msg and "test_detect_anomaly_names_the_forward_op" in msg


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_set_detect_anomaly_toggles():
    from trueno_autograd import is_anomaly_enabled
    set_detect_anomaly(True)
    assert is_anomaly_enabled()
    set_detect_anomaly(False)
    assert not is_anomaly_enabled()
    with set_detect_anomaly(True):
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()
    x = leaf([0.0])
    (tn.log(x) * 0.0).sum().backward()  # off: nan grads pass silently, as in PyTorch
    assert np.isnan(x.grad._host()).all()


# -- custom functions and checkpointing ---------------------------------------------------------
class _Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3.0 * x * x * g


def test_custom_function():
    x = leaf([1.0, 2.0])
    y = _Cube.apply(x)
    assert type(y.grad_fn).__name__ == "_CubeBackward"
    y.sum().backward()
    close(x.grad, [3.0, 12.0])


def test_checkpoint_matches_plain_gradients():
    rng = np.random.default_rng(0)
    w = leaf(rng.standard_normal((4, 4)) * 0.5)
    x0 = rng.standard_normal((3, 4))

    def block(h):
        return tn.tanh(h @ w)
    xa = leaf(x0)
    block(block(xa)).sum().backward()
    ga_x, ga_w = xa.grad._host().copy(), w.grad._host().copy()
    w.grad = None
    xb = leaf(x0)
    checkpoint(block, checkpoint(block, xb)).sum().backward()
    close(xb.grad, ga_x)
    close(w.grad, ga_w)


def _peak(fn):
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_checkpoint_lowers_peak_memory():
    n, depth, seg = 50_000, 48, 8  # 400 KB per activation

    def chain(h, k=depth):
        for _ in range(k):
            h = tn.tanh(h) * 1.01
        return h

    def plain():
        x = leaf(np.linspace(-1, 1, n))
        chain(x).sum().backward()

    def segmented():
        x = leaf(np.linspace(-1, 1, n))
        h = x
        for _ in range(depth // seg):
            h = checkpoint(chain, h, seg)
        h.sum().backward()

    p_plain, p_ckpt = _peak(plain), _peak(segmented)
    assert p_ckpt < 0.5 * p_plain, (p_plain, p_ckpt)


# -- faces ----------------------------------------------------------------------------------------
def test_numpy_face_grads_are_ndarrays():
    x = tn.asarray([1.0, 2.0]).requires_grad_()
    (x * x).sum().backward()
    assert type(x.grad) is tn.ndarray


def test_torch_face():
    torch = pytest.importorskip("trueno.torch", reason="trueno.torch (the PyTorch face) is "
                                                      "not available")
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    assert type(x.grad) is type(x)
    assert x.grad.dtype == tn.float32
    close(x.grad.detach().numpy(), [2.0, 4.0, 6.0])


def test_public_api_through_the_core_shim():
    import trueno.autograd as ag
    import trueno_autograd
    for name in trueno_autograd.__all__:
        assert getattr(ag, name) is getattr(trueno_autograd, name)
    for name in ("grad", "backward", "gradcheck", "gradgradcheck", "checkpoint",
                 "detect_anomaly", "set_detect_anomaly", "Function"):
        assert name in trueno_autograd.__all__


def test_gradcheck_reports_a_wrong_rule():
    from trueno_autograd import GradcheckError, gradcheck

    class Wrong(Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g  # should be 2 x g

    x = leaf([0.5, 1.5])
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to "
                                             "input 0"):
        gradcheck(Wrong.apply, (x,))
    assert gradcheck(Wrong.apply, (x,), raise_exception=False) is False


def test_without_the_plugin_requires_grad_names_the_extra():
    import subprocess
    import sys
    code = ("import trueno as tn\n"
            "try:\n"
            "    tn.asarray([1.0]).requires_grad_()\n"
            "except tn.MissingExtraError as e:\n"
            "    print('MISSING', e)\n")
    import os
    env = {**os.environ, "TRUENO_BLOCK_PLUGINS": "autograd",
           "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120)
    assert "MISSING" in out.stdout, out.stderr
    assert "pip install 'trueno[autograd]'" in out.stdout
