/* SPDX-License-Identifier: MIT */
/* cluster.c — clusters of a map's units: k-means with k-means++ seeding,
 * Ward's agglomerative clustering restricted to grid neighbours (so every
 * cluster is a connected patch of the map), and the Davies-Bouldin index
 * that chooses k when none is given. The SOM Toolbox (som_kmeans,
 * som_cllinkage with a neighbourhood connection) and kohonen's clustering
 * of codebooks do the same; definitions are in som.h, "clusters of units".
 * Everything runs in double on the float vectors, in a fixed order, so a
 * seed gives the same clusters on every machine and thread count. */
#include "analysis/analysis.h"

#include <math.h>
#include <string.h>

static double dist2_fd(const float *x, const double *c, size_t dim)
{
    double s = 0.0;
    for (size_t j = 0; j < dim; j++) {
        double t = (double)x[j] - c[j];
        s += t * t;
    }
    return s;
}

/* Renumbers labels 0..k-1 in order of first appearance, so that equal
 * partitions give equal label arrays whatever the algorithm's own ids. */
void som__cluster_relabel(uint32_t *labels, size_t n, size_t n_ids, uint32_t *map)
{
    for (size_t c = 0; c < n_ids; c++) map[c] = UINT32_MAX;
    uint32_t next = 0;
    for (size_t i = 0; i < n; i++) {
        if (map[labels[i]] == UINT32_MAX) map[labels[i]] = next++;
        labels[i] = map[labels[i]];
    }
}

/* ---- k-means -------------------------------------------------------------- */

/* dist2_fd from each of the n points to the centre c, four points at a
 * time: the same sums in the same order, four independent chains. */
static void dist2_points(const float *x, size_t n, size_t dim, const double *c, double *out)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const float *x0 = x + i * dim;
        double s[4] = {0.0};
        for (size_t j = 0; j < dim; j++) {
            const double cj = c[j];
            for (size_t l = 0; l < 4; l++) {
                double t = (double)x0[l * dim + j] - cj;
                s[l] += t * t;
            }
        }
        for (size_t l = 0; l < 4; l++) out[i + l] = s[l];
    }
    for (; i < n; i++) out[i] = dist2_fd(x + i * dim, c, dim);
}

/* k-means++ (Arthur and Vassilvitskii): the first centre uniformly, each
 * next one with probability proportional to the squared distance to the
 * nearest centre chosen so far. dn: scratch of n. */
static void kmeanspp(const float *x, size_t n, size_t dim, size_t k, som_rng *rng, double *cent,
                     double *d2, double *dn)
{
    size_t first = (size_t)som__rng_below(rng, n);
    for (size_t j = 0; j < dim; j++) cent[j] = (double)x[first * dim + j];
    dist2_points(x, n, dim, cent, d2);
    for (size_t c = 1; c < k; c++) {
        double total = 0.0;
        for (size_t i = 0; i < n; i++) total += d2[i];
        size_t pick = n;
        if (total > 0.0) {
            double r = som__rng_uniform(rng) * total, acc = 0.0;
            for (size_t i = 0; i < n; i++) {
                if (d2[i] <= 0.0) continue;
                acc += d2[i];
                pick = i;
                if (acc > r) break;
            }
        }
        if (pick == n) pick = (size_t)som__rng_below(rng, n); /* all points coincide */
        double *cc = cent + c * dim;
        for (size_t j = 0; j < dim; j++) cc[j] = (double)x[pick * dim + j];
        dist2_points(x, n, dim, cc, dn);
        for (size_t i = 0; i < n; i++)
            if (dn[i] < d2[i]) d2[i] = dn[i];
    }
}

/* Moves points into empty clusters: each empty cluster takes the point
 * farthest from its own centre among clusters of two or more (ties: the
 * lowest index), so that every one of the k clusters keeps a member even
 * when points coincide (k <= n). Returns whether anything moved. */
static bool fill_empty(size_t n, size_t k, uint32_t *lab, double *d2, size_t *cnt)
{
    bool moved = false;
    for (size_t c = 0; c < k; c++) {
        if (cnt[c] != 0) continue;
        size_t far = n;
        for (size_t i = 0; i < n; i++)
            if (cnt[lab[i]] > 1 && (far == n || d2[i] > d2[far])) far = i;
        cnt[lab[far]]--;
        lab[far] = (uint32_t)c;
        d2[far] = 0.0; /* it is its new cluster's centre */
        cnt[c] = 1;
        moved = true;
    }
    return moved;
}

