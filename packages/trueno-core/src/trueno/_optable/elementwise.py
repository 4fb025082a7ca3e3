"""Elementwise rows: math of one and two inputs, comparisons, logic, bits, ``where`` and
``clip`` (shape rule "broadcast": the inputs broadcast together)."""

from __future__ import annotations

from ._row import Op, add_op, broadcast_error, comps, dtype_error, prims
from ._row import torch_face as T

# The faces (docs/design.md §2): every row here is a function of the NumPy face
# (``trueno.<name>``, a ufunc where NumPy's is one; ``aliases`` are NumPy's other spellings),
# and ``torch_face`` says how ``torch.<name>`` is made from it (rows without one: the PyTorch
# face writes its function by hand, or has none).
_M = T("engine", inplace=True, inplace_function=True)  # torch.exp is trueno.exp
_F = T("float", inplace=True, inplace_function=True)  # integers give the default float
_Q = T("tensor")  # predicates: torch.isnan(x)
_H = T("hand", inplace=True, inplace_function=True)  # torch.square: written in the face
_HB = T("hand", inplace=True, weak=True)  # torch.add: written in the face

_NN = "_decompositions_nn"
_SF = T("float", method=False, module="special")  # torch.special.i0e: integers give floats

# --- one input -------------------------------------------------------------------------------
prims("negative", nin=1, accepts="numeric", errors=[dtype_error("bool")],
      torch_face=T("hand", "neg", "negative", inplace=True, inplace_function=True))
comps("positive", nin=1, accepts="numeric", errors=[dtype_error("bool")], torch_face=T("hand"))
comps("square", nin=1, accepts="numeric", torch_face=_H)
prims("abs", nin=1, accepts="any", result="real", aliases=("absolute",),
      torch_face=_M)  # bool: itself, as NumPy
prims("sign", nin=1, accepts="numeric", differentiable=False, errors=[dtype_error("bool")],
      torch_face=T("hand", inplace=True))
# Float functions take bool as NumPy does (np.sin(bool) is float16; torch.sin(bool) float32).
prims("exp", nin=1, accepts="any", result="float", domain="small", torch_face=_M)
comps("expm1", nin=1, accepts="any", result="float", domain="small", torch_face=_M)
prims("sin cos tan", nin=1, accepts="any", result="float", domain="small", torch_face=_M)
prims("atan", nin=1, accepts="any", result="float", domain="small", aliases=("arctan",),
      torch_face=T("float", "atan", "arctan", inplace=True, inplace_function=True))
comps("sinh cosh", nin=1, accepts="any", result="float", domain="small", torch_face=_F)
comps("tanh", nin=1, accepts="any", result="float", domain="small", torch_face=_M)
comps("asinh", nin=1, accepts="any", result="float", domain="small", aliases=("arcsinh",),
      torch_face=T("float", "asinh", "arcsinh", inplace=True, inplace_function=True))
prims("log sqrt", nin=1, accepts="any", result="float", domain="positive", torch_face=_M)
comps("log2 log10", nin=1, accepts="any", result="float", domain="positive", torch_face=_M)
comps("log1p", nin=1, accepts="any", result="float", domain="positive", torch_face=_M)
for _n in ("asin", "acos"):
    prims(_n, nin=1, accepts="any", result="float", domain="unit", aliases=("arc" + _n[1:],),
          torch_face=T("float", _n, "arc" + _n[1:], inplace=True, inplace_function=True))
comps("atanh", nin=1, accepts="any", result="float", domain="unit", aliases=("arctanh",),
      torch_face=T("float", "atanh", "arctanh", inplace=True, inplace_function=True))
comps("acosh", nin=1, accepts="any", result="float", domain="ge1", aliases=("arccosh",),
      torch_face=T("float", "acosh", "arccosh", inplace=True, inplace_function=True))
comps("reciprocal", nin=1, result="numpy_promote", domain="positive", torch_face=_H)
comps("sigmoid", nin=1, result="float", accepts="real", numpy_name=None, module=_NN,
      torch_face=_F)
prims("erf", nin=1, result="float", accepts="real", numpy_name=None, torch_face=_F)
comps("i0e", nin=1, result="float", accepts="real or boolean", numpy_name=None,
      module="_decompositions_ufuncs", reference="scipy.special:i0e", torch_face=_SF)
comps("entr", nin=1, result="float", accepts="real or boolean", domain="positive",
      numpy_name=None, reference="scipy.special:entr", torch_name="special.entr",
      torch_face=_SF)  # 0 at 0 and -inf below: tests/test_torch_api_pointwise.py
prims("floor ceil trunc", nin=1, accepts="real or boolean", differentiable=False,
      errors=[dtype_error("complex64")], torch_face=_M)
prims("round", nin=1, accepts="numeric", differentiable=False, torch_face=_H)
prims("signbit", nin=1, accepts="real or boolean", result="bool", differentiable=False,
      errors=[dtype_error("complex64")], torch_face=_Q)
prims("isnan isinf", nin=1, accepts="any", result="bool", differentiable=False, torch_face=_Q)
comps("isfinite", nin=1, accepts="any", result="bool", differentiable=False, torch_face=_Q)
comps("logical_not", nin=1, accepts="any", result="input_bool", differentiable=False,
      torch_face=T("engine", inplace=True))
