"""Benchmark: the 784-128-10 MLP on MNIST with dlcore, Keras (twice) and scikit-learn, side by side.

    python benchmarks/bench_mnist.py            # or: make bench (about 5 minutes on 2 cores)

For each batch size (32 and 128) and each repeat, four contenders train the same network
(ReLU, softmax + cross-entropy, Adam with learning rate 1e-3, float32, no weight penalty) on the
full MNIST training set (60,000 images) and are tested on its 10,000 test images, each in a
fresh worker process so that its peak memory (RSS) is its own:

- dlcore (NumPy), and Keras (TensorFlow on the CPU), from the same Glorot-uniform weights; Keras
  twice, with its default ``steps_per_execution=1`` and with 32 batches per call of its compiled
  training step (less Python overhead per batch);
- scikit-learn's ``MLPClassifier``, one ``partial_fit`` call per epoch (shuffled with a fixed
  seed). It cannot be given initial weights: it draws its own (Glorot-like uniform, biases
  too), and its Adam uses epsilon 1e-8 where Keras and dlcore use 1e-7.

Everything runs on the CPU, NumPy's BLAS on one thread (OPENBLAS_NUM_THREADS=1, exported by
``make bench``). Reported: seconds per epoch (median over the timed epochs and repeats, with the
min-max spread), samples per second, the speed relative to each other contender and to the
time of the epoch's matrix products alone done with NumPy (the "floor" no NumPy implementation
can beat), peak RSS and final test accuracy. Results go to benchmarks/results/mnist_mlp.json
and .md (``--out`` picks another folder; ``--train-size`` a quick check on fewer images).
"""
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before any TensorFlow import, here and in workers
HERE = Path(__file__).resolve().parent
SIZES = (784, 128, 10)
KERAS_STEPS_PER_EXECUTION = 32
NAMES = {"dlcore": "dlcore", "keras": "Keras", "keras_spe": f"Keras, steps_per_execution={KERAS_STEPS_PER_EXECUTION}",
         "sklearn": "scikit-learn"}  # JSON key: table label


def load_data(train_size=None):
    """MNIST as float32 in [0, 1], flattened to 784 inputs (the first ``train_size`` training
    images, or all), plus the ``MnistInfo`` saying where it came from."""
    from dlcore.data import load_mnist
    ((x_train, y_train), (x_test, y_test)), info = load_mnist(verbose=False, return_info=True)
    flat = lambda x: (x.reshape(len(x), -1) / np.float32(255)).astype(np.float32, copy=False)
    x_train, y_train = x_train[:train_size], y_train[:train_size]
    return flat(x_train), y_train.astype(np.int64), flat(x_test), y_test.astype(np.int64), info


def initial_weights(seed):
    """Glorot-uniform kernels and zero biases (Keras's Dense defaults), shared by dlcore and Keras."""
    from dlcore import initializers
    rng = np.random.default_rng(seed)
    weights = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        weights += [initializers.glorot_uniform((n_in, n_out), rng).astype(np.float32),
                    np.zeros(n_out, np.float32)]
    return weights


