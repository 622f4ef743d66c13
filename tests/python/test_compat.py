# SPDX-License-Identifier: MIT
"""som.compat.MiniSom against a plain numpy reference of the same rules
(minisom_reference.py), in the style of MiniSom's README examples: iris
clustering, colour quantization, outlier detection by quantization error.
The scripts use only MiniSom's documented API; the acceptance is a QE within
2 % of the reference's. With the rows taken in turn (train, train_batch) the
steps are the same ones, so the weights themselves must agree (float32);
with random order the streams differ, so means over seeds are compared."""
import pickle

import numpy as np
import pytest

import minisom_reference as ref
from som.compat import MiniSom


@pytest.fixture
def iris(data_dir):
    data = np.genfromtxt(data_dir / "iris.csv", delimiter=",", usecols=(0, 1, 2, 3),
                         skip_header=1)
    data = (data - np.mean(data, axis=0)) / np.std(data, axis=0)
    labels = np.genfromtxt(data_dir / "iris.csv", delimiter=",", usecols=(4,), skip_header=1,
                           dtype=str)
    return data, labels


def within(qe, qe_ref, share=0.02):
    return abs(qe - qe_ref) <= share * qe_ref


# ---- iris clustering ---------------------------------------------------------

def test_iris_clustering(iris):
    data, labels = iris
    som = MiniSom(7, 7, 4, sigma=3, learning_rate=0.5, neighborhood_function="gaussian",
                  random_seed=10)
    som.pca_weights_init(data)
    start = som.get_weights().copy()
    som.train(data, 1000, verbose=False)  # the rows in turn
    expected = ref.train(start, data, 1000, "cyclic", sigma=3, learning_rate=0.5)
    np.testing.assert_allclose(som.get_weights(), expected, atol=2e-5)
    qe, qe_ref = som.quantization_error(data), ref.quantization_error(expected, data)
    assert within(qe, qe_ref), (qe, qe_ref)

    # The README's uses of the trained map.
    assert som.get_weights().shape == (7, 7, 4)
    w = som.winner(data[0])
    assert len(w) == 2 and 0 <= w[0] < 7 and 0 <= w[1] < 7
    flat = np.linalg.norm(som.get_weights() - data[0], axis=-1)
    assert flat[w] == flat.min()
    hits = som.activation_response(data)
    assert hits.shape == (7, 7) and hits.sum() == 150
    wm = som.win_map(data, return_indices=True)
    assert sorted(k for v in wm.values() for k in v) == list(range(150))
    assert all(hits[pos] == len(v) for pos, v in wm.items())
    lm = som.labels_map(data, labels)
    assert sum(sum(c.values()) for c in lm.values()) == 150
    # setosa is apart from the two others: no neuron wins both kinds
    for counts in lm.values():
        assert not ("setosa" in counts and len(counts) > 1), counts
    um = som.distance_map()
    assert um.shape == (7, 7) and um.max() == 1.0 and um.min() >= 0
    assert som.distance_map(scaling="mean").shape == (7, 7)
    assert 0 <= som.topographic_error(data) <= 0.1
    q = som.quantization(data)
    assert q.shape == (150, 4)
    assert np.isclose(np.linalg.norm(data - q, axis=1).mean(), qe)


def test_iris_random_order_mean_qe(iris):
    data, _ = iris
    qes, refs = [], []
    for seed in range(5):
        som = MiniSom(7, 7, 4, sigma=3, learning_rate=0.5, random_seed=seed)
        som.random_weights_init(data)
        start = som.get_weights().copy()
        som.train_random(data, 5000)
        qes.append(som.quantization_error(data))
        refs.append(ref.quantization_error(
            ref.train(start, data, 5000, "random", sigma=3, learning_rate=0.5, seed=seed), data))
    assert within(np.mean(qes), np.mean(refs)), (qes, refs)


# ---- colour quantization -----------------------------------------------------

