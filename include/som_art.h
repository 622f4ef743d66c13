/* SPDX-License-Identifier: MIT */
/*
 * som_art.h — SOFM art: pictures drawn by the Kohonen rule, and avatars.
 *
 * This header is the manual of the art layer. What is not in this file is
 * not API. The conventions of som.h (status codes, som_error, ownership,
 * thread safety) hold here too.
 *
 * ---------------------------------------------------------------------------
 * Introduction
 * ---------------------------------------------------------------------------
 * "The Art of SOFM" (Yurii Shevchuk, neupy blog, 2017) draws with the
 * self-organizing map's own learning rule. A grid of 9 x 9 neurons lives in
 * the plane: neuron (r, c) starts at the point (r, c), so the grid covers
 * [0,8] x [0,8] with its centre at (4,4). Two data points sit 11 units from
 * the centre, on either side of the grid. Eight times over, the points are
 * rotated by 45 degrees about the centre and then the map is trained for one
 * pass over them. The neurons that win and their neighbours are pulled
 * outwards, and the grid ends up as a point-symmetric figure: a bird, a star,
 * a blob. Three knobs shape it: the learning rate (step), the learning
 * radius and the neighbours' learning rate (std).
 *
 * The rule (neupy 0.6's SOFM, reproduced exactly; the article's published
 * pictures come from it). Pass e = 1, 2, ... (the counter carries on from
 * pass to pass) uses
 *     eta_e   = step / (1 + e/100)
 *     sigma_e = std  / (1 + e/100)
 *     R_e     = max(0, radius - floor(e/100))
 * and for each data point x, in order:
 *  1. the winner b is the neuron nearest to x (Euclidean; ties go to the
 *     lowest index n = r*grid + c); (br, bc) its grid row and column;
 *  2. neuron n at (r, c) learns iff dr^2 + dc^2 <= R_e^2, where dr = r - br
 *     and dc = c - bc: a disc on grid indices that includes the winner;
 *  3. its rate scale is the MEAN of two per-axis gaussians, with 2*pi (not
 *     2) in the denominator:
 *         g(d) = exp(-d^2 / (2*pi*sigma_e^2))     (sigma_e = 0: g(0) = 1,
 *         s_n  = (g(dr) + g(dc)) / 2                         g(d != 0) = 0)
 *     so the winner always gets s = 1;
 *  4. w_n <- w_n + eta_e * s_n * (x - w_n). Each point's update is applied
 *     before the next point's winner is searched.
 *
 * Rotation. Before each pass every data point p is turned CLOCKWISE about
 * the centre c by `angle` degrees (x to the right, y up):
 *     x' = cx + (x-cx) cos a + (y-cy) sin a
 *     y' = cy - (x-cx) sin a + (y-cy) cos a
 * The article's text says "update, then rotate counterclockwise"; its code
 * rotates first, and clockwise, and only that reproduces its pictures (the
 * other direction gives their mirror images about y = 4). Rotation comes
 * first, so with 8 x 45 degrees the starting positions are used in the last
 * pass only.
 *
 * A worked example — the article's bird, as a picture and as numbers:
 *
 *     som_art_opts o; som_art_opts_init(&o);      // the bird: 0.5, 2, 0.4
 *     som_art *art = NULL; som_error err;
 *     if (som_art_run(&o, &art, &err) != SOM_OK) goto fail;
 *     const double *xy = som_art_positions(art);  // 81 x (x, y)
 *     printf("neuron (0,0) ends at (%g, %g)\n", xy[0], xy[1]);
 *     som_art_style st; som_art_style_init(&st);
 *     if (som_art_render(art, &st, 512, "bird.png", &err) != SOM_OK) goto fail;
 *   fail:
 *     if (err.code) fprintf(stderr, "%s\n", err.message);
 *     som_art_free(art);
 *
 * Layers. Art sits above the picture layer and is built into the picture
 * library, libsom_render (link it and libsom). Everything up to "Drawing"
 * is pure C on libsom's public API; the drawing functions paint with Cairo
 * on a som_canvas (som_render.h).
 */
#ifndef SOM_ART_H
#define SOM_ART_H

#include "som.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* MT19937, numpy-compatible                                                  */
/* ------------------------------------------------------------------------- */

/* The Mersenne Twister (Matsumoto & Nishimura, 1998) drawing exactly what
 * numpy's legacy RandomState draws, so that the article's
 * `np.random.seed(33)` gallery can be reproduced. A plain struct: copy it to
 * save the stream's position. */
typedef struct som_mt19937 {
    uint32_t mt[624]; /* the state words */
    unsigned index;   /* next word to temper; 624 = regenerate first */
} som_mt19937;

/* init_genrand(seed): numpy's RandomState(seed) / np.random.seed(seed) for
 * an integer seed 0 .. 2^32-1 (not init_by_array). */
