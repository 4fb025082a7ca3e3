"""Derivative rules of matmul and conv2d, and of the ``trueno.linalg`` ops when the table has
them (registered by name: an op that is not in the table is skipped)."""

from __future__ import annotations

import trueno as tn
from trueno import TruenoError
from trueno import backend as B

from ._graph import FREED, Rule

__all__ = ["RULES"]

RULES: dict[str, Rule] = {}


def rule(name, save="all", save_output=False, node=None):
    def deco(fn):
        RULES[name] = Rule(fn, save, save_output, node)
        return fn
    return deco


# b is saved whenever a gradient is needed: its layout picks the weight gradient's product
@rule("matmul", save=lambda needs: (needs[1], needs[0] or needs[1]), node="MmBackward0")
def _matmul(ctx, g):
    saved = ctx._saved
    if ctx.needs[0] or saved is FREED or saved[0]._version[0] != ctx._versions[0]:
        a, b = ctx.inputs  # raises for freed buffers or an input changed in place
    else:
        a, b = saved  # only b's layout is read, so b may have changed in place since
    # batch dims that were broadcast are summed by the engine
    ga = g @ b.mT.conj() if ctx.needs[0] else None
    if not ctx.needs[1]:
        return ga, None
    if _transposed(b._data) and a._data.ndim == 2 and b._dtype.kind == "f":
        # b is a transposed view (x @ W.T): its gradient in b's own layout, a fresh product
        # seen transposed (PyTorch's mm_mat2_backward), so W's gradient arrives contiguous
        # through the transpose's backward instead of being copied (on the GPU: one copy
        # dispatch fewer per linear layer and step)
        return ga, (g.mT @ a).mT
    return ga, a.mT.conj() @ g


def _transposed(bd) -> bool:
    """Whether device array ``bd`` is a 2-d transposed (column-major, not row-major) one: a
    NumPy array by its flags, a strided device array by its element strides."""
    if bd.ndim != 2:
        return False
    flags = getattr(bd, "flags", None)
    if flags is not None:
        return not flags.c_contiguous and flags.f_contiguous
    r, c = bd.shape
    return r > 1 and c > 1 and tuple(bd.strides) == (1, r)


# -- conv2d ---------------------------------------------------------------------------------------
_CONV2D = B.get_op("conv2d")


