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
#   scripts/fetch-libsecp256k1.sh     fetch unless build-deps/ already has it
#
# Needs apt-get and dpkg-source (dpkg-dev). Exits non-zero when the source
# cannot be fetched; the build then falls back to the system's shared library.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/build-deps/libsecp256k1"

existing=("$DEST"/libsecp256k1-*/configure.ac)
if [ -e "${existing[0]}" ]; then
  echo "fetch-libsecp256k1: have $(basename "$(dirname "${existing[-1]}")")"
  exit 0
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

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/lists/partial" "$scratch/cache/archives/partial" "$DEST"
echo "deb-src [signed-by=$keyring] $mirror $VERSION_CODENAME $component" >"$scratch/sources.list"
APT_OPTS=(
  -o "Dir::Etc::SourceList=$scratch/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$scratch/lists"
  -o "Dir::Cache=$scratch/cache"
  -o "APT::Sandbox::User=$(id -un)"
)

echo "fetch-libsecp256k1: apt-get source libsecp256k1 ($ID $VERSION_CODENAME, $mirror)"
if ! apt-get "${APT_OPTS[@]}" -qq --error-on=any update; then
  echo "fetch-libsecp256k1: cannot read the source index of $mirror $VERSION_CODENAME" >&2
  exit 1
fi
# Unpack in the scratch folder, then move the finished tree into place, so an
# interrupted run never leaves a half-unpacked tree behind.
if ! (cd "$scratch" && apt-get "${APT_OPTS[@]}" -qq source libsecp256k1 >/dev/null); then
  echo "fetch-libsecp256k1: apt-get source libsecp256k1 failed" >&2
  exit 1
fi
tree=("$scratch"/libsecp256k1-*/)
[ -f "${tree[0]}configure.ac" ] || { echo "fetch-libsecp256k1: no source tree unpacked" >&2; exit 1; }
mv "$scratch"/libsecp256k1_* "$DEST"/
mv "${tree[0]%/}" "$DEST"/
echo "fetch-libsecp256k1: $DEST/$(basename "${tree[0]}")"
