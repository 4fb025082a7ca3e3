"""Exceptions raised by ``trueno_simd._core`` for bad arguments (DESIGN.md §5).

Wrong dtypes raise ``trueno.DTypeError`` (a ``TypeError``), shapes that do not fit raise
``trueno.ShapeError`` (a ``ValueError``), and other bad values (a stride of 0, a short bias,
a read-only ``out=``) raise :class:`KernelArgumentError` (a ``ValueError``).
"""

from trueno import TruenoError


class KernelArgumentError(TruenoError, ValueError):
    """A kernel argument has a value the kernel cannot use, e.g. ``conv2d(stride=0)``."""
