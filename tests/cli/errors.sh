#!/bin/sh
# SPDX-License-Identifier: MIT
# The catalogue of bad inputs, doc/ERRORS.md, run as tests: every entry's
# `make:` lines build its input, its `run:` line runs som, and the exit
# status and the `stderr:` line must be what the entry says. The document is
# the test's only source, so the two cannot drift apart. A web API entry has
# a `serve:` line (som serve is started with it before `run:`, its address
# in $URL, and stopped after) and `stdout:` lines (the JSON error and the
# HTTP status that curl prints), each of which must be a line of the output.
#
#   tests/cli/errors.sh SOM ROOT [--show]
#
# --show prints what each entry actually gives instead of checking it (to
# write a new entry). Each entry runs in its own empty directory holding a
# copy of data/iris.csv; `som` in its lines is the program under test.
set -u
if [ $# -lt 2 ]; then
    echo "usage: $0 SOM ROOT [--show]" >&2
    exit 2
fi
SOM=$1
ROOT=$2
SHOW=0
[ "${3:-}" = "--show" ] && SHOW=1
case $SOM in /*) ;; *) SOM=$(pwd)/$SOM ;; esac
case $ROOT in /*) ;; *) ROOT=$(pwd)/$ROOT ;; esac
DOC=$ROOT/doc/ERRORS.md
WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-errors.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT INT TERM

# The entries as one record per line: number<TAB>field<TAB>value, where
# field is title, make, run, exit or stderr.
awk '
    /^### [0-9]+\. / { n = $2; sub(/\.$/, "", n); t = $0; sub(/^### [0-9]+\. /, "", t);
                       print n "\ttitle\t" t; next }
    n != "" && /^    (make|serve|run|exit|stderr|stdout): / {
        line = $0; sub(/^    /, "", line)
        key = line; sub(/:.*/, "", key)
        val = line; sub(/^[a-z]+: +/, "", val)
        print n "\t" key "\t" val
    }' "$DOC" >"$WORK/entries"

# som in a command line is the program under test.
somify() {
    printf '%s\n' "$1" | sed "s#\\(^\\|[;&|(] *\\)som #\\1\"\$SOM\" #g"
}

# The web entries need som built with its server, and curl.
have_serve=1
"$SOM" serve --help >/dev/null 2>&1 || have_serve=0
command -v curl >/dev/null 2>&1 || have_serve=0

passed=0
failed=0
skipped=0
count=0
check() { # the entry collected so far
    [ -n "$num" ] || return 0
    count=$((count + 1))
    if [ -n "$serve" ] && [ "$have_serve" = 0 ]; then
        skipped=$((skipped + 1))
        return 0
    fi
    dir=$WORK/e$num
    mkdir -p "$dir"
    cp "$ROOT/data/iris.csv" "$dir/"
    (
        cd "$dir" || exit 1
        export SOM
        if [ -n "$make" ]; then
            printf '%s\n' "$make" | while IFS= read -r m; do
                [ -n "$m" ] || continue
                sh -c "$(somify "$m")" >/dev/null 2>&1 || echo "make failed: $m" >>make.err
            done
        fi
        spid=
        if [ -n "$serve" ]; then
            sh -c "exec $(somify "$serve")" >serve.out 2>serve.err &
            spid=$!
            i=0
            while [ ! -s serve.out ] && [ $i -lt 200 ] && kill -0 "$spid" 2>/dev/null; do
                sleep 0.05
                i=$((i + 1))
            done
            URL=$(head -n 1 serve.out)
            export URL
        fi
        sh -c "$(somify "$run")" >out.txt 2>err.txt
        echo $? >rc.txt
        if [ -n "$spid" ]; then
            kill -TERM "$spid" 2>/dev/null
            wait "$spid" 2>/dev/null
        fi
    )
    rc=$(cat "$dir/rc.txt")
    if [ "$SHOW" = 1 ]; then
        printf '### %s. %s\n    exit:   %s\n    stderr: %s\n' "$num" "$title" "$rc" \
            "$(head -n 1 "$dir/err.txt")"
        sed 's/^/    stdout: /' "$dir/out.txt"
        echo
        return 0
    fi
    bad=
    [ -s "$dir/make.err" ] && bad="$bad; $(cat "$dir/make.err")"
    [ "$rc" = "$want_rc" ] || bad="$bad; exit status $rc, expected $want_rc"
    if [ -n "$want_err" ] && ! grep -qxF -- "$want_err" "$dir/err.txt"; then
        bad="$bad; stderr lacks the line '$want_err', has: $(head -n 3 "$dir/err.txt")"
    fi
    if [ -z "$want_err" ] && [ -z "$want_out" ]; then
        bad="$bad; the entry names no stderr: or stdout: line"
    fi
    if [ -n "$want_out" ]; then
        printf '%s' "$want_out" | while IFS= read -r line; do
            grep -qxF -- "$line" "$dir/out.txt" || echo "stdout lacks the line '$line'"
        done >"$dir/out.bad"
        [ -s "$dir/out.bad" ] && bad="$bad; $(cat "$dir/out.bad"), has: $(head -n 3 "$dir/out.txt")"
    fi
    if [ -n "$bad" ]; then
        echo "FAIL $num. $title$bad"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
}

num=
tab=$(printf '\t')
while IFS="$tab" read -r n key val; do
    if [ "$n" != "$num" ]; then
        check
        num=$n title= make= serve= run= want_rc= want_err= want_out=
    fi
    case $key in
        title) title=$val ;;
        make) make="$make$val
" ;;
        serve) serve=$val ;;
        run) run=$val ;;
        stdout) want_out="$want_out$val
" ;;
        exit) want_rc=$val ;;
        stderr) want_err=$val ;;
    esac
done <"$WORK/entries"
check

[ "$SHOW" = 1 ] && exit 0
echo "errors.sh: $passed of $count entries of doc/ERRORS.md pass"
[ "$skipped" -eq 0 ] || echo "errors.sh: $skipped web entries skipped (no som serve, or no curl)"
[ "$count" -ge 40 ] || { echo "errors.sh: fewer than 40 entries"; exit 1; }
[ "$failed" -eq 0 ]
