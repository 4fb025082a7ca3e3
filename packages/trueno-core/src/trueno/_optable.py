"""The op table: every op defined once, as one row.

Core validates each call against its row (dtypes, shapes) before any backend sees it, and the
tests are generated from these rows (``tests/test_optable_differential.py``).
"""

from __future__ import annotations

from . import _dtypes as D

__all__ = ["Op", "OPS", "op", "add_op"]


class Op:
    """One op: its name, arity, dtype rule, shape rule, and what the tests need to know.

    Parameters
    ----------
    name : the op's name; kernels are registered under it.
    nin : number of tensor inputs.
    accepts : dtype category (see ``_dtypes.CATEGORIES``) of the inputs.
    result : dtype rule. "promote": the promoted input dtype; "float": promoted, then for
        bool/int the smallest float that holds them on the NumPy face (np.sin(int8) is
        float16; divide gives float64) and the default float on the PyTorch face; "bool":
        bool output (inputs promoted); "real": like "promote" but complex gives its real
        dtype; "index": int64; "sum": bool and small ints widen to int64/uint64;
        "input_bool": inputs cast to bool, bool output; "numpy_promote": "promote" on the
        NumPy face (np.reciprocal(int) is integer), "float" on the PyTorch face.
    shape : "broadcast", "reduce", "matmul", "view" or "custom".
    differentiable : whether autograd needs a rule for it.
    domain : where sample inputs are drawn from: "real", "positive", "unit" (-1, 1),
        "ge1", "nonzero" (second input), "small" (for pow/exp overflow).
    numpy_name : the NumPy function the tests compare with (None: no NumPy twin).
    decomposition : a function in trueno ops that computes the op on any backend.
    """

    __slots__ = ("name", "nin", "accepts", "result", "shape", "differentiable", "domain",
                 "numpy_name", "decomposition", "kcache", "fast", "_accept_names")

    def __init__(self, name, nin, accepts="numeric", result="promote", shape="broadcast",
                 differentiable=True, domain="real", numpy_name="", decomposition=None):
        self.name = name
        self.nin = nin
        self.accepts = D.CATEGORIES[accepts]
        self._accept_names = accepts
        self.result = result
        self.shape = shape
        self.differentiable = differentiable
        self.domain = domain
        self.numpy_name = name if numpy_name == "" else numpy_name
        self.decomposition = decomposition
        self.kcache: dict = {}
        self.fast: dict = {}  # (device, dtype) -> (kernel, result dtype) for the hot path

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    __str__ = lambda self: self.name  # noqa: E731  (test ids)


OPS: dict[str, Op] = {}


def add_op(row: Op) -> Op:
    """Add a row to the table (also what ``registry.add_op`` calls)."""
    OPS[row.name] = row
    return row


def op(name: str) -> Op:
    return OPS[name]


def _rows(names, **kw):
    for n in names.split():
        add_op(Op(n, **kw))


# --- elementwise, one input ------------------------------------------------------------------
_rows("negative positive square", nin=1, accepts="numeric")
_rows("abs", nin=1, accepts="any", result="real")  # bool: itself, as NumPy
_rows("sign", nin=1, accepts="numeric", differentiable=False)
# Float functions take bool as NumPy does (np.sin(bool) is float16; torch.sin(bool) float32).
_rows("exp", nin=1, accepts="any", result="float", domain="small")
_rows("expm1", nin=1, accepts="any", result="float", domain="small")
_rows("sin cos tan atan sinh cosh tanh asinh", nin=1, accepts="any", result="float",
      domain="small")
_rows("log sqrt log2 log10", nin=1, accepts="any", result="float", domain="positive")
_rows("log1p", nin=1, accepts="any", result="float", domain="positive")
_rows("asin acos atanh", nin=1, accepts="any", result="float", domain="unit")
_rows("acosh", nin=1, accepts="any", result="float", domain="ge1")
_rows("reciprocal", nin=1, result="numpy_promote", domain="positive")
_rows("sigmoid", nin=1, result="float", accepts="real", numpy_name=None)
_rows("erf", nin=1, result="float", accepts="real", numpy_name=None)
_rows("floor ceil trunc", nin=1, accepts="real or boolean", differentiable=False)
_rows("round", nin=1, accepts="numeric", differentiable=False)
_rows("signbit", nin=1, accepts="real or boolean", result="bool", differentiable=False)
_rows("isnan isinf isfinite", nin=1, accepts="any", result="bool", differentiable=False)
_rows("logical_not", nin=1, accepts="any", result="input_bool", differentiable=False)
_rows("bitwise_invert", nin=1, accepts="integer or boolean", differentiable=False,
      numpy_name="invert")
