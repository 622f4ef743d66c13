/* SPDX-License-Identifier: MIT */
/* http.c — the libmicrohttpd side of `som serve`: the listening socket,
 * request bodies and their size limit, the Host and Origin checks, the
 * token (auth.c), replies, and the dispatch of each route to its handler.
 *
 * libmicrohttpd runs one thread per connection (so that an event stream may
 * wait for news without holding up anyone else), with poll() instead of
 * select() so that descriptors above 1024 work. Every connection is also
 * followed by guard.c, which closes those that take too long or hold a
 * slot others need.
 *
 * Bodies up to SERVE_SPILL_BYTES are kept in memory; a larger one is
 * written to an unlinked private file as it arrives and mapped for its
 * handler, and such handlers run PARSE_SLOTS at a time: memory then grows
 * with what is parsed at once, not with the uploads in flight. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve.h"

/* One per request: libmicrohttpd's con_cls. */
typedef struct conn_ctx {
    request rq;
    guard_conn *guard;   /* the connection's entry in guard.c */
    size_t cap;          /* bytes allocated for rq.body */
    bool too_large;      /* the body went over --max-upload */
    bool answered;       /* a reply was queued before the body came */
    bool write_failed;   /* the body's file could not be written */
} conn_ctx;

/* Large bodies are parsed a few at a time: each costs its mapped file and
 * the values parsed from it while it is read, and sixteen 64 MB uploads
 * at once would otherwise need all of that together. */
#define PARSE_SLOTS 2
static pthread_mutex_t parse_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t parse_cond = PTHREAD_COND_INITIALIZER;
static int parse_free = PARSE_SLOTS;

const char *req_arg(const request *rq, const char *key)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

static const char *req_arg_of(const void *ctx, const char *key)
{
    return req_arg(ctx, key);
}

serve_query req_args(const request *rq)
{
    serve_query q = {req_arg_of, rq};
    return q;
}

const char *req_header(const request *rq, const char *key)
{
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, key);
}

/* ---- replies --------------------------------------------------------------- */

enum MHD_Result reply(request *rq, unsigned status, struct MHD_Response *r)
{
    if (!r) return MHD_NO; /* out of memory: drop the connection */
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    if (!MHD_get_response_header(r, "Cache-Control"))
        MHD_add_response_header(r, "Cache-Control", "no-store");
    if (serve.cfg.verbose)
        fprintf(stderr, "som serve: %s %s -> %u\n", rq->method, rq->url, status);
    enum MHD_Result ret = MHD_queue_response(rq->conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

struct MHD_Response *resp_bytes(void *buf, size_t len, const char *mime,
                                void (*free_fn)(void *))
{
    struct MHD_Response *r;
    if (free_fn)
        r = MHD_create_response_from_buffer_with_free_callback(len, buf, free_fn);
    else
        r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_PERSISTENT);
    if (!r) {
        if (free_fn) free_fn(buf);
        return NULL;
    }
    if (mime) MHD_add_response_header(r, "Content-Type", mime);
    return r;
}

enum MHD_Result reply_json(request *rq, unsigned status, json_t *v)
{
    if (!v) return reply_error(rq, 500, "out of memory");
    size_t len = 0;
    char *text = serve_json_text(v, &len);
    json_decref(v);
    if (!text) return MHD_NO;
    return reply(rq, status, resp_bytes(text, len, "application/json", free));
}

enum MHD_Result reply_error(request *rq, unsigned status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *v = json_object();
    if (v) json_object_set_new(v, "error", jstr(msg));
    return reply_json(rq, status, v);
}

enum MHD_Result reply_error_field(request *rq, unsigned status, const char *field,
                                  const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *v = json_object();
    if (v) {
        json_object_set_new(v, "error", jstr(msg));
        if (field) json_object_set_new(v, "field", jstr(field));
    }
    return reply_json(rq, status, v);
}

/* A size as a person reads it: "64 MB", "1 MB", "512 KB" (binary units,
 * named as people name them). */
void serve_size_words(size_t bytes, char *out, size_t size)
{
    if (bytes >= ((size_t)1 << 30) && bytes % ((size_t)1 << 30) == 0)
        snprintf(out, size, "%zu GB", bytes >> 30);
    else if (bytes >= ((size_t)1 << 20))
        snprintf(out, size, "%.3g MB", (double)bytes / (1 << 20));
    else if (bytes >= 1024)
        snprintf(out, size, "%.3g KB", (double)bytes / 1024);
    else
        snprintf(out, size, "%zu bytes", bytes);
}

static enum MHD_Result reply_too_large(request *rq)
{
    char limit[32];
    serve_size_words(serve.cfg.max_upload, limit, sizeof limit);
    return reply_error_field(rq, 413, "file", "The file is larger than the %s limit of this server",
                             limit);
}

enum MHD_Result reply_som_error(request *rq, const som_error *err)
{
    return reply_error(rq, parse_som_error_status(err), "%s",
                       err->message[0] ? err->message : som_strerror(err->code));
}

/* 401: JSON for the API, a line of text for a person opening the page. */
static enum MHD_Result reply_unauthorized(request *rq)
{
    static const char msg[] = "this server needs its access token: send Authorization: "
                              "Bearer TOKEN, or open the page once with ?token=TOKEN "
                              "after its address (the token printed when the server "
                              "started, or the one it was given)";
    struct MHD_Response *r;
    if (strncmp(rq->url, "/api/", 5) == 0) {
        json_t *v = json_pack("{s:s}", "error", msg);
        char *text = v ? serve_json_text(v, NULL) : NULL;
        json_decref(v);
        if (!text) return MHD_NO;
        r = resp_bytes(text, strlen(text), "application/json", free);
    } else {
        static const char page[] =
            "<!doctype html><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width\"><title>som</title>"
            "<p>This server needs its access link: open this page once with "
            "<code style=\"white-space:nowrap\">?token=TOKEN</code> after its address "
            "— the token printed when the server started, or the one it was given.</p>\n";
        r = resp_bytes((void *)page, sizeof page - 1, "text/html; charset=utf-8", NULL);
    }
    if (r) MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
    return reply(rq, 401, r);
}

/* ---- checks on every request -------------------------------------------- */

/* The host part of a Host header or an origin's authority: "[::1]:80" ->
 * "::1", "localhost:8080" -> "localhost". */
static bool host_part(const char *s, char *out, size_t size)
{
    size_t n;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end) return false;
        s++;
        n = (size_t)(end - s);
    } else {
        const char *colon = strchr(s, ':');
        n = colon ? (size_t)(colon - s) : strlen(s);
    }
    if (n == 0 || n >= size) return false;
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

