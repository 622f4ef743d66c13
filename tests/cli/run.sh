#!/bin/sh
# SPDX-License-Identifier: MIT
# CLI tests for the `som` program.
#
#   tests/cli/run.sh SOM ROOT [--regen]
#
# SOM is the program to test, ROOT the source tree (for data/, doc/ and the
# expected outputs in tests/cli/cases/). Each case runs one command and checks
# its exit status, and its stdout and stderr: against an expected file where
# the output is deterministic and ours (help texts, usage errors), by key
# phrases where it depends on numbers or on the library's wording. --regen
# (or SOM_CLI_REGEN=1) rewrites the expected files from the actual outputs;
# review the diff before committing it.
#
# Runs under ASan builds too: a sanitizer report changes the exit status or
# stderr, which the cases check.
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 SOM ROOT [--regen]" >&2
    exit 2
fi
SOM=$1
ROOT=$2
REGEN=${SOM_CLI_REGEN:-0}
[ "${3:-}" = "--regen" ] && REGEN=1
case $SOM in /*) ;; *) SOM=$(pwd)/$SOM ;; esac
case $ROOT in /*) ;; *) ROOT=$(pwd)/$ROOT ;; esac
CASES=$ROOT/tests/cli/cases
DATA=$ROOT/data
MAN=$ROOT/doc/som.1.md
IRIS=$DATA/iris.csv

WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-cli.XXXXXX") || exit 1
# SOM_CLI_KEEP=1 keeps the work directory, to look at what a case left.
if [ "${SOM_CLI_KEEP:-0}" = 1 ]; then
    echo "work directory: $WORK"
else
    trap 'rm -rf "$WORK"' EXIT INT TERM
fi
# Relative names in messages ("som: ragged.csv:3:2: ...") keep the expected
# phrases independent of where the tree lives.
cd "$WORK" || exit 1

# ---- the harness (the shared part is tests/cli/harness.sh) -----------------

# shellcheck source=tests/cli/harness.sh
. "$ROOT/tests/cli/harness.sh"

# expect_file_same STREAM: NAME.STREAM equals cases/NAME.STREAM.
expect_same() {
    if [ "$REGEN" = 1 ]; then
        cp "$name.$1" "$CASES/$name.$1"
    elif [ ! -f "$CASES/$name.$1" ]; then
        note "no expected file cases/$name.$1 (run with --regen)"
    elif ! cmp -s "$name.$1" "$CASES/$name.$1"; then
        note "$1 differs from cases/$name.$1:
$(diff "$CASES/$name.$1" "$name.$1" | head -20)"
    fi
}

expect_no_grep() {
    if grep -Eq -- "$2" "$name.$1"; then note "$1 has a line matching /$2/"; fi
}

expect_cmp() {
    cmp -s "$1" "$2" || note "$1 and $2 differ"
}

# usage_error NAME ARGS...: a bad command line: exit 2, nothing on stdout,
# a hint on stderr.
usage_error() {
    begin "$1"
    shift
    cmd=$1
    run "$@"
    expect_rc 2
    expect_empty out
    expect_grep err "^Try 'som $cmd --help'\.$"
}

# ---- data for the cases ---------------------------------------------------

if [ ! -f "$IRIS" ]; then
    echo "missing $IRIS" >&2
    exit 1
fi
IRIS_TITLES=$(head -n 1 "$IRIS" | tr -d '\r')
IRIS_ROWS=$(($(grep -c . "$IRIS") - 1))
# Which column holds the labels (the species) and which is the first
# numeric one, judged from the first data row, so that the cases do not
# depend on the file's column order.
LABEL_COL=$(sed -n 2p "$IRIS" | tr -d '\r' |
    awk -F, '{ for (i = 1; i <= NF; i++) if ($i !~ /^[-+.0-9eE]+$/) { print i; exit } }')
NUM_COL=$(sed -n 2p "$IRIS" | tr -d '\r' |
    awk -F, '{ for (i = 1; i <= NF; i++) if ($i ~ /^[-+.0-9eE]+$/) { print i; exit } }')
FIELD1=$(echo "$IRIS_TITLES" | cut -d, -f"$NUM_COL")

# fields_sorted LINE: the line's fields, sorted, numbers to 6 digits, to
# compare rows whatever the order of their columns, and whether a float went
# through a float32 (%.9g writes 4.6 back as 4.5999999).
fields_sorted() {
    echo "$1" | tr -d '\r' | tr , '\n' |
        awk '/^[-+.0-9eE]+$/ { printf "%.6g\n", $0; next } { print }' |
        sort | tr '\n' ,
}

printf '' >empty.csv
printf 'a,b,c\n' >header.csv
printf 'a,b,c\n1,2,3\n4,5\n7,8,9\n' >ragged.csv
printf 'a,b,c\n1,2,3\n4,x,6\n7,8,9\n' >text.csv
printf 'a,b,c\n1,2,3\n4,inf,6\n7,8,9\n' >inf.csv
printf 'a,b,c\n1,2,3\n,,\n7,8,9\n' >norow.csv
printf 'x,y\n1,2\n3,4\n' >two.csv
# Iris with the first numeric field blank in rows 1 and 3; and without its
# label column.
awk -F, -v c="$NUM_COL" 'BEGIN { OFS = "," } NR == 2 || NR == 4 { $c = "" } { print }' \
    "$IRIS" >blank.csv
awk -F, -v c="${LABEL_COL:-0}" '{ sub(/\r$/, ""); s = ""
    for (i = 1; i <= NF; i++) if (i != c) s = s (s == "" ? "" : ",") $i
    print s }' "$IRIS" >nolabel.csv

# ---- help and version ------------------------------------------------------

begin help
run help
expect_rc 0
expect_empty err
# The commands that need Cairo (render, art; serve also libmicrohttpd and
# jansson, report jansson) are listed only in builds that have them: compare
# the rest.
grep -Ev '^  (render|art|serve|report) ' help.out >help.core
cp help.core help.out
expect_same out
end

begin help-option
run --help
expect_rc 0
grep -Ev '^  (render|art|serve|report) ' help-option.out >help-option.core
expect_cmp help-option.core help.core
end

begin no-arguments
run
expect_rc 2
expect_empty out
expect_grep err '^Usage: som COMMAND'
end

begin unknown-command
run frobnicate
expect_rc 2
expect_same err
end

begin help-unknown-command
run help frobnicate
expect_rc 2
expect_grep err "^som: unknown command 'frobnicate'"
end

begin version
run --version
expect_rc 0
expect_grep out '^som [0-9]+\.[0-9]+\.[0-9]+ \(libsom [0-9]+\.[0-9]+\.[0-9]+\)$'
expect_empty err
end

# Every command `som help` lists; the core ones' help texts are compared
# whole, the optional ones' (owned by the picture layer) only checked.
COMMANDS=$("$SOM" help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 && $1 != "help" { print $1 }')
for c in train map predict eval info; do
    if ! echo "$COMMANDS" | grep -qx "$c"; then
        begin "listed-$c"
        note "som help does not list $c"
        end
    fi
done
for c in $COMMANDS; do
    begin "help-$c"
    run "$c" --help
    expect_rc 0
    case $c in train | map | predict | eval | info) expect_same out ;; esac
    expect_empty err
    expect_grep out "^Usage: som $c "
    end

    begin "help-via-help-$c"
    run help "$c"
    expect_rc 0
    expect_cmp "help-via-help-$c.out" "help-$c.out"
    end

    # Every option that --help shows is documented in the man page.
    begin "man-page-$c"
    rc=0
    if [ -f "$MAN" ]; then
        # shellcheck disable=SC2013 # words are wanted: one option each
        for opt in $(grep -Eo -- '--[a-z][a-z-]*' "help-$c.out" | sort -u); do
            grep -Fq -- "$opt" "$MAN" || note "$opt is not in doc/som.1.md"
        done
        grep -Eq "^#+ .*som $c" "$MAN" || note "no section for 'som $c'"
    else
        note "doc/som.1.md is missing"
    fi
    end
done

# ---- training -----------------------------------------------------------------

begin train-rect-batch
run train "$IRIS" -o rect.som --seed 7
expect_rc 0
expect_empty out
expect_grep err '^wrote +rect\.som$'
expect_grep err 'qe [0-9.]+'
# stderr is a file here, not a terminal: no progress bar.
expect_no_grep err '\[[#.]+\]'
[ -s rect.som ] || note "rect.som not written"
end

begin train-quiet
run train "$IRIS" -o quiet.som --seed 7 -q
expect_rc 0
expect_empty out
expect_empty err
expect_cmp quiet.som rect.som
end

begin train-hex-batch
run train "$IRIS" -o hex.som --grid 6x8 --topology hex --algorithm batch \
    --epochs 12 --scale zscore -q
expect_rc 0
expect_empty err
end

begin train-hex-online
run train "$IRIS" -o hex-online.som --grid 8x6 --topology hex \
    --algorithm online --epochs 5 --radius 3:0.5 --rate 0.3:0.02 --seed 3 -q
expect_rc 0
expect_empty err
end

begin train-toroid
run train "$IRIS" -o toroid.som --grid 6x6 --topology hex --toroid -q
expect_rc 0
expect_empty err
end

begin train-rect-toroid-online
run train "$IRIS" -o rtoroid.som --grid 5x7 --toroid --algorithm online \
    --epochs 3 --neighborhood bubble --schedule linear --neighbor-rate 0.5 -q
expect_rc 0
expect_empty err
end

begin train-iterations-mql
run train "$IRIS" -o mql.som --grid 9x9 --iterations 2000 --schedule mql \
    --rate 0.1 --init random --scale minmax -q
expect_rc 0
expect_empty err
end

begin train-inverse
run train "$IRIS" -o inverse.som --algorithm online --epochs 2 \
    --inverse 5:100 --neighborhood epanechnikov --init sample --scale none -q
expect_rc 0
expect_empty err
end

begin train-order-radius-schedule
run train "$IRIS" -o cyclic.som --grid 5x6 --iterations 450 --order cyclic \
    --inverse 112.5:225 --radius-schedule inverse --radius 2:0.6666666666666666 --scale none -q
expect_rc 0
expect_empty err
run info cyclic.som
expect_rc 0
expect_grep out 'algorithm online, iterations 450, order cyclic,'
expect_grep out 'radius-schedule inverse,'
run train "$IRIS" -o batch.som --order cyclic --algorithm batch -q
expect_rc 2
expect_grep err 'order cyclic needs online training; batch training has no sample order'
expect_no_file batch.som
end

begin train-cutgauss-threads
run train "$IRIS" -o cut.som --neighborhood cutgauss --threads 1 \
    --quality-every 0 --no-progress -q
expect_rc 0
expect_empty err
end

begin train-init-codebook
run train "$IRIS" -o cont.som --init-codebook rect.som --epochs 3 --seed 7 -q
expect_rc 0
expect_empty err
end

begin train-init-codebook-wrong-grid
run train "$IRIS" -o wrong.som --init-codebook hex.som -q
expect_rc 1
expect_grep err '^som: hex\.som: .*grid'
expect_no_file wrong.som
end

begin train-stdin
run_sh "'$SOM' train - -o stdin.som --seed 7 -q <'$IRIS'"
expect_rc 0
expect_empty err
expect_cmp stdin.som rect.som
end

begin train-tab-delimiter
tr , '\t' <"$IRIS" >iris.tsv
run train iris.tsv -o tsv.som --delimiter tab --seed 7 -q
expect_rc 0
expect_cmp tsv.som rect.som
run train iris.tsv -o tsv2.som --delimiter '\t' --seed 7 -q
expect_rc 0
expect_cmp tsv2.som rect.som
end

begin train-missing-values
run train blank.csv -o blank.som -q
expect_rc 0
expect_empty err
end

begin train-label-column
run train "$DATA/colours.csv" -o colours.som --label-column name --grid 4x4 -q
expect_rc 0
expect_empty err
end

begin train-no-header
# The titles row read as data: text in a numeric column, on line 1.
run train nolabel.csv -o x.som --no-header -q
expect_rc 1
expect_grep err '^som: nolabel\.csv:1:[0-9]+: '
expect_no_file x.som
end

begin train-header-numeric
# A first row of numbers forced to be titles.
tail -n +2 nolabel.csv >numbers.csv
run train numbers.csv -o numbers.som --header --grid 3x3 -q
expect_rc 0
"$SOM" info --json numbers.som >numbers.json 2>&1
grep -q '"dim": 4' numbers.json || note "dim is not 4"
[ "$(grep -c . numbers.csv)" -eq "$IRIS_ROWS" ] || note "bad numbers.csv"
end

# ---- determinism ---------------------------------------------------------------

begin same-seed-same-bytes-batch
run train "$IRIS" -o again.som --seed 7 -q
expect_rc 0
expect_cmp again.som rect.som
end

begin same-seed-same-bytes-online
run train "$IRIS" -o online1.som --algorithm online --epochs 4 --seed 11 -q
run train "$IRIS" -o online2.som --algorithm online --epochs 4 --seed 11 -q
expect_rc 0
expect_cmp online1.som online2.som
end

begin batch-threads-1-vs-2
run train "$IRIS" -o t1.som --topology hex --epochs 8 --threads 1 --seed 5 -q
run train "$IRIS" -o t2.som --topology hex --epochs 8 --threads 2 --seed 5 -q
expect_rc 0
expect_cmp t1.som t2.som
end

# ---- map, predict, eval, info ----------------------------------------------

for model in rect hex hex-online toroid mql; do
    begin "map-$model"
    run map "$model.som" "$IRIS"
    expect_rc 0
    expect_empty err
    [ "$(head -n 1 "$name.out")" = "label,unit,row,col,distance" ] ||
        note "header is '$(head -n 1 "$name.out")'"
    lines=$(($(wc -l <"$name.out") - 1))
    [ "$lines" -eq "$IRIS_ROWS" ] || note "$lines rows, expected $IRIS_ROWS"
    # unit = row*cols + col, and every distance a number >= 0.
    cols=$("$SOM" info --json "$model.som" | sed -n 's/.*"cols": \([0-9]*\).*/\1/p')
    awk -F, -v cols="$cols" 'NR > 1 && !($2 == $3 * cols + $4 && $5 ~ /^[0-9.e+-]+$/ && $5 >= 0) { bad = 1 } END { exit bad }' \
        "$name.out" || note "a line with unit != row*cols+col or a bad distance"
    end
