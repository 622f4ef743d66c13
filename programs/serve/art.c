/* SPDX-License-Identifier: MIT */
/* art.c — the app's files, /avatar, /api/art*, the guessing game and the
 * colour schemes (the browser colours its maps with exactly the colours of
 * som_colormap). Pictures come from som_art.h; every knob is checked before
 * it gets there. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "serve.h"
#include "som_art.h"
#include "som_render.h"

/* ---- helpers ------------------------------------------------------------------ */

/* Does an If-None-Match header name this ETag ("*", a list, weak or
 * strong: GET compares weakly)? */
static bool etag_match(const char *inm, const char *etag)
{
    if (!inm) return false;
    if (strncmp(etag, "W/", 2) == 0) etag += 2;
    size_t k = strlen(etag);
    const char *p = inm;
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        if (*p == '*') return true;
        if (strncmp(p, "W/", 2) == 0) p += 2;
        if (strncmp(p, etag, k) == 0 && (p[k] == '\0' || p[k] == ',' || p[k] == ' '))
            return true;
        const char *comma = strchr(p, ',');
        if (!comma) break;
        p = comma + 1;
    }
    return false;
}

static enum MHD_Result not_modified(request *rq, const char *etag, const char *cache)
{
    struct MHD_Response *r = resp_bytes((void *)"", 0, NULL, NULL);
    if (r) {
        MHD_add_response_header(r, "ETag", etag);
        MHD_add_response_header(r, "Cache-Control", cache);
    }
    return reply(rq, 304, r);
}

static const char *mime_of(const char *ext)
{
    return strcmp(ext, "svg") == 0 ? "image/svg+xml" : "image/png";
}

/* Pictures that som_art draws into memory (freed with som_free). */
static enum MHD_Result reply_picture(request *rq, unsigned char *buf, size_t len,
                                     const char *ext, const char *cache, const char *etag)
{
    struct MHD_Response *r = resp_bytes(buf, len, mime_of(ext), som_free);
    if (r) {
        if (cache) MHD_add_response_header(r, "Cache-Control", cache);
        if (etag) MHD_add_response_header(r, "ETag", etag);
        /* An SVG opened on its own is a document of this origin: it may do
         * nothing at all. */
        if (strcmp(ext, "svg") == 0)
            MHD_add_response_header(r, "Content-Security-Policy",
                                    "default-src 'none'; style-src 'unsafe-inline'");
    }
    return reply(rq, 200, r);
}

/* ---- the app's files ---------------------------------------------------------------- */

enum MHD_Result handle_asset(request *rq)
{
    const serve_asset *a = NULL;
    for (size_t i = 0; i < serve_n_assets; i++)
        if (strcmp(serve_assets[i].kind, "web") == 0 &&
            strcmp(serve_assets[i].name, rq->rt.name) == 0) {
            a = &serve_assets[i];
            break;
        }
    if (!a) return reply_error(rq, 404, "nothing at %s", rq->url);
    char etag[40];
    snprintf(etag, sizeof etag, "\"%016llx\"",
             (unsigned long long)som_hash(a->data, a->len));
    /* The app changes with the program: revalidate every time (a 304 costs
     * nothing). */
    const char *cache = "no-cache";
    if (etag_match(req_header(rq, "If-None-Match"), etag))
        return not_modified(rq, etag, cache);
    struct MHD_Response *r = resp_bytes((void *)a->data, a->len, a->mime, NULL);
    if (r) {
        MHD_add_response_header(r, "ETag", etag);
        MHD_add_response_header(r, "Cache-Control", cache);
        if (strncmp(a->mime, "text/html", 9) == 0) {
            MHD_add_response_header(r, "Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data: blob:; "
                                    "object-src 'none'; base-uri 'none'; "
                                    "frame-ancestors 'none'; form-action 'none'");
            MHD_add_response_header(r, "X-Frame-Options", "DENY");
        }
    }
    return reply(rq, 200, r);
}

enum MHD_Result handle_colormaps(request *rq)
{
    json_t *v = json_object();
    json_t *names = json_array();
    for (int c = 0; c < SOM_COLORS_COUNT; c++) {
        const char *name = som_colors_name((som_colors)c);
        json_array_append_new(names, json_string(name));
        json_t *lut = json_array();
        for (int i = 0; i < 256; i++) {
            unsigned char rgb[3];
            som_colormap((som_colors)c, i / 255.0, rgb);
            json_array_append_new(lut, json_pack("[i,i,i]", rgb[0], rgb[1], rgb[2]));
        }
        json_object_set_new(v, name, lut);
    }
    json_object_set_new(v, "names", names);
    return reply_json(rq, 200, v);
}

