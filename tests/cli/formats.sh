#!/bin/sh
# SPDX-License-Identifier: MIT
# What each format keeps (issue 15): saving a map or a data set in a format
# that cannot hold one of its parts says so on stderr, one line per part,
# from the library's format table (som_map_losses, som_data_losses) —
# never silently. A hex, toroid, z-scored, weighted and clustered model:
#  - to .somnet, .cod and .wts names exactly what each loses, and the file
#    read back is what the notes say (rect, sheet, unscaled);
#  - to .som and .json loses nothing: no note; the .som is the same bytes,
#    the .json holds every part;
#  - `som train -o x.cod` and `som cluster -o x.wts` save in the format of
#    the name, with the same notes (they used to write .som bytes there);
#  - data: a SOM_PAK .dat with sample weights and fixed points to .csv.
#
#   tests/cli/formats.sh SOM ROOT
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
WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-formats.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT INT TERM
cd "$WORK" || exit 1
# shellcheck source=tests/cli/harness.sh
. "$ROOT/tests/cli/harness.sh"

# expect_err_is: NAME.err is exactly the text on standard input.
expect_err_is() {
    cat >want.err
    cmp -s want.err "$name.err" || note "stderr differs:
$(diff want.err "$name.err" | head -20)"
}
expect_cmp() {
    cmp -s "$1" "$2" || note "$1 and $2 differ"
}
# expect_line STREAM ERE: as expect_grep, named for the info lines.
expect_line() {
    grep -Eq -- "$2" "$name.$1" || note "$1 has no line matching /$2/"
}

begin setup
run train "$IRIS" -o hex.som --grid 6x8 --topology hex --toroid --scale zscore \
    --weights petal_width=2 --epochs 3 -q
expect_rc 0
run cluster hex.som -o full.som -k 4 -q
expect_rc 0
run info full.som
expect_line out '^grid +6x8 hex, toroid$'
expect_line out '^scaling +zscore$'
expect_line out '^weights +petal_width=2'
expect_line out '^clusters +4,'
end

begin to-somnet
run convert full.som full.somnet
expect_rc 0
expect_empty out
expect_err_is <<'TXT'
som: note: full.somnet keeps no hexagonal topology: the map is read back as rectangular
som: note: full.somnet keeps no toroid wrap: the map is read back as a sheet with edges
som: note: full.somnet keeps no scaling: the weights are stored in the data's units and the map is read back unscaled
som: note: full.somnet keeps no clusters: the units are read back unclustered
som: note: full.somnet keeps no feature weights: every field weighs 1 when the map is read back
som: note: full.somnet keeps no training settings: the map is read back as untrained
som: note: full.somnet keeps no training history: the errors of each pass are not read back
TXT
run info full.somnet
expect_rc 0
expect_line out '^grid +6x8 rect, sheet$'
expect_line out '^scaling +none$'
expect_line out '^training +none$'
expect_line out '^history +none$'
grep -Eq '^(weights|clusters) ' "$name.out" && note "a part the notes said was lost"
end

begin to-cod
run convert full.som full.cod
expect_rc 0
expect_empty out
expect_err_is <<'TXT'
som: note: full.cod keeps no toroid wrap: the map is read back as a sheet with edges
som: note: full.cod keeps no scaling: the weights are stored in the data's units and the map is read back unscaled
som: note: full.cod keeps no clusters: the units are read back unclustered
som: note: full.cod keeps no feature weights: every field weighs 1 when the map is read back
som: note: full.cod keeps no training settings: the map is read back as untrained
som: note: full.cod keeps no training history: the errors of each pass are not read back
TXT
run info full.cod
expect_rc 0
expect_line out '^grid +6x8 hex, sheet$'
expect_line out '^scaling +none$'
end

begin to-wts
run convert full.som full.wts
expect_rc 0
expect_empty out
expect_err_is <<'TXT'
som: note: full.wts keeps no hexagonal topology: the map is read back as rectangular
som: note: full.wts keeps no toroid wrap: the map is read back as a sheet with edges
som: note: full.wts keeps no scaling: the weights are stored in the data's units and the map is read back unscaled
som: note: full.wts keeps no column titles: the fields are read back as 1, 2, ...
som: note: full.wts keeps no clusters: the units are read back unclustered
som: note: full.wts keeps no feature weights: every field weighs 1 when the map is read back
som: note: full.wts keeps no training settings: the map is read back as untrained
som: note: full.wts keeps no training history: the errors of each pass are not read back
TXT
run info full.wts
expect_rc 0
expect_line out '^grid +6x8 rect, sheet$'
end

begin to-umx
run convert full.som full.umx
expect_rc 0
expect_err_is <<'TXT'
som: note: full.umx keeps no codebook: it holds the U-matrix only
TXT
end

# What a format holds is lost once only: .somnet to .cod loses nothing more.
begin somnet-to-cod
run convert full.somnet again.cod
expect_rc 0
expect_empty err
end

begin to-som
run convert full.som again.som
expect_rc 0
expect_empty out
expect_empty err
expect_cmp full.som again.som
end

begin to-json
run convert full.som full.json
expect_rc 0
expect_empty out
expect_empty err
for key in '^"topology":"hex",$' '^"toroid":true,$' '"kind":"zscore"' '"feature_weights":\[1,1,1,2\]' \
    '"clusters":\{"k":4,' '"training":\{"algorithm":' '"history":\[$' '"titles":\["sepal_length"'; do
    grep -Eq "$key" full.json || note "full.json has no /$key/"
done
# As many history entries and cluster units as the model holds.
hist=$("$SOM" info full.som | sed -n 's/^history *\([0-9]*\) entries.*/\1/p')
[ "$(grep -o '"pass":[0-9]*' full.json | wc -l)" -eq "$hist" ] || note "not $hist history entries"
units=$(sed -n 's/.*"clusters":{[^}]*"unit":\[\([0-9,]*\)\]}.*/\1/p' full.json | tr ',' '\n' | wc -l)
[ "$units" -eq 48 ] || note "$units cluster units, not 48"
end

# som train and som cluster save in the format the name says, with the notes.
begin train-to-cod
run train "$IRIS" -o t.cod --grid 4x4 --topology hex --epochs 1 -q
expect_rc 0
expect_err_is <<'TXT'
som: note: t.cod keeps no scaling: the weights are stored in the data's units and the map is read back unscaled
som: note: t.cod keeps no training settings: the map is read back as untrained
som: note: t.cod keeps no training history: the errors of each pass are not read back
TXT
run info t.cod
expect_rc 0
expect_line out '^grid +4x4 hex, sheet$'
end

begin cluster-to-wts
run cluster full.som -o c.wts -k 3 -q
expect_rc 0
expect_grep err '^som: note: c\.wts keeps no clusters: the units are read back unclustered$'
run info c.wts
expect_rc 0
end

# A name of no map format keeps the native format, silently, as always.
begin train-to-other-name
run train "$IRIS" -o t.model --grid 3x3 --epochs 1 -q
expect_rc 0
expect_empty err
run info t.model
expect_rc 0
expect_line out '^grid +3x3 rect, sheet$'
end

begin data-dat-to-csv
printf '#n a b\n2\n1 2 weight=2\n3 4 fixed=1,0\n5 6 x\n' >w.dat
run convert w.dat w.csv
expect_rc 0
expect_err_is <<'TXT'
som: note: w.csv keeps no sample weights: every row weighs 1 when read back
som: note: w.csv keeps no fixed points: no row is fixed when read back
TXT
end

begin data-dat-to-dat
run convert w.dat w2.dat
expect_rc 0
expect_empty err
end

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
