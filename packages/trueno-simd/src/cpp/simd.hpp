// Vector types for one ISA translation unit. The including file defines TRUENO_VBYTES
// (16 = SSE2/NEON, 32 = AVX2, 64 = AVX-512); the same source then compiles to each target.
#pragma once
#include <cstdint>
#include <cstring>

#include "common.hpp"

#ifndef TRUENO_VBYTES
#error "define TRUENO_VBYTES before including simd.hpp"
#endif

namespace trueno {
namespace TRUENO_NS {

typedef float vf __attribute__((vector_size(TRUENO_VBYTES)));
typedef double vd __attribute__((vector_size(TRUENO_VBYTES)));
typedef std::int32_t vi32 __attribute__((vector_size(TRUENO_VBYTES)));
typedef std::int64_t vi64 __attribute__((vector_size(TRUENO_VBYTES)));

// Per-element-type traits: vector type, matching integer vector, IEEE layout constants.
template <class T>
struct VT;

template <>
struct VT<float> {
    using T = float;
    using V = vf;
    using I = std::int32_t;
    using VI = vi32;
    static constexpr int W = TRUENO_VBYTES / 4;
    static constexpr int mant = 23;
    static constexpr I bias = 127;
};

template <>
struct VT<double> {
    using T = double;
    using V = vd;
    using I = std::int64_t;
    using VI = vi64;
    static constexpr int W = TRUENO_VBYTES / 8;
    static constexpr int mant = 52;
    static constexpr I bias = 1023;
};

// NOTE: `V{} + t` would turn -0.0 into +0.0; `t - V{}` keeps the sign of zero.
template <class V, class T>
inline V splat(T t) {
    return t - V{};
}

template <class V>
inline V vload(const char* p) {
    V v;
    std::memcpy(&v, p, sizeof(V));
    return v;
}

template <class V>
inline void vstore(char* p, V v) {
    std::memcpy(p, &v, sizeof(V));
}

// Load W elements with a byte stride (any stride, including 0 and negative).
template <class T, class V>
inline V vgather(const char* p, idx s, int count) {
    constexpr int W = sizeof(V) / sizeof(T);
    T buf[W];
    for (int i = 0; i < W; ++i) buf[i] = i < count ? ld<T>(p + i * s) : T(0);
    V v;
    std::memcpy(&v, buf, sizeof(V));
    return v;
}

template <class T, class V>
inline T hsum(V v) {
    constexpr int W = sizeof(V) / sizeof(T);
    T buf[W];
    std::memcpy(buf, &v, sizeof(V));
    // pairwise, so the horizontal step does not lose accuracy either
    for (int w = W / 2; w >= 1; w /= 2)
        for (int i = 0; i < w; ++i) buf[i] += buf[i + w];
    return buf[0];
}

}  // namespace TRUENO_NS
}  // namespace trueno
