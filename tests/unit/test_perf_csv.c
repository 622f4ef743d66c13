/* SPDX-License-Identifier: MIT */
/* The CSV reader's fast paths (issue 6) give exactly what the slow ones
 * give: every number the float strtof returns, to the last bit, and plain
 * lines (split without libcsv) the same samples, masks, labels, line numbers
 * and error messages as the same lines read through libcsv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <omp.h>

#include "som.h"
#include "io/io.h" /* som__csv_split_min */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t next(void)
{
    /* splitmix64: reproducible everywhere, unlike rand(). */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* One number per line, every one compared with strtof bit for bit. */
static void check_cells(char (*cells)[48], size_t n)
{
    size_t cap = n * 50 + 16, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)snprintf(text, cap, "v\n");
    for (size_t i = 0; i < n; i++) {
        /* Out of float range is an error for the reader: not this test's. */
        if (!isfinite(strtof(cells[i], NULL))) snprintf(cells[i], 48, "0.5");
        len += (size_t)snprintf(text + len, cap - len, "%s\n", cells[i]);
    }
    som_data *d;
    som_error err;
    assert_int_equal(som_data_read_csv_mem(text, len, "t.csv", NULL, &d, &err), SOM_OK);
    assert_int_equal(som_data_n_samples(d), n);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        float want = strtof(cells[i], NULL);
        float got = som_data_row(d, i)[0];
        if (memcmp(&want, &got, sizeof want) != 0 && bad++ < 10)
            print_error("'%s': got %.9g want %.9g\n", cells[i], (double)got, (double)want);
    }
    assert_int_equal(bad, 0);
    som_data_free(d);
    free(text);
}

static float random_float(void)
{
    for (;;) {
        uint32_t bits = (uint32_t)next();
        float f;
        memcpy(&f, &bits, sizeof f);
        if (isfinite(f)) return f;
    }
}

/* Shortest round-trip forms (what som writes), %.9g, and longer forms of
 * random floats of every magnitude; random decimals of 1 to 17 digits with
 * exponents around the fast path's limits. */
static void numbers_match_strtof(void **state)
{
    (void)state;
    enum { N = 200000 };
    char (*cells)[48] = malloc(N * sizeof *cells);
    assert_non_null(cells);
    for (size_t i = 0; i < N; i++) {
        int kind = (int)(next() % 6);
        float f = random_float();
        /* Many values in the range data usually have. */
        if (next() % 2) f = (float)ldexp((double)f, -(int)(next() % 40)) * 1e9f;
        if (!isfinite(f)) f = 1.0f;
        switch (kind) {
        case 0:
            for (int prec = 6; prec <= 9; prec++) {
                snprintf(cells[i], 48, "%.*g", prec, (double)f);
                if (strtof(cells[i], NULL) == f) break;
            }
            break;
        case 1: snprintf(cells[i], 48, "%.9g", (double)f); break;
        case 2: snprintf(cells[i], 48, "%.*g", 10 + (int)(next() % 8), (double)f); break;
        case 3: {
            /* digits '.' digits, up to 19 significant digits in all */
            int a = (int)(next() % 9), b = (int)(next() % 10);
            uint64_t ip = next() % (uint64_t)pow(10, a + 1);
            uint64_t fp = next() % (uint64_t)pow(10, b + 1);
            snprintf(cells[i], 48, "%s%llu.%0*llu", next() % 2 ? "-" : "", (unsigned long long)ip,
                     b + 1, (unsigned long long)fp);
            break;
        }
        case 4: {
            uint64_t m = next() % 100000000000000000u;
            int digits = 1 + (int)(next() % 17);
            m %= (uint64_t)pow(10, digits);
            int e = (int)(next() % 61) - 30;
            snprintf(cells[i], 48, "%llue%d", (unsigned long long)m, e);
            break;
        }
        default:
            snprintf(cells[i], 48, "%.*e", (int)(next() % 9), (double)f);
            break;
        }
    }
    check_cells(cells, N);
    free(cells);
}

/* Values at and next to the rounding boundaries of float, where rounding a
 * double a second time could go wrong: midpoints between floats (exact,
 * where they are short, and nearby decimals), FLT_MAX and the overflow
 * threshold, the normal/subnormal edge. */
