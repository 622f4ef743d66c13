/* SPDX-License-Identifier: MIT */
/* mpi.c — the message passing of `mpirun -np P som train` (doc/CLUSTER.md).
 * Compiled only when CMake finds MPI (SOM_MPI); libsom itself knows nothing
 * of MPI: it folds its sums along a chain of shards through som_shard's two
 * callbacks, which this file implements with point-to-point messages from
 * rank r to rank r + 1 and a broadcast from the last rank.
 *
 * Only rank 0 talks to the user: the other ranks' standard error goes to
 * /dev/null once MPI is up, and cli_mpi_agree brings a failing rank's
 * message to rank 0, so that every rank leaves with the same exit status
 * and the user reads one message, not P. */
#include <fcntl.h>
#include <limits.h>
#include <mpi.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int g_rank, g_size = 1;
static int g_stderr = -1; /* the real stderr of a silenced rank */
static bool g_up;

#define TAG_CHAIN 1
#define TAG_MESSAGE 2

bool cli_mpi_launched(void)
{
    /* Set by the launchers: Open MPI's mpirun, MPICH's hydra, PMIx. */
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", NULL};
    for (size_t k = 0; vars[k]; k++)
        if (getenv(vars[k])) return true;
    return false;
}

int cli_mpi_init(int *rank, int *size)
{
    int provided;
    /* Only the main thread calls MPI; OpenMP threads work in between. */
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        cli_error("cannot start MPI");
        return CLI_FAIL;
    }
    g_up = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    if (g_rank != 0) {
        fflush(stderr);
        g_stderr = dup(STDERR_FILENO);
        fflush(stdout);
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null >= 0) {
            /* stdout too: --help once, and `-o -` is rank 0's model. */
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
            close(null);
        }
    }
    *rank = g_rank;
    *size = g_size;
    return CLI_OK;
}

void cli_mpi_finalize(void)
{
    if (!g_up) return;
    fflush(stderr);
    MPI_Finalize();
    g_up = false;
}

void cli_mpi_abort(const char *fmt, ...)
{
    /* The one way out of a collective that another rank will never join:
     * say why on the real stderr, then take every rank down. */
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int fd = g_stderr >= 0 ? g_stderr : STDERR_FILENO;
    char line[1100];
    int k = snprintf(line, sizeof line, "som: rank %d: %s\n", g_rank, msg);
    if (k > 0 && write(fd, line, (size_t)k < sizeof line ? (size_t)k : sizeof line - 1) < 0) {
        /* nothing more to do: the abort below still ends the job */
    }
    MPI_Abort(MPI_COMM_WORLD, CLI_FAIL);
    _exit(CLI_FAIL);
}

int cli_mpi_agree(int rc, const char *msg)
{
    int mine = rc != CLI_OK ? g_rank : g_size, first;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == g_size) return CLI_OK;
    MPI_Bcast(&rc, 1, MPI_INT, first, MPI_COMM_WORLD);
    if (first == 0) return rc; /* rank 0 said it itself */
    /* The first failing rank's message, shown by rank 0. */
    char buf[1024];
    if (g_rank == first) {
        snprintf(buf, sizeof buf, "%s", msg ? msg : "failed (no message)");
        MPI_Send(buf, (int)strlen(buf) + 1, MPI_CHAR, 0, TAG_MESSAGE, MPI_COMM_WORLD);
    } else if (g_rank == 0) {
        MPI_Recv(buf, (int)sizeof buf, MPI_CHAR, first, TAG_MESSAGE, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        buf[sizeof buf - 1] = '\0';
        cli_error("rank %d: %s", first, buf);
    }
    return rc;
}

bool cli_mpi_same(unsigned long long v)
{
    unsigned long long lo, hi;
    MPI_Allreduce(&v, &lo, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&v, &hi, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
    return lo == hi;
}

/* ---- the chain of som_shard ---------------------------------------------- */

/* Messages of at most 2^30 doubles: MPI counts are ints. */
#define CHUNK ((size_t)1 << 30)

static int chain_receive(double *state, size_t len, void *ctx)
{
    (void)ctx;
    if (g_rank == 0) return 0;
    for (size_t k = 0; k < len; k += CHUNK) {
        int n = (int)(len - k < CHUNK ? len - k : CHUNK);
        if (MPI_Recv(state + k, n, MPI_DOUBLE, g_rank - 1, TAG_CHAIN, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return -1;
    }
    return 0;
}

static int chain_pass_on(double *state, size_t len, void *ctx)
{
    (void)ctx;
    for (size_t k = 0; k < len; k += CHUNK) {
        int n = (int)(len - k < CHUNK ? len - k : CHUNK);
        if (g_rank + 1 < g_size &&
            MPI_Send(state + k, n, MPI_DOUBLE, g_rank + 1, TAG_CHAIN, MPI_COMM_WORLD) != MPI_SUCCESS)
            return -1;
    }
    /* The last rank's state is the fold over every row. */
    for (size_t k = 0; k < len; k += CHUNK) {
        int n = (int)(len - k < CHUNK ? len - k : CHUNK);
        if (MPI_Bcast(state + k, n, MPI_DOUBLE, g_size - 1, MPI_COMM_WORLD) != MPI_SUCCESS)
            return -1;
    }
    return 0;
}

void cli_mpi_shard(som_shard *shard, size_t first, size_t n_total)
{
    memset(shard, 0, sizeof *shard);
    shard->first = first;
    shard->n_total = n_total;
    shard->receive = chain_receive;
    shard->pass_on = chain_pass_on;
}
