#!/bin/sh
# SPDX-License-Identifier: MIT
# JSON models and the one JSON writer (issue 15):
#   round trip — `som convert M.som M.json && som convert M.json B.som`
#   gives M.som byte for byte, for every golden model and for a hex,
#   toroid, min-max scaled, weighted, supervised (one-hot labels) and
#   clustered one; the commands read M.json as they read M.som;
#   UTF-8 — a Latin-1 title in a CSV gives valid JSON (U+FFFD) from info,
#   eval, report and convert;
#   reader errors — truncated JSON, wrong types, missing keys, sizes that
#   disagree with dim: exit 1, file:line:column and what was expected, no
#   output file left behind.
#
#   tests/cli/json.sh SOM ROOT
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 SOM ROOT" >&2
    exit 2
fi
SOM=$1
ROOT=$2
case $SOM in /*) ;; *) SOM=$(pwd)/$SOM ;; esac
case $ROOT in /*) ;; *) ROOT=$(pwd)/$ROOT ;; esac
IRIS=$ROOT/data/iris.csv
PY=/usr/bin/python3

WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-json.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM
cd "$WORK" || exit 1
# shellcheck source=tests/cli/harness.sh
. "$ROOT/tests/cli/harness.sh"

# valid_json FILE: FILE is one JSON value (Python's strict parser).
valid_json() {
    if [ -x "$PY" ]; then
        "$PY" -c 'import json, sys; json.load(open(sys.argv[1], encoding="utf-8", errors="strict"))' \
            "$1" 2>/dev/null || note "$1 is not valid UTF-8 JSON"
    fi
}

# roundtrip MODEL: .som -> .json -> .som gives the same bytes.
roundtrip() {
    b=$(basename "$1" .som)
    "$SOM" convert "$1" "$b.json" 2>"$b.err" || { note "$b: convert to .json: $(cat "$b.err")"; return; }
    "$SOM" convert "$b.json" "$b.back.som" 2>"$b.err" ||
        { note "$b: convert from .json: $(cat "$b.err")"; return; }
    cmp -s "$1" "$b.back.som" || note "$b: .som -> .json -> .som differs"
    valid_json "$b.json"
}

begin roundtrip-golden
n=0
for m in "$ROOT"/tests/golden/models/*.som; do
    roundtrip "$m"
    n=$((n + 1))
done
[ "$n" -ge 13 ] || note "only $n golden models"
end

begin roundtrip-everything
run train "$IRIS" -o all.som --grid 6x8 --topology hex --toroid --scale minmax \
    --target species --weights "sepal_width=0,petal_width=2" --algorithm online \
    --schedule inverse --seed 123456789 -q
expect_rc 0
run cluster all.som -o all.som -k 3 -q
expect_rc 0
roundtrip all.som
grep -q '"topology":"hex"' all.json || note "not hex"
grep -q '"toroid":true' all.json || note "not a toroid"
grep -q '"kind":"minmax"' all.json || note "not min-max"
grep -q '^"feature_weights":\[' all.json || note "no feature weights"
grep -q '^"clusters":{"k":3,' all.json || note "no clusters"
grep -q '"species=setosa"' all.json || note "no one-hot species field"
grep -q '"seed":123456789,' all.json || note "no seed"
end

begin roundtrip-order-radius-schedule
run train "$IRIS" -o cyc.som --grid 4x5 --iterations 300 --order cyclic \
    --radius-schedule inverse --schedule inverse -q
expect_rc 0
roundtrip cyc.som
grep -q '"radius_schedule":"inverse"' cyc.json || note "no radius_schedule"
grep -q '"order":"cyclic"' cyc.json || note "no order"
end

begin read-json-like-som
"$SOM" info all.som >info-som.txt 2>&1
run info all.json
expect_rc 0
sed 's/all\.som/all.json/' info-som.txt | cmp -s - "$name.out" || note "info differs from the .som's"
"$SOM" info --json all.som >info-som.json 2>&1
run info --json all.json
cmp -s info-som.json "$name.out" || note "info --json differs from the .som's"
"$SOM" map all.som "$IRIS" >map-som.csv 2>&1
run map all.json "$IRIS"
expect_rc 0
cmp -s map-som.csv "$name.out" || note "map differs from the .som's"
# A name that says nothing: the content does.
cp all.json model
run_sh "cat model | '$SOM' info --json -"
expect_rc 0
cmp -s info-som.json "$name.out" || note "info of JSON on standard input differs"
end

# ---- UTF-8 --------------------------------------------------------------------
printf 'name,caf\351,b\nr\351d,1,2\nbleu,2,3\nr\351d,3,1\nbleu,4,4\n' >latin1.csv
begin latin1-title
run train latin1.csv -o latin1.som --grid 2x2 -q
expect_rc 0
run info --json latin1.som
expect_rc 0
valid_json "$name.out"
expect_grep out "\"titles\": \\[\"caf$(printf '\357\277\275')\", \"b\"\\]"
run convert latin1.som latin1.json
expect_rc 0
valid_json latin1.json
run eval latin1.som latin1.csv --json
expect_rc 0
valid_json "$name.out"
# Labels too (som report, when the program has it).
if "$SOM" report --help >/dev/null 2>&1; then
    run report latin1.som -d latin1.csv --json
    expect_rc 0
    valid_json "$name.out"
    expect_grep out "\"label\": \"r$(printf '\357\277\275')d\""
fi
end

# ---- reader errors --------------------------------------------------------------
"$SOM" convert "$ROOT/tests/golden/models/iris-default.som" good.json 2>/dev/null

# bad_json NAME FILE ERE: reading FILE fails with exit 1 and ERE on stderr,
# and converting it leaves no output behind.
bad_json() {
    begin "$1"
    run info "$2"
    expect_rc 1
    expect_empty out
    expect_grep err "$3"
    run convert "$2" out.som
    expect_rc 1
    expect_no_file out.som
    end
}

head -c 2000 good.json >truncated.json
bad_json json-truncated truncated.json "^som: truncated\\.json:[0-9]+:[0-9]+: not a JSON model: "
printf '' >empty.json
bad_json json-empty empty.json "^som: empty\\.json:1:1: not a JSON model: "
sed 's/^"rows":6,$/"rows":"six",/' good.json >type.json
bad_json json-wrong-type type.json \
    '^som: type\.json:4:8: rows: expected a whole number from 0 to [0-9]+, got a string$'
grep -v '^"trained":' good.json >missing.json
bad_json json-missing-key missing.json '^som: missing\.json:1:1: the key "trained" is missing$'
sed 's/^"dim":4,$/"dim":5,/' good.json >dim.json
bad_json json-dim-mismatch dim.json \
    '^som: dim\.json:10:10: titles: expected 5 titles \(one per field, dim\), got 4$'
sed 's/^"settings":{"algorithm":"batch"/"settings":{"algorithm":"sgd"/' good.json >enum.json
bad_json json-bad-name enum.json \
    '^som: enum\.json:[0-9]+:25: settings\.algorithm: unknown value "sgd", expected "online" or "batch"$'
printf '{"format": "som-map", "version": 1, "rows": 2, "cols": 2, "topology": "rect",\n "toroid": false, "dim": 1, "titles": ["x"], "codebook_scaled": [[0], [0], [0], [0]],\n "scaling": 3}\n' >scal.json
bad_json json-not-object scal.json '^som: scal\.json:3:13: scaling: expected an object, got a whole number$'
printf '[1, 2]\n' >array.json
bad_json json-array array.json '^som: array\.json:1:1: expected an object \(a som-map model\), got an array$'
printf '{"type": "FeatureCollection"}\n' >other.json
bad_json json-other other.json '^som: other\.json:1:1: not a som model: expected "format": "som-map"$'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
