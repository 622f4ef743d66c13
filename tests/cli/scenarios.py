# SPDX-License-Identifier: MIT
"""Data sets with known groups for the clustering scenarios, and the
adjusted Rand index of a clustering against them. Standard library only
(no numpy), so that the test runs with Debian's bare /usr/bin/python3.

  scenarios.py list                      the scenario names, one a line
  scenarios.py gen NAME OUT.csv [SCALE]  writes NAME's rows (SCALE x the
                                         small size) with a first column
                                         'group' holding the truth (g0, g1,
                                         ...); seeded: the same bytes always
  scenarios.py ari MAPPED.csv            reads `som map` output (label
                                         first, cluster last) and prints
                                         "ari K_FOUND K_TRUE"
  scenarios.py sklearn NAME OUT.csv      converts one of scikit-learn's
                                         bundled tables (wine, breast_cancer,
                                         digits) to a CSV with a label column
"""
import csv
import gzip
import math
import os
import random
import sys


def gauss_blob(rng, n, centre, sd, label, rows):
    for _ in range(n):
        rows.append((label, [c + rng.gauss(0.0, s) for c, s in zip(centre, sd)]))


def blobs(rng, scale, k, dim, sep, noise_fields=0, sizes=None):
    """k spherical gaussian groups (sd 1) whose centres sit on a scaled
    simplex-like pattern `sep` apart at least, plus pure-noise fields."""
    rows = []
    sizes = sizes or [100] * k
    centres = []
    # Centres on the corners of a regular grid in `dim` dimensions, spaced
    # sep apart: well separated, none farther apart than needed.
    side = max(2, math.ceil(k ** (1.0 / dim)))
    for g in range(k):
        c, t = [], g
        for _ in range(dim):
            c.append(sep * (t % side))
            t //= side
        centres.append(c)
    for g in range(k):
        gauss_blob(rng, int(sizes[g] * scale), centres[g], [1.0] * dim, "g%d" % g, rows)
    for _, x in rows:
        for _ in range(noise_fields):
            x.append(rng.uniform(0.0, 1.0))
    return rows


def s_blobs3(rng, scale):
    # Three groups 10 sd apart: unambiguous.
    return blobs(rng, scale, 3, 2, 10.0)


def s_blobs3_noise(rng, scale):
    # The case: the same three groups plus one pure-noise field; after
    # z-scoring the noise field spans as much as the group fields.
    return blobs(rng, scale, 3, 2, 10.0, noise_fields=1)


def s_blobs4_noise2(rng, scale):
    # Four groups in 3 fields (8 sd apart) and two noise fields.
    return blobs(rng, scale, 4, 3, 8.0, noise_fields=2)


def s_unequal(rng, scale):
    # Two groups of 10:1 rows, 8 sd apart.
    return blobs(rng, scale, 2, 2, 8.0, sizes=[300, 30])


def s_two(rng, scale):
    # Two groups, 6 sd apart (closer than the others).
    return blobs(rng, scale, 2, 2, 6.0)


def s_ten(rng, scale):
    # Ten groups, on a 3-d grid 10 sd apart: k at the top of the default range.
    return blobs(rng, scale, 10, 3, 10.0, sizes=[40] * 10)


def s_elongated(rng, scale):
    # Two parallel cigars: sd 5 along x, 0.4 across, their axes 4 apart. A
    # cigar is longer than the gap between them, so compact-cluster methods
    # (k-means, plain Ward) cut them across.
    rows = []
    for g, y in enumerate((0.0, 4.0)):
        gauss_blob(rng, int(150 * scale), [0.0, y], [5.0, 0.4], "g%d" % g, rows)
    return rows


def s_bridge(rng, scale):
    # Two groups 12 sd apart joined by a thin line of points: the truth puts
    # each bridge point with the group on its side.
    rows = []
    gauss_blob(rng, int(150 * scale), [0.0, 0.0], [1.0, 1.0], "g0", rows)
    gauss_blob(rng, int(150 * scale), [12.0, 0.0], [1.0, 1.0], "g1", rows)
    for _ in range(int(20 * scale)):
        x = rng.uniform(2.0, 10.0)
        rows.append(("g0" if x < 6.0 else "g1", [x, rng.gauss(0.0, 0.1)]))
    return rows


