# SPDX-License-Identifier: MIT
"""MiniSom's interface over libsom: ``from som.compat import MiniSom``.

Written from MiniSom's documentation (its README and docstrings); none of its
code. Code written for MiniSom runs unchanged: the same constructor, methods,
shapes and coordinates; training runs in libsom (float32, the GIL released).

Grid: MiniSom's map of x by y neurons, neuron (i, j) with i < x, is libsom's
grid of y rows and x columns, neuron (i, j) being unit (y-1-j)*x + i: row
y-1-j, column i. On a hexagonal map that puts MiniSom's shifted lines of
neurons on libsom's shifted rows (distances between neurons are the same),
and a picture of the map shows j growing upwards, as MiniSom's usual
``pcolor(som.distance_map().T)`` does. ``get_weights()`` is (x, y, input_len)
float64, ``winner(x)`` is (i, j).

MiniSom's rules and their libsom settings (T = num_iteration, libsom's online
training with ``iterations=T``; the schedules' formulas are in som.h):

  decay_function        'asymptotic_decay'      rate lr/(1+t/(T/2)):
                                                 schedule inverse, inverse lr*T/2 : T/2
                        'inverse_decay_to_zero' rate lr*C/(C+t), C = T/100:
                                                 schedule inverse, inverse lr*C : C
                        'linear_decay_to_zero'  rate lr*(1-t/T):
                                                 schedule linear, rate lr : lr/T
  sigma_decay_function  'asymptotic_decay'      sigma/(1+t/(T/2)): radius-schedule
                                                 inverse, radius sigma : sigma/3
                        'inverse_decay_to_one'  sigma/(1+t(sigma-1)/T): radius-schedule
                                                 inverse, radius sigma : 1
                        'linear_decay_to_one'   sigma+t(1-sigma)/T: radius-schedule
                                                 linear, radius sigma : sigma+(T-1)(1-sigma)/T
  train_batch, train(random_order=False)        order cyclic (rows in turn)
  train_random, train(random_order=True)        order shuffled
  neighborhood_function 'gaussian', 'mexican_hat'  the same formulas on the same
                                                 neuron coordinates
  topology              'rectangular', 'hexagonal'   rect, hex
  activation_distance   'euclidean', 'cosine', 'manhattan', 'chebyshev': distance
                        (winners in training and in winner, activate,
                        win_map, labels_map, activation_response; quantization
                        and the errors stay euclidean, as MiniSom's)

Where results differ from MiniSom's (see python/README.md):
- Random streams: the starting weights, random_weights_init and the seeds
  come from numpy.random.RandomState(random_seed) as in MiniSom, but the
  random order of train_random is libsom's: a fresh permutation of the rows
  every pass, where MiniSom shuffles the T indices t % len(data) at once.
  The same seed gives the same map here, not MiniSom's map.
- Precision: libsom trains in float32 (MiniSom in float64), and skips a
  neuron's step below 2^-40; weights agree to about 1e-5 relative after
  the same steps.
- NaN: libsom reads NaN in the data as a missing value (left out of the
  distances and the steps); MiniSom's weights would turn NaN.
- pca_weights_init: the signs of the principal directions are numpy's
  (eigh), which may differ from MiniSom's (eig).

Refused with NotImplementedError (never ignored): neighborhood_function
'bubble' (MiniSom's is a square, libsom's a disc) and 'triangle';
activation_distance given as a callable (or a name this libsom's distance
setting lacks); decay functions given as callables unless they are
MiniSom's own rules; train(use_epochs=True) (the rate then steps once per
epoch); train(fixed_points=...); inverse_decay_to_one with sigma < 1 (a
growing radius).
"""
from collections import Counter, defaultdict
import math
import warnings

import numpy as np

from . import SOM, settings as _settings

__all__ = ["MiniSom"]

