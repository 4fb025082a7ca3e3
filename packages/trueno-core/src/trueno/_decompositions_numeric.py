"""Decompositions of the numerical rows of the NumPy surface (``convolve``, ``correlate``,
``gradient``, ``interp``, ``pad``) into primitives and decomposed rows (docs/design.md §2.1):
slices, gathers, arithmetic and ``where``; index patterns that depend only on shapes and
parameters are made on the host (NumPy itself computes them), the data stay on the device.
"""

from __future__ import annotations

import numpy as np

from ._decompositions_stats import _along, _tn

__all__ = ["convolve", "correlate", "gradient", "interp", "pad"]


# --- convolve / correlate (1-D) ------------------------------------------------------------

def convolve(a, v, mode="full"):
    """``sum_j a[k - j] v[j]``: one shifted, zero-padded product per element of the shorter
    input, summed; then NumPy's 'same' (centred, the longer length) or 'valid' slice."""
    tn = _tn()
    if v.shape[0] > a.shape[0]:
        a, v = v, a
    n, m = a.shape[0], v.shape[0]
    out = None
    for j in range(m):
        parts = [tn.zeros((j,), dtype=a.dtype, device=a.device), a * v[j],
                 tn.zeros((m - 1 - j,), dtype=a.dtype, device=a.device)]
        piece = tn.concat([p for p in parts if p.shape[0]] or parts[1:2])
        out = piece if out is None else out + piece
    out = tn.asarray(out)
    if mode == "same":
        start = (m - 1) // 2
        return out[start:start + n].copy()
    if mode == "valid":
        return out[m - 1:n].copy()
    return out


def correlate(a, v, mode="valid"):  # NumPy's default, as the row's
    """``sum_n a[n + k] conj(v[n])``: ``convolve(a, conj(v)[::-1])``, NumPy's offsets (for a
    shorter ``a``, the swapped correlation reversed and conjugated, as NumPy computes it)."""
    tn = _tn()
    if v.shape[0] > a.shape[0]:
        r = correlate(v, a, mode)[::-1]
        return tn.conj(r) if r.dtype.kind == "c" else r.copy()
    w = tn.conj(v)[::-1] if v.dtype.kind == "c" else v[::-1]
    return convolve(a, w, mode)


# --- gradient (NumPy's finite differences, from slices and arithmetic) ---------------------

def _gradient_axis(tn, f, axis, dx, edge_order):
    nd = f.ndim

    def sl(a, b=None):
        return f[_along(axis, nd, slice(a, b))]

    def coef(v):  # a host coefficient array along ``axis`` (non-uniform spacing)
        if np.ndim(v) == 0:
            return float(v)
        shape = [1] * nd
        shape[axis] = -1
        return tn.asarray(np.asarray(v, dtype=np.float64).reshape(shape),
                          device=f._device).astype(f.dtype)

    uniform = np.ndim(dx) == 0
    if f.shape[axis] < edge_order + 1:
        raise ValueError("Shape of array too small to calculate a numerical gradient, at "
                         "least (edge_order + 1) elements are required.")
    if uniform:
        inner = (sl(2) - sl(None, -2)) / (2.0 * dx)
    else:
        dx1, dx2 = dx[:-1], dx[1:]
        inner = (coef(-dx2 / (dx1 * (dx1 + dx2))) * sl(None, -2)
                 + coef((dx2 - dx1) / (dx1 * dx2)) * sl(1, -1)
                 + coef(dx1 / (dx2 * (dx1 + dx2))) * sl(2))
    if edge_order == 1:
        d0, dn = (dx, dx) if uniform else (float(dx[0]), float(dx[-1]))
        first = (sl(1, 2) - sl(0, 1)) / d0
        last = (sl(-1) - sl(-2, -1)) / dn
    elif uniform:
        first = sl(0, 1) * (-1.5 / dx) + sl(1, 2) * (2.0 / dx) + sl(2, 3) * (-0.5 / dx)
        last = sl(-3, -2) * (0.5 / dx) + sl(-2, -1) * (-2.0 / dx) + sl(-1) * (1.5 / dx)
    else:
        a1, a2 = float(dx[0]), float(dx[1])
        first = (sl(0, 1) * (-(2.0 * a1 + a2) / (a1 * (a1 + a2)))
                 + sl(1, 2) * ((a1 + a2) / (a1 * a2)) + sl(2, 3) * (-a1 / (a2 * (a1 + a2))))
        b1, b2 = float(dx[-2]), float(dx[-1])
        last = (sl(-3, -2) * (b2 / (b1 * (b1 + b2))) + sl(-2, -1) * (-(b2 + b1) / (b1 * b2))
                + sl(-1) * ((2.0 * b2 + b1) / (b2 * (b1 + b2))))
    return tn.concat([tn.asarray(p) for p in (first, inner, last)], axis=axis)