/* The addresses of this machine's interfaces, as text, read at start: the
 * address literals a network server answers to. */
#define MAX_LOCAL_ADDRS 64
static char local_addrs[MAX_LOCAL_ADDRS][INET6_ADDRSTRLEN];
static size_t n_local_addrs;

static void read_local_addrs(void)
{
    struct ifaddrs *list = NULL, *a;
    n_local_addrs = 0;
    if (getifaddrs(&list) != 0) return;
    for (a = list; a && n_local_addrs < MAX_LOCAL_ADDRS; a = a->ifa_next) {
        if (!a->ifa_addr) continue;
        const void *src = NULL;
        int fam = a->ifa_addr->sa_family;
        if (fam == AF_INET)
            src = &((const struct sockaddr_in *)(const void *)a->ifa_addr)->sin_addr;
        else if (fam == AF_INET6)
            src = &((const struct sockaddr_in6 *)(const void *)a->ifa_addr)->sin6_addr;
        if (src && inet_ntop(fam, src, local_addrs[n_local_addrs], INET6_ADDRSTRLEN))
            n_local_addrs++;
    }
    freeifaddrs(list);
}

static bool is_loopback_name(const char *name)
{
    return strcasecmp(name, "localhost") == 0 || strcmp(name, "::1") == 0 ||
           strncmp(name, "127.", 4) == 0;
}

/* A server bound to the loopback answers only to loopback names: a web page
 * elsewhere cannot reach it through a name it controls (DNS rebinding). A
 * server on the network cannot know every name it is reached by, and there
 * the token keeps other pages out; what it can check is an address
 * literal, which must be one of this machine's. */
static bool host_ok(const request *rq)
{
    const char *h = req_header(rq, "Host");
    char name[256];
    if (!h || !host_part(h, name, sizeof name)) return !serve.check_host && !h;
    if (is_loopback_name(name) || strcmp(name, serve.cfg.host) == 0) return true;
    if (serve.check_host) return false;
    unsigned char bin[sizeof(struct in6_addr)];
    bool literal = inet_pton(AF_INET, name, bin) == 1 || inet_pton(AF_INET6, name, bin) == 1;
    if (!literal) return true;
    for (size_t i = 0; i < n_local_addrs; i++)
        if (strcasecmp(name, local_addrs[i]) == 0) return true;
    return false;
}

