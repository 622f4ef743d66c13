/* SPDX-License-Identifier: MIT */
/* cluster_ward.c — Ward's agglomerative clustering of a map's units where
 * only clusters that touch on the grid may merge, so that every cluster is
 * a connected patch of the map (the SOM Toolbox's som_cllinkage with a
 * neighbourhood connection). The plain form (som_grid_ward, --method ward)
 * starts from single units of weight 1; the default clustering
 * (cluster_auto.c) starts from regions of units weighted by their hits.
 * Everything runs in double in a fixed order: the same input gives the same
 * clusters on every machine. */
#include "analysis/analysis.h"

#include <float.h>
#include <string.h>

/* Clusters start as single units (or the caller's regions); only clusters that touch on the grid may
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

int som__ward_grid(const float *x, const double *wt, const uint32_t *region, size_t n_regions,
                   const som_grid *grid, size_t dim, size_t k_min, size_t k_max,
                   size_t free_below, uint32_t *out, double *height, som_error *err)
{
    const size_t n = som_grid_n_units(grid);
    if (!region) n_regions = n;
    ward w = {0};
    w.n = n_regions;
    w.dim = dim;
    w.cent = som__calloc(n_regions * dim, sizeof *w.cent);
    w.size = som__calloc(n_regions, sizeof *w.size);
    w.ver = som__calloc(n_regions, sizeof *w.ver);
    w.parent = som__calloc(n_regions, sizeof *w.parent);
    w.alive = som__calloc(n_regions, sizeof *w.alive);
    w.nb = som__calloc(n_regions, sizeof *w.nb);
    uint32_t *ids = som__calloc(n_regions > n ? n_regions : n, sizeof *ids);
    size_t *members = som__calloc(n_regions, sizeof *members);
    int rc = SOM_OK;
    if (!w.cent || !w.size || !w.ver || !w.parent || !w.alive || !w.nb || !ids || !members)
        rc = SOM_ENOMEM;
    /* Each region's weighted sum, then its centre; with region and wt NULL
     * this is each unit's own vector and size 1, as plain Ward starts. */
    for (size_t u = 0; rc == SOM_OK && u < n; u++) {
        size_t r = region ? region[u] : u;
        double wu = wt ? wt[u] : 1.0;
        for (size_t j = 0; j < dim; j++) w.cent[r * dim + j] += wu * (double)x[u * dim + j];
        w.size[r] += wu;
        members[r]++;
        size_t nb[6];
        size_t m = som_grid_neighbors(grid, u, nb);
        for (size_t t = 0; rc == SOM_OK && t < m; t++) {
            size_t rv = region ? region[nb[t]] : nb[t];
            if (rv != r) rc = adj_add(&w.nb[r], (uint32_t)rv);
        }
    }
    for (size_t r = 0; rc == SOM_OK && r < n_regions; r++) {
        w.parent[r] = (uint32_t)r;
        w.alive[r] = true;
        if (w.size[r] > 0.0) {
            for (size_t j = 0; j < dim; j++) w.cent[r * dim + j] /= w.size[r];
            continue;
        }
        /* No weight at all: the plain mean of its units, and a size so small
         * that it joins a neighbour first, at no cost. */
        memset(w.cent + r * dim, 0, dim * sizeof *w.cent);
        for (size_t u = 0; u < n; u++)
            if ((region ? region[u] : u) == r)
                for (size_t j = 0; j < dim; j++) w.cent[r * dim + j] += (double)x[u * dim + j];
        for (size_t j = 0; j < dim; j++)
            w.cent[r * dim + j] /= (double)(members[r] ? members[r] : 1);
        w.size[r] = DBL_MIN;
    }
    for (size_t r = 0; rc == SOM_OK && r < n_regions; r++)
        for (size_t t = 0; rc == SOM_OK && t < w.nb[r].n; t++)
            if (w.nb[r].v[t] > r) rc = push_pair(&w, (uint32_t)r, w.nb[r].v[t]);
    size_t count = n_regions;
    bool freed = false;
    for (size_t step = 0;; step++) {
        if (rc != SOM_OK) break;
        if (!freed && count <= free_below) {
            /* From here on any two clusters may merge: every pair of the
             * (at most free_below) clusters left becomes a candidate. */
            freed = true;
            for (size_t a = 0; rc == SOM_OK && a < n_regions; a++)
                for (size_t b = a + 1; rc == SOM_OK && b < n_regions; b++) {
                    if (!w.alive[a] || !w.alive[b]) continue;
                    bool known = false;
                    for (size_t t = 0; t < w.nb[a].n && !known; t++) known = w.nb[a].v[t] == b;
                    if (known) continue;
                    rc = adj_add(&w.nb[a], (uint32_t)b);
                    if (rc == SOM_OK) rc = adj_add(&w.nb[b], (uint32_t)a);
                    if (rc == SOM_OK) rc = push_pair(&w, (uint32_t)a, (uint32_t)b);
                }
            if (rc != SOM_OK) break;
        }
        if ((step & 1023) == 0 && som__cancel_check(NULL)) {
            rc = SOM_ECANCELED;
            break;
        }
        if (count >= k_min && count <= k_max) {
            uint32_t *lab = out + (count - k_min) * n;
            for (size_t u = 0; u < n; u++) lab[u] = find_root(&w, region ? region[u] : (uint32_t)u);
            som__cluster_relabel(lab, n, n_regions, ids);
        }
        if (count <= k_min) break;
        if (w.h.n == 0) {
            rc = SOM_EINVAL; /* cannot happen on a grid: it is connected */
            break;
        }
        edge e = heap_pop(&w.h);
        if (!w.alive[e.a] || !w.alive[e.b] || w.ver[e.a] != e.va || w.ver[e.b] != e.vb) continue;
        if (height) height[count] = e.cost;
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
    som__free(members);
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
    return som__ward_grid(x, NULL, NULL, 0, grid, dim, k, k, 0, labels, NULL, err);
}

