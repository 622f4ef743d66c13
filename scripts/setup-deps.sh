#!/bin/sh
# Installs the Debian packages that building and testing som needs, when they
# are missing. Fast and silent when everything is there already.
# Usage: scripts/setup-deps.sh [--test|--fuzz]
#   --test adds what the tests need; --fuzz what `make fuzz` needs (clang
#   and its libFuzzer/sanitizer runtimes), which plain builds never use.
set -eu

packages="build-essential cmake pkg-config libopenblas-dev liblapacke-dev
zlib1g-dev libcsv-dev libcairo2-dev fonts-dejavu-core libjansson-dev
libmicrohttpd-dev"
if [ "${1:-}" = "--test" ]; then
    packages="$packages libcmocka-dev python3 libxml2-utils"
fi
if [ "${1:-}" = "--fuzz" ]; then
    packages="$packages clang libclang-rt-14-dev"
fi

missing=""
for p in $packages; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
        *"ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0

echo "setup-deps: installing:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "setup-deps: need root to install:$missing" >&2; exit 1
    fi
else
    SUDO=""
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