/* dist2_fd from x to the k centres, four at a time: ct holds them in
 * panels of 4 centres, field by field (panel p, field j, lane l at
 * ct[(p dim + j) 4 + l]; lanes past k are 0 and their sums ignored). Each
 * centre's sum runs over the fields in the same order as dist2_fd (the
 * same bits), but four independent sums stay in registers and overlap:
 * with a wide map's 20,000 fields one dependent chain per centre was the
 * whole cost of clustering. */
#define KM_LANES 4
static void dist2_to_all(const float *x, const double *ct, size_t dim, size_t k, double *out)
{
    for (size_t p = 0; p * KM_LANES < k; p++) {
        const double *panel = ct + p * dim * KM_LANES;
        double s[KM_LANES] = {0.0};
        for (size_t j = 0; j < dim; j++) {
            const double xj = (double)x[j];
            for (size_t l = 0; l < KM_LANES; l++) {
                double t = xj - panel[j * KM_LANES + l];
                s[l] += t * t;
            }
        }
        for (size_t l = 0; l < KM_LANES && p * KM_LANES + l < k; l++) out[p * KM_LANES + l] = s[l];
    }
}

static size_t panels_len(size_t k, size_t dim)
{
    return (k + KM_LANES - 1) / KM_LANES * KM_LANES * dim;
}

/* Lloyd's iterations from the centres in cent; returns the inertia, or NaN
 * when the call is cancelled (polled every 1024 points). ct (panels_len)
 * and dk (k) are scratch. */
static double lloyd(const float *x, size_t n, size_t dim, size_t k, size_t max_iter, double *cent,
                    uint32_t *lab, double *d2, size_t *cnt, double *ct, double *dk)
{
    som_cancel *cancel = som__cancel_token();
    for (size_t i = 0; i < n; i++) lab[i] = UINT32_MAX;
    for (size_t it = 0;; it++) {
        bool changed = false;
        memset(cnt, 0, k * sizeof *cnt);
        memset(ct, 0, panels_len(k, dim) * sizeof *ct);
        for (size_t c = 0; c < k; c++)
            for (size_t j = 0; j < dim; j++)
                ct[((c / KM_LANES) * dim + j) * KM_LANES + c % KM_LANES] = cent[c * dim + j];
        for (size_t i = 0; i < n; i++) {
            if ((i & 1023) == 0 && som__cancel_hit(cancel)) return NAN;
            uint32_t best = 0;
            double bd = INFINITY;
            dist2_to_all(x + i * dim, ct, dim, k, dk);
            for (size_t c = 0; c < k; c++) {
                double d = dk[c];
                if (d < bd) {
                    bd = d;
                    best = (uint32_t)c;
                }
            }
            changed |= lab[i] != best;
            lab[i] = best;
            d2[i] = bd;
            cnt[best]++;
        }
        changed |= fill_empty(n, k, lab, d2, cnt);
        if (!changed || it >= max_iter) break;
        memset(cent, 0, k * dim * sizeof *cent);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < dim; j++) cent[lab[i] * dim + j] += (double)x[i * dim + j];
        for (size_t c = 0; c < k; c++)
            for (size_t j = 0; j < dim; j++) cent[c * dim + j] /= (double)cnt[c];
    }
    double inertia = 0.0;
    for (size_t i = 0; i < n; i++) inertia += d2[i];
    return inertia;
}

