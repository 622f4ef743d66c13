/* SPDX-License-Identifier: MIT */
/* npy.c — reading NumPy .npy arrays: float32 or float64, little-endian,
 * C order, shape (n,) or (n, d).
 *
 * The layout (numpy.lib.format): the magic "\x93NUMPY", a major and minor
 * version byte, the header length (2 bytes little-endian in version 1, 4 in
 * versions 2 and 3), then the header — a Python dict literal such as
 * {'descr': '<f4', 'fortran_order': False, 'shape': (150, 4), } padded with
 * spaces and ending in a newline — then the raw elements. Every size is
 * checked against the buffer before anything is allocated. */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- a tiny reader for the header's dict literal -------------------------- */

typedef struct hdr {
    const char *p, *end;
} hdr;

static void skip_space(hdr *h)
{
    while (h->p < h->end && (*h->p == ' ' || *h->p == '\t' || *h->p == '\n' || *h->p == '\r'))
        h->p++;
}

static bool accept(hdr *h, char c)
{
    skip_space(h);
    if (h->p < h->end && *h->p == c) {
        h->p++;
        return true;
    }
    return false;
}

/* A quoted Python string without escapes (numpy never writes any in the
 * keys or a simple descr). */
static bool read_string(hdr *h, const char **s, size_t *len)
{
    skip_space(h);
    if (h->p >= h->end || (*h->p != '\'' && *h->p != '"')) return false;
    char q = *h->p++;
    const char *start = h->p;
    while (h->p < h->end && *h->p != q) {
        if (*h->p == '\\') return false;
        h->p++;
    }
    if (h->p >= h->end) return false;
    *s = start;
    *len = (size_t)(h->p - start);
    h->p++;
    return true;
}

static bool read_word(hdr *h, const char *word)
{
    skip_space(h);
    size_t n = strlen(word);
    if ((size_t)(h->end - h->p) < n || memcmp(h->p, word, n) != 0) return false;
    h->p += n;
    return true;
}

static bool read_uint(hdr *h, uint64_t *v)
{
    skip_space(h);
    if (h->p >= h->end || *h->p < '0' || *h->p > '9') return false;
    uint64_t x = 0;
    while (h->p < h->end && *h->p >= '0' && *h->p <= '9') {
        unsigned d = (unsigned)(*h->p - '0');
        if (x > (UINT64_MAX - d) / 10) return false;
        x = x * 10 + d;
        h->p++;
    }
    if (h->p < h->end && (*h->p == 'L' || *h->p == 'l')) h->p++; /* Python 2 longs */
    *v = x;
    return true;
}

#define MAX_NDIM 8

/* (a, b, ...) with an optional trailing comma; () is zero dimensions. */
static bool read_shape(hdr *h, uint64_t *dims, size_t *ndim)
{
    if (!accept(h, '(')) return false;
    *ndim = 0;
    if (accept(h, ')')) return true;
    for (;;) {
        uint64_t v;
        if (!read_uint(h, &v)) return false;
        if (*ndim == MAX_NDIM) return false;
        dims[(*ndim)++] = v;
        if (accept(h, ')')) return true;
        if (!accept(h, ',')) return false;
        if (accept(h, ')')) return true;
    }
}

/* Skips a value of a key we do not know: a string, True/False/None, a
 * number or a tuple of numbers. */
static bool skip_value(hdr *h)
{
    const char *s;
    size_t len;
    uint64_t dims[MAX_NDIM], v;
    size_t nd;
    hdr save = *h;
    if (read_string(h, &s, &len)) return true;
    *h = save;
    if (read_word(h, "True") || read_word(h, "False") || read_word(h, "None")) return true;
    *h = save;
    if (read_uint(h, &v)) return true;
    *h = save;
    return read_shape(h, dims, &nd);
}

/* ---- reading ------------------------------------------------------------------ */

static int bad(som_error *err, const char *name, int code, const char *what)
{
    return som__error_at(err, code, name, 0, 0, "%s", what);
}

