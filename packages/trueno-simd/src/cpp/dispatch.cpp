// Picks the kernel table for this CPU once, at import time (or as TRUENO_SIMD_ISA forces).
#include <cstdlib>
#include <string>

#include "common.hpp"

namespace trueno {
namespace {

struct Features {
    bool avx2 = false;
    bool avx512 = false;
};

Features detect() {
    Features f;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    f.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    f.avx512 = f.avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
    return f;
}

KernelTable make_table() {
    KernelTable t;
    Features f = detect();
    std::string want = "best";
    if (const char* env = std::getenv("TRUENO_SIMD_ISA")) want = env;
#if defined(__x86_64__) || defined(__i386__)
    // A forced ISA the CPU lacks falls back to the best one it has rather than crashing.
    if (f.avx512 && (want == "best" || want == "avx512")) {
        fill_table_avx512(t);
    } else if (f.avx2 && (want == "best" || want == "avx512" || want == "avx2")) {
        fill_table_avx2(t);
    } else {
        fill_table_baseline(t);
    }
#else
    fill_table_baseline(t);
#endif
    return t;
}

}  // namespace

const KernelTable& table() {
    static const KernelTable t = make_table();
    return t;
}

bool cpu_has_avx2() { return detect().avx2; }
bool cpu_has_avx512() { return detect().avx512; }

}  // namespace trueno
