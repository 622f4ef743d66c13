/* SPDX-License-Identifier: MIT */
/*
 * som_json.h — the one JSON writer of libsom and the programs built on it
 * (`som`'s --json outputs, `som report --json`, the .json model format).
 *
 * Values are jansson trees (<jansson.h>); what this header adds is the
 * policy every JSON that libsom or `som` writes follows:
 *
 *   Numbers   written with printf's %.9g in the C locale, or with as many
 *             more significant digits (up to 17) as it takes to read back
 *             as the same double: som_json_number keeps a double exactly,
 *             som_json_number9 rounds it to 9 significant digits first (a
 *             float's precision; for numbers meant to be read by people).
 *             NaN and infinities, which JSON lacks, are null. Negative
 *             zero is written -0.0 (a bare -0 reads back as the integer 0).
 *   Strings   UTF-8. A byte that is not part of valid UTF-8 (a Latin-1 "é"
 *             in a CSV title) is written as U+FFFD, so that the output is
 *             always valid JSON; such a string does not read back as the
 *             same bytes.
 *   Layout    one member of the top-level object per line, and one element
 *             per line of a member that is an array of arrays or objects (a
 *             codebook, a history); everything deeper on one line. Or all
 *             of it on one line (SOM_JSON_LINE).
 *
 * Experimental: for the programs in this source tree; not installed.
 */
#ifndef SOM_JSON_H
#define SOM_JSON_H

#include <jansson.h>
#include <stdio.h>

#include "som.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A JSON number that reads back as exactly v (null when v is NaN or
 * infinite). New reference; NULL when out of memory. */
SOM_API json_t *som_json_number(double v);
/* v rounded to 9 significant digits (%.9g), then as som_json_number. */
SOM_API json_t *som_json_number9(double v);
/* A JSON string of s (NULL is ""), bytes that are not valid UTF-8 replaced
 * by U+FFFD. New reference; NULL when out of memory. */
SOM_API json_t *som_json_string(const char *s);
/* Whether the len bytes at s are valid UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF); when not, *bad (may be NULL) gets
 * the offset of the first byte that is not. */
SOM_API int som_json_utf8_valid(const char *s, size_t len, size_t *bad);

/* The layouts of som_json_write. */
typedef enum som_json_layout {
    SOM_JSON_COMPACT, /* "key":value, no indent (the .json model format) */
    SOM_JSON_SPACED,  /* "key": value, ", " between elements, members
                         indented by 2 and their lines by 4 (--json) */
    SOM_JSON_LINE     /* as SPACED, all on one line (som eval --json) */
} som_json_layout;

/* Writes v and a final newline to f in `layout` (see above), in the C
 * locale whatever the caller's. Errors: SOM_ENOMEM, SOM_EIO (a failed
 * write; err names no file: the caller knows which it is). */
SOM_API int som_json_write(FILE *f, const json_t *v, som_json_layout layout, som_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SOM_JSON_H */
