/* SPDX-License-Identifier: MIT */
/* trainer.c — one training run: validation, initialisation, the step loop
 * shared by both algorithms, quality history and the progress callback. The
 * trainer can stop (callback or step budget) and continue where it was. */
#include "core/core.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

static int validate(const som_train_opts *o, const som_map *m, const som_data *d, som_error *err)
{
    if (som_data_dim(d) != m->dim)
        return som__error(err, SOM_EDIM, "the data has %zu fields but the map has %zu",
                          som_data_dim(d), m->dim);
    if (som_data_n_samples(d) == 0) return som__error(err, SOM_EEMPTY, "no samples to train on");
    if (o->algorithm != SOM_ONLINE && o->algorithm != SOM_BATCH)
        return som__error(err, SOM_EINVAL, "unknown training algorithm %d", (int)o->algorithm);
    if ((unsigned)o->init > SOM_INIT_KEEP)
        return som__error(err, SOM_EINVAL, "unknown initialisation %d", (int)o->init);
    if ((unsigned)o->schedule > SOM_SCHEDULE_MQL)
        return som__error(err, SOM_EINVAL, "unknown schedule %d", (int)o->schedule);
    if ((unsigned)o->neighborhood > SOM_NEIGHBORHOOD_MEXICAN_HAT)
        return som__error(err, SOM_EINVAL, "unknown neighbourhood %d", (int)o->neighborhood);
    if (o->neighborhood == SOM_NEIGHBORHOOD_MEXICAN_HAT && o->algorithm == SOM_BATCH)
        return som__error(err, SOM_EINVAL,
                          "the Mexican-hat neighbourhood is for online training: its negative "
                          "weights leave the batch map's weighted mean undefined");
    if (o->algorithm == SOM_BATCH && o->iterations)
        return som__error(err, SOM_EINVAL,
                          "iterations count single-sample steps of online training; "
                          "batch training counts epochs");
    if (o->epochs == 0 && o->iterations == 0)
        return som__error(err, SOM_EINVAL, "zero epochs: nothing to train");
    if (!(o->radius0 >= 0.0) || !(o->radius1 >= 0.0) || !isfinite(o->radius0) || !isfinite(o->radius1))
        return som__error(err, SOM_EINVAL, "radius must be finite and >= 0 (got %g:%g)",
                          o->radius0, o->radius1);
    if (o->schedule == SOM_SCHEDULE_EXP && (o->radius0 <= 0.0 || o->radius1 <= 0.0))
        return som__error(err, SOM_EINVAL, "the exp schedule needs radii > 0 (got %g:%g)",
                          o->radius0, o->radius1);
    if (o->algorithm == SOM_ONLINE) {
        if (!(o->rate0 > 0.0) || !(o->rate1 >= 0.0) || !isfinite(o->rate0) || !isfinite(o->rate1))
            return som__error(err, SOM_EINVAL, "learning rate must be finite and > 0 (got %g:%g)",
                              o->rate0, o->rate1);
        if (o->schedule == SOM_SCHEDULE_EXP && o->rate1 <= 0.0)
            return som__error(err, SOM_EINVAL, "the exp schedule needs a final rate > 0");
    }
    if (!(o->neighbor_rate >= 0.0) || !isfinite(o->neighbor_rate))
        return som__error(err, SOM_EINVAL, "neighbour rate must be finite and >= 0 (got %g)",
                          o->neighbor_rate);
    if (o->schedule == SOM_SCHEDULE_INVERSE && (o->inverse_a < 0.0 || o->inverse_b < 0.0))
        return som__error(err, SOM_EINVAL, "inverse schedule A and B must be >= 0");
    if (o->shard) {
        if (o->algorithm != SOM_BATCH)
            return som__error(err, SOM_ENOTSUP,
                              "online training is one sample after another and cannot be split "
                              "among processes; distributed training is batch training");
        if (o->shard->first > o->shard->n_total ||
            som_data_n_samples(d) > o->shard->n_total - o->shard->first)
            return som__error(err, SOM_EINVAL,
                              "the shard's %zu rows from row %zu do not fit in %zu rows in all",
                              som_data_n_samples(d), o->shard->first + 1, o->shard->n_total);
    }
    return som__check_rows_present(d, err);
}

int som__trainer_quality(som_trainer *t, double *qe, double *te, som_error *err)
{
    som_map *m = t->map;
    int rc = som__map_bmus_scaled(m, t->sx.x, t->sx.mask, t->sx.n, t->bmu, t->dist2, t->second,
                                  t->opts.threads, err);
    if (rc) return rc;
    t->bmu_valid = true;
    if (!t->opts.shard) {
        som__quality_from_bmus(&m->grid, t->dist2, t->bmu, t->second, t->sx.n, qe, te);
        return SOM_OK;
    }
    /* The sums continue along the shards in row order: the same QE and TE
     * as over all rows in one process. */
    double st[2] = {0.0, 0.0};
    size_t breaks = 0;
    if ((rc = som__shard_receive(t->opts.shard, st, 2, err))) return rc;
    som__quality_sums(&m->grid, t->dist2, t->bmu, t->second, t->sx.n, &st[0], &breaks);
    st[1] += (double)breaks;
    if ((rc = som__shard_pass_on(t->opts.shard, st, 2, err))) return rc;
    double n = (double)t->opts.shard->n_total;
    *qe = st[0] / n;
    *te = st[1] / n;
    return SOM_OK;
}

