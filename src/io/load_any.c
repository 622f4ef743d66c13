/* SPDX-License-Identifier: MIT */
/* load_any.c — choosing a model or data format by a file's name (and, for
 * models with an unknown name, by its first bytes). The helpers every
 * interchange reader and writer shares are in interchange.c. */
#include "io/io.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

/* ---- choosing a format ------------------------------------------------------------ */

/* The first line of text that is neither blank nor a '#' comment. */
static void first_content(const char *buf, size_t len, const char **s, size_t *slen)
{
    som__text t;
    som__text_init(&t, buf, len, "");
    *s = NULL;
    *slen = 0;
    while (som__text_next(&t, s, slen)) {
        size_t pos = 0;
        som__tok tok;
        if (som__next_tok(*s, *slen, &pos, false, &tok) && tok.s[0] != '#') return;
    }
    *s = NULL;
}

/* The formats a model whose name says nothing may be in. */
typedef enum {
    SNIFF_MORE, SNIFF_SOM, SNIFF_WTS, SNIFF_COD, SNIFF_SOMNET, SNIFF_JSON, SNIFF_NONE
} sniff_kind;

/* Which format `buf` is in: the native magic, an ESOM '%' header, a SOM_PAK
 * codebook header ("dim rect|hexa ..."), a JSON model ('{' first), or else a .somnet (which has no
 * magic; its reader checks the header's plausibility). `whole`: buf is the
 * whole input; otherwise it is what a stream has given so far, and the
 * answer may be SNIFF_MORE (too few bytes to tell). */
static sniff_kind sniff(const char *buf, size_t len, bool whole)
{
    if (len >= 4 && memcmp(buf, "\x89SOM", 4) == 0) return SNIFF_SOM;
    if (!whole && len > 0 && (unsigned char)buf[0] == 0x89)
        return SNIFF_SOM; /* the model's own check says what is wrong with the rest */
    bool text = memchr(buf, '\0', len) == NULL;
    if (text) {
        const char *s;
        size_t slen;
        first_content(buf, len, &s, &slen);
        /* A stream's first line counts once it has ended. */
        if (!whole && (!s || s + slen >= buf + len)) return SNIFF_MORE;
        if (s) {
            size_t pos = 0;
            som__tok a, b;
            som__next_tok(s, slen, &pos, false, &a);
            if (a.s[0] == '%') return SNIFF_WTS;
            if (a.s[0] == '{') return SNIFF_JSON;
            if (som__next_tok(s, slen, &pos, false, &b) &&
                (som__tok_is(&b, "rect") || som__tok_is(&b, "hexa")))
                return SNIFF_COD;
        }
        if (!whole) return SNIFF_NONE; /* text, and no model format's header */
    }
    if (!whole && len < 8) return SNIFF_MORE;
    /* A .somnet starts with dim + 6 as a double: a whole number >= 7. Bytes
     * that cannot be one (a stream of zeros) are no model at all. */
    double first = 0;
    if (len >= 8) {
        uint64_t u = som__get_u64((const unsigned char *)buf);
        memcpy(&first, &u, sizeof first);
    }
    if (!(first >= 7 && first <= 1e9 && first == floor(first))) return SNIFF_NONE;
    if (!whole) return len >= 40 ? SNIFF_SOMNET : SNIFF_MORE;
    return len % 8 == 0 && len >= 40 ? SNIFF_SOMNET : SNIFF_NONE;
}

static int cannot_tell(const char *name, som_error *err)
{
    return som__error_at(err, SOM_EFORMAT, name, 0, 0,
                         "cannot tell the format: not a .som model, a .somnet network, a "
                         "SOM_PAK codebook, an ESOM .wts file or a JSON model");
}

