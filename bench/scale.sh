#!/bin/sh
# SPDX-License-Identifier: MIT
# Scale benchmarks (issue 9; never part of `make test`): time and peak RSS
# of `som` on a 1,000,000 x 64 float32 .npy (256 MB) — train 40x40 for 10
# batch passes, eval, map, predict, and CSV <-> .npy conversion — an
# emergent 200x200 map on 10,000 x 32, and strong scaling 1 -> 2 MPI ranks.
#
#   bench/scale.sh [BUILD] [TMPDIR]        (BUILD default: build)
#
# Peak RSS is GNU time's %M (the process's maximum resident set, file pages
# it mapped included). Data are som_bench's gaussian blobs (fixed seed).
set -eu
BUILD=${1:-build}
DIR=${2:-${TMPDIR:-/tmp}}/som-scale.$$
SOM=$BUILD/som
BENCH=$BUILD/bench/som_bench
for p in "$SOM" "$BENCH" /usr/bin/time; do
    [ -x "$p" ] || { echo "scale.sh: $p missing (make build)" >&2; exit 1; }
done
mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT INT TERM

# measure LABEL COMMAND...: one line "LABEL  seconds  peak MB".
measure() {
    label=$1
    shift
    /usr/bin/time -f "%e %M" -o "$DIR/time" "$@" >"$DIR/out" 2>"$DIR/err" || {
        echo "scale.sh: $label failed:" >&2
        cat "$DIR/err" >&2
        exit 1
    }
    awk -v l="$label" '{ printf "%-46s %8.2f s %8.0f MB\n", l, $1, $2 / 1000 }' "$DIR/time"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
"$BENCH" --make-npy "$DIR/big.npy" --n 1000000 --dim 64
echo "data: 1,000,000 x 64 float32 .npy, $(($(stat -c %s "$DIR/big.npy") / 1000000)) MB (target peak RSS <= 1.5 x = 384 MB)"
TRAIN="train $DIR/big.npy --grid 40x40 --epochs 10 -q"
measure "train 40x40, 10 passes, 2 threads" "$SOM" $TRAIN --threads 2 -o "$DIR/a.som"
measure "train 40x40, 10 passes, 1 thread" "$SOM" $TRAIN --threads 1 -o "$DIR/b.som"
measure "eval" "$SOM" eval "$DIR/a.som" "$DIR/big.npy" --threads 2
measure "map (CSV of 1,000,000 BMUs)" "$SOM" map "$DIR/a.som" "$DIR/big.npy" --threads 2 -o "$DIR/map.csv"
measure "predict (CSV of the table)" "$SOM" predict "$DIR/a.som" "$DIR/big.npy" --threads 2 -o "$DIR/p.csv"
measure "convert .npy -> CSV" "$SOM" convert "$DIR/big.npy" "$DIR/big.csv"
echo "  (CSV: $(($(stat -c %s "$DIR/big.csv") / 1000000)) MB)"
measure "convert CSV -> .npy (blocks)" "$SOM" convert "$DIR/big.csv" "$DIR/back.npy"
# The values must come back exactly (the headers differ in padding).
if cmp -s "$DIR/a.som" "$DIR/b.som"; then echo "  1 and 2 threads: same model bytes"; else echo "  1 and 2 threads: MODELS DIFFER"; fi
rm -f "$DIR/big.csv" "$DIR/map.csv" "$DIR/p.csv" "$DIR/back.npy"

if command -v mpirun >/dev/null 2>&1; then
    MPI="mpirun --allow-run-as-root --oversubscribe"
    measure "mpirun -np 1, 1 thread (whole job)" $MPI -np 1 "$SOM" $TRAIN --threads 1 -o "$DIR/m1.som"
    measure "mpirun -np 2, 1 thread each (whole job)" $MPI -np 2 "$SOM" $TRAIN --threads 1 -o "$DIR/m2.som"
    # Each rank's own peak: time runs inside each rank.
    $MPI -np 2 /usr/bin/time -f "  rank peak RSS %M KB" "$SOM" $TRAIN --threads 1 -o "$DIR/m3.som" 2>&1 |
        awk '/rank peak RSS/ { printf "  peak RSS of one of 2 ranks: %.0f MB\n", $4 / 1000 }'
    for m in m1 m2 m3; do
        cmp -s "$DIR/b.som" "$DIR/$m.som" || echo "  $m.som DIFFERS from one process's model"
    done
    echo "  1 process, 1 rank and 2 ranks: compared with cmp (silence = same bytes)"
fi
rm -f "$DIR/big.npy"

"$BENCH" --make-npy "$DIR/c.npy" --n 10000 --dim 32
echo "data: 10,000 x 32 (1.3 MB); codebook of 200x200 x 32 floats: 5.1 MB"
measure "emergent 200x200 rect, 10 passes, 2 threads" "$SOM" train "$DIR/c.npy" --grid 200x200 --epochs 10 --threads 2 -q -o "$DIR/c.som"
measure "emergent 200x200 hex, 2 passes, 2 threads" "$SOM" train "$DIR/c.npy" --grid 200x200 --topology hex --epochs 2 --threads 2 -q -o "$DIR/h.som"
