# SPDX-License-Identifier: MIT
"""Self-organizing maps from Python: a thin front-end of libsom.

    import numpy as np, som
    X = np.random.default_rng(1).random((1000, 4), dtype=np.float32)
    m = som.SOM(grid=(10, 10), topology="hex", epochs=20).fit(X)
    units, dist = m.bmus(X, return_distance=True)
    m.save("model.som"); m.render("dashboard", "dashboard.png")

Every training setting is an entry of libsom's settings table (som.settings()),
given as a keyword with '-' spelled '_'; libsom checks every value and words
every refusal. Training, mapping and drawing run in libsom with the GIL
released; Ctrl-C stops fit() within a second and keeps the map of the last
completed step. The API is described in python/README.md.
"""
import os
import sys
import tempfile

import numpy as np

from . import _som
from ._som import DataError, Error, FileError, NotSupportedError, SettingError

__all__ = ["SOM", "load", "settings", "formats", "Error", "SettingError", "DataError", "FileError",
           "NotSupportedError", "NotFittedError"]
__version__ = _som.version()


class NotFittedError(Error, ValueError):
    """A map was used before fit() (or load()) gave it units."""


def settings():
    """libsom's settings table: one dict per entry (name, keyword, type, group,
    choices, min, max, expects, default, default_words, algorithms, help)."""
    return _som.settings()


def formats():
    """libsom's format registry: one dict per format (name, description,
    extensions, uses)."""
    return _som.formats()


def load(path, format=None):
    """A map from any map format of the registry (.som, .json, .cod, ...)."""
    return SOM._from_map(_som.load(os.fspath(path), format))


# ---- settings: Python values -> the table's text ------------------------------

_TABLE = {s["keyword"]: s for s in _som.settings()}
_TABLE.update({s["name"]: s for s in _som.settings()})


def _number(v):
    if isinstance(v, (bool, np.bool_)):
        raise TypeError("expected a number, got %r" % (v,))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    return str(v)


