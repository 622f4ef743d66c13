/* The picture layer: colours of cells at known values (every scheme), hex
 * cell centres where the grid geometry puts them, borders that change only
 * the edges, SVG/PDF structure, byte-identical PNGs, U-matrix lattices,
 * bad input that leaves no file, and som_canvas (what Art draws on).
 *
 * PNGs are decoded here with zlib rather than with Cairo, so the pixels are
 * checked by code that did not write them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <zlib.h>
#include <cairo.h>

#include "som.h"
#include "som_render.h"

/* ---- a small PNG reader: 8-bit RGB or RGBA, not interlaced ---------------- */

typedef struct image {
    int w, h;
    unsigned char *rgb; /* w*h*3 */
} image;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

static void png_decode(const unsigned char *buf, size_t len, image *img)
{
    static const unsigned char sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    assert_true(len > 8 && memcmp(buf, sig, 8) == 0);
    size_t pos = 8, idat_len = 0;
    unsigned char *idat = NULL;
    int channels = 0;
    while (pos + 12 <= len) {
        uint32_t n = be32(buf + pos);
        const unsigned char *type = buf + pos + 4, *data = buf + pos + 8;
        assert_true(pos + 12 + n <= len);
        if (memcmp(type, "IHDR", 4) == 0) {
            img->w = (int)be32(data);
            img->h = (int)be32(data + 4);
            assert_int_equal(data[8], 8);  /* bit depth */
            assert_int_equal(data[12], 0); /* not interlaced */
            assert_true(data[9] == 2 || data[9] == 6);
            channels = data[9] == 2 ? 3 : 4;
        } else if (memcmp(type, "IDAT", 4) == 0) {
            idat = realloc(idat, idat_len + n);
            assert_non_null(idat);
            memcpy(idat + idat_len, data, n);
            idat_len += n;
        }
        pos += 12 + n;
    }
    assert_true(channels > 0);
    size_t stride = (size_t)img->w * (size_t)channels;
    uLongf raw_len = (uLongf)((stride + 1) * (size_t)img->h);
    unsigned char *raw = malloc(raw_len);
    assert_non_null(raw);
    assert_int_equal(uncompress(raw, &raw_len, idat, (uLong)idat_len), Z_OK);
    free(idat);
    unsigned char *px = calloc(stride * (size_t)img->h, 1);
    assert_non_null(px);
    for (int y = 0; y < img->h; y++) {
        int filter = raw[(size_t)y * (stride + 1)];
        const unsigned char *src = raw + (size_t)y * (stride + 1) + 1;
        unsigned char *dst = px + (size_t)y * stride;
        const unsigned char *up = y ? dst - stride : NULL;
        for (size_t x = 0; x < stride; x++) {
            int a = x >= (size_t)channels ? dst[x - (size_t)channels] : 0;
            int b = up ? up[x] : 0;
            int c = (up && x >= (size_t)channels) ? up[x - (size_t)channels] : 0;
            int v = src[x];
            switch (filter) {
            case 0: break;
            case 1: v += a; break;
            case 2: v += b; break;
            case 3: v += (a + b) / 2; break;
            case 4: v += paeth(a, b, c); break;
            default: fail_msg("PNG filter %d", filter);
            }
            dst[x] = (unsigned char)v;
        }
    }
    free(raw);
    img->rgb = malloc((size_t)img->w * (size_t)img->h * 3);
    assert_non_null(img->rgb);
    for (size_t i = 0; i < (size_t)img->w * (size_t)img->h; i++)
        memcpy(img->rgb + 3 * i, px + (size_t)channels * i, 3);
    free(px);
}

static const unsigned char *pixel(const image *img, double x, double y)
{
    int ix = (int)floor(x), iy = (int)floor(y);
    assert_true(ix >= 0 && ix < img->w && iy >= 0 && iy < img->h);
    return img->rgb + 3 * ((size_t)iy * (size_t)img->w + (size_t)ix);
}

static void render_png(const som_map *map, const som_data *data,
                       const som_render_opts *o, image *img)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    som_error err;
    int rc = som_render_mem(map, data, o, "png", &buf, &len, &err);
    if (rc != SOM_OK) fail_msg("render: %s", err.message);
    png_decode(buf, len, img);
    som_render_free(buf);
}

/* ---- maps built in memory -------------------------------------------------- */

