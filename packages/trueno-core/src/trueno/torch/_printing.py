"""Tensor printing as PyTorch formats it (torch/_tensor_str.py): one width per tensor,
4 decimals or scientific notation by the values' range, integral floats as ``1.``,
summarisation beyond ``threshold`` elements, ``linewidth`` wrapping, the dtype/device/grad
suffixes; ``torch.set_printoptions`` with PyTorch's profiles."""

from __future__ import annotations

import math

import numpy as np

from .. import _dtypes as D

__all__ = ["set_printoptions", "tensor_repr"]


class _Options:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


OPTS = _Options()
_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80),
             "full": (4, math.inf, 3, 80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None) -> None:
    """PyTorch's print options: ``precision`` digits, summarise beyond ``threshold``
    elements showing ``edgeitems`` per edge, wrap at ``linewidth``; ``profile`` is
    ``"default"``, ``"short"`` or ``"full"``; ``sci_mode`` True/False forces the notation
    (None: chosen per tensor)."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r}; expected one of "
                             f"{', '.join(_PROFILES)}")
        OPTS.precision, OPTS.threshold, OPTS.edgeitems, OPTS.linewidth = _PROFILES[profile]
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(OPTS, name, value)
    OPTS.sci_mode = sci_mode


class _Formatter:
    """One column width and notation for all the values of a tensor (or its summary)."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.max_width = True, False, 1
        p = OPTS.precision
        flat = values.reshape(-1)
        if not self.floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(str(v)))
        else:
            nz = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
            if not nz.size:
                return  # nothing finite and non-zero: width 1, fixed notation
            absv = np.abs(nz)
            lo, hi = absv.min(), absv.max()
            self.int_mode = bool(np.all(nz == np.ceil(nz)))
            self.sci_mode = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4) \
                if OPTS.sci_mode is None else OPTS.sci_mode
            if self.sci_mode:
                self.max_width = max(len(f"{v:.{p}e}") for v in nz.tolist())
            elif self.int_mode:
                self.max_width = max(len(f"{v:.0f}") + 1 for v in nz.tolist())
            else:
                self.max_width = max(len(f"{v:.{p}f}") for v in nz.tolist())

    def format(self, value) -> str:
        p = OPTS.precision
        if self.floating:
            if self.sci_mode:
                s = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                s = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    s += "."
            else:
                s = f"{value:.{p}f}"
        else:
            s = f"{value}"
        return (self.max_width - len(s)) * " " + s


def _summary(h: np.ndarray) -> np.ndarray:
    """The values shown when summarising (edge items of every dim), for the formatter."""
    e = OPTS.edgeitems
    if h.ndim == 0:
        return h
    if h.ndim == 1:
        return np.concatenate([h[:e], h[-e:]]) if h.shape[0] > 2 * e else h
    if not e:
        return h[(slice(0, 0),) * h.ndim]
    rows = list(range(e)) + list(range(h.shape[0] - e, h.shape[0])) \
        if h.shape[0] > 2 * e else range(h.shape[0])
    return np.stack([_summary(h[i]) for i in rows])


def _value(v, f1, f2):
    if f2 is None:
        return f1.format(v)
    real = f1.format(v.real)
    imag = (f2.format(v.imag) + "j").lstrip()
    return real + imag if imag[0] in "+-" else real + "+" + imag


def _vector(h, indent, summarize, f1, f2):
    width = f1.max_width + 2 + (f2.max_width + 1 if f2 is not None else 0)
    per_line = max(1, int(math.floor((OPTS.linewidth - indent) / width)))
    e = OPTS.edgeitems
    if summarize and not e:
        data = ["..."]
    elif summarize and h.shape[0] > 2 * e:
        data = [_value(v, f1, f2) for v in h[:e].tolist()] + [" ..."] + \
            [_value(v, f1, f2) for v in h[-e:].tolist()]
    else:
        data = [_value(v, f1, f2) for v in h.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(h, indent, summarize, f1, f2):
    if h.ndim == 0:
        return _value(h.item(), f1, f2)
    if h.ndim == 1:
        return _vector(h, indent, summarize, f1, f2)
    e = OPTS.edgeitems
    n = h.shape[0]
    if summarize and n > 2 * e:
        parts = [_nested(h[i], indent + 1, summarize, f1, f2) for i in range(e)] + ["..."] + \
            [_nested(h[i], indent + 1, summarize, f1, f2) for i in range(n - e, n)]
    else:
        parts = [_nested(h[i], indent + 1, summarize, f1, f2) for i in range(n)]
    return "[" + ("," + "\n" * (h.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _body(h: np.ndarray, indent: int) -> str:
    summarize = h.size > OPTS.threshold
    if h.dtype.kind == "c":
        src = _summary(h) if summarize else h
        return _nested(h, indent, summarize, _Formatter(src.real), _Formatter(src.imag))
    return _nested(h, indent, summarize, _Formatter(_summary(h) if summarize else h), None)


def _suffixes(text: str, suffixes: list[str], indent: int) -> str:
    out = [text]
    last = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > OPTS.linewidth:
            out.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            out.append(", " + s)
            last += len(s) + 2
    out.append(")")
    return "".join(out)


def tensor_repr(t) -> str:
    """``repr(t)`` as PyTorch prints a tensor."""
    from ._functions import get_default_dtype
    prefix, indent = "tensor(", 7
    suffixes = []
    if t._device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    dt = t._dtype
    default = D.as_dtype(get_default_dtype())
    cdefault = D.complex128 if default is D.float64 else D.complex64
    has_default = dt in (default, cdefault, D.int64, D.bool_)
    h = t._host()
    if dt in (D.float16, D.bfloat16):
        h = h.astype(np.float32)  # as PyTorch: half precision prints through float
    if h.size == 0:
        if h.ndim != 1:
            suffixes.append(f"size={tuple(h.shape)}")
        if dt is not default:
            suffixes.append(f"dtype=torch.{dt.name}")
        body = "[]"
    else:
        if not OPTS.edgeitems:
            suffixes.append(f"size={tuple(h.shape)}")
        if not has_default:
            suffixes.append(f"dtype=torch.{dt.name}")
        body = _body(h, indent)
    ag = t._ag
    if ag is not None:
        fn = ag.grad_fn
        if fn is not None:
            suffixes.append(f"grad_fn=<{type(fn).__name__}>")
        elif ag.requires_grad:
            suffixes.append("requires_grad=True")
    return _suffixes(prefix + body, suffixes, indent)