done

begin map-output-file
run map rect.som "$IRIS" -o map.csv --threads 2
expect_rc 0
expect_empty out
"$SOM" map rect.som "$IRIS" >map-stdout.csv 2>&1
expect_cmp map.csv map-stdout.csv
end

begin map-line-numbers
# Without a label column, the label is the row's line number.
run map rect.som nolabel.csv
expect_rc 0
[ "$(sed -n 2p "$name.out" | cut -d, -f1)" = 2 ] || note "first label is not 2"
[ "$(sed -n 3p "$name.out" | cut -d, -f1)" = 3 ] || note "second label is not 3"
end

begin predict-fills-blank
run predict rect.som blank.csv -o filled.csv
expect_rc 0
expect_empty out
expect_empty err
# The label column, then the model's fields.
[ "$(fields_sorted "$(head -n 1 filled.csv)")" = "$(fields_sorted "$IRIS_TITLES")" ] ||
    note "header is '$(head -n 1 filled.csv)', expected the columns of '$IRIS_TITLES'"
lines=$(($(wc -l <filled.csv) - 1))
[ "$lines" -eq "$IRIS_ROWS" ] || note "$lines rows, expected $IRIS_ROWS"
grep -Eq '(^|,)(,|$)' filled.csv && note "an empty cell is left"
# Rows that had every field keep their values.
[ "$(fields_sorted "$(sed -n 3p filled.csv)")" = "$(fields_sorted "$(sed -n 3p "$IRIS")")" ] ||
    note "a complete row changed: '$(sed -n 3p filled.csv)'"
