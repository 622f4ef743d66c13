#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerates the map pictures of the README (doc/images/map-*.png) from the
# bundled data, through the `som` program alone (deterministic: the same
# binary gives the same bytes), and the web app's screenshots (web-*.png).
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

# The web app's screenshots (doc/images/web-*.png), which the browser tests
# of the page take at 1280x800 and 390x844 (needs node, playwright-core and
# chromium: scripts/setup-deps.sh --web). WEB=0 leaves them.
if [ "${WEB:-1}" = 1 ]; then
    SOM_WEB_SHOTS="$TMP/web" tests/web/run.sh browser-page "$SOM" "$ROOT" >/dev/null
    for p in train:page-train-1280 recognize:page-recognize-1280 art:page-art-1280 \
        train-phone:page-train-tap-390 recognize-phone:page-recognize-390 art-phone:page-art-390; do
        cp "$TMP/web/${p#*:}.png" "$IMG/web-${p%%:*}.png"
    done
    ls -l $IMG/web-*.png
fi
