"""Node recording: what the dispatcher calls after a differentiable op ran on a tensor that
requires grad (``record``; ``record_binary`` for its binary fast paths).

This runs once per recorded op, so it is written for the interpreter: one dict lookup for the
op's node class and rule (cached per op name), one node and one ``AutogradMeta`` filled
without ``__init__`` calls, the saved tensors and their version counters read once, and no
weak reference or anomaly-mode read unless something asked for one (``retain_grad``, anomaly
detection turned on in some thread).
"""

from __future__ import annotations

import traceback
import weakref

from trueno import backend as B
from trueno.backend import AutogradMeta, Op

from ._graph import AccumulateGrad, Node, Rule, make_accumulate, node_class
from ._inplace import PRIVATE_RULES

__all__ = ["Recorder", "node_name"]

MODES = B.MODES  # the calling thread's grad mode and anomaly mode
_MODES_CLS = type(MODES)  # its class says whether any thread ever turned anomaly mode on
_new = object.__new__
_ref = weakref.ref
_META = AutogradMeta
_NO_PARAMS: dict = {}  # the params of every node record_binary makes (never written)
_CUSTOM_OPS: dict = {}  # (name, number of inputs) -> the Op record_custom records under

# A node's ``shapes`` (per input: shape, dtype, class, device) by the inputs' shapes (the
# shape for one input, the pair for two; dtype, class and device are checked by identity on
# a hit and a mismatch replaces the entry): nodes of the same inputs share one tuple instead
# of building three per binary node. Every object a recorded graph keeps alive is one more
# for the cyclic garbage collector to count and, once the graph outlives a collection, to
# traverse: a 1,000-node graph kept ~8 tracked objects per node, against none for PyTorch's
# C++ nodes.
_SHAPES: dict = {}
_SHAPES_MAX = 4096  # distinct input metadata kept; the table starts over past this


def _share_shapes(key, shapes):
    """Keep ``shapes`` under ``key`` (None: not kept) and return it."""
    if key is not None:
        if len(_SHAPES) >= _SHAPES_MAX:
            _SHAPES.clear()
        _SHAPES[key] = shapes
    return shapes

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
    """PyTorch's name of the node class of op ``op_name`` (``multiply`` -> ``MulBackward0``)."""
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


def anomaly_on() -> bool:
    """Whether the calling thread is in anomaly mode (one class attribute read while no thread
    ever turned it on)."""
    return _MODES_CLS.anomaly_seen and MODES.anomaly


