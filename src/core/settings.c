/* SPDX-License-Identifier: MIT */
/* settings.c — the settings table: every setting of a fit with its type,
 * bounds, default and help, and the one place where a value given as text
 * is checked and stored into som_fit_opts, read back as text, and checked
 * against the others (som.h, "Settings and the whole fit"). The command
 * line, the web API and `som info` all go through it. */
#include "core/core.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One id per entry, in table order (the bit of som_fit_opts.set_). */
enum {
    S_GRID, S_TOPOLOGY, S_TOROID, S_SCALE, S_DISTANCE,
    S_ALGORITHM, S_EPOCHS, S_ITERATIONS, S_ORDER, S_INIT, S_INIT_CODEBOOK, S_RADIUS, S_RATE,
    S_SCHEDULE, S_INVERSE, S_RADIUS_SCHEDULE, S_NEIGHBORHOOD, S_NEIGHBOR_RATE, S_QUALITY_EVERY,
    S_SEED,
    S_THREADS,
    S_TARGET, S_TARGET_WEIGHT, S_WEIGHTS,
    S_COUNT
};

#define BOTH (SOM_SETTING_ONLINE | SOM_SETTING_BATCH)
#define ONLINE SOM_SETTING_ONLINE

/* --init offers no "keep": that is what init-codebook means. */
static const char *const init_choices[] = {"random", "pca", "sample", NULL};

#define CHOICE(names) .type = SOM_SETTING_CHOICE, .choices = (names)
#define SIZE(lo, hi) .type = SOM_SETTING_SIZE, .min = {(lo), 0}, .max = {(hi), 0}
#define MAP .group = SOM_SETTING_GROUP_MAP
#define TRAINING .group = SOM_SETTING_GROUP_TRAINING
#define SUPERVISED .group = SOM_SETTING_GROUP_SUPERVISED
#define UNBOUNDED DBL_MAX   /* no upper bound but finiteness */
#define WHOLE_MAX 18446744073709551616.0 /* 2^64: any whole number that fits */

