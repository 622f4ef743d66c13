#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-layers.sh — the layering rule of src/ (doc/ARCHITECTURE.md, "Layers"):
#
#     core < io < analysis < render < art
#
# each layer calls only the layers below it. Two checks:
#
# 1. #include lines. A .c file of layer L includes public headers of L or
#    lower layers (som.h: core..analysis; som_json.h: io; som_render.h:
#    render; som_art.h: art) and the internal header of L alone. A layer's internal header may
#    include public headers as above and the internal header of the next
#    lower layer. No other quoted include (a header of a higher layer,
#    another layer's internal header, a second header of one's own layer)
#    passes; <cairo.h> belongs to render and art. programs/ includes public
#    headers only.
# 2. Symbols (nm over the build's per-layer objects, listed by CMake in
#    BUILD/layers/objects.txt): an object of a layer must not leave undefined
#    a symbol that only a higher layer defines — an upward call, whatever
#    forward declaration hid it from check 1.
#
# Usage: scripts/check-layers.sh [SOURCE_DIR [BUILD_DIR]]
#   (defaults: the repository this script is in, and SOURCE_DIR/build).
#   Without the object list (no build yet) check 2 is skipped with a note.
# Exit 0 when both pass, 1 with one line per violation (file:line: what).
set -euo pipefail

src_root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
build=${2:-$src_root/build}
[[ -d $build ]] && build=$(cd "$build" && pwd)
layers=(core io analysis render art)
# The internal header of each layer, as a path from src/.
declare -A internal=([core]=core/core.h [io]=io/io.h [analysis]=analysis/analysis.h
                     [render]=render/render_internal.h [art]=art/art_internal.h)
# The public header that each layer's API lives in (som.h serves three).
declare -A public_layer=([som.h]=analysis [som_json.h]=io [som_render.h]=render
                        [som_art.h]=art)

rank() { # rank LAYER -> 0..4
    local i
    for i in "${!layers[@]}"; do [[ ${layers[$i]} == "$1" ]] && { echo "$i"; return; }; done
    echo -1
}

fail=0
report() { echo "check-layers: $*" >&2; fail=1; }

