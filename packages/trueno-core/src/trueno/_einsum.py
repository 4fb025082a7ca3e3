"""``einsum``: Einstein summation as one op row, with a decomposition into diagonal views,
sums, permutes, reshapes and batched matmuls, so that it runs on any device and through
autograd. Subscripts are normalised once here (ellipses expanded, implicit output made
explicit), so a kernel always receives the explicit ``"ij,jk->ik"`` form.
"""

from __future__ import annotations

import math
import string

import numpy as np

from . import _dispatch as X
from . import _dtypes as D
from . import _reduction as Rd
from ._creation import asarray
from ._errors import ShapeError
from ._linalg_ops import matmul
from ._optable import OPS
from ._tensor import Tensor

__all__ = ["einsum", "einsum_path"]

_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _from_sublists(args):
    """Interleaved form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` -> ``("ab,bc->ac", ops)``."""
    ops, terms = [], []
    rest = list(args)
    while len(rest) >= 2:
        ops.append(rest.pop(0))
        terms.append(rest.pop(0))
    out = rest.pop(0) if rest else None

    def term(sub):
        s = ""
        for v in sub:
            s += "..." if v is Ellipsis else _LETTERS[int(v)]
        return s
    subs = ",".join(term(t) for t in terms)
    if out is not None:
        subs += "->" + term(out)
    return subs, ops


def parse(subscripts: str, shapes) -> tuple[list[str], str]:
    """Explicit input terms and output term (letters only, ellipses expanded)."""
    subs = subscripts.replace(" ", "")
    if "->" in subs:
        lhs, out = subs.split("->", 1)
        if "->" in out:
            raise ValueError(f"einsum: subscripts {subscripts!r} contain more than one '->'")
    else:
        lhs, out = subs, None
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: {len(terms)} operand term(s) in {subscripts!r} but "
                         f"{len(shapes)} operand(s) given")
    used = set(subs) - set(".,->")
    for c in used:
        if c not in _LETTERS:
            raise ValueError(f"einsum: invalid subscript {c!r} in {subscripts!r}; use letters "
                             f"a-z, A-Z and '...'")
    free = [c for c in _LETTERS if c not in used]
    n_ell = 0
    for t, shape in zip(terms, shapes):
        if "..." in t:
            n_ell = max(n_ell, len(shape) - (len(t) - 3))
    ell = "".join(free[:n_ell])
    out_terms = []
    for i, (t, shape) in enumerate(zip(terms, shapes)):
        if "..." in t:
            k = len(shape) - (len(t) - 3)
            if k < 0 or t.count("...") > 1 or "." in t.replace("...", ""):
                raise ValueError(f"einsum: operand {i} has shape {shape}, too few dimensions "
                                 f"for its subscripts {t!r}")
            t = t.replace("...", ell[n_ell - k:])
        elif "." in t:
            raise ValueError(f"einsum: invalid '.' in subscripts {subscripts!r}")
        if len(t) != len(shape):
            raise ValueError(f"einsum: operand {i} has {len(shape)} dimension(s) (shape "
                             f"{shape}) but its subscripts {t!r} name {len(t)}")
        out_terms.append(t)
    if out is None:
        counts = {}
        for t in out_terms:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        if "..." in out:
            out = out.replace("...", ell)
        elif ell and any(c in ell for t in out_terms for c in t):
            # NumPy sums over the ellipsis dimensions when the output has no ellipsis.
            pass
        for c in out:
            if out.count(c) > 1:
                raise ValueError(f"einsum: output subscript {c!r} appears more than once")
            if not any(c in t for t in out_terms):
                raise ValueError(f"einsum: output subscript {c!r} does not appear in the "
                                 f"input subscripts")
    # sizes must agree (size 1 broadcasts, for ellipsis dimensions only, as NumPy)
    sizes: dict = {}
    for i, (t, shape) in enumerate(zip(out_terms, shapes)):
        for c, n in zip(t, shape):
            m = sizes.get(c)
            if m is None or m == 1 and c in ell:
                sizes[c] = n
            elif m != n and not (n == 1 and c in ell):
                raise ShapeError(f"einsum: size of label {c!r} for operand {i} ({n}) does not "
                                 f"match the size seen before ({m}); subscripts "
                                 f"{subscripts!r}, shapes {tuple(shapes)}")
    return out_terms, out


def _sum(x, axis, keepdims=False):
    # bool einsum is logical: a sum of bools is their any (and keeps the dtype, as NumPy).
    if x.dtype is D.bool_:
        return Rd.any(x, axis=axis, keepdims=keepdims)
    return Rd.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def _einsum_decomposition(*xs, subscripts, optimize=False):
    """einsum in trueno ops: diagonals and sums per operand, then pairwise matmul."""
    lhs, out = subscripts.split("->")
    terms = lhs.split(",")
    ops = [(x, list(t)) for x, t in zip(xs, terms)]

    def needed(skip):
        s = set(out)
        for j, (_, t) in enumerate(ops):
            if j not in skip:
                s.update(t)
        return s

    # 1. repeated labels in one operand -> diagonal; labels seen nowhere else -> sum
    for i, (x, t) in enumerate(ops):
        while True:
            dup = next((c for c in t if t.count(c) > 1), None)
            if dup is None:
                break
            a = t.index(dup)
            b = t.index(dup, a + 1)
            x = x.diagonal(0, a, b)
            t = [c for k, c in enumerate(t) if k not in (a, b)] + [dup]
        keep = needed({i})
        drop = [k for k, c in enumerate(t) if c not in keep]
        if drop:
            x = _sum(x, tuple(drop))
            t = [c for k, c in enumerate(t) if k not in drop]
        ops[i] = (x, t)
    # 2. contract left to right
    x, t = ops[0]
    for i in range(1, len(ops)):
        y, u = ops[i]
        keep = needed(set(range(i + 1)))
        x, t = _contract(x, t, y, u, keep)
    # 3. the output order
    if not t and not out:
        return x
    return x.permute_dims(tuple(t.index(c) for c in out))


