"""NumPy corpus: index tricks, iteration helpers, errstate, testing helpers, small idioms."""

SNIPPETS = r'''
#: r_directive_axis
out = np.r_["0,2", [1, 2], [3, 4]]
#: r_linspace_complex
out = np.r_[0:1:3j, 5]
#: r_mixed_scalars
out = np.r_[1, 2, np.array([3, 4]), 5.0]
#: c_2d_blocks
out = np.c_[np.ones((2, 2)), np.zeros((2, 1))]
#: c_scalars_rows
out = np.c_[np.array([[1, 2, 3]]), 0, 0, np.array([[4, 5, 6]])]
#: s_step
a = np.arange(10)
out = a[np.s_[::3]]
#: mgrid_3d_shape
out = np.mgrid[0:2, 0:3, 0:4].shape
#: ogrid_broadcast_sum
y, x = np.ogrid[0:3, 0:4]
out = x + 10 * y
#: ndindex_shape_tuple
out = list(np.ndindex((2, 1, 2)))
#: ndenumerate_2d_values
out = [(idx, float(v)) for idx, v in np.ndenumerate(np.array([[0.5, 1.5]]))]
#: nditer_multi_operand
a = np.arange(3)
b = np.arange(3, 6)
out = [int(x) * int(y) for x, y in np.nditer([a, b])]
#: nditer_external_loop_sum
out = sum(int(v.sum()) for v in np.nditer(np.arange(6).reshape(2, 3), flags=["external_loop"]))
#: iterate_2d_rows_types
out = [type(r).__name__ for r in np.zeros((2, 2))][0] == type(np.zeros(2)).__name__
#: enumerate_array
out = [(i, int(v)) for i, v in enumerate(np.array([5, 6]))]
#: zip_arrays
out = [float(a + b) for a, b in zip(np.arange(3.0), np.ones(3))]
#: list_of_array
out = list(np.arange(3))
#: dict_from_unique_counts
vals, counts = np.unique(np.array([1, 1, 2]), return_counts=True)
out = dict(zip(vals.tolist(), counts.tolist()))
#: errstate_raise
with np.errstate(divide="raise"):
    out = np.array([1.0]) / 0.0
#: errstate_over_warn
out = np.exp(np.array([1000.0]))
#: seterr_restore
old = np.seterr(all="ignore")
r = np.array([1.0]) / 0.0
np.seterr(**old)
out = r
#: geterr_keys
out = sorted(np.geterr())
#: invalid_inf_minus_inf
out = np.array([np.inf]) - np.inf
#: testing_assert_array_almost
np.testing.assert_array_almost_equal(np.array([1.0, 2.0]), np.array([1.0000001, 2.0]))
out = True
#: testing_assert_equal_dict
np.testing.assert_equal({"a": np.arange(2)}, {"a": np.arange(2)})
out = True
#: testing_assert_array_equal_shape
np.testing.assert_array_equal(np.zeros((2, 1)), np.zeros((1, 2)))
out = True
#: testing_assert_allclose_rtol_atol
np.testing.assert_allclose(np.array([0.0, 1.0]), np.array([1e-9, 1.001]), rtol=1e-2, atol=1e-8)
out = True
#: testing_assert_approx_equal
np.testing.assert_approx_equal(1.0001, 1.0002, significant=3)
out = True
#: testing_assert_warns
with np.testing.assert_warns(RuntimeWarning):
    np.log(np.array([0.0]))
out = True
#: isfinite_all_check
x = np.array([1.0, 2.0, np.inf])
out = bool(np.isfinite(x).all())
#: argmax_per_row_onehot
a = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]])
out = np.eye(3, dtype=int)[a.argmax(axis=1)]
#: normalize_rows_l2
a = np.array([[3.0, 4.0], [1.0, 0.0]])
out = a / np.linalg.norm(a, axis=1, keepdims=True)
#: cosine_similarity
a = np.array([1.0, 2.0, 3.0])
b = np.array([2.0, 4.0, 6.5])
out = a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
#: rmse
pred = np.array([1.0, 2.0, 3.0])
obs = np.array([1.5, 1.5, 3.5])
out = np.sqrt(np.mean((pred - obs) ** 2))
#: running_mean_cumsum_axis
a = np.arange(12.0).reshape(3, 4)
out = np.cumsum(a, axis=1) / np.arange(1, 5)
#: group_means_bincount
groups = np.array([0, 1, 0, 2, 1])
vals = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
out = np.bincount(groups, weights=vals) / np.bincount(groups)
#: rank_with_argsort_twice
a = np.array([40, 10, 30, 20])
out = a.argsort().argsort()
#: top_k_indices
a = np.array([5, 1, 9, 7, 3])
out = np.argsort(a)[-2:][::-1]
#: mask_rows_with_nan
a = np.array([[1.0, 2.0], [np.nan, 3.0], [4.0, 5.0]])
out = a[~np.isnan(a).any(axis=1)]
#: fill_nan_with_col_mean
a = np.array([[1.0, np.nan], [3.0, 4.0]])
m = np.nanmean(a, axis=0)
idx = np.where(np.isnan(a))
a[idx] = np.take(m, idx[1])
out = a
#: clip_outliers_percentile
x = np.arange(20.0)
lo, hi = np.percentile(x, [5, 95])
out = np.clip(x, lo, hi)[[0, -1]]
#: bin_and_count_digitize
x = np.array([0.1, 0.4, 0.45, 0.8, 0.95])
out = np.bincount(np.digitize(x, [0.25, 0.5, 0.75]), minlength=4)
#: block_matrix_kron_eye
out = np.kron(np.eye(2, dtype=int), np.ones((2, 2), dtype=int))
#: image_like_channel_mean
img = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
out = img.mean(axis=(0, 1))
#: uint8_image_scaled
img = np.array([[0, 128, 255]], dtype=np.uint8)
out = (img / 255.0).astype(np.float32)
#: complex_signal_magnitude_phase
z = np.exp(1j * np.linspace(0, np.pi, 3))
out = (np.abs(z), np.angle(z))
#: matrix_from_outer_diag
v = np.array([1.0, 2.0])
out = np.diag(v) + np.outer(v, v)
#: sum_of_squares_einsum
a = np.arange(6.0).reshape(2, 3)
out = np.einsum("ij,ij->i", a, a)
#: cumulative_distribution
x = np.array([3.0, 1.0, 2.0])
xs = np.sort(x)
out = (xs, np.arange(1, len(xs) + 1) / len(xs))
'''
