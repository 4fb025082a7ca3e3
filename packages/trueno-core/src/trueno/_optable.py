"""The op table: every op defined once, as one row.

Core validates each call against its row (dtypes, shapes) before any backend sees it, and the
tests are generated from these rows (``tests/test_optable_differential.py``).
"""

from __future__ import annotations

from . import _dtypes as D

__all__ = ["Op", "OPS", "op", "add_op", "PRIMITIVES"]


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
    decomposition : how the op is computed from other ops on a device without a kernel of its
        own: a function, or a lazy reference ``"module:function"`` imported on first use
        (``"trueno._decompositions:softmax"``; no import cycles, no patching after import).
        It takes the op's tensor inputs (as the caller passed them, before any cast), then
        the row's parameters by keyword, and returns the op's result.
    primitive : whether the op is one of the primitive set (``PRIMITIVES``, docs/design.md
        §2.1) that every device implements; every other row has a decomposition.
    """

    __slots__ = ("name", "nin", "accepts", "result", "shape", "differentiable", "domain",
                 "numpy_name", "_decomposition", "primitive", "kcache", "fast",
                 "_accept_names")

    def __init__(self, name, nin, accepts="numeric", result="promote", shape="broadcast",
                 differentiable=True, domain="real", numpy_name="", decomposition=None,
                 primitive=False):
        self.name = name
        self.nin = nin
        self.accepts = D.CATEGORIES[accepts]
        self._accept_names = accepts
        self.result = result
        self.shape = shape
        self.differentiable = differentiable
        self.domain = domain
        self.numpy_name = name if numpy_name == "" else numpy_name
        self._decomposition = decomposition
        self.primitive = primitive
        self.kcache: dict = {}
        self.fast: dict = {}  # (device, dtype) -> (kernel, result dtype) for the hot path

    @property
    def decomposition(self):
        """The decomposition function (a lazy ``"module:function"`` is imported once here)."""
        d = self._decomposition
        if d.__class__ is str:
            d = self._decomposition = _resolve(d, self.name)
        return d

    @decomposition.setter
    def decomposition(self, fn) -> None:
        self._decomposition = fn

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    __str__ = lambda self: self.name  # noqa: E731  (test ids)


def _resolve(ref: str, name: str):
    """The function a lazy decomposition reference ``"module:function"`` names."""
    import importlib

    module, _, attr = ref.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        from ._errors import BackendError
        raise BackendError(f"op {name!r}: its decomposition {ref!r} cannot be imported "
                           f"({type(exc).__name__}: {exc})\n  hint: a decomposition is named "
                           f"'package.module:function'") from None


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


def _prims(names, **kw):
    """Rows of the primitive set (docs/design.md §2.1): every device implements them."""
    _rows(names, primitive=True, **kw)


def _comps(names, module="_decompositions", **kw):
    """Composite rows: each has a decomposition ``trueno.<module>:<name>`` into primitives."""
    for n in names.split():
        add_op(Op(n, decomposition=f"trueno.{module}:{n}", **kw))


_NN = "_decompositions_nn"

# --- elementwise, one input ------------------------------------------------------------------
_prims("negative", nin=1, accepts="numeric")
_comps("positive square", nin=1, accepts="numeric")
_prims("abs", nin=1, accepts="any", result="real")  # bool: itself, as NumPy
_prims("sign", nin=1, accepts="numeric", differentiable=False)
# Float functions take bool as NumPy does (np.sin(bool) is float16; torch.sin(bool) float32).
_prims("exp", nin=1, accepts="any", result="float", domain="small")
_comps("expm1", nin=1, accepts="any", result="float", domain="small")
_prims("sin cos tan atan", nin=1, accepts="any", result="float", domain="small")
_comps("sinh cosh tanh asinh", nin=1, accepts="any", result="float", domain="small")
_prims("log sqrt", nin=1, accepts="any", result="float", domain="positive")
_comps("log2 log10", nin=1, accepts="any", result="float", domain="positive")
_comps("log1p", nin=1, accepts="any", result="float", domain="positive")
_prims("asin acos", nin=1, accepts="any", result="float", domain="unit")
_comps("atanh", nin=1, accepts="any", result="float", domain="unit")
_comps("acosh", nin=1, accepts="any", result="float", domain="ge1")
_comps("reciprocal", nin=1, result="numpy_promote", domain="positive")
_comps("sigmoid", nin=1, result="float", accepts="real", numpy_name=None, module=_NN)
_prims("erf", nin=1, result="float", accepts="real", numpy_name=None)
_prims("floor ceil trunc", nin=1, accepts="real or boolean", differentiable=False)
_prims("round", nin=1, accepts="numeric", differentiable=False)
_prims("signbit", nin=1, accepts="real or boolean", result="bool", differentiable=False)
_prims("isnan isinf", nin=1, accepts="any", result="bool", differentiable=False)
_comps("isfinite", nin=1, accepts="any", result="bool", differentiable=False)
_comps("logical_not", nin=1, accepts="any", result="input_bool", differentiable=False)
_prims("bitwise_invert", nin=1, accepts="integer or boolean", differentiable=False,
       numpy_name="invert")
_prims("conj", nin=1, accepts="numeric")
_prims("real imag", nin=1, accepts="any", result="real")
_comps("gelu silu", nin=1, result="float", accepts="real", numpy_name=None, module=_NN)
_comps("relu", nin=1, accepts="real", numpy_name=None, module=_NN)

# --- elementwise, two inputs -----------------------------------------------------------------
_prims("add multiply", nin=2, accepts="any")  # bool: logical or / and, as NumPy and PyTorch
_prims("subtract", nin=2, accepts="numeric")
_prims("divide", nin=2, accepts="any", result="float", domain="nonzero")
_prims("floor_divide", nin=2, accepts="real", domain="nonzero", differentiable=False)
_prims("remainder", nin=2, accepts="real", domain="nonzero")  # d/da = 1, d/db = -floor(a/b)
_prims("pow", nin=2, domain="small", numpy_name="power")
_prims("maximum minimum", nin=2, accepts="any")  # complex: lexicographic order, as NumPy
_prims("atan2", nin=2, accepts="real or boolean", result="float")
_comps("hypot logaddexp copysign", nin=2, accepts="real or boolean", result="float")
_prims("nextafter", nin=2, accepts="real floating", differentiable=False)
_prims("equal less less_equal", nin=2, accepts="any", result="bool", differentiable=False)
_comps("not_equal greater greater_equal", nin=2, accepts="any", result="bool",
       differentiable=False)
_comps("logical_and logical_or logical_xor", nin=2, accepts="any", result="input_bool",
       differentiable=False)
_prims("bitwise_and bitwise_or bitwise_xor", nin=2, accepts="integer or boolean",
       differentiable=False)
_prims("bitwise_left_shift bitwise_right_shift", nin=2, accepts="integer", differentiable=False,
       numpy_name="")
add_op(Op("where", 3, accepts="any", shape="custom", primitive=True))
add_op(Op("clip", 1, accepts="any", shape="custom", decomposition="trueno._decompositions:clip"))
add_op(Op("copy_", 2, accepts="any", shape="custom", differentiable=False, numpy_name=None,
          primitive=True))
add_op(Op("astype", 1, accepts="any", shape="custom", numpy_name=None, primitive=True))
add_op(Op("contiguous", 1, accepts="any", shape="custom", numpy_name=None, primitive=True))

# --- reductions ------------------------------------------------------------------------------
_prims("sum prod", nin=1, accepts="any", result="sum", shape="reduce")
_prims("cumsum cumprod", nin=1, accepts="any", result="sum", shape="custom")
_comps("mean", nin=1, accepts="any", result="float", shape="reduce", module=_NN)
_comps("var std", nin=1, accepts="any", result="float", shape="reduce", module=_NN)
_prims("max min", nin=1, accepts="real or boolean", shape="reduce", numpy_name="")
_prims("argmax argmin", nin=1, accepts="real or boolean", result="index", shape="reduce",
       differentiable=False)
_comps("any all", nin=1, accepts="any", result="input_bool", shape="reduce",
       differentiable=False, module=_NN)
_comps("logsumexp", nin=1, accepts="real", result="float", shape="reduce", numpy_name=None,
       module=_NN)
_comps("vector_norm", nin=1, accepts="numeric", result="float", shape="reduce",
       numpy_name=None, module=_NN)

# --- composites with fused kernels -----------------------------------------------------------
_comps("softmax log_softmax", nin=1, accepts="real", result="float", shape="custom",
       numpy_name=None, module=_NN)
_comps("layer_norm", nin=1, accepts="real floating", shape="custom", numpy_name=None,
       module=_NN)
_comps("addcmul", nin=3, accepts="numeric", shape="custom", numpy_name=None, module=_NN)

# --- linear algebra --------------------------------------------------------------------------
add_op(Op("matmul", 2, accepts="numeric", shape="matmul", primitive=True))
add_op(Op("conv2d", 2, accepts="real floating", shape="custom", numpy_name=None,
          decomposition="trueno._decompositions_nn:conv2d"))

ELEMENTWISE_UNARY = tuple(o for o in OPS.values() if o.nin == 1 and o.shape == "broadcast")
ELEMENTWISE_BINARY = tuple(o for o in OPS.values() if o.nin == 2 and o.shape == "broadcast")
REDUCTIONS = tuple(o for o in OPS.values() if o.shape == "reduce")

# --- views: zero-copy, computed by core on metadata for every device -------------------------
for _n in ("reshape", "permute_dims", "expand", "getitem", "diagonal"):
    add_op(Op(_n, 1, accepts="any", shape="view", numpy_name=None, primitive=True))
VIEWS = tuple(o for o in OPS.values() if o.shape == "view")

# --- advanced indexing (copies) --------------------------------------------------------------
add_op(Op("index", 1, accepts="any", shape="custom", numpy_name=None, primitive=True))
add_op(Op("index_put", 2, accepts="any", shape="custom", numpy_name=None,
          differentiable=False, primitive=True))
add_op(Op("to_device", 1, accepts="any", shape="custom", numpy_name=None, primitive=True))

# --- sorting ---------------------------------------------------------------------------------
add_op(Op("sort", 1, accepts="real or boolean", shape="custom", primitive=True))
add_op(Op("argsort", 1, accepts="real or boolean", result="index", shape="custom",
          differentiable=False, primitive=True))

# The primitive set (docs/design.md §2.1), read from the rows: every row is either here or has
# a decomposition (tests/test_decompositions.py checks it, from the table).
PRIMITIVES = frozenset(n for n, r in OPS.items() if r.primitive)
