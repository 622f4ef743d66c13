/* SPDX-License-Identifier: MIT */
/* data.c — the som_data object: a table of float samples with an optional
 * presence mask, column titles, row labels and source lines. Reading one
 * from a file is the io layer's format registry (io/registry.c). */
#include "core/core.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

/* ---- construction -------------------------------------------------------- */

static char *number_string(size_t k)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", k);
    return som__strdup(buf);
}

int som__data_alloc(size_t n, size_t dim, som_data **out, som_error *err)
{
    *out = NULL;
    if (dim == 0) return som__error(err, SOM_EINVAL, "a data set needs at least one column");
    size_t row_bytes;
    if (!som__mul_ok(dim, sizeof(float), &row_bytes))
        return som__error(err, SOM_ENOMEM, "data set too large: %zu columns", dim);
    som_data *d = som__calloc(1, sizeof *d);
    if (!d) return som__error_oom(err);
    d->dim = dim;
    d->titles = som__calloc(dim, sizeof *d->titles);
    if (!d->titles) goto oom;
    for (size_t j = 0; j < dim; j++)
        if (!(d->titles[j] = number_string(j + 1))) goto oom;
    if (n > 0) {
        d->x = som__aligned_calloc(n, row_bytes);
        if (!d->x) goto oom;
        d->n = n;
    }
    *out = d;
    return SOM_OK;
oom:
    som_data_free(d);
    return som__error_oom(err);
}

int som_data_new(size_t n_samples, size_t dim, som_data **out, som_error *err)
{
    if (!out) return som__error(err, SOM_EINVAL, "som_data_new: out is NULL");
    *out = NULL;
    if (n_samples == 0 || dim == 0)
        return som__error(err, SOM_EINVAL, "a data set needs at least one row and one column (got %zu x %zu)",
                          n_samples, dim);
    return som__data_alloc(n_samples, dim, out, err);
}

int som_data_wrap(float *values, size_t n_samples, size_t dim, som_data **out,
                  som_error *err)
{
    if (!out) return som__error(err, SOM_EINVAL, "som_data_wrap: out is NULL");
    *out = NULL;
    if (!values) return som__error(err, SOM_EINVAL, "som_data_wrap: values is NULL");
    if (n_samples == 0 || dim == 0)
        return som__error(err, SOM_EINVAL, "a data set needs at least one row and one column (got %zu x %zu)",
                          n_samples, dim);
    size_t cells;
    if (!som__mul_ok(n_samples, dim, &cells))
        return som__error(err, SOM_ENOMEM, "data set too large: %zu x %zu", n_samples, dim);
    /* The values stay where they are, so a missing one has no mask to go
     * to (missing values read as 0 with a mask elsewhere): refuse NaN and
     * infinities, naming the first, so that the caller can copy instead. */
    for (size_t c = 0; c < cells; c++) {
        int rc;
        if ((c & 0xffff) == 0 && (rc = som__cancel_check(err))) return rc;
        if (!isfinite(values[c]))
            return som__error(err, SOM_EINVAL,
                              "expected finite values, got %s at row %zu, column %zu (counted "
                              "from 1): borrowed values cannot be missing",
                              isnan(values[c]) ? "NaN" : "an infinity", c / dim + 1, c % dim + 1);
    }
    som_data *d = NULL;
    int rc = som__data_alloc(0, dim, &d, err);
    if (rc != SOM_OK) return rc;
    d->x = values;
    d->n = n_samples;
    d->borrowed = 1;
    *out = d;
    return SOM_OK;
}

void som_data_free(som_data *data)
{
    if (!data) return;
    if (data->titles)
        for (size_t j = 0; j < data->dim; j++) som__free(data->titles[j]);
    som__free(data->titles);
    if (data->labels)
        for (size_t i = 0; i < data->n; i++) som__free(data->labels[i]);
    som__free(data->labels);
    som__free(data->label_title);
    som__free(data->lines);
    som__free(data->weight);
    som__free(data->fixed);
    if (data->map_base)
        munmap(data->map_base, data->map_len); /* x lies in the mapping */
    else if (!data->borrowed)
        som__aligned_free(data->x);
    som__free(data->mask);
    som__free(data);
}

/* ---- accessors ------------------------------------------------------------ */

size_t som_data_n_samples(const som_data *data) { return data ? data->n : 0; }
size_t som_data_dim(const som_data *data) { return data ? data->dim : 0; }
const float *som_data_values(const som_data *data) { return data ? data->x : NULL; }

