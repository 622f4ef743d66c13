/* SPDX-License-Identifier: MIT */
/* registry.c — the table of file formats (som.h, "Formats: one registry"):
 * one entry per format with its name, extensions, how its first bytes are
 * told, its parser and writer, and what it can hold. Loading a map,
 * reading data, saving and writing dispatch through it, so the argument
 * checks, the reading of a path (standard input, gzip, the stream checks)
 * and the choice of a format by name or content are written once here;
 * each format's file keeps only its parser and writer. What a save leaves
 * out of a map (som_map_losses) is the table's `holds` against what the
 * map has. */
#include "io/io.h"

#include <math.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- the table ---------------------------------------------------------------- */

/* How a format's file is read from a path. */
typedef enum {
    PATH_WHOLE, /* whole, through zlib (som__slurp), checked by `check` */
    PATH_OWN    /* by the format's own path reader (memory maps, no zlib) */
} path_kind;

typedef enum { SNIFF_NO, SNIFF_YES, SNIFF_MORE } sniff_answer;
typedef struct sniff_input sniff_input;

typedef struct format {
    som_format_info info; /* first: the public view points here */
    const char *title;    /* the format in messages: "JSON", ".umx" */
    path_kind path;
    /* The stream check of PATH_WHOLE (som__input_check.fn); ctx a size_t. */
    int (*check)(void *ctx, const unsigned char *buf, size_t len, const char *name,
                 som_error *err);
    bool add_extension; /* a name without extension gets the first one
                           (MQL5's DownloadNet) */
    /* Whether the first bytes are this format's (maps loaded by content). */
    sniff_answer (*sniff)(const sniff_input *in);
    som__map_parser load;
    int (*load_path)(const char *path, som_map **out, som_error *err);
    som__map_writer save;
    som__data_parser read;
    int (*read_path)(const char *path, const som_csv_opts *opts, som_data **out,
                     som_error *err);
    som__data_writer write;
} format;

static int load_som(const char *buf, size_t len, const char *name, som_map **out,
                    som_error *err)
{
    return som_map_load_mem(buf, len, name, out, err);
}

static sniff_answer sniff_som(const sniff_input *in);
static sniff_answer sniff_somnet(const sniff_input *in);
static sniff_answer sniff_cod(const sniff_input *in);
static sniff_answer sniff_wts(const sniff_input *in);
static sniff_answer sniff_json(const sniff_input *in);

static int save_somnet(const som_map *map, const char *path, som_error *err)
{
    return som_map_save_somnet(map, path, 0, 0, err);
}

#define EXT(...) ((const char *const[]){__VA_ARGS__, NULL})
#define MAP_ALL                                                                             \
    (SOM_PART_CODEBOOK | SOM_PART_HEX | SOM_PART_TOROID | SOM_PART_SCALING | SOM_PART_TITLES | \
     SOM_PART_CLUSTERS | SOM_PART_FEATURE_WEIGHTS | SOM_PART_SETTINGS | SOM_PART_HISTORY | \
     SOM_PART_DISTANCE)
#define MAP_IO (SOM_FORMAT_LOAD_MAP | SOM_FORMAT_SAVE_MAP)
#define DATA_IO (SOM_FORMAT_READ_DATA | SOM_FORMAT_WRITE_DATA)

/* The map formats come first, in the order the "cannot tell the format
 * from the name" message lists them; csv is the data formats' default. */
