#!/bin/sh
# Renders doc/som.1.md (the manual page in Markdown) to doc/som.1 (roff),
# which the repository keeps so that building and installing never need a
# Markdown tool. Run by `make man` (which installs pandoc first) whenever
# doc/som.1.md changes; tests/cli/man.sh fails while doc/som.1 is stale.
#
#   scripts/gen-man.sh
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if ! command -v pandoc >/dev/null 2>&1; then
    echo "gen-man: pandoc is missing (scripts/setup-deps.sh --man installs it)" >&2
    exit 1
fi
src=doc/som.1.md
version=$(sed -n 's/^project(som VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
# The first line of som.1.md is the page's name and one-line summary, in
# the form ronn uses ("som(1) -- summary", underlined with "="); it becomes
# the NAME section that man and apropos read.
summary=$(sed -n '1s/^som(1) -- //p' "$src")
if [ -z "$summary" ] || ! sed -n 2p "$src" | grep -q '^==*$'; then
    echo "gen-man: $src:1: expected 'som(1) -- SUMMARY' underlined with '='" >&2
    exit 1
fi
hash=$(sha256sum "$src" | cut -d' ' -f1)
tmp=doc/som.1.tmp
trap 'rm -f "$tmp"' EXIT
{
    # tests/cli/man.sh compares this hash with doc/som.1.md's.
    printf '.\\" Generated from doc/som.1.md (sha256 %s) by scripts/gen-man.sh; do not edit.\n' "$hash"
    {
        printf 'NAME\n----\n\nsom - %s\n\n' "$summary"
        tail -n +3 "$src"
    } | pandoc -f markdown -t man --standalone --wrap=preserve \
        --shift-heading-level-by=-1 -M title=SOM -M section=1 \
        -M footer="som $version" -M header="som manual"
} >"$tmp"
mv "$tmp" doc/som.1
echo "gen-man: wrote doc/som.1" >&2
