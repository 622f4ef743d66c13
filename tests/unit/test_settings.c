/* The settings table (src/settings.c) and the enum names (src/names.c):
 * every entry is well formed, settable from its default's text and read
 * back the same, its bounds are enforced with its own words, and each rule
 * between settings holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/core.h"
#include "failing_alloc.h"

static void enum_names_round_trip(void **state)
{
    (void)state;
    for (int e = SOM_ENUM_TOPOLOGY; e <= SOM_ENUM_ORDER; e++) {
        const char *const *names = som_enum_names((som_enum)e);
        assert_non_null(names);
        int n = 0;
        for (; names[n]; n++) {
            assert_string_equal(som_enum_name((som_enum)e, n), names[n]);
            assert_int_equal(som_enum_value((som_enum)e, names[n]), n);
        }
        assert_true(n >= 2);
        assert_string_equal(som_enum_name((som_enum)e, n), "?");
        assert_string_equal(som_enum_name((som_enum)e, -1), "?");
        assert_int_equal(som_enum_value((som_enum)e, "no-such-name"), SOM_EINVAL);
    }
    assert_null(som_enum_names((som_enum)99));
    /* The names the model files and JSON exports have always written. */
    assert_string_equal(som_enum_name(SOM_ENUM_TOPOLOGY, SOM_HEX), "hex");
    assert_string_equal(som_enum_name(SOM_ENUM_SCALING, SOM_SCALE_MINMAX), "minmax");
    assert_string_equal(som_enum_name(SOM_ENUM_ALGORITHM, SOM_BATCH), "batch");
    assert_string_equal(som_enum_name(SOM_ENUM_INIT, SOM_INIT_KEEP), "keep");
    assert_string_equal(som_enum_name(SOM_ENUM_SCHEDULE, SOM_SCHEDULE_MQL), "mql");
    assert_string_equal(som_enum_name(SOM_ENUM_RADIUS_SCHEDULE, SOM_RADIUS_INVERSE), "inverse");
    assert_string_equal(som_enum_name(SOM_ENUM_ORDER, SOM_ORDER_CYCLIC), "cyclic");
    assert_string_equal(som_enum_name(SOM_ENUM_NEIGHBORHOOD, SOM_NEIGHBORHOOD_MEXICAN_HAT),
                        "mexican-hat");
    assert_string_equal(som_enum_name(SOM_ENUM_CLUSTER_METHOD, SOM_CLUSTER_WARD), "ward");
}

/* Every entry: a unique name that find() returns, help, the words of its
 * error, and (a choice) its choices stated in both. */