enum { F_SOM, F_SOMNET, F_COD, F_WTS, F_UMX, F_JSON, F_CSV, F_NPY, F_DAT, F_LRN, N_FORMATS };
static const format formats[N_FORMATS] = {
    [F_SOM] = {.info = {"som", "libsom model (every part of a map)", EXT(".som"), MAP_IO, MAP_ALL},
     .title = ".som", .path = PATH_OWN, .check = som__check_model_stream, .load = load_som,
     .load_path = som_map_load, .sniff = sniff_som, .save = som_map_save},
    [F_SOMNET] = {.info = {"somnet", "MQL5 article's network (flat little-endian doubles)",
                           EXT(".somnet"), MAP_IO, SOM_PART_CODEBOOK | SOM_PART_TITLES},
     .title = ".somnet", .path = PATH_WHOLE, .check = som__check_somnet_stream,
     .add_extension = true, .sniff = sniff_somnet, .load = som__somnet_parse,
     .save = save_somnet},
    [F_COD] = {.info = {"cod", "SOM_PAK codebook", EXT(".cod", ".cod.gz"), MAP_IO,
              SOM_PART_CODEBOOK | SOM_PART_HEX | SOM_PART_TITLES},
     .title = ".cod", .path = PATH_WHOLE, .check = som__check_text, .sniff = sniff_cod,
     .load = som__cod_parse, .save = som__cod_write},
    [F_WTS] = {.info = {"wts", "ESOM/Somoclu weights", EXT(".wts"), MAP_IO, SOM_PART_CODEBOOK},
     .title = ".wts", .path = PATH_WHOLE, .check = som__check_text, .sniff = sniff_wts,
     .load = som__wts_parse, .save = som__wts_write},
    [F_UMX] = {.info = {"umx", "ESOM U-matrix (the map's distances only)", EXT(".umx"),
              SOM_FORMAT_SAVE_MAP, 0},
     .title = ".umx", .save = som__umx_write},
    [F_JSON] = {.info = {"json", "JSON model (every part of a map, as text)", EXT(".json"), MAP_IO,
                         MAP_ALL},
     .title = "JSON", .path = PATH_WHOLE, .check = som__check_text, .sniff = sniff_json,
     .load = som__map_read_json_mem, .save = som_map_write_json},
    [F_CSV] = {.info = {"csv", "comma-separated values (';' and tab too)", EXT(".csv"), DATA_IO,
              SOM_PART_TITLES | SOM_PART_LABELS},
     .title = "CSV", .path = PATH_OWN, .read = som__csv_parse, .read_path = som__csv_read_path,
     .write = som__csv_write},
    [F_NPY] = {.info = {"npy", "NumPy array (float32 or float64)", EXT(".npy"), DATA_IO, 0},
     .title = ".npy", .path = PATH_OWN, .read = som__npy_parse, .read_path = som__npy_read_path,
     .write = som__npy_write},
    [F_DAT] = {.info = {"dat", "SOM_PAK data", EXT(".dat", ".dat.gz"), DATA_IO,
              SOM_PART_TITLES | SOM_PART_LABELS | SOM_PART_SAMPLE_WEIGHTS | SOM_PART_FIXED},
     .title = ".dat", .path = PATH_WHOLE, .check = som__check_text, .read = som__dat_parse,
     .write = som__dat_write},
    [F_LRN] = {.info = {"lrn", "ESOM/Somoclu data", EXT(".lrn"), DATA_IO,
                        SOM_PART_TITLES | SOM_PART_LABELS},
     .title = ".lrn", .path = PATH_WHOLE, .check = som__check_text, .read = som__lrn_parse,
     .write = som__lrn_write},
};
#define CSV (&formats[F_CSV])

/* The formats a map is told by when its name says nothing, in the order
 * they are asked: those with a magic or a header first; .somnet, which has
 * neither, last. */
static const int sniff_order[] = {F_SOM, F_WTS, F_JSON, F_COD, F_SOMNET};

static const format *of_info(const som_format_info *info) { return (const format *)info; }

size_t som_format_count(void) { return N_FORMATS; }

const som_format_info *som_format_at(size_t i)
{
    return i < N_FORMATS ? &formats[i].info : NULL;
}

const som_format_info *som_format_named(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < N_FORMATS; i++)
        if (strcasecmp(formats[i].info.name, name) == 0) return &formats[i].info;
    return NULL;
}

/* The format of path's extension; `writing` skips the compressed ones (no
 * writer compresses), so "x.cod.gz" names no format to save in. The
 * longest extension wins: ".cod.gz" is not ".gz". */
