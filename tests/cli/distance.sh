#!/bin/sh
# SPDX-License-Identifier: MIT
# --distance (issue 17 §5): a model trained with each distance names it in
# `som info` (text and --json) and keeps it through .som and .json; its
# history's last QE is what `som eval` measures on the same rows; `som map`
# reports distances by it; converting it to a format that cannot hold it
# names the loss on stderr, and the file read back says euclidean; an
# explicit `--distance euclidean` writes the same bytes as the default; an
# unknown name is refused with exit 2.
#
#   tests/cli/distance.sh SOM ROOT
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
WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-distance.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT INT TERM
cd "$WORK" || exit 1
# shellcheck source=tests/cli/harness.sh
. "$ROOT/tests/cli/harness.sh"

for d in euclidean cosine manhattan chebyshev; do
    for alg in batch online; do
        begin "train-$d-$alg"
        run train "$IRIS" -o "$d-$alg.som" --grid 5x6 --distance "$d" --algorithm "$alg" \
            --epochs 4 -q
        expect_rc 0
        run info "$d-$alg.som"
        expect_grep out "^distance +$d\$"
        run info "$d-$alg.som" --json
        expect_grep out "\"distance\": \"$d\""
        # The last recorded QE is the QE som eval measures on the same rows.
        qe_info=$(sed -n 's/.*"qe": \([0-9.e-]*\).*/\1/p' "$name.out" | tail -1)
        run eval "$d-$alg.som" "$IRIS" --json
        expect_rc 0
        qe_eval=$(sed -n 's/.*"qe": \([0-9.e-]*\),.*/\1/p' "$name.out")
        [ -n "$qe_info" ] && [ "$qe_info" = "$qe_eval" ] ||
            note "history QE '$qe_info', som eval QE '$qe_eval'"
        # som map's distance column averages to the same QE.
        run map "$d-$alg.som" "$IRIS" -o map.csv
        expect_rc 0
        mean=$(awk -F, 'NR > 1 { s += $5; n++ } END { printf "%.6f", s / n }' map.csv)
        want=$(awk -v q="$qe_eval" 'BEGIN { printf "%.6f", q }')
        [ "$mean" = "$want" ] || note "mean of som map's distances $mean, QE $want"
        end
    done
done

begin default-is-euclidean
run train "$IRIS" -o plain.som --grid 5x6 --epochs 4 -q
expect_rc 0
run train "$IRIS" -o explicit.som --grid 5x6 --epochs 4 -q --distance euclidean
expect_rc 0
cmp -s plain.som explicit.som || note "--distance euclidean changed the model bytes"
grep -q DIST plain.som && note "a euclidean model has a DIST chunk"
end

begin json-keeps-it
run convert cosine-batch.som c.json
expect_rc 0
expect_empty err
expect_empty out
grep -q '"distance":"cosine"' c.json || note "c.json has no \"distance\":\"cosine\""
run convert c.json back.som
expect_rc 0
run info back.som
expect_grep out '^distance +cosine$'
end

begin cod-loses-it
run convert manhattan-batch.som m.cod
expect_rc 0
expect_grep err '^som: note: m.cod keeps no distance: the map is read back with the euclidean distance$'
run info m.cod
expect_grep out '^distance +euclidean$'
end

begin somnet-loses-it
run convert chebyshev-online.som c.somnet
expect_rc 0
expect_grep err '^som: note: c.somnet keeps no distance: '
end

begin euclidean-loses-nothing-more
run convert euclidean-batch.som e.cod
expect_rc 0
grep -q 'distance' "$name.err" && note "a euclidean map said it lost its distance"
end

begin unknown-distance
run train "$IRIS" -o bad.som --distance taxicab -q
expect_rc 2
expect_grep err "distance: expected one of euclidean, cosine, manhattan, chebyshev, got 'taxicab'"
expect_no_file bad.som
end

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