static som_map *make_map(size_t rows, size_t cols, som_topology topo, int toroid,
                         size_t dim, const float *codebook)
{
    som_grid g = {rows, cols, topo, toroid};
    som_map *map = NULL;
    som_error err;
    if (som_map_new(&g, dim, &map, &err) != SOM_OK) fail_msg("%s", err.message);
    som_map_set_codebook(map, codebook);
    return map;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* No file and no temporary left in dir. */
static void assert_dir_empty(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", dir);
    assert_int_equal(system(cmd), 0);
}

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/som-render-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- colour maps ------------------------------------------------------------- */

static void assert_rgb(const unsigned char *got, int r, int g, int b)
{
    if (got[0] != r || got[1] != g || got[2] != b)
        fail_msg("colour (%d,%d,%d), expected (%d,%d,%d)", got[0], got[1], got[2], r, g, b);
}

static void colormap_known_values(void **state)
{
    (void)state;
    unsigned char c[3];
    /* matplotlib's end points: viridis #440154 .. #fde725 */
    som_colormap(SOM_COLORS_VIRIDIS, 0, c), assert_rgb(c, 68, 1, 84);
    som_colormap(SOM_COLORS_VIRIDIS, 1, c), assert_rgb(c, 253, 231, 37);
    som_colormap(SOM_COLORS_VIRIDIS, 128.0 / 255, c), assert_rgb(c, 33, 145, 140);
    som_colormap(SOM_COLORS_MAGMA, 0, c), assert_rgb(c, 0, 0, 4);
    som_colormap(SOM_COLORS_MAGMA, 1, c), assert_rgb(c, 252, 253, 191);
    som_colormap(SOM_COLORS_CIVIDIS, 0, c), assert_rgb(c, 0, 34, 78);
    som_colormap(SOM_COLORS_CIVIDIS, 1, c), assert_rgb(c, 254, 232, 56);
    som_colormap(SOM_COLORS_GREY, 0, c), assert_rgb(c, 0, 0, 0);
    som_colormap(SOM_COLORS_GREY, 1, c), assert_rgb(c, 255, 255, 255);
    som_colormap(SOM_COLORS_COOLWARM, 0, c), assert_rgb(c, 59, 76, 192);
    som_colormap(SOM_COLORS_COOLWARM, 0.5, c), assert_rgb(c, 221, 221, 221);
    som_colormap(SOM_COLORS_COOLWARM, 1, c), assert_rgb(c, 180, 4, 38);
    /* SPEC-seeds B7: index round(255 t), segments of 64 entries */
    som_colormap(SOM_COLORS_MQL, 0, c), assert_rgb(c, 98, 98, 255);
    som_colormap(SOM_COLORS_MQL, 63.0 / 255, c), assert_rgb(c, 98, 255, 255);
    som_colormap(SOM_COLORS_MQL, 64.0 / 255, c), assert_rgb(c, 98, 255, 255);
    som_colormap(SOM_COLORS_MQL, 127.0 / 255, c), assert_rgb(c, 98, 255, 98);
    som_colormap(SOM_COLORS_MQL, 191.0 / 255, c), assert_rgb(c, 255, 255, 98);
    som_colormap(SOM_COLORS_MQL, 1, c), assert_rgb(c, 255, 98, 98);
    som_colormap(SOM_COLORS_MQL, 32.0 / 255, c), assert_rgb(c, 98, 178, 255);
    /* clamping and NaN */
    som_colormap(SOM_COLORS_GREY, -3, c), assert_rgb(c, 0, 0, 0);
    som_colormap(SOM_COLORS_GREY, 7, c), assert_rgb(c, 255, 255, 255);
    som_colormap(SOM_COLORS_VIRIDIS, (double)NAN, c), assert_rgb(c, 128, 128, 128);
}

static void names_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < SOM_PLOT_COUNT; i++)
        assert_int_equal(som_plot_parse(som_plot_name((som_plot)i)), i);
    for (int i = 0; i < SOM_COLORS_COUNT; i++)
        assert_int_equal(som_colors_parse(som_colors_name((som_colors)i)), i);
    assert_int_equal(som_colors_parse("gray"), SOM_COLORS_GREY);
    assert_int_equal(som_colors_parse("MQL"), SOM_COLORS_MQL);
    assert_int_equal(som_plot_parse("histogram"), -1);
    assert_int_equal(som_colors_parse("jet"), -1);
    assert_int_equal(som_colors_parse(NULL), -1);
    assert_int_equal(som_hits_style_parse("markers"), SOM_HITS_MARKERS);
    assert_int_equal(som_hits_style_parse("color"), SOM_HITS_COLOR);
    assert_int_equal(som_labels_style_parse("all"), SOM_LABELS_ALL);
    assert_int_equal(som_umatrix_style_parse("full"), SOM_UMATRIX_FULL);
    assert_int_equal(som_cells_parse("square"), SOM_CELLS_SQUARE);
    assert_string_equal(som_plot_name((som_plot)99), "?");
}

/* ---- pixels -------------------------------------------------------------------- */

/* A 2x2 map whose one field holds 0, 1/3, 2/3, 1: the centre pixel of each
 * cell is the scheme's colour at that value, for every scheme and both cell
 * shapes. */
static void cell_centres_have_scheme_colours(void **state)
{
    (void)state;
    static const float w[4] = {0.0f, 1.0f / 3, 2.0f / 3, 1.0f};
    for (int topo = 0; topo < 2; topo++) {
        som_map *map = make_map(2, 2, (som_topology)topo, 0, 1, w);
        for (int scheme = 0; scheme < SOM_COLORS_COUNT; scheme++) {
            som_render_opts o;
            som_render_opts_init(&o);
            o.colors = (som_colors)scheme;
            o.titles = 0;
            o.width = 200;
            o.height = 200;
            image img;
            render_png(map, NULL, &o, &img);
            for (size_t u = 0; u < 4; u++) {
                double x, y, hw;
                assert_int_equal(som_render_unit_center(map, NULL, &o, 0, u, &x, &y, &hw, NULL), SOM_OK);
                unsigned char want[3];
                som_colormap((som_colors)scheme, (double)w[u], want);
                const unsigned char *got = pixel(&img, x, y);
                if (memcmp(got, want, 3) != 0)
                    fail_msg("%s %s unit %zu: (%d,%d,%d) want (%d,%d,%d)", topo ? "hex" : "rect",
                             som_colors_name((som_colors)scheme), u, got[0], got[1], got[2],
                             want[0], want[1], want[2]);
            }
            free(img.rgb);
        }
        som_map_free(map);
    }
}

/* Hex cell centres lie at som_grid_coords under one scale and offset, the
 * same in x and y, and the picture has the right colour there. */
static void hex_centres_follow_grid_geometry(void **state)
{
    (void)state;
    enum { R = 5, C = 4, N = R * C };
    float w[N];
    for (int i = 0; i < N; i++) w[i] = (float)i;
    som_map *map = make_map(R, C, SOM_HEX, 0, 1, w);
    som_render_opts o;
    som_render_opts_init(&o);
    o.titles = 0;
    o.width = 400;
    o.height = 400;
    image img;
    render_png(map, NULL, &o, &img);
    double x0, y0, hw;
    assert_int_equal(som_render_unit_center(map, NULL, &o, 0, 0, &x0, &y0, &hw, NULL), SOM_OK);
    double s = 2 * hw; /* pixels per grid unit: a hexagon is 1 unit wide */
    assert_true(s > 20);
    for (size_t u = 0; u < N; u++) {
        double x, y, gx, gy;
        assert_int_equal(som_render_unit_center(map, NULL, &o, 0, u, &x, &y, NULL, NULL), SOM_OK);
        som_grid_coords(som_map_grid(map), u, &gx, &gy);
        assert_true(fabs(x - (x0 + gx * s)) < 1e-9);
        assert_true(fabs(y - (y0 + gy * s)) < 1e-9);
        unsigned char want[3];
        som_colormap(SOM_COLORS_VIRIDIS, (double)u / (N - 1), want);
        const unsigned char *got = pixel(&img, x, y);
        assert_memory_equal(got, want, 3);
        /* well inside the hexagon (inradius hw) the colour is the same */
        assert_memory_equal(pixel(&img, x + 0.6 * hw, y), want, 3);
        assert_memory_equal(pixel(&img, x, y - 0.6 * hw), want, 3);
    }
    /* odd rows are shifted right by half a cell */
    double xa, ya, xb, yb;
    som_render_unit_center(map, NULL, &o, 0, 0, &xa, &ya, NULL, NULL);
    som_render_unit_center(map, NULL, &o, 0, C, &xb, &yb, NULL, NULL);
    assert_true(fabs(xb - xa - s / 2) < 1e-9);
    assert_true(fabs(yb - ya - s * sqrt(3) / 2) < 1e-9);
    free(img.rgb);
    som_map_free(map);
}

