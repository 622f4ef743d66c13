/* SPDX-License-Identifier: MIT */
/* snapshots.c — `som train --snapshot-every N`: frames of the map in
 * training as DIR/frame-000001.png, ... (snapshots.h). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "snapshots.h"
#ifdef SOM_HAVE_RENDER
#include "som_render.h"
#endif

#ifdef SOM_HAVE_RENDER
static int snapshot_write(snapshots *s, const som_map *map, size_t step)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/frame-%06zu.png", s->dir, s->frames + 1);
    som_render_opts ro;
    som_render_opts_init(&ro);
    ro.plot = SOM_PLOT_PLANES;
    /* the data's range, fixed for every frame, so the frames compare */
    ro.range = SOM_RANGE_DATA;
    if (som_render_file(map, NULL, &ro, path, &s->err) != SOM_OK) {
        s->failed = true;
        return 1;
    }
    s->frames++;
    s->last_step = step;
    return 0;
}
#endif

int snapshots_cb(const som_progress *pr, void *ctx)
{
    snapshots *s = ctx;
    int stop = cli_progress_cb(pr, s->bar);
    if (stop) return stop;
    s->n_steps = pr->n_steps;
#ifdef SOM_HAVE_RENDER
    if (pr->step >= s->next && pr->step != s->last_step) {
        while (s->next <= pr->step) s->next += s->every;
        return snapshot_write(s, pr->map, pr->step);
    }
#endif
    return 0;
}

int snapshots_init(snapshots *s, cli_progress *bar, size_t every, const char *dir)
{
    memset(s, 0, sizeof *s);
    s->bar = bar;
    s->every = s->next = every;
    s->dir = dir;
    s->last_step = (size_t)-1;
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return CLI_OK;
        cli_error("%s: not a directory", dir);
        return CLI_FAIL;
    }
    cli_error("%s: cannot create the snapshot directory: %s", dir, strerror(errno));
    return CLI_FAIL;
}

int snapshots_finish(snapshots *s, const som_map *map, bool trained)
{
#ifdef SOM_HAVE_RENDER
    if (trained && !s->failed && s->last_step != s->n_steps) snapshot_write(s, map, s->n_steps);
#else
    (void)map;
    (void)trained;
#endif
    return s->failed ? cli_fail(&s->err) : CLI_OK;
}
