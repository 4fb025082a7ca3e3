"""The op table: every op defined once, as one row.

Core validates each call against its row (dtypes, shapes) before any backend sees it, and the
tests are generated from these rows (``tests/test_optable_differential.py``).
"""

from __future__ import annotations

import ast
import inspect

from . import _dtypes as D

__all__ = ["Op", "OPS", "op", "add_op", "PRIMITIVES", "DOMAINS"]

# Where sample inputs of a row are drawn from (``Op.domain``; the tests' generators read this
# one table): name -> ((low, high) of floats, (low, high) of integers, inclusive). Complex
# samples take the float range for the real part; "nonzero" draws magnitudes from its range
# with a random sign (for signed dtypes).
DOMAINS = {
    "real": ((-5.0, 5.0), (-10, 10)),
    "positive": ((0.1, 5.0), (1, 10)),
    "unit": ((-0.9, 0.9), (0, 0)),
    "ge1": ((1.0, 5.0), (1, 10)),
    "nonzero": ((0.5, 5.0), (1, 10)),
    "small": ((-2.5, 2.5), (-2, 2)),  # pow, exp, sinh, ...: no overflow in float16
}


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
    shape : the shape rule: "broadcast", "reduce", "matmul", "view", a rule of
        ``_kernel_check.SHAPE_RULES`` ("same": the first input's shape, "pointwise": the
        inputs broadcast, "scan": flattened for ``axis=None``, "reduce_axis", "take", ...),
        or "custom" (data-dependent: no rule). Core checks a kernel's first result
        against the rule (``_kernel_check``).
    differentiable : whether autograd needs a rule for it.
    domain : where sample inputs are drawn from: "real", "positive", "unit" (-1, 1),
        "ge1", "nonzero" (second input), "small" (for pow/exp overflow).
    numpy_name : the NumPy function the tests compare with (None: no NumPy twin).
    torch_name : the PyTorch function the tests compare with, as a dotted path under ``torch``
        (``"special.i0e"``, ``"nn.functional.gelu"``, ``"linalg.svd"`` for ``linalg_svd``); ""
        means the row's own name (``linalg_``/``fft_`` become the submodule) and None that
        PyTorch has no twin. ``Op.torch_fn`` resolves it (None for a NumPy-only name).
    reference : for a row without a NumPy twin, the function the generated tests compare
        with, ``"module:function"`` (``"scipy.special:i0e"``), computed in float64.
    decomposition : how the op is computed from other ops on a device without a kernel of its
        own: a function, or a lazy reference ``"module:function"`` imported on first use
        (``"trueno._decompositions:softmax"``; no import cycles, no patching after import).
        It takes the op's tensor inputs (as the caller passed them, before any cast), then
        the row's parameters by keyword, and returns the op's result.
    primitive : whether the op is one of the primitive set (``PRIMITIVES``, docs/design.md
        §2.1) that every device implements; every other row has a decomposition.
    sig : the op's parameters, the way its kernels and its decomposition are called, written
        as a Python parameter list: tensor inputs first, unannotated and positional (``x, /``;
        ``*xs`` for any number), then the non-tensor parameters with their types and defaults,
        passed by keyword (``"x, /, *, axis: int | None, keepdims: bool = False"``). None:
        ``"x, /"`` or ``"x1, x2, /"`` for elementwise rows. ``Op.signature`` parses it.
    """

    __slots__ = ("name", "nin", "accepts", "result", "shape", "differentiable", "domain",
                 "numpy_name", "_decomposition", "primitive", "kcache", "kmiss", "fast",
                 "_accept_names", "sig", "_signature", "reference", "torch_name")

    def __init__(self, name, nin, accepts="numeric", result="promote", shape="broadcast",
                 differentiable=True, domain="real", numpy_name="", decomposition=None,
                 primitive=False, sig=None, reference=None, torch_name=""):
        self.name = name
        self.nin = nin
        self.accepts = D.CATEGORIES[accepts]
        self._accept_names = accepts
        self.result = result
        self.shape = _SHAPES.get(name, shape) if shape == "custom" else shape
        self.differentiable = differentiable
        self.domain = domain
        self.numpy_name = name if numpy_name == "" else numpy_name
        self._decomposition = decomposition
        self.primitive = primitive
        self.sig = sig if sig is not None else _SIGNATURES.get(name) or _default_sig(nin, shape)
        self._signature = None
        self.reference = reference
        self.torch_name = _torch_default(name) if torch_name == "" else torch_name
        self.kcache: dict = {}
        self.kmiss: set = set()  # cache keys with no kernel (the decomposition runs)
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

    @property
    def signature(self) -> inspect.Signature:
        """The row's parameters (``sig``) as an ``inspect.Signature`` (parsed once)."""
        sg = self._signature
        if sg is None:
            sg = self._signature = _parse_sig(self.name, self.sig)
        return sg

    @property
    def params(self) -> tuple[str, ...]:
        """Names of the non-tensor parameters, passed to kernels by keyword."""
        return tuple(n for n, p in self.signature.parameters.items()
                     if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
                     or (p.kind is p.POSITIONAL_ONLY and p.annotation is not p.empty))

    @property
    def domains(self) -> tuple[str, ...]:
        """The sample domain of each tensor input (``DOMAINS``): ``"nonzero"`` is the divisor's
        (the first input of a two-input row is ``"real"``)."""
        n = max(self.nin, 1)
        if self.domain == "nonzero" and n == 2:
            return ("real", "nonzero")
        return (self.domain,) * n

    def domains_for(self, dtype: str) -> tuple[str, ...]:
        """``domains`` for inputs of dtype ``dtype`` (a name): integer exponents and shift
        counts are drawn non-negative (NumPy refuses negative integer powers)."""
        over = _INTEGER_DOMAINS.get(self.name)
        if over is not None and dtype != "bool" and dtype[0] in "iu":
            return over
        if over is not None and dtype == "bool" and self.name in _SHIFTS:
            return ("real", "unit")
        return self.domains

    def torch_fn(self, torch_module):
        """The PyTorch twin (``torch_name`` looked up in ``torch_module``), or None."""
        fn = torch_module
        for part in (self.torch_name or "").split(".") if self.torch_name else ():
            fn = getattr(fn, part, None)
            if fn is None:
                return None
        return None if fn is torch_module else fn

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    __str__ = lambda self: self.name  # noqa: E731  (test ids)


