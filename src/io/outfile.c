/* SPDX-License-Identifier: MIT */
/* outfile.c — where an output goes, decided once by what the path names:
 *   - a regular file, or nothing yet: written beside the target, fsynced and
 *     renamed over it, so an interrupted or failed write never leaves a
 *     partial file and never damages the one it was meant to replace; a
 *     replaced file keeps its permissions (and its owner where we may set
 *     it). A symbolic link is replaced by the new file, its target left
 *     alone, as rename() does;
 *   - "-", /dev/stdout, /dev/stderr, /dev/fd/N: that open descriptor, as is;
 *   - a character device (/dev/null, a terminal) or a FIFO: written in place,
 *     never replaced (replacing /dev/null with a regular file, as root, would
 *     break the whole system);
 *   - anything else (a directory, a socket, a disk): refused. */
#include "io/io.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct som_outfile {
    FILE *fp;        /* a stream over fd that remembers why a write failed */
    int fd;
    bool own_fd;     /* false for standard output, which stays open */
    int write_errno; /* the reason of the first failed write; 0 = none */
    bool discard;    /* aborted: buffered bytes are dropped, not written */
    char *path;      /* the name given; NULL for standard output */
    char *tmp_path;  /* the temporary beside it; NULL when written in place */
    int slot;        /* in tracked[], or -1 */
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

/* The stream's own functions (fopencookie): stdio forgets why a write
 * failed once it has set the stream's error flag, and a message that says
 * "No space left on device" needs the reason. */
static ssize_t stream_write(void *cookie, const char *buf, size_t size)
{
    som_outfile *f = cookie;
    if (f->discard) return (ssize_t)size;
    size_t done = 0;
    while (done < size) {
        ssize_t k = write(f->fd, buf + done, size - done);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            if (!f->write_errno) f->write_errno = k < 0 ? errno : EIO;
            return 0; /* stdio's sign of an error */
        }
        done += (size_t)k;
    }
    return (ssize_t)done;
}

static int stream_seek(void *cookie, off64_t *offset, int whence)
{
    som_outfile *f = cookie;
    off_t at = lseek(f->fd, (off_t)*offset, whence);
    if (at < 0) return -1;
    *offset = at;
    return 0;
}

static int stream_close(void *cookie)
{
    som_outfile *f = cookie;
    /* Some file systems (NFS) report a failed write only when it closes. */
    if (f->own_fd && close(f->fd) != 0 && !f->write_errno) f->write_errno = errno;
    f->fd = -1;
    return 0;
}

/* The descriptor a name stands for: /dev/stdout, /dev/stderr, /dev/fd/N and
 * /proc/self/fd/N; -1 for any other name. Writing through the descriptor
 * keeps the offset and the append mode the shell gave it, where reopening
 * the name would start again at byte 0 of a redirected file. */
static int named_descriptor(const char *path)
{
    if (strcmp(path, "/dev/stdout") == 0) return STDOUT_FILENO;
    if (strcmp(path, "/dev/stderr") == 0) return STDERR_FILENO;
    const char *digits = NULL;
    if (strncmp(path, "/dev/fd/", 8) == 0) digits = path + 8;
    else if (strncmp(path, "/proc/self/fd/", 14) == 0) digits = path + 14;
    if (!digits || *digits < '0' || *digits > '9') return -1;
    char *end;
    long fd = strtol(digits, &end, 10);
    return *end || fd > 1 << 20 ? -1 : (int)fd;
}

static som_outfile *outfile_new(const char *path, som_error *err)
{
    som_outfile *f = som__calloc(1, sizeof *f);
    if (f) {
        f->fd = -1;
        f->slot = -1;
    }
    if (f && path && !(f->path = som__strdup(path))) {
        som__free(f);
        f = NULL;
    }
    if (!f) som__error_oom(err);
    return f;
}

