"""The engine the dispatcher calls: ``record`` after a differentiable op and ``backward``/``grad``
to run the graph. The hooks for views and in-place writes (``record_view``, ``check_inplace``,
``inplace``, ``setitem``) come from ``ViewHistory`` (``_view_history.py``).

``record`` is on the hot path of every op on a tensor that requires grad, so it does a dict
lookup, builds one node and one ``AutogradMeta`` per output, and nothing else.
"""

from __future__ import annotations

import traceback
import weakref

from trueno import Tensor
from trueno import backend as B
from trueno.backend import AutogradMeta, Op

from ._graph import (
    FREED_MSG, AccumulateGrad, Node, Rule, RemovableHandle, make_accumulate, node_class,
)
from ._inplace import PRIVATE_RULES, apply_view, fit_shape
from ._view_history import ViewHistory

__all__ = ["ENGINE", "Engine", "apply_view", "fit_shape"]

MODES = B.MODES  # the calling thread's grad mode and anomaly mode
_new = object.__new__
_ref = weakref.ref
_wrap = B.wrap
_META = AutogradMeta

# PyTorch's node names where they are not CamelCase(op) + "Backward0".
_NAMES = {
    "subtract": "SubBackward0", "multiply": "MulBackward0", "divide": "DivBackward0",
    "negative": "NegBackward0", "square": "PowBackward0", "matmul": "MmBackward0",
    "reshape": "ViewBackward0", "permute_dims": "PermuteBackward0", "expand": "ExpandBackward0",
    "getitem": "SliceBackward0", "index": "IndexBackward0", "concat": "CatBackward0",
    "clip": "ClampBackward1", "astype": "ToCopyBackward0", "to_device": "ToCopyBackward0",
    "contiguous": "CloneBackward0", "max": "MaxBackward1", "min": "MinBackward1",
    "vector_norm": "LinalgVectorNormBackward0", "layer_norm": "NativeLayerNormBackward0",
    "log_softmax": "LogSoftmaxBackward0", "softmax": "SoftmaxBackward0",
    "conv2d": "ConvolutionBackward0", "copy_slices": "CopySlices",
}


def node_name(op_name: str) -> str:
    n = _NAMES.get(op_name)
    if n is None:
        n = "".join(p.capitalize() for p in op_name.split("_")) + "Backward0"
    return n


def _missing_rule(op_name):
    def fn(ctx, g):
        raise NotImplementedError(
            f"the derivative for '{op_name}' is not implemented: the op is marked "
            f"differentiable in the op table but no gradient rule is registered for it\n"
            f"  hint: registry.add_gradient('{op_name}', rule) in a trueno_register_gradients "
            f"hook, or differentiable=False on its row")
    return fn


class _LeafSlot:
    """What the engine keeps in a leaf's ``AutogradMeta.hooks``: its hooks and (weakly) its
    AccumulateGrad node, so that every graph that uses the leaf shares one node."""

    __slots__ = ("hooks", "acc")

    def __init__(self):
        self.hooks = []
        self.acc = None


