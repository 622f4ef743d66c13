/* SPDX-License-Identifier: MIT */
/* test_csv.c — the CSV reader and writer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "som.h"

/* ---- helpers ----------------------------------------------------------------- */

static som_data *read_ok_opts(const char *text, const som_csv_opts *opts)
{
    som_error err;
    som_error_clear(&err);
    som_data *d = NULL;
    int rc = som_data_read_csv_mem(text, strlen(text), "t.csv", opts, &d, &err);
    if (rc != SOM_OK) print_error("unexpected error: %s\n", err.message);
    assert_int_equal(rc, SOM_OK);
    assert_non_null(d);
    return d;
}

static som_data *read_ok(const char *text) { return read_ok_opts(text, NULL); }

/* Reads text expecting failure with `code`; the message must start with
 * "t.csv:LINE:COLUMN: " and contain `needle`. */
static void read_fails_opts(const char *text, const som_csv_opts *opts, int code,
                            size_t line, size_t column, const char *needle)
{
    som_error err;
    som_error_clear(&err);
    som_data *d = (som_data *)1;
    int rc = som_data_read_csv_mem(text, strlen(text), "t.csv", opts, &d, &err);
    if (rc != code) print_error("got %s: %s\n", som_err_name(rc), err.message);
    assert_int_equal(rc, code);
    assert_int_equal(err.code, code);
    assert_null(d);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "t.csv:%zu:%zu: ", line, column);
    if (strncmp(err.message, prefix, strlen(prefix)) != 0 || !strstr(err.message, needle))
        print_error("message: %s\nwanted prefix '%s' and '%s'\n", err.message, prefix, needle);
    assert_int_equal(strncmp(err.message, prefix, strlen(prefix)), 0);
    assert_non_null(strstr(err.message, needle));
    assert_int_equal(err.line, line);
    assert_int_equal(err.column, column);
    assert_string_equal(err.file, "t.csv");
}

static void read_fails(const char *text, int code, size_t line, size_t column, const char *needle)
{
    read_fails_opts(text, NULL, code, line, column, needle);
}

static void assert_row(const som_data *d, size_t i, const float *want)
{
    const float *x = som_data_row(d, i);
    assert_non_null(x);
    for (size_t j = 0; j < som_data_dim(d); j++) {
        if (x[j] != want[j]) print_error("row %zu col %zu: %.9g != %.9g\n", i, j, (double)x[j], (double)want[j]);
        assert_true(x[j] == want[j]);
    }
}

/* ---- delimiters, quoting, line ends ---------------------------------------- */

static void test_delimiter_comma(void **state)
{
    (void)state;
    som_data *d = read_ok("a,b,c\n1,2,3\n4,5,6\n");
    assert_int_equal(som_data_n_samples(d), 2);
    assert_int_equal(som_data_dim(d), 3);
    assert_string_equal(som_data_title(d, 0), "a");
    assert_string_equal(som_data_title(d, 2), "c");
    assert_row(d, 1, (float[]){4, 5, 6});
    assert_null(som_data_mask(d));
    assert_null(som_data_label_title(d));
    som_data_free(d);
}

static void test_delimiter_semicolon(void **state)
{
    (void)state;
    som_data *d = read_ok("a;b;c\n1.5;2;3\n");
    assert_int_equal(som_data_dim(d), 3);
    assert_row(d, 0, (float[]){1.5f, 2, 3});
    som_data_free(d);
}

static void test_delimiter_tab(void **state)
{
    (void)state;
    /* Spaces around numbers are allowed; the tab delimits, never trims. */
    som_data *d = read_ok("a\tb\tc\n 1\t\t3 \n4\t5\t6\n");
    assert_int_equal(som_data_dim(d), 3);
    assert_int_equal(som_data_n_samples(d), 2);
    assert_row(d, 0, (float[]){1, 0, 3});
    assert_non_null(som_data_mask(d));
    assert_int_equal(som_data_row_mask(d, 0)[1], 0);
    assert_int_equal(som_data_n_missing(d), 1);
    som_data_free(d);
}

static void test_delimiter_forced(void **state)
{
    (void)state;
    som_csv_opts o;
    som_csv_opts_init(&o);
    o.delimiter = ';';
    /* Detection would take ',' (two of them); the option says ';'. */
    som_data *d = read_ok_opts("x,y;z\n1;2\n", &o);
    assert_int_equal(som_data_dim(d), 2);
    assert_string_equal(som_data_title(d, 0), "x,y");
    assert_string_equal(som_data_title(d, 1), "z");
    som_data_free(d);
}