def test_colour_quantization(data_dir):
    colours = np.genfromtxt(data_dir / "colours.csv", delimiter=",", skip_header=1,
                            usecols=(1, 2, 3)) / 255
    rng = np.random.RandomState(3)
    # an "image" of 64 x 64 pixels made of the table's colours, a little noisy
    pixels = colours[rng.randint(len(colours), size=64 * 64)]
    pixels = np.clip(pixels + rng.normal(0, 0.02, pixels.shape), 0, 1)
    qes, refs = [], []
    for seed in range(3):
        som = MiniSom(4, 4, 3, sigma=1., learning_rate=0.2, random_seed=seed)
        som.random_weights_init(pixels)
        start = som.get_weights().copy()
        som.train_random(pixels, 20000)
        qes.append(som.quantization_error(pixels))
        refs.append(ref.quantization_error(
            ref.train(start, pixels, 20000, "random", sigma=1., learning_rate=0.2, seed=seed),
            pixels))
        qnt = som.quantization(pixels)  # the quantized image: 16 colours at most
        clustered = qnt.reshape(64, 64, 3)
        assert len(np.unique(clustered.reshape(-1, 3), axis=0)) <= 16
        assert np.all((clustered >= -1e-6) & (clustered <= 1 + 1e-6))
    assert within(np.mean(qes), np.mean(refs)), (qes, refs)


# ---- outlier detection by quantization error ---------------------------------

def test_outlier_detection():
    rng = np.random.RandomState(0)
    centres = np.array([[-2.0, -2.0], [2.0, 2.0], [2.0, -2.0]])
    inliers = np.concatenate([c + rng.normal(0, 0.4, (300, 2)) for c in centres])
    outliers = rng.uniform(-6, 6, (30, 2))
    outliers = outliers[np.min(np.linalg.norm(outliers[:, None] - centres, axis=2), axis=1) > 2]
    data = np.concatenate([inliers, outliers])
    outliers_percentage = len(outliers) / len(data)

    som = MiniSom(3, 3, 2, sigma=1, learning_rate=0.5, neighborhood_function="gaussian",
                  random_seed=10)
    som.random_weights_init(data)
    start = som.get_weights().copy()
    som.train_batch(data, 5000)
    expected = ref.train(start, data, 5000, "cyclic", sigma=1, learning_rate=0.5)
    qe, qe_ref = som.quantization_error(data), ref.quantization_error(expected, data)
    assert within(qe, qe_ref), (qe, qe_ref)

    quantization_errors = np.linalg.norm(som.quantization(data) - data, axis=1)
    threshold = np.percentile(quantization_errors, 100 * (1 - outliers_percentage))
    is_outlier = quantization_errors > threshold
    found = is_outlier[len(inliers):].mean()
    false_alarms = is_outlier[:len(inliers)].mean()
    assert found >= 0.8 and false_alarms <= 0.01, (found, false_alarms)


# ---- every decay rule, both topologies, the Mexican hat -----------------------

@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("decay", ["asymptotic_decay", "inverse_decay_to_zero",
                                   "linear_decay_to_zero"])
@pytest.mark.parametrize("sigma_decay", ["asymptotic_decay", "inverse_decay_to_one",
                                         "linear_decay_to_one"])
def test_rules_match_the_reference_step_for_step(iris, topology, decay, sigma_decay):
    data, _ = iris
    som = MiniSom(6, 5, 4, sigma=2.5, learning_rate=0.4, decay_function=decay,
                  sigma_decay_function=sigma_decay, topology=topology, random_seed=2)
    start = som.get_weights().copy()
    som.train_batch(data, 400)
    expected = ref.train(start, data, 400, "cyclic", sigma=2.5, learning_rate=0.4,
                         decay_function=decay, sigma_decay_function=sigma_decay,
                         hexagonal=topology == "hexagonal")
    np.testing.assert_allclose(som.get_weights(), expected, atol=2e-5)


