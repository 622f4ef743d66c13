/* SOFM art: the article's reference values (SPEC-seeds.md A5), its counting
 * claims, the numpy-compatible generator behind the classic gallery,
 * avatars, bad knobs, and the files written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "som.h"
#include "som_art.h"

static som_art *run(double step, double radius, double std)
{
    som_art_opts o;
    som_art_opts_init(&o);
    o.step = step;
    o.radius = radius;
    o.std = std;
    som_art *art = NULL;
    som_error err;
    assert_int_equal(som_art_run(&o, &art, &err), SOM_OK);
    return art;
}

static int unmoved(const double *xy, size_t n)
{
    return xy[2 * n] == (double)(n / 9) && xy[2 * n + 1] == (double)(n % 9);
}

/* ---- A5.1: one point, one pass ------------------------------------------- */

static void one_point_one_pass_matches_reference(void **state)
{
    (void)state;
    som_art_opts o;
    som_art_opts_init(&o);
    o.step = 0.25, o.radius = 2, o.std = 1;
    o.points = 1, o.angle = 0, o.passes = 1;
    som_art *art = NULL;
    assert_int_equal(som_art_run(&o, &art, NULL), SOM_OK);
    /* The point sits at (15, 4), unrotated. */
    const double *trail = som_art_trail(art);
    assert_true(trail[0] == 15.0 && trail[1] == 4.0);
    static const struct { int r, c; double x, y; } ref[9] = {
        {8, 2, 9.3188682928, 2.3768195122}, {8, 3, 9.6028442654, 3.2289777522},
        {8, 4, 9.7326732673, 4.0},          {8, 5, 9.6028442654, 4.7710222478},
        {8, 6, 9.3188682928, 5.6231804878}, {7, 3, 8.6834460155, 3.2104307519},
        {7, 4, 8.8318220176, 4.0},          {7, 5, 8.6834460155, 4.7895692481},
        {6, 4, 7.6956878051, 4.0},
    };
    const double *xy = som_art_positions(art);
    int moved[81] = {0};
    for (int i = 0; i < 9; i++) {
        size_t n = (size_t)(ref[i].r * 9 + ref[i].c);
        assert_true(fabs(xy[2 * n] - ref[i].x) < 1e-6);
        assert_true(fabs(xy[2 * n + 1] - ref[i].y) < 1e-6);
        moved[n] = 1;
    }
    for (size_t n = 0; n < 81; n++)
        if (!moved[n]) assert_true(unmoved(xy, n));
    som_art_free(art);
}

/* ---- A5.5: the star -------------------------------------------------------- */

static void star_matches_reference_and_moves_eight(void **state)
{
    (void)state;
    som_art *art = run(1, 0, 0.4);
    static const struct { int r, c; double x, y; } ref[8] = {
        {0, 0, -3.770975, -3.770975}, {0, 4, -6.980057, 4},
        {0, 8, -3.776393, 11.776393}, {4, 0, 4, -6.992231},
        {4, 8, 4, 14.992231},         {8, 0, 11.776393, -3.776393},
        {8, 4, 14.980057, 4},         {8, 8, 11.770975, 11.770975},
    };
    const double *xy = som_art_positions(art);
    for (int i = 0; i < 8; i++) {
        size_t n = (size_t)(ref[i].r * 9 + ref[i].c);
        assert_true(fabs(xy[2 * n] - ref[i].x) < 1e-6);
        assert_true(fabs(xy[2 * n + 1] - ref[i].y) < 1e-6);
    }
    size_t moved = 0;
    double sum = 0;
    for (size_t n = 0; n < 81; n++) {
        moved += !unmoved(xy, n);
        sum += xy[2 * n] * xy[2 * n] + xy[2 * n + 1] * xy[2 * n + 1];
    }
    /* The article: "only one dot moved in each direction". */
    assert_int_equal(moved, 8);
    assert_true(fabs(sum - 4446.222988672) < 1e-6);
    som_art_free(art);
}

/* ---- the blob: exactly the plus sign stays --------------------------------- */

static void blob_keeps_exactly_the_plus_sign(void **state)
{
    (void)state;
    som_art *art = run(1, 3, 0.4);
    const double *xy = som_art_positions(art);
    size_t stayed = 0;
    for (size_t n = 0; n < 81; n++) {
        size_t r = n / 9, c = n % 9;
        int plus = (r == 4 && c >= 3 && c <= 5) || (c == 4 && r >= 3 && r <= 5);
        assert_int_equal(unmoved(xy, n), plus);
        stayed += (size_t)unmoved(xy, n);
    }
    assert_int_equal(stayed, 5);
    som_art_free(art);
}

