"""NumPy corpus: arithmetic, broadcasting, promotion, ufuncs and their methods, NaN."""

SNIPPETS = r'''
#: add_arrays
out = np.array([1, 2, 3]) + np.array([10, 20, 30])
#: broadcast_row_col
out = np.arange(3).reshape(3, 1) + np.arange(4)
#: broadcast_scalar_mul
out = np.arange(6).reshape(2, 3) * 2.5
#: int_div_true
out = np.array([1, 2, 3]) / 2
#: floor_div_neg
out = np.array([-7, 7, -8]) // 3
#: mod_neg
out = np.array([-7, 7, -8]) % 3
#: fmod_neg
out = np.fmod(np.array([-7, 7, -8]), 3)
#: divmod
out = np.divmod(np.array([7, -7, 9]), 4)
#: power_int
out = np.arange(5) ** 2
#: power_float_exp
out = np.array([1, 2, 4]) ** 0.5
#: power_neg_int_raises
out = np.arange(1, 4) ** -1
#: neg_abs
a = np.array([-1.5, 2.0, -0.0])
out = (-a, np.abs(a), abs(a))
#: int8_overflow_wraps
out = np.array([120], dtype=np.int8) + np.int8(10)
#: uint8_plus_python_int
out = np.array([250], dtype=np.uint8) + 10
#: uint8_python_int_out_of_range
out = np.array([1], dtype=np.uint8) + 300
#: int32_plus_float_scalar
out = (np.ones(2, dtype=np.int32) + 1.5).dtype
#: f32_plus_python_float
out = (np.ones(2, dtype=np.float32) * 3.0).dtype
#: f32_plus_f64_array
out = (np.ones(2, dtype=np.float32) + np.ones(2)).dtype
#: int_plus_bool
out = np.array([1, 2]) + np.array([True, False])
#: bool_plus_bool
out = np.array([True, False]) + np.array([True, True])
#: int32_int64
out = (np.ones(2, dtype=np.int32) + np.ones(2, dtype=np.int64)).dtype
#: uint_int_promotion
out = (np.ones(2, dtype=np.uint8) + np.ones(2, dtype=np.int8)).dtype
#: complex_arith
z = np.array([1 + 2j, 3 - 1j])
out = (z * z.conj(), z.real, z.imag, np.angle(z), abs(z))
#: result_type
out = (np.result_type(np.int8, np.float32), np.result_type(np.int64, np.uint64))
#: promote_types
out = np.promote_types(np.int16, np.uint16)
#: can_cast
out = (np.can_cast(np.int32, np.float64), np.can_cast(np.float64, np.int32))
#: sqrt_exp_log
a = np.array([1.0, 4.0, 9.0])
out = (np.sqrt(a), np.exp(a), np.log(a), np.log10(a), np.log2(a))
#: trig
x = np.linspace(0, np.pi, 5)
out = (np.sin(x), np.cos(x), np.arctan2(x, 1.0), np.hypot(3.0, 4.0))
#: degrees_radians
out = (np.degrees(np.pi), np.radians(np.array([180.0, 90.0])))
#: rounding
a = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.7])
out = (np.round(a), np.floor(a), np.ceil(a), np.trunc(a), np.rint(a))
#: round_decimals
out = np.round(np.array([1.2345, 2.5678]), 2)
#: around_neg_decimals
out = np.around(np.array([1234, 5678]), -2)
#: sign
out = np.sign(np.array([-3, 0, 2]))
#: maximum_minimum
out = (np.maximum([1, 5, 3], [4, 2, 6]), np.minimum(np.array([1.0, np.nan]), 0.5))
#: fmax_nan
out = np.fmax(np.array([1.0, np.nan, 3.0]), np.array([np.nan, np.nan, 1.0]))
#: comparisons
a = np.array([1, 2, 3])
out = (a > 1, a == 2, a != 3, a <= 2)
#: logical_ops
a = np.array([True, False, True])
b = np.array([True, True, False])
out = (a & b, a | b, a ^ b, ~a, np.logical_and(a, b), np.logical_not(b))
#: bitwise
a = np.array([12, 10], dtype=np.uint8)
out = (a & 6, a | 1, a ^ 255, ~a, a << 2, a >> 1)
#: isclose_allclose
a = np.array([1.0, 1.0 + 1e-10, 2.0])
out = (np.isclose(a, 1.0), np.allclose(a[:2], 1.0))
#: nan_checks
a = np.array([1.0, np.nan, np.inf, -np.inf])
out = (np.isnan(a), np.isinf(a), np.isfinite(a), np.isposinf(a))
#: nan_to_num
out = np.nan_to_num(np.array([np.nan, np.inf, -np.inf, 1.0]))
#: nan_to_num_args
out = np.nan_to_num(np.array([np.nan, np.inf]), nan=0.5, posinf=9.0)
#: nan_compare_false
a = np.array([np.nan, 1.0])
out = (a == a, a > 0)
#: divide_by_zero_warns
out = np.array([1.0, -1.0, 0.0]) / 0.0
#: log_zero_warns
out = np.log(np.array([0.0, 1.0]))
#: sqrt_neg_warns
out = np.sqrt(np.array([-1.0, 4.0]))
#: errstate_ignore
with np.errstate(divide="ignore", invalid="ignore"):
    out = np.array([1.0, 0.0]) / 0.0
#: int_div_zero
with np.errstate(divide="ignore"):
    out = np.array([1, 2]) // 0
#: ufunc_reduce
out = (np.add.reduce(np.arange(5)), np.multiply.reduce([1, 2, 3, 4]))
#: ufunc_reduce_axis
out = np.add.reduce(np.arange(6).reshape(2, 3), axis=1)
#: ufunc_accumulate
out = (np.add.accumulate([1, 2, 3, 4]), np.multiply.accumulate([1, 2, 3, 4]))
#: ufunc_outer
out = np.multiply.outer(np.arange(1, 4), np.arange(1, 3))
#: ufunc_at_groupby
counts = np.zeros(4, dtype=int)
np.add.at(counts, [0, 1, 1, 3, 3, 3], 1)
out = counts
#: ufunc_reduceat
out = np.add.reduceat(np.arange(8), [0, 4, 1, 5])
#: maximum_reduce
out = np.maximum.reduce(np.array([[1, 7], [5, 2]]), axis=0)
#: ufunc_attrs
out = (np.add.nin, np.add.nout, np.add.identity, np.multiply.identity, np.sqrt.nin)
#: ufunc_out_arg
a = np.arange(4.0)
np.sqrt(a, out=a)
out = a
#: ufunc_where_out
a = np.array([1.0, 2.0, 3.0])
b = np.array([0.0, 2.0, 0.0])
z = np.zeros(3)
np.divide(a, b, out=z, where=b != 0)
out = z
#: ufunc_dtype_kw
out = np.add(np.array([1, 2], dtype=np.int8), 1, dtype=np.int16)
#: add_out_positional
a = np.ones(3)
np.add(a, 1, a)
out = a
#: inplace_add
a = np.arange(3)
a += 5
out = a
#: inplace_int_plus_float_raises
a = np.arange(3)
a += 1.5
out = a
#: inplace_float_mul
a = np.ones(3)
a *= np.array([1, 2, 3])
out = a
#: matmul_op
a = np.arange(6).reshape(2, 3)
b = np.arange(6).reshape(3, 2)
out = a @ b
#: matmul_vec
out = np.arange(3.0) @ np.arange(3.0)
#: matmul_shape_mismatch
out = np.ones((2, 3)) @ np.ones((2, 3))
#: dot_2d
out = np.dot(np.array([[1, 2], [3, 4]]), np.array([5, 6]))
#: vdot_inner_outer
a, b = np.array([1, 2, 3]), np.array([4, 5, 6])
out = (np.vdot(a, b), np.inner(a, b), np.outer(a, b))
#: cross
out = np.cross([1, 0, 0], [0, 1, 0])
#: broadcast_fail
out = np.ones(3) + np.ones(4)
#: broadcast_to
out = np.broadcast_to(np.arange(3), (2, 3))
#: broadcast_arrays
out = np.broadcast_arrays(np.arange(3), np.arange(2).reshape(2, 1))
#: broadcast_shapes
out = np.broadcast_shapes((3, 1), (1, 4))
#: scalar_times_scalar
out = np.float32(2.0) * np.float32(3.0)
#: scalar_plus_python_int
out = np.int64(3) + 1
#: scalar_from_sum_type
out = type(np.arange(4).sum() + 1)
#: clip
out = np.clip(np.arange(10), 2, 7)
#: clip_float_none
out = np.clip(np.array([-1.5, 0.5, 2.5]), 0, None)
#: clip_method
out = np.arange(5).clip(1, 3)
#: where_three
a = np.arange(6)
out = np.where(a > 2, a, -1)
#: where_one
out = np.where(np.array([0, 3, 0, 5]))
#: where_broadcast_scalar
out = np.where(np.array([True, False]), 1.0, 0)
#: select
x = np.arange(6)
out = np.select([x < 2, x > 3], [x, x ** 2], default=-1)
#: piecewise
x = np.linspace(-2, 2, 5)
out = np.piecewise(x, [x < 0, x >= 0], [lambda v: -v, lambda v: v ** 2])
#: heaviside
out = np.heaviside(np.array([-1.0, 0.0, 2.0]), 0.5)
#: cbrt_square_reciprocal
a = np.array([1.0, 8.0, 27.0])
out = (np.cbrt(a), np.square(a), np.reciprocal(a))
#: exp2_expm1_log1p
a = np.array([0.0, 1e-10, 1.0])
out = (np.exp2(a), np.expm1(a), np.log1p(a))
#: gcd_lcm
out = (np.gcd(np.array([12, 18]), 8), np.lcm(4, np.array([6, 10])))
#: sinc_i0
out = (np.sinc(np.array([0.0, 0.5, 1.0])), np.i0(np.array([0.0, 1.0])))
#: float_power
out = np.float_power(np.array([2, 3]), 2)
#: copysign_nextafter
out = (np.copysign(np.array([1.0, 2.0]), -1.0), np.nextafter(1.0, 2.0) - 1.0)
#: modf_frexp
out = (np.modf(np.array([1.5, -2.25])), np.frexp(np.array([8.0, 3.0])))
#: ldexp
out = np.ldexp(np.array([1.0, 3.0]), np.array([2, 3]))
#: logaddexp
out = np.logaddexp(np.array([0.0, 1.0]), np.array([0.0, 2.0]))
#: isreal_iscomplex
z = np.array([1 + 0j, 1 + 1j])
out = (np.isreal(z), np.iscomplex(z), np.iscomplexobj(z), np.isrealobj(np.ones(2)))
#: positive_negative_fn
out = (np.positive(np.array([-1, 2])), np.negative(np.array([-1, 2])))
#: vectorize
f = np.vectorize(lambda x, y: x + 2 * y)
out = f(np.arange(3), 1)
#: frompyfunc
f = np.frompyfunc(lambda x: x * 2, 1, 1)
out = f(np.arange(3)).astype(int)
#: apply_along_axis
out = np.apply_along_axis(lambda r: r.max() - r.min(), 1, np.array([[1, 5], [7, 2]]))
#: emath_sqrt
out = np.emath.sqrt(np.array([-4.0, 4.0]))
#: real_if_close
out = np.real_if_close(np.array([1 + 1e-16j, 2 + 0j]))
#: interp
out = np.interp([0.5, 1.5, 3.0], [0, 1, 2], [0, 10, 20])
#: interp_left_right
out = np.interp([-1.0, 5.0], [0, 1], [1, 2], left=0, right=9)
#: trapezoid
out = np.trapezoid(np.array([1.0, 2.0, 3.0]), dx=0.5)
#: diff
out = (np.diff(np.array([1, 4, 9, 16])), np.diff(np.array([1, 4, 9, 16]), n=2))
#: diff_axis
out = np.diff(np.arange(12).reshape(3, 4) ** 2, axis=0)
#: ediff1d
out = np.ediff1d(np.array([1, 2, 4, 7]))
#: gradient
out = np.gradient(np.array([1.0, 2.0, 4.0, 7.0, 11.0]))
#: gradient_2d
out = np.gradient(np.array([[1.0, 2.0, 6.0], [3.0, 4.0, 5.0]]))
#: convolve
out = np.convolve([1, 2, 3], [0, 1, 0.5])
#: convolve_same
out = np.convolve(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 1.0]), mode="same")
#: correlate
out = np.correlate([1, 2, 3], [0, 1, 0.5])
#: ufuncs_of_scalars_give_scalars
out = (np.cbrt(8.0), np.exp2(3), np.fmax(1.0, np.nan), np.fmod(7, 3), np.gcd(12, 18),
       np.rint(2.5), np.ldexp(0.5, 2), np.logaddexp2(1.0, 1.0), np.spacing(1.0),
       np.heaviside(0.0, 0.5), np.rad2deg(np.array(np.pi)), np.float_power(2, 3))
#: ufunc_of_scalar_out_0d
o = np.zeros(())
r = np.degrees(np.pi, out=o)
out = (r is o, o)
'''
