/* SPDX-License-Identifier: MIT */
/* npy.c — NumPy .npy arrays: float32 or float64, little-endian, C order,
 * shape (n,) or (n, d). Reading from memory, reading a file (memory-mapped,
 * float32 values used in place), reading one share of a file's rows,
 * writing, and converting CSV to .npy in bounded memory.
 *
 * The layout (numpy.lib.format): the magic "\x93NUMPY", a major and minor
 * version byte, the header length (2 bytes little-endian in version 1, 4 in
 * versions 2 and 3), then the header — a Python dict literal such as
 * {'descr': '<f4', 'fortran_order': False, 'shape': (150, 4), } padded with
 * spaces and ending in a newline — then the raw elements. Every size is
 * checked against the buffer before anything is allocated. */
#include "io/io.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* ---- the header ----------------------------------------------------------------- */

static int bad(som_error *err, const char *name, int code, const char *what)
{
    return som__error_at(err, code, name, 0, 0, "%s", what);
}

/* What the header says. */
typedef struct npy_layout {
    size_t n, dim;   /* rows, columns (1 for shape (n,)) */
    size_t item;     /* bytes per value: 4 or 8 */
    size_t data_off; /* where the values start */
} npy_layout;

static int truncated(som_error *err, const char *name, uint64_t n, uint64_t d, size_t item,
                     size_t avail)
{
    return som__error_at(err, SOM_EFORMAT, name, 0, 0,
                         "expected %llu x %llu values of %zu bytes, got %zu bytes of data "
                         "(truncated file?)",
                         (unsigned long long)n, (unsigned long long)d, item, avail);
}

/* Parses the magic, the version and the header dict of the len bytes at p
 * (a whole file, or at least its header). The shape is checked for overflow
 * but not against len: each reader checks the bytes it is going to read
 * (a share of the rows needs only its own). */
static int parse_layout(const unsigned char *p, size_t len, const char *name, npy_layout *L,
                        som_error *err)
{
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
    size_t cells, bytes, data_off = off + hlen;
    if (n64 > SIZE_MAX || d64 > SIZE_MAX || !som__mul_ok((size_t)n64, (size_t)d64, &cells) ||
        !som__mul_ok(cells, item, &bytes) || bytes > SIZE_MAX - data_off)
        return truncated(err, name, n64, d64, item, len - data_off);
    L->n = (size_t)n64;
    L->dim = (size_t)d64;
    L->item = item;
    L->data_off = data_off;
    return SOM_OK;
}

/* A .npy stream as it arrives: the magic and the header first, then the
 * size the shape announces against the input limit, so that neither a
 * wrong stream nor an endless one is read on. ctx: 0 until the header is
 * through. */
int som__check_npy_stream(void *ctx, const unsigned char *buf, size_t len, const char *name,
                          som_error *err)
{
    size_t *done = ctx;
    if (*done) return SOM_OK;
    size_t pre = len < 6 ? len : 6;
    npy_layout L;
    if (memcmp(buf, "\x93NUMPY", pre) != 0) return parse_layout(buf, len, name, &L, err);
    if (len < 12) return SOM_OK;
    size_t off = buf[6] == 1 ? 10 : 12;
    size_t hlen = buf[6] == 1 ? ((size_t)buf[8] | (size_t)buf[9] << 8) : som__get_u32(buf + 8);
    if (buf[6] >= 1 && buf[6] <= 3 && len - off < hlen) return SOM_OK; /* the header is coming */
    int rc = parse_layout(buf, len, name, &L, err);
    if (rc != SOM_OK) return rc;
    *done = 1;
    size_t limit = som_input_limit(), values;
    if (!som__mul_ok(L.n, L.dim, &values) || !som__mul_ok(values, L.item, &values) ||
        values > limit - (L.data_off < limit ? L.data_off : limit))
        return som__input_too_big(name, limit, err);
    return SOM_OK;
}

/* ---- values ------------------------------------------------------------------- */

/* Pages of a private file mapping that a conversion has consumed are
 * dropped as it goes (float64 input: otherwise the file would sit in
 * memory beside the float32 values it became). */