/* Hexagons tile: between two neighbouring centres, every pixel is one of
 * the two cells' colours or the border colour, never the white page. */
static void hexagons_tile_without_gaps(void **state)
{
    (void)state;
    enum { R = 4, C = 4, N = R * C };
    float w[N];
    for (int i = 0; i < N; i++) w[i] = (float)(i % 3);
    som_map *map = make_map(R, C, SOM_HEX, 0, 1, w);
    for (int borders = 0; borders < 2; borders++) {
        som_render_opts o;
        som_render_opts_init(&o);
        o.titles = 0;
        o.borders = borders;
        o.width = 300;
        o.height = 300;
        image img;
        render_png(map, NULL, &o, &img);
        size_t nb[6];
        for (size_t u = 0; u < N; u++) {
            size_t k = som_grid_neighbors(som_map_grid(map), u, nb);
            double xu, yu;
            som_render_unit_center(map, NULL, &o, 0, u, &xu, &yu, NULL, NULL);
            for (size_t m = 0; m < k; m++) {
                double xv, yv;
                som_render_unit_center(map, NULL, &o, 0, nb[m], &xv, &yv, NULL, NULL);
                for (int t = 0; t <= 50; t++) {
                    const unsigned char *p = pixel(&img, xu + (xv - xu) * t / 50.0,
                                                   yu + (yv - yu) * t / 50.0);
                    if (p[0] == 255 && p[1] == 255 && p[2] == 255)
                        fail_msg("white gap between units %zu and %zu (borders %d)", u, nb[m], borders);
                }
            }
        }
        free(img.rgb);
    }
    som_map_free(map);
}

/* Borders change pixels near the cell edges only. */
static void borders_change_only_edges(void **state)
{
    (void)state;
    static const float w[6] = {0, 1, 2, 3, 4, 5};
    for (int topo = 0; topo < 2; topo++) {
        som_map *map = make_map(2, 3, (som_topology)topo, 0, 1, w);
        som_render_opts o;
        som_render_opts_init(&o);
        o.titles = 0;
        o.width = 300;
        o.height = 220;
        image with, without;
        render_png(map, NULL, &o, &with);
        o.borders = 0;
        render_png(map, NULL, &o, &without);
        assert_int_equal(with.w, without.w);
        assert_int_equal(with.h, without.h);
        double cx[6], cy[6], hw = 0;
        for (size_t u = 0; u < 6; u++)
            som_render_unit_center(map, NULL, &o, 0, u, &cx[u], &cy[u], &hw, NULL);
        size_t differ = 0;
        for (int y = 0; y < with.h; y++)
            for (int x = 0; x < with.w; x++) {
                const unsigned char *a = with.rgb + 3 * ((size_t)y * (size_t)with.w + (size_t)x);
                const unsigned char *b = without.rgb + 3 * ((size_t)y * (size_t)with.w + (size_t)x);
                if (memcmp(a, b, 3) == 0) continue;
                differ++;
                /* a changed pixel is close to the edge of the nearest cell:
                 * farther from its centre than 80% of the inradius */
                double best = (double)INFINITY;
                for (size_t u = 0; u < 6; u++) {
                    double d = hypot(x + 0.5 - cx[u], y + 0.5 - cy[u]);
                    if (d < best) best = d;
                }
                if (best < 0.8 * hw)
                    fail_msg("pixel (%d,%d) changed %.1f px from a centre (inradius %.1f)", x, y, best, hw);
            }
        assert_true(differ > 0);
        free(with.rgb);
        free(without.rgb);
        som_map_free(map);
    }
}

/* ---- files ---------------------------------------------------------------------- */

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Filled shapes in Cairo's SVG: <path ... style="...fill:rgb(...)">; the
 * border outlines are one stroked path with fill:none. */
static size_t count_filled_paths(const char *svg)
{
    size_t n = 0;
    for (const char *p = strstr(svg, "<path"); p; p = strstr(p + 1, "<path")) {
        const char *end = strchr(p, '>');
        const char *fill = strstr(p, "fill:rgb(");
        if (end && fill && fill < end) n++;
    }
    return n;
}

static int python_has_xml(void)
{
    return system("python3 -c 'import xml.dom.minidom' >/dev/null 2>&1") == 0;
}

static void svg_is_xml_with_one_shape_per_cell(void **state)
{
    (void)state;
    enum { R = 3, C = 4, N = R * C };
    float w[N * 2];
    for (int i = 0; i < 2 * N; i++) w[i] = (float)(i * 7 % 11);
    struct { som_topology topo; int toroid; som_umatrix_style um; size_t cells; } cases[] = {
        {SOM_RECT, 0, SOM_UMATRIX_UNITS, N},
        {SOM_HEX, 0, SOM_UMATRIX_UNITS, N},
        /* SOM_PAK lattice: (2R-1)(2C-1) on a rect sheet */
        {SOM_RECT, 0, SOM_UMATRIX_FULL, (2 * R - 1) * (2 * C - 1)},
        /* hex sheet: units + one cell per neighbour pair */
        {SOM_HEX, 0, SOM_UMATRIX_FULL, N + (R * (C - 1) + (R - 1) * (2 * C - 1))},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        som_map *map = make_map(R, C, cases[k].topo, cases[k].toroid, 2, w);
        som_render_opts o;
        som_render_opts_init(&o);
        o.titles = 0;
        o.plot = SOM_PLOT_UMATRIX;
        o.umatrix = cases[k].um;
        char path[128];
        snprintf(path, sizeof path, "%s/map%zu.svg", tmpdir, k);
        som_error err;
        if (som_render_file(map, NULL, &o, path, &err) != SOM_OK) fail_msg("%s", err.message);
        size_t len;
        char *svg = (char *)read_all(path, &len);
        assert_non_null(strstr(svg, "<svg"));
        if (count_filled_paths(svg) != cases[k].cells)
            fail_msg("case %zu: %zu filled paths, want %zu", k, count_filled_paths(svg), cases[k].cells);
        free(svg);
        if (python_has_xml()) {
            char cmd[256];
            snprintf(cmd, sizeof cmd,
                     "python3 -c 'import sys,xml.dom.minidom as m; m.parse(sys.argv[1])' '%s'", path);
            assert_int_equal(system(cmd), 0);
        }
        unlink(path);
        som_map_free(map);
    }
}

/* A hexagonal toroid's lattice: every lattice cell is a unit or a pair of
 * wrapped neighbours, so all 2R x 2C cells are filled. */
