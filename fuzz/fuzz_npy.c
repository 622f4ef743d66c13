/* SPDX-License-Identifier: MIT */
/* fuzz_npy.c — som_data_read_npy_mem on arbitrary bytes. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    som_data *d = NULL;
    som_error err;
    int rc = som_data_read_npy_mem(data, size, "fuzz.npy", &d, &err);
    if (rc == SOM_OK) {
        fuzz_check_data(d);
    } else {
        fuzz_check_refusal(rc, &err);
        FUZZ_CHECK(d == NULL);
    }
    som_data_free(d);
    return 0;
}