SOM_API void som_mt19937_seed(som_mt19937 *g, uint32_t seed);
/* The next 32-bit output (genrand_int32). */
SOM_API uint32_t som_mt19937_u32(som_mt19937 *g);
/* numpy's random_sample(): a double in [0, 1) with 53 random bits made from
 * two successive outputs a and b as ((a >> 5) * 2^26 + (b >> 6)) / 2^53. */
SOM_API double som_mt19937_double(som_mt19937 *g);
/* numpy's uniform(low, high) = low + (high - low) * random_sample(). */
SOM_API double som_mt19937_uniform(som_mt19937 *g, double low, double high);
/* numpy's legacy randint(0, n) for 1 <= n <= 2^32: masked rejection. Draw
 * an output, AND it with the smallest all-ones mask >= n-1, and draw again
 * while the result exceeds n-1. n = 1 returns 0 and draws nothing; n = 0 is
 * treated as 1. */
SOM_API uint32_t som_mt19937_below(som_mt19937 *g, uint64_t n);

/* ------------------------------------------------------------------------- */
/* The experiment                                                             */
/* ------------------------------------------------------------------------- */

/* The knobs. The first three are the article's; the others are the same
 * experiment made more general, and their defaults are the article's. */
typedef struct som_art_opts {
    double step;     /* learning rate of the winner, > 0 (default 0.5;
                        the article draws it from [0.1, 1)) */
    double radius;   /* learning radius in grid units, >= 0 (default 2;
                        the article uses the integers 0..3, and a fraction
                        works too: the disc test takes any R) */
    double std;      /* width of the neighbours' rate falloff, >= 0
                        (default 0.4; the article draws it from [0.1, 2)) */
    size_t grid;     /* neurons per side, 1..512 (default 9) */
    size_t points;   /* data points, evenly spaced on the circle, 1..360
                        (default 2) */
    double angle;    /* clockwise rotation before each pass, degrees; a
                        negative angle turns counterclockwise (default 45) */
    size_t passes;   /* passes; 0 = 360 / |angle| rounded down (at least 1;
                        1 when angle is 0). Up to 100000 (default 0: 8) */
    double distance; /* the points' distance from the centre; 0 = 7 units
                        beyond the grid's edge, (grid-1)/2 + 7 (11 for 9) */
    double phase;    /* the first point's starting direction, degrees
                        counterclockwise from +x (default 0: to the right) */
} som_art_opts;

/* The default knobs (the article's bird) and the article's experiment:
 * 9 x 9 grid, 2 points at distance 11, 45 degrees, 8 passes. */
SOM_API void som_art_opts_init(som_art_opts *opts);

/* SOM_OK when the knobs make sense, else SOM_EINVAL naming the knob and its
 * allowed range: step must be finite and > 0; radius, std and distance
 * finite and >= 0; angle and phase finite; grid, points and passes within
 * the ranges above; and, to bound time and memory, passes x points at most
 * 10^6 and grid^2 x points x passes at most 10^9. */
SOM_API int som_art_opts_check(const som_art_opts *opts, som_error *err);

/* Draws step, radius and std as the article does, in this order:
 *     step   = uniform(0.1, 1)      radius = randint(0, 4)
 *     std    = uniform(0.1, 2)
 * (three draws per pattern: 4 + 1 + 2 outputs). The other fields are left
 * as they are. */
SOM_API void som_art_opts_random(som_art_opts *opts, som_mt19937 *g);

/* The published 16-pattern gallery: seed 33, 16 patterns drawn one after
 * the other with som_art_opts_random, laid out row by row in a 4 x 4 grid. */
#define SOM_ART_CLASSIC_SEED 33u
#define SOM_ART_CLASSIC_COUNT 16u

/* A finished experiment: the final neuron positions and the data points'
 * positions in each pass. Opaque; free with som_art_free. */
typedef struct som_art som_art;

/* Runs the experiment. Each data point j = 0..points-1 starts at
 *     centre + distance * (cos t_j, sin t_j),  t_j = phase + 360 j / points
 * (so 2 points start at (15,4) and (-7,4), 4 points at (15,4), (4,15),
 * (-7,4), (4,-7) in that order), and pass e = 1..passes rotates them all,
 * then trains on them in that order (see the rule above). The centre is
 * ((grid-1)/2, (grid-1)/2).
 * Errors: SOM_EINVAL (som_art_opts_check), SOM_ENOMEM. */
SOM_API int som_art_run(const som_art_opts *opts, som_art **out,
                        som_error *err);
SOM_API void som_art_free(som_art *art);

/* The knobs the art was made with, passes and distance resolved. */
SOM_API const som_art_opts *som_art_options(const som_art *art);
/* grid * grid. */
SOM_API size_t som_art_n_neurons(const som_art *art);
/* Final positions, n_neurons x 2 doubles: neuron n = r*grid + c at
 * (xy[2n], xy[2n+1]). It started at (r, c). Borrowed. */
