/* SPDX-License-Identifier: MIT */
/* cmd_art.c — `som art`: "The Art of SOFM" — one pattern, a gallery, an
 * avatar, or the guessing game (som_art.h). */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "som_art.h"

static const char usage_text[] =
    "Usage: som art -o OUT.png|svg|pdf|csv [OPTIONS]\n"
    "\n"
    "Draws with the self-organizing map's learning rule (\"The Art of SOFM\"):\n"
    "a 9x9 grid of neurons, neuron (r,c) starting at the point (r,c), and two\n"
    "data points 11 units from its centre. Eight times, the points turn 45\n"
    "degrees clockwise and the map learns one pass over them. The default\n"
    "knobs draw the article's bird. OUT.csv holds the final neuron positions\n"
    "(row,col,x,y) instead of a picture.\n"
    "\n"
    "The knobs:\n"
    "      --step S            learning rate of the winner, > 0 (default 0.5;\n"
    "                          the article draws it from 0.1..1)\n"
    "      --radius R          learning radius in grid units, >= 0 (default 2;\n"
    "                          the article: 0, 1, 2 or 3)\n"
    "      --std D             neighbours' learning rate, >= 0 (default 0.4;\n"
    "                          the article: 0.1..2)\n"
    "      --random            draw the knobs not given from the article's\n"
    "                          ranges\n"
    "      --seed S            seed of --random, --gallery and --guess\n"
    "                          (0..4294967295; default: from the clock, and\n"
    "                          printed on stderr)\n"
    "Beyond the article:\n"
    "      --grid N            neurons per side (default 9)\n"
    "      --points K          data points, evenly spaced on the circle\n"
    "                          (default 2)\n"
    "      --angle DEG         clockwise turn before each pass; negative is\n"
    "                          counterclockwise (default 45)\n"
    "      --passes P          passes (default 360/angle: 8)\n"
    "      --distance D        the points' distance from the centre (default:\n"
    "                          7 beyond the grid's edge, 11 for 9x9)\n"
    "      --phase DEG         the first point's starting direction, degrees\n"
    "                          counterclockwise from the right (default 0)\n"
    "\n"
    "Pictures:\n"
    "      --show-points       the points of every pass in grey, the last\n"
    "                          pass's in black; the view shows their circle\n"
    "      --color #RRGGBB     neurons and lines (default #348abd)\n"
    "      --background transparent|#RRGGBB  (default white; a gallery's\n"
    "                          face #f8fafb; an avatar's own colour)\n"
    "      --size PX           picture width in pixels: 64..8192 for a pattern\n"
    "                          (default 512), 64..16384 for a gallery (1024),\n"
    "                          64..1024 for an avatar (256)\n"
    "      --gallery N         N random patterns in a square, on the article's\n"
    "                          dark blue, colours cycling #e8edf3, #e6cf8b,\n"
    "                          #b56969\n"
    "      --classic           the article's published 16-pattern gallery\n"
    "                          (numpy's MT19937 seeded with 33)\n"
    "      --avatar NAME       the picture NAME picks: the same name always\n"
    "                          gives the same image (recipe in som_art.h);\n"
    "                          repeat it for a page of avatars, --size PX each\n"
    "\n"
    "The game:\n"
    "      --guess             writes a random pattern (to OUT, default\n"
    "                          som-art-guess.png), asks for its step, radius\n"
    "                          and std on standard input, scores the answer\n"
    "                          (0..100) and shows the truth\n"
    "\n"
    "  -o, --output FILE       where to write; the format follows the name\n"
    "                          ('-': the CSV on standard output)\n"
    "  -h, --help              show this help\n"
    "\n"
    "Score: 100 x the mean over the three knobs of max(0, 1 - |guess - truth|\n"
    "/ range), ranges 0.9 (step), 3 (radius), 1.9 (std); std counts as right\n"
    "when the radius is 0, since then it leaves no trace.\n"
    "\n"
    "Examples:\n"
    "  som art -o bird.png\n"
    "  som art --step 1 --radius 0 --std 0.4 --show-points -o star.svg\n"
    "  som art --classic -o gallery.png\n"
    "  som art --avatar alice --size 128 -o alice.png\n"
    "  printf '0.5\\n2\\n0.4\\n' | som art --guess --seed 7 -o pattern.png\n";