def test_mexican_hat_hexagonal(iris):
    data, _ = iris
    # Beyond sigma the hat pushes neurons away, without bound: a small rate
    # keeps the far ones within thousands.
    som = MiniSom(8, 6, 4, sigma=2, learning_rate=0.05, neighborhood_function="mexican_hat",
                  topology="hexagonal", random_seed=4)
    som.pca_weights_init(data)
    start = som.get_weights().copy()
    som.train(data, 1500)
    expected = ref.train(start, data, 1500, "cyclic", sigma=2, learning_rate=0.05,
                         neighborhood="mexican_hat", hexagonal=True)
    qe, qe_ref = som.quantization_error(data), ref.quantization_error(expected, data)
    assert within(qe, qe_ref), (qe, qe_ref)
    np.testing.assert_allclose(som.get_weights(), expected, rtol=1e-4, atol=1e-4)


def test_update_is_one_training_step(iris):
    data, _ = iris
    a = MiniSom(5, 4, 4, sigma=1.5, random_seed=1)
    b = MiniSom(5, 4, 4, sigma=1.5, random_seed=1)
    a.update(data[0], a.winner(data[0]), 0, 1)
    b.train_batch(data[:1], 1)
    np.testing.assert_allclose(a.get_weights(), b.get_weights(), atol=1e-6)


# ---- MiniSom's conventions ----------------------------------------------------

def test_coordinates_and_neighbourhood():
    som = MiniSom(4, 3, 2, topology="hexagonal", random_seed=0)
    xx, yy = som.get_euclidean_coordinates()
    assert xx.shape == (4, 3) and yy.shape == (4, 3)
    # lines j = y-1, y-3, ... are shifted by -1/2; lines sqrt(3)/2 apart
    np.testing.assert_allclose(xx[:, 0], [-0.5, 0.5, 1.5, 2.5])
    np.testing.assert_allclose(xx[:, 1], [0, 1, 2, 3])
    np.testing.assert_allclose(yy[0], np.arange(3) * np.sqrt(3) / 2)
    assert som.convert_map_to_euclidean((2, 1)) == (2.0, np.sqrt(3) / 2)
    h = som.neighborhood((1, 1), 1.0)
    assert h.shape == (4, 3) and h[1, 1] == 1.0
    # the six neighbours of a hexagonal neuron are at distance 1
    assert np.sum(np.isclose(h, np.exp(-0.5))) == 6
    rect = MiniSom(4, 3, 2, random_seed=0)
    assert np.isclose(rect.neighborhood((0, 0), 2.0)[3, 2], np.exp(-13 / 8))
    # the constructor's start: unit vectors
    np.testing.assert_allclose(np.linalg.norm(rect.get_weights(), axis=-1), 1)


def test_same_seed_same_map(iris):
    data, _ = iris
    maps = []
    for _ in range(2):
        som = MiniSom(5, 5, 4, random_seed=7)
        som.random_weights_init(data)
        som.train_random(data, 700)
        maps.append(som.get_weights())
    np.testing.assert_array_equal(maps[0], maps[1])
    som = pickle.loads(pickle.dumps(som))
    assert som.winner(data[3]) == som.winner(data[3])


# ---- what is refused, and how ---------------------------------------------------

def test_refusals():
    with pytest.raises(NotImplementedError, match="square"):
        MiniSom(3, 3, 2, neighborhood_function="bubble")
    with pytest.raises(NotImplementedError, match="triangular"):
        MiniSom(3, 3, 2, neighborhood_function="triangle")
    with pytest.raises(ValueError, match="not supported"):
        MiniSom(3, 3, 2, neighborhood_function="cone")
    with pytest.raises(ValueError, match="not supported"):
        MiniSom(3, 3, 2, topology="spherical")
    with pytest.raises(NotImplementedError, match="callable"):
        MiniSom(3, 3, 2, activation_distance=lambda x, w: np.abs(x - w).sum(-1))
    with pytest.raises(NotImplementedError, match="none of them"):
        MiniSom(3, 3, 2, decay_function=lambda lr, t, T: lr * 0.99 ** t)
    with pytest.raises(ValueError, match="not supported"):
        MiniSom(3, 3, 2, sigma_decay_function="linear_decay_to_zero")
    with pytest.raises(NotImplementedError, match="grow"):
        MiniSom(3, 3, 2, sigma=0.5, sigma_decay_function="inverse_decay_to_one")
    # MiniSom's own rule given as a function is recognised
    MiniSom(3, 3, 2, decay_function=lambda lr, t, T: lr / (1 + t / (T / 2)))
    som = MiniSom(3, 3, 2, random_seed=1)
    data = np.random.RandomState(0).rand(20, 2)
    with pytest.raises(NotImplementedError, match="use_epochs"):
        som.train(data, 3, use_epochs=True)
    with pytest.raises(NotImplementedError, match="fixed_points"):
        som.train(data, 3, fixed_points={0: (0, 0)})
    with pytest.raises(ValueError, match="Received 3 features, expected 2."):
        som.train(np.zeros((4, 3)), 10)
    with pytest.raises(ValueError, match="num_iteration"):
        som.train(data, 0)
    with pytest.raises(ValueError, match="same length"):
        som.labels_map(data, ["a"])


