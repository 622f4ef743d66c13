#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-layers.sh — the layering rule of src/ (doc/ARCHITECTURE.md, "Layers"):
#
#     core < io < analysis < render < art
#
# each layer calls only the layers below it. Two checks:
#
# 1. #include lines. A .c file of layer L includes public headers of L or
#    lower layers (som.h and libsom's other headers: core..analysis;
#    som_render.h: render; som_art.h: art) and headers of L's own folder:
#    L's internal header, and a header private to the files of one concern
#    split over several files (csv_reader.h). A header of L may include the
#    internal header of the next lower layer (not in render and art, which
#    build on public headers only); L's internal header includes no private
#    header of L. No other quoted include (a header of a higher layer,
#    another layer's header from a .c file) passes; <cairo.h> belongs to
#    render and art. programs/ includes public headers only.
# 2. Symbols (nm over the build's per-layer objects, listed by CMake in
#    BUILD/layers/objects.txt): an object of a layer must not leave undefined
#    a symbol that only a higher layer defines — an upward call, whatever
#    forward declaration hid it from check 1. And an object of the picture
#    library (render, art) must not use a som__ internal of libsom.
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
# The layer of the public headers above libsom (som.h and libsom's other
# public headers serve core, io and analysis alike).
declare -A public_layer=([som_render.h]=render [som_art.h]=art)

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
        is_layer_header=0
        [[ "src/${internal[$layer]}" == "$rel" ]] && is_layer_header=1
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
            if [[ -f $src_root/include/$inc ]]; then
                # A public header: som.h (and any other libsom header) serves
                # core, io and analysis alike.
                owner=${public_layer[$inc]:-core}
                if (($(rank "$owner") > r)); then
                    report "$rel:$lineno: includes $inc, the public header of $owner, above $layer"
                fi
                continue
            fi
            # A header of src/, by its path from src/.
            inc_layer=${inc%%/*}
            if [[ $inc != */* || $(rank "$inc_layer") -lt 0 || ! -f $src_root/src/$inc ]]; then
                report "$rel:$lineno: includes \"$inc\": only public headers and headers of src/LAYER/ (by their path from src/)"
                continue
            fi
            ir=$(rank "$inc_layer")
            if ((ir > r)); then
                report "$rel:$lineno: includes \"$inc\" of $inc_layer, a higher layer than $layer"
            elif ((ir == r)); then
                # Within the layer: the layer's internal header is what the
                # next layer up builds on, so it pulls in no concern header.
                if [[ $is_layer_header == 1 && $inc != "${internal[$layer]}" ]]; then
                    report "$rel:$lineno: the layer's internal header includes \"$inc\", a header private to some files of $layer"
                fi
            elif [[ $is_header == 0 ]]; then
                own="its own layer's headers and public headers"
                [[ -f $src_root/src/${internal[$layer]} ]] || own="public headers only ($layer has no internal header)"
                report "$rel:$lineno: includes \"$inc\" of $inc_layer: a .c file of $layer includes $own"
            elif ((r >= 3)); then
                report "$rel:$lineno: includes \"$inc\" of $inc_layer: the picture library ($layer) builds on public headers only"
            elif [[ $ir != $((r - 1)) || $inc != "${internal[$inc_layer]}" ]]; then
                report "$rel:$lineno: includes \"$inc\": a header of $layer includes only the next lower layer's internal header (${internal[${layers[r - 1]}]})"
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
    # The picture library (render, art) builds on libsom's public API only:
    # no som__ internal of core, io or analysis.
    cat "$tmp/core.def" "$tmp/io.def" "$tmp/analysis.def" 2>/dev/null | grep '^som__' > "$tmp/libsom.internal" || true
    for pic in render art; do
        [[ -f $tmp/$pic.undef ]] || continue
        while IFS=$'\t' read -r sym obj; do
            report "${obj#"$build"/}: $pic uses $sym, an internal of libsom (the picture library sees its public API only)"
        done < <(awk -F'\t' 'FILENAME == ARGV[1] { inner[$1] = 1; next } ($1 in inner)' \
                     "$tmp/libsom.internal" "$tmp/$pic.undef" | sort -u)
    done
fi

if ((fail)); then
    echo "check-layers: FAILED (the rule: doc/ARCHITECTURE.md, \"Layers\")" >&2
    exit 1
fi
echo "check-layers: ok — includes of src/ and programs/ and the per-layer objects follow core < io < analysis < render < art"
