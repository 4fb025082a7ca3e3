"""The NumPy reference backend: a kernel for every op; the oracle other backends are tested against."""
