"""The rows of ``trueno.fft`` (n-dimensional transforms and the Hermitian pair): declared here,
with the table, so that they exist whether or not the public module was imported (issue 13);
their signatures are in ``_optable``'s tables."""

from __future__ import annotations

from ._optable import Op, add_op

for _name, _accepts in (("fftn", "floating"), ("ifftn", "floating"),
                        ("rfftn", "real floating"), ("irfftn", "floating"),
                        ("hfft", "floating"), ("ihfft", "real floating")):
    add_op(Op(f"fft_{_name}", 1, accepts=_accepts, shape="custom", numpy_name=None,
              differentiable=True))