def s_ring(rng, scale):
    # A blob (sd 0.6) inside a ring of radius 5 (sd 0.3): both groups have the
    # same centre, so a merge of the two costs Ward nothing.
    rows = []
    gauss_blob(rng, int(100 * scale), [0.0, 0.0], [0.6, 0.6], "g0", rows)
    for _ in range(int(200 * scale)):
        a = rng.uniform(0.0, 2.0 * math.pi)
        r = 5.0 + rng.gauss(0.0, 0.3)
        rows.append(("g1", [r * math.cos(a), r * math.sin(a)]))
    return rows


def s_uniform(rng, scale):
    # No structure at all: uniform in a square.
    return [("g0", [rng.uniform(0.0, 1.0), rng.uniform(0.0, 1.0)]) for _ in range(int(300 * scale))]


SCENARIOS = {
    "blobs3": s_blobs3,
    "blobs3-noise": s_blobs3_noise,
    "blobs4-noise2": s_blobs4_noise2,
    "unequal": s_unequal,
    "two": s_two,
    "ten": s_ten,
    "elongated": s_elongated,
    "bridge": s_bridge,
    "ring": s_ring,
    "uniform": s_uniform,
}


def gen(name, path, scale):
    # SOM_SCENARIO_SEED draws other data of the same design (for checking
    # that a threshold is not the luck of one draw); unset, the test's data.
    rng = random.Random("som-scenario-" + name + os.environ.get("SOM_SCENARIO_SEED", ""))
    rows = SCENARIOS[name](rng, scale)
    rng.shuffle(rows)
    dim = len(rows[0][1])
    with open(path, "w") as f:
        f.write("group," + ",".join("x%d" % (j + 1) for j in range(dim)) + "\n")
        for label, x in rows:
            f.write(label + "," + ",".join("%.6g" % v for v in x) + "\n")


def comb2(n):
    return n * (n - 1) / 2.0


def ari(truth, found):
    """Adjusted Rand index (Hubert and Arabie) of two labelings."""
    n = len(truth)
    table, a, b = {}, {}, {}
    for t, f in zip(truth, found):
        table[(t, f)] = table.get((t, f), 0) + 1
        a[t] = a.get(t, 0) + 1
        b[f] = b.get(f, 0) + 1
    index = sum(comb2(v) for v in table.values())
    sa = sum(comb2(v) for v in a.values())
    sb = sum(comb2(v) for v in b.values())
    expected = sa * sb / comb2(n)
    top = (sa + sb) / 2.0
    if top == expected:  # both one group, or both all singletons
        return 1.0 if len(a) == len(b) else 0.0
    return (index - expected) / (top - expected)


def ari_of(path):
    truth, found = [], []
    with open(path, newline="") as f:
        r = csv.reader(f)
        head = next(r)
        if head[-1] != "cluster":
            sys.exit("scenarios.py: %s has no cluster column (header %s)" % (path, ",".join(head)))
        for row in r:
            truth.append(row[0])
            found.append(row[-1])
    print("%.4f %d %d" % (ari(truth, found), len(set(found)), len(set(truth))))


SKLEARN = "/usr/lib/python3/dist-packages/sklearn/datasets/data"


def sklearn(name, path):
    """scikit-learn's tables: a first line 'n,dim,names...' then rows with the
    class last (wine, breast_cancer), or headerless rows with the digit last."""
    src = os.path.join(SKLEARN, {"wine": "wine_data.csv", "breast_cancer": "breast_cancer.csv",
                                 "digits": "digits.csv.gz"}[name])
    opener = gzip.open if src.endswith(".gz") else open
    with opener(src, "rt") as f:
        lines = [l.strip() for l in f if l.strip()]
    if name != "digits":
        lines = lines[1:]
    dim = len(lines[0].split(",")) - 1
    with open(path, "w") as out:
        out.write("class," + ",".join("f%d" % (j + 1) for j in range(dim)) + "\n")
        for l in lines:
            v = l.split(",")
            out.write("c%d," % int(float(v[-1])) + ",".join(v[:-1]) + "\n")


def main(argv):
    if len(argv) >= 2 and argv[1] == "list":
        print("\n".join(SCENARIOS))
    elif len(argv) in (4, 5) and argv[1] == "gen" and argv[2] in SCENARIOS:
        gen(argv[2], argv[3], float(argv[4]) if len(argv) == 5 else 1.0)
    elif len(argv) == 3 and argv[1] == "ari":
        ari_of(argv[2])
    elif len(argv) == 4 and argv[1] == "sklearn":
        sklearn(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