prims("bitwise_invert", nin=1, accepts="integer or boolean", differentiable=False,
      numpy_name="invert", aliases=("invert",), errors=[dtype_error("float32")],
      torch_face=T("hand", "bitwise_not", inplace=True))
prims("conj", nin=1, accepts="numeric", aliases=("conjugate",))
prims("real imag", nin=1, accepts="any", result="real")
comps("gelu", nin=1, result="float", accepts="real", numpy_name=None, module=_NN,
      sig="x, /, *, approximate: str = 'none'")
comps("silu", nin=1, result="float", accepts="real", numpy_name=None, module=_NN)
comps("relu", nin=1, accepts="real", numpy_name=None, module=_NN, torch_face=_H)
comps("selu", nin=1, result="float", accepts="real", numpy_name=None,
      torch_face=T("float", method=False))

# Error inputs (``Op.errors``): shapes that do not broadcast, and a dtype the row refuses.
_BC = [broadcast_error()]
_BC_REAL = [*_BC, dtype_error("complex64", 2)]
_BC_INT = [broadcast_error("int32"), dtype_error("float32", 2)]

# --- two inputs ------------------------------------------------------------------------------
# add/multiply of bools: logical or / and, as NumPy and PyTorch
prims("add", nin=2, accepts="any", errors=_BC, torch_face=_HB)
prims("multiply", nin=2, accepts="any", errors=_BC,
      torch_face=T("hand", "mul", "multiply", inplace=True, weak=True))
prims("subtract", nin=2, accepts="numeric", errors=[*_BC, dtype_error("bool", 2)],
      torch_face=T("hand", "sub", "subtract", inplace=True, weak=True))
prims("divide", nin=2, accepts="any", result="float", domain="nonzero", errors=_BC,
      aliases=("true_divide",),
      torch_face=T("hand", "div", "divide", "true_divide", inplace=True, weak=True))
prims("floor_divide", nin=2, accepts="real", domain="nonzero", differentiable=False,
      errors=_BC_REAL, torch_face=_HB)
# remainder: d/da = 1, d/db = -floor(a/b)
prims("remainder", nin=2, accepts="real", domain="nonzero", errors=_BC_REAL, aliases=("mod",),
      torch_face=_HB)
prims("pow", nin=2, domain="small", numpy_name="power", errors=_BC, aliases=("power",),
      torch_face=_HB)
# maximum/minimum of complex: lexicographic order, as NumPy
prims("maximum minimum", nin=2, accepts="any", errors=_BC, torch_face=T("engine", weak=True))
prims("atan2", nin=2, accepts="real or boolean", result="float", errors=_BC_REAL,
      aliases=("arctan2",), torch_face=T("engine", "atan2", "arctan2", inplace=True, weak=True))
comps("hypot copysign", nin=2, accepts="real or boolean", result="float", errors=_BC_REAL,
      torch_face=T("binary_float", inplace=True))
comps("logaddexp", nin=2, accepts="real or boolean", result="float", errors=_BC_REAL,
      torch_face=T("binary_float"))
comps("xlogy", nin=2, accepts="real or boolean", result="float", domain="positive",
      numpy_name=None, reference="scipy.special:xlogy",
      torch_face=T("hand", inplace=True, inplace_function=True, weak=True))
comps("xlog1py", nin=2, accepts="real or boolean", result="float", domain="positive",
      numpy_name=None, reference="scipy.special:xlog1py", torch_name="special.xlog1py",
      torch_face=T("binary_float", method=False, module="special"))
prims("nextafter", nin=2, accepts="real floating", differentiable=False, errors=_BC,
      torch_face=T("binary", inplace=True, weak=False))
prims("equal", nin=2, accepts="any", result="bool", differentiable=False, errors=_BC,
      torch_face=T("hand", "eq", inplace=True, weak=True))
_CMP = T("binary", inplace=True)  # torch.less: PyTorch's promoted dtype, weak 0-d operands
prims("less less_equal", nin=2, accepts="any", result="bool", differentiable=False,
      errors=_BC, torch_face=_CMP)
comps("not_equal greater greater_equal", nin=2, accepts="any", result="bool",
      differentiable=False, errors=_BC, torch_face=_CMP)
comps("logical_and logical_or", nin=2, accepts="any", result="input_bool",
      differentiable=False, errors=_BC, torch_face=T("engine", inplace=True))
comps("logical_xor", nin=2, accepts="any", result="input_bool", differentiable=False,
      errors=_BC, torch_face=T("binary", inplace=True, weak=False))
prims("bitwise_and bitwise_or bitwise_xor", nin=2, accepts="integer or boolean",
      differentiable=False, errors=_BC_INT, torch_face=T("engine", inplace=True, weak=True))
for _n in ("left", "right"):
    prims(f"bitwise_{_n}_shift", nin=2, accepts="integer", differentiable=False, numpy_name="",
          errors=_BC_INT, aliases=(f"{_n}_shift",), torch_face=_CMP)

# --- selection -------------------------------------------------------------------------------
add_op(Op("where", 3, accepts="any", shape="pointwise", primitive=True, sig="cond, x1, x2, /",
          errors=[broadcast_error(("bool", "float32", "float32"), 3)]))
add_op(Op("clip", 1, accepts="any", shape="same", decomposition="trueno._decompositions:clip",
          sig="x, /, *, min: Scalar | None = None, max: Scalar | None = None"))
