// Runs fn(i) for i in [0, count) on up to `threads` threads (0 = hardware
// concurrency), in contiguous chunks so that each thread touches its own
// slice of any output vector.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace clawpay {

template <typename Fn>
void parallelFor(size_t count, unsigned threads, Fn&& fn) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<size_t>(threads, count));
  if (threads <= 1) {
    for (size_t i = 0; i < count; ++i) fn(i);
    return;
  }
  std::vector<std::thread> workers;
  workers.reserve(threads - 1);
  size_t chunk = (count + threads - 1) / threads;
  for (unsigned t = 1; t < threads; ++t) {
    size_t begin = t * chunk;
    size_t end = std::min(count, begin + chunk);
    if (begin >= end) break;
    workers.emplace_back([&fn, begin, end] {
      for (size_t i = begin; i < end; ++i) fn(i);
    });
  }
  for (size_t i = 0; i < std::min(count, chunk); ++i) fn(i);
  for (auto& w : workers) w.join();
}

}  // namespace clawpay