enum {
    OPT_STEP = CLI_OPT_LOCAL,
    OPT_RADIUS,
    OPT_STD,
    OPT_GRID,
    OPT_POINTS,
    OPT_ANGLE,
    OPT_PASSES,
    OPT_DISTANCE,
    OPT_PHASE,
    OPT_SHOW_POINTS,
    OPT_RANDOM,
    OPT_SEED,
    OPT_GALLERY,
    OPT_CLASSIC,
    OPT_AVATAR,
    OPT_SIZE,
    OPT_BACKGROUND,
    OPT_COLOR,
    OPT_GUESS
};

static const struct option long_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"output", required_argument, NULL, 'o'},
    {"step", required_argument, NULL, OPT_STEP},
    {"radius", required_argument, NULL, OPT_RADIUS},
    {"std", required_argument, NULL, OPT_STD},
    {"grid", required_argument, NULL, OPT_GRID},
    {"points", required_argument, NULL, OPT_POINTS},
    {"angle", required_argument, NULL, OPT_ANGLE},
    {"passes", required_argument, NULL, OPT_PASSES},
    {"distance", required_argument, NULL, OPT_DISTANCE},
    {"phase", required_argument, NULL, OPT_PHASE},
    {"show-points", no_argument, NULL, OPT_SHOW_POINTS},
    {"random", no_argument, NULL, OPT_RANDOM},
    {"seed", required_argument, NULL, OPT_SEED},
    {"gallery", required_argument, NULL, OPT_GALLERY},
    {"classic", no_argument, NULL, OPT_CLASSIC},
    {"avatar", required_argument, NULL, OPT_AVATAR},
    {"size", required_argument, NULL, OPT_SIZE},
    {"background", required_argument, NULL, OPT_BACKGROUND},
    {"color", required_argument, NULL, OPT_COLOR},
    {"colour", required_argument, NULL, OPT_COLOR},
    {"guess", no_argument, NULL, OPT_GUESS},
    {NULL, 0, NULL, 0}};

typedef enum { OUT_PICTURE, OUT_CSV } out_kind;

typedef struct args {
    const char *output;
    som_art_opts opts;
    bool has_step, has_radius, has_std;
    bool random, has_seed, classic, guess, show_points;
    uint32_t seed;
    size_t gallery;      /* 0: not a gallery */
    const char *avatar;  /* NULL: not an avatar; else the first name */
    const char **names;  /* every --avatar, n_names of them */
    size_t n_names;
    size_t size;         /* 0: the default of the mode */
    bool has_background, transparent, has_color;
    uint32_t background, color;
} args;

static const char *cmd = "art";

/* "#rrggbb" or "rrggbb". */
static bool parse_color(const char *s, uint32_t *out)
{
    if (*s == '#') s++;
    if (strlen(s) != 6) return false;
    uint32_t v = 0;
    for (int i = 0; i < 6; i++) {
        int ch = (unsigned char)s[i];
        if (!isxdigit(ch)) return false;
        v = v << 4 | (uint32_t)(isdigit(ch) ? ch - '0' : tolower(ch) - 'a' + 10);
    }
    *out = v;
    return true;
}

static const char *extension(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    return dot && (!slash || dot > slash) ? dot + 1 : "";
}

