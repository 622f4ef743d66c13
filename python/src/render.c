/* SPDX-License-Identifier: MIT */
/* render.c — pictures of a map through libsom_render (som_render_mem,
 * som_render_file), with the GIL released while drawing. Options are the
 * fields of som_render_opts by name; names of choices are parsed by the
 * picture library's own parsers. */
#include "pysom.h"
#include "som_render.h"

#include <string.h>

typedef int (*parse_fn)(const char *);

typedef struct choice_opt {
    const char *name;
    parse_fn parse;
    size_t offset;
} choice_opt;

#define CHOICE(n, p, f) {n, p, offsetof(som_render_opts, f)}
static const choice_opt choices[] = {
    CHOICE("colors", som_colors_parse, colors),
    CHOICE("cells", som_cells_parse, cells),
    CHOICE("hits_style", som_hits_style_parse, hits_style),
    CHOICE("labels_style", som_labels_style_parse, labels_style),
    CHOICE("umatrix", som_umatrix_style_parse, umatrix),
    CHOICE("color_scale", som_color_scale_parse, color_scale),
    CHOICE("range", som_range_mode_parse, range),
};
static const char *const int_opts[] = {"width", "height", "per_row", "max_fields", "borders", "titles",
                                       "boundaries"};
static const char *const double_opts[] = {"range_min", "range_max"};

PyObject *pysom_render_options(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    PyObject *l = PyList_New(0);
    for (size_t i = 0; l && i < sizeof choices / sizeof *choices; i++)
        if (PyList_Append(l, PyUnicode_FromString(choices[i].name)) < 0) Py_CLEAR(l);
    for (size_t i = 0; l && i < sizeof int_opts / sizeof *int_opts; i++)
        if (PyList_Append(l, PyUnicode_FromString(int_opts[i])) < 0) Py_CLEAR(l);
    for (size_t i = 0; l && i < sizeof double_opts / sizeof *double_opts; i++)
        if (PyList_Append(l, PyUnicode_FromString(double_opts[i])) < 0) Py_CLEAR(l);
    if (l && PyList_Append(l, PyUnicode_FromString("fields")) < 0) Py_CLEAR(l);
    return l;
}

static int set_option(som_render_opts *o, const char *key, PyObject *v, PyObject **fields_keep,
                      const char ***fields)
{
    for (size_t i = 0; i < sizeof choices / sizeof *choices; i++)
        if (strcmp(key, choices[i].name) == 0) {
            const char *s = PyUnicode_AsUTF8(v);
            if (!s) return -1;
            int e = choices[i].parse(s);
            if (e < 0) {
                PyErr_Format(PyExc_ValueError, "%s: unknown value '%s'", key, s);
                return -1;
            }
            *(int *)(void *)((char *)o + choices[i].offset) = e;
            return 0;
        }
    for (size_t i = 0; i < sizeof int_opts / sizeof *int_opts; i++)
        if (strcmp(key, int_opts[i]) == 0) {
            long x = PyLong_AsLong(v);
            if (x == -1 && PyErr_Occurred()) return -1;
            if (x < 0 || x > 100000) {
                PyErr_Format(PyExc_ValueError, "%s: expected a whole number from 0 to 100000, got %ld", key, x);
                return -1;
            }
            if (strcmp(key, "width") == 0) o->width = (int)x;
            else if (strcmp(key, "height") == 0) o->height = (int)x;
            else if (strcmp(key, "per_row") == 0) o->per_row = (size_t)x;
            else if (strcmp(key, "max_fields") == 0) o->max_fields = (size_t)x;
            else if (strcmp(key, "borders") == 0) o->borders = x != 0;
            else if (strcmp(key, "titles") == 0) o->titles = x != 0;
            else o->boundaries = x != 0;
            return 0;
        }
    if (strcmp(key, "range_min") == 0 || strcmp(key, "range_max") == 0) {
        double x = PyFloat_AsDouble(v);
        if (x == -1.0 && PyErr_Occurred()) return -1;
        if (key[6] == 'i') o->range_min = x;
        else o->range_max = x;
        return 0;
    }
    if (strcmp(key, "fields") == 0) {
        PyObject *fast = PySequence_Fast(v, "fields: expected a sequence of titles");
        if (!fast) return -1;
        Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
        *fields = PyMem_Calloc((size_t)n + 1, sizeof **fields);
        if (!*fields) {
            Py_DECREF(fast);
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t i = 0; i < n; i++)
            if (!((*fields)[i] = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(fast, i)))) {
                Py_DECREF(fast);
                return -1;
            }
        *fields_keep = fast;
        o->fields = *fields;
        o->n_fields = (size_t)n;
        return 0;
    }
    PyObject *valid = pysom_render_options(NULL, NULL);
    PyObject *text = valid ? PyObject_Str(valid) : NULL;
    PyErr_Format(PyExc_TypeError, "render: unknown option '%s' (valid: %s)", key, text ? PyUnicode_AsUTF8(text) : "?");
    Py_XDECREF(valid);
    Py_XDECREF(text);
    return -1;
}

