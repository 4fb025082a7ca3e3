"""The NumPy reference backend: a kernel for every op, and the oracle other backends are
tested against."""
