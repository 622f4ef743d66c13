/* SPDX-License-Identifier: MIT */
/* map.c — the Map type: one som_map, and every call that reads it. The
 * long ones (mapping rows, quality, prediction) run with the GIL released;
 * readers are counted so that a change (clusters) never meets one. */
#include "pysom.h"

#include <math.h>
#include <string.h>

#define THREADS 0 /* libsom's OpenMP: every core */

PyObject *pysom_map_new(som_map *map)
{
    pysom_Map *self = PyObject_New(pysom_Map, &pysom_MapType);
    if (!self) {
        som_map_free(map);
        return NULL;
    }
    self->map = map;
    self->readers = 0;
    return (PyObject *)self;
}

static void map_dealloc(pysom_Map *self)
{
    som_map_free(self->map);
    PyObject_Free(self);
}

/* ---- what the map is ------------------------------------------------------- */

static PyObject *map_grid(pysom_Map *self, void *c)
{
    (void)c;
    const som_grid *g = som_map_grid(self->map);
    return Py_BuildValue("(nnsO)", (Py_ssize_t)g->rows, (Py_ssize_t)g->cols,
                         som_enum_name(SOM_ENUM_TOPOLOGY, (int)g->topology), g->toroid ? Py_True : Py_False);
}

static PyObject *map_dim(pysom_Map *self, void *c)
{
    (void)c;
    return PyLong_FromSize_t(som_map_dim(self->map));
}

static PyObject *map_n_units(pysom_Map *self, void *c)
{
    (void)c;
    return PyLong_FromSize_t(som_map_n_units(self->map));
}

static PyObject *map_titles(pysom_Map *self, void *c)
{
    (void)c;
    size_t dim = som_map_dim(self->map);
    PyObject *l = PyList_New((Py_ssize_t)dim);
    for (size_t j = 0; l && j < dim; j++) {
        PyObject *t = PyUnicode_DecodeUTF8(som_map_title(self->map, j), (Py_ssize_t)strlen(som_map_title(self->map, j)),
                                           "replace");
        if (!t) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)j, t);
    }
    return l;
}

static PyObject *map_scaling(pysom_Map *self, void *c)
{
    (void)c;
    return PyUnicode_FromString(som_enum_name(SOM_ENUM_SCALING, (int)som_map_scaling(self->map)));
}

/* A read-only view of libsom's codebook (scaled space); it keeps the Map
 * alive. */
static PyObject *map_codebook_scaled(pysom_Map *self, void *c)
{
    (void)c;
    npy_intp dims[2] = {(npy_intp)som_map_n_units(self->map), (npy_intp)som_map_dim(self->map)};
    PyObject *a = PyArray_New(&PyArray_Type, 2, dims, NPY_FLOAT32, NULL, (void *)som_map_codebook(self->map), 0,
                              NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED, NULL);
    if (!a) return NULL;
    if (PyArray_SetBaseObject((PyArrayObject *)a, Py_NewRef((PyObject *)self)) < 0) {
        Py_DECREF(a);
        return NULL;
    }
    return a;
}

/* Original units: libsom stores the codebook scaled, so this is a new array
 * (som_map_unit_weights per unit). */
static PyObject *map_codebook(pysom_Map *self, PyObject *unused)
{
    (void)unused;
    npy_intp dims[2] = {(npy_intp)som_map_n_units(self->map), (npy_intp)som_map_dim(self->map)};
    PyArrayObject *a = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_FLOAT32);
    if (!a) return NULL;
    float *out = PyArray_DATA(a);
    for (npy_intp u = 0; u < dims[0]; u++) som_map_unit_weights(self->map, (size_t)u, out + u * dims[1]);
    return (PyObject *)a;
}

static PyObject *num(double v) { return PyFloat_FromDouble(v); }

