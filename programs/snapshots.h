/* SPDX-License-Identifier: MIT */
/* snapshots.h — `som train --snapshot-every N`: the map's planes drawn
 * every N steps and at the end, from inside the progress callback (the one
 * hook training has). */
#ifndef SOM_SNAPSHOTS_H
#define SOM_SNAPSHOTS_H

#include "cli.h"

typedef struct snapshots {
    cli_progress *bar;    /* called first, so that it keeps working */
    size_t every, next;   /* draw at the first report with step >= next */
    const char *dir;
    size_t frames;        /* written so far */
    size_t last_step;     /* step of the last frame, or SIZE_MAX */
    size_t n_steps;       /* planned, from the reports */
    bool failed;          /* a frame could not be written: err */
    som_error err;
} snapshots;

/* Readies DIR (created when missing) for frames every `every` steps;
 * prints what went wrong and returns CLI_FAIL when it cannot. */
int snapshots_init(snapshots *s, cli_progress *bar, size_t every, const char *dir);
/* The progress callback (ctx: the snapshots): a frame that cannot be
 * written stops training, with the picture layer's message in s->err. */
int snapshots_cb(const som_progress *pr, void *ctx);
/* After training: one more frame of the trained map unless the last one
 * already shows it (as the MQL5 library draws once more at the end) when
 * `trained`; CLI_FAIL with the message printed when a frame failed. */
int snapshots_finish(snapshots *s, const som_map *map, bool trained);

#endif