static const som_setting table[S_COUNT] = {
    [S_GRID] = {"grid", SOM_SETTING_GRID, MAP, .value_name = "ROWSxCOLS",
                .expects = "ROWSxCOLS, e.g. 10x12",
                .default_words = "automatic, about 5 sqrt(rows of DATA) units with sides in "
                                 "the ratio of the data's two largest principal spreads, the "
                                 "SOM Toolbox rule",
                .algorithms = BOTH, .help = "grid size"},
    [S_TOPOLOGY] = {"topology", CHOICE(som__topology_names), MAP, .value_name = "T",
                    .expects = "one of rect, hex", .default_words = "rect",
                    .algorithms = BOTH, .help = "rect or hex"},
    [S_TOROID] = {"toroid", SOM_SETTING_FLAG, MAP, .expects = "true or false",
                  .algorithms = BOTH, .help = "wrap both axes (hex needs an even row count)"},
    [S_SCALE] = {"scale", CHOICE(som__scaling_names), MAP, .value_name = "S",
                 .expects = "one of none, zscore, minmax",
                 .default_words = "zscore, because the columns of real tables come in "
                                  "different units",
                 .algorithms = BOTH,
                 .help = "per-column scaling stored in the model: none, zscore or minmax"},
    [S_DISTANCE] = {"distance", CHOICE(som__distance_names), MAP, .value_name = "D",
                    .expects = "one of euclidean, cosine, manhattan, chebyshev",
                    .default_words = "euclidean", .algorithms = BOTH,
                    .help = "the distance winners are found by, stored in the model and used "
                            "by every later command: euclidean, cosine (1 - cos of the angle), "
                            "manhattan (sum of |x - w|) or chebyshev (largest |x - w|), in the "
                            "scaled space over the present fields; the update rules stay "
                            "(batch: the weighted mean)"},

    [S_ALGORITHM] = {"algorithm", CHOICE(som__algorithm_names), TRAINING, .value_name = "A",
                     .expects = "one of online, batch", .default_words = "batch",
                     .algorithms = BOTH, .help = "online or batch"},
    [S_EPOCHS] = {"epochs", SIZE(1, WHOLE_MAX), TRAINING, .value_name = "E",
                  .expects = "a whole number >= 1", .default_words = "10",
                  .algorithms = BOTH, .help = "passes over the data"},
    [S_ITERATIONS] = {"iterations", SIZE(1, WHOLE_MAX), TRAINING, .value_name = "K",
                      .expects = "a whole number >= 1", .algorithms = ONLINE,
                      .help = "single-sample steps instead of passes (online training "
                              "only, which it selects)"},
    [S_ORDER] = {"order", CHOICE(som__order_names), TRAINING, .value_name = "O",
                 .expects = "one of shuffled, cyclic", .default_words = "shuffled",
                 .algorithms = ONLINE,
                 .help = "online sample order: shuffled (a fresh random permutation every "
                         "pass) or cyclic (the rows in their order, over and over, as "
                         "SOM_PAK's vsom and MiniSom's train_batch; cyclic selects online training)"},
    [S_INIT] = {"init", CHOICE(init_choices), TRAINING, .value_name = "I",
                .expects = "one of random, pca, sample", .default_words = "pca",
                .algorithms = BOTH, .help = "random, pca or sample"},
    [S_INIT_CODEBOOK] = {"init-codebook", SOM_SETTING_TEXT, TRAINING, .value_name = "FILE",
                         .expects = "a model file", .algorithms = BOTH,
                         .help = "start from the weights of a model with the same grid and "
                                 "fields (.som, .somnet, SOM_PAK .cod or ESOM .wts)"},
    [S_RADIUS] = {"radius", SOM_SETTING_PAIR, TRAINING, .value_name = "R0[:R1]",
                  .min = {0, 0}, .max = {UNBOUNDED, UNBOUNDED}, .min_open = {1, 0},
                  .expects = "R0 > 0 or R0:R1 with R1 >= 0",
                  .default_words = "R0 = max(rows,cols)/4 after --init pca or --init-codebook, "
                                   "which start ordered, max(rows,cols)/2 after random or "
                                   "sample, at least 1; R1 = 1; 'som info' shows the values "
                                   "used",
                  .algorithms = BOTH,
                  .help = "neighbourhood radius at the start and the end, in grid units"},
    [S_RATE] = {"rate", SOM_SETTING_PAIR, TRAINING, .value_name = "A0[:A1]",
                .min = {0, 0}, .max = {UNBOUNDED, UNBOUNDED}, .min_open = {1, 1},
                .expects = "A0 > 0 or A0:A1, both > 0",
                .default_words = "0.5 : 0.01; A0 = 0.1 with --schedule mql",
                .algorithms = ONLINE,
                .help = "online learning rate at the start and the end"},
    [S_SCHEDULE] = {"schedule", CHOICE(som__schedule_names), TRAINING, .value_name = "S",
                    .expects = "one of linear, exp, inverse, mql", .default_words = "exp",
                    .algorithms = BOTH, .help = "linear, exp, inverse or mql"},
    [S_INVERSE] = {"inverse", SOM_SETTING_PAIR, TRAINING, .value_name = "A:B",
                   .min = {0, 0}, .max = {UNBOUNDED, UNBOUNDED}, .min_open = {1, 1},
                   .expects = "A:B, both > 0",
                   .default_words = "B = steps/100, at least 1, and A = A0*B: the rate starts "
                                    "at A0",
                   .algorithms = ONLINE, .help = "rate A/(step+B) for the inverse schedule"},
    [S_RADIUS_SCHEDULE] = {"radius-schedule", CHOICE(som__radius_schedule_names), TRAINING,
                           .value_name = "S", .expects = "one of same, linear, exp, inverse",
                           .default_words = "same", .algorithms = BOTH,
                           .help = "the radius's own curve: same (as --schedule), linear, "
                                   "exp or inverse (R0*B/(step+B), reaching R1 after the "
                                   "last step, as MiniSom's sigma decays)"},
    [S_NEIGHBORHOOD] = {"neighborhood", CHOICE(som__neighborhood_names), TRAINING,
                        .value_name = "H",
                        .expects = "one of gaussian, cutgauss, bubble, epanechnikov, "
                                   "mexican-hat",
                        .default_words = "gaussian", .algorithms = BOTH,
                        .help = "gaussian, cutgauss, bubble, epanechnikov or mexican-hat "
                                "(negative beyond the radius; online training only, which it "
                                "selects)"},
    [S_NEIGHBOR_RATE] = {"neighbor-rate", SOM_SETTING_NUMBER, TRAINING, .value_name = "B",
                         .min = {0, 0}, .max = {UNBOUNDED, 0}, .expects = "a number >= 0",
                         .default_words = "1", .algorithms = BOTH,
                         .help = "neighbours move by rate*B*h"},
    [S_QUALITY_EVERY] = {"quality-every", SIZE(0, WHOLE_MAX), TRAINING, .value_name = "N",
                         .expects = "a whole number >= 0",
                         .default_words = "1; 0 = only before and after training",
                         .algorithms = BOTH, .help = "record the errors every N passes"},
    [S_SEED] = {"seed", SIZE(0, WHOLE_MAX), TRAINING, .value_name = "S",
                .expects = "a whole number >= 0", .default_words = "1", .algorithms = BOTH,
                .help = "seed of every random choice"},
    [S_THREADS] = {"threads", SIZE(0, 4096), TRAINING, .value_name = "T",
                   .expects = "a whole number from 0 to 4096", .default_words = "0",
                   .algorithms = BOTH,
                   .help = "threads to use, 0 = all cores; the model does not depend on it"},

    [S_TARGET] = {"target", SOM_SETTING_TEXT, SUPERVISED, .value_name = "COL[,COL]",
                  .expects = "column titles separated by commas", .algorithms = BOTH,
                  .help = "train on these columns as well, weighted 0 in the winner search, "
                          "so that 'som predict --target COL' can predict them from the other "
                          "fields; a text column (the label column) is one-hot encoded as "
                          "fields COL=CLASS"},
    [S_TARGET_WEIGHT] = {"target-weight", SOM_SETTING_NUMBER, SUPERVISED, .value_name = "W",
                         .min = {0, 0}, .max = {UNBOUNDED, 0}, .expects = "a number >= 0",
                         .default_words = "0", .algorithms = BOTH,
                         .help = "the targets' weight"},
    [S_WEIGHTS] = {"weights", SOM_SETTING_TEXT, SUPERVISED, .value_name = "T=W,...",
                   .expects = "TITLE=W pairs separated by commas",
                   .default_words = "1; 0 keeps the field in the map without letting it "
                                    "choose the winner",
                   .algorithms = BOTH,
                   .help = "the weight of each named field's part of the distance"},
};

