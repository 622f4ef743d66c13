/* SPDX-License-Identifier: MIT */
/* test_input.c — inputs read whole (src/io/input.c) and outputs that are not
 * regular files (src/io/outfile.c), through FIFOs fed by a child process: a
 * stream with wrong first bytes stops after them, an endless valid one at
 * som_set_input_limit's limit, a valid one still loads, and an output
 * FIFO gets the bytes and stays a FIFO. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "som.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/som-input.XXXXXX");
    if (!mkdtemp(dir)) return -1;
    signal(SIGPIPE, SIG_IGN); /* a reader that stops early: EPIPE, not death */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *path_in_dir(const char *name)
{
    static char p[128];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

/* A FIFO at `name` fed by a child: `head` once, then `block` over and over
 * (never when block is NULL) up to 256 MiB in all. *fed_fd reads back how
 * many bytes the reader took. Returns the child's pid. */
static pid_t feed(const char *name, const void *head, size_t head_len, const char *block,
                  int *fed_fd)
{
    const char *p = path_in_dir(name);
    unlink(p);
    assert_int_equal(mkfifo(p, 0600), 0);
    int res[2];
    assert_int_equal(pipe(res), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(res[0]);
        int fd = open(p, O_WRONLY);
        unsigned long long n = 0;
        if (fd >= 0) {
            ssize_t k = head_len ? write(fd, head, head_len) : 0;
            n += k > 0 ? (unsigned long long)k : 0;
            static char zeros[65536];
            size_t blen = block ? strlen(block) : 0;
            while (k >= 0 && (block || head_len == 0) && n < (256ull << 20)) {
                k = block ? write(fd, block, blen) : write(fd, zeros, sizeof zeros);
                if (k > 0) n += (unsigned long long)k;
            }
            close(fd);
        }
        if (write(res[1], &n, sizeof n) != (ssize_t)sizeof n) _exit(1);
        _exit(0);
    }
    close(res[1]);
    *fed_fd = res[0];
    return pid;
}

/* How many bytes the child wrote before the reader closed its end. */
static unsigned long long fed(pid_t pid, int fd)
{
    unsigned long long n = 0;
    assert_int_equal(read(fd, &n, sizeof n), (ssize_t)sizeof n);
    close(fd);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return n;
}

#define FOUR_MIB (4ull << 20)

static void test_model_stream_of_zeros(void **state)
{
    (void)state;
    int r;
    pid_t pid = feed("zeros.som", NULL, 0, NULL, &r);
    som_map *m = NULL;
    som_error err;
    som_error_clear(&err);
    assert_int_equal(som_map_load(path_in_dir("zeros.som"), &m, &err), SOM_EFORMAT);
    assert_null(m);
    assert_non_null(strstr(err.message, "not a som model"));
    assert_true(fed(pid, r) <= FOUR_MIB);
}

static void test_sniffed_stream_of_zeros(void **state)
{
    (void)state;
    int r;
    pid_t pid = feed("zeros", NULL, 0, NULL, &r);
    som_map *m = NULL;
    som_error err;
    som_error_clear(&err);
    assert_int_equal(som_map_load_any(path_in_dir("zeros"), &m, &err), SOM_EFORMAT);
    assert_non_null(strstr(err.message, "cannot tell the format"));
    assert_true(fed(pid, r) <= FOUR_MIB);
}

static void test_csv_and_npy_streams_of_zeros(void **state)
{
    (void)state;
    int r;
    /* A plain CSV through a FIFO still reads. */
    pid_t pid = feed("plain.csv", "a,b\n1,2\n", 8, NULL, &r);
    som_data *d = NULL;
    som_error err;
    som_error_clear(&err);
    assert_int_equal(som_data_read(path_in_dir("plain.csv"), NULL, &d, &err), SOM_OK);
    assert_int_equal(som_data_n_samples(d), 1);
    som_data_free(d);
    fed(pid, r);

    pid = feed("z.csv", NULL, 0, NULL, &r);
    assert_int_equal(som_data_read(path_in_dir("z.csv"), NULL, &d, &err), SOM_EFORMAT);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 1);
    assert_non_null(strstr(err.message, "expected text, got a NUL byte"));
    assert_true(fed(pid, r) <= FOUR_MIB);

    pid = feed("z.npy", NULL, 0, NULL, &r);
    assert_int_not_equal(som_data_read(path_in_dir("z.npy"), NULL, &d, &err), SOM_OK);
    assert_non_null(strstr(err.message, "expected a NumPy .npy file"));
    assert_true(fed(pid, r) <= FOUR_MIB);
}

