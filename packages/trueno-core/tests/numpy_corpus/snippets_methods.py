"""NumPy corpus: ndarray methods and attributes."""

SNIPPETS = r'''
#: m_nonzero
out = np.array([0, 2, 0, 3]).nonzero()
#: m_repeat_axis
out = np.array([[1, 2], [3, 4]]).repeat(2, axis=0)
#: m_put
a = np.zeros(4)
a.put([1, 3], [5.0, 6.0])
out = a
#: m_searchsorted
out = np.array([1, 3, 5]).searchsorted([2, 5])
#: m_round_decimals
out = np.array([1.234, 5.678]).round(1)
#: m_conj_real_imag
z = np.array([1 + 2j, 3 - 4j])
out = (z.conj(), z.real, z.imag, z.conjugate())
#: m_real_setter
z = np.array([1 + 2j, 3 - 4j])
z.real = np.array([0.0, 0.0])
out = z
#: m_imag_of_real
out = np.array([1.0, 2.0]).imag
#: m_dot
out = np.arange(3).dot(np.arange(3))
#: m_dot_2d
out = np.eye(2).dot(np.array([[1.0], [2.0]]))
#: m_trace_cumsum
a = np.arange(9).reshape(3, 3)
out = (a.trace(), a.cumsum(axis=1), a.cumprod(axis=0))
#: m_argsort_axis
out = np.array([[3, 1, 2], [0, 5, 4]]).argsort(axis=1)
#: m_tobytes_frombuffer
a = np.arange(3, dtype=np.int16)
out = np.frombuffer(a.tobytes(), dtype=np.int16)
#: m_view_dtype
out = np.arange(2, dtype=np.int32).view(np.uint8)
#: m_reshape_order
out = np.arange(6).reshape(3, 2, order="F")
#: m_squeeze_swapaxes
out = (np.zeros((1, 2, 1)).squeeze().shape, np.zeros((2, 3)).swapaxes(0, 1).shape)
#: m_item_variants
a = np.arange(6).reshape(2, 3)
out = (a.item(1, 2), a.item(-1), np.array([2.5]).item())
#: m_choose_compress
out = (np.array([0, 1, 0]).choose([[1, 2, 3], [4, 5, 6]]), np.arange(5).compress([0, 1, 1]))
#: m_partition_inplace
a = np.array([5, 1, 4, 2])
a.partition(1)
out = a[1]
#: m_min_keepdims
out = np.arange(6).reshape(2, 3).min(axis=1, keepdims=True)
#: m_std_ddof_var_axis
a = np.arange(6.0).reshape(2, 3)
out = (a.std(ddof=1), a.var(axis=0))
#: m_prod_all_any
a = np.array([[1, 2], [3, 0]])
out = (a.prod(axis=1), a.all(axis=0), a.any())
#: m_mT
out = np.arange(6).reshape(1, 2, 3).mT.shape
#: m_astype_copy_flag
a = np.arange(3, dtype=np.float32)
out = (a.astype(np.float32, copy=False) is a, a.astype(np.float64).dtype)
#: m_tolist_0d
out = np.array(5).tolist()
#: m_getfield_like_real
out = np.array([1 + 1j]).real.dtype
#: m_fill_int_with_float
a = np.zeros(3, dtype=int)
a.fill(2.7)
out = a
#: m_sort_axis_kind
a = np.array([[3, 1], [2, 4]])
a.sort(axis=0, kind="stable")
out = a
#: m_argmax_axis_none
out = np.array([[1, 9], [3, 4]]).argmax()
#: m_max_where_initial
out = np.array([1, 5, 3]).max(where=np.array([True, False, True]), initial=0)
#: m_mean_where
out = np.array([1.0, 100.0, 3.0]).mean(where=np.array([True, False, True]))
#: m_flatten_order_a
out = np.asfortranarray(np.arange(6).reshape(2, 3)).flatten(order="A")
#: m_ravel_k
out = np.arange(6).reshape(2, 3).T.ravel(order="K")
#: m_copy_independence
a = np.arange(3)
b = a.copy()
b[0] = 7
out = (a, b)
#: m_diagonal_offset
out = np.arange(12).reshape(3, 4).diagonal(1)
#: m_nbytes_itemsize_ndim
a = np.zeros((3, 4), dtype=np.int16)
out = (a.nbytes, a.itemsize, a.ndim, a.size, len(a))
#: m_T_of_1d_and_3d
out = (np.arange(3).T.shape, np.zeros((2, 3, 4)).T.shape)
#: m_resize_inplace
a = np.arange(4)
a.resize(6, refcheck=False)
out = a
#: m_dump_like_tobytes_order
out = np.arange(4, dtype=np.uint8).reshape(2, 2).tobytes(order="F")
#: m_setflags_readonly
a = np.arange(3)
a.setflags(write=False)
a[0] = 5
out = a
#: m_hash_raises
out = hash(np.arange(3))
#: m_bool_single
out = (bool(np.array([0])), bool(np.array([3])))
#: m_iadd_broadcast
a = np.zeros((2, 3))
a += np.arange(3)
out = a
#: m_imatmul
a = np.eye(2)
a @= np.array([[1.0, 2.0], [3.0, 4.0]])
out = a
#: m_ipow_ifloordiv
a = np.arange(1, 5)
a **= 2
a //= 3
out = a
#: m_neg_uint_wraps
out = -np.array([1], dtype=np.uint8)
#: m_abs_builtin_on_scalar
out = abs(np.int8(-5))
#: m_divmod_builtin
out = divmod(np.arange(5), 3)
#: m_round_builtin_scalar
out = (round(np.float64(2.567), 2), round(np.float64(2.5)))
#: m_float_int_of_1elem_1d_raises
out = float(np.array([1.5]))
#: m_index_protocol
out = [10, 20, 30][np.int64(1)], list(range(5))[np.array(2)]
#: m_complex_of_0d
out = complex(np.array(1 + 2j))
#: m_imag_setter_and_errors
z = np.zeros(2, dtype=np.complex64)
z.imag = np.array([1.0, 2.0])
a = np.arange(3.0)
a.real = 7
out = (z, a)
#: m_imag_setter_real_raises
a = np.arange(3.0)
a.imag = 1
out = a
#: m_resize_grow_shrink
b = np.arange(4)
b.resize(2, 3, refcheck=False)
c = b.copy()
b.resize((5,), refcheck=False)
out = (c, b)
'''