size_t som_settings_count(void) { return S_COUNT; }

const som_setting *som_settings_at(size_t i)
{
    return i < S_COUNT ? &table[i] : NULL;
}

/* "neighbor_rate" and "neighbor-rate" are the same name: JSON keys are
 * often written with underscores. */
static int same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a == '_' ? '-' : *a, y = *b == '_' ? '-' : *b;
        if (x != y) return 0;
    }
    return *a == *b;
}

static int find_id(const char *name)
{
    if (!name) return -1;
    for (int i = 0; i < S_COUNT; i++)
        if (same_name(name, table[i].name)) return i;
    return -1;
}

const som_setting *som_settings_find(const char *name)
{
    int id = find_id(name);
    return id < 0 ? NULL : som_settings_at((size_t)id);
}

/* ---- the struct ----------------------------------------------------------------- */

void som_fit_opts_init(som_fit_opts *o)
{
    memset(o, 0, sizeof *o);
    som_train_opts_init(&o->train);
    o->grid.topology = SOM_RECT;
    o->scaling = SOM_SCALE_ZSCORE;
}

void som_fit_opts_clear(som_fit_opts *o)
{
    som__free(o->init_codebook);
    som__free(o->targets);
    som__free(o->weights);
    som__free(o->checkpoint);
    som_fit_opts_init(o);
}

