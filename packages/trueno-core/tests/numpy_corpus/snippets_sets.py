"""NumPy corpus: set operations, unique and sorting/searching options, statistics options."""

SNIPPETS = r'''
#: unique_equal_nan_false
out = np.unique(np.array([np.nan, 1.0, np.nan]), equal_nan=False)
#: unique_return_index_first
out = np.unique(np.array([5, 3, 5, 1, 3]), return_index=True)
#: unique_axis1
out = np.unique(np.array([[1, 1, 2], [3, 3, 4]]), axis=1)
#: unique_inverse_2d_shape
out = np.unique(np.array([[2, 1], [1, 2]]), return_inverse=True)[1].shape
#: unique_all_fn
r = np.unique_all(np.array([3, 1, 3]))
out = (r.values, r.indices, r.inverse_indices, r.counts)
#: unique_inverse_fn
out = np.unique_inverse(np.array([[2, 2], [1, 3]]))
#: isin_kind_table
out = np.isin(np.array([1, 5, 9]), np.array([5, 9]), kind="table")
#: setdiff_2d_flattens
out = np.setdiff1d(np.array([[1, 2], [3, 4]]), [2, 3])
#: union_mixed_dtypes
out = np.union1d(np.array([1, 2]), np.array([2.5]))
#: intersect_assume_unique
out = np.intersect1d(np.array([1, 3, 5]), np.array([5, 1]), assume_unique=True)
#: setxor_empty
out = np.setxor1d(np.array([1, 2]), np.array([1, 2]))
#: searchsorted_float_nan
out = np.searchsorted(np.array([1.0, 2.0, np.nan]), [np.nan, 1.5])
#: sort_stable_bool
out = np.argsort(np.array([True, False, True, False]), stable=True)
#: sort_reverse_slice
out = np.sort(np.array([1, 3, 2]))[::-1]
#: argsort_neg_axis
out = np.argsort(np.array([[3, 1], [2, 0]]), axis=-2)
#: partition_axis0
a = np.array([[5, 1], [2, 7], [3, 3]])
out = np.partition(a, 1, axis=0)[1]
#: argpartition_kth_neg
a = np.array([9, 4, 7, 1])
out = a[np.argpartition(a, -1)[-1]]
#: count_nonzero_keepdims
out = np.count_nonzero(np.array([[0, 1], [2, 3]]), axis=0, keepdims=True)
#: percentile_interpolation_int_input
out = np.percentile(np.array([1, 2, 3, 4, 5]), [10, 50, 90])
#: percentile_weights_inverted_cdf
out = np.percentile(np.array([1.0, 2.0, 3.0]), 50, weights=np.array([1.0, 1.0, 2.0]),
                    method="inverted_cdf")
#: quantile_closest_observation
out = np.quantile(np.arange(10.0), 0.33, method="closest_observation")
#: median_int_even
out = np.median(np.array([1, 2, 3, 4]))
#: var_keepdims_ddof_float32
out = np.var(np.arange(6, dtype=np.float32).reshape(2, 3), axis=1, ddof=1, keepdims=True)
#: std_mean_param
a = np.arange(4.0)
out = np.std(a, mean=a.mean())
#: nanstd_ddof
out = np.nanstd(np.array([1.0, np.nan, 3.0, 5.0]), ddof=1)
#: nanquantile_axis
out = np.nanquantile(np.array([[1.0, np.nan], [3.0, 4.0]]), 0.5, axis=0)
#: nanargmin_all_nan_raises
out = np.nanargmin(np.array([np.nan, np.nan]))
#: histogram_range_outside
out = np.histogram(np.array([-5.0, 0.5, 5.0]), bins=2, range=(0, 1))
#: histogram_bins_str
out = np.histogram(np.arange(100.0), bins="sturges")[1].shape
#: corrcoef_constant_warns
out = np.corrcoef(np.array([1.0, 1.0, 1.0]), np.array([1.0, 2.0, 3.0]))
#: cov_bias_aweights
out = np.cov(np.array([1.0, 2.0, 4.0, 7.0]), bias=True, aweights=np.array([1.0, 1.0, 2.0, 2.0]))
#: var_std_where_mean
a = np.arange(6.0).reshape(2, 3)
w = np.array([[True, False, True], [True, True, False]])
out = (np.var(a, axis=1, where=w), a.var(mean=a.mean(axis=1, keepdims=True), axis=1),
       np.var(np.arange(4), where=np.array([1, 1, 0, 0], dtype=bool)),
       np.std(np.array([1 + 1j, 2 - 1j]), where=np.array([True, True])),
       np.var(np.arange(3, dtype=np.float32), where=np.array([True, True, False])))
#: std_where_ddof_nan_warns
a = np.arange(6.0).reshape(2, 3)
w = np.array([[True, False, True], [True, True, False]])
out = np.std(a, axis=0, ddof=1, where=w, keepdims=True)
#: quantile_weights_variants
a = np.array([1.0, 2.0, 3.0])
w = np.array([1.0, 1.0, 2.0])
out = (np.quantile(a, [0.5], weights=w, method="inverted_cdf"),
       np.nanquantile(a, 0.5, weights=w, method="inverted_cdf"),
       np.quantile(np.ones((2, 3)), 0.5, axis=1, weights=np.ones((2, 3)), method="inverted_cdf"))
'''