class Recorder:
    """Mixin of ``Engine``: recording nodes while ops run."""

    _table: dict  # op name -> (node class, rule)

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

    def record_binary(self, op, a, b, output, params=_NO_PARAMS):
        """``record(op, (a, b), params, output)`` for the dispatcher's binary fast paths: ``a``
        and ``b`` are tensors (a scalar operand comes as a 0-d tensor), ``output`` one tensor.
        """
        entry = self._table.get(op.name)
        if entry is None:
            entry = self._lookup(op)
        if output._dtype.kind not in "fc":
            return None
        rule = entry[1]
        # The node is filled as a plain Node and gets its class (MulBackward0, ...) last:
        # stores into one class's slots are specialized by the interpreter, stores into a
        # different class at every call are not (~2x slower).
        node = _new(Node)
        node._op = op.name
        node._hooks = node._out_refs = None
        node.params = params
        node._rule = rule
        m = a._ag
        if m is None:
            ea = None
        else:
            fn = m.grad_fn
            if m.view_version is not None and a._version[0] != m.view_version:
                fn = self._refresh(a)  # a view whose base changed in place
            if fn is None:
                ea = self._acc(a)
            else:
                ea = fn if not m.output_nr else (fn, m.output_nr)  # an edge (_graph.Node)
        m = b._ag
        if m is None:
            eb = None
        else:
            fn = m.grad_fn
            if m.view_version is not None and b._version[0] != m.view_version:
                fn = self._refresh(b)
            if fn is None:
                eb = self._acc(b)
            else:
                eb = fn if not m.output_nr else (fn, m.output_nr)
        node._next = (ea, eb)
        if ea is None:
            node.needs = needs = (False, True) if eb is not None else (False, False)
        else:
            node.needs = needs = (True, True) if eb is not None else (True, False)
        # the inputs' (shape, dtype, class, device), shared by every node of the same inputs
        key = (a._data.shape, b._data.shape)
        try:
            shapes = _SHAPES.get(key)
        except TypeError:  # a device whose shapes are not hashable
            shapes = key = None
        if shapes is not None:
            ma, mb = shapes
            if ma[1] is not a._dtype or ma[2] is not a.__class__ or ma[3] is not a._device or \
                    mb[1] is not b._dtype or mb[2] is not b.__class__ or mb[3] is not b._device:
                shapes = None
        if shapes is None:
            shapes = _share_shapes(key, ((a._data.shape, a._dtype, a.__class__, a._device),
                                         (b._data.shape, b._dtype, b.__class__, b._device)))
        node.shapes = shapes
        save = rule.save
        if save == "none":
            node._saved = None
        else:
            # the versions at save time; (0, 0), the common case, is one constant tuple
            if save == "all":
                keep = (True, True)
            else:
                keep = rule.kept.get(needs) or rule.keep(needs)
            if keep[0]:
                va = a._version[0]
                if keep[1]:
                    vb = b._version[0]
                    node._saved = (a, b)
                    node._versions = (va, vb) if va or vb else (0, 0)
                else:
                    node._saved = (a, None)
                    node._versions = (va, 0) if va else (0, 0)
            elif keep[1]:
                vb = b._version[0]
                node._saved = (None, b)
                node._versions = (0, vb) if vb else (0, 0)
            else:
                node._saved = (None, None)
                node._versions = (0, 0)
        # AutogradMeta(True, node), without the call of its __init__
        m = _new(_META)
        m.requires_grad = True
        m.grad = m.hooks = m.view_version = None
        m.grad_fn = node
        m.retains_grad = False
        m.output_nr = m.nograd_view = 0
        output._ag = m
        if rule.save_output:
            node._out = o = _new(output.__class__)  # output.detach(), without its calls
            o._data = output._data
            o._dtype = output._dtype
            o._device = output._device
            o._version = v = output._version
            o._ag = None
            node._out_version = v[0]
            if node._saved is None:
                node._saved = ()  # something is saved: backward frees it (FREED)
        if _MODES_CLS.anomaly_seen and MODES.anomaly:
            node._trace = traceback.format_stack()[:-2]
        node.__class__ = entry[0]
        return node

    def record(self, op, inputs, params, output):
        """Record ``op`` applied to ``inputs`` (tensors, None for a non-tensor argument) with
        ``params``, which gave ``output`` (a tensor, or a tuple of them): the node links the
        inputs' nodes and saves what the op's rule reads. Returns the node, or None where no
        output is differentiable (integer or boolean)."""
        entry = self._table.get(op.name)
        if entry is None:
            entry = self._lookup(op)
        if output.__class__ is tuple:
            return self._record_multi(entry[0], entry[1], op, inputs, params, output)
        if output._dtype.kind not in "fc":
            return None
        n_in = len(inputs)
        if n_in == 2 and inputs[0] is not None and inputs[1] is not None:
            return self.record_binary(op, inputs[0], inputs[1], output, params)
        rule = entry[1]
        if n_in != 1 or inputs[0] is None:
            node = self._new_node(Node, rule, op, inputs, params)
        else:  # one input (unary ops, views, reductions): _new_node inlined
            x = inputs[0]
            node = _new(Node)
            node._op = op.name
            node._hooks = node._out_refs = None
            node.params = params
            node._rule = rule
            m = x._ag
            if m is None:
                node._next = (None,)
                node.needs = needs = (False,)
            else:
                fn = m.grad_fn
                if m.view_version is not None and x._version[0] != m.view_version:
                    fn = self._refresh(x)  # a view whose base changed in place
                if fn is None:
                    node._next = (self._acc(x),)
                else:
                    node._next = (fn if not m.output_nr else (fn, m.output_nr),)
                node.needs = needs = (True,)
            key = x._data.shape  # (a tuple of ints: never equal to a pair of shapes)
            try:
                shapes = _SHAPES.get(key)
            except TypeError:  # a device whose shapes are not hashable
                shapes = key = None
            if shapes is not None:
                mx = shapes[0]
                if mx[1] is not x._dtype or mx[2] is not x.__class__ or mx[3] is not x._device:
                    shapes = None
            if shapes is None:
                shapes = _share_shapes(key, ((x._data.shape, x._dtype, x.__class__, x._device),))
            node.shapes = shapes
            save = rule.save
            if save == "none":
                node._saved = None
            elif save == "all" or (rule.kept.get(needs) or rule.keep(needs))[0]:
                node._saved = (x,)
                v = x._version[0]
                node._versions = (v,) if v else (0,)
            else:
                node._saved = (None,)
                node._versions = (0,)
        m = _new(_META)
        m.requires_grad = True
        m.grad = m.hooks = m.view_version = None
        m.grad_fn = node
        m.retains_grad = False
        m.output_nr = m.nograd_view = 0
        output._ag = m
        if rule.save_output:
            node._out = o = _new(output.__class__)  # output.detach(), without its calls
            o._data = output._data
            o._dtype = output._dtype
            o._device = output._device
            o._version = v = output._version
            o._ag = None
            node._out_version = v[0]
            if node._saved is None:
                node._saved = ()  # something is saved: backward frees it (FREED)
        if _MODES_CLS.anomaly_seen and MODES.anomaly:
            node._trace = traceback.format_stack()[:-2]
        node.__class__ = entry[0]
        return node

    def _new_node(self, cls, rule, op, inputs, params):
        """A node of class ``cls`` linked to its inputs, with what its rule saves."""
        node = _new(cls)
        node._op = op.name
        node._hooks = node._saved = node._out_refs = None
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
                if fn is None:
                    nexts.append(self._acc(t))
                else:
                    nexts.append(fn if not m.output_nr else (fn, m.output_nr))
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
            if node._saved is None:
                node._saved = ()
        if anomaly_on():
            node._trace = traceback.format_stack()[:-2]
        return node

    def _acc(self, t):
        """The AccumulateGrad node of leaf ``t`` (one per leaf while some graph holds it)."""
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
        key = (name, len(inputs))
        op = _CUSTOM_OPS.get(key)
        if op is None:  # a row is ~20 us to build: one per name and arity
            op = _CUSTOM_OPS[key] = Op(name, len(inputs), accepts="any", shape="custom",
                                       numpy_name=None)
        self._table[name] = (node_class(rule.name or node_name(name)), rule)
        return self.record(op, inputs, params, outputs)

    def record_function(self, entry, inputs, params, outputs):
        """Record the node of a custom Function's call: ``entry`` is the class's ``((node
        class, rule), name)``, made once per class (``record_custom`` takes a rule per call),
        ``params`` what its rule reads."""
        pair, name = entry
        if self._table.get(name) is not pair:  # (two classes may share a name)
            self._table[name] = pair
        key = (name, len(inputs))
        op = _CUSTOM_OPS.get(key)
        if op is None:  # a row is ~20 us to build: one per name and arity
            op = _CUSTOM_OPS[key] = Op(name, len(inputs), accepts="any", shape="custom",
                                       numpy_name=None)
        return self.record(op, inputs, params, outputs)

    def retain_grad(self, t) -> None:
        """``t.retain_grad()``: backward stores the gradient of non-leaf ``t`` in ``t.grad``.
        Its node keeps a weak reference to ``t``'s ``AutogradMeta`` from now on (nodes of
        single outputs hold none unless asked: most are never retained)."""
        m = t._ag
        m.retains_grad = True
        node = m.grad_fn
        if node is None or node.__class__ is AccumulateGrad:
            return  # a leaf: its .grad is kept anyway
        refs = node._out_refs
        if refs is None or (refs.__class__ is not tuple and refs() is not m):
            node._out_refs = _ref(m)