static void test_limit_on_endless_valid_stream(void **state)
{
    (void)state;
    som_set_input_limit(100000);
    assert_int_equal(som_input_limit(), 100000);
    int r;
    pid_t pid = feed("endless.csv", "a,b\n", 4, "1,2\n", &r);
    som_data *d = NULL;
    som_error err;
    som_error_clear(&err);
    assert_int_equal(som_data_read(path_in_dir("endless.csv"), NULL, &d, &err), SOM_ERANGE);
    assert_non_null(strstr(err.message, "input limit of 100000 bytes"));
    assert_true(fed(pid, r) <= FOUR_MIB);
    som_set_input_limit(0);
    assert_int_equal(som_input_limit(), (size_t)4 << 30);
}

static void test_valid_model_stream_loads(void **state)
{
    (void)state;
    som_grid g = {3, 4, SOM_HEX, 0};
    som_map *m = NULL, *back = NULL;
    assert_int_equal(som_map_new(&g, 5, &m, NULL), SOM_OK);
    void *buf;
    size_t len;
    assert_int_equal(som_map_save_mem(m, &buf, &len, NULL), SOM_OK);
    int r;
    pid_t pid = feed("ok.som", buf, len, NULL, &r);
    som_error err;
    som_error_clear(&err);
    /* The stream is checked chunk by chunk and still loads. */
    som_set_input_limit(len);
    assert_int_equal(som_map_load(path_in_dir("ok.som"), &back, &err), SOM_OK);
    som_set_input_limit(0);
    assert_int_equal(fed(pid, r), len);
    assert_int_equal(som_map_n_units(back), 12);
    som_map_free(back);
    som_map_free(m);
    som_free(buf);
}

static void test_outfile_onto_fifo_and_private_file(void **state)
{
    (void)state;
    const char *p = path_in_dir("out.fifo");
    assert_int_equal(mkfifo(p, 0600), 0);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* the reader: how many bytes came through */
        close(fds[0]);
        int fd = open(p, O_RDONLY);
        char b[4096];
        unsigned long long n = 0;
        ssize_t k;
        while (fd >= 0 && (k = read(fd, b, sizeof b)) > 0) n += (unsigned long long)k;
        if (write(fds[1], &n, sizeof n) != (ssize_t)sizeof n) _exit(1);
        _exit(0);
    }
    close(fds[1]);
    som_outfile *f = NULL;
    som_error err;
    som_error_clear(&err);
    assert_int_equal(som_outfile_open(p, &f, &err), SOM_OK);
    for (int i = 0; i < 10000; i++) fprintf(som_outfile_stream(f), "line %05d\n", i);
    assert_int_equal(som_outfile_commit(f, &err), SOM_OK);
    assert_int_equal(fed(pid, fds[0]), 110000);
    struct stat st;
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));

    const char *q = path_in_dir("private.txt");
    FILE *fp = fopen(q, "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(chmod(q, 0600), 0);
    assert_int_equal(som_outfile_open(q, &f, &err), SOM_OK);
    fputs("secret\n", som_outfile_stream(f));
    assert_int_equal(som_outfile_commit(f, &err), SOM_OK);
    assert_int_equal(stat(q, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 7);

    /* A directory is refused, and stays one. */
    assert_int_equal(som_outfile_open(dir, &f, &err), SOM_EIO);
    assert_null(f);
    assert_non_null(strstr(err.message, "it is a directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_stream_of_zeros),
        cmocka_unit_test(test_sniffed_stream_of_zeros),
        cmocka_unit_test(test_csv_and_npy_streams_of_zeros),
        cmocka_unit_test(test_limit_on_endless_valid_stream),
        cmocka_unit_test(test_valid_model_stream_loads),
        cmocka_unit_test(test_outfile_onto_fifo_and_private_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
