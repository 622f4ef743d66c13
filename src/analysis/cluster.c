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
static void relabel(uint32_t *labels, size_t n, size_t n_ids, uint32_t *map)
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
    if (rc == SOM_OK) relabel(labels, n, k, ids);
    if (inertia && rc == SOM_OK) *inertia = best;
    som__free(cent);
    som__free(d2);
    som__free(cnt);
    som__free(lab);
    som__free(ids);
    return rc;
}

/* ---- Ward linkage between grid neighbours ----------------------------------
 * Clusters start as single units; only clusters that touch on the grid may
 * merge, so each stays a connected patch. Candidate merges sit in a binary
 * heap keyed by (cost, a, b); a merge bumps the survivor's version, which
 * retires the heap entries that still name its old self. A cluster's id is
 * its smallest unit. */

typedef struct edge {
    double cost;
    uint32_t a, b;   /* a < b */
    uint32_t va, vb; /* versions when pushed */
} edge;

typedef struct heap {
    edge *e;
    size_t n, cap;
} heap;

static bool edge_less(const edge *x, const edge *y)
{
    if (x->cost != y->cost) return x->cost < y->cost;
    if (x->a != y->a) return x->a < y->a;
    return x->b < y->b;
}

static int heap_push(heap *h, edge e)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        edge *p = som__realloc(h->e, cap * sizeof *p);
        if (!p) return SOM_ENOMEM;
        h->e = p;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!edge_less(&e, &h->e[parent])) break;
        h->e[i] = h->e[parent];
        i = parent;
    }
    h->e[i] = e;
    return SOM_OK;
}

static edge heap_pop(heap *h)
{
    edge top = h->e[0], last = h->e[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && edge_less(&h->e[c + 1], &h->e[c])) c++;
        if (!edge_less(&h->e[c], &last)) break;
        h->e[i] = h->e[c];
        i = c;
    }
    if (h->n) h->e[i] = last;
    return top;
}

typedef struct adj {
    uint32_t *v;
    size_t n, cap;
} adj;

static int adj_add(adj *a, uint32_t c)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i] == c) return SOM_OK;
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 8;
        uint32_t *p = som__realloc(a->v, cap * sizeof *p);
        if (!p) return SOM_ENOMEM;
        a->v = p;
        a->cap = cap;
    }
    a->v[a->n++] = c;
    return SOM_OK;
}

static void adj_remove(adj *a, uint32_t c)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i] == c) {
            a->v[i] = a->v[--a->n];
            return;
        }
}

typedef struct ward {
    size_t n, dim;
    double *cent;  /* n*dim */
    double *size;  /* n */
    uint32_t *ver; /* n */
    uint32_t *parent; /* n: the cluster a unit's cluster merged into */
    bool *alive;
    adj *nb;
    heap h;
} ward;

static double ward_cost(const ward *w, uint32_t a, uint32_t b)
{
    double d = 0.0;
    for (size_t j = 0; j < w->dim; j++) {
        double t = w->cent[a * w->dim + j] - w->cent[b * w->dim + j];
        d += t * t;
    }
    return w->size[a] * w->size[b] / (w->size[a] + w->size[b]) * d;
}

static int push_pair(ward *w, uint32_t a, uint32_t b)
{
    if (a > b) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    edge e = {ward_cost(w, a, b), a, b, w->ver[a], w->ver[b]};
    return heap_push(&w->h, e);
}

static uint32_t find_root(const ward *w, uint32_t u)
{
    while (w->parent[u] != u) u = w->parent[u];
    return u;
}

static void ward_free(ward *w)
{
    som__free(w->cent);
    som__free(w->size);
    som__free(w->ver);
    som__free(w->parent);
    som__free(w->alive);
    if (w->nb)
        for (size_t i = 0; i < w->n; i++) som__free(w->nb[i].v);
    som__free(w->nb);
    som__free(w->h.e);
}

/* Merges down to k_min clusters; each time the count is within
 * k_min..k_max, out[(count - k_min) * n ...] receives the units' clusters
 * (renumbered in order of first unit). */
