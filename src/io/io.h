/* SPDX-License-Identifier: MIT */
/* io.h — the internal header of the io layer (src/io/), over core.h: what
 * the readers and writers of files share. Inputs read whole and checked as
 * they arrive (input.c); CSV's internals that npy.c and the tests use;
 * little-endian fields of the binary formats; and for the interchange
 * formats (interchange.c; used by somnet.c, sompak.c, esom.c, json.c),
 * their parsers and writers, which the format registry (registry.c)
 * dispatches to:
 * reading a whole file through zlib, walking text line by line and token by
 * token with 1-based line and column numbers, parsing numbers in the C
 * locale, and text output in the C locale through an atomic som_outfile;
 * the JSON writer a member at a time and the JSON model reader. Never
 * installed. */
#ifndef SOM_IO_H
#define SOM_IO_H

#include "core/core.h"
#include "som_json.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- reading an input whole (input.c) ------------------------------------- */
/* A check of an input as it arrives, for streams (a regular file is parsed
 * whole instead): called after every read with all `len` bytes so far;
 * SOM_OK reads on, an error (reported in err) stops reading at once. */
typedef struct som__input_check {
    int (*fn)(void *ctx, const unsigned char *buf, size_t len, const char *name,
              som_error *err);
    void *ctx;
} som__input_check;
/* Where the bytes come from: read() up to n bytes into buf (0 at the end,
 * -1 with errno or with *why set), and the size when known in advance. */
#define SOM__SIZE_UNKNOWN UINT64_MAX
typedef struct som__source {
    ssize_t (*read)(void *ctx, void *buf, size_t n, const char **why);
    void *ctx;
    uint64_t size; /* a regular file's; SOM__SIZE_UNKNOWN for streams */
} som__source;
/* Everything src holds in a new buffer (NUL-terminated, free with
 * som__free), at most som_input_limit() bytes; check may be NULL. */
int som__read_all(const som__source *src, const char *name,
                  const som__input_check *check, unsigned char **out,
                  size_t *len, som_error *err);
int som__read_fd(int fd, const char *name, const som__input_check *check,
                 unsigned char **out, size_t *len, som_error *err);
/* fd's size when it is a regular file, else SOM__SIZE_UNKNOWN. */
uint64_t som__fd_size(int fd);
/* The limit's message (SOM_ERANGE), for readers that know a size early. */
int som__input_too_big(const char *name, size_t limit, som_error *err);
/* The check of text formats: no NUL byte. ctx: a size_t set to 0. */
int som__check_text(void *ctx, const unsigned char *buf, size_t len,
                    const char *name, som_error *err);
/* The checks of .som and .npy streams (model.c, npy.c); ctx: a size_t set
 * to 0. */
int som__check_model_stream(void *ctx, const unsigned char *buf, size_t len,
                            const char *name, som_error *err);
int som__check_npy_stream(void *ctx, const unsigned char *buf, size_t len,
                          const char *name, som_error *err);

/* A whole input file: mapped private read-only when it is a regular file,
 * else read into memory (pipes, "-" for standard input), checked by `check`
 * (may be NULL) as it arrives. */
typedef struct som_file {
    void *bytes;
    size_t len;
    bool mapped;
} som_file;
int som__file_read(const char *path, const som__input_check *check, som_file *f,
                   som_error *err);
/* Opens `path` for reading and fills *st: the descriptor (>= 0), or a
 * negative status with "cannot open: ..." or "cannot read: ..." for path. */
struct stat;
int som__file_open(const char *path, struct stat *st, som_error *err);
void som__file_release(som_file *f);
/* CSV read a block of rows at a time (csv.c), for inputs larger than
 * memory: `sink` receives each block of up to block_rows rows as a
 * borrowed data set (titles, values, mask, labels and lines of those rows
 * only; valid during the call) in file order; a non-zero return stops
 * reading and is returned. Same rules and messages as som_data_read_csv. */
#define SOM__CSV_BLOCK_ROWS 4096
int som__csv_read_blocks(const char *buf, size_t len, const char *name,
                         const som_csv_opts *opts, bool mapped, size_t block_rows,
                         int (*sink)(const som_data *block, void *ctx), void *ctx,
                         som_error *err);
/* som_data_read_csv_mem on a read-only private mapping of a whole file
 * (buf page-aligned): pages already read are released as it goes, so the
 * file does not sit in memory beside the samples. */
