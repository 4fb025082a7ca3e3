"""Lazy float32 chains as graphs (``_lazy``, issue 18): tensor-with-tensor and unary ops join
the pending chain next to the scalar steps of test_lazy_chains.py; a node may read earlier
nodes, the chain's inputs or a scalar. Every op of ``_lazy.FUSED`` is generated here from its
core row (NumPy's function of the row's ``numpy_name``) and checked bit for bit against eager
execution (fusion off) and by value against NumPy; random graphs, views, in-place writes,
dtype changes, autograd and reads in the middle of a chain are checked the same way."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from conftest import KERNELS, down, up, view_of
from trueno._optable import OPS

import trueno_gpu
from trueno_gpu import _lazy
from trueno_gpu._runtime import get_runtime

RNG = np.random.default_rng(1819)
BINARY = [op for op in _lazy.FUSED if OPS[op].nin == 2]
UNARY = [op for op in _lazy.FUSED if OPS[op].nin == 1]


def _numpy(op):
    """NumPy's function for the row (relu, which NumPy lacks: torch's max(x, 0), NaN kept)."""
    name = OPS[op].numpy_name
    if name is None:
        assert op == "relu"
        return lambda x: np.where(np.isnan(x) | (x > 0), x, np.float32(0))
    return getattr(np, name)


def _k(op):
    return KERNELS[op]["float32"]


def _bits(a):
    return np.ascontiguousarray(a).view(np.uint32)


@pytest.fixture(autouse=True)
def lazy():
    old = _lazy.ENABLED["on"]
    _lazy.ENABLED["on"] = True
    try:
        yield
    finally:
        trueno_gpu.synchronize()
        _lazy.ENABLED["on"] = old


def _eager(fn):
    """``fn()``'s result, downloaded, with fusion off."""
    _lazy.ENABLED["on"] = False
    try:
        return down(fn())
    finally:
        _lazy.ENABLED["on"] = True


def _sample(n=1000, seed=0):
    g = np.random.default_rng(seed)
    h = g.standard_normal(n).astype(np.float32)
    h[::17] = 0.0
    h[1::29] = -0.0
    return h


def test_every_fused_op_has_its_row():
    assert set(BINARY) | set(UNARY) == set(_lazy.FUSED)
    assert all(_lazy.FUSED.values())  # each node's expression came from the eager tables


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("form", ["tensor-tensor", "tensor-scalar", "scalar-tensor"])
def test_binary_node_equals_eager_and_numpy(op, form):
    h, g = _sample(seed=1), _sample(seed=2) + np.float32(0.25)
    s = np.float32(0.75)
    x, y = up(h), up(g)
    k, f = _k(op), _numpy(op)

    def run():
        t = _k("multiply")(x, y)  # eager: the chain's head
        t = _k("add")(t, x)  # the chain's first node: ``op`` reads it from registers
        if form == "tensor-tensor":
            return k(t, y)
        return k(t, s) if form == "tensor-scalar" else k(s, t)

    run()  # plans the layouts (a first call runs eagerly)
    rt = get_runtime(0)
    trueno_gpu.synchronize()
    before = rt.dispatches
    r = run()
    assert _lazy.fused_count(rt) == 2
    got = down(r)
    assert rt.dispatches - before == 2  # the head and the chain (a download is a copy)
    t = h * g + h
    with np.errstate(all="ignore"):
        want = f(t, g) if form == "tensor-tensor" else (f(t, s) if form == "tensor-scalar"
                                                       else f(s, t))
    np.testing.assert_array_equal(_bits(got), _bits(_eager(run)))
    np.testing.assert_array_equal(got, want)  # (values: NaN where NumPy's, 0.0 == -0.0)