/* ---- rotation: clockwise, before the update -------------------------------- */

static void points_rotate_clockwise_before_each_pass(void **state)
{
    (void)state;
    som_art *art = run(0.25, 2, 1);
    const som_art_opts *o = som_art_options(art);
    assert_int_equal(o->passes, 8);
    assert_true(o->distance == 11.0);
    const double *t = som_art_trail(art);
    /* Pass 1 uses (15,4) turned 45 degrees clockwise. */
    assert_true(fabs(t[0] - 11.778175) < 1e-6 && fabs(t[1] + 3.778175) < 1e-6);
    assert_true(fabs(t[2] + 3.778175) < 1e-6 && fabs(t[3] - 11.778175) < 1e-6);
    /* Pass 2: (4,-7) and (4,15); pass 8: back at the start. */
    assert_true(fabs(t[4] - 4) < 1e-9 && fabs(t[5] + 7) < 1e-9);
    assert_true(fabs(t[6] - 4) < 1e-9 && fabs(t[7] - 15) < 1e-9);
    assert_true(fabs(t[28] - 15) < 1e-9 && fabs(t[29] - 4) < 1e-9);
    assert_true(fabs(t[30] + 7) < 1e-9 && fabs(t[31] - 4) < 1e-9);
    /* Two opposite points give a figure symmetric about the centre. */
    const double *xy = som_art_positions(art);
    for (size_t n = 0; n < 81; n++) {
        assert_true(fabs(xy[2 * n] + xy[2 * (80 - n)] - 8) < 1e-9);
        assert_true(fabs(xy[2 * n + 1] + xy[2 * (80 - n) + 1] - 8) < 1e-9);
    }
    som_art_free(art);
}

static void four_points_start_in_the_articles_order(void **state)
{
    (void)state;
    som_art_opts o;
    som_art_opts_init(&o);
    o.points = 4, o.angle = 0, o.passes = 1;
    som_art *art = NULL;
    assert_int_equal(som_art_run(&o, &art, NULL), SOM_OK);
    const double *t = som_art_trail(art);
    static const double want[8] = {15, 4, 4, 15, -7, 4, 4, -7};
    for (int i = 0; i < 8; i++) assert_true(t[i] == want[i]);
    som_art_free(art);
}

/* ---- MT19937 and the classic gallery -------------------------------------- */

static void mt19937_matches_the_reference_generator(void **state)
{
    (void)state;
    som_mt19937 g;
    /* Matsumoto and Nishimura's mt19937ar.c with init_genrand(5489). */
    som_mt19937_seed(&g, 5489);
    assert_int_equal(som_mt19937_u32(&g), 3499211612u);
    assert_int_equal(som_mt19937_u32(&g), 581869302u);
    assert_int_equal(som_mt19937_u32(&g), 3890346734u);
    /* ... and its 10000th output (the C++ standard's check value). */
    som_mt19937_seed(&g, 5489);
    uint32_t v = 0;
    for (int i = 0; i < 10000; i++) v = som_mt19937_u32(&g);
    assert_int_equal(v, 4123659995u);
}

static void classic_gallery_first_rows_reproduced(void **state)
{
    (void)state;
    som_mt19937 g;
    som_mt19937_seed(&g, SOM_ART_CLASSIC_SEED);
    som_art_opts o;
    som_art_opts_init(&o);
    som_art_opts_random(&o, &g);
    assert_true(fabs(o.step - 0.32365911469395692) < 1e-12);
    assert_true(o.radius == 0.0);
    assert_true(fabs(o.std - 1.3716341717599891) < 1e-12);
    assert_int_equal(som_art_gallery_color(1), 0xE8EDF3u);
    som_art_opts_random(&o, &g);
    assert_true(fabs(o.step - 0.92862216855786528) < 1e-12);
    assert_true(o.radius == 3.0);
    assert_true(fabs(o.std - 1.753751807859204) < 1e-12);
    assert_int_equal(som_art_gallery_color(2), 0xE6CF8Bu);
    assert_int_equal(som_art_gallery_color(3), 0xB56969u);
}

