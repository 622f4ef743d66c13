#!/bin/sh
# SPDX-License-Identifier: MIT
# No silent surprises: what `som` does on its own with a file is said on
# standard error, and what --help calls a default is what it does.
#  - an untitled first column of distinct whole numbers (R's write.csv row
#    names, pandas' index) is read as row labels, or left out beside a label
#    column, by every command that reads data, with a note (-q, and
#    --no-row-names, which keeps it a field);
#  - map, predict, eval and render --data name the columns the model
#    ignores and the model's fields the file lacks (-q silences them); a
#    file sharing no title with the model and of another width is an error;
#  - predict --target predicts every row, keeping the row's own value
#    beside it, so a labelled test file scores what eval scores;
#  - the defaults that `som train --help` and `som cluster --help` state
#    are the settings `som info --json` (and cluster's summary) record after
#    a run with no options.
#
#   tests/cli/surprises.sh SOM ROOT
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
WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-surprises.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT INT TERM
cd "$WORK" || exit 1
# shellcheck source=tests/cli/harness.sh
. "$ROOT/tests/cli/harness.sh"

# expect_line STREAM TEXT: a line of NAME.STREAM is exactly TEXT.
expect_line() {
    grep -Fxq -- "$2" "$name.$1" || note "$1 has no line '$2'"
}
# json_num FILE KEY: the number after "KEY": in FILE (first one).
json_num() {
    sed -n "s/.*\"$2\": \\([-0-9.e+]*\\).*/\\1/p" "$1" | head -n 1
}
json_str() {
    sed -n "s/.*\"$2\": \"\\([^\"]*\\)\".*/\\1/p" "$1" | head -n 1
}
HAVE_RENDER=0
"$SOM" help | grep -q '^  render ' && HAVE_RENDER=1

# ---- data --------------------------------------------------------------------
# iris.csv: sepal_length,sepal_width,petal_length,petal_width,species.
head -n 1 "$IRIS" | grep -q '^sepal_length,sepal_width,petal_length,petal_width,species' ||
    { echo "unexpected columns in $IRIS" >&2; exit 1; }
# As R's write.csv writes a data frame: "" then the row names "1".."150".
awk 'NR == 1 { print "\"\"," $0; next } { print "\"" NR - 1 "\"," $0 }' "$IRIS" >r-iris.csv
# Without the species: the row names are the only labels.
cut -d, -f1-5 r-iris.csv >r-plain.csv
# As pandas' to_csv writes one: an empty title, then 0..n-1, unquoted.
awk -F, 'NR == 1 { print "," $1 "," $2 "," $3 "," $4; next }
         { print NR - 2 "," $1 "," $2 "," $3 "," $4 }' "$IRIS" >pandas.csv
# Distinct whole numbers out of order (a subset of an R data frame).
awk -F, 'NR == 1 { print "," $1 "," $2 "," $3 "," $4; next }
         { print (NR * 37) % 1009 "," $1 "," $2 "," $3 "," $4 }' "$IRIS" >shuffled.csv
# Not row names: a repeated number, a fraction, a titled column, no titles.
awk -F, 'NR == 1 { print "," $1 "," $2 "," $3 "," $4; next }
         { print (NR % 7) "," $1 "," $2 "," $3 "," $4 }' "$IRIS" >repeats.csv
awk -F, 'NR == 1 { print "," $1 "," $2 "," $3 "," $4; next }
         { print NR + 0.5 "," $1 "," $2 "," $3 "," $4 }' "$IRIS" >fraction.csv
sed '1s/^""/id/' r-plain.csv >titled.csv
tail -n +2 pandas.csv >untitled-rows.csv
cut -d, -f1-4 "$IRIS" >plain.csv

NOTE_LABELS=": the untitled first column holds distinct whole numbers (row names, as R's write.csv writes them): read as the row labels, not as a field (--no-row-names keeps it a field)"
NOTE_DROPPED=": the untitled first column holds distinct whole numbers (row names, as R's write.csv writes them): left out, the labels being column 'species' (--no-row-names keeps it a field)"
FIELDS='"titles": \["sepal_length", "sepal_width", "petal_length", "petal_width"\]'

