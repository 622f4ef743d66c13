/* SPDX-License-Identifier: MIT */
/* test_emergent.c — emergent maps train in memory O(units x dim): every
 * libsom allocation is counted (the allocator hook) while a 100 x 100 map
 * (10,000 units) trains on 2,000 rows, and the peak must stay far below
 * what one units x units matrix (800 MB of doubles) or one rows x units
 * matrix (80 MB of floats) would take. Rect (separable smoothing) and hex
 * (offset-table smoothing), complete and with gaps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "som.h"

/* Each block carries its size in front, so that free and realloc know it.
 * OpenMP threads allocate too: the counts are atomic. */
#define HEAD 16
static size_t live, peak;

static void grow(size_t n)
{
    size_t now = __atomic_add_fetch(&live, n, __ATOMIC_SEQ_CST);
    size_t p = __atomic_load_n(&peak, __ATOMIC_SEQ_CST);
    while (now > p && !__atomic_compare_exchange_n(&peak, &p, now, false, __ATOMIC_SEQ_CST,
                                                   __ATOMIC_SEQ_CST)) {
    }
}

static void shrink(size_t n) { __atomic_sub_fetch(&live, n, __ATOMIC_SEQ_CST); }

static void *count_malloc(size_t n)
{
    unsigned char *p = malloc(n + HEAD);
    if (!p) return NULL;
    memcpy(p, &n, sizeof n);
    grow(n);
    return p + HEAD;
}

static void count_free(void *q)
{
    if (!q) return;
    unsigned char *p = (unsigned char *)q - HEAD;
    size_t n;
    memcpy(&n, p, sizeof n);
    shrink(n);
    free(p);
}

static void *count_realloc(void *q, size_t n)
{
    if (!q) return count_malloc(n);
    unsigned char *p = (unsigned char *)q - HEAD;
    size_t old;
    memcpy(&old, p, sizeof old);
    unsigned char *r = realloc(p, n + HEAD);
    if (!r) return NULL;
    memcpy(r, &n, sizeof n);
    shrink(old);
    grow(n);
    return r + HEAD;
}

static void train_counted(som_topology topo, int gaps)
{
    const size_t n = 2000, dim = 8;
    assert_int_equal(som_allocator_set(count_malloc, count_realloc, count_free, NULL), SOM_OK);
    live = peak = 0;
    som_data *d;
    assert_int_equal(som_data_new(n, dim, &d, NULL), SOM_OK);
    float row[8];
    uint32_t s = 99;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < dim; j++) {
            s = s * 1664525u + 1013904223u;
            row[j] = (float)(s >> 8) / 16777216.0f + (float)(i % 4);
            if (gaps && (i + j) % 13 == 0) row[j] = NAN;
        }
        assert_int_equal(som_data_set_row(d, i, row, NULL, NULL), SOM_OK);
    }
    size_t before = live;
    peak = live;
    som_grid g = {100, 100, topo, 0};
    som_map *m;
    assert_int_equal(som_map_new(&g, dim, &m, NULL), SOM_OK);
    assert_int_equal(som_map_fit_scaling(m, d, SOM_SCALE_ZSCORE, NULL), SOM_OK);
    som_train_opts o;
    som_train_opts_init(&o);
    o.epochs = 2;
    o.threads = 2;
    o.init = SOM_INIT_RANDOM;
    som_error err;
    assert_int_equal(som_map_train(m, d, &o, &err), SOM_OK);
    size_t used = peak - before;
    /* O(units x dim): a few MB here (codebook 0.3 MB, sums 0.7 MB, the
     * smoothing's buffers, score blocks of ~1 MB per thread, the offset
     * tables). */
    print_message("peak of libsom's allocations while training: %.1f MB\n", (double)used / 1e6);
    assert_true(used < (size_t)24 << 20);
    som_map_free(m);
    som_data_free(d);
    assert_int_equal(live, 0);
    assert_int_equal(som_allocator_set(NULL, NULL, NULL, NULL), SOM_OK);
}

static void test_rect(void **state)
{
    (void)state;
    train_counted(SOM_RECT, 0);
}

static void test_hex_gaps(void **state)
{
    (void)state;
    train_counted(SOM_HEX, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rect),
        cmocka_unit_test(test_hex_gaps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
