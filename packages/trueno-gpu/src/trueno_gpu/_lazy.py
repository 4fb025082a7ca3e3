"""Lazy float32 scalar chains: ``y = x * 2.0 + 1.0 - 0.5 ...`` fused into one kernel.

A planned ``add``, ``subtract`` or ``multiply`` of a contiguous float32 array and a scalar
does not record its dispatch: it appends a step to the runtime's pending chain and returns an
array whose storage (``LazyStorage``) has no buffer yet. The next such op on that result
extends the chain. The chain is emitted, as one dispatch that computes every step per element
and stores the results still referenced, before anything else reaches the runtime's batch: a
dispatch, a copy or fill, an upload or download, a submission or sync (``Runtime._record``,
``encoder``, ``_flush``), or any read of a pending result's ``buffer``. So the GPU runs the
same commands in the same order as eagerly, except that a chain's steps run together.

Results are bit-identical to eager execution: each step is the eager kernel's one f32
operation on the same operands, and its result passes through an integer OR with a metadata
word that is always 0 (``z``), which the compiler cannot see through, so no step is contracted
with the next into an fma or regrouped (eager kernels round each result to memory).

``ENABLED["on"]``: fusion on (off: every op records its own dispatch). On by default since
the bit-identity held on a driver that contracts (NVIDIA's, on the H100: tests/
test_lazy_chains.py, 2026-12-07; lavapipe does not contract, so there the tests cannot tell
whether the OR is needed): ``TRUENO_GPU_LAZY=0`` turns it off.
``ENABLED["max"]``: steps per chain.
"""

from __future__ import annotations

import os
import weakref

from trueno.backend import StridedArray

from ._codegen import LINEAR_ID, WG, header
from ._pool import GpuStorage
from ._runtime import meta_struct

__all__ = ["ENABLED", "FUSED_OPS", "LazyStorage", "extend"]

ENABLED = {"on": os.environ.get("TRUENO_GPU_LAZY", "1") != "0", "max": 32}
FUSED_OPS = {"add": "x0 + x1", "subtract": "x0 - x1", "multiply": "x0 * x1"}

_new = object.__new__
_ref = weakref.ref


class LazyStorage(GpuStorage):
    """The storage of a chain step's result. Until the chain is emitted it has no buffer, and
    reading ``buffer`` emits the chain; then ``owner``, a pool storage, holds the buffer and
    returns it to the pool when this storage is freed. A step freed while pending is not
    stored."""

    __slots__ = ("chain", "owner")

    @property
    def buffer(self):
        chain = self.chain
        if chain is not None:
            with chain.rt.lock:
                if self.chain is not None:
                    chain.emit()
        return self.owner.buffer


def _lazy_storage(rt, nbytes: int, chain) -> LazyStorage:
    st = _new(LazyStorage)
    st.nbytes, st.device_index, st.version, st.chain, st.owner = nbytes, rt.index, 0, chain, None
    return st