/* Requests that change something must come from the app itself, not from
 * another site's page (which browsers let send simple POSTs anywhere):
 * their Origin, when present, must be this server. */
static bool origin_ok(const request *rq)
{
    const char *m = rq->method;
    if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0) return true;
    const char *origin = req_header(rq, "Origin");
    if (!origin) return true; /* not a browser: curl, scripts */
    const char *host = req_header(rq, "Host");
    if (!host || strncmp(origin, "http://", 7) != 0) return false;
    return strcasecmp(origin + 7, host) == 0;
}

/* ---- dispatch ------------------------------------------------------------------- */

static const handler_fn handlers[] = {
    [ROUTE_ASSET] = handle_asset,
    [ROUTE_AVATAR] = handle_avatar,
    [ROUTE_HEALTH] = handle_health,
    [ROUTE_COLORMAPS] = handle_colormaps,
    [ROUTE_SETTINGS] = handle_settings,
    [ROUTE_DATASETS] = handle_datasets,
    [ROUTE_DATASET] = handle_dataset,
    [ROUTE_JOBS] = handle_jobs,
    [ROUTE_JOB] = handle_job,
    [ROUTE_JOB_EVENTS] = handle_job_events,
    [ROUTE_JOB_STOP] = handle_job_stop,
    [ROUTE_JOB_CONTINUE] = handle_job_continue,
    [ROUTE_JOB_MODEL] = handle_job_model,
    [ROUTE_JOB_MAP] = handle_job_map,
    [ROUTE_JOB_CLUSTER] = handle_job_cluster,
    [ROUTE_JOB_PLOT] = handle_job_plot,
    [ROUTE_JOB_REPORT] = handle_job_report,
    [ROUTE_MAPS] = handle_maps,
    [ROUTE_MAP] = handle_map,
    [ROUTE_MAP_JSON] = handle_map_json,
    [ROUTE_MAP_RECOGNIZE] = handle_map_recognize,
    [ROUTE_MAP_MODEL] = handle_map_model,
    [ROUTE_MAP_PLOT] = handle_map_plot,
    [ROUTE_MAP_REPORT] = handle_map_report,
    [ROUTE_ART] = handle_art,
    [ROUTE_ART_GALLERY] = handle_art_gallery,
    [ROUTE_GUESS_NEW] = handle_guess_new,
    [ROUTE_GUESS_IMAGE] = handle_guess_image,
    [ROUTE_GUESS_ANSWER] = handle_guess_answer,
};

/* The first call for a request: headers only. Returns MHD_YES to go on
 * reading the body, or the result of an early reply. */
static enum MHD_Result on_headers(conn_ctx *ctx, const char *url)
{
    request *rq = &ctx->rq;
    if (!host_ok(rq)) {
        ctx->answered = true;
        if (!serve.check_host)
            return reply_error(rq, 403, "unexpected Host header: not an address of "
                                        "this machine");
        return reply_error(rq, 403, "unexpected Host header: this server answers "
                                    "to localhost names only");
    }
    bool from_query = false;
    if (!auth_ok(rq, &from_query)) {
        ctx->answered = true;
        return reply_unauthorized(rq);
    }
    if (!origin_ok(rq)) {
        ctx->answered = true;
        return reply_error(rq, 403, "cross-origin request refused");
    }
    const char *allow = NULL;
    unsigned st = route_parse(rq->method, url, &rq->rt, &allow);
    if (st != 200) {
        ctx->answered = true;
        if (st == 405) {
            char msg[128];
            snprintf(msg, sizeof msg, "method %s not allowed here (allowed: %s)",
                     rq->method, allow);
            json_t *v = json_pack("{s:s}", "error", msg);
            char *text = v ? serve_json_text(v, NULL) : NULL;
            json_decref(v);
            if (!text) return MHD_NO;
            struct MHD_Response *r =
                resp_bytes(text, strlen(text), "application/json", free);
            if (r) MHD_add_response_header(r, "Allow", allow);
            return reply(rq, 405, r);
        }
        return reply_error(rq, 404, "nothing at %s %s", rq->method, url);
    }
    if (from_query && rq->rt.kind == ROUTE_ASSET && strcmp(rq->rt.name, "index.html") == 0) {
        /* The printed address: the cookie is set and the token leaves the
         * address bar. */
        ctx->answered = true;
        struct MHD_Response *r = resp_bytes(NULL, 0, NULL, NULL);
        if (r) {
            auth_set_cookie(r);
            MHD_add_response_header(r, "Location", "/");
        }
        return reply(rq, 303, r);
    }
    if (rq->rt.has_body) {
        /* Refuse an announced oversized body before reading any of it. */
        const char *cl = req_header(rq, "Content-Length");
        if (cl) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(cl, &end, 10);
            if (errno || *end || n > serve.cfg.max_upload) {
                ctx->answered = true;
                return reply_too_large(rq);
            }
        }
    }
    return MHD_YES;
}

