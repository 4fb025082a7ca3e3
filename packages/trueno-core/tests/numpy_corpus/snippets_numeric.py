"""NumPy corpus: more random Generator streams, linalg, fft, polynomial fitting, statistics."""

SNIPPETS = r'''
#: rng_choice_p
rng = np.random.default_rng(4)
out = rng.choice([1, 2, 3], size=6, p=[0.2, 0.5, 0.3])
#: rng_choice_2d_axis
rng = np.random.default_rng(4)
out = rng.choice(np.arange(12).reshape(4, 3), 2, replace=False)
#: rng_permuted_axis
rng = np.random.default_rng(8)
out = rng.permuted(np.arange(6).reshape(2, 3), axis=1)
#: rng_shuffle_2d
a = np.arange(6).reshape(3, 2)
np.random.default_rng(1).shuffle(a)
out = a
#: rng_integers_dtype
out = np.random.default_rng(0).integers(0, 100, size=4, dtype=np.int32)
#: rng_integers_array_bounds
out = np.random.default_rng(0).integers([0, 10], [5, 20])
#: rng_normal_array_params
out = np.random.default_rng(6).normal(np.array([0.0, 10.0]), np.array([1.0, 0.1]))
#: rng_dirichlet
out = np.random.default_rng(2).dirichlet([1.0, 2.0, 3.0], size=2)
#: rng_lognormal_laplace
rng = np.random.default_rng(12)
out = (rng.lognormal(0.0, 1.0, 3), rng.laplace(size=2), rng.logistic(size=2))
#: rng_geometric_hypergeometric
rng = np.random.default_rng(13)
out = (rng.geometric(0.3, 4), rng.hypergeometric(10, 5, 4, size=3))
#: rng_multinomial
out = np.random.default_rng(14).multinomial(20, [0.2, 0.3, 0.5], size=2)
#: rng_standard_t_chisquare
rng = np.random.default_rng(15)
out = (rng.standard_t(5, 2), rng.chisquare(3, 2), rng.f(2, 3, 2))
#: rng_weibull_pareto_vonmises
rng = np.random.default_rng(16)
out = (rng.weibull(2.0, 2), rng.pareto(3.0, 2), rng.vonmises(0.0, 1.0, 2))
#: rng_bytes_len
out = len(np.random.default_rng(0).bytes(10))
#: rng_random_out
o = np.empty(3)
np.random.default_rng(3).random(out=o)
out = o
#: rng_spawn
child = np.random.default_rng(1).spawn(2)[1]
out = child.random(2)
#: rng_bit_generator_seed_sequence
rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(7)))
out = rng.random(2)
#: legacy_normal_uniform
np.random.seed(7)
out = (np.random.normal(1.0, 2.0, 3), np.random.uniform(0, 5, 2), np.random.random(2))
#: legacy_permutation
np.random.seed(2)
out = np.random.permutation(6)
#: linalg_eig_nonsym_complex
w = np.linalg.eigvals(np.array([[0.0, 1.0], [-2.0, -3.0]]))
out = np.sort(w)
#: linalg_lstsq_full
A = np.array([[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
x, res, rank, sv = np.linalg.lstsq(A, np.array([1.0, 2.0, 2.0]), rcond=None)
out = (x, res, rank, sv)
#: linalg_qr_mode_r
out = np.abs(np.linalg.qr(np.array([[3.0, 1.0], [4.0, 2.0]]), mode="r"))
#: linalg_svd_hermitian
out = np.linalg.svd(np.array([[2.0, 1.0], [1.0, 2.0]]), compute_uv=False, hermitian=True)
#: linalg_norm_fro_nuc
A = np.array([[1.0, 2.0], [3.0, 4.0]])
out = (np.linalg.norm(A, "fro"), np.linalg.norm(A, "nuc"), np.linalg.norm(A, 2))
#: linalg_norm_vector_ords
v = np.array([3.0, -4.0, 0.0])
out = [np.linalg.norm(v, o) for o in (0, 1, 2, np.inf, -np.inf, 3)]
#: linalg_inv_batch
out = np.linalg.inv(np.stack([np.eye(2) * 2, np.eye(2) * 5]))
#: linalg_solve_multiple_rhs
out = np.linalg.solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([[2.0, 4.0], [8.0, 4.0]]))
#: linalg_det_int
out = np.linalg.det(np.array([[1, 2], [3, 4]]))
#: linalg_slogdet_singular
out = np.linalg.slogdet(np.zeros((2, 2)))
#: linalg_matrix_power_neg
out = np.linalg.matrix_power(np.array([[2.0, 0.0], [0.0, 4.0]]), -1)
#: linalg_cond_p
out = np.linalg.cond(np.array([[1.0, 2.0], [3.0, 4.0]]), 1)
#: linalg_outer_trace_funcs
out = (np.linalg.outer(np.arange(2), np.arange(3)), np.linalg.trace(np.eye(3)),
       np.linalg.diagonal(np.arange(4).reshape(2, 2)))
#: linalg_matrix_transpose
out = np.linalg.matrix_transpose(np.arange(6).reshape(1, 2, 3)).shape
#: linalg_tensorinv
out = np.linalg.tensorinv(np.eye(4).reshape(4, 2, 2), ind=1).shape
#: fft_irfft_odd
x = np.arange(5.0)
out = np.fft.irfft(np.fft.rfft(x), n=5)
#: fft_fftn_axes
out = np.fft.fftn(np.ones((2, 3, 4)), axes=(1, 2)).shape
#: fft_fftshift_axes
out = np.fft.fftshift(np.arange(6).reshape(2, 3), axes=1)
#: fft_ihfft
out = np.fft.ihfft(np.array([1.0, 2.0, 3.0, 4.0]))
#: fft_fft_complex_input
out = np.fft.fft(np.array([1j, 1.0, -1j, -1.0]))
#: fft_f32_dtype
out = np.fft.fft(np.ones(4, dtype=np.float32)).dtype
#: fft_norm_forward
out = np.fft.ifft(np.fft.fft(np.arange(4.0), norm="forward"), norm="forward").real
#: fft_convolution_theorem
a, b = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])
n = len(a) + len(b) - 1
out = np.fft.irfft(np.fft.rfft(a, n) * np.fft.rfft(b, n), n)
#: polyfit_deg1_cov
x = np.arange(6.0)
y = 2 * x + 1 + np.array([0.1, -0.1, 0.05, 0.0, -0.05, 0.1])
c, cov = np.polyfit(x, y, 1, cov=True)
out = (c, cov.shape)
#: polyfit_full
out = np.polyfit(np.arange(4.0), np.array([1.0, 3.0, 5.0, 7.0]), 1, full=True)[0]
#: polyval_2d_x
out = np.polyval([1.0, 0.0, 2.0], np.arange(4.0).reshape(2, 2))
#: polydiv_polysub
out = (np.polydiv([1.0, -3.0, 2.0], [1.0, -1.0]), np.polysub([1, 2, 3], [1, 1]))
#: poly_from_roots
out = np.poly([1.0, 2.0])
#: corrcoef_matrix
out = np.corrcoef(np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 7.0], [3.0, 1.0, 0.0]]))
#: cov_ddof_weights
out = (np.cov(np.array([1.0, 2.0, 4.0]), ddof=0),
       np.cov(np.array([1.0, 2.0, 4.0]), fweights=[1, 2, 1]))
#: median_keepdims_even
out = np.median(np.array([[1.0, 4.0, 2.0, 3.0]]), axis=1, keepdims=True)
#: median_nan
out = np.median(np.array([1.0, np.nan, 3.0]))
#: average_axis_weights_2d
out = np.average(np.arange(6.0).reshape(3, 2), axis=0, weights=[1, 0, 1])
#: average_zero_weights_raises
out = np.average(np.arange(3.0), weights=[0, 0, 0])
#: histogram_auto_bins
out = np.histogram(np.arange(20.0), bins="auto")[0].sum()
#: histogramdd
out = np.histogramdd(np.array([[0.1, 0.2], [0.6, 0.7], [0.8, 0.1]]), bins=2)[0]
#: digitize_decreasing
out = np.digitize(np.array([0.5, 2.5]), np.array([3.0, 2.0, 1.0]))
#: bincount_minlength_weights_int
out = np.bincount(np.array([1, 1, 2]), weights=np.array([1, 2, 3]), minlength=5)
#: ptp_float_axis
out = np.ptp(np.array([[1.5, -2.0], [3.0, 0.0]]), axis=0)
#: cumulative_prod
out = np.cumulative_prod(np.array([1, 2, 3]))
#: trapezoid_x
out = np.trapezoid(np.array([1.0, 4.0, 9.0]), x=np.array([0.0, 1.0, 3.0]))
#: unwrap
out = np.unwrap(np.array([0.0, 3.0, 6.5, 0.2]))
#: angle_deg
out = np.angle(np.array([1j, -1.0]), deg=True)
#: windows
out = (np.hanning(4), np.hamming(3), np.blackman(3), np.bartlett(4), np.kaiser(3, 2.0))
#: meshgrid_3
out = [g.shape for g in np.meshgrid(np.arange(2), np.arange(3), np.arange(4))]
#: logspace_array_endpoints
out = np.logspace(np.array([0.0, 1.0]), np.array([2.0, 3.0]), 3)
#: linspace_array_endpoints_axis
out = np.linspace(np.array([0.0, 10.0]), np.array([1.0, 20.0]), 3, axis=1)
#: geomspace_negative
out = np.geomspace(-1000, -1, 4)
#: rng_out_variants
rng = np.random.default_rng(21)
o1, o2, o3 = np.empty(2), np.empty((2, 2), dtype=np.float32), np.empty(3)
rng.standard_normal(out=o1)
rng.random(out=o2, dtype=np.float32)
rng.standard_exponential(out=o3)
out = (o1, o2, o3)
#: rng_out_dtype_mismatch_raises
np.random.default_rng(0).random(out=np.empty(2, dtype=np.float32))
out = None
'''
