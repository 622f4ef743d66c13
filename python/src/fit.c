/* SPDX-License-Identifier: MIT */
/* fit.c — FitOpts (libsom's som_fit_opts, set by name through the settings
 * table) and fit (libsom's fitter), with the GIL released while it trains,
 * a progress callable called at most every `interval` seconds, and Ctrl-C
 * stopping it at once with the map of the last completed step. */
#include "pysom.h"

#include <string.h>
#include <time.h>

typedef struct pysom_FitOpts {
    PyObject_HEAD
    som_fit_opts opts;
} pysom_FitOpts;

static PyObject *opts_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    (void)args;
    (void)kw;
    pysom_FitOpts *self = (pysom_FitOpts *)type->tp_alloc(type, 0);
    if (self) som_fit_opts_init(&self->opts);
    return (PyObject *)self;
}

static void opts_dealloc(pysom_FitOpts *self)
{
    som_fit_opts_clear(&self->opts);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* set(name, text): the library checks the value and words the refusal. */
static PyObject *opts_set(pysom_FitOpts *self, PyObject *args)
{
    const char *name, *value;
    if (!PyArg_ParseTuple(args, "ss", &name, &value)) return NULL;
    som_error err;
    som_error_clear(&err);
    if (som_fit_opts_set(&self->opts, name, value, &err) != SOM_OK) return pysom_raise(&err, name);
    Py_RETURN_NONE;
}

static PyObject *opts_get(pysom_FitOpts *self, PyObject *args)
{
    const char *name;
    if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
    char buf[1024];
    som_error err;
    som_error_clear(&err);
    if (som_fit_opts_get(&self->opts, name, buf, sizeof buf, &err) != SOM_OK) return pysom_raise(&err, name);
    return PyUnicode_FromString(buf);
}

static PyObject *opts_check(pysom_FitOpts *self, PyObject *unused)
{
    (void)unused;
    som_error err;
    som_error_clear(&err);
    if (som_fit_opts_check(&self->opts, &err) != SOM_OK) return pysom_raise(&err, "");
    Py_RETURN_NONE;
}

/* The default of `name` given the settings so far, as text; None when it
 * depends on the data. */
static PyObject *opts_default(pysom_FitOpts *self, PyObject *args)
{
    const char *name;
    if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
    const som_setting *s = som_settings_find(name);
    if (!s) return PyErr_Format(pysom_SettingError, "unknown setting '%s'", name);
    char buf[256];
    if (som_setting_default(s, &self->opts, buf, sizeof buf) != 1) Py_RETURN_NONE;
    return PyUnicode_FromString(buf);
}

static PyMethodDef opts_methods[] = {
    {"set", (PyCFunction)opts_set, METH_VARARGS, "set(name, text)"},
    {"get", (PyCFunction)opts_get, METH_VARARGS, "get(name) -> text"},
    {"check", (PyCFunction)opts_check, METH_NOARGS, "the rules between settings"},
    {"default", (PyCFunction)opts_default, METH_VARARGS, "default(name) -> text or None"},
    {NULL, NULL, 0, NULL}};

PyTypeObject pysom_FitOptsType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "som._som.FitOpts",
    .tp_basicsize = sizeof(pysom_FitOpts),
    .tp_dealloc = (destructor)opts_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "libsom's som_fit_opts, set by name.",
    .tp_methods = opts_methods,
    .tp_new = opts_new,
};

int pysom_fit_init_type(PyObject *module)
{
    if (PyType_Ready(&pysom_FitOptsType) < 0) return -1;
    return PyModule_AddObjectRef(module, "FitOpts", (PyObject *)&pysom_FitOptsType);
}

/* ---- fit -------------------------------------------------------------------- */

typedef struct progress_ctx {
    pysom_long *lc;      /* its thread state: the GIL is taken back to call */
    PyObject *callback;  /* or NULL */
    double interval, last;
    size_t step, n_steps;
    PyObject *exc_type, *exc_value, *exc_tb; /* what the callback raised */
} progress_ctx;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int on_progress(const som_progress *p, void *arg)
{
    progress_ctx *c = arg;
    c->step = p->step;
    c->n_steps = p->n_steps;
    if (!c->callback) return 0;
    double t = now();
    int last = p->step >= p->n_steps;
    if (!last && t - c->last < c->interval) return 0;
    c->last = t;
    PyEval_RestoreThread(c->lc->ts);
    int stop = 0;
    PyObject *d = Py_BuildValue("{s:n,s:n,s:n,s:n,s:d,s:d,s:d,s:d}", "step", (Py_ssize_t)p->step, "n_steps",
                                (Py_ssize_t)p->n_steps, "pass", (Py_ssize_t)p->pass, "n_passes",
                                (Py_ssize_t)p->n_passes, "sigma", p->sigma, "alpha", p->alpha, "qe", p->qe, "te",
                                p->te);
    PyObject *r = d ? PyObject_CallOneArg(c->callback, d) : NULL;
    Py_XDECREF(d);
    if (!r) {
        PyErr_Fetch(&c->exc_type, &c->exc_value, &c->exc_tb);
        stop = 1;
    }
    Py_XDECREF(r);
    c->lc->ts = PyEval_SaveThread();
    return stop;
}