"$SOM" train plain.csv -o plain.som --grid 5x5 -q || { echo "cannot train plain.som" >&2; exit 1; }

# ---- row names -----------------------------------------------------------------

begin rownames-r-with-labels
run train r-iris.csv -o r-iris.som --grid 5x5
expect_rc 0
expect_line err "som: r-iris.csv$NOTE_DROPPED"
"$SOM" info --json r-iris.som >info.json
grep -Eq "$FIELDS" info.json || note "fields are $(grep titles info.json)"
# The same map as the file without the row names.
"$SOM" train "$IRIS" -o iris.som --grid 5x5 -q
cmp -s r-iris.som iris.som || note "r-iris.som differs from iris.som"
end

begin rownames-r-labels
run train r-plain.csv -o r-plain.som --grid 5x5 -q
expect_rc 0
expect_empty err
"$SOM" info --json r-plain.som >info.json
grep -Eq "$FIELDS" info.json || note "fields are $(grep titles info.json)"
cmp -s r-plain.som plain.som || note "r-plain.som differs from plain.som"
end

begin rownames-map-labels
run map plain.som r-plain.csv
expect_rc 0
expect_line err "som: r-plain.csv$NOTE_LABELS"
[ "$(wc -l <"$name.err")" -eq 1 ] || note "more than one note"
# The labels are the row names 1..150, in order.
awk -F, 'NR > 1 && $1 != NR - 1 { bad = 1 } END { exit bad || NR != 151 }' "$name.out" ||
    note "labels are not 1..150: $(sed -n 2,3p "$name.out" | tr '\n' ' ')"
end

begin rownames-map-quiet
run map -q plain.som r-plain.csv
expect_rc 0
expect_empty err
end

for f in pandas shuffled; do
    begin "rownames-$f"
    run map plain.som "$f.csv"
    expect_rc 0
    expect_line err "som: $f.csv$NOTE_LABELS"
    # Each row's label is its first cell; the units are those of the plain
    # file, row for row.
    cut -d, -f1 "$f.csv" | tail -n +2 >want
    cut -d, -f1 "$name.out" | tail -n +2 >got
    cmp -s want got || note "labels are not the first column"
    "$SOM" map plain.som plain.csv | cut -d, -f2- >want
    cut -d, -f2- "$name.out" >got
    cmp -s want got || note "units differ from plain.csv's"
    end
done

for cmd in predict eval; do
    begin "rownames-$cmd"
    run "$cmd" plain.som r-plain.csv
    expect_rc 0
    expect_line err "som: r-plain.csv$NOTE_LABELS"
    end
done

begin rownames-predict-keeps-them
# The row names come back as the first column, under an empty title
# (quoted, as R writes it).
run predict -q plain.som r-plain.csv
expect_rc 0
[ "$(head -n 1 "$name.out")" = '"",sepal_length,sepal_width,petal_length,petal_width' ] ||
    note "header is '$(head -n 1 "$name.out")'"
[ "$(sed -n 2p "$name.out" | cut -d, -f1)" = 1 ] || note "first row is '$(sed -n 2p "$name.out")'"
end

if [ "$HAVE_RENDER" = 1 ]; then
    begin rownames-render-data
    run render plain.som -o hits.png --plot hits --data r-iris.csv
    expect_rc 0
    expect_line err "som: r-iris.csv$NOTE_DROPPED"
    end
fi

begin rownames-explicit-label-column
# The labels the user names; the row names still are no field.
run map plain.som r-iris.csv --label-column species
expect_rc 0
expect_line err "som: r-iris.csv$NOTE_DROPPED"
[ "$(sed -n 2p "$name.out" | cut -d, -f1)" = setosa ] || note "label is not the species"
end

begin rownames-label-column-is-them
# Naming the row-names column (titled by its number) makes it the labels
# the ordinary way: nothing to say.
run map plain.som r-plain.csv --label-column 1
expect_rc 0
expect_empty err
[ "$(sed -n 3p "$name.out" | cut -d, -f1)" = 2 ] || note "second label is not 2"
end

begin rownames-no-row-names
run train r-plain.csv -o kept.som --grid 5x5 -q --no-row-names
expect_rc 0
expect_empty err
"$SOM" info --json kept.som >info.json
grep -q '"titles": \["1", "sepal_length"' info.json || note "fields are $(grep titles info.json)"
end

