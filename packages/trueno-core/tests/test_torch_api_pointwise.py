"""The PyTorch face's devices on tensors, elementwise functions, their Tensor methods and the
in-place ``name_`` variants, each against torch 2.13 (values, dtype, shape, errors)."""

import numpy as np
import pytest
from torch_diff import check

import trueno as tn
import trueno.torch as tt
from trueno._optable import DOMAINS
from trueno._optable._faces import torch_rows

torch = pytest.importorskip("torch", reason="needs torch (the tests session installs "
                            "torch==2.13.0)")

F = [[0.5, -1.5, 2.0], [3.25, 0.0, -0.75]]
P = [[0.25, 0.5, 0.75], [0.1, 0.9, 0.3]]
I = [[1, -2, 3], [4, 0, -6]]  # noqa: E741
J = [[2, 3, 1], [1, 5, 2]]
X = [-np.inf, -1.0, 0.0, 2.5, np.inf, np.nan]


def test_tensor_device_is_a_torch_device():
    t, want = tt.tensor([1.0]), torch.tensor([1.0])
    assert repr(t.device) == repr(want.device) == "device(type='cpu')"
    assert str(t.device) == str(want.device) == "cpu"
    assert isinstance(t.device, tt.device) and t.device == tt.device("cpu")
    assert t.device.index is None and t.device.type == "cpu"
    assert (t.is_cpu, t.is_cuda, t.get_device()) == (want.is_cpu, want.is_cuda,
                                                     want.get_device())
    assert t.to(t.device).device == t.device
    assert tt.zeros(2, device=t.device).device == t.device


def test_gpu_device_prints_as_torch_prints_cuda():
    from trueno._device import Device
    assert repr(tt.device(Device("gpu", 0))) == repr(torch.device("cuda", 0))
    assert str(tt.device(Device("gpu", 1))) == str(torch.device("cuda", 1))


def _u(name):
    return lambda m: getattr(m, name)(m.tensor(F))


def _ui(name):
    return lambda m: getattr(m, name)(m.tensor(I))


# Functions written by hand in the face (the rows' functions are generated below, from the
# table: test_row_function_matches_torch).
UNARY = ("frac sgn positive angle absolute nan_to_num conj_physical resolve_conj resolve_neg "
         "real").split()
UNARY_INT = "angle sgn bitwise_not nan_to_num".split()

