/* SPDX-License-Identifier: MIT */
/* art.c — "The Art of SOFM": the experiment, its knobs, its CSV output and
 * the guessing game's score. The rule is neupy 0.6's SOFM as SPEC-seeds.md
 * A2 describes it; som_art.h states it in full. */
#include "som_art.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Art sees only the public headers (som.h, som_art.h): errors through
 * som_error_set, memory through som_calloc/som_free (libsom's allocator). */
#define FAIL_IF(cond, err, code, ...)                                   \
    do {                                                                \
        if (cond) return som_error_set((err), (code), __VA_ARGS__);     \
    } while (0)

#define ART_MAX_GRID 512u
#define ART_MAX_POINTS 360u
#define ART_MAX_PASSES 100000u

struct som_art {
    som_art_opts opts; /* resolved: passes and distance filled in */
    size_t n_neurons;
    double centre;
    double *xy;        /* n_neurons x 2 */
    double *trail;     /* passes x points x 2 */
};

void som_art_opts_init(som_art_opts *o)
{
    /* The article's bird: the one pattern it singles out. */
    o->step = 0.5;
    o->radius = 2.0;
    o->std = 0.4;
    o->grid = 9;
    o->points = 2;
    o->angle = 45.0;
    o->passes = 0;
    o->distance = 0.0;
    o->phase = 0.0;
}

/* Fills the automatic fields: passes from the angle as the notebook does
 * (360 // 45 = 8), and the distance 7 units beyond the grid's edge. */
static void resolve(som_art_opts *o)
{
    if (o->passes == 0) {
        double a = fabs(o->angle);
        double p = a > 0.0 ? floor(360.0 / a) : 1.0;
        o->passes = p < 1.0 ? 1 : p > (double)ART_MAX_PASSES ? ART_MAX_PASSES : (size_t)p;
    }
    if (o->distance == 0.0) o->distance = (double)(o->grid - 1) / 2.0 + 7.0;
}

int som_art_opts_check(const som_art_opts *o, som_error *err)
{
    FAIL_IF(!o, err, SOM_EINVAL, "art: no options given");
    FAIL_IF(!isfinite(o->step) || !(o->step > 0.0), err, SOM_EINVAL,
                  "art: step (learning rate) must be a number above 0, got %g",
                  o->step);
    FAIL_IF(!isfinite(o->radius) || !(o->radius >= 0.0), err, SOM_EINVAL,
                  "art: radius must be a number >= 0, got %g", o->radius);
    FAIL_IF(!isfinite(o->std) || !(o->std >= 0.0), err, SOM_EINVAL,
                  "art: std (neighbours' learning rate) must be a number >= 0, got %g",
                  o->std);
    FAIL_IF(o->grid < 1 || o->grid > ART_MAX_GRID, err, SOM_EINVAL,
                  "art: grid must be 1..%u neurons per side, got %zu",
                  ART_MAX_GRID, o->grid);
    FAIL_IF(o->points < 1 || o->points > ART_MAX_POINTS, err, SOM_EINVAL,
                  "art: points must be 1..%u, got %zu", ART_MAX_POINTS, o->points);
    FAIL_IF(!isfinite(o->angle), err, SOM_EINVAL,
                  "art: angle must be a finite number of degrees");
    FAIL_IF(!isfinite(o->phase), err, SOM_EINVAL,
                  "art: phase must be a finite number of degrees");
    FAIL_IF(o->passes > ART_MAX_PASSES, err, SOM_EINVAL,
                  "art: passes must be 0 (automatic) .. %u, got %zu",
                  ART_MAX_PASSES, o->passes);
    FAIL_IF(!isfinite(o->distance) || !(o->distance >= 0.0), err,
                  SOM_EINVAL, "art: distance must be a number >= 0, got %g",
                  o->distance);
    /* Bound the memory of the trail and the time of the run: a billion
     * neuron updates take seconds; more is a mistake, not a picture. */
    som_art_opts r = *o;
    resolve(&r);
    double trail = (double)r.passes * (double)r.points;
    double work = trail * (double)r.grid * (double)r.grid;
    FAIL_IF(trail > 1e6, err, SOM_EINVAL,
                  "art: passes x points must be at most 1000000, got %zu x %zu",
                  r.passes, r.points);
    FAIL_IF(work > 1e9, err, SOM_EINVAL,
                  "art: grid^2 x points x passes must be at most 1e9, got %.3g",
                  work);
    return SOM_OK;
}

/* neupy's per-axis factor: exp(-d^2 / (2 pi sigma^2)); with sigma = 0 it is
 * the indicator of d = 0 rather than a division by zero. */
static double axis_gauss(double d, double sigma)
{
    if (sigma == 0.0) return d == 0.0 ? 1.0 : 0.0;
    return exp(-(d * d) / (2.0 * M_PI * sigma * sigma));
}

/* One online update of every neuron for data point (px, py). */
static void learn_point(som_art *a, double px, double py, double eta,
                        double sigma, double radius)
{
    size_t grid = a->opts.grid, m = a->n_neurons;
    double *xy = a->xy;
    /* Winner: neupy takes argmax of the negative Euclidean distance, so the
     * first (lowest index) of equal distances wins; compare the same
     * rounded sqrt values it does. */
    size_t best = 0;
    double best_d = HUGE_VAL;
    for (size_t n = 0; n < m; n++) {
        double dx = px - xy[2 * n], dy = py - xy[2 * n + 1];
        double d = sqrt(dx * dx + dy * dy);
        if (d < best_d) {
            best_d = d;
            best = n;
        }
    }
    double br = (double)(best / grid), bc = (double)(best % grid);
    double r2max = radius * radius;
    /* The per-axis factors depend only on the offset; a small table keeps
     * exp() out of the inner loop for large grids. */
    for (size_t r = 0; r < grid; r++) {
        double dr = (double)r - br;
        if (dr * dr > r2max) continue;
        double gr = axis_gauss(dr, sigma);
        for (size_t c = 0; c < grid; c++) {
            double dc = (double)c - bc;
            if (dr * dr + dc * dc > r2max) continue;
            double s = (gr + axis_gauss(dc, sigma)) / 2.0;
            double *w = xy + 2 * (r * grid + c);
            w[0] += eta * s * (px - w[0]);
            w[1] += eta * s * (py - w[1]);
        }
    }
}

int som_art_run(const som_art_opts *opts, som_art **out, som_error *err)
{
    *out = NULL;
    int rc = som_art_opts_check(opts, err);
    if (rc != SOM_OK) return rc;
    som_art *a = som_calloc(1, sizeof *a);
    if (!a) return som_error_set(err, SOM_ENOMEM, "out of memory");
    a->opts = *opts;
    resolve(&a->opts);
    size_t grid = a->opts.grid, k = a->opts.points, passes = a->opts.passes;
    a->n_neurons = grid * grid;
    a->centre = (double)(grid - 1) / 2.0;
    a->xy = som_calloc(a->n_neurons * 2, sizeof *a->xy);
    a->trail = som_calloc(passes * k * 2, sizeof *a->trail);
    double *pts = som_calloc(k * 2, sizeof *pts);
    if (!a->xy || !a->trail || !pts) {
        som_free(pts);
        som_art_free(a);
        return som_error_set(err, SOM_ENOMEM, "out of memory");
    }
    /* Neuron (r, c) starts at the point (r, c): the grid is its own
     * picture before training. */
    for (size_t n = 0; n < a->n_neurons; n++) {
        a->xy[2 * n] = (double)(n / grid);
        a->xy[2 * n + 1] = (double)(n % grid);
    }
    double c = a->centre, dist = a->opts.distance;
    for (size_t j = 0; j < k; j++) {
        double t = (a->opts.phase + 360.0 * (double)j / (double)k) * (M_PI / 180.0);
        pts[2 * j] = c + dist * cos(t);
        pts[2 * j + 1] = c + dist * sin(t);
    }
    /* Snap values that are exact in the article (cos 90 degrees is 6e-17,
     * not 0), so that 4 points sit at (4,15), (-7,4), (4,-7) exactly. */
    for (size_t j = 0; j < 2 * k; j++) {
        double v = pts[j], rv = round(v);
        if (fabs(v - rv) < 1e-12 * (1.0 + fabs(v))) pts[j] = rv;
    }
    double phi = a->opts.angle * (M_PI / 180.0);
    double cs = cos(phi), sn = sin(phi);
    if (a->opts.angle == 0.0) cs = 1.0, sn = 0.0;
    for (size_t e = 1; e <= passes; e++) {
        /* Rotate first, then train: the notebook's order, which is the one
         * that reproduces the published pictures. Rotating the current
         * positions (not the start by e * angle) is what the notebook does. */
        for (size_t j = 0; j < k; j++) {
            double x = pts[2 * j] - c, y = pts[2 * j + 1] - c;
            pts[2 * j] = x * cs + y * sn + c;
            pts[2 * j + 1] = -x * sn + y * cs + c;
        }
        memcpy(a->trail + (e - 1) * k * 2, pts, k * 2 * sizeof *pts);
        double decay = 1.0 + (double)e / 100.0;
        double eta = a->opts.step / decay;
        double sigma = a->opts.std / decay;
        double radius = a->opts.radius - floor((double)e / 100.0);
        if (radius < 0.0) radius = 0.0;
        for (size_t j = 0; j < k; j++)
            learn_point(a, pts[2 * j], pts[2 * j + 1], eta, sigma, radius);
    }
    som_free(pts);
    *out = a;
    return SOM_OK;
}

void som_art_free(som_art *a)
{
    if (!a) return;
    som_free(a->xy);
    som_free(a->trail);
    som_free(a);
}

const som_art_opts *som_art_options(const som_art *a) { return &a->opts; }
size_t som_art_n_neurons(const som_art *a) { return a->n_neurons; }
const double *som_art_positions(const som_art *a) { return a->xy; }
const double *som_art_trail(const som_art *a) { return a->trail; }
double som_art_centre(const som_art *a) { return a->centre; }

/* ---- CSV ---------------------------------------------------------------- */

static void write_rows(FILE *fp, const som_art *a, const char *prefix)
{
    size_t grid = a->opts.grid;
    for (size_t n = 0; n < a->n_neurons; n++)
        fprintf(fp, "%s%zu,%zu,%.17g,%.17g\n", prefix, n / grid, n % grid,
                a->xy[2 * n], a->xy[2 * n + 1]);
}

static int finish(som_outfile *f, const char *path, som_error *err)
{
    (void)path;
    return som_outfile_commit(f, err); /* which reports a failed write */
}

int som_art_write_csv(const som_art *a, const char *path, som_error *err)
{
    FAIL_IF(!a, err, SOM_EINVAL, "art: nothing to write");
    som_outfile *f;
    int rc = som_outfile_open(path, &f, err);
    if (rc != SOM_OK) return rc;
    FILE *fp = som_outfile_stream(f);
    fputs("row,col,x,y\n", fp);
    write_rows(fp, a, "");
    return finish(f, path, err);
}

int som_art_write_gallery_csv(const som_art *const *arts, size_t n,
                              const char *path, som_error *err)
{
    FAIL_IF(!arts || n == 0, err, SOM_EINVAL, "art: no patterns to write");
    for (size_t i = 0; i < n; i++)
        FAIL_IF(!arts[i], err, SOM_EINVAL, "art: pattern %zu is missing", i + 1);
    som_outfile *f;
    int rc = som_outfile_open(path, &f, err);
    if (rc != SOM_OK) return rc;
    FILE *fp = som_outfile_stream(f);
    fputs("pattern,step,radius,std,row,col,x,y\n", fp);
    for (size_t i = 0; i < n; i++) {
        const som_art_opts *o = &arts[i]->opts;
        char prefix[128];
        snprintf(prefix, sizeof prefix, "%zu,%.17g,%.17g,%.17g,", i + 1, o->step,
                 o->radius, o->std);
        write_rows(fp, arts[i], prefix);
    }
    return finish(f, path, err);
}

/* ---- random knobs, the game, styles ------------------------------------ */

void som_art_opts_random(som_art_opts *o, som_mt19937 *g)
{
    /* The notebook's order: uniform(0.1, 1), randint(0, 4), uniform(0.1, 2). */
    o->step = som_mt19937_uniform(g, 0.1, 1.0);
    o->radius = (double)som_mt19937_below(g, 4);
    o->std = som_mt19937_uniform(g, 0.1, 2.0);
}

static double closeness(double guess, double truth, double width)
{
    if (!isfinite(guess)) return 0.0;
    double p = 1.0 - fabs(guess - truth) / width;
    return p > 0.0 ? p : 0.0;
}

double som_art_guess_score(const som_art_opts *truth, double step,
                           double radius, double std)
{
    double ps = closeness(step, truth->step, 0.9);
    double pr = closeness(radius, truth->radius, 3.0);
    /* With radius 0 only winners move and each gets rate scale 1: std leaves
     * no trace in the picture, so any answer is right. */
    double pd = truth->radius < 1.0 ? 1.0 : closeness(std, truth->std, 1.9);
    return 100.0 * (ps + pr + pd) / 3.0;
}

void som_art_style_init(som_art_style *s)
{
    s->color = 0x348ABDu;
    s->background = 0xFFFFFFu;
    s->transparent = 0;
    s->show_points = 0;
    s->view = SOM_ART_VIEW_FIT;
}

uint32_t som_art_gallery_color(size_t index)
{
    static const uint32_t colours[3] = {0xB56969u, 0xE8EDF3u, 0xE6CF8Bu};
    return colours[index % 3];
}