static void test_delimiter_inside_quotes_not_counted(void **state)
{
    (void)state;
    som_data *d = read_ok("\"a;b;c\";\"d\"\n1;2\n");
    assert_int_equal(som_data_dim(d), 2);
    assert_string_equal(som_data_title(d, 0), "a;b;c");
    som_data_free(d);
    /* Semicolons in quotes do not outvote the comma. */
    d = read_ok("\"a;b;c\",d\n1,2\n");
    assert_int_equal(som_data_dim(d), 2);
    som_data_free(d);
}

static void test_quoted_fields(void **state)
{
    (void)state;
    som_data *d = read_ok("name,\"x, the first\",y\n"
                          "\"he said \"\"hi\"\"\",1,2\n"
                          "\"two\nlines\",3,4\n"
                          "plain,\" 5 \",6\n");
    assert_int_equal(som_data_n_samples(d), 3);
    assert_int_equal(som_data_dim(d), 2);
    assert_string_equal(som_data_label_title(d), "name");
    assert_string_equal(som_data_title(d, 0), "x, the first");
    assert_string_equal(som_data_label(d, 0), "he said \"hi\"");
    assert_string_equal(som_data_label(d, 1), "two\nlines");
    assert_row(d, 2, (float[]){5, 6});
    /* Lines: header 1, rows start at 2, 3 (spanning 3-4) and 5. */
    assert_int_equal(som_data_line(d, 0), 2);
    assert_int_equal(som_data_line(d, 1), 3);
    assert_int_equal(som_data_line(d, 2), 5);
    som_data_free(d);
}

static void test_crlf_and_bom(void **state)
{
    (void)state;
    som_data *d = read_ok("\xEF\xBB\xBF" "a,b\r\n1,2\r\n\r\n3,4\r\n");
    assert_string_equal(som_data_title(d, 0), "a");
    assert_int_equal(som_data_n_samples(d), 2);
    assert_row(d, 1, (float[]){3, 4});
    assert_int_equal(som_data_line(d, 1), 4);
    som_data_free(d);
    /* No final line end. */
    d = read_ok("a,b\n1,2\n3,4");
    assert_int_equal(som_data_n_samples(d), 2);
    assert_row(d, 1, (float[]){3, 4});
    som_data_free(d);
}

static void test_blank_lines_skipped(void **state)
{
    (void)state;
    som_data *d = read_ok("\n\na,b\n\n1,2\n   \n\n3,4\n\n");
    assert_int_equal(som_data_n_samples(d), 2);
    assert_int_equal(som_data_line(d, 0), 5);
    assert_int_equal(som_data_line(d, 1), 8);
    som_data_free(d);
}

/* ---- header ------------------------------------------------------------------ */

static void test_header_auto_numbers_are_data(void **state)
{
    (void)state;
    som_data *d = read_ok("1,2,3\n4,5,6\n");
    assert_int_equal(som_data_n_samples(d), 2);
    assert_string_equal(som_data_title(d, 0), "1");
    assert_string_equal(som_data_title(d, 2), "3");
    assert_row(d, 0, (float[]){1, 2, 3});
    assert_int_equal(som_data_line(d, 0), 1);
    som_data_free(d);
    /* Missing cells in a numeric first row keep it data. */
    d = read_ok("1,,3\n4,5,6\n");
    assert_int_equal(som_data_n_samples(d), 2);
    assert_int_equal(som_data_n_missing(d), 1);
    som_data_free(d);
    /* Quoted numbers in the first row are titles (som_data_write_csv's way). */
    d = read_ok("\"1\",\"2\"\n4,5\n");
    assert_int_equal(som_data_n_samples(d), 1);
    assert_string_equal(som_data_title(d, 1), "2");
    som_data_free(d);
}

