/* SPDX-License-Identifier: MIT */
/* cluster_auto.c — the default clustering of a map's units
 * (SOM_CLUSTER_AUTO): units weighted by their hits, units without hits
 * attached to their nearest live neighbour, Ward's merges (grid
 * neighbours first), the largest k whose next merge would join two clusters
 * clearly apart, and a few k-means steps (som.h, som_map_cluster, says
 * what; tests/cli/scenarios.sh and bench/scenarios.sh measure it).
 *
 * Why not the Davies-Bouldin index over k-means of all units (the old
 * default): a map spends units on every part of the space, so dead units
 * between groups and units stretched along a pure-noise field count as
 * much as the busy ones, and the index then prefers cutting each group in
 * two (k = 6 on three planted groups with one noise field) or the largest
 * k tried. Why not the jump in Ward's merge cost (tried first): after
 * z-scoring, a field that does not separate the groups spreads each group
 * as much as the gap between them, so joining two groups 6 sd apart cost
 * only 2.8 times halving one of them, no more than on uniform noise. The
 * separation along the line between the two centres ignores such fields. */
#include "analysis/analysis.h"

#include <math.h>
#include <string.h>

/* Clusters left when Ward stops asking for grid neighbours (below). */
#define SOM__WARD_FREE_BELOW 200

/* How far apart the two clusters are that the merge from c to c - 1
 * clusters joins: the distance between their hit-weighted centres over
 * the pooled standard deviation of their units along the line through the
 * centres (units weighted by hits). Along one direction only, so fields
 * that do not separate them (noise, z-scored to the same spread) do not
 * drown it, and free of scale. Halving one gaussian group gives about 2.7
 * (centres 1.6 sd apart, halves of sd 0.6), halving a uniform one 3.5; two
 * groups d sd apart give about d. lc, lp: the units' clusters at c and
 * c - 1; *smaller receives the live units of the smaller of the two;
 * first: scratch of n. */
static double separation(const float *x, const double *w, size_t n, size_t dim, const uint32_t *lc,
                         const uint32_t *lp, double *ca, double *cb, size_t *smaller,
                         uint32_t *first)
{
    /* The merged cluster is the one of c - 1 whose units carry two labels of
     * c: first[] keeps, per cluster of c - 1 (fewer than n), the first label
     * of c met in it. */
    uint32_t la = UINT32_MAX, lb = UINT32_MAX;
    for (size_t u = 0; u < n; u++) first[lp[u]] = UINT32_MAX;
    for (size_t u = 0; u < n && lb == UINT32_MAX; u++) {
        if (first[lp[u]] == UINT32_MAX) first[lp[u]] = lc[u];
        else if (first[lp[u]] != lc[u]) {
            la = first[lp[u]];
            lb = lc[u];
        }
    }
    if (lb == UINT32_MAX) return NAN;
    double wa = 0.0, wb = 0.0;
    size_t na = 0, nb = 0;
    memset(ca, 0, dim * sizeof *ca);
    memset(cb, 0, dim * sizeof *cb);
    for (size_t u = 0; u < n; u++) {
        double *c = lc[u] == la ? ca : lc[u] == lb ? cb : NULL;
        if (!c || w[u] <= 0.0) continue;
        for (size_t j = 0; j < dim; j++) c[j] += w[u] * (double)x[u * dim + j];
        *(c == ca ? &wa : &wb) += w[u];
        *(c == ca ? &na : &nb) += 1;
    }
    *smaller = na < nb ? na : nb;
    if (wa <= 0.0 || wb <= 0.0) return NAN;
    double d2 = 0.0;
    for (size_t j = 0; j < dim; j++) {
        ca[j] /= wa;
        cb[j] /= wb;
        d2 += (ca[j] - cb[j]) * (ca[j] - cb[j]);
    }
    double d = sqrt(d2);
    if (d <= 0.0) return 0.0;
    double ss = 0.0;
    for (size_t u = 0; u < n; u++) {
        const double *c = lc[u] == la ? ca : lc[u] == lb ? cb : NULL;
        if (!c || w[u] <= 0.0) continue;
        double p = 0.0;
        for (size_t j = 0; j < dim; j++) p += ((double)x[u * dim + j] - c[j]) * (ca[j] - cb[j]);
        p /= d;
        ss += w[u] * p * p;
    }
    double sd = sqrt(ss / (wa + wb));
    return sd > 0.0 ? d / sd : (double)INFINITY;
}