/* ---- text to values ----------------------------------------------------------- */

/* Digits only: no sign, no blanks. */
static int parse_u64(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9') return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return 0;
    *out = (uint64_t)v;
    return 1;
}

/* A finite number; strtod reads the C locale's decimal point, as the data
 * files are read (libsom never calls setlocale). */
static int parse_double(const char *s, size_t n, double *out)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf) return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (errno || *end || !isfinite(v)) return 0;
    *out = v;
    return 1;
}

static int in_bounds(const som_setting *e, int part, double v)
{
    if (e->min_open[part] ? !(v > e->min[part]) : !(v >= e->min[part])) return 0;
    return v <= e->max[part];
}

/* "A", "A:B" or, where A has an automatic default, ":B"; a missing part is
 * left at -1 (the automatic default). */
static int parse_pair(const som_setting *e, int id, const char *s, double *a, double *b)
{
    const char *colon = strchr(s, ':');
    *a = *b = -1.0;
    if (!colon) {
        if (id == S_INVERSE) return 0; /* A:B, both */
        return parse_double(s, strlen(s), a) && in_bounds(e, 0, *a);
    }
    if (colon != s && !(parse_double(s, (size_t)(colon - s), a) && in_bounds(e, 0, *a)))
        return 0;
    if (colon == s && id == S_INVERSE) return 0;
    return parse_double(colon + 1, strlen(colon + 1), b) && in_bounds(e, 1, *b);
}

static int bad_value(som_error *err, const som_setting *e, const char *value)
{
    return som__error(err, SOM_EINVAL, "%s: expected %s, got '%s'", e->name, e->expects, value);
}

static int set_text(char **slot, const char *value, som_error *err)
{
    char *copy = som__strdup(value);
    if (!copy) return som__error_oom(err);
    som__free(*slot);
    *slot = copy;
    return SOM_OK;
}