static void test_header_forced(void **state)
{
    (void)state;
    som_csv_opts o;
    som_csv_opts_init(&o);
    o.header = 1;
    som_data *d = read_ok_opts("10,20\n1,2\n", &o);
    assert_int_equal(som_data_n_samples(d), 1);
    assert_string_equal(som_data_title(d, 0), "10");
    som_data_free(d);
    o.header = 0;
    d = read_ok_opts("x,3\n1,2\n", &o);
    /* 'x' in the first data row makes column 1 the label column. */
    assert_int_equal(som_data_n_samples(d), 2);
    assert_int_equal(som_data_dim(d), 1);
    assert_string_equal(som_data_label(d, 0), "x");
    assert_string_equal(som_data_label(d, 1), "1");
    assert_string_equal(som_data_label_title(d), "1");
    assert_string_equal(som_data_title(d, 0), "2");
    som_data_free(d);
}

static void test_titles_empty_and_duplicate(void **state)
{
    (void)state;
    som_data *d = read_ok("a,,a, b \n1,2,3,4\n");
    assert_string_equal(som_data_title(d, 0), "a");
    assert_string_equal(som_data_title(d, 1), "2");
    assert_string_equal(som_data_title(d, 2), "a.3");
    assert_string_equal(som_data_title(d, 3), "b");
    assert_int_equal(som_data_find_title(d, "a.3"), 2);
    assert_int_equal(som_data_find_title(d, "zz"), -1);
    som_data_free(d);
}

/* ---- labels ------------------------------------------------------------------ */

static void test_label_column_auto(void **state)
{
    (void)state;
    som_data *d = read_ok("x,species,y\n1,setosa,2\n3,virginica,4\n");
    assert_int_equal(som_data_dim(d), 2);
    assert_string_equal(som_data_label_title(d), "species");
    assert_string_equal(som_data_label(d, 1), "virginica");
    assert_string_equal(som_data_title(d, 0), "x");
    assert_string_equal(som_data_title(d, 1), "y");
    assert_row(d, 1, (float[]){3, 4});
    som_data_free(d);
    /* A missing first value does not make a label column. */
    d = read_ok("x,y\nNA,1\n2,3\n");
    assert_null(som_data_label_title(d));
    assert_null(som_data_label(d, 0));
    som_data_free(d);
}

static void test_label_column_by_name(void **state)
{
    (void)state;
    som_csv_opts o;
    som_csv_opts_init(&o);
    o.label_column = "id";
    som_data *d = read_ok_opts("v,id\n1.5,7\n2.5,8\n", &o);
    assert_int_equal(som_data_dim(d), 1);
    assert_string_equal(som_data_label(d, 0), "7");
    assert_string_equal(som_data_label(d, 1), "8");
    assert_string_equal(som_data_label_title(d), "id");
    som_data_free(d);
}

static void test_line_number_labels(void **state)
{
    (void)state;
    som_data *d = read_ok("a,b\n1,2\n\n3,4\n5,6\n");
    assert_null(som_data_label_title(d));
    assert_null(som_data_label(d, 0));
    assert_int_equal(som_data_line(d, 0), 2);
    assert_int_equal(som_data_line(d, 1), 4);
    assert_int_equal(som_data_line(d, 2), 5);
    som_data_free(d);
}

/* ---- values ------------------------------------------------------------------ */

static void test_missing_markers(void **state)
{
    (void)state;
    som_data *d = read_ok("a,b,c,d,e\n"
                          "1,,NA,nan,?\n"
                          " na , NaN ,\" ? \",2,\"\"\n"
                          "1,2,3,4,5\n");
    assert_int_equal(som_data_n_samples(d), 3);
    assert_int_equal(som_data_n_missing(d), 8);
    const uint8_t *m = som_data_mask(d);
    assert_non_null(m);
    const uint8_t want[] = {1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1};
    assert_memory_equal(m, want, sizeof want);
    assert_row(d, 0, (float[]){1, 0, 0, 0, 0});
    assert_row(d, 1, (float[]){0, 0, 0, 2, 0});
    som_data_free(d);
}