_NEIGHBORHOODS = {"gaussian": "gaussian", "mexican_hat": "mexican-hat"}
_REFUSED_NEIGHBORHOODS = {
    "bubble": "MiniSom's bubble is a square (|di| < sigma and |dj| < sigma) and libsom's a "
              "disc (d <= sigma)",
    "triangle": "libsom has no triangular neighbourhood",
}
_TOPOLOGIES = {"rectangular": "rect", "hexagonal": "hex"}
_DISTANCES = ("euclidean", "cosine", "manhattan", "chebyshev")
_RATE_DECAYS = ("asymptotic_decay", "inverse_decay_to_zero", "linear_decay_to_zero")
_SIGMA_DECAYS = ("asymptotic_decay", "inverse_decay_to_one", "linear_decay_to_one")
_BLOCK_CELLS = 1 << 22  # numbers in one block of a (rows x neurons) matrix


def _decay_value(name, v, t, T):
    """MiniSom's documented decay rules."""
    if name == "asymptotic_decay":
        return v / (1 + t / (T / 2))
    if name == "inverse_decay_to_zero":
        C = T / 100.0
        return v * C / (C + t)
    if name == "linear_decay_to_zero":
        return v * (1 - t / T)
    if name == "inverse_decay_to_one":
        return v / (1 + t * (v - 1) / T)
    if name == "linear_decay_to_one":
        return v + t * (1 - v) / T
    raise ValueError(name)


def _decay_name(f, names, what):
    """A decay rule given by name, or a callable that computes one of
    MiniSom's rules (checked on sample points), as its name."""
    if isinstance(f, str):
        if f not in names:
            raise ValueError("%s %r not supported; use one of: %s" % (what, f, ", ".join(names)))
        return f
    if callable(f):
        probes = [(0.5, 0, 100), (0.5, 37, 100), (3.0, 80, 100), (2.5, 999, 1000)]
        for name in names:
            try:
                if all(math.isclose(float(f(v, t, T)), _decay_value(name, v, t, T),
                                    rel_tol=1e-9, abs_tol=1e-12) for v, t, T in probes):
                    return name
            except Exception:
                break
        raise NotImplementedError(
            "%s: libsom trains with fixed schedules, so a callable is accepted only when it "
            "computes one of MiniSom's rules (%s); %r is none of them" % (what, ", ".join(names), f))
    raise TypeError("%s must be a name or a callable, got %r" % (what, f))


def _distance_setting():
    """The choices of libsom's distance setting, when it has one."""
    for entry in _settings():
        if entry["name"] == "distance":
            return tuple(entry["choices"] or ())
    return ()