static void boundaries_match_strtof(void **state)
{
    (void)state;
    enum { N = 60000 };
    char (*cells)[48] = malloc(N * sizeof *cells);
    assert_non_null(cells);
    size_t k = 0;
    static const char *fixed[] = {
        "16777217", "16777219", "33554434", "33554438", "16777217.0000001",
        "16777216.9999999", "1.00000005960464477539", "1.0000000596046448",
        "1.0000000596046447", "3.4028234e38", "3.40282347e+38", "3.4028235e38",
        "1.17549435e-38", "1.1754942e-38", "1.4e-45",
        "7e-46", "0", "-0", "+0.0", "0e5", "-0.000", "9007199254740991",
        "9007199254740993", "900719925474099.1", "1e22", "1e23", "1e-22", "1e-23",
        "4.5035996e15", "0.1", "0.2", "0.3", "2.5", "-2.5", "8388609", "8388608.5"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) snprintf(cells[k++], 48, "%s", fixed[i]);
    while (k < N) {
        float f = fabsf(random_float());
        if (f == 0.0f || f >= FLT_MAX) continue;
        double mid = ((double)f + (double)nextafterf(f, INFINITY)) / 2.0; /* exact */
        int how = (int)(next() % 4);
        if (how == 0)
            snprintf(cells[k++], 48, "%.17g", mid);
        else if (how == 1)
            snprintf(cells[k++], 48, "%.*g", 9 + (int)(next() % 8), mid);
        else if (how == 2)
            snprintf(cells[k++], 48, "%.17g", nextafter(mid, 0.0));
        else
            snprintf(cells[k++], 48, "%.17g", nextafter(mid, INFINITY));
    }
    check_cells(cells, N);
    free(cells);
}

/* Reads text and its twin whose data lines from the third on begin with a
 * quoted field (which sends them through libcsv); both must give the same
 * data set or the same error. */
static void same_result(const char *plain, size_t split_a, const char *quoted, size_t split_b,
                        const som_csv_opts *opts)
{
    som_data *a = NULL, *b = NULL;
    som_error ea, eb;
    som_error_clear(&ea);
    som_error_clear(&eb);
    const size_t split_default = som__csv_split_min;
    som__csv_split_min = split_a;
    int ra = som_data_read_csv_mem(plain, strlen(plain), "t.csv", opts, &a, &ea);
    som__csv_split_min = split_b;
    int rb = som_data_read_csv_mem(quoted, strlen(quoted), "t.csv", opts, &b, &eb);
    som__csv_split_min = split_default;
    if (ra != rb || strcmp(ea.message, eb.message) != 0)
        print_error("first: %d %s\nsecond: %d %s\n---\n%s---\n%s---\n", ra, ea.message, rb,
                    eb.message, plain, quoted);
    assert_int_equal(ra, rb);
    assert_string_equal(ea.message, eb.message);
    if (ra != SOM_OK) return;
    size_t n = som_data_n_samples(a), dim = som_data_dim(a);
    assert_int_equal(n, som_data_n_samples(b));
    assert_int_equal(dim, som_data_dim(b));
    assert_memory_equal(som_data_values(a), som_data_values(b), n * dim * sizeof(float));
    assert_int_equal(som_data_n_missing(a), som_data_n_missing(b));
    if (som_data_mask(a)) assert_memory_equal(som_data_mask(a), som_data_mask(b), n * dim);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(som_data_line(a, i), som_data_line(b, i));
        const char *la = som_data_label(a, i), *lb = som_data_label(b, i);
        assert_true((la == NULL) == (lb == NULL));
        if (la) assert_string_equal(la, lb);
    }
    for (size_t j = 0; j < dim; j++) assert_string_equal(som_data_title(a, j), som_data_title(b, j));
    som_data_free(a);
    som_data_free(b);
}

static void same_as_libcsv(const char *plain, const char *quoted, const som_csv_opts *opts)
{
    same_result(plain, SIZE_MAX, quoted, SIZE_MAX, opts);
}

static void plain_lines_match_libcsv(void **state)
{
    (void)state;
    static const char *cells[] = {"1.5", " 2 ", "-3e2", "", "NA", "?", "nan", " 7.25\t",
                                  "0x1p3", "1e", "abc", "inf", "1e39", "4", "5", "6"};
    const size_t n_cells = sizeof cells / sizeof cells[0];
    const char delims[] = {',', ';', '\t'};
    for (int trial = 0; trial < 600; trial++) {
        char delim = delims[trial % 3];
        int label = trial % 5 == 0;
        int errors = trial % 4 == 0; /* allow cells that are errors */
        int crlf = trial % 7 == 0;
        size_t cols = 1 + next() % 4, rows = 3 + next() % 12;
        char plain[4096], quoted[4096];
        size_t lp = 0, lq = 0;
        const char *eol = crlf ? "\r\n" : "\n";
        for (size_t r = 0; r < rows; r++) {
            int ragged = errors && next() % 23 == 0;
            size_t nc = cols + (size_t)label + (ragged ? 1 : 0);
            if (r >= 2 && next() % 13 == 0) {
                /* a blank line: libcsv skips it either way */
                lp += (size_t)snprintf(plain + lp, sizeof plain - lp, "  %s", eol);
                lq += (size_t)snprintf(quoted + lq, sizeof quoted - lq, "  %s", eol);
            }
            for (size_t c = 0; c < nc; c++) {
                char cell[32];
                if (r == 0)
                    snprintf(cell, sizeof cell, "t%zu", c);
                else if (label && c == 0)
                    snprintf(cell, sizeof cell, "row %zu", r);
                else {
                    size_t pick = next() % n_cells;
                    /* present values only in the first data row, so that it
                     * never takes a label column of its own */
                    while ((!errors || r == 1) && (pick >= 8 && pick <= 12)) pick = next() % n_cells;
                    if (r == 1 && pick >= 3 && pick <= 6) pick = 0;
                    /* an empty line is no record at all; quoted, it would be one */
                    if (nc == 1 && pick == 3) pick = 4;
                    snprintf(cell, sizeof cell, "%s", cells[pick]);
                    if (delim == '\t' && strchr(cell, '\t')) snprintf(cell, sizeof cell, "7.25");
                }
                if (c) {
                    plain[lp++] = delim;
                    quoted[lq++] = delim;
                }
                lp += (size_t)snprintf(plain + lp, sizeof plain - lp, "%s", cell);
                if (r >= 2 && c == 0)
                    lq += (size_t)snprintf(quoted + lq, sizeof quoted - lq, "\"%s\"", cell);
                else
                    lq += (size_t)snprintf(quoted + lq, sizeof quoted - lq, "%s", cell);
            }
            lp += (size_t)snprintf(plain + lp, sizeof plain - lp, "%s", eol);
            lq += (size_t)snprintf(quoted + lq, sizeof quoted - lq, "%s", eol);
        }
        som_csv_opts o;
        som_csv_opts_init(&o);
        o.delimiter = delim;
        o.header = 1;
        if (label) o.label_column = "t0";
        same_as_libcsv(plain, quoted, &o);
    }
}