int som_vectors_kmeans(const float *x, size_t n, size_t dim, size_t k, uint64_t seed,
                       size_t restarts, size_t max_iter, uint32_t *labels, double *inertia,
                       som_error *err)
{
    if (!x || !labels || dim == 0)
        return som__error(err, SOM_EINVAL, "som_vectors_kmeans: bad argument");
    if (k == 0 || k > n)
        return som__error(err, SOM_EINVAL, "k-means needs 1 <= k <= %zu points (k = %zu)", n, k);
    if (k > UINT32_MAX) return som__error(err, SOM_EINVAL, "k = %zu is too large", k);
    if (restarts == 0) restarts = 1;
    const size_t plen = panels_len(k, dim);
    double *cent = som__calloc(k * dim + plen + k + n, sizeof *cent); /* then ct, dk, dn */
    double *d2 = som__calloc(n, sizeof *d2);
    size_t *cnt = som__calloc(k, sizeof *cnt);
    uint32_t *lab = som__calloc(n, sizeof *lab);
    uint32_t *ids = som__calloc(k, sizeof *ids);
    if (!cent || !d2 || !cnt || !lab || !ids) {
        som__free(cent);
        som__free(d2);
        som__free(cnt);
        som__free(lab);
        som__free(ids);
        return som__error_oom(err);
    }
    som_rng rng;
    som__rng_seed(&rng, seed);
    double best = INFINITY;
    for (size_t r = 0; r < restarts; r++) {
        kmeanspp(x, n, dim, k, &rng, cent, d2, cent + k * dim + plen + k);
        double in = lloyd(x, n, dim, k, max_iter, cent, lab, d2, cnt, cent + k * dim,
                          cent + k * dim + plen);
        if (isnan(in)) break; /* cancelled */
        if (in < best || r == 0) {
            best = in;
            memcpy(labels, lab, n * sizeof *labels);
        }
    }
    int rc = som__cancel_check(err);
    if (rc == SOM_OK) som__cluster_relabel(labels, n, k, ids);
    if (inertia && rc == SOM_OK) *inertia = best;
    som__free(cent);
    som__free(d2);
    som__free(cnt);
    som__free(lab);
    som__free(ids);
    return rc;
}

/* ---- Davies-Bouldin ------------------------------------------------------------ */

int som_vectors_davies_bouldin(const float *x, size_t n, size_t dim, const uint32_t *labels,
                               size_t k, double *index, som_error *err)
{
    if (!index) return som__error(err, SOM_EINVAL, "som_vectors_davies_bouldin: index is required");
    *index = NAN;
    if (k < 2 || n == 0) return SOM_OK;
    if (!x || !labels)
        return som__error(err, SOM_EINVAL, "som_vectors_davies_bouldin: x and labels are required");
    for (size_t i = 0; i < n; i++)
        if (labels[i] >= k)
            return som__error(err, SOM_EINVAL, "row %zu has cluster %u, not below k = %zu", i + 1,
                              (unsigned)labels[i], k);
    double *cent = som__calloc(k * dim, sizeof *cent);
    double *s = som__calloc(k, sizeof *s);
    size_t *cnt = som__calloc(k, sizeof *cnt);
    double db = NAN;
    int rc = SOM_OK;
    if (!cent || !s || !cnt) {
        rc = som__error_oom(err);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        cnt[labels[i]]++;
        for (size_t j = 0; j < dim; j++) cent[labels[i] * dim + j] += (double)x[i * dim + j];
    }
    for (size_t c = 0; c < k; c++) {
        if (!cnt[c]) goto done;
        for (size_t j = 0; j < dim; j++) cent[c * dim + j] /= (double)cnt[c];
    }
    for (size_t i = 0; i < n; i++) s[labels[i]] += sqrt(dist2_fd(x + i * dim, cent + labels[i] * dim, dim));
    for (size_t c = 0; c < k; c++) s[c] /= (double)cnt[c];
    db = 0.0;
    for (size_t a = 0; a < k; a++) {
        double worst = 0.0;
        for (size_t b = 0; b < k; b++) {
            if (b == a) continue;
            double d = 0.0;
            for (size_t j = 0; j < dim; j++) {
                double t = cent[a * dim + j] - cent[b * dim + j];
                d += t * t;
            }
            d = sqrt(d);
            double r = d > 0.0 ? (s[a] + s[b]) / d : (double)INFINITY;
            if (r > worst) worst = r;
        }
        db += worst;
    }
    db /= (double)k;
done:
    som__free(cent);
    som__free(s);
    som__free(cnt);
    *index = db;
    return rc;
}

/* ---- the map's clusters ------------------------------------------------------- */

void som_cluster_opts_init(som_cluster_opts *o)
{
    memset(o, 0, sizeof *o);
    o->method = SOM_CLUSTER_AUTO;
    o->k = 0;
    o->k_min = 2;
    o->k_max = 10;
    o->seed = 1;
    o->restarts = 10;
    o->max_iter = 100;
    o->hits = NULL;
    o->min_separation = 0.0;
}

int som_map_cluster(som_map *m, const som_cluster_opts *opts, double *db, som_error *err)
{
    som_cluster_result res;
    memset(&res, 0, sizeof res);
    res.db = db;
    return som_map_cluster_ex(m, opts, &res, err);
}