@pytest.mark.parametrize("op", UNARY)
def test_unary_node_equals_eager_and_numpy(op):
    h, g = _sample(seed=3), _sample(seed=4)
    x, y = up(h), up(g)

    def run():
        return _k("add")(_k(op)(_k("subtract")(x, y)), x)  # (subtract: the eager head)

    run()
    rt = get_runtime(0)
    trueno_gpu.synchronize()
    r = run()
    assert _lazy.fused_count(rt) == 2
    got = down(r)
    np.testing.assert_array_equal(_bits(got), _bits(_eager(run)))
    np.testing.assert_array_equal(got, _numpy(op)(h - g) + h)


def test_special_values_through_every_op():
    """NaN, infinities, signed zeros and the largest floats through each fused op: the bits of
    eager execution (NumPy's values, except where a driver may differ: subnormal results)."""
    base = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 3.4e38, -3.4e38, 2.5, -7.0,
                     1e-30], np.float32)
    h = np.repeat(base, base.size)
    g = np.tile(base, base.size)
    x, y = up(h), up(g)
    for op in BINARY + UNARY:
        k = _k(op)

        def run(k=k, op=op):
            t = _k("positive")(x)
            return k(t, y) if op in BINARY else k(t)

        run()
        got = down(run())
        np.testing.assert_array_equal(_bits(got), _bits(_eager(run)), err_msg=op)
        with np.errstate(all="ignore"):
            want = _numpy(op)(h, g) if op in BINARY else _numpy(op)(h)
        tiny = np.finfo(np.float32).tiny
        ok = ~((want != 0) & (np.abs(want) < tiny))
        np.testing.assert_array_equal(got[ok], want[ok], err_msg=op)


def _random_graph(g, n_nodes, n_inputs):
    """Nodes (op, operand, operand) over inputs (-1 - k), earlier nodes (>= 0), scalars."""
    nodes = []
    for j in range(n_nodes):
        op = BINARY[g.integers(len(BINARY))] if g.integers(3) else UNARY[g.integers(len(UNARY))]

        def pick(j=j):
            u = g.integers(4)
            if u == 0 or j == 0:
                return -1 - int(g.integers(n_inputs))
            if u == 1:
                return ("s", np.float32(g.uniform(-2, 2)))
            return int(j - 1 - g.integers(min(j, 4)))  # mostly recent nodes
        a = pick()
        if op in BINARY:
            b = pick()
            if isinstance(a, tuple) and isinstance(b, tuple):
                b = j - 1 if j else -1
        else:
            a = a if not isinstance(a, tuple) else (j - 1 if j else -1)
            b = None
        nodes.append((op, a, b))
    return nodes


