/* SPDX-License-Identifier: MIT */
/* guard.c — who may hold one of the server's connections, and for how
 * long, so that slow or idle clients cannot take every slot.
 *
 * libmicrohttpd's own limits are a total (--max-connections), an optional
 * count per client address, and an idle timeout that any byte resets — a
 * client trickling one byte every few seconds holds its slot for ever, and
 * enough of them lock everyone else out. Here every connection is tracked
 * from its start to its close with what it is doing:
 *
 *   WAITING  no request yet (a new connection, or a kept-alive one between
 *            requests): the request's headers have not all arrived;
 *   BODY     headers read, the body arriving;
 *   BUSY     a handler runs or the reply is being sent: the server's work,
 *            bounded by the work itself and libmicrohttpd's idle timeout;
 *   STREAM   an event stream (Server-Sent Events), open for as long as the
 *            page shows a job, by design.
 *
 * Two rules free slots held by clients:
 *  - A deadline. A request must be complete within --request-timeout
 *    seconds of its start (the connection's start, or the end of the
 *    previous request on a kept-alive one), plus one second for every
 *    16 KiB of body received: a body arriving at 16 KiB/s or faster is
 *    never cut (a 64 MB upload over a slow link takes its time), a trickle
 *    is, headers included. Event streams and BUSY connections have none.
 *  - Eviction under pressure. When a new connection leaves fewer than a
 *    spare few of the --max-connections slots free (1/16 of them, at least
 *    2), the oldest connection still WAITING is closed to make room, or
 *    failing that the slowest BODY. Someone holding every slot with slow
 *    requests therefore only rotates their own connections out; a new
 *    client (whose request comes at once) is served.
 * A connection is closed by shutting its socket down: its thread sees the
 * end of the stream and libmicrohttpd closes it as if the client had gone.
 *
 * Event streams are counted apart: at most half the slots, so that pages
 * left open (or a client opening streams on purpose) cannot take the rest.
 *
 * Loopback clients all share one address (127.0.0.1 or ::1), so a limit
 * per address cannot tell the browser from another local program: it is
 * set (--max-per-client) only for a server on a non-loopback address, and
 * the two rules above are what keep a loopback server reachable.
 *
 * Safety of the shutdown: an entry is removed by libmicrohttpd's "closed"
 * notification, which comes before it closes the descriptor; the shutdown
 * is done under the same mutex, on an entry still in the list, so the
 * descriptor is still the connection's and never a reused one. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "serve.h"

/* Body bytes per second that buy a request more time beyond the timeout. */
#define GUARD_BODY_RATE 16384.0

typedef enum gstate { G_WAITING = 0, G_BODY, G_BUSY, G_STREAM } gstate;

