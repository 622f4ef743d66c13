/* SPDX-License-Identifier: MIT */
/* fuzz_json.c — the .json model reader (som__map_read_json_mem, what
 * som_map_load_any reads a .json with) on arbitrary bytes. A refusal is
 * SOM_EFORMAT with a file:line:column (or another code with a message); a
 * map that loads must save, load and save again to the same bytes. */
#include "fuzz_common.h"

#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    som_map *map = NULL;
    som_error err;
    int rc = som__map_read_json_mem((const char *)data, size, "fuzz.json", &map, &err);
    if (rc == SOM_OK) {
        fuzz_check_map(map);
    } else {
        fuzz_check_refusal(rc, &err);
        FUZZ_CHECK(map == NULL);
        FUZZ_CHECK(rc != SOM_EFORMAT || (err.line > 0 && err.column > 0));
    }
    som_map_free(map);
    return 0;
}