def _conv(x, w, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    """conv2d through the dispatcher (recorded when building a graph of the backward)."""
    dt = x._dtype
    wd = B.cast_data(w, dt)
    return B.run(_CONV2D, (x, w), (x._data, wd),
                 {"stride": tuple(stride), "padding": tuple(padding),
                  "dilation": tuple(dilation), "groups": groups},
                 x.__class__, x._device, dt)


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (int(v), int(v))


def _padded_cn(x, pad):
    """``x`` (N, C, H, W) as a zero-padded (C, N, H + 2 ph, W + 2 pw) copy: the channel-major
    layout that makes the columns of im2col contiguous."""
    n, c, h, w = x.shape
    xt = x.permute_dims((1, 0, 2, 3))
    out = tn.zeros((c, n, h + 2 * pad[0], w + 2 * pad[1]), dtype=x.dtype, device=x.device,
                   cls=x.__class__)
    out[:, :, pad[0]:pad[0] + h, pad[1]:pad[1] + w] = xt
    return out


def _tap(i, j, oh, ow, s, d):
    """The slice of a padded plane that kernel tap ``(i, j)`` reads for every output pixel."""
    return (slice(i * d[0], i * d[0] + s[0] * (oh - 1) + 1, s[0]),
            slice(j * d[1], j * d[1] + s[1] * (ow - 1) + 1, s[1]))


# the im2col matrices of one batch chunk hold at most this many elements (64 MiB of float32):
# a larger batch is split, so the backward's extra memory stays bounded
_COLS_MAX = 1 << 24


def _batch_chunks(n, per_sample):
    """``(start, stop)`` ranges over a batch of ``n`` whose im2col matrices of ``per_sample``
    elements each stay within ``_COLS_MAX``."""
    step = max(1, _COLS_MAX // max(per_sample, 1))
    return [(i, min(i + step, n)) for i in range(0, n, step)]


# an output plane of at least this many pixels takes the weight gradient one sample at a time
# (each product's reduction as long as the GEMM's K block)
_PER_SAMPLE_MIN_PIXELS = 256


def _conv_weight_grad(x, g, w_shape, s, pad, d, groups):
    """conv2d's weight gradient as PyTorch's CPU computes it: im2col of the padded input (one
    copy of ``kh * kw`` strided views) and one (batched over groups) matmul with the output
    gradient, ``gw = g(O, N*L) @ cols(C*kh*kw, N*L)^T``, instead of a direct convolution with
    the output gradient as a kernel as large as the output. A large batch is taken in chunks
    whose products add up."""
    o, cg, kh, kw = w_shape
    n, _, oh, ow = g.shape
    gw = None
    for n0, n1 in _batch_chunks(n, x.shape[1] * kh * kw * oh * ow):
        part = _weight_grad_part(x[n0:n1], g[n0:n1], w_shape, s, pad, d, groups)
        gw = part if gw is None else gw + part
    return gw._reshape((o, cg, kh, kw))


def _weight_grad_part(x, g, w_shape, s, pad, d, groups):
    o, cg, kh, kw = w_shape
    n, _, oh, ow = g.shape
    og, nl = o // groups, n * oh * ow
    xp = _padded_cn(x, pad)
    c = x.shape[1]
    # each tap's strided view copied straight into its slot of one buffer: tn.stack would
    # first make kh * kw expanded views and concatenate them (one full copy either way, but
    # stack's cost 1.16-1.33 vs 0.88-0.94 ms for 16x16x32x32, 3x3, on one thread)
    cols = tn.empty((c, kh * kw, n, oh, ow), dtype=x.dtype, device=x.device, cls=x.__class__)
    for i in range(kh):
        for j in range(kw):
            cols[:, i * kw + j] = xp[(slice(None), slice(None)) + _tap(i, j, oh, ow, s, d)]
    if oh * ow >= _PER_SAMPLE_MIN_PIXELS and oh * ow >= og:
        # one product per sample, summed: g is read in place as (N, G, og, L) (no channel-major
        # copy of the output gradient), and the N partial products, og / L of the columns'
        # size, stay small: 16x16x32x32 -> 32, 3x3, 5.8-6.0 vs 6.1-6.7 ms on one loaded thread
        pix = oh * ow
        cols = cols._reshape((groups, cg * kh * kw, n, pix)).permute_dims((2, 0, 1, 3))
        return tn.sum(g._reshape((n, groups, og, pix)) @ cols.mT, axis=0)
    cols = cols._reshape((groups, cg * kh * kw, nl))
    g2 = g.permute_dims((1, 0, 2, 3))._reshape((groups, og, nl))
    return g2 @ cols.mT


def _conv_input_grad_col2im(w, g, x_shape, s, pad, d, groups):
    """conv2d's input gradient as col2im: ``W^T @ g`` gives every tap's contribution, which
    ``kh * kw`` strided slice-adds sum into the padded input plane (no zero-dilated canvas, so
    a stride of 2 costs a quarter of the canvas convolution). A large batch is taken in
    chunks."""
    _, _, kh, kw = w.shape
    n, c = x_shape[:2]
    oh, ow = g.shape[2], g.shape[3]
    parts = [_col2im_part(w, g[n0:n1], (n1 - n0,) + tuple(x_shape[1:]), s, pad, d, groups)
             for n0, n1 in _batch_chunks(n, c * kh * kw * oh * ow)]
    return parts[0] if len(parts) == 1 else tn.concat(parts, axis=0)


def _col2im_part(w, g, x_shape, s, pad, d, groups):
    o, cg, kh, kw = w.shape
    n, c, h, wd = x_shape
    _, _, oh, ow = g.shape
    og = o // groups
    wt = w._reshape((groups, og, cg * kh * kw)).mT  # (G, cg*kk, og)
    g2 = g.permute_dims((1, 0, 2, 3))._reshape((groups, og, n * oh * ow))
    prod = wt * g2 if og == 1 else wt @ g2  # depthwise: an outer product, not a K=1 matmul
    cols = prod._reshape((c, kh, kw, n, oh, ow))
    plane = tn.zeros((c, n, h + 2 * pad[0], wd + 2 * pad[1]), dtype=g.dtype, device=g.device,
                     cls=g.__class__)
    for i in range(kh):
        for j in range(kw):
            idx = (slice(None), slice(None)) + _tap(i, j, oh, ow, s, d)
            plane[idx] = plane[idx] + cols[:, i, j]
    gx = plane[:, :, pad[0]:pad[0] + h, pad[1]:pad[1] + wd]
    return gx.permute_dims((1, 0, 2, 3))


def _flipped_transposed(w, groups):
    """The weight of the transposed convolution: channels swapped per group, taps flipped."""
    o, cg, kh, kw = w.shape
    if groups == 1 and not B.MODES.grad_enabled and w._device.type != "cpu":
        # nothing is recorded: one strided view of the device array (channels swapped, taps
        # read backwards) instead of four view ops (~20 us of host on the GPU)
        d = w._data
        s0, s1, s2, s3 = d.strides
        return _view(w, d.view(d.offset + (kh - 1) * s2 + (kw - 1) * s3, (cg, o, kh, kw),
                               (s1, s0, -s2, -s3)))
    og = o // groups
    wt = w._reshape((groups, og, cg, kh, kw)).permute_dims((0, 2, 1, 3, 4))
    return wt._reshape((groups * cg, og, kh, kw))[:, :, ::-1, ::-1]


def _view(t, data):
    """A tensor of ``t``'s class, device, dtype and version counter over device array ``data``
    (a view of ``t``'s; for backward computations that record nothing)."""
    return B.wrap(t.__class__, data, t._device, t._version, t._dtype)


def _swap01(t):
    """``t.permute_dims((1, 0, 2, 3))``: as a metadata view of the device array when nothing
    is recorded off the CPU (one frame instead of the view op's dispatch and checks)."""
    if B.MODES.grad_enabled or t._device.type == "cpu":
        return t.permute_dims((1, 0, 2, 3))
    d = t._data
    sh, st = d.shape, d.strides
    return _view(t, d.view(d.offset, (sh[1], sh[0], sh[2], sh[3]), (st[1], st[0], st[2], st[3])))


def _conv_input_grad_direct(w, g, x_shape, pad, d, groups, s=(1, 1)):
    """conv2d's input gradient as one conv: the output gradient convolved with the flipped,
    channel-transposed weight, its "full" border given to the conv kernel as padding (no zero
    canvas to fill), cropped where the forward padding exceeds the kernel's reach. A stride
    ``s`` > 1 first spreads the gradient over a zero canvas (``s - 1`` zeros between pixels,
    plus the input rows and columns past the last window, which get no gradient)."""
    _, _, kh, kw = w.shape
    h, wd = x_shape[2], x_shape[3]
    ph, pw = d[0] * (kh - 1) - pad[0], d[1] * (kw - 1) - pad[1]
    if s != (1, 1):
        n, o, oh, ow = g.shape
        # the canvas is as tall as the padded input less the kernel's reach: every input row
        # the full conv below gives, the uncovered tail included
        ch, cw = h + 2 * pad[0] - d[0] * (kh - 1), wd + 2 * pad[1] - d[1] * (kw - 1)
        canvas = tn.zeros((n, o, ch, cw), dtype=g.dtype, device=g.device, cls=g.__class__)
        canvas[:, :, :s[0] * (oh - 1) + 1:s[0], :s[1] * (ow - 1) + 1:s[1]] = g
        g = canvas
    padding = (max(ph, 0), max(pw, 0))
    k = _device_conv(g, w)
    if k is None:
        full = _conv(g, _flipped_transposed(w, groups), padding=padding, dilation=d,
                     groups=groups)
    else:  # the kernel on the device arrays: none of the dispatcher's frames
        full = B.wrap(g.__class__, k(g._data, _flipped_transposed(w, groups)._data, None,
                                     (1, 1), padding, d, groups), g._device, None, g._dtype)
    if ph >= 0 and pw >= 0:
        return full
    return full[:, :, max(-ph, 0):max(-ph, 0) + h, max(-pw, 0):max(-pw, 0) + wd]


def _conv_weight_grad_by_conv(x, g, w_shape, s, pad, d):
    """conv2d's weight gradient (groups 1) as one conv: the input's channels taken as the
    batch and its batch as channels, convolved with the output gradient as the kernel
    (``gw[o, c, i, j] = sum_n,p,q g[n, o, p, q] xpad[n, c, i d + p s, j d + q s]``: the
    forward's stride is this conv's dilation and its dilation the stride), cropped to the
    kernel's size. On a device whose conv2d kernel does im2col and the product in a few
    launches, this replaces ``kh * kw`` tap copies, a zero canvas and a padded copy."""
    o, _, kh, kw = w_shape
    n, _, oh, ow = g.shape
    k = _device_conv(x, g)
    if not getattr(k, "swap01", False):
        k = None
    out = None
    for n0, n1 in _batch_chunks(n, x.shape[1] * kh * kw * oh * ow):  # bounded im2col memory
        xs, gs = (x, g) if n1 - n0 == n else (x[n0:n1], g[n0:n1])
        if k is None:
            part = _conv(_swap01(xs), _swap01(gs), stride=d, padding=pad,
                         dilation=s)  # (C, O, >= kh, >= kw)
        else:  # (O, C, >= kh, >= kw) as the kernel writes it
            part = B.wrap(x.__class__, k(_swap01(xs)._data, _swap01(gs)._data, None, d, pad,
                                         s, 1, swap01=True), x._device, None, x._dtype)
        out = part if out is None else out + part
    if out.shape[2] != kh or out.shape[3] != kw:
        out = out[:, :, :kh, :kw]
    elif k is not None:
        return out
    return (out if k is not None else _swap01(out)).contiguous()


def _device_conv(a, b):
    """The device's conv2d kernel, to call on ``a``'s and ``b``'s device arrays, where
    nothing is recorded, off the CPU, for two tensors of one dtype and device; None
    elsewhere. (A kernel with a ``swap01`` attribute also writes its result with the first
    two axes swapped: the weight gradient's conv, (O, C, KH, KW) without a copy.)"""
    if B.MODES.grad_enabled or a._device.type == "cpu" or b._dtype is not a._dtype or \
            b._device is not a._device:
        return None
    try:
        return B.kernel(_CONV2D, a._device, a._dtype)
    except TruenoError:
        return None


_COL2IM_MAX_CHANNELS = 8


@rule("conv2d", node="ConvolutionBackward0")
def _conv2d(ctx, g):
    x, w = ctx.inputs[0], ctx.inputs[1]
    p = ctx.params
    s, pad, d = _pair(p.get("stride", 1)), _pair(p.get("padding", 0)), _pair(p.get("dilation", 1))
    groups = int(p.get("groups", 1))
    # one copy of a strided or broadcast output gradient (a sum's backward gives a zero-stride
    # view): the conv kernel's im2col, the permuted matmul operands and the channel sums below
    # then all read contiguous rows instead of gathering element by element
    g = g.contiguous()
    gx = gw = gb = None
    cpu = x._device.type == "cpu"
    if ctx.needs[0]:
        # stride > 1: col2im does 1 / (sh * sw) of the work of a conv over the zero-dilated
        # gradient. Stride 1: one direct conv, except where its few output channels (the
        # forward's input channels) make the SIMD kernel slower than matmul + slice-adds: 1
        # channel (CNN's first layer, 64x1x28x28) 2.0 vs 6.8 ms on one thread. From 16
        # channels on the direct conv wins since the GEMM packs K-contiguous operands fast
        # and runs partial row slivers (365f2e6): 16x16x32x32 -> 32, 3x3, 5.4 vs 7.5 ms on one
        # thread, 2.3 vs 4.9 ms on two (2-core Zen 3, loaded)
        #
        # Off the CPU (the GPU) launches count, not multiply-adds: one conv (about 4 launches;
        # a stride first spreads g over a zero canvas: 2 more) instead of col2im's zero plane,
        # product and 2 * kh * kw slice-adds. The GPU conv2d kernel runs once per group, so
        # a grouped conv with a stride keeps col2im.
        _, c = x.shape[:2]
        small = groups == 1 and c <= _COL2IM_MAX_CHANNELS and w.shape[2] * w.shape[3] > 1
        if (s == (1, 1) and (not small or not cpu)) or (not cpu and groups == 1):
            gx = _conv_input_grad_direct(w, g, x.shape, pad, d, groups, s)
        else:
            gx = _conv_input_grad_col2im(w, g, x.shape, s, pad, d, groups)
    if ctx.needs[1]:
        if not cpu and groups == 1:
            # one conv (about 5 launches on the GPU) instead of a zero canvas, a padded copy,
            # kh * kw tap copies and the product(s)
            gw = _conv_weight_grad_by_conv(x, g, w.shape, s, pad, d)
        else:
            gw = _conv_weight_grad(x, g, w.shape, s, pad, d, groups)
    if len(ctx.needs) > 2 and ctx.needs[2]:
        if cpu or B.MODES.grad_enabled:
            gb = tn.sum(g, axis=(0, 2, 3))
        else:  # the sum row's kernel: none of the NumPy face's argument handling (~25 us)
            gb = _channel_sums(g)
    return (gx, gw, gb)[:len(ctx.needs)]


_SUM = B.get_op("sum")


def _channel_sums(g):
    """``g`` (N, C, H, W) summed over every axis but 1, off the CPU with nothing recorded:
    the sum row's kernel on the device array where the device has one (else the row)."""
    params = {"axis": (0, 2, 3), "keepdims": False, "dtype": g._dtype.numpy}
    try:
        k = B.kernel(_SUM, g._device, g._dtype)
    except TruenoError:
        return B.run(_SUM, (g,), (g._data,), params, g.__class__, g._device, g._dtype)
    return B.wrap(g.__class__, k(g._data, **params), g._device, None, g._dtype)


# -- linalg (trueno.linalg), registered only for ops the table has ---------------------------
def _la():
    import trueno.linalg as la
    return la


def _mh(x):
    return x.mT.conj()


def _tril(x, k=0):
    """Lower triangle as ``where(mask, x, 0)`` (differentiable, any device)."""
    import numpy as np
    m, n = x.shape[-2:]
    mask = tn.asarray(np.tri(m, n, k, dtype=bool), device=x.device)
    return tn.where(mask, x, 0.0)


def _eye_like(x, n):
    return tn.eye(n, dtype=x.dtype, device=x.device, cls=x.__class__)


def _right_solve(x, r):
    """``x @ inv(r).mH`` without forming the inverse: ``solve(r, x.mH).mH``."""
    return _mh(_la().solve(r, _mh(x)))


def _zero_if_none(g, like):
    return tn.zeros_like(like) if g is None else g


def _inv(ctx, g):
    y = ctx.output
    yh = _mh(y)
    return (-(yh @ g @ yh),)


def _det(ctx, g):
    x = ctx.inputs[0]
    y = ctx.output
    return ((g * y.conj())[..., None, None] * _mh(_la().inv(x)),)


def _slogdet(ctx, g):
    x = ctx.inputs[0]
    g_logabs = g[1]
    if g_logabs is None:
        return (None,)
    return (g_logabs[..., None, None] * _mh(_la().inv(x)),)


def _solve(ctx, g):
    a, _ = ctx.inputs
    y = ctx.output
    gb = _la().solve(_mh(a), g)
    ga = -(gb @ _mh(y)) if ctx.needs[0] else None
    return (ga, gb if ctx.needs[1] else None)


def _cholesky(ctx, g):
    L = ctx.output  # noqa: N806
    if ctx.params.get("upper"):
        L, g = _mh(L), _mh(g)  # noqa: N806
    # Murray (2016): gA = L^-H Phi(L^H gL) L^-1, symmetrized; Phi: lower part, half diagonal
    P = L.mT.conj() @ g  # noqa: N806
    P = _tril(P) - 0.5 * (P * _eye_like(P, P.shape[-1]))  # noqa: N806
    n = L.shape[-1]
    eye = _eye_like(L, n)
    Linv = _la().solve(L, eye.expand_to(L.shape))  # noqa: N806
    S = _mh(Linv) @ P @ Linv  # noqa: N806
    return (0.5 * (S + _mh(S)),)


def _eigh(ctx, g):
    w, v = ctx.output
    gw, gv = g
    n = w.shape[-1]
    inner = None
    if gv is not None:
        vhgv = _mh(v) @ gv
        vhgv = 0.5 * (vhgv - _mh(vhgv))
        e = w[..., None, :] - w[..., :, None]
        eye = _eye_like(e, n)
        inner = vhgv / (e + eye)
        inner = inner * (1.0 - eye)
    if gw is not None:
        d = gw[..., :, None] * _eye_like(gw, n)
        inner = d if inner is None else inner + d
    if inner is None:
        return (None,)
    ga = v @ inner @ _mh(v)
    return (0.5 * (ga + _mh(ga)),)


def _svd(ctx, g):
    u, s, vh = ctx.output
    gu, gs, gvh = g
    k = s.shape[-1]
    u, vh = u[..., :, :k], vh[..., :k, :]
    if gu is not None:
        gu = gu[..., :, :k]
    if gvh is not None:
        gvh = gvh[..., :k, :]
    v = _mh(vh)
    eye = _eye_like(s, k)
    ga = None
    if gs is not None:
        ga = u @ (gs[..., :, None] * eye) @ vh
    if gu is None and gvh is None:
        return (ga,)
    s2 = s * s
    e = s2[..., None, :] - s2[..., :, None]
    f = (1.0 - eye) / (e + eye)
    sd = s[..., :, None] * eye
    sinv = (1.0 / s)[..., :, None] * eye
    inner = None
    m, n = u.shape[-2], v.shape[-2]
    extra = None
    if gu is not None:
        uhgu = _mh(u) @ gu
        inner = (f * (uhgu - _mh(uhgu))) @ sd
        if m > k:
            extra = (gu - u @ uhgu) @ sinv @ vh
    if gvh is not None:
        gv = _mh(gvh)
        vhgv = _mh(v) @ gv
        t = sd @ (f * (vhgv - _mh(vhgv)))
        inner = t if inner is None else inner + t
        if n > k:
            e2 = u @ sinv @ _mh(gv - v @ vhgv)
            extra = e2 if extra is None else extra + e2
    part = u @ inner @ vh
    if extra is not None:
        part = part + extra
    return (part if ga is None else ga + part,)


def _qr(ctx, g):
    mode = ctx.params.get("mode", "reduced")
    out = ctx.output
    if mode not in ("reduced", "complete") or not isinstance(out, tuple):
        raise NotImplementedError(f"linalg.qr: the derivative for mode={mode!r} is not "
                                  "implemented (use mode='reduced')")
    q, r = out
    gq, gr = g
    m, n = q.shape[-2], r.shape[-1]
    if m < n or (mode == "complete" and m != n):
        raise NotImplementedError("linalg.qr: the derivative is implemented for m >= n "
                                  "(reduced mode) only")
    gq = _zero_if_none(gq, q)
    gr = _zero_if_none(gr, r)
    # TensorFlow's QrGrad (Walter & Lehmann): the square, full-rank case, m >= n
    qdq = _mh(q) @ gq
    rdr = r @ _mh(gr)
    low = _tril(qdq - _mh(qdq) + rdr - _mh(rdr), -1)
    ga = q @ (gr + _right_solve(low, r)) + _right_solve(gq - q @ qdq, r)
    return (ga,)


def _pinv(ctx, g):
    a = ctx.inputs[0]
    p = ctx.output
    ph = _mh(p)
    # dP = -P dA P + P P^H dA^H (I - A P) + (I - P A) dA^H P^H P  (full rank)
    gh = _mh(g)
    t1 = -(ph @ g @ ph)
    x = gh @ (p @ ph)
    t2 = x - a @ (p @ x)
    y = (ph @ p) @ gh
    t3 = y - (y @ p) @ a
    return (t1 + t2 + t3,)


_LINALG = {
    "linalg_inv": (_inv, "none", True, "LinalgInvExBackward0"),
    "linalg_det": (_det, "all", True, "LinalgDetBackward0"),
    "linalg_slogdet": (_slogdet, "all", False, "LinalgSlogdetBackward0"),
    "linalg_solve": (_solve, lambda needs: (needs[1] or needs[0], False), True,
                     "LinalgSolveExBackward0"),
    "linalg_cholesky": (_cholesky, "none", True, "LinalgCholeskyExBackward0"),
    "linalg_eigh": (_eigh, "none", True, "LinalgEighBackward0"),
    "linalg_svd": (_svd, "none", True, "LinalgSvdBackward0"),
    "linalg_qr": (_qr, "none", True, "LinalgQrBackward0"),
    "linalg_pinv": (_pinv, "all", True, "LinalgPinvBackward0"),
}


def linalg_rules() -> dict[str, Rule]:
    """Rules for the linalg ops that are in the op table now (``trueno.linalg`` adds them)."""
    try:
        _la()
    except ImportError:
        return {}
    out = {}
    for name, (fn, save, save_out, node) in _LINALG.items():
        if B.has_op(name):
            out[name] = Rule(fn, save, save_out, node)
    return out
