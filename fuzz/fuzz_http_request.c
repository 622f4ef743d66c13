/* SPDX-License-Identifier: MIT */
/* fuzz_http_request.c — som serve's request routing (route_parse in
 * programs/serve/route.c) on arbitrary methods and paths. The input is the
 * method, a NUL, then the path (as libmicrohttpd hands it over, already
 * percent-decoded); without a NUL the whole input is a GET path.
 *
 * Beyond the sanitizers it checks what route.c promises the handlers: only
 * 200, 404 or 405; on 200 an id of [A-Za-z0-9_-]{1,32}, a known-length
 * extension of letters, and a name inside its buffer; on 405 the allowed
 * methods. The request bodies and queries have their own target,
 * fuzz_http_body.c. */
#include "fuzz_common.h"
#include "serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 2);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    buf[size + 1] = '\0';
    const char *method = "GET", *path = buf;
    const char *nul = memchr(buf, '\0', size);
    if (nul && (size_t)(nul - buf) < size) {
        method = buf;
        path = nul + 1;
    }
    route r;
    const char *allow = NULL;
    unsigned status = route_parse(method, path, &r, &allow);
    FUZZ_CHECK(status == 200 || status == 404 || status == 405);
    if (status == 200) {
        FUZZ_CHECK(r.kind != ROUTE_NONE);
        size_t n = strnlen(r.id, sizeof r.id);
        FUZZ_CHECK(n < sizeof r.id);
        for (size_t i = 0; i < n; i++) {
            char c = r.id[i];
            FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '_' || c == '-');
        }
        size_t e = strnlen(r.ext, sizeof r.ext);
        FUZZ_CHECK(e < sizeof r.ext);
        for (size_t i = 0; i < e; i++) FUZZ_CHECK(r.ext[i] >= 'a' && r.ext[i] <= 'z');
        FUZZ_CHECK(strnlen(r.name, sizeof r.name) < sizeof r.name);
        /* An asset name is one path segment (assets are embedded and looked
         * up by name, never opened, so ".." in one is harmless). */
        if (r.kind == ROUTE_ASSET) FUZZ_CHECK(!strchr(r.name, '/'));
    } else {
        FUZZ_CHECK(r.kind == ROUTE_NONE);
        FUZZ_CHECK((status == 405) == (allow != NULL));
    }
    free(buf);
    return 0;
}