int som_fit_opts_set(som_fit_opts *o, const char *name, const char *value, som_error *err)
{
    if (!o || !name) return som__error(err, SOM_EINVAL, "som_fit_opts_set: NULL argument");
    if (strcmp(name, "checkpoint") == 0) {
        if (!value || !*value)
            return som__error(err, SOM_EINVAL, "checkpoint: expected a file name");
        return set_text(&o->checkpoint, value, err);
    }
    int id = find_id(name);
    if (id < 0) return som__error(err, SOM_EINVAL, "unknown setting '%s'", name);
    const som_setting *e = som_settings_at((size_t)id);
    if (!value) value = "";
    som_train_opts *t = &o->train;
    uint64_t u = 0;
    double x = 0, y = 0;
    int v = 0;

    switch (e->type) {
    case SOM_SETTING_CHOICE:
        for (v = 0; e->choices[v]; v++)
            if (strcmp(value, e->choices[v]) == 0) break;
        if (!e->choices[v]) return bad_value(err, e, value);
        break;
    case SOM_SETTING_SIZE:
        if (!parse_u64(value, &u) || (double)u < e->min[0] || (double)u > e->max[0] ||
            u > SIZE_MAX)
            return bad_value(err, e, value);
        break;
    case SOM_SETTING_NUMBER:
        if (!parse_double(value, strlen(value), &x) || !in_bounds(e, 0, x))
            return bad_value(err, e, value);
        break;
    case SOM_SETTING_PAIR:
        if (!parse_pair(e, id, value, &x, &y)) return bad_value(err, e, value);
        break;
    case SOM_SETTING_GRID: {
        /* The shape alone; whether the topology can wrap it is
         * som_fit_opts_check's (the topology may come later). */
        som_grid g = {0};
        som_error why;
        som_error_clear(&why);
        if (som_grid_parse(value, &g, &why) != SOM_OK)
            return som__error(err, SOM_EINVAL, "grid: %s", why.message);
        o->grid.rows = g.rows;
        o->grid.cols = g.cols;
        break;
    }
    case SOM_SETTING_FLAG:
        if (strcmp(value, "true") == 0) v = 1;
        else if (strcmp(value, "false") == 0) v = 0;
        else return bad_value(err, e, value);
        break;
    case SOM_SETTING_TEXT:
        if (!*value) return bad_value(err, e, value);
        if (id == S_TARGET && strspn(value, ",") == strlen(value)) return bad_value(err, e, value);
        if (id == S_WEIGHTS && !strchr(value, '=')) return bad_value(err, e, value);
        break;
    }

    int rc = SOM_OK;
    switch (id) {
    case S_GRID: break;
    case S_TOPOLOGY: o->grid.topology = (som_topology)v; break;
    case S_TOROID: o->grid.toroid = v; break;
    case S_SCALE: o->scaling = (som_scaling)v; break;
    case S_DISTANCE: o->distance = (som_distance)v; break;
    case S_ALGORITHM: t->algorithm = (som_algorithm)v; break;
    case S_EPOCHS: t->epochs = (size_t)u; break;
    case S_ITERATIONS: t->iterations = (size_t)u; break;
    case S_ORDER: t->order = (som_order)v; break;
    case S_INIT: t->init = (som_init)v; break;
    case S_INIT_CODEBOOK: rc = set_text(&o->init_codebook, value, err); break;
    case S_RADIUS:
        if (x >= 0) t->radius0 = x;
        if (y >= 0) t->radius1 = y;
        break;
    case S_RATE:
        if (x >= 0) t->rate0 = x;
        if (y >= 0) t->rate1 = y;
        break;
    case S_SCHEDULE: t->schedule = (som_schedule)v; break;
    case S_INVERSE:
        t->inverse_a = x;
        t->inverse_b = y;
        break;
    case S_RADIUS_SCHEDULE: t->radius_schedule = (som_radius_schedule)v; break;
    case S_NEIGHBORHOOD: t->neighborhood = (som_neighborhood)v; break;
    case S_NEIGHBOR_RATE: t->neighbor_rate = x; break;
    case S_QUALITY_EVERY: t->quality_every = (size_t)u; break;
    case S_SEED: t->seed = u; break;
    case S_THREADS: t->threads = (int)u; break;
    case S_TARGET: rc = set_text(&o->targets, value, err); break;
    case S_TARGET_WEIGHT: o->target_weight = x; break;
    case S_WEIGHTS: rc = set_text(&o->weights, value, err); break;
    }
    if (rc == SOM_OK) o->set_ |= (uint64_t)1 << id;
    return rc;
}

/* ---- values to text --------------------------------------------------------------- */

/* The shortest %g that reads back as the same double. */
static void put_double(char *buf, size_t size, double v)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) return;
    }
}

/* "A:B", "A", ":B" or "" from two parts where < 0 means automatic. */
static void put_pair(char *buf, size_t size, double a, double b)
{
    char x[32] = "", y[32] = "";
    if (a >= 0) put_double(x, sizeof x, a);
    if (b >= 0) put_double(y, sizeof y, b);
    snprintf(buf, size, "%s%s%s", x, b >= 0 ? ":" : "", y);
}

