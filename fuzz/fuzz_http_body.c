/* SPDX-License-Identifier: MIT */
/* fuzz_http_body.c — the parsers of som serve's request bodies and query
 * strings (programs/serve/parse.c), the functions the handlers call before
 * anything reaches a store or the library's training.
 *
 * Input: the first byte picks the parser, (byte - '0') mod 9, so that the
 * seeds can be text ("0{...}"):
 *   0  POST /api/jobs settings (JSON)
 *   1  POST /api/maps/ID/map rows as JSON, for a 3-field map built here
 *   2  the same rows as CSV: QUERY '\n' CSV
 *   3  POST /api/datasets: QUERY '\n' CSV
 *   4  POST /api/maps upload: QUERY '\n' .som or .somnet bytes
 *   5  POST /api/maps {"job": ID}
 *   6  POST /api/art/guess/SEED answer (JSON)
 *   7  GET /api/art.png query
 *   8  GET /avatar, /api/art/gallery, /api/art/guess image and
 *      /api/jobs/ID/plot.png queries
 * A QUERY is "k=v&k=v" as libmicrohttpd hands it over, already decoded; a
 * key without '=' has no value (NULL, as libmicrohttpd reports it); the
 * first of a repeated key wins. Without '\n' the whole rest is the query.
 *
 * Beyond the sanitizers (and LeakSanitizer: a refusal frees everything) it
 * checks what parse.h promises the handlers: a refusal is a 4xx (or 503,
 * out of memory) with a non-empty message; accepted settings are in the
 * ranges doc/API.md gives; accepted rows have the map's field count and
 * pass to som_map_bmus; an accepted data set or model is a valid one. */
#include <math.h>

#include "fuzz_common.h"
#include "serve.h"

#define N_QUERY 16

typedef struct query {
    char *key[N_QUERY];
    char *val[N_QUERY];
    size_t n;
} query;

static const char *query_get(const void *ctx, const char *key)
{
    const query *q = ctx;
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->key[i], key) == 0) return q->val[i];
    return NULL;
}

/* Splits s (NUL-terminated, modified in place) at '&' and '='. */
static void query_split(char *s, query *q)
{
    q->n = 0;
    while (*s && q->n < N_QUERY) {
        char *amp = strchr(s, '&');
        if (amp) *amp = '\0';
        char *eq = strchr(s, '=');
        if (eq) *eq = '\0';
        q->key[q->n] = s;
        q->val[q->n] = eq ? eq + 1 : NULL;
        q->n++;
        if (!amp) break;
        s = amp + 1;
    }
}

static void check_refusal(unsigned st, const char *msg)
{
    FUZZ_CHECK((st >= 400 && st < 500) || st == 503);
    FUZZ_CHECK(msg[0] != '\0');
}

/* Each value is its default or inside the range parse.c checks. */
static void check_settings(const job_settings *s)
{
    som_train_opts d;
    som_train_opts_init(&d);
    const som_train_opts *o = &s->fit.train;
    FUZZ_CHECK(s->has_dataset);
    FUZZ_CHECK(memchr(s->dataset, '\0', sizeof s->dataset) != NULL);
    FUZZ_CHECK(s->fit.grid.rows >= 1 && s->fit.grid.rows <= SERVE_MAX_SIDE);
    FUZZ_CHECK(s->fit.grid.cols >= 1 && s->fit.grid.cols <= SERVE_MAX_SIDE);
    FUZZ_CHECK(s->fit.grid.rows * s->fit.grid.cols <= SERVE_MAX_UNITS);
    FUZZ_CHECK(s->fit.grid.topology == SOM_RECT || s->fit.grid.topology == SOM_HEX);
    FUZZ_CHECK(s->fit.grid.toroid == 0 || s->fit.grid.toroid == 1);
    FUZZ_CHECK(som_grid_check(&s->fit.grid, NULL) == SOM_OK);
    FUZZ_CHECK(o->algorithm == SOM_ONLINE || o->algorithm == SOM_BATCH);
    FUZZ_CHECK((int)o->init >= 0 && (int)o->init <= 2);
    FUZZ_CHECK((int)o->schedule >= 0 && (int)o->schedule <= 3);
    FUZZ_CHECK((int)o->neighborhood >= 0 && (int)o->neighborhood <= 4);
    FUZZ_CHECK((int)s->fit.scaling >= 0 && (int)s->fit.scaling <= 2);
    FUZZ_CHECK(o->epochs >= 1 && o->epochs <= 1000000);
    FUZZ_CHECK(o->iterations <= 1000000000);
    FUZZ_CHECK(o->iterations == 0 || o->algorithm == SOM_ONLINE);
    FUZZ_CHECK(o->quality_every <= 1000000);
    FUZZ_CHECK(o->seed <= (uint64_t)1 << 53);
    FUZZ_CHECK(o->radius0 == d.radius0 || (o->radius0 > 0 && o->radius0 <= 1e6));
    FUZZ_CHECK(o->radius1 == d.radius1 || (o->radius1 >= 0 && o->radius1 <= 1e6));
    FUZZ_CHECK(o->rate0 == d.rate0 || (o->rate0 > 0 && o->rate0 <= 1e3));
    FUZZ_CHECK(o->rate1 == d.rate1 || (o->rate1 > 0 && o->rate1 <= 1e3));
    FUZZ_CHECK(o->inverse_a == d.inverse_a || (o->inverse_a > 0 && o->inverse_a <= 1e12));
    FUZZ_CHECK(o->inverse_b == d.inverse_b || (o->inverse_b > 0 && o->inverse_b <= 1e12));
    FUZZ_CHECK(o->neighbor_rate >= 0 && o->neighbor_rate <= 1e3);
    FUZZ_CHECK(s->pace >= 0 && s->pace <= 1000);
    FUZZ_CHECK(!(o->neighborhood == SOM_NEIGHBORHOOD_MEXICAN_HAT && o->algorithm == SOM_BATCH));
}