for f in repeats fraction titled untitled-rows; do
    begin "rownames-not-$f"
    run train "$f.csv" -o "$f.som" --grid 5x5 -q
    expect_rc 0
    expect_empty err
    "$SOM" info --json "$f.som" >info.json
    dim=$(json_num info.json dim)
    [ "$dim" = 5 ] || note "dim is $dim, expected 5 (the first column a field)"
    end
done

# ---- columns the model ignores, fields the file lacks -------------------------

sed '1s/petal_length/petal_lenght/' plain.csv >typo.csv
awk -F, 'BEGIN { OFS = "," } { print $0, (NR == 1 ? "extra" : NR) }' plain.csv >extra.csv
cut -d, -f1,2,4 plain.csv >lacks.csv
sed '1s/.*/a,b,c,d/' plain.csv >retitled.csv
sed '1s/.*/a,b,c/' lacks.csv >other.csv

IGNORED_TYPO="som: typo.csv: 1 column the model does not have, ignored: 'petal_lenght'"
MISSING_TYPO="som: typo.csv: 1 field of the model not in the file, missing in every row: 'petal_length'"
for cmd in map predict eval; do
    begin "columns-typo-$cmd"
    run "$cmd" plain.som typo.csv
    expect_rc 0
    expect_line err "$IGNORED_TYPO"
    expect_line err "$MISSING_TYPO"
    [ "$(wc -l <"$name.err")" -eq 2 ] || note "not two lines on stderr"
    end

    begin "columns-typo-$cmd-quiet"
    run "$cmd" plain.som typo.csv -q
    expect_rc 0
    expect_empty err
    end

    begin "columns-same-$cmd"
    run "$cmd" plain.som plain.csv
    expect_rc 0
    expect_empty err
    end
done
begin columns-typo-quiet-long
run map --quiet plain.som typo.csv
expect_rc 0
expect_empty err
end
if [ "$HAVE_RENDER" = 1 ]; then
    begin columns-typo-render
    run render plain.som -o typo.png --plot hits --data typo.csv
    expect_rc 0
    expect_line err "$IGNORED_TYPO"
    expect_line err "$MISSING_TYPO"
    end
    begin columns-typo-render-quiet
    run render plain.som -o typo.png --plot hits --data typo.csv -q
    expect_rc 0
    expect_empty err
    end
fi

begin columns-extra
run map plain.som extra.csv
expect_rc 0
expect_line err "som: extra.csv: 1 column the model does not have, ignored: 'extra'"
[ "$(wc -l <"$name.err")" -eq 1 ] || note "not one line on stderr"
end

begin columns-lacking
run predict plain.som lacks.csv
expect_rc 0
expect_line err "som: lacks.csv: 1 field of the model not in the file, missing in every row: 'petal_length'"
[ "$(wc -l <"$name.err")" -eq 1 ] || note "not one line on stderr"
end

begin columns-many
# A long list is cut after eight names.
awk -F, 'BEGIN { OFS = "," } { s = $0; for (i = 1; i <= 12; i++) s = s "," (NR == 1 ? "x" i : i); print s }' \
    plain.csv >wide.csv
run eval plain.som wide.csv
expect_rc 0
expect_line err "som: wide.csv: 12 columns the model does not have, ignored: 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8' and 4 more"
end

begin columns-none-in-common-same-count
# No title in common, as many columns: the wrong file, not columns to take
# in order.
run map plain.som retitled.csv
expect_rc 1
expect_empty out
expect_line err "som: retitled.csv: none of the file's 4 column titles (a, ..., d) is one of the model's 4 fields (sepal_length, ..., petal_width): expected a file with the model's titles, or one without titles (its columns are then taken in order)"
end

begin columns-none-in-common
run predict plain.som other.csv
expect_rc 1
expect_empty out
expect_line err "som: other.csv: none of the file's 3 column titles (a, ..., c) is one of the model's 4 fields (sepal_length, ..., petal_width): expected a file with the model's titles, or one without titles (its columns are then taken in order)"
end