int som__data_read_csv_mapped(const char *buf, size_t len, const char *name,
                              const som_csv_opts *opts, som_data **out, som_error *err);

/* ---- CSV (csv.c) ------------------------------------------------------------ */
/* Inputs with at least this many bytes after the first data row are parsed
 * on two threads (csv.c, parse_split); tests lower it. */
extern size_t som__csv_split_min;

/* ---- the CSV reader's parts (csv.c: cells, the reader's state, rows,
 *      plain lines and libcsv's callbacks — the per-cell and per-line path,
 *      in one file so that it inlines; csv_layout.c: the first line and
 *      records, titles, label column, row names and the finished data set;
 *      csv_read.c: the whole read, on two threads for large inputs;
 *      csv_write.c: the writer) ------------------------------------------ */
struct csv_parser; /* libcsv's */

typedef enum som__csv_cell {
    SOM__CELL_NUMBER,  /* a finite number */
    SOM__CELL_MISSING, /* empty, NA, NaN or ? */
    SOM__CELL_INF,     /* a number that is infinite or overflows a float */
    SOM__CELL_TEXT     /* anything else */
} som__csv_cell;

static inline bool som__csv_is_blank(char c) { return c == ' ' || c == '\t'; }

#define SOM__CSV_NO_COLUMN SIZE_MAX

typedef struct som__csv_reader {
    const char *name;
    som_error *err;
    int rc;             /* first error; once set, callbacks do nothing */
    locale_t loc;       /* the "C" locale for strtof_l */
    int header_opt;
    const char *label_opt;
    int row_names_opt;  /* som_csv_opts.row_names */
    bool first_untitled; /* the titles row left column 1's title empty */
    const uint8_t *first_quoted; /* per field of the first record */
    size_t n_first_quoted;

    size_t rec_line;    /* line where the current record began */
    size_t title_line;  /* line of the titles, 0 when there are none */
    size_t last_line;   /* the last line of the input */
    int phase;          /* 0: first record, 1: first data record, 2: rows */

    /* Record buffer for phases 0 and 1: fields NUL-terminated one after the
     * other; off[k] is where field k starts. */
    char *rb;
    size_t rb_len, rb_cap;
    size_t *off;
    size_t n_off, cap_off;

    /* The layout, fixed once the first data record is seen. */
    size_t ncols;       /* fields per record, label column included */
    size_t dim;         /* numeric columns */
    size_t label_col;   /* SOM__CSV_NO_COLUMN when none */
    char **titles;      /* ncols titles, as they will be reported */

    /* The current record. */
    size_t nf;          /* fields seen so far */
    size_t row_missing; /* missing numeric values so far */

    /* The samples, growing by doubling. */
    float *x;           /* cap*dim, aligned */
    uint8_t *mask;      /* cap*dim, created at the first missing value */
    char **labels;      /* cap, when there is a label column */
    size_t *lines;      /* cap */
    size_t n, cap, n_missing;
    size_t est_rows;    /* lines in the input: at least the rows */

    /* Reading in blocks (som__csv_read_blocks): every `cap` rows go to the
     * sink and the arrays start over, so memory stays bounded. */
    int (*sink)(const som_data *block, void *ctx);
    void *sink_ctx;
    size_t block_missing; /* n_missing when the block began */
    char **block_titles;  /* dim titles, borrowed from titles */
    som_cancel *cancel;   /* polled every 1024 lines (both threads) */
} som__csv_reader;

/* Pages of a read-only private file mapping that the reader has passed
 * are dropped from memory as it goes (they would otherwise count in the
 * process's RSS next to the samples, as large as the file); touching them
 * again reads them back from the page cache. */
typedef struct som__csv_releaser {
    const char *base; /* page-aligned start of the mapping, or NULL: keep all */
    size_t done;      /* bytes from base already released */
} som__csv_releaser;

#define SOM__CSV_RELEASE_STEP ((size_t)8 << 20)

