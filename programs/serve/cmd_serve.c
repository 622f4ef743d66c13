/* SPDX-License-Identifier: MIT */
/* cmd_serve.c — `som serve`: the web app and its JSON API (doc/API.md) on
 * libmicrohttpd. This file reads the command line, starts the stores, the
 * training workers and the HTTP daemon, prints the address, and waits for
 * SIGINT or SIGTERM to shut all of it down in order: event streams are
 * woken, the HTTP threads finish their requests, training stops at its next
 * report, and every object is freed. */
#include <errno.h>
#include <malloc.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "serve.h"

serve_state serve = {.tmp_mu = PTHREAD_MUTEX_INITIALIZER};

static const char usage_text[] =
    "Usage: som serve [OPTIONS]\n"
    "\n"
    "Serves the som web app and its JSON API (doc/API.md): train maps with a\n"
    "live view, stop and continue, download the model; recognise rows on a\n"
    "trained or uploaded map; SOFM art, the guessing game, and avatars for\n"
    "websites at /avatar/NAME.png. The app and the bundled data sets are\n"
    "built into the program; nothing a request says is ever read from or\n"
    "written to the file system. Prints the address on standard output and\n"
    "runs until interrupted (Ctrl-C, SIGTERM).\n"
    "\n"
    "      --host H            address to listen on (default 127.0.0.1; a\n"
    "                          loopback server answers only to localhost names).\n"
    "                          Any other address opens the server to the network:\n"
    "                          it then requires a token on every request, made at\n"
    "                          start and printed with the address to open once\n"
    "      --token T           require this token on every request (8 to 64 of\n"
    "                          A-Z a-z 0-9 . _ ~ -): Authorization: Bearer T, or\n"
    "                          visit http://HOST:PORT/?token=T once in a browser\n"
    "      --port P            port (default 8080; 0 picks a free one)\n"
    "      --max-upload N      largest request body, bytes, or with K, M or G\n"
    "                          (default 64M)\n"
    "      --jobs N            maps training at once; more wait in a queue\n"
    "                          (default 2)\n"
    "      --threads T         threads of one training job, 0 = all cores\n"
    "                          (default: cores / --jobs, at least 1)\n"
    "      --max-connections N connections open at once (default 256); when\n"
    "                          nearly all are taken, the oldest idle or slowest\n"
    "                          unfinished request is closed to make room\n"
    "      --max-per-client N  connections from one network address (default\n"
    "                          max-connections / 8; not applied to loopback\n"
    "                          clients, which all share one address)\n"
    "      --request-timeout S seconds a request may take to arrive, plus 1 s per\n"
    "                          16 KiB of body received (default 30)\n"
    "      --max-data N        bytes of uploaded data sets and kept maps, in all,\n"
    "                          with K, M or G (default 512M); unused old ones\n"
    "                          make room\n"
    "  -v, --verbose           log every request on standard error\n"
    "  -q, --quiet             no messages on standard error (but for the\n"
    "                          warning and token of a server on the network)\n"
    "  -h, --help              show this help\n"
    "\n"
    "Examples:\n"
    "  som serve                       # then open http://127.0.0.1:8080/\n"
    "  som serve --port 0              # any free port; the address is printed\n"
    "  som serve --host 0.0.0.0        # on the network: open the ?token= link\n"
    "                                  # it prints on standard error\n"
    "  curl -o me.png http://127.0.0.1:8080/avatar/me.png?size=128\n";

enum {
    OPT_HOST = CLI_OPT_LOCAL,
    OPT_PORT,
    OPT_MAX_UPLOAD,
    OPT_JOBS,
    OPT_MAX_CONNECTIONS,
    OPT_MAX_PER_CLIENT,
    OPT_REQUEST_TIMEOUT,
    OPT_MAX_DATA,
    OPT_TOKEN
};