static const format *by_extension(const char *path, bool writing)
{
    const format *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; path && i < N_FORMATS; i++)
        for (const char *const *e = formats[i].info.extensions; *e; e++) {
            size_t k = strlen(*e);
            if (writing && som__has_suffix(*e, ".gz")) continue;
            if (k > best_len && som__has_suffix(path, *e)) {
                best = &formats[i];
                best_len = k;
            }
        }
    return best;
}

const som_format_info *som_format_of_path(const char *path)
{
    const format *f = by_extension(path, false);
    return f ? &f->info : NULL;
}

/* A format given by name, which must serve `use`. */
static int named(const char *name, unsigned use, const format **out, som_error *err)
{
    const som_format_info *info = som_format_named(name);
    if (!info) {
        char list[256] = "";
        for (size_t i = 0; i < N_FORMATS; i++)
            if (formats[i].info.uses & use) {
                size_t n = strlen(list);
                snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", formats[i].info.name);
            }
        return som__error(err, SOM_EINVAL, "unknown format '%s'; expected one of %s", name, list);
    }
    *out = of_info(info);
    if (info->uses & use) return SOM_OK;
    const format *f = *out;
    if (use == SOM_FORMAT_LOAD_MAP && (info->uses & SOM_FORMAT_SAVE_MAP))
        return som__error(err, SOM_ENOTSUP,
                          "%s is an export format: libsom writes it but does not read it",
                          f->title);
    return som__error(err, SOM_EINVAL, "the %s format holds %s, not %s", info->name,
                      info->uses & (SOM_FORMAT_LOAD_MAP | SOM_FORMAT_SAVE_MAP) ? "maps" : "data",
                      use & (SOM_FORMAT_LOAD_MAP | SOM_FORMAT_SAVE_MAP) ? "a map" : "data");
}

/* ---- telling a map format by its first bytes ------------------------------------ */

/* What a format's sniffer sees: the bytes so far, whether they are the
 * whole input (else a stream still arriving), and the first line of text
 * that is neither blank nor a '#' comment. */
typedef struct sniff_input {
    const char *buf;
    size_t len;
    bool whole;
    bool text;           /* no NUL byte */
    const char *line;    /* the first content line, or NULL */
    size_t line_len;
    bool line_complete;  /* it has ended (always, for a whole input) */
} sniff_input;

static void first_content(const char *buf, size_t len, const char **s, size_t *slen)
{
    som__text t;
    som__text_init(&t, buf, len, "");
    *s = NULL;
    *slen = 0;
    while (som__text_next(&t, s, slen)) {
        size_t pos = 0;
        som__tok tok;
        if (som__next_tok(*s, *slen, &pos, false, &tok) && tok.s[0] != '#') return;
    }
    *s = NULL;
}

static sniff_answer sniff_som(const sniff_input *in)
{
    if (in->len >= 4 && memcmp(in->buf, "\x89SOM", 4) == 0) return SNIFF_YES;
    /* A stream's first byte decides: the model's own check says what is
     * wrong with the rest. */
    if (!in->whole && in->len > 0 && (unsigned char)in->buf[0] == 0x89) return SNIFF_YES;
    return SNIFF_NO;
}

/* The text formats know their first content line: "% rows cols" (ESOM)
 * or "dim rect|hexa ..." (SOM_PAK). */
static sniff_answer text_header(const sniff_input *in, som__tok *first, som__tok *second)
{
    if (!in->text) return SNIFF_NO;
    if (!in->line_complete) return SNIFF_MORE;
    if (!in->line) return SNIFF_NO;
    size_t pos = 0;
    second->len = 0;
    som__next_tok(in->line, in->line_len, &pos, false, first);
    som__next_tok(in->line, in->line_len, &pos, false, second);
    return SNIFF_YES;
}

static sniff_answer sniff_wts(const sniff_input *in)
{
    som__tok a, b;
    sniff_answer h = text_header(in, &a, &b);
    return h != SNIFF_YES ? h : a.s[0] == '%' ? SNIFF_YES : SNIFF_NO;
}

