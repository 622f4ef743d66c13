/* SPDX-License-Identifier: MIT */
/* json_write.c — the one JSON writer (som_json.h): jansson builds and dumps
 * the values; this file adds what jansson leaves open — which digits a
 * number gets, what becomes of bytes that are not UTF-8, and where lines
 * break. */
#include "io/io.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- strings ---------------------------------------------------------------- */

/* The length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c >= 0xe0 && c <= 0xef) len = 3;
    else if (c >= 0xf0 && c <= 0xf4) len = 4;
    else return 0; /* a continuation byte, an overlong lead (c0, c1) or f5..ff */
    if (n < len) return 0;
    for (size_t k = 1; k < len; k++)
        if ((p[k] & 0xc0) != 0x80) return 0;
    if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xf0 && p[1] < 0x90)) return 0; /* overlong */
    if (c == 0xed && p[1] > 0x9f) return 0;                                  /* surrogate */
    if (c == 0xf4 && p[1] > 0x8f) return 0;                                  /* > U+10FFFF */
    return len;
}

int som_json_utf8_valid(const char *s, size_t len, size_t *bad)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t k = utf8_seq(p + i, len - i);
        if (!k) {
            if (bad) *bad = i;
            return 0;
        }
        i += k;
    }
    return 1;
}

json_t *som_json_string(const char *s)
{
    if (!s) s = "";
    size_t n = strlen(s), bad = 0;
    if (som_json_utf8_valid(s, n, &bad)) return json_stringn(s, n);
    /* Each byte that starts no valid sequence becomes U+FFFD (3 bytes). */
    size_t cap;
    if (!som__mul_ok(n, 3, &cap)) return NULL;
    char *t = som__malloc(cap + 1);
    if (!t) return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(p + i, n - i);
        if (k) {
            memcpy(t + o, p + i, k);
            o += k;
            i += k;
        } else {
            memcpy(t + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    json_t *v = json_stringn(t, o);
    som__free(t);
    return v;
}

/* ---- numbers ---------------------------------------------------------------- */

json_t *som_json_number(double v) { return isfinite(v) ? json_real(v) : json_null(); }

json_t *som_json_number9(double v)
{
    if (!isfinite(v)) return json_null();
    /* Printed and read in the same locale, whichever it is. */
    char b[40];
    snprintf(b, sizeof b, "%.9g", v);
    return json_real(strtod(b, NULL));
}

/* %.9g, or the fewest digits beyond 9 that read back as v (17 always do).
 * Values rounded to 9 digits (som_json_number9, float codebooks) thus keep
 * the %.9g text they always had. */
static size_t format_number(double v, char out[40])
{
    if (v == 0 && signbit(v)) {
        memcpy(out, "-0.0", 5);
        return 4;
    }
    for (int p = 9;; p++) {
        int n = snprintf(out, 40, "%.*g", p, v);
        if (p == 17 || strtod(out, NULL) == v) return (size_t)n;
    }
}

/* ---- dumping ---------------------------------------------------------------- */

static void put(som__jw *w, const char *p, size_t n)
{
    if (n && !w->failed && fwrite(p, 1, n, w->f) != n) w->failed = true;
}

static void puts_(som__jw *w, const char *p) { put(w, p, strlen(p)); }

/* jansson hands each number over in one piece (reals with 17 digits, so
 * that they hold the exact double), strings in several; a piece outside a
 * string that starts like a number and has a '.' or an exponent is a real,
 * and is written again with format_number. */
static int dump_piece(const char *buf, size_t size, void *data)
{
    som__jw *w = data;
    if (!w->in_string && size > 0 && size < 64 && (buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9')) &&
        (memchr(buf, '.', size) || memchr(buf, 'e', size) || memchr(buf, 'E', size))) {
        char num[64], txt[40];
        memcpy(num, buf, size);
        num[size] = '\0';
        put(w, txt, format_number(strtod(num, NULL), txt));
        return w->failed ? -1 : 0;
    }
    for (size_t i = 0; i < size; i++) {
        if (w->escaped) w->escaped = false;
        else if (w->in_string && buf[i] == '\\') w->escaped = true;
        else if (buf[i] == '"') w->in_string = !w->in_string;
    }
    put(w, buf, size);
    return w->failed ? -1 : 0;
}

/* v on one line, with the layout's separators; consumed. */
static void dump_inline(som__jw *w, json_t *v)
{
    const size_t flags = JSON_ENCODE_ANY | JSON_REAL_PRECISION(17) |
                         (w->layout == SOM_JSON_COMPACT ? JSON_COMPACT : 0);
    if (!v) w->oom = true;
    else if (json_dump_callback(v, dump_piece, w, flags) != 0 && !w->failed) w->oom = true;
    json_decref(v);
}

static void jw_init(som__jw *w, FILE *f, som_json_layout layout)
{
    memset(w, 0, sizeof *w);
    w->f = f;
    w->layout = layout;
    /* printf and strtod in the C locale, whatever the caller's. */
    w->loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (w->loc == (locale_t)0) w->oom = true;
    else w->old = uselocale(w->loc);
}

static int jw_finish(som__jw *w, som_error *err)
{
    if (w->loc != (locale_t)0) {
        uselocale(w->old);
        freelocale(w->loc);
    }
    if (w->failed || ferror(w->f)) return som__error(err, SOM_EIO, "cannot write the JSON output");
    if (w->oom) return som__error(err, SOM_ENOMEM, "out of memory writing JSON");
    return SOM_OK;
}

void som__jw_begin(som__jw *w, FILE *f, som_json_layout layout)
{
    jw_init(w, f, layout);
    put(w, "{", 1);
}

static void key(som__jw *w, const char *k)
{
    const som_json_layout l = w->layout;
    if (w->members++) put(w, ",", 1);
    puts_(w, l == SOM_JSON_COMPACT ? "\n" : l == SOM_JSON_SPACED ? "\n  " : w->members > 1 ? " " : "");
    dump_inline(w, json_string(k));
    puts_(w, l == SOM_JSON_COMPACT ? ":" : ": ");
}

void som__jw_member(som__jw *w, const char *k, json_t *v)
{
    key(w, k);
    dump_inline(w, v);
}

void som__jw_rows_begin(som__jw *w, const char *k)
{
    key(w, k);
    put(w, "[", 1);
    w->rows = 0;
}

/* Before a row: the separator and, but on one line, a line break. */
static void row_start(som__jw *w)
{
    const som_json_layout l = w->layout;
    if (w->rows++) put(w, ",", 1);
    puts_(w, l == SOM_JSON_COMPACT ? "\n" : l == SOM_JSON_SPACED ? "\n    " : w->rows > 1 ? " " : "");
}

void som__jw_row(som__jw *w, json_t *v)
{
    row_start(w);
    dump_inline(w, v);
}

void som__jw_row_floats(som__jw *w, const float *v, size_t n)
{
    row_start(w);
    put(w, "[", 1);
    const char *sep = w->layout == SOM_JSON_COMPACT ? "," : ", ";
    char txt[40];
    for (size_t j = 0; j < n; j++) {
        if (j) puts_(w, sep);
        if (!isfinite(v[j])) {
            put(w, "null", 4);
        } else if (v[j] == 0 && signbit(v[j])) {
            put(w, "-0.0", 4);
        } else {
            int k = snprintf(txt, sizeof txt, "%.9g", (double)v[j]); /* reads back as v[j] */
            put(w, txt, (size_t)k);
        }
    }
    put(w, "]", 1);
}

void som__jw_rows_end(som__jw *w)
{
    if (w->layout == SOM_JSON_SPACED && w->rows) puts_(w, "\n  ");
    put(w, "]", 1);
}

int som__jw_end(som__jw *w, som_error *err)
{
    puts_(w, w->layout == SOM_JSON_LINE || !w->members ? "}\n" : "\n}\n");
    return jw_finish(w, err);
}

static bool of_containers(const json_t *a)
{
    if (!json_is_array(a) || json_array_size(a) == 0) return false;
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *e = json_array_get(a, i);
        if (!json_is_array(e) && !json_is_object(e)) return false;
    }
    return true;
}

int som_json_write(FILE *f, const json_t *v, som_json_layout layout, som_error *err)
{
    if (!f || !v) return som__error(err, SOM_EINVAL, "som_json_write: NULL argument");
    som__jw w;
    if (!json_is_object(v)) { /* one value on one line */
        jw_init(&w, f, layout);
        dump_inline(&w, json_incref((json_t *)v));
        put(&w, "\n", 1);
        return jw_finish(&w, err);
    }
    som__jw_begin(&w, f, layout);
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)v, k, val) {
        if (layout == SOM_JSON_LINE || !of_containers(val)) {
            som__jw_member(&w, k, json_incref(val));
            continue;
        }
        som__jw_rows_begin(&w, k);
        for (size_t i = 0; i < json_array_size(val); i++)
            som__jw_row(&w, json_incref(json_array_get(val, i)));
        som__jw_rows_end(&w);
    }
    return som__jw_end(&w, err);
}