/* Gives every unit a region: live units (live[u]) are regions 0..R-1 in
 * unit order; each unit without hits joins, ring by ring outwards on the
 * grid, the region of the neighbour already placed whose codebook vector is
 * nearest in the map's distance (ties: the lower unit). A round reads only
 * what earlier rounds placed, so the result does not depend on the order
 * of the units. Returns R. */
static size_t attach_dead(const som_map *m, const bool *live, uint32_t *region, uint32_t *next)
{
    const size_t n = m->n_units;
    size_t r = 0;
    for (size_t u = 0; u < n; u++) region[u] = live[u] ? (uint32_t)r++ : UINT32_MAX;
    for (bool open = true; open;) {
        open = false;
        bool moved = false;
        memcpy(next, region, n * sizeof *next);
        for (size_t u = 0; u < n; u++) {
            if (region[u] != UINT32_MAX) continue;
            open = true;
            size_t nb[6], best = SIZE_MAX;
            double bd = INFINITY;
            size_t k = som_grid_neighbors(&m->grid, u, nb);
            for (size_t t = 0; t < k; t++) {
                if (region[nb[t]] == UINT32_MAX) continue;
                double d = som_map_unit_distance(m, u, nb[t]);
                if (d < bd || (d == bd && nb[t] < best)) {
                    bd = d;
                    best = nb[t];
                }
            }
            if (best != SIZE_MAX) {
                next[u] = region[best];
                moved = true;
            }
        }
        memcpy(region, next, n * sizeof *region);
        if (open && !moved) break; /* cannot happen: the grid is connected */
    }
    return r;
}

/* Ward's merges are greedy: a unit joined early to the wrong side stays
 * there. A few of Lloyd's steps on the live units (hit-weighted centres,
 * each live unit to the nearest) move such units over; the units without
 * hits then follow the live unit of their region again. k stays: a
 * cluster that would empty keeps its unit. cent: k * dim scratch, cw: k. */
static void refine(const float *x, const double *w, const bool *live, const uint32_t *region,
                   size_t n, size_t dim, size_t k, uint32_t *labels, double *cent, double *cw,
                   uint32_t *owner)
{
    for (int it = 0; it < 10; it++) {
        memset(cent, 0, k * dim * sizeof *cent);
        memset(cw, 0, k * sizeof *cw);
        for (size_t u = 0; u < n; u++) {
            if (!live[u]) continue;
            for (size_t j = 0; j < dim; j++) cent[labels[u] * dim + j] += w[u] * (double)x[u * dim + j];
            cw[labels[u]] += w[u];
        }
        for (size_t c = 0; c < k; c++)
            for (size_t j = 0; j < dim; j++) cent[c * dim + j] /= cw[c] > 0.0 ? cw[c] : 1.0;
        bool moved = false;
        for (size_t u = 0; u < n; u++) {
            if (!live[u]) continue;
            uint32_t best = labels[u];
            double bd = INFINITY;
            for (size_t c = 0; c < k; c++) {
                double d = 0.0;
                for (size_t j = 0; j < dim; j++) {
                    double t = (double)x[u * dim + j] - cent[c * dim + j];
                    d += t * t;
                }
                if (d < bd) {
                    bd = d;
                    best = (uint32_t)c;
                }
            }
            if (best != labels[u] && cw[labels[u]] > w[u]) { /* never empty a cluster */
                cw[labels[u]] -= w[u];
                cw[best] += w[u];
                labels[u] = best;
                moved = true;
            }
        }
        if (!moved) break;
    }
    /* Each region's live unit gives its label to the region. */
    for (size_t u = 0; u < n; u++)
        if (live[u]) owner[region[u]] = labels[u];
    for (size_t u = 0; u < n; u++) labels[u] = owner[region[u]];
}