def _eval(nodes, inputs, kernels):
    vals = []

    def get(r):
        if isinstance(r, tuple):
            return r[1]
        return inputs[-1 - r] if r < 0 else vals[r]
    for op, a, b in nodes:
        vals.append(kernels(op)(get(a)) if b is None else kernels(op)(get(a), get(b)))
    return vals


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_equal_eager_and_numpy(seed):
    """Random graphs of 1..70 nodes over 1..6 inputs (more than one chain's inputs or nodes),
    some results kept and some freed: every kept result has eager execution's bits and
    NumPy's values, with at most one dispatch per 32 nodes and stored group."""
    g = np.random.default_rng(100 + seed)
    n_nodes, n_inputs = int(g.integers(1, 71)), int(g.integers(1, 7))
    hs = [g.uniform(0.5, 2, 512).astype(np.float32) * g.choice([-1, 1], 512).astype(np.float32)
          for _ in range(n_inputs)]
    nodes = _random_graph(g, n_nodes, n_inputs)
    keep = set(g.choice(n_nodes, size=max(1, n_nodes // 4), replace=False).tolist())
    with np.errstate(all="ignore"):
        want = _eval(nodes, hs, _numpy)
    xs = [up(h) for h in hs]
    rt = get_runtime(0)
    for _ in range(2):  # (the first pass plans the layouts)
        trueno_gpu.synchronize()
        before = rt.dispatches
        vals = _eval(nodes, xs, _k)
        kept = {j: v for j, v in enumerate(vals) if j in keep}
        del vals
        trueno_gpu.synchronize()
        got = {j: down(v) for j, v in kept.items()}
    # a node joins the pending chain when it reads one of its nodes (at most 32 nodes); a
    # chain may split once more for its inputs (at most 4 bound), and stores at most 14
    # results per dispatch (16 bindings)
    chains, cur = 0, set()
    for j, (_, a, b) in enumerate(nodes):
        if not {a, b} & cur or len(cur) >= 32:
            chains, cur = chains + 1, set()
        cur.add(j)
    assert rt.dispatches - before <= 2 * chains + len(keep) // 12, (n_nodes, chains)
    eager = {}
    _lazy.ENABLED["on"] = False
    try:
        vals = _eval(nodes, xs, _k)
        eager = {j: down(vals[j]) for j in keep}
    finally:
        _lazy.ENABLED["on"] = True
    tiny = np.finfo(np.float32).tiny
    for j in keep:
        np.testing.assert_array_equal(_bits(got[j]), _bits(eager[j]), err_msg=str(j))
        ok = ~((want[j] != 0) & (np.abs(want[j]) < tiny))
        np.testing.assert_array_equal(got[j][ok], want[j][ok], err_msg=str(j))


def test_one_dispatch_per_chain_of_tensor_ops():
    """A chain of tensor-with-tensor and unary ops: its first op eager (the head), then one
    dispatch per 32 nodes."""
    h, g = _sample(seed=5), _sample(seed=6)
    x, y = up(h), up(g)
    ops = [("multiply", True), ("relu", False), ("add", True), ("negative", False)]

    def run(n):
        z, w = x, h
        for i in range(n):
            op, two = ops[i % 4]
            z = _k(op)(z, y) if two else _k(op)(z)
            w = _numpy(op)(w, g) if two else _numpy(op)(w)
        return z, w

    run(4)
    rt = get_runtime(0)
    for n, chains in ((2, 2), (33, 2), (34, 3), (65, 3), (66, 4)):
        trueno_gpu.synchronize()
        before = rt.dispatches
        z, w = run(n)
        trueno_gpu.synchronize()
        assert rt.dispatches - before == chains, n
        np.testing.assert_array_equal(down(z), w)


def test_two_consumers_shared_inputs_and_independent_ops():
    h, g = _sample(seed=7), _sample(seed=8)
    x, y = up(h), up(g)
    rt = get_runtime(0)
    for _ in range(2):
        trueno_gpu.synchronize()
        before = rt.dispatches
        t0 = _k("multiply")(x, y)    # eager: the head
        t = _k("add")(t0, x)         # the chain from it
        u = _k("add")(t, x)          # t feeds u, v and q
        v = _k("subtract")(y, t)
        w = _k("maximum")(u, v)      # u and v back together
        q = _k("multiply")(t, t)     # the same node twice
        assert _lazy.fused_count(rt) == 5
        assert len(rt._chain.inputs) == 3  # t0, x and y, each bound once
        r = _k("add")(x, x)          # reads no pending result: eager (the chain emitted)
        assert rt._chain is None
        r2 = _k("add")(x, y)         # independent again: eager
        trueno_gpu.synchronize()
        assert rt.dispatches - before == 4
        hg = h * g
        tt = hg + h
        np.testing.assert_array_equal(down(w), np.maximum(tt + h, g - tt))
        np.testing.assert_array_equal(down(r), h + h)
        np.testing.assert_array_equal(down(r2), h + g)
        np.testing.assert_array_equal(down(q), tt * tt)
        np.testing.assert_array_equal(down(u), tt + h)


def test_independent_ops_each_do_their_work():
    """A loop of ``a + b`` whose results are dropped: one dispatch per op, as eagerly (no
    chain joins ops that share only inputs, so nothing is computed once for many ops)."""
    h, g = _sample(seed=14), _sample(seed=15)
    x, y = up(h), up(g)
    rt = get_runtime(0)
    for _ in range(2):
        trueno_gpu.synchronize()
        before = rt.dispatches
        for _ in range(20):
            r = _k("add")(x, y)
        trueno_gpu.synchronize()
        assert rt.dispatches - before == 20
    np.testing.assert_array_equal(down(r), h + g)


def test_more_inputs_than_a_chain_binds():
    hs = [_sample(256, seed=20 + i) for i in range(9)]
    xs = [up(h) for h in hs]
    for _ in range(2):
        z, w = xs[0], hs[0]
        for x, h in zip(xs[1:], hs[1:]):
            z = _k("add")(z, x)
            w = w + h
        np.testing.assert_array_equal(down(z), w)


def test_views_broadcasting_and_offsets():
    h = RNG.standard_normal((8, 8)).astype(np.float32)
    g = RNG.standard_normal((8, 8)).astype(np.float32)
    x, y = up(h), up(g)
    row = RNG.standard_normal(8).astype(np.float32)
    r = up(row)
    flat = up(g.reshape(64))
    for i in range(2):
        z = _k("multiply")(x, y)
        w = h * g
        # broadcast operand: an eager kernel reads the emitted result
        np.testing.assert_array_equal(down(_k("add")(z, r)), w + row)
        z = _k("multiply")(x, y)
        zr = view_of(z, w, w.reshape(64))  # a contiguous reshape of the head starts a chain
        s = _k("add")(zr, flat)
        if i:  # (planned by the first pass)
            assert _lazy.fused_count(get_runtime(0)) == 1
        np.testing.assert_array_equal(down(s), w.reshape(64) + g.reshape(64))
        z = _k("multiply")(x, y)
        tail = view_of(z, w, w.reshape(64)[8:])  # an offset view: emits, then an input
        other = up(g.reshape(64)[:56].copy())
        np.testing.assert_array_equal(down(_k("subtract")(tail, other)),
                                      w.reshape(64)[8:] - g.reshape(64)[:56])
        base = up(h.reshape(64))  # an input at an offset (a view of a materialized array)
        hv = view_of(base, h.reshape(64), h.reshape(64)[4:60])
        gv = up(g.reshape(64)[:56].copy())
        np.testing.assert_array_equal(down(_k("relu")(_k("add")(hv, gv))),
                                      np.maximum(h.reshape(64)[4:60] + g.reshape(64)[:56], 0))
        z = _k("multiply")(x, y)
        tr = view_of(z, w, w.T)  # transposed: eager
        np.testing.assert_array_equal(down(_k("add")(tr, y)), w.T + g)


def test_in_place_writes_and_sync_in_the_middle():
    from trueno_gpu import _api

    h, g = _sample(256, seed=9), _sample(256, seed=10)
    for _ in range(2):
        x, y = up(h), up(g)
        z = _k("relu")(_k("add")(x, y))     # reads x and y
        _api.copy_(x, np.float32(2.0))       # x written after the chain captured it
        np.testing.assert_array_equal(down(z), np.maximum(h + g, 0))
        np.testing.assert_array_equal(down(x), np.full(256, 2, np.float32))
        a = _k("multiply")(y, y)
        trueno_gpu.synchronize()             # a sync emits; the next op starts a new chain
        assert get_runtime(0)._chain is None
        b = _k("add")(a, y)
        c = down(a)                          # a read in the middle
        d = _k("negative")(b)
        np.testing.assert_array_equal(c, g * g)
        np.testing.assert_array_equal(down(d), -(g * g + g))


def test_dtype_changes_stop_the_chain():
    h, g = _sample(128, seed=11), _sample(128, seed=12)
    x, y = up(h), up(g)
    for _ in range(2):
        z = _k("multiply")(x, y)
        z64 = KERNELS["astype"]["float32"](z, np.dtype(np.float64)) \
            if "float64" in KERNELS["add"] else None
        if z64 is not None:
            np.testing.assert_array_equal(down(z64), (h * g).astype(np.float64))
        z = _k("multiply")(x, y)
        hf = up(h.astype(np.float16)) if "float16" in KERNELS["add"] else None
        if hf is not None:
            np.testing.assert_array_equal(down(KERNELS["add"]["float16"](hf, hf)),
                                          h.astype(np.float16) + h.astype(np.float16))
        zb = KERNELS["less"]["float32"](z, y)  # bool result: eager, reads the emitted node
        np.testing.assert_array_equal(down(zb), (h * g) < g)


def test_freed_results_and_memory():
    rt = get_runtime(0)
    h = _sample(4096, seed=13)
    x = up(h)
    _k("add")(_k("multiply")(x, x), x)
    trueno_gpu.synchronize()
    gc.collect()
    base = trueno_gpu.memory_allocated()
    before = rt.dispatches
    for _ in range(5):
        z = x
        for _ in range(10):
            z = _k("relu")(_k("add")(_k("multiply")(z, x), x))
        del z
    trueno_gpu.synchronize()
    assert rt.dispatches > before  # the chains still ran
    gc.collect()
    assert trueno_gpu.memory_allocated() == base


def test_tensor_api_and_autograd():
    """Through both faces: values vs NumPy, gradients through fused nodes vs torch."""
    import torch
    import trueno
    import trueno.torch as T

    h = RNG.standard_normal((16, 8)).astype(np.float32)
    g = RNG.standard_normal((16, 8)).astype(np.float32)
    for _ in range(2):
        a = trueno.asarray(h).to_device("gpu")
        b = trueno.asarray(g).to_device("gpu")
        c = -(a * b + a) - b
        c = trueno.maximum(c, a)
        np.testing.assert_array_equal(np.asarray(c.to_device("cpu")),
                                      np.maximum(-(h * g + h) - g, h))
        a += b  # in place on a materialized input of an emitted chain
        d = abs(a * b)
        a -= 1.0  # in place after the chain read a
        np.testing.assert_array_equal(np.asarray(d.to_device("cpu")), np.abs((h + g) * g))
        np.testing.assert_array_equal(np.asarray(a.to_device("cpu")), h + g - np.float32(1))
    for _ in range(2):
        x = T.tensor(h).to("gpu").requires_grad_()
        w = T.tensor(g).to("gpu").requires_grad_()
        y = (T.relu(x * w + x) * w - x).sum()
        y.backward()
        tx = torch.tensor(h, requires_grad=True)
        tw = torch.tensor(g, requires_grad=True)
        ty = (torch.relu(tx * tw + tx) * tw - tx).sum()
        ty.backward()
        np.testing.assert_allclose(float(y.detach().to("cpu")), float(ty.detach()), rtol=1e-5)
        np.testing.assert_allclose(x.grad.to("cpu").numpy(), tx.grad.numpy(), rtol=1e-6)
        np.testing.assert_allclose(w.grad.to("cpu").numpy(), tw.grad.numpy(), rtol=1e-6)


def test_errors_with_a_pending_chain():
    """Bad input to an op on a pending result raises core's error, as eagerly, and the chain's
    results stay right; NaN from 0/0 and inf - inf flows through the nodes (no NaN checks)."""
    import trueno
    from trueno import DTypeError, ShapeError

    h = RNG.standard_normal(64).astype(np.float32)
    g = RNG.standard_normal(64).astype(np.float32)
    for _ in range(2):
        a = trueno.asarray(h).to_device("gpu")
        b = trueno.asarray(g).to_device("gpu")
        c = a * b
        d = c + a  # pending
        with pytest.raises(ShapeError):
            d + trueno.asarray(np.ones(3, np.float32)).to_device("gpu")
        with pytest.raises(DTypeError):
            d & b  # bitwise_and of float32
        e = d - b
        np.testing.assert_array_equal(np.asarray(e.to_device("cpu")), h * g + h - g)
        z = trueno.asarray(np.zeros(4, np.float32)).to_device("gpu")
        inf = trueno.asarray(np.full(4, np.inf, np.float32)).to_device("gpu")
        q = (z * inf) + (inf - inf) / z  # NaN everywhere, through fused nodes
        assert np.isnan(np.asarray(q.to_device("cpu"))).all()