/* ---- avatars -------------------------------------------------------------------------- */

/* Deterministic pictures: a day in any cache is safe. The ETag names the
 * recipe version, the name's hash, the size and the format. */
#define AVATAR_CACHE "public, max-age=86400"

enum MHD_Result handle_avatar(request *rq)
{
    size_t size;
    char msg[256];
    serve_query q = req_args(rq);
    unsigned bad = parse_avatar_query(&q, &size, msg, sizeof msg);
    if (bad) return reply_error(rq, bad, "%s", msg);
    const char *name = rq->rt.name;
    char etag[96];
    /* Cairo numbers SVG ids per process, so an SVG's bytes may differ
     * between two answers: its ETag is weak. */
    snprintf(etag, sizeof etag, "%s\"a1-%016llx-%zu-%s\"",
             strcmp(rq->rt.ext, "svg") == 0 ? "W/" : "",
             (unsigned long long)som_avatar_hash(name, strlen(name)), size, rq->rt.ext);
    if (etag_match(req_header(rq, "If-None-Match"), etag))
        return not_modified(rq, etag, AVATAR_CACHE);
    unsigned char *buf = NULL;
    size_t len = 0;
    som_error err;
    som_error_clear(&err);
    if (som_avatar_render_mem(name, NULL, size, rq->rt.ext, &buf, &len, &err) != SOM_OK)
        return reply_som_error(rq, &err);
    return reply_picture(rq, buf, len, rq->rt.ext, AVATAR_CACHE, etag);
}

/* ---- art ---------------------------------------------------------------------------- */

/* Grows the pattern `o` and replies with its picture in the route's format
 * (public, cached for an hour). */
static enum MHD_Result reply_art(request *rq, const som_art_opts *o, const som_art_style *st,
                                 size_t size)
{
    som_art *art = NULL;
    som_error err;
    som_error_clear(&err);
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc = som_art_run(o, &art, &err);
    if (rc == SOM_OK) rc = som_art_render_mem(art, st, size, rq->rt.ext, &buf, &len, &err);
    som_art_free(art);
    if (rc != SOM_OK) return reply_som_error(rq, &err);
    return reply_picture(rq, buf, len, rq->rt.ext, "public, max-age=3600", NULL);
}

enum MHD_Result handle_art(request *rq)
{
    som_art_opts o;
    som_art_style st;
    size_t size;
    char msg[1024];
    serve_query q = req_args(rq);
    unsigned bad = parse_art_query(&q, &o, &st, &size, msg, sizeof msg);
    if (bad) return reply_error(rq, bad, "%s", msg);
    return reply_art(rq, &o, &st, size);
}

/* Patterns drawn as `som art --gallery N --seed S` draws them (seed 33 and
 * 16 patterns: the article's published gallery). */
static void gallery_knobs(uint32_t seed, size_t n, som_art_opts *out)
{
    som_mt19937 g;
    som_mt19937_seed(&g, seed);
    for (size_t i = 0; i < n; i++) {
        som_art_opts_init(&out[i]);
        som_art_opts_random(&out[i], &g);
    }
}