static void test_number_forms(void **state)
{
    (void)state;
    som_data *d = read_ok("a,b,c,d,e,f,g,h\n"
                          "-0,+1.25,1e3,.5,5.,1.5E-3,0.1,3.4028234e38\n"
                          "1e-45,123456789,0.30000001,16777217,-2.5e+2,  7  ,0x10,1e-50\n");
    const float *x = som_data_row(d, 0);
    assert_true(x[0] == 0.0f && signbit(x[0]));
    assert_true(x[1] == 1.25f);
    assert_true(x[2] == 1000.0f);
    assert_true(x[3] == 0.5f);
    assert_true(x[4] == 5.0f);
    assert_true(x[5] == strtof("1.5E-3", NULL));
    assert_true(x[6] == 0.1f);
    assert_true(x[7] == 3.4028234e38f);
    x = som_data_row(d, 1);
    assert_true(x[0] == strtof("1e-45", NULL));
    assert_true(x[1] == 123456789.0f);
    assert_true(x[2] == strtof("0.30000001", NULL));
    assert_true(x[3] == 16777216.0f);
    assert_true(x[4] == -250.0f);
    assert_true(x[5] == 7.0f);
    assert_true(x[6] == 16.0f);
    assert_true(x[7] == 0.0f);
    som_data_free(d);
}

/* Every value must be the float strtof gives, to the last bit, on both the
 * fast path and the fallback. */
static void test_numbers_match_strtof(void **state)
{
    (void)state;
    srand(12345);
    enum { N = 20000 };
    size_t cap = N * 40 + 16, len = 0;
    char *text = malloc(cap);
    char (*cells)[40] = malloc(N * sizeof *cells);
    assert_non_null(text);
    assert_non_null(cells);
    len += (size_t)snprintf(text + len, cap - len, "v\n");
    for (int i = 0; i < N; i++) {
        int kind = rand() % 4;
        long m = rand() % 100000000;
        int e = rand() % 30 - 15;
        int digits = rand() % 9;
        switch (kind) {
        case 0: snprintf(cells[i], 40, "%ld.%0*d", m % 100000, 3, rand() % 1000); break;
        case 1: snprintf(cells[i], 40, "%lde%d", m, e); break;
        case 2: snprintf(cells[i], 40, "-0.%0*ld", digits + 1, m % 1000000); break;
        default: snprintf(cells[i], 40, "%.*g", digits + 1, (double)rand() / 7.0 * pow(10.0, e)); break;
        }
        len += (size_t)snprintf(text + len, cap - len, "%s\n", cells[i]);
    }
    som_data *d = read_ok(text);
    assert_int_equal(som_data_n_samples(d), N);
    for (int i = 0; i < N; i++) {
        float want = strtof(cells[i], NULL);
        float got = som_data_row(d, (size_t)i)[0];
        if (memcmp(&want, &got, sizeof want) != 0)
            print_error("'%s': got %.9g want %.9g\n", cells[i], (double)got, (double)want);
        assert_memory_equal(&want, &got, sizeof want);
    }
    som_data_free(d);
    free(cells);
    free(text);
}

static void test_c_locale_whatever_setlocale(void **state)
{
    (void)state;
    /* The locale may not be installed; the test still checks the C path. */
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "ru_RU.UTF-8"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++)
        if (setlocale(LC_ALL, names[k])) break;
    /* A decimal comma is text, and 1.5 is one and a half. */
    read_fails("a;b\n1.5;2\n3;2,5\n", SOM_EFORMAT, 3, 2, "'2,5'");
    som_data *d = read_ok("a,b\n1.5,1e-3\n");
    assert_true(som_data_row(d, 0)[0] == 1.5f);
    assert_true(som_data_row(d, 0)[1] == strtof("1e-3", NULL));
    som_data_free(d);
    setlocale(LC_ALL, "C");
}

/* ---- errors ------------------------------------------------------------------ */

static void test_error_empty(void **state)
{
    (void)state;
    read_fails("", SOM_EEMPTY, 1, 1, "empty file");
    read_fails("\n\n  \n", SOM_EEMPTY, 1, 1, "empty file");
    read_fails("\xEF\xBB\xBF", SOM_EEMPTY, 1, 1, "empty file");
}

static void test_error_header_only(void **state)
{
    (void)state;
    read_fails("a,b,c\n", SOM_EEMPTY, 2, 1, "expected a data row after the titles on line 1");
    read_fails("a,b,c\n\n\n", SOM_EEMPTY, 4, 1, "end of the file");
}

static void test_error_ragged(void **state)
{
    (void)state;
    read_fails("a,b,c\n1,2,3\n4,5\n", SOM_EFORMAT, 3, 3, "expected 3 fields, got 2");
    read_fails("a,b\n1,2\n\n4,5,6\n", SOM_EFORMAT, 4, 3, "expected 2 fields, got 3");
}