static PyObject *map_history(pysom_Map *self, void *c)
{
    (void)c;
    size_t n = som_map_history_len(self->map);
    const som_history *h = som_map_history(self->map);
    PyObject *l = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; l && i < n; i++) {
        PyObject *d = Py_BuildValue("{s:n,s:N,s:N,s:N,s:N}", "pass", (Py_ssize_t)h[i].pass, "sigma", num(h[i].sigma),
                                    "alpha", num(h[i].alpha), "qe", num(h[i].qe), "te", num(h[i].te));
        if (!d) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)i, d);
    }
    return l;
}

static PyObject *map_clusters(pysom_Map *self, void *c)
{
    (void)c;
    const uint32_t *cl = som_map_clusters(self->map);
    if (!cl) Py_RETURN_NONE;
    npy_intp n = (npy_intp)som_map_n_units(self->map);
    PyArrayObject *a = (PyArrayObject *)PyArray_SimpleNew(1, &n, NPY_INT64);
    if (!a) return NULL;
    int64_t *o = PyArray_DATA(a);
    for (npy_intp i = 0; i < n; i++) o[i] = cl[i];
    return (PyObject *)a;
}

static PyObject *map_feature_weights(pysom_Map *self, void *c)
{
    (void)c;
    const double *w = som_map_feature_weights(self->map);
    if (!w) Py_RETURN_NONE;
    npy_intp n = (npy_intp)som_map_dim(self->map);
    PyArrayObject *a = (PyArrayObject *)PyArray_SimpleNew(1, &n, NPY_FLOAT64);
    if (a) memcpy(PyArray_DATA(a), w, (size_t)n * sizeof *w);
    return (PyObject *)a;
}

/* Plane coordinates of every unit (som_grid_coords): hex rows offset. */
static PyObject *map_coords(pysom_Map *self, PyObject *unused)
{
    (void)unused;
    npy_intp dims[2] = {(npy_intp)som_map_n_units(self->map), 2};
    PyArrayObject *a = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_FLOAT64);
    if (!a) return NULL;
    double *o = PyArray_DATA(a);
    for (npy_intp u = 0; u < dims[0]; u++) som_grid_coords(som_map_grid(self->map), (size_t)u, o + 2 * u, o + 2 * u + 1);
    return (PyObject *)a;
}

/* ---- what reads rows: GIL released ------------------------------------------ */

/* Runs fn(self->map, in, ctx, err) with the GIL released, again when a
 * Ctrl-C was caught by a handler that did not raise. */
typedef int (*reader_fn)(const som_map *map, const som_data *data, void *ctx, som_error *err);

static int run_reader(pysom_Map *self, const som_data *data, reader_fn fn, void *ctx)
{
    som_error err;
    int rc;
    self->readers++;
    for (;;) {
        som_error_clear(&err);
        pysom_long lc;
        pysom_long_begin(&lc);
        rc = fn(self->map, data, ctx, &err);
        pysom_long_end(&lc);
        if (rc != SOM_ECANCELED) break;
        int i = pysom_long_interrupted();
        if (i < 0) {
            self->readers--;
            return -1;
        }
        if (i == 0) break;
    }
    self->readers--;
    if (rc != SOM_OK) {
        pysom_raise(&err, NULL);
        return -1;
    }
    return 0;
}

typedef struct bmus_ctx {
    size_t *units;
    float *dist;
} bmus_ctx;

static int do_bmus(const som_map *map, const som_data *data, void *ctx, som_error *err)
{
    bmus_ctx *c = ctx;
    return som_map_bmus(map, data, c->units, c->dist, NULL, THREADS, err);
}

static int input_for(pysom_Map *self, PyObject *X, int need_own, pysom_input *in)
{
    if (pysom_input_from(X, NULL, NULL, NULL, NULL, need_own, in) < 0) return -1;
    if (som_data_dim(in->data) != som_map_dim(self->map)) {
        PyErr_Format(PyExc_ValueError, "X: expected %zu columns (the map's fields), got %zu",
                     som_map_dim(self->map), som_data_dim(in->data));
        pysom_input_release(in);
        return -1;
    }
    return 0;
}

