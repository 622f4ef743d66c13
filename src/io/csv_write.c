/* SPDX-License-Identifier: MIT */
/* csv_write.c — writing a data set as CSV: titles row, label column first,
 * missing values as empty cells, floats in their shortest round-trip form,
 * fields quoted where reading them back would change them. */
#include "io/io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writing ---------------------------------------------------------------- */

/* A field is quoted when it holds a delimiter, quote or line end, has outer
 * spaces, starts with a UTF-8 byte-order mark (first in the file, the
 * reader would drop it as the file's own), or — for titles — would read
 * back as a number or a missing value (a quoted first-row cell is always a
 * title). */
static void write_field(FILE *f, const char *s, bool as_title, locale_t loc)
{
    size_t len = strlen(s);
    bool quote = len > 0 && (som__csv_is_blank(s[0]) || som__csv_is_blank(s[len - 1]));
    quote = quote || (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0);
    for (size_t i = 0; i < len && !quote; i++) {
        char c = s[i];
        quote = c == ',' || c == ';' || c == '\t' || c == '"' || c == '\n' || c == '\r';
    }
    if (!quote && as_title) {
        float v;
        quote = som__csv_parse_cell(loc, s, len, &v) != SOM__CELL_TEXT;
    }
    if (!quote) {
        fputs(s, f);
        return;
    }
    putc('"', f);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') putc('"', f);
        putc(s[i], f);
    }
    putc('"', f);
}

/* The shortest %g form that reads back as the same float: 5.1 rather than
 * %.9g's 5.0999999, which also round-trips but reads worse. Nine digits
 * always suffice for a float. Runs under the C locale set by the caller. */
static void write_float(FILE *f, float v)
{
    char buf[32];
    for (int prec = 6; prec < 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, (double)v);
        if (strtof(buf, NULL) == v) {
            fputs(buf, f);
            return;
        }
    }
    fprintf(f, "%.9g", (double)v);
}

int som__csv_write(const som_data *data, const char *path, som_error *err)
{
    locale_t loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (loc == (locale_t)0) return som__error_oom(err);
    som_outfile *of;
    int rc = som_outfile_open(path, &of, err);
    if (rc != SOM_OK) {
        freelocale(loc);
        return rc;
    }
    FILE *f = som_outfile_stream(of);
    /* printf follows LC_NUMERIC; switch this thread to "C" so a decimal
     * comma never reaches the file. */
    locale_t old = uselocale(loc);
    const char *label_title = som_data_label_title(data);
    if (label_title) {
        write_field(f, label_title, true, loc);
        putc(',', f);
    }
    for (size_t j = 0; j < data->dim; j++) {
        if (j) putc(',', f);
        write_field(f, data->titles[j], true, loc);
    }
    putc('\n', f);
    /* A cancellation ends the loop; the commit then removes the file. */
    som_cancel *cancel = som__cancel_token();
    for (size_t i = 0; i < data->n && !((i & 1023) == 0 && som__cancel_hit(cancel)); i++) {
        if (label_title) {
            write_field(f, som_data_label(data, i), false, loc);
            putc(',', f);
        }
        const float *x = data->x + i * data->dim;
        const uint8_t *m = data->mask ? data->mask + i * data->dim : NULL;
        for (size_t j = 0; j < data->dim; j++) {
            if (j) putc(',', f);
            if (!m || m[j]) write_float(f, x[j]);
        }
        putc('\n', f);
    }
    uselocale(old);
    freelocale(loc);
    return som_outfile_commit(of, err); /* which reports a failed write */
}
