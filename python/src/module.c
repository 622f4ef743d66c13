/* SPDX-License-Identifier: MIT */
/* module.c — som._som: errors, the settings table, the format registry,
 * loading maps. */
#define PYSOM_MODULE_C
#include "pysom.h"

PyObject *pysom_Error, *pysom_SettingError, *pysom_DataError, *pysom_FileError,
    *pysom_NotSupportedError;

PyObject *pysom_raise(const som_error *err, const char *setting)
{
    PyObject *cls;
    switch (err->code) {
    case SOM_ENOMEM: return PyErr_NoMemory();
    case SOM_ECANCELED:
        /* Ctrl-C: Python's handler raises KeyboardInterrupt (or whatever the
         * program's own handler raises). */
        if (PyErr_CheckSignals() < 0) return NULL;
        PyErr_SetNone(PyExc_KeyboardInterrupt);
        return NULL;
    case SOM_EIO: cls = pysom_FileError; break;
    case SOM_ENOTSUP: cls = pysom_NotSupportedError; break;
    default: cls = setting ? pysom_SettingError : pysom_DataError; break;
    }
    const char *msg = err->message[0] ? err->message : som_strerror(err->code);
    PyObject *exc = PyObject_CallFunction(cls, "s", msg);
    if (!exc) return NULL;
    int bad = PyObject_SetAttrString(exc, "code", PyUnicode_FromString(som_err_name(err->code))) < 0;
    PyObject *v;
    if (!bad) {
        v = err->file[0] ? PyUnicode_DecodeFSDefault(err->file) : Py_NewRef(Py_None);
        bad = !v || PyObject_SetAttrString(exc, "file", v) < 0;
        Py_XDECREF(v);
    }
    if (!bad) {
        v = PyLong_FromSize_t(err->line);
        bad = !v || PyObject_SetAttrString(exc, "line", v) < 0;
        Py_XDECREF(v);
    }
    if (!bad) {
        v = PyLong_FromSize_t(err->column);
        bad = !v || PyObject_SetAttrString(exc, "column", v) < 0;
        Py_XDECREF(v);
    }
    if (!bad) {
        v = setting ? PyUnicode_FromString(setting) : Py_NewRef(Py_None);
        bad = !v || PyObject_SetAttrString(exc, "setting", v) < 0;
        Py_XDECREF(v);
    }
    if (!bad) PyErr_SetObject(cls, exc);
    Py_DECREF(exc);
    return NULL;
}

/* ---- the settings table ---------------------------------------------------- */

static PyObject *bound(const som_setting *s, const double *v)
{
    if (s->type == SOM_SETTING_PAIR) return Py_BuildValue("(dd)", v[0], v[1]);
    if (s->type == SOM_SETTING_SIZE || s->type == SOM_SETTING_NUMBER) return PyFloat_FromDouble(v[0]);
    Py_RETURN_NONE;
}

static PyObject *str_or_none(const char *s)
{
    if (!s) Py_RETURN_NONE;
    return PyUnicode_FromString(s);
}

static PyObject *setting_dict(const som_setting *s, const som_fit_opts *defaults)
{
    char buf[256], keyword[64];
    size_t k = 0;
    for (; s->name[k] && k + 1 < sizeof keyword; k++) keyword[k] = s->name[k] == '-' ? '_' : s->name[k];
    keyword[k] = '\0';
    PyObject *choices = Py_NewRef(Py_None);
    if (s->choices) {
        Py_DECREF(choices);
        choices = PyList_New(0);
        if (!choices) return NULL;
        for (const char *const *c = s->choices; *c; c++) {
            PyObject *t = PyUnicode_FromString(*c);
            if (!t || PyList_Append(choices, t) < 0) {
                Py_XDECREF(t);
                Py_DECREF(choices);
                return NULL;
            }
            Py_DECREF(t);
        }
    }
    int has_default = som_setting_default(s, defaults, buf, sizeof buf);
    PyObject *algos = PyTuple_New(0);
    if ((s->algorithms & SOM_SETTING_ONLINE) && (s->algorithms & SOM_SETTING_BATCH)) {
        Py_DECREF(algos);
        algos = Py_BuildValue("(ss)", "online", "batch");
    } else if (s->algorithms & SOM_SETTING_ONLINE) {
        Py_DECREF(algos);
        algos = Py_BuildValue("(s)", "online");
    } else if (s->algorithms & SOM_SETTING_BATCH) {
        Py_DECREF(algos);
        algos = Py_BuildValue("(s)", "batch");
    }
    PyObject *d = Py_BuildValue(
        "{s:s,s:s,s:s,s:s,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N}", "name", s->name, "keyword",
        keyword, "type", som_enum_name(SOM_ENUM_SETTING_TYPE, (int)s->type), "group",
        som_enum_name(SOM_ENUM_SETTING_GROUP, (int)s->group), "value_name", str_or_none(s->value_name),
        "choices", choices, "min", bound(s, s->min), "max", bound(s, s->max), "expects",
        str_or_none(s->expects), "default", has_default == 1 ? PyUnicode_FromString(buf) : Py_NewRef(Py_None),
        "default_words", str_or_none(s->default_words), "algorithms", algos, "help",
        str_or_none(s->help));
    return d;
}