/* ---- csv.c ---- */
/* Trims spaces and tabs at both ends. */
void som__csv_trim(const char **s, size_t *len);
/* What a cell holds; *v gets the number for SOM__CELL_NUMBER. */
som__csv_cell som__csv_parse_cell(locale_t loc, const char *s, size_t len, float *v);
/* The poll of the line loops: stops the reader with SOM_ECANCELED. */
bool som__csv_cancelled(som__csv_reader *r, size_t line);
/* Records the first error with its place; later ones are ignored. */
int som__csv_fail_at(som__csv_reader *r, int code, size_t line, size_t column, const char *fmt, ...)
    SOM_PRINTF(5, 6);
void som__csv_fail_oom(som__csv_reader *r);
/* Field k of the buffered record, and emptying the buffer. */
const char *som__csv_rb_field(const som__csv_reader *r, size_t k, size_t *len);
void som__csv_rb_clear(som__csv_reader *r);
bool som__csv_ensure_mask(som__csv_reader *r);
void som__csv_flush_block(som__csv_reader *r);
/* One field of a data record, straight into the samples; the record's end. */
void som__csv_take_field(som__csv_reader *r, const char *s, size_t len);
void som__csv_end_record(som__csv_reader *r);
/* A line without quotes, split at the delimiter (false: libcsv's). */
bool som__csv_plain_line(som__csv_reader *r, const char *p, size_t n, char delim);
/* libcsv's callbacks and its test for spaces when tab delimits. */
void som__csv_on_field(void *s, size_t len, void *ctx);
void som__csv_on_record(int c, void *ctx);
int som__csv_space(unsigned char c);
void som__csv_reader_free(som__csv_reader *r);
void som__csv_release_upto(som__csv_releaser *rel, const char *p);
/* Feeds the lines of [*pp, end) to plain_line or libcsv (see csv.c). */
void som__csv_parse_lines(som__csv_reader *r, struct csv_parser *parser, const char **pp,
                          const char *end, size_t *line, som__csv_releaser *rel, char delim,
                          bool at_rows);

/* ---- csv_layout.c ---- */
bool som__csv_first_record_is_data(som__csv_reader *r);
bool som__csv_set_titles(som__csv_reader *r, bool from_record);
void som__csv_start_rows(som__csv_reader *r);
char som__csv_detect_delimiter(const char *p, size_t len);
bool som__csv_scan_first_quoted(const char *p, size_t len, char delim, uint8_t **flags,
                                size_t *n);
/* The data set from the reader's arrays (row names told here). */
int som__csv_finish(som__csv_reader *r, som_data **out);

/* ---- little-endian helpers for the file formats --------------------------- */
static inline void som__put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}
static inline uint32_t som__get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
static inline void som__put_u64(unsigned char *p, uint64_t v)
{
    som__put_u32(p, (uint32_t)v);
    som__put_u32(p + 4, (uint32_t)(v >> 32));
}
static inline uint64_t som__get_u64(const unsigned char *p)
{
    return (uint64_t)som__get_u32(p) | (uint64_t)som__get_u32(p + 4) << 32;
}

/* ---- floating point in the binary formats (model.c, model_load.c,
 *      checkpoint.c): the IEEE-754 bit pattern as an unsigned integer. NaN
 *      is written in one canonical form so that a map always saves to the
 *      same bytes whatever operation produced its NaNs. ------------------ */
static inline uint64_t som__f64_bits(double v)
{
    if (isnan(v)) return UINT64_C(0x7ff8000000000000);
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}
static inline double som__bits_f64(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}
static inline uint32_t som__f32_bits(float v)
{
    if (isnan(v)) return UINT32_C(0x7fc00000);
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}
static inline float som__bits_f32(uint32_t u)
{
    float v;
    memcpy(&v, &u, sizeof v);
    return v;
}
/* The CRC-32 (zlib's) of n bytes, however large (model.c). */
uint32_t som__crc32(const unsigned char *p, size_t n);

/* ---- the native model file (doc/FORMAT.md): model.c writes it,
 *      model_load.c reads it ---------------------------------------------- */
/* PNG-style magic (model.c says what each byte catches). */
extern const unsigned char som__model_magic[8];
#define SOM__MODEL_VERSION 1u
#define SOM__MODEL_PREFIX_LEN 12u    /* magic + u32 version */
#define SOM__MODEL_CHUNK_HDR_LEN 12u /* 4-byte tag + u64 payload length */
#define SOM__MODEL_CRC_LEN 4u
/* Fixed payload sizes of version 1 (see doc/FORMAT.md). */
#define SOM__MODEL_HEAD_LEN 32u
#define SOM__MODEL_TRAN_LEN 120u
#define SOM__MODEL_HIST_ENTRY_LEN 40u
/* The chunks of version 1. The first SOM__CH_N_REQUIRED are critical
 * (upper-case first letter) and required exactly once; the optional ones
 * (lower-case) are written only when the map has what they hold (feature
 * weights, clusters). Writers emit them in this order. */
