"""The graph walk: ``backward`` and ``grad`` run the recorded graph from its roots.

One pass counts each node's consumers (a depth-first walk); then nodes run when all of their
consumers have handed them a gradient. A node of one output with no hooks and no retained
gradient (almost every node) takes the short path: its rule runs on the gradient and each
result is fitted to its input (broadcast dims summed, dtype, device, class) and handed on, in
one loop over the node's edges. Everything else (several outputs, hooks, ``retain_grad``,
``inputs=``/``grad`` captures, anomaly mode) takes the general path (``_node_grads``).

A pending gradient in ``buf`` is a tensor for output 0 of a node and a list (one slot per
output) where another output of the node got one.
"""

from __future__ import annotations

import numpy as _np

from trueno import Tensor
from trueno import backend as B
from trueno import sum as _sum

from ._graph import FREED, FREED_MSG, RUNNING, AccumulateGrad
from ._inplace import fit_shape
from ._record import anomaly_on

__all__ = ["GraphRunner", "as_tuple"]

MODES = B.MODES
_ndarray = _np.ndarray
_SEED_CLASS: dict = {}  # a tensor class -> the class of ones_like's result
_FULL: dict = {}  # a device type -> its DeviceAPI's ``full`` (the seed's fill off the CPU)
_STRIDED = B.StridedArray  # every non-CPU device's array class
_CONTIGUOUS: dict = {}  # (shape, strides) of a StridedArray -> whether it is contiguous