static void randint_is_masked_rejection(void **state)
{
    (void)state;
    som_mt19937 a, b;
    som_mt19937_seed(&a, 1);
    som_mt19937_seed(&b, 1);
    /* n = 4: one output AND 3, never rejected. */
    for (int i = 0; i < 100; i++)
        assert_int_equal(som_mt19937_below(&a, 4), som_mt19937_u32(&b) & 3u);
    /* n = 3: mask 3, 3 is rejected and drawn again. */
    for (int i = 0; i < 1000; i++) assert_true(som_mt19937_below(&a, 3) < 3);
    assert_int_equal(som_mt19937_below(&a, 1), 0);
}

/* ---- avatars ------------------------------------------------------------------ */

static uint64_t fnv(const unsigned char *p, size_t n) { return som_avatar_hash(p, n); }

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void avatar_hash_is_fnv1a_64(void **state)
{
    (void)state;
    assert_true(som_avatar_hash("", 0) == 14695981039346656037u);
    assert_true(som_avatar_hash("a", 1) == 0xaf63dc4c8601ec8cu);
    assert_true(som_avatar_hash("foobar", 6) == 0x85944171f73967e8u);
}

static void avatar_same_name_same_bytes(void **state)
{
    (void)state;
    unsigned char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    som_error err;
    assert_int_equal(som_avatar_render_mem("alice", NULL, 128, "png", &a, &na, &err), SOM_OK);
    assert_int_equal(som_avatar_render_mem("alice", NULL, 128, "png", &b, &nb, &err), SOM_OK);
    assert_true(na > 8 && na == nb);
    assert_memory_equal(a, b, na);
    assert_memory_equal(a, "\x89PNG\r\n\x1a\n", 8);
    som_free(b);
    assert_int_equal(som_avatar_render_mem("alicf", NULL, 128, "png", &b, &nb, &err), SOM_OK);
    assert_true(na != nb || memcmp(a, b, na) != 0);
    som_free(a);
    som_free(b);
    /* The design is a pure function of the name. */
    som_art_opts o1, o2;
    som_art_style s1, s2;
    som_avatar_design("bob", &o1, &s1);
    som_avatar_design("bob", &o2, &s2);
    assert_memory_equal(&o1, &o2, sizeof o1);
    assert_true(s1.color == s2.color && s1.background == s2.background);
    /* Within the documented ranges. */
    assert_true(o1.step >= 0.3 && o1.step < 1.0);
    assert_true(o1.radius >= 1 && o1.radius <= 3);
    assert_true(o1.std >= 0.2 && o1.std < 1.8);
}

static void thousand_names_thousand_images(void **state)
{
    (void)state;
    enum { N = 1000 };
    uint64_t *h = calloc(N, sizeof *h);
    assert_non_null(h);
    som_error err;
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "user%d", i);
        unsigned char *png = NULL;
        size_t len = 0;
        assert_int_equal(som_avatar_render_mem(name, NULL, 64, "png", &png, &len, &err), SOM_OK);
        h[i] = fnv(png, len);
        som_free(png);
    }
    qsort(h, N, sizeof *h, cmp_u64);
    for (int i = 1; i < N; i++) assert_true(h[i] != h[i - 1]);
    free(h);
}

static void avatar_background_override(void **state)
{
    (void)state;
    som_art_style over;
    som_art_style_init(&over);
    over.transparent = 1;
    unsigned char *a = NULL, *b = NULL;
    size_t na, nb;
    assert_int_equal(som_avatar_render_mem("carol", &over, 64, "png", &a, &na, NULL), SOM_OK);
    assert_int_equal(som_avatar_render_mem("carol", NULL, 64, "png", &b, &nb, NULL), SOM_OK);
    /* PNG colour type 6 (RGBA) is at byte 25 for cairo's ARGB32 output
     * either way; the pictures themselves must differ. */
    assert_true(na != nb || memcmp(a, b, na) != 0);
    som_free(a);
    som_free(b);
    assert_int_equal(som_avatar_render_mem("carol", NULL, 64, "svg", &a, &na, NULL), SOM_OK);
    assert_true(na > 5 && memmem(a, na, "<svg", 4) != NULL);
    som_free(a);
}

/* ---- bad knobs --------------------------------------------------------------- */

