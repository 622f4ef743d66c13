#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# %% [markdown]
# # Iris on a self-organizing map, from Python
#
# A notebook in cells (`# %%`: Jupyter, VS Code and Spyder run them one by
# one; `python3 examples/python_iris.py [OUT_DIR]` runs them all). It trains
# a map on the bundled table data/iris.csv, looks at its quality and its
# clusters, draws its dashboard, and then does the same through MiniSom's
# interface. Build the package first: `make python`, then
# `PYTHONPATH=build/python /usr/bin/python3 examples/python_iris.py`.

# %%
import collections
import pathlib
import sys

import numpy as np

import som

here = pathlib.Path(__file__).resolve().parent
out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(".")
table = here.parent / "data" / "iris.csv"

titles = table.read_text().splitlines()[0].split(",")[:4]
X = np.genfromtxt(table, delimiter=",", skip_header=1, usecols=range(4), dtype=np.float32)
species = np.genfromtxt(table, delimiter=",", skip_header=1, usecols=4, dtype=str)
print(X.shape, titles, collections.Counter(species))

# %% [markdown]
# ## Train
# Any entry of `som.settings()` is a keyword. The columns come in different
# units, so the default `scale="zscore"` stands; the grid is 8 x 8 hexagons.

# %%
m = som.SOM(grid=(8, 8), topology="hex", epochs=30, seed=1)
m.fit(X, titles=titles)
print("QE %.4f  TE %.4f" % (m.quantization_error(X), m.topographic_error(X)))
print("history:", [round(h["qe"], 4) for h in m.history][:5], "...")

# %% [markdown]
# ## Where each species lands
# `bmus` gives each row's unit (row * cols + col); a unit that wins rows of
# two species marks where the classes touch (versicolor and virginica do).

# %%
units = m.bmus(X)
by_unit = collections.defaultdict(collections.Counter)
for u, s in zip(units.tolist(), species):
    by_unit[u][s] += 1
mixed = {u: dict(c) for u, c in by_unit.items() if len(c) > 1}
print("%d units hold rows, %d of them more than one species: %s" % (len(by_unit), len(mixed), mixed))

clusters = m.cluster()          # k chosen by Davies-Bouldin; stored in the map
for k in np.unique(clusters):
    rows = np.isin(units, np.flatnonzero(clusters == k))
    print("cluster %d: %s" % (k, dict(collections.Counter(species[rows]))))

# %% [markdown]
# ## The dashboard
# The U-matrix, the hits of X and the component planes in one picture (in
# Jupyter, evaluating `m` shows it).

# %%
path = out / "iris-dashboard.png"
m.render("dashboard", path, X=X)
print("wrote", path)

# %% [markdown]
# ## The same with MiniSom's interface
# Code written for MiniSom runs after one changed import (python/README.md,
# "Coming from MiniSom").

# %%
from som.compat import MiniSom  # was: from minisom import MiniSom

data = (X - X.mean(axis=0)) / X.std(axis=0)
ms = MiniSom(7, 7, 4, sigma=3, learning_rate=0.5, neighborhood_function="gaussian",
             random_seed=10)
ms.pca_weights_init(data)
ms.train(data, 1000)
print("MiniSom-style QE %.4f TE %.4f" % (ms.quantization_error(data), ms.topographic_error(data)))
for pos, counts in sorted(ms.labels_map(data, species).items())[:5]:
    print(pos, dict(counts))