CASES = {f"{n}": _u(n) for n in UNARY}
CASES.update({f"{n}-int": _ui(n) for n in UNARY_INT})
CASES.update({
    "i0": lambda m: m.i0(m.tensor(F)),
    "asin": lambda m: m.arcsin(m.tensor(P)),
    "acosh": lambda m: m.arccosh(m.tensor(F) + 3),
    "atanh": lambda m: m.arctanh(m.tensor(P)),
    "logit": lambda m: m.logit(m.tensor(P)),
    "logit-eps": lambda m: m.logit(m.tensor([0.0, 0.5, 1.0]), eps=0.1),
    "logaddexp2": lambda m: m.logaddexp2(m.tensor(F), m.tensor(P)),
    "logaddexp": lambda m: m.logaddexp(m.tensor(F), m.tensor(P)),
    "hypot": lambda m: m.hypot(m.tensor(F), m.tensor(P)),
    "copysign": lambda m: m.copysign(m.tensor(F), -1.0),
    "nextafter": lambda m: m.nextafter(m.tensor(F), m.tensor(P)),
    "fmax": lambda m: m.fmax(m.tensor(X), m.tensor([0.0] * 6)),
    "fmin": lambda m: m.fmin(m.tensor(X), m.tensor([0.0] * 6)),
    "fmod": lambda m: m.fmod(m.tensor(F), 0.75),
    "fmod-int": lambda m: m.fmod(m.tensor(I), m.tensor(J)),
    "gcd": lambda m: m.gcd(m.tensor(I), m.tensor(J)),
    "lcm": lambda m: m.lcm(m.tensor(I), m.tensor(J)),
    "ldexp": lambda m: m.ldexp(m.tensor(F), m.tensor(J)),
    "ldexp-int": lambda m: m.ldexp(m.tensor(I), m.tensor(J)),
    "float_power": lambda m: m.float_power(m.tensor(F), 2),
    "float_power-int": lambda m: m.float_power(m.tensor(J), m.tensor(J)),
    "frexp": lambda m: m.frexp(m.tensor(F)),
    "heaviside": lambda m: m.heaviside(m.tensor(F), m.tensor(0.5)),
    "heaviside-int": lambda m: m.heaviside(m.tensor(I), m.tensor(J)),
    "logit-eps-big": lambda m: m.logit(m.tensor([0.2, 0.5, 0.9]), eps=0.6),
    "logit-eps-1": lambda m: m.logit(m.tensor([0.2, 0.5, 0.9]), eps=1.0),
    "pow-int-negative": lambda m: m.pow(m.tensor([2, 1, -1, -1, 0, 3]),
                                        m.tensor([-1, -2, -3, -2, -1, 0])),
    "pow-int-negative-scalar": lambda m: m.pow(m.tensor([2, 1]), -1),
    **{f"{n}-bool": (lambda fn: lambda m: getattr(m, fn)(m.tensor([True, False])))(n)
       for n in ("erf", "sigmoid", "reciprocal", "sign", "sgn", "square", "exp", "sqrt")},
    "mixed-promotion": lambda m: (m.fmod(m.tensor(F), m.tensor(J)), m.fmod(m.tensor(I), 2.5),
                                  m.fmax(m.tensor(F), m.tensor(I)),
                                  m.fmin(m.tensor(I), m.tensor(F).double()),
                                  m.logaddexp2(m.tensor(F), m.tensor(J)),
                                  m.ldexp(m.tensor(F), m.tensor(J).double()),
                                  m.greater(m.tensor(F), m.tensor(J).double()),
                                  m.copysign(m.tensor(I), m.tensor(F).double())),
    "half-keeps-half": lambda m: (m.ldexp(m.tensor(F, dtype=m.float16), m.tensor(J)),
                                  m.xlogy(m.tensor(P, dtype=m.float16), 2.0),
                                  m.xlogy(m.tensor(P, dtype=m.float16), m.tensor(J)),
                                  m.special.xlog1py(m.tensor(P, dtype=m.float16), 0.5)),
    "xlogy-scalar-first": lambda m: m.xlogy(2, m.tensor(P)),
    "igamma-mixed": lambda m: m.igamma(m.tensor([1.0, 2.5]), m.tensor([1, 2])),
    "erfc-0d": lambda m: m.erfc(m.tensor(0.5)), "lgamma-0d": lambda m: m.lgamma(m.tensor(3)),
    "m.sigmoid-bool": lambda m: m.tensor([True]).sigmoid(),
    "shifts": lambda m: (m.bitwise_left_shift(m.tensor(J), 2),
                         m.bitwise_right_shift(m.tensor([[64, 8, 4]]), m.tensor([1, 2, 3]))),
    "xlogy": lambda m: m.xlogy(m.tensor([0.0, 1.0, 2.0, 0.0]),
                               m.tensor([0.0, 2.0, 3.0, float("nan")])),
    "lerp": lambda m: m.lerp(m.tensor(F), m.tensor(P), 0.25),
    "lerp-tensor": lambda m: m.lerp(m.tensor(F), m.tensor(P), m.tensor(P)),
    "addcmul": lambda m: m.addcmul(m.tensor(F), m.tensor(P), m.tensor(F), value=0.5),
    "addcdiv": lambda m: m.addcdiv(m.tensor(F), m.tensor(F), m.tensor(P), value=2),
    "addcdiv-int": lambda m: m.addcdiv(m.tensor(I), m.tensor(I), m.tensor(J)),
    "rsub": lambda m: m.rsub(m.tensor(F), 1.0, alpha=2),
    "clamp_min": lambda m: m.clamp_min(m.tensor(F), 0.0),
    "clamp_max": lambda m: m.clamp_max(m.tensor(I), 1),
    "nan_to_num-args": lambda m: m.nan_to_num(m.tensor(X), nan=9.0, posinf=1.0),
    "comparisons": lambda m: [getattr(m, n)(m.tensor(F), 0.5) for n in (
        "greater", "greater_equal", "less", "less_equal", "not_equal")],
    "logical_xor": lambda m: m.logical_xor(m.tensor(I), m.tensor(F)),
    "isin": lambda m: m.isin(m.tensor(I), m.tensor([3, 0, 9])),
    "isin-invert": lambda m: m.isin(m.tensor(I), m.tensor([3, 0]), invert=True),
    "predicates": lambda m: [getattr(m, n)(m.tensor(I)) for n in (
        "is_floating_point", "is_complex", "is_signed", "is_conj", "is_neg")] + [
        m.is_nonzero(m.tensor([2.0])), m.is_same_size(m.tensor(F), m.tensor(I))],
    "is_nonzero-many": lambda m: m.is_nonzero(m.tensor(F)),
    "scalar_tensor": lambda m: m.scalar_tensor(3),
    "imag-real-input": lambda m: m.imag(m.tensor(F)),
    "resolve_conj-complex": lambda m: m.resolve_conj(m.tensor([1 + 2j, 3 - 1j])),
    "conj_physical-complex": lambda m: m.tensor([1 + 2j, 3 - 1j]).conj_physical(),
    "frac-int": lambda m: m.frac(m.tensor(I)),
    # methods
    "m.frexp": lambda m: m.tensor(F).frexp(),
    "m.lerp": lambda m: m.tensor(F).lerp(m.tensor(P), 0.5),
    "m.isclose": lambda m: m.tensor(F).isclose(m.tensor(F) + 1e-7),
    "m.arctan2": lambda m: m.tensor(F).arctan2(m.tensor(P)),
    "m.subtract": lambda m: m.tensor(F).subtract(m.tensor(P), alpha=2),
    "m.multiply": lambda m: m.tensor(I).multiply(3),
    "m.divide": lambda m: m.tensor(I).divide(m.tensor(J), rounding_mode="floor"),
    "m.fix": lambda m: m.tensor(F).fix(),
    "m.hypot": lambda m: m.tensor(F).hypot(m.tensor(P)),
})


