"""``trueno.autograd.grad`` and ``trueno.autograd.backward``."""

from __future__ import annotations

from trueno.backend import load_plugins

__all__ = ["grad", "backward"]


def _engine():
    load_plugins()
    from ._engine import ENGINE
    return ENGINE


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` with respect to ``inputs`` (``torch.autograd.grad``).

    Returns a tuple with one gradient per input; ``.grad`` is not touched.

    Examples
    --------
    >>> import trueno as tn
    >>> x = tn.asarray([1.0, 2.0]).requires_grad_()
    >>> tn.autograd.grad((x * x).sum(), x)[0].tolist()
    [2.0, 4.0]
    """
    if is_grads_batched:
        raise NotImplementedError("grad(is_grads_batched=True) is not supported")
    return _engine().grad(outputs, inputs, grad_outputs, retain_graph, create_graph,
                          allow_unused, materialize_grads)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves
    (``torch.autograd.backward``)."""
    from ._engine import as_tuple as _as_tuple
    tensors = _as_tuple(tensors)
    grad_tensors = (None,) * len(tensors) if grad_tensors is None else _as_tuple(grad_tensors)
    _engine().run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs)
