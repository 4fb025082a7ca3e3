"""Elementwise rows: math of one and two inputs, comparisons, logic, bits, ``where`` and
``clip`` (shape rule "broadcast": the inputs broadcast together)."""

from __future__ import annotations

from ._row import Op, add_op, broadcast_error, comps, dtype_error, prims

_NN = "_decompositions_nn"

# --- one input -------------------------------------------------------------------------------
prims("negative", nin=1, accepts="numeric", errors=[dtype_error("bool")])
comps("positive", nin=1, accepts="numeric", errors=[dtype_error("bool")])
comps("square", nin=1, accepts="numeric")
prims("abs", nin=1, accepts="any", result="real")  # bool: itself, as NumPy
prims("sign", nin=1, accepts="numeric", differentiable=False, errors=[dtype_error("bool")])
# Float functions take bool as NumPy does (np.sin(bool) is float16; torch.sin(bool) float32).
prims("exp", nin=1, accepts="any", result="float", domain="small")
comps("expm1", nin=1, accepts="any", result="float", domain="small")
prims("sin cos tan atan", nin=1, accepts="any", result="float", domain="small")
comps("sinh cosh tanh asinh", nin=1, accepts="any", result="float", domain="small")
prims("log sqrt", nin=1, accepts="any", result="float", domain="positive")
comps("log2 log10", nin=1, accepts="any", result="float", domain="positive")
comps("log1p", nin=1, accepts="any", result="float", domain="positive")
prims("asin acos", nin=1, accepts="any", result="float", domain="unit")
comps("atanh", nin=1, accepts="any", result="float", domain="unit")
comps("acosh", nin=1, accepts="any", result="float", domain="ge1")
comps("reciprocal", nin=1, result="numpy_promote", domain="positive")
comps("sigmoid", nin=1, result="float", accepts="real", numpy_name=None, module=_NN)
prims("erf", nin=1, result="float", accepts="real", numpy_name=None)
comps("i0e", nin=1, result="float", accepts="real or boolean", numpy_name=None,
      module="_decompositions_ufuncs", reference="scipy.special:i0e")
prims("floor ceil trunc", nin=1, accepts="real or boolean", differentiable=False,
      errors=[dtype_error("complex64")])
prims("round", nin=1, accepts="numeric", differentiable=False)
prims("signbit", nin=1, accepts="real or boolean", result="bool", differentiable=False,
      errors=[dtype_error("complex64")])
prims("isnan isinf", nin=1, accepts="any", result="bool", differentiable=False)
comps("isfinite", nin=1, accepts="any", result="bool", differentiable=False)
comps("logical_not", nin=1, accepts="any", result="input_bool", differentiable=False)
prims("bitwise_invert", nin=1, accepts="integer or boolean", differentiable=False,
      numpy_name="invert", errors=[dtype_error("float32")])
prims("conj", nin=1, accepts="numeric")
prims("real imag", nin=1, accepts="any", result="real")
comps("gelu", nin=1, result="float", accepts="real", numpy_name=None, module=_NN,
      sig="x, /, *, approximate: str = 'none'")
comps("silu", nin=1, result="float", accepts="real", numpy_name=None, module=_NN)
comps("relu", nin=1, accepts="real", numpy_name=None, module=_NN)

# Error inputs (``Op.errors``): shapes that do not broadcast, and a dtype the row refuses.
_BC = [broadcast_error()]
_BC_REAL = [*_BC, dtype_error("complex64", 2)]
_BC_INT = [broadcast_error("int32"), dtype_error("float32", 2)]

# --- two inputs ------------------------------------------------------------------------------
# add/multiply of bools: logical or / and, as NumPy and PyTorch
prims("add multiply", nin=2, accepts="any", errors=_BC)
prims("subtract", nin=2, accepts="numeric", errors=[*_BC, dtype_error("bool", 2)])
prims("divide", nin=2, accepts="any", result="float", domain="nonzero", errors=_BC)
prims("floor_divide", nin=2, accepts="real", domain="nonzero", differentiable=False,
      errors=_BC_REAL)
# remainder: d/da = 1, d/db = -floor(a/b)
prims("remainder", nin=2, accepts="real", domain="nonzero", errors=_BC_REAL)
prims("pow", nin=2, domain="small", numpy_name="power", errors=_BC)
# maximum/minimum of complex: lexicographic order, as NumPy
prims("maximum minimum", nin=2, accepts="any", errors=_BC)
prims("atan2", nin=2, accepts="real or boolean", result="float", errors=_BC_REAL)
comps("hypot logaddexp copysign", nin=2, accepts="real or boolean", result="float",
      errors=_BC_REAL)
comps("xlogy", nin=2, accepts="real or boolean", result="float", domain="positive",
      numpy_name=None, reference="scipy.special:xlogy")
prims("nextafter", nin=2, accepts="real floating", differentiable=False, errors=_BC)
prims("equal less less_equal", nin=2, accepts="any", result="bool", differentiable=False,
      errors=_BC)
comps("not_equal greater greater_equal", nin=2, accepts="any", result="bool",
      differentiable=False, errors=_BC)
comps("logical_and logical_or logical_xor", nin=2, accepts="any", result="input_bool",
      differentiable=False, errors=_BC)
prims("bitwise_and bitwise_or bitwise_xor", nin=2, accepts="integer or boolean",
      differentiable=False, errors=_BC_INT)
prims("bitwise_left_shift bitwise_right_shift", nin=2, accepts="integer", differentiable=False,
      numpy_name="", errors=_BC_INT)

# --- selection -------------------------------------------------------------------------------
add_op(Op("where", 3, accepts="any", shape="pointwise", primitive=True, sig="cond, x1, x2, /",
          errors=[broadcast_error(("bool", "float32", "float32"), 3)]))
add_op(Op("clip", 1, accepts="any", shape="same", decomposition="trueno._decompositions:clip",
          sig="x, /, *, min: Scalar | None = None, max: Scalar | None = None"))
