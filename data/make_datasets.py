"""Write every CSV file of the book's small data sets.

Run ``python data/make_datasets.py`` to rewrite the CSVs next to this script, or
``python data/make_datasets.py --out DIR`` to write them somewhere else (the tests do
this and compare the bytes with the committed files). The script needs NumPy only.

Two kinds of data set live here:

* worked examples copied from the students' notes (``../shared/seeds/``): literal tables;
* synthetic sets drawn from ``numpy.random.default_rng(SEED)``: every set has its own
  seed, so changing one generator never changes the others.

Numbers are rounded to 6 decimals so the files stay readable; labels are written as
integers. ``data/README.md`` documents every column.
"""
import argparse
from pathlib import Path

import numpy as np

DECIMALS = 6


# --------------------------------------------------------------------------------------
# Worked examples from the notes (literal tables)
# --------------------------------------------------------------------------------------

def pass_fail():
    """Perceptron pass/fail table of notes 002 (5 students, two marks, passed = 1)."""
    columns = ["x1", "x2", "passed"]
    rows = [[95, 95, 1], [4, 4, 0], [4, 5, 1], [100, 2, 1], [95, 7, 1]]
    return columns, np.array(rows, dtype=float)


def productivity():
    """Notes 003: hours of sleep, cups of coffee, travel time -> productivity (0-100).

    The notes write travel time once as 2.5, 3.2, 1.7, 1.9 and once as 25, 32, 17, 19;
    their worked numbers (z2 = 0.16*7 + 0.5*2 + 0.6*25 - 4 = 13.12) use 25, so we keep
    the second table.
    """
    columns = ["sleep_hours", "coffee_cups", "travel_time", "productivity"]
    rows = [[7, 2, 25, 85], [6, 1, 32, 65], [8, 2, 17, 92], [8, 3, 19, 95]]
    return columns, np.array(rows, dtype=float)


def salary():
    """Notes 004: (cgpa, profile score) -> salary in lakh rupees per year, 2-2-1 regression."""
    columns = ["cgpa", "profile_score", "salary"]
    rows = [[8, 8, 4], [7, 9, 5], [6, 10, 6], [5, 12, 7]]
    return columns, np.array(rows, dtype=float)


def placement():
    """(cgpa, profile score) -> placed (1) or not (0), the 2-2-1 classification twin of salary."""
    columns = ["cgpa", "profile_score", "placed"]
    rows = [[8, 8, 1], [7, 9, 1], [6, 10, 0], [5, 5, 0]]
    return columns, np.array(rows, dtype=float)


def iq_gpa_salary():
    """Notes 004, 'Step by step implementation': (iq, gpa) -> salary in lakh rupees."""
    columns = ["iq", "gpa", "salary"]
    rows = [[80, 3.5, 1.8], [60, 4.0, 2.5], [70, 3.2, 2.0]]
    return columns, np.array(rows, dtype=float)


def ewma_temperature():
    """Notes 001, lecture 33 (EWMA): the temperature on days 1 to 5."""
    columns = ["day", "temperature"]
    rows = [[1, 28], [2, 13], [3, 17], [4, 31], [5, 43]]
    return columns, np.array(rows, dtype=float)


# --------------------------------------------------------------------------------------
# Synthetic sets (seeded)
# --------------------------------------------------------------------------------------

def perceptron_2d(seed=101, n_per_class=20, margin=0.25):
    """Two linearly separable classes in the square [-2, 2]^2.

    A point is class 1 when x1 + 2*x2 - 1 > 0. Points closer than ``margin`` to that line
    are redrawn, so a perceptron converges in a few epochs.
    """
    rng = np.random.default_rng(seed)
    accepted = {0: [], 1: []}
    while min(len(points) for points in accepted.values()) < n_per_class:
        x = rng.uniform(-2.0, 2.0, size=2)
        score = x[0] + 2.0 * x[1] - 1.0
        if abs(score) / np.sqrt(5.0) < margin:
            continue
        label = int(score > 0)
        if len(accepted[label]) < n_per_class:
            accepted[label].append(x)
    X = np.array(accepted[0] + accepted[1])
    y = np.repeat([0.0, 1.0], n_per_class)
    order = rng.permutation(len(y))
    return ["x1", "x2", "y"], np.column_stack([X, y])[order]


