"""NumPy's remaining elementwise functions (``fmod``, ``gcd``, ``degrees``, ``nan_to_num``,
...): one row each, any dtype, with the NumPy function as the reference kernel
(``_reference/_numpy_elementwise.py``) and the public functions in ``trueno._numpy_elementwise``.
"""

from __future__ import annotations

from ._row import Op, add_op, broadcast_error, dtype_error
from ._row import torch_face as T

# name -> number of array inputs (the order of ``trueno._numpy_elementwise.__all__``)
UFUNCS = {
    "fmod": 2, "gcd": 2, "lcm": 2, "ldexp": 2, "heaviside": 2, "float_power": 2,
    "logaddexp2": 2, "fmax": 2, "fmin": 2, "divmod": 2,
    "exp2": 1, "cbrt": 1, "rint": 1, "degrees": 1, "radians": 1, "deg2rad": 1, "rad2deg": 1,
    "spacing": 1, "frexp": 1, "modf": 1, "bitwise_count": 1, "isneginf": 1, "isposinf": 1,
    "fix": 1, "sinc": 1, "i0": 1, "isreal": 1, "iscomplex": 1, "nan_to_num": 1, "angle": 1,
    "unwrap": 1, "real_if_close": 1,
}

# Decompositions (docs/design.md §2.1), imported on first use: "module:function".
_DECOMPOSITIONS = {
    **{n: "trueno._decompositions_numpy:" + n for n in ("float_power", "unwrap", "real_if_close")},
    **{n: "trueno._decompositions_ufuncs:" + n for n in (
        "exp2", "logaddexp2", "deg2rad", "rad2deg", "degrees", "radians", "fmax", "fmin",
        "isneginf", "isposinf", "fix", "isreal", "iscomplex", "heaviside", "sinc", "angle",
        "cbrt", "rint", "nan_to_num", "ldexp", "divmod", "modf", "spacing", "fmod", "gcd",
        "lcm", "bitwise_count", "frexp", "i0")},
}

# Parameters beyond the array inputs (``Op.sig``; NumPy's ``out=`` and ufunc keywords are the
# NumPy face's, in ``_ufunc``): keyword-only, with NumPy's defaults.
_SIGNATURES = {
    "nan_to_num": "x, /, *, copy: bool = True, nan: float = 0.0, posinf: float | None = None, "
                  "neginf: float | None = None",
    "unwrap": "p, /, *, discont: float | None = None, axis: int = -1, "
              "period: float = 6.283185307179586",
    "real_if_close": "a, /, *, tol: float = 100",
    "angle": "z, /, *, deg: bool = False",
}

# Error inputs (``Op.errors``): arrays whose shapes do not broadcast; gcd/lcm of floats or
# bools (NumPy: "ufunc 'gcd' did not contain a loop with signature matching types").
_ERRORS = {**{n: [broadcast_error()] for n in ("fmod", "heaviside", "float_power", "logaddexp2",
                                               "fmax", "fmin", "divmod")},
           **{n: [broadcast_error("int32"), dtype_error("float32", 2), dtype_error("bool", 2)]
              for n in ("gcd", "lcm")}}

# The dtypes a row takes (``Op.accepts``) where it is not "any": NumPy has integer loops only.
_ACCEPTS = {"gcd": "integer", "lcm": "integer"}

# How the PyTorch face binds them (``Op.torch_face``; the others it writes by hand or lacks).
_F = T("float", inplace=True, inplace_function=True)
_TORCH = {
    **dict.fromkeys(("exp2", "deg2rad", "rad2deg", "sinc", "i0"), _F),
    **dict.fromkeys(("isneginf", "isposinf", "isreal"), T("tensor")),
    "logaddexp2": T("binary_float"), "fmax": T("binary"), "fmin": T("binary"),
    "fmod": T("binary", inplace=True),
    # written by hand in the face (torch.ldexp, ...): the row gives what is bound from it
    "heaviside": T("hand", inplace=True), "float_power": T("hand"), "frexp": T("hand"),
    "angle": T("hand"),
    **dict.fromkeys(("ldexp", "nan_to_num", "fix"), T("hand", inplace=True,
                                                      inplace_function=True)),
    **dict.fromkeys(("gcd", "lcm"), T("binary", inplace=True, inplace_function=True,
                                        weak=False)),
}

# NumPy functions PyTorch has no twin of (``Op.torch_name`` None).
_NO_TORCH = ("cbrt", "spacing", "bitwise_count", "iscomplex", "divmod", "modf")

for _name, _nin in UFUNCS.items():
    add_op(Op(_name, _nin, accepts=_ACCEPTS.get(_name, "any"),
              shape="same" if _nin == 1 else "pointwise",
              differentiable=False, decomposition=_DECOMPOSITIONS.get(_name),
              sig=_SIGNATURES.get(_name), errors=_ERRORS.get(_name, ()),
              torch_face=_TORCH.get(_name), torch_name=None if _name in _NO_TORCH else ""))
