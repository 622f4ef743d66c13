/* SPDX-License-Identifier: MIT */
/* fuzz_common.h — checks every fuzz target makes on top of the sanitizers.
 * A reader may refuse an input, but only with a negative status code, a
 * matching err.code and a message; a broken promise aborts, which libFuzzer
 * reports as a crash and the corpus replay as a failed test. */
#ifndef SOM_FUZZ_COMMON_H
#define SOM_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "som.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* A refusal is a known negative code reported through err with a message. */
static inline void fuzz_check_refusal(int rc, const som_error *err)
{
    FUZZ_CHECK(rc < 0);
    FUZZ_CHECK(strcmp(som_err_name(rc), "SOM_UNKNOWN") != 0);
    FUZZ_CHECK(err->code == rc);
    FUZZ_CHECK(err->message[0] != '\0');
    FUZZ_CHECK(memchr(err->message, '\0', sizeof err->message) != NULL);
}

/* What every data reader promises about a data set it returns. */
static inline void fuzz_check_data(const som_data *d)
{
    size_t n = som_data_n_samples(d), dim = som_data_dim(d);
    FUZZ_CHECK(n > 0 && dim > 0);
    const float *x = som_data_values(d);
    const uint8_t *mask = som_data_mask(d);
    size_t missing = 0;
    for (size_t i = 0; i < n * dim; i++) {
        FUZZ_CHECK(x[i] == x[i] && x[i] - x[i] == 0.0f); /* finite */
        if (mask) {
            FUZZ_CHECK(mask[i] <= 1);
            if (!mask[i]) {
                FUZZ_CHECK(x[i] == 0.0f);
                missing++;
            }
        }
    }
    FUZZ_CHECK(missing == som_data_n_missing(d));
    FUZZ_CHECK(!mask || missing > 0);
    for (size_t j = 0; j < dim; j++) FUZZ_CHECK(som_data_title(d, j) != NULL);
    if (som_data_label(d, 0))
        for (size_t i = 0; i < n; i++) FUZZ_CHECK(som_data_label(d, i) != NULL);
}

/* A loaded map saves, loads back and saves again to the same bytes. */
static inline void fuzz_check_map(const som_map *map)
{
    som_error err;
    void *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    som_map *again = NULL;
    FUZZ_CHECK(som_map_save_mem(map, &a, &alen, &err) == SOM_OK);
    int rc = som_map_load_mem(a, alen, "saved.som", &again, &err);
    if (rc != SOM_OK) fprintf(stderr, "reload: %s\n", err.message);
    FUZZ_CHECK(rc == SOM_OK);
    FUZZ_CHECK(som_map_save_mem(again, &b, &blen, &err) == SOM_OK);
    FUZZ_CHECK(alen == blen && memcmp(a, b, alen) == 0);
    /* Reading calls on what was loaded: a BMU and the U-matrix. */
    size_t dim = som_map_dim(map), n_units = som_map_n_units(map);
    if (n_units <= 4096 && dim <= 4096) {
        float *x = calloc(dim, sizeof *x);
        double *u = calloc(n_units, sizeof *u);
        size_t unit = 0;
        double dist = 0;
        if (x && u) {
            FUZZ_CHECK(som_map_bmu_vector(map, x, NULL, &unit, &dist, NULL) == SOM_OK);
            FUZZ_CHECK(unit < n_units);
            som_map_umatrix(map, u);
        }
        free(x);
        free(u);
    }
    som_map_free(again);
    som_free(a);
    som_free(b);
}

#endif
