/* SPDX-License-Identifier: MIT */
/* target_eval.c — how well a supervised map predicts its target on data
 * with the true values (som_map_target_report, som.h "Experimental"):
 * accuracy, the confusion matrix and per-class precision and recall for a
 * class target; RMSE, MAE and R^2 for a numeric one. The predictions are
 * som_map_predict_target_ex's (supervised.c). */
#include "analysis/analysis.h"

#include <math.h>
#include <string.h>

void som_target_report_free(som_target_report *r)
{
    if (!r) return;
    som__free(r->classes);
    som__free(r->confusion);
    som__free(r->precision);
    som__free(r->recall);
    som__free(r);
}

/* The index of class `lab` among r->classes, added at the end when new
 * (room for it was allocated); SIZE_MAX never. */
static size_t class_index(som_target_report *r, const char *lab)
{
    for (size_t c = 0; c < r->n_classes; c++)
        if (strcmp(r->classes[c], lab) == 0) return c;
    r->classes[r->n_classes] = lab;
    return r->n_classes++;
}

static int report_classes(const som_map *m, const som_data *d, const char *name,
                          const char **pred, size_t k, som_target_report *r, som_error *err)
{
    const size_t n = som_data_n_samples(d);
    if (n > 0 && !som_data_label(d, 0))
        return som__error(err, SOM_EINVAL, "the data has no label column with the true classes "
                          "of '%s'", name);
    /* Room for the map's k classes and as many new ones as rows. */
    size_t room = k + n;
    size_t *tf = som__calloc(k, sizeof *tf);
    r->classes = som__calloc(room, sizeof *r->classes);
    size_t *truth = som__calloc(n ? n : 1, sizeof *truth), *guess = som__calloc(n ? n : 1,
                                                                                 sizeof *guess);
    int rc = tf && r->classes && truth && guess ? SOM_OK : som__error_oom(err);
    if (rc == SOM_OK) {
        som_map_target_fields(m, name, tf, k, NULL);
        for (size_t c = 0; c < k; c++) r->classes[c] = strchr(som_map_title(m, tf[c]), '=') + 1;
        r->n_classes = k;
        for (size_t i = 0; i < n; i++) {
            const char *lab = som_data_label(d, i);
            truth[i] = SIZE_MAX;
            if (!lab || !lab[0]) continue;
            truth[i] = class_index(r, lab);
            guess[i] = class_index(r, pred[i]);
        }
        size_t nc = r->n_classes;
        r->confusion = som__calloc(nc * nc, sizeof *r->confusion);
        r->precision = som__calloc(nc, sizeof *r->precision);
        r->recall = som__calloc(nc, sizeof *r->recall);
        if (!r->confusion || !r->precision || !r->recall) rc = som__error_oom(err);
    }
    if (rc == SOM_OK) {
        size_t nc = r->n_classes;
        for (size_t i = 0; i < n; i++) {
            if (truth[i] == SIZE_MAX) continue;
            r->confusion[truth[i] * nc + guess[i]]++;
            r->eval.n_rows++;
            r->eval.n_correct += truth[i] == guess[i];
        }
        for (size_t c = 0; c < nc; c++) {
            size_t right = r->confusion[c * nc + c], as_c = 0, true_c = 0;
            for (size_t o = 0; o < nc; o++) {
                as_c += r->confusion[o * nc + c];
                true_c += r->confusion[c * nc + o];
            }
            r->precision[c] = as_c ? (double)right / (double)as_c : (double)NAN;
            r->recall[c] = true_c ? (double)right / (double)true_c : (double)NAN;
        }
        if (r->eval.n_rows) r->eval.accuracy = (double)r->eval.n_correct / (double)r->eval.n_rows;
    }
    som__free(tf);
    som__free(truth);
    som__free(guess);
    return rc;
}

static int report_numbers(const som_data *d, const char *name, const float *pred,
                          som_target_report *r, som_error *err)
{
    long col = som_data_find_title(d, name);
    if (col < 0)
        return som__error(err, SOM_EINVAL, "the data has no column '%s' with the true values",
                          name);
    const size_t n = som_data_n_samples(d);
    /* Two passes in double: the mean of the true values, then the sums. */
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *mk = som_data_row_mask(d, i);
        double y = som_data_row(d, i)[col];
        if ((mk && !mk[col]) || isnan(y)) continue;
        sum += y;
        r->eval.n_rows++;
    }
    if (r->eval.n_rows == 0) return SOM_OK;
    const double mean = sum / (double)r->eval.n_rows;
    double se = 0.0, ae = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *mk = som_data_row_mask(d, i);
        double y = som_data_row(d, i)[col];
        if ((mk && !mk[col]) || isnan(y)) continue;
        double e = (double)pred[i] - y;
        se += e * e;
        ae += fabs(e);
        ss += (y - mean) * (y - mean);
    }
    r->eval.rmse = sqrt(se / (double)r->eval.n_rows);
    r->eval.mae = ae / (double)r->eval.n_rows;
    r->r2 = ss > 0.0 ? 1.0 - se / ss : (double)NAN;
    return SOM_OK;
}

int som_map_target_report(const som_map *m, const som_data *d, const char *name,
                          const som_fill_opts *opts, som_target_report **out, int threads,
                          som_error *err)
{
    if (!m || !d || !name || !out)
        return som__error(err, SOM_EINVAL, "som_map_target_report: NULL argument");
    *out = NULL;
    som_target_report *r = som__calloc(1, sizeof *r);
    if (!r) return som__error_oom(err);
    r->eval.accuracy = r->eval.rmse = r->eval.mae = r->r2 = NAN;
    int is_class = 0;
    size_t k = som_map_target_fields(m, name, NULL, 0, &is_class);
    r->eval.is_class = is_class;
    const size_t n = som_data_n_samples(d);
    float *values = NULL;
    const char **classes = NULL;
    if (is_class) classes = som__calloc(n ? n : 1, sizeof *classes);
    else values = som__calloc(n ? n : 1, sizeof *values);
    int rc = values || classes ? SOM_OK : som__error_oom(err);
    /* The truth's presence first, so that a missing column is named before
     * a row without features is. */
    if (rc == SOM_OK && k && !is_class && som_data_find_title(d, name) < 0)
        rc = som__error(err, SOM_EINVAL, "the data has no column '%s' with the true values", name);
    if (rc == SOM_OK && k && is_class && n > 0 && !som_data_label(d, 0))
        rc = som__error(err, SOM_EINVAL, "the data has no label column with the true classes "
                        "of '%s'", name);
    if (rc == SOM_OK)
        rc = som_map_predict_target_ex(m, d, name, opts, values, classes, NULL, NULL, threads, err);
    if (rc == SOM_OK)
        rc = is_class ? report_classes(m, d, name, classes, k, r, err)
                      : report_numbers(d, name, values, r, err);
    som__free(values);
    som__free(classes);
    if (rc) {
        som_target_report_free(r);
        return rc;
    }
    *out = r;
    return SOM_OK;
}
