/* Grid geometry: the most reported bugs of other SOM tools (hex neighbours,
 * toroid wrap) tested directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "core/core.h"

static void hex_inner_units_have_six_neighbours_at_distance_one(void **state)
{
    (void)state;
    som_grid g = {6, 7, SOM_HEX, 0};
    for (size_t r = 1; r + 1 < g.rows; r++)
        for (size_t c = 1; c + 1 < g.cols; c++) {
            size_t u = r * g.cols + c, nb[6];
            size_t k = som_grid_neighbors(&g, u, nb);
            assert_int_equal(k, 6);
            for (size_t t = 0; t < k; t++) assert_true(som_grid_distance(&g, u, nb[t]) == 1.0);
            /* and nobody else is that close */
            size_t close = 0;
            for (size_t v = 0; v < g.rows * g.cols; v++)
                if (v != u && som_grid_distance(&g, u, v) <= 1.0 + 1e-12) close++;
            assert_int_equal(close, 6);
        }
}

static void hex_odd_rows_shift_right(void **state)
{
    (void)state;
    som_grid g = {4, 4, SOM_HEX, 0};
    double x, y;
    som_grid_coords(&g, 1 * 4 + 0, &x, &y);
    assert_true(x == 0.5);
    assert_true(fabs(y - sqrt(3.0) / 2.0) < 1e-15);
    /* (1,0) touches (0,0) and (0,1) above it, (2,0) and (2,1) below. */
    size_t nb[6];
    size_t k = som_grid_neighbors(&g, 4, nb);
    size_t want[] = {0, 1, 5, 8, 9};
    assert_int_equal(k, 5);
    for (size_t t = 0; t < k; t++) assert_int_equal(nb[t], want[t]);
    /* An even-row unit's lower neighbours are at columns c-1 and c. */
    k = som_grid_neighbors(&g, 2 * 4 + 2, nb);
    size_t want2[] = {5, 6, 9, 11, 13, 14};
    assert_int_equal(k, 6);
    for (size_t t = 0; t < k; t++) assert_int_equal(nb[t], want2[t]);
}

static void rect_neighbours_are_four(void **state)
{
    (void)state;
    som_grid g = {5, 5, SOM_RECT, 0};
    size_t nb[6];
    assert_int_equal(som_grid_neighbors(&g, 12, nb), 4);
    assert_int_equal(som_grid_neighbors(&g, 0, nb), 2);
    assert_true(som_grid_distance(&g, 0, 24) == sqrt(32.0));
}

static void toroid_distances_wrap(void **state)
{
    (void)state;
    som_grid g = {6, 8, SOM_RECT, 1};
    assert_true(som_grid_distance(&g, 0, 7) == 1.0);      /* (0,0)-(0,7) */
    assert_true(som_grid_distance(&g, 0, 5 * 8) == 1.0);  /* (0,0)-(5,0) */
    assert_true(som_grid_distance(&g, 0, 5 * 8 + 7) == sqrt(2.0));
    size_t nb[6];
    assert_int_equal(som_grid_neighbors(&g, 0, nb), 4);
    /* every unit of a hex toroid has 6 neighbours at distance exactly 1 */
    som_grid h = {6, 8, SOM_HEX, 1};
    for (size_t u = 0; u < 48; u++) {
        size_t k = som_grid_neighbors(&h, u, nb);
        assert_int_equal(k, 6);
        for (size_t t = 0; t < k; t++) assert_true(som_grid_distance(&h, u, nb[t]) == 1.0);
    }
    /* wrap across the corner of a hex toroid: (0,0) and (5,7) */
    assert_true(som_grid_distance(&h, 0, 5 * 8 + 7) == 1.0);
}

static void distance_is_symmetric_and_table_agrees(void **state)
{
    (void)state;
    som_grid grids[] = {{5, 7, SOM_RECT, 0}, {5, 7, SOM_HEX, 0}, {6, 7, SOM_HEX, 1}, {5, 4, SOM_RECT, 1}};
    for (size_t k = 0; k < 4; k++) {
        som_grid *g = &grids[k];
        som_dist_table t;
        assert_int_equal(som__dist_table_init(&t, g, NULL), SOM_OK);
        size_t n = g->rows * g->cols;
        for (size_t a = 0; a < n; a++)
            for (size_t b = 0; b < n; b++) {
                double d = som__grid_dist2(g, a, b);
                assert_true(d == som__grid_dist2(g, b, a));
                assert_true(d == som__dist_table_get(&t, a / g->cols, a % g->cols, b / g->cols, b % g->cols));
            }
        som__dist_table_free(&t);
    }
}

static void bad_grids_are_rejected(void **state)
{
    (void)state;
    som_error err;
    som_grid g = {0, 0, SOM_RECT, 0};
    assert_int_equal(som_grid_check(&g, &err), SOM_EINVAL);
    assert_non_null(strstr(err.message, "0x0"));
    som_grid h = {5, 4, SOM_HEX, 1};
    assert_int_equal(som_grid_check(&h, &err), SOM_EINVAL);
    assert_non_null(strstr(err.message, "even"));
    assert_int_equal(som_grid_parse("10x12", &g, &err), SOM_OK);
    assert_int_equal(g.rows, 10);
    assert_int_equal(g.cols, 12);
    assert_int_equal(som_grid_parse("10x", &g, &err), SOM_EINVAL);
    assert_int_equal(som_grid_parse("x3", &g, &err), SOM_EINVAL);
    assert_int_equal(som_grid_parse("0x3", &g, &err), SOM_EINVAL);
    assert_int_equal(som_grid_parse("-1x3", &g, &err), SOM_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hex_inner_units_have_six_neighbours_at_distance_one),
        cmocka_unit_test(hex_odd_rows_shift_right),
        cmocka_unit_test(rect_neighbours_are_four),
        cmocka_unit_test(toroid_distances_wrap),
        cmocka_unit_test(distance_is_symmetric_and_table_agrees),
        cmocka_unit_test(bad_grids_are_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
