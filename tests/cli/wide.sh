#!/bin/sh
# SPDX-License-Identifier: MIT
# Wide tables (many more columns than rows, like genes x samples): `som
# train` with default options (automatic grid, PCA) on 20,000 columns x 5
# rows finishes well within the time limit and with memory of the order of
# the data — before the Gram path it built two 20,000 x 20,000 matrices
# (> 20 minutes, 9 GB); eval, map (columns matched by title, in another
# order), cluster and a supervised map work at that width; repeated
# titles are renamed as before.
#
#   tests/cli/wide.sh SOM
set -u
if [ $# -lt 1 ]; then
    echo "usage: $0 SOM" >&2
    exit 2
fi
SOM=$1
case $SOM in /*) ;; *) SOM=$(pwd)/$SOM ;; esac
WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-wide.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT INT TERM
cd "$WORK" || exit 1

failed=0
ok() { echo "ok      $1"; }
fail() {
    echo "FAILED  $1${2:+: $2}"
    for f in out err; do
        [ -s "case.$f" ] && sed 's/^/    | /' "case.$f" | head -10
    done
    failed=$((failed + 1))
}
# check NAME COMMAND...: the command succeeds.
check() {
    name=$1
    shift
    if "$@" >case.out 2>case.err; then ok "$name"; else fail "$name" "exit status $?"; fi
}

# 5 samples x 20,000 genes: two hidden factors plus noise (awk's srand(7):
# the same every time), and a class column.
awk 'BEGIN { srand(7); C = 20000;
    for (j = 1; j <= C; j++) { p[j] = rand() - 0.5; q[j] = rand() - 0.5 }
    for (j = 1; j <= C; j++) printf("g%d,", j); print "class";
    for (i = 1; i <= 5; i++) {
        a = rand() * 4; b = rand() * 2;
        for (j = 1; j <= C; j++) printf("%.4f,", a * p[j] + b * q[j] + 0.1 * rand());
        print (i % 2 ? "x" : "y") } }' >wide.csv
# The genes alone, and in reverse order (titles travel with their columns).
cut -d, -f1-20000 wide.csv >genes.csv
awk -F, '{ for (j = NF; j >= 1; j--) printf("%s%s", $j, j > 1 ? "," : "\n") }' genes.csv >rev.csv

# Default options, under a time limit 100 times what it takes here (~1 s);
# peak RSS well under the 3.2 GB that one 20,000 x 20,000 matrix of doubles
# takes (a few MB of data; sanitizer builds use more).
TIME=
[ -x /usr/bin/time ] && TIME="/usr/bin/time -f %M -o rss"
if timeout 120 $TIME "$SOM" train genes.csv -o w.som >case.out 2>case.err; then
    if ! grep -Eq '^grid +[0-9]+x[0-9]+, chosen from the data' case.err; then
        fail train-defaults "no automatic grid in the summary"
    elif [ -n "$TIME" ] && [ "$(tail -1 rss)" -gt 1000000 ]; then
        fail train-defaults "peak RSS $(tail -1 rss) KB"
    else
        ok train-defaults
    fi
else
    fail train-defaults "exit status $? (124: over 120 s)"
fi
check info sh -c "'$SOM' info w.som | grep -Eq '^dim +20000$'"
check eval sh -c "'$SOM' eval w.som genes.csv | grep -Eq '^qe +[0-9.]+$'"
check map-by-title sh -c "'$SOM' map w.som genes.csv >m1 && '$SOM' map w.som rev.csv >m2 && cmp m1 m2"
check cluster "$SOM" cluster w.som -o c.som
check supervised sh -c "timeout 120 '$SOM' train wide.csv --target class -q -o s.som &&
    '$SOM' predict s.som genes.csv --target class -o p.csv && test \$(wc -l <p.csv) -eq 6"

# Repeated titles get ".N" (N the column), also when that name is taken.
printf 'a,a,a.2,b\n1,2,3,4\n5,6,7,8\n2,2,1,1\n' >dup.csv
check repeated-titles sh -c "'$SOM' train dup.csv --grid 2x2 -q -o d.som &&
    '$SOM' info d.som | awk '\$1 ~ /^a/ { printf \"%s \", \$1 }' >titles &&
    test \"\$(cat titles)\" = 'a a.2 a.2.3 '"
awk 'BEGIN { for (j = 1; j <= 20000; j++) printf(j > 1 ? ",x" : "x"); print "";
    for (i = 0; i < 3; i++) for (j = 1; j <= 20000; j++) printf("%d%s", (i + j) % 7, j < 20000 ? "," : "\n") }' >same.csv
check all-titles-equal sh -c "timeout 120 '$SOM' train same.csv --grid 2x2 --epochs 1 -q -o x.som &&
    '$SOM' info x.som | grep -Eq '^ +x\\.20000 '"

echo "wide: $failed failed"
[ "$failed" -eq 0 ]