class _Chain:
    """The pending chain of a runtime: its source array (storage, buffer, offset), the element
    count and the results' size, and per step the op, whether the scalar comes first, the
    scalar's metadata word and a weak reference to the result's storage (``tail``: the last
    one's)."""

    __slots__ = ("rt", "src", "src_buf", "src_off", "n", "cls", "nbytes", "steps", "tail")

    def emit(self) -> None:
        """Record the chain's dispatches (lock held): one per group of stored results (as many
        as the adapter's storage bindings allow), each computing the steps up to its last."""
        rt = self.rt
        if rt._chain is self:
            rt._chain = None
        steps = self.steps
        if not steps:
            return
        live = []
        for i, (_, _, _, ref) in enumerate(steps):
            st = ref()
            if st is not None and st.chain is self:
                live.append((i, st))
        if not live:  # every result was freed: still run the chain (as eagerly), store the last
            live.append((len(steps) - 1, _lazy_storage(rt, self.nbytes, self)))
        per = max(1, min(rt.limits.get("max-storage-buffers-per-shader-stage", 8), 16) - 2)
        words = [self.n, self.src_off, 0] + [w for _, _, w, _ in steps]
        data = meta_struct(len(words)).pack(*words)
        grid = rt.grid(-(-self.n // WG))
        for g in range(0, len(live), per):
            group = live[g:g + per]
            last = group[-1][0]
            sig = tuple((op, first) for op, first, _, _ in steps[:last + 1])
            stored = tuple(i for i, _ in group)
            kern = rt.kernel(("fuse", sig, stored),
                             lambda sig=sig, stored=stored: _source(sig, stored),
                             (True,) * len(stored) + (False,))
            bufs = []
            for _, st in group:
                st.owner = rt.alloc_class(self.cls, self.nbytes)
                st.chain = None
                bufs.append(st.owner.buffer)
            bufs.append(self.src_buf)
            rt._record(kern, data, bufs, grid, self.n * 8)
        self.src = self.src_buf = self.tail = None
        self.steps = ()


def extend(rt, op: str, x, first: bool, word: int, shape, strides, dtype, cls: int,
           nbytes: int, n: int):
    """The lazy result of step ``op`` (``FUSED_OPS``) on the contiguous float32 array ``x``
    and a scalar (``first``: the scalar is the left operand) whose metadata word is ``word``:
    appended to the runtime's pending chain when ``x`` is its last result, else to a new
    chain from ``x`` (the pending one is emitted first)."""
    with rt.lock:
        s = x.storage
        chain = rt._chain
        if chain is None or s is not chain.tail or x.offset or n != chain.n or \
                len(chain.steps) >= ENABLED["max"]:
            if chain is not None:
                chain.emit()
            chain = _new(_Chain)
            chain.rt, chain.src, chain.src_buf = rt, s, s.buffer  # (emits x's own chain)
            chain.src_off, chain.n, chain.cls, chain.nbytes = x.offset, n, cls, nbytes
            chain.steps = []
            rt._chain = chain
        st = _new(LazyStorage)  # (_lazy_storage, inline)
        st.nbytes, st.device_index, st.version, st.chain, st.owner = nbytes, rt.index, 0, chain, \
            None
        chain.steps.append((op, first, word, _ref(st)))
        chain.tail = st
    out = _new(StridedArray)
    out.storage, out.offset, out.shape, out.strides, out.dtype = st, 0, shape, strides, dtype
    return out


def _source(sig, stored) -> str:
    """WGSL computing the steps ``sig`` ((op, scalar first) pairs) per element of the source
    (the last binding) and storing the results of the steps in ``stored`` (bindings 1..).
    Metadata: [n, source offset, 0, one scalar word per step]."""
    lines = ["@group(0) @binding(0) var<storage, read> P: array<u32>;"]
    for k in range(len(stored)):
        lines.append(f"@group(0) @binding({k + 1}) var<storage, read_write> Y{k}: array<f32>;")
    lines.append(f"@group(0) @binding({len(stored) + 1}) var<storage, read> A: array<f32>;")
    body = [f"@compute @workgroup_size({WG})", f"fn main({LINEAR_ID}) {{",
            f"  let i = (wg.y * nwg.x + wg.x) * {WG}u + li;",
            "  if (i >= P[0]) { return; }",
            "  let z = P[2];  // always 0: keeps every step's own rounding (see _lazy)",
            "  var t = A[P[1] + i];"]
    out = {j: k for k, j in enumerate(stored)}
    for j, (op, first) in enumerate(sig):
        s = f"bitcast<f32>(P[{3 + j}])"
        a, b = (s, "t") if first else ("t", s)
        body.append(f"  {{ let x0 = {a}; let x1 = {b}; "
                    f"t = bitcast<f32>(bitcast<u32>({FUSED_OPS[op]}) | z); }}")
        if j in out:
            body.append(f"  Y{out[j]}[i] = t;")
    body.append("}")
    return header("\n".join(lines + body), False)