SOM_API const double *som_art_positions(const som_art *art);
/* The data points where each pass used them (after that pass's rotation),
 * passes x points x 2 doubles: pass e (1-based), point j at
 * [2*((e-1)*points + j)]. The last pass's positions are the "final pair".
 * Borrowed. */
SOM_API const double *som_art_trail(const som_art *art);
/* The centre of the grid (and of the rotation): (grid-1)/2 on both axes. */
SOM_API double som_art_centre(const som_art *art);

/* Writes the final positions as CSV: a header line "row,col,x,y", then one
 * line per neuron in index order, numbers with %.17g (they read back to the
 * same doubles). Atomic (som_outfile); "-" is standard output.
 * Errors: SOM_EIO. */
SOM_API int som_art_write_csv(const som_art *art, const char *path,
                              som_error *err);
/* The same for several patterns in one file: a header line
 * "pattern,step,radius,std,row,col,x,y", then one block of lines per pattern
 * (pattern numbered from 1, in the order given). */
SOM_API int som_art_write_gallery_csv(const som_art *const *arts, size_t n,
                                      const char *path, som_error *err);

/* ------------------------------------------------------------------------- */
/* The guessing game                                                          */
/* ------------------------------------------------------------------------- */

/* How close a guess of the three knobs is to the truth, from 0 to 100:
 *     score = 100 * (p_step + p_radius + p_std) / 3
 *     p_step   = max(0, 1 - |guess - true| / 0.9)   (0.9: the width of the
 *     p_radius = max(0, 1 - |guess - true| / 3)      article's range of
 *     p_std    = max(0, 1 - |guess - true| / 1.9)    each knob)
 * except that p_std = 1 whatever was guessed when the true radius is below
 * 1: then only winners move, the picture cannot show std, and nobody should
 * lose points for it. A non-finite guess scores 0 for that knob. */
SOM_API double som_art_guess_score(const som_art_opts *truth, double step,
                                   double radius, double std);

/* ------------------------------------------------------------------------- */
/* Avatars                                                                    */
/* ------------------------------------------------------------------------- */

/* Colours are 0xRRGGBB. */
typedef struct som_art_style som_art_style; /* see Drawing below */

/* An avatar: the knobs and the colours that a name picks. The same name
 * always gives the same avatar, here and in any other implementation that
 * follows this recipe:
 *
 *  1. h = FNV-1a 64 of the name's bytes (UTF-8 as given, no terminator):
 *     h = 14695981039346656037; for each byte b: h = (h ^ b) * 1099511628211
 *     (mod 2^64).
 *  2. A splitmix64 stream seeded with h gives 64-bit words w1, w2, ...:
 *     s += 0x9E3779B97F4A7C15; z = s; z = (z ^ z>>30) * 0xBF58476D1CE4E5B9;
 *     z = (z ^ z>>27) * 0x94D049BB133111EB; w = z ^ z>>31.
 *     u(w) = (w >> 11) / 2^53, a double in [0, 1).
 *  3. In this order:
 *     step    = 0.3 + 0.7 * u(w1)
 *     radius  = 1 + w2 % 3                (1, 2 or 3: radius 0 gives only
 *                                          the star, too plain for a face)
 *     std     = 0.2 + 1.6 * u(w3)
 *     points  = {2, 2, 3, 4}[w4 % 4]
 *     angle   = {45, 30, 60, 90}[w5 % 4]  (passes 360/angle)
 *     phase   = 90 * u(w6) degrees
 *     palette = w7 % SOM_AVATAR_N_PALETTES: background and colour from
 *               som_avatar_palette.
 *     The rest is the article's experiment: 9 x 9 grid, distance 11.
 *
 * `name` is a NUL-terminated string; "" is a valid name. The style comes
 * back for a coloured background, picture cropped to the whole pattern. */
SOM_API void som_avatar_design(const char *name, som_art_opts *opts,
                               som_art_style *style);
/* FNV-1a 64 of n bytes (step 1 above). */
SOM_API uint64_t som_avatar_hash(const void *bytes, size_t n);

#define SOM_AVATAR_N_PALETTES 12u
/* Palette i (0..SOM_AVATAR_N_PALETTES-1): *background and *color, 0xRRGGBB.
 * The first three are the article's gallery: #22264b behind #b56969,
 * #e8edf3 and #e6cf8b. i out of range wraps. */
SOM_API void som_avatar_palette(unsigned i, uint32_t *background,
                                uint32_t *color);

/* ------------------------------------------------------------------------- */
/* Drawing                                                                    */
/* ------------------------------------------------------------------------- */

