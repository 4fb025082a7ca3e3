"""NumPy corpus: printing details, scalar behaviour, more random, I/O and edge cases."""

SNIPPETS = r'''
#: repr_nan_inf
out = repr(np.array([np.nan, np.inf, -np.inf, 1.0]))
#: repr_negative_zero
out = repr(np.array([-0.0, 0.0]))
#: repr_complex
out = repr(np.array([1 + 2j, -0.5j]))
#: repr_float16
out = repr(np.array([1.5, 2.25], dtype=np.float16))
#: repr_int8
out = repr(np.array([-1, 2], dtype=np.int8))
#: repr_uint64
out = repr(np.array([1, 2], dtype=np.uint64))
#: repr_large_summarized
out = repr(np.arange(2000))
#: repr_large_2d
out = repr(np.arange(3000.0).reshape(1000, 3))
#: repr_small_floats
out = repr(np.array([1e-10, 1.0, 1e10]))
#: repr_3d
out = repr(np.arange(8).reshape(2, 2, 2))
#: repr_0d
out = repr(np.array(3.5))
#: repr_empty_int
out = repr(np.array([], dtype=np.int32))
#: str_0d
out = str(np.array(7))
#: print_bool_scalar
print(np.arange(3).any(), np.arange(3).all())
out = None
#: print_mixed
print("mean:", np.arange(4).mean(), "max:", np.arange(4).max())
out = None
#: fstring_array
out = f"{np.array([1.5, 2.0])}"
#: format_scalar_g
out = "{:.3g}".format(np.arange(5.0).std())
#: repr_scalar_types
out = [repr(x) for x in (np.arange(3, dtype=np.int32)[1], np.ones(2, dtype=np.float32)[0],
                         np.array([True])[0], np.array([1 + 1j])[0],
                         np.arange(2, dtype=np.uint8)[1])]
#: printoptions_suppress
with np.printoptions(suppress=True, precision=3):
    out = str(np.array([1e-8, 1.23456]))
#: printoptions_threshold
with np.printoptions(threshold=5):
    out = repr(np.arange(10))
#: get_printoptions_precision
out = np.get_printoptions()["precision"]
#: scalar_overflow_warns
out = np.int8(100) + np.int8(100)
#: scalar_div_zero_warns
out = np.float64(1.0) / np.float64(0.0)
#: scalar_int_div_zero
out = np.int64(1) // np.int64(0)
#: scalar_methods
x = np.float64(2.5)
out = (x.item(), x.dtype, x.is_integer(), x.round(), x.astype(np.int32))
#: scalar_arith_with_array
out = np.float32(2.0) * np.arange(3)
#: python_float_times_f32_array
out = (2.5 * np.ones(2, dtype=np.float32)).dtype
#: python_int_big_into_int8_raises
out = np.array([1], dtype=np.int8) + 1000
#: sum_scalar_is_int64
out = type(np.array([1, 2], dtype=np.int32).sum())
#: mean_of_int_list
out = np.mean([1, 2, 3, 4])
#: functions_on_lists
out = (np.sum([[1, 2], [3, 4]], axis=0), np.max([3, 1, 2]), np.sqrt([4, 9]), np.cumsum([1, 2, 3]))
#: round_half_even
out = (np.round(0.5), np.round(1.5), np.round(2.5), np.round(-0.5))
#: float_int_equality
out = np.array([1.0, 2.0]) == np.array([1, 2])
#: int_uint64_compare
out = np.array([1], dtype=np.uint64) == np.array([1], dtype=np.int64)
#: abs_min_int
out = np.abs(np.array([-128], dtype=np.int8))
#: astype_float_to_uint8_inrange
out = np.array([1.9, 254.2]).astype(np.uint8)
#: astype_int_to_int8_wrap
out = np.array([200, -200]).astype(np.int8)
#: astype_bool_float
out = np.array([0.0, 0.1, np.nan]).astype(bool)
#: view_dtype_reinterpret
out = np.array([1.0], dtype=np.float64).view(np.int64)
#: byteswap
out = np.array([1, 256], dtype=np.int16).byteswap()
#: itemset_like_setitem_tuple
a = np.zeros((2, 2))
a[(1, 0)] = 3
out = a
#: rng_exact_stream
rng = np.random.default_rng(123)
out = (rng.random(4), rng.normal(size=2), rng.integers(10, size=3), rng.choice(5, 3))
#: rng_exponential_gamma
rng = np.random.default_rng(9)
out = (rng.exponential(2.0, 3), rng.gamma(2.0, size=2), rng.beta(2.0, 3.0, size=2))
#: rng_spawn_like_two_generators
a = np.random.default_rng(5).random(3)
b = np.random.default_rng(5).random(3)
out = np.array_equal(a, b)
#: rng_multivariate_normal_shape
rng = np.random.default_rng(0)
out = rng.multivariate_normal([0.0, 0.0], [[1.0, 0.5], [0.5, 1.0]], size=4).shape
#: rng_standard_normal_f32
out = np.random.default_rng(2).standard_normal(3, dtype=np.float32).dtype
#: legacy_global_stream
np.random.seed(1)
out = (np.random.rand(3), np.random.randn(2), np.random.randint(0, 100, 3))
#: legacy_choice_shuffle
np.random.seed(3)
a = np.arange(5)
np.random.shuffle(a)
out = (a, np.random.choice([10, 20, 30], size=4))
#: random_state_object
rs = np.random.RandomState(0)
out = (rs.uniform(size=2), rs.normal(size=2))
#: save_load_int_dtype
np.save(tmp_path / "i.npy", np.arange(4, dtype=np.int16))
out = np.load(tmp_path / "i.npy")
#: save_load_2d_fortran
np.save(tmp_path / "f.npy", np.asfortranarray(np.arange(6.0).reshape(2, 3)))
out = np.load(tmp_path / "f.npy")
#: savez_positional_names
np.savez(tmp_path / "p.npz", np.ones(2), np.zeros(3))
with np.load(tmp_path / "p.npz") as f:
    out = (sorted(f.files), f["arr_1"])
#: loadtxt_comments
p = tmp_path / "c.txt"
p.write_text("# header\n1 2\n3 4 # trailing\n")
out = np.loadtxt(p)
#: loadtxt_unpack
p = tmp_path / "u.txt"
p.write_text("1 2\n3 4\n5 6\n")
x, y = np.loadtxt(p, unpack=True)
out = (x, y)
#: savetxt_header
p = tmp_path / "h.txt"
np.savetxt(p, np.array([[1.0, 2.0]]), header="a b", fmt="%.1f")
out = p.read_text()
#: genfromtxt_names
p = tmp_path / "n.csv"
p.write_text("x,y\n1,2\n3,4\n")
out = np.genfromtxt(p, delimiter=",", skip_header=1)
#: load_missing_file_raises
out = np.load(tmp_path / "missing.npy")
#: testing_assert_equal_scalar
np.testing.assert_equal(np.arange(3).sum(), 3)
out = True
#: testing_assert_raises
with np.testing.assert_raises(ValueError):
    np.arange(6).reshape(4, 2)
out = True
#: testing_allclose_shape_mismatch
np.testing.assert_allclose(np.ones(2), np.ones(3))
out = True
#: linalg_det_batch
out = np.linalg.det(np.stack([np.eye(2), 2 * np.eye(2)]))
#: linalg_norm_keepdims
out = np.linalg.norm(np.arange(6.0).reshape(2, 3), axis=1, keepdims=True)
#: linalg_eigh_uplo
out = np.linalg.eigvalsh(np.array([[1.0, 9.0], [0.0, 1.0]]), UPLO="U")
#: linalg_inv_int_input
out = np.linalg.inv(np.array([[2, 0], [0, 4]]))
#: linalg_solve_f32
out = np.linalg.solve(np.eye(2, dtype=np.float32), np.ones(2, dtype=np.float32)).dtype
#: linalg_svd_full
u, s, vh = np.linalg.svd(np.arange(6.0).reshape(2, 3))
out = (u.shape, s.shape, vh.shape)
#: linalg_matrix_rank_tol
out = np.linalg.matrix_rank(np.diag([1.0, 1e-10]), tol=1e-8)
#: linalg_tensorsolve_like_dot
out = np.linalg.vector_norm(np.array([3.0, 4.0]))
#: linalg_cholesky_notpd_raises
out = np.linalg.cholesky(np.array([[1.0, 2.0], [2.0, 1.0]]))
#: fft_ifftn
x = np.arange(8.0).reshape(2, 4)
out = np.fft.ifftn(np.fft.fftn(x)).real
#: fft_axis
out = np.fft.fft(np.arange(6.0).reshape(2, 3), axis=0)
#: fft_hfft
out = np.fft.hfft(np.array([1.0, 2.0, 3.0]))
#: fft_rfft2
out = np.fft.rfft2(np.arange(6.0).reshape(2, 3))
#: fft_power_spectrum
t = np.arange(64) / 64
x = np.sin(2 * np.pi * 5 * t)
out = np.argmax(np.abs(np.fft.rfft(x)))
#: complex_sort_default
out = np.sort(np.array([2 + 1j, 1 + 3j, 1 + 2j]))
#: integer_power_overflow_wraps
out = np.array([2], dtype=np.int8) ** 7
#: float32_sum_precision
out = np.full(1000, 0.1, dtype=np.float32).sum()
#: mean_float16
out = np.array([1.0, 2.0, 4.0], dtype=np.float16).mean()
#: arange_float_length
out = len(np.arange(0.1, 0.4, 0.1))
#: linspace_0_points
out = np.linspace(0, 1, 0)
#: zero_size_reductions
out = (np.zeros((0, 3)).sum(axis=0), np.ones((2, 0)).prod(axis=1), np.zeros((0,)).mean(axis=0))
#: empty_argmax_raises
out = np.argmax(np.array([]))
#: concatenate_empty_list_raises
out = np.concatenate([])
#: stack_shape_mismatch_raises
out = np.stack([np.ones(2), np.ones(3)])
#: reshape_neg_two
out = np.arange(6).reshape(-2, 3).shape
#: transpose_1d_noop
out = np.arange(3).T
#: matmul_scalar_raises
out = np.matmul(np.ones(2), 3)
#: out_of_range_axis_raises
out = np.sum(np.ones((2, 2)), axis=2)
#: axis_error_class
try:
    np.ones(3).sum(axis=4)
    out = None
except np.exceptions.AxisError as e:
    out = type(e).__mro__[1].__name__ in ("ValueError", "IndexError", "AxisError", "TruenoError")
#: linalg_error_class
try:
    np.linalg.inv(np.zeros((2, 2)))
    out = None
except np.linalg.LinAlgError:
    out = "caught"
#: tolist_nested_types
out = [type(v).__name__ for v in np.array([[1.5, 2]]).tolist()[0]]
#: item_index
out = np.arange(6).reshape(2, 3).item(4)
#: fill_method
a = np.empty(3)
a.fill(7)
out = a
#: nbytes_of_view
out = np.arange(10)[::2].nbytes
#: copy_method_order
out = np.arange(6).reshape(2, 3).copy(order="F").flags["F_CONTIGUOUS"]
#: dtype_type_attr
out = np.arange(3.0).dtype.type is np.float64
#: astype_same_dtype_copies
a = np.arange(3)
b = a.astype(a.dtype)
b[0] = 9
out = a
#: setdiff_assume_unique
out = np.setdiff1d(np.array([5, 1, 3]), np.array([1]), assume_unique=True)
#: unique_inverse_reconstruct
a = np.array([3, 1, 3, 2])
u, inv = np.unique(a, return_inverse=True)
out = u[inv]
#: bincount_argmax_mode
a = np.array([1, 3, 3, 2, 3, 1])
out = np.bincount(a).argmax()
#: cumsum_reset_trick
a = np.array([1, 1, 0, 1, 1, 1])
out = np.cumsum(a) - np.maximum.accumulate(np.where(a == 0, np.cumsum(a), 0))
#: complex_argsort_axis
z = np.array([[1 + 1j, 1 - 1j], [0 + 2j, 3 + 0j]])
out = (np.argsort(z, axis=0), np.sort(z, axis=None), np.sort(z, axis=1))
#: complex_sort_inplace
z = np.array([3 + 0j, 1 + 5j, 1 - 5j])
z.sort()
out = z
#: byteswap_inplace
a = np.array([1, 2], dtype=np.uint16)
a.byteswap(inplace=True)
out = a
#: scalar_astype_trueno_dtype
out = (np.float64(2.5).astype(np.int32), np.zeros(2).astype(np.float32).dtype)
#: dtype_type_equality
out = np.arange(3.0).dtype.type == np.float64
'''
