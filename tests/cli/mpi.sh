#!/bin/sh
# SPDX-License-Identifier: MIT
# Distributed training: `mpirun -np P som train` must write the same model,
# byte for byte, as one process, from .npy (each rank maps only its share)
# and from CSV; bad input must end every rank with one clear message from
# rank 0 and no model.
#
#   tests/cli/mpi.sh SOM [MPIRUN]
#
# Registered by ctest only when som was built with MPI. MPIRUN defaults to
# mpirun; --allow-run-as-root lets the tests run in root containers and
# --oversubscribe runs 3 ranks on a 2-core machine.
set -u
if [ $# -lt 1 ]; then
    echo "usage: $0 SOM [MPIRUN]" >&2
    exit 2
fi
SOM=$1
MPIRUN=${2:-mpirun}
case $SOM in /*) ;; *) SOM=$(pwd)/$SOM ;; esac
WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-mpi.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT INT TERM
cd "$WORK" || exit 1
# One OpenMP thread per rank: the ranks are the parallelism here.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

mpi() {
    np=$1
    shift
    "$MPIRUN" --allow-run-as-root --oversubscribe -np "$np" "$SOM" "$@"
}

failed=0
ok() { echo "ok      $1"; }
fail() {
    echo "FAILED  $1"
    for f in out err; do
        [ -s "case.$f" ] && sed 's/^/    | /' "case.$f" | head -20
    done
    failed=$((failed + 1))
}

# 3001 rows x 4 fields with gaps (awk's srand(3): the same every time);
# an odd count, so that the shares differ in size.
awk 'BEGIN { srand(3); print "a,b,c,d";
    for (i = 0; i < 3001; i++) {
        b = (i % 53 == 7) ? "" : sprintf("%.4f", rand());
        printf "%.4f,%s,%.4f,%.4f\n", rand() + i % 3, b, rand() * 2, rand() } }' >d.csv
"$SOM" convert d.csv d.npy 2>/dev/null || { echo "FAILED  convert"; exit 1; }

# same NAME NP ARGS...: one process and NP ranks write the same bytes.
same() {
    name=$1
    np=$2
    shift 2
    rm -f one.som many.som
    if ! "$SOM" train "$@" -q -o one.som >case.out 2>case.err; then
        fail "$name (one process)"
        return
    fi
    if ! mpi "$np" train "$@" -q -o many.som >case.out 2>case.err; then
        fail "$name ($np ranks)"
        return
    fi
    if cmp -s one.som many.som; then ok "$name"; else
        echo "model of $np ranks differs from one process's" >case.err
        fail "$name"
    fi
}

same npy-2 2 d.npy --grid 8x9 --epochs 4
same npy-3-hex-random 3 d.npy --grid 6x7 --topology hex --toroid --init random --epochs 3 --scale minmax
same csv-2-sample-bubble 2 d.csv --grid 7x7 --init sample --neighborhood bubble --epochs 3
same csv-weights-2 2 d.csv --grid 5x6 --weights b=0,c=2 --epochs 3
# A class target: the label column one-hot encoded over every row before
# the ranks take their shares (the classes are the same on every rank).
awk -F, 'BEGIN { OFS = "," } NR == 1 { print $0, "kind"; next }
    { print $0, (NR % 7 < 3 ? "low" : (NR % 7 < 5 ? "mid" : "high")) }' d.csv >labelled.csv
same csv-target-3 3 labelled.csv --grid 5x6 --target kind,a --target-weight 0.5 --epochs 3
# A wide table (fewer rows than fields): PCA through the Gram matrix, the
# centred rows travelling along the ranks; with gaps.
awk 'BEGIN { srand(5); for (j = 1; j <= 300; j++) printf("%sg%d", (j > 1 ? "," : ""), j); print "";
    for (i = 0; i < 13; i++) for (j = 1; j <= 300; j++) {
        v = (i > 0 && (i * j) % 37 == 3) ? "" : sprintf("%.4f", rand() + (i % 3) * (j % 5));
        printf("%s%s", v, (j < 300 ? "," : "\n")) } }' >wide.csv
same wide-csv-3 3 wide.csv --grid 3x4 --epochs 3

# expect NAME STATUS ERE NP ARGS...: NP ranks fail with STATUS, the message
# (matching ERE) appears once, and no model is written.
expect() {
    name=$1
    status=$2
    ere=$3
    np=$4
    shift 4
    rm -f x.som
    mpi "$np" "$@" -o x.som >case.out 2>case.err
    rc=$?
    why=
    [ "$rc" -eq "$status" ] || why="exit status $rc, expected $status"
    n=$(grep -Ec -- "$ere" case.err)
    [ "$n" -eq 1 ] || why="$why; $n lines match /$ere/ (want 1)"
    [ -e x.som ] && why="$why; x.som written"
    if [ -z "$why" ]; then ok "$name"; else
        echo "$why" >>case.err
        fail "$name"
    fi
}

# A wrong header: every rank fails alike; rank 0 says so.
cp d.npy badmagic.npy
printf 'X' | dd of=badmagic.npy bs=1 seek=1 conv=notrunc 2>/dev/null
expect bad-header 1 '^som: badmagic\.npy: expected a NumPy \.npy file' 2 train badmagic.npy --grid 4x4
# Rank 1's share lies past the end of a cut file; rank 0's is whole.
head -c 30000 d.npy >cut.npy
expect share-unreadable 1 '^som: rank 1: cut\.npy: cannot read rows 1501 to 3001' 2 \
    train cut.npy --grid 4x4
# A starting model whose fields do not match the data.
printf 'x,y,z\n1,2,3\n4,5,6\n7,8,8\n' >three.csv
"$SOM" train three.csv --grid 4x4 -q -o three.som || fail "three.som"
expect shape-mismatch 1 'three\.som: the model has 3 fields, the data 4' 2 \
    train d.npy --grid 4x4 --init-codebook three.som
printf 'x,y\n1,2\n3,4\n' >two.csv
expect too-few-rows 1 '^som: two\.csv: 2 rows cannot be shared among 3 ranks' 3 train two.csv --grid 2x2
expect online-refused 2 '^som train: distributed training is batch training' 2 \
    train d.npy --grid 4x4 --algorithm online
expect grid-needed 2 'needs --grid' 2 train d.npy
expect missing-file 1 '^som: nothing\.npy: cannot open' 2 train nothing.npy --grid 4x4

echo "mpi: $failed failed"
[ "$failed" -eq 0 ]
