"""Tensor methods of the PyTorch face bound from its functions, and their in-place ``name_``
variants (with PyTorch's dtype and shape checks); ``torch.name_`` function forms too.

``bind()`` runs once, when ``trueno.torch`` is imported, after every function module exists.
"""

from __future__ import annotations

import inspect
import types

from .._optable._faces import torch_rows
from ._errors import TorchDTypeError, check_inplace, torch_name
from ._promotion import weak_pair
from ._tensor import Tensor

__all__ = ["bind", "INPLACE_FUNCTIONS"]



def _row_names(flag: str) -> list[str]:
    """The PyTorch-face names of the rows whose ``torch_face`` has ``flag`` set."""
    return [n for r in torch_rows() if getattr(r.torch_face, flag) for n in r.torch_names]


# Methods that call the torch function of the same name with ``self`` first: the rows' with a
# ``torch_face`` (``method``), then the functions written by hand.
_FROM_FUNCTIONS = _row_names("method") + (
    # _functions
    "rsqrt ne lt le gt ge matmul mm bmm dot softmax log_softmax allclose equal gather "
    "index_select topk outer isclose "
    # _ops_pointwise
    "sgn frac logit lerp addcmul addcdiv clamp_min clamp_max conj_physical resolve_conj "
    "resolve_neg is_conj is_neg is_signed is_nonzero is_same_size absolute "
    # _ops_shape
    "fliplr flipud roll rot90 tril triu diag diag_embed diagflat narrow narrow_copy select "
    "movedim swapdims adjoint ravel repeat_interleave hsplit vsplit dsplit tensor_split "
    "split_with_sizes unsafe_split unsafe_chunk unsafe_split_with_sizes unbind take trace "
    "kron cross diff unfold broadcast_to "
    # _ops_index
    "scatter scatter_add scatter_reduce index_add index_copy index_fill index_put index_put_ "
    "masked_select masked_scatter put take_along_dim count_nonzero argwhere "
    # _ops_reduce
    "median nanmedian kthvalue mode quantile nanquantile aminmax cummax cummin logcumsumexp "
    "nansum nanmean msort unique unique_consecutive bincount histc histogram cov corrcoef "
    "dist renorm "
    # _ops_linalg
    "addmm addbmm baddbmm addmv addr mv ger inner vdot matrix_power det logdet slogdet "
    "inverse pinverse matrix_exp cholesky cholesky_inverse cholesky_solve qr svd "
    "triangular_solve "
    # _ops_misc
    "diagonal_scatter select_scatter slice_scatter erfc erfinv lgamma digamma mvlgamma "
    "hardshrink prelu "
    # _ops_extra
    "lu lu_solve geqrf orgqr ormqr igamma igammac index_reduce stft istft "
    "as_strided as_strided_ as_strided_scatter hash_tensor"
).split()

# ``x.name_(...)``: compute ``x.name(...)`` and write it back (PyTorch's casting rule); the
# rows' (``inplace``), then by hand.
_INPLACE = _row_names("inplace") + (
    "absolute addcdiv addcmul clamp clamp_max clamp_min clip conj_physical frac ge gt le lerp "
    "logit lt ne rsqrt sgn tril triu scatter scatter_add scatter_reduce index_add index_copy "
    "index_fill masked_scatter put cumsum cumprod renorm addmm addbmm baddbmm addmv addr erfc "
    "erfinv lgamma digamma mvlgamma igamma igammac index_reduce polygamma"
).split()

# ``x.name_(...)`` that changes the tensor's shape or strides (a new view of the same memory)
_INPLACE_VIEWS = "t transpose swapaxes swapdims squeeze unsqueeze".split()

# ``torch.name_(x, ...)``: the function form of an in-place method; the rows'
# (``inplace_function``), then by hand.
INPLACE_FUNCTIONS = _row_names("inplace_function") + (
    "clamp clamp_max clamp_min clip conj_physical fill frac logit rsqrt zero addmv erfc detach"
).split()


def _method(fn, name):
    code = getattr(fn, "__code__", None)
    if code is not None and code.co_argcount == 1 and not code.co_kwonlyargcount and \
            not code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        # a function of the tensor alone (``relu``, a row's ``exp``): the method is a copy of
        # it (same code, globals and closure; its own name), one Python frame, not two
        method = types.FunctionType(code, fn.__globals__, name, fn.__defaults__, fn.__closure__)
    else:
        def method(self, *args, **kwargs):
            return fn(self, *args, **kwargs)
    method.__name__ = name
    method.__qualname__ = f"Tensor.{name}"
    method.__doc__ = f"``x.{name}(...)`` is ``torch.{name}(x, ...)``."
    return method


def _inplace(name):
    def method(self, *args, **kwargs):
        out = getattr(self, name)(*args, **kwargs)
        check_inplace(name, self, out)
        self._assign(out)
        return self
    method.__name__ = name + "_"
    method.__qualname__ = f"Tensor.{name}_"
    method.__doc__ = (f"``x.{name}_(...)``: ``x.{name}(...)`` written into ``x`` (a result "
                      f"dtype PyTorch cannot cast back, float into an int tensor, raises).")
    return method


