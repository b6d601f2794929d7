"""Where a dlcore epoch spends its time: cProfile of one epoch of the benchmark's MNIST MLP.

    python benchmarks/profile_epoch.py [--batch-size 128] [--top 12]   # or: make profile

The model, data and weights are the benchmark's (``bench_mnist.py``: 784-128-10, ReLU, softmax +
cross-entropy, Adam, float32, all 60,000 training images). One epoch is run untimed as a
warm-up, then one epoch under cProfile. Printed: the epoch's time without and with the
profiler, and the functions that take the most time themselves (cProfile's "tottime", which
leaves out the functions they call), as a share of the profiled epoch. A matrix product
written with ``@`` is not a function call, so it is counted in the function whose line holds it
(``Dense._forward`` for ``X @ W``).

Run it before and after a change to dlcore to see what the change saved; the benchmark, not
this, gives the figures to quote (the profiler slows every Python call down).
"""
import argparse
import cProfile
import pstats
import time
from pathlib import Path

import numpy as np

from bench_mnist import SIZES, initial_weights, load_data


def build_model():
    """The benchmark's dlcore model, from its seed-0 initial weights."""
    import dlcore
    from dlcore import Dense, Sequential
    model = Sequential([Dense(SIZES[0], SIZES[1], "relu", dtype=np.float32),
                        Dense(SIZES[1], SIZES[2], "softmax", dtype=np.float32)])
    model.set_weights(initial_weights(0))
    model.compile(dlcore.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    return model


def short_name(key):
    """``(file, line, function)`` as ``layers.py:151(_forward)``, or NumPy's own name for a built-in."""
    filename, line, function = key
    if filename == "~":  # a built-in: "<method 'reduce' of 'numpy.ufunc' objects>"
        return function.strip("<>")
    return f"{Path(filename).name}:{line}({function})"


def main(args):
    x_train, y_train, _, _, _ = load_data()
    model, rng = build_model(), np.random.default_rng(0)

    def epoch():
        model.fit(x_train, y_train, epochs=1, batch_size=args.batch_size, rng=rng)

    epoch()  # warm-up
    start = time.perf_counter()
    epoch()
    plain = time.perf_counter() - start
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.runcall(epoch)
    profiled = time.perf_counter() - start
    stats = pstats.Stats(profiler).stats  # {(file, line, function): (calls, ncalls, tottime, cumtime, callers)}
    rows = sorted(((tottime, ncalls, short_name(key)) for key, (_, ncalls, tottime, _, _) in stats.items()),
                  reverse=True)
    print(f"batch {args.batch_size}: one epoch {plain:.3f} s, {profiled:.3f} s under the profiler")
    print(f"{'function':<48}{'calls':>8}{'seconds':>10}{'share':>8}")
    for tottime, ncalls, name in rows[:args.top]:
        print(f"{name:<48}{ncalls:>8}{tottime:>10.3f}{tottime / profiled:>8.1%}")
    rest = sum(row[0] for row in rows[args.top:])
    print(f"{'everything else':<48}{'':>8}{rest:>10.3f}{rest / profiled:>8.1%}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--top", type=int, default=12, help="how many functions to list")
    main(parser.parse_args())