static void test_error_text_in_numeric_column(void **state)
{
    (void)state;
    read_fails("a,b,c\n1,2,3\n4,oops,6\n", SOM_EFORMAT, 3, 2,
               "expected a number in column 'b', got 'oops'");
    /* The hint names no flag of a program: each front-end adds its own. */
    read_fails("a,b,c\n1,2,3\n4,oops,6\n", SOM_EFORMAT, 3, 2, "it can be the label column)");
    /* A second text column when the first holds labels. */
    read_fails("name,b,kind\nx,1,y\n", SOM_EFORMAT, 2, 3, "column 'kind'");
    read_fails("name,b,kind\nx,1,y\n", SOM_EFORMAT, 2, 3, "labels are read from column 'name'");
    read_fails("name,b,kind\nx,1,y\n", SOM_EFORMAT, 2, 3, "is 'kind' the label column?)");
    read_fails("name,b\nx,1\ny,1,5\n", SOM_EFORMAT, 3, 3, "expected 2 fields, got 3");
    read_fails("a,b\n1,2\n3,1.5.5\n", SOM_EFORMAT, 3, 2, "'1.5.5'");
    read_fails("a,b\n1,2\n3,nan(1)\n", SOM_EFORMAT, 3, 2, "expected a number");
}

static void test_error_infinity(void **state)
{
    (void)state;
    read_fails("a,b\n1,inf\n", SOM_EFORMAT, 2, 2, "finite");
    read_fails("a,b\n1,2\n-Infinity,2\n", SOM_EFORMAT, 3, 1, "finite");
    read_fails("a,b\n1,1e39\n", SOM_EFORMAT, 2, 2, "too large");
}

static void test_error_row_all_missing(void **state)
{
    (void)state;
    read_fails("a,b\n1,2\n,\n", SOM_EFORMAT, 3, 1, "every field is missing");
    read_fails("name,a,b\nx,1,2\ny,NA,?\n", SOM_EFORMAT, 3, 2, "every field is missing");
}

static void test_error_unknown_label_column(void **state)
{
    (void)state;
    som_csv_opts o;
    som_csv_opts_init(&o);
    o.label_column = "nope";
    read_fails_opts("a,b\n1,2\n", &o, SOM_EFORMAT, 1, 1, "'nope'");
    read_fails_opts("a,b\n1,2\n", &o, SOM_EFORMAT, 1, 1, "the columns are 'a', 'b'");
}

static void test_error_quotes(void **state)
{
    (void)state;
    read_fails("a,b\n1,\"2\n", SOM_EFORMAT, 2, 2, "closing quote");
    read_fails("a,b\n1,2\"x\n", SOM_EFORMAT, 2, 2, "stray quote");
}

static void test_error_only_labels(void **state)
{
    (void)state;
    read_fails("name\nx\n", SOM_EFORMAT, 2, 1, "numeric column");
}

/* ---- row names ----------------------------------------------------------------- */

static void test_row_names_as_labels(void **state)
{
    (void)state;
    /* R's write.csv: "" then the row names, quoted. */
    som_data *d = read_ok("\"\",\"a\",\"b\"\n\"1\",0.5,2\n\"2\",1.5,NA\n\"3\",2.5,4\n");
    assert_int_equal(som_data_row_names(d), SOM_ROW_NAMES_LABELS);
    assert_int_equal(som_data_dim(d), 2);
    assert_string_equal(som_data_title(d, 0), "a");
    assert_string_equal(som_data_title(d, 1), "b");
    assert_string_equal(som_data_label_title(d), "");
    assert_string_equal(som_data_label(d, 0), "1");
    assert_string_equal(som_data_label(d, 2), "3");
    assert_row(d, 0, (float[]){0.5f, 2});
    assert_row(d, 2, (float[]){2.5f, 4});
    assert_int_equal(som_data_n_missing(d), 1);
    assert_int_equal(som_data_row_mask(d, 1)[0], 1);
    assert_int_equal(som_data_row_mask(d, 1)[1], 0);
    assert_int_equal(som_data_line(d, 2), 4);
    som_data_free(d);
    /* pandas: 0..n-1; and distinct whole numbers in any order. */
    d = read_ok(",a,b\n0,1,2\n1,3,4\n");
    assert_int_equal(som_data_row_names(d), SOM_ROW_NAMES_LABELS);
    assert_string_equal(som_data_label(d, 0), "0");
    som_data_free(d);
    d = read_ok(",a,b\n17,1,2\n-3,3,4\n5,5,6\n");
    assert_int_equal(som_data_row_names(d), SOM_ROW_NAMES_LABELS);
    assert_string_equal(som_data_label(d, 1), "-3");
    assert_row(d, 2, (float[]){5, 6});
    som_data_free(d);
}