int som_map_cluster_ex(som_map *m, const som_cluster_opts *opts, som_cluster_result *res,
                       som_error *err)
{
    if (!m) return som__error(err, SOM_EINVAL, "som_map_cluster: NULL map");
    som_cluster_opts o;
    if (opts) o = *opts;
    else som_cluster_opts_init(&o);
    som_cluster_result own;
    if (!res) {
        memset(&own, 0, sizeof own);
        res = &own;
    }
    double *db = res->db, *score = res->score;
    memset(res, 0, sizeof *res);
    res->db = db;
    res->score = score;
    const size_t n = m->n_units, dim = m->dim;
    if (o.method != SOM_CLUSTER_KMEANS && o.method != SOM_CLUSTER_WARD &&
        o.method != SOM_CLUSTER_AUTO)
        return som__error(err, SOM_EINVAL, "unknown clustering method %d", (int)o.method);
    if (o.k > n) return som__error(err, SOM_EINVAL, "k = %zu, but the map has only %zu units", o.k, n);
    if (!(o.min_separation >= 0.0))
        return som__error(err, SOM_EINVAL, "min_separation = %g: expected a number >= 0",
                          o.min_separation);
    size_t kmin = o.k, kmax = o.k;
    if (o.k == 0) {
        kmin = o.k_min < 2 ? 2 : o.k_min;
        kmax = o.k_max < n - 1 ? o.k_max : n - 1;
        if (n < 3 || kmin > kmax)
            return som__error(err, SOM_EINVAL, "cannot choose k in %zu..%zu on a map of %zu units "
                              "(k must stay below the number of units)", o.k_min, o.k_max, n);
        size_t span0 = o.k_max >= o.k_min ? o.k_max - o.k_min + 1 : 0;
        for (size_t s = 0; s < span0; s++) {
            if (db) db[s] = NAN;
            if (score) score[s] = NAN;
        }
    }
    res->k_min = kmin;
    res->k_max = kmax;
    /* db and score are indexed from the caller's k_min. */
    const size_t off = o.k == 0 ? kmin - o.k_min : 0;
    size_t span = kmax - kmin + 1;
    float *x = som__aligned_calloc(n * dim, sizeof *x);
    uint32_t *lab = som__calloc(span * n, sizeof *lab);
    if (!x || !lab) {
        som__aligned_free(x);
        som__free(lab);
        return som__error_oom(err);
    }
    /* The space the map measures distances in: scaled, feature-weighted. */
    if (m->fsqrt) som__weight_rows(m->fsqrt, m->codebook, n, dim, x);
    else memcpy(x, m->codebook, n * dim * sizeof *x);
    /* Cosine maps: the units' directions, so that k-means and Ward (sums of
     * squares) group by angle: |a - b|^2 = 2 (1 - cos) on unit vectors. The
     * other distances keep the sums of squares of the codebook (som.h,
     * som_map_cluster). */
    if (m->distance == SOM_DISTANCE_COSINE) som__normalise_rows(x, n, dim, x);
    int rc = SOM_OK;
    size_t best = 0;
    if (o.method == SOM_CLUSTER_AUTO) {
        som_cluster_result r = *res;
        r.db = db && o.k == 0 ? db + off : NULL;
        r.score = score && o.k == 0 ? score + off : NULL;
        rc = som__cluster_auto(m, x, &o, kmin, kmax, lab, &r, err);
        r.db = db;
        r.score = score;
        *res = r;
        if (rc == SOM_OK) rc = som_map_set_clusters(m, lab, res->k, err);
        goto done;
    }
    if (o.method == SOM_CLUSTER_WARD) {
        rc = som__ward_grid(x, NULL, NULL, 0, &m->grid, dim, kmin, kmax, 0, lab, NULL, err);
    } else {
        for (size_t k = kmin; rc == SOM_OK && k <= kmax; k++)
            rc = som_vectors_kmeans(x, n, dim, k, o.seed, o.restarts, o.max_iter,
                                    lab + (k - kmin) * n, NULL, err);
    }
    if (rc == SOM_OK && span > 1) {
        double best_db = INFINITY;
        for (size_t s = 0; rc == SOM_OK && s < span; s++) {
            double v;
            rc = som_vectors_davies_bouldin(x, n, dim, lab + s * n, kmin + s, &v, err);
            if (db) db[off + s] = v;
            if (v < best_db) { /* strict: ties keep the smaller k */
                best_db = v;
                best = s;
            }
        }
        res->at_top = best == span - 1;
    }
    res->k = kmin + best;
    res->n_live = n;
    if (rc == SOM_OK) rc = som_map_set_clusters(m, lab + best * n, kmin + best, err);
done:
    som__aligned_free(x);
    som__free(lab);
    return rc;
}