class GraphRunner:
    """Mixin of ``Engine``: running recorded graphs backward."""

    def backward(self, tensor, gradient=None, retain_graph=None, create_graph=False,
                 inputs=None):
        """``tensor.backward(...)``."""
        self.run_backward((tensor,), (gradient,), retain_graph, create_graph, inputs)

    def run_backward(self, tensors, grad_tensors, retain_graph=None, create_graph=False,
                     inputs=None):
        """``trueno.autograd.backward``: accumulate into the leaves' (or ``inputs``') grads."""
        roots, grads = self._roots(tensors, grad_tensors)
        keep = create_graph if retain_graph is None else retain_graph
        if inputs is not None:
            inputs = as_tuple(inputs)
            if not inputs:
                raise RuntimeError("'inputs' argument to backward() cannot be empty.")
            got = self._execute(roots, grads, keep, create_graph, inputs)
            for t, g in zip(inputs, got):
                if g is not None:
                    self._accumulate(t, g, create_graph, set())
        else:
            self._execute(roots, grads, keep, create_graph, None)

    def grad(self, outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
             allow_unused=None, materialize_grads=False):
        """``trueno.autograd.grad``: the gradients of ``outputs`` with respect to ``inputs``."""
        outputs = as_tuple(outputs)
        inputs = as_tuple(inputs)
        if grad_outputs is None:
            grad_outputs = (None,) * len(outputs)
        else:
            grad_outputs = as_tuple(grad_outputs)
            if len(grad_outputs) != len(outputs):
                raise RuntimeError(f"grad requires one grad_output per output: got "
                                   f"{len(grad_outputs)} grad_outputs and {len(outputs)} "
                                   f"outputs")
        for i, t in enumerate(inputs):
            if not isinstance(t, Tensor) or t._ag is None:
                raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not "
                                   "require grad")
        roots, grads = self._roots(outputs, grad_outputs)
        keep = create_graph if retain_graph is None else retain_graph
        got = self._execute(roots, grads, keep, create_graph, inputs)
        if allow_unused is None:
            allow_unused = materialize_grads
        out = []
        for i, (t, g) in enumerate(zip(inputs, got)):
            if g is None:
                if materialize_grads:
                    from trueno import zeros_like
                    g = zeros_like(t)
                elif not allow_unused:
                    raise RuntimeError(
                        f"One of the differentiated Tensors (input {i}) appears to not have "
                        "been used in the graph. Set allow_unused=True if this is the desired "
                        "behavior.")
            out.append(g)
        return tuple(out)

    def _roots(self, tensors, grad_tensors):
        from trueno import ones_like
        roots, grads = [], []
        if len(grad_tensors) != len(tensors):
            raise RuntimeError(f"got {len(grad_tensors)} gradients for {len(tensors)} tensors")
        for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
            m = t._ag
            if m is None:
                raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                                   "have a grad_fn")
            if g is None:
                if t.numel() != 1:
                    raise RuntimeError(f"grad can be implicitly created only for scalar outputs "
                                       f"(this output has shape {t.shape})\n  hint: pass "
                                       f"gradient=ones_like(out), or reduce it first (.sum())")
                d = t._data
                cls = _SEED_CLASS.get(t.__class__)
                dev = t._device
                if cls is None:
                    g = ones_like(t)
                    _SEED_CLASS[t.__class__] = g.__class__
                elif d.__class__ is _ndarray and dev is B.CPU:
                    # ones_like's 1.0 on the CPU, without the creation path (per backward)
                    g = B.wrap(cls, _np.ones(d.shape, d.dtype), B.CPU, None, t._dtype)
                elif dev is not B.CPU and t._dtype.kind in "fc":
                    # on a device: ones_like's call of the device's fill, without the
                    # creation path's frames (its shape, dtype and device checks)
                    full = _FULL.get(dev.type)
                    if full is None:
                        full = _FULL[dev.type] = B.device_api(dev).full
                    dt = t._dtype
                    g = B.wrap(cls, full(d.shape, 1, dt.numpy, dev.index), dev, None, dt)
                else:
                    g = ones_like(t)
            elif not isinstance(g, Tensor):
                from trueno import full_like
                g = full_like(t, g)
            else:
                if g.shape != t.shape:
                    raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                       f"{g.shape} and output[{i}] has a shape of {t.shape}.")
                if g._dtype is not t._dtype:
                    g = g.astype(t._dtype)
            fn = self.grad_fn_of(t)
            roots.append((fn, m.output_nr) if fn is not None else (self._acc(t), 0))
            grads.append(g)
        return roots, grads

    def _capture(self, targets):
        """For ``grad``/``inputs=``: node -> [(output_nr, index in targets)]."""
        capture = {}
        for i, t in enumerate(targets):
            m = t._ag
            fn = self.grad_fn_of(t)
            if fn is None:
                slot = m.hooks
                n = slot.acc() if slot is not None and slot.acc is not None else None
                if n is None:
                    continue  # a leaf no graph uses
                key, nr = n, 0
            else:
                key, nr = fn, m.output_nr
            capture.setdefault(key, []).append((nr, i))
        return capture

    def _execute(self, roots, grads, keep, create, targets):
        capture = needed = captured = None
        root_nodes = list(dict.fromkeys(n for n, _ in roots))
        # deps: node -> how many edges into it are still to run (roots start at 0)
        deps = dict.fromkeys(root_nodes, 0)
        get = deps.get
        if targets is None:
            stack = list(root_nodes)
            pop = stack.pop
            push = stack.append
            while stack:
                for e in pop()._next:
                    if e is not None:
                        c = e[0] if e.__class__ is tuple else e
                        d = get(c)
                        if d is None:
                            deps[c] = 1
                            push(c)
                        else:
                            deps[c] = d + 1
        else:
            capture = self._capture(targets)
            captured = [None] * len(targets)
            needed = _needed(root_nodes, deps, capture)
        buf: dict = {}
        for (n, nr), g in zip(roots, grads):
            _put(buf, n, nr, g)
        handed = {id(g._version) for g in grads}
        ready = [n for n in root_nodes if not deps[n]]
        slow = capture is not None or anomaly_on()
        prev, prev_in = MODES.grad_enabled, MODES.in_backward
        MODES.grad_enabled = bool(create)
        MODES.in_backward = True  # the NumPy face keeps 0-d results as arrays for the rules
        running = RUNNING
        prev_keep = running.keep
        running.keep = keep  # (a custom Function's rule frees its ctx unless kept)
        pop = ready.pop
        push = ready.append
        bget = buf.get
        bpop = buf.pop
        try:
            while ready:
                n = pop()
                g = bpop(n, None)
                if n.__class__ is AccumulateGrad:
                    self._leaf(n, g, create, handed, capture, captured)
                    continue
                res = None
                if slow or n._hooks is not None or n._out_refs is not None:
                    res = self._node_grads(n, g, keep, create, handed, capture, captured,
                                           needed)
                elif g is not None:
                    saved = n._saved
                    if saved is FREED:
                        raise RuntimeError(FREED_MSG)
                    res = n._rule.fn(n, g)
                    if not keep and saved is not None:
                        n._saved = FREED
                        n._out = None
                    if res.__class__ is not tuple and res.__class__ is not list:
                        res = (res,)
                shapes = n.shapes
                i = -1
                for e in n._next:
                    i += 1
                    if e is None:
                        continue
                    if e.__class__ is tuple:  # an edge into output e[1] > 0 of node e[0]
                        c, nr = e
                    else:  # an edge into output 0 of node e, the common case
                        c = e
                        nr = 0
                    if res is not None:
                        try:
                            r = res[i]
                        except IndexError:
                            raise RuntimeError(_count_msg(n, res)) from None
                        if r is not None:
                            # fit the gradient to input i: broadcast dims, dtype, device, class
                            shape, dt, cls, dev = shapes[i]
                            rs = r._data.shape
                            if rs != shape:
                                # one broadcast leading dim (a bias): one sum over axis 0,
                                # the kernel fit_shape's sum runs, without its general steps
                                if shape and rs[1:] == shape and len(rs) == len(shape) + 1:
                                    r = _sum(r, 0)
                                else:
                                    r = fit_shape(r, shape)
                            if r._dtype is not dt:
                                if dt.kind != "c" and r._dtype.kind == "c":
                                    r = r.real
                                if r._dtype is not dt:
                                    r = r.astype(dt)
                            if r._device is not dev:
                                r = r.to_device(dev)
                            if r.__class__ is not cls and r._ag is None:
                                r = B.wrap(cls, r._data, r._device, r._version, r._dtype)
                            if nr == 0:
                                old = bget(c)
                                if old is None:
                                    buf[c] = r
                                elif old.__class__ is list:
                                    _put(buf, c, 0, r)
                                else:
                                    buf[c] = old + r
                            else:
                                _put(buf, c, nr, r)
                    d = deps[c] - 1
                    if d:
                        deps[c] = d
                    else:
                        push(c)  # every consumer ran: c is ready (its count is not read again)
        finally:
            MODES.grad_enabled, MODES.in_backward = prev, prev_in
            running.keep = prev_keep
        return captured

    def _leaf(self, n, g, create, handed, capture, captured):
        """An AccumulateGrad node: the leaf's hooks, then into its ``.grad`` (or captured)."""
        if n._hooks is not None:
            g = _run_pre_hooks(n, _as_list(g))[0]
        elif g.__class__ is list:
            g = g[0]
        t = n.variable
        m = t._ag
        if m is not None and m.hooks is not None and m.hooks.hooks and g is not None:
            for h in list(m.hooks.hooks):
                r = h(g)
                if r is not None:
                    g = r
        if capture is not None:
            for _nr, i in capture.get(n, ()):
                captured[i] = g
        elif g is not None:
            self._accumulate(t, g, create, handed)

    def _node_grads(self, n, g, keep, create, handed, capture, captured, needed):
        """The general path of one node: pre-hooks, retained and captured gradients, the rule,
        anomaly checks and post-hooks. Returns the gradients per input, or None."""
        gs = _as_list(g)
        if n._hooks is not None:
            gs = _run_pre_hooks(n, gs)
        refs = n._out_refs
        if refs is not None:
            _retain(refs, gs, create, handed)
        if refs.__class__ is tuple:
            has_grad = any(x is not None for x in gs)
        else:
            has_grad = gs[0] is not None
        run = True
        if capture is not None:
            cap = capture.get(n)
            if cap is not None:
                for nr, i in cap:
                    captured[i] = gs[nr] if nr < len(gs) else None
            run = n in needed
        if not (run and has_grad):
            return None
        saved = n._saved
        if saved is FREED:
            raise RuntimeError(FREED_MSG)
        out = self._apply(n, gs)
        if not keep and saved is not None:
            n._saved = FREED
            n._out = None
        return out

    def _apply(self, n, gs):
        """The rule of node ``n`` on its output gradients ``gs``, fitted to the inputs, then
        the anomaly check and the node's post-hooks."""
        refs = n._out_refs
        if refs.__class__ is tuple:
            gs = list(gs) + [None] * (len(refs) - len(gs))
            g = tuple(gs)
        else:
            g = gs[0]
        res = n._rule.fn(n, g)
        if res.__class__ is not tuple and res.__class__ is not list:
            res = (res,)
        out = []
        needs = n.needs
        shapes = n.shapes
        for i, r in enumerate(res[:len(needs)]):  # extra results are dropped
            if r is None or not needs[i]:
                out.append(None)
                continue
            shape, dt, cls, dev = shapes[i]
            if r._data.shape != shape:
                r = fit_shape(r, shape)
            if r._dtype is not dt:
                if dt.kind != "c" and r._dtype.kind == "c":
                    r = r.real
                if r._dtype is not dt:
                    r = r.astype(dt)
            if r._device is not dev:
                r = r.to_device(dev)
            if r.__class__ is not cls and r._ag is None:
                r = B.wrap(cls, r._data, r._device, r._version, r._dtype)
            out.append(r)
        if anomaly_on():
            from ._anomaly import check_node
            check_node(n, out)
        hooks = n._hooks
        if hooks is not None and hooks.post:
            for h in list(hooks.post):
                r = h(tuple(out), tuple(gs))
                if r is not None:
                    out = list(r)
        return out

    def _accumulate(self, t, g, create, handed):
        m = t._ag
        if m is None or m.nograd_view == 1:  # PyTorch leaves .grad of such a view None
            return
        shape = t._data.shape
        if g._data.shape != shape:
            g = fit_shape(g, shape)
        if g._dtype is not t._dtype:
            g = g.astype(t._dtype)
        if not create and g._ag is not None:
            g = g.detach()
        old = m.grad
        if old is None:
            # the first gradient is taken as is unless another tensor shares its memory (one
            # handed out before: a root's gradient, another leaf's .grad) or it is strided
            if not create:
                d = g._data
                if d.__class__ is _STRIDED:  # (is_contiguous's answer, kept per layout)
                    key = (d.shape, d.strides)
                    contiguous = _CONTIGUOUS.get(key)
                    if contiguous is None:
                        if len(_CONTIGUOUS) > 4096:
                            _CONTIGUOUS.clear()
                        contiguous = _CONTIGUOUS[key] = d.is_contiguous()
                else:
                    contiguous = g.is_contiguous()
            if not create and (id(g._version) in handed or not contiguous):
                g = g.copy()
            elif not create and getattr(g, "_base", None) is not None:
                # a contiguous view no handed-out tensor shares (views share their base's
                # version counter), e.g. the transpose of matmul's fresh weight gradient: own
                # it, so that the next backward adds into it in place
                del g._base
            m.grad = g
        elif create:
            m.grad = old + g
        elif old._ag is None and old._dtype is g._dtype and old._device is g._device and \
                old._data.shape == g._data.shape and old.is_contiguous() and \
                getattr(old, "_base", None) is None:
            old += g  # in place, as PyTorch's AccumulateGrad: .grad stays the same object
        else:
            m.grad = (old.detach() if old._ag is not None else old) + g
        handed.add(id(m.grad._version))


