// cpuFeatures() reads CPUID itself; on Linux, where libgcc's and
// compiler-rt's __builtin_cpu_supports link, it must agree with them.
#include "cpu_features.h"

#include <gtest/gtest.h>

namespace clawpay {
namespace {

TEST(CpuFeatures, AgreesWithTheCompilersOwnCpuCheck) {
#if CLAWPAY_X86_DISPATCH && defined(__linux__)
  __builtin_cpu_init();
  EXPECT_EQ(cpuFeatures().ssse3, __builtin_cpu_supports("ssse3") != 0);
  EXPECT_EQ(cpuFeatures().avx2, __builtin_cpu_supports("avx2") != 0);
#else
  GTEST_SKIP() << "no runtime dispatch, or no __builtin_cpu_supports to compare with, on this build";
#endif
}

TEST(CpuFeatures, Avx2ComesWithSsse3) {
  // Every AVX2 CPU has SSSE3; the AVX2 kernel is only chosen beside it.
  if (cpuFeatures().avx2) EXPECT_TRUE(cpuFeatures().ssse3);
}

}  // namespace
}  // namespace clawpay