@pytest.mark.parametrize("name", list(CASES))
def test_function_matches_torch(name):
    check(CASES[name])


def _row_cases():
    """(row, name, dtype) for every PyTorch-face name of a row with a ``torch_face`` (in
    ``torch`` or ``torch.special``), in each
    of float32, int32 and bool that the row accepts and its NumPy twin has a loop for (np.gcd
    has none for floats; read from the table)."""
    out = []
    for row in torch_rows() + torch_rows(module="special"):
        twin = getattr(np, row.numpy_name or "", None)
        for name in row.torch_names:
            for dt in ("float32", "int32", "bool"):
                if getattr(tn, dt if dt != "bool" else "bool_") in row.accepts and (
                        twin is None or _has_loop(twin, row.nin, dt)):
                    out.append(pytest.param(row, name, dt, id=f"{name}-{dt}"))
    return out


def _has_loop(f, nin, dt) -> bool:
    try:
        f(*[np.ones(2, dt)] * nin)
    except TypeError:
        return False
    return True


def _row_inputs(m, row, dt):
    out = []
    for i, dom in enumerate(row.domains_for(dt)):
        lo, hi = DOMAINS[dom][0 if dt == "float32" else 1]
        data = np.linspace(lo, hi, 6) if dt != "bool" else np.arange(6) % 2
        data = (data[::-1] if i else data).reshape(2, 3).astype(dt).tolist()
        out.append(m.tensor(data, dtype=getattr(m, dt)))
    return out


@pytest.mark.parametrize("row,name,dtype", _row_cases())
def test_row_function_matches_torch(row, name, dtype):
    """``torch.<name>`` of every row with a ``torch_face`` (its function, its method and its
    in-place method where the row declares them) against torch 2.13, on samples of the row's
    domain. Where torch has no kernel for an integer or bool input, trueno may compute one
    (its integers give the default float), so only float32 inputs must also fail alike."""
    face = row.torch_face
    cases = [lambda m: getattr(getattr(m, face.module) if face.module else m, name)(
        *_row_inputs(m, row, dtype))]
    if face.method:
        cases.append(lambda m: (lambda a, *b: getattr(a, name)(*b))(*_row_inputs(m, row,
                                                                                  dtype)))
    if face.inplace:
        def inplace(m):
            a, *b = _row_inputs(m, row, dtype)
            out = getattr(a, name + "_")(*b)
            assert out is a
            return a
        cases.append(inplace)
    for case in cases:
        if dtype != "float32":
            try:
                case(torch)
            except (RuntimeError, TypeError):
                continue
        check(case)