typedef struct releaser {
    const unsigned char *base; /* page-aligned, or NULL: release nothing */
    size_t done;               /* bytes from base already released */
} releaser;

#define RELEASE_STEP ((size_t)8 << 20)

static void release_upto(releaser *rel, const unsigned char *p)
{
    if (!rel || !rel->base) return;
    size_t upto = (size_t)(p - rel->base);
    if (upto < rel->done || upto - rel->done < RELEASE_STEP) return;
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0) return;
    upto -= upto % (size_t)page;
    madvise((void *)(uintptr_t)(rel->base + rel->done), upto - rel->done, MADV_DONTNEED);
    rel->done = upto;
}

static float value_at(const unsigned char *src, size_t item, size_t c)
{
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
    return v;
}

/* Fills d->x (d->n rows) from the values at src, item bytes each: NaN
 * becomes a missing value (0 and a mask, made at the first NaN), infinities
 * (and float64 values beyond float32) and rows with nothing present are
 * errors. d->x may be src itself (float32 used in place): each value is
 * read before it is written, and only missing values are written, so a
 * private file mapping copies only the pages that hold a NaN. `first` is
 * the file's index of d's first row, for messages. */
static int take_values(som_data *d, const unsigned char *src, size_t item, size_t first,
                       const char *name, releaser *rel, som_error *err)
{
    const size_t n = d->n, dim = d->dim, cells = n * dim;
    const bool in_place = (const void *)src == (const void *)d->x;
    for (size_t c = 0; c < cells; c++) {
        int rc;
        if ((c & 0xffff) == 0 && (rc = som__cancel_check(err))) return rc;
        float v = in_place ? d->x[c] : value_at(src, item, c);
        if (isnan(v)) {
            if (!d->mask) {
                d->mask = som__malloc(cells);
                if (!d->mask) return som__error_oom(err);
                memset(d->mask, 1, cells);
            }
            d->mask[c] = 0;
            d->n_missing++;
            v = 0.0f;
            d->x[c] = v;
        } else if (isinf(v)) {
            return som__error_at(err, SOM_EFORMAT, name, 0, 0,
                                 "expected finite values, got %s at row %zu, column %zu "
                                 "(counted from 1)",
                                 item == 8 ? "an infinity or a value too large for float32"
                                           : "an infinity",
                                 first + c / dim + 1, c % dim + 1);
        } else if (!in_place) {
            d->x[c] = v;
        }
        if (!in_place && (c & 0xffff) == 0) release_upto(rel, src + c * item);
    }
    /* A row with nothing present cannot be placed on a map. */
    if (d->mask) {
        for (size_t i = 0; i < n; i++) {
            size_t present = 0;
            for (size_t j = 0; j < dim; j++) present += d->mask[i * dim + j];
            if (present == 0)
                return som__error_at(err, SOM_EFORMAT, name, 0, 0,
                                     "expected at least one value in row %zu (counted from 1), "
                                     "got only NaN", first + i + 1);
        }
    }
    return SOM_OK;
}

int som__npy_parse(const char *buf, size_t len, const char *name, const som_csv_opts *opts,
                   som_data **out, som_error *err)
{
    (void)opts;
    const unsigned char *p = (const unsigned char *)buf;
    npy_layout L;
    int rc = parse_layout(p, len, name, &L, err);
    if (rc != SOM_OK) return rc;
    size_t avail = len - L.data_off;
    if (L.n * L.dim * L.item > avail) return truncated(err, name, L.n, L.dim, L.item, avail);
    som_data *d;
    if ((rc = som__data_alloc(L.n, L.dim, &d, err)) != SOM_OK) return rc;
    if ((rc = take_values(d, p + L.data_off, L.item, 0, name, NULL, err)) != SOM_OK) {
        som_data_free(d);
        return rc;
    }
    *out = d;
    return SOM_OK;
}

/* ---- files: memory-mapped -------------------------------------------------------- */

/* The whole file, mapped private and writable: pages are read from the
 * file when first touched, and a page written to (a NaN set to 0, values
 * scaled in place for training) becomes the process's own copy; the file
 * never changes. Only regular files can be mapped. */
typedef struct npy_map {
    unsigned char *base;
    size_t len;
} npy_map;