end

begin predict-stdout
run predict rect.som blank.csv
expect_rc 0
expect_cmp predict-stdout.out filled.csv
end

begin predict-fill-option
run predict rect.som "$IRIS" --fill "$FIELD1"
expect_rc 0
grep -Eq '(^|,)(,|$)' "$name.out" && note "an empty cell is left"
end

usage_error predict-fill-unknown predict rect.som "$IRIS" --fill nosuchfield
expect_grep err "no field 'nosuchfield'"
end

begin eval-text
run eval rect.som "$IRIS"
expect_rc 0
expect_empty err
expect_grep out '^qe +[0-9.e+-]+$'
expect_grep out '^te +[0-9.e+-]+$'
expect_grep out "^samples +$IRIS_ROWS\$"
# No --grid: about 5 sqrt(150) units in the ratio of iris's spreads.
expect_grep out '^units +60$'
expect_grep out '^units hit +[0-9]+$'
expect_grep out '^max hits +[0-9]+$'
end

begin eval-json
run eval hex.som "$IRIS" --json --threads 1
expect_rc 0
expect_empty err
for k in qe te samples units units_hit max_hits; do
    expect_grep out "\"$k\": "
done
expect_grep out '"units": 48'
if command -v python3 >/dev/null 2>&1; then
    python3 -m json.tool "$name.out" >/dev/null 2>&1 || note "not valid JSON"
