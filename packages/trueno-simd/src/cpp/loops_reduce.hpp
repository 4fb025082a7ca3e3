// Reduction runs for one ISA: pairwise sums, min/max, argmin/argmax, shifted sums used by
// var / norms / logsumexp, and the per-row passes of softmax, log_softmax and layer_norm.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "vmath.hpp"

namespace trueno {
namespace TRUENO_NS {

// Pairwise sum of a contiguous run (leaves of 32 vectors, 4 vector accumulators), as accurate
// as numpy's pairwise summation and faster.
template <class T>
T pw_sum_contig(const char* p, idx n) {
    using V = typename VT<T>::V;
    constexpr int W = VT<T>::W;
    constexpr idx S = sizeof(T);
    constexpr idx LEAF = 32 * W;
    if (n <= LEAF) {
        V a0{}, a1{}, a2{}, a3{};
        idx i = 0;
        for (; i + 4 * W <= n; i += 4 * W) {
            a0 += vload<V>(p + i * S);
            a1 += vload<V>(p + (i + W) * S);
            a2 += vload<V>(p + (i + 2 * W) * S);
            a3 += vload<V>(p + (i + 3 * W) * S);
        }
        for (; i + W <= n; i += W) a0 += vload<V>(p + i * S);
        T s = hsum<T>((a0 + a1) + (a2 + a3));
        T t = 0;
        for (; i < n; ++i) t += ld<T>(p + i * S);
        return s + t;
    }
    idx h = n / 2;
    h -= h % W;
    return pw_sum_contig<T>(p, h) + pw_sum_contig<T>(p + h * S, n - h);
}

// Pairwise sum of m(x) over a contiguous run, m applied to whole vectors (and to scalars in
// the tail): the vectorised form of pw_mapsum for var, layer_norm and the 1- and 2-norms.
template <class T, class M>
T pw_vmapsum_contig(const char* p, idx n, M m) {
    using V = typename VT<T>::V;
    constexpr int W = VT<T>::W;
    constexpr idx S = sizeof(T);
    constexpr idx LEAF = 32 * W;
    if (n <= LEAF) {
        V a0{}, a1{}, a2{}, a3{};
        idx i = 0;
        for (; i + 4 * W <= n; i += 4 * W) {
            a0 += m(vload<V>(p + i * S));
            a1 += m(vload<V>(p + (i + W) * S));
            a2 += m(vload<V>(p + (i + 2 * W) * S));
            a3 += m(vload<V>(p + (i + 3 * W) * S));
        }
        for (; i + W <= n; i += W) a0 += m(vload<V>(p + i * S));
        T s = hsum<T>((a0 + a1) + (a2 + a3));
        T t = 0;
        for (; i < n; ++i) t += m(ld<T>(p + i * S));
        return s + t;
    }
    idx h = n / 2;
    h -= h % W;
    return pw_vmapsum_contig<T>(p, h, m) + pw_vmapsum_contig<T>(p + h * S, n - h, m);
}

// Pairwise sum of m(x) over a strided run, accumulating in Acc (8 scalar lanes per leaf).
template <class T, class Acc, bool CONTIG, class M>
Acc pw_mapsum(const char* p, idx s, idx n, M m) {
    if (CONTIG) s = sizeof(T);
    if (n <= 128) {
        Acc acc[8] = {};
        idx i = 0;
        for (; i + 8 <= n; i += 8)
            for (int k = 0; k < 8; ++k) acc[k] += m(ld<T>(p + (i + k) * s));
        Acc r = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        for (; i < n; ++i) r += m(ld<T>(p + i * s));
        return r;
    }
    idx h = n / 2;
    h -= h % 8;
    return pw_mapsum<T, Acc, CONTIG>(p, s, h, m) + pw_mapsum<T, Acc, CONTIG>(p + h * s, s, n - h, m);
}

template <class T>
double fsum_run(const char* p, idx s, idx n) {
    if (s == idx(sizeof(T))) return double(pw_sum_contig<T>(p, n));
    return double(pw_mapsum<T, T, false>(p, s, n, [](T x) { return x; }));
}

template <class T>
std::uint64_t isum_run(const char* p, idx s, idx n) {
    using W64 = std::conditional_t<std::is_signed_v<T>, std::int64_t, std::uint64_t>;
    std::uint64_t acc = 0;
    if (s == idx(sizeof(T))) {
        for (idx i = 0; i < n; ++i) acc += std::uint64_t(W64(ld<T>(p + i * sizeof(T))));
    } else {
        for (idx i = 0; i < n; ++i) acc += std::uint64_t(W64(ld<T>(p + i * s)));
    }
    return acc;
}

// best = max(best, run) (or min); NaN wins, like np.max.
template <class T, bool MAX>
void minmax_run(const char* p, idx s, idx n, char* best) {
    T m = ld<T>(best);
    if constexpr (std::is_floating_point_v<T>) {
        if (m != m) return;
        using V = typename VT<T>::V;
        constexpr int W = VT<T>::W;
        using VI = typename VT<T>::VI;
        V vm = splat<V>(m);
        VI nan{};
        idx i = 0;
        for (; i + W <= n; i += W) {
            V x = s == idx(sizeof(T)) ? vload<V>(p + i * s) : vgather<T, V>(p + i * s, s, W);
            vm = (MAX ? x > vm : x < vm) ? x : vm;
            nan |= (VI)(x != x);
        }
        for (int k = 0; k < W; ++k) {
            if (nan[k]) {
                st<T>(best, std::numeric_limits<T>::quiet_NaN());
                return;
            }
            m = (MAX ? vm[k] > m : vm[k] < m) ? vm[k] : m;
        }
        for (; i < n; ++i) {
            T x = ld<T>(p + i * s);
            if (x != x) {
                st<T>(best, x);
                return;
            }
            m = (MAX ? x > m : x < m) ? x : m;
        }
    } else {
        if (s == idx(sizeof(T))) {
            for (idx i = 0; i < n; ++i) {
                T x = ld<T>(p + i * sizeof(T));
                m = (MAX ? x > m : x < m) ? x : m;
            }
        } else {
            for (idx i = 0; i < n; ++i) {
                T x = ld<T>(p + i * s);
                m = (MAX ? x > m : x < m) ? x : m;
            }
        }
    }
    st<T>(best, m);
}

// First index of the max (min); the first NaN wins, like np.argmax.
template <class T, bool MAX>
void arg_run(const char* p, idx s, idx n, idx base, char* best, std::int64_t* at) {
    T b = ld<T>(best);
    std::int64_t a = *at;
    if (b != b) return;
    for (idx i = 0; i < n; ++i) {
        T x = ld<T>(p + i * s);
        if (x != x) {
            b = x;
            a = base + i;
            break;
        }
        if (MAX ? x > b : x < b) {
            b = x;
            a = base + i;
        }
    }
    st<T>(best, b);
    *at = a;
}

template <class T>
double sqdev_run(const char* p, idx s, idx n, double c) {
    auto f = [c](T x) {
        double d = double(x) - c;
        return d * d;
    };
    if (s == idx(sizeof(T))) {
        const T ct = T(c);
        return double(pw_vmapsum_contig<T>(p, n, [ct](auto x) {
            auto d = x - ct;
            return d * d;
        }));
    }
    return pw_mapsum<T, double, false>(p, s, n, f);
}

template <class T>
double absdev_run(const char* p, idx s, idx n, double c) {
    auto f = [c](T x) { return std::fabs(double(x) - c); };
    if (s == idx(sizeof(T))) {
        const T ct = T(c);
        return double(pw_vmapsum_contig<T>(p, n, [ct](auto x) {
            auto d = x - ct;
            return d < T(0) ? -d : d;
        }));
    }
    return pw_mapsum<T, double, false>(p, s, n, f);
}

template <class T>
double maxabs_run(const char* p, idx s, idx n, double) {
    double m = 0;
    for (idx i = 0; i < n; ++i) {
        double x = std::fabs(double(ld<T>(p + i * s)));
        if (x != x) return x;
        m = x > m ? x : m;
    }
    return m;
}

template <class T, class V>
inline V vgather_pad(const char* p, idx s, int count, T pad) {
    constexpr int W = sizeof(V) / sizeof(T);
    T buf[W];
    for (int i = 0; i < W; ++i) buf[i] = i < count ? ld<T>(p + i * s) : pad;
    V v;
    std::memcpy(&v, buf, sizeof(V));
    return v;
}

// sum exp(x - c); when o is non-null also stores exp(x - c) to o (stride so).
// Blocks of 16 vectors are summed in T, blocks are summed in double.
template <class T, bool STORE>
double expsum_impl(const char* p, idx s, char* o, idx so, idx n, double cd) {
    using V = typename VT<T>::V;
    constexpr int W = VT<T>::W;
    constexpr idx S = sizeof(T);
    const T c = T(cd);
    const T ninf = -std::numeric_limits<T>::infinity();
    double total = 0;
    idx i = 0;
    while (i < n) {
        V acc{};
        idx end = i + 16 * W < n ? i + 16 * W : n;
        for (; i < end; i += W) {
            int cnt = end - i >= W ? W : int(end - i);
            V x = (s == S && cnt == W) ? vload<V>(p + i * S) : vgather_pad<T, V>(p + i * s, s, cnt, ninf);
            V e = vexp<T>(x - c);
            acc += e;
            if (STORE) {
                if (so == S && cnt == W) {
                    vstore(o + i * S, e);
                } else {
                    for (int k = 0; k < cnt; ++k) st<T>(o + (i + k) * so, e[k]);
                }
            }
        }
        total += double(hsum<T>(acc));
    }
    return total;
}

template <class T>
double sumexp_run(const char* p, idx s, idx n, double c) {
    return expsum_impl<T, false>(p, s, nullptr, 0, n, c);
}

template <class T>
double expstore_run(const char* p, idx s, char* o, idx so, idx n, double c) {
    return expsum_impl<T, true>(p, s, o, so, n, c);
}

template <class T>
void scale_run(char* o, idx so, idx n, double fd) {
    const T f = T(fd);
    if (so == idx(sizeof(T))) {
        for (idx i = 0; i < n; ++i) st<T>(o + i * sizeof(T), ld<T>(o + i * sizeof(T)) * f);
    } else {
        for (idx i = 0; i < n; ++i) st<T>(o + i * so, ld<T>(o + i * so) * f);
    }
}

template <class T>
void substore_run(const char* p, idx s, char* o, idx so, idx n, double cd, double c2d) {
    const T c = T(cd), c2 = T(c2d);
    constexpr idx S = sizeof(T);
    if (s == S && so == S) {
        for (idx i = 0; i < n; ++i) st<T>(o + i * S, (ld<T>(p + i * S) - c) - c2);
    } else {
        for (idx i = 0; i < n; ++i) st<T>(o + i * so, (ld<T>(p + i * s) - c) - c2);
    }
}

// softmax / log_softmax of `rows` short rows (n <= kSoftmaxShortRow elements, stride s; row r
// at p + xoff[r], its output at o + ooff[r] with stride so). A row of 10 is one and a bit
// vectors, so row by row each pass is a latency-bound chain and a padded tail; here W rows at a
// time are transposed into a stack buffer, one lane per row, and max, exp, sum, the log (in
// double) and the final pass run on whole vectors. Lanes past the last row repeat its values.
template <class T>
void softmax_rows_run(const char* p, const idx* xoff, idx s, char* o, const idx* ooff, idx so,
                      idx rows, idx n, bool log) {
    using V = typename VT<T>::V;
    constexpr int W = VT<T>::W;
    using VD = typename VT<double>::V;
    constexpr int WD = VT<double>::W;
    alignas(64) T buf[kSoftmaxShortRow * W];
    alignas(64) T lane[W];
    alignas(64) double dl[W];
    for (idx r0 = 0; r0 < rows; r0 += W) {
        const int b = rows - r0 < W ? int(rows - r0) : W;
        const char* xr[W];
        for (int k = 0; k < W; ++k) xr[k] = p + xoff[r0 + (k < b ? k : b - 1)];
        for (idx j = 0; j < n; ++j)
            for (int k = 0; k < W; ++k) buf[j * W + k] = ld<T>(xr[k] + j * s);
        V m = vload<V>(reinterpret_cast<const char*>(buf));
        for (idx j = 1; j < n; ++j) {
            V x = vload<V>(reinterpret_cast<const char*>(buf + j * W));
            m = ((x > m) | (x != x)) ? x : m;  // NaN wins, as np.max
        }
        V acc{};
        for (idx j = 0; j < n; ++j) {
            char* q = reinterpret_cast<char*>(buf + j * W);
            V e = vexp<T>(vload<V>(q) - m);
            acc += e;
            if (!log) vstore(q, e);
        }
        vstore(reinterpret_cast<char*>(lane), acc);
        for (int k = 0; k < W; ++k) dl[k] = double(lane[k]);
        if (log) {
            for (int k = 0; k < W; k += WD) {  // log of the sums in double, as std::log
                const VD l = vlog<double>(vload<VD>(reinterpret_cast<const char*>(dl + k)));
                vstore(reinterpret_cast<char*>(dl + k), l);
            }
            // (x - max) - log(sum) row by row from the input, no transpose back
            alignas(64) T ml[W];
            vstore(reinterpret_cast<char*>(ml), m);
            for (int k = 0; k < b; ++k) {
                const T c = ml[k], c2 = T(dl[k]);
                const char* xk = p + xoff[r0 + k];
                char* orow = o + ooff[r0 + k];
                if (s == idx(sizeof(T)) && so == idx(sizeof(T))) {
                    for (idx j = 0; j < n; ++j)
                        st<T>(orow + j * sizeof(T), (ld<T>(xk + j * sizeof(T)) - c) - c2);
                } else {
                    for (idx j = 0; j < n; ++j) st<T>(orow + j * so, (ld<T>(xk + j * s) - c) - c2);
                }
            }
            continue;
        } else {
            for (int k = 0; k < W; ++k) lane[k] = T(1.0 / dl[k]);
            const V f = vload<V>(reinterpret_cast<const char*>(lane));
            for (idx j = 0; j < n; ++j) {
                char* q = reinterpret_cast<char*>(buf + j * W);
                vstore(q, vload<V>(q) * f);
            }
        }
        for (int k = 0; k < b; ++k) {
            char* orow = o + ooff[r0 + k];
            for (idx j = 0; j < n; ++j) st<T>(orow + j * so, buf[j * W + k]);
        }
    }
}

template <class T>
void normrow_run(const char* p, idx s, char* o, idx n, double meand, double rstdd,
                 const char* w, idx sw, const char* b, idx sb) {
    const T mean = T(meand), rstd = T(rstdd);
    constexpr idx S = sizeof(T);
    if (s == S && (!w || sw == S) && (!b || sb == S)) {
        if (w && b) {
            for (idx i = 0; i < n; ++i)
                st<T>(o + i * S, (ld<T>(p + i * S) - mean) * rstd * ld<T>(w + i * S) + ld<T>(b + i * S));
        } else if (w) {
            for (idx i = 0; i < n; ++i)
                st<T>(o + i * S, (ld<T>(p + i * S) - mean) * rstd * ld<T>(w + i * S));
        } else if (b) {
            for (idx i = 0; i < n; ++i)
                st<T>(o + i * S, (ld<T>(p + i * S) - mean) * rstd + ld<T>(b + i * S));
        } else {
            for (idx i = 0; i < n; ++i) st<T>(o + i * S, (ld<T>(p + i * S) - mean) * rstd);
        }
        return;
    }
    for (idx i = 0; i < n; ++i) {
        T y = (ld<T>(p + i * s) - mean) * rstd;
        if (w) y *= ld<T>(w + i * sw);
        if (b) y += ld<T>(b + i * sb);
        st<T>(o + i * S, y);
    }
}

template <class T>
void fill_reduce_one(KernelTable& t) {
    constexpr DType d = dtype_of<T>();
    t.max[d] = minmax_run<T, true>;
    t.min[d] = minmax_run<T, false>;
    t.argmax[d] = arg_run<T, true>;
    t.argmin[d] = arg_run<T, false>;
    if constexpr (std::is_floating_point_v<T>) {
        t.fsum[d] = fsum_run<T>;
        t.sqdev[d] = sqdev_run<T>;
        t.absdev[d] = absdev_run<T>;
        t.maxabs[d] = maxabs_run<T>;
        t.sumexp[d] = sumexp_run<T>;
        t.expstore[d] = expstore_run<T>;
        t.scale[d] = scale_run<T>;
        t.substore[d] = substore_run<T>;
        t.softmax_rows[d] = softmax_rows_run<T>;
        t.normrow[d] = normrow_run<T>;
    } else if constexpr (!std::is_same_v<T, bool>) {
        t.isum[d] = isum_run<T>;
    }
}

inline void fill_reduce(KernelTable& t) {
    fill_reduce_one<bool>(t);
    fill_reduce_one<std::int8_t>(t);
    fill_reduce_one<std::int16_t>(t);
    fill_reduce_one<std::int32_t>(t);
    fill_reduce_one<std::int64_t>(t);
    fill_reduce_one<std::uint8_t>(t);
    fill_reduce_one<std::uint16_t>(t);
    fill_reduce_one<std::uint32_t>(t);
    fill_reduce_one<std::uint64_t>(t);
    fill_reduce_one<float>(t);
    fill_reduce_one<double>(t);
}

}  // namespace TRUENO_NS
}  // namespace trueno