static void toroid_umatrix_lattice_is_full(void **state)
{
    (void)state;
    enum { R = 4, C = 4, N = R * C };
    float w[N];
    for (int i = 0; i < N; i++) w[i] = (float)i;
    for (int topo = 0; topo < 2; topo++) {
        som_map *map = make_map(R, C, (som_topology)topo, 1, 1, w);
        som_render_opts o;
        som_render_opts_init(&o);
        o.titles = 0;
        o.plot = SOM_PLOT_UMATRIX;
        o.umatrix = SOM_UMATRIX_FULL;
        unsigned char *buf;
        size_t len;
        assert_int_equal(som_render_mem(map, NULL, &o, "svg", &buf, &len, NULL), SOM_OK);
        char *svg = malloc(len + 1);
        memcpy(svg, buf, len);
        svg[len] = 0;
        assert_int_equal(count_filled_paths(svg), 4 * N);
        free(svg);
        som_render_free(buf);
        som_map_free(map);
    }
}

/* The full U-matrix's cells (units and the interstitial ones between
 * neighbours) measure with the map's feature weights: with weight 0 on a
 * field, changing that field's values leaves the picture byte for byte as
 * it was; unweighted it changes it. */
static unsigned char *umatrix_full_png(const float *w, const double *fw, size_t *len)
{
    enum { R = 4, C = 5 };
    som_map *map = make_map(R, C, SOM_RECT, 0, 2, w);
    if (fw) assert_int_equal(som_map_set_feature_weights(map, fw, NULL), SOM_OK);
    som_render_opts o;
    som_render_opts_init(&o);
    o.titles = 0;
    o.plot = SOM_PLOT_UMATRIX;
    o.umatrix = SOM_UMATRIX_FULL;
    unsigned char *buf;
    som_error err;
    if (som_render_mem(map, NULL, &o, "png", &buf, len, &err) != SOM_OK)
        fail_msg("%s", err.message);
    som_map_free(map);
    return buf;
}