fi
end

begin info-text
run info hex.som
expect_rc 0
expect_empty err
expect_grep out '^grid +6x8 hex, sheet$'
expect_grep out '^dim +4$'
expect_grep out '^scaling +zscore$'
expect_grep out '^training +algorithm batch, epochs 12, '
expect_grep out '^history +'
end

begin info-json
run info --json toroid.som
expect_rc 0
expect_empty err
expect_grep out '"rows": 6'
expect_grep out '"cols": 6'
expect_grep out '"topology": "hex"'
expect_grep out '"toroid": true'
expect_grep out '"dim": 4'
expect_grep out "\"titles\": \\[\"$FIELD1\""
if command -v python3 >/dev/null 2>&1; then
    python3 -m json.tool "$name.out" >/dev/null 2>&1 || note "not valid JSON"
fi
end

# ---- analysis: automatic size, clusters, supervised maps, weights -----------

begin train-auto-grid
run train "$IRIS" -o auto.som --seed 7
expect_rc 0
expect_grep err '^grid +6x10, chosen from the data: about 5 sqrt\(150\) units'
expect_cmp auto.som rect.som
end

begin cluster-choose-k
run cluster rect.som -o clus.som
expect_rc 0
expect_empty out
expect_grep err '^2 +[0-9.]+'
expect_grep err '<- lowest$'
expect_grep err '^clusters [0-9]+ \(k-means, chosen by the lowest Davies-Bouldin index\)$'
expect_grep err '^wrote +clus\.som$'
run map clus.som "$IRIS"
expect_rc 0
[ "$(head -n 1 "$name.out")" = "label,unit,row,col,distance,cluster" ] ||
    note "header is '$(head -n 1 "$name.out")'"
awk -F, 'NR > 1 && $6 !~ /^[0-9]+$/ { bad = 1 } END { exit bad }' "$name.out" ||
    note "a cluster that is not a number"
end

begin cluster-ward
run cluster hex.som -o ward.som --method ward -k 4 -q
expect_rc 0
expect_empty err
run map ward.som "$IRIS"
awk -F, 'NR > 1 && !($6 >= 0 && $6 <= 3) { bad = 1 } END { exit bad }' "$name.out" ||
    note "a cluster outside 0..3"
run cluster ward.som -o ward.som --method ward -k 4 -q
expect_rc 0
run map ward.som "$IRIS" -o ward2.csv
"$SOM" map ward.som "$IRIS" >ward1.csv 2>&1
expect_cmp ward1.csv ward2.csv
end

usage_error cluster-no-output cluster rect.som
end
usage_error cluster-k-and-range cluster rect.som -o x.som -k 3 --k-range 2:5
expect_no_file x.som
end
usage_error cluster-bad-method cluster rect.som -o x.som --method dbscan
end
usage_error cluster-bad-range cluster rect.som -o x.som --k-range 5:2
end

begin cluster-too-many
run cluster rect.som -o x.som -k 1000
expect_rc 1
expect_grep err '^som: .*units'
expect_no_file x.som
end

# Every third flower held out (the file lists the species in blocks).
awk 'NR == 1 || NR % 3 != 2' "$IRIS" >sup-train.csv
awk 'NR == 1 || NR % 3 == 2' "$IRIS" >sup-test.csv
awk -F, -v c="${LABEL_COL:-0}" 'BEGIN { OFS = "," } NR > 1 { $c = "" } { sub(/\r$/, ""); print }' \
    sup-test.csv >unlabelled.csv

begin supervised-species
run train sup-train.csv -o species.som --target species --seed 1
expect_rc 0
expect_grep err '^weights +species=setosa=0 species=versicolor=0 species=virginica=0 \(the others 1\)$'
run eval species.som sup-test.csv --target species --json
expect_rc 0
expect_grep out '"target_rows": 50'
expect_grep out '"accuracy": (0\.9[0-9]*|1)[,}]'
run predict species.som unlabelled.csv --target species -o predicted.csv
expect_rc 0
[ "$(head -n 1 predicted.csv | cut -d, -f1,2)" = species,species_predicted ] ||
    note "predicted.csv starts '$(head -n 1 predicted.csv)'"
grep -q '=' predicted.csv && note "one-hot fields in predicted.csv"
awk -F, 'NR > 1 && $2 !~ /^(setosa|versicolor|virginica)$/ { bad = 1 } END { exit bad }' \
    predicted.csv || note "a row without a predicted species"
[ "$(($(wc -l <predicted.csv) - 1))" -eq 50 ] || note "not 50 rows"
end

begin supervised-numeric
run train sup-train.csv -o width.som --target petal_width --target-weight 0.1 -q
expect_rc 0
run eval width.som sup-test.csv --target petal_width
expect_rc 0
expect_grep out '^rmse +0\.[0-9]+'
expect_grep out '^target +petal_width \(50 rows with a true value\)$'
run eval width.som sup-test.csv --distortion --json
expect_rc 0
expect_grep out '"distortion": [0-9]'
end

