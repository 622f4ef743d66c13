/* SPDX-License-Identifier: MIT */
/* load_any.c — choosing a model or data format by a file's name (and, for
 * models with an unknown name, by its first bytes), and the helpers every
 * interchange reader and writer shares (io.h). */
#include "io/io.h"
#include "io/json_model.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

/* ---- reading -------------------------------------------------------------- */

static ssize_t gz_read(void *ctx, void *buf, size_t n, const char **why)
{
    gzFile gz = ctx;
    int k = gzread(gz, buf, (unsigned)(n > (1u << 30) ? (1u << 30) : n));
    if (k < 0) {
        int zerr;
        const char *msg = gzerror(gz, &zerr);
        if (zerr != Z_ERRNO) *why = msg;
    }
    return k;
}

int som__slurp(const char *path, const som__input_check *check, char **buf, size_t *len,
               som_error *err)
{
    *buf = NULL;
    *len = 0;
    bool is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    int fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return som__error_at(err, SOM_EIO, name, 0, 0, "cannot open: %s", strerror(errno));
    /* A plain regular file has its size; a compressed one's inflated size
     * is known only at its end, so it is checked as it arrives. */
    uint64_t size = som__fd_size(fd);
    unsigned char magic[2];
    if (size != SOM__SIZE_UNKNOWN && pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f &&
        magic[1] == 0x8b)
        size = SOM__SIZE_UNKNOWN;
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        return som__error_oom(err);
    }
    som__source src = {gz_read, gz, size};
    unsigned char *b;
    int rc = som__read_all(&src, name, check, &b, len, err);
    gzclose(gz);
    if (rc == SOM_OK) *buf = (char *)b;
    return rc;
}

int som__read_path(const char *path, som__mem_reader fn, const som__input_check *check,
                   void *out, som_error *err)
{
    if (!path) return som__error(err, SOM_EINVAL, "no input file name given");
    char *buf;
    size_t len;
    int rc = som__slurp(path, check, &buf, &len, err);
    if (rc) return rc;
    rc = fn(buf, len, strcmp(path, "-") ? path : "<stdin>", out, err);
    som__free(buf);
    return rc;
}

int som__read_text_path(const char *path, som__mem_reader fn, void *out, som_error *err)
{
    size_t seen = 0;
    som__input_check text = {som__check_text, &seen};
    return som__read_path(path, fn, &text, out, err);
}

void som__text_init(som__text *t, const char *buf, size_t len, const char *name)
{
    t->p = buf;
    t->end = buf + len;
    t->name = name;
    t->line = 0;
}

bool som__text_next(som__text *t, const char **s, size_t *len)
{
    if (t->p >= t->end) return false;
    const char *nl = memchr(t->p, '\n', (size_t)(t->end - t->p));
    const char *stop = nl ? nl : t->end;
    *s = t->p;
    *len = (size_t)(stop - t->p);
    if (*len > 0 && (*s)[*len - 1] == '\r') (*len)--;
    t->p = nl ? nl + 1 : t->end;
    t->line++;
    return true;
}

bool som__next_tok(const char *line, size_t len, size_t *pos, bool tabs_only, som__tok *tok)
{
    size_t i = *pos;
    if (tabs_only) {
        if (i > len) return false;
        size_t j = i;
        while (j < len && line[j] != '\t') j++;
        /* Spaces around a tab-separated field are not part of it. */
        size_t a = i, b = j;
        while (a < b && line[a] == ' ') a++;
        while (b > a && line[b - 1] == ' ') b--;
        tok->s = line + a;
        tok->len = b - a;
        tok->col = a + 1;
        *pos = j + 1;
        return true;
    }
    while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
    if (i >= len) {
        *pos = len;
        return false;
    }
    size_t j = i;
    while (j < len && line[j] != ' ' && line[j] != '\t') j++;
    tok->s = line + i;
    tok->len = j - i;
    tok->col = i + 1;
    *pos = j;
    return true;
}

bool som__tok_is(const som__tok *tok, const char *word)
{
    size_t n = strlen(word);
    return tok->len == n && memcmp(tok->s, word, n) == 0;
}

/* Numbers are short; a token too long for the buffer is no number. */
static bool copy_token(const char *s, size_t len, char *buf, size_t size)
{
    if (len == 0 || len >= size) return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return true;
}

bool som__parse_float(locale_t loc, const char *s, size_t len, float *out)
{
    char buf[128], *end;
    if (!copy_token(s, len, buf, sizeof buf)) return false;
    errno = 0;
    float v = strtof_l(buf, &end, loc);
    if (*end != '\0' || !isfinite(v)) return false;
    *out = v;
    return true;
}

bool som__parse_double(locale_t loc, const char *s, size_t len, double *out)
{
    char buf[128], *end;
    if (!copy_token(s, len, buf, sizeof buf)) return false;
    double v = strtod_l(buf, &end, loc);
    if (*end != '\0' || !isfinite(v)) return false;
    *out = v;
    return true;
}

bool som__parse_size(const char *s, size_t len, size_t *out)
{
    if (len == 0 || len > 19) return false;
    size_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (size_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

/* ---- writing ------------------------------------------------------------------ */

int som__textout_open(som__textout *t, const char *path, som_error *err)
{
    memset(t, 0, sizeof *t);
    t->loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (t->loc == (locale_t)0) return som__error_oom(err);
    int rc = som_outfile_open(path, &t->of, err);
    if (rc != SOM_OK) {
        freelocale(t->loc);
        return rc;
    }
    t->f = som_outfile_stream(t->of);
    /* printf follows LC_NUMERIC: switch this thread to "C" so that a
     * decimal comma never reaches the file. */
    t->old = uselocale(t->loc);
    return SOM_OK;
}

int som__textout_close(som__textout *t, const char *path, som_error *err)
{
    uselocale(t->old);
    freelocale(t->loc);
    (void)path;
    return som_outfile_commit(t->of, err); /* which reports a failed write */
}

void som__textout_abort(som__textout *t)
{
    uselocale(t->old);
    freelocale(t->loc);
    som_outfile_abort(t->of);
}

bool som__has_suffix(const char *path, const char *suffix)
{
    size_t n = strlen(path), k = strlen(suffix);
    return n >= k && strcasecmp(path + n - k, suffix) == 0;
}

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
