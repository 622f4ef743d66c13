#!/bin/sh
# SPDX-License-Identifier: MIT
# The manual page, doc/som.1 (roff, rendered from doc/som.1.md by `make man`
# and installed as man1/som.1), checked against the program:
#  - doc/som.1 was rendered from the doc/som.1.md in the tree (the sha256 in
#    its first line), so an edit of the Markdown cannot go unrendered;
#  - every command that `som help` lists has its section (`som CMD`) and a
#    SYNOPSIS line;
#  - every option that `som help CMD` lists appears in that command's
#    section, or (the options that read DATA) in DATA FILES, or (-h,
#    --help) under 'som help';
#  - where man(1) is installed, `man -l` renders the page without a warning.
#
#   tests/cli/man.sh SOM ROOT
set -u
if [ $# -ne 2 ]; then
    echo "usage: $0 SOM ROOT" >&2
    exit 2
fi
SOM=$1
ROOT=$2
PAGE=$ROOT/doc/som.1
SRC=$ROOT/doc/som.1.md
WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-man.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT INT TERM
failed=0
fail() {
    echo "FAIL: $*"
    failed=$((failed + 1))
}

if [ ! -f "$PAGE" ]; then
    echo "FAIL: $PAGE is missing (make man renders it from $SRC)"
    exit 1
fi
want=$(sha256sum "$SRC" | cut -d' ' -f1)
have=$(sed -n '1s/.*(sha256 \([0-9a-f]*\)).*/\1/p' "$PAGE")
[ "$have" = "$want" ] ||
    fail "doc/som.1 was not rendered from this doc/som.1.md: run 'make man' and commit doc/som.1"

# The page as plain words: font changes and escapes removed, \- as -.
sed -e 's/\\f\[[A-Z]*\]//g' -e 's/\\f[BIRPV]//g' -e 's/\\-/-/g' -e 's/\\&//g' \
    -e 's/\\\[.*\]//g' "$PAGE" >"$WORK/page"
# section TITLE: the lines of the .SH or .SS section TITLE.
section() {
    awk -v t="$1" '/^\.S[HS] / { on = (substr($0, 5) == t || substr($0, 5) == "\"" t "\"") ; next }
                   on' "$WORK/page"
}
# has FILE OPTION: OPTION appears in FILE as a whole word (--header is not
# found in --no-header).
has() {
    grep -Eq -- "(^|[^A-Za-z0-9-])$2([^A-Za-z0-9-]|\$)" "$1"
}

"$SOM" help >"$WORK/help" 2>&1 || fail "som help: exit status $?"
commands=$(awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
                on && /^  [a-z]/ { print $1 }' "$WORK/help")
[ -n "$commands" ] || fail "som help lists no commands"
section SYNOPSIS >"$WORK/synopsis"
# Options common to several commands are described once: those that read
# DATA under DATA FILES, -h and --help under 'som help'.
{ section "DATA FILES"; section "som help"; } >"$WORK/common"
n_opts=0
for cmd in $commands; do
    section "som $cmd" >"$WORK/sec"
    [ -s "$WORK/sec" ] || { fail "no section 'som $cmd' under COMMANDS"; continue; }
    grep -q "^som $cmd\\b" "$WORK/synopsis" || fail "SYNOPSIS has no 'som $cmd' line"
    [ "$cmd" = help ] && continue
    "$SOM" help "$cmd" >"$WORK/cmd" 2>&1 || fail "som help $cmd: exit status $?"
    # Option lines: indented by 2 to 6 spaces (deeper ones continue a
    # description), then -x, --long or both.
    opts=$(grep -E '^ {2,6}-' "$WORK/cmd" | sed -E 's/^ +//; s/(-[A-Za-z0-9]), /\1 /' |
        awk '{ print $1; if ($2 ~ /^--/) print $2 }')
    for o in $opts; do
        n_opts=$((n_opts + 1))
        has "$WORK/sec" "$o" || has "$WORK/common" "$o" ||
            fail "som $cmd $o (in 'som help $cmd') is not in the page's 'som $cmd' section"
    done
done

if command -v man >/dev/null 2>&1; then
    MANWIDTH=80 man -l "$PAGE" >"$WORK/rendered" 2>"$WORK/warnings" || fail "man -l $PAGE: exit status $?"
    [ -s "$WORK/warnings" ] && fail "man -l $PAGE warns: $(head -3 "$WORK/warnings")"
    grep -q '^NAME' "$WORK/rendered" || fail "man -l $PAGE: no NAME section"
else
    echo "note: man is not installed; the rendering is not checked"
fi

echo "$(echo $commands | wc -w) commands, $n_opts options checked; $failed failed"
[ "$failed" -eq 0 ]
