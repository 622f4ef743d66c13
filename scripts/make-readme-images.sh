#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerates the map pictures of the README (doc/images/map-*.png) from the
# bundled data, through the `som` program alone. Deterministic: the same
# binary gives the same bytes.
#
#   scripts/make-readme-images.sh SOM_BINARY
set -eu
if [ $# -ne 1 ]; then
    echo "usage: $0 SOM_BINARY" >&2
    exit 2
fi
SOM=$1
case $SOM in /*) ;; *) SOM=$(pwd)/$SOM ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
IMG=doc/images
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# iris as `make run` trains it, plus Ward clusters; optim likewise
"$SOM" train data/iris.csv -o "$TMP/iris.som" --grid 10x10 --topology hex \
    --algorithm batch --scale zscore --epochs 20 --seed 1 -q
"$SOM" cluster "$TMP/iris.som" -o "$TMP/iris.som" --method ward -k 3 >/dev/null 2>&1
"$SOM" train data/optim.csv -o "$TMP/optim.som" --grid 10x10 --topology hex \
    --algorithm batch --scale zscore --epochs 30 --seed 1 -q

r() { "$SOM" render "$@"; }
r "$TMP/iris.som" -o $IMG/map-dashboard.png --plot dashboard --data data/iris.csv
r "$TMP/iris.som" -o $IMG/map-labels.png --plot labels --data data/iris.csv
r "$TMP/iris.som" -o $IMG/map-hits.png --plot hits --data data/iris.csv
r "$TMP/iris.som" -o $IMG/map-hits-markers.png --plot hits --hits-style markers \
    --data data/iris.csv
r "$TMP/iris.som" -o $IMG/map-umatrix-full.png --plot umatrix --umatrix full
r "$TMP/iris.som" -o $IMG/map-umatrix-boundaries.png --plot umatrix --boundaries
r "$TMP/iris.som" -o $IMG/map-error.png --plot error
r "$TMP/iris.som" -o $IMG/map-clusters.png --plot clusters
r "$TMP/iris.som" -o $IMG/map-clusters-classes.png --plot clusters --data data/iris.csv
r "$TMP/iris.som" -o $IMG/map-codes.png --plot codes
r "$TMP/optim.som" -o $IMG/map-planes-mql.png --per-row 5 --colors mql
r "$TMP/optim.som" -o $IMG/map-planes-optim.png --per-row 5
r "$TMP/optim.som" -o $IMG/map-profit-linear.png --fields Profit
r "$TMP/optim.som" -o $IMG/map-profit-rank.png --fields Profit --scale-colors rank
ls -l $IMG/map-*.png