static PyObject *map_bmus(pysom_Map *self, PyObject *X)
{
    pysom_input in;
    if (input_for(self, X, 0, &in) < 0) return NULL;
    npy_intp n = (npy_intp)som_data_n_samples(in.data);
    PyArrayObject *u = (PyArrayObject *)PyArray_SimpleNew(1, &n, NPY_INTP);
    PyArrayObject *d = (PyArrayObject *)PyArray_SimpleNew(1, &n, NPY_FLOAT32);
    bmus_ctx c = {u ? PyArray_DATA(u) : NULL, d ? PyArray_DATA(d) : NULL};
    if (!u || !d || run_reader(self, in.data, do_bmus, &c) < 0) {
        Py_XDECREF(u);
        Py_XDECREF(d);
        pysom_input_release(&in);
        return NULL;
    }
    pysom_input_release(&in);
    return Py_BuildValue("(NN)", u, d);
}

typedef struct quality_ctx {
    som_quality q;
    size_t *hits;
} quality_ctx;

static int do_quality(const som_map *map, const som_data *data, void *ctx, som_error *err)
{
    quality_ctx *c = ctx;
    return som_map_quality(map, data, &c->q, c->hits, THREADS, err);
}

static PyObject *map_quality(pysom_Map *self, PyObject *X)
{
    pysom_input in;
    if (input_for(self, X, 0, &in) < 0) return NULL;
    npy_intp nu = (npy_intp)som_map_n_units(self->map);
    PyArrayObject *h = (PyArrayObject *)PyArray_SimpleNew(1, &nu, NPY_INTP);
    quality_ctx c;
    memset(&c, 0, sizeof c);
    c.hits = h ? PyArray_DATA(h) : NULL;
    if (!h || run_reader(self, in.data, do_quality, &c) < 0) {
        Py_XDECREF(h);
        pysom_input_release(&in);
        return NULL;
    }
    pysom_input_release(&in);
    return Py_BuildValue("{s:d,s:d,s:n,s:n,s:N}", "qe", c.q.qe, "te", c.q.te, "units_hit", (Py_ssize_t)c.q.units_hit,
                         "max_hits", (Py_ssize_t)c.q.max_hits, "hits", h);
}

/* Distance of every row to every unit (som_map_distances), a block of rows
 * per call, so that Ctrl-C is heard between blocks too. */
typedef struct transform_ctx {
    float *out;
} transform_ctx;

static int do_transform(const som_map *map, const som_data *data, void *ctx, som_error *err)
{
    transform_ctx *c = ctx;
    const size_t n = som_data_n_samples(data), nu = som_map_n_units(map), block = 4096;
    int rc = SOM_OK;
    for (size_t i = 0; i < n && rc == SOM_OK; i += block)
        rc = som_map_distances(map, data, i, n - i < block ? n - i : block, c->out + i * nu, err);
    return rc;
}

static PyObject *map_transform(pysom_Map *self, PyObject *X)
{
    pysom_input in;
    if (input_for(self, X, 0, &in) < 0) return NULL;
    npy_intp dims[2] = {(npy_intp)som_data_n_samples(in.data), (npy_intp)som_map_n_units(self->map)};
    PyArrayObject *o = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_FLOAT32);
    transform_ctx c = {o ? PyArray_DATA(o) : NULL};
    if (!o || run_reader(self, in.data, do_transform, &c) < 0) {
        Py_XDECREF(o);
        pysom_input_release(&in);
        return NULL;
    }
    pysom_input_release(&in);
    return (PyObject *)o;
}

static int do_predict(const som_map *map, const som_data *data, void *ctx, som_error *err)
{
    (void)ctx;
    return som_map_predict(map, (som_data *)data, NULL, NULL, THREADS, err);
}