const float *som_data_row(const som_data *data, size_t i)
{
    if (!data || i >= data->n) return NULL;
    return data->x + i * data->dim;
}

const uint8_t *som_data_mask(const som_data *data) { return data ? data->mask : NULL; }

const uint8_t *som_data_row_mask(const som_data *data, size_t i)
{
    if (!data || !data->mask || i >= data->n) return NULL;
    return data->mask + i * data->dim;
}

size_t som_data_n_missing(const som_data *data) { return data ? data->n_missing : 0; }

size_t som_data_line(const som_data *data, size_t i)
{
    if (data && data->lines && i < data->n) return data->lines[i];
    return i + 1;
}

const char *som_data_title(const som_data *data, size_t j)
{
    if (!data || j >= data->dim || !data->titles[j]) return "";
    return data->titles[j];
}

long som_data_find_title(const som_data *data, const char *title)
{
    if (!data || !title) return -1;
    for (size_t j = 0; j < data->dim; j++)
        if (strcmp(data->titles[j], title) == 0) return (long)j;
    return -1;
}

const char *som_data_label(const som_data *data, size_t i)
{
    if (!data || !data->labels || i >= data->n) return NULL;
    return data->labels[i] ? data->labels[i] : "";
}

const char *som_data_label_title(const som_data *data)
{
    return data && data->labels ? data->label_title : NULL;
}

int som_data_row_names(const som_data *data) { return data ? data->row_names : 0; }

/* ---- changes --------------------------------------------------------------- */

int som_data_set_row(som_data *data, size_t i, const float *x,
                     const uint8_t *mask, som_error *err)
{
    if (!data || !x) return som__error(err, SOM_EINVAL, "som_data_set_row: NULL argument");
    if (i >= data->n)
        return som__error(err, SOM_EINVAL, "row %zu is out of range (the data set has %zu rows)",
                          i, data->n);
    size_t dim = data->dim;
    /* Validate everything before changing anything, so a failed call leaves
     * the row as it was. */
    size_t missing_new = 0;
    for (size_t j = 0; j < dim; j++) {
        int present = (!mask || mask[j]) && !isnan(x[j]);
        if (!present) {
            missing_new++;
        } else if (isinf(x[j])) {
            return som__error(err, SOM_EINVAL, "row %zu, column %zu ('%s'): infinite value",
                              i + 1, j + 1, data->titles[j]);
        }
    }
    size_t missing_old = 0;
    if (data->mask)
        for (size_t j = 0; j < dim; j++) missing_old += !data->mask[i * dim + j];
    if (missing_new > 0 && !data->mask) {
        size_t bytes;
        if (!som__mul_ok(data->n, dim, &bytes)) return som__error_oom(err);
        data->mask = som__malloc(bytes);
        if (!data->mask) return som__error_oom(err);
        memset(data->mask, 1, bytes);
    }
    float *row = data->x + i * dim;
    for (size_t j = 0; j < dim; j++) {
        int present = (!mask || mask[j]) && !isnan(x[j]);
        row[j] = present ? x[j] : 0.0f;
        if (data->mask) data->mask[i * dim + j] = (uint8_t)present;
    }
    data->n_missing = data->n_missing - missing_old + missing_new;
    som__data_drop_mask_if_complete(data);
    return SOM_OK;
}

/* "No mask" is the promise for complete data, so the mask goes when the
 * last missing value does. */
void som__data_drop_mask_if_complete(som_data *data)
{
    if (data->n_missing == 0 && data->mask) {
        som__free(data->mask);
        data->mask = NULL;
    }
}

int som_data_set_title(som_data *data, size_t j, const char *title, som_error *err)
{
    if (!data || !title) return som__error(err, SOM_EINVAL, "som_data_set_title: NULL argument");
    if (j >= data->dim)
        return som__error(err, SOM_EINVAL, "column %zu is out of range (the data set has %zu columns)",
                          j, data->dim);
    char *copy = som__strdup(title);
    if (!copy) return som__error_oom(err);
    som__free(data->titles[j]);
    data->titles[j] = copy;
    return SOM_OK;
}

/* Giving one row a label creates the label column; the other rows get their
 * line numbers, the labels the MQL5 parser gave every row. */
