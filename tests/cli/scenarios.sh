#!/bin/sh
# SPDX-License-Identifier: MIT
# Clustering scenarios: data sets with known groups, generated here
# (scenarios.py, seeded), each run through the pipeline a user runs:
#   som train DATA -o M.som          (default settings)
#   som cluster M.som --data DATA -o C.som   (the default method)
#   som map C.som DATA               (each row's cluster, through its BMU)
# and scored by the adjusted Rand index (ARI) of the rows' clusters against
# the truth. Small sizes here (about 300 rows each, a few seconds in all);
# bench/scenarios.sh runs them larger and adds the public tables.
# Usage: scenarios.sh SOM SOURCE_DIR. Exit 77 (skipped) without Debian's
# /usr/bin/python3 (the generator and the ARI need nothing beyond it).
set -u
SOM=$1
SRC=$2
PY=${SOM_PYTHON:-/usr/bin/python3}
GEN="$SRC/tests/cli/scenarios.py"
if ! "$PY" -c 'import random, csv' 2>/dev/null; then
    echo "skipped: no $PY"
    exit 77
fi
. "$SRC/tests/cli/harness.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

# scenario NAME MIN_ARI [K]: begins a case and runs the pipeline on NAME;
# the ARI must reach MIN_ARI and, when K is given, the clusters found number
# K. The caller adds checks of its own and ends the case.
scenario() {
    begin "scenario-$1"
    "$PY" "$GEN" gen "$1" "$1.csv" || note "generator failed"
    "$SOM" train "$1.csv" -o "$1.som" -q 2>/dev/null || note "train failed"
    run cluster "$1.som" --data "$1.csv" -o "$1.c.som"
    expect_rc 0
    "$SOM" map "$1.c.som" "$1.csv" -q >"$1.map" || note "map failed"
    set -- "$1" "$2" "${3:-}" $("$PY" "$GEN" ari "$1.map")
    # $4 ARI, $5 clusters found, $6 groups planted
    printf '%-14s ARI %s  k %s of %s\n' "$1" "$4" "$5" "$6"
    awk -v a="$4" -v m="$2" 'BEGIN { exit !(a >= m) }' || note "ARI $4 below $2"
    [ -z "$3" ] || [ "$5" = "$3" ] || note "$5 clusters, expected $3"
}

# Thresholds. Where the truth is unambiguous (groups 6 or more standard
# deviations apart, so that fewer than 0.2 % of rows lie nearer the other
# group's centre) the bar is 0.95 and k must be right; measured 1.00 on
# this data. On 8 other draws of each design (SOM_SCENARIO_SEED=a..h),
# 45 of these 48 runs reached 0.95: two groups once at 0.90 (the map put
# two units of one group in the other's corner) and once at k = 4, cigars
# once at k = 4.
scenario blobs3 0.95 3
end
# The issue's case: one pure-noise field (the old default chose k = 6).
scenario blobs3-noise 0.95 3
end
# 10:1 rows: the small group (30 rows) must stay a group of its own.
scenario unequal 0.95 2
end
# Two groups 6 sd apart: the closest pair here (the old default: k = 4).
scenario two 0.95 2
end
# Ten groups: k = 10 is the top of the default range 2:10, so the warning
# must come too (below).
scenario ten 0.95 10
expect_grep err '^som: cluster: warning: k = 10 is the top of the range searched \(2\.\.10\)'
end
# Parallel cigars longer than the gap between them: Ward on hit-weighted
# units keeps them whole (k-means and the old default cut them across).
scenario elongated 0.95 2
end
# Two groups joined by a thin line of 20 rows: the truth gives each bridge
# row to the group on its side; the rows of the bridge's middle units can go
# either way. Measured 0.99 (0.93..1 on 8 other draws of the same design,
# SOM_SCENARIO_SEED): 0.85.
scenario bridge 0.85 2
end
# Four groups in 2 of 5 fields (3 noise fields, z-scored to the same
# spread): the 2-d map folds each group over several patches and mixes
# them, so no clustering of its units recovers them well. Measured 0.60
# (0.42..0.79 on other draws; the old default 0.35): 0.40 guards against
# falling back.
scenario blobs4-noise2 0.40
end
# A ring around a blob: both have the same centre, so Ward (any
# centroid-based method) cannot tell them apart: it cuts the ring into
# pieces (measured 0.37, k = 5; the old default 0.31) or, on 2 of 8 other
# draws, finds no groups (ARI 0). A known limit (som cluster --help); the
# bar only checks that this data's pieces keep the blob apart.
scenario ring 0.30
end

# No structure: one cluster and a warning that says so.
begin scenario-uniform
"$PY" "$GEN" gen uniform uniform.csv
"$SOM" train uniform.csv -o uniform.som -q 2>/dev/null || note "train failed"
run cluster uniform.som --data uniform.csv -o uniform.c.som
expect_rc 0
expect_grep err '^som: cluster: warning: no k in 2\.\.10 splits clearly separated groups \(strongest 0\.[0-9]+ at k = [0-9]+, below 1\): one cluster; the data show no groups \(-k K cuts anyway\)$'
expect_grep err '^clusters 1 '
"$SOM" map uniform.c.som uniform.csv -q | awk -F, 'NR > 1 && $NF != 0 { bad = 1 } END { exit bad }' ||
    note "a row outside cluster 0"
end

# The generator is seeded: the same bytes twice.
begin scenario-seeded
"$PY" "$GEN" gen two again.csv
cmp -s two.csv again.csv || note "two.csv differs between runs"
end

# The ARI itself on hand-made labelings (Hubert and Arabie's formula).
begin scenario-ari
printf 'label,cluster\na,0\na,0\nb,1\nb,1\n' >same.csv
printf 'label,cluster\na,5\na,5\nb,7\nb,7\n' >renamed.csv
printf 'label,cluster\na,0\na,1\nb,0\nb,1\n' >crossed.csv
[ "$("$PY" "$GEN" ari same.csv)" = "1.0000 2 2" ] || note "same: $("$PY" "$GEN" ari same.csv)"
[ "$("$PY" "$GEN" ari renamed.csv)" = "1.0000 2 2" ] || note "renamed"
[ "$("$PY" "$GEN" ari crossed.csv)" = "-0.5000 2 2" ] || note "crossed: $("$PY" "$GEN" ari crossed.csv)"
end

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