begin train-weights
run train "$IRIS" -o weighted.som --weights "$FIELD1=0,petal_width=2" --grid 5x5
expect_rc 0
expect_grep err "^weights +$FIELD1=0 petal_width=2 \\(the others 1\\)\$"
end

# What the model holds beyond its codebook, shown only when it is there:
# hex.som has neither weights nor clusters, weighted.som weights, ward.som
# (4 Ward clusters of the 48 units) clusters.
begin info-plain-no-analysis
run info hex.som
expect_rc 0
grep -Eq '^(weights|clusters) ' "$name.out" && note "a weights or clusters line"
run info --json hex.som
expect_rc 0
grep -Eq '"(feature_weights|clusters)"' "$name.out" && note "a feature_weights or clusters key"
run convert hex.som plain.json
expect_rc 0
grep -Eq '"(feature_weights|clusters)"' plain.json && note "plain.json has a weights or clusters key"
end

begin info-weights
run info weighted.som
expect_rc 0
expect_empty err
expect_grep out "^weights +$FIELD1=0 petal_width=2 \\(the others 1\\)\$"
grep -q '^clusters ' "$name.out" && note "a clusters line"
run info --json weighted.som
expect_rc 0
expect_grep out '"feature_weights": \[0, 1, 1, 2\]'
run convert weighted.som weighted.json
expect_rc 0
grep -q '^"feature_weights":\[0,1,1,2\],$' weighted.json ||
    note "weighted.json has no line \"feature_weights\":[0,1,1,2],"
end

begin info-clusters
run info ward.som
expect_rc 0
expect_empty err
expect_grep out '^clusters +4, units per cluster [0-9]+ [0-9]+ [0-9]+ [0-9]+$'
grep -q '^weights ' "$name.out" && note "a weights line"
awk '/^clusters / { for (i = 6; i <= NF; i++) s += $i } END { exit s != 48 }' "$name.out" ||
    note "the cluster sizes do not add up to 48 units"
run info --json ward.som
expect_rc 0
expect_grep out '"clusters": \{"k": 4, "sizes": \[[0-9]+, [0-9]+, [0-9]+, [0-9]+\], "unit": \[0, '
cp "$name.out" ward-info.json
run convert ward.som ward.json
expect_rc 0
grep -Eq '^"clusters":\{"k":4,"sizes":\[[0-9]+,[0-9]+,[0-9]+,[0-9]+\],"unit":\[0,' ward.json ||
    note "ward.json has no clusters line"
# The clusters agree with `som map`'s cluster column, unit by unit.
"$SOM" map ward.som "$IRIS" >ward-map.csv 2>&1
if command -v python3 >/dev/null 2>&1; then
    python3 - ward-info.json ward.json ward-map.csv <<'PY' || note "JSON clusters inconsistent (above)"
import csv, json, sys
info = json.load(open(sys.argv[1]))
exp = json.load(open(sys.argv[2]))
c, e = info["clusters"], exp["clusters"]
assert c == e, (c, e)
assert len(c["unit"]) == info["units"] == 48, len(c["unit"])
assert sorted(set(c["unit"])) == list(range(c["k"])), c["unit"]
assert [c["unit"].count(t) for t in range(c["k"])] == c["sizes"], c["sizes"]
for row in csv.DictReader(open(sys.argv[3])):
    assert c["unit"][int(row["unit"])] == int(row["cluster"]), row
PY
fi
end

begin train-mexican-hat
run train "$IRIS" -o mex.som --neighborhood mexican-hat --radius 1.5:0.5 --rate 0.1 -q
expect_rc 0
run info mex.som
expect_grep out 'online'
expect_grep out 'mexican-hat'
end

usage_error train-mexican-batch train "$IRIS" -o x.som --neighborhood mexican-hat --algorithm batch
expect_no_file x.som
end
usage_error train-target-unknown train "$IRIS" -o x.som --target nosuch
expect_grep err "no column 'nosuch'"
expect_no_file x.som
end
usage_error train-weights-unknown train "$IRIS" -o x.som --weights nosuch=2
expect_no_file x.som
end
usage_error train-weights-bad train "$IRIS" -o x.som --weights "$FIELD1=-1"
end
usage_error train-target-weight-alone train "$IRIS" -o x.som --target-weight 0.5
end
usage_error predict-target-unknown predict species.som sup-test.csv --target colour
end
usage_error eval-target-unknown eval species.som sup-test.csv --target colour
end

# ---- bad command lines (exit 2) ---------------------------------------------------

usage_error unknown-option train "$IRIS" -o x.som --bogus
expect_same err
expect_no_file x.som
end
usage_error grid-zero train "$IRIS" -o x.som --grid 0x0
expect_no_file x.som
end
usage_error grid-malformed train "$IRIS" -o x.som --grid ten
expect_same err
end
usage_error hex-toroid-odd-rows train "$IRIS" -o x.som --grid 5x5 --topology hex --toroid
end
usage_error epochs-zero train "$IRIS" -o x.som --epochs 0
expect_same err
expect_no_file x.som
end
usage_error topology-triangle train "$IRIS" -o x.som --topology triangle
expect_same err
end
usage_error iterations-batch train "$IRIS" -o x.som --iterations 100 --algorithm batch
end
usage_error epochs-and-iterations train "$IRIS" -o x.som --iterations 100 --epochs 3
end
usage_error inverse-schedule train "$IRIS" -o x.som --inverse 1:2 --schedule exp
end
usage_error radius-bad train "$IRIS" -o x.som --radius 3:x
end
usage_error rate-negative train "$IRIS" -o x.som --rate -1
end
usage_error seed-negative train "$IRIS" -o x.som --seed -1
end
usage_error threads-bad train "$IRIS" -o x.som --threads many
end
usage_error delimiter-bad train "$IRIS" -o x.som --delimiter x
end
usage_error no-output train "$IRIS"
expect_same err
end
usage_error no-data train -o x.som
end
usage_error missing-value train "$IRIS" -o
expect_same err
end
usage_error init-both train "$IRIS" -o x.som --init pca --init-codebook rect.som
end
usage_error map-one-argument map rect.som
end
usage_error map-unknown-option map rect.som "$IRIS" -x
end
usage_error predict-bad-threads predict rect.som "$IRIS" --threads -2
end
usage_error eval-extra-argument eval rect.som "$IRIS" more.csv
end
usage_error info-unknown-option info rect.som --jsn
end
usage_error info-no-model info
end