/* X with its missing (NaN) fields filled from each row's BMU. */
static PyObject *map_fill(pysom_Map *self, PyObject *X)
{
    pysom_input in;
    if (input_for(self, X, 1, &in) < 0) return NULL;
    if (run_reader(self, in.data, do_predict, NULL) < 0) {
        pysom_input_release(&in);
        return NULL;
    }
    npy_intp dims[2] = {(npy_intp)som_data_n_samples(in.data), (npy_intp)som_data_dim(in.data)};
    PyArrayObject *o = (PyArrayObject *)PyArray_SimpleNew(2, dims, NPY_FLOAT32);
    if (o) memcpy(PyArray_DATA(o), som_data_values(in.data), (size_t)(dims[0] * dims[1]) * sizeof(float));
    pysom_input_release(&in);
    return (PyObject *)o;
}

typedef struct target_ctx {
    const char *name;
    float *values;
    const char **classes;
} target_ctx;

static int do_target(const som_map *map, const som_data *data, void *ctx, som_error *err)
{
    target_ctx *c = ctx;
    return som_map_predict_target(map, data, c->name, c->values, c->classes, NULL, THREADS, err);
}

/* predict_target(X, titles, name): X's columns are matched to the map's
 * fields by title (som_map_align_data, inside the library). */
static PyObject *map_predict_target(pysom_Map *self, PyObject *args)
{
    PyObject *X, *titles;
    const char *name;
    if (!PyArg_ParseTuple(args, "OOs", &X, &titles, &name)) return NULL;
    int is_class = 0;
    if (som_map_target_fields(self->map, name, NULL, 0, &is_class) == 0) {
        PyErr_Format(pysom_DataError, "the map has no target '%s'", name);
        return NULL;
    }
    pysom_input in;
    if (pysom_input_from(X, titles, NULL, NULL, NULL, 0, &in) < 0) return NULL;
    npy_intp n = (npy_intp)som_data_n_samples(in.data);
    target_ctx c = {name, NULL, NULL};
    PyArrayObject *v = NULL;
    if (is_class) {
        c.classes = calloc((size_t)n, sizeof *c.classes);
        if (!c.classes) {
            pysom_input_release(&in);
            return PyErr_NoMemory();
        }
    } else {
        v = (PyArrayObject *)PyArray_SimpleNew(1, &n, NPY_FLOAT32);
        if (!v) {
            pysom_input_release(&in);
            return NULL;
        }
        c.values = PyArray_DATA(v);
    }
    int bad = run_reader(self, in.data, do_target, &c) < 0;
    pysom_input_release(&in);
    if (bad) {
        free(c.classes);
        Py_XDECREF(v);
        return NULL;
    }
    if (!is_class) return (PyObject *)v;
    PyObject *l = PyList_New(n);
    for (npy_intp i = 0; l && i < n; i++) {
        PyObject *s = PyUnicode_FromString(c.classes[i] ? c.classes[i] : "");
        if (!s) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, i, s);
    }
    free(c.classes);
    return l;
}

/* (number of fields, is_class) of target `name`; (0, False): none. */
static PyObject *map_target_fields(pysom_Map *self, PyObject *arg)
{
    const char *name = PyUnicode_AsUTF8(arg);
    if (!name) return NULL;
    int is_class = 0;
    size_t n = som_map_target_fields(self->map, name, NULL, 0, &is_class);
    return Py_BuildValue("(nO)", (Py_ssize_t)n, is_class ? Py_True : Py_False);
}

/* ---- what needs only the map ---------------------------------------------- */

static PyObject *map_umatrix(pysom_Map *self, PyObject *unused)
{
    (void)unused;
    npy_intp n = (npy_intp)som_map_n_units(self->map);
    PyArrayObject *a = (PyArrayObject *)PyArray_SimpleNew(1, &n, NPY_FLOAT64);
    if (a) som_map_umatrix(self->map, PyArray_DATA(a));
    return (PyObject *)a;
}

