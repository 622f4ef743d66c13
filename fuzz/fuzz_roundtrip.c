/* SPDX-License-Identifier: MIT */
/* fuzz_roundtrip.c — save -> load -> save gives the same bytes, for maps and
 * data sets built and trained from the fuzzer's bytes.
 *
 * The input is consumed as a small script: grid, dim and sample count,
 * training settings, titles (any bytes but NUL), labels, values (int16/256,
 * a marker for missing). The map is trained on the data (any refusal is
 * checked and ends the input), then:
 *   - the map through .som in memory (fuzz_check_map), and through the
 *     interchange writers and readers: .somnet, .cod and .wts;
 *   - the data through CSV, SOM_PAK .dat and ESOM .lrn.
 * For each, the first trip keeps every value to the bit, and after it
 * save -> load -> save gives the same bytes: a writer and its reader agree
 * on every map and data set they accept.
 * Files go to a private directory (on /dev/shm when there is one, since
 * every save fsyncs), removed at exit. */
#include <dirent.h>
#include <math.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"

typedef struct bytes {
    const uint8_t *p;
    size_t n;
} bytes;

static unsigned take(bytes *b)
{
    if (b->n == 0) return 0;
    b->n--;
    return *b->p++;
}

static char dir[64];

static void cleanup(void)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[sizeof dir + sizeof e->d_name + 1];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static void make_dir(void)
{
    if (dir[0]) return;
    struct stat st;
    const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/som-fuzz-XXXXXX", base);
    FUZZ_CHECK(mkdtemp(dir) != NULL);
    atexit(cleanup);
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    FUZZ_CHECK(fp != NULL);
    FUZZ_CHECK(fseek(fp, 0, SEEK_END) == 0);
    long size = ftell(fp);
    FUZZ_CHECK(size >= 0);
    rewind(fp);
    uint8_t *buf = malloc((size_t)size + 1);
    FUZZ_CHECK(buf != NULL);
    FUZZ_CHECK(fread(buf, 1, (size_t)size, fp) == (size_t)size);
    fclose(fp);
    *len = (size_t)size;
    return buf;
}

static void same_files(const char *a, const char *b, const char *what)
{
    size_t la, lb;
    uint8_t *x = slurp(a, &la), *y = slurp(b, &lb);
    if (la != lb || memcmp(x, y, la) != 0) {
        fprintf(stderr, "%s: saving what was loaded changed the file (%zu -> %zu bytes)\n",
                what, la, lb);
        abort();
    }
    free(x);
    free(y);
}

/* ---- maps through the interchange formats ------------------------------ */

static int map_save(const som_map *map, const char *path, som_error *err)
{
    return som_map_save_any(map, path, err);
}

static som_map *map_load(const char *path, const char *ext)
{
    size_t len;
    uint8_t *buf = slurp(path, &len);
    som_map *m = NULL;
    som_error err;
    int rc;
    if (strcmp(ext, ".somnet") == 0)
        rc = som_map_load_somnet_mem(buf, len, path, &m, &err);
    else if (strcmp(ext, ".cod") == 0)
        rc = som_map_load_sompak_mem((const char *)buf, len, path, &m, &err);
    else
        rc = som_map_load_wts_mem((const char *)buf, len, path, &m, &err);
    if (rc != SOM_OK) {
        fprintf(stderr, "%s: the file just saved does not load: %s\n", ext, err.message);
        abort();
    }
    free(buf);
    return m;
}

/* The first trip keeps every weight (in original units, as the formats
 * store them) to the bit; what a format cannot hold (scaling, topology,
 * title characters) may be normalised once, after which save -> load ->
 * save is a fixed point: the same bytes. */