def xor():
    """The four corners of the unit square; y = x1 XOR x2."""
    rows = [[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 0]]
    return ["x1", "x2", "y"], np.array(rows, dtype=float)


def xor_noisy(seed=202, n_per_corner=50, noise=0.15):
    """A cloud of ``n_per_corner`` points around each XOR corner (Gaussian noise, std 0.15)."""
    rng = np.random.default_rng(seed)
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    labels = np.array([0.0, 1.0, 1.0, 0.0])
    X = np.repeat(corners, n_per_corner, axis=0) + rng.normal(0.0, noise, (4 * n_per_corner, 2))
    y = np.repeat(labels, n_per_corner)
    order = rng.permutation(len(y))
    return ["x1", "x2", "y"], np.column_stack([X, y])[order]


def _noisy_sine(rng, n, noise):
    """``n`` points with x ~ U(0, 1) (sorted) and y = sin(2*pi*x) + N(0, noise^2)."""
    x = np.sort(rng.uniform(0.0, 1.0, n))
    y = np.sin(2.0 * np.pi * x) + rng.normal(0.0, noise, n)
    return ["x", "y"], np.column_stack([x, y])


def sine_train(seed=303, n=30, noise=0.25):
    """30 noisy samples of sin(2*pi*x): small enough for an MLP to overfit."""
    return _noisy_sine(np.random.default_rng(seed), n, noise)


def sine_val(seed=304, n=60, noise=0.25):
    """60 fresh samples from the same curve and noise, for validation."""
    return _noisy_sine(np.random.default_rng(seed), n, noise)


def moons(seed=404, n_per_class=100, noise=0.15):
    """Two interleaving half circles (class 0 on top, class 1 below), Gaussian noise 0.15.

    Class 0: (cos t, sin t); class 1: (1 - cos t, 0.5 - sin t); t ~ U(0, pi).
    """
    rng = np.random.default_rng(seed)
    t0 = rng.uniform(0.0, np.pi, n_per_class)
    t1 = rng.uniform(0.0, np.pi, n_per_class)
    top = np.column_stack([np.cos(t0), np.sin(t0)])
    bottom = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    X = np.vstack([top, bottom]) + rng.normal(0.0, noise, (2 * n_per_class, 2))
    y = np.repeat([0.0, 1.0], n_per_class)
    order = rng.permutation(len(y))
    return ["x1", "x2", "y"], np.column_stack([X, y])[order]


DATASETS = {
    "pass_fail": pass_fail,
    "productivity": productivity,
    "salary": salary,
    "placement": placement,
    "iq_gpa_salary": iq_gpa_salary,
    "ewma_temperature": ewma_temperature,
    "perceptron_2d": perceptron_2d,
    "xor": xor,
    "xor_noisy": xor_noisy,
    "sine_train": sine_train,
    "sine_val": sine_val,
    "moons": moons,
}


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------

def format_number(value):
    """Round to 6 decimals and drop trailing zeros: 0.500000 -> '0.5', 2.0 -> '2'."""
    rounded = round(float(value), DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{rounded:.{DECIMALS}f}".rstrip("0").rstrip(".")


def to_csv(columns, table):
    """CSV text: a header line, then one line per row, '\\n' line endings."""
    lines = [",".join(columns)]
    lines += [",".join(format_number(v) for v in row) for row in table]
    return "\n".join(lines) + "\n"


def write_all(out_dir):
    """Write ``<name>.csv`` for every data set into ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, make in DATASETS.items():
        path = out_dir / f"{name}.csv"
        path.write_text(to_csv(*make()), encoding="utf-8", newline="")
        paths.append(path)
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=Path(__file__).resolve().parent,
                        help="folder to write the CSVs into (default: this script's folder)")
    args = parser.parse_args(argv)
    for path in write_all(args.out):
        print(path)


if __name__ == "__main__":
    main()
