/* SPDX-License-Identifier: MIT */
/* util.c — small helpers of `som serve`: clocks, ids, JSON values with the
 * CLI's number policy (%.9g, NaN and infinities as null), the private
 * temporary directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "serve.h"
#include "som_json.h"

double serve_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

bool serve_random_bytes(unsigned char *b, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = getrandom(b + got, n - got, 0);
        if (k < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        got += (size_t)k;
    }
    return true;
}

void serve_hex(const unsigned char *b, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * n] = '\0';
}

void serve_new_id(char out[17])
{
    unsigned char b[8];
    if (!serve_random_bytes(b, sizeof b)) {
        /* No random source: ids only need to be unique in this process. */
        static atomic_ulong counter;
        unsigned long c = atomic_fetch_add(&counter, 1) + 1;
        uint64_t v = (uint64_t)time(NULL) << 20 ^ (uint64_t)c * 0x9E3779B97F4A7C15u;
        for (size_t i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    }
    serve_hex(b, sizeof b, out);
}

json_t *jnum(double v)
{
    /* %.9g, as doc/API.md promises (som_json_write prints it so). */
    json_t *n = som_json_number9(v);
    return n ? n : json_null();
}

char *serve_json_text(const json_t *v, size_t *len)
{
    /* The project's one writer (som_json.h: numbers, UTF-8, the C locale)
     * on one line: a value that is not an object is written inline, so the
     * reply is written as a one-element array and the brackets and the
     * final newline are cut off. */
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    if (!f) return NULL;
    json_t *wrap = json_array();
    int rc = wrap && json_array_append((json_t *)wrap, (json_t *)v) == 0
                 ? som_json_write(f, wrap, SOM_JSON_COMPACT, NULL)
                 : SOM_ENOMEM;
    json_decref(wrap);
    if (fclose(f) != 0 || rc != SOM_OK || n < 3 || text[0] != '[') {
        free(text);
        return NULL;
    }
    /* "[VALUE]\n" -> "VALUE" */
    n -= 3;
    memmove(text, text + 1, n);
    text[n] = '\0';
    if (len) *len = n;
    return text;
}

json_t *jfloat(float f)
{
    if (!isfinite(f)) return json_null();
    /* The shortest decimal that reads back as the same float (5.1, not
     * 5.0999999), as the CLI's CSV output prints it. */
    char buf[32];
    for (int p = 6; p < 9; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, (double)f);
        if (strtof(buf, NULL) == f) return json_real(strtod(buf, NULL));
    }
    return json_real((double)f);
}

json_t *jtime(double wall)
{
    time_t t = (time_t)wall;
    struct tm tm;
    char buf[32];
    if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return json_null();
    return json_string(buf);
}

json_t *jsize(size_t v)
{
    return json_integer((json_int_t)v);
}

/* Titles and labels through libsom's one JSON writer's rule (som_json.h):
 * a byte that is not UTF-8 becomes U+FFFD. */
json_t *jstr(const char *s)
{
    if (!s) return json_null();
    json_t *v = som_json_string(s);
    return v ? v : json_null();
}

/* Makes the private directory (0700, mkdtemp) on first use. Call with
 * serve.tmp_mu held. */
static bool tmpdir_make(void)
{
    if (!serve.tmpdir[0]) {
        const char *base = getenv("TMPDIR");
        if (!base || !*base) base = "/tmp";
        snprintf(serve.tmpdir, sizeof serve.tmpdir, "%s/som-serve.XXXXXX", base);
        if (!mkdtemp(serve.tmpdir)) serve.tmpdir[0] = '\0';
    }
    return serve.tmpdir[0] != '\0';
}

int serve_tmp_fd(void)
{
    char path[4200];
    int fd = -1;
    pthread_mutex_lock(&serve.tmp_mu);
    if (tmpdir_make() &&
        snprintf(path, sizeof path, "%s/body.XXXXXX", serve.tmpdir) < (int)sizeof path) {
        fd = mkostemp(path, O_CLOEXEC); /* 0600 */
        /* Unlinked at once: the file lives as long as the descriptor, and
         * nothing is left behind whatever happens to the request or the
         * process. */
        if (fd >= 0) unlink(path);
    }
    pthread_mutex_unlock(&serve.tmp_mu);
    return fd;
}

bool serve_tmp_path(char *out, size_t size, const char *suffix)
{
    static atomic_ulong counter;
    pthread_mutex_lock(&serve.tmp_mu);
    bool ok = tmpdir_make();
    if (ok) {
        unsigned long c = atomic_fetch_add(&counter, 1) + 1;
        int k = snprintf(out, size, "%s/%lu%s", serve.tmpdir, c, suffix);
        ok = k > 0 && (size_t)k < size;
    }
    pthread_mutex_unlock(&serve.tmp_mu);
    return ok;
}

void serve_tmpdir_remove(void)
{
    if (!serve.tmpdir[0]) return;
    /* Only our own numbered files are in it; remove whatever a failed
     * export may have left, then the directory. */
    DIR *d = opendir(serve.tmpdir);
    if (d) {
        struct dirent *e;
        char path[4400];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            snprintf(path, sizeof path, "%s/%s", serve.tmpdir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(serve.tmpdir);
    serve.tmpdir[0] = '\0';
}
