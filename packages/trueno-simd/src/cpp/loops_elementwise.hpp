// Elementwise 1-D loops for one ISA: binary ops, unary ops, where, addcmul.
// Contiguous and scalar-broadcast runs take loops the compiler vectorises; other strides a
// plain strided loop. Transcendentals use the explicit vector code in vmath.hpp.
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "fpe.hpp"
#include "vmath.hpp"

namespace trueno {
namespace TRUENO_NS {

// ---- binary functors: f(a, b) -> R ----
struct OpAdd { template <class T> static T f(T a, T b) { return T(a + b); } };
struct OpSub { template <class T> static T f(T a, T b) { return T(a - b); } };
struct OpMul { template <class T> static T f(T a, T b) { return T(a * b); } };
struct OpDiv { template <class T> static T f(T a, T b) { return T(a / b); } };
struct OpMax {
    template <class T>
    static T f(T a, T b) {
        T r = a >= b ? a : b;
        return a != a ? a : r;  // NaN-propagating like np.maximum
    }
};
struct OpMin {
    template <class T>
    static T f(T a, T b) {
        T r = a <= b ? a : b;
        return a != a ? a : r;
    }
};
struct OpPow { template <class T> static T f(T a, T b) { return std::pow(a, b); } };
struct OpEq { template <class T> static bool f(T a, T b) { return a == b; } };
struct OpNe { template <class T> static bool f(T a, T b) { return a != b; } };
struct OpLt { template <class T> static bool f(T a, T b) { return a < b; } };
struct OpLe { template <class T> static bool f(T a, T b) { return a <= b; } };
struct OpGt { template <class T> static bool f(T a, T b) { return a > b; } };
struct OpGe { template <class T> static bool f(T a, T b) { return a >= b; } };

template <class T, class R, class Op>
void bin_loop(const char* __restrict a, idx sa, const char* __restrict b, idx sb,
              char* __restrict o, idx n) {
    constexpr idx S = sizeof(T);
    constexpr idx SR = sizeof(R);
    if (sa == S && sb == S) {
        for (idx i = 0; i < n; ++i)
            st<R>(o + i * SR, Op::template f<T>(ld<T>(a + i * S), ld<T>(b + i * S)));
    } else if (sa == 0 && sb == S) {
        const T av = ld<T>(a);
        for (idx i = 0; i < n; ++i) st<R>(o + i * SR, Op::template f<T>(av, ld<T>(b + i * S)));
    } else if (sa == S && sb == 0) {
        const T bv = ld<T>(b);
        for (idx i = 0; i < n; ++i) st<R>(o + i * SR, Op::template f<T>(ld<T>(a + i * S), bv));
    } else {
        for (idx i = 0; i < n; ++i)
            st<R>(o + i * SR, Op::template f<T>(ld<T>(a + i * sa), ld<T>(b + i * sb)));
    }
}

// ---- unary: scalar functors (vectorised by the compiler where it can) ----
struct UNeg { template <class T> static T f(T x) { return T(-x); } };
struct UAbs {
    template <class T>
    static T f(T x) {
        if constexpr (std::is_floating_point_v<T>) return std::fabs(x);
        else if constexpr (std::is_signed_v<T>) return T(x < 0 ? -x : x);
        else return x;
    }
};
struct USqrt { template <class T> static T f(T x) { return std::sqrt(x); } };
// float32 sin/cos go through double: correctly rounded in practice, and simple.
struct USin { template <class T> static T f(T x) { return T(std::sin(double(x))); } };
struct UCos { template <class T> static T f(T x) { return T(std::cos(double(x))); } };
struct UErf { template <class T> static T f(T x) { return T(std::erf(double(x))); } };
struct UGelu {
    template <class T>
    static T f(T x) {
        double d = double(x);
        return T(0.5 * d * (1.0 + std::erf(d * 0.70710678118654752440)));
    }
};

template <class T, class Op>
void un_loop(const char* __restrict a, idx sa, char* __restrict o, idx n) {
    constexpr idx S = sizeof(T);
    if (sa == S) {
        for (idx i = 0; i < n; ++i) st<T>(o + i * S, Op::template f<T>(ld<T>(a + i * S)));
    } else {
        for (idx i = 0; i < n; ++i) st<T>(o + i * S, Op::template f<T>(ld<T>(a + i * sa)));
    }
}

// ---- unary: explicit vector functors ----
// exp and log flag what NumPy's exp and log raise, from each input x and result r (the
// polynomials' own hardware flags are ignored): exp: overflow for a finite x with an infinite
// r, underflow for x > -inf with r below the smallest normal; log: divide by zero at +-0,
// invalid below 0. Flags `a` and `b` are lane masks.
struct VExp {
    static constexpr int kA = FPE_OVERFLOW, kB = FPE_UNDERFLOW;
    template <class T, class V> static V f(V x) { return vexp<T>(x); }
    template <class T, class V, class VI>
    static void flags(V x, V r, VI& a, VI& b) {
        const T inf = std::numeric_limits<T>::infinity();
        a |= (VI)((x < inf) & (r == inf));
        b |= (VI)((x > -inf) & (r < std::numeric_limits<T>::min()));
    }
    template <class T>
    static int flag1(T x, T r) {
        const T inf = std::numeric_limits<T>::infinity();
        return (x < inf && r == inf ? kA : 0) |
               (x > -inf && r < std::numeric_limits<T>::min() ? kB : 0);
    }
};
struct VLog {
    static constexpr int kA = FPE_DIVIDE, kB = FPE_INVALID;
    template <class T, class V> static V f(V x) { return vlog<T>(x); }
    template <class T, class V, class VI>
    static void flags(V x, V, VI& a, VI& b) {
        a |= (VI)(x == T(0));
        b |= (VI)(x < T(0));
    }
    template <class T>
    static int flag1(T x, T) {
        return (x == T(0) ? kA : 0) | (x < T(0) ? kB : 0);
    }
};
struct VTanh { template <class T, class V> static V f(V x) { return vtanh<T>(x); } };
struct VSigmoid { template <class T, class V> static V f(V x) { return vsigmoid<T>(x); } };
struct VSilu { template <class T, class V> static V f(V x) { return x * vsigmoid<T>(x); } };
struct VGeluTanh {
    template <class T, class V>
    static V f(V x) {
        const T k0 = T(0.79788456080286535588);  // sqrt(2/pi)
        V inner = k0 * (x + T(0.044715) * x * x * x);
        // 0.5 (1 + tanh(u)) == sigmoid(2u), without the cancellation for very negative x
        return x * vsigmoid<T>(inner + inner);
    }
};

// float32 erf in double precision: the Taylor series of erf, 61 terms in x^2, is good to
// ~5e-10 absolute on |x| < 3.92; beyond that erf rounds to +-1 in float32.
typedef double vdw __attribute__((vector_size(TRUENO_VBYTES * 2)));  // one double per float

struct ErfCoeffs {
    double c[61];
    constexpr ErfCoeffs() : c() {
        double fact = 1;  // n!
        for (int n = 0; n < 61; ++n) {
            if (n > 0) fact *= n;
            const double v = 1.1283791670955125739 / (fact * (2 * n + 1));  // 2/sqrt(pi) ...
            c[n] = (n % 2) ? -v : v;
        }
    }
};

inline vdw erf_f64_small(vdw x) {
    static constexpr ErfCoeffs k{};
    vdw xc = x > 3.92 ? splat<vdw>(3.92) : x;
    xc = xc < -3.92 ? splat<vdw>(-3.92) : xc;
    const vdw y = xc * xc, y2 = y * y, y4 = y2 * y2;
    // sum_n c_n y^n split four ways in z = y^4 (coefficients 0..63, 61..63 zero): four
    // independent Horner chains instead of one 60-deep dependency chain
    vdw q[4];
    for (int j = 0; j < 4; ++j) {
        vdw acc = splat<vdw>(0.0);
        for (int m = 15; m >= 0; --m) {
            const int n = 4 * m + j;
            acc = acc * y4 + (n <= 60 ? k.c[n] : 0.0);
        }
        q[j] = acc;
    }
    vdw p = (q[0] + y * q[1]) + y2 * (q[2] + y * q[3]);
    vdw r = xc * p;
    r = x > 3.92 ? splat<vdw>(1.0) : r;
    r = x < -3.92 ? splat<vdw>(-1.0) : r;
    return r;  // NaN stays NaN through the clamps
}

struct VErfF32 {
    template <class T, class V>
    static V f(V x) {
        return __builtin_convertvector(erf_f64_small(__builtin_convertvector(x, vdw)), V);
    }
};
struct VGeluF32 {
    template <class T, class V>
    static V f(V x) {
        vdw d = __builtin_convertvector(x, vdw);
        vdw e = erf_f64_small(d * 0.70710678118654752440);
        return __builtin_convertvector(0.5 * d * (1.0 + e), V);
    }
};

template <class T, class Op>
void un_vloop(const char* __restrict a, idx sa, char* __restrict o, idx n) {
    using V = typename VT<T>::V;
    using VI = typename VT<T>::VI;
    constexpr int W = VT<T>::W;
    constexpr idx S = sizeof(T);
    constexpr bool kFlags = std::is_same_v<Op, VExp> || std::is_same_v<Op, VLog>;
    VI fa{}, fb{};
    int fl = 0;
    idx i = 0;
    if (sa == S) {
        for (; i + W <= n; i += W) {
            const V x = vload<V>(a + i * S);
            const V r = Op::template f<T, V>(x);
            if constexpr (kFlags) Op::template flags<T>(x, r, fa, fb);
            vstore(o + i * S, r);
        }
    } else {
        for (; i + W <= n; i += W) {
            const V x = vgather<T, V>(a + i * sa, sa, W);
            const V r = Op::template f<T, V>(x);
            if constexpr (kFlags) Op::template flags<T>(x, r, fa, fb);
            vstore(o + i * S, r);
        }
    }
    if (i < n) {
        int rem = int(n - i);
        const V x = vgather<T, V>(a + i * sa, sa, rem);
        V r = Op::template f<T, V>(x);
        std::memcpy(o + i * S, &r, size_t(rem) * S);
        if constexpr (kFlags)
            for (int j = 0; j < rem; ++j) fl |= Op::template flag1<T>(x[j], r[j]);
    }
    if constexpr (kFlags) {
        for (int j = 0; j < W; ++j) fl |= (fa[j] ? Op::kA : 0) | (fb[j] ? Op::kB : 0);
        if (fl) fpe_sw() |= fl;
    }
}

// ---- where(cond, x, y), by item size ----
template <class U>
void where_loop(const char* __restrict c, idx sc, const char* __restrict x, idx sx,
                const char* __restrict y, idx sy, char* __restrict o, idx n) {
    constexpr idx S = sizeof(U);
    if (sc == 1 && sx == S && sy == S) {
        for (idx i = 0; i < n; ++i) {
            U xv = ld<U>(x + i * S), yv = ld<U>(y + i * S);
            st<U>(o + i * S, c[i] ? xv : yv);
        }
    } else {
        for (idx i = 0; i < n; ++i)
            st<U>(o + i * S, c[i * sc] ? ld<U>(x + i * sx) : ld<U>(y + i * sy));
    }
}

// ---- addcmul: x + value * a * b ----
template <class T>
void addcmul_loop(const char* __restrict x, idx sx, const char* __restrict a, idx sa,
                  const char* __restrict b, idx sb, char* __restrict o, idx n, double value) {
    constexpr idx S = sizeof(T);
    const T v = T(value);
    if (sx == S && sa == S && sb == S) {
        for (idx i = 0; i < n; ++i)
            st<T>(o + i * S, ld<T>(x + i * S) + v * ld<T>(a + i * S) * ld<T>(b + i * S));
    } else {
        for (idx i = 0; i < n; ++i)
            st<T>(o + i * S, ld<T>(x + i * sx) + v * ld<T>(a + i * sa) * ld<T>(b + i * sb));
    }
}

template <class T>
constexpr DType dtype_of() {
    if constexpr (std::is_same_v<T, bool>) return B1;
    else if constexpr (std::is_same_v<T, std::int8_t>) return I8;
    else if constexpr (std::is_same_v<T, std::int16_t>) return I16;
    else if constexpr (std::is_same_v<T, std::int32_t>) return I32;
    else if constexpr (std::is_same_v<T, std::int64_t>) return I64;
    else if constexpr (std::is_same_v<T, std::uint8_t>) return U8;
    else if constexpr (std::is_same_v<T, std::uint16_t>) return U16;
    else if constexpr (std::is_same_v<T, std::uint32_t>) return U32;
    else if constexpr (std::is_same_v<T, std::uint64_t>) return U64;
    else if constexpr (std::is_same_v<T, float>) return F32;
    else return F64;
}

template <class T>
void fill_arith(KernelTable& t) {
    constexpr DType d = dtype_of<T>();
    if constexpr (!std::is_same_v<T, bool>) {
        t.bin[ADD][d] = bin_loop<T, T, OpAdd>;
        t.bin[SUB][d] = bin_loop<T, T, OpSub>;
        t.bin[MUL][d] = bin_loop<T, T, OpMul>;
        t.un[NEG][d] = un_loop<T, UNeg>;
        t.un[ABS][d] = un_loop<T, UAbs>;
    }
    t.bin[MAXIMUM][d] = bin_loop<T, T, OpMax>;
    t.bin[MINIMUM][d] = bin_loop<T, T, OpMin>;
    t.bin[EQ][d] = bin_loop<T, bool, OpEq>;
    t.bin[NE][d] = bin_loop<T, bool, OpNe>;
    t.bin[LT][d] = bin_loop<T, bool, OpLt>;
    t.bin[LE][d] = bin_loop<T, bool, OpLe>;
    t.bin[GT][d] = bin_loop<T, bool, OpGt>;
    t.bin[GE][d] = bin_loop<T, bool, OpGe>;
    if constexpr (std::is_floating_point_v<T>) {
        t.bin[DIV][d] = bin_loop<T, T, OpDiv>;
        t.bin[POW][d] = bin_loop<T, T, OpPow>;
        t.un[EXP][d] = un_vloop<T, VExp>;
        t.un[LOG][d] = un_vloop<T, VLog>;
        t.un[TANH][d] = un_vloop<T, VTanh>;
        t.un[SIGMOID][d] = un_vloop<T, VSigmoid>;
        t.un[SILU][d] = un_vloop<T, VSilu>;
        t.un[GELU_TANH][d] = un_vloop<T, VGeluTanh>;
        if constexpr (std::is_same_v<T, float>) {
            t.un[ERF][d] = un_vloop<T, VErfF32>;
            t.un[GELU][d] = un_vloop<T, VGeluF32>;
        } else {
            t.un[ERF][d] = un_loop<T, UErf>;
            t.un[GELU][d] = un_loop<T, UGelu>;
        }
        t.un[SIN][d] = un_loop<T, USin>;
        t.un[COS][d] = un_loop<T, UCos>;
        t.un[SQRT][d] = un_loop<T, USqrt>;
        t.addcmul[d] = addcmul_loop<T>;
    }
}

inline void fill_elementwise(KernelTable& t) {
    fill_arith<bool>(t);
    fill_arith<std::int8_t>(t);
    fill_arith<std::int16_t>(t);
    fill_arith<std::int32_t>(t);
    fill_arith<std::int64_t>(t);
    fill_arith<std::uint8_t>(t);
    fill_arith<std::uint16_t>(t);
    fill_arith<std::uint32_t>(t);
    fill_arith<std::uint64_t>(t);
    fill_arith<float>(t);
    fill_arith<double>(t);
    t.where[0] = where_loop<std::uint8_t>;
    t.where[1] = where_loop<std::uint16_t>;
    t.where[2] = where_loop<std::uint32_t>;
    t.where[3] = where_loop<std::uint64_t>;
}

}  // namespace TRUENO_NS
}  // namespace trueno
