"""Samples of the counter-based random rows (``philox_uniform``, ``philox_bernoulli``,
``philox_normal``) for test_backend_equivalence: op name -> [(fn, [numpy args])].

The input is only a shape, dtype and device template (its values are not read): the samples
cover a partial last block (n % 4 != 0), a 64-bit seed, an offset whose low word carries
into the high one inside the draw, an affine uniform, and p of 0, 1 and in between.
"""

from __future__ import annotations

import trueno as tn
from trueno._dispatch import run


def _row(name: str, x, **params):
    return run(tn.OPS[name], (x,), (x._data,), params, x.__class__, x.device, x.dtype)


def cases(v, dtype, rng) -> dict:
    """The rows' samples for dtype ``dtype`` (``v(shape)`` makes an input)."""
    carry = 2**32 - 3  # blocks 0..2 in the low word, block 3 on carries into the high word
    return {
        "philox_uniform": [
            (lambda x: _row("philox_uniform", x, seed=0, offset=0), [v((3, 7))]),
            (lambda x: _row("philox_uniform", x, seed=2**64 - 1, offset=carry), [v((37,))]),
            (lambda x: _row("philox_uniform", x, seed=123, offset=5, low=-2.0, high=3.5),
             [v((2, 3, 5))])],
        "philox_bernoulli": [
            (lambda x, p=p: _row("philox_bernoulli", x, seed=7, offset=carry, p=p,
                                 value=1 / 0.7), [v((5, 9))])
            for p in (0.0, 0.3, 1.0)],
        # (normals: the device's log/sin/cos; the float tolerances of the equivalence test)
        "philox_normal": [
            (lambda x: _row("philox_normal", x, seed=3, offset=carry), [v((5, 7))]),
            (lambda x: _row("philox_normal", x, seed=2**40, offset=1, mean=-1.0, std=0.5),
             [v((9,))])],
    }