/* A JSON model: text whose first line starts with '{'. */
static sniff_answer sniff_json(const sniff_input *in)
{
    som__tok a, b;
    sniff_answer h = text_header(in, &a, &b);
    return h != SNIFF_YES ? h : a.s[0] == '{' ? SNIFF_YES : SNIFF_NO;
}

static sniff_answer sniff_cod(const sniff_input *in)
{
    som__tok a, b;
    sniff_answer h = text_header(in, &a, &b);
    if (h != SNIFF_YES) return h;
    return a.s[0] != '%' && (som__tok_is(&b, "rect") || som__tok_is(&b, "hexa")) ? SNIFF_YES
                                                                                : SNIFF_NO;
}

/* A .somnet has no magic: it starts with dim + 6 as a double, a whole
 * number >= 7, and is whole doubles of at least the header's 40 bytes.
 * Bytes that cannot be one (a stream of zeros) are no model at all; a
 * stream of text is none either. */
static sniff_answer sniff_somnet(const sniff_input *in)
{
    if (!in->whole && in->text) return SNIFF_NO;
    if (!in->whole && in->len < 8) return SNIFF_MORE;
    double first = 0;
    if (in->len >= 8) {
        uint64_t u = som__get_u64((const unsigned char *)in->buf);
        memcpy(&first, &u, sizeof first);
    }
    if (!(first >= 7 && first <= 1e9 && first == floor(first))) return SNIFF_NO;
    if (!in->whole) return in->len >= 40 ? SNIFF_YES : SNIFF_MORE;
    return in->len % 8 == 0 && in->len >= 40 ? SNIFF_YES : SNIFF_NO;
}

/* "Too few bytes yet to tell", while a stream arrives. */
static const format MORE;

/* Which map format `buf` is in, asking each format's sniffer in
 * sniff_order: the first YES wins; while none says YES and one wants more
 * bytes, &MORE; else NULL. */
static const format *sniff(const char *buf, size_t len, bool whole)
{
    sniff_input in = {buf, len, whole, memchr(buf, '\0', len) == NULL, NULL, 0, true};
    if (in.text) {
        first_content(buf, len, &in.line, &in.line_len);
        /* A stream's first line counts once it has ended. */
        in.line_complete = whole || (in.line && in.line + in.line_len < buf + len);
    }
    bool more = false;
    for (size_t i = 0; i < sizeof sniff_order / sizeof sniff_order[0]; i++) {
        const format *f = &formats[sniff_order[i]];
        sniff_answer a = f->sniff(&in);
        if (a == SNIFF_YES) return f;
        more |= a == SNIFF_MORE;
    }
    return more ? &MORE : NULL;
}

const som_format_info *som_format_sniff(const void *buf, size_t len)
{
    if (!buf) return NULL;
    const format *f = sniff(buf, len, true);
    return f ? &f->info : NULL;
}

static int cannot_tell(const char *name, som_error *err)
{
    return som__error_at(err, SOM_EFORMAT, name, 0, 0,
                         "cannot tell the format: not a .som model, a .somnet network, a "
                         "SOM_PAK codebook, an ESOM .wts file or a JSON model");
}

/* A stream of a model whose name says nothing, as it arrives: its format
 * from its first bytes, then that format's own check. */
typedef struct sniff_state {
    const format *f;
    size_t sub; /* the format's check's context */
} sniff_state;

static int check_sniffed(void *ctx, const unsigned char *buf, size_t len, const char *name,
                         som_error *err)
{
    sniff_state *st = ctx;
    if (st->f == &MORE) st->f = sniff((const char *)buf, len, false);
    if (st->f == &MORE) return SOM_OK;
    if (!st->f) return cannot_tell(name, err);
    return st->f->check(&st->sub, buf, len, name, err);
}

static int load_sniffed(const char *buf, size_t len, const char *name, void *out,
                        som_error *err)
{
    const format *f = sniff(buf, len, true);
    return f ? f->load(buf, len, name, out, err) : cannot_tell(name, err);
}