def _float_power_(self, exponent):
    """``x.float_power_(e)``: only a float64 (or complex128) ``x`` can hold the result."""
    out = self.float_power(exponent)
    if out._dtype is not self._dtype:
        raise TorchDTypeError(f"the base given to float_power_ has dtype "
                              f"{torch_name(self.dtype)} but the operation's result requires "
                              f"dtype {torch_name(out.dtype)}\n  hint: x.double().float_power_"
                              f"(e) or x = x.float_power(e)")
    self._assign(out)
    return self


def _view_inplace(name):
    def method(self, *args, **kwargs):
        out = getattr(self, name)(*args, **kwargs)
        if self._ag is not None:
            raise TorchDTypeError(f"{name}_: changing the shape of a tensor autograd records "
                                  f"in place is not supported here\n  hint: x = x.{name}(...)")
        self._data = out._data
        return self
    method.__name__ = name + "_"
    method.__qualname__ = f"Tensor.{name}_"
    method.__doc__ = f"``x.{name}_(...)``: ``x`` becomes the view ``x.{name}(...)``."
    return method


_AUGMENTED = {"__iadd__": "add", "__isub__": "subtract", "__imul__": "multiply",
              "__itruediv__": "divide", "__ifloordiv__": "floor_divide",
              "__imod__": "remainder", "__ipow__": "pow", "__iand__": "bitwise_and",
              "__ior__": "bitwise_or", "__ixor__": "bitwise_xor",
              "__ilshift__": "bitwise_left_shift", "__irshift__": "bitwise_right_shift"}


def _augmented(dunder, op):
    """``x += y`` and friends with PyTorch's in-place rule (a RuntimeError, not NumPy's
    same_kind TypeError, when the result type cannot be stored in ``x``)."""
    from .._dispatch import binary
    from .._optable import OPS
    row = OPS[op]

    def method(self, other):
        if isinstance(other, Tensor) and other._dtype is not self._dtype:
            other = weak_pair(self, other)[1]  # a 0-d tensor is weak, as PyTorch
        out = binary(row, self, other)
        if out._dtype is not self._dtype or tuple(out.shape) != tuple(self.shape):
            check_inplace(op, self, out)
        self._assign(out)
        return self
    method.__name__ = dunder
    method.__qualname__ = f"Tensor.{dunder}"
    return method


def _flip(self, *dims):
    """``x.flip(0, 1)`` or ``x.flip((0, 1))``: ``torch.flip(x, dims)``."""
    from ._ops_shape import flip
    return flip(self, dims[0] if len(dims) == 1 else dims)


def _tile(self, *dims):
    from ._ops_shape import tile
    return tile(self, dims[0] if len(dims) == 1 and not isinstance(dims[0], int) else dims)


def _where(self, condition, y):
    """``x.where(condition, y)`` is ``torch.where(condition, x, y)``."""
    from ._functions import where
    return where(condition, self, y)


def _polygamma(self, n):
    """``x.polygamma(n)`` is ``torch.polygamma(n, x)``."""
    from ._ops_extra import polygamma
    return polygamma(n, self)


def _adjoint_property(self):
    """``x.H``: the conjugate transpose of a matrix."""
    if self.ndim > 2:
        raise TorchDTypeError("tensor.H is only supported on matrices (2-D tensors). Got "
                              f"{self.ndim}-D tensor.\n  hint: x.mH for batches")
    return self.t().conj() if self.dtype.kind == "c" else self.t()


def _function_form(name):
    def fn(input, *args, **kwargs):  # noqa: A002
        return getattr(input, name + "_")(*args, **kwargs)
    fn.__name__ = name + "_"
    fn.__doc__ = f"``torch.{name}_(x, ...)`` is ``x.{name}_(...)``."
    return fn


def bind(namespace: dict) -> None:
    """Add the methods to ``Tensor`` and the ``name_`` functions to ``namespace``."""
    for name in _FROM_FUNCTIONS:
        old = Tensor.__dict__.get(name)
        if old is None or name == "abs" or \
                getattr(old, "__qualname__", "").startswith("_method_from_function"):
            setattr(Tensor, name, _method(namespace[name], name))  # the face's function
    for name in _INPLACE:
        setattr(Tensor, name + "_", _inplace(name))
    Tensor.float_power_ = _float_power_
    for name in _INPLACE_VIEWS:
        setattr(Tensor, name + "_", _view_inplace(name))
    Tensor.flip, Tensor.tile, Tensor.H = _flip, _tile, property(_adjoint_property)
    Tensor.where = _where
    for dunder, op in _AUGMENTED.items():
        setattr(Tensor, dunder, _augmented(dunder, op))
    Tensor.polygamma = _polygamma
    for name in INPLACE_FUNCTIONS:
        namespace.setdefault(name + "_", _function_form(name))