enum { SOM__CH_HEAD, SOM__CH_TITL, SOM__CH_SCAL, SOM__CH_TRAN, SOM__CH_HIST, SOM__CH_CODE,
       SOM__CH_N_REQUIRED, SOM__CH_FWGT = SOM__CH_N_REQUIRED, SOM__CH_TREX, SOM__CH_CLUS,
       SOM__CH_DIST, SOM__CH_N };
#define SOM__MODEL_TREX_LEN 8u
extern const char som__model_chunk_tags[SOM__CH_N][5];

/* ---- the interchange readers and writers ------------------------------------ */
/* The whole of `path` ("-": standard input) in a new NUL-terminated buffer
 * (free with som__free); gzip-compressed files are inflated on the way, any
 * other file is read as it is (zlib's gzread passes it through). At most
 * som_input_limit() bytes (inflated); `check` (may be NULL) sees a stream
 * or a compressed file as it arrives (som__read_all). */
int som__slurp(const char *path, const som__input_check *check, char **buf, size_t *len,
               som_error *err);

/* An in-memory reader: (bytes, length, name for messages, output, err). */
typedef int (*som__mem_reader)(const char *buf, size_t len, const char *name, void *out,
                               som_error *err);
/* Reads `path` whole ("-" is standard input, named "<stdin>" in messages)
 * and hands it to `fn`: the registry's reading of every format's path. */
int som__read_path(const char *path, som__mem_reader fn, const som__input_check *check,
                   void *out, som_error *err);

/* ---- the formats' parsers and writers, which the registry (registry.c)
 * calls: arguments are checked there (buf not NULL, name set, out set to
 * NULL), and every path a writer gets is the one the caller gave. ---- */
typedef int (*som__map_parser)(const char *buf, size_t len, const char *name, som_map **out,
                               som_error *err);
typedef int (*som__map_writer)(const som_map *map, const char *path, som_error *err);
/* opts: the CSV options (NULL: defaults); other formats ignore them. */
typedef int (*som__data_parser)(const char *buf, size_t len, const char *name,
                                const som_csv_opts *opts, som_data **out, som_error *err);
typedef int (*som__data_writer)(const som_data *data, const char *path, som_error *err);

int som__somnet_parse(const char *buf, size_t len, const char *name, som_map **out,
                      som_error *err); /* somnet.c; writer: som_map_save_somnet */
int som__cod_parse(const char *buf, size_t len, const char *name, som_map **out,
                   som_error *err); /* sompak.c */
int som__cod_write(const som_map *map, const char *path, som_error *err);
int som__dat_parse(const char *buf, size_t len, const char *name, const som_csv_opts *opts,
                   som_data **out, som_error *err);
int som__dat_write(const som_data *data, const char *path, som_error *err);
int som__wts_parse(const char *buf, size_t len, const char *name, som_map **out,
                   som_error *err); /* esom.c */
int som__wts_write(const som_map *map, const char *path, som_error *err);
int som__umx_write(const som_map *map, const char *path, som_error *err);
int som__lrn_parse(const char *buf, size_t len, const char *name, const som_csv_opts *opts,
                   som_data **out, som_error *err);
int som__lrn_write(const som_data *data, const char *path, som_error *err);
int som__csv_parse(const char *buf, size_t len, const char *name, const som_csv_opts *opts,
                   som_data **out, som_error *err); /* csv.c */
/* A CSV file mapped (regular files) or read whole (streams). */
int som__csv_read_path(const char *path, const som_csv_opts *opts, som_data **out,
                       som_error *err);
int som__csv_write(const som_data *data, const char *path, som_error *err); /* csv_write.c */
int som__npy_parse(const char *buf, size_t len, const char *name, const som_csv_opts *opts,
                   som_data **out, som_error *err); /* npy.c */
/* A .npy file mapped where it can be (som_data_read_npy's rules). */
int som__npy_read_path(const char *path, const som_csv_opts *opts, som_data **out,
                       som_error *err);
