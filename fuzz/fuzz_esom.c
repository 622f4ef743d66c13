/* SPDX-License-Identifier: MIT */
/* fuzz_esom.c — the ESOM / Somoclu readers on arbitrary bytes. The first
 * byte picks the reader (mod 3: .lrn data, .wts weights, .cls classes read
 * onto a small fixed data set) and is not part of the file. */
#include "fuzz_common.h"

static void fuzz_cls(const char *buf, size_t len)
{
    static const char csv[] = "a,b,label\n1,2,7\n3,4,8\n5,6,x\n";
    som_csv_opts opts;
    som_csv_opts_init(&opts);
    opts.label_column = "label";
    som_data *d = NULL;
    som_error err;
    FUZZ_CHECK(som_data_read_csv_mem(csv, sizeof csv - 1, "base.csv", &opts, &d, &err) ==
               SOM_OK);
    int rc = som_data_read_cls_mem(d, buf, len, "fuzz.cls", &err);
    if (rc == SOM_OK)
        fuzz_check_data(d);
    else
        fuzz_check_refusal(rc, &err);
    som_data_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    int which = data[0] % 3;
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;
    som_error err;
    int rc;
    if (which == 0) {
        som_data *d = NULL;
        rc = som_data_read_lrn_mem(buf, len, "fuzz.lrn", &d, &err);
        if (rc == SOM_OK) {
            fuzz_check_data(d);
        } else {
            fuzz_check_refusal(rc, &err);
            FUZZ_CHECK(d == NULL);
        }
        som_data_free(d);
    } else if (which == 1) {
        som_map *map = NULL;
        rc = som_map_load_wts_mem(buf, len, "fuzz.wts", &map, &err);
        if (rc == SOM_OK) {
            fuzz_check_map(map);
        } else {
            fuzz_check_refusal(rc, &err);
            FUZZ_CHECK(map == NULL);
        }
        som_map_free(map);
    } else {
        fuzz_cls(buf, len);
    }
    return 0;
}
