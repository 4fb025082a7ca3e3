"""Lazy float32 elementwise chains: ``y = relu(x * w + b) - 0.5 ...`` fused into one kernel.

A planned elementwise op of ``FUSED`` on contiguous float32 operands of one element count
(no broadcasting: arrays and Python or NumPy scalars) that reads a pending result of the
runtime's chain, or the chain head (``Runtime._head``: the buffer of the last such op's
eager result), does not record its dispatch: it appends a node to the pending chain (a new
chain when it reads no pending result) and returns an array whose storage (``LazyStorage``)
has no buffer yet. A node's operands are earlier nodes of the chain (kept in registers), the
chain's inputs (materialized arrays, each bound once however often it is read, at its own
offset) or a scalar (a metadata word). So a chain is a small graph: a result feeding two
consumers and tensor-with-tensor steps join it. Ops on materialized arrays only are not
fused together (the first op of a chain runs eagerly; independent ops are a dispatch each,
so a loop of ``a + b`` whose results are dropped does every op's work, as eagerly).

The chain is emitted, as one dispatch that computes every node per element and stores the
results still referenced, before anything else reaches the runtime's batch: a dispatch, a
copy or fill, an upload or download, a submission or sync (``Runtime._record``, ``encoder``,
``_flush``), a memory statistic, or any read of a pending result's ``buffer`` (a view with an
offset, a strided or broadcast use, another dtype, an op that is not fused). So the GPU runs
the same commands in the same order as eagerly, except that a chain's nodes run together.
Pipelines are cached per graph shape (the nodes' ops and operand references, the stored
nodes, the input count): a loop compiles its chains once.

Results are bit-identical to eager execution: each node is the eager kernel's expression of
its op (``_elementwise``'s tables) on the same operands, and only ops whose float32 result is
one IEEE operation or exact bit work are fused (add, subtract, multiply, divide (integer long
division, ``tn_div``), maximum, minimum, negative, positive, abs, square, relu), so no
expression has internal roundings a compiler could treat differently in a bigger kernel.
Each node's result passes through an integer OR with a metadata word that is always 0
(``z``), which the compiler cannot see through, so no node is contracted with the next into
an fma or regrouped (eager kernels round each result to memory).

``ENABLED["on"]``: fusion on (off: every op records its own dispatch). On by default since
the bit-identity held on a driver that contracts (NVIDIA's, on the H100: tests/
test_lazy_chains.py, 2026-12-07; lavapipe does not contract, so there the tests cannot tell
whether the OR is needed): ``TRUENO_GPU_LAZY=0`` turns it off.
``ENABLED["max"]``: nodes per chain; ``ENABLED["inputs"]``: input arrays per chain.
"""

from __future__ import annotations

import os
import weakref

from trueno.backend import StridedArray

from ._codegen import LINEAR_ID, WG, header
from ._pool import GpuStorage
from ._runtime import _STRUCTS, meta_struct
from ._transfers import _Storage

__all__ = ["ENABLED", "FUSED", "LazyStorage", "extend", "fused_count"]

ENABLED = {"on": os.environ.get("TRUENO_GPU_LAZY", "1") != "0", "max": 32, "inputs": 4}
# The fused ops; their float32 expressions are filled in by ``_elementwise`` from its tables
# (the eager kernels' own text), so a node computes exactly what the eager kernel does.
FUSED: dict[str, str] = dict.fromkeys((
    "add", "subtract", "multiply", "divide", "maximum", "minimum",
    "negative", "positive", "abs", "square", "relu"), "")

_new = object.__new__
_ref = weakref.ref
_SA = StridedArray
_S = "s"  # a node operand that is a scalar (the next metadata word)


class LazyStorage(GpuStorage):
    """The storage of a chain node's result. Until the chain is emitted it has no buffer, and
    reading ``buffer`` emits the chain; then ``owner``, a pool storage, holds the buffer and
    returns it to the pool when this storage is freed. A node freed while pending is not
    stored. ``step``: the node's index in its chain; ``shape``, ``strides``: the node's
    result layout (the tuples its array got: a planned op seeing them on an operand knows
    it is the whole contiguous node)."""

    __slots__ = ("chain", "owner", "step", "shape", "strides")

    @property
    def buffer(self):
        chain = self.chain
        if chain is not None:
            with chain.rt.lock:
                if self.chain is not None:
                    chain.emit()
        return self.owner.buffer