# PyTorch names of rows whose twin is named differently (the rest share the row's name).
_TORCH_NAMES = {"negative": "neg", "subtract": "sub", "multiply": "mul", "divide": "div",
                "bitwise_invert": "bitwise_not", "equal": "eq", "i0e": "special.i0e",
                "gelu": "nn.functional.gelu", "silu": "nn.functional.silu",
                "vector_norm": "linalg.vector_norm", "permute_dims": "permute",
                "max": "amax", "min": "amin", "concat": "cat", "getitem": None,
                "expand": "Tensor.expand", "copy_": "Tensor.copy_",
                "take_along_axis": "take_along_dim", "degrees": "rad2deg",
                "radians": "deg2rad", "around": "round", "rint": "round",
                "index": None, "index_put": None, "to_device": None, "astype": None,
                "contiguous": None}



def _torch_default(name: str):
    """The PyTorch name of a row that does not declare one."""
    if name in _TORCH_NAMES:
        return _TORCH_NAMES[name]
    for sub in ("linalg", "fft"):
        if name.startswith(sub + "_"):
            return f"{sub}.{name[len(sub) + 1:]}"
    return name


# Per-input domains of rows whose integer samples need another domain than ``domain``.
_SHIFTS = ("bitwise_left_shift", "bitwise_right_shift")
_INTEGER_DOMAINS = {"pow": ("small", "positive"), **{n: ("real", "positive") for n in _SHIFTS}}


def _default_sig(nin: int, shape: str) -> str:
    if nin == 1:
        return "x, /"
    if nin == 2:
        return "x1, x2, /"
    if nin <= 0:
        return "*xs" if nin < 0 else ""
    return ", ".join(f"x{i + 1}" for i in range(nin)) + ", /"


def _parse_sig(name: str, text: str) -> inspect.Signature:
    """``inspect.Signature`` of a row's ``sig`` (annotations stay strings, defaults literals)."""
    P = inspect.Parameter

    def ann(x):
        return ast.unparse(x.annotation) if x.annotation is not None else P.empty

    try:
        a = ast.parse(f"def _({text}): pass").body[0].args
        pos = a.posonlyargs + a.args
        defaults = [P.empty] * (len(pos) - len(a.defaults)) + [
            ast.literal_eval(d) for d in a.defaults]
        out = [P(x.arg, P.POSITIONAL_ONLY if i < len(a.posonlyargs) else
                 P.POSITIONAL_OR_KEYWORD, default=d, annotation=ann(x))
               for i, (x, d) in enumerate(zip(pos, defaults))]
        if a.vararg is not None:
            out.append(P(a.vararg.arg, P.VAR_POSITIONAL, annotation=ann(a.vararg)))
        out += [P(x.arg, P.KEYWORD_ONLY, annotation=ann(x),
                  default=P.empty if d is None else ast.literal_eval(d))
                for x, d in zip(a.kwonlyargs, a.kw_defaults)]
        if a.kwarg is not None:
            out.append(P(a.kwarg.arg, P.VAR_KEYWORD, annotation=ann(a.kwarg)))
        return inspect.Signature(out)
    except (SyntaxError, ValueError) as exc:
        raise ValueError(f"op {name!r}: its sig {text!r} is not a Python parameter list with "
                         f"literal defaults ({exc})") from None


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