static PyObject *py_settings(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    som_fit_opts defaults;
    som_fit_opts_init(&defaults);
    size_t n = som_settings_count();
    PyObject *list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; list && i < n; i++) {
        PyObject *d = setting_dict(som_settings_at(i), &defaults);
        if (!d) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, d);
    }
    som_fit_opts_clear(&defaults);
    return list;
}

/* ---- the format registry ----------------------------------------------------- */

static PyObject *py_formats(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    size_t n = som_format_count();
    PyObject *list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; list && i < n; i++) {
        const som_format_info *f = som_format_at(i);
        PyObject *ext = PyList_New(0), *uses = PyList_New(0);
        static const char *use_names[] = {"load map", "save map", "read data", "write data"};
        for (const char *const *e = f->extensions; ext && *e; e++) {
            PyObject *t = PyUnicode_FromString(*e);
            if (t) PyList_Append(ext, t);
            Py_XDECREF(t);
        }
        for (int b = 0; uses && b < 4; b++)
            if (f->uses & (1u << b)) {
                PyObject *t = PyUnicode_FromString(use_names[b]);
                if (t) PyList_Append(uses, t);
                Py_XDECREF(t);
            }
        PyObject *d = (ext && uses) ? Py_BuildValue("{s:s,s:s,s:N,s:N}", "name", f->name, "description",
                                                    f->description, "extensions", ext, "uses", uses)
                                    : NULL;
        if (!d) {
            Py_XDECREF(ext);
            Py_XDECREF(uses);
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, d);
    }
    return list;
}

/* ---- maps from files, bytes and weights -------------------------------------- */

static PyObject *py_load(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *path_obj = NULL;
    const char *format = NULL;
    if (!PyArg_ParseTuple(args, "O&|z", PyUnicode_FSConverter, &path_obj, &format)) return NULL;
    som_error err;
    som_error_clear(&err);
    som_map *map = NULL;
    pysom_long lc;
    pysom_long_begin(&lc);
    int rc = som_map_load_as(PyBytes_AS_STRING(path_obj), format, &map, &err);
    pysom_long_end(&lc);
    Py_DECREF(path_obj);
    if (rc != SOM_OK) return pysom_raise(&err, NULL);
    return pysom_map_new(map);
}

static PyObject *py_load_bytes(PyObject *self, PyObject *args)
{
    (void)self;
    Py_buffer b;
    const char *name = NULL, *format = NULL;
    if (!PyArg_ParseTuple(args, "y*|zz", &b, &name, &format)) return NULL;
    som_error err;
    som_error_clear(&err);
    som_map *map = NULL;
    int rc = som_map_load_buffer(b.buf, (size_t)b.len, name, format, &map, &err);
    PyBuffer_Release(&b);
    if (rc != SOM_OK) return pysom_raise(&err, NULL);
    return pysom_map_new(map);
}

/* A map of the given grid with `codebook` (n_units x dim, original units)
 * and no scaling: MiniSom-style code sets weights before training. */
