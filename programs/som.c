/* SPDX-License-Identifier: MIT */
/* som.c — the `som` program: checks the library version and dispatches to
 * one subcommand per job (programs/cmd_*.c). Each subcommand is a thin
 * client of one libsom call; what they share is in cli.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* To add a command: write cmd_NAME.c, declare cmd_NAME in cli.h and add one
 * line here. Commands that need Cairo go inside the #ifdef; `serve` also
 * needs libmicrohttpd and jansson, `report` jansson. */
static const cli_command commands[] = {
    {"train", "train a map on a data file and save the model", cmd_train},
    {"map", "best-matching unit of every row of a data file", cmd_map},
    {"predict", "fill missing fields of a data file from the map", cmd_predict},
    {"eval", "quantization and topographic error of a map on data", cmd_eval},
    {"info", "describe a model file", cmd_info},
    {"convert", "convert models and data between file formats", cmd_convert},
    {"cluster", "group a model's units into clusters", cmd_cluster},
#ifdef SOM_HAVE_RENDER
    {"render", "draw a map: planes, U-matrix, hits, labels, errors", cmd_render},
    {"art", "SOFM art and avatars", cmd_art},
#endif
#ifdef SOM_HAVE_REPORT
    {"report", "one HTML page that explains a map (or --json)", cmd_report},
#endif
#ifdef SOM_HAVE_SERVE
    {"serve", "the web app: train, recognise, art; a JSON API", cmd_serve},
#endif
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *fp)
{
    fputs("Usage: som COMMAND [OPTIONS] [ARGUMENTS]\n"
          "\n"
          "Self-organizing maps (Kohonen maps): train a map on a table of\n"
          "samples, find the best-matching units of rows, fill in missing\n"
          "fields, and measure a map's quality.\n"
          "\n"
          "Commands:\n",
          fp);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(fp, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fputs("  help      show the options of a command: som help COMMAND\n"
          "\n"
          "Options:\n"
          "  -h, --help     show this help\n"
          "  -V, --version  show the program's and the library's versions\n"
          "\n"
          "Run 'som COMMAND --help' for the options of a command.\n"
          "Exit status: 0 success, 1 failure (bad data, damaged model, I/O),\n"
          "2 bad usage.\n",
          fp);
}

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

/* The library is linked statically today, but a shared libsom of another
 * major version would read our structs (som_train_opts, som_error)
 * differently: refuse to run rather than misbehave. */
static int check_version(void)
{
    if (som_version_number() / 10000 != SOM_VERSION_NUMBER / 10000 ||
        som_version_number() < SOM_VERSION_NUMBER) {
        cli_error("built with libsom %s but running with libsom %s",
                  SOM_VERSION_STRING, som_version_string());
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return CLI_OK;
    }
    if (argc > 2) {
        cli_error("help takes one command name");
        fputs("Try 'som help'.\n", stderr);
        return CLI_USAGE;
    }
    const cli_command *cmd = find_command(argv[1]);
    if (!cmd) {
        cli_error("unknown command '%s'", argv[1]);
        fputs("Try 'som help'.\n", stderr);
        return CLI_USAGE;
    }
    char help_opt[] = "--help";
    char *sub_argv[] = {argv[1], help_opt, NULL};
    return cmd->fn(2, sub_argv);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0) {
        printf("som %s (libsom %s)\n", SOM_VERSION_STRING,
               som_version_string());
        return check_version();
    }
    int rc = check_version();
    if (rc != CLI_OK) return rc;
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(name, "help") == 0) return help(argc - 1, argv + 1);
    const cli_command *cmd = find_command(name);
    if (!cmd) {
        if (name[0] == '-')
            cli_error("unknown option '%s'", name);
        else
            cli_error("unknown command '%s'", name);
        fputs("Try 'som help'.\n", stderr);
        return CLI_USAGE;
    }
    /* Ctrl-C and SIGTERM stop every command's long work promptly (serve
     * has its own shutdown). */
    cli_set_command(cmd->name);
    if (strcmp(cmd->name, "serve") != 0) cli_interrupt_catch();
    /* The command sees its own name as argv[0], for getopt's sake. */
    rc = cmd->fn(argc - 1, argv + 1);
    /* Data went to stdout: a full disk or a closed pipe must not pass for
     * success. A command that failed has said why already (a failed write
     * to "-" included): one message, not two. */
    errno = EIO; /* a flag set earlier: fflush retries the buffer and says why */
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc == CLI_OK) {
        cli_error("cannot write to standard output: %s", strerror(errno));
        rc = CLI_FAIL;
    }
    /* An interrupted command may have left a LAPACK call running on a
     * detached thread (som__run_cancellable abandons the eigensolver it
     * cannot poll). exit() would run OpenBLAS's destructor, which shuts its
     * thread pool down under that call and was seen to hang for good; the
     * command has already cleaned up and said what it did not write, so
     * leave without the library destructors. */
    if (cli_interrupted()) {
        fflush(stderr);
        _exit(rc);
    }
    return rc;
}