def _ip(name, base, *args, **kw):
    def case(m):
        x = m.tensor(base)
        y = getattr(x, name + "_")(*(m.tensor(a) if isinstance(a, list) else a
                                     for a in args), **kw)
        assert y is x
        return x
    return case


INPLACE = {
    "add_": _ip("add", F, 1.5), "add_-alpha": _ip("add", F, [1.0, 2.0, 3.0], alpha=2),
    "add_-int-float": _ip("add", I, 0.5), "mul_-int-int": _ip("mul", I, 3),
    "div_-int": _ip("div", I, 2), "div_-floor-int": _ip("div", I, 2, rounding_mode="floor"),
    "sub_-grow": _ip("sub", [1.0, 2.0], [[1.0], [2.0]]),
    "clamp_": _ip("clamp", F, -1.0, 1.0), "clamp_-int-float": _ip("clamp", I, 0.5),
    "clamp_min_": _ip("clamp_min", I, 0), "clamp_max_": _ip("clamp_max", F, 0.0),
    "clip_": _ip("clip", F, max=0.0), "exp2_": _ip("exp2", F), "exp2_-int": _ip("exp2", I),
    "sin_": _ip("sin", F), "cos_": _ip("cos", F), "tan_": _ip("tan", F),
    "log1p_": _ip("log1p", P), "log2_": _ip("log2", P), "log10_": _ip("log10", P),
    "expm1_": _ip("expm1", F), "rsqrt_": _ip("rsqrt", P), "reciprocal_": _ip("reciprocal", F),
    "square_": _ip("square", I), "trunc_": _ip("trunc", F), "frac_": _ip("frac", F),
    "sign_": _ip("sign", F), "sgn_": _ip("sgn", F), "neg_": _ip("negative", I),
    "fmod_": _ip("fmod", F, 0.5), "remainder_": _ip("remainder", I, 4),
    "lerp_": _ip("lerp", F, P, 0.5), "addcmul_": _ip("addcmul", F, P, P, value=2),
    "addcdiv_": _ip("addcdiv", F, P, P), "xlogy_": _ip("xlogy", P, 2.0),
    "nan_to_num_": _ip("nan_to_num", X, posinf=5.0), "gcd_": _ip("gcd", I, J),
    "eq_": _ip("eq", F, 0.5), "lt_-int": _ip("lt", I, 1), "ge_": _ip("ge", F, 0.0),
    "logical_not_": _ip("logical_not", F), "logical_and_": _ip("logical_and", I, J),
    "bitwise_and_": _ip("bitwise_and", J, 3), "bitwise_not_": _ip("bitwise_not", I),
    "bitwise_left_shift_": _ip("bitwise_left_shift", J, 1), "atan2_": _ip("atan2", F, P),
    "hypot_": _ip("hypot", F, P), "copysign_": _ip("copysign", F, -1.0),
    "float_power_-float32": _ip("float_power", F, 2), "logit_": _ip("logit", P),
    "deg2rad_": _ip("deg2rad", F), "sinc_": _ip("sinc", F), "sinh_": _ip("sinh", F),
    "pow_-int-float": _ip("pow", I, 0.5), "sqrt_-int": _ip("sqrt", J),
    "float_power_-float64": _ip("float_power", [1.5, 2.0], 3), "relu_": _ip("relu", F),
    "floor_divide_": _ip("floor_divide", I, 2), "true_divide_": _ip("true_divide", F, 2.0),
    "heaviside_": _ip("heaviside", [0.0, 1.0, -2.0], [0.5, 0.5, 0.5]),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_matches_torch(name):
    check(INPLACE[name])


def test_inplace_dtype_error_is_a_runtime_error_with_torch_message():
    x = tt.tensor([1, 2])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        x.add_(0.5)
    assert x.tolist() == [1, 2]  # untouched
    with pytest.raises(TypeError):  # also trueno's DTypeError (a TypeError)
        x.mul_(1.5)


@pytest.mark.parametrize("name", ["abs_", "exp_", "sin_", "clamp_", "neg_", "sqrt_",
                                  "zero_", "fill_", "trunc_", "sigmoid_"])
def test_inplace_function_forms(name):
    args = {"clamp_": (0.0, 1.0), "fill_": (2.0,)}.get(name, ())

    def case(m):
        x = m.tensor(P)
        assert getattr(m, name)(x, *args) is x
        return x
    check(case)


def test_inplace_methods_keep_autograd():
    a = tt.tensor([0.5, 1.5], requires_grad=True)
    ta = torch.tensor([0.5, 1.5], requires_grad=True)
    for x in (a, ta):
        y = x * 2
        y.add_(x, alpha=2).clamp_(0, 2.5).mul_(x)
        y.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-6)


