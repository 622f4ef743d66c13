/* SPDX-License-Identifier: MIT */
/* plot.c — pictures and reports of a job's or a stored map: GET
 * /api/jobs/ID/plot.png|svg, /api/maps/ID/plot.png|svg (som_render_mem, the
 * drawing of `som render`, with its options from the query in the words of
 * its command line) and /api/jobs/ID/report.html, /api/maps/ID/report.html
 * (the page of `som report`, programs/report*.c). A job's pictures and
 * report use the job's data set; a map's take one by ?dataset=ID. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "report.h"
#include "som_render.h"

/* Draws `map` (with `data`, may be NULL) as the query asks, in the route's
 * format. */
static enum MHD_Result reply_plot(request *rq, const plot_query *p, const som_map *map,
                                  const som_data *data)
{
    if ((p->o.plot == SOM_PLOT_HITS || p->o.plot == SOM_PLOT_LABELS) && !data)
        return reply_error_field(rq, 400, "dataset", "%s",
                                 "this picture counts the rows of a data set: choose one");
    unsigned char *buf = NULL;
    size_t len = 0;
    som_error err;
    som_error_clear(&err);
    if (som_render_mem(map, data, &p->o, rq->rt.ext, &buf, &len, &err) != SOM_OK) {
        const char *m = err.message[0] ? err.message : som_strerror(err.code);
        return reply_error(rq, err.code == SOM_ENOMEM ? 503 : 400, "%s", m);
    }
    struct MHD_Response *r = resp_bytes(buf, len,
                                        strcmp(rq->rt.ext, "svg") == 0 ? "image/svg+xml"
                                                                        : "image/png",
                                        som_free);
    if (r && strcmp(rq->rt.ext, "svg") == 0)
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'");
    if (r) {
        char cd[128];
        snprintf(cd, sizeof cd, "inline; filename=\"%s-%s.%s\"", som_plot_name(p->o.plot),
                 rq->rt.id, rq->rt.ext);
        MHD_add_response_header(r, "Content-Disposition", cd);
    }
    return reply(rq, 200, r);
}

enum MHD_Result handle_job_plot(request *rq)
{
    plot_query p;
    char msg[512];
    const char *field = NULL;
    serve_query q = req_args(rq);
    if (parse_plot_query(&q, &p, msg, sizeof msg, &field))
        return reply_error_field(rq, 400, field, "%s", msg);
    job *j = NULL;
    enum MHD_Result ret;
    snapshot *s = job_snapshot(rq, &j, &ret);
    if (!s) return ret;
    ret = reply_plot(rq, &p, s->map, j->ds->data);
    snap_put(s);
    job_put(j);
    return ret;
}

/* ?dataset=ID for a stored map: a reference, or NULL with a reply made. */
static dataset *query_dataset(request *rq, const char *id, enum MHD_Result *ret)
{
    dataset *ds = dataset_get(id);
    if (!ds) *ret = reply_error_field(rq, 404, "dataset", "no data set '%.40s'", id);
    return ds;
}

enum MHD_Result handle_map_plot(request *rq)
{
    plot_query p;
    char msg[512];
    const char *field = NULL;
    serve_query q = req_args(rq);
    if (parse_plot_query(&q, &p, msg, sizeof msg, &field))
        return reply_error_field(rq, 400, field, "%s", msg);
    model *m = model_get(rq->rt.id);
    if (!m) return reply_error(rq, 404, "no map '%s'", rq->rt.id);
    enum MHD_Result ret;
    dataset *ds = NULL;
    if (p.dataset && !(ds = query_dataset(rq, p.dataset, &ret))) {
        model_put(m);
        return ret;
    }
    ret = reply_plot(rq, &p, m->map, ds ? ds->data : NULL);
    dataset_put(ds);
    model_put(m);
    return ret;
}

/* ---- reports ------------------------------------------------------------------ */

/* The page of `som report MAP --data DATA` for a copy of `map` (the report
 * clusters the copy when the map has no clusters) and data (may be NULL),
 * named `model_name` and `data_name` on the page. */
static enum MHD_Result reply_report(request *rq, const som_map *map, const som_data *data,
                                    const char *model_name, const char *data_name)
{
    report r;
    memset(&r, 0, sizeof r);
    som_error err;
    som_error_clear(&err);
    r.model_path = model_name;
    r.data_path = data ? data_name : NULL;
    som_render_opts_init(&r.ro);
    r.threads = r.ro.threads = 1;
    r.err = &err;
    int rc = som_map_clone(map, &r.map, &err);
    if (rc == SOM_OK && data) rc = som_map_align_data(r.map, data, &r.data, &err);
    if (rc == SOM_OK) rc = report_gather(&r, 0, &err);
    char *text = NULL;
    size_t len = 0;
    if (rc == SOM_OK) {
        FILE *f = open_memstream(&text, &len);
        if (!f) {
            rc = som_error_set(&err, SOM_ENOMEM, "out of memory");
        } else {
            if (report_write_html(f, &r) != CLI_OK)
                rc = err.code ? err.code : som_error_set(&err, SOM_EIO, "cannot write the page");
            if (fclose(f) != 0 && rc == SOM_OK) rc = som_error_set(&err, SOM_ENOMEM, "out of memory");
        }
    }
    report_free(&r);
    if (rc != SOM_OK) {
        free(text);
        return reply_som_error(rq, &err);
    }
    struct MHD_Response *resp = resp_bytes(text, len, "text/html; charset=utf-8", free);
    if (resp) {
        /* Inline SVG and its own style sheet; nothing to fetch, no script. */
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
        char cd[128];
        snprintf(cd, sizeof cd, "inline; filename=\"report-%s.html\"", rq->rt.id);
        MHD_add_response_header(resp, "Content-Disposition", cd);
    }
    return reply(rq, 200, resp);
}

enum MHD_Result handle_job_report(request *rq)
{
    job *j = NULL;
    enum MHD_Result ret;
    snapshot *s = job_snapshot(rq, &j, &ret);
    if (!s) return ret;
    char model_name[64];
    /* The name the job's model.som downloads under. */
    snprintf(model_name, sizeof model_name, "som-%s.som", j->id);
    ret = reply_report(rq, s->map, j->ds->data, model_name, j->ds->name);
    snap_put(s);
    job_put(j);
    return ret;
}

enum MHD_Result handle_map_report(request *rq)
{
    model *m = model_get(rq->rt.id);
    if (!m) return reply_error(rq, 404, "no map '%s'", rq->rt.id);
    enum MHD_Result ret;
    const char *id = req_arg(rq, "dataset");
    dataset *ds = NULL;
    if (id && !(ds = query_dataset(rq, id, &ret))) {
        model_put(m);
        return ret;
    }
    ret = reply_report(rq, m->map, ds ? ds->data : NULL, m->source, ds ? ds->name : NULL);
    dataset_put(ds);
    model_put(m);
    return ret;
}