# ---- bad data and files (exit 1) -----------------------------------------------

# bad_data NAME FILE ERE: training on FILE fails, naming the place.
bad_data() {
    begin "$1"
    run train "$2" -o x.som -q
    expect_rc 1
    expect_empty out
    expect_grep err "^som: $3"
    expect_no_file x.som
    end
}
bad_data data-empty empty.csv 'empty\.csv(:[0-9]+)*: '
bad_data data-header-only header.csv 'header\.csv(:[0-9]+)*: '
bad_data data-ragged ragged.csv 'ragged\.csv:3:[0-9]+: '
bad_data data-text text.csv 'text\.csv:3:2: '
bad_data data-inf inf.csv 'inf\.csv:3:2: '
bad_data data-row-missing norow.csv 'norow\.csv:3(:[0-9]+)?: '
bad_data data-no-such-file nosuch.csv 'nosuch\.csv: '

begin map-bad-data
run map rect.som ragged.csv -o x.csv
expect_rc 1
expect_grep err '^som: ragged\.csv:3:[0-9]+: '
expect_no_file x.csv
end

begin dim-mismatch
run map rect.som two.csv -o x.csv
expect_rc 1
expect_grep err '^som: .*two\.csv'
expect_grep err '2'
expect_no_file x.csv
end

begin dim-mismatch-eval
run eval rect.som two.csv
expect_rc 1
expect_empty out
expect_grep err '^som: '
end

size=$(wc -c <rect.som)
head -c $((size / 2)) rect.som >trunc.som
cp rect.som flip.som
off=$((size / 2))
byte=$(od -An -tu1 -j "$off" -N1 rect.som | tr -d ' ')
# shellcheck disable=SC2059
printf "$(printf '\\%03o' $((byte ^ 255)))" |
    dd of=flip.som bs=1 seek="$off" conv=notrunc 2>/dev/null

for m in trunc flip; do
    begin "model-$m-info"
    run info "$m.som"
    expect_rc 1
    expect_empty out
    expect_grep err "^som: $m\\.som"
    end

    begin "model-$m-map"
    run map "$m.som" "$IRIS" -o x.csv
    expect_rc 1
    expect_grep err "^som: $m\\.som"
    expect_no_file x.csv
    end
done

begin model-not-a-model
run info "$IRIS"
expect_rc 1
expect_grep err '^som: .*iris\.csv'
end

begin model-missing
run eval nosuch.som "$IRIS"
expect_rc 1
expect_grep err '^som: nosuch\.som'
end

begin train-output-missing-dir
run train "$IRIS" -o nodir/x.som -q
expect_rc 1
expect_grep err '^som: nodir/x\.som'
expect_no_file nodir/x.som
[ -e nodir ] && note "nodir created"
end

begin map-output-missing-dir
run map rect.som "$IRIS" -o nodir/x.csv
expect_rc 1
expect_grep err '^som: nodir/x\.csv'
expect_no_file nodir/x.csv
end

begin predict-output-missing-dir
run predict rect.som blank.csv -o nodir/x.csv
expect_rc 1
expect_grep err '^som: nodir/x\.csv'
expect_no_file nodir/x.csv
end

begin failed-train-keeps-old-model
cp rect.som keep.som
run train ragged.csv -o keep.som -q
expect_rc 1
expect_cmp keep.som rect.som
for t in keep.som.tmp.*; do [ -e "$t" ] && note "temporary $t left behind"; done
end

begin failed-train-keeps-old-model-late
# Fails after reading the data: the starting codebook does not fit.
cp rect.som keep2.som
run train "$IRIS" -o keep2.som --init-codebook hex.som -q
expect_rc 1
expect_cmp keep2.som rect.som
end

# An interrupted run (Ctrl-C, or SIGTERM) stops within milliseconds,
# writes nothing and leaves the old model as it was (tests/cli/signals.sh
# has a case per phase). The run is made far too
# long to finish before the signal comes.
for sig in INT TERM; do
    begin "interrupt-$sig-keeps-old-model"
    cp rect.som "keep-$sig.som"
    "$SOM" train "$IRIS" -o "keep-$sig.som" --algorithm online \
        --epochs 100000000 -q >"$name.out" 2>"$name.err" &
    pid=$!
    sleep 1
    kill -"$sig" "$pid"
    wait "$pid"
    rc=$?
    expect_rc 1
    expect_grep err '^som train: interrupted; keep-.*\.som was not written \(the old one is unchanged\)$'
    expect_cmp "keep-$sig.som" rect.som
    for t in "keep-$sig.som".tmp.*; do
        [ -e "$t" ] && note "temporary $t left behind"
    done
    end
done

begin failed-predict-keeps-old-output
printf 'old\n' >old.csv
cp old.csv keep.csv
run predict rect.som ragged.csv -o keep.csv
expect_rc 1
expect_cmp keep.csv old.csv
end

# ---- pictures: som render and training snapshots (Cairo builds) ------------

if echo "$COMMANDS" | grep -qx render; then