begin columns-by-position-no-titles
# A file without titles has only positions: taken in order, nothing to say.
tail -n +2 plain.csv >numbers.csv
run map plain.som numbers.csv
expect_rc 0
expect_empty err
"$SOM" map plain.som plain.csv | cut -d, -f2- >want
cut -d, -f2- "$name.out" >got
cmp -s want got || note "not the units of plain.csv"
end

begin columns-by-position-model-without-titles
# A model without titles (SOM_PAK .cod): the file's columns in order.
"$SOM" convert plain.som plain.cod
run eval plain.cod plain.csv
expect_rc 0
expect_empty err
end

begin columns-too-few-no-titles
cut -d, -f1-3 numbers.csv >numbers3.csv
run map plain.som numbers3.csv
expect_rc 1
expect_grep err "^som: numbers3.csv: the data has 3 fields and none of its titles matches the model's; the model has 4 fields"
end

# ---- predict --target on a file that has the answers ----------------------------

# Every third flower held out (the file lists the species in blocks).
awk 'NR == 1 || NR % 3 != 2' "$IRIS" >train.csv
awk 'NR == 1 || NR % 3 == 2' "$IRIS" >test.csv
"$SOM" train train.csv -o species.som --target species -q
"$SOM" train train.csv -o width.som --target petal_width -q

begin target-class-honest
run predict species.som test.csv --target species
expect_rc 0
expect_empty err
[ "$(head -n 1 "$name.out")" = species,species_predicted,sepal_length,sepal_width,petal_length,petal_width ] ||
    note "header is '$(head -n 1 "$name.out")'"
