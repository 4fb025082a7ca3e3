"""CPU thread count: ``set_num_threads``/``get_num_threads`` and ``TRUENO_NUM_THREADS``,
passed to every CPU backend that registered a ``set_num_threads`` (docs/design.md §3)."""

from __future__ import annotations

import os
import warnings

from ._errors import TruenoError
from ._registry import _lock, registry

__all__ = ["MAX_THREADS", "set_num_threads", "get_num_threads", "apply_thread_count",
           "ThreadCountError", "ThreadCountTypeError"]


MAX_THREADS = 1024
"""The most threads a CPU backend is asked to use (``set_num_threads`` refuses more, and a
larger ``TRUENO_NUM_THREADS`` is capped to it with a warning)."""


class ThreadCountError(TruenoError, ValueError):
    """A thread count that is not a whole number from 1 to ``MAX_THREADS``."""


class ThreadCountTypeError(TruenoError, TypeError):
    """A thread count that is not an integer."""


def _default_threads() -> int:
    return min(os.cpu_count() or 1, MAX_THREADS)


def _env_threads() -> int:
    """``TRUENO_NUM_THREADS`` (unset, empty or 0: one thread per CPU). A bad value warns with
    the variable's name and falls back to the default: it never breaks ``import trueno``."""
    raw = os.environ.get("TRUENO_NUM_THREADS", "").strip()
    if not raw:
        return _default_threads()
    try:
        n = int(raw)
    except ValueError:
        n = None
    if n is None or n < 0:
        warnings.warn(f"TRUENO_NUM_THREADS={raw!r} is not a whole number >= 1 and was ignored; "
                      f"using {_default_threads()} threads (one per CPU). hint: unset it or set "
                      f"it to a number from 1 to {MAX_THREADS}", RuntimeWarning, stacklevel=2)
        return _default_threads()
    if n == 0:
        return _default_threads()
    if n > MAX_THREADS:
        warnings.warn(f"TRUENO_NUM_THREADS={raw!r} is more than the maximum of {MAX_THREADS} "
                      f"threads; using {MAX_THREADS}", RuntimeWarning, stacklevel=2)
        return MAX_THREADS
    return n


_threads = [_env_threads()]


def apply_thread_count() -> None:
    """Pass the thread count to every registered CPU backend (called when plugins load)."""
    for b in registry.backends.values():
        if b.set_num_threads is not None:
            b.set_num_threads(_threads[0])


def set_num_threads(n: int) -> None:
    """Set the number of threads CPU backends use (like ``torch.set_num_threads``).

    Parameters
    ----------
    n : int
        A whole number from 1 to ``trueno._threads.MAX_THREADS`` (1024).

    Examples
    --------
    >>> import trueno as tn
    >>> before = tn.get_num_threads()
    >>> tn.set_num_threads(1); tn.get_num_threads()
    1
    >>> tn.set_num_threads(before)
    """
    if isinstance(n, bool) or not hasattr(n, "__index__"):
        raise ThreadCountTypeError(f"set_num_threads(n): n must be an integer, got "
                                   f"{type(n).__name__} {n!r}\n  hint: set_num_threads(int(n))")
    m = n.__index__()
    if not 1 <= m <= MAX_THREADS:
        raise ThreadCountError(f"set_num_threads(n): n must be from 1 to {MAX_THREADS}, got "
                               f"{m}\n  hint: set_num_threads({_default_threads()}) uses one "
                               f"thread per CPU")
    with _lock:
        _threads[0] = m
        if registry.loaded:
            apply_thread_count()


def get_num_threads() -> int:
    """The number of threads CPU backends use."""
    return _threads[0]
