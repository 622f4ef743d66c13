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
#include <unistd.h>

struct som_outfile {
    FILE *fp;
    char *path;     /* final name; NULL for stdout */
    char *tmp_path; /* temporary beside it */
};

int som_outfile_open(const char *path, som_outfile **out, som_error *err)
{
    *out = NULL;
    if (!path || !*path) return som__error(err, SOM_EINVAL, "no output file name given");
    som_outfile *f = som__calloc(1, sizeof *f);
    if (!f) return som__error_oom(err);
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

int som_outfile_commit(som_outfile *f, som_error *err)
{
    if (!f) return som__error(err, SOM_EINVAL, "no output file");
    if (!f->path) { /* stdout */
        int bad = fflush(f->fp) != 0 || ferror(f->fp);
        som__free(f);
        return bad ? som__error(err, SOM_EIO, "cannot write to standard output") : SOM_OK;
    }
    int rc = SOM_OK;
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
    som__free(f->tmp_path);
    som__free(f->path);
    som__free(f);
}