static void bad_knobs_are_rejected(void **state)
{
    (void)state;
    som_art_opts o;
    som_art *art = NULL;
    som_error err;
    struct { double step, radius, std; } bad[] = {
        {0, 2, 0.4}, {-0.5, 2, 0.4}, {HUGE_VAL, 2, 0.4}, {nan(""), 2, 0.4},
        {0.5, -1, 0.4}, {0.5, nan(""), 0.4}, {0.5, 2, -0.1}, {0.5, 2, HUGE_VAL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        som_art_opts_init(&o);
        o.step = bad[i].step, o.radius = bad[i].radius, o.std = bad[i].std;
        som_error_clear(&err);
        assert_int_equal(som_art_run(&o, &art, &err), SOM_EINVAL);
        assert_null(art);
        assert_int_equal(err.code, SOM_EINVAL);
        assert_true(strlen(err.message) > 10);
    }
    som_art_opts_init(&o);
    o.grid = 0;
    assert_int_equal(som_art_opts_check(&o, NULL), SOM_EINVAL);
    som_art_opts_init(&o);
    o.points = 0;
    assert_int_equal(som_art_opts_check(&o, NULL), SOM_EINVAL);
    som_art_opts_init(&o);
    o.angle = nan("");
    assert_int_equal(som_art_opts_check(&o, NULL), SOM_EINVAL);
    som_art_opts_init(&o);
    o.grid = 512, o.passes = 100000;
    assert_int_equal(som_art_opts_check(&o, NULL), SOM_EINVAL); /* too much work */

    /* Sizes and galleries. */
    art = run(0.5, 2, 0.4);
    som_art_style st;
    som_art_style_init(&st);
    unsigned char *buf = NULL;
    size_t len = 0;
    assert_int_equal(som_art_render_mem(art, &st, 0, "png", &buf, &len, &err), SOM_EINVAL);
    assert_null(buf);
    assert_int_equal(som_art_render_mem(art, &st, 64, "gif", &buf, &len, &err), SOM_EINVAL);
    assert_int_equal(som_avatar_render_mem("x", NULL, 0, "png", &buf, &len, &err), SOM_EINVAL);
    const som_art *list[1] = {art};
    assert_int_equal(som_art_render_gallery(list, 0, 512, "/tmp/never.png", &err), SOM_EINVAL);
    assert_int_equal(access("/tmp/never.png", F_OK), -1);
    assert_int_equal(som_art_write_gallery_csv(list, 0, "/tmp/never.csv", &err), SOM_EINVAL);
    som_art_free(art);
}

/* ---- files ---------------------------------------------------------------------- */

static char tmpdir[64];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/som-art-test.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void csv_round_trips_exactly(void **state)
{
    (void)state;
    som_art *art = run(0.5, 2, 0.4);
    char path[128];
    snprintf(path, sizeof path, "%s/bird.csv", tmpdir);
    assert_int_equal(som_art_write_csv(art, path, NULL), SOM_OK);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[256];
    assert_non_null(fgets(line, sizeof line, fp));
    assert_string_equal(line, "row,col,x,y\n");
    const double *xy = som_art_positions(art);
    size_t n = 0, r, c;
    double x, y;
    while (fscanf(fp, "%zu,%zu,%lf,%lf", &r, &c, &x, &y) == 4) {
        assert_int_equal(r, n / 9);
        assert_int_equal(c, n % 9);
        assert_true(x == xy[2 * n] && y == xy[2 * n + 1]); /* %.17g */
        n++;
    }
    fclose(fp);
    assert_int_equal(n, 81);

    /* A gallery: one block per pattern under one header. */
    som_art *two[2] = {art, run(1, 0, 0.4)};
    snprintf(path, sizeof path, "%s/gallery.csv", tmpdir);
    assert_int_equal(som_art_write_gallery_csv((const som_art *const *)two, 2, path, NULL), SOM_OK);
    fp = fopen(path, "r");
    assert_non_null(fp);
    assert_non_null(fgets(line, sizeof line, fp));
    assert_string_equal(line, "pattern,step,radius,std,row,col,x,y\n");
    size_t lines = 0, last_pattern = 0;
    while (fgets(line, sizeof line, fp)) {
        size_t p = (size_t)strtoul(line, NULL, 10);
        assert_true(p == last_pattern || p == last_pattern + 1);
        last_pattern = p;
        lines++;
    }
    fclose(fp);
    assert_int_equal(lines, 162);
    assert_int_equal(last_pattern, 2);
    som_art_free(two[1]);
    som_art_free(art);
}

static void pictures_are_written(void **state)
{
    (void)state;
    som_error err;
    som_mt19937 g;
    som_mt19937_seed(&g, SOM_ART_CLASSIC_SEED);
    som_art *arts[16];
    for (int i = 0; i < 16; i++) {
        som_art_opts o;
        som_art_opts_init(&o);
        som_art_opts_random(&o, &g);
        assert_int_equal(som_art_run(&o, &arts[i], &err), SOM_OK);
    }
    char path[128];
    snprintf(path, sizeof path, "%s/classic.png", tmpdir);
    assert_int_equal(som_art_render_gallery((const som_art *const *)arts, 16, 400, path, &err),
                     SOM_OK);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    unsigned char head[24];
    assert_int_equal(fread(head, 1, 24, fp), 24);
    fclose(fp);
    uint32_t w = (uint32_t)head[16] << 24 | (uint32_t)head[17] << 16 | (uint32_t)head[18] << 8 | head[19];
    uint32_t h = (uint32_t)head[20] << 24 | (uint32_t)head[21] << 16 | (uint32_t)head[22] << 8 | head[23];
    assert_int_equal(w, 400);
    assert_true(h >= 390 && h <= 400); /* 4 rows of the same panels */
    snprintf(path, sizeof path, "%s/classic.svg", tmpdir);
    assert_int_equal(som_art_render_gallery((const som_art *const *)arts, 16, 400, path, &err),
                     SOM_OK);
    assert_int_equal(access(path, F_OK), 0);

    som_art_style st;
    som_art_style_init(&st);
    st.show_points = 1;
    st.view = SOM_ART_VIEW_POINTS;
    snprintf(path, sizeof path, "%s/one.pdf", tmpdir);
    assert_int_equal(som_art_render(arts[5], &st, 300, path, &err), SOM_OK);
    assert_int_equal(access(path, F_OK), 0);
    /* An unknown extension fails before anything is written. */
    snprintf(path, sizeof path, "%s/one.gif", tmpdir);
    assert_int_equal(som_art_render(arts[5], &st, 300, path, &err), SOM_EINVAL);
    assert_int_equal(access(path, F_OK), -1);
    for (int i = 0; i < 16; i++) som_art_free(arts[i]);
}

/* ---- the game -------------------------------------------------------------------- */

static void guess_score(void **state)
{
    (void)state;
    som_art_opts t;
    som_art_opts_init(&t); /* 0.5, 2, 0.4 */
    assert_true(som_art_guess_score(&t, 0.5, 2, 0.4) == 100.0);
    double near = som_art_guess_score(&t, 0.55, 2, 0.5);
    double far = som_art_guess_score(&t, 1.0, 0, 2.0);
    assert_true(near > 90 && near < 100);
    assert_true(far < near && far >= 0);
    assert_true(som_art_guess_score(&t, nan(""), 2, 0.4) < 100 * 2.0 / 3.0 + 1e-9);
    /* Radius 0: std cannot be seen, so it costs nothing. */
    t.radius = 0;
    assert_true(som_art_guess_score(&t, 0.5, 0, 1.9) == 100.0);
    /* Every knob as far off as it can be: 0. */
    t.step = 0.1, t.radius = 0, t.std = 0.1;
    t.radius = 3;
    assert_true(som_art_guess_score(&t, 1.0, 0, 2.0) == 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_point_one_pass_matches_reference),
        cmocka_unit_test(star_matches_reference_and_moves_eight),
        cmocka_unit_test(blob_keeps_exactly_the_plus_sign),
        cmocka_unit_test(points_rotate_clockwise_before_each_pass),
        cmocka_unit_test(four_points_start_in_the_articles_order),
        cmocka_unit_test(mt19937_matches_the_reference_generator),
        cmocka_unit_test(classic_gallery_first_rows_reproduced),
        cmocka_unit_test(randint_is_masked_rejection),
        cmocka_unit_test(avatar_hash_is_fnv1a_64),
        cmocka_unit_test(avatar_same_name_same_bytes),
        cmocka_unit_test(thousand_names_thousand_images),
        cmocka_unit_test(avatar_background_override),
        cmocka_unit_test(bad_knobs_are_rejected),
        cmocka_unit_test(csv_round_trips_exactly),
        cmocka_unit_test(pictures_are_written),
        cmocka_unit_test(guess_score),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