static PyObject *map_cluster(pysom_Map *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"k", "method", "seed", "k_min", "k_max", NULL};
    Py_ssize_t k = 0, k_min = 0, k_max = 0;
    unsigned long long seed = 1;
    const char *method = "kmeans";
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|nsKnn", kwlist, &k, &method, &seed, &k_min, &k_max)) return NULL;
    int m = som_enum_value(SOM_ENUM_CLUSTER_METHOD, method);
    if (m < 0) {
        PyErr_Format(PyExc_ValueError, "method: expected kmeans or ward, got '%s'", method);
        return NULL;
    }
    if (k < 0 || k_min < 0 || k_max < 0) {
        PyErr_SetString(PyExc_ValueError, "k, k_min and k_max: expected whole numbers >= 0");
        return NULL;
    }
    if (self->readers) {
        PyErr_SetString(PyExc_RuntimeError, "the map is being read by another thread; cluster it afterwards");
        return NULL;
    }
    som_cluster_opts o;
    som_cluster_opts_init(&o);
    o.method = (som_cluster_method)m;
    o.k = (size_t)k;
    o.seed = seed;
    if (k_min) o.k_min = (size_t)k_min;
    if (k_max) o.k_max = (size_t)k_max;
    som_error err;
    som_error_clear(&err);
    if (som_map_cluster(self->map, &o, NULL, &err) != SOM_OK) return pysom_raise(&err, NULL);
    return map_clusters(self, NULL);
}

static PyObject *map_save(pysom_Map *self, PyObject *args)
{
    PyObject *path;
    const char *format = NULL;
    if (!PyArg_ParseTuple(args, "O&|z", PyUnicode_FSConverter, &path, &format)) return NULL;
    som_error err;
    som_error_clear(&err);
    self->readers++;
    pysom_long lc;
    pysom_long_begin(&lc);
    int rc = som_map_save_as(self->map, PyBytes_AS_STRING(path), format, &err);
    pysom_long_end(&lc);
    self->readers--;
    Py_DECREF(path);
    if (rc != SOM_OK) return pysom_raise(&err, NULL);
    Py_RETURN_NONE;
}

/* The parts of the map that saving to path (or format) would leave out. */
static PyObject *map_losses(pysom_Map *self, PyObject *args)
{
    PyObject *path;
    const char *format = NULL;
    if (!PyArg_ParseTuple(args, "O&|z", PyUnicode_FSConverter, &path, &format)) return NULL;
    som_error err;
    som_error_clear(&err);
    unsigned lost = 0;
    int rc = som_map_losses(self->map, format, PyBytes_AS_STRING(path), &lost, &err);
    Py_DECREF(path);
    if (rc != SOM_OK) return pysom_raise(&err, NULL);
    PyObject *l = PyList_New(0);
    for (int b = 0; l && b < SOM_PART_COUNT; b++)
        if (lost & (1u << b)) {
            PyObject *s = PyUnicode_FromString(som_part_name((som_part)(1u << b)));
            if (!s || PyList_Append(l, s) < 0) Py_CLEAR(l);
            Py_XDECREF(s);
        }
    return l;
}

static PyObject *map_to_bytes(pysom_Map *self, PyObject *unused)
{
    (void)unused;
    void *buf = NULL;
    size_t len = 0;
    som_error err;
    som_error_clear(&err);
    if (som_map_save_mem(self->map, &buf, &len, &err) != SOM_OK) return pysom_raise(&err, NULL);
    PyObject *b = PyBytes_FromStringAndSize(buf, (Py_ssize_t)len);
    som_free(buf);
    return b;
}

static PyObject *map_clone(pysom_Map *self, PyObject *unused)
{
    (void)unused;
    som_map *copy = NULL;
    som_error err;
    som_error_clear(&err);
    if (som_map_clone(self->map, &copy, &err) != SOM_OK) return pysom_raise(&err, NULL);
    return pysom_map_new(copy);
}