static PyObject *fit_info(const som_fit_info *info, size_t steps_done, int done)
{
    return Py_BuildValue("{s:(nns),s:O,s:d,s:n,s:n,s:n,s:n,s:n,s:O}", "grid", (Py_ssize_t)info->grid.rows,
                         (Py_ssize_t)info->grid.cols, som_enum_name(SOM_ENUM_TOPOLOGY, (int)info->grid.topology),
                         "auto_grid", info->auto_grid ? Py_True : Py_False, "grid_ratio", info->grid_ratio,
                         "n_samples", (Py_ssize_t)info->n_samples, "dim", (Py_ssize_t)info->dim, "n_classes",
                         (Py_ssize_t)info->n_classes, "n_steps", (Py_ssize_t)info->n_steps, "steps",
                         (Py_ssize_t)steps_done, "done", done ? Py_True : Py_False);
}

/* fit(X, opts, titles=None, labels=None, sample_weight=None, progress=None,
 *     interval=0.2, overwrite=False) -> (Map or None, info, exception or None)
 * The exception (KeyboardInterrupt, or what the progress callable raised)
 * is returned rather than raised, with the map as training left it, so
 * that the caller keeps a usable map and then raises it. */
PyObject *pysom_fit(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"X", "opts", "titles", "labels", "sample_weight", "progress", "interval", "overwrite",
                             "label_title", NULL};
    PyObject *X, *titles = Py_None, *labels = Py_None, *weights = Py_None, *callback = Py_None;
    pysom_FitOpts *fo;
    double interval = 0.2;
    int overwrite = 0;
    const char *label_title = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO!|OOOOdpz", kwlist, &X, &pysom_FitOptsType, &fo, &titles, &labels,
                                     &weights, &callback, &interval, &overwrite, &label_title))
        return NULL;
    if (callback != Py_None && !PyCallable_Check(callback)) {
        PyErr_SetString(PyExc_TypeError, "progress: expected a callable or None");
        return NULL;
    }
    pysom_input in;
    if (pysom_input_from(X, titles, labels, weights, label_title, 0, &in) < 0) return NULL;

    /* Our own copy (float64, NaN) or an array the caller lets us change:
     * the fit takes it and scales it in place instead of beside a scaled
     * copy. A borrowed array stays the caller's: only read. */
    unsigned flags = (!in.borrowed || overwrite) ? SOM_FIT_TAKE_DATA : 0;
    som_fit_opts *o = &fo->opts;
    pysom_long lc;
    progress_ctx pc;
    memset(&pc, 0, sizeof pc);
    pc.lc = &lc;
    pc.callback = callback == Py_None ? NULL : callback;
    pc.interval = interval;
    pc.last = now();
    som_progress_fn saved_fn = o->train.progress;
    void *saved_ctx = o->train.progress_ctx;
    size_t saved_every = o->train.progress_every;
    o->train.progress = on_progress;
    o->train.progress_ctx = &pc;
    /* Online passes can be long: report within them too, as `som train`
     * does (reports do not change the result). */
    if (o->train.algorithm == SOM_ONLINE) o->train.progress_every = 4096;

    som_error err;
    som_error_clear(&err);
    som_fit_info info;
    memset(&info, 0, sizeof info);
    som_fitter *fitter = NULL;
    som_data *data = in.data;
    if (flags & SOM_FIT_TAKE_DATA) in.data = NULL; /* the fitter owns it now */
    pysom_long_begin(&lc);
    int rc = som_fitter_new(data, o, flags, "X", &fitter, &info, &err);
    pysom_long_end(&lc);
    PyObject *result = NULL, *exc = NULL;
    while (rc == SOM_OK) {
        pysom_long_begin(&lc);
        rc = som_fitter_run(fitter, &err);
        pysom_long_end(&lc);
        if (rc != SOM_ECANCELED) break;
        int i = pysom_long_interrupted();
        if (i == 1 && som_fitter_map(fitter)) {
            rc = SOM_OK; /* a handler that did not raise: train on */
            continue;
        }
        if (i == 0) break;
        if (i == 1) PyErr_SetNone(PyExc_KeyboardInterrupt);
        PyObject *t, *v, *tb;
        PyErr_Fetch(&t, &v, &tb);
        PyErr_NormalizeException(&t, &v, &tb);
        if (tb) PyException_SetTraceback(v, tb);
        Py_XDECREF(t);
        Py_XDECREF(tb);
        exc = v;
        break;
    }
    o->train.progress = saved_fn;
    o->train.progress_ctx = saved_ctx;
    o->train.progress_every = saved_every;
    if (rc == SOM_ESTOPPED && pc.exc_type) {
        PyErr_NormalizeException(&pc.exc_type, &pc.exc_value, &pc.exc_tb);
        if (pc.exc_tb) PyException_SetTraceback(pc.exc_value, pc.exc_tb);
        exc = pc.exc_value;
        pc.exc_value = NULL;
    }
    Py_XDECREF(pc.exc_type);
    Py_XDECREF(pc.exc_value);
    Py_XDECREF(pc.exc_tb);
    if (rc == SOM_OK || exc) {
        if (fitter) info = *som_fitter_info(fitter);
        int done = fitter && som_fitter_done(fitter);
        som_map *map = fitter ? som_fitter_take_map(fitter) : NULL;
        PyObject *m = map ? pysom_map_new(map) : Py_NewRef(Py_None);
        PyObject *d = fit_info(&info, done ? info.n_steps : pc.step, done);
        if (m && d) result = Py_BuildValue("(NNN)", m, d, exc ? exc : Py_NewRef(Py_None));
        else {
            Py_XDECREF(m);
            Py_XDECREF(d);
            Py_XDECREF(exc);
        }
    } else {
        pysom_raise(&err, info.setting);
    }
    som_fitter_free(fitter);
    pysom_input_release(&in);
    return result;
}
