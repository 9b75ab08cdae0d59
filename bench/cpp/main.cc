// The one BENCHMARK_MAIN of the C++ benchmarks: every bench/cpp/*.cc file
// registers its benchmarks and links against this entry point.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