/* render(map, kind, format, path=None, X=None, titles=None, labels=None,
 *        options={}) -> bytes, or None when written to path */
PyObject *pysom_render(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"map", "kind", "format", "path", "X", "titles", "labels", "options", NULL};
    pysom_Map *map;
    const char *kind, *format = "png";
    PyObject *path = Py_None, *X = Py_None, *titles = Py_None, *labels = Py_None, *options = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!s|sOOOOO!", kwlist, &pysom_MapType, &map, &kind, &format, &path,
                                     &X, &titles, &labels, &PyDict_Type, &options))
        return NULL;
    som_render_opts o;
    som_render_opts_init(&o);
    int plot = som_plot_parse(kind);
    if (plot < 0) {
        PyErr_Format(PyExc_ValueError,
                     "kind: expected planes, umatrix, hits, labels, error, dashboard, clusters or codes, got '%s'",
                     kind);
        return NULL;
    }
    o.plot = (som_plot)plot;
    PyObject *fields_keep = NULL, *path_bytes = NULL;
    const char **fields = NULL;
    PyObject *result = NULL;
    pysom_input in;
    memset(&in, 0, sizeof in);
    if (options) {
        PyObject *k, *v;
        Py_ssize_t pos = 0;
        while (PyDict_Next(options, &pos, &k, &v)) {
            const char *key = PyUnicode_AsUTF8(k);
            if (!key || set_option(&o, key, v, &fields_keep, &fields) < 0) goto done;
        }
    }
    if (X != Py_None && pysom_input_from(X, titles, labels, NULL, NULL, 0, &in) < 0) goto done;
    if (path != Py_None && !PyUnicode_FSConverter(path, &path_bytes)) goto done;
    som_error err;
    som_error_clear(&err);
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc;
    map->readers++;
    for (;;) {
        pysom_long lc;
        pysom_long_begin(&lc);
        rc = path_bytes ? som_render_file(map->map, in.data, &o, PyBytes_AS_STRING(path_bytes), &err)
                        : som_render_mem(map->map, in.data, &o, format, &buf, &len, &err);
        pysom_long_end(&lc);
        if (rc != SOM_ECANCELED) break;
        int i = pysom_long_interrupted();
        if (i != 1) {
            if (i == 0) pysom_raise(&err, NULL);
            map->readers--;
            goto done;
        }
        som_error_clear(&err);
    }
    map->readers--;
    if (rc != SOM_OK) {
        pysom_raise(&err, NULL);
        goto done;
    }
    if (path_bytes) {
        result = Py_NewRef(Py_None);
    } else {
        result = PyBytes_FromStringAndSize((const char *)buf, (Py_ssize_t)len);
        som_free(buf);
    }
done:
    Py_XDECREF(path_bytes);
    Py_XDECREF(fields_keep);
    PyMem_Free(fields);
    pysom_input_release(&in);
    return result;
}