static int parse_args(int argc, char **argv, args *a)
{
    memset(a, 0, sizeof *a);
    som_art_opts_init(&a->opts);
    /* No more names than words on the command line. */
    a->names = calloc((size_t)argc + 1, sizeof *a->names);
    if (!a->names) {
        cli_error("out of memory");
        return CLI_FAIL;
    }
    int c;
    size_t v;
    uint64_t u;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":ho:", long_options, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(usage_text, stdout); return -1;
        case 'o': a->output = optarg; break;
        case OPT_STEP:
        case OPT_RADIUS:
        case OPT_STD:
        case OPT_ANGLE:
        case OPT_DISTANCE:
        case OPT_PHASE: {
            double d;
            const char *name = c == OPT_STEP ? "--step" : c == OPT_RADIUS ? "--radius"
                             : c == OPT_STD ? "--std" : c == OPT_ANGLE ? "--angle"
                             : c == OPT_DISTANCE ? "--distance" : "--phase";
            if (!cli_parse_double(optarg, &d))
                return cli_bad_value(cmd, name, optarg, "a number");
            if (c == OPT_STEP) a->opts.step = d, a->has_step = true;
            if (c == OPT_RADIUS) a->opts.radius = d, a->has_radius = true;
            if (c == OPT_STD) a->opts.std = d, a->has_std = true;
            if (c == OPT_ANGLE) a->opts.angle = d;
            if (c == OPT_DISTANCE) a->opts.distance = d;
            if (c == OPT_PHASE) a->opts.phase = d;
            break;
        }
        case OPT_GRID:
            if (!cli_parse_size(optarg, 1, &a->opts.grid))
                return cli_bad_value(cmd, "--grid", optarg, "a whole number >= 1");
            break;
        case OPT_POINTS:
            if (!cli_parse_size(optarg, 1, &a->opts.points))
                return cli_bad_value(cmd, "--points", optarg, "a whole number >= 1");
            break;
        case OPT_PASSES:
            if (!cli_parse_size(optarg, 1, &a->opts.passes))
                return cli_bad_value(cmd, "--passes", optarg, "a whole number >= 1");
            break;
        case OPT_SHOW_POINTS: a->show_points = true; break;
        case OPT_RANDOM: a->random = true; break;
        case OPT_SEED:
            if (!cli_parse_u64(optarg, &u) || u > UINT32_MAX)
                return cli_bad_value(cmd, "--seed", optarg,
                                     "a whole number from 0 to 4294967295");
            a->seed = (uint32_t)u;
            a->has_seed = true;
            break;
        case OPT_GALLERY:
            if (!cli_parse_size(optarg, 1, &v) || v > 1024)
                return cli_bad_value(cmd, "--gallery", optarg,
                                     "a number of patterns from 1 to 1024");
            a->gallery = v;
            break;
        case OPT_CLASSIC: a->classic = true; break;
        case OPT_AVATAR:
            if (!a->avatar) a->avatar = optarg;
            a->names[a->n_names++] = optarg;
            break;
        case OPT_SIZE:
            if (!cli_parse_size(optarg, 1, &v))
                return cli_bad_value(cmd, "--size", optarg, "a width in pixels");
            a->size = v;
            break;
        case OPT_BACKGROUND:
            a->has_background = true;
            if (strcmp(optarg, "transparent") == 0 || strcmp(optarg, "none") == 0)
                a->transparent = true;
            else if (!parse_color(optarg, &a->background))
                return cli_bad_value(cmd, "--background", optarg,
                                     "'transparent' or a colour #RRGGBB");
            break;
        case OPT_COLOR:
            if (!parse_color(optarg, &a->color))
                return cli_bad_value(cmd, "--color", optarg, "a colour #RRGGBB");
            a->has_color = true;
            break;
        case OPT_GUESS: a->guess = true; break;
        case '?':
        case ':': return cli_getopt_error(cmd, c, argv);
        default: return cli_usage(cmd, "unexpected option");
        }
    }
    if (optind < argc) return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    return CLI_OK;
}

