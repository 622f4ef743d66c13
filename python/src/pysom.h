/* SPDX-License-Identifier: MIT */
/* pysom.h — what the files of the extension som._som share.
 *
 * The extension is a thin client of libsom (doc/ARCHITECTURE.md,
 * "Front-ends"): it turns numpy arrays into som_data, Python values into
 * the settings table's text, libsom's errors into exceptions, and releases
 * the GIL around every long call. It restates nothing the library knows.
 *   module.c   the module, errors, the settings table and formats
 *   data.c     numpy arrays -> som_data (borrowed float32, float64 in blocks)
 *   longcall.c the GIL released around a call, Ctrl-C -> som_cancel
 *   map.c      the Map type: a som_map and what reads it
 *   fit.c      FitOpts (som_fit_opts by name) and fit (som_fitter_*)
 *   render.c   pictures (libsom_render) */
#ifndef PYSOM_H
#define PYSOM_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL pysom_ARRAY_API
#ifndef PYSOM_MODULE_C
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

/* The fit in steps (som_fitter_*) is libsom's experimental part. */
#define SOM_EXPERIMENTAL 1
#include "som.h"

/* ---- errors (module.c) ---- */
extern PyObject *pysom_Error, *pysom_SettingError, *pysom_DataError, *pysom_FileError,
    *pysom_NotSupportedError;
/* Raises the exception for err (class by code, libsom's message, the
 * code's name, file, line and column as attributes); returns NULL. A
 * setting's failure (setting != NULL) raises SettingError. */
PyObject *pysom_raise(const som_error *err, const char *setting);

/* ---- data (data.c) ---- */
/* A som_data made from a Python array for one call: `data` borrows the
 * array's memory when it is float32, C-contiguous and finite; otherwise it
 * is libsom's own copy (float32, NaN -> missing). `keep` holds the array
 * while `data` may read it. */
typedef struct pysom_input {
    som_data *data;
    PyObject *keep;
    int borrowed; /* 1: data's values are the array's memory */
} pysom_input;
/* X: a 2-D array-like; titles (None or a sequence of str, dim long);
 * labels (None or a sequence of str, n long); weights (None or 1-D, n
 * long). need_own: always a copy libsom may change (prediction, a fit
 * that takes the data). Returns 0, or -1 with an exception set. */
int pysom_input_from(PyObject *X, PyObject *titles, PyObject *labels, PyObject *weights,
                     const char *label_title, int need_own, pysom_input *in);
void pysom_input_release(pysom_input *in);

/* ---- long calls (longcall.c) ---- */
/* Around a call that runs with the GIL released: on the main thread, a
 * SIGINT handler that sets libsom's cancellation token (and still calls
 * Python's own handler), the token bound to the thread. */
typedef struct pysom_long {
    PyThreadState *ts;
    int armed; /* the handler is installed */
} pysom_long;
void pysom_long_begin(pysom_long *lc); /* releases the GIL */
void pysom_long_end(pysom_long *lc);   /* takes it back */
/* After a call that returned SOM_ECANCELED, GIL held: runs Python's signal
 * handlers. Returns -1 when one raised (KeyboardInterrupt), 1 when the
 * token was set but nothing raised (the call may be run again), 0 when the
 * token was not set (a real error). */
int pysom_long_interrupted(void);
/* GIL held, inside a long call (a progress callback): 1 when Ctrl-C came. */
int pysom_long_cancelled(void);

/* ---- the Map type (map.c) ---- */
typedef struct pysom_Map {
    PyObject_HEAD
    som_map *map;
    int readers; /* long calls reading the map now (GIL released) */
} pysom_Map;
extern PyTypeObject pysom_MapType;
/* A new Map owning `map` (freed on failure). */
PyObject *pysom_map_new(som_map *map);
int pysom_map_init_type(PyObject *module);

/* ---- fitting (fit.c) ---- */
extern PyTypeObject pysom_FitOptsType;
int pysom_fit_init_type(PyObject *module);
PyObject *pysom_fit(PyObject *self, PyObject *args, PyObject *kwargs);

/* ---- pictures (render.c) ---- */
PyObject *pysom_render(PyObject *self, PyObject *args, PyObject *kwargs);
PyObject *pysom_render_options(PyObject *self, PyObject *unused);

#endif
