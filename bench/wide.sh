#!/bin/sh
# SPDX-License-Identifier: MIT
# Wide tables (issue 14; never part of `make test`): time and peak RSS of
# `som train` with default options (automatic grid, PCA initialisation) on
# tables with many more columns than rows — 20,000 x 5, 20,000 x 100 and
# 5,000 x 2,000 (columns x rows), gene-expression-like — and of eval, map,
# cluster and info on the 20,000 x 100 model.
#
#   bench/wide.sh [BUILD] [BEFORE_SOM] [TMPDIR]     (BUILD default: build)
#
# BEFORE_SOM, when given, is another `som` program (e.g. one built from an
# older commit) timed on the same files in the same run; each of its runs
# is stopped after $CAP seconds (default 240) and reported as "> CAP s".
# The same runs with --init random and the grid chosen by the new program
# show what PCA and the grid sizing cost on their own.
# Each line: wall seconds, CPU seconds (user + system: what a loaded
# machine distorts least) and peak RSS (GNU time's %M). Data are som_bench's gaussian blobs (16
# centres: low-rank structure plus N(0, 1) noise, fixed seed), written as
# .npy and converted to CSV by `som convert`.
set -eu
BUILD=${1:-build}
BEFORE=${2:-}
DIR=${3:-${TMPDIR:-/tmp}}/som-wide.$$
CAP=${CAP:-240}
SOM=$BUILD/som
BENCH=$BUILD/bench/som_bench
for p in "$SOM" "$BENCH" /usr/bin/time; do
    [ -x "$p" ] || { echo "wide.sh: $p missing (make build)" >&2; exit 1; }
done
[ -z "$BEFORE" ] || [ -x "$BEFORE" ] || { echo "wide.sh: $BEFORE is not a program" >&2; exit 1; }
mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT INT TERM

# measure LABEL COMMAND...: one line "LABEL  seconds  peak MB"; a run that
# reaches $CAP seconds is killed and shown as "> CAP s" with its peak so far
# (GNU time reports a killed child's peak too).
measure() {
    label=$1
    shift
    /usr/bin/time -f "%e %M %U %S" -o "$DIR/time" "$@" >"$DIR/out" 2>"$DIR/err" &
    tpid=$!
    t=0
    stopped=
    while kill -0 "$tpid" 2>/dev/null; do
        if [ "$t" -ge "$CAP" ]; then
            for c in $(pgrep -P "$tpid"); do kill -KILL "$c"; done
            stopped=1
            break
        fi
        sleep 1
        t=$((t + 1))
    done
    st=0
    wait "$tpid" || st=$?
    if [ -n "$stopped" ]; then
        awk -v l="$label" -v c="$CAP" 'END { printf "%-44s  > %5d s  (cpu %7.1f s) %6.0f MB so far: stopped\n", l, c, $3 + $4, $2 / 1000 }' "$DIR/time"
    elif [ "$st" -ne 0 ]; then
        echo "wide.sh: $label failed:" >&2
        cat "$DIR/err" >&2
        exit 1
    else
        awk -v l="$label" 'END { printf "%-44s %8.2f s  (cpu %7.2f s) %6.0f MB\n", l, $1, $3 + $4, $2 / 1000 }' "$DIR/time"
    fi
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
measure "baseline: som --version" "$SOM" --version

for shape in 20000x5 20000x100 5000x2000; do
    cols=${shape%x*}
    rows=${shape#*x}
    "$BENCH" --make-npy "$DIR/w.npy" --n "$rows" --dim "$cols"
    "$SOM" convert "$DIR/w.npy" "$DIR/w.csv" 2>/dev/null
    echo "data: $cols columns x $rows rows: floats $((rows * cols * 4 / 1000000)) MB, CSV $(($(stat -c %s "$DIR/w.csv") / 1000000)) MB"
    measure "  som train (defaults), after" "$SOM" train "$DIR/w.csv" -o "$DIR/w.som"
    grep '^grid' "$DIR/err" | sed 's/^/    /'
    grid=$(sed -n 's/^grid *\([0-9]*x[0-9]*\).*/\1/p' "$DIR/err")
    if [ -n "$BEFORE" ]; then
        measure "  som train (defaults), before" "$BEFORE" train "$DIR/w.csv" -q -o "$DIR/b.som"
        measure "  before, --init random --grid $grid" "$BEFORE" train "$DIR/w.csv" -q \
            --init random --grid "$grid" -o "$DIR/b.som"
    fi
    measure "  after, --init random --grid $grid" "$SOM" train "$DIR/w.csv" -q \
        --init random --grid "$grid" -o "$DIR/r.som"
    if [ "$shape" = 20000x100 ]; then
        measure "  som eval" "$SOM" eval "$DIR/w.som" "$DIR/w.csv"
        measure "  som map" "$SOM" map "$DIR/w.som" "$DIR/w.csv" -o "$DIR/m.csv"
        measure "  som info" "$SOM" info "$DIR/w.som"
        measure "  som cluster (k-means, k chosen in 2..10)" "$SOM" cluster "$DIR/w.som" -o "$DIR/c.som"
        measure "  som cluster --method ward" "$SOM" cluster "$DIR/w.som" --method ward -o "$DIR/c.som"
        measure "  som predict (the table to CSV)" "$SOM" predict "$DIR/w.som" "$DIR/w.csv" -o "$DIR/p.csv"
        measure "  som render -p umatrix" "$SOM" render "$DIR/w.som" -p umatrix -o "$DIR/u.png"
        if [ -n "$BEFORE" ]; then
            measure "  som eval, before" "$BEFORE" eval "$DIR/w.som" "$DIR/w.csv"
            measure "  som map, before" "$BEFORE" map "$DIR/w.som" "$DIR/w.csv" -o "$DIR/m.csv"
            measure "  som cluster, before" "$BEFORE" cluster "$DIR/w.som" -o "$DIR/c.som"
        fi
    fi
    rm -f "$DIR/w.npy" "$DIR/w.csv" "$DIR/m.csv" "$DIR/p.csv"
done