int som_data_read_npy_mem(const void *buf, size_t len, const char *name,
                          som_data **out, som_error *err)
{
    if (!out) return som__error(err, SOM_EINVAL, "som_data_read_npy_mem: out is NULL");
    *out = NULL;
    if (!buf && len > 0) return som__error(err, SOM_EINVAL, "som_data_read_npy_mem: buffer is NULL");
    if (!name) name = "<memory>";
    const unsigned char *p = buf;
    if (len < 10 || memcmp(p, "\x93NUMPY", 6) != 0)
        return bad(err, name, SOM_EFORMAT, "expected a NumPy .npy file (magic \\x93NUMPY), got something else");
    unsigned major = p[6], minor = p[7];
    size_t hlen, off;
    if (major == 1) {
        hlen = (size_t)p[8] | (size_t)p[9] << 8;
        off = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12) return bad(err, name, SOM_EFORMAT, "expected a .npy header, got a truncated file");
        hlen = som__get_u32(p + 8);
        off = 12;
    } else {
        return som__error_at(err, SOM_EVERSION, name, 0, 0,
                             "expected .npy format version 1, 2 or 3, got %u.%u", major, minor);
    }
    if (hlen > len - off)
        return som__error_at(err, SOM_EFORMAT, name, 0, 0,
                             "expected a header of %zu bytes, got a file of %zu bytes", hlen, len);

    hdr h = {(const char *)p + off, (const char *)p + off + hlen};
    const char *descr = NULL;
    size_t descr_len = 0;
    int fortran = -1;
    uint64_t dims[MAX_NDIM];
    size_t ndim = 0;
    bool have_shape = false;
    if (!accept(&h, '{')) return bad(err, name, SOM_EFORMAT, "expected the header to be a dict, got something else");
    while (!accept(&h, '}')) {
        const char *key;
        size_t klen;
        if (!read_string(&h, &key, &klen) || !accept(&h, ':'))
            return bad(err, name, SOM_EFORMAT, "expected 'key': value in the header dict");
        if (klen == 5 && memcmp(key, "descr", 5) == 0) {
            if (!read_string(&h, &descr, &descr_len))
                return bad(err, name, SOM_ENOTSUP,
                           "expected a simple dtype ('<f4' or '<f8'), got a structured dtype");
        } else if (klen == 13 && memcmp(key, "fortran_order", 13) == 0) {
            if (read_word(&h, "True")) fortran = 1;
            else if (read_word(&h, "False")) fortran = 0;
            else return bad(err, name, SOM_EFORMAT, "expected True or False for 'fortran_order'");
        } else if (klen == 5 && memcmp(key, "shape", 5) == 0) {
            if (!read_shape(&h, dims, &ndim))
                return bad(err, name, SOM_EFORMAT, "expected a tuple of sizes for 'shape'");
            have_shape = true;
        } else if (!skip_value(&h)) {
            return bad(err, name, SOM_EFORMAT, "expected a value in the header dict");
        }
        if (!accept(&h, ',')) {
            if (accept(&h, '}')) break;
            return bad(err, name, SOM_EFORMAT, "expected ',' or '}' in the header dict");
        }
    }
    if (!descr || fortran < 0 || !have_shape)
        return bad(err, name, SOM_EFORMAT, "expected 'descr', 'fortran_order' and 'shape' in the header");

    size_t item;
    if (descr_len == 3 && memcmp(descr, "<f4", 3) == 0) {
        item = 4;
    } else if (descr_len == 3 && memcmp(descr, "<f8", 3) == 0) {
        item = 8;
    } else if (descr_len == 3 && descr[0] == '>' && descr[1] == 'f' && (descr[2] == '4' || descr[2] == '8')) {
        return som__error_at(err, SOM_ENOTSUP, name, 0, 0,
                             "expected little-endian floats, got big-endian '%.3s' "
                             "(convert with a.astype('<f%c'))", descr, descr[2]);
    } else {
        return som__error_at(err, SOM_ENOTSUP, name, 0, 0,
                             "expected dtype float32 ('<f4') or float64 ('<f8'), got '%.*s'",
                             (int)(descr_len > 32 ? 32 : descr_len), descr);
    }
    if (fortran == 1)
        return bad(err, name, SOM_ENOTSUP,
                   "expected C order, got fortran_order True (save np.ascontiguousarray(a))");
    if (ndim != 1 && ndim != 2)
        return som__error_at(err, SOM_ENOTSUP, name, 0, 0,
                             "expected shape (n,) or (n, d), got %zu dimensions", ndim);
    uint64_t n64 = dims[0], d64 = ndim == 2 ? dims[1] : 1;
    if (n64 == 0 || d64 == 0)
        return som__error_at(err, SOM_EEMPTY, name, 0, 0,
                             "expected at least one row and one column, got shape (%llu, %llu)",
                             (unsigned long long)n64, (unsigned long long)d64);
    size_t cells, bytes, avail = len - off - hlen;
    if (n64 > SIZE_MAX || d64 > SIZE_MAX || !som__mul_ok((size_t)n64, (size_t)d64, &cells) ||
        !som__mul_ok(cells, item, &bytes) || bytes > avail)
        return som__error_at(err, SOM_EFORMAT, name, 0, 0,
                             "expected %llu x %llu values of %zu bytes, got %zu bytes of data (truncated file?)",
                             (unsigned long long)n64, (unsigned long long)d64, item, avail);
    size_t n = (size_t)n64, dim = (size_t)d64;

    som_data *d;
    int rc = som__data_alloc(n, dim, &d, err);
    if (rc != SOM_OK) return rc;
    const unsigned char *src = p + off + hlen;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < dim; j++) {
            size_t c = i * dim + j;
            float v;
            if (item == 4) {
                uint32_t u = som__get_u32(src + 4 * c);
                memcpy(&v, &u, sizeof v);
            } else {
                uint64_t u = som__get_u64(src + 8 * c);
                double w;
                memcpy(&w, &u, sizeof w);
                v = isnan(w) ? NAN : (float)w;
            }
            if (isnan(v)) {
                if (!d->mask) {
                    d->mask = som__malloc(cells);
                    if (!d->mask) {
                        som_data_free(d);
                        return som__error_oom(err);
                    }
                    memset(d->mask, 1, cells);
                }
                d->mask[c] = 0;
                d->n_missing++;
                v = 0.0f;
            } else if (isinf(v)) {
                som_data_free(d);
                return som__error_at(err, SOM_EFORMAT, name, 0, 0,
                                     "expected finite values, got %s at row %zu, column %zu "
                                     "(counted from 1)",
                                     item == 8 ? "an infinity or a value too large for float32"
                                               : "an infinity",
                                     i + 1, j + 1);
            }
            d->x[c] = v;
        }
    }
    /* A row with nothing present cannot be placed on a map. */
    if (d->mask) {
        for (size_t i = 0; i < n; i++) {
            size_t present = 0;
            for (size_t j = 0; j < dim; j++) present += d->mask[i * dim + j];
            if (present == 0) {
                som_data_free(d);
                return som__error_at(err, SOM_EFORMAT, name, 0, 0,
                                     "expected at least one value in row %zu (counted from 1), "
                                     "got only NaN", i + 1);
            }
        }
    }
    *out = d;
    return SOM_OK;
}