static int map_file(const char *path, npy_map *m, som_error *err)
{
    m->base = NULL;
    m->len = 0;
    struct stat st;
    int fd = som__file_open(path, &st, err);
    if (fd < 0) return fd;
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return som__error_at(err, SOM_EIO, path, 0, 0,
                             "cannot map: not a regular file (a share of a .npy's rows "
                             "needs a file)");
    }
    if (st.st_size < 10 || (uintmax_t)st.st_size > SIZE_MAX) {
        close(fd);
        return bad(err, path, SOM_EFORMAT, "expected a NumPy .npy file (magic \\x93NUMPY), got something else");
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED) return som__error_at(err, SOM_EIO, path, 0, 0, "cannot map: %s", strerror(e));
    m->base = p;
    m->len = (size_t)st.st_size;
    return SOM_OK;
}

static bool host_little_endian(void)
{
    const uint32_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Rows [first, first + count) of a mapped file; count SIZE_MAX: all rows
 * (and then the whole file must be there). */
static int read_rows(const char *path, size_t first, size_t count, som_data **out, som_error *err)
{
    npy_map m;
    int rc = map_file(path, &m, err);
    if (rc != SOM_OK) return rc;
    npy_layout L;
    som_data *d = NULL;
    if ((rc = parse_layout(m.base, m.len, path, &L, err)) != SOM_OK) goto fail;
    const size_t row_bytes = L.dim * L.item, avail = m.len - L.data_off;
    if (count == SIZE_MAX) {
        if (L.n * row_bytes > avail) {
            rc = truncated(err, path, L.n, L.dim, L.item, avail);
            goto fail;
        }
        first = 0;
        count = L.n;
    } else if (count == 0 || first >= L.n || count > L.n - first) {
        rc = som__error_at(err, SOM_ERANGE, path, 0, 0,
                           "expected rows %zu to %zu (counted from 1) within the file's %zu rows",
                           first + 1, first + count, L.n);
        goto fail;
    } else if ((first + count) * row_bytes > avail) {
        rc = som__error_at(err, SOM_EFORMAT, path, 0, 0,
                           "cannot read rows %zu to %zu (counted from 1): they end at byte %zu, "
                           "the file has %zu bytes (truncated file?)",
                           first + 1, first + count, L.data_off + (first + count) * row_bytes, m.len);
        goto fail;
    }
    const size_t start = L.data_off + first * row_bytes;
    if (L.item == 4 && start % sizeof(float) == 0 && host_little_endian()) {
        /* float32: the values are used where they lie in the mapping. */
        if ((rc = som__data_alloc(0, L.dim, &d, err)) != SOM_OK) goto fail;
        d->x = (float *)(void *)(m.base + start);
        d->n = count;
        d->map_base = m.base;
        d->map_len = m.len;
        m.base = NULL; /* d owns the mapping now */
        rc = take_values(d, (const unsigned char *)d->x, 4, first, path, NULL, err);
    } else {
        /* float64 (or an unaligned or foreign-endian payload): converted
         * into a float32 array, the file's pages released as they go. */
        if ((rc = som__data_alloc(count, L.dim, &d, err)) != SOM_OK) goto fail;
        releaser rel = {m.base, 0};
        rc = take_values(d, m.base + start, L.item, first, path, &rel, err);
    }
    if (rc != SOM_OK) goto fail;
    if (m.base) munmap(m.base, m.len);
    *out = d;
    return SOM_OK;
fail:
    som_data_free(d);
    if (m.base) munmap(m.base, m.len);
    return rc;
}

int som__npy_read_path(const char *path, const som_csv_opts *opts, som_data **out,
                       som_error *err)
{
    (void)opts;
    struct stat st;
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 10)
        return read_rows(path, 0, SIZE_MAX, out, err);
    /* Standard input, pipes, tiny files: read into memory. */
    som_file f;
    size_t seen = 0;
    som__input_check check = {som__check_npy_stream, &seen};
    int rc = som__file_read(path, &check, &f, err);
    if (rc != SOM_OK) return rc;
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    rc = som__npy_parse(f.bytes ? f.bytes : "", f.len, name, NULL, out, err);
    som__file_release(&f);
    return rc;
}

