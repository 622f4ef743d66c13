/* SPDX-License-Identifier: MIT */
/* hash.c — libsom's one non-cryptographic hash (som_hash in som.h): FNV-1a
 * 64, tiny, byte-order free, and every byte changes the result. The title
 * index, the avatars' recipe (som_art.h, which documents it as its step 1)
 * and the server's ETags all use this one. (The checkpoint's data
 * fingerprint is FNV-1a over 32-bit words, a different function written into
 * files and documented in doc/FORMAT.md; it stays as it is.) */
#include "core/core.h"

uint64_t som_hash(const void *bytes, size_t n)
{
    const unsigned char *p = bytes;
    uint64_t h = UINT64_C(14695981039346656037);
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}
