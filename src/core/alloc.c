/* SPDX-License-Identifier: MIT */
/* alloc.c — every libsom allocation goes through one replaceable hook, so
 * tests can fail the k-th allocation and check nothing leaks. */
#include "core/core.h"

#include <stdlib.h>
#include <string.h>

static void *(*hook_malloc)(size_t) = malloc;
static void *(*hook_realloc)(void *, size_t) = realloc;
static void (*hook_free)(void *) = free;

int som_set_allocator(void *(*malloc_fn)(size_t),
                      void *(*realloc_fn)(void *, size_t),
                      void (*free_fn)(void *))
{
    if (!malloc_fn && !realloc_fn && !free_fn) {
        hook_malloc = malloc;
        hook_realloc = realloc;
        hook_free = free;
        return SOM_OK;
    }
    if (!malloc_fn || !realloc_fn || !free_fn) return SOM_EINVAL;
    hook_malloc = malloc_fn;
    hook_realloc = realloc_fn;
    hook_free = free_fn;
    return SOM_OK;
}

bool som__mul_ok(size_t n, size_t size, size_t *out)
{
    if (size != 0 && n > SIZE_MAX / size) return false;
    *out = n * size;
    return true;
}

void *som__malloc(size_t size) { return hook_malloc(size ? size : 1); }

void *som__calloc(size_t n, size_t size)
{
    size_t total;
    if (!som__mul_ok(n, size, &total)) return NULL;
    void *p = som__malloc(total);
    if (p) memset(p, 0, total);
    return p;
}

void *som__realloc(void *ptr, size_t size)
{
    return hook_realloc(ptr, size ? size : 1);
}

void som__free(void *ptr)
{
    if (ptr) hook_free(ptr);
}

void som_free(void *ptr) { som__free(ptr); }

void *som_calloc(size_t n, size_t size) { return som__calloc(n, size); }

/* Aligned blocks keep the distance back to the raw pointer just before the
 * aligned address, so they work with any malloc-like hook. */
void *som__aligned_calloc(size_t n, size_t size)
{
    size_t total;
    if (!som__mul_ok(n, size, &total) || total > SIZE_MAX - SOM_ALIGN - sizeof(void *))
        return NULL;
    unsigned char *raw = som__malloc(total + SOM_ALIGN + sizeof(void *));
    if (!raw) return NULL;
    uintptr_t start = (uintptr_t)(raw + sizeof(void *));
    uintptr_t aligned = (start + SOM_ALIGN - 1) & ~(uintptr_t)(SOM_ALIGN - 1);
    unsigned char *p = (unsigned char *)aligned;
    memcpy(p - sizeof(void *), &raw, sizeof raw);
    memset(p, 0, total);
    return p;
}

void som__aligned_free(void *ptr)
{
    if (!ptr) return;
    void *raw;
    memcpy(&raw, (unsigned char *)ptr - sizeof(void *), sizeof raw);
    som__free(raw);
}

bool som__grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return true;
    size_t c = *cap ? *cap : 64;
    while (c < need) {
        if (c > SIZE_MAX / 2 / elem) return false;
        c *= 2;
    }
    void *q = som__realloc(*p, c * elem);
    if (!q) return false;
    *p = q;
    *cap = c;
    return true;
}

char *som__strdup(const char *s)
{
    size_t len = strlen(s);
    char *p = som__malloc(len + 1);
    if (p) memcpy(p, s, len + 1);
    return p;
}