/* The combinations that make no sense, and the sizes, as usage errors. */
static int check_args(args *a, out_kind *kind)
{
    bool knobs = a->has_step || a->has_radius || a->has_std;
    if (a->classic) {
        if (a->has_seed)
            return cli_usage(cmd, "--classic uses the article's seed 33; drop --seed");
        if (!a->gallery) a->gallery = SOM_ART_CLASSIC_COUNT;
        a->seed = SOM_ART_CLASSIC_SEED;
        a->has_seed = true;
    }
    int modes = (a->gallery > 0) + (a->avatar != NULL) + a->guess;
    if (modes > 1)
        return cli_usage(cmd, "choose one of --gallery/--classic, --avatar and --guess");
    if (a->n_names > 1024)
        return cli_usage(cmd, "a page holds at most 1024 avatars, got %zu", a->n_names);
    if (a->avatar && (knobs || a->random))
        return cli_usage(cmd, "an avatar's name picks its knobs; drop --step, "
                              "--radius, --std and --random");
    if (a->guess && knobs)
        return cli_usage(cmd, "--guess hides the knobs; drop --step, --radius and --std");
    if (a->has_seed && !a->random && !a->gallery && !a->guess)
        return cli_usage(cmd, "--seed needs --random, --gallery or --guess");
    if ((a->gallery || a->avatar) && (a->show_points || a->has_color))
        return cli_usage(cmd, "--show-points and --color are for single patterns");
    if (a->gallery && a->has_step && a->has_radius && a->has_std)
        return cli_usage(cmd, "a gallery of one fixed pattern: drop one of --step, "
                              "--radius, --std");

    if (!a->output) {
        if (!a->guess) return cli_usage(cmd, "no output file; give -o FILE");
        a->output = "som-art-guess.png";
    }
    cli_output(a->output);
    const char *ext = extension(a->output);
    if (strcmp(a->output, "-") == 0) ext = "csv"; /* CSV on standard output */
    if (strcasecmp(ext, "csv") == 0) {
        if (a->guess)
            return cli_usage(cmd, "--guess draws a picture; give -o FILE.png or .svg");
        *kind = OUT_CSV;
    } else if (strcasecmp(ext, "png") == 0 || strcasecmp(ext, "svg") == 0 ||
               strcasecmp(ext, "pdf") == 0) {
        *kind = OUT_PICTURE;
    } else {
        return cli_usage(cmd, "%s: cannot tell the format from the name "
                              "(use .png, .svg, .pdf or .csv)", a->output);
    }

    size_t lo = 64, hi = a->avatar ? 1024 : a->gallery ? 16384 : 8192;
    size_t def = a->avatar ? 256 : a->gallery ? 1024 : 512;
    if (a->size != 0 && (a->size < lo || a->size > hi))
        return cli_usage(cmd, "--size must be %zu..%zu pixels for %s, got %zu", lo, hi,
                         a->avatar ? "an avatar" : a->gallery ? "a gallery" : "a pattern",
                         a->size);
    if (a->size == 0) a->size = def;
    if (a->n_names > 1) {
        size_t cols = 1;
        while (cols * cols < a->n_names) cols++;
        if (cols * a->size * 104 / 100 > 16384)
            return cli_usage(cmd, "a page of %zu avatars of %zu pixels is wider than "
                                  "16384 pixels; use a smaller --size", a->n_names, a->size);
    }

    /* The knobs the user gave are checked now, whatever is drawn later. */
    som_error err;
    som_art_opts probe = a->opts;
    if (som_art_opts_check(&probe, &err) != SOM_OK) {
        /* Drop the library's "art: " — "som art: " already says it. */
        const char *msg = err.message;
        if (strncmp(msg, "art: ", 5) == 0) msg += 5;
        return cli_usage(cmd, "%s", msg);
    }
    return CLI_OK;
}

/* A seed from the clock when none was given, told on stderr so that a
 * pattern worth keeping can be drawn again. */
