#!/bin/sh
# SPDX-License-Identifier: MIT
# The `make run` job: trains maps on the bundled data sets into out/ and shows
# what they learned, through the `som` program alone (som train, info, eval,
# map), as a user would.
#
#   scripts/run-demo.sh SOM_BINARY
#
# Run from anywhere; paths are taken relative to the source tree. Exits
# non-zero as soon as a command fails.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 SOM_BINARY" >&2
    exit 2
fi
SOM=$1
case $SOM in /*) ;; *) SOM=$(pwd)/$SOM ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=out
mkdir -p "$OUT"

if [ ! -x "$SOM" ]; then
    echo "run-demo: $SOM is not an executable (build it first: make build)" >&2
    exit 1
fi
for f in iris colours optim; do
    if [ ! -f "data/$f.csv" ]; then
        echo "run-demo: data/$f.csv is missing" >&2
        exit 1
    fi
done

rule() {
    echo
    echo "== $* =="
}

# demo NAME DATA DESCRIPTION TRAIN-OPTIONS...: trains out/NAME.som on DATA
# and prints the model's description and its quality on that data.
demo() {
    name=$1 data=$2 what=$3
    shift 3
    rule "$what"
    echo "\$ som train $data -o $OUT/$name.som $*"
    "$SOM" train "$data" -o "$OUT/$name.som" "$@" 2>&1
    echo
    "$SOM" info "$OUT/$name.som"
    echo
    echo "quality on $data:"
    "$SOM" eval "$OUT/$name.som" "$data" | sed 's/^/  /'
    "$SOM" map "$OUT/$name.som" "$data" -o "$OUT/$name-bmus.csv"
}

"$SOM" --version

# (a) Fisher's iris: 4 measurements in centimetres, scaled to z-scores, on a
# hexagonal map trained in batch.
demo iris data/iris.csv "iris: 10x10 hexagonal map, batch training" \
    --grid 10x10 --topology hex --algorithm batch --scale zscore \
    --epochs 20 --seed 1

# Where the species landed: each unit shows the letter of the species most
# of its rows belong to (from the BMUs `som map` wrote); '.' is a unit that
# no row chose. Odd rows are shifted by half a cell, as on the hexagonal map.
echo
echo "species on the map:"
awk -F, 'NR > 1 {
        if (!($1 in code)) { code[$1] = sprintf("%c", 65 + nl); name[nl++] = $1 }
        n[$3, $4, $1]++
        if ($3 > rows) rows = $3
        if ($4 > cols) cols = $4
    }
    END {
        for (r = 0; r <= rows; r++) {
            line = (r % 2) ? "   " : "  "
            for (c = 0; c <= cols; c++) {
                best = "."; most = 0
                for (k = 0; k < nl; k++)
                    if (n[r, c, name[k]] > most) { most = n[r, c, name[k]]; best = code[name[k]] }
                line = line " " best
            }
            print line
        }
        for (k = 0; k < nl; k++) printf "  %s %s\n", code[name[k]], name[k]
    }' "$OUT/iris-bmus.csv"

# (b) colours: red, green, blue from 0 to 255, all in the same unit, so
# min-max scaling; online training, as in the seeds.
demo colours data/colours.csv "colours: 12x12 map of RGB colours, online training" \
    --grid 12x12 --algorithm online --epochs 40 --scale minmax \
    --radius 6:0.5 --rate 0.5:0.02 --seed 1

# (c) an optimisation table in the shape of the MQL5 article's optim.csv:
# tester parameters and results, each in its own unit.
demo optim data/optim.csv "optim: 10x10 hexagonal map of optimisation results" \
    --grid 10x10 --topology hex --algorithm batch --scale zscore \
    --epochs 30 --seed 1

# (d) pictures of the maps (som render; only in builds with Cairo): the
# iris map's planes, U-matrix, hits, species, profiles (codes), training
# error and dashboard, the colours map in the MQL5 palette, and the
# optimisation table's planes five to a row (the MQL5 MaxPictures), with
# its skewed Profit field once more by rank.
if "$SOM" help | grep -q '^  render '; then
    rule "pictures"
    picture() {
        out=$1
        shift
        "$SOM" render "$@" -o "$OUT/$out"
        echo "  $OUT/$out"
    }
    echo "\$ som render $OUT/iris.som -o $OUT/iris-dashboard.png --plot dashboard --data data/iris.csv"
    picture iris-planes.png "$OUT/iris.som" --plot planes
    picture iris-umatrix.png "$OUT/iris.som" --plot umatrix
    picture iris-umatrix-full.png "$OUT/iris.som" --plot umatrix --umatrix full
    picture iris-hits.png "$OUT/iris.som" --plot hits --data data/iris.csv
    picture iris-labels.png "$OUT/iris.som" --plot labels --data data/iris.csv
    picture iris-codes.png "$OUT/iris.som" --plot codes
    picture iris-error.png "$OUT/iris.som" --plot error
    picture iris-dashboard.png "$OUT/iris.som" --plot dashboard --data data/iris.csv
    picture iris-dashboard.svg "$OUT/iris.som" --plot dashboard --data data/iris.csv
    picture colours-planes.png "$OUT/colours.som" --plot planes --colors mql
    picture colours-labels.png "$OUT/colours.som" --plot labels --labels all \
        --data data/colours.csv
    picture optim-planes.png "$OUT/optim.som" --plot planes --per-row 5
    picture optim-planes.pdf "$OUT/optim.som" --plot planes --per-row 5
    picture optim-profit-rank.png "$OUT/optim.som" --fields Profit --scale-colors rank
fi

rule "files"
ls -l "$OUT"
echo
echo "Models and BMU tables are in $OUT/. Try: $SOM info --json $OUT/iris.som"
