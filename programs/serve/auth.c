/* SPDX-License-Identifier: MIT */
/* auth.c — the access token of `som serve`.
 *
 * A server on the loopback answers to local programs only (and to
 * localhost names, against DNS rebinding: http.c). One listening on any
 * other address (--host 0.0.0.0, a LAN address) is open to the network,
 * where uploads and hours-long training jobs must not be anyone's: such a
 * server requires a token on every request — the one given with --token,
 * or 128 random bits from getrandom made at start and printed, with the
 * address, on standard error. --token on a loopback server requires it too
 * (a machine shared with other users).
 *
 * A request carries the token in one of three ways:
 *   Authorization: Bearer TOKEN      scripts, curl;
 *   ?token=TOKEN                     the printed address; a visit to the
 *                                    page with it sets the cookie and is
 *                                    sent on to / (the token leaves the
 *                                    address bar and the history);
 *   Cookie: som_token_PORT=TOKEN     the page itself: its fetches, event
 *                                    streams and download links carry the
 *                                    cookie without knowing the token
 *                                    (HttpOnly: scripts cannot read it;
 *                                    SameSite=Strict: other sites' pages
 *                                    cannot send it). The port is in the
 *                                    name because cookies are not kept
 *                                    apart by port. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "serve.h"

bool auth_token_valid(const char *t)
{
    size_t n = strlen(t);
    if (n < 8 || n > 64) return false;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '~'))
            return false;
    }
    return true;
}

int auth_init(void)
{
    if (serve.cfg.token) {
        snprintf(serve.token, sizeof serve.token, "%s", serve.cfg.token);
        return 0;
    }
    serve.token[0] = '\0';
    if (serve.loopback) return 0;
    unsigned char b[16];
    if (!serve_random_bytes(b, sizeof b)) return -1; /* no guessable token instead */
    serve_hex(b, sizeof b, serve.token);
    return 0;
}

/* Compares in time that depends on the lengths only, not on where the
 * first difference is. */
static bool same(const char *a, const char *b)
{
    if (!a) return false;
    size_t na = strlen(a), nb = strlen(b);
    unsigned char diff = na != nb;
    for (size_t i = 0; i < na; i++) diff |= (unsigned char)(a[i] ^ b[i % (nb ? nb : 1)]);
    return diff == 0;
}

static void cookie_name(char *out, size_t size)
{
    snprintf(out, size, "som_token_%u", serve.port);
}

bool auth_ok(const request *rq, bool *from_query)
{
    *from_query = false;
    if (!serve.token[0]) return true;
    const char *h = req_header(rq, "Authorization");
    if (h && strncasecmp(h, "Bearer ", 7) == 0 && same(h + 7, serve.token)) return true;
    char name[32];
    cookie_name(name, sizeof name);
    if (same(MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, name), serve.token))
        return true;
    if (same(req_arg(rq, "token"), serve.token)) {
        *from_query = true;
        return true;
    }
    return false;
}

void auth_set_cookie(struct MHD_Response *r)
{
    char name[32], v[200];
    cookie_name(name, sizeof name);
    snprintf(v, sizeof v, "%s=%s; Path=/; HttpOnly; SameSite=Strict", name, serve.token);
    MHD_add_response_header(r, "Set-Cookie", v);
}
