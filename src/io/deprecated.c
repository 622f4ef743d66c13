/* SPDX-License-Identifier: MIT */
/* deprecated.c — the format-specific calls of the previous release, each
 * now one call of the format registry (registry.c) with the format named.
 * Kept for one release; som.h marks each with its replacement. */
#include "io/io.h"

int som_data_read(const char *path, const som_csv_opts *opts, som_data **out, som_error *err)
{
    return som_data_read_as(path, NULL, opts, out, err);
}

int som_data_read_csv(const char *path, const som_csv_opts *opts, som_data **out,
                      som_error *err)
{
    return som_data_read_as(path, "csv", opts, out, err);
}

int som_data_read_csv_mem(const char *buf, size_t len, const char *name,
                          const som_csv_opts *opts, som_data **out, som_error *err)
{
    return som_data_read_buffer(buf, len, name, "csv", opts, out, err);
}

int som_data_write_csv(const som_data *data, const char *path, som_error *err)
{
    return som_data_write_as(data, path, "csv", err);
}

int som_data_read_npy(const char *path, som_data **out, som_error *err)
{
    return som_data_read_as(path, "npy", NULL, out, err);
}

int som_data_read_npy_mem(const void *buf, size_t len, const char *name, som_data **out,
                          som_error *err)
{
    return som_data_read_buffer(buf, len, name, "npy", NULL, out, err);
}

int som_data_write_npy(const som_data *data, const char *path, som_error *err)
{
    return som_data_write_as(data, path, "npy", err);
}

int som_data_read_sompak(const char *path, som_data **out, som_error *err)
{
    return som_data_read_as(path, "dat", NULL, out, err);
}

int som_data_read_sompak_mem(const char *buf, size_t len, const char *name, som_data **out,
                             som_error *err)
{
    return som_data_read_buffer(buf, len, name, "dat", NULL, out, err);
}

int som_data_write_sompak(const som_data *data, const char *path, som_error *err)
{
    return som_data_write_as(data, path, "dat", err);
}

int som_data_read_lrn(const char *path, som_data **out, som_error *err)
{
    return som_data_read_as(path, "lrn", NULL, out, err);
}

int som_data_read_lrn_mem(const char *buf, size_t len, const char *name, som_data **out,
                          som_error *err)
{
    return som_data_read_buffer(buf, len, name, "lrn", NULL, out, err);
}

int som_data_write_lrn(const som_data *data, const char *path, som_error *err)
{
    return som_data_write_as(data, path, "lrn", err);
}

int som_map_load_any(const char *path, som_map **out, som_error *err)
{
    return som_map_load_as(path, NULL, out, err);
}

int som_map_save_any(const som_map *map, const char *path, som_error *err)
{
    return som_map_save_as(map, path, NULL, err);
}

int som_map_load_somnet(const char *path, som_map **out, som_error *err)
{
    return som_map_load_as(path, "somnet", out, err);
}

int som_map_load_somnet_mem(const void *buf, size_t len, const char *name, som_map **out,
                            som_error *err)
{
    return som_map_load_buffer(buf, len, name, "somnet", out, err);
}

int som_map_load_sompak(const char *path, som_map **out, som_error *err)
{
    return som_map_load_as(path, "cod", out, err);
}

int som_map_load_sompak_mem(const char *buf, size_t len, const char *name, som_map **out,
                            som_error *err)
{
    return som_map_load_buffer(buf, len, name, "cod", out, err);
}

int som_map_save_sompak(const som_map *map, const char *path, som_error *err)
{
    return som_map_save_as(map, path, "cod", err);
}

int som_map_load_wts(const char *path, som_map **out, som_error *err)
{
    return som_map_load_as(path, "wts", out, err);
}

int som_map_load_wts_mem(const char *buf, size_t len, const char *name, som_map **out,
                         som_error *err)
{
    return som_map_load_buffer(buf, len, name, "wts", out, err);
}

int som_map_save_wts(const som_map *map, const char *path, som_error *err)
{
    return som_map_save_as(map, path, "wts", err);
}

int som_map_write_umx(const som_map *map, const char *path, som_error *err)
{
    return som_map_save_as(map, path, "umx", err);
}
