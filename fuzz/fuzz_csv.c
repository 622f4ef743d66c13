/* SPDX-License-Identifier: MIT */
/* fuzz_csv.c — som_data_read_csv_mem on arbitrary bytes.
 * A first byte from 0x01 to 0x08 (never the start of a real CSV file)
 * selects reading options and is not part of the CSV: bits 0-1 the
 * delimiter (detect, ',', ';', tab), bit 2 forces the header off or on
 * (with bit 0 of the delimiter choice ignored for that). Any other first
 * byte is CSV read with the defaults, so real CSV files work as seeds.
 * Every input is read twice: as it comes, and cut in two and parsed by two
 * threads as large files are (csv.c, parse_split); both readings must give
 * the same data set or the same error. */
#include "fuzz_common.h"
#include "io/io.h" /* som__csv_split_min */

#include <omp.h>

/* The same rows, values, gaps, labels, lines and titles. */
static void check_same(const som_data *a, const som_data *b)
{
    size_t n = som_data_n_samples(a), dim = som_data_dim(a);
    FUZZ_CHECK(n == som_data_n_samples(b) && dim == som_data_dim(b));
    FUZZ_CHECK(memcmp(som_data_values(a), som_data_values(b), n * dim * sizeof(float)) == 0);
    FUZZ_CHECK(som_data_n_missing(a) == som_data_n_missing(b));
    const uint8_t *ma = som_data_mask(a), *mb = som_data_mask(b);
    FUZZ_CHECK((ma == NULL) == (mb == NULL));
    if (ma) FUZZ_CHECK(memcmp(ma, mb, n * dim) == 0);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(som_data_line(a, i) == som_data_line(b, i));
        const char *la = som_data_label(a, i), *lb = som_data_label(b, i);
        FUZZ_CHECK((la == NULL) == (lb == NULL));
        if (la) FUZZ_CHECK(strcmp(la, lb) == 0);
    }
    for (size_t j = 0; j < dim; j++)
        FUZZ_CHECK(strcmp(som_data_title(a, j), som_data_title(b, j)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    som_csv_opts opts;
    som_csv_opts_init(&opts);
    if (size > 0 && data[0] >= 0x01 && data[0] <= 0x08) {
        static const char delims[4] = {0, ',', ';', '\t'};
        unsigned sel = data[0] - 1u;
        opts.delimiter = delims[sel & 3];
        opts.header = (sel & 4) ? 1 : 0;
        if (sel == 7) opts.label_column = "label";
        data++;
        size--;
    }
    som_data *d = NULL;
    som_error err;
    int rc = som_data_read_csv_mem((const char *)data, size, "fuzz.csv", &opts, &d, &err);
    if (rc == SOM_OK) {
        fuzz_check_data(d);
    } else {
        fuzz_check_refusal(rc, &err);
        FUZZ_CHECK(d == NULL);
    }
    /* Split: two threads whatever the environment says. */
    omp_set_num_threads(2);
    const size_t split_default = som__csv_split_min;
    som__csv_split_min = 1;
    som_data *d2 = NULL;
    som_error err2;
    int rc2 = som_data_read_csv_mem((const char *)data, size, "fuzz.csv", &opts, &d2, &err2);
    som__csv_split_min = split_default;
    FUZZ_CHECK(rc2 == rc);
    if (rc == SOM_OK) check_same(d, d2);
    else FUZZ_CHECK(strcmp(err.message, err2.message) == 0);
    som_data_free(d2);
    som_data_free(d);
    return 0;
}