def gradient(f, spacing=(), axis=None, edge_order=1):
    """NumPy's ``gradient``: central differences inside (uniform or coordinate spacing),
    first- or second-order one-sided differences at the edges; a tuple, one per axis."""
    tn = _tn()
    nd = f.ndim
    axes = tuple(range(nd)) if axis is None else ((axis,) if np.ndim(axis) == 0 else axis)
    if not spacing:
        dxs = [1.0] * len(axes)
    elif len(spacing) == 1 and np.ndim(spacing[0]) == 0:
        dxs = [spacing[0]] * len(axes)
    elif len(spacing) == len(axes):
        dxs = []
        for d in spacing:
            if np.ndim(d) == 0:
                dxs.append(d)
                continue
            diffx = np.diff(np.asarray(d, dtype=np.float64))
            dxs.append(diffx[0] if (diffx == diffx[0]).all() else diffx)
    else:
        raise TypeError("invalid number of arguments")
    if f._dtype.kind in "iub":
        f = f.astype(tn.float64)
    return tuple(_gradient_axis(tn, f, ax, dx, edge_order) for ax, dx in zip(axes, dxs))


# --- interp (searchsorted, gathers and arithmetic, as NumPy's C loop) -----------------------

def _at(v, i):
    """Element ``i`` of a 1-D tensor as a 0-d tensor (indexing gives a NumPy scalar)."""
    return v[i:i + 1]._reshape(())


def _interp_real(tn, x, xp, fp, left, right):
    n = xp.shape[0]
    x_first, x_last, f_first, f_last = _at(xp, 0), _at(xp, n - 1), _at(fp, 0), _at(fp, n - 1)
    left = f_first if left is None else left
    right = f_last if right is None else right
    if n == 1:  # NumPy's C loop: comparisons only (a nan x gives fp[0])
        return tn.where(x < x_first, left, tn.where(x > x_first, right, f_first))
    j = tn.clip(tn.searchsorted(xp, x, side="right") - 1, 0, n - 2)
    x0, x1, y0, y1 = tn.take(xp, j), tn.take(xp, j + 1), tn.take(fp, j), tn.take(fp, j + 1)
    slope = (y1 - y0) / (x1 - x0)
    res = slope * (x - x0) + y0
    again = slope * (x - x1) + y1  # NumPy: a nan one way is tried the other way
    res = tn.where(tn.isnan(res), again, res)
    res = tn.where(tn.isnan(res) & (y0 == y1), y0, res)
    res = tn.where(x == x_last, f_last, res)
    res = tn.where(x < x_first, left, tn.where(x > x_last, right, res))
    return tn.where(tn.isnan(x), float("nan"), res)


