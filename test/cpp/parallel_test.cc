#include "parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

namespace clawpay {
namespace {

TEST(ParallelFor, VisitsEveryIndexOnceForAnyThreadCount) {
  for (unsigned threads : {0u, 1u, 2u, 3u, 64u, 4000000000u}) {
    for (size_t count : {0u, 1u, 2u, 7u, 1000u}) {
      std::vector<std::atomic<int>> hits(count);
      parallelFor(count, threads, [&](size_t i) { hits[i]++; });
      for (size_t i = 0; i < count; ++i) EXPECT_EQ(hits[i].load(), 1) << threads << " " << count;
    }
  }
}

TEST(ParallelFor, AnExceptionOnAWorkerReachesTheCallerAfterAllJoined) {
  std::atomic<int> done{0};
  EXPECT_THROW(parallelFor(1000, 2,
                           [&](size_t i) {
                             if (i == 999) throw std::runtime_error("boom");
                             done++;
                           }),
               std::runtime_error);
  EXPECT_GE(done.load(), 499);  // the other chunk still ran to completion
}

}  // namespace
}  // namespace clawpay