static void map_roundtrip(const som_map *map, const char *ext)
{
    char p1[sizeof dir + 16], p2[sizeof dir + 16], p3[sizeof dir + 16];
    snprintf(p1, sizeof p1, "%s/a%s", dir, ext);
    snprintf(p2, sizeof p2, "%s/b%s", dir, ext);
    snprintf(p3, sizeof p3, "%s/c%s", dir, ext);
    som_error err;
    int rc = map_save(map, p1, &err);
    if (rc != SOM_OK) {
        /* Writers may refuse what their format cannot hold (a tab in a
         * .somnet title), but only as bad input. */
        fuzz_check_refusal(rc, &err);
        FUZZ_CHECK(rc == SOM_EINVAL);
        return;
    }
    som_map *m1 = map_load(p1, ext);
    size_t dim = som_map_dim(map), n_units = som_map_n_units(map);
    FUZZ_CHECK(som_map_dim(m1) == dim && som_map_n_units(m1) == n_units);
    float *a = calloc(dim, sizeof *a), *b = calloc(dim, sizeof *b);
    FUZZ_CHECK(a && b);
    for (size_t u = 0; u < n_units; u++) {
        som_map_unit_weights(map, u, a);
        som_map_unit_weights(m1, u, b);
        if (memcmp(a, b, dim * sizeof *a) != 0) {
            fprintf(stderr, "%s: unit %zu's weights changed on the way\n", ext, u);
            abort();
        }
    }
    free(a);
    free(b);
    FUZZ_CHECK(map_save(m1, p2, &err) == SOM_OK);
    som_map *m2 = map_load(p2, ext);
    FUZZ_CHECK(map_save(m2, p3, &err) == SOM_OK);
    same_files(p2, p3, ext);
    som_map_free(m1);
    som_map_free(m2);
}

/* ---- data through CSV, SOM_PAK and ESOM ---------------------------------- */

static int data_write(const som_data *d, const char *path, const char *ext, som_error *err)
{
    if (strcmp(ext, ".csv") == 0) return som_data_write_csv(d, path, err);
    if (strcmp(ext, ".dat") == 0) return som_data_write_sompak(d, path, err);
    return som_data_write_lrn(d, path, err);
}

static som_data *data_read(const char *path, const char *ext, const som_data *like)
{
    size_t len;
    uint8_t *buf = slurp(path, &len);
    som_data *d = NULL;
    som_error err;
    int rc;
    if (strcmp(ext, ".csv") == 0) {
        /* The writer puts titles first and labels (if any) in the first
         * column, titled; say so rather than rely on detection, which a
         * title row of numbers would defeat by design. */
        som_csv_opts o;
        som_csv_opts_init(&o);
        o.delimiter = ',';
        o.header = 1;
        o.label_column = som_data_label_title(like);
        /* And an empty first title over distinct whole numbers is a field
         * here, not R's row names (which it would look like). */
        o.row_names = 0;
        rc = som_data_read_csv_mem((const char *)buf, len, path, &o, &d, &err);
    } else if (strcmp(ext, ".dat") == 0) {
        rc = som_data_read_sompak_mem((const char *)buf, len, path, &d, &err);
    } else {
        rc = som_data_read_lrn_mem((const char *)buf, len, path, &d, &err);
    }
    if (rc != SOM_OK) {
        fprintf(stderr, "%s: the file just written does not read: %s\n", ext, err.message);
        abort();
    }
    free(buf);
    return d;
}

/* As for maps: values and missing fields survive the first trip exactly;
 * then write -> read -> write is a fixed point. */
static void data_roundtrip(const som_data *d, const char *ext)
{
    char p1[sizeof dir + 16], p2[sizeof dir + 16], p3[sizeof dir + 16];
    snprintf(p1, sizeof p1, "%s/a%s", dir, ext);
    snprintf(p2, sizeof p2, "%s/b%s", dir, ext);
    snprintf(p3, sizeof p3, "%s/c%s", dir, ext);
    som_error err;
    int rc = data_write(d, p1, ext, &err);
    if (rc != SOM_OK) {
        fuzz_check_refusal(rc, &err);
        FUZZ_CHECK(rc == SOM_EINVAL);
        return;
    }
    som_data *d1 = data_read(p1, ext, d);
    size_t n = som_data_n_samples(d), dim = som_data_dim(d);
    FUZZ_CHECK(som_data_n_samples(d1) == n && som_data_dim(d1) == dim);
    if (memcmp(som_data_values(d), som_data_values(d1), n * dim * sizeof(float)) != 0) {
        fprintf(stderr, "%s: values changed on the way\n", ext);
        abort();
    }
    const uint8_t *m0 = som_data_mask(d), *m1 = som_data_mask(d1);
    FUZZ_CHECK(!m0 == !m1 && (!m0 || memcmp(m0, m1, n * dim) == 0));
    FUZZ_CHECK(data_write(d1, p2, ext, &err) == SOM_OK);
    som_data *d2 = data_read(p2, ext, d1);
    FUZZ_CHECK(data_write(d2, p3, ext, &err) == SOM_OK);
    same_files(p2, p3, ext);
    som_data_free(d1);
    som_data_free(d2);
}

