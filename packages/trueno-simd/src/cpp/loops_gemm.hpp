// GEMM packing and an MR x NR register-blocked micro-kernel (NR = two vectors) for one ISA.
// The blocking, threading and batching live in gemm.cpp.
#pragma once
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "simd.hpp"

namespace trueno {
namespace TRUENO_NS {

template <class T>
struct GemmShape {
    static constexpr int W = VT<T>::W;
    static constexpr int NR = 2 * W;
    // 32 vector registers with AVX-512 / NEON, 16 otherwise: MR*2 accumulators + 3 temporaries.
#if TRUENO_VBYTES == 64
    static constexpr int MR = 12;
#else
    static constexpr int MR = 6;
#endif
};

// A block (rows x cols = mc x kc) into slivers of MR rows: dst[sliver][k][i].
template <class T>
void pack_a(const char* src, idx rs, idx cs, idx rows, idx cols, void* dstv) {
    constexpr int MR = GemmShape<T>::MR;
    T* dst = static_cast<T*>(dstv);
    for (idx i0 = 0; i0 < rows; i0 += MR) {
        int h = rows - i0 < MR ? int(rows - i0) : MR;
        const char* base = src + i0 * rs;
        if (h == MR) {
            for (idx k = 0; k < cols; ++k)
                for (int i = 0; i < MR; ++i) dst[k * MR + i] = ld<T>(base + i * rs + k * cs);
        } else {
            for (idx k = 0; k < cols; ++k)
                for (int i = 0; i < MR; ++i)
                    dst[k * MR + i] = i < h ? ld<T>(base + i * rs + k * cs) : T(0);
        }
        dst += MR * cols;
    }
}

// B block (rows x cols = kc x nc) into slivers of NR columns: dst[sliver][k][j].
template <class T>
void pack_b(const char* src, idx rs, idx cs, idx rows, idx cols, void* dstv) {
    constexpr int NR = GemmShape<T>::NR;
    T* dst = static_cast<T*>(dstv);
    for (idx j0 = 0; j0 < cols; j0 += NR) {
        int w = cols - j0 < NR ? int(cols - j0) : NR;
        const char* base = src + j0 * cs;
        if (w == NR && cs == idx(sizeof(T))) {
            for (idx k = 0; k < rows; ++k) std::memcpy(dst + k * NR, base + k * rs, NR * sizeof(T));
        } else {
            for (idx k = 0; k < rows; ++k)
                for (int j = 0; j < NR; ++j)
                    dst[k * NR + j] = j < w ? ld<T>(base + k * rs + j * cs) : T(0);
        }
        dst += NR * rows;
    }
}

template <class T>
inline void ukernel(idx kc, const T* __restrict a, const T* __restrict b, T* __restrict c,
                    idx ldc, bool accumulate) {
    using V = typename VT<T>::V;
    constexpr int W = VT<T>::W;
    constexpr int MR = GemmShape<T>::MR;
    constexpr int NR = GemmShape<T>::NR;
    V c0[MR], c1[MR];
    // The C tile is touched only after the k loop: start pulling it in now.
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
        __builtin_prefetch(c + i * ldc, 1);
        __builtin_prefetch(c + i * ldc + NR - 1, 1);
    }
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) c0[i] = c1[i] = V{};
    for (idx k = 0; k < kc; ++k) {
        V b0, b1;
        std::memcpy(&b0, b, sizeof(V));
        std::memcpy(&b1, b + W, sizeof(V));
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) {
            V ai = splat<V>(a[i]);
            c0[i] += ai * b0;
            c1[i] += ai * b1;
        }
        a += MR;
        b += NR;
    }
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
        T* row = c + i * ldc;
        if (accumulate) {
            c0[i] += vload<V>(reinterpret_cast<const char*>(row));
            c1[i] += vload<V>(reinterpret_cast<const char*>(row + W));
        }
        vstore(reinterpret_cast<char*>(row), c0[i]);
        vstore(reinterpret_cast<char*>(row + W), c1[i]);
    }
}

// C[mc x nc] (+)= Apacked * Bpacked; C rows are ldc bytes apart, columns contiguous.
template <class T>
void macro_kernel(const void* apv, const void* bpv, idx mc, idx nc, idx kc, char* c, idx ldc,
                  bool accumulate) {
    constexpr int MR = GemmShape<T>::MR;
    constexpr int NR = GemmShape<T>::NR;
    const T* ap = static_cast<const T*>(apv);
    const T* bp = static_cast<const T*>(bpv);
    const idx ldce = ldc / idx(sizeof(T));
    alignas(64) T tile[MR * NR];
    for (idx j0 = 0; j0 < nc; j0 += NR) {
        int w = nc - j0 < NR ? int(nc - j0) : NR;
        const T* bs = bp + j0 * kc;
        for (idx i0 = 0; i0 < mc; i0 += MR) {
            int h = mc - i0 < MR ? int(mc - i0) : MR;
            const T* as = ap + i0 * kc;
            T* ct = reinterpret_cast<T*>(c + i0 * ldc) + j0;
            if (w == NR && h == MR && (ldc % idx(sizeof(T))) == 0 &&
                (reinterpret_cast<std::uintptr_t>(c) % sizeof(T)) == 0) {
                ukernel<T>(kc, as, bs, ct, ldce, accumulate);
            } else {
                ukernel<T>(kc, as, bs, tile, NR, false);
                for (int i = 0; i < h; ++i) {
                    char* row = c + (i0 + i) * ldc + j0 * idx(sizeof(T));
                    for (int j = 0; j < w; ++j) {
                        T v = tile[i * NR + j];
                        if (accumulate) v += ld<T>(row + j * idx(sizeof(T)));
                        st<T>(row + j * idx(sizeof(T)), v);
                    }
                }
            }
        }
    }
}

template <class T>
void fill_gemm_one(KernelTable& t) {
    constexpr DType d = std::is_same_v<T, float> ? F32 : F64;
    t.gemm[d].mr = GemmShape<T>::MR;
    t.gemm[d].nr = GemmShape<T>::NR;
    t.gemm[d].pack_a = pack_a<T>;
    t.gemm[d].pack_b = pack_b<T>;
    t.gemm[d].macro = macro_kernel<T>;
}

inline void fill_gemm(KernelTable& t) {
    fill_gemm_one<float>(t);
    fill_gemm_one<double>(t);
}

}  // namespace TRUENO_NS
}  // namespace trueno
