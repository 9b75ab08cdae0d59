#!/usr/bin/env bash
# Builds the libFuzzer targets in test/fuzz/ and runs each one for a bounded
# time on a scratch copy of its seed corpus.
#
#   scripts/fuzz.sh                      build, then run every target 20 s
#   FUZZ_SECONDS=60 scripts/fuzz.sh      longer runs
#   FUZZ_TARGETS="url_scope eip712" …    only these targets
#   FUZZ_BUILD_ONLY=1 …                  build, do not run
#
# Needs clang++ with libFuzzer (Debian: clang, libclang-rt-dev), CMake,
# OpenSSL libcrypto and nlohmann/json. libsecp256k1 is the static build the
# addon links (CMake builds it from build-deps/), or the system's shared one
# (pkg-config) when that build is unavailable.
# Everything goes to build-fuzz/: the repository's corpora are only read.
# Exits non-zero when a target crashes, times out or fails a property, and
# prints the path of the input that did it. Last line: "<N> passed, <M> failed".
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${FUZZ_OUT:-$ROOT/build-fuzz}"
CXX="${CXX_FUZZ:-clang++}"
FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
JOBS="${FUZZ_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}"

# Per-target input size limits (bytes).
declare -A MAX_LEN=(
  [session_token]=4096
  [url_scope]=1024
  [eip712]=4096
  [flat_json]=1024
  [journal]=4096
  [voucher_check]=512
)
ALL_TARGETS="session_token url_scope eip712 flat_json journal voucher_check"
TARGETS="${FUZZ_TARGETS:-$ALL_TARGETS}"

if ! [[ "$FUZZ_SECONDS" =~ ^[0-9]+$ ]] || [ "$FUZZ_SECONDS" -lt 1 ]; then
  echo "FUZZ_SECONDS must be a positive integer, not '$FUZZ_SECONDS'" >&2
  exit 2
fi
for t in $TARGETS; do
  if [ -z "${MAX_LEN[$t]+x}" ]; then echo "unknown fuzz target '$t' (have: $ALL_TARGETS)" >&2; exit 2; fi
done

COMMON=(-std=c++20 -DCLAWPAY_OPENSSL_SHA256=1 -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all -I"$ROOT/src")

mkdir -p "$OUT/obj" "$OUT/logs"

# --- libsecp256k1: the same static build as the addon's, made by CMake.
SECP_PREFIX="$OUT/cmake/libsecp256k1"
if cmake -S "$ROOT" -B "$OUT/cmake" -DCMAKE_BUILD_TYPE=Release >"$OUT/logs/cmake.log" 2>&1 &&
   cmake --build "$OUT/cmake" --target libsecp256k1_build >>"$OUT/logs/cmake.log" 2>&1; then
  SECP_CFLAGS="-I$SECP_PREFIX/include"
  SECP_LIBS="$SECP_PREFIX/lib/libsecp256k1.a"
else
  echo "== static libsecp256k1 unavailable (see $OUT/logs/cmake.log); using the system's"
  SECP_CFLAGS="$(pkg-config --cflags libsecp256k1)" && SECP_LIBS="$(pkg-config --libs libsecp256k1)" ||
    { echo "pkg-config libsecp256k1 failed" >&2; exit 2; }
fi

