"""Anomaly detection: name the forward op whose backward produced a NaN gradient.

While it is on, every recorded node keeps the stack of the forward call that made it, and the
engine checks each gradient a node returns (``torch.autograd.detect_anomaly``). The mode is per
thread, as grad mode is.
"""

from __future__ import annotations

import functools
from threading import get_ident

from trueno.backend import MODES

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "check_node"]


class detect_anomaly:
    """Context manager (and decorator) that turns anomaly detection on inside its block.

    Examples
    --------
    >>> import trueno as tn
    >>> with tn.autograd.detect_anomaly():
    ...     tn.autograd.is_anomaly_enabled()
    True
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self._prev: dict[int, list[bool]] = {}  # thread id -> modes to restore

    def __enter__(self):
        self._prev.setdefault(get_ident(), []).append(MODES.anomaly)
        MODES.anomaly = bool(self.check_nan)
        return self

    def __exit__(self, *exc) -> None:
        tid = get_ident()
        stack = self._prev[tid]
        MODES.anomaly = stack.pop()
        if not stack:
            del self._prev[tid]

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off: as a call, or as a context manager that restores it."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._prev = MODES.anomaly
        MODES.anomaly = bool(mode) and bool(check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        MODES.anomaly = self._prev


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on in the calling thread."""
    return MODES.anomaly


def check_node(node, grads) -> None:
    """Raise if a gradient ``node`` returned holds NaN, naming the forward op and its stack."""
    from trueno import isnan
    for i, g in enumerate(grads):
        if g is None or g._dtype.kind not in "fc":
            continue
        if bool(isnan(g).any()):
            trace = getattr(node, "_trace", None)
            trace = "".join(trace) if trace else \
                "  (no forward trace: the op ran before anomaly detection was enabled)\n"
            raise RuntimeError(
                f"Function '{node.name()}' returned nan values in its {i}th output.\n"
                f"  forward op: {node._op}\n"
                f"  Traceback of forward call that caused the error:\n{trace}")
