/* SPDX-License-Identifier: MIT */
/* fuzz_sniff.c — som_map_load_buffer with neither a format nor a name: the
 * format registry tells the map format by the first bytes (.som magic,
 * ESOM '%' header, SOM_PAK codebook header, .somnet's first double) and
 * hands them to that format's parser; a map that loads must survive the
 * .som round trip, and whatever it loaded as must be what
 * som_format_sniff says. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    som_map *map = NULL;
    som_error err;
    int rc = som_map_load_buffer(data, size, NULL, NULL, &map, &err);
    const som_format_info *f = som_format_sniff(data, size);
    if (rc == SOM_OK) {
        FUZZ_CHECK(f != NULL && (f->uses & SOM_FORMAT_LOAD_MAP));
        fuzz_check_map(map);
    } else {
        fuzz_check_refusal(rc, &err);
        FUZZ_CHECK(map == NULL);
    }
    som_map_free(map);
    return 0;
}