/* Large inputs are read by two threads (csv.c, parse_split): the cut in
 * the middle of a table must never show. Random tables with labels, gaps,
 * blank lines (rows moved down), quoted fields over several lines (across
 * the cut: the second thread's work dropped), lone CRs (not split), errors
 * on either side of the cut, CRLF and a last line without a newline, each
 * read split (any size) and not split: the same data set or the same
 * error. */
static void split_reading_matches_one_thread(void **state)
{
    (void)state;
    omp_set_num_threads(2);
    static const char *cells[] = {"1.5", "2", "-3e2", "", "NA", "7.25", "4", "0.125", "abc", "1e39"};
    const size_t n_cells = sizeof cells / sizeof cells[0];
    for (int trial = 0; trial < 800; trial++) {
        const char delim = trial % 3 == 0 ? ';' : ',';
        const int label = trial % 2 == 0, errors = trial % 5 == 0, crlf = trial % 7 == 0;
        const size_t cols = 1 + next() % 4, rows = 4 + next() % 40;
        char text[16384];
        size_t len = 0;
        const char *eol = crlf ? "\r\n" : "\n";
        for (size_t r = 0; r < rows; r++) {
            if (r >= 2 && next() % 11 == 0) len += (size_t)snprintf(text + len, sizeof text - len, "%s", eol);
            for (size_t c = 0; c < cols + (size_t)label; c++) {
                if (c) text[len++] = delim;
                if (r == 0) {
                    len += (size_t)snprintf(text + len, sizeof text - len, "t%zu", c);
                } else if (label && c == 0) {
                    if (r >= 2 && next() % 9 == 0) /* a quoted label over three lines,
                                                      the middle one plain */
                        len += (size_t)snprintf(text + len, sizeof text - len, "\"row%s%zu,%zu%s.\"",
                                                eol, r, r, eol);
                    else
                        len += (size_t)snprintf(text + len, sizeof text - len, "row %zu", r);
                } else {
                    size_t pick = next() % n_cells;
                    if (r == 1 || !errors)
                        while (pick >= 8 || (r == 1 && (pick == 3 || pick == 4))) pick = next() % n_cells;
                    if (cols == 1 && !label && pick == 3) pick = 4; /* an empty line is no record */
                    len += (size_t)snprintf(text + len, sizeof text - len, "%s", cells[pick]);
                }
            }
            /* rows end with the line end, now and then with a lone CR (the
             * next row on the same line), the last one sometimes with none */
            const char *end = r >= 2 && next() % 29 == 0 ? "\r" : eol;
            if (r + 1 < rows || next() % 3) len += (size_t)snprintf(text + len, sizeof text - len, "%s", end);
            assert_true(len < sizeof text - 256);
        }
        text[len] = '\0';
        som_csv_opts o;
        som_csv_opts_init(&o);
        o.header = 1;
        if (label) o.label_column = "t0";
        same_result(text, 1, text, SIZE_MAX, &o);
        /* without a place for the message, too */
        som_data *d = NULL, *e = NULL;
        const size_t split_default = som__csv_split_min;
        som__csv_split_min = 1;
        int rc = som_data_read_csv_mem(text, len, "t.csv", &o, &d, NULL);
        som__csv_split_min = SIZE_MAX;
        assert_int_equal(rc, som_data_read_csv_mem(text, len, "t.csv", &o, &e, NULL));
        som__csv_split_min = split_default;
        som_data_free(d);
        som_data_free(e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_match_strtof),
        cmocka_unit_test(boundaries_match_strtof),
        cmocka_unit_test(plain_lines_match_libcsv),
        cmocka_unit_test(split_reading_matches_one_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
