/* SPDX-License-Identifier: MIT */
/* somnet.c — the MQL5 article's `.somnet` network (SPEC-seeds.md B5): one
 * flat array of little-endian IEEE doubles with no magic and no version:
 *   dim+6, xcells, ycells, bmp width, bmp height,
 *   xcells*ycells node records of x1, y1, x2, y2, x, y, weights[dim],
 *   the column titles.
 * Node n = i*ycells + j with i the x cell (our column) and j the y cell (our
 * row), so our unit r*cols + c is node c*rows + r. The pixel rectangles are
 * written from a chosen picture size for the MQL5 side's drawing and
 * ignored on reading: libsom measures grid distances in grid units. The
 * titles are joined with tabs, NUL-padded to whole doubles and stored as raw
 * bytes (our choice, doc/FORMAT.md); the reader also takes one character
 * code per double, UTF-16 and other separators. */
#include "io/io.h"

#include <math.h>
#include <string.h>

#define HEADER 5 /* doubles before the first node */
#define COORDS 6 /* coordinate doubles at the start of every node */

static double get_f64(const unsigned char *p)
{
    uint64_t u = som__get_u64(p);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* A header field that must be a whole number in [lo, hi]. */
static int header_size(const unsigned char *buf, size_t k, const char *name, const char *what,
                       double lo, double hi, size_t *out, som_error *err)
{
    double v = get_f64(buf + 8 * k);
    if (!(v >= lo && v <= hi) || v != floor(v))
        return som__error_at(err, SOM_EFORMAT, name, 0, 0,
                             "byte %zu: %s is %.17g, expected a whole number from %.0f to %.0f"
                             " (is this a .somnet file?)",
                             8 * k, what, v, lo, hi);
    *out = (size_t)v;
    return SOM_OK;
}

/* The five header doubles (at least 40 bytes at b): rec = dim + 6 doubles
 * per node, xcells x ycells nodes (at most 2^31). */
static int parse_header(const unsigned char *b, const char *name, size_t *rec, size_t *xcells,
                        size_t *ycells, som_error *err)
{
    size_t w, h, nodes;
    int rc;
    if ((rc = header_size(b, 0, name, "field 1 (dimension + 6)", 7, 1e9, rec, err)) ||
        (rc = header_size(b, 1, name, "field 2 (xcells)", 1, 2147483648.0, xcells, err)) ||
        (rc = header_size(b, 2, name, "field 3 (ycells)", 1, 2147483648.0, ycells, err)) ||
        (rc = header_size(b, 3, name, "field 4 (bmp width)", 0, 1e9, &w, err)) ||
        (rc = header_size(b, 4, name, "field 5 (bmp height)", 0, 1e9, &h, err)))
        return rc;
    if (!som__mul_ok(*xcells, *ycells, &nodes) || nodes > ((size_t)1 << 31))
        return som__error_at(err, SOM_EFORMAT, name, 0, 0, "%zu x %zu nodes are too many",
                             *xcells, *ycells);
    return SOM_OK;
}

/* A .somnet stream as it arrives (som__input_check): the header as soon as
 * its 40 bytes are in, and the size it announces against the input limit.
 * ctx: a size_t, 1 once the header is through. */
int som__check_somnet_stream(void *ctx, const unsigned char *buf, size_t len, const char *name,
                             som_error *err)
{
    size_t *done = ctx;
    if (*done || len < 8 * HEADER) return SOM_OK;
    size_t rec, xcells, ycells, body;
    int rc = parse_header(buf, name, &rec, &xcells, &ycells, err);
    if (rc) return rc;
    *done = 1;
    size_t limit = som_input_limit();
    if (!som__mul_ok(xcells * ycells, rec, &body) || body > limit / 8 - HEADER)
        return som__input_too_big(name, limit, err);
    return SOM_OK;
}

/* Appends code point cp to s as UTF-8 (s has room for 4 more bytes). */
static size_t put_utf8(char *s, uint32_t cp)
{
    if (cp < 0x80) {
        s[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        s[0] = (char)(0xC0 | cp >> 6);
        s[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        s[0] = (char)(0xE0 | cp >> 12);
        s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        s[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    s[0] = (char)(0xF0 | cp >> 18);
    s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    s[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The titles tail (k doubles at p) as one UTF-8 string, or NULL (no memory
 * or nothing there). Three encodings are recognised:
 *  - one character code per double: every double a whole number in
 *    0..0x10FFFF, not all 0 (raw text almost never decodes so: its low
 *    mantissa bytes would have to be zero);
 *  - UTF-16LE raw bytes (MQL5 strings are UTF-16): every odd byte 0;
 *  - otherwise raw bytes (our writer: UTF-8).
 * Trailing NULs are padding. */
static char *decode_titles(const unsigned char *p, size_t k)
{
    bool codes = true, any = false;
    for (size_t i = 0; i < k && codes; i++) {
        double v = get_f64(p + 8 * i);
        if (!(v >= 0.0 && v <= 1114111.0) || v != floor(v)) codes = false;
        if (v != 0.0) any = true;
    }
    size_t nbytes = 8 * k;
    if (codes && any) {
        char *s = som__malloc(4 * k + 1);
        if (!s) return NULL;
        size_t n = 0;
        for (size_t i = 0; i < k; i++) {
            uint32_t cp = (uint32_t)get_f64(p + 8 * i);
            if (cp == 0) break;
            if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
            n += put_utf8(s + n, cp);
        }
        s[n] = '\0';
        return s;
    }
    while (nbytes > 0 && p[nbytes - 1] == 0) nbytes--;
    if (nbytes == 0) return NULL;
    bool utf16 = nbytes >= 2;
    for (size_t i = 1; i < nbytes && utf16; i += 2)
        if (p[i] != 0) utf16 = false;
    /* The last unit's 0 high byte went with the padding: units round up. */
    if (utf16) {
        size_t units = (nbytes + 1) / 2;
        char *s = som__malloc(3 * units + 1);
        if (!s) return NULL;
        size_t n = 0;
        for (size_t i = 0; i < units; i++) n += put_utf8(s + n, p[2 * i]);
        s[n] = '\0';
        return s;
    }
    char *s = som__malloc(nbytes + 1);
    if (!s) return NULL;
    memcpy(s, p, nbytes);
    s[nbytes] = '\0';
    return s;
}

/* Splits s on sep into exactly dim titles of map; false when the count
 * differs (nothing changed then). */
static bool split_titles(som_map *m, char *s, size_t slen, char sep, som_error *err, int *rc)
{
    size_t count = 1;
    for (size_t i = 0; i < slen; i++) count += s[i] == sep;
    if (count != m->dim) return false;
    char *start = s;
    size_t j = 0;
    for (size_t i = 0; i <= slen; i++) {
        if (i == slen || s[i] == sep) {
            char saved = s[i];
            s[i] = '\0';
            *rc = som_map_set_title(m, j++, start, err);
            s[i] = saved;
            if (*rc != SOM_OK) return true;
            start = s + i + 1;
        }
    }
    return true;
}

int som__somnet_parse(const char *buf, size_t len, const char *name, som_map **out,
                      som_error *err)
{
    const unsigned char *b = (const unsigned char *)buf;
    if (len % 8 != 0)
        return som__error_at(err, SOM_EFORMAT, name, 0, 0,
                             "%zu bytes is not a whole number of doubles: not a .somnet file", len);
    size_t nd = len / 8;
    if (nd < HEADER)
        return som__error_at(err, SOM_ECORRUPT, name, 0, 0,
                             "file ends after %zu bytes, expected at least %d (the header)", len,
                             8 * HEADER);
    size_t rec, xcells, ycells, nodes, body;
    int rc = parse_header(b, name, &rec, &xcells, &ycells, err);
    if (rc) return rc;
    size_t dim = rec - COORDS;
    nodes = xcells * ycells;
    if (!som__mul_ok(nodes, rec, &body) || body > nd - HEADER)
        return som__error_at(err, SOM_ECORRUPT, name, 0, 0,
                             "%zu nodes of %zu doubles need %zu bytes after the header; the file "
                             "has %zu",
                             nodes, rec, nodes * rec * 8, len - 8 * HEADER);
    som_grid grid = {ycells, xcells, SOM_RECT, 0};
    som_map *m = NULL;
    rc = som_map_new(&grid, dim, &m, err);
    if (rc) return rc;
    for (size_t c = 0; c < xcells; c++)
        for (size_t r = 0; r < ycells; r++) {
            size_t node = c * ycells + r;
            const unsigned char *p = b + 8 * (HEADER + node * rec + COORDS);
            float *wu = m->codebook + (r * xcells + c) * dim;
            for (size_t j = 0; j < dim; j++) {
                double v = get_f64(p + 8 * j);
                if (!isfinite(v) || fabs(v) > 3.4028234663852886e38) {
                    som_map_free(m);
                    return som__error_at(err, SOM_EFORMAT, name, 0, 0,
                                         "byte %zu: weight %zu of node %zu is %g, expected a "
                                         "finite float",
                                         (size_t)(p - b) + 8 * j, j + 1, node, v);
                }
                wu[j] = (float)v;
            }
        }
    size_t tail = nd - HEADER - body;
    if (tail > 0) {
        char *s = decode_titles(b + 8 * (HEADER + body), tail);
        if (s) {
            size_t slen = strlen(s);
            rc = SOM_OK;
            /* Our tab first; then what other writers may have used. */
            if (!split_titles(m, s, slen, '\t', err, &rc) &&
                !split_titles(m, s, slen, ';', err, &rc) &&
                !split_titles(m, s, slen, ',', err, &rc))
                split_titles(m, s, slen, ' ', err, &rc);
            som__free(s);
            if (rc != SOM_OK) {
                som_map_free(m);
                return rc;
            }
        }
    }
    *out = m;
    return SOM_OK;
}

static void put_f64(FILE *f, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    unsigned char p[8];
    som__put_u64(p, u);
    fwrite(p, 1, 8, f);
}

int som_map_save_somnet(const som_map *map, const char *path, size_t width, size_t height,
                        som_error *err)
{
    if (!map || !path) return som__error(err, SOM_EINVAL, "som_map_save_somnet: NULL argument");
    if (width == 0) width = SOM_SOMNET_SIZE;
    if (height == 0) height = SOM_SOMNET_SIZE;
    const size_t xcells = map->grid.cols, ycells = map->grid.rows, dim = map->dim;
    if (width < xcells || height < ycells || width > 1000000000 || height > 1000000000)
        return som__error(err, SOM_EINVAL,
                          ".somnet picture size %zux%zu: needs at least one pixel per cell of the "
                          "%zux%zu grid (and at most 10^9)",
                          width, height, ycells, xcells);
    for (size_t j = 0; j < dim; j++)
        if (strchr(map->titles[j], '\t'))
            return som__error(err, SOM_EINVAL,
                              "title %zu ('%s') holds a tab, which separates titles in .somnet",
                              j + 1, map->titles[j]);
    char *full = som__with_extension(path, ".somnet"); /* MQL5's DownloadNet */
    if (!full) return som__error_oom(err);
    float *w = som__malloc((dim ? dim : 1) * sizeof *w);
    som_outfile *of = NULL;
    int rc = w ? som_outfile_open(full, &of, err) : som__error_oom(err);
    if (rc != SOM_OK) {
        som__free(w);
        som__free(full);
        return rc;
    }
    FILE *f = som_outfile_stream(of);
    put_f64(f, (double)(dim + COORDS));
    put_f64(f, (double)xcells);
    put_f64(f, (double)ycells);
    put_f64(f, (double)width);
    put_f64(f, (double)height);
    const size_t cw = width / xcells, ch = height / ycells;
    for (size_t c = 0; c < xcells; c++)
        for (size_t r = 0; r < ycells; r++) {
            /* The zone and its centre as the MQL5 lineage lays them out
             * (SPEC B3), in integer pixels; the centre is the zone start
             * plus half the zone size. */
            double x1 = (double)(c * cw), y1 = (double)(r * ch);
            put_f64(f, x1);
            put_f64(f, y1);
            put_f64(f, (double)((c + 1) * cw));
            put_f64(f, (double)((r + 1) * ch));
            put_f64(f, x1 + (double)cw / 2.0);
            put_f64(f, y1 + (double)ch / 2.0);
            som_map_unit_weights(map, r * xcells + c, w);
            for (size_t j = 0; j < dim; j++) put_f64(f, (double)w[j]);
        }
    size_t n = 0;
    for (size_t j = 0; j < dim; j++) {
        size_t k = strlen(map->titles[j]);
        if (j) putc('\t', f);
        fwrite(map->titles[j], 1, k, f);
        n += k + (j > 0);
    }
    for (; n % 8; n++) putc('\0', f);
    som__free(w);
    rc = som_outfile_commit(of, err); /* which reports a failed write */
    som__free(full);
    return rc;
}
