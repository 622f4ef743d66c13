#!/bin/sh
# SPDX-License-Identifier: MIT
# Supervised maps and filling on the command line (issue 17, parts 3-4):
#  - predict --target C --proba: one share column per class, each row
#    summing to 1, the largest share being the predicted class;
#  - eval --target C: the confusion matrix equals the one counted from
#    predict's output, in text and --json; a numeric target's rmse, mae
#    and r2 equal those computed from predict's output; no true value at
#    all is an error (exit 1) naming the column and the file;
#  - predict --fill-from: bmu, units:K and smooth fill only the missing
#    cells, the default is units:16, and a bad method is a usage error.
#
#   tests/cli/supervised.sh SOM ROOT
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
WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-supervised.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT INT TERM
cd "$WORK" || exit 1
# shellcheck source=tests/cli/harness.sh
. "$ROOT/tests/cli/harness.sh"

expect_line() {
    grep -Fxq -- "$2" "$name.$1" || note "$1 has no line '$2'"
}

# Every third flower held out (the file lists the species in blocks).
awk 'NR == 1 || NR % 3 != 2' "$IRIS" >train.csv
awk 'NR == 1 || NR % 3 == 2' "$IRIS" >test.csv
"$SOM" train train.csv -o species.som --target species -q --seed 1
"$SOM" train train.csv -o width.som --target petal_width -q --seed 1

# ---- predict --proba ----------------------------------------------------------

begin proba-rows-sum-to-one
run predict species.som test.csv --target species --proba
expect_rc 0
expect_empty err
[ "$(head -n 1 "$name.out")" = "species,species_predicted,species=setosa,species=versicolor,species=virginica,sepal_length,sepal_width,petal_length,petal_width" ] ||
    note "header is '$(head -n 1 "$name.out")'"
[ "$(wc -l <"$name.out")" -eq 51 ] || note "$(wc -l <"$name.out") lines, expected 51"
awk -F, 'NR > 1 {
        s = $3 + $4 + $5
        if (s < 0.99999 || s > 1.00001) { print "row " NR - 1 " sums to " s; bad = 1 }
        for (c = 3; c <= 5; c++) if ($c < 0 || $c > 1) { print "row " NR - 1 " share " $c; bad = 1 }
        best = 3; for (c = 4; c <= 5; c++) if ($c > $best) best = c
        split("setosa versicolor virginica", name, " ")
        if (name[best - 2] != $2) { print "row " NR - 1 ": largest share " name[best - 2] ", predicted " $2; bad = 1 }
    } END { exit bad }' "$name.out" >sums.txt || note "$(head -3 sums.txt)"
# The other columns are those of --target alone.
"$SOM" predict species.som test.csv --target species | cut -d, -f1-2 >want
cut -d, -f1-2 "$name.out" >got
cmp -s want got || note "the predictions differ from those without --proba"
"$SOM" predict species.som test.csv --target species | cut -d, -f3- >want
cut -d, -f6- "$name.out" >got
cmp -s want got || note "the fields differ from those without --proba"
end

begin proba-without-target
run predict species.som test.csv --proba
expect_rc 2
expect_line err "som predict: --proba needs --target COL (a class target)"
expect_empty out
end

begin proba-numeric-target
run predict width.som test.csv --target petal_width --proba
expect_rc 2
expect_line err "som predict: --proba: the target 'petal_width' is a number, not classes (fields 'petal_width=CLASS')"
expect_empty out
end

# ---- eval --target: confusion matrix, precision, recall -----------------------------

# The matrix counted from predict's two columns, one line per true class:
# "truth n_setosa n_versicolor n_virginica".
"$SOM" predict species.som test.csv --target species |
    awk -F, 'NR > 1 { n[$1 "," $2]++ }
             END { split("setosa versicolor virginica", c, " ")
                   for (t = 1; t <= 3; t++) {
                       line = c[t]
                       for (p = 1; p <= 3; p++) line = line " " (n[c[t] "," c[p]] + 0)
                       print line } }' >counted.txt

begin eval-confusion-text
run eval species.som test.csv --target species
expect_rc 0
expect_line out "confusion  rows: true class, columns: predicted class"
expect_grep out "^                  setosa  versicolor   virginica$"
# The text rows, squeezed to single spaces, are the counted matrix.
grep -E '^  (setosa|versicolor|virginica) +[0-9]+ +[0-9]+ +[0-9]+$' "$name.out" |
    tr -s ' ' | sed 's/^ //' >got
cmp -s counted.txt got || note "matrix $(tr '\n' ';' <got), counted $(tr '\n' ';' <counted.txt)"
expect_grep out "^  class       precision    recall$"
end