int som_data_read_npy_rows(const char *path, size_t first, size_t count, som_data **out,
                           som_error *err)
{
    if (!out) return som__error(err, SOM_EINVAL, "som_data_read_npy_rows: out is NULL");
    *out = NULL;
    if (!path) return som__error(err, SOM_EINVAL, "no input file name given");
    if (count == 0 || count == SIZE_MAX)
        return som__error(err, SOM_EINVAL, "som_data_read_npy_rows: count must be >= 1");
    return read_rows(path, first, count, out, err);
}

int som_data_npy_shape(const char *path, size_t *n_rows, size_t *dim, som_error *err)
{
    if (!path || !n_rows || !dim)
        return som__error(err, SOM_EINVAL, "som_data_npy_shape: NULL argument");
    *n_rows = *dim = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return som__error_at(err, SOM_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    /* The preamble says how long the header is; read no more than that. */
    unsigned char pre[12];
    ssize_t k = pread(fd, pre, sizeof pre, 0);
    int rc = SOM_OK;
    unsigned char *buf = NULL;
    size_t len = k > 0 ? (size_t)k : 0;
    if (k < 0) {
        rc = som__error_at(err, SOM_EIO, path, 0, 0, "cannot read: %s", strerror(errno));
    } else if (len >= 12 && memcmp(pre, "\x93NUMPY", 6) == 0) {
        size_t hlen = pre[6] == 1 ? ((size_t)pre[8] | (size_t)pre[9] << 8) : som__get_u32(pre + 8);
        size_t want = (pre[6] == 1 ? 10 : 12) + (hlen > ((size_t)1 << 24) ? ((size_t)1 << 24) : hlen);
        buf = som__malloc(want);
        if (!buf) rc = som__error_oom(err);
        else {
            ssize_t got = pread(fd, buf, want, 0);
            if (got < 0) rc = som__error_at(err, SOM_EIO, path, 0, 0, "cannot read: %s", strerror(errno));
            else len = (size_t)got;
        }
    }
    close(fd);
    npy_layout L;
    if (rc == SOM_OK) rc = parse_layout(buf ? buf : pre, len, path, &L, err);
    som__free(buf);
    if (rc != SOM_OK) return rc;
    *n_rows = L.n;
    *dim = L.dim;
    return SOM_OK;
}

/* ---- writing -------------------------------------------------------------------- */

/* The preamble and header dict take exactly NPY_PREAMBLE bytes whatever the
 * shape (the dict is padded with spaces), so that a writer that learns the
 * row count only at the end can write the header again in place; the values
 * then start on a 64-byte boundary, as numpy writes them. */
#define NPY_PREAMBLE 128

static void npy_header(unsigned char out[NPY_PREAMBLE], size_t n, size_t dim)
{
    char dict[NPY_PREAMBLE];
    int k = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }",
                     n, dim);
    size_t hlen = NPY_PREAMBLE - 10; /* two sizes of 20 digits still fit */
    memcpy(out, "\x93NUMPY\x01\x00", 8);
    out[8] = (unsigned char)(hlen & 0xff);
    out[9] = (unsigned char)(hlen >> 8);
    memset(out + 10, ' ', hlen);
    memcpy(out + 10, dict, (size_t)k);
    out[NPY_PREAMBLE - 1] = '\n';
}

/* Rows of a data set as float32, NaN where a value is missing. False when
 * a write fails or the call is cancelled (som__cancel_check tells which). */
static bool write_rows(FILE *fp, const som_data *d, size_t first, size_t n)
{
    float buf[1024];
    const size_t dim = d->dim;
    for (size_t i = first; i < first + n; i++) {
        if ((i & 4095) == 0 && som__cancel_check(NULL)) return false;
        const float *row = d->x + i * dim;
        const uint8_t *mk = d->mask ? d->mask + i * dim : NULL;
        for (size_t j0 = 0; j0 < dim; j0 += 1024) {
            size_t m = dim - j0 < 1024 ? dim - j0 : 1024;
            for (size_t j = 0; j < m; j++) buf[j] = mk && !mk[j0 + j] ? NAN : row[j0 + j];
            if (!host_little_endian())
                for (size_t j = 0; j < m; j++) {
                    uint32_t u;
                    memcpy(&u, &buf[j], 4);
                    som__put_u32((unsigned char *)&buf[j], u);
                }
            if (fwrite(buf, sizeof(float), m, fp) != m) return false;
        }
    }
    return true;
}