/* Makes fd the outfile's stream; the outfile closes fd when own_fd. */
static int open_stream(som_outfile *f, int fd, bool own_fd, som_error *err)
{
    static const cookie_io_functions_t io = {NULL, stream_write, stream_seek, stream_close};
    f->fd = fd;
    f->own_fd = own_fd;
    f->fp = fopencookie(f, "wb", io);
    if (!f->fp) {
        if (own_fd) close(fd);
        f->fd = -1;
        return som__error_oom(err);
    }
    /* Big writes: a codebook or a table of rows goes out in few calls. */
    setvbuf(f->fp, NULL, _IOFBF, 1 << 16);
    return SOM_OK;
}

/* Creates `tmp` (whose last six characters are replaced) exclusively, with
 * mode `mode` less the umask, as open(O_CREAT) would create the file
 * itself: mkstemp's fixed 0600 would hide a new model from its group. */
static int create_temp(char *tmp, mode_t mode)
{
    static const char letters[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    char *x = tmp + strlen(tmp) - 6;
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned char r[6];
        if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            uint64_t v = (uint64_t)ts.tv_nsec * 2654435761u ^ (uint64_t)getpid() << 20 ^
                         (uint64_t)attempt * 40503u;
            for (int i = 0; i < 6; i++, v >>= 8) r[i] = (unsigned char)v;
        }
        for (int i = 0; i < 6; i++) x[i] = letters[r[i] % 62];
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    errno = EEXIST;
    return -1;
}

/* Why no file could be created beside `path`, in words: the bare errno of
 * the temporary would name a file the user never mentioned. */
static int temp_error(const char *path, int e, som_error *err)
{
    char *copy = som__strdup(path);
    const char *dir = copy ? dirname(copy) : ".";
    struct stat st;
    int rc;
    if (stat(dir, &st) != 0)
        rc = som__error_at(err, SOM_EIO, path, 0, 0, "cannot write: directory '%s' does not exist",
                           dir);
    else if (e == ENOENT)
        /* /proc and /sys: the directory exists but takes no new files. */
        rc = som__error_at(err, SOM_EIO, path, 0, 0, "cannot write: no new file can be created "
                           "in '%s' (the output is written beside its name, then renamed)", dir);
    else if (e == EACCES || e == EPERM || e == EROFS)
        rc = som__error_at(err, SOM_EIO, path, 0, 0, "cannot write: cannot create a file in '%s': "
                           "%s", dir, strerror(e));
    else
        rc = som__error_at(err, SOM_EIO, path, 0, 0, "cannot write: %s", strerror(e));
    som__free(copy);
    return rc;
}

/* The atomic way: a temporary beside the target, renamed over it by
 * som_outfile_commit. `old` is the file being replaced, or NULL. */
static int open_replace(som_outfile *f, const struct stat *old, som_error *err)
{
    size_t len = strlen(f->path);
    f->tmp_path = som__malloc(len + 16);
    if (!f->tmp_path) return som__error_oom(err);
    /* Beside the target, so that rename() stays within one file system. */
    snprintf(f->tmp_path, len + 16, "%s.tmp.XXXXXX", f->path);
    /* A file being replaced: private until it has the old file's mode, so a
     * 0600 model is never readable by others, not even for a moment. */
    int fd = create_temp(f->tmp_path, old ? 0600 : 0666);
    if (fd < 0) {
        int e = errno;
        som__free(f->tmp_path);
        f->tmp_path = NULL;
        return temp_error(f->path, e, err);
    }
    f->slot = track(f->tmp_path);
    if (old) {
        /* The owner first (only root may give a file away; anyone may set
         * a group they belong to), then the mode, which a chown can clear
         * bits of. Failing to keep the owner is not an error: the file is
         * ours, as any new file would be. */
        if ((old->st_uid != geteuid() || old->st_gid != getegid()) &&
            fchown(fd, old->st_uid, old->st_gid) != 0 && fchown(fd, (uid_t)-1, old->st_gid) != 0) {
            /* kept as ours */
        }
        if (fchmod(fd, old->st_mode & 0777) != 0) {
            /* the temporary's 0600: safer than the old mode, never wider */
        }
    }
    return open_stream(f, fd, true, err);
}

/* A FIFO or a character device: the data goes to what the name is, never
 * replacing it. A FIFO's open waits for a reader, as a shell's `>` does. */