class Engine(ViewHistory):
    """Records nodes while ops run and runs them backward. One instance per process."""

    def __init__(self):
        self._table: dict = {}

    # -- recording (hot path) -------------------------------------------------------------------
    def _lookup(self, op):
        rule = B.gradient_rule(op.name) or PRIVATE_RULES.get(op.name)
        if rule is None:
            rule = Rule(_missing_rule(op.name), save="none")
        elif not isinstance(rule, Rule):
            rule = Rule(rule, save="all", save_output=True)
        entry = (node_class(rule.name or node_name(op.name)), rule)
        self._table[op.name] = entry
        return entry

    def clear_cache(self) -> None:
        self._table.clear()

    def record(self, op, inputs, params, output):
        entry = self._table.get(op.name)
        if entry is None:
            entry = self._lookup(op)
        cls, rule = entry
        if output.__class__ is tuple:
            return self._record_multi(cls, rule, op, inputs, params, output)
        if output._dtype.kind not in "fc":
            return None
        # _new_node, _link and _save_inputs, inlined (no comprehension frames): this runs
        # once per recorded op. The node is filled as a plain Node and gets its class
        # (MulBackward0, ...) last: stores into one class's slots are specialized by the
        # interpreter, stores into a different class at every call are not (~2x slower).
        node = _new(Node)
        node._op = op.name
        node._freed = node._had_saved = False
        node._pre_hooks = node._hooks = node._trace = node._saved = node._out = None
        node.params = params
        node._rule = rule
        save = rule.save
        if len(inputs) == 2 and inputs[0] is not None and inputs[1] is not None:
            # binary ops, the common case: tuples built directly
            a, b = inputs
            m = a._ag
            if m is None:
                ea = None
            else:
                fn = m.grad_fn
                if m.view_version is not None and a._version[0] != m.view_version:
                    fn = self._refresh(a)  # a view whose base changed in place
                ea = (fn, m.output_nr) if fn is not None else (self._acc(a), 0)
            m = b._ag
            if m is None:
                eb = None
            else:
                fn = m.grad_fn
                if m.view_version is not None and b._version[0] != m.view_version:
                    fn = self._refresh(b)
                eb = (fn, m.output_nr) if fn is not None else (self._acc(b), 0)
            node._next = (ea, eb)
            if ea is None:
                node.needs = needs = (False, True) if eb is not None else (False, False)
            else:
                node.needs = needs = (True, True) if eb is not None else (True, False)
            node.shapes = ((a._data.shape, a._dtype, a.__class__, a._device),
                           (b._data.shape, b._dtype, b.__class__, b._device))
            if save == "all":
                node._saved = inputs if inputs.__class__ is tuple else (a, b)
                node._versions = (a._version[0], b._version[0])
                node._had_saved = True
            elif save != "none":
                keep = rule.kept.get(needs) or rule.keep(needs)
                if len(keep) == 2:
                    ka, kb = keep
                    if ka:
                        if kb:
                            node._saved = (a, b)
                            node._versions = (a._version[0], b._version[0])
                        else:
                            node._saved = (a, None)
                            node._versions = (a._version[0], 0)
                    elif kb:
                        node._saved = (None, b)
                        node._versions = (0, b._version[0])
                    else:
                        node._saved = (None, None)
                        node._versions = (0, 0)
                    node._had_saved = True
                else:
                    self._save_inputs(node, rule, inputs)
        else:
            self._link(node, inputs)
            if save != "none":
                self._save_inputs(node, rule, inputs)
        # AutogradMeta(True, node), without the call of its __init__
        m = _new(_META)
        m.requires_grad = True
        m.grad = m.hooks = m.view_version = None
        m.grad_fn = node
        m.retains_grad = False
        m.output_nr = m.nograd_view = 0
        output._ag = m
        node._out_refs = _ref(m)
        if rule.save_output:
            node._out = _wrap(output.__class__, output._data, output._device, output._version,
                              output._dtype)
            node._out_version = output._version[0]
            node._had_saved = True
        if MODES.anomaly:
            node._trace = traceback.format_stack()[:-2]
        node.__class__ = cls
        return node

    def _new_node(self, cls, rule, op, inputs, params):
        """A node of class ``cls`` linked to its inputs, with what its rule saves."""
        node = _new(cls)
        node._op = op.name
        node._freed = node._had_saved = False
        node._pre_hooks = node._hooks = node._trace = node._saved = node._out = None
        self._link(node, inputs)
        node.params = params
        node._rule = rule
        if rule.save != "none":
            self._save_inputs(node, rule, inputs)
        return node

    def _link(self, node, inputs):
        """Edges to the inputs' nodes, which inputs need a gradient, and their metadata."""
        nexts = []
        needs = []
        shapes = []
        for t in inputs:
            m = None if t is None else t._ag
            if m is None:
                nexts.append(None)
                needs.append(False)
            else:
                fn = m.grad_fn
                v = m.view_version
                if v is not None and t._version[0] != v:  # a view whose base changed in place
                    fn = self._refresh(t)
                nexts.append((fn, m.output_nr) if fn is not None else (self._acc(t), 0))
                needs.append(True)
            shapes.append(None if t is None else
                          (t._data.shape, t._dtype, t.__class__, t._device))
        node._next = tuple(nexts)
        node.needs = tuple(needs)
        node.shapes = tuple(shapes)

    @staticmethod
    def _save_inputs(node, rule, inputs):
        save = rule.save
        if save == "all":
            saved = tuple(inputs)
        else:
            saved = tuple([t if k else None for t, k in zip(inputs, rule.keep(node.needs))])
        node._saved = saved
        node._versions = tuple([0 if t is None else t._version[0] for t in saved])
        node._had_saved = True

    def _record_multi(self, cls, rule, op, inputs, params, output):
        if not any(o._dtype.kind in "fc" for o in output):
            return None
        node = self._new_node(cls, rule, op, inputs, params)
        refs = []
        for i, o in enumerate(output):
            if o._dtype.kind in "fc":
                m = AutogradMeta(True, node)
                m.output_nr = i
                o._ag = m
                refs.append(_ref(m))
            else:
                refs.append(None)
        node._out_refs = tuple(refs)
        if rule.save_output:
            node._out = tuple(o.detach() for o in output)
            node._out_version = tuple(o._version[0] for o in output)
            node._had_saved = True
        if MODES.anomaly:
            node._trace = traceback.format_stack()[:-2]
        return node

    def _acc(self, t):
        m = t._ag
        slot = m.hooks
        if slot is None:
            slot = m.hooks = _LeafSlot()
        n = slot.acc() if slot.acc is not None else None
        if n is None:
            n = make_accumulate(t)
            slot.acc = weakref.ref(n)
        return n

    def record_custom(self, name, rule, inputs, params, outputs):
        """Record a node with an ad-hoc rule (custom Functions, checkpoint)."""
        op = Op(name, len(inputs), accepts="any", shape="custom", numpy_name=None)
        self._table[name] = (node_class(rule.name or node_name(name)), rule)
        return self.record(op, inputs, params, outputs)

    # -- hooks ------------------------------------------------------------------------------------
    def register_hook(self, t, hook):
        m = t._ag
        if self.grad_fn_of(t) is None:
            slot = m.hooks
            if slot is None:
                slot = m.hooks = _LeafSlot()
            slot.hooks.append(hook)
            return RemovableHandle(slot.hooks, hook)
        return m.grad_fn._add_pre_hook(m.output_nr, hook)

    # -- running the graph ------------------------------------------------------------------------
    def backward(self, tensor, gradient=None, retain_graph=None, create_graph=False,
                 inputs=None):
        self.run_backward((tensor,), (gradient,), retain_graph, create_graph, inputs)

    def run_backward(self, tensors, grad_tensors, retain_graph=None, create_graph=False,
                     inputs=None):
        roots, grads = self._roots(tensors, grad_tensors)
        keep = create_graph if retain_graph is None else retain_graph
        if inputs is not None:
            inputs = _as_tuple(inputs)
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
        outputs = _as_tuple(outputs)
        inputs = _as_tuple(inputs)
        if grad_outputs is None:
            grad_outputs = (None,) * len(outputs)
        else:
            grad_outputs = _as_tuple(grad_outputs)
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

    def _execute(self, roots, grads, keep, create, targets):
        capture = needed = captured = None
        if targets is not None:
            capture = {}
            captured = [None] * len(targets)
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
        root_nodes = list(dict.fromkeys(n for n, _ in roots))
        deps: dict = {}
        seen = set(root_nodes)
        if capture is None:
            stack = list(root_nodes)
            while stack:
                n = stack.pop()
                for e in n._next:
                    if e is not None:
                        c = e[0]
                        deps[c] = deps.get(c, 0) + 1
                        if c not in seen:
                            seen.add(c)
                            stack.append(c)
        else:
            post = []
            stack = [(n, 0) for n in root_nodes]
            while stack:
                n, i = stack[-1]
                nf = n._next
                if i < len(nf):
                    stack[-1] = (n, i + 1)
                    e = nf[i]
                    if e is not None:
                        c = e[0]
                        deps[c] = deps.get(c, 0) + 1
                        if c not in seen:
                            seen.add(c)
                            stack.append((c, 0))
                else:
                    stack.pop()
                    post.append(n)
            needed = set()
            for n in post:
                for e in n._next:
                    if e is not None and (e[0] in capture or e[0] in needed):
                        needed.add(n)
                        break
        buf: dict = {}
        for (n, nr), g in zip(roots, grads):
            _add_to(buf, n, nr, g)
        handed = {id(g._version) for g in grads}
        ready = [n for n in root_nodes if not deps.get(n)]
        prev, prev_in = MODES.grad_enabled, MODES.in_backward
        MODES.grad_enabled = bool(create)
        MODES.in_backward = True  # the NumPy face keeps 0-d results as arrays for the rules
        try:
            while ready:
                n = ready.pop()
                gs = buf.pop(n, None) or [None]
                if n._pre_hooks is not None:
                    gs = _run_pre_hooks(n, gs)
                if n.__class__ is AccumulateGrad:
                    t = n.variable
                    m = t._ag
                    g = gs[0]
                    if m is not None and m.hooks is not None and m.hooks.hooks and \
                            g is not None:
                        for h in list(m.hooks.hooks):
                            r = h(g)
                            if r is not None:
                                g = r
                    if capture is not None:
                        for _nr, i in capture.get(n, ()):
                            captured[i] = g
                    elif g is not None:
                        self._accumulate(t, g, create, handed)
                    continue
                refs = n._out_refs
                if refs.__class__ is tuple:
                    _retain(n, refs, gs, create, handed)
                    has_grad = any(g is not None for g in gs)
                else:
                    m = refs()
                    if m is not None and m.retains_grad:
                        _retain(n, refs, gs, create, handed)
                    has_grad = gs[0] is not None
                if capture is not None:
                    cap = capture.get(n)
                    if cap is not None:
                        for nr, i in cap:
                            captured[i] = gs[nr] if nr < len(gs) else None
                    run = n in needed
                else:
                    run = True
                outg = None
                if run and has_grad:
                    if n._freed:
                        raise RuntimeError(FREED_MSG)
                    outg = self._apply(n, gs)
                    if not keep:
                        n._freed = n._had_saved
                        n._saved = None
                        n._out = None
                i = -1
                for e in n._next:
                    i += 1
                    if e is None:
                        continue
                    c = e[0]
                    if outg is not None:
                        g = outg[i]
                        if g is not None:
                            b = buf.get(c)
                            nr = e[1]
                            if b is None and nr == 0:
                                buf[c] = [g]
                            else:
                                _add_to(buf, c, nr, g)
                    d = deps[c] - 1
                    deps[c] = d
                    if not d:
                        ready.append(c)
        finally:
            MODES.grad_enabled, MODES.in_backward = prev, prev_in
        return captured

    def _apply(self, n, gs):
        rule = n._rule
        refs = n._out_refs
        if refs.__class__ is tuple:
            gs = list(gs) + [None] * (len(refs) - len(gs))
            g = tuple(gs)
        else:
            g = gs[0]
        res = rule.fn(n, g)
        if res.__class__ is not tuple and res.__class__ is not list:
            res = (res,)
        out = []
        needs = n.needs
        shapes = n.shapes
        last = len(needs) - 1
        i = -1
        for r in res:  # (indexing beats a zip of three per node; extra results are dropped)
            if i == last:
                break
            i += 1
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
        if MODES.anomaly:
            from ._anomaly import check_node
            check_node(n, out)
        if n._hooks is not None:
            for h in list(n._hooks):
                r = h(tuple(out), tuple(gs))
                if r is not None:
                    out = list(r)
        return out

    def _accumulate(self, t, g, create, handed):
        m = t._ag
        if m is None or m.nograd_view == 1:  # PyTorch leaves .grad of such a view None
            return
        if g._data.shape != t.shape:
            g = fit_shape(g, t.shape)
        if g._dtype is not t._dtype:
            g = g.astype(t._dtype)
        if not create and g._ag is not None:
            g = g.detach()
        if m.grad is None:
            if not create and (id(g._version) in handed or not g.is_contiguous()):
                g = g.copy()
            m.grad = g
        else:
            old = m.grad
            if create:
                m.grad = old + g
            elif old._ag is None and old._dtype is g._dtype and old._device is g._device and \
                    old.shape == g.shape and old.is_contiguous() and \
                    getattr(old, "_base", None) is None:
                old += g  # in place, as PyTorch's AccumulateGrad: .grad stays the same object
            else:
                m.grad = (old.detach() if old._ag is not None else old) + g
        handed.add(id(m.grad._version))


def _add_to(buf, n, nr, g):
    b = buf.get(n)
    if b is None:
        b = buf[n] = [None] * (nr + 1)
    elif len(b) <= nr:
        b.extend([None] * (nr + 1 - len(b)))
    old = b[nr]
    b[nr] = g if old is None else old + g


def _run_pre_hooks(n, gs):
    gs = list(gs)
    for nr, hooks in n._pre_hooks.items():
        if nr < 0:
            continue
        if nr < len(gs) and gs[nr] is not None:
            for h in list(hooks):
                r = h(gs[nr])
                if r is not None:
                    gs[nr] = r
    for h in list(n._pre_hooks.get(-1, ())):
        r = h(tuple(gs))
        if r is not None:
            gs = list(r)
    return gs


def _retain(n, refs, gs, create, handed):
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


def _as_tuple(x):
    if isinstance(x, Tensor) or x is None:
        return (x,)
    return tuple(x)


ENGINE = Engine()