/* ---- loading maps ------------------------------------------------------------ */

/* som__read_path hands its parser one pointer: the format rides along. */
typedef struct load_job {
    som_map **map;
    const format *f;
} load_job;

static int thunk_load(const char *buf, size_t len, const char *name, void *out, som_error *err)
{
    load_job *job = out;
    return job->f->load(buf, len, name, job->map, err);
}

static int load_path(const format *f, const char *path, som_map **out, som_error *err)
{
    if (f->path == PATH_OWN) return f->load_path(path, out, err);
    char *full = f->add_extension ? som__with_extension(path, f->info.extensions[0])
                                  : som__strdup(path);
    if (!full) return som__error_oom(err);
    size_t seen = 0;
    som__input_check check = {f->check, &seen};
    load_job job = {out, f};
    int rc = som__read_path(full, thunk_load, &check, &job, err);
    som__free(full);
    return rc;
}

int som_map_load_as(const char *path, const char *format_name, som_map **out, som_error *err)
{
    if (!out) return som__error(err, SOM_EINVAL, "som_map_load_as: out is NULL");
    *out = NULL;
    if (!path) return som__error(err, SOM_EINVAL, "no input file name given");
    const format *f = NULL;
    if (format_name) {
        int rc = named(format_name, SOM_FORMAT_LOAD_MAP, &f, err);
        return rc ? rc : load_path(f, path, out, err);
    }
    f = by_extension(path, false);
    if (f && (f->info.uses & SOM_FORMAT_LOAD_MAP)) return load_path(f, path, out, err);
    /* MQL5's DownloadNet takes the name without ".somnet". */
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strcmp(path, "-") != 0 && !strchr(base, '.') && access(path, F_OK) != 0)
        return load_path(&formats[F_SOMNET], path, out, err);
    sniff_state st = {&MORE, 0};
    som__input_check check = {check_sniffed, &st};
    return som__read_path(path, load_sniffed, &check, out, err);
}

int som_map_load_buffer(const void *buf, size_t len, const char *name, const char *format_name,
                        som_map **out, som_error *err)
{
    if (!out) return som__error(err, SOM_EINVAL, "som_map_load_buffer: out is NULL");
    *out = NULL;
    if (!buf && len) return som__error(err, SOM_EINVAL, "som_map_load_buffer: NULL buffer");
    if (!buf) buf = "";
    const format *f = NULL;
    if (format_name) {
        int rc = named(format_name, SOM_FORMAT_LOAD_MAP, &f, err);
        if (rc) return rc;
    } else if (name) {
        f = by_extension(name, false);
        if (f && !(f->info.uses & SOM_FORMAT_LOAD_MAP)) f = NULL;
    }
    if (!name) name = "<memory>";
    return f ? f->load(buf, len, name, out, err) : load_sniffed(buf, len, name, out, err);
}

/* ---- saving maps ---------------------------------------------------------------- */

/* "cannot tell the format from the name; use .som, .somnet, ..." */
static int unknown_name(const char *path, unsigned use, som_error *err)
{
    char list[256] = "";
    size_t n_listed = 0, total = 0;
    for (size_t i = 0; i < N_FORMATS; i++) total += (formats[i].info.uses & use) != 0;
    for (size_t i = 0; i < N_FORMATS; i++) {
        if (!(formats[i].info.uses & use)) continue;
        size_t n = strlen(list);
        const char *sep = n_listed == 0 ? "" : n_listed + 1 == total ? " or " : ", ";
        snprintf(list + n, sizeof list - n, "%s%s", sep, formats[i].info.extensions[0]);
        n_listed++;
    }
    return som__error(err, SOM_EINVAL, "%s: cannot tell the format from the name; use %s", path,
                      list);
}

static int save_format(const char *path, const char *format_name, const format **f,
                       som_error *err)
{
    if (format_name) return named(format_name, SOM_FORMAT_SAVE_MAP, f, err);
    *f = by_extension(path, true);
    if (!*f || !((*f)->info.uses & SOM_FORMAT_SAVE_MAP))
        return unknown_name(path, SOM_FORMAT_SAVE_MAP, err);
    return SOM_OK;
}

