"""Elementwise rows: math of one and two inputs, comparisons, logic, bits, ``where`` and
``clip`` (shape rule "broadcast": the inputs broadcast together)."""

from __future__ import annotations

from ._row import Op, add_op, comps, prims

_NN = "_decompositions_nn"

# --- one input -------------------------------------------------------------------------------
prims("negative", nin=1, accepts="numeric")
comps("positive square", nin=1, accepts="numeric")
prims("abs", nin=1, accepts="any", result="real")  # bool: itself, as NumPy
prims("sign", nin=1, accepts="numeric", differentiable=False)
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
prims("floor ceil trunc", nin=1, accepts="real or boolean", differentiable=False)
prims("round", nin=1, accepts="numeric", differentiable=False)
prims("signbit", nin=1, accepts="real or boolean", result="bool", differentiable=False)
prims("isnan isinf", nin=1, accepts="any", result="bool", differentiable=False)
comps("isfinite", nin=1, accepts="any", result="bool", differentiable=False)
comps("logical_not", nin=1, accepts="any", result="input_bool", differentiable=False)
prims("bitwise_invert", nin=1, accepts="integer or boolean", differentiable=False,
      numpy_name="invert")
prims("conj", nin=1, accepts="numeric")
prims("real imag", nin=1, accepts="any", result="real")
comps("gelu", nin=1, result="float", accepts="real", numpy_name=None, module=_NN,
      sig="x, /, *, approximate: str = 'none'")
comps("silu", nin=1, result="float", accepts="real", numpy_name=None, module=_NN)
comps("relu", nin=1, accepts="real", numpy_name=None, module=_NN)

# --- two inputs ------------------------------------------------------------------------------
prims("add multiply", nin=2, accepts="any")  # bool: logical or / and, as NumPy and PyTorch
prims("subtract", nin=2, accepts="numeric")
prims("divide", nin=2, accepts="any", result="float", domain="nonzero")
prims("floor_divide", nin=2, accepts="real", domain="nonzero", differentiable=False)
prims("remainder", nin=2, accepts="real", domain="nonzero")  # d/da = 1, d/db = -floor(a/b)
prims("pow", nin=2, domain="small", numpy_name="power")
prims("maximum minimum", nin=2, accepts="any")  # complex: lexicographic order, as NumPy
prims("atan2", nin=2, accepts="real or boolean", result="float")
comps("hypot logaddexp copysign", nin=2, accepts="real or boolean", result="float")
comps("xlogy", nin=2, accepts="real or boolean", result="float", domain="positive",
      numpy_name=None, reference="scipy.special:xlogy")
prims("nextafter", nin=2, accepts="real floating", differentiable=False)
prims("equal less less_equal", nin=2, accepts="any", result="bool", differentiable=False)
comps("not_equal greater greater_equal", nin=2, accepts="any", result="bool",
      differentiable=False)
comps("logical_and logical_or logical_xor", nin=2, accepts="any", result="input_bool",
      differentiable=False)
prims("bitwise_and bitwise_or bitwise_xor", nin=2, accepts="integer or boolean",
      differentiable=False)
prims("bitwise_left_shift bitwise_right_shift", nin=2, accepts="integer", differentiable=False,
      numpy_name="")

# --- selection -------------------------------------------------------------------------------
add_op(Op("where", 3, accepts="any", shape="pointwise", primitive=True, sig="cond, x1, x2, /"))
add_op(Op("clip", 1, accepts="any", shape="same", decomposition="trueno._decompositions:clip",
          sig="x, /, *, min: Scalar | None = None, max: Scalar | None = None"))
