#!/bin/sh
# SPDX-License-Identifier: MIT
# Behaviour kept across refactors: `som train` over a matrix of settings
# writes, byte for byte, the model files recorded in tests/golden/models
# (recorded before libsom took over the whole fit, issue 15).
#
#   tests/cli/models.sh SOM ROOT            compare (exit 77 = skipped)
#   SOM_REGEN_GOLDEN=1 tests/cli/models.sh SOM ROOT   record
#
# The bytes depend on floating-point rounding: our kernels pick AVX-512 at
# run time and OpenBLAS picks its kernels by CPU. The recording names the
# CPU model and features it was made with (machine.txt); on another CPU a
# mismatch skips (77) instead of failing, and says so.
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 SOM ROOT" >&2
    exit 2
fi
SOM=$1
ROOT=$2
case $SOM in /*) ;; *) SOM=$(pwd)/$SOM ;; esac
case $ROOT in /*) ;; *) ROOT=$(pwd)/$ROOT ;; esac
GOLD=$ROOT/tests/golden/models
DATA=$ROOT/data
WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-models.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT INT TERM
cd "$WORK" || exit 1

machine() {
    # The CPU model decides OpenBLAS's kernels (and so LAPACK's rounding in
    # the PCA start) as well as ours; the flags decide our own kernels.
    grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/[[:space:]]\{1,\}/ /g'
    OPENBLAS_VERBOSE=2 "$SOM" --version 2>&1 | grep '^Core:' | sed 's/^/OpenBLAS /'
    for f in avx512f avx512bw avx512vl avx2 fma; do
        if grep -qw "$f" /proc/cpuinfo 2>/dev/null; then echo "$f yes"; else echo "$f no"; fi
    done
}

# NAME DATA ARGS...: one cell of the matrix.
cases() {
    cat <<'CASES'
iris-default iris.csv
iris-hex-toroid-online iris.csv --grid 6x8 --topology hex --toroid --algorithm online --epochs 4 --seed 7
iris-random-linear iris.csv --grid 5x5 --init random --schedule linear --radius 3:0.5 --epochs 6
iris-sample-bubble iris.csv --grid 4x6 --init sample --neighborhood bubble --scale minmax --epochs 5
iris-mql iris.csv --grid 7x7 --algorithm online --schedule mql --iterations 3000 --seed 3
iris-inverse-hat iris.csv --grid 6x6 --neighborhood mexican-hat --schedule inverse --inverse 2:50 --epochs 3
iris-cutgauss-epan iris.csv --grid 5x7 --topology hex --neighborhood epanechnikov --scale none --quality-every 0
iris-supervised iris.csv --grid 8x8 --target species --epochs 8
iris-weights iris.csv --grid 6x6 --weights petal_length=2,sepal_width=0 --epochs 5
iris-rate iris.csv --grid 5x5 --algorithm online --rate 0.3:0.02 --neighbor-rate 0.5 --epochs 3 --schedule exp
optim-default optim.csv
optim-target-numeric optim.csv --grid 6x6 --target Profit --target-weight 0.5 --epochs 4
colours-cutgauss colours.csv --grid 9x9 --neighborhood cutgauss --epochs 7 --seed 11
CASES
}

if [ -n "${SOM_REGEN_GOLDEN:-}" ]; then
    mkdir -p "$GOLD" || exit 1
    machine >"$GOLD/machine.txt"
    cases | while read -r name data args; do
        # shellcheck disable=SC2086
        "$SOM" train "$DATA/$data" -q -o "$GOLD/$name.som" $args || exit 1
        echo "recorded $name"
    done
    exit $?
fi

failed=0
mismatch=0
cases >list
while read -r name data args; do
    # shellcheck disable=SC2086
    if ! "$SOM" train "$DATA/$data" -q -o "$name.som" $args 2>case.err; then
        echo "FAILED  $name (train)"
        sed 's/^/    | /' case.err | head -10
        failed=$((failed + 1))
        continue
    fi
    if cmp -s "$name.som" "$GOLD/$name.som"; then echo "ok      $name"; else
        echo "DIFFERS $name"
        mismatch=$((mismatch + 1))
    fi
done <list

if [ "$mismatch" -gt 0 ]; then
    if machine | cmp -s - "$GOLD/machine.txt"; then
        failed=$((failed + mismatch))
    else
        echo "SKIPPED: $mismatch models differ, and this CPU is not the one they were recorded on (tests/golden/models/machine.txt); rounding may differ"
        [ "$failed" -eq 0 ] && exit 77
    fi
fi
echo "$failed failed"
[ "$failed" -eq 0 ]
