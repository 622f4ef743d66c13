/* SPDX-License-Identifier: MIT */
/* fit.c — the whole fit: the pipeline from data and settings (som_fit_opts,
 * whose table, defaults and rules are src/core/settings.c) to a trained map
 * that every front-end calls. */
#include "analysis/analysis.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the whole fit (som_fit, som_fitter_*) -------------------------------- */

struct som_fitter {
    som_fit_opts opts;      /* a copy; strings borrowed from the caller's */
    som_data *data;         /* trained on: the caller's, or owned */
    bool own_data;          /* data is ours to free */
    bool inplace;           /* its values may be scaled in place */
    const char *data_name;
    double *weights;        /* dim weights, or NULL when all are 1 */
    som_map *start;         /* the starting codebook's model, or NULL */
    som_map *map;
    som_trainer *trainer;
    som_progress_fn progress; /* the caller's callback, wrapped */
    void *progress_ctx;
    bool taken;             /* the map went to the caller */
    bool broken;            /* a start failed after scaling data in place */
    int ck_failed;          /* a checkpoint could not be written: ck_err */
    som_error ck_err;
    som_fit_info info;
};

static const char *name_of(const char *data_name)
{
    return data_name ? data_name : "the data";
}

/* A failure that the value of setting `name` caused. */
static int setting_error(som_fit_info *info, const char *name, som_error *err, const char *fmt,
                         ...) SOM_PRINTF(4, 5);
static int setting_error(som_fit_info *info, const char *name, som_error *err, const char *fmt,
                         ...)
{
    char msg[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (info) info->setting = name;
    return som__error(err, SOM_EINVAL, "%s", msg);
}

/* The next comma-separated item of *list (at most `size` - 1 bytes; empty
 * items are skipped), or NULL at the end. */
static const char *next_item(const char **list, char *buf, size_t size)
{
    const char *s = *list;
    while (s && *s == ',') s++;
    if (!s || !*s) return NULL;
    size_t n = strcspn(s, ",");
    snprintf(buf, size, "%.*s", (int)n, s);
    *list = s + n;
    return buf;
}

/* A number as the command line reads it: the C locale, finite, in range. */
static bool parse_weight(const char *s, double *out)
{
    if (!*s) return false;
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c == (locale_t)0) return false;
    char *end;
    errno = 0;
    double v = strtod_l(s, &end, c);
    bool ok = errno == 0 && *end == '\0' && isfinite(v);
    freelocale(c);
    if (ok) *out = v;
    return ok;
}

#define ITEM_MAX 1024 /* longest title or TITLE=W in a list */

/* Step 1 on data that may be replaced: checks the targets' titles and
 * one-hot encodes the label column when it is one of them. */
static int prepare(som_data **data, bool own, const som_fit_opts *o, const char *name,
                   som_fit_info *info, som_error *err)
{
    if (!o->targets) return SOM_OK;
    const char *label = som_data_label_title(*data), *list = o->targets, *t;
    char buf[ITEM_MAX];
    bool one_hot = false;
    while ((t = next_item(&list, buf, sizeof buf))) {
        if (label && strcmp(t, label) == 0) one_hot = true;
        else if (som_data_find_title(*data, t) < 0)
            return setting_error(info, "target", err, "%s has no column '%s'", name_of(name), t);
    }
    if (!one_hot) return SOM_OK;
    som_data *hot = NULL;
    size_t n_classes = 0;
    int rc = som_data_one_hot_labels(*data, &hot, &n_classes, err);
    if (rc != SOM_OK) return rc;
    if (own) som_data_free(*data);
    *data = hot;
    if (info) info->n_classes = n_classes;
    return SOM_OK;
}