/* A string of up to 7 bytes from the input, NULs left out. */
static void take_text(bytes *b, char *out)
{
    unsigned len = take(b) % 8, k = 0;
    for (unsigned i = 0; i < len; i++) {
        unsigned c = take(b);
        if (c) out[k++] = (char)c;
    }
    out[k] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bytes b = {data, size};
    make_dir();
    som_grid grid = {1 + take(&b) % 6, 1 + take(&b) % 6, SOM_RECT, 0};
    unsigned flags = take(&b);
    grid.topology = (flags & 1) ? SOM_HEX : SOM_RECT;
    grid.toroid = (flags & 2) && !(grid.topology == SOM_HEX && grid.rows % 2) ? 1 : 0;
    size_t dim = 1 + take(&b) % 5, n = 1 + take(&b) % 12;

    som_train_opts o;
    som_train_opts_init(&o);
    o.threads = 1;
    o.algorithm = (flags & 4) ? SOM_ONLINE : SOM_BATCH;
    o.init = (som_init)(take(&b) % 3);
    o.schedule = (som_schedule)(take(&b) % 4);
    o.neighborhood = (som_neighborhood)(take(&b) % 4);
    o.epochs = 1 + take(&b) % 3;
    o.radius0 = take(&b) / 32.0;
    o.radius1 = take(&b) / 64.0;
    o.rate0 = take(&b) / 255.0;
    o.rate1 = take(&b) / 512.0;
    o.neighbor_rate = take(&b) / 128.0;
    o.seed = take(&b);
    o.quality_every = take(&b) % 3;
    som_scaling scaling = (som_scaling)(take(&b) % 3);

    som_data *d = NULL;
    som_map *map = NULL;
    som_error err;
    float *row = calloc(dim, sizeof *row);
    FUZZ_CHECK(row != NULL);
    FUZZ_CHECK(som_data_new(n, dim, &d, &err) == SOM_OK);
    char text[8];
    for (size_t j = 0; j < dim; j++) {
        take_text(&b, text);
        FUZZ_CHECK(som_data_set_title(d, j, text, &err) == SOM_OK);
    }
    bool labels = flags & 8;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < dim; j++) {
            unsigned hi = take(&b), lo = take(&b);
            int v = (int)(hi << 8 | lo) - 32768;
            row[j] = v == -32768 ? (float)NAN : (float)v / 256.0f;
        }
        /* A row with no value at all is not data (every reader refuses
         * one), so keep one field of each row present. */
        bool any = false;
        for (size_t j = 0; j < dim; j++) any |= row[j] == row[j];
        if (!any) row[0] = 0.0f;
        int rc = som_data_set_row(d, i, row, NULL, &err);
        FUZZ_CHECK(rc == SOM_OK);
        if (labels) {
            take_text(&b, text);
            FUZZ_CHECK(som_data_set_label(d, i, text, &err) == SOM_OK);
        }
    }
    free(row);

    /* Data first: it needs no training. */
    data_roundtrip(d, ".csv");
    data_roundtrip(d, ".dat");
    data_roundtrip(d, ".lrn");

    FUZZ_CHECK(som_map_new(&grid, dim, &map, &err) == SOM_OK);
    FUZZ_CHECK(som_map_set_titles_from(map, d) == SOM_OK);
    int rc = som_map_fit_scaling(map, d, scaling, &err);
    if (rc == SOM_OK) rc = som_map_train(map, d, &o, &err);
    if (rc != SOM_OK) {
        fuzz_check_refusal(rc, &err);
    } else {
        fuzz_check_map(map);
        map_roundtrip(map, ".somnet");
        map_roundtrip(map, ".cod");
        map_roundtrip(map, ".wts");
    }
    som_map_free(map);
    som_data_free(d);
    return 0;
}
