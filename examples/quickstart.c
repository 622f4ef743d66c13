/* quickstart.c — the worked example of som.h as a program: train a 10x10
 * hexagonal map on a CSV file, find the best-matching unit of its first row,
 * save the map. Built as build/example_quickstart, or after `make install`:
 *     cc examples/quickstart.c $(pkg-config --cflags --libs som) -o quickstart
 *     ./quickstart data/iris.csv iris.som
 * (tests/fresh/check.sh does this against a staging prefix). */
#include <stdio.h>

#include "som.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s DATA.csv OUT.som\n", argv[0]);
        return 2;
    }
    if (som_version_number() / 10000 != SOM_VERSION_MAJOR) {
        fprintf(stderr, "libsom %s does not match the header %s\n", som_version_string(),
                SOM_VERSION_STRING);
        return 1;
    }
    som_error err;
    som_error_clear(&err);
    som_data *data = NULL;
    som_map *map = NULL;
    int rc = som_data_read_as(argv[1], NULL, NULL, &data, &err);
    if (rc) goto fail;
    som_grid grid = {10, 10, SOM_HEX, 0};
    if ((rc = som_map_new(&grid, som_data_dim(data), &map, &err))) goto fail;
    som_map_set_titles_from(map, data);
    if ((rc = som_map_fit_scaling(map, data, SOM_SCALE_ZSCORE, &err))) goto fail;
    som_train_opts opts;
    som_train_opts_init(&opts);
    opts.algorithm = SOM_BATCH;
    opts.epochs = 20;
    opts.seed = 42;
    if ((rc = som_map_train(map, data, &opts, &err))) goto fail;
    size_t unit;
    double dist;
    if ((rc = som_map_bmu(map, som_data_row(data, 0), NULL, &unit, &dist))) goto fail;
    printf("row 1 -> unit %zu (row %zu, col %zu), distance %.4f\n", unit, unit / grid.cols,
           unit % grid.cols, dist);
    const som_history *h = som_map_history(map);
    size_t n = som_map_history_len(map);
    printf("quantization error %.4f -> %.4f, topographic error %.3f\n", h[0].qe, h[n - 1].qe,
           h[n - 1].te);
    if ((rc = som_map_save(map, argv[2], &err))) goto fail;
fail:
    if (rc) fprintf(stderr, "quickstart: %s\n", err.message[0] ? err.message : som_strerror(rc));
    som_map_free(map);
    som_data_free(data);
    return rc ? 1 : 0;
}
