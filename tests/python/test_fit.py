# SPDX-License-Identifier: MIT
"""som.SOM end to end: fit, the map's readers, files, and the same bytes as
`som train` for the same data and settings."""
import filecmp
import subprocess

import numpy as np
import pytest

import som


def blobs(n=600, dim=4, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 5, (3, dim))
    X = centres[rng.integers(0, 3, n)] + rng.normal(0, 1, (n, dim))
    return X.astype(dtype)


@pytest.mark.parametrize("algorithm,extra", [
    ("batch", {}),
    ("batch", {"epochs": 4, "radius": (3, 0.5), "neighborhood": "bubble", "scale": "minmax"}),
    ("online", {"iterations": 3000, "rate": (0.3, 0.02), "schedule": "linear"}),
    ("online", {"epochs": 2, "init": "random"}),
])
def test_same_bytes_as_som_train(tmp_path, som_program, algorithm, extra):
    X = blobs()
    np.save(tmp_path / "x.npy", X)
    settings = dict(algorithm=algorithm, seed=11, **extra)
    m = som.SOM(grid=(5, 7), topology="hex", **settings).fit(X)
    m.save(tmp_path / "py.som")
    args = [som_program, "train", str(tmp_path / "x.npy"), "-o", str(tmp_path / "cli.som"), "-q",
            "--grid", "5x7", "--topology", "hex"]
    for k, v in settings.items():
        args += ["--" + k.replace("_", "-"), ":".join(map(str, v)) if isinstance(v, tuple) else str(v)]
    subprocess.run(args, check=True)
    assert filecmp.cmp(tmp_path / "py.som", tmp_path / "cli.som", shallow=False)
    # float64 input: converted once to float32, the same model.
    m64 = som.SOM(grid=(5, 7), topology="hex", **settings).fit(X.astype(np.float64))
    assert m64.to_bytes() == m.to_bytes()


def test_readers_agree_with_each_other(tmp_path):
    X = blobs()
    m = som.SOM(grid=(6, 6), epochs=5).fit(X)
    assert m.grid == (6, 6) and m.n_units == 36 and m.dim == 4
    assert m.titles == ["1", "2", "3", "4"]
    units, dist = m.bmus(X, return_distance=True)
    assert units.shape == (600,) and units.min() >= 0 and units.max() < 36
    assert np.array_equal(m.bmus(X), units)
    D = m.transform(X)
    assert D.shape == (600, 36)
    # the nearest unit of transform is the BMU (up to float near-ties)
    assert np.mean(D.argmin(axis=1) == units) > 0.99
    np.testing.assert_allclose(D[np.arange(600), units], dist, rtol=1e-4, atol=1e-5)
    qe = m.quantization_error(X)
    assert qe == pytest.approx(float(np.mean(dist.astype(np.float64))), rel=1e-6)
    assert qe == pytest.approx(m.history[-1]["qe"], rel=1e-9)
    assert 0.0 <= m.topographic_error(X) <= 1.0
    hits = m.hits(X)
    assert hits.sum() == 600 and np.array_equal(hits, np.bincount(units, minlength=36))
    assert m.umatrix().shape == (6, 6)
    rc = m.unit_coords(units)
    assert np.array_equal(rc[:, 0] * 6 + rc[:, 1], units)
    cb = m.codebook
    assert cb.shape == (36, 4) and not cb.flags.writeable
    # the codebook in original units: each BMU's weights lie near its rows
    assert np.abs(cb[units] - X).mean() < np.abs(X - X.mean(axis=0)).mean()
    h = m.history
    assert h[0]["pass"] == 0 and h[-1]["pass"] == 5
    assert m.fitted_steps == m.n_steps == 5


def test_save_load_every_map_format(tmp_path):
    X = blobs()
    m = som.SOM(grid=(4, 5), topology="hex", epochs=3).fit(X)
    m.save(tmp_path / "m.som")
    back = som.load(tmp_path / "m.som")
    assert back.to_bytes() == m.to_bytes()
    assert np.array_equal(back.bmus(X), m.bmus(X))
    for f in som.formats():
        if "save map" not in f["uses"] or "load map" not in f["uses"]:
            continue
        path = tmp_path / ("m" + f["extensions"][0])
        m.save(path)
        again = som.load(path)
        assert again.grid == (4, 5)
        np.testing.assert_allclose(again.codebook, m.codebook, rtol=1e-5, atol=1e-5)
    assert "training settings" in " ".join(m.losses(tmp_path / "m.cod")) or m.losses(tmp_path / "m.cod")