/* The map rows are recognised with: 2 x 3 units, fields a, b, c. */
static som_map *rows_map(void)
{
    static som_map *map;
    if (map) return map;
    som_grid g = {2, 3, SOM_RECT, 0};
    FUZZ_CHECK(som_map_new(&g, 3, &map, NULL) == SOM_OK);
    static const char *const titles[] = {"a", "b", "c"};
    for (size_t j = 0; j < 3; j++) FUZZ_CHECK(som_map_set_title(map, j, titles[j], NULL) == SOM_OK);
    float w[18];
    for (size_t k = 0; k < 18; k++) w[k] = (float)k / 4.0f;
    som_map_set_codebook(map, w);
    return map;
}

static void check_rows(const som_map *map, som_data *d)
{
    fuzz_check_data(d);
    FUZZ_CHECK(som_data_dim(d) == som_map_dim(map));
    size_t n = som_data_n_samples(d);
    size_t *units = malloc(n * sizeof *units);
    float *dist = malloc(n * sizeof *dist);
    if (units && dist) {
        som_error err;
        int rc = som_map_bmus(map, d, units, dist, NULL, 1, &err);
        if (rc != SOM_OK) {
            fuzz_check_refusal(rc, &err);
        } else {
            for (size_t i = 0; i < n; i++) FUZZ_CHECK(units[i] < som_map_n_units(map));
        }
    }
    free(units);
    free(dist);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    unsigned which = (uint8_t)(data[0] - '0') % 9u;
    data++;
    size--;
    /* A NUL-terminated copy; body parsers get the exact length, so a read
     * past it is still caught. */
    char *buf = malloc(size + 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *body = buf;
    size_t len = size;
    query qt = {{0}, {0}, 0};
    serve_query q = {query_get, &qt};
    bool has_query = which == 2 || which == 3 || which == 4 || which >= 7;
    if (has_query) {
        char *nl = memchr(buf, '\n', size);
        if (nl) {
            *nl = '\0';
            body = nl + 1;
            len = size - (size_t)(body - buf);
        } else {
            body = buf + size;
            len = 0;
        }
        query_split(buf, &qt);
    }
    /* The body in a buffer of exactly its length. */
    char *exact = malloc(len ? len : 1);
    if (!exact) {
        free(buf);
        return 0;
    }
    memcpy(exact, body, len);

    char msg[1024], name[80];
    msg[0] = '\0';
    unsigned st;
    switch (which) {
    case 0: {
        job_settings s;
        st = parse_job_settings(exact, len, &s, msg, sizeof msg);
        if (st) {
            check_refusal(st, msg);
            if (s.has_dataset) FUZZ_CHECK(memchr(s.dataset, '\0', sizeof s.dataset));
        } else {
            check_settings(&s);
            job_settings_clear(&s);
        }
        /* The same JSON object as clustering options
         * (POST /api/jobs/ID/cluster). */
        som_cluster_opts co;
        msg[0] = '\0';
        st = parse_cluster_opts(exact, len, &co, msg, sizeof msg);
        if (st)
            check_refusal(st, msg);
        else
            FUZZ_CHECK(co.k <= 10000 && co.k_min <= co.k_max &&
                       (co.method == SOM_CLUSTER_KMEANS || co.method == SOM_CLUSTER_WARD));
        break;
    }
    case 1:
    case 2: {
        som_map *map = rows_map();
        som_data *d = NULL;
        st = parse_map_rows(map, exact, len, which == 2, &q, &d, msg, sizeof msg);
        if (st) {
            check_refusal(st, msg);
            FUZZ_CHECK(d == NULL);
        } else {
            check_rows(map, d);
            som_data_free(d);
        }
        break;
    }
    case 3: {
        som_data *d = NULL;
        st = parse_dataset_upload(exact, len, &q, &d, name, sizeof name, msg, sizeof msg);
        if (st) {
            check_refusal(st, msg);
            FUZZ_CHECK(d == NULL);
        } else {
            fuzz_check_data(d);
            FUZZ_CHECK(name[0] != '\0' && strlen(name) <= 64);
            som_data_free(d);
        }
        break;
    }
    case 4: {
        som_map *m = NULL;
        st = parse_model_upload(exact, len, &q, &m, name, sizeof name, msg, sizeof msg);
        if (st) {
            check_refusal(st, msg);
            FUZZ_CHECK(m == NULL);
        } else {
            FUZZ_CHECK(m && som_map_dim(m) > 0 && som_map_n_units(m) > 0);
            FUZZ_CHECK(name[0] != '\0' && strlen(name) <= 64);
            som_map_free(m);
        }
        break;
    }
    case 5: {
        char id[PARSE_ID_MAX + 1];
        st = parse_map_copy(exact, len, id, msg, sizeof msg);
        if (st)
            check_refusal(st, msg);
        else
            FUZZ_CHECK(memchr(id, '\0', sizeof id) != NULL);
        break;
    }
    case 6: {
        double g[3];
        st = parse_guess_answer(exact, len, g, msg, sizeof msg);
        if (st)
            check_refusal(st, msg);
        else
            for (int k = 0; k < 3; k++) FUZZ_CHECK(isfinite(g[k]));
        break;
    }
    case 7: {
        som_art_opts o;
        som_art_style sty;
        size_t px = 0;
        st = parse_art_query(&q, &o, &sty, &px, msg, sizeof msg);
        if (st) {
            check_refusal(st, msg);
        } else {
            FUZZ_CHECK(px >= 16 && px <= 2048);
            FUZZ_CHECK(som_art_opts_check(&o, NULL) == SOM_OK);
            FUZZ_CHECK(o.points >= 1 && o.points <= 360);
            FUZZ_CHECK((int)sty.view >= 0 && (int)sty.view <= 2);
            FUZZ_CHECK(sty.color <= 0xFFFFFFu && sty.background <= 0xFFFFFFu);
        }
        break;
    }
    default: {
        size_t px = 0, n = 0;
        uint32_t seed;
        st = parse_avatar_query(&q, &px, msg, sizeof msg);
        if (st)
            check_refusal(st, msg);
        else
            FUZZ_CHECK(px >= PARSE_AVATAR_MIN && px <= PARSE_AVATAR_MAX);
        msg[0] = '\0';
        st = parse_gallery_query(&q, &n, &seed, &px, msg, sizeof msg);
        if (st)
            check_refusal(st, msg);
        else
            FUZZ_CHECK(n >= 1 && n <= 64 && px >= 64 && px <= 4096);
        msg[0] = '\0';
        st = parse_guess_image_query(&q, &px, msg, sizeof msg);
        if (st)
            check_refusal(st, msg);
        else
            FUZZ_CHECK(px >= 64 && px <= 2048);
        /* The pictures of a map: a refusal names the option; accepted
         * options are in range and their fields non-empty titles. */
        plot_query pq;
        const char *field = NULL;
        msg[0] = '\0';
        st = parse_plot_query(&q, &pq, msg, sizeof msg, &field);
        if (st) {
            check_refusal(st, msg);
            FUZZ_CHECK(field != NULL);
        } else {
            const som_render_opts *o = &pq.o;
            FUZZ_CHECK(o->width >= 0 && o->width <= PLOT_MAX_SIDE && o->height >= 0 &&
                       o->height <= PLOT_MAX_SIDE);
            FUZZ_CHECK((int)o->plot >= 0 && (int)o->plot < SOM_PLOT_COUNT);
            FUZZ_CHECK(o->n_fields <= PLOT_MAX_FIELDS && (o->n_fields == 0) == (o->fields == NULL));
            for (size_t k = 0; k < o->n_fields; k++) FUZZ_CHECK(o->fields[k] != NULL);
            FUZZ_CHECK(o->range != SOM_RANGE_FIXED || o->range_min < o->range_max);
        }
        break;
    }
    }
    /* FUZZ_VERBOSE=1: what each replayed input got, for writing seeds. */
    static int verbose = -1;
    if (verbose < 0) verbose = getenv("FUZZ_VERBOSE") != NULL;
    if (verbose) fprintf(stderr, "parser %u: %u %s\n", which, st, msg);
    free(exact);
    free(buf);
    return 0;
}