enum MHD_Result handle_art_gallery(request *rq)
{
    size_t n, size;
    uint32_t seed;
    char msg[256];
    serve_query q = req_args(rq);
    unsigned bad = parse_gallery_query(&q, &n, &seed, &size, msg, sizeof msg);
    if (bad) return reply_error(rq, bad, "%s", msg);
    som_art_opts knobs[64];
    gallery_knobs(seed, n, knobs);
    if (strcmp(rq->rt.ext, "json") == 0) {
        json_t *list = json_array();
        for (size_t i = 0; i < n; i++) {
            char color[8];
            snprintf(color, sizeof color, "%06x", (unsigned)som_art_gallery_color(i + 1));
            json_array_append_new(list, json_pack("{s:o, s:o, s:o, s:s}", "step",
                                                  jnum(knobs[i].step), "radius",
                                                  jnum(knobs[i].radius), "std",
                                                  jnum(knobs[i].std), "color", color));
        }
        char bg[8];
        snprintf(bg, sizeof bg, "%06x", (unsigned)SOM_ART_GALLERY_BACKGROUND);
        return reply_json(rq, 200,
                          json_pack("{s:I, s:I, s:s, s:o}", "seed", (json_int_t)seed, "n",
                                    (json_int_t)n, "background", bg, "patterns", list));
    }
    /* som_art_render_gallery writes files only: draw into the server's own
     * temporary directory and read the picture back. */
    som_art *arts[64] = {0};
    som_error err;
    som_error_clear(&err);
    int rc = SOM_OK;
    for (size_t i = 0; i < n && rc == SOM_OK; i++) rc = som_art_run(&knobs[i], &arts[i], &err);
    char path[4200];
    unsigned char *buf = NULL;
    long len = -1;
    if (rc == SOM_OK) {
        char suffix[16];
        snprintf(suffix, sizeof suffix, ".%s", rq->rt.ext);
        if (!serve_tmp_path(path, sizeof path, suffix))
            rc = som_error_set(&err, SOM_EIO, "no temporary directory");
        else
            rc = som_art_render_gallery((const som_art *const *)arts, n, size, path,
                                        &err);
    }
    for (size_t i = 0; i < n; i++) som_art_free(arts[i]);
    if (rc == SOM_OK) {
        FILE *f = fopen(path, "rb");
        if (f && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
            fseek(f, 0, SEEK_SET) == 0) {
            buf = som_calloc((size_t)len + 1, 1); /* reply_picture frees with som_free */
            if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
                som_free(buf);
                buf = NULL;
            }
        }
        if (f) fclose(f);
        unlink(path);
        if (!buf) rc = som_error_set(&err, SOM_EIO, "cannot read the gallery back");
    }
    if (rc != SOM_OK) return reply_som_error(rq, &err);
    return reply_picture(rq, buf, (size_t)len, rq->rt.ext, "public, max-age=3600", NULL);
}

/* ---- the guessing game ---------------------------------------------------------------- */

/* A puzzle is its seed: the knobs are those `som art --guess --seed S`
 * draws, so nothing needs to be remembered between requests. */
static bool guess_seed(const char *id, uint32_t *seed)
{
    size_t n = strlen(id);
    if (n == 0 || n > 10 || strspn(id, "0123456789") != n) return false;
    unsigned long long v = strtoull(id, NULL, 10);
    if (v > 4294967295u) return false;
    *seed = (uint32_t)v;
    return true;
}

static void guess_truth(uint32_t seed, som_art_opts *o)
{
    som_mt19937 g;
    som_mt19937_seed(&g, seed);
    som_art_opts_init(o);
    som_art_opts_random(o, &g);
}

enum MHD_Result handle_guess_new(request *rq)
{
    uint32_t seed = 0;
    if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
        seed = (uint32_t)(serve_now() * 1e6);
    char id[16], image[64];
    snprintf(id, sizeof id, "%u", (unsigned)seed);
    snprintf(image, sizeof image, "/api/art/guess/%u.png", (unsigned)seed);
    return reply_json(rq, 200, json_pack("{s:s, s:s}", "id", id, "image", image));
}

enum MHD_Result handle_guess_image(request *rq)
{
    uint32_t seed;
    if (!guess_seed(rq->rt.id, &seed))
        return reply_error(rq, 404, "no puzzle '%s': puzzles are numbers from 0 to 4294967295",
                           rq->rt.id);
    size_t size;
    char msg[256];
    serve_query q = req_args(rq);
    unsigned bad = parse_guess_image_query(&q, &size, msg, sizeof msg);
    if (bad) return reply_error(rq, bad, "%s", msg);
    som_art_opts o;
    guess_truth(seed, &o);
    som_art_style st;
    som_art_style_init(&st);
    return reply_art(rq, &o, &st, size);
}

enum MHD_Result handle_guess_answer(request *rq)
{
    uint32_t seed;
    if (!guess_seed(rq->rt.id, &seed))
        return reply_error(rq, 404, "no puzzle '%s'", rq->rt.id);
    double g[3];
    char msg[256];
    unsigned bad = parse_guess_answer(rq->body, rq->body_len, g, msg, sizeof msg);
    if (bad) return reply_error(rq, bad, "%s", msg);
    som_art_opts truth;
    guess_truth(seed, &truth);
    double score = som_art_guess_score(&truth, g[0], g[1], g[2]);
    return reply_json(
        rq, 200,
        json_pack("{s:o, s:{s:o, s:o, s:o}, s:{s:o, s:o, s:o}, s:b}", "score", jnum(score),
                  "truth", "step", jnum(truth.step), "radius", jnum(truth.radius), "std",
                  jnum(truth.std), "guess", "step", jnum(g[0]), "radius", jnum(g[1]), "std",
                  jnum(g[2]), "std_counts", truth.radius >= 1.0));
}