/* inplace: the data whose values may be scaled in place (the same object
 * as d), or NULL for a scaled copy. */
static int trainer_new(som_map *m, const som_data *d, som_data *inplace,
                       const som_train_opts *opts, som_trainer **out, som_error *err)
{
    *out = NULL;
    if (!m || !d || !opts) return som__error(err, SOM_EINVAL, "missing map, data or options");
    som_train_opts o = *opts;
    som__train_opts_resolve(&o, &m->grid);
    int rc = validate(&o, m, d, err);
    if (rc) return rc;

    som_trainer *t = som__calloc(1, sizeof *t);
    if (!t) return som__error_oom(err);
    t->map = m;
    t->data = d;
    t->opts = o;
    size_t n = som_data_n_samples(d);
    if (o.algorithm == SOM_ONLINE) {
        if (o.iterations) t->n_steps = o.iterations;
        else if (!som__mul_ok(o.epochs, n, &t->n_steps)) {
            som__free(t);
            return som__error(err, SOM_ERANGE, "epochs x samples overflows");
        }
        t->n_passes = (t->n_steps + n - 1) / n;
    } else {
        t->n_steps = t->n_passes = o.epochs;
    }
    som__rng_seed(&t->rng, o.seed);
    t->sigma = t->alpha = NAN;

    rc = inplace ? som__scaled_init_inplace(&t->sx, m, inplace, err)
                 : som__scaled_init(&t->sx, m, d, err);
    if (rc) goto fail;
    if ((rc = som__dist_table_init(&t->dist, &m->grid, err))) goto fail;
    t->bmu = som__calloc(n, sizeof *t->bmu);
    t->second = som__calloc(n, sizeof *t->second);
    t->dist2 = som__calloc(n, sizeof *t->dist2);
    t->h = som__calloc(m->n_units, sizeof *t->h);
    if (!t->bmu || !t->second || !t->dist2 || !t->h) goto oom;
    if (o.algorithm == SOM_ONLINE) {
        t->perm = som__calloc(n, sizeof *t->perm);
        if (!t->perm) goto oom;
        for (size_t i = 0; i < n; i++) t->perm[i] = i;
        t->perm_pos = n; /* the first step draws the first permutation */
    } else {
        /* Counts per component when values are missing in any shard, so
         * that every shard's sums have the same layout. */
        double any_mask = t->sx.mask ? 1.0 : 0.0;
        if (o.shard) {
            double flag = 0.0;
            if ((rc = som__shard_receive(o.shard, &flag, 1, err))) goto fail;
            if (any_mask > flag) flag = any_mask;
            if ((rc = som__shard_pass_on(o.shard, &flag, 1, err))) goto fail;
            any_mask = flag;
        }
        t->per_unit = any_mask != 0.0 ? m->dim : 1;
        size_t n_sum = m->n_units * m->dim, n_cnt = m->n_units * t->per_unit;
        t->sum = som__calloc(n_sum + n_cnt, sizeof *t->sum);
        t->htab = som__calloc(2 * t->dist.span_r * t->dist.span_c, sizeof *t->htab);
        t->hit = som__calloc(m->n_units, sizeof *t->hit);
        if (!t->sum || !t->htab || !t->hit) goto oom;
        t->cnt = t->sum + n_sum;
    }
    /* PCA's small eigenproblem gains nothing from OpenBLAS threads, and a
     * threaded call leaves them spinning for a while afterwards, taking a
     * core from the training that follows (measured: online case B ran up
     * to twice as long). */
    int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    rc = som__init_codebook(m, &t->sx, o.init, o.seed, o.shard, err);
    openblas_set_num_threads(blas_threads);
    if (rc) goto fail;
    som__map_history_clear(m);
    m->trained = false;
    som_history h0 = {0, NAN, NAN, NAN, NAN};
    if ((rc = som__trainer_quality(t, &h0.qe, &h0.te, err))) goto fail;
    if ((rc = som__map_history_push(m, &h0, err))) goto fail;
    *out = t;
    return SOM_OK;
oom:
    rc = som__error_oom(err);
fail:
    som_trainer_free(t);
    return rc;
}

int som_trainer_new(som_map *m, const som_data *d, const som_train_opts *opts,
                    som_trainer **out, som_error *err)
{
    return trainer_new(m, d, NULL, opts, out, err);
}