@pytest.mark.parametrize("distance", ["cosine", "manhattan", "chebyshev"])
def test_activation_distance_follows_the_library(distance):
    import som as som_pkg
    has = any(e["name"] == "distance" and distance in (e["choices"] or ())
              for e in som_pkg.settings())
    if not has:
        with pytest.raises(NotImplementedError, match="euclidean distances only"):
            MiniSom(3, 3, 2, activation_distance=distance)
        return
    data = np.random.RandomState(0).normal(size=(200, 3))
    s = MiniSom(5, 4, 3, sigma=1.5, activation_distance=distance, random_seed=0)
    start = s.get_weights().copy()
    s.train_batch(data, 600)
    expected = ref.train(start, data, 600, "cyclic", sigma=1.5, distance=distance)
    np.testing.assert_allclose(s.get_weights(), expected, atol=1e-4)
    # winners by the activation distance; quantization stays euclidean (MiniSom's)
    w = s.get_weights().reshape(-1, 3)
    want = [np.unravel_index(np.argmin(ref.winner_distance(distance, w, x)), (5, 4))
            for x in data[:20]]
    assert [s.winner(x) for x in data[:20]] == want
    hits = s.activation_response(data[:20])
    assert all(hits[p] >= 1 for p in want)
    assert np.isclose(s.quantization_error(data), ref.quantization_error(s.get_weights(), data),
                      rtol=1e-5)


# ---- the U-matrix and the topographic error, by their definitions -------------

@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_distance_map_and_topographic_error_by_definition(iris, topology):
    data, _ = iris
    som = MiniSom(6, 5, 4, sigma=1.5, topology=topology, random_seed=3)
    som.random_weights_init(data)
    som.train_batch(data, 300)
    w = som.get_weights()
    xx, yy = som.get_euclidean_coordinates()
    limit = 1.42 if topology == "rectangular" else 1.01

    def adjacent(p, q):
        d = np.hypot(xx[p] - xx[q], yy[p] - yy[q])
        return 0 < d <= limit

    cells = [(i, j) for i in range(6) for j in range(5)]
    total = np.zeros((6, 5))
    count = np.zeros((6, 5))
    for p in cells:
        for q in cells:
            if adjacent(p, q):
                total[p] += np.linalg.norm(w[p] - w[q])
                count[p] += 1
    assert set(count.ravel()) <= ({2, 3, 4, 5, 6, 7, 8} if topology == "rectangular"
                                  else {2, 3, 4, 5, 6})
    np.testing.assert_allclose(som.distance_map(), total / total.max())
    mean = total / count
    np.testing.assert_allclose(som.distance_map(scaling="mean"), mean / mean.max())
    errors = 0
    for x in data:
        d = np.linalg.norm(w - x, axis=-1).ravel()
        b1, b2 = np.argsort(d)[:2]
        errors += not adjacent(np.unravel_index(b1, (6, 5)), np.unravel_index(b2, (6, 5)))
    assert som.topographic_error(data) == pytest.approx(errors / len(data), abs=1.5 / len(data))