def _count_msg(n, res) -> str:
    return (f"function {n.name()} returned an incorrect number of gradients (expected "
            f"{len(n._next)}, got {len(res)})\n  hint: its rule must return one gradient (or "
            f"None) per input of the op '{n._op}'")


def _needed(root_nodes, deps, capture):
    """Count ``deps`` (as the plain walk does) and return the nodes from which a captured node
    can be reached: only those run their rules under ``grad``/``inputs=``."""
    post = []
    stack = [(n, 0) for n in root_nodes]
    while stack:
        n, i = stack[-1]
        nf = n._next
        if i < len(nf):
            stack[-1] = (n, i + 1)
            e = nf[i]
            if e is not None:
                c = e[0] if e.__class__ is tuple else e
                d = deps.get(c)
                if d is None:
                    deps[c] = 1
                    stack.append((c, 0))
                else:
                    deps[c] = d + 1
        else:
            stack.pop()
            post.append(n)
    needed = set()
    for n in post:
        for e in n._next:
            if e is not None:
                c = e[0] if e.__class__ is tuple else e
                if c in capture or c in needed:
                    needed.add(n)
                    break
    return needed


def _as_list(g):
    """A pending gradient as one slot per output."""
    return g if g.__class__ is list else [g]


def _put(buf, n, nr, g):
    """Add gradient ``g`` of output ``nr`` of node ``n`` to the pending ones."""
    old = buf.get(n)
    if nr == 0 and old.__class__ is not list:
        buf[n] = g if old is None else old + g
        return
    if old is None:
        b = buf[n] = [None] * (nr + 1)
    elif old.__class__ is not list:
        b = buf[n] = [old]
    else:
        b = old
    if len(b) <= nr:
        b.extend([None] * (nr + 1 - len(b)))
    prev = b[nr]
    b[nr] = g if prev is None else prev + g


def _run_pre_hooks(n, gs):
    gs = list(gs)
    pre = n._hooks.pre
    for nr, hooks in pre.items():
        if nr < 0:
            continue
        if nr < len(gs) and gs[nr] is not None:
            for h in list(hooks):
                r = h(gs[nr])
                if r is not None:
                    gs[nr] = r
    for h in list(pre.get(-1, ())):
        r = h(tuple(gs))
        if r is not None:
            gs = list(r)
    return gs


def _retain(refs, gs, create, handed):
    if refs.__class__ is not tuple:
        refs = (refs,)
    for nr, ref in enumerate(refs):
        m = None if ref is None else ref()
        if m is None or not m.retains_grad or nr >= len(gs) or gs[nr] is None:
            continue
        g = gs[nr]
        if not create:
            g = g.detach() if g._ag is not None else g
        if m.grad is None:
            m.grad = g.copy() if not create else g
        else:
            m.grad = m.grad + g
        handed.add(id(m.grad._version))


def as_tuple(x):
    """``x`` as a tuple of tensors (one tensor, None, or a sequence)."""
    if isinstance(x, Tensor) or x is None:
        return (x,)
    return tuple(x)