static PyObject *py_from_codebook(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *cb_obj;
    Py_ssize_t rows, cols;
    const char *topology;
    int toroid;
    if (!PyArg_ParseTuple(args, "Onnsp", &cb_obj, &rows, &cols, &topology, &toroid)) return NULL;
    int topo = som_enum_value(SOM_ENUM_TOPOLOGY, topology);
    if (topo < 0) {
        PyErr_Format(PyExc_ValueError, "topology: expected rect or hex, got '%s'", topology);
        return NULL;
    }
    PyArrayObject *cb = (PyArrayObject *)PyArray_FROMANY(cb_obj, NPY_FLOAT32, 2, 2, NPY_ARRAY_IN_ARRAY);
    if (!cb) return NULL;
    if (rows < 1 || cols < 1 || PyArray_DIM(cb, 0) != rows * cols || PyArray_DIM(cb, 1) < 1) {
        PyErr_Format(PyExc_ValueError, "codebook: expected %zd x %zd units, got an array of shape (%zd, %zd)",
                     rows, cols, (Py_ssize_t)PyArray_DIM(cb, 0), (Py_ssize_t)PyArray_DIM(cb, 1));
        Py_DECREF(cb);
        return NULL;
    }
    som_grid grid = {(size_t)rows, (size_t)cols, (som_topology)topo, toroid};
    som_error err;
    som_error_clear(&err);
    som_map *map = NULL;
    int rc = som_map_new(&grid, (size_t)PyArray_DIM(cb, 1), &map, &err);
    if (rc == SOM_OK) {
        const float *v = PyArray_DATA(cb);
        size_t n = (size_t)rows * (size_t)cols * (size_t)PyArray_DIM(cb, 1);
        for (size_t i = 0; i < n; i++)
            if (!isfinite(v[i])) {
                rc = som_error_set(&err, SOM_EINVAL, "codebook: expected finite weights, got %g at unit %zu, field %zu",
                                   (double)v[i], i / (size_t)PyArray_DIM(cb, 1), i % (size_t)PyArray_DIM(cb, 1) + 1);
                break;
            }
        if (rc == SOM_OK) som_map_set_codebook(map, v);
    }
    Py_DECREF(cb);
    if (rc != SOM_OK) {
        som_map_free(map);
        return pysom_raise(&err, NULL);
    }
    return pysom_map_new(map);
}

static PyObject *py_version(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyUnicode_FromString(som_version_string());
}

static PyMethodDef methods[] = {
    {"settings", py_settings, METH_NOARGS, "The settings table, one dict per entry."},
    {"formats", py_formats, METH_NOARGS, "The format registry, one dict per format."},
    {"load", py_load, METH_VARARGS, "load(path, format=None) -> Map"},
    {"load_bytes", py_load_bytes, METH_VARARGS, "load_bytes(buf, name=None, format=None) -> Map"},
    {"from_codebook", py_from_codebook, METH_VARARGS,
     "from_codebook(codebook, rows, cols, topology, toroid) -> Map"},
    {"version", py_version, METH_NOARGS, "libsom's version string."},
    {"fit", (PyCFunction)(void (*)(void))pysom_fit, METH_VARARGS | METH_KEYWORDS,
     "fit(X, opts, ...) -> (Map, info)"},
    {"render", (PyCFunction)(void (*)(void))pysom_render, METH_VARARGS | METH_KEYWORDS,
     "render(map, kind, ...) -> bytes or None"},
    {"render_options", pysom_render_options, METH_NOARGS, "The options render() takes."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef moddef = {PyModuleDef_HEAD_INIT, "_som",
                                    "libsom's C API for the som package (use som, not som._som).", -1,
                                    methods, NULL, NULL, NULL, NULL};

static PyObject *new_error(PyObject *m, const char *name, PyObject *bases)
{
    char full[64];
    snprintf(full, sizeof full, "som.%s", name);
    PyObject *cls = PyErr_NewException(full, bases, NULL);
    if (cls && PyModule_AddObjectRef(m, name, cls) < 0) Py_CLEAR(cls);
    return cls;
}

PyMODINIT_FUNC PyInit__som(void)
{
    import_array();
    if (som_version_number() / 10000 != SOM_VERSION_MAJOR) {
        PyErr_Format(PyExc_ImportError, "libsom %s does not match the headers (%s)", som_version_string(),
                     SOM_VERSION_STRING);
        return NULL;
    }
    PyObject *m = PyModule_Create(&moddef);
    if (!m) return NULL;
    pysom_Error = new_error(m, "Error", NULL);
    PyObject *b;
    b = Py_BuildValue("(OO)", pysom_Error, PyExc_ValueError);
    pysom_SettingError = b ? new_error(m, "SettingError", b) : NULL;
    Py_XDECREF(b);
    b = Py_BuildValue("(OO)", pysom_Error, PyExc_ValueError);
    pysom_DataError = b ? new_error(m, "DataError", b) : NULL;
    Py_XDECREF(b);
    b = Py_BuildValue("(OO)", pysom_Error, PyExc_OSError);
    pysom_FileError = b ? new_error(m, "FileError", b) : NULL;
    Py_XDECREF(b);
    b = Py_BuildValue("(OO)", pysom_Error, PyExc_NotImplementedError);
    pysom_NotSupportedError = b ? new_error(m, "NotSupportedError", b) : NULL;
    Py_XDECREF(b);
    if (!pysom_Error || !pysom_SettingError || !pysom_DataError || !pysom_FileError ||
        !pysom_NotSupportedError || pysom_map_init_type(m) < 0 || pysom_fit_init_type(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