static const struct option long_options[] = {
    {"host", required_argument, NULL, OPT_HOST},
    {"port", required_argument, NULL, OPT_PORT},
    {"max-upload", required_argument, NULL, OPT_MAX_UPLOAD},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {"threads", required_argument, NULL, CLI_OPT_THREADS},
    {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
    {"max-per-client", required_argument, NULL, OPT_MAX_PER_CLIENT},
    {"request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT},
    {"max-data", required_argument, NULL, OPT_MAX_DATA},
    {"token", required_argument, NULL, OPT_TOKEN},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

/* "1048576", "512K", "64M", "1G". */
static bool parse_bytes(const char *s, size_t *out)
{
    size_t n = strlen(s), mult = 1;
    if (n == 0 || n > 24) return false;
    char digits[32];
    memcpy(digits, s, n + 1);
    switch (digits[n - 1]) {
    case 'K': case 'k': mult = (size_t)1 << 10; break;
    case 'M': case 'm': mult = (size_t)1 << 20; break;
    case 'G': case 'g': mult = (size_t)1 << 30; break;
    default: break;
    }
    if (mult > 1) digits[n - 1] = '\0';
    size_t v;
    if (!cli_parse_size(digits, 1, &v) || v > SIZE_MAX / mult / 2) return false;
    *out = v * mult;
    return true;
}

static int parse_args(int argc, char **argv, serve_config *c)
{
    const char *cmd = "serve";
    bool threads_set = false;
    size_t v;
    int ch;
    optind = 0;
    while ((ch = getopt_long(argc, argv, ":vqh", long_options, NULL)) != -1) {
        switch (ch) {
        case OPT_HOST:
            if (!*optarg || strlen(optarg) > 255)
                return cli_bad_value(cmd, "--host", optarg, "an address or host name");
            c->host = optarg;
            break;
        case OPT_PORT:
            if (!cli_parse_size(optarg, 0, &v) || v > 65535)
                return cli_bad_value(cmd, "--port", optarg, "a port from 0 to 65535");
            c->port = (unsigned)v;
            break;
        case OPT_MAX_UPLOAD:
            if (!parse_bytes(optarg, &c->max_upload))
                return cli_bad_value(cmd, "--max-upload", optarg,
                                     "a size in bytes >= 1, optionally with K, M or G");
            break;
        case OPT_JOBS:
            if (!cli_parse_size(optarg, 1, &c->workers) || c->workers > 64)
                return cli_bad_value(cmd, "--jobs", optarg, "a whole number from 1 to 64");
            break;
        case CLI_OPT_THREADS:
            if (cli_threads_option(cmd, optarg, &c->threads) != CLI_OK) return CLI_USAGE;
            threads_set = true;
            break;
        case OPT_MAX_CONNECTIONS:
            if (!cli_parse_size(optarg, 4, &v) || v > 100000)
                return cli_bad_value(cmd, "--max-connections", optarg,
                                     "a whole number from 4 to 100000");
            c->max_connections = (unsigned)v;
            break;
        case OPT_MAX_PER_CLIENT:
            if (!cli_parse_size(optarg, 1, &v) || v > 100000)
                return cli_bad_value(cmd, "--max-per-client", optarg,
                                     "a whole number from 1 to 100000");
            c->max_per_client = (unsigned)v;
            break;
        case OPT_REQUEST_TIMEOUT:
            if (!cli_parse_size(optarg, 1, &v) || v > 86400)
                return cli_bad_value(cmd, "--request-timeout", optarg,
                                     "a whole number of seconds from 1 to 86400");
            c->request_timeout = (unsigned)v;
            break;
        case OPT_MAX_DATA:
            if (!parse_bytes(optarg, &c->max_data))
                return cli_bad_value(cmd, "--max-data", optarg,
                                     "a size in bytes >= 1, optionally with K, M or G");
            break;
        case OPT_TOKEN:
            if (!auth_token_valid(optarg))
                return cli_bad_value(cmd, "--token", optarg,
                                     "8 to 64 letters, digits, '.', '_', '~' or '-'");
            c->token = optarg;
            break;
        case 'v': c->verbose = true; break;
        case 'q': c->quiet = true; break;
        case 'h': fputs(usage_text, stdout); return -1;
        default: return cli_getopt_error(cmd, ch, argv);
        }
    }
    if (optind < argc) return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    if (c->verbose && c->quiet) return cli_usage(cmd, "give -v or -q, not both");
    if (!threads_set) {
        /* Jobs training at once share the cores rather than fight over
         * them (OpenMP teams spin while they wait). */
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        long t = (cores > 0 ? cores : 1) / (long)c->workers;
        c->threads = t > 0 ? (int)t : 1;
    }
    return CLI_OK;
}

static sem_t stop_sem;
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
    sem_post(&stop_sem); /* async-signal-safe */
}

int cmd_serve(int argc, char **argv)
{
    serve_config *c = &serve.cfg;
    c->host = "127.0.0.1";
    c->port = 8080;
    c->max_upload = SERVE_DEFAULT_MAX_UPLOAD;
    c->workers = 2;
    c->max_connections = 256;
    c->request_timeout = 30;
    c->max_data = SERVE_DEFAULT_MAX_DATA;
    int rc = parse_args(argc, argv, c);
    if (rc < 0) return CLI_OK; /* --help */
    if (rc != CLI_OK) return rc;

    /* Large blocks (request bodies, parsed uploads, pictures) are mapped
     * and given back to the system when freed. glibc would otherwise raise
     * this threshold after the first large free, serve later blocks of up
     * to 32 MB from its heaps, and keep what they freed: with one thread
     * per connection, each in its own heap, parsed uploads stayed as
     * resident memory long after they were stored or refused. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);

    /* SIGINT and SIGTERM run a handler that only posts a semaphore, which
     * the main thread waits on below. The threads started here (HTTP,
     * training) inherit a mask that keeps the signals off them; the
     * handler may still run on a thread a library started before (OpenBLAS
     * starts its own), which is why it posts rather than being waited for
     * with sigwait. Installing it also replaces an inherited SIG_IGN (a
     * shell starts background jobs with SIGINT ignored). A second signal
     * gets the default action: a shutdown that hangs can be cut short. */
    sem_init(&stop_sem, 0, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESTART | (int)SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t stop_signals, old_mask;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);

    som_error err;
    som_error_clear(&err);
    struct MHD_Daemon *d = NULL;
    if (store_init(&err) != SOM_OK || jobs_start(&err) != SOM_OK ||
        http_start(&d, &err) != SOM_OK) {
        jobs_shutdown();
        store_free();
        return cli_fail(&err);
    }
    bool v6 = strchr(c->host, ':') != NULL;
    printf("http://%s%s%s:%u/\n", v6 ? "[" : "", c->host, v6 ? "]" : "", serve.port);
    fflush(stdout);
    if (!c->quiet)
        fprintf(stderr, "som serve: listening on %s port %u; Ctrl-C stops\n", c->host,
                serve.port);
    if (!serve.loopback)
        /* Said even with -q: the server is open to the network. */
        fprintf(stderr, "som serve: warning: %s is not a loopback address: the server is "
                        "reachable from the network, and every request needs the access "
                        "token\n", c->host);
    if (serve.token[0] && !c->token)
        /* A made token is of use only if someone sees it. */
        fprintf(stderr, "som serve: open http://%s%s%s:%u/?token=%s once in a browser, or "
                        "send Authorization: Bearer %s\n", v6 ? "[" : "", c->host,
                v6 ? "]" : "", serve.port, serve.token, serve.token);

    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    while (sem_wait(&stop_sem) != 0 && errno == EINTR) {
    }
    int sig = stop_signal;
    if (!c->quiet)
        fprintf(stderr, "som serve: %s, shutting down\n", sig == SIGINT ? "interrupted"
                                                                        : "terminated");
    atomic_store(&serve.shutdown, 1);
    jobs_wake_all();
    http_stop(d);
    jobs_shutdown();
    store_free();
    serve_tmpdir_remove();
    if (!c->quiet) fprintf(stderr, "som serve: stopped\n");
    return CLI_OK;
}