def test_missing_values_and_fill():
    X = blobs()
    m = som.SOM(grid=(5, 5), epochs=4).fit(X)
    Y = X[:10].copy()
    Y[:, 2] = np.nan
    filled = m.predict(Y)
    assert not np.isnan(filled).any()
    assert np.array_equal(filled[:, [0, 1, 3]], Y[:, [0, 1, 3]])
    units = m.bmus(Y)
    np.testing.assert_allclose(filled[:, 2], m.codebook[units, 2], rtol=1e-5)
    # NaN in training data: missing values, trained on what is present
    Z = X.copy()
    Z[::7, 1] = np.nan
    mz = som.SOM(grid=(5, 5), epochs=3).fit(Z)
    assert np.isfinite(mz.codebook).all()


def test_supervised_classes_and_numbers():
    X = blobs(n=900)
    labels = np.array(["a", "b", "c"])[np.argmax(X[:, :3], axis=1)]
    m = som.SOM(grid=(8, 8), epochs=10).fit(X, labels)
    assert any(t.startswith("label=") for t in m.titles)
    pred = m.predict(X)
    assert pred.shape == (900,) and (pred == labels).mean() > 0.8
    y = X[:, 0] * 2 + 1
    mn = som.SOM(grid=(8, 8), epochs=10).fit(X[:, 1:], y)
    p = mn.predict(X[:, 1:])
    assert p.shape == (900,) and np.corrcoef(p, y)[0, 1] > 0.5


def test_init_codebook_and_from_codebook():
    X = blobs()
    start = np.random.default_rng(3).normal(0, 1, (3, 4, 4)).astype(np.float32)
    m = som.SOM(grid=(3, 4), epochs=1, scale="none", radius=(0.5, 0.5)).fit(X, init_codebook=start)
    assert m.codebook.shape == (12, 4)
    fixed = som.SOM.from_codebook(start)
    assert fixed.grid == (3, 4)
    assert np.array_equal(fixed.codebook, start.reshape(12, 4))
    d = ((X[:, None, :] - start.reshape(1, 12, 4)) ** 2).sum(axis=2)
    assert np.mean(fixed.bmus(X) == d.argmin(axis=1)) > 0.99


def test_errors_are_exceptions(tmp_path):
    with pytest.raises(som.FileError) as e:
        som.load(tmp_path / "absent.som")
    assert isinstance(e.value, OSError) and "absent.som" in str(e.value)
    (tmp_path / "bad.som").write_bytes(b"SOMMODEL garbage")
    with pytest.raises(som.Error):
        som.load(tmp_path / "bad.som")
    m = som.SOM(grid=(3, 3))
    with pytest.raises(som.NotFittedError):
        m.bmus(np.zeros((2, 2), np.float32))
    m.fit(blobs())
    with pytest.raises(ValueError, match="expected 4 columns"):
        m.bmus(np.zeros((2, 3), np.float32))
    X = blobs()
    X[3, 1] = np.inf
    with pytest.raises(som.DataError, match="infinite"):
        som.SOM(grid=(3, 3)).fit(X)
    with pytest.raises(som.SettingError, match="X has no column 'nope'") as e:
        som.SOM(grid=(3, 3), target="nope").fit(blobs())
    assert e.value.setting == "target" and e.value.code == "SOM_EINVAL"


def test_render_png_svg_and_file(tmp_path):
    X = blobs()
    m = som.SOM(grid=(5, 6), topology="hex", epochs=3).fit(X)
    png = m.render("dashboard", X=X)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    svg = m.render("umatrix", format="svg")
    assert svg.lstrip().startswith(b"<?xml") or b"<svg" in svg[:200]
    m.render("planes", tmp_path / "planes.png", colors="magma", width=600)
    assert (tmp_path / "planes.png").read_bytes()[:4] == b"\x89PNG"
    assert m._repr_png_()[:4] == b"\x89PNG"
    with pytest.raises(TypeError, match="unknown option 'colour'.*colors"):
        m.render("planes", colour="x")
    with pytest.raises(ValueError, match="kind"):
        m.render("nope")


def test_cluster_and_pickle():
    import pickle
    X = blobs()
    m = som.SOM(grid=(6, 6), epochs=5).fit(X)
    c = m.cluster(k=3)
    assert c.shape == (36,) and set(c.tolist()) == {0, 1, 2}
    assert np.array_equal(m.clusters, c)
    back = pickle.loads(pickle.dumps(m))
    assert back.to_bytes() == m.to_bytes()