int som_fit_opts_get(const som_fit_opts *o, const char *name, char *buf, size_t size,
                     som_error *err)
{
    if (!o || !name || !buf || size == 0)
        return som__error(err, SOM_EINVAL, "som_fit_opts_get: NULL argument");
    buf[0] = '\0';
    const som_train_opts *t = &o->train;
    if (strcmp(name, "checkpoint") == 0) {
        snprintf(buf, size, "%s", o->checkpoint ? o->checkpoint : "");
        return SOM_OK;
    }
    int id = find_id(name);
    if (id < 0) return som__error(err, SOM_EINVAL, "unknown setting '%s'", name);
    const char *text = NULL; /* a name or a string setting, printed below */
    switch (id) {
    case S_GRID:
        if (o->grid.rows && o->grid.cols)
            snprintf(buf, size, "%zux%zu", o->grid.rows, o->grid.cols);
        break;
    case S_TOPOLOGY: text = som_enum_name(SOM_ENUM_TOPOLOGY, (int)o->grid.topology); break;
    case S_TOROID: text = o->grid.toroid ? "true" : "false"; break;
    case S_SCALE: text = som_enum_name(SOM_ENUM_SCALING, (int)o->scaling); break;
    case S_DISTANCE: text = som_enum_name(SOM_ENUM_DISTANCE, (int)o->distance); break;
    case S_ALGORITHM: text = som_enum_name(SOM_ENUM_ALGORITHM, (int)t->algorithm); break;
    case S_EPOCHS: snprintf(buf, size, "%zu", t->epochs); break;
    case S_ITERATIONS:
        if (t->iterations) snprintf(buf, size, "%zu", t->iterations);
        break;
    case S_ORDER: text = som_enum_name(SOM_ENUM_ORDER, (int)t->order); break;
    case S_INIT: text = som_enum_name(SOM_ENUM_INIT, (int)t->init); break;
    case S_INIT_CODEBOOK: text = o->init_codebook; break;
    case S_RADIUS: put_pair(buf, size, t->radius0, t->radius1); break;
    case S_RATE: put_pair(buf, size, t->rate0, t->rate1); break;
    case S_SCHEDULE: text = som_enum_name(SOM_ENUM_SCHEDULE, (int)t->schedule); break;
    case S_INVERSE:
        if (t->inverse_a > 0 && t->inverse_b > 0) put_pair(buf, size, t->inverse_a, t->inverse_b);
        break;
    case S_RADIUS_SCHEDULE:
        text = som_enum_name(SOM_ENUM_RADIUS_SCHEDULE, (int)t->radius_schedule);
        break;
    case S_NEIGHBORHOOD: text = som_enum_name(SOM_ENUM_NEIGHBORHOOD, (int)t->neighborhood); break;
    case S_NEIGHBOR_RATE: put_double(buf, size, t->neighbor_rate); break;
    case S_QUALITY_EVERY: snprintf(buf, size, "%zu", t->quality_every); break;
    case S_SEED: snprintf(buf, size, "%llu", (unsigned long long)t->seed); break;
    case S_THREADS: snprintf(buf, size, "%d", t->threads); break;
    case S_TARGET: text = o->targets; break;
    case S_TARGET_WEIGHT: put_double(buf, size, o->target_weight); break;
    case S_WEIGHTS: text = o->weights; break;
    }
    if (text) snprintf(buf, size, "%s", text);
    return SOM_OK;
}

int som_setting_default(const som_setting *s, const som_fit_opts *opts, char *buf, size_t size)
{
    if (!s || !buf || size == 0) return SOM_EINVAL;
    buf[0] = '\0';
    int id = find_id(s->name);
    if (id < 0) return SOM_EINVAL;
    som_fit_opts d;
    som_fit_opts_init(&d);
    if (id == S_RADIUS || id == S_RATE) {
        /* These depend on the others: resolve them as training will. */
        som_train_opts t = opts ? opts->train : d.train;
        const som_grid *g = opts ? &opts->grid : &d.grid;
        if (id == S_RADIUS) {
            if (!g->rows || !g->cols) return 0; /* an automatic grid */
            if (opts && opts->init_codebook) t.init = SOM_INIT_KEEP;
            t.radius0 = t.radius1 = -1.0;
        } else {
            t.rate0 = t.rate1 = -1.0;
        }
        som__train_opts_resolve(&t, g);
        if (id == S_RADIUS) put_pair(buf, size, t.radius0, t.radius1);
        else put_pair(buf, size, t.rate0, t.rate1);
        return 1;
    }
    if (id == S_GRID || id == S_INVERSE) return 0; /* they depend on the data */
    som_fit_opts_get(&d, s->name, buf, size, NULL);
    return buf[0] != '\0';
}

