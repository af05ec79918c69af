#!/bin/sh
# Installs the Debian packages rmqd builds and tests with, only when one is missing.
set -e
#   tools/install_deps.sh          what rmqd builds and tests with
#   tools/install_deps.sh --fuzz   also the optional fuzzing toolchain (clang + libFuzzer runtime),
#                                  for make fuzz / make fuzz-merge
PKGS="g++ make pkg-config libuv1-dev rapidjson-dev libssl-dev libyaml-cpp-dev doctest-dev zlib1g-dev openjdk-17-jdk-headless maven"
if [ "${1:-}" = "--fuzz" ]; then
  # Debian 12: clang 14; libFuzzer and the sanitizer runtimes are in libclang-rt-14-dev.
  PKGS="$PKGS clang libclang-rt-14-dev python3"
fi
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# A JDK and Maven that are already on PATH (not from Debian) are good enough.
if command -v java >/dev/null 2>&1; then missing=$(echo "$missing" | sed 's/openjdk-17-jdk-headless//'); fi
if command -v mvn >/dev/null 2>&1; then missing=$(echo "$missing" | sed 's/maven//'); fi
missing=$(echo $missing)
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
