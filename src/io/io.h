/* SPDX-License-Identifier: MIT */
/* io.h — the internal header of the io layer (src/io/), over core.h.
 * What the readers and writers of other tools' files share (somnet.c,
 * sompak.c, esom.c, json.c, load_any.c): reading a whole file
 * through zlib, walking text line by line and token by token with 1-based
 * line and column numbers, parsing numbers in the C locale, and text output
 * in the C locale through an atomic som_outfile. Never installed. */
#ifndef SOM_IO_H
#define SOM_IO_H

#include "core/core.h"

#include <locale.h>
#include <stdio.h>

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
 * and hands it to `fn`: every file reader is its _mem twin behind this. The
 * _text form checks a stream for what no text holds (a NUL byte). */
int som__read_path(const char *path, som__mem_reader fn, const som__input_check *check,
                   void *out, som_error *err);
int som__read_text_path(const char *path, som__mem_reader fn, void *out, som_error *err);
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

/* path ends with suffix, ignoring case. */
bool som__has_suffix(const char *path, const char *suffix);

#endif /* SOM_IO_H */
