"""``gradcheck`` and ``gradgradcheck``: analytical gradients vs central finite differences.

Like PyTorch's: the analytical Jacobian comes from one vector-Jacobian product per output
element, the numerical one from perturbing each input element by ``+-eps`` in place (under
``no_grad``), so non-contiguous inputs stay non-contiguous.
"""

from __future__ import annotations

import warnings

import numpy as np

from trueno import Tensor, no_grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytical and numerical gradients differ."""


def _as_tuple(x):
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


def _outputs(res):
    outs = _as_tuple(res)
    return tuple(o for o in outs if isinstance(o, Tensor))


def _host(t) -> np.ndarray:
    return np.array(t.detach()._host(), dtype=np.complex128 if t._dtype.kind == "c"
                    else np.float64).reshape(-1)


def _element_key(shape, e):
    if not shape:
        return ...
    idx = np.unravel_index(e, shape)
    return tuple(slice(int(i), int(i) + 1) for i in idx)


def _poke(x, key, value):
    with no_grad():
        x[key] = value


def _is_complex(t) -> bool:
    return t._dtype.kind == "c"


def _directions(t):
    """Perturbation directions of an input (or grad_output weights of an output): the real
    axis, and the imaginary axis for complex tensors."""
    return (1.0, 1j) if _is_complex(t) else (1.0,)


def _numerical(func, inputs, diff, outs0, eps):
    """Numerical Jacobians ``jac[k][o]``: rows (input element, direction), columns (output
    element, weight); entry d Re(conj(w) * out) / d(direction of input)."""
    jac = []
    for k in diff:
        x = inputs[k]
        n = x.numel()
        dirs = _directions(x)
        per_out = [np.zeros((n * len(dirs), o.numel() * len(_directions(o)))) for o in outs0]
        host = x.detach()._host()
        for e in range(n):
            key = _element_key(x.shape, e)
            orig = np.asarray(host[key]).reshape(-1)[0].item() if x.shape else host.item()
            for di, d in enumerate(dirs):
                _poke(x, key, orig + eps * d)
                plus = [_host(o) for o in _outputs(func(*inputs))]
                _poke(x, key, orig - eps * d)
                minus = [_host(o) for o in _outputs(func(*inputs))]
                _poke(x, key, orig)
                for j, (p, m) in enumerate(zip(plus, minus)):
                    diff_ = (p - m) / (2 * eps)
                    ws = _directions(outs0[j])
                    row = per_out[j][e * len(dirs) + di]
                    for wi, w in enumerate(ws):
                        row[wi::len(ws)] = (np.conj(w) * diff_).real
        jac.append(per_out)
    return jac


def _analytical(inputs, diff, outs):
    from ._api import grad
    from trueno import zeros_like
    jac = [[np.zeros((inputs[k].numel() * len(_directions(inputs[k])),
                      o.numel() * len(_directions(o)))) for o in outs] for k in diff]
    for j, out in enumerate(outs):
        if out._ag is None:
            continue
        ws = _directions(out)
        for e in range(out.numel()):
            for wi, w in enumerate(ws):
                go = zeros_like(out).detach()
                go[_element_key(out.shape, e)] = w
                gs = grad(out, [inputs[k] for k in diff], go, retain_graph=True,
                          allow_unused=True)
                for i, g in enumerate(gs):
                    if g is None:
                        continue
                    if tuple(g.shape) != tuple(inputs[diff[i]].shape):
                        raise GradcheckError(
                            f"grad for input {diff[i]} has shape {g.shape}, expected "
                            f"{inputs[diff[i]].shape}")
                    h = _host(g)
                    col = e * len(ws) + wi
                    if _is_complex(inputs[diff[i]]):
                        jac[i][j][0::2, col] = h.real
                        jac[i][j][1::2, col] = h.imag
                    else:
                        jac[i][j][:, col] = h.real
    return jac


def gradcheck(func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, fast_mode=False, masked=None):
    """Check the gradients of ``func`` at ``inputs`` against central finite differences.

    Parameters
    ----------
    func : a function of tensors returning a tensor or a tuple of tensors.
    inputs : a tensor or tuple; those with ``requires_grad`` are checked (use float64).
    eps, atol, rtol : perturbation and tolerances (PyTorch's defaults).
    raise_exception : raise ``GradcheckError`` with both Jacobians on a mismatch (else
        return False).

    Returns
    -------
    True when every Jacobian matches.

    Examples
    --------
    >>> import trueno as tn
    >>> x = tn.asarray([0.5, 1.5]).requires_grad_()
    >>> tn.autograd.gradcheck(tn.sin, (x,))
    True
    """
    inputs = _as_tuple(inputs)
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of the them have requires_grad=True.")
    for i in diff:
        if inputs[i]._dtype.name not in ("float64", "complex128"):
            warnings.warn(f"Input #{i} requires gradient and is not a double precision "
                          "floating point or complex. This check will likely fail if all the "
                          "inputs are not of double precision floating point or complex.",
                          UserWarning, stacklevel=2)
    outs = _outputs(func(*inputs))
    ana = _analytical(inputs, diff, outs)
    num = _numerical(func, inputs, diff, outs, eps)
    for i, k in enumerate(diff):
        for j in range(len(outs)):
            a, n = ana[i][j], num[i][j]
            if not np.allclose(a, n, rtol=rtol, atol=atol, equal_nan=False):
                bad = np.argwhere(~np.isclose(a, n, rtol=rtol, atol=atol))
                msg = (f"Jacobian mismatch for output {j} with respect to input {k},\n"
                       f"numerical:{n!r}\nanalytical:{a!r}\n"
                       f"  first mismatch at (input element, output element) "
                       f"{tuple(int(v) for v in bad[0])}: numerical "
                       f"{n[tuple(bad[0])]!r}, analytical {a[tuple(bad[0])]!r}\n"
                       f"  (eps={eps}, atol={atol}, rtol={rtol})")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  fast_mode=False, masked=False):
    """Check second derivatives: ``gradcheck`` of the map (inputs, v) -> vJp(func)(v).

    Examples
    --------
    >>> import trueno as tn
    >>> x = tn.asarray([0.5, 1.5]).requires_grad_()
    >>> tn.autograd.gradgradcheck(tn.sin, (x,))
    True
    """
    from ._api import grad
    import trueno as tn
    inputs = _as_tuple(inputs)
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    outs = _outputs(func(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            tn.asarray(rng.standard_normal(o.shape), dtype=o.dtype, device=o.device,
                       cls=o.__class__).requires_grad_() for o in outs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def vjp(*args):
        ins, gos = args[:n_in], args[n_in:]
        res = _outputs(func(*ins))
        keep = [(o, g) for o, g in zip(res, gos) if o._ag is not None]
        if not keep:
            return ()
        gs = grad([o for o, _ in keep], [ins[i] for i in diff], [g for _, g in keep],
                  create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(vjp, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