void req_body_release(request *rq)
{
    if (rq->body_map)
        munmap(rq->body, rq->body_map);
    else
        free(rq->body);
    if (rq->body_fd >= 0) close(rq->body_fd);
    rq->body = NULL;
    rq->body_map = 0;
    rq->body_fd = -1;
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += k;
        n -= (size_t)k;
    }
    return true;
}

/* Appends to the body's file, moving the body there from memory when it
 * outgrows SERVE_SPILL_BYTES. A failure (disk full) is answered at the
 * end of the body. */
static void body_spill(conn_ctx *ctx, const char *data, size_t n)
{
    request *rq = &ctx->rq;
    if (ctx->write_failed) return;
    if (rq->body_fd < 0) {
        rq->body_fd = serve_tmp_fd();
        if (rq->body_fd < 0 || !write_all(rq->body_fd, rq->body, rq->body_len)) {
            ctx->write_failed = true;
            return;
        }
        free(rq->body);
        rq->body = NULL;
        ctx->cap = 0;
    }
    if (!write_all(rq->body_fd, data, n)) ctx->write_failed = true;
    rq->body_len += n;
}

/* Maps a body that went to a file (more than SERVE_SPILL_BYTES, never
 * empty). Pages are read as the parser touches them. */
static bool body_map(conn_ctx *ctx)
{
    request *rq = &ctx->rq;
    if (rq->body_fd < 0) return true;
    void *p = mmap(NULL, rq->body_len, PROT_READ, MAP_PRIVATE, rq->body_fd, 0);
    if (p == MAP_FAILED) return false;
    rq->body = p;
    rq->body_map = rq->body_len;
    return true;
}

static bool body_append(conn_ctx *ctx, const char *data, size_t n)
{
    request *rq = &ctx->rq;
    if (ctx->too_large) return true;
    if (n > serve.cfg.max_upload - rq->body_len) {
        /* Chunked bodies announce no length: count, keep nothing more, and
         * answer 413 at the end. */
        ctx->too_large = true;
        req_body_release(rq);
        rq->body_len = 0;
        return true;
    }
    if (rq->body_fd >= 0 || rq->body_len + n > SERVE_SPILL_BYTES) {
        body_spill(ctx, data, n);
        return true;
    }
    if (rq->body_len + n + 1 > ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap : 16384;
        while (cap < rq->body_len + n + 1) cap *= 2;
        if (cap > serve.cfg.max_upload + 1) cap = serve.cfg.max_upload + 1;
        char *b = realloc(rq->body, cap);
        if (!b) return false;
        rq->body = b;
        ctx->cap = cap;
    }
    memcpy(rq->body + rq->body_len, data, n);
    rq->body_len += n;
    rq->body[rq->body_len] = '\0';
    return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    (void)version;
    conn_ctx *ctx = *con_cls;
    if (!ctx) {
        ctx = calloc(1, sizeof *ctx);
        if (!ctx) return MHD_NO;
        *con_cls = ctx;
        ctx->rq.conn = conn;
        ctx->rq.method = method;
        ctx->rq.url = url;
        ctx->rq.body_fd = -1;
        ctx->guard = guard_of(conn);
        guard_body(ctx->guard, 0);
        return on_headers(ctx, url);
    }
    if (*upload_data_size) {
        guard_body(ctx->guard, *upload_data_size);
        /* After an early reply the body is swallowed. */
        if (!ctx->answered && ctx->rq.rt.has_body) {
            if (!body_append(ctx, upload_data, *upload_data_size)) return MHD_NO;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (ctx->answered) return MHD_YES;
    request *rq = &ctx->rq;
    guard_busy(ctx->guard);
    if (ctx->too_large)
        return reply_too_large(rq);
    if (ctx->write_failed || !body_map(ctx)) {
        req_body_release(rq);
        return reply_error_field(rq, 507, "file", "The server has no room on its disk for this file");
    }
    if (!rq->body) {
        rq->body = calloc(1, 1);
        if (!rq->body) return MHD_NO;
    }
    if (rq->rt.kind == ROUTE_JOB_EVENTS && !guard_stream(ctx->guard))
        return reply_error(rq, 503, "too many event streams are open; close some "
                                    "pages and try again");
    handler_fn fn = handlers[rq->rt.kind];
    bool large = rq->body_map != 0;
    if (large) {
        pthread_mutex_lock(&parse_mu);
        while (parse_free == 0) pthread_cond_wait(&parse_cond, &parse_mu);
        parse_free--;
        pthread_mutex_unlock(&parse_mu);
    }
    enum MHD_Result ret = fn(rq);
    if (large) {
        /* The parsed values are stored (or freed) by now; the file and
         * its mapping go before another large body is let in. */
        req_body_release(rq);
        pthread_mutex_lock(&parse_mu);
        parse_free++;
        pthread_cond_signal(&parse_cond);
        pthread_mutex_unlock(&parse_mu);
    }
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn,
                         void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)toe;
    guard_request_end(guard_of(conn));
    conn_ctx *ctx = *con_cls;
    if (!ctx) return;
    req_body_release(&ctx->rq);
    free(ctx);
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = guard_open(conn);
    } else {
        guard_close(*socket_context);
        *socket_context = NULL;
    }
}

