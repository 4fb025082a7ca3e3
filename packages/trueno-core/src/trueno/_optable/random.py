"""The counter-based random rows ``philox_uniform``, ``philox_bernoulli`` and
``philox_normal`` (the PyTorch face's GPU generators draw through them; stream and
decompositions in
``trueno._decompositions_random``, reference kernels in ``trueno._reference._random``).

A row's contract is "same inputs, same result on every backend" (docs/design.md §2), which a
stateful generator cannot keep; these rows are pure functions of ``(seed, offset)`` and the
input's shape and dtype (its values are not read), and the generator state (which offset the
next draw starts at) stays with the caller.
"""

from __future__ import annotations

from ._row import comps

_RANDOM = "_decompositions_random"
comps("philox_uniform", nin=1, accepts="real floating", shape="same", numpy_name=None,
      torch_name=None, differentiable=False, module=_RANDOM,
      sig="x, /, *, seed: int, offset: int, low: float = 0.0, high: float = 1.0")
comps("philox_bernoulli", nin=1, accepts="real floating", shape="same", numpy_name=None,
      torch_name=None, differentiable=False, module=_RANDOM,
      sig="x, /, *, seed: int, offset: int, p: float = 0.5, value: float = 1.0")
comps("philox_normal", nin=1, accepts="real floating", shape="same", numpy_name=None,
      torch_name=None, differentiable=False, module=_RANDOM,
      sig="x, /, *, seed: int, offset: int, mean: float = 0.0, std: float = 1.0")
