/* SPDX-License-Identifier: MIT */
/* shard.c — folds over rows split among processes (som_shard in som.h).
 *
 * A fold's state is a small array of doubles (sums, counts, minima, ...).
 * Each process receives the state from the shard before it, continues the
 * fold over its own rows in row order, and passes the state on; the last
 * shard's state comes back to everyone. Continuing a running sum row by
 * row is exactly what one process over all the rows does, so the result
 * has the same bits whatever the number of shards. Counts travel as
 * doubles: exact below 2^53. */
#include "core/core.h"

int som__shard_receive(const som_shard *s, double *state, size_t len, som_error *err)
{
    if (!s) return SOM_OK;
    if (s->receive && s->receive(state, len, s->ctx) != 0)
        return som__error(err, SOM_EIO, "distributed training: receiving %zu values from the "
                                        "previous shard failed", len);
    return SOM_OK;
}

int som__shard_pass_on(const som_shard *s, double *state, size_t len, som_error *err)
{
    if (!s) return SOM_OK;
    if (s->pass_on && s->pass_on(state, len, s->ctx) != 0)
        return som__error(err, SOM_EIO, "distributed training: passing %zu values on to the "
                                        "next shard failed", len);
    return SOM_OK;
}

size_t som__shard_n_total(const som_shard *s, size_t n_local)
{
    return s ? s->n_total : n_local;
}

size_t som__shard_first(const som_shard *s)
{
    return s ? s->first : 0;
}