static int open_in_place(som_outfile *f, som_error *err)
{
    int fd = open(f->path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return som__error_at(err, SOM_EIO, f->path, 0, 0, "cannot write: %s", strerror(errno));
    return open_stream(f, fd, true, err);
}

int som_outfile_open(const char *path, som_outfile **out, som_error *err)
{
    *out = NULL;
    if (!path || !*path) return som__error(err, SOM_EINVAL, "no output file name given");
    bool is_stdout = strcmp(path, "-") == 0 || strcmp(path, "/dev/stdout") == 0;
    som_outfile *f = outfile_new(is_stdout ? NULL : path, err);
    if (!f) return SOM_ENOMEM;
    int rc;
    int named = named_descriptor(path);
    struct stat st;
    if (is_stdout) {
        /* What the program has printed there already comes first. */
        fflush(stdout);
        rc = open_stream(f, STDOUT_FILENO, false, err);
    } else if (named >= 0) {
        int fd = fcntl(named, F_DUPFD_CLOEXEC, 3);
        rc = fd >= 0 ? open_stream(f, fd, true, err)
                     : som__error_at(err, SOM_EIO, path, 0, 0, "cannot write: %s",
                                     strerror(errno));
    } else if (stat(path, &st) != 0) {
        /* Nothing there yet (or a link to nothing, or an unreadable
         * directory on the way): the atomic way says what is wrong. */
        rc = open_replace(f, NULL, err);
    } else if (S_ISREG(st.st_mode)) {
        rc = open_replace(f, &st, err);
    } else if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
        rc = open_in_place(f, err);
    } else if (S_ISDIR(st.st_mode)) {
        rc = som__error_at(err, SOM_EIO, path, 0, 0, "cannot write: it is a directory; give "
                           "a file name");
    } else {
        rc = som__error_at(err, SOM_EIO, path, 0, 0, "cannot write: it is a %s; outputs go to "
                           "files, FIFOs and character devices",
                           S_ISSOCK(st.st_mode) ? "socket"
                           : S_ISBLK(st.st_mode) ? "block device (a disk)" : "special file");
    }
    if (rc != SOM_OK) {
        som_outfile_abort(f);
        return rc;
    }
    *out = f;
    return SOM_OK;
}

FILE *som_outfile_stream(som_outfile *f) { return f->fp; }

static void fsync_dir(const char *path)
{
    char *copy = som__strdup(path);
    if (!copy) return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    som__free(copy);
}

/* Reports a failed write of f in words: the output's name and the system's
 * reason e ("No space left on device"). */
static int write_error(const som_outfile *f, int e, som_error *err)
{
    if (!f->path)
        return som__error(err, SOM_EIO, "cannot write to standard output: %s", strerror(e));
    return som__error_at(err, SOM_EIO, f->path, 0, 0, "cannot write: %s", strerror(e));
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
    if (rc) {
        som_outfile_abort(f);
        return rc;
    }
    bool failed = fflush(f->fp) != 0 || ferror(f->fp);
    /* Only a file of our own is synced: fsync of a FIFO or a device fails
     * with EINVAL and has nothing to make durable. */
    if (!failed && f->tmp_path && fsync(f->fd) != 0 && !f->write_errno) f->write_errno = errno;
    fclose(f->fp); /* closes fd; a late error lands in write_errno */
    f->fp = NULL;
    if (failed || f->write_errno) rc = write_error(f, f->write_errno ? f->write_errno : EIO, err);
    if (rc == SOM_OK && f->tmp_path) {
        if (rename(f->tmp_path, f->path) != 0) {
            rc = som__error_at(err, SOM_EIO, f->path, 0, 0, "cannot rename into place: %s",
                               strerror(errno));
        } else {
            fsync_dir(f->path);
            som__free(f->tmp_path);
            f->tmp_path = NULL;
        }
    }
    som_outfile_abort(f);
    return rc;
}

void som_outfile_abort(som_outfile *f)
{
    if (!f) return;
    if (f->fp) {
        f->discard = true; /* what is still buffered is not wanted */
        fclose(f->fp);
    }
    if (f->tmp_path) unlink(f->tmp_path);
    untrack(f->slot);
    som__free(f->tmp_path);
    som__free(f->path);
    som__free(f);
}
