#!/bin/sh
# SPDX-License-Identifier: MIT
# Large-input paths of the program: `som convert DATA.csv DATA.npy` (in
# blocks, header last) and training, map, predict and eval reading the
# memory-mapped .npy give what the CSV gives.
#
#   tests/cli/npy.sh SOM ROOT
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 SOM ROOT" >&2
    exit 2
fi
SOM=$1
ROOT=$2
case $SOM in /*) ;; *) SOM=$(pwd)/$SOM ;; esac
case $ROOT in /*) ;; *) ROOT=$(pwd)/$ROOT ;; esac
WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-npy.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT INT TERM
cd "$WORK" || exit 1

failed=0
check() { # NAME COMMAND...: the command succeeds
    name=$1
    shift
    if "$@" >case.out 2>case.err; then echo "ok      $name"; else
        echo "FAILED  $name"
        sed 's/^/    | /' case.err | head -10
        failed=$((failed + 1))
    fi
}

# 9000 rows (more than two of the converter's blocks) x 3 fields, a label
# column and gaps.
awk 'BEGIN { srand(11); print "name,a,b,c";
    for (i = 0; i < 9000; i++) {
        b = (i % 97 == 5) ? "NA" : sprintf("%.5g", rand() * 4);
        printf "r%d,%.5g,%s,%.5g\n", i, rand() + i % 4, b, rand() } }' >d.csv
# The same table without its labels: what a .npy can hold.
cut -d, -f2- d.csv >plain.csv

check convert sh -c "'$SOM' convert d.csv d.npy 2>note"
check convert-note grep -q 'the column titles and the row labels are not kept' note
check convert-back sh -c "'$SOM' convert d.npy back.csv && '$SOM' convert back.csv back.npy 2>/dev/null && cmp d.npy back.npy"
check train-csv "$SOM" train plain.csv --grid 6x6 --epochs 3 -q -o a.som
check train-npy "$SOM" train d.npy --grid 6x6 --epochs 3 -q -o b.som
# The models differ only in their titles (a, b, c vs 1, 2, 3): compare what
# the maps say about the data.
check eval-same sh -c "'$SOM' eval a.som plain.csv --json >e1 && '$SOM' eval b.som d.npy --json >e2 && cmp e1 e2"
check map-same sh -c "'$SOM' map a.som plain.csv | cut -d, -f2- >m1 && '$SOM' map b.som d.npy | cut -d, -f2- >m2 && cmp m1 m2"
check map-model-csv-data-npy sh -c "'$SOM' map a.som d.npy | cut -d, -f2- >m3 && cmp m1 m3"
check predict-same sh -c "'$SOM' predict a.som plain.csv | tail -n +2 >p1 && '$SOM' predict a.som d.npy | tail -n +2 >p2 && cmp p1 p2"
# A CSV error deep in the file names its line and leaves no .npy.
cp plain.csv bad.csv
echo '1,2' >>bad.csv
if "$SOM" convert bad.csv bad.npy 2>case.err; then
    echo "FAILED  convert-error (exit 0)"
    failed=$((failed + 1))
elif grep -q '^som: bad.csv:9002:3: expected 3 fields, got 2' case.err && [ ! -e bad.npy ]; then
    echo "ok      convert-error"
else
    echo "FAILED  convert-error"
    sed 's/^/    | /' case.err
    failed=$((failed + 1))
fi
echo "npy: $failed failed"
[ "$failed" -eq 0 ]
