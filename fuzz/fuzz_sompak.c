/* SPDX-License-Identifier: MIT */
/* fuzz_sompak.c — SOM_PAK data files (.dat) through
 * som_data_read_sompak_mem on arbitrary bytes. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    som_data *d = NULL;
    som_error err;
    int rc = som_data_read_sompak_mem((const char *)data, size, "fuzz.dat", &d, &err);
    if (rc == SOM_OK) {
        fuzz_check_data(d);
        /* Weights and fixed points, when present, are what the reader
         * promises: finite weights >= 0. */
        const double *w = som_data_weights(d);
        size_t n = som_data_n_samples(d);
        for (size_t i = 0; w && i < n; i++) FUZZ_CHECK(w[i] >= 0 && w[i] - w[i] == 0);
        for (size_t i = 0; i < n; i++) som_data_fixed(d, i, NULL, NULL);
    } else {
        fuzz_check_refusal(rc, &err);
        FUZZ_CHECK(d == NULL);
    }
    som_data_free(d);
    return 0;
}
