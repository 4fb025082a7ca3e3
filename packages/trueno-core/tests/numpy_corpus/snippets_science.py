"""NumPy corpus: linalg, fft, random Generator, file I/O, np.testing, polynomials."""

SNIPPETS = r'''
#: solve
A = np.array([[3.0, 1.0], [1.0, 2.0]])
out = np.linalg.solve(A, np.array([9.0, 8.0]))
#: inv
out = np.linalg.inv(np.array([[4.0, 7.0], [2.0, 6.0]]))
#: inv_singular_raises
out = np.linalg.inv(np.array([[1.0, 2.0], [2.0, 4.0]]))
#: det_slogdet
A = np.array([[1.0, 2.0], [3.0, 4.0]])
out = (np.linalg.det(A), np.linalg.slogdet(A))
#: norm_variants
A = np.array([[1.0, -2.0], [3.0, 4.0]])
out = (np.linalg.norm(A), np.linalg.norm(A, 1), np.linalg.norm(A, np.inf),
       np.linalg.norm(np.array([3.0, 4.0])), np.linalg.norm(A, axis=1))
#: norm_ord
out = np.linalg.norm(np.array([1.0, -2.0, 2.0]), ord=1)
#: eigh
w, v = np.linalg.eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
out = (w, np.abs(v))
#: eigvalsh
out = np.linalg.eigvalsh(np.array([[2.0, 0.0], [0.0, 3.0]]))
#: eig_reconstruct
A = np.array([[2.0, 0.0], [1.0, 3.0]])
w, v = np.linalg.eig(A)
out = (np.sort(w), np.allclose(A @ v, v * w))
#: eigvals_complex
out = np.sort_complex(np.linalg.eigvals(np.array([[0.0, -1.0], [1.0, 0.0]])))
#: svd
A = np.array([[3.0, 0.0], [0.0, 4.0], [0.0, 0.0]])
u, s, vt = np.linalg.svd(A, full_matrices=False)
out = (s, u.shape, vt.shape, np.allclose(u * s @ vt, A))
#: svd_values_only
out = np.linalg.svd(np.array([[1.0, 2.0], [3.0, 4.0]]), compute_uv=False)
#: qr
A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
q, r = np.linalg.qr(A)
out = (q.shape, r.shape, np.allclose(q @ r, A))
#: cholesky
out = np.linalg.cholesky(np.array([[4.0, 2.0], [2.0, 3.0]]))
#: lstsq
A = np.vstack([np.arange(4.0), np.ones(4)]).T
m, c = np.linalg.lstsq(A, np.array([-1.0, 0.2, 0.9, 2.1]), rcond=None)[0]
out = (m, c)
#: pinv_rank_cond
A = np.array([[1.0, 2.0], [2.0, 4.0]])
out = (np.linalg.pinv(A), np.linalg.matrix_rank(A), np.linalg.cond(np.eye(2)))
#: matrix_power
out = np.linalg.matrix_power(np.array([[1, 1], [1, 0]]), 5)
#: multi_dot
out = np.linalg.multi_dot([np.eye(2), np.arange(4.0).reshape(2, 2), np.ones((2, 1))])
#: batched_solve
A = np.stack([np.eye(2) * 2, np.eye(2) * 4])
out = np.linalg.solve(A, np.ones((2, 2, 1)))
#: solve_shape_error
out = np.linalg.solve(np.ones((2, 3)), np.ones(2))
#: fft_basic
out = np.fft.fft(np.array([1.0, 2.0, 3.0, 4.0]))
#: ifft_roundtrip
x = np.arange(8.0)
out = np.fft.ifft(np.fft.fft(x)).real
#: rfft_irfft
x = np.array([0.0, 1.0, 0.0, -1.0])
out = (np.fft.rfft(x), np.fft.irfft(np.fft.rfft(x), n=4))
#: fftfreq
out = (np.fft.fftfreq(5, d=0.1), np.fft.rfftfreq(6))
#: fftshift
out = (np.fft.fftshift(np.arange(6)), np.fft.ifftshift(np.arange(5)))
#: fft2
out = np.fft.fft2(np.arange(4.0).reshape(2, 2))
#: fft_norm
out = np.fft.fft(np.ones(4), norm="ortho")
#: fft_n_pad
out = np.fft.fft(np.array([1.0, 1.0]), n=4)
#: rng_shapes_dtypes
rng = np.random.default_rng(0)
out = (rng.random((2, 3)).shape, rng.integers(0, 5, size=4).dtype,
       rng.normal(size=3).dtype, rng.random(dtype=np.float32, size=2).dtype)
#: rng_values_seeded
rng = np.random.default_rng(42)
out = (rng.random(3), rng.integers(0, 10, size=5), rng.standard_normal(2))
#: rng_normal_stats
rng = np.random.default_rng(1)
x = rng.normal(5.0, 2.0, size=20000)
out = (abs(x.mean() - 5.0) < 0.1, abs(x.std() - 2.0) < 0.1)
#: rng_uniform_bounds
x = np.random.default_rng(3).uniform(-1, 1, size=1000)
out = (bool(x.min() >= -1), bool(x.max() < 1), x.shape)
#: rng_choice_permutation
rng = np.random.default_rng(7)
out = (np.sort(rng.permutation(5)), rng.choice(10, size=3, replace=False).shape)
#: rng_shuffle_inplace
a = np.arange(6)
np.random.default_rng(0).shuffle(a)
out = np.sort(a)
#: rng_integers_endpoint
x = np.random.default_rng(5).integers(1, 3, size=200, endpoint=True)
out = np.unique(x)
#: legacy_seed_rand
np.random.seed(0)
out = (np.random.rand(2).shape, np.random.randint(0, 3, size=4).shape)
#: rng_poisson_binomial
rng = np.random.default_rng(11)
out = (rng.poisson(3.0, size=5).dtype, rng.binomial(10, 0.5, size=(2, 2)).shape)
#: save_load
np.save(tmp_path / "a.npy", np.arange(5.0))
out = np.load(tmp_path / "a.npy")
#: savez_load
np.savez(tmp_path / "b.npz", x=np.arange(3), y=np.ones((2, 2)))
with np.load(tmp_path / "b.npz") as f:
    out = (sorted(f.files), f["x"], f["y"])
#: savez_compressed
np.savez_compressed(tmp_path / "c.npz", np.arange(4))
out = np.load(tmp_path / "c.npz")["arr_0"]
#: savetxt_loadtxt
np.savetxt(tmp_path / "d.txt", np.array([[1.5, 2.0], [3.0, 4.0]]))
out = np.loadtxt(tmp_path / "d.txt")
#: savetxt_fmt_delimiter
p = tmp_path / "e.csv"
np.savetxt(p, np.arange(6).reshape(2, 3), fmt="%d", delimiter=",")
out = (p.read_text(), np.loadtxt(p, delimiter=",", dtype=int))
#: loadtxt_skiprows_usecols
p = tmp_path / "f.csv"
p.write_text("a,b,c\n1,2,3\n4,5,6\n")
out = np.loadtxt(p, delimiter=",", skiprows=1, usecols=(0, 2))
#: genfromtxt_missing
p = tmp_path / "g.csv"
p.write_text("1,2\n3,\n")
out = np.genfromtxt(p, delimiter=",")
#: tofile_fromfile
p = tmp_path / "h.bin"
np.arange(4, dtype=np.int32).tofile(p)
out = np.fromfile(p, dtype=np.int32)
#: testing_allclose_ok
np.testing.assert_allclose(np.array([1.0, 2.0]), [1.0, 2.0 + 1e-9])
out = True
#: testing_allclose_fails
np.testing.assert_allclose(np.array([1.0, 2.0]), [1.0, 2.5])
out = True
#: testing_array_equal
np.testing.assert_array_equal(np.arange(3), [0, 1, 2])
out = True
#: testing_equal_fails
np.testing.assert_array_equal(np.arange(3), [0, 1, 3])
out = True
#: testing_almost_less
np.testing.assert_almost_equal(np.pi, 3.1415926, decimal=6)
np.testing.assert_array_less(np.arange(3), 3)
out = True
#: polyfit_polyval
x = np.array([0.0, 1.0, 2.0, 3.0])
c = np.polyfit(x, 2 * x ** 2 - x + 1, 2)
out = (c, np.polyval(c, 4.0))
#: polyval_list
out = np.polyval([1, 0, -1], np.array([0, 1, 2]))
#: roots
out = np.sort(np.roots([1.0, -3.0, 2.0]))
#: poly_ops
out = (np.polyadd([1, 2], [1, 0, 1]), np.polymul([1, 1], [1, -1]), np.polyder([1, 2, 3]),
       np.polyint([3, 2]))
#: poly1d
p = np.poly1d([1, 2, 3])
out = (p(2), p.order, p.coeffs)
#: polynomial_class
P = np.polynomial.Polynomial([1, 2, 3])
out = P(2.0)
#: constants
out = (np.pi, np.e, np.inf, np.euler_gamma, np.newaxis)
#: nan_constant
out = np.isnan(np.nan)
#: info_funcs
out = (np.ndim([[1, 2]]), np.shape([[1, 2, 3]]), np.size(np.zeros((2, 5))))
#: isscalar
out = (np.isscalar(3.0), np.isscalar(np.arange(3)), np.isscalar(np.float64(1)))
#: iterable_and_asarray_list
out = np.asarray([np.float64(1.0), 2])
#: sum_generator_python
out = sum(np.arange(4))
#: max_python_builtin
out = max(np.array([3, 9, 2]))
#: sorted_python
out = sorted(np.array([3, 1, 2]))
#: json_dump_scalar_float
import json
out = json.dumps({"m": float(np.arange(3.0).mean()), "n": int(np.arange(3).sum())})
#: scalar_is_float
out = isinstance(np.array([1.5]).sum(), float)
#: astype_copy_false
a = np.arange(3.0)
out = a.astype(np.float64, copy=False) is a
#: fromstring_sep
out = np.fromstring("1 2 3", sep=" ")
#: array_repr_precision
out = np.array_repr(np.array([1 / 3, 2 / 3]), precision=3)
#: array_str_scalar
out = np.array_str(np.array([1, 2]))
#: format_float
out = (np.format_float_positional(0.1 + 0.2), np.format_float_scientific(12345.678, precision=2))
#: base_repr
out = (np.binary_repr(10), np.base_repr(255, 16))
#: packbits
out = (np.packbits(np.array([1, 0, 1, 1, 0, 0, 0, 1], dtype=np.uint8)),
       np.unpackbits(np.array([5], dtype=np.uint8)))
#: meshgrid_func_eval
x = np.linspace(-1, 1, 3)
X, Y = np.meshgrid(x, x)
out = np.exp(-(X ** 2 + Y ** 2))
#: outer_product_table
out = np.arange(1, 4)[:, None] * np.arange(1, 4)[None, :]
#: pairwise_distances
p = np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]])
out = np.sqrt(((p[:, None, :] - p[None, :, :]) ** 2).sum(-1))
#: softmax
x = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
e = np.exp(x - x.max(axis=1, keepdims=True))
out = e / e.sum(axis=1, keepdims=True)
#: one_hot
labels = np.array([0, 2, 1])
out = np.eye(3)[labels]
#: normalize_minmax
a = np.array([2.0, 4.0, 10.0])
out = (a - a.min()) / (a.max() - a.min())
#: running_max
out = np.maximum.accumulate(np.array([1, 3, 2, 5, 4]))
#: histogram_counts_sum
counts, edges = np.histogram(np.arange(100), bins=10)
out = (counts.sum(), edges[0], edges[-1])
#: mask_nan_mean
a = np.array([1.0, np.nan, 3.0])
out = a[~np.isnan(a)].mean()
#: log_sum_exp
x = np.array([1000.0, 1000.0])
out = x.max() + np.log(np.exp(x - x.max()).sum())
#: linregress_manual
x = np.arange(5.0)
y = 3 * x + 1
A = np.c_[x, np.ones_like(x)]
out = np.linalg.lstsq(A, y, rcond=None)[0]
#: identity_check
A = np.array([[2.0, 1.0], [1.0, 3.0]])
out = np.allclose(A @ np.linalg.inv(A), np.eye(2))
#: poly1d_arith
p = np.poly1d([1, 2, 3])
out = (repr(p * p - 1), repr(p.deriv()), repr(p.integ()), p[0], np.poly1d([1, -3, 2]).roots,
       p == np.poly1d([1, 2, 3]), repr(p / 2), repr(p ** 2), len(p), str(p))
#: poly1d_from_polyfit
x = np.array([0.0, 1.0, 2.0, 3.0])
f = np.poly1d(np.polyfit(x, x ** 2, 2))
out = (f(x), f(4.0), f.order)
#: poly1d_roots_ctor
out = (repr(np.poly1d([1, 2], True)), np.poly1d([1, 2], True).c, np.poly1d([3.0]).order)
'''