# Parameters of the rows that ``trueno.linalg``, ``trueno.fft``, ``_manipulation`` (concat) and
# ``_einsum`` add (the ``sig`` of an ``Op`` created without one).
_FFTN, _FFT1 = "x, /, *, s: tuple[int, ...] | None, axes: tuple[int, ...], norm: str | None", \
    "x, /, *, n: int | None, axis: int, norm: str | None"
_SHAPES = {  # their shape rules (_kernel_check.SHAPE_RULES)
    "concat": "concat", "linalg_inv": "same", "linalg_cholesky": "same",
    "linalg_det": "batch", "linalg_slogdet": "batch", "linalg_matrix_rank": "batch",
    "linalg_eigvals": "eigvals", "linalg_eigvalsh": "eigvals", "linalg_svdvals": "svdvals",
    "linalg_pinv": "pinv", "linalg_solve": "solve",
}
_SIGNATURES = {
    "concat": "*xs, axis: int | None = 0",
    "einsum": "*xs, subscripts: str, optimize: bool | str = False",
    **{f"fft_{n}": _FFTN for n in ("fftn", "ifftn", "rfftn", "irfftn")},
    "fft_hfft": _FFT1, "fft_ihfft": _FFT1,
    "linalg_eigh": "x, /, *, UPLO: str = 'L'", "linalg_eigvalsh": "x, /, *, UPLO: str = 'L'",
    "linalg_svd": "x, /, *, full_matrices: bool = True, hermitian: bool = False",
    "linalg_qr": "x, /, *, mode: str = 'reduced'",
    "linalg_cholesky": "x, /, *, upper: bool = False",
    "linalg_lstsq": "a, b, /, *, rcond: float | None = None",
    "linalg_pinv": "x, /, *, rcond: float | None = None, rtol: float | None = None, "
                   "hermitian: bool = False",
    "linalg_matrix_rank": "x, /, *, tol: float | None = None, hermitian: bool = False, "
                          "rtol: float | None = None",
}


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
_comps("i0e", nin=1, result="float", accepts="real or boolean", numpy_name=None,
       module="_decompositions_ufuncs", reference="scipy.special:i0e")
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
_comps("gelu", nin=1, result="float", accepts="real", numpy_name=None, module=_NN,
       sig="x, /, *, approximate: str = 'none'")
_comps("silu", nin=1, result="float", accepts="real", numpy_name=None, module=_NN)
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
_comps("xlogy", nin=2, accepts="real or boolean", result="float", domain="positive",
       numpy_name=None, reference="scipy.special:xlogy")
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
add_op(Op("where", 3, accepts="any", shape="pointwise", primitive=True, sig="cond, x1, x2, /"))
add_op(Op("clip", 1, accepts="any", shape="same", decomposition="trueno._decompositions:clip",
          sig="x, /, *, min: Scalar | None = None, max: Scalar | None = None"))
add_op(Op("copy_", 2, accepts="any", shape="custom", differentiable=False, numpy_name=None,
          primitive=True, sig="dst, src, /"))
add_op(Op("astype", 1, accepts="any", shape="custom", numpy_name=None, primitive=True,
          sig="x, dtype: DType, /"))
add_op(Op("contiguous", 1, accepts="any", shape="custom", numpy_name=None, primitive=True))

# --- reductions ------------------------------------------------------------------------------
# Reduction kernels always receive ``axis`` (normalized: a tuple of non-negative axes, or None
# for all) and ``keepdims``.
_RED = "x, /, *, axis: tuple[int, ...] | None, keepdims: bool"
_prims("sum prod", nin=1, accepts="any", result="sum", shape="reduce",
       sig=_RED + ", dtype: DType | None = None")
_prims("cumsum cumprod", nin=1, accepts="any", result="sum", shape="scan",
       sig="x, /, *, axis: int | None, dtype: DType | None = None")