static void pick_seed(args *a)
{
    if (a->has_seed) return;
    uint64_t t = (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid() * 40503u;
    a->seed = (uint32_t)(t ^ t >> 32);
    a->has_seed = true;
    cli_error("seed %u (--seed %u draws the same again)", (unsigned)a->seed,
              (unsigned)a->seed);
}

/* Random knobs where none were given. */
static void draw_knobs(const args *a, som_mt19937 *g, som_art_opts *o)
{
    som_art_opts given = *o;
    som_art_opts_random(o, g);
    if (a->has_step) o->step = given.step;
    if (a->has_radius) o->radius = given.radius;
    if (a->has_std) o->std = given.std;
}

static void single_style(const args *a, som_art_style *st)
{
    som_art_style_init(st);
    if (a->has_color) st->color = a->color;
    if (a->has_background) {
        st->transparent = a->transparent;
        if (!a->transparent) st->background = a->background;
    }
    st->show_points = a->show_points;
    if (a->show_points) st->view = SOM_ART_VIEW_POINTS;
}

static int do_single(args *a, out_kind kind)
{
    som_error err;
    som_art_opts o = a->opts;
    if (a->random) {
        pick_seed(a);
        som_mt19937 g;
        som_mt19937_seed(&g, a->seed);
        draw_knobs(a, &g, &o);
    }
    som_art *art = NULL;
    if (som_art_run(&o, &art, &err) != SOM_OK) return cli_fail(&err);
    int rc;
    if (kind == OUT_CSV) {
        rc = som_art_write_csv(art, a->output, &err);
    } else {
        som_art_style st;
        single_style(a, &st);
        rc = som_art_render(art, &st, a->size, a->output, &err);
    }
    som_art_free(art);
    if (rc != SOM_OK) return cli_fail(&err);
    if (a->random)
        fprintf(stderr, "som: step %.6g, radius %g, std %.6g\n", o.step, o.radius, o.std);
    return CLI_OK;
}

static int do_gallery(args *a, out_kind kind)
{
    som_error err;
    som_error_clear(&err);
    pick_seed(a);
    som_mt19937 g;
    som_mt19937_seed(&g, a->seed);
    som_art **arts = calloc(a->gallery, sizeof *arts);
    if (!arts) {
        cli_error("out of memory");
        return CLI_FAIL;
    }
    int rc = SOM_OK;
    for (size_t i = 0; i < a->gallery && rc == SOM_OK; i++) {
        som_art_opts o = a->opts;
        draw_knobs(a, &g, &o);
        rc = som_art_run(&o, &arts[i], &err);
    }
    if (rc == SOM_OK) {
        const som_art *const *list = (const som_art *const *)arts;
        if (kind == OUT_CSV) {
            rc = som_art_write_gallery_csv(list, a->gallery, a->output, &err);
        } else if (a->has_background) {
            /* The face behind the panels is the one colour a gallery lets
             * the user choose. */
            som_art_style *styles = calloc(a->gallery, sizeof *styles);
            if (!styles) {
                rc = SOM_ENOMEM;
                snprintf(err.message, sizeof err.message, "out of memory");
            } else {
                for (size_t i = 0; i < a->gallery; i++) {
                    som_art_style_init(&styles[i]);
                    styles[i].background = SOM_ART_GALLERY_BACKGROUND;
                    styles[i].color = som_art_gallery_color(i + 1);
                    styles[i].view = SOM_ART_VIEW_CROP;
                }
                rc = som_art_render_gallery_styled(list, styles, a->gallery, a->size,
                                                   a->background, a->transparent,
                                                   a->output, &err);
                free(styles);
            }
        } else {
            rc = som_art_render_gallery(list, a->gallery, a->size, a->output, &err);
        }
    }
    for (size_t i = 0; i < a->gallery; i++) som_art_free(arts[i]);
    free(arts);
    return rc == SOM_OK ? CLI_OK : cli_fail(&err);
}

/* Several names: their avatars side by side, each about --size pixels. */
static int do_avatar_page(const args *a, out_kind kind)
{
    som_error err;
    som_error_clear(&err);
    size_t n = a->n_names;
    som_art **arts = calloc(n, sizeof *arts);
    som_art_style *styles = calloc(n, sizeof *styles);
    int rc = arts && styles ? SOM_OK : SOM_ENOMEM;
    if (rc != SOM_OK) snprintf(err.message, sizeof err.message, "out of memory");
    for (size_t i = 0; i < n && rc == SOM_OK; i++) {
        som_art_opts o;
        som_avatar_design(a->names[i], &o, &styles[i]);
        if (a->has_background) {
            styles[i].transparent = a->transparent;
            styles[i].background = a->background;
        }
        rc = som_art_run(&o, &arts[i], &err);
    }
    if (rc == SOM_OK) {
        const som_art *const *list = (const som_art *const *)arts;
        if (kind == OUT_CSV) {
            rc = som_art_write_gallery_csv(list, n, a->output, &err);
        } else {
            /* The gallery's layout: ceil(sqrt(n)) columns, gaps of 4%. */
            size_t cols = 1;
            while (cols * cols < n) cols++;
            size_t gap = (a->size * 4 + 99) / 100;
            size_t width = cols * a->size + (cols + 1) * gap;
            rc = som_art_render_gallery_styled(list, styles, n, width,
                                               SOM_ART_GALLERY_FACE, 0, a->output, &err);
        }
    }
    for (size_t i = 0; arts && i < n; i++) som_art_free(arts[i]);
    free(arts);
    free(styles);
    return rc == SOM_OK ? CLI_OK : cli_fail(&err);
}

static int do_avatar(const args *a, out_kind kind)
{
    som_error err;
    int rc;
    if (a->n_names > 1) return do_avatar_page(a, kind);
    if (kind == OUT_CSV) {
        som_art_opts o;
        som_art_style st;
        som_avatar_design(a->avatar, &o, &st);
        som_art *art = NULL;
        rc = som_art_run(&o, &art, &err);
        if (rc == SOM_OK) rc = som_art_write_csv(art, a->output, &err);
        som_art_free(art);
    } else {
        som_art_style over;
        som_art_style_init(&over);
        over.transparent = a->transparent;
        over.background = a->background;
        rc = som_avatar_render(a->avatar, a->has_background ? &over : NULL,
                               a->size, a->output, &err);
    }
    return rc == SOM_OK ? CLI_OK : cli_fail(&err);
}

/* ---- the game ------------------------------------------------------------- */

/* The neurons as characters, for a terminal without a picture viewer. Cells
 * are about twice as tall as wide, hence twice the columns. */
static void preview(const som_art *art)
{
    enum { H = 21, W = 2 * H - 1 };
    char canvas[H][W + 1];
    memset(canvas, ' ', sizeof canvas);
    const double *xy = som_art_positions(art);
    size_t m = som_art_n_neurons(art);
    double c = som_art_centre(art), half = 0.0;
    for (size_t n = 0; n < 2 * m; n++) half = fmax(half, fabs(xy[n] - c));
    if (half <= 0.0) half = 1.0;
    for (size_t n = 0; n < m; n++) {
        long col = lround((xy[2 * n] - c) / half * (W - 1) / 2.0 + (W - 1) / 2.0);
        long row = lround(-(xy[2 * n + 1] - c) / half * (H - 1) / 2.0 + (H - 1) / 2.0);
        if (col < 0 || col >= W || row < 0 || row >= H) continue;
        canvas[row][col] = canvas[row][col] == ' ' ? 'o' : '@';
    }
    for (int r = 0; r < H; r++) {
        int end = W;
        while (end > 0 && canvas[r][end - 1] == ' ') end--;
        printf("  |%.*s\n", end, canvas[r]);
    }
}

/* Reads one answer; re-asks after something that is not a number. Returns
 * false at the end of the input. */
static bool ask(const char *prompt, double *out)
{
    char line[256];
    for (;;) {
        fputs(prompt, stdout);
        fflush(stdout);
        if (!fgets(line, sizeof line, stdin)) return false;
        char *s = line, *e = line + strlen(line);
        while (*s && isspace((unsigned char)*s)) s++;
        while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
        if (!isatty(STDIN_FILENO)) printf("%s\n", s); /* echo piped answers */
        if (*s && cli_parse_double(s, out)) return true;
        printf("  that is not a number; try again\n");
    }
}

static int do_guess(args *a)
{
    som_error err;
    pick_seed(a);
    som_mt19937 g;
    som_mt19937_seed(&g, a->seed);
    som_art_opts truth = a->opts;
    som_art_opts_random(&truth, &g);
    som_art *art = NULL;
    if (som_art_run(&truth, &art, &err) != SOM_OK) return cli_fail(&err);
    som_art_style st;
    single_style(a, &st);
    int rc = som_art_render(art, &st, a->size, a->output, &err);
    if (rc == SOM_OK && isatty(STDOUT_FILENO)) preview(art);
    som_art_free(art);
    if (rc != SOM_OK) return cli_fail(&err);

    printf("A pattern is in %s (seed %u). Which knobs drew it?\n", a->output,
           (unsigned)a->seed);
    double step, radius, std;
    if (!ask("step   (learning rate, 0.1 to 1)?            ", &step) ||
        !ask("radius (learning radius, 0 to 3)?            ", &radius) ||
        !ask("std    (neighbours' learning rate, 0.1 to 2)? ", &std)) {
        printf("\n");
        cli_error("no answer: the input ended");
        return CLI_FAIL;
    }
    double score = som_art_guess_score(&truth, step, radius, std);
    printf("\n         yours      truth\n");
    printf("step     %-10.4g %.4f\n", step, truth.step);
    printf("radius   %-10.4g %g\n", radius, truth.radius);
    printf("std      %-10.4g %.4f%s\n", std, truth.std,
           truth.radius < 1.0 ? "   (radius 0: std leaves no trace)" : "");
    printf("score    %.0f / 100\n", floor(score + 0.5));
    return CLI_OK;
}

int cmd_art(int argc, char **argv)
{
    args a;
    int rc = parse_args(argc, argv, &a);
    out_kind kind = OUT_PICTURE;
    if (rc < 0)
        rc = CLI_OK; /* --help */
    else if (rc == CLI_OK && (rc = check_args(&a, &kind)) == CLI_OK)
        rc = a.guess ? do_guess(&a)
           : a.avatar ? do_avatar(&a, kind)
           : a.gallery ? do_gallery(&a, kind)
           : do_single(&a, kind);
    free(a.names);
    return rc;
}
