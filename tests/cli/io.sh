#!/bin/sh
# SPDX-License-Identifier: MIT
# Where outputs go and how inputs are read (issue 20, items 1, 5, 7, 9):
#   outputs — a FIFO receives the data and stays a FIFO; a device node is
#   written in place, never replaced; a replaced file keeps its mode (and,
#   as root, its owner); a directory or a socket is refused; -o - and
#   /dev/stdout write standard output; a model is refused to a terminal; a
#   full disk is named once, with its reason;
#   inputs — `som info -` and `som map M -` on an endless stream of zeros
#   stop after the first bytes with a clear message and little memory; an
#   endless valid stream stops at --max-input.
#
#   tests/cli/io.sh SOM ROOT [devices]
#
# "devices" runs only the cases that need device nodes made with mknod
# (root): exit 77 (skipped) when they cannot be made. They never touch the
# system's /dev: a regression that replaced the node replaces a copy.
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 SOM ROOT [devices]" >&2
    exit 2
fi
SOM=$1
ROOT=$2
PART=${3:-main}
case $SOM in /*) ;; *) SOM=$(pwd)/$SOM ;; esac
case $ROOT in /*) ;; *) ROOT=$(pwd)/$ROOT ;; esac
IRIS=$ROOT/data/iris.csv
PY=/usr/bin/python3

WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-io.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM
cd "$WORK" || exit 1
# shellcheck source=tests/cli/harness.sh
. "$ROOT/tests/cli/harness.sh"

expect_lines() { # STREAM N: NAME.STREAM has exactly N lines
    n=$(wc -l <"$name.$1")
    [ "$n" -eq "$2" ] || note "$1 has $n lines, expected $2"
}
mode_of() { stat -c %a "$1"; }
expect_no_grep() {
    if grep -Eq -- "$2" "$name.$1"; then note "$1 has a line matching /$2/"; fi
}

"$SOM" train "$IRIS" -o m.som --grid 4x4 --epochs 3 -q || { echo "cannot train"; exit 1; }
"$SOM" map m.som "$IRIS" >map.csv || { echo "cannot map"; exit 1; }

# ---- device nodes (root) ----------------------------------------------------------

if [ "$PART" = devices ]; then
    if [ "$(id -u)" != 0 ] || ! mknod null c 1 3 2>/dev/null || ! mknod full c 1 7 2>/dev/null; then
        echo "skipped: device nodes need root and mknod (uid $(id -u))"
        exit 77
    fi
    chmod 666 null full

    for cmd in "train $IRIS -o null --grid 3x3 --epochs 2 -q" "map m.som $IRIS -o null" \
               "cluster m.som -o null -k 2 -q"; do
        begin "devnull-${cmd%% *}"
        # shellcheck disable=SC2086 # words wanted
        run $cmd
        expect_rc 0
        [ -c null ] || note "null is no longer a character device: $(ls -l null)"
        [ "$(stat -c %t:%T null)" = 1:3 ] || note "null is not device 1,3 any more"
        expect_no_file null.tmp
        end
    done

    begin devfull-map
    run map m.som "$IRIS" -o full
    expect_rc 1
    expect_grep err "^som: full: cannot write: No space left on device$"
    expect_lines err 1
    [ -c full ] || note "full is no longer a character device"
    end

    begin devfull-train
    run train "$IRIS" -o full --grid 3x3 --epochs 2 -q
    expect_rc 1
    expect_grep err "^som: full: cannot write: No space left on device$"
    [ -c full ] || note "full is no longer a character device"
    end

    # Root may keep a replaced file's owner.
    begin owner-kept
    cp m.som owned.som
    chown 4321:4321 owned.som
    chmod 640 owned.som
    run train "$IRIS" -o owned.som --grid 3x3 --epochs 2 -q
    expect_rc 0
    [ "$(stat -c %u:%g owned.som)" = 4321:4321 ] || note "owner now $(stat -c %u:%g owned.som)"
    [ "$(mode_of owned.som)" = 640 ] || note "mode now $(mode_of owned.som), expected 640"
    end

    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
fi

# ---- outputs ----------------------------------------------------------------------

begin fifo-map
mkfifo out.fifo
timeout 20 cat out.fifo >fifo.got &
reader=$!
run_sh "timeout 30 '$SOM' map m.som '$IRIS' -o out.fifo"
wait $reader
expect_rc 0
[ -p out.fifo ] || note "out.fifo is no longer a FIFO: $(ls -l out.fifo)"
cmp -s fifo.got map.csv || note "the FIFO's reader got other bytes than som map's stdout"
end

begin fifo-train
"$SOM" train "$IRIS" -o ref.som --grid 3x3 --epochs 2 -q
timeout 20 cat out.fifo >fifo.som &
reader=$!
run_sh "timeout 30 '$SOM' train '$IRIS' -o out.fifo --grid 3x3 --epochs 2 -q"
wait $reader
expect_rc 0
[ -p out.fifo ] || note "out.fifo is no longer a FIFO"
cmp -s fifo.som ref.som || note "the model through the FIFO differs from the one in a file"
end

begin mode-0600-kept
cp m.som priv.som
chmod 600 priv.som
run train "$IRIS" -o priv.som --grid 3x3 --epochs 2 -q
expect_rc 0
[ "$(mode_of priv.som)" = 600 ] || note "priv.som is now $(mode_of priv.som), expected 600"
cmp -s priv.som ref.som || note "priv.som was not rewritten"
end

begin mode-new-umask
run_sh "umask 077 && '$SOM' map m.som '$IRIS' -o new077.csv && umask 022 && '$SOM' map m.som '$IRIS' -o new022.csv"
expect_rc 0
[ "$(mode_of new077.csv)" = 600 ] || note "new077.csv is $(mode_of new077.csv), expected 600"
[ "$(mode_of new022.csv)" = 644 ] || note "new022.csv is $(mode_of new022.csv), expected 644"
end

# Today's rule, kept: a link is replaced by the new file, its target left alone.
begin symlink-replaced
cp m.som target.som
ln -s target.som link.som
run train "$IRIS" -o link.som --grid 3x3 --epochs 2 -q
expect_rc 0
[ -L link.som ] && note "link.som is still a link"
cmp -s link.som ref.som || note "link.som is not the new model"
cmp -s target.som m.som || note "the link's target changed"
end

begin refuse-directory
mkdir dir.som
run train "$IRIS" -o dir.som --grid 3x3 --epochs 2 -q
expect_rc 1
expect_grep err "^som: dir.som: cannot write: it is a directory; give a file name$"
[ -d dir.som ] || note "dir.som is no longer a directory"
end

begin refuse-socket
if "$PY" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' sock 2>/dev/null; then
    run map m.som "$IRIS" -o sock
    expect_rc 1
    expect_grep err "^som: sock: cannot write: it is a socket; outputs go to files, FIFOs and character devices$"
    [ -S sock ] || note "sock is no longer a socket"
else
    note "cannot make a socket with $PY"
fi
end

begin stdout-dash
run_sh "'$SOM' train '$IRIS' -o - --grid 3x3 --epochs 2 -q >dash.som"
expect_rc 0
cmp -s dash.som ref.som || note "-o - gave other bytes than a file"
end

# /dev/fd/1 and /dev/stdout write through the descriptor: what the shell
# put there first stays first (reopening the name would overwrite it). As
# root, /dev/stdout is left out: a regression would replace the system's
# /dev/stdout link (the old writer did, through a temporary in /dev),
# while nobody can create files in /dev/fd.
begin stdout-named
stdout_name=/dev/stdout
[ "$(id -u)" = 0 ] && stdout_name=/proc/self/fd/1
run_sh "(echo first; '$SOM' map m.som '$IRIS' -o $stdout_name; '$SOM' map m.som '$IRIS' -o /dev/fd/1) >named.txt"
expect_rc 0
[ "$(head -1 named.txt)" = first ] || note "the line before som's output was overwritten"
n=$(wc -l <named.txt)
[ "$n" -eq 303 ] || note "named.txt has $n lines, expected 1 + 2 x 151"
end

begin refuse-model-to-terminal
if command -v script >/dev/null 2>&1; then
    run_sh "script -qec \"'$SOM' train '$IRIS' -o - --grid 3x3 --epochs 2 -q\" /dev/null"
    expect_rc 2
    expect_grep out "som train: standard output is a terminal: a model is binary"
else
    note "no 'script' (bsdutils) to make a terminal"
fi
end

# A full disk: the reason, once. Without root, /dev/full cannot be
# replaced by anyone, so it is safe to name; as root the devices part
# uses a copy of the node.
begin stdout-full
run_sh "'$SOM' map m.som '$IRIS' >/dev/full"
expect_rc 1
expect_grep err "^som: cannot write to standard output: No space left on device$"
expect_lines err 1
end

begin stdout-full-info
run_sh "'$SOM' info m.som >/dev/full"
expect_rc 1
expect_grep err "^som: cannot write to standard output: No space left on device$"
expect_lines err 1
end

if [ "$(id -u)" != 0 ]; then
    begin file-full
    run map m.som "$IRIS" -o /dev/full
    expect_rc 1
    expect_grep err "^som: /dev/full: cannot write: No space left on device$"
    end
fi

begin proc-version
run map m.som "$IRIS" -o /proc/version
expect_rc 1
expect_grep err "^som: /proc/version: cannot write: no new file can be created in '/proc'"
end

# ---- inputs -------------------------------------------------------------------------

# feed KIND CMD: runs CMD with a stream of zeros (or of "1,2,3,4" lines
# with KIND=csv) on stdin; NAME.fed is how many bytes CMD took before it
# closed the pipe. The stream ends after 256 MB, so that a reader that
# does not stop fails the check without taking the machine's memory.
cat >feed.py <<'EOF'
import os, sys
block = b"1,2,3,4\n" * 8192 if sys.argv[1] == "csv" else bytes(65536)
n = 0
try:
    while n < 256 << 20:
        n += os.write(1, block)
except BrokenPipeError:
    pass
finally:
    with open(sys.argv[2], "w") as f:
        f.write(str(n))
EOF
feed() {
    kind=$1
    shift
    if [ -x /usr/bin/time ] && ! ldd "$SOM" 2>/dev/null | grep -q 'libasan\|libtsan'; then
        timed="/usr/bin/time -f %M -o $name.rss"
    else
        timed=
    fi
    run_sh "$PY feed.py $kind $name.fed | timeout 30 $timed $*"
}
expect_fed_at_most() { # BYTES
    got=$(cat "$name.fed" 2>/dev/null || echo '?')
    [ "$got" != '?' ] && [ "$got" -le "$1" ] || note "read $got bytes of the stream, expected at most $1"
    if [ -s "$name.rss" ]; then
        rss=$(tail -1 "$name.rss")
        [ "$rss" -le 102400 ] || note "peak memory $rss KB, expected under 100 MB"
    fi
}

begin info-zeros
feed zeros "'$SOM' info -"
expect_rc 1
expect_grep err "^som: <stdin>: cannot tell the format: not a .som model"
expect_fed_at_most 4194304
end

begin info-devstdin-zeros
feed zeros "'$SOM' info /dev/stdin"
expect_rc 1
expect_grep err "^som: /dev/stdin: cannot tell the format"
expect_fed_at_most 4194304
end

begin map-zeros
feed zeros "'$SOM' map m.som -"
expect_rc 1
expect_grep err "^som: <stdin>:1:1: expected text, got a NUL byte \(is this a binary file\?\)$"
expect_empty out
expect_fed_at_most 4194304
end

begin map-model-zeros
feed zeros "'$SOM' map - '$IRIS'"
expect_rc 1
expect_grep err "^som: <stdin>: cannot tell the format"
expect_fed_at_most 4194304
end

# A .som stream: the magic, the version and each chunk header as they come.
begin info-som-then-zeros
run_sh "(head -c 20 m.som; head -c 10000000 /dev/zero) | '$SOM' info -"
expect_rc 1
expect_grep err "^som: <stdin>: chunk at byte 56 has an invalid tag '.x00.x00.x00.x00' \(tags are four ASCII letters\)$"
end

begin map-limit
feed csv "'$SOM' map m.som - --no-header --max-input 1M"
expect_rc 1
expect_grep err "^som: <stdin>: the input is larger than the input limit of 1 MiB \(som's --max-input\); stopped reading$"
expect_fed_at_most 4194304
end

begin info-limit
run_sh "cat m.som | '$SOM' info - --max-input 100"
expect_rc 1
expect_grep err "input limit of 100 bytes"
end

begin max-input-bad
run info m.som --max-input 12Q
expect_rc 2
expect_grep err "^som info: --max-input: expected a size in bytes such as 512M or 8G, got '12Q'$"
end

begin streams-still-read
run_sh "cat m.som | '$SOM' info - --max-input 64K && cat '$IRIS' | '$SOM' map m.som - --max-input 64K >stream.csv"
expect_rc 0
expect_grep out "^grid +4x4 rect"
cmp -s stream.csv map.csv || note "map of a piped CSV differs from map of the file"
end

begin npy-fifo-zeros
mkfifo zeros.npy
head -c 10000000 /dev/zero >zeros.npy &
run_sh "timeout 30 '$SOM' map m.som zeros.npy"
kill $! 2>/dev/null
wait 2>/dev/null
expect_rc 1
expect_grep err "^som: zeros.npy: expected a NumPy .npy file"
end

# ---- messages ---------------------------------------------------------------------------

begin one-column-grid
printf 'a\n1\n2\n3\n4\n5\n' >onecol.csv
run train onecol.csv -o one.som
expect_rc 0
expect_grep err "^grid +1x11, chosen from the data: about 5 sqrt\(5\) units, in one line, as the data varies along at most one direction$"
expect_no_grep err "inf"
end

begin one-row-grid
printf 'a,b,c\n1,2,3\n' >onerow.csv
run train onerow.csv -o row.som
expect_rc 0
expect_grep err "in one line, as there is a single row$"
end

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
