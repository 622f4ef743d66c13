# SPDX-License-Identifier: MIT
"""A plain numpy self-organizing map with MiniSom's documented rules, the
reference the compat tests and bench/python compare som.compat.MiniSom with.

Float64, one sample per step, every neuron updated: for step t of T with
sample x and winner c (euclidean),
    w_u += eta(t) h(|p_u - p_c|, sigma(t)) (x - w_u)
where p_u is the neuron's position (MiniSom's: (i, j) on a rectangular map;
on a hexagonal one, lines j = y-1, y-3, ... shifted by -1/2 and lines
sqrt(3)/2 apart), h the gaussian exp(-d^2 / 2 sigma^2) or the Mexican hat
(1 - d^2/sigma^2) exp(-d^2 / 2 sigma^2), and eta, sigma MiniSom's decay
rules. Written from the rules, independently of som.compat."""
import numpy as np


def positions(x, y, hexagonal=False):
    """(x*y, 2) neuron positions, neuron (i, j) at row i*y + j."""
    i, j = np.divmod(np.arange(x * y), y)
    px, py = i.astype(float), j.astype(float)
    if hexagonal:
        px = px - 0.5 * ((y - 1 - j) % 2 == 0)
        py = py * np.sqrt(3) / 2
    return np.stack([px, py], axis=1)


def decay(rule, v, t, T):
    if rule == "asymptotic_decay":
        return v / (1.0 + 2.0 * t / T)
    if rule == "inverse_decay_to_zero":
        return v * (T / 100.0) / (T / 100.0 + t)
    if rule == "linear_decay_to_zero":
        return v * (1.0 - t / T)
    if rule == "inverse_decay_to_one":
        return v / (1.0 + t * (v - 1.0) / T)
    if rule == "linear_decay_to_one":
        return v + t * (1.0 - v) / T
    raise ValueError(rule)


def train(w0, data, T, order, sigma=1.0, learning_rate=0.5, decay_function="asymptotic_decay",
          sigma_decay_function="asymptotic_decay", neighborhood="gaussian", hexagonal=False,
          seed=0, distance="euclidean"):
    """T steps from weights w0 (x, y, d); order 'cyclic' (rows in turn) or
    'random' (a fresh permutation of the rows every pass); the winner by
    distance euclidean, cosine (1 - x.w / (|x| |w|)), manhattan or
    chebyshev. Returns (x, y, d)."""
    x, y, d = w0.shape
    w = np.array(w0, dtype=np.float64).reshape(x * y, d)
    data = np.asarray(data, dtype=np.float64)
    pos = positions(x, y, hexagonal)
    rng = np.random.default_rng(seed)
    n = len(data)
    perm = np.arange(n)
    for t in range(T):
        if t % n == 0 and order == "random":
            perm = rng.permutation(n)
        s = data[perm[t % n]]
        c = np.argmin(winner_distance(distance, w, s))
        eta = decay(decay_function, learning_rate, t, T)
        sig = decay(sigma_decay_function, sigma, t, T)
        d2 = ((pos - pos[c]) ** 2).sum(1)
        h = np.exp(-d2 / (2 * sig * sig))
        if neighborhood == "mexican_hat":
            h *= 1 - d2 / (sig * sig)
        w += (eta * h)[:, None] * (s - w)
    return w.reshape(x, y, d)


def winner_distance(distance, w, s):
    if distance == "euclidean":
        return ((w - s) ** 2).sum(1)
    if distance == "cosine":
        return 1 - w @ s / (np.linalg.norm(w, axis=1) * np.linalg.norm(s))
    if distance == "manhattan":
        return np.abs(w - s).sum(1)
    if distance == "chebyshev":
        return np.abs(w - s).max(1)
    raise ValueError(distance)


def quantization_error(w, data):
    """Mean euclidean distance of each sample to its nearest neuron."""
    w = w.reshape(-1, w.shape[-1])
    data = np.asarray(data, dtype=np.float64)
    d2 = (data ** 2).sum(1)[:, None] - 2 * data @ w.T + (w ** 2).sum(1)[None, :]
    return float(np.sqrt(np.maximum(d2.min(1), 0)).mean())
