"""NumPy corpus: reductions, statistics, cumulative ops, NaN-aware functions, histograms."""

SNIPPETS = r'''
#: sum_all
out = np.arange(10).sum()
#: sum_axis
a = np.arange(12).reshape(3, 4)
out = (a.sum(axis=0), a.sum(axis=1), a.sum(axis=(0, 1)))
#: sum_keepdims
out = np.arange(6).reshape(2, 3).sum(axis=1, keepdims=True)
#: sum_dtype
out = np.array([200, 100], dtype=np.uint8).sum(dtype=np.uint8)
#: sum_int8_upcasts
out = np.array([100, 100], dtype=np.int8).sum()
#: sum_bool
out = np.array([True, True, False]).sum()
#: sum_empty
out = (np.sum(np.array([])), np.prod(np.array([])))
#: sum_where
out = np.sum(np.arange(5), where=np.arange(5) > 1)
#: sum_initial
out = np.sum(np.arange(3), initial=10)
#: sum_axis_out_of_range
out = np.arange(3).sum(axis=1)
#: sum_axis_list_raises
out = np.ones((2, 2)).sum(axis=[0, 1])
#: sum_out
o = np.zeros(3)
np.sum(np.ones((2, 3)), axis=0, out=o)
out = o
#: prod
out = (np.prod([1, 2, 3, 4]), np.arange(1, 7).reshape(2, 3).prod(axis=0))
#: mean
a = np.arange(12).reshape(3, 4)
out = (a.mean(), a.mean(axis=0), np.mean(a, axis=1, keepdims=True))
#: mean_int_dtype_f32
out = np.mean(np.arange(4, dtype=np.int32), dtype=np.float32)
#: mean_float32
out = np.ones(4, dtype=np.float32).mean()
#: mean_empty_warns
out = np.mean(np.array([]))
#: average_weights
out = np.average(np.array([1.0, 2.0, 3.0]), weights=[3, 1, 1])
#: average_returned
out = np.average(np.arange(6.0).reshape(2, 3), axis=1, weights=[1, 2, 3], returned=True)
#: std_var
a = np.array([1.0, 2.0, 4.0, 7.0])
out = (a.std(), a.var(), np.std(a, ddof=1), np.var(a, ddof=1))
#: std_axis
out = np.std(np.arange(12.0).reshape(3, 4), axis=0)
#: min_max
a = np.array([[3, 7], [1, 9]])
out = (a.min(), a.max(axis=0), np.amin(a, axis=1), np.amax(a))
#: min_empty_raises
out = np.array([]).min()
#: min_initial_empty
out = np.min(np.array([]), initial=np.inf)
#: ptp
out = (np.ptp(np.array([[4, 9], [2, 3]])), np.ptp(np.array([[4, 9], [2, 3]]), axis=1))
#: argmin_argmax
a = np.array([[3, 7, 1], [8, 2, 9]])
out = (a.argmax(), a.argmin(axis=1), np.argmax(a, axis=0))
#: argmax_keepdims
out = np.argmax(np.array([[1, 5], [7, 2]]), axis=1, keepdims=True)
#: argmax_nan
out = np.argmax(np.array([1.0, np.nan, 3.0]))
#: max_nan
out = np.max(np.array([1.0, np.nan, 3.0]))
#: median
out = (np.median(np.array([3, 1, 2])), np.median(np.array([4.0, 1.0, 3.0, 2.0])))
#: median_axis
out = np.median(np.arange(12.0).reshape(3, 4), axis=1)
#: percentile
a = np.arange(10.0)
out = (np.percentile(a, 50), np.percentile(a, [25, 75]))
#: percentile_methods
a = np.array([1.0, 2.0, 3.0, 4.0])
out = [np.percentile(a, 40, method=m) for m in ("linear", "lower", "higher", "nearest", "midpoint")]
#: quantile
out = np.quantile(np.arange(12.0).reshape(3, 4), 0.5, axis=0)
#: nanfunctions
a = np.array([1.0, np.nan, 3.0, 4.0])
out = (np.nansum(a), np.nanmean(a), np.nanmax(a), np.nanmin(a), np.nanstd(a), np.nanvar(a))
#: nanargmax_nanmedian
a = np.array([[1.0, np.nan], [3.0, 2.0]])
out = (np.nanargmax(a), np.nanmedian(a), np.nanmedian(a, axis=0), np.nanprod(a))
#: nanpercentile
out = np.nanpercentile(np.array([1.0, np.nan, 3.0]), 50)
#: nancumsum
out = (np.nancumsum(np.array([1.0, np.nan, 2.0])), np.nancumprod(np.array([2.0, np.nan, 3.0])))
#: nanmean_all_nan_warns
out = np.nanmean(np.array([np.nan, np.nan]))
#: sum_with_nan
out = np.sum(np.array([1.0, np.nan]))
#: cumsum
a = np.arange(6).reshape(2, 3)
out = (np.cumsum(a), a.cumsum(axis=0), np.cumsum(a, axis=1))
#: cumprod
out = np.cumprod(np.array([1, 2, 3, 4]))
#: cumsum_dtype
out = np.cumsum(np.array([1, 2, 3], dtype=np.int8), dtype=np.float32)
#: cumulative_sum
out = np.cumulative_sum(np.array([1, 2, 3]), include_initial=True)
#: count_nonzero
a = np.array([[0, 1, 2], [0, 0, 3]])
out = (np.count_nonzero(a), np.count_nonzero(a, axis=1))
#: all_any_empty
out = (np.all(np.array([])), np.any(np.array([])))
#: corrcoef
x = np.array([1.0, 2.0, 3.0, 4.0])
y = np.array([2.0, 4.1, 6.3, 7.9])
out = np.corrcoef(x, y)
#: cov
out = np.cov(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.5]]))
#: cov_rowvar
out = np.cov(np.array([[0.0, 2.0], [1.0, 1.0], [2.0, 0.0]]), rowvar=False)
#: histogram
out = np.histogram(np.array([1, 2, 1, 3, 4, 4, 4]), bins=3)
#: histogram_range_density
out = np.histogram(np.array([0.1, 0.4, 0.5, 0.9]), bins=2, range=(0, 1), density=True)
#: histogram_edges
out = np.histogram(np.array([1.0, 2.0, 5.0]), bins=[0, 2, 4, 6])
#: histogram_bin_edges
out = np.histogram_bin_edges(np.arange(10.0), bins=4)
#: histogram2d
out = np.histogram2d(np.array([0.1, 0.5, 0.9]), np.array([0.2, 0.2, 0.8]), bins=2)
#: bincount
out = np.bincount(np.array([0, 1, 1, 3]))
#: bincount_weights
out = np.bincount(np.array([0, 1, 1]), weights=np.array([0.5, 1.0, 2.0]), minlength=4)
#: bincount_negative_raises
out = np.bincount(np.array([-1, 2]))
#: mean_of_bool
out = np.array([True, False, True, True]).mean()
#: sum_keepdims_none_axis
out = np.sum(np.ones((2, 3)), keepdims=True)
#: max_axis_tuple
out = np.arange(24).reshape(2, 3, 4).max(axis=(0, 2))
#: std_keepdims_broadcast_normalize
a = np.arange(6.0).reshape(2, 3)
out = (a - a.mean(axis=1, keepdims=True)) / a.std(axis=1, keepdims=True)
#: zscore_columns
a = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 60.0]])
out = (a - a.mean(0)) / a.std(0)
#: trace
out = (np.trace(np.arange(9).reshape(3, 3)), np.arange(9).reshape(3, 3).trace(offset=1))
#: sum_float32_result_type
out = type(np.ones(3, dtype=np.float32).sum())
#: norm_rows
a = np.array([[3.0, 4.0], [6.0, 8.0]])
out = np.sqrt((a ** 2).sum(axis=1))
#: moving_average
x = np.arange(10.0)
out = np.convolve(x, np.ones(3) / 3, mode="valid")
#: cumsum_moving_average
x = np.arange(8.0)
c = np.cumsum(np.insert(x, 0, 0))
out = (c[3:] - c[:-3]) / 3
#: where_masked_reductions
a = np.arange(6).reshape(2, 3)
m = np.array([[True, False, True], [False, False, True]])
out = (a.sum(axis=1, where=m, initial=10), np.prod(a + 1, where=m, axis=0),
       np.max(a, where=m, initial=-1, axis=1), np.mean(a, where=m),
       np.mean(a.astype(np.float32), where=m, axis=1), np.any(a, where=m, axis=0),
       np.all(a, where=m), a.sum(where=m, keepdims=True))
#: max_initial
out = (np.max(np.zeros((0, 2)), axis=0, initial=3.0), np.arange(4).max(initial=100),
       np.sum(np.array([1, 2], dtype=np.int8), initial=1))
#: max_where_without_initial_raises
out = np.max(np.arange(3), where=np.array([True, False, True]))
#: sum_where_out
o = np.zeros(3)
np.sum(np.arange(6).reshape(2, 3), axis=0, where=np.array([False, True, True]), out=o)
out = o
'''
