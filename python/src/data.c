/* SPDX-License-Identifier: MIT */
/* data.c — numpy arrays into som_data, copying as little as possible.
 *
 *  - float32, C-contiguous, aligned, native order, every value finite:
 *    som_data_wrap borrows the array's memory (no copy);
 *  - anything else (float64, a strided view, NaN for missing values,
 *    integers): one float32 copy that libsom owns, filled row by row from
 *    the array as it lies (a row of dim floats is the only buffer besides):
 *    a float64 table is never held twice, and the copy is the table
 *    training reads (and may scale in place: SOM_FIT_TAKE_DATA). */
#include "pysom.h"

#include <string.h>

void pysom_input_release(pysom_input *in)
{
    som_data_free(in->data);
    in->data = NULL;
    Py_CLEAR(in->keep);
}

static int fail(const som_error *err)
{
    pysom_raise(err, NULL);
    return -1;
}

/* Rows of a float32 or float64 array of any strides into d, one row at a
 * time (GIL released: only the array's memory is read). */
static int copy_rows(PyArrayObject *a, som_data *d, som_error *err)
{
    const npy_intp n = PyArray_DIM(a, 0), dim = PyArray_DIM(a, 1);
    const npy_intp s0 = PyArray_STRIDE(a, 0), s1 = PyArray_STRIDE(a, 1);
    const int f64 = PyArray_TYPE(a) == NPY_FLOAT64;
    const char *base = PyArray_BYTES(a);
    float *row = malloc((size_t)dim * sizeof *row);
    if (!row) return som_error_set(err, SOM_ENOMEM, "out of memory");
    int rc = SOM_OK;
    for (npy_intp i = 0; i < n && rc == SOM_OK; i++) {
        const char *p = base + i * s0;
        if (f64)
            for (npy_intp j = 0; j < dim; j++) row[j] = (float)*(const double *)(const void *)(p + j * s1);
        else
            for (npy_intp j = 0; j < dim; j++) row[j] = *(const float *)(const void *)(p + j * s1);
        rc = som_data_set_row(d, (size_t)i, row, NULL, err);
        if (rc == SOM_OK && (i & 1023) == 0) rc = som_cancel_poll(err);
    }
    free(row);
    return rc;
}

static int set_strings(som_data *d, PyObject *seq, Py_ssize_t want, int titles, som_error *err)
{
    PyObject *fast = PySequence_Fast(seq, titles ? "titles must be a sequence of str"
                                                 : "labels must be a sequence of str");
    if (!fast) return -1;
    if (PySequence_Fast_GET_SIZE(fast) != want) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd, got %zd", titles ? "titles" : "labels", want,
                     PySequence_Fast_GET_SIZE(fast));
        Py_DECREF(fast);
        return -1;
    }
    for (Py_ssize_t i = 0; i < want; i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(fast, i);
        PyObject *s = PyUnicode_Check(o) ? Py_NewRef(o) : PyObject_Str(o);
        const char *text = s ? PyUnicode_AsUTF8(s) : NULL;
        int rc = !text ? -1
                 : titles ? som_data_set_title(d, (size_t)i, text, err)
                          : som_data_set_label(d, (size_t)i, text, err);
        Py_XDECREF(s);
        if (rc != SOM_OK) {
            Py_DECREF(fast);
            return text ? fail(err) : -1;
        }
    }
    Py_DECREF(fast);
    return 0;
}

int pysom_input_from(PyObject *X, PyObject *titles, PyObject *labels, PyObject *weights,
                     const char *label_title, int need_own, pysom_input *in)
{
    memset(in, 0, sizeof *in);
    PyArrayObject *a = (PyArrayObject *)PyArray_FromAny(X, NULL, 2, 2, 0, NULL);
    if (!a) return -1;
    int t = PyArray_TYPE(a);
    if (t != NPY_FLOAT32 && t != NPY_FLOAT64) {
        /* Integers, booleans, float16...: as float64 first (rare). */
        PyArrayObject *c = (PyArrayObject *)PyArray_FROMANY((PyObject *)a, NPY_FLOAT64, 2, 2, NPY_ARRAY_ALIGNED);
        Py_DECREF(a);
        if (!c) return -1;
        a = c;
    } else if (!PyArray_ISNOTSWAPPED(a) || !PyArray_ISALIGNED(a)) {
        PyArrayObject *c = (PyArrayObject *)PyArray_FROMANY((PyObject *)a, t, 2, 2, NPY_ARRAY_ALIGNED);
        Py_DECREF(a);
        if (!c) return -1;
        a = c;
    }
    in->keep = (PyObject *)a;
    const npy_intp n = PyArray_DIM(a, 0), dim = PyArray_DIM(a, 1);
    if (n < 1 || dim < 1) {
        PyErr_Format(PyExc_ValueError, "X: expected at least one row and one column, got shape (%zd, %zd)",
                     (Py_ssize_t)n, (Py_ssize_t)dim);
        pysom_input_release(in);
        return -1;
    }
    som_error err;
    som_error_clear(&err);
    int rc = SOM_EINVAL;
    pysom_long lc;
    pysom_long_begin(&lc);
    if (!need_own && PyArray_TYPE(a) == NPY_FLOAT32 && PyArray_IS_C_CONTIGUOUS(a)) {
        rc = som_data_wrap(PyArray_DATA(a), (size_t)n, (size_t)dim, &in->data, &err);
        in->borrowed = rc == SOM_OK;
        /* A NaN (missing) or an infinity: copied below, where NaN gets its
         * mask and an infinity its message. */
    }
    if (rc == SOM_EINVAL) {
        som_error_clear(&err);
        rc = som_data_new((size_t)n, (size_t)dim, &in->data, &err);
        if (rc == SOM_OK) rc = copy_rows(a, in->data, &err);
    }
    pysom_long_end(&lc);
    if (rc != SOM_OK) {
        pysom_input_release(in);
        return fail(&err);
    }
    if (titles && titles != Py_None && set_strings(in->data, titles, dim, 1, &err) < 0) goto bad;
    if (labels && labels != Py_None) {
        if (set_strings(in->data, labels, n, 0, &err) < 0) goto bad;
        if (label_title && som_data_set_label_title(in->data, label_title, &err) != SOM_OK) {
            fail(&err);
            goto bad;
        }
    }
    if (weights && weights != Py_None) {
        PyArrayObject *w = (PyArrayObject *)PyArray_FROMANY(weights, NPY_FLOAT64, 1, 1, NPY_ARRAY_IN_ARRAY);
        if (!w) goto bad;
        if (PyArray_DIM(w, 0) != n) {
            PyErr_Format(PyExc_ValueError, "sample_weight: expected %zd weights (one per row), got %zd",
                         (Py_ssize_t)n, (Py_ssize_t)PyArray_DIM(w, 0));
            Py_DECREF(w);
            goto bad;
        }
        const double *wv = PyArray_DATA(w);
        for (npy_intp i = 0; i < n; i++)
            if (som_data_set_weight(in->data, (size_t)i, wv[i], &err) != SOM_OK) {
                Py_DECREF(w);
                fail(&err);
                goto bad;
            }
        Py_DECREF(w);
    }
    return 0;
bad:
    pysom_input_release(in);
    return -1;
}
