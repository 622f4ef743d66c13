/* SPDX-License-Identifier: MIT */
/* fuzz_sompak_cod.c — SOM_PAK codebooks (.cod) through
 * som_map_load_sompak_mem on arbitrary bytes; a codebook that loads must
 * survive the .som round trip. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    som_map *map = NULL;
    som_error err;
    int rc = som_map_load_sompak_mem((const char *)data, size, "fuzz.cod", &map, &err);
    if (rc == SOM_OK) {
        fuzz_check_map(map);
    } else {
        fuzz_check_refusal(rc, &err);
        FUZZ_CHECK(map == NULL);
    }
    som_map_free(map);
    return 0;
}