def peak_rss_mb():
    """Peak resident memory of this process in MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def blas_threads():
    """The most threads any BLAS library loaded in this process may use (threadpoolctl's view)."""
    from threadpoolctl import threadpool_info
    return max((pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"), default=0)


def time_epochs(train_one_epoch, epochs):
    """Wall-clock seconds of each of ``epochs`` calls of ``train_one_epoch()``."""
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        train_one_epoch()
        times.append(time.perf_counter() - start)
    return times


def train_dlcore(data, batch_size, epochs, seed):
    """Per-epoch seconds and test accuracy of dlcore's Sequential."""
    import dlcore
    from dlcore import Dense, Sequential
    x_train, y_train, x_test, y_test = data
    model = Sequential([Dense(784, 128, "relu", dtype=np.float32),
                        Dense(128, 10, "softmax", dtype=np.float32)])
    model.set_weights(initial_weights(seed))
    model.compile(dlcore.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    rng = np.random.default_rng(seed)
    times = time_epochs(lambda: model.fit(x_train, y_train, epochs=1, batch_size=batch_size, rng=rng), epochs)
    return times, float(np.mean(model.predict(x_test).argmax(axis=1) == y_test))


def train_keras(data, batch_size, epochs, seed, steps_per_execution=1):
    """Per-epoch seconds and test accuracy of Keras (TensorFlow), from dlcore's initial weights.

    ``steps_per_execution`` > 1 makes one call of the compiled training function run that many
    batches, so Python's per-step dispatch is paid once per group of batches (Keras's own remedy
    for small models whose steps are dominated by overhead).
    """
    import keras
    keras.utils.set_random_seed(seed)
    x_train, y_train, x_test, y_test = data
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(128, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.set_weights(initial_weights(seed))
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy",
                  steps_per_execution=steps_per_execution)
    times = time_epochs(lambda: model.fit(x_train, y_train, epochs=1, batch_size=batch_size, verbose=0), epochs)
    return times, float(np.mean(model.predict(x_test, verbose=0).argmax(axis=1) == y_test))


def train_keras_spe(data, batch_size, epochs, seed):
    """Keras with ``steps_per_execution=KERAS_STEPS_PER_EXECUTION`` batches per compiled call."""
    return train_keras(data, batch_size, epochs, seed, steps_per_execution=KERAS_STEPS_PER_EXECUTION)


def train_sklearn(data, batch_size, epochs, seed):
    """Per-epoch seconds and test accuracy of scikit-learn's MLPClassifier, one partial_fit per epoch.

    It draws its own initial weights (it cannot take dlcore's). partial_fit trains exactly one
    shuffled epoch per call and never stops early. The seed is given as a RandomState object:
    an int would be re-read on every call, so every epoch after the first would be shuffled
    the same way. Any warning (say a clipped batch size) is raised as an error, so it cannot
    pass unseen.
    """
    from sklearn.neural_network import MLPClassifier
    x_train, y_train, x_test, y_test = data
    model = MLPClassifier(hidden_layer_sizes=(128,), activation="relu", solver="adam", alpha=0.0,
                          batch_size=batch_size, learning_rate_init=1e-3, beta_1=0.9, beta_2=0.999,
                          epsilon=1e-8,  # scikit-learn's default; Keras's (and dlcore's) is 1e-7
                          shuffle=True, random_state=np.random.RandomState(seed))
    classes = np.arange(SIZES[-1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        times = time_epochs(lambda: model.partial_fit(x_train, y_train, classes=classes), epochs)
    return times, float(np.mean(model.predict(x_test) == y_test))


TRAINERS = {"dlcore": train_dlcore, "keras": train_keras, "keras_spe": train_keras_spe, "sklearn": train_sklearn}


def matmul_floor(n_train, batch_size, repeats=5):
    """Seconds for one epoch of the MLP's matrix products alone (forward and backward, float32).

    Per batch of B rows: X@W1 (B x 784 x 128), H@W2 (B x 128 x 10), then H.T@G2, G2@W2.T and
    X.T@G1 for the gradients (the input gradient of the first layer is not needed). The operands
    are made before the clock starts, so only the products are timed.
    """
    rng = np.random.default_rng(0)
    f32 = lambda *shape: rng.random(shape, dtype=np.float32)
    W1, W2 = f32(784, 128), f32(128, 10)
    sizes = [min(batch_size, n_train - first) for first in range(0, n_train, batch_size)]
    operands = {B: (f32(B, 784), f32(B, 10), f32(B, 128)) for B in set(sizes)}
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for B in sizes:
            X, G2, G1 = operands[B]
            H = X @ W1
            H @ W2
            H.T @ G2
            G2 @ W2.T
            X.T @ G1
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def worker(args):
    """Train one contender once and print a JSON line (called in a fresh process)."""
    x_train, y_train, x_test, y_test, info = load_data(args.train_size)
    trainer = TRAINERS[args.worker]
    times, accuracy = trainer((x_train, y_train, x_test, y_test), args.batch_size, args.epochs, args.seed)
    print(json.dumps({"times": times, "accuracy": accuracy, "peak_rss_mb": peak_rss_mb(),
                      "blas_threads": blas_threads(), "n_train": len(x_train), "n_test": len(x_test),
                      "source": info.source, "source_n_train": info.n_train, "note": info.note}))


def run_worker(name, batch_size, args, seed):
    """Run ``worker`` for one contender in a fresh Python process; its JSON result as a dict."""
    cmd = [sys.executable, __file__, "--worker", name, "--batch-size", str(batch_size),
           "--epochs", str(args.epochs), "--seed", str(seed)]
    if args.train_size:
        cmd += ["--train-size", str(args.train_size)]
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}  # a CPU benchmark: TensorFlow must not find a GPU
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode:
        sys.exit(f"\n{' '.join(cmd[1:])} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def progress(done, total, label, elapsed):
    """A one-line progress bar on stderr with the time spent and a naive estimate of the rest."""
    width = 30
    filled = int(width * done / total)
    left = f", ~{(total - done) * elapsed / done / 60:.1f} min left" if 0 < done < total else ""
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
                     f"{elapsed / 60:.1f} min{left}  {label:<32}")
    sys.stderr.flush()
    if done == total:
        sys.stderr.write("\n")


def machine(runs):
    """The CPU, library versions and BLAS threading the numbers were measured with."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
               platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": version("numpy"), "tensorflow": version("tensorflow"), "keras": version("keras"),
            "scikit-learn": version("scikit-learn"), "platform": platform.platform(),
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "unset (all cores)"),
            "blas_threads": max(run["blas_threads"] for run in runs)}


def summarise(runs, n_train):
    """Median and spread of the per-epoch times (the first epoch of each run is a warm-up)."""
    times = [t for run in runs for t in run["times"][1:]]
    median = statistics.median(times)
    return {"sec_per_epoch": median, "sec_min": min(times), "sec_max": max(times),
            "samples_per_sec": n_train / median,
            "accuracy": statistics.median(run["accuracy"] for run in runs),
            "peak_rss_mb": max(run["peak_rss_mb"] for run in runs)}


def data_description(run):
    """Which MNIST images were used, from a worker's report of its ``MnistInfo``."""
    used = f"{run['n_train']:,}" if run["n_train"] == run["source_n_train"] else \
        f"the first {run['n_train']:,} of {run['source_n_train']:,}"
    note = run["note"].replace("$", "")  # "$" would open a formula where the book quotes the header
    return f"{used} training and {run['n_test']:,} test images ({run['source']}: {note})"


def markdown(result):
    """The results as the header and table that chapter 11 quotes."""
    m = result["machine"]
    lines = [f"MNIST 784-128-10 MLP (ReLU, softmax + cross-entropy, Adam lr 1e-3, float32, no weight "
             f"penalty), data: {result['data']}.",
             f"Machine: {m['cpu']}, {m['cores']} cores, CPU only; NumPy {m['numpy']}, TensorFlow "
             f"{m['tensorflow']}, Keras {m['keras']}, scikit-learn {m['scikit-learn']}; "
             f"OPENBLAS_NUM_THREADS={m['OPENBLAS_NUM_THREADS']}: dlcore, scikit-learn and the floor multiply "
             f"matrices with NumPy's BLAS, which threadpoolctl saw using at most {m['blas_threads']} thread "
             "per worker; TensorFlow uses its own thread pool over all cores.",
             "dlcore and Keras start from the same Glorot-uniform weights; scikit-learn cannot be given "
             "weights and draws its own (Glorot-like uniform, biases too), and its Adam epsilon is 1e-8 "
             "(Keras's 1e-7). The matmul floor is the epoch's matrix products alone, in NumPy.",
             f"{result['repeats']} runs per contender and batch size, {result['epochs'] - 1} timed epochs "
             "each (the first epoch is a warm-up); median seconds per epoch with [min, max]. "
             "\"vs X\" is X's seconds per epoch divided by this row's: above 1.00x is faster than X.", "",
             "| batch | contender | s/epoch [min, max] | samples/s | vs Keras | vs scikit-learn "
             "| vs matmul floor | peak RSS MiB | test acc |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for batch, row in result["by_batch"].items():
        lines += [table_row(batch, NAMES[key], row, row[key]) for key in NAMES]
        floor = row["matmul_floor_sec"]
        lines.append(table_row(batch, "matmul floor", row,
                               {"sec_per_epoch": floor, "samples_per_sec": result["n_train"] / floor}))
    return "\n".join(lines) + "\n"


def table_row(batch, label, row, stats):
    """One row of the table; the floor's ``stats`` hold only its time and rate (no spread,
    memory or accuracy)."""
    sec = stats["sec_per_epoch"]
    spread = f" [{stats['sec_min']:.3f}, {stats['sec_max']:.3f}]" if "sec_min" in stats else ""
    others = (row["keras"]["sec_per_epoch"], row["sklearn"]["sec_per_epoch"], row["matmul_floor_sec"])
    cells = [str(batch), label, f"{sec:.3f}{spread}", f"{stats['samples_per_sec']:,.0f}",
             *(f"{other / sec:.2f}x" for other in others)]
    cells += [f"{stats['peak_rss_mb']:.0f}", f"{100 * stats['accuracy']:.2f}%"] if "accuracy" in stats else ["", ""]
    return "| " + " | ".join(cells) + " |"


def run_all(args):
    """Every (repeat, batch size, contender) in its own worker, interleaved so that a slow
    spell of the machine spreads over all contenders; returns the runs keyed by batch and name."""
    tasks = [(r, b, name) for r in range(args.repeats) for b in args.batch_sizes for name in TRAINERS]
    print(f"{len(tasks)} workers ({args.repeats} repeats x {len(args.batch_sizes)} batch sizes x "
          f"{len(TRAINERS)} contenders), {args.epochs} epochs each", file=sys.stderr)
    runs, start = {}, time.perf_counter()
    for i, (repeat, batch, name) in enumerate(tasks):
        progress(i, len(tasks), f"run {repeat + 1}, batch {batch}, {NAMES[name]}", time.perf_counter() - start)
        # One seed per repeat: dlcore and Keras start from the same weights.
        runs.setdefault(batch, {}).setdefault(name, []).append(run_worker(name, batch, args, args.seed + repeat))
    progress(len(tasks), len(tasks), "done", time.perf_counter() - start)
    return runs


def main(args):
    """Run every worker, time the matmul floor, then write and print the results."""
    runs = run_all(args)
    first = runs[args.batch_sizes[0]]["dlcore"][0]
    n_train = first["n_train"]
    every_run = [run for by_name in runs.values() for name_runs in by_name.values() for run in name_runs]
    result = {"data": data_description(first), "n_train": n_train, "n_test": first["n_test"],
              "repeats": args.repeats, "epochs": args.epochs, "machine": machine(every_run), "by_batch": {}}
    for batch in args.batch_sizes:
        row = {name: summarise(runs[batch][name], n_train) for name in TRAINERS}
        row["matmul_floor_sec"] = matmul_floor(n_train, batch)
        result["by_batch"][str(batch)] = row
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "mnist_mlp.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "mnist_mlp.md").write_text(markdown(result))
    print(markdown(result))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 128])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=4, help="epochs per run; the first is a warm-up")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(HERE / "results"), help="folder for mnist_mlp.json and .md")
    parser.add_argument("--train-size", type=int, help="train on the first N images only (a quick check)")
    parser.add_argument("--worker", choices=list(TRAINERS), help=argparse.SUPPRESS)
    parser.add_argument("--batch-size", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    worker(arguments) if arguments.worker else main(arguments)
