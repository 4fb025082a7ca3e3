"""NumPy corpus: basic, fancy and boolean indexing, assignment, views, iteration."""

SNIPPETS = r'''
#: element_scalar
a = np.arange(6).reshape(2, 3)
out = a[1, 2]
#: element_float_scalar
out = np.linspace(0, 1, 3)[1]
#: negative_index
out = np.arange(5)[-1]
#: slice_step
out = np.arange(10)[1:8:2]
#: slice_reverse
out = np.arange(5)[::-1]
#: row_col
a = np.arange(12).reshape(3, 4)
out = (a[1], a[:, 2], a[1:, ::2])
#: ellipsis_newaxis
a = np.arange(24).reshape(2, 3, 4)
out = (a[..., 0].shape, a[:, np.newaxis].shape, a[None].shape)
#: swap_idiom
a = np.array([1, 2, 3])
a[0], a[2] = a[2], a[0]
out = a
#: element_copy_not_view
b = np.array([1.0, 2.0, 3.0])
prev = b[2]
b[2] = 100.0
out = prev
#: slice_is_view
a = np.arange(5)
v = a[1:3]
v[:] = 0
out = a
#: fancy_1d
out = np.arange(10, 20)[[1, 3, 3, 0]]
#: fancy_2d_pairs
a = np.arange(12).reshape(3, 4)
out = a[[0, 2], [1, 3]]
#: fancy_ix
a = np.arange(12).reshape(3, 4)
out = a[np.ix_([0, 2], [1, 3])]
#: fancy_with_slice
a = np.arange(12).reshape(3, 4)
out = a[1:, [0, 2]]
#: fancy_neg
out = np.arange(5)[np.array([-1, -2])]
#: fancy_copy
a = np.arange(4)
b = a[[0, 1]]
b[0] = 99
out = a
#: fancy_out_of_bounds
out = np.arange(3)[[0, 5]]
#: index_out_of_bounds
out = np.arange(3)[3]
#: bool_mask
a = np.arange(10)
out = a[a % 3 == 0]
#: bool_mask_2d
a = np.arange(6).reshape(2, 3)
out = a[a > 2]
#: bool_mask_rows
a = np.arange(6).reshape(3, 2)
out = a[np.array([True, False, True])]
#: bool_mask_assign
a = np.arange(6.0)
a[a > 3] = 0
out = a
#: bool_mask_assign_array
a = np.arange(5)
a[a < 2] = np.array([10, 20])
out = a
#: bool_mask_wrong_length
out = np.arange(3)[np.array([True, False])]
#: fancy_assign
a = np.zeros(5)
a[[0, 3]] = [1.0, 2.0]
out = a
#: fancy_assign_repeat
a = np.zeros(3)
a[[0, 0, 1]] += 1
out = a
#: slice_assign_broadcast
a = np.zeros((2, 3))
a[:, 1:] = [7, 8]
out = a
#: assign_float_into_int
a = np.zeros(3, dtype=int)
a[0] = 2.9
out = a
#: assign_nan_into_int_raises
a = np.zeros(2, dtype=int)
a[0] = np.nan
out = a
#: setitem_scalar_row
a = np.zeros((2, 2))
a[0] = 5
out = a
#: nonzero
out = np.nonzero(np.array([[0, 1], [2, 0]]))
#: argwhere
out = np.argwhere(np.array([[0, 1], [2, 0]]))
#: flatnonzero
out = np.flatnonzero(np.array([0, 3, 0, 4]))
#: take
out = np.take(np.arange(10, 15), [0, 4])
#: take_axis
out = np.take(np.arange(6).reshape(2, 3), [2, 0], axis=1)
#: take_along_axis
a = np.array([[3, 1, 2], [9, 7, 8]])
out = np.take_along_axis(a, np.argsort(a, axis=1), axis=1)
#: put
a = np.arange(5)
np.put(a, [0, 2], [-1, -2])
out = a
#: put_along_axis
a = np.zeros((2, 3), dtype=int)
np.put_along_axis(a, np.array([[1], [2]]), 5, axis=1)
out = a
#: place
a = np.arange(6)
np.place(a, a > 3, [0, 1])
out = a
#: putmask
a = np.arange(5)
np.putmask(a, a > 2, -a)
out = a
#: compress
out = np.compress([True, False, True], np.arange(6).reshape(3, 2), axis=0)
#: extract
out = np.extract(np.arange(6) % 2 == 0, np.arange(6))
#: choose
out = np.choose([0, 1, 0], [[1, 2, 3], [10, 20, 30]])
#: diag_indices
a = np.zeros((3, 3), dtype=int)
a[np.diag_indices(3)] = 7
out = a
#: fill_diagonal
a = np.zeros((3, 3))
np.fill_diagonal(a, 2.0)
out = a
#: triu_indices
out = np.triu_indices(3, k=1)
#: tril_indices_from
out = np.tril_indices_from(np.zeros((3, 3)))
#: unravel_index
out = np.unravel_index(7, (3, 4))
#: ravel_multi_index
out = np.ravel_multi_index(([0, 2], [1, 3]), (3, 4))
#: indices
out = np.indices((2, 3))
#: ndindex
out = list(np.ndindex(2, 2))
#: ndenumerate
out = [(i, int(v)) for i, v in np.ndenumerate(np.array([[1, 2], [3, 4]]))]
#: iterate_rows
out = [r.sum() for r in np.arange(6).reshape(3, 2)]
#: iterate_1d_scalars
out = [type(x).__name__ for x in np.arange(3.0)]
#: nditer_readwrite
a = np.arange(4.0)
with np.nditer(a, op_flags=["readwrite"]) as it:
    for x in it:
        x[...] = 2 * x
out = a
#: s_index_exp
a = np.arange(10)
out = (a[np.s_[2:5]], np.index_exp[1:3])
#: flat_iter
a = np.arange(6).reshape(2, 3)
out = a.flat[4]
#: flat_assign
a = np.zeros((2, 2))
a.flat[[0, 3]] = 1
out = a
#: flat_setter_cycles
a = np.zeros((2, 3))
a.flat = [1, 2]
out = a
#: flat_setter_transposed_truncates
a = np.zeros((2, 3)).T
a.flat = [1, 2, 3, 4, 5, 6, 7, 8]
out = a
#: flat_slice_assign_cycles_and_cuts
a = np.zeros(6, dtype=np.int64)
a.flat[:] = [1.5, 2.5]
b = np.zeros(6)
b.flat[1:3] = [7, 8, 9]
c = np.zeros(3)
c.flat[:] = []
out = (a, b, c)
#: flat_setter_scalar_strided
a = np.zeros((2, 4))[:, ::2]
a.flat = 5
out = a
#: object_element_holds_a_list
o = np.empty((2, 2), dtype=object)
o[0, 1] = [1, 2]
o[1] = [3, 4]
p = np.empty(3, dtype=object)
p[0] = {"k": (1, 2)}
out = (o, p)
#: select_last_column
a = np.arange(12).reshape(3, 4)
out = a[:, -1:]
#: setitem_slice_copy_overlap
a = np.arange(6)
a[1:] = a[:-1]
out = a
#: negative_stride_assign
a = np.arange(5)
a[::-1] = np.arange(5)
out = a
#: index_with_float_raises
out = np.arange(5)[1.0]
#: index_list_of_bools
out = np.arange(3)[[True, False, True]]
#: zero_d_index
a = np.array(5.0)
out = (a[()], a[...])
#: searchsorted_in_index
edges = np.array([0, 10, 20, 30])
out = np.searchsorted(edges, [5, 10, 25], side="right")
#: digitize
out = np.digitize(np.array([0.2, 6.4, 3.0, 1.6]), np.array([0.0, 1.0, 2.5, 4.0, 10.0]))
#: digitize_right
out = np.digitize(np.array([1.0, 2.5]), np.array([1.0, 2.5, 4.0]), right=True)
#: copyto_where
a = np.zeros(4)
np.copyto(a, np.arange(4.0), where=np.array([True, False, True, False]))
out = a
#: mask_and_count
a = np.array([3, -1, 4, -1, 5])
out = (a < 0).sum()
#: any_all_index
a = np.array([[1, 0], [1, 1]])
out = (a.all(axis=1), a.any(axis=0), np.all(a), np.any(a == 5))
'''
