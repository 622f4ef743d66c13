#!/bin/sh
# SPDX-License-Identifier: MIT
# CLI tests for `som art` (needs a som built with Cairo).
#
#   tests/cli/art.sh SOM ROOT
#
# Checks exit statuses, the CSV output against the article's reference
# values (SPEC-seeds.md A5), that --classic is the seed-33 gallery, that
# avatars are deterministic, the guessing game through a pipe, and that bad
# knobs are usage errors (exit 2) that leave no file behind.
set -u

if [ $# -lt 1 ]; then
    echo "usage: $0 SOM [ROOT]" >&2
    exit 2
fi
SOM=$1
case $SOM in /*) ;; *) SOM=$(pwd)/$SOM ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-art-cli.XXXXXX") || exit 1
if [ "${SOM_CLI_KEEP:-0}" = 1 ]; then
    echo "work directory: $WORK"
else
    trap 'rm -rf "$WORK"' EXIT INT TERM
fi
cd "$WORK" || exit 1

# shellcheck source=tests/cli/harness.sh
. "$HERE/harness.sh"

expect_png() {
    [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = "211PNG" ] || note "$1 is not a PNG"
}

# usage_error NAME FILE ARGS...: exit 2, nothing on stdout, a hint on
# stderr, and FILE not written.
usage_error() {
    begin "$1"
    out=$2
    shift 2
    run art "$@"
    expect_rc 2
    expect_empty out
    expect_grep err "^Try 'som art --help'\.$"
    expect_no_file "$out"
    end
}

# ---- help and the default picture ------------------------------------------

begin art-help
run art --help
expect_rc 0
expect_grep out "^Usage: som art "
expect_empty err
end

begin art-bird-png
run art -o bird.png
expect_rc 0
expect_png bird.png
expect_empty err
end

begin art-svg-pdf
run art --show-points -o bird.svg
expect_rc 0
grep -q "<svg" bird.svg || note "bird.svg is not SVG"
run art -o bird.pdf
expect_rc 0
[ "$(head -c 4 bird.pdf)" = "%PDF" ] || note "bird.pdf is not PDF"
end

# ---- CSV: the article's numbers ----------------------------------------------

begin art-star-csv
run art --step 1 --radius 0 --std 0.4 -o star.csv
expect_rc 0
[ "$(head -n 1 star.csv)" = "row,col,x,y" ] || note "bad header"
[ "$(wc -l <star.csv)" -eq 82 ] || note "expected 82 lines"
# Exactly 8 neurons moved, to the reference positions (1e-6).
moved=$(awk -F, 'NR > 1 && ($3 != $1 || $4 != $2)' star.csv | wc -l)
[ "$moved" -eq 8 ] || note "$moved neurons moved, expected 8"
awk -F, 'NR > 1 && $1 == 8 && $2 == 4 {
    dx = $3 - 14.980057; dy = $4 - 4
    if (dx > 1e-6 || dx < -1e-6 || dy > 1e-6 || dy < -1e-6) exit 1 }' star.csv ||
    note "neuron (8,4) is not at (14.980057, 4)"
awk -F, 'NR > 1 { s += $3 * $3 + $4 * $4 } END {
    d = s - 4446.222988672; if (d > 1e-6 || d < -1e-6) exit 1 }' star.csv ||
    note "sum of squares is not 4446.222988672"
end

begin art-csv-stdout
run art --step 1 --radius 0 --std 0.4 -o -
expect_rc 0
cmp -s art-csv-stdout.out star.csv || note "-o - differs from the CSV file"
end

begin art-blob-csv
run art --step 1 --radius 3 --std 0.4 -o blob.csv
expect_rc 0
stayed=$(awk -F, 'NR > 1 && $3 == $1 && $4 == $2 { printf "(%s,%s)", $1, $2 }' blob.csv)
[ "$stayed" = "(3,4)(4,3)(4,4)(4,5)(5,4)" ] || note "stayed: $stayed"
end

begin art-classic
run art --classic -o classic.csv
expect_rc 0
[ "$(head -n 1 classic.csv)" = "pattern,step,radius,std,row,col,x,y" ] || note "bad header"
[ "$(wc -l <classic.csv)" -eq $((16 * 81 + 1)) ] || note "expected 16 blocks of 81"
grep -q '^1,0.32365911469395692,0,1.3716341717599891,' classic.csv || note "pattern 1 knobs"
grep -q '^2,0.92862216855786528,3,1.753751807859204,' classic.csv || note "pattern 2 knobs"
run art --classic -o classic.png
expect_rc 0
expect_png classic.png
run art --gallery 16 --seed 33 -o seed33.png
expect_rc 0
cmp -s classic.png seed33.png || note "--classic differs from --gallery 16 --seed 33"
end

begin art-random-seed
run art --random --seed 7 -o r1.csv
expect_rc 0
run art --random --seed 7 -o r2.csv
cmp -s r1.csv r2.csv || note "the same seed drew different patterns"
run art --random --seed 8 -o r3.csv
cmp -s r1.csv r3.csv && note "seeds 7 and 8 drew the same pattern"
end

# ---- avatars ------------------------------------------------------------------

begin art-avatar
run art --avatar alice -o a1.png
expect_rc 0
expect_png a1.png
run art --avatar alice -o a2.png
cmp -s a1.png a2.png || note "the same name gave different bytes"
run art --avatar alicf -o a3.png
cmp -s a1.png a3.png && note "alice and alicf gave the same picture"
run art --avatar alice --size 64 --background transparent -o a4.png
expect_rc 0
run art --avatar "Zoë Ünïcode" --size 1024 --background '#ffffff' -o a5.svg
expect_rc 0
end

# ---- the game -----------------------------------------------------------------

begin art-guess
run_sh "printf '0.5\n2\n0.4\n' | '$SOM' art --guess --seed 7 -o pattern.png"
expect_rc 0
expect_png pattern.png
expect_grep out "^score +[0-9]+ / 100$"
expect_grep out "^radius "
end

begin art-guess-eof
run_sh "printf '0.5\n' | '$SOM' art --guess --seed 7 -o pattern2.png"
expect_rc 1
expect_grep err "input ended"
end

# ---- bad usage: exit 2, nothing written ---------------------------------------

usage_error art-negative-radius x1.png --radius -1 -o x1.png
usage_error art-zero-step x2.png --step 0 -o x2.png
usage_error art-negative-step x3.png --step -0.5 -o x3.png
usage_error art-infinite-step x4.png --step inf -o x4.png
usage_error art-negative-std x5.png --std -1 -o x5.png
usage_error art-size-zero x6.png --size 0 -o x6.png
usage_error art-avatar-too-big x7.png --avatar bob --size 2048 -o x7.png
usage_error art-gallery-zero x8.png --gallery 0 -o x8.png
usage_error art-unknown-extension x9.gif -o x9.gif
usage_error art-no-output x10.png --step 0.5
usage_error art-avatar-knobs x11.png --avatar bob --step 0.5 -o x11.png
usage_error art-classic-seed x12.png --classic --seed 1 -o x12.png
usage_error art-two-modes x13.png --avatar bob --gallery 4 -o x13.png
usage_error art-unknown-option x14.png --wings 2 -o x14.png
usage_error art-bad-colour x15.png --color red -o x15.png

begin art-unwritable
run art -o no-such-dir/x.png
expect_rc 1
expect_grep err "^som: "
end

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
