/* SPDX-License-Identifier: MIT */
/* fuzz_model_load.c — som_map_load_mem (the native .som format) on
 * arbitrary bytes. Most mutations break the CRC-32, so half of the inputs
 * get a correct CRC written over their last four bytes first: that lets the
 * fuzzer reach the chunk parser. The first byte chooses (odd: fix the CRC)
 * and is not part of the file. A map that loads must save, load and save
 * again to the same bytes. */
#include <zlib.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    int fix_crc = data[0] & 1;
    data++;
    size--;
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) return 0;
    if (size) memcpy(buf, data, size);
    if (fix_crc && size >= 16) {
        uLong crc = crc32(0L, Z_NULL, 0);
        crc = crc32(crc, buf, (uInt)(size - 4));
        for (int i = 0; i < 4; i++) buf[size - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
    }
    som_map *map = NULL;
    som_error err;
    int rc = som_map_load_mem(buf, size, "fuzz.som", &map, &err);
    if (rc == SOM_OK) {
        fuzz_check_map(map);
    } else {
        fuzz_check_refusal(rc, &err);
        FUZZ_CHECK(map == NULL);
    }
    som_map_free(map);
    free(buf);
    return 0;
}
