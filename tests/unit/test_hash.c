/* libsom's one hash and its small allocation call, the public helpers that
 * layers above libsom (Art, the server) use instead of reaching inside:
 * som_hash against FNV-1a 64's published test vectors, the title index
 * and the avatar recipe's step 1 agreeing with it, and som_calloc zeroed,
 * overflow-checked and going through the allocator hook. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/core.h"

static void hash_is_fnv1a64(void **state)
{
    (void)state;
    /* The FNV reference vectors (Fowler, Noll, Vo: "FNV-1a 64"). */
    assert_true(som_hash("", 0) == UINT64_C(0xcbf29ce484222325));
    assert_true(som_hash("a", 1) == UINT64_C(0xaf63dc4c8601ec8c));
    assert_true(som_hash("foobar", 6) == UINT64_C(0x85944171f73967e8));
    /* Bytes, not a C string: a NUL inside counts. */
    assert_true(som_hash("a\0b", 3) != som_hash("a", 1));
}

static void title_index_finds_by_the_hash(void **state)
{
    (void)state;
    const char *titles[] = {"alpha", "beta", "gamma", "beta"};
    som_title_index ix;
    assert_int_equal(som__title_index_init(&ix, titles, 4, NULL), SOM_OK);
    for (size_t j = 0; j < 4; j++) som__title_index_add(&ix, j);
    assert_int_equal(som__title_index_find(&ix, "gamma", 5), 2);
    assert_int_equal(som__title_index_find(&ix, "beta", 4), 1); /* the first added */
    assert_int_equal(som__title_index_find(&ix, "delta", 5), -1);
    som__title_index_free(&ix);
}

static size_t hooked;
static void *count_malloc(size_t n)
{
    hooked++;
    return malloc(n);
}
static void *count_realloc(void *p, size_t n) { return realloc(p, n); }

static void calloc_is_zeroed_checked_and_hooked(void **state)
{
    (void)state;
    assert_int_equal(som_set_allocator(count_malloc, count_realloc, free), SOM_OK);
    hooked = 0;
    unsigned char *p = som_calloc(100, 3);
    assert_non_null(p);
    assert_true(hooked >= 1);
    for (size_t i = 0; i < 300; i++) assert_int_equal(p[i], 0);
    som_free(p);
    assert_null(som_calloc(SIZE_MAX / 2, 3)); /* n * size overflows */
    assert_int_equal(som_set_allocator(NULL, NULL, NULL), SOM_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hash_is_fnv1a64),
        cmocka_unit_test(title_index_finds_by_the_hash),
        cmocka_unit_test(calloc_is_zeroed_checked_and_hooked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