int som__npy_write(const som_data *data, const char *path, som_error *err);

/* The check of a .somnet stream (somnet.c); ctx: a size_t set to 0. */
int som__check_somnet_stream(void *ctx, const unsigned char *buf, size_t len, const char *name,
                             som_error *err);

/* Text walked line by line. CR LF and LF both end a line. */
typedef struct som__text {
    const char *p, *end;
    const char *name; /* for messages */
    size_t line;      /* 1-based number of the line last returned */
} som__text;

void som__text_init(som__text *t, const char *buf, size_t len, const char *name);
/* The next line without its line end; false at the end of the text. */
bool som__text_next(som__text *t, const char **s, size_t *len);

/* One token of a line: bytes [s, s+len), starting at 1-based column col. */
typedef struct som__tok {
    const char *s;
    size_t len, col;
} som__tok;

/* The next token of line[0..len) from *pos, split on spaces and tabs (or on
 * tabs only when tabs_only, so that a field may hold spaces); false at the
 * end of the line. With tabs_only, empty fields between two tabs are
 * tokens of length 0. */
bool som__next_tok(const char *line, size_t len, size_t *pos, bool tabs_only,
                   som__tok *tok);
bool som__tok_is(const som__tok *tok, const char *word);

/* Finite numbers in the C locale, the whole token and nothing else. */
bool som__parse_float(locale_t loc, const char *s, size_t len, float *out);
bool som__parse_double(locale_t loc, const char *s, size_t len, double *out);
/* A whole decimal number without sign. */
bool som__parse_size(const char *s, size_t len, size_t *out);

/* A text file written in the C locale, atomically. */
typedef struct som__textout {
    som_outfile *of;
    FILE *f;
    locale_t loc, old;
} som__textout;

int som__textout_open(som__textout *t, const char *path, som_error *err);
/* Commits (or, after a write error, aborts) and restores the locale. */
int som__textout_close(som__textout *t, const char *path, som_error *err);
void som__textout_abort(som__textout *t);

/* path with `ext` added when its last component has no '.' (MQL5's
 * DownloadNet: "net" -> "net.somnet"; "-" stays); a new string, NULL when
 * out of memory. */
char *som__with_extension(const char *path, const char *ext);
/* path ends with suffix, ignoring case. */
bool som__has_suffix(const char *path, const char *suffix);

/* ---- JSON models (json.c writes, json_read.c reads; json_write.c is the
 * one JSON writer of som_json.h). The layout is in doc/FORMAT.md, "JSON
 * models". */
#define SOM__JSON_FORMAT "som-map"
#define SOM__JSON_VERSION 1

/* The JSON writer one member at a time (json_write.c), so that a large
 * codebook is written a row at a time instead of built as one tree:
 * som_json_write is begin, a member or a run of rows per key, end. Every
 * call consumes v (steals its reference; NULL: out of memory, which end
 * reports). */
typedef struct som__jw {
    FILE *f;
    som_json_layout layout;
    bool in_string, escaped; /* where the text dumped so far ends */
    bool failed, oom;        /* a write failed; an allocation failed */
    size_t members, rows;    /* written so far: the object's, the array's */
    locale_t loc, old;       /* the C locale while writing, the caller's */
} som__jw;
void som__jw_begin(som__jw *w, FILE *f, som_json_layout layout);
void som__jw_member(som__jw *w, const char *key, json_t *v);
void som__jw_rows_begin(som__jw *w, const char *key); /* "key":[ */
void som__jw_row(som__jw *w, json_t *v);
/* A row of floats, each %.9g (which reads back as the same float). */
void som__jw_row_floats(som__jw *w, const float *v, size_t n);
void som__jw_rows_end(som__jw *w);
/* Closes the object, restores the locale: SOM_OK, SOM_EIO or SOM_ENOMEM. */
int som__jw_end(som__jw *w, som_error *err);

/* The reader: a .json model in buf[0..len) into a new map *out (NULL on
 * failure). Errors (SOM_EFORMAT) name the file, line and
 * column: jansson's for text that is not JSON, the place of the offending
 * value for JSON that is not a model. */
int som__map_read_json_mem(const char *buf, size_t len, const char *name, som_map **out,
                           som_error *err);

#endif /* SOM_IO_H */
