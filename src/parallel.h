// Runs fn(i) for i in [0, count) on up to `threads` threads (0 = hardware
// concurrency; never more than that), in contiguous chunks so that each
// thread touches its own slice of any output vector. Never terminates the
// process: if a thread cannot be started its chunk runs on the caller, and
// an exception thrown by fn on any thread is rethrown here after all joined.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace clawpay {

template <typename Fn>
void parallelFor(size_t count, unsigned threads, Fn&& fn) {
  const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
  threads = threads == 0 ? hardware : std::min(threads, hardware);
  threads = static_cast<unsigned>(std::min<size_t>(threads, count));
  if (threads <= 1) {
    for (size_t i = 0; i < count; ++i) fn(i);
    return;
  }
  std::exception_ptr failure;
  std::mutex failureMutex;
  auto runChunk = [&](size_t begin, size_t end) {
    try {
      for (size_t i = begin; i < end; ++i) fn(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(failureMutex);
      if (!failure) failure = std::current_exception();
    }
  };
  const size_t chunk = (count + threads - 1) / threads;
  std::vector<std::thread> workers;
  workers.reserve(threads - 1);
  size_t inline_from = count;  // chunks from here on run on this thread
  for (unsigned t = 1; t < threads; ++t) {
    const size_t begin = t * chunk;
    const size_t end = std::min(count, begin + chunk);
    if (begin >= end) break;
    try {
      workers.emplace_back(runChunk, begin, end);
    } catch (const std::system_error&) {
      inline_from = begin;  // out of threads: do the rest ourselves
      break;
    }
  }
  runChunk(0, std::min(count, chunk));
  if (inline_from < count) runChunk(inline_from, count);
  for (auto& w : workers) w.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace clawpay