def interp(x, xp, fp, left=None, right=None, period=None):
    """NumPy's ``interp``: the segment of each ``x`` by ``searchsorted`` on ``xp``, linear in
    it; ``left``/``right`` outside (default: the end values); ``period`` wraps ``x`` and
    ``xp`` (sorted, extended by one period each way); complex ``fp`` part by part."""
    tn = _tn()
    cx = tn.float64
    shape = x.shape
    x, xp = x.astype(cx)._reshape((-1,)), xp.astype(cx)  # 1-D: 0-d results are scalars
    fp = fp.astype(tn.complex128 if fp.dtype.kind == "c" else cx)
    if period is not None:
        period = abs(period)
        left = right = None
        x, xp = tn.remainder(x, period), tn.remainder(xp, period)
        order = tn.argsort(xp)
        xp, fp = tn.take(xp, order), tn.take(fp, order)
        xp = tn.concat([xp[-1:] - period, xp, xp[:1] + period])
        fp = tn.concat([fp[-1:], fp, fp[:1]])
    if fp.dtype.kind == "c":
        part = (lambda b: None if b is None else complex(b).real,
                lambda b: None if b is None else complex(b).imag)
        re = _interp_real(tn, x, xp, tn.real(fp), part[0](left), part[0](right))
        im = _interp_real(tn, x, xp, tn.imag(fp), part[1](left), part[1](right))
        return (re + im * 1j)._reshape(shape)
    return _interp_real(tn, x, xp, fp, left, right)._reshape(shape)


# --- pad (axis by axis, as NumPy: blocks, reductions, or gathers with host-made weights) ---

def _pairs(v, nd):
    return np.broadcast_to(np.asarray(v, dtype=object), (nd, 2))


def _round_to(t, dtype):
    """NumPy's ``_round_if_needed``: integer results are rounded half to even."""
    tn = _tn()
    if dtype.kind in "iub":
        t = tn.round(t)
    return t.astype(dtype, copy=False)


def _pad_linear(tn, x, axis, before, after, mode, kw):
    """A mode whose padded values are linear in ``x`` (edge, wrap, reflect, symmetric, odd
    reflections): NumPy pads the identity on the host, which gives per output position a few
    (index, weight) pairs; the device gathers and sums them."""
    n = x.shape[axis]
    eye = np.pad(np.eye(n), ((before, after), (0, 0)), mode=mode, **kw)
    const = np.pad(np.zeros(n), (before, after), mode=mode, **kw)
    weights = eye - const[:, None]
    terms = []
    for k in range(int((weights != 0).sum(axis=1).max(initial=0))):
        idx = np.zeros(weights.shape[0], dtype=np.int64)
        w = np.zeros(weights.shape[0])
        for r, row in enumerate(weights):
            nz = np.flatnonzero(row)
            if k < len(nz):
                idx[r], w[r] = nz[k], row[nz[k]]
        if w.any():
            terms.append((idx, w))
    dt = x.dtype if x.dtype.kind in "fc" else tn.float64
    shape = [1] * x.ndim
    shape[axis] = -1
    out = None
    for idx, w in terms:
        g = tn.take(x, tn.asarray(idx, device=x._device), axis=axis).astype(dt, copy=False)
        if np.all((w == 1) | (w == 0)) and len(terms) == 1 and not const.any():
            term = g
        else:
            wt = tn.asarray(w.reshape(shape), device=x._device).astype(dt)
            term = tn.where(wt != 0, g * wt, 0)
        out = term if out is None else out + term
    if out is None:
        out = tn.zeros(x.shape[:axis] + (len(const),) + x.shape[axis + 1:], dtype=dt,
                       device=x._device)
    if const.any():
        out = out + tn.asarray(const.reshape(shape), device=x._device).astype(dt)
    return _round_to(out, x.dtype) if out.dtype != x.dtype else out