/* ---- the rules between settings ------------------------------------------------- */

int som_fit_opts_check(som_fit_opts *o, som_error *err)
{
    if (!o) return som__error(err, SOM_EINVAL, "som_fit_opts_check: NULL argument");
    som_train_opts *t = &o->train;
#define WAS_SET(id) ((o->set_ >> (id)) & 1)
    const int batch_set = WAS_SET(S_ALGORITHM) && t->algorithm == SOM_BATCH;
    if (WAS_SET(S_TARGET_WEIGHT) && !o->targets)
        return som__error(err, SOM_EINVAL, "target-weight goes with target");
    if (t->neighborhood == SOM_NEIGHBORHOOD_MEXICAN_HAT) {
        /* Its negative weights have no batch form (som.h). */
        if (batch_set)
            return som__error(err, SOM_EINVAL,
                              "neighborhood mexican-hat needs online training, not algorithm "
                              "batch");
        t->algorithm = SOM_ONLINE;
    }
    if (t->iterations) {
        /* Steps of one sample exist only in online training (MQL5's
         * meaning of "iterations"). */
        if (batch_set)
            return som__error(err, SOM_EINVAL,
                              "iterations counts online steps; batch training counts epochs");
        if (WAS_SET(S_EPOCHS))
            return som__error(err, SOM_EINVAL, "give epochs or iterations, not both");
        t->algorithm = SOM_ONLINE;
    }
    if (WAS_SET(S_INVERSE)) {
        if (WAS_SET(S_SCHEDULE) && t->schedule != SOM_SCHEDULE_INVERSE)
            return som__error(err, SOM_EINVAL, "inverse goes with schedule inverse");
        t->schedule = SOM_SCHEDULE_INVERSE;
    }
    if (o->init_codebook) {
        if (WAS_SET(S_INIT))
            return som__error(err, SOM_EINVAL, "give init or init-codebook, not both");
        t->init = SOM_INIT_KEEP;
    }
    if (t->radius_schedule == SOM_RADIUS_SAME && t->schedule == SOM_SCHEDULE_EXP &&
        t->radius1 == 0.0)
        return som__error(err, SOM_EINVAL,
                          "radius: the exp schedule needs an end radius R1 > 0 (or another "
                          "schedule)");
    if ((t->radius_schedule == SOM_RADIUS_EXP || t->radius_schedule == SOM_RADIUS_INVERSE) &&
        t->radius1 == 0.0)
        return som__error(err, SOM_EINVAL,
                          "radius: radius-schedule %s needs an end radius R1 > 0 (or another "
                          "radius-schedule)",
                          som_enum_name(SOM_ENUM_RADIUS_SCHEDULE, (int)t->radius_schedule));
    if (t->order == SOM_ORDER_CYCLIC) {
        /* Batch training has no order: every pass uses every row at once. */
        if (batch_set)
            return som__error(err, SOM_EINVAL,
                              "order cyclic needs online training; batch training has no "
                              "sample order");
        t->algorithm = SOM_ONLINE;
    }
    if (o->grid.rows || o->grid.cols) {
        som_error why;
        som_error_clear(&why);
        int rc = som_grid_check(&o->grid, &why);
        if (rc != SOM_OK) return som__error(err, rc, "grid: %s", why.message);
    }
#undef WAS_SET
    return SOM_OK;
}
