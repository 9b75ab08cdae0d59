// Which vector instructions this build may use. Baseline ones (SSE2 on
// x86-64, NEON on arm64) are used whenever the compiler targets them; wider
// ones (SSSE3, AVX2) only after asking the CPU at run time, in functions
// compiled for them alone (__attribute__((target))), so one prebuild still
// runs on every x86-64 machine.
#pragma once

// gcc and clang on x86-64, mingw-w64 included: the target attribute and
// __builtin_cpu_supports exist there. Elsewhere, no runtime dispatch.
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define CLAWPAY_X86_DISPATCH 1
#else
#define CLAWPAY_X86_DISPATCH 0
#endif

#if defined(__SSE2__) && CLAWPAY_X86_DISPATCH
#define CLAWPAY_SSE2 1
#else
#define CLAWPAY_SSE2 0
#endif

#if (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__) && defined(__ARM_NEON)
#define CLAWPAY_NEON 1
#else
#define CLAWPAY_NEON 0
#endif

namespace clawpay {

struct CpuFeatures {
  bool ssse3 = false;
  bool avx2 = false;
};

// Asked once, on first use.
inline const CpuFeatures& cpuFeatures() {
  static const CpuFeatures features = [] {
    CpuFeatures f;
#if CLAWPAY_X86_DISPATCH
    // Callers may run before libgcc's own constructor has filled the model.
    __builtin_cpu_init();
    f.ssse3 = __builtin_cpu_supports("ssse3");
    // libgcc and compiler-rt also check that the OS saves the YMM registers.
    f.avx2 = __builtin_cpu_supports("avx2");
#endif
    return f;
  }();
  return features;
}

}  // namespace clawpay