def _setting_text(entry, value):
    """The text som_fit_opts_set takes for `value` of setting `entry`."""
    kind, name = entry["type"], entry["name"]
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if kind == "grid" and isinstance(value, (tuple, list)):
        return "x".join(_number(v) for v in value)
    if kind == "pair" and isinstance(value, (tuple, list)):
        return ":".join("" if v is None else _number(v) for v in value)
    if name == "weights" and isinstance(value, dict):
        return ",".join("%s=%s" % (k, _number(v)) for k, v in value.items())
    if name == "target" and isinstance(value, (tuple, list)):
        return ",".join(str(v) for v in value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _number(value)
    return os.fspath(value) if isinstance(value, os.PathLike) else str(value)


def _fit_opts(params):
    """A FitOpts with every setting of params (keyword -> value) set and the
    rules between them applied, as libsom checks them."""
    opts = _som.FitOpts()
    for key, value in params.items():
        if value is None:
            continue
        entry = _TABLE.get(key)
        if entry is None:
            valid = ", ".join(s["keyword"] for s in _som.settings())
            raise SettingError("unknown setting '%s' (valid: %s)" % (key, valid))
        opts.set(entry["name"], _setting_text(entry, value))
    opts.check()
    return opts


# ---- inputs ----------------------------------------------------------------------

def _is_pandas(obj):
    return type(obj).__module__.split(".")[0] == "pandas"


def _frame(X):
    """(values, titles, labels, label title) of a pandas DataFrame: the
    numeric columns are the fields, one text (or categorical) column the row
    labels, titled by its name (a class target by that name, as in som train
    --target)."""
    numeric = X.select_dtypes(include="number")
    other = [c for c in X.columns if c not in numeric.columns]
    if len(other) > 1:
        raise ValueError("X: expected at most one text column (the labels), got %d: %s"
                         % (len(other), ", ".join(map(str, other))))
    labels = X[other[0]].astype(str).tolist() if other else None
    dtypes = set(numeric.dtypes)
    values = numeric.to_numpy(dtype=np.float32 if dtypes == {np.dtype(np.float32)} else np.float64)
    return values, [str(c) for c in numeric.columns], labels, str(other[0]) if other else None


def _input(X, titles=None, labels=None):
    """(X as a 2-D array, titles, labels, the labels' title)."""
    label_title = None
    if _is_pandas(X) and hasattr(X, "columns"):
        X, t, lab, label_title = _frame(X)
        titles = titles if titles is not None else t
        if labels is None:
            labels = lab
        else:
            label_title = None
    elif not isinstance(X, np.ndarray):
        X = np.asarray(X)
    if X.ndim == 1:
        X = X.reshape(1, -1)
    if X.ndim != 2:
        raise ValueError("X: expected a table (rows x fields), got an array of %d dimensions" % X.ndim)
    if X.dtype.kind not in "fiub":
        raise TypeError("X: expected numbers, got an array of %s (text columns: give them as labels=, "
                        "or pass a pandas DataFrame)" % X.dtype)
    return X, titles, labels, label_title


def _progress_callable(progress):
    if progress is None or progress is False:
        return None, None
    if callable(progress):
        return progress, None
    if progress is not True:
        raise TypeError("progress: expected a callable, True (a bar) or None, got %r" % (progress,))
    try:
        from tqdm.auto import tqdm
    except ImportError:
        tqdm = None
    state = {"bar": None}

    def show(p):
        if tqdm is not None:
            if state["bar"] is None:
                state["bar"] = tqdm(total=p["n_steps"], unit="step", desc="som fit")
            state["bar"].update(p["step"] - state["bar"].n)
        else:
            sys.stderr.write("\rsom fit: step %d of %d" % (p["step"], p["n_steps"]))
            if p["step"] >= p["n_steps"]:
                sys.stderr.write("\n")
            sys.stderr.flush()

    def close():
        if state["bar"] is not None:
            state["bar"].close()

    return show, close


# ---- the map ------------------------------------------------------------------------

class SOM:
    """A self-organizing map trained by libsom.

    SOM(grid=(rows, cols), topology="rect"|"hex", **settings): grid None is
    libsom's automatic grid; every other keyword is an entry of the settings
    table (som.settings()), '-' spelled '_': epochs, algorithm, radius=(R0, R1),
    rate=(A0, A1), schedule, neighborhood, init, seed, scale, iterations, ...
    Values are checked by libsom now; a bad one raises som.SettingError with
    the words `som train` uses.
    """

    def __init__(self, grid=None, topology=None, **settings):
        self._params = {"grid": grid, "topology": topology}
        self._params.update(settings)
        _fit_opts(self._params)  # check now: a bad setting fails here
        self._map = None
        self._info = None
        self._target = None  # ("class", ["label"]) or ("numeric", [titles])
        self._target_titles = None

    # -- construction ----------------------------------------------------------
    @classmethod
    def _from_map(cls, m, **params):
        self = cls.__new__(cls)
        rows, cols, topology, toroid = m.grid
        self._params = {"grid": (rows, cols), "topology": topology}
        self._params.update(params)
        self._map = m
        self._info = None
        self._target = None
        self._target_titles = None
        return self

    @classmethod
    def from_codebook(cls, codebook, grid=None, topology="rect", toroid=False, titles=None):
        """A map holding `codebook` (rows x cols x dim, or n_units x dim with
        grid) in original units, without scaling and without training."""
        cb = np.asarray(codebook, dtype=np.float32)
        if cb.ndim == 3:
            grid = grid or cb.shape[:2]
            cb = cb.reshape(-1, cb.shape[2])
        if grid is None or cb.ndim != 2:
            raise ValueError("codebook: expected rows x cols x dim, or n_units x dim with grid=(rows, cols)")
        m = _som.from_codebook(np.ascontiguousarray(cb), int(grid[0]), int(grid[1]), topology, bool(toroid))
        if titles is not None:
            m.set_titles([str(t) for t in titles])
        return cls._from_map(m, toroid=bool(toroid) or None, scale="none")

    def get_params(self, deep=True):
        """The keywords given (scikit-learn's convention)."""
        return dict(self._params)

    def set_params(self, **params):
        merged = dict(self._params)
        merged.update(params)
        _fit_opts(merged)
        self._params = merged
        return self

    @property
    def settings(self):
        """Every setting as libsom reads it now (name -> text), defaults included."""
        opts = _fit_opts(self._params)
        out = {}
        for s in _som.settings():
            out[s["name"]] = opts.get(s["name"])
        return out

    # -- training ---------------------------------------------------------------
    def fit(self, X, y=None, sample_weight=None, *, init_codebook=None, progress=None, titles=None,
            labels=None, overwrite_input=False):
        """Trains a new map on X (rows x fields; NaN = missing).

        y: targets for a supervised map: text classes (one-hot encoded by
        libsom, predicted by predict()) or numbers (1-D or 2-D). sample_weight:
        per-row training weights (>= 0). init_codebook: starting units in
        original units (rows x cols x dim or n_units x dim). progress: a
        callable given a dict at most ~5 times a second, or True (tqdm when
        installed). overwrite_input: let libsom scale a float32 X in place
        (no working copy; X then holds scaled values).
        """
        X, titles, labels, label_title = _input(X, titles, labels)
        params = dict(self._params)
        target = None
        if y is not None:
            X, titles, labels, target = self._with_targets(X, titles, labels, y)
            params["target"] = ",".join(target[1])
            if target[0] == "class":
                label_title = target[1][0]
        tmp = None
        try:
            if init_codebook is not None:
                tmp = self._codebook_file(init_codebook, X.shape[1] if X.ndim == 2 else None)
                params["init_codebook"] = tmp
            opts = _fit_opts(params)
            callback, close = _progress_callable(progress)
            try:
                m, info, exc = _som.fit(X, opts, titles=titles, labels=labels, sample_weight=sample_weight,
                                        progress=callback, interval=0.2, overwrite=bool(overwrite_input),
                                        label_title=label_title)
            finally:
                if close:
                    close()
        finally:
            if tmp:
                os.unlink(tmp)
        if m is not None:
            self._map = m
            self._info = info
            self._target = target
            if target is None and params.get("target"):
                self._target = ("given", [t for t in str(params["target"]).split(",")])
        if exc is not None:
            raise exc
        return self

    def _with_targets(self, X, titles, labels, y):
        if _is_pandas(y) and hasattr(y, "columns"):
            names = [str(c) for c in y.columns]
            y = y.to_numpy()
        elif _is_pandas(y):
            names = [str(y.name)] if y.name is not None else None
            y = y.to_numpy()
        else:
            names = None
            y = np.asarray(y)
        if y.shape[0] != X.shape[0]:
            raise ValueError("y: expected %d rows (as X), got %d" % (X.shape[0], y.shape[0]))
        if y.dtype.kind in "OUSb" and y.ndim == 1:
            if labels is not None:
                raise ValueError("y: X already has labels (a text column); give the classes once")
            return X, titles, [str(v) for v in y], ("class", [names[0] if names else "label"])
        y = np.asarray(y, dtype=np.float64)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        k = y.shape[1]
        if names is None:
            names = ["target"] if k == 1 else ["target%d" % (i + 1) for i in range(k)]
        if titles is None:
            titles = [str(j + 1) for j in range(X.shape[1])]
        X = np.hstack([np.asarray(X, dtype=np.float64 if X.dtype != np.float32 else np.float32), y])
        return X, list(titles) + names, labels, ("numeric", names)

    def _codebook_file(self, codebook, dim):
        """libsom starts a fit from a model file (the init-codebook setting):
        the starting units go through a temporary .som."""
        cb = np.asarray(codebook, dtype=np.float32)
        grid = self._params.get("grid")
        if cb.ndim == 3:
            grid = grid or cb.shape[:2]
            cb = cb.reshape(-1, cb.shape[2])
        if grid is None:
            raise ValueError("init_codebook: give grid=(rows, cols) (or a rows x cols x dim codebook)")
        topology = self._params.get("topology") or "rect"
        m = _som.from_codebook(np.ascontiguousarray(cb), int(grid[0]), int(grid[1]), str(topology),
                               bool(self._params.get("toroid")))
        fd, path = tempfile.mkstemp(suffix=".som", prefix="som-init-")
        os.close(fd)
        try:
            m.save(path)
        except BaseException:
            os.unlink(path)
            raise
        return path

    # -- the map --------------------------------------------------------------------
    def _m(self):
        if self._map is None:
            raise NotFittedError("this map has no units yet: call fit(X) or som.load(path)")
        return self._map

    @property
    def grid(self):
        rows, cols, _, _ = self._m().grid
        return (rows, cols)

    @property
    def topology(self):
        return self._m().grid[2]

    @property
    def toroid(self):
        return self._m().grid[3]

    @property
    def n_units(self):
        return self._m().n_units

    @property
    def dim(self):
        return self._m().dim

    @property
    def titles(self):
        return self._m().titles

    @property
    def scaling(self):
        return self._m().scaling

    @property
    def codebook(self):
        """The units' weights in original units, n_units x dim, read-only: a
        view of libsom's memory when the map has no scaling, else a copy."""
        m = self._m()
        if m.scaling == "none":
            a = m.codebook_scaled
        else:
            a = m.codebook()
            a.flags.writeable = False
        return a

    @property
    def codebook_scaled(self):
        """libsom's codebook (the map's scaled space), a read-only view."""
        return self._m().codebook_scaled

    @property
    def history(self):
        """The training history: one dict per pass (pass, sigma, alpha, qe, te)."""
        return self._m().history

    @property
    def clusters(self):
        return self._m().clusters

    @property
    def feature_weights(self):
        return self._m().feature_weights

    @property
    def fitted_steps(self):
        return self._info["steps"] if self._info else None

    @property
    def n_steps(self):
        return self._info["n_steps"] if self._info else None

    @property
    def fit_info(self):
        """What the last fit chose and did (grid, n_samples, n_steps, steps, done, ...)."""
        return dict(self._info) if self._info else None

    def unit_coords(self, units=None):
        """Grid (row, col) of units (default every unit, in order)."""
        rows, cols = self.grid
        u = np.arange(rows * cols) if units is None else np.asarray(units)
        return np.stack([u // cols, u % cols], axis=-1)

    def positions(self):
        """Plane (x, y) of every unit as pictures place them (hex rows offset)."""
        return self._m().coords()

    # -- rows -----------------------------------------------------------------------
    def _rows(self, X):
        """X as the map's fields: a DataFrame's columns matched by title."""
        if _is_pandas(X) and hasattr(X, "columns"):
            titles = self.titles
            if all(t in X.columns for t in titles):
                X = X[titles]
            return _frame(X)[0]
        X = _input(X)[0]
        return X

    def bmus(self, X, return_distance=False):
        """Each row's best-matching unit (row * cols + col); with
        return_distance also its distance (the map's scaled space)."""
        units, dist = self._m().bmus(self._rows(X))
        return (units, dist) if return_distance else units

    def transform(self, X):
        """Distance of each row to each unit (rows x n_units, scaled space)."""
        return self._m().transform(self._rows(X))

    def quantization_error(self, X):
        return self._m().quality(self._rows(X))["qe"]

    def topographic_error(self, X):
        return self._m().quality(self._rows(X))["te"]

    def quality(self, X):
        """qe, te, units_hit, max_hits and hits in one pass."""
        return self._m().quality(self._rows(X))

    def hits(self, X):
        """Rows per unit (n_units)."""
        return self._m().quality(self._rows(X))["hits"]

    def predict(self, X):
        """A supervised map: the target of each row (classes as str, numbers
        as float32; k numeric targets: rows x k). Otherwise: X with its
        missing (NaN) fields filled from each row's best-matching unit."""
        m = self._m()
        if self._target is None:
            return m.fill(self._rows(X))
        kind, names = self._target
        X, titles, _, _ = _input(X)
        if titles is None:
            target_cols = set()
            for n in names:
                target_cols.update(t for t in m.titles if t == n or t.startswith(n + "="))
            feats = [t for t in m.titles if t not in target_cols]
            if X.shape[1] != len(feats):
                raise ValueError("X: expected %d feature columns (%s), got %d"
                                 % (len(feats), ", ".join(feats), X.shape[1]))
            titles = feats
        out = [m.predict_target(X, titles, n) for n in names]
        if kind == "class" or (len(out) == 1 and isinstance(out[0], list)):
            return np.array(out[0])
        return out[0] if len(out) == 1 else np.stack(out, axis=1)

    # -- the map alone -------------------------------------------------------------
    def umatrix(self):
        """Mean distance of each unit to its grid neighbours, rows x cols."""
        return self._m().umatrix().reshape(self.grid)

    def cluster(self, k=None, method="kmeans", seed=1):
        """Clusters the units (k None: chosen by the Davies-Bouldin index);
        stored in the map (saved, drawn). Returns each unit's cluster."""
        return self._m().cluster(k=0 if k is None else int(k), method=method, seed=int(seed))

    def save(self, path, format=None):
        """Writes the map (atomically) in any map format of the registry."""
        self._m().save(os.fspath(path), format)

    def losses(self, path, format=None):
        """The parts of the map that saving to path (or format) leaves out."""
        return self._m().losses(os.fspath(path), format)

    def to_bytes(self):
        """The map as .som bytes."""
        return self._m().to_bytes()

    @classmethod
    def from_bytes(cls, buf):
        return cls._from_map(_som.load_bytes(bytes(buf), "model.som", "som"))

    def __getstate__(self):
        return {"params": self._params, "model": self._map.to_bytes() if self._map else None,
                "info": self._info, "target": self._target}

    def __setstate__(self, state):
        self._params = state["params"]
        self._map = _som.load_bytes(state["model"], "model.som", "som") if state["model"] else None
        self._info = state["info"]
        self._target = state["target"]
        self._target_titles = None

    def render(self, kind="dashboard", path=None, X=None, format=None, labels=None, **options):
        """A picture of the map (libsom_render): PNG/SVG/PDF bytes, or written
        to path (format by its extension). kind: planes, umatrix, hits, labels,
        error, dashboard, clusters, codes. X adds rows (hits, labels; labels=
        names them when X is a plain array). Options: colors, cells, width,
        height, per_row, fields, borders, titles, ..."""
        titles = None
        if X is not None:
            X, titles, labels, _ = _input(X, labels=labels)
        if path is not None:
            return _som.render(self._m(), kind, format or "png", path=os.fspath(path), X=X, titles=titles,
                               labels=labels, options=options)
        return _som.render(self._m(), kind, format or "png", X=X, titles=titles, labels=labels, options=options)

    def _repr_png_(self):
        if self._map is None:
            return None
        try:
            return self.render("dashboard", format="png", width=900)
        except Error:
            return None

    def __repr__(self):
        if self._map is None:
            return "som.SOM(%s) (not fitted)" % ", ".join("%s=%r" % kv for kv in self._params.items()
                                                            if kv[1] is not None)
        rows, cols, topo, toroid = self._map.grid
        return "som.SOM(%dx%d %s%s, %d fields)" % (rows, cols, topo, " toroid" if toroid else "", self._map.dim)
