#!/usr/bin/env bash
# Takes a fresh Debian/Ubuntu machine (root, or a user with sudo) from a clone
# to a built addon: system packages, npm dependencies (devDependencies too:
# solc, anvil and the x402 clients the tests and the devnet use), the native build.
# Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Build: compiler, CMake, pkg-config, OpenSSL 3, nlohmann/json; the tools
# that fetch and build libsecp256k1 from its source package (dpkg-dev,
# autotools), and the packaged libsecp256k1 as the fallback when its source
# cannot be fetched. Tests: GoogleTest, Google Benchmark, clang with
# libFuzzer for the fuzz stage; libc++ for the stage that builds the core as
# macOS's toolchain does (clang++ -stdlib=libc++); redis-server for the
# paywall's Redis store (its tests start their own server; no system service
# is used); Chromium, headless, for the dashboard test (driven by
# playwright-core, a devDependency).
PACKAGES=(g++ cmake make pkg-config libsecp256k1-dev libssl-dev nlohmann-json3-dev
          dpkg-dev autoconf automake libtool
          libgtest-dev libbenchmark-dev clang libclang-rt-dev libc++-dev libc++abi-dev ca-certificates
          redis-server chromium)
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs npm)
# npm run test:platforms (not part of npm test): the win32-x64 cross toolchain
# and wine; the linux-arm64 one (OpenSSL for arm64 through dpkg multiarch) and
# qemu-system-aarch64, which boots the emulated arm64 machine (its kernel and
# busybox are fetched from the archive on first use, scripts/arm64_machine.js).
# A few minutes more to install. CLAWPAY_PLATFORMS=1 to add them.
if [ "${CLAWPAY_PLATFORMS:-}" = 1 ]; then
  PACKAGES+=(g++-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64 wine64 wine
             crossbuild-essential-arm64 libssl-dev:arm64 qemu-system-arm)
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $SUDO dpkg --add-architecture arm64
  fi
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js >= 20 is required (found $(node --version))" >&2
  exit 1
fi

# libsecp256k1's source, for the static build the addon links (no root:
# apt runs with a private configuration). Without it the build links the
# system's shared library and says so.
if ! bash scripts/fetch-libsecp256k1.sh; then
  echo "setup: warning: could not fetch libsecp256k1's source; the addon will link the system's" >&2
  echo "setup: shared libsecp256k1 and cannot be packed as a prebuild (npm run prebuilds)" >&2
fi

echo "setup: npm ci"
npm ci --no-audit --no-fund --loglevel=error
# The devnet deploys the committed contracts/artifacts/; solc (a devDependency)
# confirms they are what contracts/*.sol compile to (npm run contracts rewrites them).
echo "setup: checking the devnet's contract artifacts"
node scripts/compile-contracts.js --check
echo "setup: building the native addon"
npm run --silent build -- --log-level error >/dev/null
echo "setup: done"
