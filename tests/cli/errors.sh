#!/bin/sh
# SPDX-License-Identifier: MIT
# The catalogue of bad inputs, doc/ERRORS.md, run as tests: every entry's
# `make:` lines build its input, its `run:` line runs som, and the exit
# status and the `stderr:` line must be what the entry says. The document is
# the test's only source, so the two cannot drift apart.
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
    n != "" && /^    (make|run|exit|stderr): / {
        line = $0; sub(/^    /, "", line)
        key = line; sub(/:.*/, "", key)
        val = line; sub(/^[a-z]+: +/, "", val)
        print n "\t" key "\t" val
    }' "$DOC" >"$WORK/entries"

# som in a command line is the program under test.
somify() {
    printf '%s\n' "$1" | sed "s#\\(^\\|[;&|(] *\\)som #\\1\"\$SOM\" #g"
}

passed=0
failed=0
count=0
check() { # the entry collected so far
    [ -n "$num" ] || return 0
    count=$((count + 1))
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
        sh -c "$(somify "$run")" >out.txt 2>err.txt
        echo $? >rc.txt
    )
    rc=$(cat "$dir/rc.txt")
    if [ "$SHOW" = 1 ]; then
        printf '### %s. %s\n    exit:   %s\n    stderr: %s\n\n' "$num" "$title" "$rc" \
            "$(head -n 1 "$dir/err.txt")"
        return 0
    fi
    bad=
    [ -s "$dir/make.err" ] && bad="$bad; $(cat "$dir/make.err")"
    [ "$rc" = "$want_rc" ] || bad="$bad; exit status $rc, expected $want_rc"
    if ! grep -qxF -- "$want_err" "$dir/err.txt"; then
        bad="$bad; stderr lacks the line '$want_err', has: $(head -n 3 "$dir/err.txt")"
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
        num=$n title= make= run= want_rc= want_err=
    fi
    case $key in
        title) title=$val ;;
        make) make="$make$val
" ;;
        run) run=$val ;;
        exit) want_rc=$val ;;
        stderr) want_err=$val ;;
    esac
done <"$WORK/entries"
check

[ "$SHOW" = 1 ] && exit 0
echo "errors.sh: $passed of $count entries of doc/ERRORS.md pass"
[ "$count" -ge 40 ] || { echo "errors.sh: fewer than 40 entries"; exit 1; }
[ "$failed" -eq 0 ]
