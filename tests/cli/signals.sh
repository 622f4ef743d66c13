#!/bin/sh
# SPDX-License-Identifier: MIT
# Ctrl-C and SIGTERM in every long phase: a job long enough that the phase
# lasts seconds, a signal in the middle; the program must end within
# LIMIT_MS (default 1500; the library polls every few ms of work, the rest
# is the machine's load and freeing memory) with status 1, one message
# naming what was not written, the older output unchanged and no temporary
# file left. Each case prints the latency it measured.
#
#   tests/cli/signals.sh SOM ROOT
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 SOM ROOT" >&2
    exit 2
fi
SOM=$1
ROOT=$2
case $SOM in /*) ;; *) SOM=$(pwd)/$SOM ;; esac
case $ROOT in /*) ;; *) ROOT=$(pwd)/$ROOT ;; esac
LIMIT_MS=${LIMIT_MS:-1500}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-signals.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
. "$ROOT/tests/cli/harness.sh"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# caught_wait PID SIG: waits (up to 30 s) until process PID catches SIG
# (its bit in SigCgt of /proc/PID/status); returns at once without /proc.
caught_wait() {
    case $2 in INT) bit=2 ;; TERM) bit=16384 ;; *) return 0 ;; esac
    [ -r "/proc/$1/status" ] || return 0
    i=0
    while [ $i -lt 600 ]; do
        mask=$(awk '/^SigCgt:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 0
        [ -n "$mask" ] || return 0
        [ $((0x$mask & bit)) -ne 0 ] && return 0
        sleep 0.05
        i=$((i + 1))
    done
}

# interrupt SIG WAIT OUT OLD ARGS...: runs som ARGS in the background; WAIT
# is seconds to sleep, "tmp" to wait until OUT's temporary file exists (the
# save has begun) or "file:PATH" until PATH exists; then sends SIG and
# checks the ending. OLD is the file OUT must still equal ("" when OUT did
# not exist: then it must not).
interrupt() {
    sig=$1 wait_for=$2 out=$3 old=$4
    shift 4
    "$SOM" "$@" >"$name.out" 2>"$name.err" &
    pid=$!
    # The job counts from when som catches the signal: a sanitized build
    # on a loaded machine can take longer than WAIT just to start, and a
    # signal before its handler is set kills it the default way (143).
    caught_wait "$pid" "$sig"
    if [ "$wait_for" = tmp ] || [ "${wait_for#file:}" != "$wait_for" ]; then
        pattern="$out.tmp.*"
        [ "$wait_for" = tmp ] || pattern=${wait_for#file:}
        i=0
        while [ $i -lt 4800 ] && ! ls $pattern >/dev/null 2>&1; do
            sleep 0.05
            i=$((i + 1))
        done
        ls $pattern >/dev/null 2>&1 || note "$pattern never appeared"
    else
        sleep "$wait_for"
    fi
    kill -0 "$pid" 2>/dev/null || note "ended before the signal: the job is too short"
    t0=$(now_ms)
    kill -"$sig" "$pid"
    wait "$pid"
    rc=$?
    ms=$(($(now_ms) - t0))
    echo "        $name: SIG$sig answered in $ms ms"
    [ "$ms" -le "$LIMIT_MS" ] || note "took $ms ms to stop (limit $LIMIT_MS)"
    expect_rc 1
    cmd=$1
    if [ -n "$old" ]; then
        expect_grep err "^som $cmd: interrupted; $out was not written \\(the old one is unchanged\\)(; --resume continues from $out.ckpt)?\$"
        cmp -s "$out" "$old" || note "$out changed"
    else
        expect_grep err "^som $cmd: interrupted; $out was not written\$"
        [ -e "$out" ] && note "$out exists"
    fi
    [ "$(wc -l <"$name.err")" -eq 1 ] || note "more than one line on stderr"
    for t in "$out".tmp.*; do
        [ -e "$t" ] && note "temporary $t left behind"
    done
}

# ---- inputs ----------------------------------------------------------------
# 1,000,000 rows x 10 fields (75 MB as CSV, 40 MB as .npy): 10,000 random
# rows repeated.
awk 'BEGIN { srand(7); for (i = 0; i < 10000; i++) {
    for (j = 0; j < 10; j++) printf "%s%.4f", j ? "," : "", rand() * 20 - 10; print "" } }' >block.csv
{
    echo "a,b,c,d,e,f,g,h,i,j"
    for i in 1 2 3 4 5 6 7 8 9 10; do cat block.csv block.csv block.csv block.csv block.csv \
        block.csv block.csv block.csv block.csv block.csv; done
} >big.csv
{ echo "a,b,c,d,e,f,g,h,i,j"; cat block.csv; } >small.csv
"$SOM" convert big.csv big.npy 2>/dev/null || echo "cannot make big.npy"
"$SOM" train small.csv --grid 40x40 --epochs 1 -o m40.som -q || echo "cannot make m40.som"
head -2001 small.csv >d2k.csv
"$SOM" train d2k.csv --grid 150x150 --epochs 1 --init random -o m150.som -q ||
    echo "cannot make m150.som"
printf 'an older file\n' >old.txt

# ---- reading ---------------------------------------------------------------
for sig in INT TERM; do
    begin "read-pipe-$sig"
    # A writer that keeps the pipe open: the reader blocks in read().
    rm -f fifo
    mkfifo fifo
    (head -1001 small.csv; sleep 20) >fifo 2>/dev/null &
    writer=$!
    cp m40.som model.som
    interrupt $sig 0.5 model.som m40.som train fifo --grid 10x10 -o model.som -q
    kill "$writer" 2>/dev/null
    end
done

begin read-csv-file
cp m40.som model.som
interrupt TERM 0.1 model.som m40.som train big.csv --grid 10x10 -o model.som -q
end

begin convert-csv-npy
interrupt TERM 0.1 out.npy "" convert big.csv out.npy
end

# ---- training ----------------------------------------------------------------
begin batch-pass
# The first pass's checkpoint marks the start of the second pass.
cp m40.som model.som
interrupt TERM file:model.som.ckpt model.som m40.som train big.npy --grid 25x25 --epochs 20 \
    --quality-every 0 --checkpoint-every 1 -o model.som -q
expect_grep err 'resume continues from model.som.ckpt'
rm -f model.som.ckpt
end

begin online-steps
cp m40.som model.som
interrupt INT 1 model.som m40.som train small.csv --grid 30x30 --algorithm online \
    --epochs 100000 -o model.som -q
end

begin pca-init-wide
# 2,000 rows x 6,000 fields (a .npy written directly: random float32 in
# [2^-31, 1)): the PCA start through the rows' Gram matrix takes seconds.
if python3 -c 'import os, sys
n, d = 2000, 6000
head = "{\x27descr\x27: \x27<f4\x27, \x27fortran_order\x27: False, \x27shape\x27: (%d, %d), }" % (n, d)
head += " " * (117 - len(head)) + "\n"
t = bytes((b & 15) | 48 for b in range(256))
with open("wide.npy", "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + bytes([len(head), 0]) + head.encode())
    f.write(os.urandom(n * d * 4).translate(t))' 2>/dev/null; then
    cp m40.som model.som
    interrupt TERM 1 model.som m40.som train wide.npy --grid 10x10 --init pca -o model.som -q
else
    echo "        (skipped: no python3 to write the wide table)"
fi
end

# ---- using models ------------------------------------------------------------
begin map-large-file
cp old.txt out.csv
interrupt TERM 0.7 out.csv old.txt map m40.som big.npy -o out.csv
end

begin predict-large-file
cp old.txt out.csv
interrupt INT 0.7 out.csv old.txt predict m40.som big.npy -o out.csv
end

begin cluster-big-map
cp m150.som c.som
interrupt TERM 0.7 c.som m150.som cluster m150.som --k-range 2:60 --restarts 50 -o c.som
end

if "$SOM" help render >/dev/null 2>&1; then
    begin render-pictures
    cp old.txt p.png
    interrupt TERM 0.5 p.png old.txt render m150.som --size 6000x6000 -o p.png
    end
fi

# ---- saving ------------------------------------------------------------------
# SOM_TEST_SLOW_SAVE holds every commit for that many ms with its temporary
# file in place (a test-only knob): the signal comes during the save.
for sig in INT TERM; do
    begin "save-$sig"
    cp m40.som model.som
    export SOM_TEST_SLOW_SAVE=20000
    interrupt $sig tmp model.som m40.som train small.csv --grid 5x5 --epochs 1 -o model.som -q
    unset SOM_TEST_SLOW_SAVE
    end
done

begin save-new-file
rm -f new.som
export SOM_TEST_SLOW_SAVE=20000
interrupt TERM tmp new.som "" train small.csv --grid 5x5 --epochs 1 -o new.som -q
unset SOM_TEST_SLOW_SAVE
end

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