static void test_row_names_beside_labels(void **state)
{
    (void)state;
    som_data *d = read_ok(",a,species,b\n1,0.5,x,2\n2,1.5,y,3\n");
    assert_int_equal(som_data_row_names(d), SOM_ROW_NAMES_DROPPED);
    assert_int_equal(som_data_dim(d), 2);
    assert_string_equal(som_data_title(d, 0), "a");
    assert_string_equal(som_data_label_title(d), "species");
    assert_string_equal(som_data_label(d, 1), "y");
    assert_row(d, 1, (float[]){1.5f, 3});
    som_data_free(d);
    /* The label column named by the user: the same. */
    som_csv_opts o;
    som_csv_opts_init(&o);
    o.label_column = "species";
    d = read_ok_opts(",a,species\n1,0.5,x\n2,1.5,y\n", &o);
    assert_int_equal(som_data_row_names(d), SOM_ROW_NAMES_DROPPED);
    assert_int_equal(som_data_dim(d), 1);
    som_data_free(d);
    /* Naming the untitled column (titled by its number) as the labels. */
    o.label_column = "1";
    d = read_ok_opts(",a,b\n1,0.5,2\n2,1.5,3\n", &o);
    assert_int_equal(som_data_row_names(d), SOM_ROW_NAMES_NONE);
    assert_string_equal(som_data_label_title(d), "1");
    assert_int_equal(som_data_dim(d), 2);
    som_data_free(d);
}

static void test_row_names_not(void **state)
{
    (void)state;
    const char *texts[] = {
        ",a,b\n1,1,2\n1,3,4\n",        /* repeated */
        ",a,b\n1.5,1,2\n2.5,3,4\n",    /* not whole */
        ",a,b\n1,1,2\n,3,4\n",         /* a missing cell */
        ",a,b\n1,1,2\n2,NA,NA\n",      /* the row's only value */
        "id,a,b\n1,1,2\n2,3,4\n",      /* titled */
        ",a,b\n16777217,1,2\n1,3,4\n", /* beyond 2^24: not exact in a float */
    };
    for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
        som_data *d = read_ok(texts[k]);
        if (som_data_row_names(d) != SOM_ROW_NAMES_NONE) print_error("case %zu\n", k);
        assert_int_equal(som_data_row_names(d), SOM_ROW_NAMES_NONE);
        assert_int_equal(som_data_dim(d), 3);
        som_data_free(d);
    }
    /* One field besides: row names, one field left. */
    som_data *one = read_ok(",a\n1,2\n2,3\n");
    assert_int_equal(som_data_row_names(one), SOM_ROW_NAMES_LABELS);
    assert_int_equal(som_data_dim(one), 1);
    som_data_free(one);
    /* Without titles there is no empty title. */
    som_data *d = read_ok("1,5,6\n2,7,8\n");
    assert_int_equal(som_data_row_names(d), SOM_ROW_NAMES_NONE);
    assert_int_equal(som_data_dim(d), 3);
    som_data_free(d);
    /* The only column stays a field. */
    d = read_ok("\"\"\n1\n2\n");
    assert_int_equal(som_data_row_names(d), SOM_ROW_NAMES_NONE);
    assert_int_equal(som_data_dim(d), 1);
    som_data_free(d);
    /* row_names = 0 keeps it a field. */
    som_csv_opts o;
    som_csv_opts_init(&o);
    assert_int_equal(o.row_names, SOM_AUTO);
    o.row_names = 0;
    d = read_ok_opts(",a,b\n1,1,2\n2,3,4\n", &o);
    assert_int_equal(som_data_row_names(d), SOM_ROW_NAMES_NONE);
    assert_int_equal(som_data_dim(d), 3);
    assert_string_equal(som_data_title(d, 0), "1");
    assert_null(som_data_label_title(d));
    som_data_free(d);
}