# ---- 1. #include lines --------------------------------------------------------
for layer in "${layers[@]}"; do
    dir=$src_root/src/$layer
    [[ -d $dir ]] || { report "src/$layer: missing layer folder"; continue; }
    r=$(rank "$layer")
    while IFS= read -r -d '' f; do
        rel=${f#"$src_root"/}
        base=${f##*/}
        is_header=0
        [[ $f == *.h ]] && is_header=1
        if [[ $is_header == 1 && "src/${internal[$layer]}" != "$rel" ]]; then
            report "$rel:1: a second internal header in src/$layer (one per layer: src/${internal[$layer]})"
        fi
        lineno=0
        while IFS= read -r line; do
            lineno=$((lineno + 1))
            [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*([\"\<])([^\"\>]+)[\"\>] ]] || continue
            kind=${BASH_REMATCH[1]} inc=${BASH_REMATCH[2]}
            if [[ $kind == '<' ]]; then
                if [[ $inc == cairo.h && $layer != render && $layer != art ]]; then
                    report "$rel:$lineno: <cairo.h> in src/$layer: only render and art draw"
                fi
                continue
            fi
            if [[ -n ${public_layer[$inc]:-} ]]; then
                pr=$(rank "${public_layer[$inc]}")
                # som.h is the API of core, io and analysis alike.
                [[ $inc == som.h ]] && pr=0
                if ((pr > r)); then
                    report "$rel:$lineno: includes $inc, the public header of ${public_layer[$inc]}, above $layer"
                fi
                continue
            fi
            # An internal header, by its path from src/.
            inc_layer=${inc%%/*}
            if [[ $inc != */* || $(rank "$inc_layer") -lt 0 ]]; then
                report "$rel:$lineno: includes \"$inc\": only public headers and src/LAYER/ internal headers (by their path from src/)"
                continue
            fi
            ir=$(rank "$inc_layer")
            if [[ $inc != "${internal[$inc_layer]}" ]]; then
                report "$rel:$lineno: includes \"$inc\", not the internal header of $inc_layer (${internal[$inc_layer]})"
            elif ((ir > r)); then
                report "$rel:$lineno: includes \"$inc\" of $inc_layer, a higher layer than $layer"
            elif [[ $is_header == 0 && $ir != "$r" ]]; then
                own="its layer's internal header (${internal[$layer]}) and public headers"
                [[ -f $src_root/src/${internal[$layer]} ]] || own="public headers only ($layer has no internal header)"
                report "$rel:$lineno: includes \"$inc\", the internal header of $inc_layer: a .c file of $layer includes $own"
            elif [[ $is_header == 1 && $ir != $((r - 1)) ]]; then
                report "$rel:$lineno: includes \"$inc\": an internal header includes only the next lower layer's (${internal[${layers[r - 1]}]:-none})"
            fi
        done < "$f"
    done < <(find "$dir" -maxdepth 1 \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)
done
# Anything under src/ outside the layer folders is outside the rule.
while IFS= read -r -d '' f; do
    report "${f#"$src_root"/}:1: outside the layer folders (src/{$(IFS=,; echo "${layers[*]}")}/)"
done < <(find "$src_root/src" \( -name '*.c' -o -name '*.h' \) -print0 | grep -zvE "/src/($(IFS='|'; echo "${layers[*]}"))/[^/]+$" || true)
# The program is a client of the libraries: public headers only.
if [[ -d $src_root/programs ]]; then
    while IFS= read -r hit; do
        report "$hit: programs/ includes a library-internal header"
    done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"((core|io|analysis|render|art)/|internal\.h|interchange\.h|surface\.h|render_internal\.h)' \
                 "$src_root/programs" --include='*.c' --include='*.h' | sed "s|^$src_root/||" | cut -d: -f1,2 || true)
fi

# ---- 2. symbols: no object leaves undefined what only a higher layer defines ---
list=$build/layers/objects.txt
if [[ ! -r $list ]]; then
    echo "check-layers: $list not found (configure and build first): symbol check skipped" >&2
else
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    # objects.txt: one line per layer, "LAYER;obj1;obj2;..." (CMake's list).
    while IFS=';' read -r layer objs; do
        [[ -n $layer ]] || continue
        : > "$tmp/$layer.def"
        : > "$tmp/$layer.undef"
        IFS=';' read -r -a files <<< "$objs"
        for o in "${files[@]}"; do
            [[ -n $o ]] || continue
            [[ -r $o ]] || { report "${o#"$build"/}: object not built (build before checking)"; continue; }
            nm "$o" | awk -v o="$o" '$1 == "U" { print $2 "\t" o }' >> "$tmp/$layer.undef"
            nm --defined-only "$o" | awk 'NF == 3 && $2 ~ /[A-TV-Z]/ { print $3 }' >> "$tmp/$layer.def"
        done
        sort -u -o "$tmp/$layer.def" "$tmp/$layer.def"
    done < "$list"
    for i in "${!layers[@]}"; do
        low=${layers[$i]}
        [[ -f $tmp/$low.undef ]] || continue
        # What this layer and those below define.
        : > "$tmp/below"
        for ((j = 0; j <= i; j++)); do cat "$tmp/${layers[$j]}.def" 2>/dev/null >> "$tmp/below" || true; done
        sort -u -o "$tmp/below" "$tmp/below"
        for ((j = i + 1; j < ${#layers[@]}; j++)); do
            high=${layers[$j]}
            [[ -f $tmp/$high.def ]] || continue
            # Undefined here, defined above, not defined here or below.
            while IFS=$'\t' read -r sym obj; do
                report "${obj#"$build"/}: $low calls $sym, defined only in $high (a higher layer)"
            done < <(awk -F'\t' 'FILENAME == ARGV[1] { high[$1] = 1; next }
                                  FILENAME == ARGV[2] { below[$1] = 1; next }
                                  ($1 in high) && !($1 in below)' \
                         "$tmp/$high.def" "$tmp/below" "$tmp/$low.undef" | sort -u)
        done
    done
fi

if ((fail)); then
    echo "check-layers: FAILED (the rule: doc/ARCHITECTURE.md, \"Layers\")" >&2
    exit 1
fi
echo "check-layers: ok — includes of src/ and programs/ and the per-layer objects follow core < io < analysis < render < art"