static int create_labels(som_data *data, som_error *err)
{
    char **labels = som__calloc(data->n, sizeof *labels);
    char *title = som__strdup("label");
    if (!labels || !title) goto oom;
    for (size_t i = 0; i < data->n; i++)
        if (!(labels[i] = number_string(som_data_line(data, i)))) goto oom;
    data->labels = labels;
    data->label_title = title;
    return SOM_OK;
oom:
    if (labels)
        for (size_t i = 0; i < data->n; i++) som__free(labels[i]);
    som__free(labels);
    som__free(title);
    return som__error_oom(err);
}

int som_data_set_label(som_data *data, size_t i, const char *label, som_error *err)
{
    if (!data || !label) return som__error(err, SOM_EINVAL, "som_data_set_label: NULL argument");
    if (i >= data->n)
        return som__error(err, SOM_EINVAL, "row %zu is out of range (the data set has %zu rows)",
                          i, data->n);
    char *copy = som__strdup(label);
    if (!copy) return som__error_oom(err);
    if (!data->labels) {
        int rc = create_labels(data, err);
        if (rc != SOM_OK) {
            som__free(copy);
            return rc;
        }
    }
    som__free(data->labels[i]);
    data->labels[i] = copy;
    return SOM_OK;
}

int som_data_set_label_title(som_data *data, const char *title, som_error *err)
{
    if (!data || !title || !*title)
        return som__error(err, SOM_EINVAL, "som_data_set_label_title: expected a data set and a non-empty title");
    if (!data->labels)
        return som__error(err, SOM_EINVAL, "the data set has no label column to title");
    char *copy = som__strdup(title);
    if (!copy) return som__error_oom(err);
    som__free(data->label_title);
    data->label_title = copy;
    return SOM_OK;
}

/* ---- per-sample weights and fixed points (SOM_PAK weight= and fixed=) ------ */

const double *som_data_weights(const som_data *data) { return data ? data->weight : NULL; }

int som_data_set_weight(som_data *data, size_t i, double weight, som_error *err)
{
    if (!data) return som__error(err, SOM_EINVAL, "som_data_set_weight: NULL data");
    if (i >= data->n)
        return som__error(err, SOM_EINVAL, "row %zu is out of range (the data set has %zu rows)",
                          i, data->n);
    if (!(weight >= 0.0) || !isfinite(weight))
        return som__error(err, SOM_EINVAL, "row %zu: a weight must be finite and >= 0 (got %g)",
                          i + 1, weight);
    if (!data->weight) {
        if (weight == 1.0) return SOM_OK; /* NULL already means 1 */
        data->weight = som__calloc(data->n, sizeof *data->weight);
        if (!data->weight) return som__error_oom(err);
        for (size_t k = 0; k < data->n; k++) data->weight[k] = 1.0;
    }
    data->weight[i] = weight;
    return SOM_OK;
}

int som_data_fixed(const som_data *data, size_t i, size_t *row, size_t *col)
{
    if (!data || !data->fixed || i >= data->n || data->fixed[2 * i] == SIZE_MAX) return 0;
    if (row) *row = data->fixed[2 * i];
    if (col) *col = data->fixed[2 * i + 1];
    return 1;
}

int som_data_set_fixed(som_data *data, size_t i, size_t row, size_t col, som_error *err)
{
    if (!data) return som__error(err, SOM_EINVAL, "som_data_set_fixed: NULL data");
    if (i >= data->n)
        return som__error(err, SOM_EINVAL, "row %zu is out of range (the data set has %zu rows)",
                          i, data->n);
    if (!data->fixed) {
        if (row == SIZE_MAX) return SOM_OK;
        data->fixed = som__calloc(data->n, 2 * sizeof *data->fixed);
        if (!data->fixed) return som__error_oom(err);
        for (size_t k = 0; k < data->n; k++) data->fixed[2 * k] = data->fixed[2 * k + 1] = SIZE_MAX;
    }
    data->fixed[2 * i] = row;
    data->fixed[2 * i + 1] = row == SIZE_MAX ? SIZE_MAX : col;
    return SOM_OK;
}

size_t som__data_fixed_unit(const som_data *d, const som_grid *grid, size_t i, som_error *err)
{
    if (!d->fixed || d->fixed[2 * i] == SIZE_MAX) return SIZE_MAX;
    size_t r = d->fixed[2 * i], c = d->fixed[2 * i + 1];
    if (r >= grid->rows || c >= grid->cols) {
        som__error(err, SOM_ERANGE,
                   "sample %zu (line %zu) is fixed to x=%zu, y=%zu, outside the %zux%zu grid",
                   i + 1, som_data_line(d, i), c, r, grid->rows, grid->cols);
        return SOM__FIXED_BAD;
    }
    return r * grid->cols + c;
}