static void table_is_well_formed(void **state)
{
    (void)state;
    size_t n = som_settings_count();
    assert_true(n >= 20 && n <= 64); /* a bit each in som_fit_opts.set_ */
    assert_null(som_settings_at(n));
    for (size_t i = 0; i < n; i++) {
        const som_setting *s = som_settings_at(i);
        assert_non_null(s);
        assert_ptr_equal(som_settings_find(s->name), s);
        for (size_t k = 0; k < i; k++) assert_string_not_equal(som_settings_at(k)->name, s->name);
        assert_true(s->help && s->help[0] && s->expects && s->expects[0]);
        assert_true((s->value_name == NULL) == (s->type == SOM_SETTING_FLAG));
        assert_true(s->algorithms != 0 &&
                    (s->algorithms & ~(unsigned)(SOM_SETTING_ONLINE | SOM_SETTING_BATCH)) == 0);
        assert_true((s->choices != NULL) == (s->type == SOM_SETTING_CHOICE));
        if (s->choices) {
            char want[256] = "one of ";
            for (size_t k = 0; s->choices[k]; k++) {
                if (k) strcat(want, ", ");
                strcat(want, s->choices[k]);
                assert_non_null(strstr(s->help, s->choices[k]));
            }
            assert_string_equal(s->expects, want);
        }
    }
    assert_ptr_equal(som_settings_find("neighbor_rate"), som_settings_find("neighbor-rate"));
    assert_null(som_settings_find("colour"));
    assert_null(som_settings_find(NULL));
    /* What som train has always offered, by the same names. */
    const char *names[] = {"grid", "topology", "toroid", "scale", "algorithm", "epochs",
                           "iterations", "init", "init-codebook", "radius", "rate", "schedule",
                           "inverse", "neighborhood", "neighbor-rate", "quality-every", "seed",
                           "threads", "target", "target-weight", "weights"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        assert_non_null(som_settings_find(names[k]));
    assert_int_equal(som_settings_find("init")->choices[3] == NULL, 1); /* no "keep" */
}

/* A value each entry takes, when its default is none or depends on data. */
static const char *sample_value(const som_setting *s)
{
    switch (s->type) {
    case SOM_SETTING_GRID: return "6x8";
    case SOM_SETTING_PAIR: return strcmp(s->name, "inverse") == 0 ? "2:50" : "3:0.5";
    case SOM_SETTING_TEXT: return strcmp(s->name, "weights") == 0 ? "a=2,b=0.5" : "x.som";
    default: return "1";
    }
}

static void every_entry_settable_from_its_default(void **state)
{
    (void)state;
    for (size_t i = 0; i < som_settings_count(); i++) {
        const som_setting *s = som_settings_at(i);
        char dflt[256], got[256];
        som_fit_opts o;
        som_fit_opts_init(&o);
        int has = som_setting_default(s, NULL, dflt, sizeof dflt);
        assert_true(has == 0 || has == 1);
        const char *text = has ? dflt : sample_value(s);
        som_error err;
        som_error_clear(&err);
        if (som_fit_opts_set(&o, s->name, text, &err) != SOM_OK)
            fail_msg("%s from '%s': %s", s->name, text, err.message);
        /* Read back as set: the text round-trips. */
        assert_int_equal(som_fit_opts_get(&o, s->name, got, sizeof got, &err), SOM_OK);
        if (strcmp(got, text) != 0) fail_msg("%s: set '%s', got '%s'", s->name, text, got);
        /* The default's text leaves the settings as they were. */
        if (has) {
            som_fit_opts d;
            som_fit_opts_init(&d);
            if (strcmp(s->name, "rate") != 0) { /* rate: -1 means "the default" */
                assert_memory_equal(&d.train, &o.train, sizeof d.train);
                assert_memory_equal(&d.grid, &o.grid, sizeof d.grid);
                assert_int_equal(d.scaling, o.scaling);
            }
        }
        som_fit_opts_clear(&o);
    }
}

/* What a value out of bounds gives: "NAME: expected EXPECTS, got 'V'". */
static void bounds_refused_in_their_own_words(void **state)
{
    (void)state;
    for (size_t i = 0; i < som_settings_count(); i++) {
        const som_setting *s = som_settings_at(i);
        char bad[64];
        switch (s->type) {
        case SOM_SETTING_SIZE:
        case SOM_SETTING_NUMBER:
        case SOM_SETTING_PAIR:
            snprintf(bad, sizeof bad, "%.17g", s->min_open[0] ? s->min[0] : s->min[0] - 1);
            break;
        case SOM_SETTING_CHOICE: snprintf(bad, sizeof bad, "no-such-%s", s->name); break;
        case SOM_SETTING_FLAG: snprintf(bad, sizeof bad, "maybe"); break;
        case SOM_SETTING_TEXT: bad[0] = '\0'; break;
        case SOM_SETTING_GRID: snprintf(bad, sizeof bad, "ten"); break;
        }
        som_fit_opts o;
        som_fit_opts_init(&o);
        som_error err;
        som_error_clear(&err);
        assert_int_equal(som_fit_opts_set(&o, s->name, bad, &err), SOM_EINVAL);
        char want[512];
        if (s->type == SOM_SETTING_GRID)
            snprintf(want, sizeof want, "grid: bad grid size 'ten': expected %s", s->expects);
        else
            snprintf(want, sizeof want, "%s: expected %s, got '%s'", s->name, s->expects, bad);
        assert_string_equal(err.message, want);
        assert_int_equal(o.set_, 0); /* nothing recorded */
        /* The bound itself, where it is allowed, is taken. */
        if ((s->type == SOM_SETTING_SIZE || s->type == SOM_SETTING_NUMBER) && !s->min_open[0]) {
            snprintf(bad, sizeof bad, "%.17g", s->min[0]);
            assert_int_equal(som_fit_opts_set(&o, s->name, bad, NULL), SOM_OK);
        }
        som_fit_opts_clear(&o);
    }
    /* Upper bounds, the second part of a pair, and the forms of a pair. */
    som_fit_opts o;
    som_fit_opts_init(&o);
    som_error err;
    assert_int_equal(som_fit_opts_set(&o, "threads", "4097", &err), SOM_EINVAL);
    assert_string_equal(err.message, "threads: expected a whole number from 0 to 4096, got '4097'");
    assert_int_equal(som_fit_opts_set(&o, "threads", "4096", &err), SOM_OK);
    assert_int_equal(som_fit_opts_set(&o, "rate", "0.5:0", &err), SOM_EINVAL);
    assert_int_equal(som_fit_opts_set(&o, "radius", "3:x", &err), SOM_EINVAL);
    assert_int_equal(som_fit_opts_set(&o, "radius", "inf", &err), SOM_EINVAL);
    assert_int_equal(som_fit_opts_set(&o, "seed", "-1", &err), SOM_EINVAL);
    assert_int_equal(som_fit_opts_set(&o, "seed", " 1", &err), SOM_EINVAL);
    assert_int_equal(som_fit_opts_set(&o, "seed", "18446744073709551615", &err), SOM_OK);
    assert_true(o.train.seed == UINT64_MAX);
    assert_int_equal(som_fit_opts_set(&o, "inverse", ":5", &err), SOM_EINVAL);
    assert_int_equal(som_fit_opts_set(&o, "target", ",,", &err), SOM_EINVAL);
    assert_int_equal(som_fit_opts_set(&o, "weights", "a", &err), SOM_EINVAL);
    assert_int_equal(som_fit_opts_set(&o, "colour", "red", &err), SOM_EINVAL);
    assert_string_equal(err.message, "unknown setting 'colour'");
    /* ":R1" keeps the start radius automatic. */
    assert_int_equal(som_fit_opts_set(&o, "radius", ":0.5", &err), SOM_OK);
    assert_true(o.train.radius0 < 0 && o.train.radius1 == 0.5);
    char got[64];
    som_fit_opts_get(&o, "radius", got, sizeof got, NULL);
    assert_string_equal(got, ":0.5");
    som_fit_opts_clear(&o);
}

/* Sets name=value pairs (NULL-ended) and runs the check. */
static int check_of(som_fit_opts *o, som_error *err, ...)
{
    va_list ap;
    va_start(ap, err);
    som_fit_opts_init(o);
    som_error_clear(err);
    const char *name;
    while ((name = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        if (som_fit_opts_set(o, name, value, err) != SOM_OK) fail_msg("%s: %s", name, err->message);
    }
    va_end(ap);
    return som_fit_opts_check(o, err);
}

static void rules_between_settings(void **state)
{
    (void)state;
    som_fit_opts o;
    som_error err;
    /* Implied: each selects what it needs when that was not set. */
    assert_int_equal(check_of(&o, &err, "neighborhood", "mexican-hat", NULL), SOM_OK);
    assert_int_equal(o.train.algorithm, SOM_ONLINE);
    assert_int_equal(check_of(&o, &err, "iterations", "100", NULL), SOM_OK);
    assert_int_equal(o.train.algorithm, SOM_ONLINE);
    assert_int_equal(check_of(&o, &err, "inverse", "2:50", NULL), SOM_OK);
    assert_int_equal(o.train.schedule, SOM_SCHEDULE_INVERSE);
    assert_int_equal(check_of(&o, &err, "inverse", "2:50", "schedule", "inverse", NULL), SOM_OK);
    assert_int_equal(check_of(&o, &err, "init-codebook", "a.som", NULL), SOM_OK);
    assert_int_equal(o.train.init, SOM_INIT_KEEP);
    som_fit_opts_clear(&o);
    assert_int_equal(check_of(&o, &err, "algorithm", "online", "neighborhood", "mexican-hat",
                              "iterations", "5", NULL),
                     SOM_OK);
    assert_int_equal(check_of(&o, &err, "target", "species", "target-weight", "0.5", NULL), SOM_OK);
    som_fit_opts_clear(&o);
    assert_int_equal(check_of(&o, &err, "schedule", "linear", "radius", "3:0", NULL), SOM_OK);
    som_fit_opts_clear(&o);
    /* The exp rate with a linear radius may end at R1 = 0; cyclic selects online. */
    assert_int_equal(check_of(&o, &err, "radius-schedule", "linear", "radius", "3:0", "order",
                              "cyclic", NULL),
                     SOM_OK);
    assert_int_equal(o.train.algorithm, SOM_ONLINE);
    assert_int_equal(check_of(&o, &err, "grid", "6x6", "topology", "hex", "toroid", "true", NULL),
                     SOM_OK);

    /* Refused: each contradiction, in words that name the settings. */
    const struct {
        const char *n1, *v1, *n2, *v2, *message;
    } bad[] = {
        {"neighborhood", "mexican-hat", "algorithm", "batch",
         "neighborhood mexican-hat needs online training, not algorithm batch"},
        {"iterations", "100", "algorithm", "batch",
         "iterations counts online steps; batch training counts epochs"},
        {"iterations", "100", "epochs", "3", "give epochs or iterations, not both"},
        {"inverse", "1:2", "schedule", "exp", "inverse goes with schedule inverse"},
        {"target-weight", "0.5", "seed", "1", "target-weight goes with target"},
        {"init", "pca", "init-codebook", "a.som", "give init or init-codebook, not both"},
        {"radius", "3:0", "schedule", "exp",
         "radius: the exp schedule needs an end radius R1 > 0 (or another schedule)"},
        {"order", "cyclic", "algorithm", "batch",
         "order cyclic needs online training; batch training has no sample order"},
        {"radius", "3:0", "radius-schedule", "inverse",
         "radius: radius-schedule inverse needs an end radius R1 > 0 (or another "
         "radius-schedule)"},
        {"grid", "5x5", "topology", "hex", NULL}, /* with toroid, below */
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        int rc = check_of(&o, &err, bad[k].n1, bad[k].v1, bad[k].n2, bad[k].v2, "toroid",
                          bad[k].message ? "false" : "true", NULL);
        assert_int_equal(rc, SOM_EINVAL);
        if (bad[k].message)
            assert_string_equal(err.message, bad[k].message);
        else
            assert_non_null(strstr(err.message, "grid: a hexagonal toroid needs an even number"));
        som_fit_opts_clear(&o);
    }
    /* The same in the other order of setting. */
    assert_int_equal(check_of(&o, &err, "algorithm", "batch", "neighborhood", "mexican-hat", NULL),
                     SOM_EINVAL);
}

/* Defaults that depend on other settings, computed as training does. */
static void defaults_that_depend(void **state)
{
    (void)state;
    const som_setting *radius = som_settings_find("radius"), *rate = som_settings_find("rate");
    char buf[64];
    som_fit_opts o;
    som_fit_opts_init(&o);
    assert_int_equal(som_setting_default(radius, &o, buf, sizeof buf), 0); /* automatic grid */
    assert_string_equal(buf, "");
    som_fit_opts_set(&o, "grid", "8x12", NULL);
    assert_int_equal(som_setting_default(radius, &o, buf, sizeof buf), 1);
    assert_string_equal(buf, "3:1"); /* 12/4 after pca */
    som_fit_opts_set(&o, "init", "random", NULL);
    som_setting_default(radius, &o, buf, sizeof buf);
    assert_string_equal(buf, "6:1"); /* 12/2 after random */
    som_fit_opts_set(&o, "grid", "2x3", NULL);
    som_setting_default(radius, &o, buf, sizeof buf);
    assert_string_equal(buf, "1.5:1");
    som_fit_opts_set(&o, "init", "pca", NULL);
    som_setting_default(radius, &o, buf, sizeof buf);
    assert_string_equal(buf, "1:1"); /* at least 1 */
    assert_int_equal(som_setting_default(rate, NULL, buf, sizeof buf), 1);
    assert_string_equal(buf, "0.5:0.01");
    som_fit_opts_set(&o, "schedule", "mql", NULL);
    som_setting_default(rate, &o, buf, sizeof buf);
    assert_string_equal(buf, "0.1:0.01");
    assert_int_equal(som_setting_default(som_settings_find("inverse"), &o, buf, sizeof buf), 0);
    assert_int_equal(som_setting_default(som_settings_find("epochs"), NULL, buf, sizeof buf), 1);
    assert_string_equal(buf, "10");
    assert_int_equal(som_setting_default(som_settings_find("target"), NULL, buf, sizeof buf), 0);
    som_fit_opts_clear(&o);
}

/* Out of memory while copying a text setting: SOM_ENOMEM, the old value
 * kept, nothing marked as set, nothing leaked. */
static void text_setting_out_of_memory(void **state)
{
    (void)state;
    assert_int_equal(
        som_allocator_set(failing_malloc, failing_realloc, failing_free, NULL), SOM_OK);
    som_fit_opts o;
    som_fit_opts_init(&o);
    failing_live = 0;
    assert_int_equal(som_fit_opts_set(&o, "target", "species", NULL), SOM_OK);
    uint64_t set = o.set_;
    failing_countdown = 0;
    som_error err;
    assert_int_equal(som_fit_opts_set(&o, "target", "petal_width", &err), SOM_ENOMEM);
    assert_int_equal(som_fit_opts_set(&o, "weights", "a=2", &err), SOM_ENOMEM);
    failing_countdown = -1;
    assert_string_equal(o.targets, "species");
    assert_null(o.weights);
    assert_true(o.set_ == set);
    som_fit_opts_clear(&o);
    assert_int_equal(failing_live, 0);
    som_allocator_set(NULL, NULL, NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(enum_names_round_trip),
        cmocka_unit_test(table_is_well_formed),
        cmocka_unit_test(every_entry_settable_from_its_default),
        cmocka_unit_test(bounds_refused_in_their_own_words),
        cmocka_unit_test(rules_between_settings),
        cmocka_unit_test(defaults_that_depend),
        cmocka_unit_test(text_setting_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
