/* SPDX-License-Identifier: MIT */
/* route.c — which handler a request goes to. A pure function of the method
 * and the (percent-decoded) path: no state, no I/O, any input is safe. Ids,
 * names and extensions are checked here, so that the handlers only ever see
 * well-formed ones; nothing a request names is ever a file name. */
#include <stdio.h>
#include <string.h>

#include "serve.h"

#define MAX_SEGMENTS 6

/* [A-Za-z0-9_-]{1,ROUTE_ID_MAX} */
static bool valid_id(const char *s, size_t n)
{
    if (n == 0 || n > ROUTE_ID_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* Splits "base.ext" at its last dot; ext must be one of `exts`
 * ("png|svg"). Returns the length of base, or -1. */
static long split_ext(const char *s, size_t n, const char *exts, char ext[8])
{
    const char *dot = NULL;
    for (size_t i = n; i > 0; i--)
        if (s[i - 1] == '.') {
            dot = s + i - 1;
            break;
        }
    if (!dot) return -1;
    size_t elen = n - (size_t)(dot - s) - 1;
    if (elen == 0 || elen >= 8) return -1;
    /* Look the extension up in the '|'-separated list. */
    for (const char *p = exts; *p;) {
        const char *bar = strchr(p, '|');
        size_t k = bar ? (size_t)(bar - p) : strlen(p);
        if (k == elen && memcmp(p, dot + 1, k) == 0) {
            memcpy(ext, dot + 1, elen);
            ext[elen] = '\0';
            return (long)(dot - s);
        }
        p += k + (bar != NULL);
    }
    return -1;
}

typedef struct seg {
    const char *s;
    size_t n;
} seg;

static bool is(const seg *g, const char *lit)
{
    size_t k = strlen(lit);
    return g->n == k && memcmp(g->s, lit, k) == 0;
}

static bool take_id(route *r, const seg *g)
{
    if (!valid_id(g->s, g->n)) return false;
    memcpy(r->id, g->s, g->n);
    r->id[g->n] = '\0';
    return true;
}

/* "base.EXT" where base is `lit` and EXT is in `exts`. */
static bool is_file(route *r, const seg *g, const char *lit, const char *exts)
{
    long b = split_ext(g->s, g->n, exts, r->ext);
    return b >= 0 && (size_t)b == strlen(lit) && memcmp(g->s, lit, (size_t)b) == 0;
}

/* Matches the path; sets r->kind and what it captures, and `methods` to the
 * methods the path takes ("GET", "GET, POST", ...). */
static void match(route *r, const seg *g, size_t n, const char **methods)
{
    r->kind = ROUTE_NONE;
    *methods = "GET";
    if (n == 0) { /* "/" */
        r->kind = ROUTE_ASSET;
        strcpy(r->name, "index.html");
        return;
    }
    if (n == 1 && !is(&g[0], "api") && !is(&g[0], "avatar")) {
        /* A file of the app: the name is looked up among the embedded
         * assets, never on disk. */
        if (g[0].n > ROUTE_NAME_MAX || g[0].s[0] == '.') return;
        memcpy(r->name, g[0].s, g[0].n);
        r->name[g[0].n] = '\0';
        r->kind = ROUTE_ASSET;
        return;
    }
    if (is(&g[0], "avatar")) {
        /* The name may hold anything but NUL, even '/': it is hashed, never
         * used as a path. Segments are rejoined. */
        if (n < 2) return;
        size_t len = (size_t)(g[n - 1].s + g[n - 1].n - g[1].s);
        long b = split_ext(g[1].s, len, "png|svg", r->ext);
        if (b < 1 || (size_t)b > ROUTE_NAME_MAX) return;
        memcpy(r->name, g[1].s, (size_t)b);
        r->name[b] = '\0';
        r->kind = ROUTE_AVATAR;
        return;
    }
    if (!is(&g[0], "api") || n < 2) return;
    const seg *a = &g[1];
    size_t m = n - 1; /* segments after /api */
    if (m == 1 && is(a, "health")) {
        r->kind = ROUTE_HEALTH;
    } else if (m == 1 && is(a, "colormaps")) {
        r->kind = ROUTE_COLORMAPS;
    } else if (m == 1 && is(a, "settings")) {
        r->kind = ROUTE_SETTINGS;
    } else if (m == 1 && is_file(r, a, "art", "png|svg")) {
        r->kind = ROUTE_ART;
    } else if (is(a, "art") && m >= 2) {
        if (m == 2 && is_file(r, &a[1], "gallery", "png|svg|json")) {
            r->kind = ROUTE_ART_GALLERY;
        } else if (is(&a[1], "guess")) {
            if (m == 2) {
                r->kind = ROUTE_GUESS_NEW;
            } else if (m == 3) {
                long b = split_ext(a[2].s, a[2].n, "png|svg", r->ext);
                if (b > 0) {
                    seg id = {a[2].s, (size_t)b};
                    if (take_id(r, &id)) r->kind = ROUTE_GUESS_IMAGE;
                } else if (take_id(r, &a[2])) {
                    r->kind = ROUTE_GUESS_ANSWER;
                    *methods = "POST";
                }
            }
        }
    } else if (is(a, "datasets")) {
        if (m == 1) {
            r->kind = ROUTE_DATASETS;
            *methods = "GET, POST";
        } else if (m == 2 && take_id(r, &a[1])) {
            r->kind = ROUTE_DATASET;
            *methods = "GET, DELETE";
        }
    } else if (is(a, "jobs")) {
        if (m == 1) {
            r->kind = ROUTE_JOBS;
            *methods = "GET, POST";
        } else if (m >= 2 && take_id(r, &a[1])) {
            if (m == 2) {
                r->kind = ROUTE_JOB;
                *methods = "GET, DELETE";
            } else if (m == 3 && is(&a[2], "events")) {
                r->kind = ROUTE_JOB_EVENTS;
            } else if (m == 3 && is(&a[2], "stop")) {
                r->kind = ROUTE_JOB_STOP;
                *methods = "POST";
            } else if (m == 3 && is(&a[2], "continue")) {
                r->kind = ROUTE_JOB_CONTINUE;
                *methods = "POST";
            } else if (m == 3 && is(&a[2], "cluster")) {
                r->kind = ROUTE_JOB_CLUSTER;
                *methods = "POST";
            } else if (m == 3 && is_file(r, &a[2], "model", "som|somnet")) {
                r->kind = ROUTE_JOB_MODEL;
            } else if (m == 3 && is_file(r, &a[2], "map", "json")) {
                r->kind = ROUTE_JOB_MAP;
            } else if (m == 3 && is_file(r, &a[2], "plot", "png|svg")) {
                r->kind = ROUTE_JOB_PLOT;
            } else if (m == 3 && is_file(r, &a[2], "report", "html")) {
                r->kind = ROUTE_JOB_REPORT;
            }
        }
    } else if (is(a, "maps")) {
        if (m == 1) {
            r->kind = ROUTE_MAPS;
            *methods = "GET, POST";
        } else if (m >= 2 && take_id(r, &a[1])) {
            if (m == 2) {
                r->kind = ROUTE_MAP;
                *methods = "GET, DELETE";
            } else if (m == 3 && is(&a[2], "map")) {
                r->kind = ROUTE_MAP_RECOGNIZE;
                *methods = "POST";
            } else if (m == 3 && is_file(r, &a[2], "map", "json")) {
                r->kind = ROUTE_MAP_JSON;
            } else if (m == 3 && is_file(r, &a[2], "model", "som|somnet")) {
                r->kind = ROUTE_MAP_MODEL;
            } else if (m == 3 && is_file(r, &a[2], "plot", "png|svg")) {
                r->kind = ROUTE_MAP_PLOT;
            } else if (m == 3 && is_file(r, &a[2], "report", "html")) {
                r->kind = ROUTE_MAP_REPORT;
            }
        }
    }
}

/* Is `method` one of the comma-separated `methods`? GET also allows HEAD. */
static bool allowed(const char *method, const char *methods, bool *head)
{
    *head = false;
    if (strcmp(method, "HEAD") == 0 && strstr(methods, "GET")) {
        *head = true;
        return true;
    }
    size_t k = strlen(method);
    for (const char *p = methods; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == k && memcmp(p, method, k) == 0) return true;
        if (!comma) break;
        p = comma + 1;
        while (*p == ' ') p++;
    }
    return false;
}

unsigned route_parse(const char *method, const char *path, route *r,
                     const char **allow)
{
    memset(r, 0, sizeof *r);
    *allow = NULL;
    if (!method || !path || path[0] != '/') return 404;
    seg g[MAX_SEGMENTS];
    size_t n = 0;
    const char *p = path + 1;
    /* "/a/b/" and "/a//b" name nothing; "/" alone is the app. */
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0) return 404;
        if (n == MAX_SEGMENTS) {
            /* Only an avatar name may hold more slashes. */
            if (n >= 1 && is(&g[0], "avatar")) {
                g[n - 1].n = (size_t)(p + strlen(p) - g[n - 1].s);
                break;
            }
            return 404;
        }
        g[n].s = p;
        g[n].n = len;
        n++;
        if (!slash) break;
        p = slash + 1;
        if (!*p) return 404; /* trailing slash */
    }
    const char *methods;
    match(r, g, n, &methods);
    if (r->kind == ROUTE_NONE) return 404;
    if (!allowed(method, methods, &r->head)) {
        *allow = methods;
        r->kind = ROUTE_NONE;
        return 405;
    }
    r->has_body = strcmp(method, "POST") == 0;
    return 200;
}
