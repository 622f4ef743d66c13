/* SPDX-License-Identifier: MIT */
/* render_args.c — see render_args.h. */
#include "render_args.h"

#include <math.h>
#include <stdlib.h>

int render_parse_size(const char *s, int *w, int *h)
{
    char *end;
    long a = strtol(s, &end, 10);
    if (end == s || (*end != 'x' && *end != 'X')) return 0;
    const char *t = end + 1;
    long b = strtol(t, &end, 10);
    if (end == t || *end || a < 1 || b < 1 || a > 32767 || b > 32767) return 0;
    *w = (int)a;
    *h = (int)b;
    return 1;
}

int render_parse_range(const char *s, som_range_mode *mode, double *lo, double *hi)
{
    int m = som_range_mode_parse(s);
    if (m >= 0) {
        *mode = (som_range_mode)m;
        return 1;
    }
    /* the colon after MIN: MIN itself may start with '-' */
    char *end;
    double a = strtod(s, &end);
    if (end == s || *end != ':') return 0;
    const char *t = end + 1;
    double b = strtod(t, &end);
    if (end == t || *end || !isfinite(a) || !isfinite(b) || !(a < b)) return 0;
    *mode = SOM_RANGE_FIXED;
    *lo = a;
    *hi = b;
    return 1;
}