def _pad_ramp(tn, x, axis, before, after, end_values):
    """linear_ramp as NumPy's ``linspace(end, edge, width, endpoint=False)`` (the after side
    reversed): ``i * ((edge - end) / width) + end``, floored for integers."""
    n = x.shape[axis]
    dt = x.dtype if x.dtype.kind in "fc" else tn.float64
    parts = []
    for width, edge_sl, end, rev in ((before, slice(0, 1), end_values[0], False),
                                     (None, None, None, None),
                                     (after, slice(n - 1, n), end_values[1], True)):
        if width is None:
            parts.append(x)
            continue
        if not width:
            continue
        edge = x[_along(axis, x.ndim, edge_sl)].astype(dt)
        shape = [1] * x.ndim
        shape[axis] = width
        i = tn.asarray(np.arange(width, dtype=np.float64).reshape(shape),
                       device=x._device).astype(dt)
        delta = edge - float(end)
        step = delta / width
        ramp = tn.where(step == 0, i / width * delta, i * step) + float(end)
        if rev:
            ramp = ramp[_along(axis, x.ndim, slice(None, None, -1))]
        if x.dtype.kind in "iub":
            ramp = tn.floor(ramp)
        parts.append(tn.asarray(ramp).astype(x.dtype, copy=False))
    return tn.concat(parts, axis=axis)


def _pad_stat(tn, x, axis, before, after, mode, stat_length):
    """maximum, minimum, mean, median of the first/last ``stat_length`` values, repeated."""
    n = x.shape[axis]
    sb, sa = (n, n) if stat_length is None else (min(int(stat_length[0]), n),
                                                 min(int(stat_length[1]), n))
    fn = {"maximum": tn.max, "minimum": tn.min, "mean": tn.mean, "median": tn.median}[mode]
    parts = []
    for width, sl in ((before, slice(0, sb)), (None, None), (after, slice(n - sa, n))):
        if width is None:
            parts.append(x)
            continue
        if not width:
            continue
        seg = x[_along(axis, x.ndim, sl)]
        if seg.shape[axis] == 0:
            raise ValueError("stat_length of 0 yields no value for padding")
        stat = _round_to(tn.asarray(fn(seg, axis=axis, keepdims=True)), x.dtype)
        parts.append(tn.broadcast_to(stat, x.shape[:axis] + (width,) + x.shape[axis + 1:]))
    return tn.concat(parts, axis=axis)


def pad(x, pad_width, mode="constant", **kw):
    """NumPy's ``pad``, axis by axis (later axes pad the corners, as NumPy): constant blocks,
    statistics of the edge slices, or host-made gathers for the modes linear in ``x``."""
    tn = _tn()
    nd = x.ndim
    pw = np.broadcast_to(np.asarray(pad_width), (nd, 2))
    if mode == "empty":
        mode, kw = "constant", {}
    for axis in range(nd):
        before, after = int(pw[axis, 0]), int(pw[axis, 1])
        if not before and not after:
            continue
        if mode == "constant":
            cv = _pairs(kw.get("constant_values", 0), nd)[axis]
            parts = []
            for width, value in ((before, cv[0]), (None, None), (after, cv[1])):
                if width is None:
                    parts.append(x)
                elif width:
                    v = np.asarray(value).astype(x.dtype.numpy)
                    parts.append(tn.full(x.shape[:axis] + (width,) + x.shape[axis + 1:],
                                         v.item(), dtype=x.dtype, device=x._device))
            x = tn.concat(parts, axis=axis)
        elif mode in ("maximum", "minimum", "mean", "median"):
            sl = kw.get("stat_length")
            x = _pad_stat(tn, x, axis, before, after, mode,
                          None if sl is None else _pairs(sl, nd)[axis])
        else:
            if x.shape[axis] == 0:
                raise ValueError(f"can't extend empty axis {axis} using modes other than "
                                 f"'constant' or 'empty'")
            if mode == "linear_ramp":
                ev = _pairs(kw.get("end_values", 0), nd)[axis]
                x = _pad_ramp(tn, x, axis, before, after, ev)
                continue
            akw = {"reflect_type": kw["reflect_type"]} if "reflect_type" in kw else {}
            x = _pad_linear(tn, x, axis, before, after, mode, akw)
    return tn.asarray(x).copy()