# is_png FILE / is_pdf FILE: the file starts with the format's signature.
is_png() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' \n')" = '211PNG' ]; }
is_pdf() { [ "$(head -c 4 "$1")" = '%PDF' ]; }

for plot in planes umatrix error dashboard; do
    begin "render-$plot"
    run render hex.som -o "$plot.png" --plot "$plot"
    expect_rc 0
    expect_empty out
    expect_empty err
    is_png "$plot.png" || note "$plot.png is not a PNG"
    end
done

for plot in hits labels; do
    begin "render-$plot"
    run render hex.som -o "$plot.png" --plot "$plot" --data "$IRIS"
    expect_rc 0
    expect_empty err
    is_png "$plot.png" || note "$plot.png is not a PNG"
    end
done

begin render-svg-pdf
run render rect.som -o u.svg --plot umatrix --umatrix full --colors mql \
    --no-borders
expect_rc 0
grep -q '<svg' u.svg || note "u.svg has no <svg> element"
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' u.svg ||
        note "u.svg is not well-formed XML"
fi
run render rect.som -o d.pdf --plot dashboard --data "$IRIS" --per-row 2 \
    --hits-style markers --colors coolwarm
expect_rc 0
is_pdf d.pdf || note "d.pdf does not start with %PDF"
end

begin render-options
run render hex.som -o opts.png --fields "$FIELD1" --size 300x200 \
    --no-titles --cells square --colors grey
expect_rc 0
expect_empty err
run render hex.som -o all.png --plot labels --labels all --data "$IRIS"
expect_rc 0
end

begin render-same-bytes
run render hex.som -o same1.png --plot dashboard --data "$IRIS"
run render hex.som -o same2.png --plot dashboard --data "$IRIS"
expect_rc 0
expect_cmp same1.png same2.png
end

usage_error render-unknown-plot render hex.som -o bad.png --plot pie
expect_grep err "--plot"
expect_no_file bad.png
end

usage_error render-unknown-colors render hex.som -o bad.png --colors jet
expect_grep err "--colors"
expect_no_file bad.png
end

usage_error render-bad-extension render hex.som -o bad.bmp
expect_no_file bad.bmp
end

usage_error render-hits-without-data render hex.som -o bad.png --plot hits
expect_no_file bad.png
end

begin render-clusters
run render ward.som -o clusters.png --plot clusters
expect_rc 0
expect_empty err
is_png clusters.png || note "clusters.png is not a PNG"
run render ward.som -o bounds.svg --plot dashboard --boundaries --data "$IRIS"
expect_rc 0
grep -q '<svg' bounds.svg || note "bounds.svg has no <svg> element"
run render ward.som -o bounds.png --plot umatrix --umatrix full --boundaries
expect_rc 0
end

begin render-clusters-none
run render hex.som -o none.png --plot clusters
expect_rc 1
expect_grep err "^som: .*no clusters"
expect_no_file none.png
run render hex.som -o none.png --boundaries
expect_rc 1
expect_no_file none.png
end

begin render-range-scale-codes
run render hex.som -o r1.png --range data --scale-colors log
expect_rc 0
expect_empty err
is_png r1.png || note "r1.png is not a PNG"
run render hex.som -o r2.png --range "$FIELD1=-1.5:9" --range codebook --scale-colors rank
expect_rc 0
expect_empty err
run render hex.som -o codes.png --plot codes --max-fields 2
expect_rc 0
is_png codes.png || note "codes.png is not a PNG"
run render ward.som -o classes.png --plot clusters --data "$IRIS"
expect_rc 0
expect_empty err
end

usage_error render-empty-range render hex.som -o bad.png --range 5:1
expect_grep err "--range"
expect_no_file bad.png
end

usage_error render-bad-scale render hex.som -o bad.png --scale-colors cubic
expect_grep err "--scale-colors"
expect_no_file bad.png
end

begin render-range-unknown-field
run render hex.som -o bad.png --range nosuch=0:1
expect_rc 1
expect_grep err "^som: .*'nosuch'"
expect_no_file bad.png
end

begin render-unknown-field
run render hex.som -o bad.png --fields "$FIELD1,no_such_field"
expect_rc 1
expect_grep err "^som: .*'no_such_field'"
expect_no_file bad.png
end

begin render-unwritable
run render hex.som -o no/such/dir/x.png
expect_rc 1
expect_grep err '^som: no/such/dir/x\.png: '
expect_no_file no/such/dir/x.png
end

begin render-keeps-old-picture
cp same1.png keep.png
run render toroid.som -o keep.png --plot hits --data two.csv
expect_rc 1
expect_cmp keep.png same1.png
end

# Frames at every N steps and once more at the end: 10 passes every 3 is
# frames at 3, 6, 9 and 10; 600 online steps every 100 is 6 frames.
begin train-snapshots-batch
run train "$IRIS" -o snap.som --grid 5x5 --epochs 10 --snapshot-every 3 \
    --snapshot-dir frames -q
expect_rc 0
expect_empty err
[ "$(ls frames | wc -l)" -eq 4 ] || note "$(ls frames | wc -l) frames, expected 4"
for f in 1 2 3 4; do
    is_png "frames/frame-00000$f.png" || note "frame-00000$f.png missing or not a PNG"
done
end

begin train-snapshots-online
run train "$IRIS" -o snap2.som --grid 5x5 --iterations 600 \
    --snapshot-every 100 --snapshot-dir frames2 -q
expect_rc 0
[ "$(ls frames2 | wc -l)" -eq 6 ] || note "$(ls frames2 | wc -l) frames, expected 6"
end

usage_error train-snapshot-dir-alone train "$IRIS" -o x.som --snapshot-dir f
expect_no_file x.som
end