static int load_sniffed(const char *buf, size_t len, const char *name, som_map **out,
                        som_error *err)
{
    switch (sniff(buf, len, true)) {
    case SNIFF_SOM: return som_map_load_mem(buf, len, name, out, err);
    case SNIFF_WTS: return som_map_load_wts_mem(buf, len, name, out, err);
    case SNIFF_COD: return som_map_load_sompak_mem(buf, len, name, out, err);
    case SNIFF_SOMNET: return som_map_load_somnet_mem(buf, len, name, out, err);
    case SNIFF_JSON: return som__map_read_json_mem(buf, len, name, out, err);
    default: return cannot_tell(name, err);
    }
}

static int json_thunk(const char *b, size_t l, const char *n, void *o, som_error *e)
{
    return som__map_read_json_mem(b, l, n, o, e);
}

static int sniffed_thunk(const char *b, size_t l, const char *n, void *o, som_error *e)
{
    return load_sniffed(b, l, n, o, e);
}

/* A stream of a model whose name says nothing, as it arrives: its format
 * from its first bytes, then that format's own check. */
typedef struct sniff_state {
    sniff_kind kind;
    size_t sub; /* the format check's context */
} sniff_state;

static int check_sniffed(void *ctx, const unsigned char *buf, size_t len, const char *name,
                         som_error *err)
{
    sniff_state *st = ctx;
    if (st->kind == SNIFF_MORE) st->kind = sniff((const char *)buf, len, false);
    switch (st->kind) {
    case SNIFF_MORE: return SOM_OK;
    case SNIFF_SOM: return som__check_model_stream(&st->sub, buf, len, name, err);
    case SNIFF_WTS:
    case SNIFF_COD:
    case SNIFF_JSON: return som__check_text(&st->sub, buf, len, name, err);
    case SNIFF_SOMNET: return som__check_somnet_stream(&st->sub, buf, len, name, err);
    default: return cannot_tell(name, err);
    }
}

int som_map_load_any(const char *path, som_map **out, som_error *err)
{
    if (!out) return som__error(err, SOM_EINVAL, "som_map_load_any: out is NULL");
    *out = NULL;
    if (!path) return som__error(err, SOM_EINVAL, "no input file name given");
    if (som__has_suffix(path, ".som")) return som_map_load(path, out, err);
    if (som__has_suffix(path, ".somnet")) return som_map_load_somnet(path, out, err);
    if (som__has_suffix(path, ".cod") || som__has_suffix(path, ".cod.gz"))
        return som_map_load_sompak(path, out, err);
    if (som__has_suffix(path, ".wts")) return som_map_load_wts(path, out, err);
    if (som__has_suffix(path, ".json"))
        return som__read_text_path(path, json_thunk, out, err);
    /* MQL5's DownloadNet takes the name without ".somnet". */
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strcmp(path, "-") != 0 && !strchr(base, '.') && access(path, F_OK) != 0)
        return som_map_load_somnet(path, out, err);
    sniff_state st = {SNIFF_MORE, 0};
    som__input_check check = {check_sniffed, &st};
    return som__read_path(path, sniffed_thunk, &check, out, err);
}

int som_map_save_any(const som_map *map, const char *path, som_error *err)
{
    if (!map || !path) return som__error(err, SOM_EINVAL, "som_map_save_any: NULL argument");
    if (som__has_suffix(path, ".som")) return som_map_save(map, path, err);
    if (som__has_suffix(path, ".somnet")) return som_map_save_somnet(map, path, 0, 0, err);
    if (som__has_suffix(path, ".cod")) return som_map_save_sompak(map, path, err);
    if (som__has_suffix(path, ".wts")) return som_map_save_wts(map, path, err);
    if (som__has_suffix(path, ".umx")) return som_map_write_umx(map, path, err);
    if (som__has_suffix(path, ".json")) return som_map_write_json(map, path, err);
    return som__error(err, SOM_EINVAL,
                      "%s: cannot tell the format from the name; use .som, .somnet, .cod, "
                      ".wts, .umx or .json",
                      path);
}