/* Step 2: every field's weight, *out NULL when all are 1. */
static int feature_weights(const som_data *data, const som_fit_opts *o, const char *name,
                           double **out, som_fit_info *info, som_error *err)
{
    *out = NULL;
    if (!o->targets && !o->weights) return SOM_OK;
    size_t dim = som_data_dim(data);
    double *w = som__calloc(dim ? dim : 1, sizeof *w);
    if (!w) return som__error_oom(err);
    for (size_t j = 0; j < dim; j++) w[j] = 1.0;
    /* A target is the field of that title, or else its class fields
     * "TITLE=CLASS" (the one-hot encoding, which rows shared out after it
     * keep without the label column). */
    const char *list = o->targets, *t;
    char buf[ITEM_MAX];
    int rc = SOM_OK;
    while (rc == SOM_OK && (t = next_item(&list, buf, sizeof buf))) {
        size_t tl = strlen(t), hits = 0;
        long exact = som_data_find_title(data, t);
        for (size_t j = 0; j < dim; j++) {
            const char *title = som_data_title(data, j);
            bool is_class = exact < 0 && strncmp(title, t, tl) == 0 && title[tl] == '=';
            if (is_class || (long)j == exact) {
                w[j] = o->target_weight;
                hits++;
            }
        }
        if (!hits)
            rc = setting_error(info, "target", err, "%s has no column '%s'", name_of(name), t);
    }
    list = o->weights;
    while (rc == SOM_OK && (t = next_item(&list, buf, sizeof buf))) {
        char *eq = strrchr(buf, '='); /* titles may hold '=' (COL=CLASS) */
        double v;
        if (!eq || eq == buf || !parse_weight(eq + 1, &v) || v < 0) {
            rc = setting_error(info, "weights", err, "expected TITLE=W with W >= 0, got '%s'", t);
            break;
        }
        *eq = '\0';
        long j = som_data_find_title(data, buf);
        if (j < 0)
            rc = setting_error(info, "weights", err, "%s has no column '%s'", name_of(name), buf);
        else
            w[j] = v;
    }
    if (rc != SOM_OK) {
        som__free(w);
        return rc;
    }
    *out = w;
    return SOM_OK;
}

int som_fit_prepare(som_data **data, const som_fit_opts *opts, const char *data_name,
                    som_fit_info *info, som_error *err)
{
    if (info) {
        memset(info, 0, sizeof *info);
        info->grid_ratio = NAN;
    }
    if (!data || !*data || !opts) return som__error(err, SOM_EINVAL, "som_fit_prepare: NULL argument");
    int rc = prepare(data, true, opts, data_name, info, err);
    double *w = NULL;
    /* The weights' titles too: a mistake is found before the rows part. */
    if (rc == SOM_OK) rc = feature_weights(*data, opts, data_name, &w, info, err);
    som__free(w);
    return rc;
}

/* The starting codebook's model, checked against the grid and the data. */
static int load_start(som_fitter *f, som_error *err)
{
    const char *path = f->opts.init_codebook;
    int rc = som_map_load_as(path, NULL, &f->start, err);
    if (rc != SOM_OK) return rc;
    const som_grid *g = &f->info.grid, *sg = som_map_grid(f->start);
    size_t dim = som_data_dim(f->data);
    if (sg->rows != g->rows || sg->cols != g->cols)
        return som__error(err, SOM_EDIM, "%s: the model's grid is %zux%zu, the map's %zux%zu",
                          path, sg->rows, sg->cols, g->rows, g->cols);
    if (som_map_dim(f->start) != dim)
        return som__error(err, SOM_EDIM, "%s: the model has %zu fields, the data %zu", path,
                          som_map_dim(f->start), dim);
    return SOM_OK;
}