fi

# ---- som convert ---------------------------------------------------------------

begin convert-setup
run train "$IRIS" -o conv.som --grid 4x5 --topology hex --epochs 3 -q
expect_rc 0
end

# What each format cannot hold is said on stderr (the exact lines are
# tests/cli/formats.sh's); a .json holds everything.
for ext in somnet cod wts json umx; do
    begin "convert-to-$ext"
    run convert conv.som "conv.$ext"
    expect_rc 0
    expect_empty out
    if [ "$ext" = json ]; then
        expect_empty err
    else
        expect_grep err "^som: note: conv\\.$ext keeps no "
        grep -v "^som: note: conv\\.$ext keeps no " "$name.err" | grep -q . && note "other lines on stderr"
    fi
    [ -s "conv.$ext" ] || note "conv.$ext not written"
    end
done

for ext in somnet cod wts; do
    begin "convert-model-$ext-reads"
    run info "conv.$ext"
    expect_rc 0
    expect_grep out '^grid +4x5 '
    run eval "conv.$ext" "$IRIS"
    expect_rc 0
    expect_grep out '^samples +150$'
    end
done

begin convert-cod-stable
run convert conv.cod conv2.cod
expect_rc 0
expect_cmp conv.cod conv2.cod
end

begin convert-data
run convert "$IRIS" iris.dat
expect_rc 0
run convert iris.dat iris.lrn
expect_rc 0
run convert iris.lrn iris2.csv
expect_rc 0
expect_empty out
run train iris.dat -o dat.som --grid 3x3 --epochs 2 -q --init-codebook conv.cod
expect_rc 1
expect_grep err "conv.cod: the model's grid is 4x5"
run train iris.lrn -o lrn.som --grid 4x5 --topology hex --epochs 2 -q --init-codebook conv.wts
expect_rc 0
end

begin convert-bm
run convert conv.som conv.bm --data iris.lrn
expect_rc 0
expect_empty out
[ "$(sed -n 2p conv.bm)" = "% 150" ] || note "conv.bm: second line is not '% 150'"
end

usage_error convert-bm-no-data convert conv.som conv.bm
end

usage_error convert-one-name convert conv.som
end

begin convert-unknown-format
run convert conv.som conv.xyz
expect_rc 1
expect_grep err 'cannot tell the format from the name'
expect_no_file conv.xyz
end

begin convert-bad-cod
printf '2 rect 1 1 gaussian\n1 x\n' >bad.cod
run convert bad.cod out.som
expect_rc 1
expect_grep err '^som: bad\.cod:2:3: '
expect_no_file out.som
end

begin convert-bad-dat
printf '2\n1 2\n3 4 weight=oops\n' >bad.dat
run convert bad.dat out.csv
expect_rc 1
expect_grep err '^som: bad\.dat:3:12: weight='
expect_no_file out.csv
end

# ---- the man page's examples run -------------------------------------------

# A CSV file of 4 MB or more is parsed by two threads (csv.c, parse_split)
# unless OMP_NUM_THREADS=1: the same model bytes either way, and the same
# message for a bad cell in the second half. Labels, empty cells, a quoted
# label and a blank line make it no plain table.
awk 'BEGIN { srand(7); print "name,a,b,c,d,e,f,g,h"
    for (i = 1; i <= 90000; i++) {
        if (i == 30000) print ""
        printf (i == 60000 ? "\"row, %d\"" : "row%d"), i
        for (j = 0; j < 8; j++) printf (rand() < 0.01 ? "," : ",%.5f"), rand() * 4 - 2
        printf "\n"
    } }' >big.csv
awk -F, 'NR == 70001 { $3 = "oops" } { print }' OFS=, big.csv >big-bad.csv
begin csv-two-threads-same-model
run_sh "OMP_NUM_THREADS=1 \"$SOM\" train big.csv -o big1.som --grid 6x6 --epochs 1 --threads 2 -q &&
        OMP_NUM_THREADS=2 \"$SOM\" train big.csv -o big2.som --grid 6x6 --epochs 1 --threads 2 -q"
expect_rc 0
[ "$(wc -c <big.csv)" -ge 4194304 ] || note "big.csv is under 4 MB: not split"
expect_cmp big1.som big2.som
end
begin csv-two-threads-same-error
run_sh "OMP_NUM_THREADS=2 \"$SOM\" train big-bad.csv -o bigbad.som --grid 6x6 -q"
expect_rc 1
expect_grep err "^som: big-bad.csv:70001:3: expected a number in column 'b', got 'oops'"
expect_no_file bigbad.som
end

# Each command of the EXAMPLES section of doc/som.1.md (indented lines,
# with backslash continuations) runs in a directory that has the bundled
# data as data/ and an incomplete.csv, and must succeed.
mkdir -p examples
ln -s "$DATA" examples/data
cp blank.csv examples/incomplete.csv
sed -n '/^EXAMPLES/,/^SEE ALSO/p' "$MAN" | grep '^    ' | sed 's/^    //' |
    awk '/\\$/ { sub(/\\$/, ""); line = line $0; next } { print line $0; line = "" }' \
        >examples.list
i=0
while IFS= read -r example; do
    i=$((i + 1))
    begin "man-example-$i"
    case $example in
    "som "*) ;;
    *) note "not a som command: $example" ;;
    esac
    (cd examples && eval "\"\$SOM\" ${example#som }") </dev/null >"$name.out" 2>"$name.err"
    rc=$?
    expect_rc 0
    [ -n "$bad" ] && note "command: $example"
    end
done <examples.list
[ "$i" -gt 0 ] || { begin man-examples; note "no examples found"; end; }

# ---------------------------------------------------------------------------

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