/* libmicrohttpd's logger: its format strings are its own. */
static void mhd_log(void *cls, const char *fmt, va_list ap) SERVE_PRINTF(2, 0);
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    /* libmicrohttpd reports every client that goes away mid-response;
     * only a verbose server repeats that. */
    if (!serve.cfg.verbose) return;
    fputs("som serve: libmicrohttpd: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* ---- start and stop ----------------------------------------------------------- */

static bool is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return true;
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
            return in6->sin6_addr.s6_addr[12] == 127;
    }
    return false;
}

/* Binds host:port ourselves, so that errors are precise ("address in
 * use") and port 0 can be read back. */
static int listen_on(const char *host, unsigned port, int *fd_out,
                     bool *ipv6, bool *loopback, unsigned *bound,
                     som_error *err)
{
    char service[16];
    snprintf(service, sizeof service, "%u", port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai != 0)
        return som_error_set(err, SOM_EINVAL, "cannot resolve host '%s': %s", host,
                             gai_strerror(gai));
    int last_errno = 0, fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (ai->ai_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0) {
            struct sockaddr_storage ss;
            socklen_t sl = sizeof ss;
            getsockname(fd, (struct sockaddr *)&ss, &sl);
            *ipv6 = ss.ss_family == AF_INET6;
            *loopback = is_loopback((struct sockaddr *)&ss);
            *bound = ntohs(ss.ss_family == AF_INET6
                               ? ((struct sockaddr_in6 *)&ss)->sin6_port
                               : ((struct sockaddr_in *)&ss)->sin_port);
            *fd_out = fd;
            freeaddrinfo(res);
            return SOM_OK;
        }
        last_errno = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return som_error_set(err, SOM_EIO, "cannot listen on %s port %u: %s", host, port,
                         strerror(last_errno ? last_errno : EADDRNOTAVAIL));
}

int http_start(struct MHD_Daemon **out, som_error *err)
{
    int fd = -1;
    bool ipv6 = false, loopback = false;
    unsigned bound = 0;
    int rc = listen_on(serve.cfg.host, serve.cfg.port, &fd, &ipv6, &loopback,
                       &bound, err);
    if (rc != SOM_OK) return rc;
    serve.port = bound;
    serve.check_host = loopback;
    serve.loopback = loopback;
    /* Every loopback client has the same address: a limit per address
     * would be a second total, so it is set for network servers only
     * (guard.c keeps a loopback server reachable). */
    unsigned per_ip = serve.cfg.max_per_client;
    if (per_ip == 0 && !loopback) per_ip = serve.cfg.max_connections / 8;
    if (per_ip && per_ip < 4) per_ip = 4;
    read_local_addrs();
    if (auth_init() != 0) {
        close(fd);
        return som_error_set(err, SOM_EIO, "cannot make an access token: no random "
                                           "bytes from the system");
    }
    rc = guard_start(err);
    if (rc != SOM_OK) {
        close(fd);
        return rc;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    if (ipv6) flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, NULL,
        MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
        MHD_OPTION_CONNECTION_LIMIT, serve.cfg.max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_END);
    if (!d) {
        guard_stop();
        close(fd);
        return som_error_set(err, SOM_EIO, "cannot start the HTTP server");
    }
    *out = d;
    return SOM_OK;
}

void http_stop(struct MHD_Daemon *d)
{
    if (d) MHD_stop_daemon(d);
    guard_stop();
}
