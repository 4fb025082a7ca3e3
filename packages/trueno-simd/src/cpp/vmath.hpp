// Vectorised exp / expm1 / log / tanh / sigmoid for float and double, written once with GCC
// vector extensions and compiled per ISA. Accuracy is measured in tests/test_unary.py and
// stated in README.md. Range reduction: x = n*ln2 + r (Cody-Waite), |r| <= ln2/2.
#pragma once
#include <cmath>
#include <limits>

#include "simd.hpp"

namespace trueno {
namespace TRUENO_NS {

template <class T>
struct Consts;

template <>
struct Consts<float> {
    static constexpr float log2e = 1.44269504088896341f;
    static constexpr float ln2_hi = 0.693359375f;
    static constexpr float ln2_lo = -2.12194440e-4f;
    static constexpr float ln2 = 0.693147180559945309f;
    static constexpr float magic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to integer
    static constexpr float exp_hi = 88.72283935546875f;
    static constexpr float exp_lo = -104.0f;
    static constexpr float tanh_sat = 9.0f;
    static constexpr int exp_deg = 7;
    static constexpr int log_terms = 5;
    static constexpr float min_normal = 1.17549435e-38f;
    static constexpr float sub_scale = 8388608.0f;  // 2^23
    static constexpr int sub_shift = 23;
    static constexpr float sqrt_half = 0.70710678118654752f;
};

template <>
struct Consts<double> {
    static constexpr double log2e = 1.44269504088896340736;
    static constexpr double ln2_hi = 6.93147180369123816490e-01;
    static constexpr double ln2_lo = 1.90821492927058770002e-10;
    static constexpr double ln2 = 0.693147180559945309417;
    static constexpr double magic = 6755399441055744.0;  // 1.5 * 2^52
    static constexpr double exp_hi = 709.782712893383973096;
    static constexpr double exp_lo = -746.0;
    static constexpr double tanh_sat = 20.0;
    static constexpr int exp_deg = 13;
    static constexpr int log_terms = 11;
    static constexpr double min_normal = 2.2250738585072014e-308;
    static constexpr double sub_scale = 4503599627370496.0;  // 2^52
    static constexpr int sub_shift = 52;
    static constexpr double sqrt_half = 0.70710678118654752440;
};

// Horner evaluation of sum_{k=0}^{deg} x^k / k! starting at term `first`.
template <class T, class V>
inline V taylor_exp(V r, int first, int deg) {
    // coefficients 1/k! computed at compile time by the optimiser (deg is a constant)
    T c[16];
    c[0] = 1;
    for (int k = 1; k < 16; ++k) c[k] = c[k - 1] / T(k);
    V p = splat<V>(c[deg]);
    for (int k = deg - 1; k >= first; --k) p = p * r + c[k];
    return p;
}

// 2^n for integer vectors n in [-2*bias-mant, bias+1], as the product of two normal powers.
template <class T>
struct Pow2 {
    using VT_ = VT<T>;
    typename VT_::V a, b;
};

template <class T>
inline Pow2<T> pow2_split(typename VT<T>::VI n) {
    using Tr = VT<T>;
    using V = typename Tr::V;
    using VI = typename Tr::VI;
    VI n1 = n >> 1;
    VI n2 = n - n1;
    Pow2<T> r;
    r.a = (V)((n1 + Tr::bias) << Tr::mant);
    r.b = (V)((n2 + Tr::bias) << Tr::mant);
    return r;
}

template <class T>
inline typename VT<T>::V vexp(typename VT<T>::V x) {
    using Tr = VT<T>;
    using V = typename Tr::V;
    using VI = typename Tr::VI;
    using C = Consts<T>;
    V xc = x > C::exp_hi ? splat<V>(C::exp_hi) : x;
    xc = xc < C::exp_lo ? splat<V>(C::exp_lo) : xc;
    V k = xc * C::log2e + C::magic;
    V n = k - C::magic;
    VI ni = (VI)k - (VI)splat<V>(C::magic);
    V r = xc - n * C::ln2_hi;
    r = r - n * C::ln2_lo;
    V p = taylor_exp<T>(r, 0, C::exp_deg);
    Pow2<T> s = pow2_split<T>(ni);
    V res = p * s.a * s.b;
    res = x > C::exp_hi ? splat<V>(std::numeric_limits<T>::infinity()) : res;
    res = x < C::exp_lo ? splat<V>(T(0)) : res;
    res = x != x ? x : res;
    return res;
}

// expm1 for x in [0, 2*tanh_sat] (only used by tanh).
template <class T>
inline typename VT<T>::V vexpm1_pos(typename VT<T>::V x) {
    using Tr = VT<T>;
    using V = typename Tr::V;
    using VI = typename Tr::VI;
    using C = Consts<T>;
    V k = x * C::log2e + C::magic;
    V n = k - C::magic;
    VI ni = (VI)k - (VI)splat<V>(C::magic);
    V r = x - n * C::ln2_hi;
    r = r - n * C::ln2_lo;
    // q = expm1(r) = r + r^2 (1/2 + r/6 + ...)
    V q = taylor_exp<T>(r, 2, C::exp_deg);
    q = r + r * r * q;
    V s = (V)((ni + Tr::bias) << Tr::mant);
    return s * q + (s - T(1));
}

template <class T>
inline typename VT<T>::V vtanh(typename VT<T>::V x) {
    using Tr = VT<T>;
    using V = typename Tr::V;
    using VI = typename Tr::VI;
    using C = Consts<T>;
    const VI sign = (VI)splat<V>(T(-0.0));
    V ax = (V)((VI)x & ~sign);
    V axc = ax > C::tanh_sat ? splat<V>(C::tanh_sat) : ax;
    V e = vexpm1_pos<T>(axc + axc);
    V t = e / (e + T(2));
    t = ax > C::tanh_sat ? splat<V>(T(1)) : t;
    V res = (V)((VI)t | ((VI)x & sign));
    return x != x ? x : res;
}

template <class T>
inline typename VT<T>::V vsigmoid(typename VT<T>::V x) {
    using Tr = VT<T>;
    using V = typename Tr::V;
    using VI = typename Tr::VI;
    const VI sign = (VI)splat<V>(T(-0.0));
    V nax = (V)((VI)x | sign);  // -|x|
    V e = vexp<T>(nax);
    V r = T(1) / (e + T(1));
    return x >= T(0) ? r : e * r;
}

template <class T>
inline typename VT<T>::V vlog(typename VT<T>::V x) {
    using Tr = VT<T>;
    using V = typename Tr::V;
    using VI = typename Tr::VI;
    using C = Consts<T>;
    const VI mant_mask = (VI{} + 1) << Tr::mant;  // becomes (1 << mant) - 1 below
    const VI mmask = mant_mask - 1;
    // subnormals: scale into the normal range first
    auto sub = x < C::min_normal;
    V xs = sub ? x * C::sub_scale : x;
    VI bits = (VI)xs;
    VI e = ((bits >> Tr::mant) & (2 * Tr::bias + 1)) - Tr::bias;
    e = sub ? e - C::sub_shift : e;
    V m = (V)((bits & mmask) | ((VI)splat<V>(T(1))));  // [1, 2)
    auto big = m > T(2) * C::sqrt_half;
    m = big ? m * T(0.5) : m;
    e = big ? e + 1 : e;
    V f = m - T(1);
    V s = f / (f + T(2));
    V s2 = s * s;
    // log(m) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...)
    V p = splat<V>(T(1) / T(2 * C::log_terms - 1));
    for (int k = C::log_terms - 2; k >= 1; --k) p = p * s2 + T(1) / T(2 * k + 1);
    V lm = f - s * (f - s2 * p * T(2));  // = 2s + 2s^3 p, written to keep f exact
    V ef = __builtin_convertvector(e, V);
    V res = ef * C::ln2_hi + (lm + ef * C::ln2_lo);
    const T inf = std::numeric_limits<T>::infinity();
    res = x == T(0) ? splat<V>(-inf) : res;
    res = x < T(0) ? splat<V>(std::numeric_limits<T>::quiet_NaN()) : res;
    res = x == inf ? x : res;
    res = x != x ? x : res;
    return res;
}

}  // namespace TRUENO_NS
}  // namespace trueno
