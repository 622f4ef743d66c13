/* SPDX-License-Identifier: MIT */
/* json.c — a map as one JSON object, for scripts and the web app. Written
 * by hand (the core has no JSON library): numbers with %.9g in the C
 * locale, NaN and infinities as null, strings with the escapes JSON needs
 * and UTF-8 passed through. The layout is in doc/FORMAT.md. */
#include "io/io.h"

#include <math.h>
#include <string.h>

static void jstring(FILE *f, const char *s)
{
    putc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                putc(*p, f);
        }
    }
    putc('"', f);
}

static void jnum(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.9g", v);
    else
        fputs("null", f);
}

static void jarray(FILE *f, const double *v, size_t n)
{
    putc('[', f);
    for (size_t i = 0; i < n; i++) {
        if (i) putc(',', f);
        jnum(f, v[i]);
    }
    putc(']', f);
}

int som_map_write_json(const som_map *map, const char *path, som_error *err)
{
    if (!map || !path) return som__error(err, SOM_EINVAL, "som_map_write_json: NULL argument");
    const size_t dim = map->dim, n_units = map->n_units, cols = map->grid.cols;
    const size_t n_clus = map->cluster ? map->n_clusters : 0;
    double *u = som__calloc(n_units, sizeof *u);
    float *w = som__malloc(dim * sizeof *w);
    size_t *sizes = n_clus ? som__calloc(n_clus, sizeof *sizes) : NULL;
    if (!u || !w || (n_clus && !sizes)) {
        som__free(u);
        som__free(w);
        som__free(sizes);
        return som__error_oom(err);
    }
    for (size_t i = 0; i < n_units && n_clus; i++) sizes[map->cluster[i]]++;
    som_map_umatrix(map, u);
    som__textout o;
    int rc = som__textout_open(&o, path, err);
    if (rc) {
        som__free(u);
        som__free(w);
        som__free(sizes);
        return rc;
    }
    FILE *f = o.f;
    fprintf(f, "{\n\"format\":\"som-map\",\"version\":1,\n\"rows\":%zu,\"cols\":%zu,", map->grid.rows,
            cols);
    fprintf(f, "\"topology\":\"%s\",\"toroid\":%s,\"dim\":%zu,\"units\":%zu,\n",
            map->grid.topology == SOM_HEX ? "hex" : "rect", map->grid.toroid ? "true" : "false",
            dim, n_units);
    fputs("\"titles\":[", f);
    for (size_t j = 0; j < dim; j++) {
        if (j) putc(',', f);
        jstring(f, map->titles[j]);
    }
    fputs("],\n\"scaling\":{\"kind\":", f);
    jstring(f, som_enum_name(SOM_ENUM_SCALING, (int)map->scaling));
    fputs(",\"offset\":", f);
    jarray(f, map->offset, dim);
    fputs(",\"factor\":", f);
    jarray(f, map->factor, dim);
    if (map->have_range) {
        fputs(",\"min\":", f);
        jarray(f, map->fmin, dim);
        fputs(",\"max\":", f);
        jarray(f, map->fmax, dim);
    } else {
        fputs(",\"min\":null,\"max\":null", f);
    }
    putc('}', f);
    /* The optional parts (chunks fwgt and clus) only when the map has
     * them: the export of a map without them is what it always was. */
    if (map->fweight) {
        fputs(",\n\"feature_weights\":", f);
        jarray(f, map->fweight, dim);
    }
    fputs(",\n\"coords\":[", f);
    for (size_t i = 0; i < n_units; i++) {
        double x, y;
        som_grid_coords(&map->grid, i, &x, &y);
        fprintf(f, "%s[%zu,%zu,", i ? "," : "", i / cols, i % cols);
        jnum(f, x);
        putc(',', f);
        jnum(f, y);
        putc(']', f);
    }
    fputs("],\n\"codebook\":[", f);
    for (size_t i = 0; i < n_units; i++) {
        som_map_unit_weights(map, i, w);
        fputs(i ? ",\n[" : "\n[", f);
        for (size_t j = 0; j < dim; j++) {
            if (j) putc(',', f);
            jnum(f, (double)w[j]);
        }
        putc(']', f);
    }
    fputs("],\n\"codebook_scaled\":[", f);
    for (size_t i = 0; i < n_units; i++) {
        const float *c = map->codebook + i * dim;
        fputs(i ? ",\n[" : "\n[", f);
        for (size_t j = 0; j < dim; j++) {
            if (j) putc(',', f);
            jnum(f, (double)c[j]);
        }
        putc(']', f);
    }
    fputs("],\n\"umatrix\":", f);
    jarray(f, u, n_units);
    if (n_clus) {
        fprintf(f, ",\n\"clusters\":{\"k\":%zu,\"sizes\":[", n_clus);
        for (size_t t = 0; t < n_clus; t++) fprintf(f, "%s%zu", t ? "," : "", sizes[t]);
        fputs("],\"unit\":[", f);
        for (size_t i = 0; i < n_units; i++)
            fprintf(f, "%s%lu", i ? "," : "", (unsigned long)map->cluster[i]);
        fputs("]}", f);
    }
    fputs(",\n\"training\":", f);
    if (map->trained) {
        const som_train_opts *s = &map->settings;
        fprintf(f, "{\"algorithm\":\"%s\",\"epochs\":%zu,\"iterations\":%zu,\"init\":\"%s\","
                   "\"schedule\":\"%s\",\"neighborhood\":\"%s\",\"radius\":[",
                som_enum_name(SOM_ENUM_ALGORITHM, (int)s->algorithm), s->epochs, s->iterations,
                som_enum_name(SOM_ENUM_INIT, (int)s->init), som_enum_name(SOM_ENUM_SCHEDULE, (int)s->schedule),
                som_enum_name(SOM_ENUM_NEIGHBORHOOD, (int)s->neighborhood));
        jnum(f, s->radius0);
        putc(',', f);
        jnum(f, s->radius1);
        fputs("],\"rate\":[", f);
        jnum(f, s->rate0);
        putc(',', f);
        jnum(f, s->rate1);
        fputs("],\"neighbor_rate\":", f);
        jnum(f, s->neighbor_rate);
        fprintf(f, ",\"seed\":%llu}", (unsigned long long)s->seed);
    } else {
        fputs("null", f);
    }
    fputs(",\n\"history\":[", f);
    for (size_t k = 0; k < map->n_history; k++) {
        const som_history *h = &map->history[k];
        fprintf(f, "%s{\"pass\":%zu,\"sigma\":", k ? ",\n" : "\n", h->pass);
        jnum(f, h->sigma);
        fputs(",\"alpha\":", f);
        jnum(f, h->alpha);
        fputs(",\"qe\":", f);
        jnum(f, h->qe);
        fputs(",\"te\":", f);
        jnum(f, h->te);
        putc('}', f);
    }
    fputs("]\n}\n", f);
    som__free(u);
    som__free(w);
    som__free(sizes);
    return som__textout_close(&o, path, err);
}
