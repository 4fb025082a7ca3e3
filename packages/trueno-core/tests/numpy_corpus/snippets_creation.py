"""NumPy corpus: array creation, dtypes, printing."""

SNIPPETS = r'''
#: zeros
out = np.zeros((2, 3))
#: zeros_int
out = np.zeros(4, dtype=int)
#: ones_f32
out = np.ones((2, 2), dtype=np.float32)
#: empty_shape
out = np.empty((3, 0)).shape
#: full
out = np.full((2, 3), 7)
#: full_float
out = np.full(3, 2.5)
#: full_like
a = np.arange(6).reshape(2, 3)
out = np.full_like(a, 9)
#: zeros_like_float
out = np.zeros_like(np.array([1.5, 2.5]))
#: ones_like_dtype
out = np.ones_like(np.arange(3), dtype=float)
#: arange_int
out = np.arange(10)
#: arange_float_step
out = np.arange(0, 1, 0.1)
#: arange_neg_step
out = np.arange(10, 0, -3)
#: arange_dtype
out = np.arange(5, dtype=np.float32)
#: linspace
out = np.linspace(0, 1, 11)
#: linspace_noendpoint
out = np.linspace(0, 1, 4, endpoint=False)
#: linspace_retstep
out = np.linspace(0, 10, 5, retstep=True)
#: linspace_int_dtype
out = np.linspace(-3, 3, 7, dtype=int)
#: logspace
out = np.logspace(0, 3, 4)
#: logspace_base2
out = np.logspace(0, 4, 5, base=2)
#: geomspace
out = np.geomspace(1, 1000, 4)
#: eye
out = np.eye(3)
#: eye_k
out = np.eye(3, 4, k=1)
#: identity
out = np.identity(2, dtype=int)
#: diag_from_vector
out = np.diag([1, 2, 3])
#: diag_of_matrix
out = np.diag(np.arange(9).reshape(3, 3))
#: diag_k
out = np.diag(np.arange(9).reshape(3, 3), k=1)
#: tri
out = np.tri(3, dtype=int)
#: triu_positional_k
out = np.triu(np.ones((3, 3)), 1)
#: tril_positional_k
out = np.tril(np.arange(1, 10).reshape(3, 3), -1)
#: triu_keyword
out = np.triu(np.arange(1, 10).reshape(3, 3), k=0)
#: array_from_nested
out = np.array([[1, 2], [3, 4]])
#: array_mixed_int_float
out = np.array([1, 2.5, 3])
#: array_bool
out = np.array([True, False, True])
#: array_complex
out = np.array([1 + 2j, 3])
#: array_dtype_arg
out = np.array([1, 2, 3], dtype=np.float32)
#: asarray_tuple
out = np.asarray((1, 2, 3))
#: array_copy_independent
a = np.array([1, 2, 3])
b = np.array(a)
b[0] = 99
out = a
#: asarray_no_copy
a = np.arange(3)
b = np.asarray(a)
b[0] = 5
out = a
#: copy_function
a = np.arange(4)
b = np.copy(a)
b[1] = 0
out = (a, b)
#: fromfunction
out = np.fromfunction(lambda i, j: i + j, (3, 3))
#: fromfunction_int
out = np.fromfunction(lambda i, j: i * 10 + j, (2, 3), dtype=int)
#: meshgrid_xy
x, y = np.meshgrid(np.arange(3), np.arange(2))
out = (x, y)
#: meshgrid_ij
x, y = np.meshgrid([1, 2], [3, 4, 5], indexing="ij")
out = (x, y)
#: meshgrid_sparse
out = np.meshgrid(np.arange(3), np.arange(2), sparse=True)
#: mgrid
out = np.mgrid[0:3, 0:2]
#: mgrid_complex_step
out = np.mgrid[0:1:5j]
#: ogrid
out = np.ogrid[0:3, 0:4]
#: r_concat
out = np.r_[1:4, 0, 4]
#: r_arrays
out = np.r_[np.array([1, 2]), np.array([3])]
#: c_columns
out = np.c_[np.array([1, 2, 3]), np.array([4, 5, 6])]
#: repr_float
out = repr(np.array([1.0, 2.5, 3.0]))
#: repr_int
out = repr(np.arange(4))
#: repr_2d
out = repr(np.arange(6).reshape(2, 3))
#: repr_f32
out = repr(np.array([1.5, 2], dtype=np.float32))
#: repr_bool
out = repr(np.array([True, False]))
#: repr_empty
out = repr(np.zeros((0, 3)))
#: repr_scalar_sum
out = repr(np.arange(4).sum())
#: repr_scalar_float
out = repr(np.array([1.5, 2.0]).mean())
#: str_array
out = str(np.array([[1.5, 2.0], [3.0, 4.25]]))
#: print_array
print(np.arange(5) * 2)
out = None
#: print_scalar
print(np.float64(2.0) / 3)
out = None
#: print_dtype
print(np.arange(3.0).dtype)
out = None
#: str_dtype
out = str(np.zeros(2, dtype=np.int32).dtype)
#: dtype_eq
out = np.arange(3).dtype == np.int64
#: dtype_name
out = np.ones(2, dtype=np.float32).dtype.name
#: dtype_itemsize
out = (np.dtype(np.float32).itemsize, np.dtype("int16").itemsize)
#: dtype_kind
out = [np.dtype(t).kind for t in ("float64", "int8", "uint16", "bool", "complex64")]
#: issubdtype
out = (np.issubdtype(np.arange(3).dtype, np.integer),
       np.issubdtype(np.ones(2).dtype, np.floating),
       np.issubdtype(np.float32, np.number))
#: scalar_types_callable
out = (np.float32(0.1), np.int64(5), np.float64(2), np.int8(-3))
#: isinstance_scalar_type
a = np.arange(3.0)
out = (isinstance(a[0], np.float64), isinstance(a[0], np.float32), isinstance(1.0, np.float64),
       isinstance(np.arange(3)[1], np.int64))
#: scalar_type_of_array
out = np.float32(np.arange(3))
#: shape_setter_needs_copy_raises
a = np.arange(6).reshape(2, 3).T
a.shape = (6,)
out = a
#: shape_setter_size_mismatch
a = np.arange(6)
a.shape = (4,)
out = a
#: scalar_format
out = f"{np.int64(5):03d} {np.float64(3.14159):.2f}"
#: finfo_eps
out = (np.finfo(np.float64).eps, np.finfo(np.float32).max)
#: iinfo
out = (np.iinfo(np.int32).max, np.iinfo(np.int8).min)
#: astype_int
out = np.array([1.7, 2.2, -3.9]).astype(int)
#: astype_str
out = np.array([1, 2, 3]).astype(str)
#: astype_bool
out = np.array([0, 1, 2]).astype(bool)
#: ndim_size_itemsize
a = np.zeros((2, 3, 4), dtype=np.float32)
out = (a.ndim, a.size, a.itemsize, a.nbytes, a.shape)
#: strides
out = np.zeros((3, 4)).strides
#: tolist
out = np.arange(6).reshape(2, 3).tolist()
#: tolist_float
out = np.array([1.5, 2.0]).tolist()
#: item
out = np.array([[7.5]]).item()
#: len_array
out = len(np.zeros((5, 2)))
#: string_array
out = np.array(["a", "bb", "ccc"])
#: string_array_dtype
out = str(np.array(["ab", "c"]).dtype)
#: object_array
out = np.array([1, "a", None], dtype=object)
#: empty_like_shape
out = np.empty_like(np.zeros((2, 5))).shape
#: array_of_arrays
out = np.array([np.arange(3), np.arange(3, 6)])
#: frombuffer
out = np.frombuffer(b"\x01\x02\x03\x04", dtype=np.uint8)
#: fromiter
out = np.fromiter((x * x for x in range(5)), dtype=int)
#: vander
out = np.vander([1, 2, 3], 3)
#: ragged_raises
out = np.array([[1, 2], [3]])
#: zeros_negative_raises
out = np.zeros(-1)
#: bool_of_array_raises
out = bool(np.array([1, 2]))
#: int_of_scalar_array
out = int(np.array([3.7])[0])
#: float_of_0d
out = float(np.array(2.5))
#: scalar_hashable
d = {np.int64(1): "a"}
out = d[1]
#: isinstance_float
out = (isinstance(np.arange(3.0).sum(), float), isinstance(np.arange(3)[0], np.integer))
#: in_operator
out = (3 in np.arange(5), 7 in np.arange(5).reshape(5, 1))
#: set_printoptions_precision
with np.printoptions(precision=2):
    out = repr(np.array([1.23456, 2.0]))
#: array2string
out = np.array2string(np.array([1, 2, 3]), separator=", ")
#: array_equal_fn
out = (np.array_equal([1, 2], np.array([1, 2])), np.array_equal([1, 2], [1, 3]))
#: shape_setter
a = np.arange(6)
a.shape = (2, 3)
out = a
'''
