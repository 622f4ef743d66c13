/* SPDX-License-Identifier: MIT */
/* data_read.c — reading a data file from a path: the format chosen by the
 * extension (.npy, .dat/.dat.gz, .lrn, else CSV), and a CSV file read
 * through a private mapping when it is a regular file. The parsers work on
 * memory (csv.c, npy.c, sompak.c, esom.c); the som_data container is the
 * core's (core/data.c). */
#include "io/io.h"

#include <string.h>
#include <strings.h>

int som_data_read_csv(const char *path, const som_csv_opts *opts, som_data **out,
                      som_error *err)
{
    if (!out) return som__error(err, SOM_EINVAL, "som_data_read_csv: out is NULL");
    *out = NULL;
    if (!path) return som__error(err, SOM_EINVAL, "no input file name given");
    som_file f;
    size_t seen = 0;
    som__input_check text = {som__check_text, &seen};
    int rc = som__file_read(path, &text, &f, err);
    if (rc != SOM_OK) return rc;
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    rc = f.mapped ? som__data_read_csv_mapped(f.bytes, f.len, name, opts, out, err)
                  : som_data_read_csv_mem(f.bytes ? f.bytes : "", f.len, name, opts, out, err);
    som__file_release(&f);
    return rc;
}

int som_data_read(const char *path, const som_csv_opts *opts, som_data **out,
                  som_error *err)
{
    if (!out) return som__error(err, SOM_EINVAL, "som_data_read: out is NULL");
    *out = NULL;
    if (!path) return som__error(err, SOM_EINVAL, "no input file name given");
    size_t len = strlen(path);
    if (len >= 4 && strcasecmp(path + len - 4, ".npy") == 0)
        return som_data_read_npy(path, out, err);
    if ((len >= 4 && strcasecmp(path + len - 4, ".dat") == 0) ||
        (len >= 7 && strcasecmp(path + len - 7, ".dat.gz") == 0))
        return som_data_read_sompak(path, out, err);
    if (len >= 4 && strcasecmp(path + len - 4, ".lrn") == 0)
        return som_data_read_lrn(path, out, err);
    return som_data_read_csv(path, opts, out, err);
}