/* What som_data_write_csv writes of it reads back the same. */
static void test_row_names_round_trip(void **state)
{
    (void)state;
    som_data *d = read_ok(",a,b\n4,1,2\n9,3,4\n");
    char path[] = "/tmp/som_test_csv_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    som_error err;
    assert_int_equal(som_data_write_csv(d, path, &err), SOM_OK);
    som_data *e = NULL;
    assert_int_equal(som_data_read_csv(path, NULL, &e, &err), SOM_OK);
    unlink(path);
    assert_int_equal(som_data_row_names(e), SOM_ROW_NAMES_LABELS);
    assert_int_equal(som_data_dim(e), 2);
    assert_string_equal(som_data_label(e, 1), "9");
    assert_row(e, 1, (float[]){3, 4});
    som_data_free(e);
    som_data_free(d);
}

/* ---- writing ------------------------------------------------------------------ */

static void test_write_round_trip(void **state)
{
    (void)state;
    som_data *d = read_ok("name,\"x,1\",y\n"
                          "\"a \"\"b\"\"\",1.25,NA\n"
                          "c,0.1,3e-7\n"
                          "d,,16777217\n");
    char path[] = "/tmp/som_test_csv_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    som_error err;
    assert_int_equal(som_data_write_csv(d, path, &err), SOM_OK);
    som_data *e = NULL;
    assert_int_equal(som_data_read_csv(path, NULL, &e, &err), SOM_OK);
    assert_int_equal(som_data_n_samples(e), 3);
    assert_int_equal(som_data_dim(e), 2);
    assert_string_equal(som_data_title(e, 0), "x,1");
    assert_string_equal(som_data_label_title(e), "name");
    assert_string_equal(som_data_label(e, 0), "a \"b\"");
    assert_int_equal(som_data_n_missing(e), 2);
    assert_memory_equal(som_data_values(d), som_data_values(e), 6 * sizeof(float));
    assert_memory_equal(som_data_mask(d), som_data_mask(e), 6);
    som_data_free(e);
    som_data_free(d);

    /* Titles that look like numbers stay titles. */
    assert_int_equal(som_data_new(2, 3, &d, &err), SOM_OK);
    assert_int_equal(som_data_set_row(d, 1, (float[]){1.0f / 3.0f, -2, 1e-30f}, NULL, &err), SOM_OK);
    assert_int_equal(som_data_write_csv(d, path, &err), SOM_OK);
    assert_int_equal(som_data_read(path, NULL, &e, &err), SOM_OK);
    assert_int_equal(som_data_n_samples(e), 2);
    assert_string_equal(som_data_title(e, 2), "3");
    assert_memory_equal(som_data_values(d), som_data_values(e), 6 * sizeof(float));
    assert_null(som_data_label_title(e));
    som_data_free(e);
    som_data_free(d);
    unlink(path);
}

/* Found by fuzzing: a quoted field after more than 16 unquoted ones on the
 * first line wrote past the reader's quote flags (ASan catches it), and a
 * title starting with a UTF-8 byte-order mark, first in the file, was
 * written bare and read back as the file's BOM. */
static void test_fuzz_regressions(void **state)
{
    (void)state;
    char text[256];
    size_t k = 0;
    for (int j = 1; j <= 20; j++) k += (size_t)snprintf(text + k, sizeof text - k, "c%d,", j);
    k += (size_t)snprintf(text + k, sizeof text - k, "\"q\"\n");
    for (int j = 1; j <= 21; j++) k += (size_t)snprintf(text + k, sizeof text - k, "%d%c", j, j < 21 ? ',' : '\n');
    som_data *d = read_ok(text);
    assert_int_equal(som_data_dim(d), 21);
    assert_string_equal(som_data_title(d, 20), "q");
    som_data_free(d);

    som_error err;
    assert_int_equal(som_data_new(1, 1, &d, &err), SOM_OK);
    assert_int_equal(som_data_set_title(d, 0, "\xef\xbb\xbfx", &err), SOM_OK);
    char path[] = "/tmp/som_test_csv_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(som_data_write_csv(d, path, &err), SOM_OK);
    som_csv_opts o;
    som_csv_opts_init(&o);
    o.header = 1;
    som_data *e = NULL;
    assert_int_equal(som_data_read_csv(path, &o, &e, &err), SOM_OK);
    assert_int_equal(som_data_n_samples(e), 1);
    assert_string_equal(som_data_title(e, 0), "\xef\xbb\xbfx");
    som_data_free(e);
    som_data_free(d);
    unlink(path);
}