static void umatrix_full_uses_feature_weights(void **state)
{
    (void)state;
    enum { N = 20 };
    float a[N * 2], b[N * 2];
    for (int i = 0; i < N; i++) {
        a[2 * i] = b[2 * i] = (float)(i * 7 % 11);
        a[2 * i + 1] = (float)(i % 3);
        b[2 * i + 1] = (float)(i * i % 13) * 5.0f;
    }
    const double fw[2] = {1, 0};
    size_t la, lb;
    unsigned char *pa = umatrix_full_png(a, fw, &la);
    unsigned char *pb = umatrix_full_png(b, fw, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(pa, pb, la);
    som_render_free(pa);
    som_render_free(pb);
    pa = umatrix_full_png(a, NULL, &la);
    pb = umatrix_full_png(b, NULL, &lb);
    assert_true(la != lb || memcmp(pa, pb, la) != 0);
    som_render_free(pa);
    som_render_free(pb);
}

static void pdf_and_png_headers(void **state)
{
    (void)state;
    static const float w[4] = {0, 1, 2, 3};
    som_map *map = make_map(2, 2, SOM_HEX, 0, 1, w);
    char path[128];
    size_t len;
    snprintf(path, sizeof path, "%s/m.pdf", tmpdir);
    assert_int_equal(som_render_file(map, NULL, NULL, path, NULL), SOM_OK);
    unsigned char *b = read_all(path, &len);
    assert_true(len > 100 && memcmp(b, "%PDF", 4) == 0);
    free(b);
    unlink(path);
    snprintf(path, sizeof path, "%s/M.PNG", tmpdir);
    assert_int_equal(som_render_file(map, NULL, NULL, path, NULL), SOM_OK);
    b = read_all(path, &len);
    assert_true(len > 8 && memcmp(b, "\x89PNG", 4) == 0);
    free(b);
    unlink(path);
    som_map_free(map);
}

static void same_input_same_png_bytes(void **state)
{
    (void)state;
    enum { N = 30 };
    float w[N * 3];
    for (int i = 0; i < N * 3; i++) w[i] = (float)sin(i * 0.7);
    som_map *map = make_map(5, 6, SOM_HEX, 0, 3, w);
    som_render_opts o;
    som_render_opts_init(&o);
    o.plot = SOM_PLOT_DASHBOARD;
    o.colors = SOM_COLORS_MQL;
    char p1[128], p2[128];
    snprintf(p1, sizeof p1, "%s/a.png", tmpdir);
    snprintf(p2, sizeof p2, "%s/b.png", tmpdir);
    assert_int_equal(som_render_file(map, NULL, &o, p1, NULL), SOM_OK);
    assert_int_equal(som_render_file(map, NULL, &o, p2, NULL), SOM_OK);
    size_t l1, l2;
    unsigned char *b1 = read_all(p1, &l1), *b2 = read_all(p2, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(b1, b2, l1);
    /* and memory output is the same bytes as the file */
    unsigned char *m;
    size_t lm;
    assert_int_equal(som_render_mem(map, NULL, &o, "png", &m, &lm, NULL), SOM_OK);
    assert_int_equal(lm, l1);
    assert_memory_equal(m, b1, l1);
    som_render_free(m);
    free(b1);
    free(b2);
    unlink(p1);
    unlink(p2);
    som_map_free(map);
}

/* ---- data-driven plots ---------------------------------------------------------- */

static som_data *labelled_data(void)
{
    static const char csv[] =
        "name,x\n"
        "a,0\n" "a,0.1\n" "b,1\n" "b,0.9\n" "b,1.1\n" "c,2\n";
    som_data *d = NULL;
    som_error err;
    if (som_data_read_csv_mem(csv, sizeof csv - 1, "t.csv", NULL, &d, &err) != SOM_OK)
        fail_msg("%s", err.message);
    return d;
}

static void hits_and_labels_render(void **state)
{
    (void)state;
    static const float w[4] = {0, 1, 2, 3};
    som_map *map = make_map(2, 2, SOM_RECT, 0, 1, w);
    som_map_set_title(map, 0, "x", NULL);
    som_data *d = labelled_data();
    som_render_opts o;
    som_render_opts_init(&o);
    o.titles = 0;
    o.width = o.height = 200;
    o.plot = SOM_PLOT_HITS;
    image img;
    render_png(map, d, &o, &img);
    /* hits 2, 3, 1, 0: colours span 1..3 (the count is written at the
     * centre, so look below it); the empty unit has the neutral fill, and
     * its centre is clear of the hatch */
    static const double hits[4] = {2, 3, 1, 0};
    for (size_t u = 0; u < 4; u++) {
        double x, y, hw;
        assert_int_equal(som_render_unit_center(map, d, &o, 0, u, &x, &y, &hw, NULL), SOM_OK);
        if (hits[u] == 0) {
            assert_rgb(pixel(&img, x, y), 236, 236, 236);
            continue;
        }
        unsigned char want[3];
        som_colormap(SOM_COLORS_VIRIDIS, (hits[u] - 1) / 2, want);
        assert_memory_equal(pixel(&img, x, y + 0.6 * hw), want, 3);
    }
    free(img.rgb);
    unsigned char *buf;
    size_t len;
    o.hits_style = SOM_HITS_MARKERS;
    o.titles = 1;
    assert_int_equal(som_render_mem(map, d, &o, "png", &buf, &len, NULL), SOM_OK);
    som_render_free(buf);
    o.plot = SOM_PLOT_LABELS;
    for (int style = 0; style < 2; style++) {
        o.labels_style = (som_labels_style)style;
        assert_int_equal(som_render_mem(map, d, &o, "svg", &buf, &len, NULL), SOM_OK);
        som_render_free(buf);
    }
    o.plot = SOM_PLOT_DASHBOARD;
    assert_int_equal(som_render_mem(map, d, &o, "pdf", &buf, &len, NULL), SOM_OK);
    som_render_free(buf);
    /* dashboard panels: U-matrix, hits, then one plane */
    double x, y;
    assert_int_equal(som_render_unit_center(map, d, &o, 2, 0, &x, &y, NULL, NULL), SOM_OK);
    assert_int_equal(som_render_unit_center(map, d, &o, 3, 0, &x, &y, NULL, NULL), SOM_EINVAL);
    som_data_free(d);
    som_map_free(map);
}

static void error_plot_needs_history(void **state)
{
    (void)state;
    static const float w[4] = {0, 1, 2, 3};
    som_map *map = make_map(2, 2, SOM_RECT, 0, 1, w);
    som_render_opts o;
    som_render_opts_init(&o);
    o.plot = SOM_PLOT_ERROR;
    char path[128];
    snprintf(path, sizeof path, "%s/err.png", tmpdir);
    som_error err;
    assert_int_equal(som_render_file(map, NULL, &o, path, &err), SOM_EEMPTY);
    assert_false(file_exists(path));
    som_map_set_title(map, 0, "x", NULL);
    som_data *d = labelled_data();
    som_train_opts t;
    som_train_opts_init(&t);
    t.epochs = 5;
    if (som_map_train(map, d, &t, &err) != SOM_OK) fail_msg("%s", err.message);
    assert_true(som_map_history_len(map) > 1);
    if (som_render_file(map, NULL, &o, path, &err) != SOM_OK) fail_msg("%s", err.message);
    assert_true(file_exists(path));
    unlink(path);
    som_data_free(d);
    som_map_free(map);
}


/* ---- colour ranges, classes, text sizes (issue 16) ----------------------------- */

/* A 1x4 map whose field holds 10, 12, 15, 40 in original units, fitted to
 * data reaching -100..200: by default the unit holding the codebook's
 * minimum has the colour map's first colour and the maximum unit its last,
 * for every scale; with the data's range they do not. */
static void codebook_range_ends_get_the_end_colours(void **state)
{
    (void)state;
    som_grid g = {1, 4, SOM_RECT, 0};
    som_map *map = NULL;
    assert_int_equal(som_map_new(&g, 1, &map, NULL), SOM_OK);
    som_data *d = NULL;
    assert_int_equal(som_data_new(3, 1, &d, NULL), SOM_OK);
    static const float rows[3] = {-100, 0, 200};
    for (size_t i = 0; i < 3; i++) assert_int_equal(som_data_set_row(d, i, &rows[i], NULL, NULL), SOM_OK);
    assert_int_equal(som_map_fit_scaling(map, d, SOM_SCALE_MINMAX, NULL), SOM_OK);
    static const float orig[4] = {10, 12, 15, 40};
    float cb[4];
    for (size_t u = 0; u < 4; u++) som_map_scale_row(map, &orig[u], &cb[u]);
    som_map_set_codebook(map, cb);
    double dlo, dhi;
    som_map_field_range(map, 0, &dlo, &dhi);
    assert_true(dlo == -100 && dhi == 200); /* the data are wider */
    for (int scale = 0; scale < 3; scale++) {
        for (int scheme = 0; scheme < SOM_COLORS_COUNT; scheme++) {
            som_render_opts o;
            som_render_opts_init(&o);
            o.color_scale = (som_color_scale)scale;
            o.colors = (som_colors)scheme;
            image img;
            render_png(map, NULL, &o, &img); /* with titles and legend */
            unsigned char first[3], last[3];
            som_colormap(o.colors, 0, first);
            som_colormap(o.colors, 1, last);
            double x, y;
            som_render_unit_center(map, NULL, &o, 0, 0, &x, &y, NULL, NULL);
            if (memcmp(pixel(&img, x, y), first, 3) != 0)
                fail_msg("scale %d scheme %d: the minimum unit is not the first colour", scale, scheme);
            som_render_unit_center(map, NULL, &o, 0, 3, &x, &y, NULL, NULL);
            if (memcmp(pixel(&img, x, y), last, 3) != 0)
                fail_msg("scale %d scheme %d: the maximum unit is not the last colour", scale, scheme);
            free(img.rgb);
        }
    }
    /* --range data: 10 sits at t = 110/300, 40 at 140/300 */
    som_render_opts o;
    som_render_opts_init(&o);
    o.range = SOM_RANGE_DATA;
    image img;
    render_png(map, NULL, &o, &img);
    unsigned char want[3];
    double x, y;
    som_render_unit_center(map, NULL, &o, 0, 0, &x, &y, NULL, NULL);
    som_colormap(o.colors, 110.0 / 300, want);
    assert_memory_equal(pixel(&img, x, y), want, 3);
    free(img.rgb);
    /* a fixed range for the field by title: 10..40 over 0..50 */
    som_field_range fr = {"1", SOM_RANGE_FIXED, 0, 50};
    o.range = SOM_RANGE_CODEBOOK;
    o.field_ranges = &fr;
    o.n_field_ranges = 1;
    render_png(map, NULL, &o, &img);
    som_render_unit_center(map, NULL, &o, 0, 3, &x, &y, NULL, NULL);
    som_colormap(o.colors, 40.0 / 50, want);
    assert_memory_equal(pixel(&img, x, y), want, 3);
    free(img.rgb);
    /* bad ranges are refused */
    som_error err;
    fr.min = 60;
    assert_int_equal(som_render_unit_center(map, NULL, &o, 0, 0, &x, &y, NULL, &err), SOM_EINVAL);
    assert_non_null(strstr(err.message, "empty"));
    fr.title = "nope";
    fr.min = 0;
    assert_int_equal(som_render_unit_center(map, NULL, &o, 0, 0, &x, &y, NULL, &err), SOM_EINVAL);
    assert_non_null(strstr(err.message, "'nope'"));
    som_data_free(d);
    som_map_free(map);
}

static void nice_ticks_are_round_and_inside(void **state)
{
    (void)state;
    double t[8];
    assert_int_equal(som_nice_ticks(0, 1, t, 8), 5);
    assert_true(t[0] == 0 && t[1] == 0.25 && t[4] == 1);
    assert_int_equal(som_nice_ticks(-9761, 24732, t, 8), 6);
    assert_true(t[0] == -5000 && t[1] == 0 && t[5] == 20000);
    assert_int_equal(som_nice_ticks(3, 50, t, 8), 5);
    assert_true(t[0] == 10 && t[4] == 50);
    assert_int_equal(som_nice_ticks(7, 7, t, 8), 1);
    /* any range: 3..6 ticks inside it, equally spaced by 1, 2, 2.5 or 5 x 10^e */
    unsigned seed = 1;
    for (int k = 0; k < 2000; k++) {
        seed = seed * 1103515245u + 12345u;
        double lo = ((double)(seed % 20001) - 10000) * pow(10, (double)(seed % 7) - 3);
        seed = seed * 1103515245u + 12345u;
        double hi = lo + (1 + (double)(seed % 10000)) * pow(10, (double)(seed % 9) - 4);
        size_t n = som_nice_ticks(lo, hi, t, 8);
        if (n < 3 || n > 6) fail_msg("%g..%g: %zu ticks", lo, hi, n);
        double step = t[1] - t[0], e = pow(10, floor(log10(step))), m = step / e;
        assert_true(fabs(m - 1) < 1e-6 || fabs(m - 2) < 1e-6 || fabs(m - 2.5) < 1e-6 ||
                    fabs(m - 5) < 1e-6 || fabs(m - 10) < 1e-6);
        for (size_t i = 0; i < n; i++) {
            assert_true(t[i] >= lo - 1e-9 * step && t[i] <= hi + 1e-9 * step);
            if (i) assert_true(fabs(t[i] - t[i - 1] - step) < 1e-6 * step);
        }
    }
}

/* An empty unit never looks like a unit with one hit, in any scheme. */
static void empty_unit_differs_from_one_hit(void **state)
{
    (void)state;
    static const float w[4] = {0, 1, 2, 3};
    som_map *map = make_map(2, 2, SOM_RECT, 0, 1, w);
    som_map_set_title(map, 0, "x", NULL);
    som_data *d = labelled_data(); /* hits 2, 3, 1, 0 */
    for (int scheme = 0; scheme < SOM_COLORS_COUNT; scheme++)
        for (int style = 0; style < 2; style++) {
            som_render_opts o;
            som_render_opts_init(&o);
            o.plot = SOM_PLOT_HITS;
            o.colors = (som_colors)scheme;
            o.hits_style = (som_hits_style)style;
            image img;
            render_png(map, d, &o, &img);
            double x1, y1, x0, y0, hw;
            som_render_unit_center(map, d, &o, 0, 2, &x1, &y1, &hw, NULL); /* 1 hit */
            som_render_unit_center(map, d, &o, 0, 3, &x0, &y0, NULL, NULL); /* empty */
            /* beside the count text or marker centre */
            const unsigned char *one = pixel(&img, x1, y1 + 0.6 * hw);
            const unsigned char *none = pixel(&img, x0, y0 + 0.6 * hw);
            const unsigned char *none_c = pixel(&img, x0, y0);
            if (memcmp(one, none, 3) == 0 || memcmp(one, none_c, 3) == 0)
                fail_msg("scheme %d style %d: empty unit drawn like a one-hit unit", scheme, style);
            free(img.rgb);
        }
    som_data_free(d);
    som_map_free(map);
}

/* Two classes get the palette's first two colours (classes in sorted
 * order), on pure units; the palette starts with Okabe-Ito's orange and
 * sky blue. */
static void two_classes_get_first_palette_colours(void **state)
{
    (void)state;
    unsigned char c[3];
    som_class_color(0, c), assert_rgb(c, 0xE6, 0x9F, 0x00);
    som_class_color(1, c), assert_rgb(c, 0x56, 0xB4, 0xE9);
    som_class_color(16, c), assert_rgb(c, 0xE6, 0x9F, 0x00);
    static const float w[4] = {0, 1, 2, 3};
    som_map *map = make_map(2, 2, SOM_RECT, 0, 1, w);
    som_map_set_title(map, 0, "x", NULL);
    static const char csv[] = "name,x\n" "zeta,0\n" "zeta,0.1\n" "alpha,2\n" "alpha,3\n";
    som_data *d = NULL;
    assert_int_equal(som_data_read_csv_mem(csv, sizeof csv - 1, "c.csv", NULL, &d, NULL), SOM_OK);
    som_render_opts o;
    som_render_opts_init(&o);
    o.plot = SOM_PLOT_LABELS;
    image img;
    render_png(map, d, &o, &img);
    static const int want_class[4] = {1, -1, 0, 0}; /* units 0: zeta; 2, 3: alpha; 1: empty */
    for (size_t u = 0; u < 4; u++) {
        double x, y, hw;
        som_render_unit_center(map, d, &o, 0, u, &x, &y, &hw, NULL);
        const unsigned char *got = pixel(&img, x, y + 0.6 * hw); /* below the label */
        if (want_class[u] < 0) {
            assert_rgb(pixel(&img, x, y), 236, 236, 236);
            continue;
        }
        som_class_color((size_t)want_class[u], c);
        if (memcmp(got, c, 3) != 0)
            fail_msg("unit %zu: (%d,%d,%d), want class %d's colour", u, got[0], got[1], got[2],
                     want_class[u]);
    }
    free(img.rgb);
    som_data_free(d);
    som_map_free(map);
}

/* Ink height (rows with a pixel unlike the fill) inside the middle of a
 * cell; 0 when the cell holds no text. */
static int ink_rows(const image *img, double x, double y, double hw, const unsigned char *fill)
{
    int top = 0, bottom = 0, found = 0;
    for (int dy = (int)(-0.55 * hw); dy <= (int)(0.55 * hw); dy++)
        for (int dx = (int)(-0.8 * hw); dx <= (int)(0.8 * hw); dx++) {
            const unsigned char *p = pixel(img, x + dx, y + dy);
            if (abs(p[0] - fill[0]) + abs(p[1] - fill[1]) + abs(p[2] - fill[2]) < 30) continue;
            if (!found) top = dy;
            found = 1;
            bottom = dy;
        }
    return found ? bottom - top + 1 : 0;
}

/* Text in cells is at least SOM_RENDER_MIN_TEXT_PX or absent: on grids from
 * 3x3 to 60x60, at the default size and squeezed by --size, the digits of
 * every hit count are at least as tall as Cairo says a digit is at the
 * minimum size, or not drawn. Every unit has one hit, so every cell has one
 * fill colour. */
static void cell_text_is_legible_or_absent(void **state)
{
    (void)state;
    cairo_surface_t *cs = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
    cairo_t *cr = cairo_create(cs);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, SOM_RENDER_MIN_TEXT_PX);
    cairo_text_extents_t te;
    cairo_text_extents(cr, "1", &te);
    cairo_destroy(cr);
    cairo_surface_destroy(cs);
    int min_ink = (int)floor(te.height);
    assert_true(min_ink >= 5);
    static const struct { size_t side; int w, h; int text; } cases[] = {
        {3, 0, 0, 1}, {12, 0, 0, 1}, {30, 0, 0, 1}, {60, 0, 0, 0}, {12, 200, 200, 0}, {5, 300, 300, 1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t n = cases[k].side, units = n * n;
        float *cb = malloc(units * 2 * sizeof *cb);
        assert_non_null(cb);
        for (size_t u = 0; u < units; u++) cb[2 * u] = (float)(u / n), cb[2 * u + 1] = (float)(u % n);
        som_map *map = make_map(n, n, SOM_HEX, 0, 2, cb);
        som_data *d = NULL;
        assert_int_equal(som_data_new(units, 2, &d, NULL), SOM_OK);
        for (size_t u = 0; u < units; u++) som_data_set_row(d, u, cb + 2 * u, NULL, NULL);
        som_render_opts o;
        som_render_opts_init(&o);
        o.plot = SOM_PLOT_HITS;
        o.width = cases[k].w;
        o.height = cases[k].h;
        image img;
        render_png(map, d, &o, &img);
        unsigned char fill[3];
        som_colormap(o.colors, 1, fill); /* one hit everywhere: colours span 0..1 */
        size_t with_text = 0;
        for (size_t u = 0; u < units; u += (units > 100 ? 37 : 1)) {
            double x, y, hw;
            som_render_unit_center(map, d, &o, 0, u, &x, &y, &hw, NULL);
            assert_memory_equal(pixel(&img, x - 0.7 * hw, y), fill, 3);
            int ink = ink_rows(&img, x, y, hw, fill);
            if (ink == 0) continue;
            with_text++;
            if (ink < min_ink)
                fail_msg("%zux%zu (%dx%d): text %d px tall in unit %zu, minimum %d", n, n, img.w,
                         img.h, ink, u, min_ink);
        }
        if (cases[k].text) assert_true(with_text > 0);
        else assert_int_equal(with_text, 0);
        free(img.rgb);
        som_data_free(d);
        som_map_free(map);
        free(cb);
    }
}

/* 20,000 fields: the planes are the 40 that vary most (here the only ones
 * that vary), each spanning the whole colour map; the picture stays small. */
static void many_fields_give_the_most_varying(void **state)
{
    (void)state;
    enum { DIM = 20000, R = 4, C = 4, U = R * C };
    float *cb = calloc((size_t)U * DIM, sizeof *cb);
    assert_non_null(cb);
    for (size_t u = 0; u < U; u++)
        for (size_t f = 0; f < DIM; f++)
            cb[u * DIM + f] = (f % 500 == 7) ? (float)u : (float)(u % 2) * 1e-3f;
    som_map *map = make_map(R, C, SOM_RECT, 0, DIM, cb);
    free(cb);
    som_render_opts o;
    som_render_opts_init(&o);
    image img;
    render_png(map, NULL, &o, &img);
    assert_true(img.w < 2000 && img.h < 2000);
    unsigned char first[3], last[3];
    som_colormap(o.colors, 0, first);
    som_colormap(o.colors, 1, last);
    for (size_t p = 0; p < 40; p++) {
        double x, y;
        assert_int_equal(som_render_unit_center(map, NULL, &o, p, 0, &x, &y, NULL, NULL), SOM_OK);
        assert_memory_equal(pixel(&img, x, y), first, 3);
        assert_int_equal(som_render_unit_center(map, NULL, &o, p, U - 1, &x, &y, NULL, NULL), SOM_OK);
        assert_memory_equal(pixel(&img, x, y), last, 3);
    }
    double x, y;
    assert_int_equal(som_render_unit_center(map, NULL, &o, 40, 0, &x, &y, NULL, NULL), SOM_EINVAL);
    o.max_fields = 3;
    assert_int_equal(som_render_unit_center(map, NULL, &o, 3, 0, &x, &y, NULL, NULL), SOM_EINVAL);
    free(img.rgb);
    som_map_free(map);
}

/* The codes plot: a unit at a field's maximum has a full bar in the
 * field's colour; at its minimum no bar (the cell's light fill). */
static void codes_bars_follow_values(void **state)
{
    (void)state;
    static const float w[2] = {0, 1};
    som_map *map = make_map(1, 2, SOM_RECT, 0, 1, w);
    som_render_opts o;
    som_render_opts_init(&o);
    o.plot = SOM_PLOT_CODES;
    image img;
    render_png(map, NULL, &o, &img);
    double x, y;
    unsigned char c[3];
    som_class_color(0, c);
    som_render_unit_center(map, NULL, &o, 0, 1, &x, &y, NULL, NULL);
    assert_memory_equal(pixel(&img, x, y), c, 3);
    som_render_unit_center(map, NULL, &o, 0, 0, &x, &y, NULL, NULL);
    assert_rgb(pixel(&img, x, y), 248, 248, 248);
    free(img.rgb);
    som_map_free(map);
}

/* ---- bad input ----------------------------------------------------------------- */

static void bad_input_leaves_no_file(void **state)
{
    (void)state;
    static const float w[4] = {0, 1, 2, 3};
    som_map *map = make_map(2, 2, SOM_RECT, 0, 1, w);
    som_map_set_title(map, 0, "x", NULL);
    char dir[128], path[160];
    snprintf(dir, sizeof dir, "%s/bad", tmpdir);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/out.png", dir);
    som_error err;
    som_render_opts o;

    som_render_opts_init(&o);
    o.plot = (som_plot)42;
    assert_int_equal(som_render_file(map, NULL, &o, path, &err), SOM_EINVAL);
    assert_non_null(strstr(err.message, "plot"));

    som_render_opts_init(&o);
    o.colors = (som_colors)42;
    assert_int_equal(som_render_file(map, NULL, &o, path, &err), SOM_EINVAL);
    assert_non_null(strstr(err.message, "colour"));

    som_render_opts_init(&o);
    const char *fields[] = {"x", "nope"};
    o.fields = fields;
    o.n_fields = 2;
    assert_int_equal(som_render_file(map, NULL, &o, path, &err), SOM_EINVAL);
    assert_non_null(strstr(err.message, "'nope'"));

    som_render_opts_init(&o);
    o.cells = SOM_CELLS_HEX; /* on a rect grid */
    assert_int_equal(som_render_file(map, NULL, &o, path, &err), SOM_EINVAL);

    som_render_opts_init(&o);
    o.plot = SOM_PLOT_HITS; /* without data */
    assert_int_equal(som_render_file(map, NULL, &o, path, &err), SOM_EINVAL);

    /* majority labels of data without labels */
    som_data *nolabels = NULL;
    assert_int_equal(som_data_new(3, 1, &nolabels, NULL), SOM_OK);
    som_data_set_title(nolabels, 0, "x", NULL);
    o.plot = SOM_PLOT_LABELS;
    assert_int_equal(som_render_file(map, nolabels, &o, path, &err), SOM_EINVAL);
    som_data_free(nolabels);

    snprintf(path, sizeof path, "%s/out.bmp", dir);
    assert_int_equal(som_render_file(map, NULL, NULL, path, &err), SOM_EINVAL);
    assert_dir_empty(dir);

    /* unwritable: a directory that does not exist */
    snprintf(path, sizeof path, "%s/missing/out.png", dir);
    assert_int_equal(som_render_file(map, NULL, NULL, path, &err), SOM_EIO);
    assert_non_null(strstr(err.message, "missing"));
    assert_dir_empty(dir);

    /* an existing picture survives a failed render */
    snprintf(path, sizeof path, "%s/keep.png", dir);
    assert_int_equal(som_render_file(map, NULL, NULL, path, &err), SOM_OK);
    size_t l1, l2;
    unsigned char *before = read_all(path, &l1);
    som_render_opts_init(&o);
    o.plot = SOM_PLOT_ERROR; /* no history */
    assert_int_equal(som_render_file(map, NULL, &o, path, &err), SOM_EEMPTY);
    unsigned char *after = read_all(path, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(before, after, l1);
    free(before);
    free(after);
    unlink(path);
    assert_dir_empty(dir);

    unsigned char *buf = (unsigned char *)"x";
    size_t len = 1;
    assert_int_equal(som_render_mem(map, NULL, NULL, "gif", &buf, &len, &err), SOM_EINVAL);
    assert_null(buf);
    som_map_free(map);
}

/* ---- som_canvas: the public face of the surfaces (what Art draws on) ------ */

static void canvas_writes_whole_pictures_or_nothing(void **state)
{
    (void)state;
    som_error err;
    som_canvas *c = NULL;
    /* In memory: the bytes of a PNG with what was drawn. */
    assert_int_equal(som_canvas_open(NULL, "PNG", 20, 10, &c, &err), SOM_OK);
    cairo_t *cr = som_canvas_cairo(c);
    assert_non_null(cr);
    cairo_set_source_rgb(cr, 1, 0, 0);
    cairo_paint(cr);
    unsigned char *buf = NULL;
    size_t len = 0;
    assert_int_equal(som_canvas_finish(c, &buf, &len, &err), SOM_OK);
    image img;
    png_decode(buf, len, &img);
    assert_int_equal(img.w, 20);
    assert_int_equal(img.h, 10);
    assert_rgb(pixel(&img, 10, 5), 255, 0, 0);
    free(img.rgb);
    som_render_free(buf);
    /* Bad formats say so and open nothing. */
    c = NULL;
    assert_int_equal(som_canvas_open(NULL, "gif", 20, 10, &c, &err), SOM_EINVAL);
    assert_string_equal(err.message, "unknown picture format 'gif' (png, svg, pdf)");
    assert_null(c);
    assert_int_equal(som_canvas_open(NULL, NULL, 20, 10, &c, &err), SOM_EINVAL);
    assert_null(c);
    char dir[96], path[128];
    snprintf(dir, sizeof dir, "%s/canvas", tmpdir);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(path, sizeof path, "%s/canvas.bmp", dir);
    assert_int_equal(som_canvas_open(path, NULL, 20, 10, &c, &err), SOM_EINVAL);
    assert_dir_empty(dir);
    /* A file: nothing appears before finish, nothing after abort. */
    snprintf(path, sizeof path, "%s/canvas.svg", dir);
    assert_int_equal(som_canvas_open(path, NULL, 20, 10, &c, &err), SOM_OK);
    som_canvas_abort(c);
    assert_dir_empty(dir);
    assert_int_equal(som_canvas_open(path, NULL, 20, 10, &c, &err), SOM_OK);
    assert_false(file_exists(path));
    assert_int_equal(som_canvas_finish(c, NULL, NULL, &err), SOM_OK);
    assert_true(file_exists(path));
    unlink(path);
    assert_dir_empty(dir);
    /* A canvas in memory needs somewhere to put its bytes. */
    assert_int_equal(som_canvas_open(NULL, "svg", 20, 10, &c, &err), SOM_OK);
    assert_int_equal(som_canvas_finish(c, NULL, NULL, &err), SOM_EINVAL);
    som_canvas_abort(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(colormap_known_values),
        cmocka_unit_test(names_round_trip),
        cmocka_unit_test(cell_centres_have_scheme_colours),
        cmocka_unit_test(hex_centres_follow_grid_geometry),
        cmocka_unit_test(hexagons_tile_without_gaps),
        cmocka_unit_test(borders_change_only_edges),
        cmocka_unit_test(svg_is_xml_with_one_shape_per_cell),
        cmocka_unit_test(toroid_umatrix_lattice_is_full),
        cmocka_unit_test(umatrix_full_uses_feature_weights),
        cmocka_unit_test(pdf_and_png_headers),
        cmocka_unit_test(same_input_same_png_bytes),
        cmocka_unit_test(hits_and_labels_render),
        cmocka_unit_test(error_plot_needs_history),
        cmocka_unit_test(bad_input_leaves_no_file),
        cmocka_unit_test(codebook_range_ends_get_the_end_colours),
        cmocka_unit_test(nice_ticks_are_round_and_inside),
        cmocka_unit_test(empty_unit_differs_from_one_hit),
        cmocka_unit_test(two_classes_get_first_palette_colours),
        cmocka_unit_test(cell_text_is_legible_or_absent),
        cmocka_unit_test(many_fields_give_the_most_varying),
        cmocka_unit_test(codes_bars_follow_values),
        cmocka_unit_test(canvas_writes_whole_pictures_or_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
