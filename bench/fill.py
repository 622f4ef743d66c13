#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Held-out filling of missing fields, and class shares (`som predict
--fill-from`, `--proba`), on the public tables Debian ships with
scikit-learn (python3-sklearn).

Fill protocol (issue 17): per table and seed, train `som train` (defaults)
on 70 % of the rows, blank 20 % of the cells of the other 30 % (each row
keeps at least one), fill them with `som predict --fill-from METHOD`, and
report the RMSE of the filled cells in training standard deviations (each
cell's error divided by its column's standard deviation over the training
rows; columns constant there are left out), the mean over the seeds. The
k-nearest-neighbours baseline (k = 5; distance over the row's present
fields, z-scored by the training rows) and the training mean are computed
here, with numpy.

--proba: per classification table and seed, `som train --target class` on
70 %, `som predict --target class --proba --fill-from METHOD` on 30 %:
log-loss (shares clipped at 1e-6), Brier score and accuracy.

A table that is absent is skipped with a note (exit 0). Needs numpy.

    /usr/bin/python3 bench/fill.py [--som build/som] [--seeds 3]
        [--methods bmu,units:8,smooth] [--tables wine,iris] [--no-proba]
"""
import argparse
import gzip
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:  # pragma: no cover - the bench needs it, make test does not
    print("fill.py: numpy is not installed; skipped", file=sys.stderr)
    sys.exit(0)

DATA = "/usr/lib/python3/dist-packages/sklearn/datasets/data"


def sk_classes(name):
    """A scikit-learn table whose first line is 'n,d,class names' and whose
    last column is the class number."""
    with open(os.path.join(DATA, name)) as f:
        head = f.readline().strip().split(",")
        rows = np.loadtxt(f, delimiter=",")
    names = head[2:]
    y = np.array([names[int(c)] if names and int(c) < len(names) else "c%d" % int(c)
                  for c in rows[:, -1]])
    return rows[:, :-1], y


def load(table):
    """(X, y or None); None when the file is absent."""
    files = {"wine": "wine_data.csv", "breast_cancer": "breast_cancer.csv",
             "iris": "iris.csv", "boston": "boston_house_prices.csv",
             "digits": "digits.csv.gz", "diabetes": "diabetes_data_raw.csv.gz"}
    path = os.path.join(DATA, files[table])
    if not os.path.exists(path):
        return None
    if table in ("wine", "breast_cancer", "iris"):
        return sk_classes(files[table])
    if table == "boston":
        x = np.loadtxt(path, delimiter=",", skiprows=2)
        return x, None
    if table == "digits":
        with gzip.open(path, "rt") as f:
            x = np.loadtxt(f, delimiter=",")
        return x[:, :-1], np.array(["d%d" % int(c) for c in x[:, -1]])
    with gzip.open(path, "rt") as f:
        return np.loadtxt(f), None


def write_csv(path, x, mask=None, labels=None):
    with open(path, "w") as f:
        cols = ["f%d" % j for j in range(x.shape[1])]
        f.write(",".join((["class"] if labels is not None else []) + cols) + "\n")
        for i in range(x.shape[0]):
            cells = ["" if mask is not None and not mask[i, j] else repr(float(x[i, j]))
                     for j in range(x.shape[1])]
            if labels is not None:
                cells = [labels[i]] + cells
            f.write(",".join(cells) + "\n")


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("fill.py: %s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stderr))
    return r.stdout


def knn_fill(xtr, xte, mask, mean, sd, k=5):
    ztr = (xtr - mean) / sd
    zte = (xte - mean) / sd
    out = xte.copy()
    for i in range(xte.shape[0]):
        p = mask[i]
        d = ((ztr[:, p] - zte[i, p]) ** 2).sum(axis=1)
        nn = np.argsort(d, kind="stable")[:k]
        out[i, ~p] = xtr[nn][:, ~p].mean(axis=0)
    return out


def split(n, seed):
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    cut = int(round(0.7 * n))
    return perm[:cut], perm[cut:], rng


def fill_case(som, tmp, x, seed, methods):
    tr, te, rng = split(x.shape[0], seed)
    xtr, xte = x[tr], x[te]
    mean, sd = xtr.mean(axis=0), xtr.std(axis=0)
    keep = sd > 0
    xtr, xte, mean, sd = xtr[:, keep], xte[:, keep], mean[keep], sd[keep]
    mask = rng.random(xte.shape) >= 0.2
    for i in np.where(~mask.any(axis=1))[0]:
        mask[i, rng.integers(xte.shape[1])] = True
    write_csv(os.path.join(tmp, "train.csv"), xtr)
    write_csv(os.path.join(tmp, "test.csv"), xte, mask)
    model = os.path.join(tmp, "m.som")
    run([som, "train", os.path.join(tmp, "train.csv"), "-o", model, "--seed", str(seed), "-q"])
    res = {}

    def rmse(filled):
        e = ((filled - xte) / sd)[~mask]
        return float(np.sqrt((e ** 2).mean()))

    for m in methods:
        out = os.path.join(tmp, "out.csv")
        run([som, "predict", model, os.path.join(tmp, "test.csv"), "--fill-from", m,
             "-o", out, "-q"])
        res[m] = rmse(np.loadtxt(out, delimiter=",", skiprows=1, ndmin=2))
    res["kNN k=5"] = rmse(knn_fill(xtr, xte, mask, mean, sd))
    res["training mean"] = rmse(np.where(mask, xte, mean))
    return res


def proba_case(som, tmp, x, y, seed, methods):
    tr, te, _ = split(x.shape[0], seed)
    write_csv(os.path.join(tmp, "train.csv"), x[tr], labels=y[tr])
    write_csv(os.path.join(tmp, "test.csv"), x[te], labels=y[te])
    model = os.path.join(tmp, "m.som")
    run([som, "train", os.path.join(tmp, "train.csv"), "-o", model, "--seed", str(seed),
         "--target", "class", "-q"])
    res = {}
    for m in methods:
        out = os.path.join(tmp, "out.csv")
        run([som, "predict", model, os.path.join(tmp, "test.csv"), "--target", "class",
             "--proba", "--fill-from", m, "-o", out, "-q"])
        with open(out) as f:
            head = f.readline().strip().split(",")
            rows = [line.rstrip("\n").split(",") for line in f]
        cols = [j for j, t in enumerate(head) if t.startswith("class=")]
        names = [head[j][len("class="):] for j in cols]
        p = np.array([[float(r[j]) for j in cols] for r in rows])
        truth = np.array([names.index(r[0]) for r in rows])
        onehot = np.eye(len(names))[truth]
        pc = np.clip(p, 1e-6, 1.0)
        res[m] = (float(-np.log(pc[np.arange(len(truth)), truth]).mean()),
                  float(((p - onehot) ** 2).sum(axis=1).mean()),
                  float(np.mean([r[1] == r[0] for r in rows])))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--som", default="build/som")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--methods", default="bmu,units:3,units:5,units:8,units:12,smooth,smooth:1")
    ap.add_argument("--tables", default="wine,breast_cancer,iris,boston,digits,diabetes")
    ap.add_argument("--no-proba", action="store_true")
    ap.add_argument("--no-fill", action="store_true")
    a = ap.parse_args()
    methods = a.methods.split(",")
    tables = a.tables.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        if not a.no_fill:
            cols = methods + ["kNN k=5", "training mean"]
            print("## Fill: RMSE of held-out cells in training standard deviations "
                  "(mean of %d seeds)\n" % a.seeds)
            print("| table | rows x fields | " + " | ".join(cols) + " |")
            print("|---|---|" + "---|" * len(cols))
            for t in tables:
                d = load(t)
                if d is None:
                    print("fill.py: %s is not installed here; skipped" % t, file=sys.stderr)
                    continue
                x = d[0]
                acc = {}
                for s in range(1, a.seeds + 1):
                    for k, v in fill_case(a.som, tmp, x, s, methods).items():
                        acc[k] = acc.get(k, 0.0) + v / a.seeds
                best = min(acc[m] for m in methods)
                print("| %s | %d x %d | " % (t, x.shape[0], x.shape[1]) + " | ".join(
                    ("**%.3f**" if k in methods and acc[k] == best else "%.3f") % acc[k]
                    for k in cols) + " |", flush=True)
        if not a.no_proba:
            print("\n## --proba: log-loss / Brier / accuracy on the held-out 30 %% "
                  "(mean of %d seeds)\n" % a.seeds)
            print("| table | " + " | ".join(methods) + " |")
            print("|---|" + "---|" * len(methods))
            for t in ("iris", "wine", "breast_cancer"):
                d = load(t)
                if d is None or t not in tables:
                    continue
                acc = {}
                for s in range(1, a.seeds + 1):
                    for k, v in proba_case(a.som, tmp, d[0], d[1], s, methods).items():
                        acc[k] = [p + q / a.seeds for p, q in zip(acc.get(k, (0, 0, 0)), v)]
                print("| %s | " % t + " | ".join("%.3f / %.3f / %.3f" % tuple(acc[m])
                                                 for m in methods) + " |", flush=True)


if __name__ == "__main__":
    main()
