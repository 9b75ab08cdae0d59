#!/usr/bin/env bash
# Fetches the distribution's source package of libsecp256k1 into
# build-deps/libsecp256k1/ (git-ignored). CMakeLists.txt builds it there as a
# static, position-independent library and links it into the addon, so the
# prebuilt .node does not need libsecp256k1 on the machine that loads it
# (Debian's own libsecp256k1.a is not PIC and cannot go into a .node).
#
# apt runs with a private configuration (its own deb-src list, lists and
# cache in a scratch folder): the system's apt sources and state are not
# touched, and no root is needed. apt checks the files against the archive's
# signed index; dpkg-source unpacks them with the distribution's patches.
#
# On Debian it takes the source from a newer suite than the machine's own
# when it can (trixie: 0.5.0, with the faster signing and recovery of the
# releases since bookworm's 0.2.0), else from the machine's own suite. Only a
# source package is fetched: nothing of the newer suite is installed.
#
#   scripts/fetch-libsecp256k1.sh     fetch unless build-deps/ already has
#                                     0.5.0 or later
#   CLAWPAY_SECP256K1_SUITES="sid trixie bookworm"   the suites to try, in order
#
# Needs apt-get and dpkg-source (dpkg-dev). Exits non-zero when the source
# cannot be fetched; the build then falls back to the system's shared library.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/build-deps/libsecp256k1"

WANT_VERSION=0.5.0
existing=("$DEST"/libsecp256k1-*/configure.ac)
if [ -e "${existing[0]}" ]; then
  have="$(basename "$(dirname "${existing[-1]}")")"
  # The glob sorts 0.10 before 0.5; dpkg compares versions properly.
  for tree in "${existing[@]}"; do
    version="$(basename "$(dirname "$tree")")"; version="${version#libsecp256k1-}"
    if dpkg --compare-versions "$version" ge "$WANT_VERSION" 2>/dev/null; then
      echo "fetch-libsecp256k1: have libsecp256k1-$version"
      exit 0
    fi
  done
  echo "fetch-libsecp256k1: have $have, looking for $WANT_VERSION or later"
fi

for tool in apt-get dpkg-source; do
  command -v "$tool" >/dev/null 2>&1 || { echo "fetch-libsecp256k1: $tool not found" >&2; exit 1; }
done

# shellcheck disable=SC1091
. /etc/os-release
case "${ID:-}" in
  debian) mirror="${CLAWPAY_APT_MIRROR:-http://deb.debian.org/debian}"; component=main
          keyring=/usr/share/keyrings/debian-archive-keyring.gpg ;;
  ubuntu) mirror="${CLAWPAY_APT_MIRROR:-http://archive.ubuntu.com/ubuntu}"; component=universe
          keyring=/usr/share/keyrings/ubuntu-archive-keyring.gpg ;;
  *) echo "fetch-libsecp256k1: unsupported distribution '${ID:-unknown}' (Debian or Ubuntu)" >&2; exit 1 ;;
esac
if [ -z "${VERSION_CODENAME:-}" ]; then
  echo "fetch-libsecp256k1: /etc/os-release has no VERSION_CODENAME" >&2
  exit 1
fi

case "$ID" in
  debian) suites="${CLAWPAY_SECP256K1_SUITES:-trixie $VERSION_CODENAME}" ;;
  *) suites="${CLAWPAY_SECP256K1_SUITES:-$VERSION_CODENAME}" ;;
esac

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$DEST"

# Fetches and unpacks the source of one suite into $scratch/<suite>/.
fetch_suite() {
  local suite="$1" dir="$scratch/$1"
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  echo "deb-src [signed-by=$keyring] $mirror $suite $component" >"$dir/sources.list"
  local opts=(
    -o "Dir::Etc::SourceList=$dir/sources.list"
    -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$dir/lists"
    -o "Dir::Cache=$dir/cache"
    -o "APT::Sandbox::User=$(id -un)"
  )
  echo "fetch-libsecp256k1: apt-get source libsecp256k1 ($ID $suite, $mirror)"
  if ! apt-get "${opts[@]}" -qq --error-on=any update; then
    echo "fetch-libsecp256k1: cannot read the source index of $mirror $suite" >&2
    return 1
  fi
  if ! (cd "$dir" && apt-get "${opts[@]}" -qq source libsecp256k1 >/dev/null); then
    echo "fetch-libsecp256k1: apt-get source libsecp256k1 ($suite) failed" >&2
    return 1
  fi
  local tree=("$dir"/libsecp256k1-*/)
  [ -f "${tree[0]}configure.ac" ] || { echo "fetch-libsecp256k1: no source tree unpacked ($suite)" >&2; return 1; }
}

for suite in $suites; do
  fetch_suite "$suite" || continue
  # Unpacked in the scratch folder, then moved into place, so an interrupted
  # run never leaves a half-unpacked tree behind.
  tree=("$scratch/$suite"/libsecp256k1-*/)
  if [ -e "$DEST/$(basename "${tree[0]}")" ]; then
    echo "fetch-libsecp256k1: have $(basename "${tree[0]}") already ($suite)"
    exit 0
  fi
  mv "$scratch/$suite"/libsecp256k1_* "$DEST"/
  mv "${tree[0]%/}" "$DEST"/
  echo "fetch-libsecp256k1: $DEST/$(basename "${tree[0]}") ($suite)"
  exit 0
done
echo "fetch-libsecp256k1: no suite of $suites gave the source" >&2
exit 1