# The true species are kept as they were.
cut -d, -f5 test.csv | tail -n +2 >want
cut -d, -f1 "$name.out" | tail -n +2 >got
cmp -s want got || note "the species column is not the file's"
right=$(awk -F, 'NR > 1 && $2 !~ /^(setosa|versicolor|virginica)$/ { print "bad"; exit }
                 NR > 1 { n++; ok += $1 == $2 } END { print ok "/" n }' "$name.out")
"$SOM" eval species.som test.csv --target species --json >eval.json
want=$(json_num eval.json correct)/$(json_num eval.json target_rows)
[ "$right" = "$want" ] || note "predict gets $right right, eval $want"
# With seed 1, two of the 50 are wrong: a prediction that copied the
# answers would score 50/50.
[ "$right" = 48/50 ] || note "$right right, expected 48/50"
end

begin target-class-unlabelled
# No answers: the species column is empty, the prediction is there.
awk -F, 'BEGIN { OFS = "," } NR > 1 { $5 = "" } { print }' test.csv >unlabelled.csv
run predict species.som unlabelled.csv --target species
expect_rc 0
expect_empty err
awk -F, 'NR > 1 && !($1 == "" && $2 ~ /^(setosa|versicolor|virginica)$/) { bad = 1 } END { exit bad }' \
    "$name.out" || note "a row with a species or without a prediction"
# The same predictions as with the answers present.
"$SOM" predict species.som test.csv --target species | cut -d, -f2- >want
cut -d, -f2- "$name.out" >got
cmp -s want got || note "predictions depend on the answers"
end

begin target-numeric-honest
run predict width.som test.csv --target petal_width
expect_rc 0
expect_empty err
[ "$(head -n 1 "$name.out")" = species,sepal_length,sepal_width,petal_length,petal_width,petal_width_predicted ] ||
    note "header is '$(head -n 1 "$name.out")'"
cut -d, -f4 test.csv | awk 'NR > 1 { printf "%g\n", $1 }' >want
cut -d, -f5 "$name.out" | awk 'NR > 1 { printf "%g\n", $1 }' >got
cmp -s want got || note "petal_width is not the file's"
rmse=$(awk -F, 'NR > 1 { d = $6 - $5; s += d * d; n++ } END { printf "%.6g", sqrt(s / n) }' "$name.out")
"$SOM" eval width.som test.csv --target petal_width --json >eval.json
want=$(awk -v v="$(json_num eval.json rmse)" 'BEGIN { printf "%.6g", v }')
[ "$rmse" = "$want" ] || note "rmse from predict $rmse, eval $want"
awk -F, 'NR > 1 && $5 != $6 { differ = 1 } END { exit !differ }' "$name.out" ||
    note "every prediction equals the true value"
end

begin target-fill-same-column
# --fill naming the target adds nothing to --target.
run predict species.som test.csv --target species --fill species
expect_rc 0
"$SOM" predict species.som test.csv --target species >want
cmp -s want "$name.out" || note "differs from --target alone"
run predict width.som test.csv --target petal_width --fill petal_width
expect_rc 0
"$SOM" predict width.som test.csv --target petal_width >want
cmp -s want "$name.out" || note "numeric: differs from --target alone"
end

begin target-fill-other-column
# A --fill field is left out of the target's search too: its values in the
# file change nothing.
run predict species.som test.csv --target species --fill sepal_width
expect_rc 0
awk -F, 'BEGIN { OFS = "," } NR > 1 { $2 = 99 } { print }' test.csv >scrambled.csv
"$SOM" predict species.som scrambled.csv --target species --fill sepal_width >got
cmp -s "$name.out" got || note "the --fill field's values changed the output"
"$SOM" predict species.som test.csv --target species >plain.out
cmp -s "$name.out" plain.out && note "--fill changed nothing"
end

begin target-fill-unknown
run predict species.som test.csv --target species --fill nosuch
expect_rc 2
expect_grep err "^som predict: --fill: the model has no field 'nosuch'"
end

# ---- the defaults --help states are what a run records ----------------------------

# opt_help CMD OPTION: the help text of OPTION (its lines joined).
opt_help() {
    "$SOM" "$1" --help | awk -v opt="$2" '
        /^(  -[a-z], |      )--[a-z]/ {
            split($0, w, " ")
            on = w[1] == opt || w[2] == opt
        }
        /^$/ { on = 0 }
        on { sub(/^ +/, ""); printf "%s ", $0 }' | tr -s ' '
}
# stated CMD OPTION: what follows "(default " in OPTION's help, to the
# next ')', ';' or ','.
stated() {
    opt_help "$1" "$2" | sed -n 's/.*(default \([^;),]*\).*/\1/p' | sed 's/ *$//'
}

"$SOM" train "$IRIS" -o defaults.som -q
"$SOM" info --json defaults.som >defaults.json
"$SOM" train "$IRIS" -o random.som -q --init random
"$SOM" info --json random.som >random.json
"$SOM" train "$IRIS" -o mql.som -q --schedule mql --algorithm online --epochs 1
"$SOM" info --json mql.som >mql.json

# check_default OPTION JSON_KEY [JSON_FILE]: the help's default of OPTION
# is the value som info records.
check_default() {
    begin "default$1"
    said=$(stated train "$1")
    got=$(json_str "${3:-defaults.json}" "$2")
    [ -n "$got" ] || got=$(json_num "${3:-defaults.json}" "$2")
    [ -n "$said" ] || note "--help states no default for $1"
    [ "$said" = "$got" ] || note "--help says '$said', som info records $2 = '$got'"
    end
}
check_default --topology topology
check_default --scale scaling
check_default --algorithm algorithm
check_default --epochs epochs
check_default --init init
check_default --schedule schedule
check_default --neighbor-rate neighbor_rate
check_default --quality-every quality_every
check_default --seed seed

begin default--neighborhood
said=$(opt_help train --neighborhood | sed -n 's/.*(default \([a-z-]*\)).*/\1/p')
got=$(json_str defaults.json neighborhood)
[ "$said" = "$got" ] || note "--help says '$said', som info records '$got'"
end

begin default--toroid
grep -q '"toroid": false' defaults.json || note "toroid by default"
end

begin default--grid
# "about 5 sqrt(rows of DATA) units": 5 sqrt(150) = 61.
opt_help train --grid | grep -q 'about 5 sqrt(rows of DATA) units' || note "the help changed: $(opt_help train --grid)"
rows=$(json_num defaults.json rows)
cols=$(json_num defaults.json cols)
awk -v u=$((rows * cols)) 'BEGIN { w = 5 * sqrt(150); exit !(u > 0.8 * w && u < 1.2 * w) }' ||
    note "$rows x $cols units, not about 61"
end

begin default--radius
# max(rows,cols)/4 after pca (the default), /2 after random, end 1.
said=$(opt_help train --radius)
echo "$said" | grep -q 'R0 = max(rows,cols)/4 after --init pca' || note "help: $said"
echo "$said" | grep -q 'max(rows,cols)/2 after random' || note "help: $said"
echo "$said" | grep -q 'R1 = 1' || note "help: $said"
for f in defaults random; do
    rows=$(json_num $f.json rows)
    cols=$(json_num $f.json cols)
    side=$((rows > cols ? rows : cols))
    div=4
    [ $f = random ] && div=2
    want=$(awk -v s="$side" -v d="$div" 'BEGIN { r = s / d; if (r < 1) r = 1; printf "%.6g", r }')
    got=$(awk -v r="$(json_num $f.json radius0)" 'BEGIN { printf "%.6g", r }')
    [ "$got" = "$want" ] || note "$f: radius0 $got, expected max($rows,$cols)/$div = $want"
    [ "$(json_num $f.json radius1)" = 1 ] || note "$f: radius1 $(json_num $f.json radius1)"
done
end

begin default--rate
said=$(stated train --rate)
[ "$said" = "0.5 : 0.01" ] || note "help says '$said'"
got="$(json_num defaults.json rate0) : $(json_num defaults.json rate1)"
[ "$got" = "$said" ] || note "som info records $got"
opt_help train --rate | grep -q 'A0 = 0.1 with --schedule mql' || note "help: no word on mql"
[ "$(json_num mql.json rate0)" = 0.1 ] || note "mql: rate0 $(json_num mql.json rate0)"
end

begin default--target-weight
"$SOM" train "$IRIS" -o tw.som -q --target species
said=$(stated train --target-weight)
run info tw.som
expect_grep out "^weights +species=setosa=$said species=versicolor=$said species=virginica=$said \\(the others 1\\)\$"
end

begin default--weights
said=$(opt_help train --weights | sed -n 's/.*(default \([0-9.]*\);.*/\1/p')
[ "$said" = 1 ] || note "help says '$said'"
"$SOM" train "$IRIS" -o w1.som -q --weights "sepal_length=$said"
cmp -s w1.som defaults.som || note "--weights sepal_length=$said changes the model"
end

begin default--cluster
# --method auto, --k-range 2:10, --min-sep 4 (and --seed 1, --restarts 10
# for kmeans): the summary lists the k tried and the method.
[ "$(stated cluster --k-range)" = 2:10 ] || note "k-range: $(stated cluster --k-range)"
[ "$(stated cluster --min-sep)" = 4 ] || note "min-sep: $(stated cluster --min-sep)"
opt_help cluster --method | grep -q '^--method M auto (default, above)' || note "method: $(opt_help cluster --method)"
run cluster defaults.som -o clustered.som
expect_rc 0
expect_grep err '^clusters [0-9]+ \(Ward, every unit weighing 1, '
tried=$(awk '/^[0-9]+ +[0-9.]+ +[0-9.]+/ { printf "%s ", $1 }' "$name.err")
[ "$tried" = "2 3 4 5 6 7 8 9 10 " ] || note "k tried: $tried"
"$SOM" cluster defaults.som -o auto.som --method auto --min-sep "$(stated cluster --min-sep)" -q 2>/dev/null
cmp -s clustered.som auto.som || note "--method auto --min-sep at its stated default changes the model"
run cluster defaults.som -o kmeans.som --method kmeans
expect_grep err '^clusters [0-9]+ \(k-means, chosen by the lowest Davies-Bouldin index\)$'
"$SOM" cluster defaults.som -o seeded.som --method kmeans --seed "$(stated cluster --seed)" \
    --restarts "$(stated cluster --restarts)" -q
cmp -s kmeans.som seeded.som || note "--seed/--restarts at their stated defaults change the model"
end

begin default--header-and-label-column
# Titles unless every cell of the first row is a number; labels from the
# first column whose first value is not a number.
opt_help train --no-header | grep -q 'default: titles unless every cell is a number' ||
    note "help: $(opt_help train --no-header)"
run map plain.som "$IRIS"
expect_rc 0
[ "$(sed -n 2p "$name.out" | cut -d, -f1)" = setosa ] || note "label is not the species"
end

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
