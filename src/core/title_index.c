/* SPDX-License-Identifier: MIT */
/* title_index.c — field titles looked up by hashing, so that matching the
 * 20,000 titles of a wide table against 20,000 others (or against the
 * titles before each, for repeats) costs 20,000 look-ups, not 200 million
 * string comparisons. Open addressing over an array of titles the caller
 * keeps alive; a title added twice keeps its first index, as a scan from
 * the first title would find. */
#include "core/core.h"

#include <string.h>

int som__title_index_init(som_title_index *ix, const char *const *titles, size_t capacity,
                          som_error *err)
{
    size_t slots = 16;
    while (slots < 2 * capacity) slots *= 2;
    ix->titles = titles;
    ix->mask = slots - 1;
    ix->slot = som__calloc(slots, sizeof *ix->slot); /* 0: empty, else index + 1 */
    return ix->slot ? SOM_OK : som__error_oom(err);
}

void som__title_index_free(som_title_index *ix)
{
    som__free(ix->slot);
    ix->slot = NULL;
}

/* The slot holding s, or the empty slot where it would go. */
static size_t probe(const som_title_index *ix, const char *s, size_t len)
{
    size_t k = (size_t)som_hash(s, len) & ix->mask;
    for (;; k = (k + 1) & ix->mask) {
        size_t e = ix->slot[k];
        if (!e) return k;
        const char *t = ix->titles[e - 1];
        if (strnlen(t, len + 1) == len && memcmp(t, s, len) == 0) return k;
    }
}

long som__title_index_find(const som_title_index *ix, const char *s, size_t len)
{
    size_t e = ix->slot[probe(ix, s, len)];
    return e ? (long)(e - 1) : -1;
}

void som__title_index_add(som_title_index *ix, size_t j)
{
    const char *t = ix->titles[j];
    size_t k = probe(ix, t, strlen(t));
    if (!ix->slot[k]) ix->slot[k] = j + 1;
}
