/* SPDX-License-Identifier: MIT */
/* input.c — reading one input whole into memory, the way every path reader
 * does it: bounded by the input limit, and checked as it arrives, so that a
 * stream whose first bytes are wrong (`som info - </dev/zero`) stops after
 * them instead of filling the memory, and an endless valid one stops at the
 * limit with a message that says so. A regular file's size is known before
 * it is read: it is checked against the limit at once and parsed whole
 * afterwards, so its messages are those of the format's full reader. And
 * som_file: a whole input file mapped when it is a regular file. */
#include "io/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the limit ------------------------------------------------------------ */

/* 0: the default. Atomic: set by a program at start, read by any thread. */
static _Atomic size_t input_limit;

void som_input_limit_set(size_t bytes) { atomic_store(&input_limit, bytes); }

size_t som_input_limit(void)
{
    size_t v = atomic_load(&input_limit);
    /* 4 GiB by default: more than any model or piped table in practice, and
     * the same on every machine, so a command that works here works there. */
    return v ? v : (size_t)4 << 30;
}

/* "1 GiB", "512 MiB", "1000 bytes" for messages. */
static void format_bytes(char *buf, size_t size, size_t n)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (u < 6 && n >= 1024 && n % 1024 == 0) {
        n /= 1024;
        u++;
    }
    snprintf(buf, size, "%zu %s", n, units[u]);
}

int som__input_too_big(const char *name, size_t limit, som_error *err)
{
    char lim[32];
    format_bytes(lim, sizeof lim, limit);
    return som__error_at(err, SOM_ERANGE, name, 0, 0,
                         "the input is larger than the input limit of %s (som's --max-input); "
                         "stopped reading", lim);
}

/* ---- the reading loop --------------------------------------------------------- */

int som__read_all(const som__source *src, const char *name, const som__input_check *check,
                  unsigned char **out, size_t *out_len, som_error *err)
{
    *out = NULL;
    *out_len = 0;
    const size_t limit = som_input_limit();
    /* Never more than one byte past the limit in one read: an input just
     * over it is still checked before it is refused for its size. */
    size_t cap = limit < ((size_t)1 << 16) ? limit + 1 : (size_t)1 << 16;
    if (src->size != SOM__SIZE_UNKNOWN) {
        if (src->size > limit) return som__input_too_big(name, limit, err);
        cap = (size_t)src->size + 1; /* +1: the end shows in the first read */
        check = NULL;                /* parsed whole: the format's reader says what is wrong */
    }
    unsigned char *buf = som__malloc(cap + 1);
    if (!buf) return som__error_oom(err);
    size_t len = 0;
    int rc = SOM_OK;
    for (;;) {
        if (len == cap) {
            /* Twice as much, but no more than one byte past the limit:
             * that byte is how an input over it is told apart. */
            size_t ncap = cap <= limit / 2 ? cap * 2 : limit + 1;
            if (ncap <= cap) { /* limit == SIZE_MAX and the buffer full */
                rc = som__input_too_big(name, limit, err);
                break;
            }
            unsigned char *nb = som__realloc(buf, ncap + 1);
            if (!nb) {
                rc = som__error_oom(err);
                break;
            }
            buf = nb;
            cap = ncap;
        }
        /* The cancellation poll; a signal that interrupts a blocked read
         * (EINTR) comes back here at once. */
        if ((rc = som__cancel_check(err)) != SOM_OK) break;
        const char *why = NULL;
        ssize_t k = src->read(src->ctx, buf + len, cap - len, &why);
        if (k < 0 && (rc = som__cancel_check(err)) != SOM_OK) break;
        if (k < 0) {
            rc = som__error_at(err, SOM_EIO, name, 0, 0, "cannot read: %s",
                               why ? why : strerror(errno));
            break;
        }
        if (k == 0) break;
        len += (size_t)k;
        /* The check first: a wrong stream is told as wrong, whatever its size. */
        if (check && (rc = check->fn(check->ctx, buf, len, name, err)) != SOM_OK) break;
        if (len > limit) {
            rc = som__input_too_big(name, limit, err);
            break;
        }
    }
    if (rc != SOM_OK) {
        som__free(buf);
        return rc;
    }
    buf[len] = '\0'; /* text readers may rely on it */
    *out = buf;
    *out_len = len;
    return SOM_OK;
}