struct guard_conn {
    guard_conn *prev, *next;
    int fd;
    gstate state;
    double since;     /* serve_now() at the start of the current request */
    size_t bytes;     /* body bytes of the current request so far */
    bool closing;     /* shut down by us; the close notification follows */
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t wake;
    guard_conn *head;
    size_t n;         /* connections open (closing ones included) */
    size_t streams;   /* connections in G_STREAM */
    size_t evicted;   /* connections closed under pressure, since start */
    size_t expired;   /* connections closed at their deadline */
    bool quit;
    bool running;
    pthread_t thread;
} G = {.mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

/* Call with G.mu held. */
static void shut(guard_conn *g)
{
    if (g->closing) return;
    g->closing = true;
    if (g->fd >= 0) shutdown(g->fd, SHUT_RDWR);
}

static double deadline(const guard_conn *g)
{
    return g->since + (double)serve.cfg.request_timeout + (double)g->bytes / GUARD_BODY_RATE;
}

static size_t spare_slots(void)
{
    size_t s = serve.cfg.max_connections / 16;
    return s < 2 ? 2 : s;
}

/* The connection to close to make room: the oldest WAITING one, else the
 * BODY one furthest behind its deadline (the slowest for its age). Call
 * with G.mu held; `except` is the connection being opened. */
static guard_conn *victim(const guard_conn *except)
{
    guard_conn *best = NULL;
    double best_key = 0;
    bool best_waiting = false;
    for (guard_conn *g = G.head; g; g = g->next) {
        if (g == except || g->closing) continue;
        if (g->state != G_WAITING && g->state != G_BODY) continue;
        bool waiting = g->state == G_WAITING;
        double key = waiting ? g->since : deadline(g);
        if (!best || (waiting && !best_waiting) ||
            (waiting == best_waiting && key < best_key)) {
            best = g;
            best_key = key;
            best_waiting = waiting;
        }
    }
    return best;
}

guard_conn *guard_open(struct MHD_Connection *conn)
{
    guard_conn *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    g->fd = ci ? ci->connect_fd : -1;
    g->state = G_WAITING;
    g->since = serve_now();
    pthread_mutex_lock(&G.mu);
    g->next = G.head;
    if (G.head) G.head->prev = g;
    G.head = g;
    G.n++;
    size_t max = serve.cfg.max_connections;
    if (G.n + spare_slots() > max) {
        guard_conn *v = victim(g);
        if (v) {
            shut(v);
            G.evicted++;
        }
    }
    pthread_mutex_unlock(&G.mu);
    return g;
}

void guard_close(guard_conn *g)
{
    if (!g) return;
    pthread_mutex_lock(&G.mu);
    if (g->prev) g->prev->next = g->next;
    else G.head = g->next;
    if (g->next) g->next->prev = g->prev;
    G.n--;
    if (g->state == G_STREAM) G.streams--;
    pthread_mutex_unlock(&G.mu);
    free(g);
}

guard_conn *guard_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void set_state(guard_conn *g, gstate st)
{
    if (g->state == G_STREAM) G.streams--;
    if (st == G_STREAM) G.streams++;
    g->state = st;
}

void guard_body(guard_conn *g, size_t n)
{
    if (!g) return;
    pthread_mutex_lock(&G.mu);
    if (g->state == G_WAITING) set_state(g, G_BODY);
    g->bytes += n;
    pthread_mutex_unlock(&G.mu);
}

void guard_busy(guard_conn *g)
{
    if (!g) return;
    pthread_mutex_lock(&G.mu);
    set_state(g, G_BUSY);
    pthread_mutex_unlock(&G.mu);
}

bool guard_stream(guard_conn *g)
{
    if (!g) return true;
    bool ok;
    pthread_mutex_lock(&G.mu);
    ok = g->state == G_STREAM || G.streams < serve.cfg.max_connections / 2;
    if (ok) set_state(g, G_STREAM);
    pthread_mutex_unlock(&G.mu);
    return ok;
}

void guard_request_end(guard_conn *g)
{
    if (!g) return;
    pthread_mutex_lock(&G.mu);
    set_state(g, G_WAITING);
    g->since = serve_now();
    g->bytes = 0;
    pthread_mutex_unlock(&G.mu);
}

/* Closes the connections past their deadline, a few times a second. */
static void *watch(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&G.mu);
    while (!G.quit) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&G.wake, &G.mu, &ts);
        if (G.quit) break;
        double now = serve_now();
        for (guard_conn *g = G.head; g; g = g->next) {
            if (g->closing || (g->state != G_WAITING && g->state != G_BODY)) continue;
            if (now > deadline(g)) {
                shut(g);
                G.expired++;
            }
        }
    }
    pthread_mutex_unlock(&G.mu);
    return NULL;
}

int guard_start(som_error *err)
{
    G.quit = false;
    if (pthread_create(&G.thread, NULL, watch, NULL) != 0)
        return som_error_set(err, SOM_ENOMEM, "cannot start the connection watchdog");
    G.running = true;
    return SOM_OK;
}

void guard_stop(void)
{
    if (!G.running) return;
    pthread_mutex_lock(&G.mu);
    G.quit = true;
    pthread_cond_signal(&G.wake);
    pthread_mutex_unlock(&G.mu);
    pthread_join(G.thread, NULL);
    G.running = false;
}

void guard_counts(size_t *open, size_t *streams, size_t *evicted, size_t *expired)
{
    pthread_mutex_lock(&G.mu);
    *open = G.n;
    *streams = G.streams;
    *evicted = G.evicted;
    *expired = G.expired;
    pthread_mutex_unlock(&G.mu);
}