/* The functions that draw (som_art_render*, som_avatar_render*) need Cairo.
 * The style struct, som_art_style_init and som_art_gallery_color are plain
 * data. */

/* What part of the plane a picture shows. All are squares centred on the
 * grid's centre c, so the picture is never stretched. */
typedef enum som_art_view {
    /* The whole pattern: half-side 1.1 * the largest distance of a neuron
     * from c along x or y (the article's single patterns, undistorted). */
    SOM_ART_VIEW_FIT = 0,
    /* The article's gallery crop: the axes limits after autoscaling
     * (neuron extents plus 5% margins), then
     * dist = min(cx - xmin, cy - ymin, xmax - cx, ymax - cy) and both axes
     * [c - dist, c + dist]. A pattern longer on one axis is cut there. */
    SOM_ART_VIEW_CROP = 1,
    /* The data points' circle: c +- (distance + 2), the article's fixed
     * [-9, 17] for its figures that show the points. */
    SOM_ART_VIEW_POINTS = 2
} som_art_view;

struct som_art_style {
    uint32_t color;       /* neurons and the segments between 4-neighbours
                             (default 0x348ABD, the article's blue) */
    uint32_t background;  /* default 0xFFFFFF */
    int transparent;      /* 1: no background at all (PNG alpha; SVG/PDF
                             draw nothing behind the figure). Default 0 */
    int show_points;      /* 1: the points of every pass in grey #AAAAAA and
                             the last pass's points in black. Default 0 */
    som_art_view view;    /* default SOM_ART_VIEW_FIT; with show_points the
                             CLI uses SOM_ART_VIEW_POINTS */
};

/* The defaults above: the article's single-pattern look. */
SOM_API void som_art_style_init(som_art_style *style);

/* Draws one pattern on a size x size picture (16..8192 pixels; CSS pixels
 * for SVG, points for PDF), format by the path's extension (.png, .svg,
 * .pdf). Neurons are dots, each joined to its 4-neighbours by a segment of
 * the same colour; dot size and line width scale with the picture, and
 * everything is anti-aliased. Written atomically.
 * Errors: SOM_EINVAL (size, extension), SOM_EIO, SOM_ENOMEM. */
SOM_API int som_art_render(const som_art *art, const som_art_style *style,
                           int size, const char *path, som_error *err);
/* The same into memory: format is "png", "svg" or "pdf"; *buf (release it
 * with free(), not som_free) and *len receive the file's bytes. A PNG (and
 * a PDF) is the same bytes for the same art, style and size. Known limit:
 * Cairo numbers SVG element ids ("surface1", "clip2") per process, so two
 * SVGs of the same art made by one process differ in those ids; separate
 * runs of a program give the same bytes. */
SOM_API int som_art_render_mem(const som_art *art, const som_art_style *style,
                               int size, const char *format,
                               unsigned char **buf, size_t *len,
                               som_error *err);

/* The gallery colours: ["#b56969", "#e8edf3", "#e6cf8b"][index % 3], index
 * counting from 1 as the article does (so the first pattern is #e8edf3). */
SOM_API uint32_t som_art_gallery_color(size_t index);
#define SOM_ART_GALLERY_BACKGROUND 0x22264Bu
#define SOM_ART_GALLERY_FACE 0xF8FAFBu

/* Lays out n patterns (1..1024) as a square-ish grid, row by row:
 * ceil(sqrt(n)) columns. Each panel is a #22264b square showing its pattern
 * cropped the article's way (SOM_ART_VIEW_CROP) in som_art_gallery_color(
 * panel number from 1), on a #f8fafb face. The picture is `size` pixels wide
 * (64..16384); its height follows from the rows. Errors as som_art_render. */
SOM_API int som_art_render_gallery(const som_art *const *arts, size_t n,
                                   int size, const char *path,
                                   som_error *err);
/* The same with one style per pattern (colour, background, view; a
 * transparent style leaves its panel unpainted), for galleries of avatars.
 * `face` 0xRRGGBB is painted behind the panels, or nothing when
 * face_transparent. */
SOM_API int som_art_render_gallery_styled(const som_art *const *arts,
                                          const som_art_style *styles,
                                          size_t n, int size, uint32_t face,
                                          int face_transparent,
                                          const char *path, som_error *err);

/* An avatar picture: som_avatar_design(name) run and drawn size x size
 * (the CLI allows 64..1024). `style` may be NULL for the avatar's own
 * colours; otherwise its background and transparency replace the avatar's
 * (its colour and view are ignored). */
SOM_API int som_avatar_render(const char *name, const som_art_style *style,
                              int size, const char *path, som_error *err);
SOM_API int som_avatar_render_mem(const char *name,
                                  const som_art_style *style, int size,
                                  const char *format, unsigned char **buf,
                                  size_t *len, som_error *err);

#ifdef __cplusplus
}
#endif
#endif /* SOM_ART_H */
