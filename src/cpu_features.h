// Which vector instructions this build may use. Baseline ones (SSE2 on
// x86-64) are used whenever the compiler targets them; wider
// ones (SSSE3, AVX2) only after asking the CPU at run time, in functions
// compiled for them alone (__attribute__((target))), so one prebuild still
// runs on every x86-64 machine.
#pragma once

// gcc and clang on x86-64, mingw-w64 included: the target attribute and
// <cpuid.h> exist there. Elsewhere, no runtime dispatch.
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define CLAWPAY_X86_DISPATCH 1
#else
#define CLAWPAY_X86_DISPATCH 0
#endif

#if CLAWPAY_X86_DISPATCH
#include <cpuid.h>
#endif

#if defined(__SSE2__) && CLAWPAY_X86_DISPATCH
#define CLAWPAY_SSE2 1
#else
#define CLAWPAY_SSE2 0
#endif

namespace clawpay {

struct CpuFeatures {
  bool ssse3 = false;
  bool avx2 = false;
};

// Asked once, on first use, of CPUID itself rather than through
// __builtin_cpu_supports, whose runtime half (libgcc's or compiler-rt's
// __cpu_model) older Apple toolchains do not link.
inline const CpuFeatures& cpuFeatures() {
  static const CpuFeatures features = [] {
    CpuFeatures f;
#if CLAWPAY_X86_DISPATCH
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
    f.ssse3 = (ecx & bit_SSSE3) != 0;
    // AVX2 needs the CPU to have it and the OS to save the YMM registers on
    // a context switch: OSXSAVE, then XCR0's SSE and AVX state bits.
    const bool osSavesYmm = (ecx & bit_OSXSAVE) != 0 && (ecx & bit_AVX) != 0 && [] {
      unsigned xcr0Low = 0, xcr0High = 0;
      __asm__ volatile("xgetbv" : "=a"(xcr0Low), "=d"(xcr0High) : "c"(0));
      return (xcr0Low & 0x6) == 0x6;
    }();
    if (osSavesYmm && __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) f.avx2 = (ebx & bit_AVX2) != 0;
#endif
    return f;
  }();
  return features;
}

}  // namespace clawpay
