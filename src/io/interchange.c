/* SPDX-License-Identifier: MIT */
/* interchange.c — what every interchange reader and writer shares (io.h):
 * a whole file read through zlib, text walked line by line and token by
 * token, numbers parsed in the C locale, and text written in the C locale
 * through an atomic som_outfile. */
#include "io/io.h"

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

char *som__with_extension(const char *path, const char *ext)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    bool add = strcmp(path, "-") != 0 && *base && !strchr(base, '.');
    size_t n = strlen(path), k = add ? strlen(ext) : 0;
    char *s = som__malloc(n + k + 1);
    if (!s) return NULL;
    memcpy(s, path, n);
    memcpy(s + n, ext, k);
    s[n + k] = '\0';
    return s;
}

bool som__has_suffix(const char *path, const char *suffix)
{
    size_t n = strlen(path), k = strlen(suffix);
    return n >= k && strcasecmp(path + n - k, suffix) == 0;
}
