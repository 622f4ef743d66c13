#!/bin/sh
# SPDX-License-Identifier: MIT
# Crash-safe training: `som train --checkpoint-every 1` is killed with
# SIGKILL at a random moment, `--resume` finishes the run, and the model
# must have the same bytes as an uninterrupted run's; for online and batch
# training, and online with the rows in turn (order cyclic).
#
#   tests/cli/checkpoint.sh SOM [ROUNDS]     (ROUNDS kills per algorithm, default 1)
#
# The kill lands anywhere: before the first checkpoint (resume then starts
# afresh), between checkpoints, during an atomic save (the temporary file is
# left behind, the previous checkpoint intact), or after the run ended.
set -u
if [ $# -lt 1 ]; then
    echo "usage: $0 SOM [ROUNDS]" >&2
    exit 2
fi
SOM=$1
ROUNDS=${2:-1}
case $SOM in /*) ;; *) SOM=$(pwd)/$SOM ;; esac
WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-ckpt.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT INT TERM
cd "$WORK" || exit 1

# 2000 rows x 6 fields, the same every time (awk's srand(5)), with gaps.
awk 'BEGIN { srand(5); print "a,b,c,d,e,f";
    for (i = 0; i < 2000; i++) {
        b = (i % 97 == 3) ? "" : sprintf("%.4f", rand());
        printf "%.4f,%s,%.4f,%.4f,%.4f,%.4f\n", rand(), b, rand() * 3, rand(),
            rand() + i % 7, rand() } }' >data.csv

now_ms() { date +%s%3N; }
failed=0

for alg in online batch cyclic; do
    if [ "$alg" = online ]; then
        set -- --algorithm online --epochs 100 --grid 12x12 --seed 9
    elif [ "$alg" = cyclic ]; then
        # The settings recorded in the map's chunk trex (som.h: som_order).
        set -- --order cyclic --radius-schedule inverse --epochs 20 --grid 8x8 --seed 9
    else
        set -- --algorithm batch --epochs 300 --grid 30x30 --seed 9 --threads 2
    fi
    t0=$(now_ms)
    "$SOM" train data.csv -o full.som "$@" -q || { echo "FAIL $alg: reference run"; exit 1; }
    span=$(($(now_ms) - t0))
    r=1
    while [ "$r" -le "$ROUNDS" ]; do
        rm -f m.som m.som.ckpt m.som.tmp.* m.som.ckpt.tmp.*
        # A delay from 0 to 110% of a whole run, in milliseconds.
        delay=$(awk -v s="$span" -v seed="$$$r$(now_ms)" \
            'BEGIN { srand(seed % 2147483647); printf "%d", rand() * s * 1.1 }')
        "$SOM" train data.csv -o m.som "$@" --checkpoint-every 1 -q &
        pid=$!
        sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        if [ -e m.som ]; then
            state="after the run ended"
        elif [ -e m.som.ckpt ]; then
            # A checkpoint is a model: `som info` reads it.
            if ! "$SOM" info m.som.ckpt >/dev/null 2>info.err; then
                echo "FAIL $alg round $r: som info cannot read the checkpoint:"
                cat info.err
                failed=$((failed + 1))
            fi
            state="with a checkpoint"
        else
            state="before the first checkpoint"
        fi
        if ! "$SOM" train data.csv -o m.som "$@" --checkpoint-every 1 --resume -q \
            2>resume.err; then
            echo "FAIL $alg round $r: killed after ${delay} ms ($state), resume failed:"
            cat resume.err
            failed=$((failed + 1))
        elif ! cmp -s full.som m.som; then
            echo "FAIL $alg round $r: killed after ${delay} ms ($state): resumed model differs"
            failed=$((failed + 1))
        elif [ -e m.som.ckpt ]; then
            echo "FAIL $alg round $r: m.som.ckpt left after a successful run"
            failed=$((failed + 1))
        else
            echo "ok   $alg round $r: killed after ${delay} of ~${span} ms ($state), resumed to the same bytes"
        fi
        r=$((r + 1))
    done
done
[ "$failed" -eq 0 ] || { echo "$failed failed"; exit 1; }