class _Chain:
    """The pending chain of a runtime: the element count and the results' size (bytes, pool
    size class); ``nodes``: per node (op, operand, operand or None), an operand being a node
    index (>= 0), an input (-1 - its index) or ``_S``; ``words``: the scalar operands'
    metadata words in node order; ``inputs``: (storage, buffer, offset) of each input array
    (the storage is held, so its buffer cannot return to the pool while the chain reads it),
    ``keys``: the storage (offset 0) or (storage, offset) -> input operand; ``refs``: a weak
    reference per node to its result's storage."""

    __slots__ = ("rt", "n", "cls", "nbytes", "nodes", "words", "inputs", "keys", "refs")

    def emit(self) -> None:
        """Record the chain's dispatches (lock held): one per group of stored results (as many
        as the adapter's storage bindings allow), each computing the nodes up to its last.
        (Plain loops, no comprehensions: a chain of one or two nodes is common, and each
        comprehension is a Python frame.)"""
        rt = self.rt
        if rt._chain is self:
            rt._chain = None
        nodes = self.nodes
        if not nodes:
            return
        live = []
        i = 0
        for ref in self.refs:
            st = ref()
            if st is not None and st.chain is self:
                live.append((i, st))
            i += 1
        if not live:  # every result was freed: still run the chain (as eagerly), store the last
            st = _new(LazyStorage)
            st.nbytes, st.device_index, st.version, st.chain, st.owner = \
                self.nbytes, rt.index, 0, self, None
            st.shape = st.strides = None
            live.append((len(nodes) - 1, st))
        inputs = self.inputs
        m = len(inputs)
        words = [self.n, 0]
        in_bufs = []
        for _, b, off in inputs:
            words.append(off)
            in_bufs.append(b)
        words += self.words
        pk = _STRUCTS.get(len(words)) or meta_struct(len(words))
        data = pk.pack(*words)
        n = self.n
        grid = _GRIDS.get(n)
        if grid is None:
            grid = _GRIDS[n] = rt.grid(-(-n // WG))
        per = max(1, min(rt.limits.get("max-storage-buffers-per-shader-stage", 8), 16) - 1 - m)
        pool = rt.pool
        cls, nbytes = self.cls, self.nbytes
        for g in range(0, len(live), per):
            group = live[g:g + per] if len(live) > per else live
            last = group[-1][0]
            sig = tuple(nodes) if last == len(nodes) - 1 else tuple(nodes[:last + 1])
            stored = []
            bufs = []
            if pool._released:
                pool._collect()
            free = pool._free.get(cls)
            for i, st in group:  # (``alloc_class``, inline)
                stored.append(i)
                if free:
                    o = _new(_Storage)
                    o.buffer, o.nbytes, o.device_index, o.version, o.pool = \
                        free.pop(), nbytes, rt.index, 0, pool
                    pool._allocated += cls
                else:
                    o = rt.alloc(nbytes)
                st.owner = o
                st.chain = None
                bufs.append(o.buffer)
            stored = tuple(stored)
            kern = rt.kernel(("fuse", sig, stored, m),
                             lambda sig=sig, stored=stored: _source(sig, stored, m),
                             (True,) * len(stored) + (False,) * m)
            rt._record(kern, data, bufs + in_bufs, grid, n * 4 * (len(group) + m))
        self.inputs = self.refs = self.words = ()
        self.nodes = ()
        self.keys = None


_GRIDS: dict = {}  # element count -> the grid of a chain's dispatch


def _new_chain(rt, n: int, cls: int, nbytes: int) -> _Chain:
    """A fresh pending chain of ``rt`` (lock held; the previous one emitted first)."""
    old = rt._chain
    if old is not None:
        old.emit()
    chain = _new(_Chain)
    chain.rt, chain.n, chain.cls, chain.nbytes = rt, n, cls, nbytes
    chain.nodes, chain.words, chain.inputs, chain.keys, chain.refs = [], [], [], {}, []
    rt._chain = chain
    return chain


def _operand(chain, x):
    """The node operand of array ``x`` in ``chain`` (lock held): its node when ``x`` is a
    pending result of the chain at offset 0, else an input (added if new); None when the
    chain has no room for another input. A pending result of the chain read at an offset
    emits the chain (through ``buffer``) and becomes an input of the next one."""
    s = x.storage
    if s.__class__ is LazyStorage and s.chain is not None:
        if s.chain is chain and not x.offset:
            return s.step
        return None  # (an offset view of a pending result: emit, then read it as an input)
    key = (s, x.offset) if x.offset else s  # (two live storages never share a buffer)
    r = chain.keys.get(key)
    if r is None:
        inputs = chain.inputs
        if len(inputs) >= ENABLED["inputs"]:
            return None
        inputs.append((s, s.buffer, x.offset))
        r = chain.keys[key] = -len(inputs)
    return r


def extend(rt, op: str, x, y, word, shape, strides, dtype, cls: int, nbytes: int, n: int):
    """The lazy result of node ``op`` (``FUSED``) on contiguous float32 arrays of ``n``
    elements: ``op(x)`` (``y`` None, ``word`` None), ``op(x, y)`` (``word`` None), or with a
    scalar whose metadata word is ``word``: ``op(x, s)`` (``y`` None) or ``op(s, x)`` (``y``
    is ``x``, ``x`` None).

    Appended to the runtime's pending chain when it reads a pending result of it and fits
    (same element count, room for its node and inputs); else the pending chain is emitted
    and the node starts a new one, which consumes the runtime's head (``Runtime._head``,
    the eager result ``_elementwise`` calls this for when no operand is pending). So ops on
    materialized arrays only are not fused together: each is one dispatch, as eagerly (a
    loop of ``a + b`` whose results are dropped still does the work of every op)."""
    lock = rt.lock  # (acquire/release: ~0.1 us less than ``with``)
    lock.acquire()
    try:
        chain = rt._chain
        a = b = None
        if chain is not None and chain.n == n and len(chain.nodes) < ENABLED["max"]:
            if x is not None:
                s = x.storage
                if s.__class__ is LazyStorage and s.chain is chain and not x.offset:
                    a = s.step
            if y is not None:
                s = y.storage
                if s.__class__ is LazyStorage and s.chain is chain and not y.offset:
                    b = s.step
            if a is None and b is None:
                chain = None  # nothing of the pending chain is read
            else:  # (a known input at offset 0 is looked up inline: ``_operand``'s case)
                keys = chain.keys
                if a is None:
                    a = _S if x is None else (keys.get(x.storage) if not x.offset else None) \
                        or _operand(chain, x)
                if b is None:
                    b = (None if word is None else _S) if y is None else \
                        (keys.get(y.storage) if not y.offset else None) or _operand(chain, y)
                if a is None or b is None and (y is not None or word is not None):
                    chain = None  # no room for an input, or a pending result at an offset
        else:
            chain = None
        if chain is None:  # a new chain (the pending one emitted: every operand an input)
            chain = _new_chain(rt, n, cls, nbytes)
            rt._head = None  # (consumed: another op on it is eager, see ``_elementwise``)
            a = _S if x is None else _operand(chain, x)
            b = (None if word is None else _S) if y is None else _operand(chain, y)
        st = _new(LazyStorage)
        st.nbytes, st.device_index, st.version, st.chain, st.owner = nbytes, rt.index, 0, \
            chain, None
        st.shape, st.strides = shape, strides
        nodes = chain.nodes
        st.step = len(nodes)
        nodes.append((op, a, b))
        if word is not None:
            chain.words.append(word)
        chain.refs.append(_ref(st))
    finally:
        lock.release()
    out = _new(_SA)
    out.storage, out.offset, out.shape, out.strides, out.dtype = st, 0, shape, strides, dtype
    return out


def fused_count(rt) -> int:
    """Nodes of ``rt``'s pending chain (0 when none): for tests and probes."""
    chain = rt._chain
    return 0 if chain is None else len(chain.nodes)


def _source(nodes, stored, m: int) -> str:
    """WGSL computing ``nodes`` per element and storing the nodes in ``stored`` (bindings
    1..), with ``m`` input arrays (the bindings after them). Metadata: [n, 0, one offset per
    input, one word per scalar operand in node order]."""
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;"]
    k = len(stored)
    for j in range(k):
        lines.append(f"@group(0) @binding({j + 1}) var<storage, read_write> Y{j}: array<f32>;")
    for j in range(m):
        lines.append(f"@group(0) @binding({k + 1 + j}) var<storage, read> A{j}: array<f32>;")
    body = [f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
            f"  let i = (wg.y * nwg.x + wg.x) * {WG}u + li;",
            "  if (i >= P[0]) { return; }",
            "  let z = P[1];  // always 0: keeps every node's own rounding (see _lazy)"]
    used = sorted({-1 - r for _, a, b in nodes for r in (a, b) if r.__class__ is int and r < 0})
    body += [f"  let a{j} = A{j}[P[{2 + j}] + i];" for j in used]
    out = {s: j for j, s in enumerate(stored)}
    w = 2 + m
    for j, (op, a, b) in enumerate(nodes):
        args = []
        for r in (a, b):
            if r is None:
                continue
            if r == _S:
                args.append(f"bitcast<f32>(P[{w}])")
                w += 1
            else:
                args.append(f"v{r}" if r >= 0 else f"a{-1 - r}")
        lets = " ".join(f"let x{q} = {t};" for q, t in enumerate(args))
        body.append(f"  var v{j}: f32;")
        body.append(f"  {{ {lets} v{j} = bitcast<f32>(bitcast<u32>({FUSED[op]}) | z); }}")
        if j in out:
            body.append(f"  Y{out[j]}[i] = v{j};")
    body.append("}")
    return header("\n".join(lines + body), False)