static int ward_run(const float *x, const som_grid *grid, size_t dim, size_t k_min, size_t k_max,
                    uint32_t *out, som_error *err)
{
    size_t n = som_grid_n_units(grid);
    ward w = {0};
    w.n = n;
    w.dim = dim;
    w.cent = som__calloc(n * dim, sizeof *w.cent);
    w.size = som__calloc(n, sizeof *w.size);
    w.ver = som__calloc(n, sizeof *w.ver);
    w.parent = som__calloc(n, sizeof *w.parent);
    w.alive = som__calloc(n, sizeof *w.alive);
    w.nb = som__calloc(n, sizeof *w.nb);
    uint32_t *ids = som__calloc(n, sizeof *ids);
    int rc = SOM_OK;
    if (!w.cent || !w.size || !w.ver || !w.parent || !w.alive || !w.nb || !ids) rc = SOM_ENOMEM;
    for (size_t u = 0; rc == SOM_OK && u < n; u++) {
        for (size_t j = 0; j < dim; j++) w.cent[u * dim + j] = (double)x[u * dim + j];
        w.size[u] = 1.0;
        w.parent[u] = (uint32_t)u;
        w.alive[u] = true;
        size_t nb[6];
        size_t m = som_grid_neighbors(grid, u, nb);
        for (size_t t = 0; rc == SOM_OK && t < m; t++) rc = adj_add(&w.nb[u], (uint32_t)nb[t]);
    }
    for (size_t u = 0; rc == SOM_OK && u < n; u++)
        for (size_t t = 0; rc == SOM_OK && t < w.nb[u].n; t++)
            if (w.nb[u].v[t] > u) rc = push_pair(&w, (uint32_t)u, w.nb[u].v[t]);
    size_t count = n;
    for (size_t step = 0;; step++) {
        if (rc != SOM_OK) break;
        if ((step & 1023) == 0 && som__cancel_check(NULL)) {
            rc = SOM_ECANCELED;
            break;
        }
        if (count >= k_min && count <= k_max) {
            uint32_t *lab = out + (count - k_min) * n;
            for (size_t u = 0; u < n; u++) lab[u] = find_root(&w, (uint32_t)u);
            relabel(lab, n, n, ids);
        }
        if (count <= k_min) break;
        if (w.h.n == 0) {
            rc = SOM_EINVAL; /* cannot happen on a grid: it is connected */
            break;
        }
        edge e = heap_pop(&w.h);
        if (!w.alive[e.a] || !w.alive[e.b] || w.ver[e.a] != e.va || w.ver[e.b] != e.vb) continue;
        uint32_t a = e.a, b = e.b;
        double na = w.size[a], nb_ = w.size[b];
        for (size_t j = 0; j < dim; j++)
            w.cent[a * dim + j] = (na * w.cent[a * dim + j] + nb_ * w.cent[b * dim + j]) / (na + nb_);
        w.size[a] = na + nb_;
        w.alive[b] = false;
        w.parent[b] = a;
        w.ver[a]++;
        count--;
        /* b's neighbours become a's; each of them now names a, not b. */
        adj_remove(&w.nb[a], b);
        for (size_t t = 0; rc == SOM_OK && t < w.nb[b].n; t++) {
            uint32_t c = w.nb[b].v[t];
            if (c == a) continue;
            rc = adj_add(&w.nb[a], c);
            if (rc == SOM_OK) {
                adj_remove(&w.nb[c], b);
                rc = adj_add(&w.nb[c], a);
            }
        }
        w.nb[b].n = 0;
        for (size_t t = 0; rc == SOM_OK && t < w.nb[a].n; t++) rc = push_pair(&w, a, w.nb[a].v[t]);
    }
    ward_free(&w);
    som__free(ids);
    if (rc == SOM_ENOMEM) return som__error_oom(err);
    if (rc == SOM_ECANCELED) return som__error(err, rc, "interrupted");
    if (rc) return som__error(err, rc, "Ward clustering ran out of neighbouring clusters");
    return SOM_OK;
}

int som_grid_ward(const float *x, const som_grid *grid, size_t dim, size_t k, uint32_t *labels,
                  som_error *err)
{
    if (!x || !grid || !labels || dim == 0)
        return som__error(err, SOM_EINVAL, "som_grid_ward: bad argument");
    int rc = som_grid_check(grid, err);
    if (rc) return rc;
    size_t n = som_grid_n_units(grid);
    if (k == 0 || k > n)
        return som__error(err, SOM_EINVAL, "Ward clustering needs 1 <= k <= %zu units (k = %zu)", n, k);
    return ward_run(x, grid, dim, k, k, labels, err);
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
    o->method = SOM_CLUSTER_KMEANS;
    o->k = 0;
    o->k_min = 2;
    o->k_max = 10;
    o->seed = 1;
    o->restarts = 10;
    o->max_iter = 100;
}

int som_map_cluster(som_map *m, const som_cluster_opts *opts, double *db, som_error *err)
{
    if (!m) return som__error(err, SOM_EINVAL, "som_map_cluster: NULL map");
    som_cluster_opts o;
    if (opts) o = *opts;
    else som_cluster_opts_init(&o);
    const size_t n = m->n_units, dim = m->dim;
    if (o.method != SOM_CLUSTER_KMEANS && o.method != SOM_CLUSTER_WARD)
        return som__error(err, SOM_EINVAL, "unknown clustering method %d", (int)o.method);
    if (o.k > n) return som__error(err, SOM_EINVAL, "k = %zu, but the map has only %zu units", o.k, n);
    size_t kmin = o.k, kmax = o.k;
    if (o.k == 0) {
        kmin = o.k_min < 2 ? 2 : o.k_min;
        kmax = o.k_max < n - 1 ? o.k_max : n - 1;
        if (n < 3 || kmin > kmax)
            return som__error(err, SOM_EINVAL, "cannot choose k in %zu..%zu on a map of %zu units "
                              "(k must stay below the number of units)", o.k_min, o.k_max, n);
    }
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
    if (o.method == SOM_CLUSTER_WARD) {
        rc = ward_run(x, &m->grid, dim, kmin, kmax, lab, err);
    } else {
        for (size_t k = kmin; rc == SOM_OK && k <= kmax; k++)
            rc = som_vectors_kmeans(x, n, dim, k, o.seed, o.restarts, o.max_iter,
                                    lab + (k - kmin) * n, NULL, err);
    }
    size_t best = 0;
    if (rc == SOM_OK && span > 1) {
        double best_db = INFINITY;
        for (size_t s = 0; rc == SOM_OK && s < span; s++) {
            double v;
            rc = som_vectors_davies_bouldin(x, n, dim, lab + s * n, kmin + s, &v, err);
            if (db) db[s] = v;
            if (v < best_db) { /* strict: ties keep the smaller k */
                best_db = v;
                best = s;
            }
        }
    }
    if (rc == SOM_OK) rc = som_map_set_clusters(m, lab + best * n, kmin + best, err);
    som__aligned_free(x);
    som__free(lab);
    return rc;
}
