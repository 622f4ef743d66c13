/* SPDX-License-Identifier: MIT */
/* fuzz_csv.c — som_data_read_csv_mem on arbitrary bytes.
 * A first byte from 0x01 to 0x08 (never the start of a real CSV file)
 * selects reading options and is not part of the CSV: bits 0-1 the
 * delimiter (detect, ',', ';', tab), bit 2 forces the header off or on
 * (with bit 0 of the delimiter choice ignored for that). Any other first
 * byte is CSV read with the defaults, so real CSV files work as seeds. */
#include "fuzz_common.h"

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
    som_data_free(d);
    return 0;
}
