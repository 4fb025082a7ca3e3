"""NumPy corpus: NEP 50 promotion with Python scalars, NumPy scalars and arrays."""

SNIPPETS = r'''
#: uint8_compare_out_of_range_int
a = np.array([1, 255], dtype=np.uint8)
out = (a == 300, a < -1, a > -1)
#: int8_compare_big_float
out = np.array([1], dtype=np.int8) < 1000.5
#: uint8_times_float
out = (np.array([2], dtype=np.uint8) * 1.5).dtype
#: int16_plus_numpy_int64_scalar
out = (np.array([1], dtype=np.int16) + np.int64(1)).dtype
#: float32_plus_numpy_float64_scalar
out = (np.ones(2, dtype=np.float32) + np.float64(1.0)).dtype
#: float32_plus_python_complex
out = (np.ones(2, dtype=np.float32) + 1j).dtype
#: int_array_plus_python_complex
out = (np.arange(2) + 1j).dtype
#: bool_plus_python_int
out = (np.array([True]) + 1).dtype
#: bool_times_python_float
out = (np.array([True, False]) * 2.5)
#: uint64_plus_int64_array
out = (np.ones(1, dtype=np.uint64) + np.ones(1, dtype=np.int64)).dtype
#: int32_true_divide
out = (np.arange(3, dtype=np.int32) / 2).dtype
#: int8_floor_divide_python_int
out = (np.array([7], dtype=np.int8) // 2).dtype
#: int16_power_python_int
out = np.array([3], dtype=np.int16) ** 2
#: float16_plus_python_float
out = (np.ones(2, dtype=np.float16) + 1.5).dtype
#: float16_plus_int8_array
out = (np.ones(2, dtype=np.float16) + np.ones(2, dtype=np.int8)).dtype
#: float16_plus_int16_array
out = (np.ones(2, dtype=np.float16) + np.ones(2, dtype=np.int16)).dtype
#: complex64_plus_float64
out = (np.ones(1, dtype=np.complex64) + np.ones(1)).dtype
#: where_python_scalars_with_int8
out = np.where(np.array([True, False]), np.array([1, 2], dtype=np.int8), 3).dtype
#: maximum_int_with_python_float
out = np.maximum(np.arange(3), 1.5)
#: numpy_scalar_plus_python_float
out = np.float32(1.0) + 1.0
#: numpy_int_scalar_plus_float_array
out = (np.int64(1) + np.ones(2, dtype=np.float32)).dtype
#: numpy_int8_scalar_overflow_python_int
out = np.int8(1) + 300
#: result_type_with_python_scalars
out = (np.result_type(np.int8, 1), np.result_type(np.float32, 1.0), np.result_type(np.int8, 1.0))
#: mean_int8_dtype
out = np.array([1, 2], dtype=np.int8).mean().dtype
#: sum_int32_dtype_platform
out = np.array([1, 2], dtype=np.int32).sum().dtype
#: cumsum_int8_dtype
out = np.cumsum(np.array([100, 100], dtype=np.int8)).dtype
#: prod_uint8_dtype
out = np.prod(np.array([16, 16], dtype=np.uint8))
#: abs_complex64_dtype
out = np.abs(np.ones(1, dtype=np.complex64)).dtype
#: sqrt_int_dtype
out = (np.sqrt(np.array([4], dtype=np.int8)).dtype, np.sqrt(np.array([4], dtype=np.int32)).dtype)
#: round_int_keeps_dtype
out = np.round(np.array([15, 25], dtype=np.int16), -1)
#: sign_uint
out = np.sign(np.array([0, 5], dtype=np.uint8))
#: clip_int_with_float_bounds
out = np.clip(np.arange(5), 0.5, 3.5)
#: floor_of_int
out = np.floor(np.array([1, 2], dtype=np.int32))
#: isnan_of_int
out = np.isnan(np.array([1, 2]))
#: concatenate_int_bool
out = np.concatenate([np.array([True]), np.array([2], dtype=np.int8)])
#: stack_float32_int64
out = np.stack([np.ones(1, dtype=np.float32), np.ones(1, dtype=np.int64)]).dtype
#: array_from_numpy_scalars_mixed
out = np.array([np.float32(1), np.float16(2)]).dtype
#: asarray_python_int_list_dtype
out = (np.asarray([1, 2]).dtype, np.asarray([1.0, 2]).dtype, np.asarray([True, 2]).dtype)
#: full_with_numpy_scalar
out = np.full(2, np.float32(1.5))
#: zeros_like_dtype_override
out = np.zeros_like(np.arange(3), dtype=np.float32)
#: arange_float32_stop
out = np.arange(np.float32(3.0))
#: linspace_float32_dtype
out = np.linspace(0, 1, 3, dtype=np.float32)
#: astype_int64_from_uint64_big
out = np.array([2 ** 63 + 1], dtype=np.uint64).astype(np.float64)
#: bitwise_on_bool
out = np.array([True, False]) ^ True
#: shift_int8
out = np.array([1], dtype=np.int8) << 3
#: divide_int_by_zero_int_array
with np.errstate(all="ignore"):
    out = np.array([1, 0]) / np.array([0, 0])
#: remainder_float_neg_zero
out = np.remainder(np.array([-4.0, 4.0]), 2.0)
#: arange_numpy_scalar_args
out = (np.arange(np.float16(2.0)), np.arange(np.int8(3)), np.arange(0, np.float32(1.0), 0.25))
'''