void som_trainer_free(som_trainer *t)
{
    if (!t) return;
    som__scaled_free(&t->sx);
    som__dist_table_free(&t->dist);
    som__free(t->perm);
    som__free(t->h);
    som__free(t->bmu);
    som__free(t->second);
    som__free(t->dist2);
    som__free(t->sum); /* cnt lies in the same block */
    som__free(t->htab);
    som__free(t->hit);
    som__aligned_free(t->wcb);
    som__free(t->wrow);
    som__free(t);
}

int som_trainer_done(const som_trainer *t) { return t->step >= t->n_steps && !t->end_pending; }
size_t som_trainer_step(const som_trainer *t) { return t->step; }
size_t som_trainer_n_steps(const som_trainer *t) { return t->n_steps; }

static int report(som_trainer *t, int end_of_pass, double qe, double te)
{
    if (!t->opts.progress) return 0;
    som_progress p = {
        .step = t->step, .n_steps = t->n_steps, .pass = t->pass, .n_passes = t->n_passes,
        .sigma = t->sigma, .alpha = t->alpha, .qe = qe, .te = te,
        .end_of_pass = end_of_pass, .map = t->map,
    };
    return t->opts.progress(&p, t->opts.progress_ctx);
}

/* Closes a pass: history (when due) and the callback. */
static int end_pass(som_trainer *t, som_error *err)
{
    t->pass++;
    double qe = NAN, te = NAN;
    bool last = t->pass >= t->n_passes;
    bool due = t->opts.quality_every && t->pass % t->opts.quality_every == 0;
    if (due || last) {
        int rc = som__trainer_quality(t, &qe, &te, err);
        if (rc == SOM_ECANCELED) { /* the pass stays; its end comes next run */
            t->pass--;
            t->end_pending = true;
        }
        if (rc) return rc;
        som_history h = {t->pass, t->sigma, t->alpha, qe, te};
        if ((rc = som__map_history_push(t->map, &h, err))) return rc;
    }
    if (last && !t->finished) {
        t->finished = true;
        t->map->trained = true;
        t->map->settings = t->opts;
        t->map->settings.progress = NULL;
        t->map->settings.progress_ctx = NULL;
        t->map->settings.shard = NULL;
        /* The thread count belongs to the run, not to the model: results do
         * not depend on it, and neither may the saved bytes. */
        t->map->settings.threads = 0;
    }
    if (report(t, 1, qe, te))
        return last ? SOM_OK : som__error(err, SOM_ESTOPPED, "training stopped after pass %zu of %zu",
                                          t->pass, t->n_passes);
    return SOM_OK;
}

int som_trainer_run(som_trainer *t, size_t max_steps, som_error *err)
{
    size_t budget = max_steps ? max_steps : SIZE_MAX;
    size_t n = t->sx.n;
    int rc = som__cancel_check(err);
    if (rc == SOM_OK && t->end_pending) {
        t->end_pending = false;
        rc = end_pass(t, err);
    }
    while (rc == SOM_OK && t->step < t->n_steps && budget > 0) {
        if (t->opts.algorithm == SOM_BATCH) {
            if ((rc = som__batch_pass(t, err))) break;
            t->step++;
            budget--;
            rc = end_pass(t, err);
            continue;
        }
        /* Online: run up to the next pass end, progress report or budget. */
        size_t left_in_pass = t->perm_pos == n ? n : n - t->perm_pos;
        size_t chunk = t->n_steps - t->step;
        if (left_in_pass < chunk) chunk = left_in_pass;
        if (budget < chunk) chunk = budget;
        size_t every = t->opts.progress_every;
        if (every && every - t->step % every < chunk) chunk = every - t->step % every;
        if ((rc = som__online_steps(t, chunk, err))) break;
        budget -= chunk;
        if (t->perm_pos == n || t->step == t->n_steps) {
            rc = end_pass(t, err);
        } else if (every && t->step % every == 0 && report(t, 0, NAN, NAN)) {
            rc = som__error(err, SOM_ESTOPPED, "training stopped at step %zu of %zu", t->step,
                            t->n_steps);
        }
    }
    return rc;
}

int som_map_train(som_map *m, const som_data *d, const som_train_opts *opts, som_error *err)
{
    som_trainer *t;
    int rc = som_trainer_new(m, d, opts, &t, err);
    if (rc) return rc;
    rc = som_trainer_run(t, 0, err);
    som_trainer_free(t);
    return rc;
}

int som__trainer_new_inplace(som_map *m, som_data *d, const som_train_opts *opts,
                             som_trainer **out, som_error *err)
{
    return trainer_new(m, d, d, opts, out, err);
}

int som_map_train_inplace(som_map *m, som_data *d, const som_train_opts *opts, som_error *err)
{
    som_trainer *t;
    int rc = trainer_new(m, d, d, opts, &t, err);
    if (rc) return rc;
    rc = som_trainer_run(t, 0, err);
    som_trainer_free(t);
    return rc;
}
