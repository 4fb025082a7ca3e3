"""NumPy corpus: keyword arguments (out=, keepdims=, dtype=), ufunc methods, NaN ordering and
casting corner cases that everyday code meets."""

SNIPPETS = r'''
#: cumsum_out
o = np.zeros(3, dtype=np.int64)
np.cumsum(np.array([1, 2, 3]), out=o)
out = o
#: mean_out
o = np.zeros(2)
np.mean(np.arange(6.0).reshape(2, 3), axis=1, out=o)
out = o
#: max_out_keepdims
o = np.zeros((2, 1))
np.max(np.arange(6.0).reshape(2, 3), axis=1, out=o, keepdims=True)
out = o
#: matmul_out
o = np.empty((2, 2))
np.matmul(np.eye(2), np.ones((2, 2)), out=o)
out = o
#: clip_out
a = np.arange(5.0)
np.clip(a, 1, 3, out=a)
out = a
#: add_out_wrong_shape_raises
np.add(np.ones(3), 1, out=np.zeros(2))
out = None
#: multiply_at_2d
a = np.ones((2, 3))
np.multiply.at(a, (0, [0, 2]), 5)
out = a
#: maximum_at
a = np.zeros(3)
np.maximum.at(a, [0, 0, 2], [1.0, 5.0, 2.0])
out = a
#: subtract_at_neg
a = np.arange(4)
np.subtract.at(a, [1, 1], 1)
out = a
#: reduce_keepdims_dtype
out = (np.add.reduce(np.ones((2, 3), dtype=np.int8), axis=0, keepdims=True),
       np.add.reduce(np.ones(3, dtype=np.int8), dtype=np.float32))
#: accumulate_axis
out = np.add.accumulate(np.arange(6).reshape(2, 3), axis=1)
#: outer_subtract
out = np.subtract.outer(np.arange(3), np.arange(2))
#: logical_and_reduce
out = np.logical_and.reduce(np.array([[True, False], [True, True]]), axis=1)
#: minimum_reduce_float
out = np.minimum.reduce(np.array([3.0, np.nan, 1.0]))
#: sort_nan_inf
out = np.sort(np.array([np.inf, np.nan, -np.inf, 0.0]))
#: argsort_nan
out = np.argsort(np.array([2.0, np.nan, 1.0]))
#: argmin_nan
out = np.argmin(np.array([2.0, np.nan, 1.0]))
#: unique_sorted_nan_inf
out = np.unique(np.array([np.inf, 1.0, np.nan, -np.inf, 1.0]))
#: nanmin_axis_all_nan_warns
out = np.nanmin(np.array([[np.nan, 1.0], [np.nan, 2.0]]), axis=0)
#: mean_uint8_no_overflow
out = np.array([200, 200], dtype=np.uint8).mean()
#: sum_uint32_dtype
out = np.array([1, 2], dtype=np.uint32).sum().dtype
#: sum_float16_dtype
out = np.array([1, 2], dtype=np.float16).sum().dtype
#: var_complex
out = np.var(np.array([1 + 1j, 1 - 1j, 3 + 0j]))
#: std_int_ddof
out = np.std(np.array([1, 2, 3, 4]), ddof=1)
#: round_float_neg_decimals
out = np.round(np.array([1234.5678, -55.5]), -1)
#: percentile_keepdims
out = np.percentile(np.arange(12.0).reshape(3, 4), 50, axis=1, keepdims=True)
#: quantile_list_axis
out = np.quantile(np.arange(10.0), [0.1, 0.9])
#: histogram_weights
out = np.histogram(np.array([1.0, 2.0, 2.5, 4.0]), bins=2, weights=np.array([1.0, 2.0, 3.0, 4.0]))
#: histogram_int_bins_float_data
counts, edges = np.histogram(np.array([0.0, 0.5, 1.0]), bins=4)
out = (counts, edges)
#: where_mixed_dtypes
out = np.where(np.array([True, False]), np.array([1, 2], dtype=np.int8), np.array([0.5, 1.5]))
#: where_scalar_scalar
out = np.where(np.array([[True], [False]]), 1, 2)
#: isin_2d
out = np.isin(np.array([[1, 2], [3, 4]]), [2, 3])
#: in1d_assume_unique
out = np.isin(np.array([1, 5]), np.array([5, 6]), assume_unique=True)
#: bool_index_0d_true
a = np.arange(3)
out = a[np.array(True)].shape
#: mixed_fancy_bool
a = np.arange(12).reshape(3, 4)
out = a[np.array([True, False, True]), 1:3]
#: fancy_broadcast_index_arrays
a = np.arange(12).reshape(3, 4)
out = a[np.array([[0], [2]]), np.array([1, 3])]
#: ix_bool
a = np.arange(12).reshape(3, 4)
out = a[np.ix_(np.array([True, False, True]), np.array([1, 2]))]
#: setitem_broadcast_error
a = np.zeros((2, 3))
a[:] = np.ones(2)
out = a
#: setitem_fancy_2d_value
a = np.zeros((3, 3))
a[[0, 2], [1, 1]] = np.array([5.0, 6.0])
out = a
#: setitem_negative_fancy
a = np.arange(5)
a[[-1, -2]] = 0
out = a
#: setitem_bool_scalar_int_array
a = np.arange(6).reshape(2, 3)
a[a % 2 == 1] = -1
out = a
#: array_python_big_int_object
out = np.array([2 ** 70])
#: array_uint64_max
out = np.array([2 ** 64 - 1], dtype=np.uint64)
#: array_from_range
out = np.array(range(5))
#: array_from_generator_object
out = np.array(x for x in range(3)).shape
#: asarray_scalar
out = (np.asarray(5).shape, np.asarray(5.0).dtype, np.asarray(True).dtype)
#: array_ndmin
out = np.array([1, 2], ndmin=3).shape
#: array_copy_false_raises_when_needed
out = np.array([1, 2], copy=False)
#: astype_casting_safe_raises
out = np.arange(3.0).astype(np.int32, casting="safe")
#: int_float_floor_div
out = np.array([7, -7]) // 2.0
#: mod_float
out = np.array([5.5, -5.5]) % 2
#: pow_float_negative_base
out = np.array([-8.0]) ** (1 / 3)
#: int_to_negative_power_float_ok
out = np.array([2, 4]) ** -1.0
#: compare_broadcast
out = np.arange(3)[:, None] < np.arange(3)
#: equal_different_shapes_raises
out = np.arange(3) == np.arange(4)
#: array_equal_shapes
out = np.array_equal(np.arange(3), np.arange(4))
#: allclose_nan
out = (np.allclose([np.nan], [np.nan]), np.allclose([np.nan], [np.nan], equal_nan=True))
#: isclose_rtol
out = np.isclose(np.array([100.0, 1e-9]), np.array([101.0, 0.0]), rtol=0.02)
#: diff_prepend
out = np.diff(np.array([1, 3, 6]), prepend=0)
#: diff_bool
out = np.diff(np.array([True, False, False, True]))
#: cumsum_bool
out = np.cumsum(np.array([True, True, False]))
#: cumprod_float32
out = np.cumprod(np.array([1.5, 2.0], dtype=np.float32))
#: argsort_descending_idiom
a = np.array([3, 1, 2])
out = np.argsort(-a)
#: argsort_2d_axis0
out = np.argsort(np.array([[3, 1], [1, 2]]), axis=0)
#: searchsorted_sorter
a = np.array([30, 10, 20])
out = np.searchsorted(a, 25, sorter=np.argsort(a))
#: partition_kth_list
out = np.partition(np.array([5, 2, 8, 1, 9]), [1, 3])[[1, 3]]
#: lexsort_2keys
names = np.array([2, 1, 2, 1])
ages = np.array([30, 25, 20, 40])
out = np.lexsort((ages, names))
#: concatenate_dtype_kw
out = np.concatenate([np.arange(2), np.arange(2)], dtype=np.float32)
#: stack_out_axis_neg
out = np.stack([np.ones((2, 2)), np.zeros((2, 2))], axis=-1).shape
#: split_axis1
out = np.split(np.arange(8).reshape(2, 4), 2, axis=1)
#: squeeze_method_axis
out = np.zeros((1, 3, 1)).squeeze(axis=2).shape
#: swapaxes_method
out = np.arange(6).reshape(1, 2, 3).swapaxes(0, 2).shape
#: repeat_axis_none_2d
out = np.repeat(np.array([[1, 2], [3, 4]]), 2)
#: tile_reps_longer
out = np.tile(np.array([1, 2]), (2, 1, 2)).shape
#: roll_none_axis_2d
out = np.roll(np.arange(6).reshape(2, 3), 1)
#: roll_tuple
out = np.roll(np.arange(6).reshape(2, 3), (1, 1), axis=(0, 1))
#: flip_axis_tuple
out = np.flip(np.arange(8).reshape(2, 2, 2), axis=(0, 2))
#: moveaxis_multi
out = np.moveaxis(np.zeros((2, 3, 4)), [0, 1], [-1, -2]).shape
#: expand_dims_neg
out = np.expand_dims(np.arange(3), -1).shape
#: resize_method_refcheck
a = np.arange(4)
b = np.resize(a, 6)
out = b
#: pad_mode_wrap
out = np.pad(np.array([1, 2, 3]), 2, mode="wrap")
#: pad_mode_linear_ramp
out = np.pad(np.array([5.0, 6.0]), (2, 1), mode="linear_ramp", end_values=(0, 10))
#: pad_stat_modes
out = (np.pad(np.array([1, 5, 3]), 1, mode="maximum"), np.pad(np.array([1.0, 5.0]), 1, mode="mean"))
#: delete_slice
out = np.delete(np.arange(6), np.s_[1:4])
#: insert_axis_2d
out = np.insert(np.zeros((2, 2)), 1, 9, axis=1)
#: append_none_axis_flattens
out = np.append(np.ones((2, 2)), [[5, 6]])
#: trim_zeros_back
out = np.trim_zeros(np.array([0, 1, 0, 0]), trim="b")
#: einsum_optimize
out = np.einsum("ij,jk,kl->il", np.ones((2, 3)), np.ones((3, 4)), np.ones((4, 2)), optimize=True)
#: einsum_repeated_output_raises
out = np.einsum("ij->ii", np.ones((2, 2)))
#: tensordot_axes_pairs
out = np.tensordot(np.ones((2, 3, 4)), np.ones((4, 3)), axes=([1, 2], [1, 0]))
#: kron_1d
out = np.kron(np.array([1, 2]), np.array([1, 10]))
#: outer_flattens
out = np.outer(np.ones((2, 1)), np.arange(3))
#: inner_2d
out = np.inner(np.arange(6).reshape(2, 3), np.arange(3))
#: matmul_out_dtype_kw
o = np.zeros((1, 1), dtype=np.float32)
r = np.matmul([[1, 2]], [[3], [4]], out=o, dtype=np.float32)
out = (r is o, o)
#: matmul_out_casting_raises
np.matmul(np.ones((2, 2)), np.ones((2, 2)), out=np.zeros((2, 2), dtype=int))
out = None
#: matmul_out_shape_raises
np.matmul(np.ones((2, 2)), np.ones((2, 2)), out=np.zeros((3, 2)))
out = None
#: clip_variants
a = np.arange(4.0)
a.clip(0, 1, out=a)
out = (a, np.clip(5, 0, 3), np.arange(5).clip(max=2), np.clip(np.arange(4), min=1, max=2))
#: clip_out_casting_raises
np.clip(np.arange(3.0), 0, 1, out=np.zeros(3, dtype=int))
out = None
#: unravel_index_variants
out = (np.unravel_index([1, 7], (3, 4)), np.unravel_index(5, (2, 3), order="F"))
'''
