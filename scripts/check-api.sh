#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-api.sh — the public headers' two promises that only a compiler can
# check (som.h, "Stable and experimental"; "Deprecated names"):
#
# 1. The experimental calls are declared only when SOM_EXPERIMENTAL is
#    defined before including som.h: a program using one without it does
#    not compile, with it it does; the stable calls need nothing.
# 2. SOM_WARN_DEPRECATED makes every use of an old name a warning (an error
#    under -Werror) that names its replacement; without it old names
#    compile quietly.
# And every public header compiles on its own, as C11 and as C++.
#
# Usage: scripts/check-api.sh [SOURCE_DIR]   (CC, CXX: the compilers)
# Exit 0 when all hold, 1 with one line per broken promise.
set -euo pipefail
src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cc=${CC:-cc}
cxx=${CXX:-c++}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
flags=(-std=c11 -fsyntax-only -Wall -Werror -Werror=implicit-function-declaration
       -I"$src/include")

# compiles NAME EXPECT(ok|fail) [extra flags...] < source
compiles() {
    local name=$1 expect=$2
    shift 2
    cat >"$tmp/$name.c"
    local got=ok
    "$cc" "${flags[@]}" "$@" "$tmp/$name.c" >"$tmp/$name.log" 2>&1 || got=fail
    if [ "$got" != "$expect" ]; then
        echo "check-api: $name: expected the compile to $( [ "$expect" = ok ] && echo pass || echo fail), it did not:"
        sed 's/^/    /' "$tmp/$name.log" | head -5
        fail=1
    fi
}

stable='#include "som.h"
int main(void) {
    som_error err; som_error_clear(&err);
    som_fit_opts o; som_fit_opts_init(&o);
    som_map *map = NULL; som_data *data = NULL;
    size_t unit; double dist;
    if (som_data_read("x.csv", NULL, &data, &err) == SOM_OK &&
        som_fit(data, &o, 0, "x.csv", &map, NULL, &err) == SOM_OK)
        som_map_bmu_vector(map, som_data_row(data, 0), NULL, &unit, &dist, &err);
    som_map_free(map); som_data_free(data); som_fit_opts_clear(&o);
    return 0;
}'
compiles stable ok <<<"$stable"

# One call of each experimental group; each must be hidden without the macro.
declare -A experimental=(
    [fitter]='som_fitter *f = NULL; (void)som_fitter_new(NULL, NULL, 0, NULL, &f, NULL, NULL);'
    [fit_prepare]='(void)som_fit_prepare(NULL, NULL, NULL, NULL, NULL);'
    [shard]='struct som_shard s = {0}; (void)s; (void)som_map_fit_scaling_ex(NULL, NULL, SOM_SCALE_NONE, NULL, NULL);'
    [npy_rows]='(void)som_data_read_npy_rows("x.npy", 0, 1, NULL, NULL);'
    [allocator]='(void)som_allocator_set(NULL, NULL, NULL, NULL);'
    [input_limit]='som_input_limit_set(0);'
    [realloc]='som_free(som_realloc(NULL, 8));'
)
for name in "${!experimental[@]}"; do
    body="#include \"som.h\"
int main(void) { ${experimental[$name]} return 0; }"
    compiles "hidden_$name" fail <<<"$body"
    compiles "shown_$name" ok -DSOM_EXPERIMENTAL <<<"$body"
done

old='#include "som.h"
int main(void) { size_t u; return som_map_bmu(NULL, NULL, NULL, &u, NULL); }'
compiles deprecated_quiet ok <<<"$old"
compiles deprecated_warned fail -DSOM_WARN_DEPRECATED <<<"$old"
if ! grep -q "som_map_bmu_vector" "$tmp/deprecated_warned.log"; then
    echo "check-api: the deprecation warning does not name the replacement:"
    sed 's/^/    /' "$tmp/deprecated_warned.log" | head -3
    fail=1
fi

# Each public header alone, in C and in C++ (extern "C", no C-only syntax).
for h in "$src"/include/*.h; do
    base=$(basename "$h")
    if [ "$base" = som_json.h ] && ! echo '#include <jansson.h>' |
        "$cc" -x c -fsyntax-only - >/dev/null 2>&1; then
        continue # jansson's headers are not installed here
    fi
    printf '#include "%s"\n#include "%s"\n' "$base" "$base" >"$tmp/alone.c"
    if ! "$cc" "${flags[@]}" -DSOM_EXPERIMENTAL -Wextra "$tmp/alone.c" >"$tmp/alone.log" 2>&1; then
        echo "check-api: $base does not compile on its own as C:"
        sed 's/^/    /' "$tmp/alone.log" | head -5
        fail=1
    fi
    if command -v "$cxx" >/dev/null 2>&1 &&
        ! "$cxx" -x c++ -fsyntax-only -Wall -Werror -DSOM_EXPERIMENTAL -I"$src/include" \
            "$tmp/alone.c" >"$tmp/alone.log" 2>&1; then
        echo "check-api: $base does not compile on its own as C++:"
        sed 's/^/    /' "$tmp/alone.log" | head -5
        fail=1
    fi
done

[ "$fail" = 0 ] && echo "check-api: stable/experimental sections, deprecation warnings and headers: ok"
exit "$fail"