int som__cluster_auto(const som_map *m, const float *x, const som_cluster_opts *o, size_t k_min,
                      size_t k_max, uint32_t *labels, som_cluster_result *res, som_error *err)
{
    const size_t n = m->n_units, dim = m->dim;
    bool *live = som__calloc(n, sizeof *live);
    double *w = som__calloc(n, sizeof *w);
    uint32_t *region = som__calloc(n, sizeof *region);
    uint32_t *scratch = som__calloc(n, sizeof *scratch);
    uint32_t *lab = som__calloc(k_max * n, sizeof *lab);
    double *strengths = som__calloc(k_max + 1, sizeof *strengths);
    double *ca = som__calloc(2 * dim, sizeof *ca);
    int rc = SOM_OK;
    if (!live || !w || !region || !scratch || !lab || !ca || !strengths) {
        rc = som__error_oom(err);
        goto done;
    }
    size_t total = 0;
    for (size_t u = 0; o->hits && u < n; u++) total += o->hits[u];
    for (size_t u = 0; u < n; u++) {
        /* Without hits (or with none at all) every unit is live and weighs 1. */
        w[u] = total ? (double)o->hits[u] : 1.0;
        live[u] = w[u] > 0.0;
    }
    size_t n_regions = attach_dead(m, live, region, scratch);
    res->n_live = n_regions;
    /* k stays below the live units: k = n_regions leaves nothing merged. */
    size_t top = k_max < n_regions ? k_max : n_regions - 1;
    if (o->k && k_min <= n_regions) top = k_max; /* a k given */
    if (top < k_min) {
        /* Too few live units to choose among k_min..k_max. */
        if (o->k)
            rc = som__error(err, SOM_EINVAL, "k = %zu, but only %zu units hold rows", k_min,
                            n_regions);
        else
            rc = som__error(err, SOM_EINVAL, "cannot choose k in %zu..%zu: only %zu units hold rows",
                            k_min, k_max, n_regions);
        goto done;
    }
    rc = som__ward_grid(x, w, region, n_regions, &m->grid, dim, 1, top, SOM__WARD_FREE_BELOW, lab, NULL,
                        err);
    if (rc) goto done;
    if (o->k) {
        memcpy(labels, lab + (k_min - 1) * n, n * sizeof *labels);
        res->k = k_min;
        goto done;
    }
    /* The largest k whose merge (k to k - 1) joins two clusters farther
     * apart than chance would put two parts of one group. Few units measure
     * the separation roughly (on the scenarios, pieces of 2..9 units of one
     * group reached 6.5), so the bar rises for small clusters: min_sep +
     * 6 / sqrt(units of the smaller cluster). Largest, not most separated:
     * groups of groups (two pairs of close blobs) keep their finer level. */
    const double min_sep = o->min_separation > 0.0 ? o->min_separation : SOM_CLUSTER_MIN_SEPARATION;
    size_t best = 0;
    double strongest = 0.0;
    for (size_t k = top; k >= k_min; k--) {
        size_t small = 0;
        double sep = separation(x, w, n, dim, lab + (k - 1) * n, lab + (k - 2) * n, ca, ca + dim,
                                &small, scratch);
        /* One live unit shows no spread: such a cluster is never a group. */
        double strength = small < 2 ? 0.0 : sep / (min_sep + 6.0 / sqrt((double)small));
        if (isnan(strength)) strength = 0.0;
        if (res->score) res->score[k - k_min] = strength;
        if (strength > strongest) strongest = strength;
        strengths[k] = strength;
    }
    /* The largest k that passes the bar and is not a mere ripple beside the
     * strongest split (a fifth of it: among many small clusters one can pass
     * by chance; measured on the scenarios' other draws). */
    double bar = strongest / 5.0 > 1.0 ? strongest / 5.0 : 1.0;
    for (size_t k = top; k >= k_min && !best; k--)
        if (strengths[k] >= bar) best = k;
    double best_strength = best ? strengths[best] : strongest;
    res->strength = best_strength;
    if (!best) {
        res->one_group = 1;
        res->k = 1;
        memset(labels, 0, n * sizeof *labels);
    } else {
        res->k = best;
        res->at_top = best == top;
        memcpy(labels, lab + (best - 1) * n, n * sizeof *labels);
        double *cent = som__calloc(best * dim + best, sizeof *cent);
        if (!cent) {
            rc = som__error_oom(err);
            goto done;
        }
        refine(x, w, live, region, n, dim, best, labels, cent, cent + best * dim, scratch);
        som__free(cent);
        uint32_t *ids = scratch; /* refine is done with it */
        som__cluster_relabel(labels, n, best, ids);
    }
    /* Partitions of the k tried, for the Davies-Bouldin indices. */
    if (res->db)
        for (size_t k = k_min; k <= top && rc == SOM_OK; k++)
            rc = som_vectors_davies_bouldin(x, n, dim, lab + (k - 1) * n, k, &res->db[k - k_min],
                                            err);
done:
    som__free(live);
    som__free(w);
    som__free(region);
    som__free(scratch);
    som__free(lab);
    som__free(ca);
    som__free(strengths);
    return rc;
}
