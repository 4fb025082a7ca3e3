"""The row: ``Op`` (what one op declares), the table ``OPS`` and the helpers the family modules
declare their rows with (``add_op``, ``prims``, ``comps``, ``numpy_row``), and ``DOMAINS``, the
sample ranges the generated tests draw from."""

from __future__ import annotations

import ast
import inspect
from typing import NamedTuple

from .. import _dtypes as D
from .._errors import AxisError, DTypeError, ShapeError

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


class ErrorInput(NamedTuple):
    """One error input of a row (``Op.errors``): the row's public function (``trueno.<name>``;
    ``trueno.linalg.<name>`` for ``linalg_<name>``) called with tensors of ``shapes`` (sampled
    from the row's domain, of ``dtype``: one name, or one per input) and the keyword arguments
    ``params`` raises ``error`` with a message matching the regular expression ``match``. A
    row with a NumPy twin states NumPy's error: NumPy raises too, with a built-in class that
    ``error`` subclasses (DESIGN.md §5)."""

    shapes: tuple
    error: type
    match: str = ""
    params: dict | None = None
    dtype: str | tuple[str, ...] = "float32"


def broadcast_error(dtype: str = "float32", nin: int = 2) -> ErrorInput:
    """Inputs whose shapes do not broadcast: ShapeError."""
    return ErrorInput(((2, 3), (4,), (2, 1))[:nin], ShapeError, "cannot be broadcast",
                      dtype=dtype)


def dtype_error(dtype: str, nin: int = 1) -> ErrorInput:
    """Inputs of a dtype the row does not accept: DTypeError."""
    return ErrorInput(((2, 3),) * nin, DTypeError, f"dtype {dtype} is not supported",
                      dtype=dtype)


def axis_error(axis: int = 2, **params) -> ErrorInput:
    """A 2-D input and ``axis`` out of its range: AxisError."""
    return ErrorInput(((2, 3),), AxisError, "out of bounds", {"axis": axis, **params})


class TorchFace(NamedTuple):
    """How the PyTorch face binds a row (``Op.torch_face``; ``trueno.torch._ops_pointwise``
    makes the functions, ``_tensor_methods`` the methods, ``_promotion`` the weak operands).

    kind : how ``torch.<name>`` is made from the engine function of the row (the NumPy face's
        function of the same name): "engine" (that function itself), "tensor" (the function
        of the input as a tensor), "float" (integer and bool inputs cast to the default float
        dtype first), "binary" (both inputs computed in PyTorch's promoted dtype),
        "binary_float" (that dtype, made floating: the default float for integers and bools),
        or "hand" (the face writes the function by hand, in ``_functions`` or
        ``_ops_pointwise``: the row gives its names and what is bound from it).
    names : the public names (``torch.asin`` and ``torch.arcsin`` are one function); empty:
        the row's name.
    method : whether each name is also a ``Tensor`` method (``x.hypot(y)``).
    inplace : whether ``x.<name>_(...)`` exists (the result written back, PyTorch's casting).
    inplace_function : whether ``torch.<name>_(x, ...)`` exists.
    weak : whether a 0-d tensor beside a tensor with dimensions is a weak operand, as in
        PyTorch's TensorIterator (two-input rows; ``_promotion.install``).
    module : the submodule of ``torch`` the names live in: "" (``torch.<name>``) or
        "special" (``torch.special.<name>``, bound by ``trueno.torch.special``; no methods,
        in-place forms or weak wrapping there).
    """

    kind: str
    names: tuple[str, ...] = ()
    method: bool = True
    inplace: bool = False
    inplace_function: bool = False
    weak: bool = False
    module: str = ""


TORCH_KINDS = ("engine", "tensor", "float", "binary", "binary_float", "hand")


TORCH_MODULES = ("", "special")


