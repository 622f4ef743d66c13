# SPDX-License-Identifier: MIT
"""Bad inputs raise exceptions with clear words, never crash the
interpreter; the ways an array can arrive (views, orders, dtypes) all give
the same map."""
import numpy as np
import pytest

import som


def X32(n=200, dim=3, seed=0):
    return np.random.default_rng(seed).random((n, dim), dtype=np.float32)


def test_every_layout_gives_the_same_model():
    X = X32()
    ref = som.SOM(grid=(3, 4), epochs=2).fit(X).to_bytes()
    variants = [X.astype(np.float64), np.asfortranarray(X), X.astype(">f4"), X.tolist(),
                np.ascontiguousarray(np.repeat(X, 2, axis=1)[:, ::2]), np.repeat(X, 2, axis=1)[:, ::2]]
    for v in variants:
        assert som.SOM(grid=(3, 4), epochs=2).fit(v).to_bytes() == ref
    ints = (X * 10).astype(np.int32)
    assert som.SOM(grid=(3, 4), epochs=2).fit(ints).to_bytes() == \
        som.SOM(grid=(3, 4), epochs=2).fit(ints.astype(np.float32)).to_bytes()


def test_the_caller_s_array_is_left_alone():
    X = X32()
    keep = X.copy()
    som.SOM(grid=(3, 3), epochs=2).fit(X)
    assert np.array_equal(X, keep)
    m = som.SOM(grid=(3, 3), epochs=2).fit(X, overwrite_input=True)  # scaled in place, by request
    assert not np.array_equal(X, keep)
    assert m.to_bytes() == som.SOM(grid=(3, 3), epochs=2).fit(keep).to_bytes()


@pytest.mark.parametrize("bad,exc,words", [
    (np.zeros((0, 3), np.float32), ValueError, "at least one row"),
    (np.zeros((3, 0), np.float32), ValueError, "at least one row and one column"),
    (np.zeros((2, 2, 2), np.float32), ValueError, "expected a table (rows x fields), got an array of 3"),
    ("text", ValueError, "got an array of 0 dimensions"),
    ([[1, "a"], [2, 3]], TypeError, "expected numbers"),
    (np.full((4, 2), np.nan, np.float32), som.Error, ""),
])
def test_bad_arrays(bad, exc, words):
    with pytest.raises(exc) as e:
        som.SOM(grid=(2, 2), epochs=1).fit(bad)
    assert words in str(e.value)


def test_bad_calls_on_a_map():
    m = som.SOM(grid=(3, 3), epochs=1).fit(X32())
    with pytest.raises(ValueError, match="expected 3 columns"):
        m.transform(np.zeros((2, 5)))
    with pytest.raises(ValueError):
        m.cluster(k=-1)
    with pytest.raises(som.Error):
        m.cluster(k=100)
    with pytest.raises(ValueError, match="method"):
        m.cluster(k=2, method="nope")
    with pytest.raises(som.Error, match="cannot tell the format|format"):
        m.save("/tmp/no-such-extension.xyz")
    with pytest.raises(som.FileError):
        m.save("/no/such/directory/m.som")
    with pytest.raises(TypeError):
        m.fit(X32(), progress=42)
    with pytest.raises(ValueError, match="y: expected 200 rows"):
        som.SOM(grid=(3, 3)).fit(X32(), y=np.zeros(5))
    with pytest.raises(ValueError, match="codebook"):
        som.SOM.from_codebook(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="topology"):
        som.SOM.from_codebook(np.zeros((2, 2, 3)), topology="round")
