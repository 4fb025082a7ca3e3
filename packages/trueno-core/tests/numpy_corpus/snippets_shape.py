"""NumPy corpus: reshaping, stacking, splitting, sorting, searching, unique and set ops."""

SNIPPETS = r'''
#: reshape
out = np.arange(6).reshape(2, 3)
#: reshape_tuple_minus1
out = np.arange(12).reshape((3, -1))
#: reshape_order_f
out = np.arange(6).reshape((2, 3), order="F")
#: reshape_bad
out = np.arange(6).reshape(4, 2)
#: reshape_function
out = np.reshape(np.arange(4), (2, 2))
#: ravel_flatten
a = np.arange(6).reshape(2, 3)
out = (a.ravel(), a.flatten(), a.ravel(order="F"), a.flatten(order="F"))
#: ravel_is_view
a = np.arange(4).reshape(2, 2)
a.ravel()[0] = 9
out = a
#: flatten_copy
a = np.arange(4).reshape(2, 2)
a.flatten()[0] = 9
out = a
#: transpose
a = np.arange(6).reshape(2, 3)
out = (a.T, a.transpose(), np.transpose(a))
#: transpose_axes
out = np.arange(24).reshape(2, 3, 4).transpose(1, 0, 2).shape
#: swapaxes_moveaxis
a = np.zeros((2, 3, 4))
out = (np.swapaxes(a, 0, 2).shape, np.moveaxis(a, 0, -1).shape, np.rollaxis(a, 2).shape)
#: expand_squeeze
a = np.arange(3)
out = (np.expand_dims(a, 0).shape, np.expand_dims(a, (0, 2)).shape,
       np.squeeze(np.zeros((1, 3, 1))).shape)
#: squeeze_axis_error
out = np.squeeze(np.zeros((2, 1)), axis=0)
#: atleast
out = (np.atleast_1d(3.0), np.atleast_2d(np.arange(3)).shape, np.atleast_3d(np.arange(3)).shape)
#: concatenate
out = np.concatenate([np.arange(3), np.arange(2)])
#: concatenate_axis1
out = np.concatenate((np.ones((2, 1)), np.zeros((2, 2))), axis=1)
#: concatenate_none
out = np.concatenate([np.ones((2, 2)), np.zeros(3)], axis=None)
#: concatenate_mismatch
out = np.concatenate([np.ones((2, 2)), np.ones((3, 3))])
#: concatenate_promotes
out = np.concatenate([np.arange(2), np.array([0.5])])
#: stack
out = (np.stack([np.arange(3), np.arange(3)]), np.stack([np.arange(3), np.arange(3)], axis=1))
#: vstack_hstack
a, b = np.array([1, 2]), np.array([3, 4])
out = (np.vstack([a, b]), np.hstack([a, b]), np.column_stack([a, b]), np.dstack([a, b]).shape)
#: row_stack_block
out = np.block([[np.ones((2, 2)), np.zeros((2, 1))], [np.zeros((1, 3))]])
#: split
out = np.split(np.arange(9), 3)
#: split_indices
out = np.split(np.arange(10), [3, 7])
#: array_split
out = np.array_split(np.arange(7), 3)
#: split_uneven_raises
out = np.split(np.arange(7), 3)
#: hsplit_vsplit
a = np.arange(16).reshape(4, 4)
out = (np.hsplit(a, 2), np.vsplit(a, [1]))
#: tile_repeat
a = np.array([1, 2])
out = (np.tile(a, 3), np.tile(a, (2, 2)), np.repeat(a, 2),
       np.repeat(np.array([[1, 2]]), [1, 2], axis=1))
#: flip
a = np.arange(6).reshape(2, 3)
out = (np.flip(a), np.flip(a, axis=1), np.fliplr(a), np.flipud(a))
#: roll
out = (np.roll(np.arange(5), 2), np.roll(np.arange(6).reshape(2, 3), -1, axis=1))
#: rot90
out = np.rot90(np.arange(4).reshape(2, 2))
#: pad
out = (np.pad(np.array([1, 2]), 2), np.pad(np.array([1, 2, 3]), (1, 2), mode="edge"))
#: pad_reflect_2d
out = np.pad(np.arange(4).reshape(2, 2), 1, mode="reflect")
#: pad_constant_values
out = np.pad(np.ones((1, 2)), ((1, 0), (0, 1)), constant_values=5)
#: insert_delete_append
a = np.arange(5)
out = (np.insert(a, 2, 99), np.delete(a, [0, 3]), np.append(a, [7, 8]))
#: append_axis
out = np.append(np.ones((2, 2)), np.zeros((1, 2)), axis=0)
#: resize
out = np.resize(np.arange(3), (2, 4))
#: trim_zeros
out = np.trim_zeros(np.array([0, 0, 1, 2, 0]))
#: sort
out = (np.sort(np.array([3, 1, 2])), np.sort(np.array([[3, 1], [0, 5]]), axis=0))
#: sort_inplace_method
a = np.array([5, 2, 9, 1])
r = a.sort()
out = (r, a)
#: sort_descending_idiom
out = np.sort(np.array([3, 1, 2]))[::-1]
#: sort_nan_last
out = np.sort(np.array([3.0, np.nan, 1.0]))
#: sort_axis_none
out = np.sort(np.array([[3, 1], [2, 0]]), axis=None)
#: argsort
out = np.argsort(np.array([30, 10, 20]))
#: argsort_stable
out = np.argsort(np.array([1, 0, 1, 0, 1]), kind="stable")
#: lexsort
out = np.lexsort((np.array([3, 1, 2]), np.array([1, 1, 0])))
#: partition
out = np.partition(np.array([7, 1, 5, 3, 9]), 2)[2]
#: argpartition
a = np.array([7, 1, 5, 3, 9])
out = np.sort(a[np.argpartition(a, 2)[:2]])
#: searchsorted
out = (np.searchsorted([1, 3, 5, 7], 4), np.searchsorted([1, 3, 5, 7], [0, 5, 9], side="right"))
#: unique
out = np.unique(np.array([3, 1, 2, 3, 1]))
#: unique_counts
out = np.unique(np.array([3, 1, 2, 3, 1]), return_counts=True)
#: unique_all_returns
out = np.unique(np.array([2, 2, 1]), return_index=True, return_inverse=True, return_counts=True)
#: unique_axis
out = np.unique(np.array([[1, 2], [1, 2], [0, 1]]), axis=0)
#: unique_values
out = np.unique_values(np.array([4, 4, 2]))
#: unique_counts_fn
out = np.unique_counts(np.array([4, 4, 2]))
#: unique_nan
out = np.unique(np.array([1.0, np.nan, np.nan, 1.0]))
#: in1d_isin
out = (np.isin(np.array([1, 2, 3, 4]), [2, 4]), np.isin(np.arange(4), [1], invert=True))
#: intersect_union
a, b = np.array([1, 2, 3, 4]), np.array([3, 4, 5])
out = (np.intersect1d(a, b), np.union1d(a, b), np.setdiff1d(a, b), np.setxor1d(a, b))
#: intersect_indices
out = np.intersect1d(np.array([5, 1, 3]), np.array([3, 5]), return_indices=True)
#: argmax_unravel
a = np.array([[1, 9, 3], [4, 2, 8]])
out = np.unravel_index(np.argmax(a), a.shape)
#: sort_strings
out = np.sort(np.array(["pear", "apple", "fig"]))
#: sort_complex
out = np.sort_complex(np.array([1 + 2j, 1 - 1j, 0 + 5j]))
#: msort_like_sort_axis0
out = np.sort(np.array([[4, 1], [2, 3]]), axis=0)
#: view_reshape_shares
a = np.arange(6)
b = a.reshape(2, 3)
b[0, 0] = 100
out = (a[0], np.shares_memory(a, b), np.may_share_memory(a, a.copy()))
#: copy_order
out = np.asfortranarray(np.arange(6).reshape(2, 3)).flags["F_CONTIGUOUS"]
#: ascontiguous
out = np.ascontiguousarray(np.arange(6).reshape(2, 3).T).flags["C_CONTIGUOUS"]
#: sliding_window_view
out = np.lib.stride_tricks.sliding_window_view(np.arange(5), 3)
#: as_strided
a = np.arange(6)
out = np.lib.stride_tricks.as_strided(a, shape=(3, 2), strides=(16, 8))
#: swap_rows
a = np.arange(6).reshape(3, 2)
a[[0, 2]] = a[[2, 0]]
out = a
#: kron
out = np.kron(np.eye(2), np.array([[1, 2], [3, 4]]))
#: diagflat
out = np.diagflat([1, 2])
#: diagonal_method
out = np.arange(9).reshape(3, 3).diagonal()
#: tensordot
out = np.tensordot(np.arange(6).reshape(2, 3), np.arange(6).reshape(3, 2), axes=1)
#: einsum_matmul
a, b = np.arange(6).reshape(2, 3), np.arange(6).reshape(3, 2)
out = np.einsum("ij,jk->ik", a, b)
#: einsum_trace_diag
a = np.arange(9).reshape(3, 3)
out = (np.einsum("ii", a), np.einsum("ii->i", a), np.einsum("ij->ji", a))
#: einsum_batch
a = np.ones((4, 2, 3))
b = np.ones((4, 3, 5))
out = np.einsum("bij,bjk->bik", a, b).shape
#: einsum_outer_sum
out = (np.einsum("i,j->ij", [1, 2], [3, 4, 5]), np.einsum("ij->", np.arange(6).reshape(2, 3)))
#: einsum_ellipsis
out = np.einsum("...ij->...ji", np.zeros((5, 2, 3))).shape
#: sliding_window_mean
x = np.arange(10.0)
out = np.lib.stride_tricks.sliding_window_view(x, 4).mean(axis=-1)
#: sliding_window_2d_axis
out = np.lib.stride_tricks.sliding_window_view(np.arange(12).reshape(3, 4), 2, axis=1)
#: sliding_window_readonly
w = np.lib.stride_tricks.sliding_window_view(np.arange(5), 2)
w[0, 0] = 1
out = w
#: as_strided_writes_through
a = np.zeros(6)
v = np.lib.stride_tricks.as_strided(a, shape=(2,), strides=(24,))
v[:] = 7
out = a
'''