def _contract(x, t, y, u, keep):
    """Contract two operands over their shared labels not in ``keep`` (one batched matmul)."""
    # a shared label of size 1 on one side only broadcasts: sum it out on the other side
    for c in [c for c in t if c in u and c not in keep]:
        nx, ny = x.shape[t.index(c)], y.shape[u.index(c)]
        if nx != ny:
            if nx == 1:
                x, t = x._squeeze(t.index(c)), [d for d in t if d != c]
                y = _sum(y, u.index(c), True)
                y, u = y._squeeze(u.index(c)), [d for d in u if d != c]
            else:
                y, u = y._squeeze(u.index(c)), [d for d in u if d != c]
                x = _sum(x, t.index(c), True)
                x, t = x._squeeze(t.index(c)), [d for d in t if d != c]
    batch = [c for c in t if c in u and c in keep]
    summed = [c for c in t if c in u and c not in keep]
    x_only = [c for c in t if c not in u]
    y_only = [c for c in u if c not in t]
    xp = x.permute_dims(tuple(t.index(c) for c in batch + x_only + summed))
    yp = y.permute_dims(tuple(u.index(c) for c in batch + summed + y_only))
    sx = {c: x.shape[t.index(c)] for c in t}
    sy = {c: y.shape[u.index(c)] for c in u}
    m = math.prod(sx[c] for c in x_only)
    k = math.prod(sx[c] for c in summed)
    n = math.prod(sy[c] for c in y_only)
    xm = xp._reshape(tuple(sx[c] for c in batch) + (m, k))
    ym = yp._reshape(tuple(sy[c] for c in batch) + (k, n))
    if x.dtype is D.bool_:
        r = Rd.any(xm._reshape(xm.shape + (1,)) & ym._reshape(ym.shape[:-2] + (1,) +
                                                               ym.shape[-2:]), axis=-2)
    else:
        r = matmul(xm, ym)
    bshape = r.shape[:-2]
    r = r._reshape(bshape + tuple(sx[c] for c in x_only) + tuple(sy[c] for c in y_only))
    return r, batch + x_only + y_only


_EINSUM = OPS["einsum"]  # its row names _einsum_decomposition


def einsum(subscripts, /, *operands, optimize=False, dtype=None, out=None, casting="safe"):
    """Einstein summation over ``operands`` as described by ``subscripts`` (NumPy's einsum).

    Examples
    --------
    >>> import trueno as tn
    >>> tn.einsum("ij,jk->ik", tn.ones((2, 3)), tn.ones((3, 4))).shape
    (2, 4)
    >>> float(tn.einsum("ii", tn.eye(3)))  # a NumPy scalar on the NumPy face (trueno.einsum)
    3.0
    """
    if not isinstance(subscripts, str):
        subscripts, operands = _from_sublists((subscripts,) + operands)
    first = next((o for o in operands if isinstance(o, Tensor)), None)
    cls = first.__class__ if first is not None else None
    dev = first._device if first is not None else None
    ts = [o if isinstance(o, Tensor) else asarray(o, device=dev, cls=cls) for o in operands]
    if not ts:
        raise ValueError("einsum: at least one operand is required")
    for t in ts[1:]:
        if t._device is not ts[0]._device:
            X.check_device("einsum", ts[0], t)
    terms, out_term = parse(subscripts, [t.shape for t in ts])
    cls = ts[0].__class__
    dt = D.as_dtype(dtype) if dtype is not None else D.result_type(*ts, face=cls._face)
    explicit = ",".join(terms) + "->" + out_term
    opt = optimize if isinstance(optimize, (bool, str)) else False
    res = X.run(_EINSUM, tuple(ts), tuple(X.cast_data(t, dt) for t in ts),
                {"subscripts": explicit, "optimize": opt}, cls, ts[0]._device, dt)
    if out is None:
        return res
    # NumPy: out= takes the result by the ``casting`` rule ("safe" by default) and is returned
    return Rd.finish("einsum", res, out, casting)


def einsum_path(subscripts, *operands, optimize="greedy"):
    """NumPy's ``einsum_path`` (the contraction order and its cost), from the shapes only."""
    if not isinstance(subscripts, str):
        subscripts, operands = _from_sublists((subscripts,) + operands)
    fakes = []
    for o in operands:
        shape = o.shape if hasattr(o, "shape") else np.shape(o)
        fakes.append(np.broadcast_to(np.zeros((), np.float64), shape))
    return np.einsum_path(subscripts, *fakes, optimize=optimize)
