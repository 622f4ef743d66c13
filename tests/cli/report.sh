#!/bin/sh
# SPDX-License-Identifier: MIT
# CLI tests for `som report` (needs a som built with Cairo and jansson).
#
#   tests/cli/report.sh SOM ROOT
#
# The page parses as XHTML (xmllint --noout, and Python's XML and HTML
# parsers), holds every section, and each inline SVG parses on its own; the
# same model and data give the same bytes, whatever the thread count;
# --json is JSON whose quality numbers are `som eval --json`'s; bad usage
# exits 2 and bad input 1, leaving no file and an old one untouched.
# Exits 77 (skipped) without Debian's /usr/bin/python3.
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 SOM ROOT" >&2
    exit 2
fi
SOM=$1
ROOT=$2
case $SOM in /*) ;; *) SOM=$(pwd)/$SOM ;; esac
case $ROOT in /*) ;; *) ROOT=$(pwd)/$ROOT ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
CHECK="$PY $HERE/report_check.py"
IRIS=$ROOT/data/iris.csv
OPTIM=$ROOT/data/optim.csv
SECTIONS="summary quality umatrix planes classes profiles best-units similarity"

if [ ! -x "$PY" ]; then
    echo "skipped: $PY is missing"
    exit 77
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-report-cli.XXXXXX") || exit 1
if [ "${SOM_CLI_KEEP:-0}" = 1 ]; then
    echo "work directory: $WORK"
else
    trap 'rm -rf "$WORK"' EXIT INT TERM
fi
cd "$WORK" || exit 1

# shellcheck source=tests/cli/harness.sh
. "$HERE/harness.sh"

# is_page FILE: parses as XML with xmllint (when installed) and passes the
# Python checks with every section.
is_page() {
    if command -v xmllint >/dev/null 2>&1; then
        xmllint --noout "$1" 2>"$1.xmllint" || note "xmllint: $(head -3 "$1.xmllint")"
    fi
    # shellcheck disable=SC2086 # one word per section id
    $CHECK page "$1" $SECTIONS >"$1.check" 2>&1 || note "$(cat "$1.check")"
}

"$SOM" train "$IRIS" -o iris.som --grid 6x8 --topology hex --seed 3 -q 2>/dev/null ||
    echo "training iris failed"
"$SOM" train "$OPTIM" -o optim.som --grid 10x12 --seed 3 -q 2>/dev/null ||
    echo "training optim failed"

begin report-help
run report --help
expect_rc 0
expect_grep out '^Usage: som report MODEL'
expect_empty err
end

begin report-iris
run report iris.som --data "$IRIS" -o iris.html
expect_rc 0
expect_empty out
expect_empty err
is_page iris.html
# Planes of all four fields, the hits, curve, U-matrix, clusters and classes
# (and the codes plot where the picture layer draws it).
awk '$1 == "sections" && $2 == 8 && $4 >= 9 { ok = 1 } END { exit !ok }' iris.html.check ||
    note "pictures: $(cat iris.html.check)"
grep -q 'setosa' iris.html || note "no label in the page"
end

begin report-same-bytes
run report iris.som --data "$IRIS" -o again.html --threads 1
expect_rc 0
cmp -s iris.html again.html || note "a second run (one thread) gave other bytes"
end

begin report-optim
run report optim.som -d "$OPTIM" -o optim.html
expect_rc 0
expect_empty err
is_page optim.html
grep -q 'The data has no label column' optim.html || note "no note on the missing labels"
grep -q 'DrawdownPercent' optim.html || note "a field is missing"
end

begin report-no-data
run report iris.som -o units.html
expect_rc 0
is_page units.html
grep -q 'describes the units alone' units.html || note "no word that the data is missing"
end

# Very many fields and a label per row: 24 planes, correlations among the
# 200 most varying fields, no per-label table, each with a note.
begin report-very-wide
$PY -c 'import random
random.seed(2)
print("name," + ",".join("f%03d" % j for j in range(210)))
for i in range(1010):
    a = random.random()
    print("r%d," % i + ",".join("%.3f" % (a * (j % 7) + random.random()) for j in range(210)))' >wide.csv
"$SOM" train wide.csv -o wide.som --grid 4x5 -q 2>/dev/null
run report wide.som -d wide.csv -o wide.html
expect_rc 0
is_page wide.html
grep -q 'these are the 24 whose' wide.html || note "no note on the planes drawn"
grep -q 'Among the 200 fields' wide.html || note "no note on the correlated fields"
grep -q '1010 distinct labels: too many' wide.html || note "no note on the labels"
"$SOM" report wide.som -d wide.csv --json >wide.json
$PY -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert len(d["similarity"]["fields"]) == 200 and len(d["similarity"]["correlation"]) == 200
assert d["data"]["labels"] == 1010 and d["labels"] == []
assert len(d["model"]["fields"]) == 210' wide.json || note "the JSON does not say so"
end

# A model with clusters of its own: the report uses them (k = 4).
begin report-model-clusters
"$SOM" cluster iris.som -o iris4.som -k 4 -q 2>/dev/null
run report iris4.som -d "$IRIS" --json
expect_rc 0
$PY -c 'import json,sys; c=json.load(open(sys.argv[1]))["clusters"]
assert c["source"] == "model" and c["k"] == 4, c["source"]' report-model-clusters.out ||
    note "the model's 4 clusters were not used"
end

begin report-json
run report iris.som --data "$IRIS" --json
expect_rc 0
expect_empty err
"$SOM" eval iris.som "$IRIS" --json >eval.json
$CHECK json report-json.out eval.json >json.check 2>&1 || note "$(cat json.check)"
end

begin report-json-file
run report iris.som --data "$IRIS" --json -o numbers.json
expect_rc 0
expect_empty out
cmp -s numbers.json report-json.out || note "--json -o differs from --json on stdout"
end

# usage_error NAME ARGS...: exit 2, a hint, no page.
usage_error() {
    begin "$1"
    shift
    run report "$@"
    expect_rc 2
    expect_empty out
    expect_grep err "^Try 'som report --help'\.$"
    expect_no_file bad.html
    end
}
usage_error report-no-output iris.som
usage_error report-no-model -o bad.html
usage_error report-two-models iris.som iris.som -o bad.html
usage_error report-bad-k iris.som -o bad.html -k 1
usage_error report-bad-option iris.som -o bad.html --frobnicate

begin report-missing-model
run report nosuch.som -o bad.html
expect_rc 1
expect_grep err 'nosuch\.som'
expect_no_file bad.html
end

begin report-bad-data
printf 'sepal_length,sepal_width,petal_length,petal_width\n1,2,3,4\n1,2,3\n' >bad.csv
cp iris.html keep.html
run report iris.som --data bad.csv -o keep.html
expect_rc 1
expect_grep err 'bad\.csv:3:4: expected 4 fields, got 3'
cmp -s keep.html iris.html || note "the old page was changed"
end

begin report-too-many-clusters
run report iris.som -o bad.html -k 48
expect_rc 1
expect_grep err 'only 48 units'
expect_no_file bad.html
end

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
