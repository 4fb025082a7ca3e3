"""``trueno.autograd.functional``: vjp, jvp, jacobian, hessian, hvp and vhp of a function of
tensors (``torch.autograd.functional``), built on ``grad``."""

from __future__ import annotations

import trueno as tn
from trueno import Tensor

from ._api import grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _tup(x):
    return (x, False) if isinstance(x, (tuple, list)) else ((x,), True)


def _prep(inputs, create_graph):
    ins, single = _tup(inputs)
    out = []
    for t in ins:
        d = t if create_graph and t._ag is not None else t.detach()
        out.append(d.requires_grad_() if d._ag is None else d)
    return tuple(out), single


def _zeros_for(gs, ins):
    return tuple(tn.zeros_like(t) if g is None else g for g, t in zip(gs, ins))


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``.

    Examples
    --------
    >>> import trueno as tn
    >>> out, g = tn.autograd.functional.vjp(lambda x: x * x, tn.asarray([1.0, 2.0]),
    ...                                     tn.asarray([1.0, 1.0]))
    >>> g.tolist()
    [2.0, 4.0]
    """
    ins, single = _prep(inputs, create_graph)
    with tn.enable_grad():
        outs = func(*ins)
        o, o_single = _tup(outs)
        vs = (None,) * len(o) if v is None else _tup(v)[0]
        gs = grad(o, ins, vs, create_graph=create_graph, allow_unused=True)
    gs = _zeros_for(gs, ins)
    res = tuple(x if create_graph else x.detach() for x in o)
    return (res[0] if o_single else res), (gs[0] if single else gs)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)`` with the double-vjp trick (two reverse passes)."""
    ins, single = _prep(inputs, create_graph)
    vs = tuple(tn.ones_like(t) for t in ins) if v is None else _tup(v)[0]
    with tn.enable_grad():
        outs = func(*ins)
        o, o_single = _tup(outs)
        us = tuple(tn.zeros_like(x).detach().requires_grad_() for x in o)
        gs = grad(o, ins, us, create_graph=True, allow_unused=True)
        pairs = [(g, w) for g, w in zip(gs, vs) if g is not None and g._ag is not None]
        if pairs:
            jv = grad([g for g, _ in pairs], us, [w for _, w in pairs],
                      create_graph=create_graph, allow_unused=True)
        else:
            jv = (None,) * len(us)
    jv = _zeros_for(jv, o)
    res = tuple(x if create_graph else x.detach() for x in o)
    return (res[0] if o_single else res), (jv[0] if o_single else jv)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian: ``out.shape + in.shape`` per (output, input) pair, one reverse pass per
    output element."""
    ins, single = _prep(inputs, create_graph)
    with tn.enable_grad():
        outs = func(*ins)
        o, o_single = _tup(outs)
        rows = []
        for out in o:
            per_in = [[] for _ in ins]
            flat = out._reshape((-1,))
            for e in range(flat.shape[0]):
                if out._ag is None:
                    gs = (None,) * len(ins)
                else:
                    gs = grad(flat[e], ins, retain_graph=True, create_graph=create_graph,
                              allow_unused=True)
                for k, (g, t) in enumerate(zip(gs, ins)):
                    per_in[k].append(tn.zeros_like(t) if g is None else g)
            jac = []
            for k, t in enumerate(ins):
                if per_in[k]:
                    j = tn.stack(per_in[k])._reshape(tuple(out.shape) + tuple(t.shape))
                else:
                    j = tn.zeros(tuple(out.shape) + tuple(t.shape), dtype=t.dtype,
                                 device=t.device, cls=t.__class__)
                jac.append(j if create_graph else j.detach())
            rows.append(jac[0] if single else tuple(jac))
    return rows[0] if o_single else tuple(rows)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function: ``in.shape + in.shape``."""
    ins, single = _tup(inputs)

    def gradient(*xs):
        out = func(*xs)
        gs = grad(out, xs, create_graph=True, allow_unused=True)
        gs = _zeros_for(gs, xs)
        return gs[0] if single else gs
    return jacobian(gradient, inputs, create_graph=create_graph)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for a scalar function."""
    ins, single = _prep(inputs, create_graph)
    vs = _tup(v)[0] if v is not None else tuple(tn.ones_like(t) for t in ins)
    with tn.enable_grad():
        out = func(*ins)
        gs = _zeros_for(grad(out, ins, create_graph=True, allow_unused=True), ins)
        dot = None
        for g, w in zip(gs, vs):
            if g._ag is not None:
                s = (g * w).sum()
                dot = s if dot is None else dot + s
        hv = _zeros_for(grad(dot, ins, create_graph=create_graph, allow_unused=True)
                        if dot is not None else (None,) * len(ins), ins)
    res = out if create_graph else out.detach()
    return res, (hv[0] if single else hv)


vhp = hvp  # the Hessian is symmetric for twice-differentiable functions
_ = Tensor
