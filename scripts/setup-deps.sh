#!/bin/sh
# Installs the Debian packages that building and testing som needs, when they
# are missing. Fast and silent when everything is there already.
# Usage: scripts/setup-deps.sh [--test | --web | --fuzz | --man | --fresh]
#   --test  adds what the tests need (with clang, its sanitizer runtimes and
#           LLVM's OpenMP for the ThreadSanitizer run, make test-tsan; Open
#           MPI for the distributed training test, tests/cli/mpi.sh)
#   --web   what the web tests need: chromium (driven by Playwright), node and
#           npm when missing, then `npm ci` in tests/web (playwright-core,
#           pinned by tests/web/package-lock.json) unless already done
#   --fuzz  what `make fuzz` needs: clang and its libFuzzer runtime, which
#           plain builds never use
#   --man   pandoc, which `make man` uses to render doc/som.1.md to doc/som.1
#           (kept in the repository: building and installing never need it)
#   --fresh debootstrap, for the fresh-machine check (tests/fresh/check.sh)
#
# Without a flag: only what `make run` needs to configure, build and run
# (the tests are built only when cmocka is there, which --test installs).
set -eu

mode=${1:-}
packages="build-essential cmake pkg-config libopenblas-dev liblapacke-dev
zlib1g-dev libcsv-dev libcairo2-dev fonts-dejavu-core libjansson-dev
libmicrohttpd-dev"
case $mode in
    --test) packages="$packages libcmocka-dev python3 python3-dev python3-numpy python3-pip
            python3-setuptools python3-pytest python3-pandas libxml2-utils curl clang
            libclang-rt-14-dev libomp-14-dev libopenmpi-dev openmpi-bin" ;;
    --fuzz) packages="$packages clang libclang-rt-14-dev" ;;
    --man) packages="pandoc" ;;
    --fresh) packages="debootstrap debian-archive-keyring" ;;
    --web)
        packages="chromium"
        # Any node >= 18 will do (Debian 12 has 18); one installed from
        # elsewhere is kept.
        if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
            packages="$packages nodejs npm"
        fi
        ;;
    "") ;;
    *) echo "usage: $0 [--test | --web | --fuzz | --man | --fresh]" >&2; exit 2 ;;
esac

missing=""
for p in $packages; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
        *"ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done

if [ -n "$missing" ]; then
    echo "setup-deps: installing:$missing" >&2
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
            echo "setup-deps: need root to install:$missing" >&2; exit 1
        fi
    else
        SUDO=""
    fi
    export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes
    $SUDO apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ "$mode" = --web ]; then
    # npm ci only when the lock file changed since the last one.
    web=$(cd "$(dirname "$0")/../tests/web" && pwd)
    stamp=$web/node_modules/.som-package-lock.json
    if ! cmp -s "$web/package-lock.json" "$stamp"; then
        echo "setup-deps: npm ci in tests/web" >&2
        (cd "$web" && npm ci --silent --no-audit --no-fund) >&2
        cp "$web/package-lock.json" "$stamp"
    fi
fi