static void test_write_bad_dir(void **state)
{
    (void)state;
    som_data *d = read_ok("a\n1\n");
    som_error err;
    assert_int_equal(som_data_write_csv(d, "/nonexistent-dir/x.csv", &err), SOM_EIO);
    som_data_free(d);
}

static void test_read_missing_file(void **state)
{
    (void)state;
    som_error err;
    som_data *d = NULL;
    assert_int_equal(som_data_read_csv("/nonexistent/file.csv", NULL, &d, &err), SOM_EIO);
    assert_non_null(strstr(err.message, "/nonexistent/file.csv"));
    assert_null(d);
}

/* ---- out of memory ---------------------------------------------------------- */

#include "failing_alloc.h"

/* Fails the 1st, 2nd, ... allocation of a read until one succeeds: each
 * failure must be SOM_ENOMEM and leave nothing allocated. */
static void test_oom(void **state)
{
    (void)state;
    for (int t = 0; t < 2; t++) {
    /* The second text has row names out of order (sorted to be checked). */
    const char *text = t == 0 ? "name,a,b\n\"x\",1,NA\ny,2,3\nz,,4\n"
                              : ",a,b\n7,1,NA\n3,2,3\n5,,4\n";
    int done = 0;
    for (long k = 0; k < 200 && !done; k++) {
        assert_int_equal(
            som_allocator_set(failing_malloc, failing_realloc, failing_free, NULL), SOM_OK);
        failing_countdown = k;
        failing_live = 0;
        som_error err;
        som_data *d = NULL;
        int rc = som_data_read_csv_mem(text, strlen(text), "t.csv", NULL, &d, &err);
        if (rc == SOM_OK) {
            assert_int_equal(som_data_n_samples(d), 3);
            assert_int_equal(som_data_n_missing(d), 2);
            assert_int_equal(som_data_row_names(d), t ? SOM_ROW_NAMES_LABELS : SOM_ROW_NAMES_NONE);
            som_data_free(d);
            done = 1;
            assert_true(k > 10); /* the loop did fail real allocations */
        } else {
            assert_int_equal(rc, SOM_ENOMEM);
            assert_null(d);
        }
        assert_int_equal(failing_live, 0);
        som_allocator_set(NULL, NULL, NULL, NULL);
    }
    assert_true(done);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delimiter_comma),
        cmocka_unit_test(test_delimiter_semicolon),
        cmocka_unit_test(test_delimiter_tab),
        cmocka_unit_test(test_delimiter_forced),
        cmocka_unit_test(test_delimiter_inside_quotes_not_counted),
        cmocka_unit_test(test_quoted_fields),
        cmocka_unit_test(test_crlf_and_bom),
        cmocka_unit_test(test_blank_lines_skipped),
        cmocka_unit_test(test_header_auto_numbers_are_data),
        cmocka_unit_test(test_header_forced),
        cmocka_unit_test(test_titles_empty_and_duplicate),
        cmocka_unit_test(test_label_column_auto),
        cmocka_unit_test(test_label_column_by_name),
        cmocka_unit_test(test_line_number_labels),
        cmocka_unit_test(test_missing_markers),
        cmocka_unit_test(test_number_forms),
        cmocka_unit_test(test_numbers_match_strtof),
        cmocka_unit_test(test_c_locale_whatever_setlocale),
        cmocka_unit_test(test_error_empty),
        cmocka_unit_test(test_error_header_only),
        cmocka_unit_test(test_error_ragged),
        cmocka_unit_test(test_error_text_in_numeric_column),
        cmocka_unit_test(test_error_infinity),
        cmocka_unit_test(test_error_row_all_missing),
        cmocka_unit_test(test_error_unknown_label_column),
        cmocka_unit_test(test_error_quotes),
        cmocka_unit_test(test_error_only_labels),
        cmocka_unit_test(test_row_names_as_labels),
        cmocka_unit_test(test_row_names_beside_labels),
        cmocka_unit_test(test_row_names_not),
        cmocka_unit_test(test_row_names_round_trip),
        cmocka_unit_test(test_write_round_trip),
        cmocka_unit_test(test_write_bad_dir),
        cmocka_unit_test(test_fuzz_regressions),
        cmocka_unit_test(test_read_missing_file),
        cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