int som_fitter_new(som_data *data, const som_fit_opts *opts, unsigned flags,
                   const char *data_name, som_fitter **out, som_fit_info *info, som_error *err)
{
    bool take = (flags & SOM_FIT_TAKE_DATA) != 0;
    if (out) *out = NULL;
    if (info) {
        memset(info, 0, sizeof *info);
        info->grid_ratio = NAN;
    }
    if (!data || !opts || !out) {
        if (take) som_data_free(data);
        return som__error(err, SOM_EINVAL, "som_fitter_new: NULL argument");
    }
    som_fitter *f = som__calloc(1, sizeof *f);
    if (!f) {
        if (take) som_data_free(data);
        return som__error_oom(err);
    }
    f->opts = *opts;
    f->data = data;
    f->own_data = take;
    f->data_name = data_name;
    f->info.grid_ratio = NAN;
    f->progress = opts->train.progress;
    f->progress_ctx = opts->train.progress_ctx;
    som_error_clear(&f->ck_err);

    int rc = SOM_OK;
    if (!(flags & SOM_FIT_PREPARED)) {
        som_data *d = f->data;
        rc = prepare(&d, take, opts, data_name, &f->info, err);
        if (rc == SOM_OK && d != f->data) {
            f->data = d;
            f->own_data = true; /* the one-hot copy is ours either way */
        }
    }
    if (rc == SOM_OK) rc = feature_weights(f->data, opts, data_name, &f->weights, &f->info, err);
    /* A scaled copy beside the data unless the data is ours and no
     * checkpoint needs it in original units (its fingerprint). */
    f->inplace = f->own_data && take && !opts->checkpoint;
    f->info.n_samples = som_data_n_samples(f->data);
    f->info.dim = som_data_dim(f->data);
    f->info.grid = opts->grid;
    if (rc == SOM_OK && opts->grid.rows == 0 && opts->grid.cols == 0) {
        if (opts->train.shard)
            rc = som__error(err, SOM_ENOTSUP, "the automatic grid looks at all the rows at "
                                              "once: give the grid in distributed training");
        else
            rc = som_grid_auto(f->data, opts->scaling, opts->grid.topology, opts->grid.toroid,
                               &f->info.grid, &f->info.grid_ratio, err);
        f->info.auto_grid = 1;
    }
    if (rc == SOM_OK) rc = som_grid_check(&f->info.grid, err);
    if (rc == SOM_OK && opts->init_codebook) {
        rc = load_start(f, err);
        f->opts.train.init = SOM_INIT_KEEP;
    }
    if (info) *info = f->info;
    if (rc != SOM_OK) {
        som_fitter_free(f);
        return rc;
    }
    *out = f;
    return SOM_OK;
}

/* The caller's callback, then a checkpoint at the end of every N-th pass
 * (not the last: the model itself follows). */
static int fitter_progress(const som_progress *pr, void *ctx)
{
    som_fitter *f = ctx;
    int stop = f->progress ? f->progress(pr, f->progress_ctx) : 0;
    if (stop) return stop;
    size_t every = f->opts.checkpoint_every;
    if (every && f->trainer && pr->end_of_pass && pr->pass < pr->n_passes &&
        pr->pass % every == 0 &&
        som_trainer_save_state(f->trainer, f->opts.checkpoint, &f->ck_err) != SOM_OK) {
        f->ck_failed = 1;
        return 1;
    }
    return 0;
}

/* Puts the starting model's weights (original units) into the map. */
static int apply_start(som_fitter *f, som_error *err)
{
    size_t dim = som_map_dim(f->map), n_units = som_map_n_units(f->map);
    float *codebook = som__calloc(n_units * dim, sizeof *codebook);
    if (!codebook) return som__error_oom(err);
    for (size_t i = 0; i < n_units; i++) {
        float *w = codebook + i * dim;
        som_map_unit_weights(f->start, i, w);
        som_map_scale_row(f->map, w, w);
    }
    som_map_set_codebook(f->map, codebook);
    som__free(codebook);
    return SOM_OK;
}

