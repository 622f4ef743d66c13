#!/bin/sh
# SPDX-License-Identifier: MIT
# The clustering scenarios at larger sizes, and the public tables: the
# adjusted Rand index (ARI) of each row's cluster (som map, through its
# BMU) against the truth, for the old default (--method kmeans, k by the
# Davies-Bouldin index), the new default with and without --data.
# Reported, not asserted (bench/README.md keeps the table); labels of real
# tables are classes, not clusters.
#
#   bench/scenarios.sh [SOM] [SCALE]     defaults: build/som, 10 (about
#                                        3,000 rows a scenario)
#
# Needs Debian's /usr/bin/python3 (no numpy). scikit-learn's bundled tables
# (python3-sklearn) are used when present, else skipped with a note.
set -u
here=$(cd "$(dirname "$0")" && pwd)
SOM=${1:-$here/../build/som}
SCALE=${2:-10}
PY=${SOM_PYTHON:-/usr/bin/python3}
GEN="$here/../tests/cli/scenarios.py"
SK=/usr/lib/python3/dist-packages/sklearn/datasets/data
[ -x "$SOM" ] || { echo "no program at $SOM (build first)" >&2; exit 1; }
"$PY" -c 'import csv' 2>/dev/null || { echo "skipped: no $PY" >&2; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ari MODEL DATA: "ARI k" of the model's clusters on DATA's rows.
ari() {
    "$SOM" map "$1" "$2" -q >"$work/map.csv" && "$PY" "$GEN" ari "$work/map.csv" | awk '{ printf "%.3f (k=%s)", $1, $2 }'
}

# row NAME CSV: trains with the defaults, then the three clusterings.
row() {
    "$SOM" train "$2" -o "$work/m.som" -q 2>/dev/null || { echo "| $1 | train failed |"; return; }
    rows=$(($(wc -l <"$2") - 1))
    grid=$("$SOM" info "$work/m.som" | awk '$1 == "grid" { print $2 }')
    "$SOM" cluster "$work/m.som" -o "$work/old.som" --method kmeans -q 2>/dev/null
    old=$(ari "$work/old.som" "$2")
    "$SOM" cluster "$work/m.som" -o "$work/bare.som" -q 2>/dev/null
    bare=$(ari "$work/bare.som" "$2")
    t0=$(date +%s.%N)
    "$SOM" cluster "$work/m.som" -o "$work/new.som" --data "$2" -q 2>"$work/warn"
    t1=$(date +%s.%N)
    new=$(ari "$work/new.som" "$2")
    warn=$(sed -n 's/^som: cluster: warning: \(no k\|k = [0-9]* is the top\).*/\1/p' "$work/warn" | head -1)
    printf '| %s | %s | %s | %s | %s | %s | %.2f s | %s |\n' "$1" "$rows" "$grid" "$old" "$bare" \
        "$new" "$(echo "$t1 - $t0" | bc)" "${warn:-}"
}

echo "| data | rows | grid | old default (kmeans, DB) | auto, no --data | auto --data (new default) | cluster time | warning |"
echo "|---|---|---|---|---|---|---|---|"
for s in $("$PY" "$GEN" list); do
    "$PY" "$GEN" gen "$s" "$work/$s.csv" "$SCALE"
    row "$s" "$work/$s.csv"
done
row iris "$here/../data/iris.csv"
for t in wine breast_cancer digits; do
    if "$PY" "$GEN" sklearn "$t" "$work/$t.csv" 2>/dev/null; then
        row "$t" "$work/$t.csv"
    else
        echo "| $t | skipped: scikit-learn's tables are not in $SK |"
    fi
done