int som__npy_write(const som_data *data, const char *path, som_error *err)
{
    som_outfile *f;
    int rc = som_outfile_open(path, &f, err);
    if (rc != SOM_OK) return rc;
    unsigned char head[NPY_PREAMBLE];
    npy_header(head, data->n, data->dim);
    FILE *fp = som_outfile_stream(f);
    if (fwrite(head, 1, sizeof head, fp) != sizeof head || !write_rows(fp, data, 0, data->n)) {
        som_outfile_abort(f);
        if ((rc = som__cancel_check(err))) return rc;
        return som__error_at(err, SOM_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
    }
    return som_outfile_commit(f, err);
}

/* ---- CSV to .npy in bounded memory -------------------------------------------- */

typedef struct convert_ctx {
    FILE *fp;
    size_t n, dim;
    bool labels;
    bool failed;
} convert_ctx;

static int convert_block(const som_data *block, void *ctx)
{
    convert_ctx *c = ctx;
    if (c->n == 0) {
        c->dim = block->dim;
        c->labels = block->labels != NULL;
        /* A header for now; the real shape goes in at the end. */
        unsigned char head[NPY_PREAMBLE];
        npy_header(head, 0, block->dim);
        if (fwrite(head, 1, sizeof head, c->fp) != sizeof head) c->failed = true;
    }
    if (!c->failed && !write_rows(c->fp, block, 0, block->n)) c->failed = true;
    c->n += block->n;
    return c->failed ? SOM_EIO : SOM_OK;
}

int som_data_convert_csv_npy(const char *csv_path, const char *npy_path, const som_csv_opts *opts,
                             size_t *n_rows, size_t *dim, int *had_labels, som_error *err)
{
    if (!csv_path || !npy_path) return som__error(err, SOM_EINVAL, "som_data_convert_csv_npy: NULL path");
    if (strcmp(npy_path, "-") == 0)
        return som__error(err, SOM_EINVAL,
                          "a .npy is written with its shape last: give a file name, not '-'");
    som_file in;
    size_t seen = 0;
    som__input_check text = {som__check_text, &seen};
    int rc = som__file_read(csv_path, &text, &in, err);
    if (rc != SOM_OK) return rc;
    som_outfile *f = NULL;
    if ((rc = som_outfile_open(npy_path, &f, err)) != SOM_OK) {
        som__file_release(&in);
        return rc;
    }
    convert_ctx c = {som_outfile_stream(f), 0, 0, false, false};
    const char *name = strcmp(csv_path, "-") == 0 ? "<stdin>" : csv_path;
    rc = som__csv_read_blocks(in.bytes ? in.bytes : "", in.len, name, opts, in.mapped,
                              SOM__CSV_BLOCK_ROWS, convert_block, &c, err);
    som__file_release(&in);
    if (rc == SOM_EIO && c.failed && som__cancel_check(err)) rc = SOM_ECANCELED;
    else if (rc == SOM_EIO && c.failed)
        rc = som__error_at(err, SOM_EIO, npy_path, 0, 0, "cannot write: %s", strerror(errno));
    if (rc == SOM_OK) {
        unsigned char head[NPY_PREAMBLE];
        npy_header(head, c.n, c.dim);
        if (fseek(c.fp, 0, SEEK_SET) != 0 || fwrite(head, 1, sizeof head, c.fp) != sizeof head)
            rc = som__error_at(err, SOM_EIO, npy_path, 0, 0, "cannot write: %s", strerror(errno));
    }
    if (rc != SOM_OK) {
        som_outfile_abort(f);
        return rc;
    }
    if ((rc = som_outfile_commit(f, err)) != SOM_OK) return rc;
    if (n_rows) *n_rows = c.n;
    if (dim) *dim = c.dim;
    if (had_labels) *had_labels = c.labels;
    return SOM_OK;
}