static PyObject *map_set_titles(pysom_Map *self, PyObject *seq)
{
    PyObject *fast = PySequence_Fast(seq, "titles must be a sequence of str");
    if (!fast) return NULL;
    size_t dim = som_map_dim(self->map);
    if ((size_t)PySequence_Fast_GET_SIZE(fast) != dim) {
        PyErr_Format(PyExc_ValueError, "titles: expected %zu, got %zd", dim, PySequence_Fast_GET_SIZE(fast));
        Py_DECREF(fast);
        return NULL;
    }
    som_error err;
    som_error_clear(&err);
    for (size_t j = 0; j < dim; j++) {
        const char *t = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(fast, (Py_ssize_t)j));
        if (!t || som_map_set_title(self->map, j, t, &err) != SOM_OK) {
            Py_DECREF(fast);
            return t ? pysom_raise(&err, NULL) : NULL;
        }
    }
    Py_DECREF(fast);
    Py_RETURN_NONE;
}

static PyGetSetDef map_getset[] = {
    {"grid", (getter)map_grid, NULL, "(rows, cols, topology, toroid)", NULL},
    {"dim", (getter)map_dim, NULL, "fields per unit", NULL},
    {"n_units", (getter)map_n_units, NULL, "rows * cols", NULL},
    {"titles", (getter)map_titles, NULL, "the fields' titles", NULL},
    {"scaling", (getter)map_scaling, NULL, "none, zscore or minmax", NULL},
    {"codebook_scaled", (getter)map_codebook_scaled, NULL, "read-only view of libsom's codebook (scaled)", NULL},
    {"history", (getter)map_history, NULL, "the training history", NULL},
    {"clusters", (getter)map_clusters, NULL, "each unit's cluster, or None", NULL},
    {"feature_weights", (getter)map_feature_weights, NULL, "per-field weights, or None", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyMethodDef map_methods[] = {
    {"codebook", (PyCFunction)map_codebook, METH_NOARGS, "the codebook in original units (a new array)"},
    {"coords", (PyCFunction)map_coords, METH_NOARGS, "plane coordinates of the units"},
    {"bmus", (PyCFunction)map_bmus, METH_O, "bmus(X) -> (units, distances)"},
    {"quality", (PyCFunction)map_quality, METH_O, "quality(X) -> dict"},
    {"transform", (PyCFunction)map_transform, METH_O, "transform(X) -> distances to every unit"},
    {"fill", (PyCFunction)map_fill, METH_O, "fill(X) -> X with missing fields filled"},
    {"predict_target", (PyCFunction)map_predict_target, METH_VARARGS, "predict_target(X, titles, name)"},
    {"target_fields", (PyCFunction)map_target_fields, METH_O, "target_fields(name) -> (n, is_class)"},
    {"umatrix", (PyCFunction)map_umatrix, METH_NOARGS, "the U-matrix, one value per unit"},
    {"cluster", (PyCFunction)(void (*)(void))map_cluster, METH_VARARGS | METH_KEYWORDS, "cluster the units"},
    {"save", (PyCFunction)map_save, METH_VARARGS, "save(path, format=None)"},
    {"losses", (PyCFunction)map_losses, METH_VARARGS, "losses(path, format=None) -> parts left out"},
    {"to_bytes", (PyCFunction)map_to_bytes, METH_NOARGS, "the .som bytes"},
    {"clone", (PyCFunction)map_clone, METH_NOARGS, "a deep copy"},
    {"set_titles", (PyCFunction)map_set_titles, METH_O, "set the fields' titles"},
    {NULL, NULL, 0, NULL}};

PyTypeObject pysom_MapType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "som._som.Map",
    .tp_basicsize = sizeof(pysom_Map),
    .tp_dealloc = (destructor)map_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A libsom map (use som.SOM).",
    .tp_methods = map_methods,
    .tp_getset = map_getset,
};

int pysom_map_init_type(PyObject *module)
{
    if (PyType_Ready(&pysom_MapType) < 0) return -1;
    return PyModule_AddObjectRef(module, "Map", (PyObject *)&pysom_MapType);
}
