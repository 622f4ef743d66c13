/* supervised.c — the whole fit in one call (som_fit): a supervised map of a
 * CSV file whose label column is the target, on a grid sized from the data,
 * then the class it predicts for each row, found from the other fields.
 * Built as build/example_supervised:
 *     ./example_supervised data/iris.csv species */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "som.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s DATA.csv TARGET\n", argv[0]);
        return 2;
    }
    som_error err;
    som_error_clear(&err);
    som_data *data = NULL;
    som_map *map = NULL;
    const char **classes = NULL;
    som_fit_opts opts;
    som_fit_opts_init(&opts); /* grid 0x0: chosen from the data */
    opts.grid.topology = SOM_HEX;
    opts.train.epochs = 20;
    int rc = som_fit_opts_set(&opts, "target", argv[2], &err);
    if (!rc) rc = som_data_read_as(argv[1], NULL, NULL, &data, &err);
    som_fit_info info;
    if (!rc) rc = som_fit(data, &opts, 0, argv[1], &map, &info, &err);
    if (rc) goto fail;
    printf("%zux%zu map (sides in the ratio %.2f), %zu classes of '%s'\n", info.grid.rows,
           info.grid.cols, info.grid_ratio, info.n_classes, argv[2]);
    size_t n = som_data_n_samples(data), right = 0;
    classes = calloc(n, sizeof *classes);
    if (!classes) {
        rc = SOM_ENOMEM;
        goto fail;
    }
    if ((rc = som_map_predict_target(map, data, argv[2], NULL, classes, NULL, 0, &err))) goto fail;
    for (size_t i = 0; i < n; i++)
        right += som_data_label(data, i) && strcmp(classes[i], som_data_label(data, i)) == 0;
    printf("row 1 is a %s; %zu of %zu rows predicted right\n", classes[0], right, n);
fail:
    if (rc) fprintf(stderr, "supervised: %s\n", err.message[0] ? err.message : som_strerror(rc));
    free(classes);
    som_map_free(map);
    som_data_free(data);
    som_fit_opts_clear(&opts);
    return rc ? 1 : 0;
}
