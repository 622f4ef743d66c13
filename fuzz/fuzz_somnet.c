/* SPDX-License-Identifier: MIT */
/* fuzz_somnet.c — som_map_load_somnet_mem (the MQL5 article's network) on
 * arbitrary bytes; a net that loads must survive the .som round trip. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    som_map *map = NULL;
    som_error err;
    int rc = som_map_load_somnet_mem(data, size, "fuzz.somnet", &map, &err);
    if (rc == SOM_OK) {
        fuzz_check_map(map);
    } else {
        fuzz_check_refusal(rc, &err);
        FUZZ_CHECK(map == NULL);
    }
    som_map_free(map);
    return 0;
}