_comps("mean", nin=1, accepts="any", result="float", shape="reduce", module=_NN,
       sig=_RED + ", dtype: DType | None = None")
_comps("var std", nin=1, accepts="any", result="float", shape="reduce", module=_NN,
       sig=_RED + ", correction: float = 0.0")
_prims("max min", nin=1, accepts="real or boolean", shape="reduce", numpy_name="", sig=_RED)
_prims("argmax argmin", nin=1, accepts="real or boolean", result="index", shape="reduce",
       differentiable=False, sig=_RED)
_comps("any all", nin=1, accepts="any", result="input_bool", shape="reduce",
       differentiable=False, module=_NN, sig=_RED)
_comps("logsumexp", nin=1, accepts="real", result="float", shape="reduce", numpy_name=None,
       module=_NN, sig=_RED)
_comps("vector_norm", nin=1, accepts="numeric", result="float", shape="reduce",
       numpy_name=None, module=_NN, sig=_RED + ", ord: float = 2.0")

# --- composites with fused kernels -----------------------------------------------------------
_comps("softmax log_softmax", nin=1, accepts="real", result="float", shape="same",
       numpy_name=None, module=_NN, sig="x, /, *, axis: int")
_comps("layer_norm", nin=1, accepts="real floating", shape="same", numpy_name=None,
       module=_NN, sig="x, /, *, normalized_ndim: int, weight: Tensor | None = None, "
                       "bias: Tensor | None = None, eps: float = 1e-05")
_comps("addcmul", nin=3, accepts="numeric", shape="pointwise", numpy_name=None, module=_NN,
       sig="x, t1, t2, /, *, value: Scalar = 1.0")

# --- linear algebra --------------------------------------------------------------------------
add_op(Op("matmul", 2, accepts="numeric", shape="matmul", primitive=True))
add_op(Op("conv2d", 2, accepts="real floating", shape="conv2d", numpy_name=None,
          decomposition="trueno._decompositions_nn:conv2d",
          sig="x, weight, /, *, bias: Tensor | None = None, stride: tuple[int, int] = (1, 1), "
              "padding: tuple[int, int] = (0, 0), dilation: tuple[int, int] = (1, 1), "
              "groups: int = 1"))

ELEMENTWISE_UNARY = tuple(o for o in OPS.values() if o.nin == 1 and o.shape == "broadcast")
ELEMENTWISE_BINARY = tuple(o for o in OPS.values() if o.nin == 2 and o.shape == "broadcast")
REDUCTIONS = tuple(o for o in OPS.values() if o.shape == "reduce")

# --- views: zero-copy, computed by core on metadata for every device -------------------------
for _n, _s in (("reshape", "shape: tuple[int, ...]"), ("permute_dims", "axes: tuple[int, ...]"),
               ("expand", "shape: tuple[int, ...]"), ("getitem", "key: tuple"),
               ("diagonal", "offset: int = 0, axis1: int = 0, axis2: int = 1")):
    add_op(Op(_n, 1, accepts="any", shape="view", numpy_name=None, primitive=True,
              sig="x, /, *, " + _s))
VIEWS = tuple(o for o in OPS.values() if o.shape == "view")

# --- advanced indexing (copies) --------------------------------------------------------------
add_op(Op("index", 1, accepts="any", shape="custom", numpy_name=None, primitive=True,
          sig="x, /, *, key: tuple"))
add_op(Op("index_put", 2, accepts="any", shape="custom", numpy_name=None,
          differentiable=False, primitive=True,
          sig="x, key: tuple, value, accumulate: bool = False, /"))
add_op(Op("to_device", 1, accepts="any", shape="custom", numpy_name=None, primitive=True,
          sig="x, /, *, device: Device"))

# --- sorting ---------------------------------------------------------------------------------
_SORT = "x, /, *, axis: int = -1, descending: bool = False, stable: bool = True"
add_op(Op("sort", 1, accepts="real or boolean", shape="scan", primitive=True, sig=_SORT))
add_op(Op("argsort", 1, accepts="real or boolean", result="index", shape="scan",
          differentiable=False, primitive=True, sig=_SORT))

# The primitive set (docs/design.md §2.1), read from the rows: every row is either here or has
# a decomposition (tests/test_decompositions.py checks it, from the table).
PRIMITIVES = frozenset(n for n, r in OPS.items() if r.primitive)

# The optimizer-update rows (sgd_update, adam_update), linear algebra's and the FFT's rows live
# in their own modules.
from . import _fft_rows, _linalg_rows, _optim_rows  # noqa: E402,F401
