"""Hook specifications: how a plugin adds backends, ops, gradients, formats and models.

Every hook is called once per process, when trueno first needs its registry (the first op
that misses the kernel cache, or ``trueno.backends()``); none is ever called per op.

Registration is all or nothing per plugin: if any of a plugin's hooks raises, everything it
registered through any hook is removed again and the plugin is reported skipped (a warning
naming it and why). A hookimpl whose name matches no spec here (``trueno_register_backend``
for ``trueno_register_backends``) skips its plugin the same way. The first result of each
kernel per (op, device, dtype) is checked against the row's shape and dtype rule; a kernel
that breaks it raises ``trueno.BackendError`` naming the backend, op, device and dtype.
"""

from __future__ import annotations

import pluggy

__all__ = ["hookspec", "hookimpl", "PROJECT"]

PROJECT = "trueno"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def trueno_register_backends(registry):
    """Add compute backends and devices. Called once per process, before the first dispatch.

    :param registry: call ``registry.add_backend(name, devices, priority, kernels)`` (with
        ``cast_on_load=`` for binary kernels that read mixed operand dtypes as they are, see
        docs/backend-api.md), and ``registry.add_device(api)`` for a device whose storage is
        not a NumPy buffer.
    """


@hookspec
def trueno_register_ops(registry):
    """Add ops to the op table (e.g. nn's conv ops). Called once, before backends register.

    :param registry: call ``registry.add_op(op)`` with a ``trueno.Op`` row.
    """


@hookspec
def trueno_register_gradients(registry):
    """Add derivative rules keyed by op name and install the autograd engine. Called once.

    :param registry: call ``registry.add_gradient(op_name, rule)`` and
        ``registry.set_autograd(engine)``.
    """


@hookspec
def trueno_register_formats(registry):
    """Add save/load formats (npy, npz, safetensors, onnx). Called once.

    :param registry: call ``registry.add_format(name, load=..., save=..., suffixes=...)``.
    """


@hookspec
def trueno_register_models(registry):
    """Add hub model constructors. Called once, when the hub is first used.

    :param registry: call ``registry.add_model(name, constructor)``.
    """