int som_map_save_as(const som_map *map, const char *path, const char *format_name,
                    som_error *err)
{
    if (!map || !path) return som__error(err, SOM_EINVAL, "som_map_save_as: NULL argument");
    const format *f;
    int rc = save_format(path, format_name, &f, err);
    return rc ? rc : f->save(map, path, err);
}

/* ---- reading and writing data ------------------------------------------------- */

typedef struct read_job {
    som_data **data;
    const format *f;
    const som_csv_opts *opts;
} read_job;

static int thunk_read(const char *buf, size_t len, const char *name, void *out, som_error *err)
{
    read_job *job = out;
    return job->f->read(buf, len, name, job->opts, job->data, err);
}

static const format *data_format(const char *path, bool writing)
{
    const format *f = path ? by_extension(path, writing) : NULL;
    return f && (f->info.uses & (writing ? SOM_FORMAT_WRITE_DATA : SOM_FORMAT_READ_DATA)) ? f : CSV;
}

int som_data_read_as(const char *path, const char *format_name, const som_csv_opts *opts,
                     som_data **out, som_error *err)
{
    if (!out) return som__error(err, SOM_EINVAL, "som_data_read_as: out is NULL");
    *out = NULL;
    if (!path) return som__error(err, SOM_EINVAL, "no input file name given");
    const format *f = NULL;
    if (format_name) {
        int rc = named(format_name, SOM_FORMAT_READ_DATA, &f, err);
        if (rc) return rc;
    } else {
        f = data_format(path, false);
    }
    if (f->path == PATH_OWN) return f->read_path(path, opts, out, err);
    size_t seen = 0;
    som__input_check check = {f->check, &seen};
    read_job job = {out, f, opts};
    return som__read_path(path, thunk_read, &check, &job, err);
}

int som_data_read_buffer(const void *buf, size_t len, const char *name, const char *format_name,
                         const som_csv_opts *opts, som_data **out, som_error *err)
{
    if (!out) return som__error(err, SOM_EINVAL, "som_data_read_buffer: out is NULL");
    *out = NULL;
    if (!buf && len) return som__error(err, SOM_EINVAL, "som_data_read_buffer: NULL buffer");
    if (!buf) buf = "";
    const format *f = NULL;
    if (format_name) {
        int rc = named(format_name, SOM_FORMAT_READ_DATA, &f, err);
        if (rc) return rc;
    } else if (name && (f = by_extension(name, false)) &&
               (f->info.uses & SOM_FORMAT_READ_DATA)) {
        /* the name's format */
    } else {
        f = len >= 6 && memcmp(buf, "\x93NUMPY", 6) == 0 ? &formats[F_NPY] : CSV;
    }
    return f->read(buf, len, name ? name : "<memory>", opts, out, err);
}

int som_data_write_as(const som_data *data, const char *path, const char *format_name,
                      som_error *err)
{
    if (!data || !path) return som__error(err, SOM_EINVAL, "som_data_write_as: NULL argument");
    const format *f = NULL;
    if (format_name) {
        int rc = named(format_name, SOM_FORMAT_WRITE_DATA, &f, err);
        if (rc) return rc;
    } else {
        f = data_format(path, true);
    }
    return f->write(data, path, err);
}

/* ---- what a save leaves out --------------------------------------------------------- */

static const struct {
    const char *name, *loss;
} parts[SOM_PART_COUNT] = {
    {"codebook", "it holds the U-matrix only"},
    {"hexagonal topology", "the map is read back as rectangular"},
    {"toroid wrap", "the map is read back as a sheet with edges"},
    {"scaling", "the weights are stored in the data's units and the map is read back "
                "unscaled"},
    {"column titles", "the fields are read back as 1, 2, ..."},
    {"clusters", "the units are read back unclustered"},
    {"feature weights", "every field weighs 1 when the map is read back"},
    {"training settings", "the map is read back as untrained"},
    {"training history", "the errors of each pass are not read back"},
    {"row labels", "the rows are read back unlabelled"},
    {"sample weights", "every row weighs 1 when read back"},
    {"fixed points", "no row is fixed when read back"},
    {"distance", "the map is read back with the euclidean distance"},
};

