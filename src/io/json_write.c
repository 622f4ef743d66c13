/* SPDX-License-Identifier: MIT */
/* json_write.c — the one JSON writer (som_json.h): jansson builds and dumps
 * the values; this file adds what jansson leaves open — which digits a
 * number gets, what becomes of bytes that are not UTF-8, and where lines
 * break. */
#include "som_json.h"

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

typedef struct sink {
    FILE *f;
    bool in_string, escaped; /* where the text dumped so far ends */
    bool failed;             /* a write failed */
} sink;

static void put(sink *s, const char *p, size_t n)
{
    if (n && !s->failed && fwrite(p, 1, n, s->f) != n) s->failed = true;
}

/* jansson hands each number over in one piece (reals with 17 digits, so
 * that they hold the exact double), strings in several; a piece outside a
 * string that starts like a number and has a '.' or an exponent is a real,
 * and is written again with format_number. */
static int dump_piece(const char *buf, size_t size, void *data)
{
    sink *s = data;
    if (!s->in_string && size > 0 && size < 64 && (buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9')) &&
        (memchr(buf, '.', size) || memchr(buf, 'e', size) || memchr(buf, 'E', size))) {
        char num[64], txt[40];
        memcpy(num, buf, size);
        num[size] = '\0';
        put(s, txt, format_number(strtod(num, NULL), txt));
        return s->failed ? -1 : 0;
    }
    for (size_t i = 0; i < size; i++) {
        if (s->escaped) s->escaped = false;
        else if (s->in_string && buf[i] == '\\') s->escaped = true;
        else if (buf[i] == '"') s->in_string = !s->in_string;
    }
    put(s, buf, size);
    return s->failed ? -1 : 0;
}

static int dump_inline(sink *s, const json_t *v, size_t flags)
{
    return json_dump_callback(v, dump_piece, s, flags);
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

static int write_lines(sink *s, const json_t *v, som_json_layout layout)
{
    const bool spaced = layout != SOM_JSON_COMPACT;
    const size_t flags = JSON_ENCODE_ANY | JSON_REAL_PRECISION(17) | (spaced ? 0 : JSON_COMPACT);
    const char *ind1 = spaced ? "\n  " : "\n", *ind2 = spaced ? "\n    " : "\n";
    if (layout == SOM_JSON_LINE || !json_is_object(v) || json_object_size(v) == 0) {
        int rc = dump_inline(s, v, flags);
        put(s, "\n", 1);
        return rc;
    }
    int rc = 0;
    const char *key;
    json_t *val;
    bool first = true;
    put(s, "{", 1);
    json_object_foreach((json_t *)v, key, val) {
        if (!first) put(s, ",", 1);
        first = false;
        put(s, ind1, strlen(ind1));
        json_t *k = json_string(key);
        rc |= k ? dump_inline(s, k, flags) : -1;
        json_decref(k);
        put(s, spaced ? ": " : ":", spaced ? 2 : 1);
        if (!of_containers(val)) {
            rc |= dump_inline(s, val, flags);
            continue;
        }
        put(s, "[", 1);
        for (size_t i = 0; i < json_array_size(val); i++) {
            if (i) put(s, ",", 1);
            put(s, ind2, strlen(ind2));
            rc |= dump_inline(s, json_array_get(val, i), flags);
        }
        if (spaced) put(s, ind1, strlen(ind1));
        put(s, "]", 1);
    }
    put(s, "\n}\n", 3);
    return rc;
}

int som_json_write(FILE *f, const json_t *v, som_json_layout layout, som_error *err)
{
    if (!f || !v) return som__error(err, SOM_EINVAL, "som_json_write: NULL argument");
    locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (c == (locale_t)0) return som__error_oom(err);
    locale_t old = uselocale(c);
    sink s = {f, false, false, false};
    int rc = write_lines(&s, v, layout);
    uselocale(old);
    freelocale(c);
    if (s.failed || ferror(f)) return som__error(err, SOM_EIO, "cannot write the JSON output");
    if (rc) return som__error(err, SOM_ENOMEM, "out of memory writing JSON");
    return SOM_OK;
}
