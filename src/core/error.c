/* SPDX-License-Identifier: MIT */
/* error.c — status codes, their names and texts, and the caller's som_error. */
#include "core/core.h"

#include <stdio.h>
#include <string.h>

unsigned som_version_number(void) { return SOM_VERSION_NUMBER; }
const char *som_version_string(void) { return SOM_VERSION_STRING; }

const char *som_strerror(int code)
{
    switch (code) {
#define SOM_STRERROR_CASE_(name, value, text) \
    case value: return text;
        SOM_ERROR_MAP(SOM_STRERROR_CASE_)
#undef SOM_STRERROR_CASE_
    default: return "unknown error";
    }
}

const char *som_err_name(int code)
{
    switch (code) {
#define SOM_ERRNAME_CASE_(name, value, text) \
    case value: return "SOM_" #name;
        SOM_ERROR_MAP(SOM_ERRNAME_CASE_)
#undef SOM_ERRNAME_CASE_
    default: return "SOM_UNKNOWN";
    }
}

void som_error_clear(som_error *err)
{
    if (!err) return;
    err->code = SOM_OK;
    err->line = err->column = 0;
    err->file[0] = '\0';
    err->message[0] = '\0';
}

static int fill(som_error *err, int code, const char *file, size_t line,
                size_t column, const char *fmt, va_list ap) SOM_PRINTF(6, 0);

static int fill(som_error *err, int code, const char *file, size_t line,
                size_t column, const char *fmt, va_list ap)
{
    if (!err) return code;
    err->code = code;
    err->line = line;
    err->column = column;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    size_t off = 0;
    if (file && *file) {
        int k;
        if (line && column)
            k = snprintf(err->message, sizeof err->message, "%s:%zu:%zu: ", file, line, column);
        else if (line)
            k = snprintf(err->message, sizeof err->message, "%s:%zu: ", file, line);
        else
            k = snprintf(err->message, sizeof err->message, "%s: ", file);
        off = k < 0 ? 0 : (size_t)k;
        if (off >= sizeof err->message) off = sizeof err->message - 1;
    }
    vsnprintf(err->message + off, sizeof err->message - off, fmt, ap);
    return code;
}

int som__error(som_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fill(err, code, NULL, 0, 0, fmt, ap);
    va_end(ap);
    return code;
}

int som__error_at(som_error *err, int code, const char *file, size_t line,
                  size_t column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fill(err, code, file, line, column, fmt, ap);
    va_end(ap);
    return code;
}

int som_error_set(som_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fill(err, code, NULL, 0, 0, fmt, ap);
    va_end(ap);
    return code;
}

int som__error_oom(som_error *err)
{
    return som__error(err, SOM_ENOMEM, "out of memory");
}
