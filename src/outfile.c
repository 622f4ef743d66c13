/* SPDX-License-Identifier: MIT */
/* outfile.c — atomic output: write beside the target, fsync, rename. An
 * interrupted or failed write never leaves a partial file, and never damages
 * the file it was meant to replace. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct som_outfile {
    FILE *fp;
    char *path;     /* final name; NULL for stdout */
    char *tmp_path; /* temporary beside it */
    int slot;       /* in tracked[], or -1 */
};

/* The temporaries open now, for som_outfile_remove_temporaries: a slot is
 * claimed with a compare-and-swap, its name copied, then published. */
#define TRACKED 16
static struct {
    atomic_int state; /* 0 free, 1 being filled or cleared, 2 published */
    char path[4096];
} tracked[TRACKED];

static int track(const char *tmp)
{
    if (strlen(tmp) >= sizeof tracked[0].path) return -1;
    for (int i = 0; i < TRACKED; i++) {
        int want = 0;
        if (!atomic_compare_exchange_strong(&tracked[i].state, &want, 1)) continue;
        strcpy(tracked[i].path, tmp);
        atomic_store(&tracked[i].state, 2);
        return i;
    }
    return -1; /* not tracked: only a second signal would miss it */
}

static void untrack(int slot)
{
    if (slot >= 0) atomic_store(&tracked[slot].state, 0);
}

void som_outfile_remove_temporaries(void)
{
    for (int i = 0; i < TRACKED; i++)
        if (atomic_load(&tracked[i].state) == 2) unlink(tracked[i].path);
}

int som_outfile_open(const char *path, som_outfile **out, som_error *err)
{
    *out = NULL;
    if (!path || !*path) return som__error(err, SOM_EINVAL, "no output file name given");
    som_outfile *f = som__calloc(1, sizeof *f);
    if (!f) return som__error_oom(err);
    f->slot = -1;
    if (strcmp(path, "-") == 0) {
        f->fp = stdout;
        *out = f;
        return SOM_OK;
    }
    size_t len = strlen(path);
    f->path = som__strdup(path);
    f->tmp_path = som__malloc(len + 16);
    if (!f->path || !f->tmp_path) {
        som_outfile_abort(f);
        return som__error_oom(err);
    }
    /* The temporary lives in the target's directory so rename() is atomic. */
    snprintf(f->tmp_path, len + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(f->tmp_path);
    if (fd >= 0) f->slot = track(f->tmp_path);
    if (fd < 0) {
        int e = errno;
        char *dir_copy = som__strdup(path);
        const char *dir = dir_copy ? dirname(dir_copy) : ".";
        struct stat st;
        if (stat(dir, &st) != 0)
            som__error_at(err, SOM_EIO, path, 0, 0, "cannot write: directory '%s' does not exist", dir);
        else
            som__error_at(err, SOM_EIO, path, 0, 0, "cannot write: %s", strerror(e));
        som__free(dir_copy);
        som__free(f->tmp_path);
        f->tmp_path = NULL;
        som_outfile_abort(f);
        return SOM_EIO;
    }
    fchmod(fd, 0644);
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        close(fd);
        som_outfile_abort(f);
        return som__error_at(err, SOM_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
    }
    *out = f;
    return SOM_OK;
}

FILE *som_outfile_stream(som_outfile *f) { return f->fp; }

static void fsync_dir(const char *path)
{
    char *copy = som__strdup(path);
    if (!copy) return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    som__free(copy);
}

/* SOM_TEST_SLOW_SAVE=MS (tests only): every commit waits MS milliseconds
 * with its temporary file in place, polling the cancellation token, so
 * that a test can deliver a signal during a save. Then the poll itself. */
static int commit_gate(som_error *err)
{
    const char *slow = getenv("SOM_TEST_SLOW_SAVE");
    long ms = slow ? strtol(slow, NULL, 10) : 0;
    for (long t = 0; t < ms && !som__cancel_hit(som__cancel_token()); t += 10) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return som__cancel_check(err);
}

int som_outfile_commit(som_outfile *f, som_error *err)
{
    if (!f) return som__error(err, SOM_EINVAL, "no output file");
    /* A cancelled call never renames its output into place, whichever
     * writer it was (their loops stop early on a cancellation and come
     * here): the old file stays. */
    int rc = commit_gate(err);
    if (!f->path) { /* stdout */
        int bad = fflush(f->fp) != 0 || ferror(f->fp);
        som__free(f);
        if (rc) return rc;
        return bad ? som__error(err, SOM_EIO, "cannot write to standard output") : SOM_OK;
    }
    if (rc) {
        som_outfile_abort(f);
        return rc;
    }
    if (fflush(f->fp) != 0 || ferror(f->fp) || fsync(fileno(f->fp)) != 0) {
        rc = som__error_at(err, SOM_EIO, f->path, 0, 0, "cannot write: %s", strerror(errno));
    }
    if (fclose(f->fp) != 0 && rc == SOM_OK)
        rc = som__error_at(err, SOM_EIO, f->path, 0, 0, "cannot write: %s", strerror(errno));
    f->fp = NULL;
    if (rc == SOM_OK && rename(f->tmp_path, f->path) != 0)
        rc = som__error_at(err, SOM_EIO, f->path, 0, 0, "cannot rename into place: %s", strerror(errno));
    if (rc == SOM_OK) {
        fsync_dir(f->path);
        som__free(f->tmp_path);
        f->tmp_path = NULL;
    }
    som_outfile_abort(f);
    return rc;
}

void som_outfile_abort(som_outfile *f)
{
    if (!f) return;
    if (f->fp && f->fp != stdout) fclose(f->fp);
    if (f->tmp_path) unlink(f->tmp_path);
    untrack(f->slot);
    som__free(f->tmp_path);
    som__free(f->path);
    som__free(f);
}