def torch_face(kind: str, *names: str, method: bool = True, inplace: bool = False,
               inplace_function: bool = False, weak: bool | None = None,
               module: str = "") -> TorchFace:
    """A ``TorchFace`` (``weak`` defaults to True for the two-input kinds of ``torch``)."""
    if kind not in TORCH_KINDS:
        raise ValueError(f"torch_face: kind {kind!r} is not one of {TORCH_KINDS}")
    if module not in TORCH_MODULES:
        raise ValueError(f"torch_face: module {module!r} is not one of {TORCH_MODULES}")
    if module and (method or inplace or inplace_function or weak):
        raise ValueError(f"torch_face: torch.{module} has functions only (method=False, no "
                         f"in-place or weak forms)")
    if weak is None:
        weak = kind.startswith("binary") and not module
    return TorchFace(kind, names, method, inplace, inplace_function, weak, module)


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
    errors : error inputs (``ErrorInput``): calls of the row's public function that must raise
        a given trueno error (a broadcast mismatch, an axis out of range, a dtype the row does
        not accept, ...); ``tests/test_optable_error_inputs.py`` is generated from them.
    numpy_face : how the NumPy face binds an elementwise row (``trueno._elementwise`` and
        ``trueno._numpy_elementwise`` make the functions, ``trueno._ufunc`` the ufuncs):
        "ufunc" (a function with NumPy's ufunc keywords and methods), "function" (a plain
        function), or None (not on the NumPy face). "" (the default): "ufunc" where NumPy's
        function of ``numpy_name`` is a ufunc, else "function".
    aliases : other names of the same function on the NumPy face (NumPy's spellings:
        ``arccos`` for ``acos``); each is a ufunc where NumPy's of that name is one.
    torch_face : how the PyTorch face binds the row (``TorchFace``; ``torch_face(...)`` makes
        one), or None where the face writes its function by hand or has none.
    """

    __slots__ = ("name", "nin", "accepts", "result", "shape", "differentiable", "domain",
                 "numpy_name", "_decomposition", "primitive", "kcache", "kmiss", "fast",
                 "_accept_names", "sig", "_signature", "reference", "torch_name", "errors",
                 "numpy_face", "aliases", "torch_face")

    def __init__(self, name, nin, accepts="numeric", result="promote", shape="broadcast",
                 differentiable=True, domain="real", numpy_name="", decomposition=None,
                 primitive=False, sig=None, reference=None, torch_name="", errors=(),
                 numpy_face="", aliases=(), torch_face=None):
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
        self.sig = sig if sig is not None else _default_sig(nin, shape)
        self._signature = None
        self.reference = reference
        self.torch_name = _torch_default(name) if torch_name == "" else torch_name
        self.errors: tuple[ErrorInput, ...] = tuple(errors)
        self.numpy_face = _numpy_kind(self.numpy_name) if numpy_face == "" else numpy_face
        self.aliases: tuple[str, ...] = tuple(aliases)
        self.torch_face: TorchFace | None = torch_face
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

    @property
    def numpy_names(self) -> tuple[str, ...]:
        """The row's public names on the NumPy face: its name and ``aliases`` (empty when
        ``numpy_face`` is None)."""
        return () if self.numpy_face is None else (self.name, *self.aliases)

    @property
    def torch_names(self) -> tuple[str, ...]:
        """The row's public names on the PyTorch face made from its ``torch_face``."""
        f = self.torch_face
        return () if f is None else (f.names or (self.name,))

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



def _numpy_kind(numpy_name) -> str:
    """``numpy_face``'s default: "ufunc" where NumPy's function of that name is a ufunc."""
    import numpy as np
    return "ufunc" if isinstance(getattr(np, numpy_name or "", None), np.ufunc) else "function"


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
        from .._errors import BackendError
        raise BackendError(f"op {name!r}: its decomposition {ref!r} cannot be imported "
                           f"({type(exc).__name__}: {exc})\n  hint: a decomposition is named "
                           f"'package.module:function'") from None


OPS: dict[str, Op] = {}

# NumPy-surface rows (``numpy_row``): name -> number of tensor inputs. Their reference kernels are
# in ``_reference/_surface.py``, one per name (``_surface_ops.SURFACE_OPS`` is this dict).
SURFACE_OPS: dict[str, int] = {}


def add_op(row: Op) -> Op:
    """Add a row to the table (also what ``registry.add_op`` calls)."""
    OPS[row.name] = row
    return row


def op(name: str) -> Op:
    """The row named ``name``."""
    return OPS[name]


def rows(names: str, **kw) -> None:
    """Rows ``names`` (space-separated), all declared with ``Op(name, **kw)``."""
    for n in names.split():
        add_op(Op(n, **kw))


def prims(names: str, **kw) -> None:
    """Rows of the primitive set (docs/design.md §2.1): every device implements them."""
    rows(names, primitive=True, **kw)


def comps(names: str, module: str = "_decompositions", **kw) -> None:
    """Composite rows: each has a decomposition ``trueno.<module>:<name>`` into primitives."""
    for n in names.split():
        add_op(Op(n, decomposition=f"trueno.{module}:{n}", **kw))


def numpy_row(name: str, nin: int, sig: str, *, shape: str = "custom",
              decomposition: str | None = None, differentiable: bool = False,
              numpy_name: str | None = "", errors=()) -> Op:
    """A row of the NumPy surface (a gather, a set, a statistic, ...): any dtype, its reference
    kernel in ``_reference/_surface.py`` (``SURFACE_OPS``); ``shape`` "custom" for results
    whose shape depends on the data."""
    SURFACE_OPS[name] = nin
    return add_op(Op(name, nin, accepts="any", shape=shape, differentiable=differentiable,
                     numpy_name=numpy_name, decomposition=decomposition, sig=sig,
                     errors=errors))