int som_fitter_start(som_fitter *f, som_error *err)
{
    if (!f) return som__error(err, SOM_EINVAL, "som_fitter_start: NULL argument");
    if (f->trainer) return SOM_OK;
    if (f->taken) return som__error(err, SOM_EINVAL, "the fitter's map was taken");
    if (f->broken)
        return som__error(err, SOM_EINVAL, "the data was scaled in place by a start that "
                                           "failed: begin again with the data in original units");
    const som_fit_opts *o = &f->opts;
    int rc = som_map_new(&f->info.grid, som_data_dim(f->data), &f->map, err);
    if (rc == SOM_OK) rc = som_map_set_titles_from_data(f->map, f->data, err);
    if (rc == SOM_OK) rc = som_map_fit_scaling_ex(f->map, f->data, o->scaling, o->train.shard, err);
    if (rc == SOM_OK) rc = som_map_set_feature_weights(f->map, f->weights, err);
    if (rc == SOM_OK) rc = som_map_set_distance(f->map, o->distance, err);
    if (rc == SOM_OK && f->start) rc = apply_start(f, err);
    if (rc != SOM_OK) goto fail;

    som_train_opts t = o->train;
    if (o->checkpoint && o->checkpoint_every) {
        t.progress = fitter_progress;
        t.progress_ctx = f;
    }
    if (o->checkpoint && o->resume && access(o->checkpoint, F_OK) == 0) {
        rc = som_trainer_resume(f->map, f->data, &t, o->checkpoint, &f->trainer, err);
        if (rc == SOM_OK) {
            f->info.resumed = 1;
            f->info.resumed_step = som_trainer_step(f->trainer);
        }
    } else if (f->inplace) {
        rc = som__trainer_new_inplace(f->map, f->data, &t, &f->trainer, err);
    } else {
        rc = som_trainer_new(f->map, f->data, &t, &f->trainer, err);
    }
    if (rc != SOM_OK) goto fail;
    f->info.n_steps = som_trainer_n_steps(f->trainer);
    som_map_free(f->start);
    f->start = NULL;
    return SOM_OK;
fail:
    /* Begin again next time (a cancelled start, say), from a new map. */
    som_map_free(f->map);
    f->map = NULL;
    if (f->inplace) f->broken = true;
    return rc;
}

int som_fitter_run(som_fitter *f, som_error *err)
{
    if (!f) return som__error(err, SOM_EINVAL, "som_fitter_run: NULL argument");
    int rc = som_fitter_start(f, err);
    if (rc != SOM_OK) return rc;
    f->ck_failed = 0;
    rc = som_trainer_run(f->trainer, 0, err);
    if (f->ck_failed) {
        if (err) *err = f->ck_err;
        return f->ck_err.code ? f->ck_err.code : SOM_EIO;
    }
    return rc;
}

int som_fitter_done(const som_fitter *f) { return f && f->trainer && som_trainer_done(f->trainer); }
const som_fit_info *som_fitter_info(const som_fitter *f) { return f ? &f->info : NULL; }
som_map *som_fitter_map(const som_fitter *f) { return f ? f->map : NULL; }

som_map *som_fitter_take_map(som_fitter *f)
{
    if (!f) return NULL;
    som_trainer_free(f->trainer); /* it points at the map */
    f->trainer = NULL;
    som_map *m = f->map;
    f->map = NULL;
    f->taken = true;
    return m;
}

void som_fitter_free(som_fitter *f)
{
    if (!f) return;
    som_trainer_free(f->trainer);
    som_map_free(f->map);
    som_map_free(f->start);
    som__free(f->weights);
    if (f->own_data) som_data_free(f->data);
    som__free(f);
}

int som_fit(som_data *data, const som_fit_opts *opts, unsigned flags, const char *data_name,
            som_map **out, som_fit_info *info, som_error *err)
{
    if (out) *out = NULL;
    if (!out) {
        if (flags & SOM_FIT_TAKE_DATA) som_data_free(data);
        return som__error(err, SOM_EINVAL, "som_fit: NULL argument");
    }
    som_fitter *f = NULL;
    int rc = som_fitter_new(data, opts, flags, data_name, &f, info, err);
    if (rc != SOM_OK) return rc;
    rc = som_fitter_run(f, err);
    if (info) *info = f->info;
    if (rc == SOM_OK) *out = som_fitter_take_map(f);
    som_fitter_free(f);
    return rc;
}