# --- build: the core once (instrumented, no libFuzzer main), then each target.
echo "== building core into $OUT/obj"
build_obj() {  # src.cc -> obj/name.o, only when stale
  local src="$1" obj="$OUT/obj/$(basename "${1%.cc}").o"
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find "$ROOT/src" -name '*.h' -newer "$obj" -print -quit)" ]; then
    "$CXX" "${COMMON[@]}" -fsanitize=fuzzer-no-link,address,undefined $SECP_CFLAGS \
      -c "$src" -o "$obj" || return 1
  fi
}
export -f build_obj
export CXX OUT ROOT SECP_CFLAGS
export COMMON_STR="${COMMON[*]}"
build_failed=0
# The durable-file seam's other OSes (macOS, Windows) are not built here (CMakeLists.txt picks per OS).
for src in "$ROOT"/src/*.cc; do
  case "$(basename "$src")" in durable_file_macos.cc|durable_file_windows.cc) continue ;; esac
  echo "$src"
done |
  xargs -P "$JOBS" -I{} bash -c 'COMMON=($COMMON_STR); build_obj "$@"' _ {} || build_failed=1
if [ "$build_failed" -ne 0 ]; then echo "core build failed" >&2; exit 2; fi

for t in $TARGETS; do
  echo "== building ${t}_fuzz"
  if ! "$CXX" "${COMMON[@]}" -fsanitize=fuzzer,address,undefined "$ROOT/test/fuzz/${t}_fuzz.cc" \
      "$OUT"/obj/*.o $SECP_LIBS -lcrypto -pthread -o "$OUT/${t}_fuzz"; then
    echo "build of ${t}_fuzz failed" >&2
    exit 2
  fi
done
[ -n "${FUZZ_BUILD_ONLY:-}" ] && { echo "built: $TARGETS"; exit 0; }

# --- run: each target first replays its saved regression inputs
# (test/fuzz/regressions/<target>-*: bugs found before, kept fixed), then
# fuzzes FUZZ_SECONDS on a scratch copy of its seeds.
passed=0
failed=0
failures=()
for t in $TARGETS; do
  regressions=("$ROOT"/test/fuzz/regressions/"$t"-*)
  if [ -e "${regressions[0]}" ]; then
    echo "== replaying ${#regressions[@]} regression input(s) for ${t}_fuzz"
    if ! "$OUT/${t}_fuzz" "${regressions[@]}" >"$OUT/logs/$t.regressions.log" 2>&1; then
      failed=$((failed + 1))
      echo "   FAILED: a regression input crashes again; see $OUT/logs/$t.regressions.log"
      failures+=("$t: regression input (see $OUT/logs/$t.regressions.log)")
      continue
    fi
  fi
  corpus="$OUT/corpus/$t"
  artifacts="$OUT/artifacts/$t/"
  log="$OUT/logs/$t.log"
  rm -rf "$corpus" "$artifacts"
  mkdir -p "$corpus" "$artifacts"
  if [ -d "$ROOT/test/fuzz/corpus/$t" ]; then cp -r "$ROOT/test/fuzz/corpus/$t/." "$corpus/"; fi
  echo "== running ${t}_fuzz for ${FUZZ_SECONDS}s (max_len ${MAX_LEN[$t]}), log: $log"
  # libFuzzer stops itself after -max_total_time; timeout(1) is the backstop
  # for a hang in startup or a stuck input past -timeout.
  timeout --kill-after=10 $((FUZZ_SECONDS + 60)) \
    "$OUT/${t}_fuzz" "$corpus" \
      -max_total_time="$FUZZ_SECONDS" -max_len="${MAX_LEN[$t]}" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$artifacts" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  stats="$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -n 1)"
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    echo "   ok: $stats"
  else
    failed=$((failed + 1))
    crash="$(grep -oE '(Test unit written to|artifact_prefix.*; Test unit written to) [^ ]+' "$log" | awk '{print $NF}' | tail -n 1)"
    [ -z "$crash" ] && crash="$(ls -1t "$artifacts" 2>/dev/null | head -n 1 | sed "s|^|$artifacts|")"
    [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && echo "   TIMED OUT (rc $rc)"
    echo "   FAILED (rc $rc): crashing input: ${crash:-<none written>}"
    grep -E 'ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|PROPERTY VIOLATION' "$log" | head -n 3 | sed 's/^/   /'
    failures+=("$t: ${crash:-<no input written; see $log>}")
  fi
done

for f in "${failures[@]+"${failures[@]}"}"; do echo "crash: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