AUGMENTED = {
    "iadd-int-float": lambda m, x: x.__iadd__(0.5),
    "itruediv-int": lambda m, x: x.__itruediv__(2),
    "ipow-int-float": lambda m, x: x.__ipow__(0.5),
    "iadd-bool-int": lambda m, x: m.tensor([True]).__iadd__(1),
    "iadd-float-double": lambda m, x: x.float().__iadd__(m.ones(3, dtype=m.float64)),
    "iadd-grow": lambda m, x: x.float().__iadd__(m.ones(2, 3)),
    "imul-int32": lambda m, x: x.int().__imul__(m.tensor([3])),
    "ifloordiv": lambda m, x: x.__ifloordiv__(2), "imod": lambda m, x: x.__imod__(3),
    "iand": lambda m, x: x.__iand__(6), "ilshift": lambda m, x: x.__ilshift__(1),
    "isub-float": lambda m, x: x.double().__isub__(0.25),
}


@pytest.mark.parametrize("name", list(AUGMENTED))
def test_augmented_assignment_matches_torch(name):
    def case(m):
        x = m.tensor([1, 5, -7])
        y = AUGMENTED[name](m, x)
        return y
    check(case)


def test_augmented_assignment_error_is_a_runtime_error():
    x = tt.tensor([1, 2])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        x += 0.5
    a = tt.tensor([1.0, 2.0], requires_grad=True)
    y = a * 1
    y += a  # still recorded by autograd
    y.sum().backward()
    assert a.grad.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "bool"])
def test_special_rows_special_values_match_torch(dtype):
    """torch.special.entr and xlog1py (bound from their rows) at 0, -0, negatives, NaN and the
    infinities, against torch 2.13: -inf below 0, 0 (not -0) at 0, NaN kept; xlog1py is 0 where
    x is 0 unless y is NaN, with Python scalars on either side."""
    xs = [0.0, -0.0, -1.5, 1.0, 0.25, 3.0, float("nan"), float("inf"), float("-inf")]
    ys = [float("nan"), -1.0, 2.0, -0.5, float("inf"), 0.0, 1.0, -2.0, 0.5]
    if dtype in ("int64", "bool"):
        xs, ys = [0, 1, 2, 0, 3, 1], [1, 0, 2, 5, 0, 1]
    for case in (lambda m: m.special.entr(m.tensor(xs, dtype=getattr(m, dtype))),
                 lambda m: m.special.xlog1py(m.tensor(xs, dtype=getattr(m, dtype)),
                                             m.tensor(ys, dtype=getattr(m, dtype))),
                 lambda m: m.special.xlog1py(2, m.tensor(ys, dtype=getattr(m, dtype))),
                 lambda m: m.special.xlog1py(m.tensor(xs, dtype=getattr(m, dtype)), 0.5),
                 lambda m: m.special.xlog1py(m.tensor(xs, dtype=getattr(m, dtype)),
                                             m.tensor(ys[:1], dtype=m.float16))):
        check(case)
