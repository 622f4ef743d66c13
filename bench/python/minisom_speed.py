#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""MiniSom-style training, timed in one run: som.compat.MiniSom (libsom)
against the plain numpy reference of the same rules
(tests/python/minisom_reference.py) and, when it is installed, MiniSom
itself (not a Debian package; skipped politely otherwise).

    PYTHONPATH=build/python /usr/bin/python3 bench/python/minisom_speed.py [--quick]

Each case: the same start, the same steps (train_random: T single-sample
steps in random order), the QE after training and the seconds of training
alone. Ratios are from this one run; the machine is shared and noisy.
Data: data/iris.csv, data/colours.csv (an image of 64 x 64 pixels of its
colours) and scikit-learn's digits table when installed
(/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz)."""
import argparse
import gzip
import pathlib
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))
import minisom_reference as ref  # noqa: E402
from som.compat import MiniSom  # noqa: E402

DIGITS = pathlib.Path("/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz")


def iris():
    d = np.genfromtxt(ROOT / "data" / "iris.csv", delimiter=",", skip_header=1, usecols=range(4))
    return (d - d.mean(0)) / d.std(0)


def colours():
    c = np.genfromtxt(ROOT / "data" / "colours.csv", delimiter=",", skip_header=1,
                      usecols=(1, 2, 3)) / 255
    rng = np.random.RandomState(3)
    return np.clip(c[rng.randint(len(c), size=64 * 64)] + rng.normal(0, 0.02, (4096, 3)), 0, 1)


def digits():
    if not DIGITS.exists():
        return None
    with gzip.open(DIGITS, "rt") as f:
        d = np.loadtxt(f, delimiter=",")[:, :64]
    return d / 16.0


def timed(f):
    t = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t


def run_case(name, data, x, y, sigma, lr, steps):
    som = MiniSom(x, y, data.shape[1], sigma=sigma, learning_rate=lr, random_seed=1)
    som.random_weights_init(data)
    start = som.get_weights().copy()
    _, t_compat = timed(lambda: som.train_random(data, steps))
    qe_compat = som.quantization_error(data)
    w, t_ref = timed(lambda: ref.train(start, data, steps, "random", sigma=sigma,
                                       learning_rate=lr, seed=1))
    qe_ref = ref.quantization_error(w, data)
    row = [name, "%dx%d" % (x, y), "%dx%d" % data.shape, steps, t_compat, t_ref, t_ref / t_compat,
           qe_compat, qe_ref]
    try:
        import minisom  # noqa: F401  (not a Debian package)
        ms = minisom.MiniSom(x, y, data.shape[1], sigma=sigma, learning_rate=lr, random_seed=1)
        ms._weights = start.copy()
        _, t_ms = timed(lambda: ms.train_random(data, steps))
        row += [t_ms, t_ms / t_compat, ms.quantization_error(data)]
    except ImportError:
        row += [None, None, None]
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps (a smoke run)")
    a = ap.parse_args()
    k = 10 if a.quick else 1
    cases = [("iris", iris(), 7, 7, 3.0, 0.5, 5000 // k),
             ("colours", colours(), 4, 4, 1.0, 0.2, 20000 // k)]
    d = digits()
    if d is not None:
        cases.append(("digits", d, 20, 20, 3.0, 0.5, 10 * len(d) // k))
    else:
        print("digits: skipped (scikit-learn's digits table is not installed)", file=sys.stderr)
    try:
        import minisom  # noqa: F401
        have_minisom = True
    except ImportError:
        have_minisom = False
        print("MiniSom itself: not installed (pip install minisom; not a Debian package), "
              "so only compat and the numpy reference are timed", file=sys.stderr)
    head = "| case | map | data | steps | compat s | numpy ref s | ref / compat | QE compat | QE ref |"
    if have_minisom:
        head += " MiniSom s | MiniSom / compat | QE MiniSom |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for c in cases:
        r = run_case(*c)
        cells = [r[0], r[1], r[2], str(r[3]), "%.3f" % r[4], "%.3f" % r[5], "%.0f×" % r[6],
                 "%.4f" % r[7], "%.4f" % r[8]]
        if have_minisom:
            cells += ["%.3f" % r[9], "%.0f×" % r[10], "%.4f" % r[11]]
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