static int part_index(som_part part)
{
    unsigned p = (unsigned)part;
    if (p == 0 || (p & (p - 1)) != 0) return -1;
    int k = 0;
    while (p >>= 1) k++;
    return k < SOM_PART_COUNT ? k : -1;
}

const char *som_part_name(som_part part)
{
    int k = part_index(part);
    return k < 0 ? "" : parts[k].name;
}

const char *som_part_loss(som_part part)
{
    int k = part_index(part);
    return k < 0 ? "" : parts[k].loss;
}

/* Titles other than "1".."dim", the names a format without titles gives. */
static bool titles_named(char *const *titles, size_t dim)
{
    for (size_t j = 0; j < dim; j++) {
        char num[32];
        snprintf(num, sizeof num, "%zu", j + 1);
        if (strcmp(titles[j], num) != 0) return true;
    }
    return false;
}

static int lossy_format(const char *format_name, const char *path, unsigned use,
                        const format **f, som_error *err)
{
    if (format_name) return named(format_name, use, f, err);
    if (!path) return som__error(err, SOM_EINVAL, "no format and no file name given");
    *f = by_extension(path, true);
    if (use == SOM_FORMAT_WRITE_DATA && (!*f || !((*f)->info.uses & use))) *f = CSV;
    if (!*f || !((*f)->info.uses & use)) return unknown_name(path, use, err);
    return SOM_OK;
}

int som_map_losses(const som_map *map, const char *format_name, const char *path,
                   unsigned *lost, som_error *err)
{
    if (lost) *lost = 0;
    if (!map || !lost) return som__error(err, SOM_EINVAL, "som_map_losses: NULL argument");
    const format *f;
    int rc = lossy_format(format_name, path, SOM_FORMAT_SAVE_MAP, &f, err);
    if (rc) return rc;
    unsigned has = SOM_PART_CODEBOOK;
    if (map->grid.topology == SOM_HEX) has |= SOM_PART_HEX;
    if (map->grid.toroid) has |= SOM_PART_TOROID;
    if (map->scaling != SOM_SCALE_NONE) has |= SOM_PART_SCALING;
    if (titles_named(map->titles, map->dim)) has |= SOM_PART_TITLES;
    if (map->cluster) has |= SOM_PART_CLUSTERS;
    if (map->fweight) has |= SOM_PART_FEATURE_WEIGHTS;
    if (map->trained) has |= SOM_PART_SETTINGS;
    if (map->n_history) has |= SOM_PART_HISTORY;
    if (map->distance != SOM_DISTANCE_EUCLIDEAN) has |= SOM_PART_DISTANCE;
    *lost = has & ~f->info.holds;
    /* Without its codebook nothing else of the map is there to lose. */
    if (*lost & SOM_PART_CODEBOOK) *lost = SOM_PART_CODEBOOK;
    return SOM_OK;
}

int som_data_losses(const som_data *data, const char *format_name, const char *path,
                    unsigned *lost, som_error *err)
{
    if (lost) *lost = 0;
    if (!data || !lost) return som__error(err, SOM_EINVAL, "som_data_losses: NULL argument");
    const format *f;
    int rc = lossy_format(format_name, path, SOM_FORMAT_WRITE_DATA, &f, err);
    if (rc) return rc;
    unsigned has = 0;
    if (titles_named(data->titles, data->dim)) has |= SOM_PART_TITLES;
    if (data->labels) has |= SOM_PART_LABELS;
    if (data->weight) has |= SOM_PART_SAMPLE_WEIGHTS;
    if (data->fixed) has |= SOM_PART_FIXED;
    *lost = has & ~f->info.holds;
    return SOM_OK;
}
