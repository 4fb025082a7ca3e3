"""NumPy's remaining elementwise functions (``fmod``, ``gcd``, ``degrees``, ``nan_to_num``,
...): one op row each (declared in ``trueno._optable.numpy_elementwise``), with the NumPy
function as the reference kernel.

Python scalars reach the kernel as they are, so NumPy's weak-scalar rules (NEP 50) give the
result dtype; arrays broadcast as in NumPy. A backend may register a kernel under the same
name. Functions with two results (``divmod``, ``modf``, ``frexp``) return a tuple. The
functions are bound from the rows (``FUNCTIONS``, through ``_optable._faces.bind``).
"""

from __future__ import annotations

from . import _dispatch as X
from . import _dtypes as D
from ._optable import OPS
from ._optable._faces import bind
from ._optable.numpy_elementwise import UFUNCS
from ._surface_ops import as_t
from ._tensor import Tensor
from ._views import broadcast_shapes

_SCALARS = (bool, int, float, complex)


def _make(name, nin):
    """The public function of row ``name``: its signature is the row's (``Op.sig``)."""
    row = OPS[name]
    allowed = frozenset(row.params)
    checked = row._accept_names != "any"  # gcd/lcm: integers only, as NumPy's loops

    def fn(*args, **params):
        if len(args) != nin:
            raise TypeError(f"{name}() takes {nin} positional argument(s), got {len(args)}")
        if params and not allowed.issuperset(params):
            bad = sorted(set(params) - allowed)[0]
            raise TypeError(f"{name}() got an unexpected keyword argument {bad!r}\n  hint: "
                            f"its parameters are ({row.sig})")
        like = next((a for a in args if isinstance(a, Tensor)), None)
        ts = [a if isinstance(a, (Tensor, *_SCALARS)) else as_t(a, like) for a in args]
        like = next(t for t in ts if isinstance(t, Tensor)) if like is None and \
            any(isinstance(t, Tensor) for t in ts) else like
        if like is None:  # only Python scalars: a 0-d result, as NumPy gives
            ts = [as_t(ts[0])] + ts[1:]
            like = ts[0]
        arrs = [t for t in ts if isinstance(t, Tensor)]
        if checked:  # the row's dtypes, for the inputs' promoted dtype (NEP 50 scalars)
            X.check_accepts(row, D.result_type(*ts))
        for t in arrs:
            if t._device is not like._device:
                X.check_device(name, like, t)
        if len(arrs) > 1:
            broadcast_shapes(*(t.shape for t in arrs))
        datas = tuple(t._data if isinstance(t, Tensor) else t for t in ts)
        hp = {k: (v._host() if isinstance(v, Tensor) else v) for k, v in params.items()}
        # inputs in call order, scalars included: a decomposition (float_power) needs them all
        return X.run(row, tuple(ts), datas, hp, like.__class__, like._device, like._dtype)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"NumPy's ``{name}`` (an op row; the reference kernel is ``numpy.{name}``)."
    fn.__signature__ = row.signature
    return fn


# One public function per row of ``_optable.numpy_elementwise`` (``UFUNCS``), bound from the
# rows in this one loop (tests/test_optable_signatures.py checks the list).
FUNCTIONS = {name: _make(name, nin) for name, nin in UFUNCS.items()
             if OPS[name].numpy_face is not None}
__all__ = [*bind(__name__, FUNCTIONS), "bitwise_not"]


def bitwise_not(x, /):
    """NumPy's name of ``bitwise_invert``."""
    from ._elementwise import bitwise_invert
    return bitwise_invert(x)