_rows("conj", nin=1, accepts="numeric")
_rows("real imag", nin=1, accepts="any", result="real")
_rows("gelu silu", nin=1, result="float", accepts="real", numpy_name=None)
_rows("relu", nin=1, accepts="real", numpy_name=None)

# --- elementwise, two inputs -----------------------------------------------------------------
_rows("add multiply", nin=2, accepts="any")  # bool: logical or / and, as NumPy and PyTorch
_rows("subtract", nin=2, accepts="numeric")
_rows("divide", nin=2, accepts="any", result="float", domain="nonzero")
_rows("floor_divide", nin=2, accepts="real", domain="nonzero", differentiable=False)
_rows("remainder", nin=2, accepts="real", domain="nonzero")  # d/da = 1, d/db = -floor(a/b)
_rows("pow", nin=2, domain="small", numpy_name="power")
_rows("maximum minimum", nin=2, accepts="any")  # complex: lexicographic order, as NumPy
_rows("atan2 hypot logaddexp copysign", nin=2, accepts="real or boolean", result="float")
_rows("nextafter", nin=2, accepts="real floating", differentiable=False)
_rows("equal not_equal less less_equal greater greater_equal", nin=2, accepts="any",
      result="bool", differentiable=False)
_rows("logical_and logical_or logical_xor", nin=2, accepts="any", result="input_bool",
      differentiable=False)
_rows("bitwise_and bitwise_or bitwise_xor", nin=2, accepts="integer or boolean",
      differentiable=False)
_rows("bitwise_left_shift bitwise_right_shift", nin=2, accepts="integer", differentiable=False,
      numpy_name="")
add_op(Op("where", 3, accepts="any", shape="custom"))
add_op(Op("clip", 1, accepts="any", shape="custom"))
add_op(Op("copy_", 2, accepts="any", shape="custom", differentiable=False, numpy_name=None))
add_op(Op("astype", 1, accepts="any", shape="custom", numpy_name=None))
add_op(Op("contiguous", 1, accepts="any", shape="custom", numpy_name=None))

# --- reductions ------------------------------------------------------------------------------
_rows("sum prod", nin=1, accepts="any", result="sum", shape="reduce")
_rows("cumsum cumprod", nin=1, accepts="any", result="sum", shape="custom")
_rows("mean", nin=1, accepts="any", result="float", shape="reduce")
_rows("var std", nin=1, accepts="any", result="float", shape="reduce")
_rows("max min", nin=1, accepts="real or boolean", shape="reduce", numpy_name="")
_rows("argmax argmin", nin=1, accepts="real or boolean", result="index", shape="reduce",
      differentiable=False)
_rows("any all", nin=1, accepts="any", result="input_bool", shape="reduce",
      differentiable=False)
_rows("logsumexp", nin=1, accepts="real", result="float", shape="reduce", numpy_name=None)
_rows("vector_norm", nin=1, accepts="numeric", result="float", shape="reduce",
      numpy_name=None)

# --- composites with fused kernels -----------------------------------------------------------
_rows("softmax log_softmax", nin=1, accepts="real", result="float", shape="custom",
      numpy_name=None)
add_op(Op("layer_norm", 1, accepts="real floating", shape="custom", numpy_name=None))
add_op(Op("addcmul", 3, accepts="numeric", shape="custom", numpy_name=None))

# --- linear algebra --------------------------------------------------------------------------
add_op(Op("matmul", 2, accepts="numeric", shape="matmul"))
add_op(Op("conv2d", 2, accepts="real floating", shape="custom", numpy_name=None))

ELEMENTWISE_UNARY = tuple(o for o in OPS.values() if o.nin == 1 and o.shape == "broadcast")
ELEMENTWISE_BINARY = tuple(o for o in OPS.values() if o.nin == 2 and o.shape == "broadcast")
REDUCTIONS = tuple(o for o in OPS.values() if o.shape == "reduce")

# --- views: zero-copy, computed by core on metadata for every device -------------------------
for _n in ("reshape", "permute_dims", "expand", "getitem", "diagonal"):
    add_op(Op(_n, 1, accepts="any", shape="view", numpy_name=None))
VIEWS = tuple(o for o in OPS.values() if o.shape == "view")

# --- advanced indexing (copies) --------------------------------------------------------------
add_op(Op("index", 1, accepts="any", shape="custom", numpy_name=None))
add_op(Op("index_put", 2, accepts="any", shape="custom", numpy_name=None,
          differentiable=False))
add_op(Op("to_device", 1, accepts="any", shape="custom", numpy_name=None))

# --- sorting ---------------------------------------------------------------------------------
add_op(Op("sort", 1, accepts="real or boolean", shape="custom"))
add_op(Op("argsort", 1, accepts="real or boolean", result="index", shape="custom",
          differentiable=False))