static ssize_t fd_read(void *ctx, void *buf, size_t n, const char **why)
{
    (void)why;
    int fd = *(const int *)ctx;
    if (n > ((size_t)1 << 30)) n = (size_t)1 << 30;
    for (;;) {
        ssize_t k = read(fd, buf, n);
        if (k >= 0 || errno != EINTR) return k;
        if (som__cancel_hit(som__cancel_token())) return -1; /* read_all says why */
    }
}

uint64_t som__fd_size(int fd)
{
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
        (uint64_t)st.st_size < SOM__SIZE_UNKNOWN)
        return (uint64_t)st.st_size;
    return SOM__SIZE_UNKNOWN;
}

int som__read_fd(int fd, const char *name, const som__input_check *check, unsigned char **out,
                 size_t *len, som_error *err)
{
    som__source src = {fd_read, &fd, som__fd_size(fd)};
    return som__read_all(&src, name, check, out, len, err);
}

/* ---- the check of every text format ------------------------------------------------ */

int som__check_text(void *ctx, const unsigned char *buf, size_t len, const char *name,
                    som_error *err)
{
    size_t *seen = ctx; /* bytes already looked at */
    const unsigned char *nul = memchr(buf + *seen, '\0', len - *seen);
    *seen = len;
    if (!nul) return SOM_OK;
    size_t line = 1, col = 1;
    for (const unsigned char *p = buf; p < nul; p++) {
        if (*p == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    return som__error_at(err, SOM_EFORMAT, name, line, col,
                         "expected text, got a NUL byte (is this a binary file?)");
}

/* ---- files ------------------------------------------------------------------ */

/* A whole input file in memory (som_file, core.h): mapped when it is a
 * regular file (no copy, and the page cache holds it once), read in a loop
 * otherwise (pipes, standard input). */
void som__file_release(som_file *f)
{
    if (f->mapped)
        munmap(f->bytes, f->len);
    else
        som__free(f->bytes);
    f->bytes = NULL;
    f->len = 0;
}

static int read_stream(int fd, const char *name, const som__input_check *check, som_file *f,
                       som_error *err)
{
    unsigned char *buf;
    size_t len;
    int rc = som__read_fd(fd, name, check, &buf, &len, err);
    if (rc != SOM_OK) return rc;
    f->bytes = buf;
    f->len = len;
    f->mapped = false;
    return SOM_OK;
}

int som__file_open(const char *path, struct stat *st, som_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return som__error_at(err, SOM_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    if (fstat(fd, st) != 0) {
        int e = errno;
        close(fd);
        return som__error_at(err, SOM_EIO, path, 0, 0, "cannot read: %s", strerror(e));
    }
    return fd;
}

int som__file_read(const char *path, const som__input_check *check, som_file *f,
                   som_error *err)
{
    f->bytes = NULL;
    f->len = 0;
    f->mapped = false;
    if (strcmp(path, "-") == 0) return read_stream(STDIN_FILENO, "<stdin>", check, f, err);
    struct stat st;
    int fd = som__file_open(path, &st, err);
    if (fd < 0) return fd;
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return som__error_at(err, SOM_EIO, path, 0, 0, "cannot read: it is a directory");
    }
    int rc = SOM_OK;
    if (S_ISREG(st.st_mode) && st.st_size > 0 && (uintmax_t)st.st_size <= SIZE_MAX) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
            f->bytes = p;
            f->len = (size_t)st.st_size;
            f->mapped = true;
        } else {
            rc = read_stream(fd, path, check, f, err);
        }
    } else {
        rc = read_stream(fd, path, check, f, err);
    }
    close(fd);
    return rc;
}