@pytest.mark.parametrize("algorithm", ["batch", "online"])
def test_sample_weight_same_bytes_as_sompak_weights(tmp_path, som_program, algorithm):
    """sample_weight is libsom's per-row weight: the model equals the one
    som train makes from a SOM_PAK file carrying the same weight=W."""
    X = blobs(300, 3)
    w = np.random.default_rng(1).integers(0, 4, 300).astype(float)
    with open(tmp_path / "w.dat", "w") as f:
        f.write("3\n")
        for x, wi in zip(X, w):
            f.write(" ".join("%.9g" % v for v in x) + " weight=%g\n" % wi)
    m = som.SOM(grid=(4, 5), algorithm=algorithm, seed=3).fit(X, sample_weight=w)
    m.save(tmp_path / "py.som")
    subprocess.run([som_program, "train", str(tmp_path / "w.dat"), "-o", str(tmp_path / "cli.som"), "--grid",
                    "4x5", "--algorithm", algorithm, "--seed", "3", "-q"], check=True)
    assert filecmp.cmp(tmp_path / "py.som", tmp_path / "cli.som", shallow=False)
    assert m.to_bytes() != som.SOM(grid=(4, 5), algorithm=algorithm, seed=3).fit(X).to_bytes()
    with pytest.raises(ValueError, match="expected 300 weights"):
        som.SOM(grid=(4, 5)).fit(X, sample_weight=w[:10])
    w[5] = -1
    with pytest.raises(som.DataError):
        som.SOM(grid=(4, 5)).fit(X, sample_weight=w)


def test_pandas_dataframe(tmp_path, data_dir, som_program):
    pd = pytest.importorskip("pandas", reason="pandas is optional; its path is tested where it is installed")
    df = pd.read_csv(data_dir / "iris.csv")
    m = som.SOM(grid=(5, 5), seed=2).fit(df)
    numeric = [str(c) for c in df.select_dtypes(include="number").columns]
    assert m.titles == numeric
    m.save(tmp_path / "py.som")
    subprocess.run([som_program, "train", str(data_dir / "iris.csv"), "-o", str(tmp_path / "cli.som"),
                    "--grid", "5x5", "--seed", "2", "-q"], check=True)
    assert filecmp.cmp(tmp_path / "py.som", tmp_path / "cli.som", shallow=False)
    # columns matched by title, in any order
    assert np.array_equal(m.bmus(df[numeric[::-1]]), m.bmus(df[numeric].to_numpy()))


def test_titles_and_labels_for_plain_arrays(tmp_path):
    X = blobs(90, 3)
    labels = ["abc"[i % 3] for i in range(90)]
    m = som.SOM(grid=(3, 3), epochs=2).fit(X, titles=["x", "y", "z"], labels=labels)
    assert m.titles == ["x", "y", "z"]
    png = m.render("labels", X=X, labels=labels)
    assert png[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="titles: expected 3, got 2"):
        som.SOM(grid=(3, 3)).fit(X, titles=["x", "y"])


DISTANCES = next((s["choices"] for s in som.settings() if s["name"] == "distance"), ["euclidean"])


@pytest.mark.parametrize("distance", DISTANCES)
def test_transform_is_the_map_s_distance(distance):
    X = blobs(400)
    X[::9, 2] = np.nan  # rows with a gap
    m = som.SOM(grid=(5, 6), epochs=3, **({} if distance == "euclidean" else {"distance": distance})).fit(X)
    units, dist = m.bmus(X, return_distance=True)
    D = m.transform(X)
    np.testing.assert_allclose(D[np.arange(len(X)), units], dist, rtol=1e-5, atol=1e-6)
    assert (D >= dist[:, None] - 1e-5).all()
    assert m.quantization_error(X) == pytest.approx(float(dist.astype(np.float64).mean()), rel=1e-5)


@pytest.mark.parametrize("distance", DISTANCES)
def test_transform_with_feature_weights(distance):
    X = blobs(300)
    extra = {} if distance == "euclidean" else {"distance": distance}
    m = som.SOM(grid=(4, 4), epochs=2, weights={"1": 3.0, "2": 0.0}, **extra).fit(X)
    assert m.feature_weights.tolist() == [3.0, 0.0, 1.0, 1.0]
    units, dist = m.bmus(X, return_distance=True)
    D = m.transform(X)
    np.testing.assert_allclose(D[np.arange(len(X)), units], dist, rtol=1e-5, atol=1e-6)


def test_pandas_class_target_by_name(tmp_path, data_dir, som_program):
    """A DataFrame's text column is its label column, titled by its name:
    target="species" is the CLI's --target species, to the same bytes; a
    named Series as y does the same."""
    pd = pytest.importorskip("pandas", reason="pandas is optional; its path is tested where it is installed")
    df = pd.read_csv(data_dir / "iris.csv")
    m = som.SOM(grid=(6, 6), seed=4, target="species").fit(df)
    assert "species=setosa" in m.titles
    m.save(tmp_path / "py.som")
    subprocess.run([som_program, "train", str(data_dir / "iris.csv"), "-o", str(tmp_path / "cli.som"),
                    "--grid", "6x6", "--seed", "4", "--target", "species", "-q"], check=True)
    assert filecmp.cmp(tmp_path / "py.som", tmp_path / "cli.som", shallow=False)
    features = df.drop(columns="species")
    m2 = som.SOM(grid=(6, 6), seed=4).fit(features, df["species"])
    assert m2.to_bytes() == m.to_bytes()
    pred = m2.predict(features)
    assert (pred == df["species"].to_numpy()).mean() > 0.85