class MiniSom:
    """A self-organizing map with MiniSom's interface, trained by libsom.

    MiniSom(x, y, input_len, sigma=1.0, learning_rate=0.5,
            decay_function='asymptotic_decay', neighborhood_function='gaussian',
            topology='rectangular', activation_distance='euclidean',
            random_seed=None, sigma_decay_function='asymptotic_decay')

    The module's docstring maps each parameter onto libsom's settings and
    lists where results differ and what is refused (NotImplementedError).
    """

    def __init__(self, x, y, input_len, sigma=1.0, learning_rate=0.5,
                 decay_function="asymptotic_decay", neighborhood_function="gaussian",
                 topology="rectangular", activation_distance="euclidean", random_seed=None,
                 sigma_decay_function="asymptotic_decay"):
        x, y, input_len = int(x), int(y), int(input_len)
        if x < 1 or y < 1 or input_len < 1:
            raise ValueError("x, y and input_len must be at least 1")
        if not sigma > 0:
            raise ValueError("sigma must be > 0, got %r" % (sigma,))
        if sigma > math.sqrt(x * x + y * y):
            warnings.warn("sigma is too high for the dimension of the map")
        if neighborhood_function in _REFUSED_NEIGHBORHOODS:
            raise NotImplementedError("neighborhood_function %r: %s; use 'gaussian' or "
                                      "'mexican_hat'" % (neighborhood_function,
                                                         _REFUSED_NEIGHBORHOODS[neighborhood_function]))
        if neighborhood_function not in _NEIGHBORHOODS:
            raise ValueError("%r not supported. Functions available: gaussian, mexican_hat, "
                             "bubble, triangle" % (neighborhood_function,))
        if topology not in _TOPOLOGIES:
            raise ValueError("%r not supported. Topologies available: rectangular, hexagonal"
                             % (topology,))
        if callable(activation_distance):
            raise NotImplementedError("activation_distance: libsom searches winners with its "
                                      "own distances, so a callable cannot be used")
        if activation_distance not in _DISTANCES:
            raise ValueError("%r not supported. Distances available: %s"
                             % (activation_distance, ", ".join(_DISTANCES)))
        if activation_distance != "euclidean" and activation_distance not in _distance_setting():
            raise NotImplementedError("activation_distance %r: this libsom measures euclidean "
                                      "distances only" % (activation_distance,))
        self._decay = _decay_name(decay_function, _RATE_DECAYS, "decay_function")
        self._sigma_decay = _decay_name(sigma_decay_function, _SIGMA_DECAYS,
                                        "sigma_decay_function")
        if self._sigma_decay == "inverse_decay_to_one" and sigma < 1:
            raise NotImplementedError("sigma_decay_function 'inverse_decay_to_one' with sigma < 1 "
                                      "makes the radius grow; libsom's radius only shrinks")
        self._x, self._y, self._input_len = x, y, input_len
        self._sigma = float(sigma)
        self._learning_rate = float(learning_rate)
        self._neighborhood_name = neighborhood_function
        self.topology = topology
        self._activation_distance_name = activation_distance
        self._random_generator = np.random.RandomState(random_seed)
        # MiniSom's documented start: uniform in [-1, 1), each neuron scaled
        # to unit length.
        w = self._random_generator.rand(x, y, input_len) * 2 - 1
        self._weights = w / np.linalg.norm(w, axis=-1, keepdims=True)
        self._activation_map = np.zeros((x, y))
        self._neigx = np.arange(x)
        self._neigy = np.arange(y)
        ii, jj = np.meshgrid(np.arange(x), np.arange(y), indexing="ij")
        xx = ii.astype(float)
        yy = jj.astype(float)
        if topology == "hexagonal":
            # MiniSom's hexagonal coordinates: the lines j = y-1, y-3, ...
            # shifted by -1/2, lines sqrt(3)/2 apart.
            xx[:, ((y - 1 - jj[0]) % 2) == 0] -= 0.5
            yy *= math.sqrt(3) / 2
        self._xx, self._yy = xx, yy

    # ---- grid <-> MiniSom's (i, j) ---------------------------------------------

    def _to_codebook(self, w):
        """(x, y, d) weights -> (y*x, d) units of libsom's y-by-x grid."""
        return np.ascontiguousarray(w.transpose(1, 0, 2)[::-1].reshape(self._y * self._x, -1),
                                    dtype=np.float32)

    def _from_codebook(self, cb):
        return np.array(cb, dtype=np.float64).reshape(self._y, self._x, -1)[::-1].transpose(1, 0, 2)

    def _unit_ij(self, units):
        r, c = np.divmod(np.asarray(units, dtype=np.int64), self._x)
        return c, self._y - 1 - r

    def _map(self):
        """The current weights as a libsom map (rebuilt on every use: callers
        may change get_weights() in place, as MiniSom lets them)."""
        topo = _TOPOLOGIES[self.topology]
        return SOM.from_codebook(self._to_codebook(self._weights), grid=(self._y, self._x),
                                 topology=topo)

    def _check_input_len(self, data, dtype=np.float64):
        data = np.asarray(data, dtype=dtype)
        if data.ndim == 1:
            data = data[None, :]
        if data.ndim != 2:
            raise ValueError("data must be a 2-D array (samples x features)")
        if data.shape[1] != self._input_len:
            raise ValueError("Received %d features, expected %d." % (data.shape[1],
                                                                     self._input_len))
        return data

    # ---- MiniSom's methods ------------------------------------------------------

    def get_weights(self):
        """The weights, an (x, y, input_len) array (the map's own, not a copy)."""
        return self._weights

    def get_euclidean_coordinates(self):
        """(xx, yy): the position of each neuron, two (x, y) arrays."""
        return self._xx, self._yy

    def convert_map_to_euclidean(self, xy):
        """The position of neuron(s) xy = (i, j)."""
        return self._xx[xy], self._yy[xy]

    def _distances(self, data):
        """(n, x*y) activation distances in MiniSom's neuron order (C order
        over (i, j))."""
        w = self._weights.reshape(-1, self._input_len)
        kind = self._activation_distance_name
        if kind == "euclidean":
            d2 = ((data ** 2).sum(1)[:, None] - 2 * data @ w.T + (w ** 2).sum(1)[None, :])
            return np.sqrt(np.maximum(d2, 0))
        if kind == "cosine":
            num = data @ w.T
            den = np.linalg.norm(data, axis=1)[:, None] * np.linalg.norm(w, axis=1)[None, :]
            return 1 - num / (den + 1e-8)
        diff = np.abs(data[:, None, :] - w[None, :, :])
        return diff.sum(-1) if kind == "manhattan" else diff.max(-1)

    def activate(self, x):
        """The distance of x to each neuron, an (x, y) array."""
        x = self._check_input_len(x)
        self._activation_map = self._distances(x)[0].reshape(self._x, self._y)
        return self._activation_map

    def winner(self, x):
        """The winning neuron of sample x, as (i, j)."""
        a = self.activate(x)
        return np.unravel_index(a.argmin(), a.shape)

    def _winners(self, data):
        """Winning neurons (i, j arrays) of many samples, found by libsom
        (euclidean) or by activate's distance."""
        if self._activation_distance_name == "euclidean":
            return self._unit_ij(self._map().bmus(data.astype(np.float32)))
        block = max(1, _BLOCK_CELLS // (self._x * self._y * self._input_len))
        flat = np.concatenate([self._distances(data[k:k + block]).argmin(1)
                               for k in range(0, len(data), block)])
        return np.unravel_index(flat, (self._x, self._y))

    def neighborhood(self, c, sigma):
        """The neighbourhood function around neuron c = (i, j): an (x, y) array."""
        d2 = (self._xx - self._xx[c]) ** 2 + (self._yy - self._yy[c]) ** 2
        g = np.exp(-d2 / (2 * sigma * sigma))
        if self._neighborhood_name == "mexican_hat":
            g = g * (1 - d2 / (sigma * sigma))
        return g

    def update(self, x, win, t, max_iteration):
        """One step of online training (numpy, float64): MiniSom's update."""
        eta = _decay_value(self._decay, self._learning_rate, t, max_iteration)
        sig = _decay_value(self._sigma_decay, self._sigma, t, max_iteration)
        g = self.neighborhood(win, sig) * eta
        self._weights += g[:, :, None] * (np.asarray(x, dtype=np.float64) - self._weights)

    def quantization(self, data):
        """The weights of each sample's winning neuron (euclidean), (n, input_len)."""
        data = self._check_input_len(data)
        r, c = np.divmod(self._map().bmus(data.astype(np.float32)), self._x)
        return self._weights[c, self._y - 1 - r]

    def random_weights_init(self, data):
        """Each neuron's weights from a random sample of data."""
        data = self._check_input_len(data)
        for i in range(self._x):
            for j in range(self._y):
                self._weights[i, j] = data[self._random_generator.randint(len(data))]

    def pca_weights_init(self, data):
        """Weights spanning the first two principal components: neuron (i, j)
        is c1 pc1 + c2 pc2 with c1, c2 evenly from -1 to 1 over i and j (as
        MiniSom documents; normalise the data first)."""
        if self._input_len == 1:
            raise ValueError("The data needs at least 2 features for pca initialization")
        data = self._check_input_len(data)
        if self._x == 1 or self._y == 1:
            warnings.warn("PCA initialization inappropriate: One of the dimensions of the map is 1.")
        vals, vecs = np.linalg.eigh(np.cov(data.T))
        order = np.argsort(-vals)
        pc1, pc2 = vecs[:, order[0]], vecs[:, order[1]]
        c1 = np.linspace(-1, 1, self._x)[:, None, None]
        c2 = np.linspace(-1, 1, self._y)[None, :, None]
        self._weights = c1 * pc1 + c2 * pc2

    def _settings(self, T, random_order):
        s = {"grid": (self._y, self._x), "topology": _TOPOLOGIES[self.topology],
             "scale": "none", "iterations": int(T), "quality_every": 0,
             "neighborhood": _NEIGHBORHOODS[self._neighborhood_name],
             "order": "shuffled" if random_order else "cyclic",
             "seed": int(self._random_generator.randint(0, 2 ** 31 - 1))}
        lr, sig = self._learning_rate, self._sigma
        if self._decay == "asymptotic_decay":
            s.update(schedule="inverse", inverse=(lr * T / 2.0, T / 2.0))
        elif self._decay == "inverse_decay_to_zero":
            C = T / 100.0
            s.update(schedule="inverse", inverse=(lr * C, C))
        else:
            s.update(schedule="linear", rate=(lr, lr / T))
        if self._sigma_decay == "asymptotic_decay":
            s.update(radius_schedule="inverse", radius=(sig, sig / 3.0))
        elif self._sigma_decay == "inverse_decay_to_one":
            s.update(radius_schedule="inverse", radius=(sig, 1.0))
        else:
            s.update(radius_schedule="linear", radius=(sig, sig + (T - 1) * (1 - sig) / T))
        if self._activation_distance_name != "euclidean":
            s["distance"] = self._activation_distance_name
        return s

    def train(self, data, num_iteration, random_order=False, verbose=False, use_epochs=False,
              fixed_points=None):
        """num_iteration single-sample steps: the rows in turn, or in random
        order (random_order=True); trained by libsom."""
        if use_epochs:
            raise NotImplementedError("train(use_epochs=True): MiniSom then decays once per "
                                      "epoch; libsom's schedules move at every step. Give "
                                      "num_iteration = epochs * len(data) instead")
        if fixed_points is not None:
            raise NotImplementedError("train(fixed_points=...): not available through this "
                                      "interface")
        num_iteration = int(num_iteration)
        if num_iteration < 1:
            raise ValueError("num_iteration must be > 1")
        data = self._check_input_len(data, np.float32)  # float32: libsom uses it in place
        m = SOM(**self._settings(num_iteration, random_order))
        m.fit(data, init_codebook=self._to_codebook(self._weights),
              progress=True if verbose else None)
        self._weights = self._from_codebook(m.codebook)
        if verbose:
            print("\n quantization error:", self.quantization_error(data))
            print(" topographic error:", self.topographic_error(data))

    def train_random(self, data, num_iteration, verbose=False):
        """Trains on samples picked at random (libsom's order: a fresh
        permutation of the rows every pass)."""
        self.train(data, num_iteration, random_order=True, verbose=verbose)

    def train_batch(self, data, num_iteration, verbose=False):
        """Trains on the samples in their order, over and over (MiniSom's
        train_batch is online training in turn, not the batch map)."""
        self.train(data, num_iteration, random_order=False, verbose=verbose)

    def quantization_error(self, data):
        """The mean euclidean distance of each sample to its winner's weights."""
        data = self._check_input_len(data)
        return float(np.linalg.norm(data - self.quantization(data), axis=1).mean())

    def _adjacent(self, a, b):
        """Whether neurons a and b (flat indices, C order over (i, j)) are
        adjacent: the 8 around on a rectangular map (diagonals included),
        the 6 around on a hexagonal one (at distance 1)."""
        px, py = self._xx.ravel(), self._yy.ravel()
        d = np.hypot(px[a] - px[b], py[a] - py[b])
        return (d > 0) & (d <= (1.42 if self.topology == "rectangular" else 1.01))

    def _neighbour_pairs(self):
        """(a, b): every ordered pair of adjacent neurons, as flat indices.
        Adjacent neurons are within one step of i and of j on both maps."""
        ii, jj = np.meshgrid(np.arange(self._x), np.arange(self._y), indexing="ij")
        a_all, b_all = [], []
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                i2, j2 = ii + di, jj + dj
                ok = (i2 >= 0) & (i2 < self._x) & (j2 >= 0) & (j2 < self._y)
                a, b = (ii * self._y + jj)[ok], (i2 * self._y + j2)[ok]
                keep = self._adjacent(a, b)
                a_all.append(a[keep])
                b_all.append(b[keep])
        return np.concatenate(a_all), np.concatenate(b_all)

    def topographic_error(self, data):
        """The share of samples whose two best neurons are not adjacent."""
        data = self._check_input_len(data)
        if self._x * self._y == 1:
            warnings.warn("The topographic error is not defined for a 1-by-1 map.")
            return np.nan
        m = self._map()
        # libsom's unit u -> MiniSom's flat index i*y + j
        i, j = self._unit_ij(np.arange(self._x * self._y))
        flat = i * self._y + j
        errors = 0
        block = max(1, _BLOCK_CELLS // (self._x * self._y))
        for k in range(0, len(data), block):
            d = m.transform(data[k:k + block].astype(np.float32))
            best2 = np.argpartition(d, 1, axis=1)[:, :2]
            errors += int((~self._adjacent(flat[best2[:, 0]], flat[best2[:, 1]])).sum())
        return errors / len(data)

    def distance_map(self, scaling="sum"):
        """Each neuron's summed (or mean) distance to its adjacent neurons,
        divided by the largest: an (x, y) array (the U-matrix)."""
        if scaling not in ("sum", "mean"):
            raise ValueError('scaling should be either "sum" or "mean" ("%s" not valid)' % scaling)
        w = self._weights.reshape(-1, self._input_len)
        a, b = self._neighbour_pairs()
        um = np.zeros(len(w))
        np.add.at(um, a, np.linalg.norm(w[a] - w[b], axis=1))
        if scaling == "mean":
            um = um / np.bincount(a, minlength=len(w))
        um = um.reshape(self._x, self._y)
        return um / um.max()

    def activation_response(self, data):
        """How many samples each neuron wins, an (x, y) array."""
        data = self._check_input_len(data)
        a = np.zeros((self._x, self._y))
        np.add.at(a, self._winners(data), 1)
        return a

    def win_map(self, data, return_indices=False):
        """{(i, j): the samples (or their indices) that neuron (i, j) wins}."""
        data = self._check_input_len(data)
        wi, wj = self._winners(data)
        out = defaultdict(list)
        for k, (i, j) in enumerate(zip(wi.tolist(), wj.tolist())):
            out[(i, j)].append(k if return_indices else data[k])
        return out

    def labels_map(self, data, labels):
        """{(i, j): Counter of the labels of the samples neuron (i, j) wins}."""
        data = self._check_input_len(data)
        if not len(data) == len(labels):
            raise ValueError("data and labels must have the same length.")
        wi, wj = self._winners(data)
        out = defaultdict(Counter)
        for i, j, label in zip(wi.tolist(), wj.tolist(), labels):
            out[(i, j)][label] += 1
        return out