begin eval-confusion-json
run eval species.som test.csv --target species --json
expect_rc 0
want=$(awk '{ printf "%s[%s, %s, %s]", (NR > 1 ? ", " : ""), $2, $3, $4 }' counted.txt)
grep -Fq '"classes": ["setosa", "versicolor", "virginica"]' "$name.out" || note "classes"
grep -Fq "\"confusion\": [$want]" "$name.out" || note "confusion is not [$want]"
# Each class's precision and recall from the counted matrix (%.9g, as
# the JSON writer rounds).
prec=$(awk '{ for (p = 2; p <= 4; p++) col[p] += $p; diag[NR + 1] = $(NR + 1) }
            END { for (p = 2; p <= 4; p++) printf "%s%.9g", (p > 2 ? ", " : ""), diag[p] / col[p] }' counted.txt)
rec=$(awk '{ printf "%s%.9g", (NR > 1 ? ", " : ""), $(NR + 1) / ($2 + $3 + $4) }' counted.txt)
grep -Fq "\"precision\": [$prec]" "$name.out" || note "precision is not [$prec]"
grep -Fq "\"recall\": [$rec]" "$name.out" || note "recall is not [$rec]"
end

# ---- eval --target: a number -----------------------------------------------------

begin eval-numeric-direct
run eval width.som test.csv --target petal_width --json
expect_rc 0
# rmse, mae and r2 from predict's columns petal_width and _predicted.
want=$("$SOM" predict width.som test.csv --target petal_width |
    awk -F, 'NR > 1 { y[NR] = $5; p[NR] = $6; s += $5; n++ }
             END { m = s / n
                   for (i in y) { d = p[i] - y[i]; se += d * d; ae += (d < 0 ? -d : d)
                                  ss += (y[i] - m) * (y[i] - m) }
                   printf "%.5f %.5f %.5f", sqrt(se / n), ae / n, 1 - se / ss }')
got=$(sed 's/.*"rmse": \([^,]*\), "mae": \([^,]*\), "r2": \([^,}]*\).*/\1 \2 \3/' "$name.out" |
    awk '{ printf "%.5f %.5f %.5f", $1, $2, $3 }')
[ "$want" = "$got" ] || note "eval gives rmse mae r2 = $got, predict's columns $want"
end

begin eval-numeric-text
run eval width.som test.csv --target petal_width
expect_rc 0
expect_grep out "^rmse       [0-9.]+$"
expect_grep out "^mae        [0-9.]+$"
expect_grep out "^r2         0\\.[0-9]+$"
end

begin eval-numeric-column-missing
cut -d, -f1-3,5 test.csv >nowidth.csv
run eval width.som nowidth.csv --target petal_width
expect_rc 1
expect_line err "som: nowidth.csv: no row has a true value of 'petal_width' (the file has no column 'petal_width', or every cell of it is empty)"
expect_empty out
end

begin eval-class-unlabelled
awk -F, 'BEGIN { OFS = "," } NR > 1 { $5 = "" } { print }' test.csv >unlabelled.csv
run eval species.som unlabelled.csv --target species
expect_rc 1
expect_line err "som: unlabelled.csv: the data has no label column with the true classes of 'species'"
expect_empty out
end

# ---- predict --fill-from --------------------------------------------------------------

"$SOM" train train.csv -o plain.som -q --seed 1
# Every fourth cell of the features blanked (never a whole row).
awk -F, 'BEGIN { OFS = "," } NR > 1 { for (j = 1; j <= 4; j++) if ((NR + j) % 4 == 0) $j = "" } { print }' \
    test.csv >holes.csv

begin fill-from-methods
for m in bmu units units:1 units:5 smooth smooth:0.5; do
    "$SOM" predict plain.som holes.csv --fill-from "$m" -q >"fill-$m.csv" 2>"fill-$m.err" ||
        note "--fill-from $m failed: $(cat "fill-$m.err")"
    # The present cells are the file's; the missing ones are filled.
    awk -F, -v m="$m" 'NR == FNR { for (j = 1; j <= 4; j++) h[FNR, j] = $j; next }
        FNR > 1 { for (j = 2; j <= 5; j++) {
                      if ($j == "") { print m ": empty cell"; exit 1 }
                      if (h[FNR, j - 1] != "" && $j + 0 != h[FNR, j - 1] + 0) { print m ": changed"; exit 1 } } }' \
        holes.csv "fill-$m.csv" >check.txt || note "$(cat check.txt)"
done
run predict plain.som holes.csv -q
cmp -s "$name.out" fill-units.csv || note "the default is not units (units:16)"
"$SOM" predict plain.som holes.csv --fill-from units:16 -q >u16.csv
cmp -s "$name.out" u16.csv || note "the default is not units:16"
cmp -s fill-bmu.csv fill-units.csv && note "units fills as bmu does"
end

begin fill-from-bad
run predict plain.som holes.csv --fill-from knn
expect_rc 2
expect_line err "som predict: --fill-from: unknown fill method 'knn' (expected bmu, units, units:K or smooth, smooth:RADIUS)"
expect_empty out
end

begin fill-from-bad-k
run predict plain.som holes.csv --fill-from units:0
expect_rc 2
expect_line err "som predict: --fill-from: fill method 'units:0': K must be a whole number from 1 to 100000"
end

begin eval-fill-from-bad
run eval species.som test.csv --target species --fill-from smooth:-1
expect_rc 2
expect_line err "som eval: --fill-from: fill method 'smooth:-1': the radius must be a number above 0"
end

begin eval-fill-from-units
# --fill-from reaches eval's target: units:1 is the best unit again.
"$SOM" eval species.som test.csv --target species --json >a.json
run eval species.som test.csv --target species --json --fill-from units:1
expect_rc 0
cmp -s a.json "$name.out" || note "units:1 differs from the best unit"
end

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
